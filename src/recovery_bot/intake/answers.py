"""The words a reporter reads: the situation table and the texts of the triage comment.

Pure. ``decision.decide`` picks the reporter's situation from the facts
(:func:`situation_of`) and asks :func:`render` for the comment. Every sentence here
follows what PyPI's admins actually write in pypi/support threads for that situation
(``docs/situations.md`` cites the threads, ``docs/comments.md`` shows every text as
posted). Three rules run through all of them:

* The next step is the admins' next step, said early: whoever lost the mailbox writes to
  the support inbox from the address they want (3.1 in the admins' replies), whoever
  lost only the 2FA device waits for the recovery mail at the address on file (3.2).
* A recovery code is suggested only when the 2FA device alone is lost and the reporter
  says they have codes that work: codes do not bring back a mailbox (PyPI also asks for
  e-mail confirmation of a new device), and a reporter told "use a code, then close
  this issue" may close a valid request.
* No address is ever repeated, no one is pinged, and the only private channels named
  are the configured support inbox and, for compromised accounts, the security one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal, get_args

Situation = Literal[
    "not_recovery",
    "empty",
    "free_text",
    "compromised",
    "deletion",
    "testpypi",
    "username_unknown",
    "new_device",
    "unverified_email",
    "both",
    "lost_email",
    "lost_2fa_has_codes",
    "lost_2fa",
    "unclear",
]

#: Every situation, in the order the table is tried (the first that applies wins).
SITUATIONS: tuple[Situation, ...] = get_args(Situation)

FORM_URL = "https://github.com/pypi/support/issues/new?template=account-recovery.yml"
RECOVERY_CODES_HELP = "https://pypi.org/help/#recoverycodes"
PASSWORD_RESET_URL = "https://pypi.org/account/request-password-reset/"

USERNAME_HEADING = "PyPI Username"
REASON_HEADING = "Reason for request"
RECOVERY_CODES_HEADING = "Recovery Codes"


@dataclass(frozen=True)
class Reader:
    """What the texts need to know about the request: a plain view of ``Facts`` that
    keeps this module free of the parser (and easy to table-test)."""

    situation: Situation
    reason: str = "unclear"
    username_problem: str | None = None
    username: str | None = None  # only a valid, looked-up-able name; quoted in code
    username_exists: bool | None = None
    project_count: int | None = None
    unchecked_required: tuple[str, ...] = ()
    missing_sections: tuple[str, ...] = ()
    empty_required: tuple[str, ...] = ()
    mentions_having_recovery_codes: bool = False
    recovery_codes_fail: bool = False
    contains_email_address: bool = False
    topics: tuple[str, ...] = ()


# --- the fix-it list ------------------------------------------------------------------

#: What each section of the account-recovery form holds, and the exact Markdown to paste
#: back when it is missing (the option lines are the form's own, ticked).
SECTION_HELP: dict[str, tuple[str, str]] = {
    USERNAME_HEADING: (
        "the username you sign in to PyPI with",
        "### PyPI Username\n\n`your-username`",
    ),
    REASON_HEADING: (
        "what you lost: access to the account's e-mail address, your two-factor device, or both",
        "### Reason for request\n\nI lost access to ...",
    ),
    RECOVERY_CODES_HEADING: (
        "the confirmation that you never generated, or lost, the account's recovery codes",
        "### Recovery Codes\n\n- [x] I never generated or have lost access to the recovery "
        "codes for my account",
    ),
    "Code of Conduct": (
        "your agreement to the PSF Code of Conduct",
        "### Code of Conduct\n\n- [x] I agree to follow the PSF Code of Conduct",
    ),
    "Acknowledgement": (
        "your acknowledgement that a recovery takes time",
        "### Acknowledgement\n\n- [x] I understand that it may take a significant amount of "
        "time to process my account recovery request.",
    ),
}

#: The box each required checkbox section asks to tick (the form's option text).
BOX_TEXT: dict[str, str] = {
    RECOVERY_CODES_HEADING: "I never generated or have lost access to the recovery codes "
    "for my account",
    "Code of Conduct": "I agree to follow the PSF Code of Conduct",
    "Acknowledgement": "I understand that it may take a significant amount of time to "
    "process my account recovery request.",
}


def _username_item(r: Reader) -> str | None:
    p = r.username_problem
    if p == "missing":
        return (
            "**PyPI Username** is empty. Please enter the username you sign in to PyPI "
            "with, wrapped in backticks like `` `your-username` ``. If you don't know it, "
            "see below."
        )
    if p == "looks_like_url_only_other_host":
        return (
            "**PyPI Username** holds a link that is not a PyPI profile. Please enter your "
            "PyPI username (the last part of `https://pypi.org/user/<username>/`)."
        )
    if p == "project_url":
        return (
            "**PyPI Username** holds a link to a PyPI *project*. Projects can have several "
            "owners, so the PyPI team needs the *account*: please enter your username (it "
            'is listed under "Maintainers" on the project\'s page).'
        )
    if p == "link_mismatch":
        return (
            "**PyPI Username** holds a link whose text and target name two different "
            "accounts. Please enter just the one username you sign in with."
        )
    if p == "multiple":
        return (
            "**PyPI Username** names more than one account. Please keep the one this "
            "request is for; each other account needs a request of its own."
        )
    if p == "invalid":
        return (
            "**PyPI Username** is not a valid PyPI username. Usernames contain only letters, "
            "digits, `.`, `_` and `-`, and start and end with a letter or digit."
        )
    if p is None and r.username_exists is False and r.username:
        where = (
            "Note that test.pypi.org is a separate site with its own accounts."
            if "testpypi" in r.topics
            else "If the account is on test.pypi.org rather than pypi.org, please say so in "
            "the reason."
        )
        return (
            f"**PyPI Username**: there is no account `{r.username}` on pypi.org. Please "
            "check the spelling (`-`, `_` and `.` are different characters), and if you may "
            f"have used another username, add it. {where}"
        )
    return None


def fix_items(r: Reader) -> list[str]:
    """One bullet per thing the reporter must fix, each saying what goes there."""
    items: list[str] = []
    first = _username_item(r)
    if first:
        items.append(first)
    for heading in r.empty_required:
        if heading == REASON_HEADING:
            items.append(
                f"**{REASON_HEADING}** is empty. Please say what you lost: access to the "
                "account's e-mail address, your two-factor device, or both."
            )
        else:
            items.append(f"**{heading}** is empty. Please fill it in.")
    for heading in r.unchecked_required:
        if heading == RECOVERY_CODES_HEADING and r.mentions_having_recovery_codes:
            continue  # they still have codes: the codes paragraph covers it
        box = BOX_TEXT.get(heading)
        if box:
            items.append(
                f'**{heading}**: please tick the box "{box}" (in the issue text, change '
                "`- [ ]` to `- [x]`)."
            )
        else:
            items.append(f"**{heading}**: please tick the box.")
    for heading in r.missing_sections:
        holds, paste = SECTION_HELP.get(heading, ("", f"### {heading}\n\n..."))
        what = f" It holds {holds}." if holds else ""
        block = "\n".join(f"  {line}" if line else "" for line in paste.splitlines())
        items.append(
            f"**{heading}** is missing from the issue.{what} Please add it back, for "
            f"example by pasting:\n\n  ```markdown\n{block}\n  ```"
        )
    return items


# --- what happens next, by situation ---------------------------------------------------


def _lost_email(r: Reader, support: str) -> str:
    what = (
        "access to the account's e-mail address and your two-factor device"
        if r.reason == "both"
        else "access to the account's e-mail address"
    )
    text = (
        f"**What happens next.** You lost {what}. The PyPI admins will need the address "
        f"you'd like on the account: please send an e-mail to {support} **from that "
        "address**, with a link to this issue, and don't post the address here. It must "
        "not already belong to another PyPI account. They then send a verification "
        "message to that address; please answer it."
    )
    if r.reason == "both":
        text += " Two-factor authentication is reset as part of the same recovery."
    if r.mentions_having_recovery_codes:
        text += (
            " Your recovery codes can't replace the e-mail address (PyPI also confirms "
            "sign-ins from a new device by e-mail), so please keep this request open."
        )
    return text


def _lost_2fa(r: Reader, support: str) -> str:
    del support
    text = (
        "**What happens next.** When the PyPI admins reach your request, they send "
        "instructions to the e-mail address on the account. Please follow them and "
        "**reply to that e-mail**: the reply, not a comment here, is what they check. "
    )
    if r.username_exists and r.project_count == 0:
        text += (
            "Your account has no projects on PyPI, so there is no source repository to "
            "check ownership against; in that case the admins explain the alternative, "
            "which includes a seven-day waiting period."
        )
    else:
        text += (
            "Usually you are asked to push a branch with a given name to a public source "
            "repository linked from one of your projects on PyPI; if there is none, they "
            "explain the alternative, which includes a seven-day waiting period."
        )
    if not r.recovery_codes_fail:
        text += (
            " If you find your recovery codes in the meantime, one of them signs you in "
            f"instead of your device ({RECOVERY_CODES_HELP}); then please say so here."
        )
    return text


def _has_codes(r: Reader, support: str) -> str:
    del r, support
    return (
        "**You mention that you still have recovery codes.** Each code signs you in once "
        "instead of your two-factor device: on the two-factor page, choose to use a "
        f"recovery code ({RECOVERY_CODES_HELP}). Then set up two-factor authentication again "
        "and keep the new codes safe. If that works, please close this issue. If the codes "
        "are rejected, say so here, and the PyPI admins will continue with a recovery "
        "through the e-mail address on the account."
    )


def _new_device(r: Reader, support: str) -> str:
    del r
    return (
        "**About the new-device e-mail.** When you sign in from a device PyPI doesn't "
        "know, it e-mails a confirmation link from noreply@pypi.org to the account's "
        "primary address, and recovery codes don't skip this step. Please check your spam "
        "folder and filters, and whether the account uses another of your addresses. If "
        f"the e-mail never arrives, send an e-mail to {support} from the account's address, "
        "with a link to this issue. If you no longer have that address, say so here."
    )


def _unverified(r: Reader, support: str) -> str:
    del r
    return (
        "**What happens next.** The address on the account isn't verified, so the PyPI "
        "admins need to confirm that the request comes from its owner: please send an "
        f"e-mail to {support} **from the address on the account**, with a link to this "
        "issue. They then send you a recovery e-mail; please follow it and reply."
    )


def _username_unknown(r: Reader, support: str) -> str:
    intro = (
        "**If you don't know your username.** The username field holds an e-mail address; "
        "that's fine for now, but please remove the address from this public issue."
        if r.username_problem == "looks_like_email"
        else "**If you don't know your username.**"
    )
    if r.reason in ("lost_email", "both"):
        return (
            f"{intro} As you no longer have the account's e-mail address, please send an "
            f"e-mail to {support} **from the address you'd like on the account**, with a "
            "link to this issue, naming the old address (and any username you think you "
            "used); the PyPI admins can't find the account without one of them."
        )
    return (
        f"{intro} If you still receive mail at the account's address, enter that address "
        f"in PyPI's password-reset form ({PASSWORD_RESET_URL}): the e-mail it sends names "
        "the account, and you can then put the username in this issue. If you don't, send "
        f"an e-mail to {support} with a link to this issue, naming the address (or any "
        "username) you think the account used; the PyPI admins can't find the account "
        "without one of them."
    )


def _unclear(r: Reader, support: str) -> str:
    del support
    if REASON_HEADING in r.empty_required:
        return (
            "**What happens next.** That depends on what you lost; once the reason says "
            "so, I'll update this comment with the next step."
        )
    return (
        "**What happens next.** A PyPI admin will read your reason and tell you the next "
        "step here. It depends on which access you no longer have: the account's e-mail "
        "address, your two-factor device (authenticator app or security key), or both; if "
        "your reason doesn't say yet, please edit the issue to add it."
    )


def _compromised(r: Reader, support: str, security: str) -> str:
    del r, support
    return (
        "**Account security.** If you think someone else got into your account, or it "
        f"shows a suspension notice, please write to {security}: that is PyPI's channel "
        "for security reports, and this public issue won't make it faster. Please don't "
        "post tokens, codes or other details here."
    )


def _deletion(r: Reader, support: str) -> str:
    del r, support
    return (
        "**About deleting the account.** The PyPI admins don't delete accounts on their "
        "owners' behalf, so that you stay in control of your own account: they help you "
        "get access back (below), and you can then delete the account yourself in your "
        "account settings."
    )


def _testpypi(r: Reader, support: str) -> str:
    del r, support
    return (
        "**About TestPyPI.** test.pypi.org is a separate site with its own accounts, so "
        "this request covers the TestPyPI account; an account on pypi.org needs a request "
        "of its own."
    )


def _access_paragraph(r: Reader, support: str) -> str:
    """The next step that follows from what was lost (used on its own, and after the
    deletion and TestPyPI paragraphs, whose next step is the same)."""
    if "new_device" in r.topics and r.reason not in ("lost_email", "both"):
        return _new_device(r, support)
    if "unverified_email" in r.topics and r.reason not in ("lost_email", "both"):
        return _unverified(r, support)
    if r.reason in ("lost_email", "both"):
        return _lost_email(r, support)
    if r.mentions_having_recovery_codes:
        return _has_codes(r, support)
    if r.reason == "lost_2fa":
        return _lost_2fa(r, support)
    return _unclear(r, support)


def next_steps(r: Reader, support: str, security: str) -> list[str]:
    """The paragraphs that say what happens next for the reporter's situation."""
    s = r.situation
    if s == "compromised":
        return [_compromised(r, support, security)]
    if s == "deletion":
        return [_deletion(r, support), _access_paragraph(r, support)]
    if s == "testpypi":
        return [_testpypi(r, support), _access_paragraph(r, support)]
    if s == "username_unknown":
        return [_username_unknown(r, support)]
    return [_access_paragraph(r, support)]


