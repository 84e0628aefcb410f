"""says_recovery_codes_fail and detect_topics: exact values on real-shaped phrasings
(docs/situations.md defines both), exclusivity with mentions_having_recovery_codes, and
totality on arbitrary text."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from recovery_bot.intake.reason import (
    detect_topics,
    mentions_having_recovery_codes,
    says_recovery_codes_fail,
)

CODES_FAIL: list[tuple[str | None, bool]] = [
    ("Recovery codes: I have them but they don't work", True),
    ("I have the recovery codes but they don't work", True),
    ("I tried using my recovery codes but PyPI says they are invalid.", True),
    ("My recovery codes don't work.", True),
    ("The recovery codes I saved are rejected.", True),
    ("PyPI says: You have not generated account recovery codes.", True),
    ("None of my codes work. I saved the recovery codes in a file in 2023.", True),
    ("It says the recovery code has already been used", True),
    ("When I enter a recovery code I get 'Invalid recovery code'.", True),
    ("I tried my backup codes with no luck", True),
    ("I have my recovery codes, but every one is rejected", True),
    ("恢复码无效", True),
    ("リカバリーコードが無効です", True),
    ("Mes codes de récupération ne fonctionnent pas.", True),
    ("Mes codes de récupération sont rejetés.", True),
    (
        "我的ipad丢失了，recovery code存放在了iCloud里，"
        "显示Recovery code has been previously used。",
        True,
    ),
    # "None of them work" after the sentence naming them (#9326); "recuperation code" (#12176).
    ("I DO have access to my email, 2FA AND recovery codes. None of them work.", True),
    ("I have recuperation code but somehow they are rejected/invalid when trying to connect", True),
    # Real shapes: #8404 (no apostrophes), #4559 (tried ... invalid), #358 (an error after
    # "Login with Recovery code").
    ("And also i cant use recovery codes, because they dont work", True),
    ("I have already tried using my recovery codes but all come back as invalid.", True),
    (
        'When I press "Login with Recovery code" button, I get taken back to login page with '
        'this error: "Invalid or expired two factor login."',
        True,
    ),
    # Conditions, other codes, never generated: not a report of failing codes.
    ("If the recovery codes don't work I will write again", False),
    ("I still have my recovery codes", False),
    ("The authenticator codes are not working anymore and I don't have recovery codes.", False),
    ("The 2FA codes from my app are not accepted and I have no recovery codes", False),
    ("I never generated recovery codes", False),
    ("The TOTP codes are rejected.", False),
    ("", False),
    (None, False),
]


@pytest.mark.parametrize(("text", "expected"), CODES_FAIL)
def test_says_recovery_codes_fail(text: str | None, expected: bool) -> None:
    assert says_recovery_codes_fail(text) is expected


HAVE_CODES: list[tuple[str, bool]] = [
    # Codes accepted, then PyPI's new-device e-mail check blocks (#8886, #10617, #8910):
    # the codes are held, they do not fail.
    (
        "I can't use the recovery codes because when i try to it says unrecognized device "
        "and i cant access my email for the link.",
        True,
    ),
    ("Even when I use recovery code or 2FA I need to confirm via email.", True),
    ("NOTE: I DO HAVE ACCESS to recovery-codes - but the form made me tick the box.", True),
    ("I lost my recovery codes and the new device e-mail never arrives.", False),
    # French and Japanese (the issue): "codes de récupération", "リカバリーコード".
    ("J'ai perdu mon téléphone. J'ai toujours mes codes de récupération.", True),
    ("スマートフォンを紛失しました。リカバリーコードは持っています。", True),
    # The issue's phrasings: "I do have the password and recovery codes", "logging in
    # using recovery codes" (#9547, #8804, #11698, #9079).
    ("I **do** have the password and recovery codes.", True),
    ("I still have the username, password, and recovery codes for this account", True),
    (
        "I have been trying to log in to my account using recovery codes, because I lost access "
        "to my 2FA device.",
        True,
    ),
    (
        "I tried logging in with one of my recovery codes and I ended up in the same place where "
        "it insisted on verifying my device.",
        True,
    ),
    (
        "The login asks me for an email confirmation because of a new device - or even if I use "
        "a recovery code.",
        True,
    ),
    # The form's box quoted, then "but I still have them" (#6019).
    (
        "~~The issue template is forcing me to check the box below stating I lost my recovery "
        "codes but I still have them.~~",
        True,
    ),
    # Codes of another site are not this account's (#10310, #7870, #3523).
    ("I have the recovery codes for my test.pypi.org account (the same username).", False),
    ("I have 2FA and recovery codes for my github account.", False),
    (
        "I configured google authenticator for TestPypi, and got recovery codes for it as well.",
        False,
    ),
    ("I have lost access to my 2FA and the recovery codes for my main PyPI account.", False),
]


@pytest.mark.parametrize(("text", "expected"), HAVE_CODES)
def test_having_codes_real_shapes(text: str, expected: bool) -> None:
    assert mentions_having_recovery_codes(text) is expected
    assert says_recovery_codes_fail(text) is False


@pytest.mark.parametrize(("text", "expected"), CODES_FAIL)
def test_failing_codes_are_never_codes_you_have(text: str | None, expected: bool) -> None:
    if expected:
        assert mentions_having_recovery_codes(text) is False


TOPICS: list[tuple[str | None, str | None, bool, tuple[str, ...]]] = [
    # text, title, test_pypi flag, expected
    (
        "My account was hacked and someone uploaded a malicious release",
        None,
        False,
        ("compromised",),
    ),
    (
        "My PyPI account shows 'account suspended' and I don't know why",
        None,
        False,
        ("compromised",),
    ),
    ("Please delete my account, I lost the 2FA device", None, False, ("deletion",)),
    ("I want to delete my project", None, False, ()),
    (
        "PyPI asks me to confirm a new device by e-mail, the mail never arrives",
        None,
        False,
        ("new_device",),
    ),
    ("I get an 'unrecognized login' e-mail link that expires", None, False, ("new_device",)),
    (
        "My email address is unverified so the password reset does not work",
        None,
        False,
        ("unverified_email",),
    ),
    ("This repeats #1234, which was closed", None, False, ("refiling",)),
    ("My previous request was closed without an answer", None, False, ("refiling",)),
    ("I lost my phone", None, False, ()),
    ("I lost my phone", "TestPyPI account recovery", False, ("testpypi",)),
    ("I lost my phone", None, True, ("testpypi",)),
    ("My account on test.pypi.org has 2FA and I lost the phone", None, False, ("testpypi",)),
    (
        "J'ai perdu mon téléphone et je ne peux pas accéder à mon compte",
        None,
        False,
        ("non_english",),
    ),
    ("我的手机丢了，无法登录PyPI账户", None, False, ("non_english",)),
    ("スマホを紛失したため、二段階認証ができません。", None, False, ("non_english",)),
    (
        "I lost my phone (我的手机丢了) and my Google Authenticator with it, please help",
        None,
        False,
        (),
    ),
    (
        "My account was hacked; please delete it. I want the account to be deleted.",
        None,
        False,
        ("compromised", "deletion"),
    ),
    # The new-device and unverified topics need the mailbox: with it lost, neither
    # (#8910, #11610).
    (
        "Lost access to email address. Using the recovery codes sends a confirmation e-mail "
        'due to "new/unrecognized device".',
        None,
        False,
        (),
    ),
    (
        "lost access to email address. I can't login as it wants to validate my email",
        None,
        False,
        (),
    ),
    # An earlier issue: the old repository's links count (#1893); a companion request for
    # the other site does not (#6066).
    (
        "I asked for this in https://github.com/pypa/pypi-support/issues/1564, but only PyPI "
        "was recovered, not TestPyPI.",
        None,
        False,
        ("refiling", "testpypi"),
    ),
    (
        "A distinct recovery request for test.pypi.org. The partner request: "
        "https://github.com/pypi/support/issues/5813 was resolved.",
        None,
        False,
        ("testpypi",),
    ),
    # TestPyPI only beside a locked pypi.org account (#2127, #3523).
    (
        "I had generated recovery codes for test PyPI but not PyPI. I therefore do not have "
        "access to my account at pypi.org",
        None,
        False,
        (),
    ),
    # The device check: stuck at it (mail missing or not said to have come) is the topic;
    # past it (received, clicked) is not (#8246, #12168).
    (
        "Unrecognized device\nWe did not recognize this device. Please check your email for a "
        "login confirmation link.",
        None,
        False,
        ("new_device",),
    ),
    (
        "I tried to log in from a new device. I received the 'Unrecognized login' email and "
        "clicked the link, then: 'Your account has been suspended.'",
        None,
        False,
        ("compromised",),
    ),
    # PyPI's breached-password block is no takeover (#8286, #11379, #7374).
    (
        "Registered with unverified email address and password was compromised",
        None,
        False,
        ("unverified_email",),
    ),
    (
        'Login failed: "This password appears in a security breach or has been compromised". '
        "So no verified recovery email nor 2FA configured.",
        None,
        False,
        ("unverified_email",),
    ),
    (
        "I have never verified my e-mail. I only want to delete my entire account.",
        None,
        False,
        ("deletion", "unverified_email"),
    ),
    (
        "The person did not verify the email, so we cannot reset the password.",
        None,
        False,
        ("unverified_email",),
    ),
    # TestPyPI cited, not locked: a project or profile link, codes held for it, an aside
    # (#4127, #6916, #2653); an issue link in the old repository counts as a repeat (#3588).
    (
        "I'm trying to release a library I deployed to https://test.pypi.org/project/songpro/",
        None,
        False,
        (),
    ),
    (
        "I thought I had recovery codes, but they appear to be for my testPyPi account instead.",
        None,
        False,
        (),
    ),
    (
        "I forgot to change it to my personal email, like I did with the testpypi account.",
        None,
        False,
        (),
    ),
    (
        "This is a continuing issue from: https://github.com/pypi/support/issues/3285",
        None,
        False,
        ("refiling",),
    ),
    # Other languages: deletion, and Chinese own words beside PyPI's English message.
    (
        "Nous souhaiterions supprimer le compte suivant et les 4 packages associés.",
        None,
        False,
        ("deletion", "non_english"),
    ),
    (
        "我的ipad丢失了，recovery code存放在了iCloud里，"
        "复制粘贴到pypi之后结果发现显示Recovery code has been previously used。",
        None,
        False,
        ("non_english",),
    ),
    # Unverified, in the reporters' words (#7558, #8517); "they are not validated" about
    # codes is not the address (#12176); a sibling issue is not a repeat (#10743).
    (
        "When I go to register, it says that the email is in use, and that the email address "
        "needs to be verified. I can't verify because I can't register.",
        None,
        False,
        ("unverified_email",),
    ),
    ("I registered with an email address you cannot verify.", None, False, ("unverified_email",)),
    (
        "I have recuperation code but they are rejected; an error message indicates they are "
        "not validated.",
        None,
        False,
        (),
    ),
    (
        "This is for the same organisation than https://github.com/pypi/support/issues/10741",
        None,
        False,
        (),
    ),
    ("", None, False, ()),
    (None, None, False, ()),
]


@pytest.mark.parametrize(("text", "title", "test_pypi", "expected"), TOPICS)
def test_detect_topics(
    text: str | None, title: str | None, test_pypi: bool, expected: tuple[str, ...]
) -> None:
    assert detect_topics(text, title=title, test_pypi=test_pypi) == expected


@settings(max_examples=50, deadline=None)
@given(st.one_of(st.none(), st.text(max_size=300)), st.one_of(st.none(), st.text(max_size=80)))
def test_topic_functions_never_raise(text: str | None, title: str | None) -> None:
    topics = detect_topics(text, title=title)
    assert list(topics) == sorted(set(topics))
    assert not (says_recovery_codes_fail(text) and mentions_having_recovery_codes(text))
