"""The words a reporter reads, word for word, for every situation of the table
(docs/situations.md), and the rules no text may break. answers.py is pure, so each case
builds the Reader directly; which body lands in which situation is tested on real bodies
in tests/test_real_corpus.py."""

from __future__ import annotations

import re

import pytest

from recovery_bot.intake.answers import SITUATIONS, Reader, pick, render

SUPPORT = "support@pypi.org"
SECURITY = "security@pypi.org"

# name: (Reader fields, the exact comment)
EXPECTED = {
    "lost_2fa": (
        {
            "situation": "lost_2fa",
            "reason": "lost_2fa",
            "username": "alice",
            "username_exists": True,
            "project_count": 3,
        },
        (
            "Thanks for your account recovery request: it has what the PyPI team needs to "
            "start.\n\n**What happens next.** When the PyPI admins reach your request, they send "
            "instructions to the e-mail address on the account. Please follow them and **reply to"
            " that e-mail**: the reply, not a comment here, is what they check. Usually you are "
            "asked to push a branch with a given name to a public source repository linked from "
            "one of your projects on PyPI; if there is none, they explain the alternative, which "
            "includes a seven-day waiting period. If you find your recovery codes in the "
            "meantime, one of them signs you in instead of your device "
            "(https://pypi.org/help/#recoverycodes); then please say so here.\n\nRequests are "
            "handled in the order they arrive by a very small team, so a reply can take a week or"
            " more; there is no need to post updates. I check the issue again each time it is "
            "edited and keep this comment up to date."
        ),
    ),
    "lost_2fa_no_projects": (
        {
            "situation": "lost_2fa",
            "reason": "lost_2fa",
            "username": "alice",
            "username_exists": True,
            "project_count": 0,
        },
        (
            "Thanks for your account recovery request: it has what the PyPI team needs to "
            "start.\n\n**What happens next.** When the PyPI admins reach your request, they send "
            "instructions to the e-mail address on the account. Please follow them and **reply to"
            " that e-mail**: the reply, not a comment here, is what they check. Your account has "
            "no projects on PyPI, so there is no source repository to check ownership against; in"
            " that case the admins explain the alternative, which includes a seven-day waiting "
            "period. If you find your recovery codes in the meantime, one of them signs you in "
            "instead of your device (https://pypi.org/help/#recoverycodes); then please say so "
            "here.\n\nRequests are handled in the order they arrive by a very small team, so a "
            "reply can take a week or more; there is no need to post updates. I check the issue "
            "again each time it is edited and keep this comment up to date."
        ),
    ),
    "lost_2fa_codes_fail": (
        {"situation": "lost_2fa", "reason": "lost_2fa", "recovery_codes_fail": True},
        (
            "Thanks for your account recovery request: it has what the PyPI team needs to "
            "start.\n\n**What happens next.** When the PyPI admins reach your request, they send "
            "instructions to the e-mail address on the account. Please follow them and **reply to"
            " that e-mail**: the reply, not a comment here, is what they check. Usually you are "
            "asked to push a branch with a given name to a public source repository linked from "
            "one of your projects on PyPI; if there is none, they explain the alternative, which "
            "includes a seven-day waiting period.\n\nRequests are handled in the order they "
            "arrive by a very small team, so a reply can take a week or more; there is no need to"
            " post updates. I check the issue again each time it is edited and keep this comment "
            "up to date."
        ),
    ),
    "lost_2fa_has_codes": (
        {
            "situation": "lost_2fa_has_codes",
            "reason": "lost_2fa",
            "mentions_having_recovery_codes": True,
            "unchecked_required": ("Recovery Codes",),
        },
        (
            "Thanks for your account recovery request: it has what the PyPI team needs to "
            "start.\n\n**You mention that you still have recovery codes.** Each code signs you in"
            " once instead of your two-factor device: on the two-factor page, choose to use a "
            "recovery code (https://pypi.org/help/#recoverycodes). Then set up two-factor "
            "authentication again and keep the new codes safe. If that works, please close this "
            "issue. If the codes are rejected, say so here, and the PyPI admins will continue "
            "with a recovery through the e-mail address on the account.\n\nRequests are handled "
            "in the order they arrive by a very small team, so a reply can take a week or more; "
            "there is no need to post updates. I check the issue again each time it is edited and"
            " keep this comment up to date."
        ),
    ),
    "lost_email": (
        {"situation": "lost_email", "reason": "lost_email"},
        (
            "Thanks for your account recovery request: it has what the PyPI team needs to "
            "start.\n\n**What happens next.** You lost access to the account's e-mail address. "
            "The PyPI admins will need the address you'd like on the account: please send an "
            "e-mail to support@pypi.org **from that address**, with a link to this issue, and "
            "don't post the address here. It must not already belong to another PyPI account. "
            "They then send a verification message to that address; please answer it.\n\nRequests"
            " are handled in the order they arrive by a very small team, so a reply can take a "
            "week or more; there is no need to post updates. I check the issue again each time it"
            " is edited and keep this comment up to date."
        ),
    ),
    "lost_email_has_codes": (
        {"situation": "lost_email", "reason": "lost_email", "mentions_having_recovery_codes": True},
        (
            "Thanks for your account recovery request: it has what the PyPI team needs to "
            "start.\n\n**What happens next.** You lost access to the account's e-mail address. "
            "The PyPI admins will need the address you'd like on the account: please send an "
            "e-mail to support@pypi.org **from that address**, with a link to this issue, and "
            "don't post the address here. It must not already belong to another PyPI account. "
            "They then send a verification message to that address; please answer it. Your "
            "recovery codes can't replace the e-mail address (PyPI also confirms sign-ins from a "
            "new device by e-mail), so please keep this request open.\n\nRequests are handled in "
            "the order they arrive by a very small team, so a reply can take a week or more; "
            "there is no need to post updates. I check the issue again each time it is edited and"
            " keep this comment up to date."
        ),
    ),
    "both": (
        {"situation": "both", "reason": "both"},
        (
            "Thanks for your account recovery request: it has what the PyPI team needs to "
            "start.\n\n**What happens next.** You lost access to the account's e-mail address and"
            " your two-factor device. The PyPI admins will need the address you'd like on the "
            "account: please send an e-mail to support@pypi.org **from that address**, with a "
            "link to this issue, and don't post the address here. It must not already belong to "
            "another PyPI account. They then send a verification message to that address; please "
            "answer it. Two-factor authentication is reset as part of the same "
            "recovery.\n\nRequests are handled in the order they arrive by a very small team, so "
            "a reply can take a week or more; there is no need to post updates. I check the issue"
            " again each time it is edited and keep this comment up to date."
        ),
    ),
    "username_unknown_address": (
        {
            "situation": "username_unknown",
            "reason": "lost_2fa",
            "username_problem": "looks_like_email",
            "contains_email_address": True,
        },
        (
            "Thanks for your account recovery request.\n\n**If you don't know your username.** "
            "The username field holds an e-mail address; that's fine for now, but please remove "
            "the address from this public issue. If you still receive mail at the account's "
            "address, enter that address in PyPI's password-reset form "
            "(https://pypi.org/account/request-password-reset/): the e-mail it sends names the "
            "account, and you can then put the username in this issue. If you don't, send an "
            "e-mail to support@pypi.org with a link to this issue, naming the address (or any "
            "username) you think the account used; the PyPI admins can't find the account without"
            " one of them.\n\nRequests are handled in the order they arrive by a very small team,"
            " so a reply can take a week or more; there is no need to post updates. I check the "
            "issue again each time it is edited and keep this comment up to date."
        ),
    ),
    "username_unknown_lost_email": (
        {"situation": "username_unknown", "reason": "lost_email", "username_problem": "unknown"},
        (
            "Thanks for your account recovery request.\n\n**If you don't know your username.** As"
            " you no longer have the account's e-mail address, please send an e-mail to "
            "support@pypi.org **from the address you'd like on the account**, with a link to this"
            " issue, naming the old address (and any username you think you used); the PyPI "
            "admins can't find the account without one of them.\n\nRequests are handled in the "
            "order they arrive by a very small team, so a reply can take a week or more; there is"
            " no need to post updates. I check the issue again each time it is edited and keep "
            "this comment up to date."
        ),
    ),
    "new_device": (
        {"situation": "new_device", "reason": "unclear", "topics": ("new_device",)},
        (
            "Thanks for your account recovery request: it has what the PyPI team needs to "
            "start.\n\n**About the new-device e-mail.** When you sign in from a device PyPI "
            "doesn't know, it e-mails a confirmation link from noreply@pypi.org to the account's "
            "primary address, and recovery codes don't skip this step. Please check your spam "
            "folder and filters, and whether the account uses another of your addresses. If the "
            "e-mail never arrives, send an e-mail to support@pypi.org from the account's address,"
            " with a link to this issue. If you no longer have that address, say so "
            "here.\n\nRequests are handled in the order they arrive by a very small team, so a "
            "reply can take a week or more; there is no need to post updates. I check the issue "
            "again each time it is edited and keep this comment up to date."
        ),
    ),
    "unverified_email": (
        {"situation": "unverified_email", "reason": "unclear", "topics": ("unverified_email",)},
        (
            "Thanks for your account recovery request: it has what the PyPI team needs to "
            "start.\n\n**What happens next.** The address on the account isn't verified, so the "
            "PyPI admins need to confirm that the request comes from its owner: please send an "
            "e-mail to support@pypi.org **from the address on the account**, with a link to this "
            "issue. They then send you a recovery e-mail; please follow it and reply.\n\nRequests"
            " are handled in the order they arrive by a very small team, so a reply can take a "
            "week or more; there is no need to post updates. I check the issue again each time it"
            " is edited and keep this comment up to date."
        ),
    ),
    "testpypi": (
        {"situation": "testpypi", "reason": "lost_2fa", "topics": ("testpypi",)},
        (
            "Thanks for your account recovery request: it has what the PyPI team needs to "
            "start.\n\n**About TestPyPI.** test.pypi.org is a separate site with its own "
            "accounts, so this request covers the TestPyPI account; an account on pypi.org needs "
            "a request of its own.\n\n**What happens next.** When the PyPI admins reach your "
            "request, they send instructions to the e-mail address on the account. Please follow "
            "them and **reply to that e-mail**: the reply, not a comment here, is what they "
            "check. Usually you are asked to push a branch with a given name to a public source "
            "repository linked from one of your projects on PyPI; if there is none, they explain "
            "the alternative, which includes a seven-day waiting period. If you find your "
            "recovery codes in the meantime, one of them signs you in instead of your device "
            "(https://pypi.org/help/#recoverycodes); then please say so here.\n\nRequests are "
            "handled in the order they arrive by a very small team, so a reply can take a week or"
            " more; there is no need to post updates. I check the issue again each time it is "
            "edited and keep this comment up to date."
        ),
    ),
    "deletion": (
        {"situation": "deletion", "reason": "lost_email", "topics": ("deletion",)},
        (
            "Thanks for your account recovery request: it has what the PyPI team needs to "
            "start.\n\n**About deleting the account.** The PyPI admins don't delete accounts on "
            "their owners' behalf, so that you stay in control of your own account: they help you"
            " get access back (below), and you can then delete the account yourself in your "
            "account settings.\n\n**What happens next.** You lost access to the account's e-mail "
            "address. The PyPI admins will need the address you'd like on the account: please "
            "send an e-mail to support@pypi.org **from that address**, with a link to this issue,"
            " and don't post the address here. It must not already belong to another PyPI "
            "account. They then send a verification message to that address; please answer "
            "it.\n\nRequests are handled in the order they arrive by a very small team, so a "
            "reply can take a week or more; there is no need to post updates. I check the issue "
            "again each time it is edited and keep this comment up to date."
        ),
    ),
    "compromised": (
        {"situation": "compromised", "reason": "lost_2fa", "topics": ("compromised",)},
        (
            "Thanks for your account recovery request.\n\n**Account security.** If you think "
            "someone else got into your account, or it shows a suspension notice, please write to"
            " security@pypi.org: that is PyPI's channel for security reports, and this public "
            "issue won't make it faster. Please don't post tokens, codes or other details "
            "here.\n\nRequests are handled in the order they arrive by a very small team, so a "
            "reply can take a week or more; there is no need to post updates. I check the issue "
            "again each time it is edited and keep this comment up to date."
        ),
    ),
    "unclear": (
        {"situation": "unclear", "reason": "unclear"},
        (
            "Thanks for your account recovery request.\n\n**What happens next.** A PyPI admin "
            "will read your reason and tell you the next step here. It depends on which access "
            "you no longer have: the account's e-mail address, your two-factor device "
            "(authenticator app or security key), or both; if your reason doesn't say yet, please"
            " edit the issue to add it.\n\nRequests are handled in the order they arrive by a "
            "very small team, so a reply can take a week or more; there is no need to post "
            "updates. I check the issue again each time it is edited and keep this comment up to "
            "date."
        ),
    ),
    "unclear_empty_reason": (
        {"situation": "unclear", "reason": "unclear", "empty_required": ("Reason for request",)},
        (
            "Thanks for your account recovery request.\n\nBefore the PyPI team can start, please "
            "**edit this issue** (the `···` menu at the top right of the issue → *Edit*) and "
            "fix:\n\n- **Reason for request** is empty. Please say what you lost: access to the "
            "account's e-mail address, your two-factor device, or both.\n\n**What happens next.**"
            " That depends on what you lost; once the reason says so, I'll update this comment "
            "with the next step.\n\nRequests are handled in the order they arrive by a very small"
            " team, so a reply can take a week or more; there is no need to post updates. I check"
            " the issue again each time it is edited and keep this comment up to date."
        ),
    ),
    "free_text": (
        {"situation": "free_text", "contains_email_address": True},
        (
            "Thanks for reaching out. Account recoveries on PyPI start from the account-recovery "
            "form, which asks for what the PyPI team needs (your username, what you lost, and a "
            "few confirmations). Please file your request with it: "
            "https://github.com/pypi/support/issues/new?template=account-recovery.yml\n\nThis "
            "tracker is public and your issue contains an e-mail address. Please edit the issue "
            "to remove it; the PyPI admins ask for any address they need privately, at "
            "support@pypi.org."
        ),
    ),
    "empty": (
        {"situation": "empty"},
        (
            "Thanks for reaching out. This issue is empty, so the PyPI team can't start on it. "
            "Please fill in the account-recovery form instead (your PyPI username and what you "
            "lost): https://github.com/pypi/support/issues/new?template=account-recovery.yml"
        ),
    ),
}