def notes(r: Reader, support: str) -> list[str]:
    """Paragraphs any situation may carry."""
    out: list[str] = []
    if r.contains_email_address and r.username_problem != "looks_like_email":
        out.append(
            "This tracker is public and your issue contains an e-mail address. Please edit "
            "the issue to remove it; the PyPI admins ask for any address they need "
            f"privately, at {support}."
        )
    if "refiling" in r.topics:
        out.append(
            "If an earlier request of yours is still open, please comment there instead "
            "(duplicates are closed); if it was closed, this new request is the right way."
        )
    if "non_english" in r.topics:
        out.append(
            "The PyPI team works in English: if you can, please add an English version of "
            "your reason (a machine translation is fine)."
        )
    return out


CLOSING = (
    "Requests are handled in the order they arrive by a very small team, so a reply can "
    "take a week or more; there is no need to post updates. I check the issue again each "
    "time it is edited and keep this comment up to date."
)

EDIT_HOW = (
    "please **edit this issue** (the `···` menu at the top right of the issue → *Edit*) and fix:"
)


def render(r: Reader, support: str, security: str) -> str | None:
    """The triage comment for a recovery request, or None when the bot says nothing."""
    s = r.situation
    if s == "not_recovery":
        return None
    if s == "empty":
        return (
            "Thanks for reaching out. This issue is empty, so the PyPI team can't start on "
            "it. Please fill in the account-recovery form instead (your PyPI username and "
            f"what you lost): {FORM_URL}"
        )
    if s == "free_text":
        lines = [
            "Thanks for reaching out. Account recoveries on PyPI start from the "
            "account-recovery form, which asks for what the PyPI team needs (your username, "
            "what you lost, and a few confirmations). Please file your request with it: "
            f"{FORM_URL}",
        ]
        lines += [p for p in notes(r, support) if "e-mail address" in p]
        return "\n\n".join(lines)
    items = fix_items(r)
    paragraphs = next_steps(r, support, security)
    complete = s not in ("username_unknown", "compromised") and not any(
        p.startswith("**What happens next.** A PyPI admin will read") for p in paragraphs
    )
    if items:
        lines = [
            "Thanks for your account recovery request.",
            "Before the PyPI team can start, " + EDIT_HOW,
            "\n".join(f"- {item}" for item in items),
        ]
    elif complete:
        lines = [
            "Thanks for your account recovery request: it has what the PyPI team needs to start."
        ]
    else:
        lines = ["Thanks for your account recovery request."]
    lines += paragraphs
    lines += notes(r, support)
    lines.append(CLOSING)
    return "\n\n".join(lines)


def pick(
    *,
    is_recovery: bool,
    body_empty: bool,
    free_text: bool,
    reason: str,
    username_problem: str | None,
    mentions_having_recovery_codes: bool,
    topics: Iterable[str],
) -> Situation:
    """The situation table's "when" column, first match wins (docs/situations.md)."""
    t = set(topics)
    if not is_recovery:
        if body_empty:
            return "empty"
        return "free_text" if free_text else "not_recovery"
    if "compromised" in t:
        return "compromised"
    if "deletion" in t:
        return "deletion"
    if "testpypi" in t:
        return "testpypi"
    if username_problem in ("unknown", "looks_like_email"):
        return "username_unknown"
    lost_mailbox = reason in ("lost_email", "both")
    if "new_device" in t and not lost_mailbox:
        return "new_device"
    if "unverified_email" in t and not lost_mailbox:
        return "unverified_email"
    if reason == "both":
        return "both"
    if reason == "lost_email":
        return "lost_email"
    if mentions_having_recovery_codes and reason in ("lost_2fa", "unclear"):
        return "lost_2fa_has_codes"
    if reason == "lost_2fa":
        return "lost_2fa"
    return "unclear"