EXPECTED["not_recovery"] = ({"situation": "not_recovery"}, None)


def test_every_situation_has_a_case() -> None:
    assert {kw["situation"] for kw, _ in EXPECTED.values()} == set(SITUATIONS)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_exact_comment(name: str) -> None:
    fields, text = EXPECTED[name]
    assert render(Reader(**fields), SUPPORT, SECURITY) == text


ALL_TEXTS = {n: t for n, (_, t) in EXPECTED.items() if t is not None}
SUGGESTS_A_CODE = re.compile(r"one of them signs you in|choose to use a recovery code")


@pytest.mark.parametrize("name", sorted(ALL_TEXTS))
def test_rules_every_text_keeps(name: str) -> None:
    text = ALL_TEXTS[name]
    fields = EXPECTED[name][0]
    # Only the configured channels (and PyPI's own sender, named as such) appear.
    assert set(re.findall(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", text)) <= {
        SUPPORT,
        SECURITY,
        "noreply@pypi.org",
    }
    assert SECURITY not in text or fields["situation"] == "compromised"
    # Nobody is pinged (no @name outside an address).
    assert re.search(r"(?<![\w.])@\w", text) is None
    # A recovery code is suggested only when the 2FA device alone is lost and the codes
    # were not said to fail; closing the issue is suggested only with working codes.
    lost_device_only = fields.get("reason") == "lost_2fa" and fields["situation"] in (
        "lost_2fa",
        "lost_2fa_has_codes",
        "testpypi",
        "deletion",
    )
    if SUGGESTS_A_CODE.search(text):
        assert lost_device_only and not fields.get("recovery_codes_fail"), name
    assert ("please close this issue" in text) == (fields["situation"] == "lost_2fa_has_codes")
    assert " now has " not in text


def test_custom_channels_replace_the_defaults() -> None:
    r = Reader(situation="lost_email", reason="lost_email")
    text = render(r, "help@example.org", "sec@example.org")
    assert text is not None and "help@example.org" in text and SUPPORT not in text
    r = Reader(situation="compromised", topics=("compromised",))
    assert "sec@example.org" in (render(r, "help@example.org", "sec@example.org") or "")


@pytest.mark.parametrize(
    ("kw", "situation"),
    [
        ({"is_recovery": False}, "not_recovery"),
        ({"is_recovery": False, "body_empty": True}, "empty"),
        ({"is_recovery": False, "free_text": True}, "free_text"),
        ({"topics": ("compromised", "deletion", "testpypi")}, "compromised"),
        ({"topics": ("deletion", "testpypi")}, "deletion"),
        ({"topics": ("testpypi",), "username_problem": "unknown"}, "testpypi"),
        ({"username_problem": "unknown", "topics": ("new_device",)}, "username_unknown"),
        ({"username_problem": "looks_like_email"}, "username_unknown"),
        ({"username_problem": "missing", "reason": "lost_2fa"}, "lost_2fa"),
        ({"topics": ("new_device",), "reason": "lost_2fa"}, "new_device"),
        ({"topics": ("new_device",), "reason": "lost_email"}, "lost_email"),
        ({"topics": ("unverified_email",)}, "unverified_email"),
        ({"topics": ("unverified_email",), "reason": "both"}, "both"),
        ({"reason": "lost_email", "codes": True}, "lost_email"),
        ({"reason": "lost_2fa", "codes": True}, "lost_2fa_has_codes"),
        ({"reason": "unclear", "codes": True}, "lost_2fa_has_codes"),
        ({"reason": "lost_2fa"}, "lost_2fa"),
        ({"topics": ("refiling", "non_english")}, "unclear"),
    ],
)
def test_the_first_matching_row_wins(kw: dict, situation: str) -> None:
    kw = dict(kw)  # a copy: the parameter is shared by every run in the process
    args = {
        "is_recovery": True,
        "body_empty": False,
        "free_text": False,
        "reason": "unclear",
        "username_problem": None,
        "mentions_having_recovery_codes": kw.pop("codes", False),
        "topics": (),
    }
    assert pick(**{**args, **kw}) == situation
