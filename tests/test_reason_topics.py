"""detect_topics at its edges: the language weighing of ``non_english``, which TestPyPI
mentions name the locked account, the default arguments, and input that must not even
log a warning. Exact tuples, one short text each (the situation table in
docs/situations.md reads these topics)."""

from __future__ import annotations

import logging

import pytest

from recovery_bot.intake.reason import detect_topics, mentions_having_recovery_codes

EDGES: list[tuple[str, tuple[str, ...]]] = [
    # Other scripts weigh one per letter against the Latin letters.
    ("Я потерял доступ к почте", ("non_english",)),
    # A CJK character weighs four Latin letters: 2 x 4 = 8 is not more than 8 letters.
    ("手机 lost my 2fa", ()),
    ("手机 lost fa", ("non_english",)),
    # Latin script: at least two distinct function words of another language, three
    # occurrences in all, and more than twice the English ones.
    ("mon mot de passe et mon téléphone", ("non_english",)),  # 3 of 3, none English
    ("mon mot de passe et ton téléphone", ()),  # only 2 occurrences
    ("I lost mon compte et mon téléphone", ()),  # 4 is not more than 2 x 2
    ("I lost mon compte et mon téléphone, pas", ("non_english",)),  # 5 > 2 x 2
    ("I lost my account: mon compte et mon téléphone", ()),  # 4 against 4 English
    # TestPyPI named in a link is a citation, with or without the scheme.
    ("I lost my phone. My profile: www.test.pypi.org/user/alice", ()),
    ("I lost my phone. My profile: https://test.pypi.org/user/alice", ()),
    # Any sentence may name it, not only the first.
    ("I lost my phone. My account is on TestPyPI.", ("testpypi",)),
    # A sentence about codes does not count; a later sentence still does.
    ("I lost my phone. I have the recovery codes for my TestPyPI account.", ()),
    ("I have recovery codes for TestPyPI. The locked account is on TestPyPI too.", ("testpypi",)),
    # The pypi.org account is the locked one, with a typographic apostrophe too.
    ("I can\u2019t log in to pypi.org; my TestPyPI account works.", ()),
    ("I can't log in to pypi.org; my TestPyPI account works.", ()),
    # Words split by a non-breaking space are one phrase ("taken over").
    ("My account was taken\u00a0over again.", ("compromised",)),
    ("My account was taken\u00a0over.", ("compromised",)),  # a key only the prepared text has
    # "not validated" about codes ("they", "codes" within 30 characters before) is not
    # the address.
    ("They are not validated.", ()),
    ("They " + "x" * 24 + " not verified", ()),
    ("They " + "x" * 25 + " not verified", ("unverified_email",)),
    # The weaker unverified-address row: a verification mail that never came, unless it
    # is PyPI's new-device mail; the rows after it are still tried.
    ("The verification email never arrived", ("unverified_email",)),
    (
        "The verification email never arrived, only the new device confirmation link.",
        ("new_device",),
    ),
    (
        "PyPI asks to confirm a new device, the verification email never arrived. See #1234.",
        ("new_device", "refiling"),
    ),
    # With the mailbox lost (here: "both"), the device mail is not the topic.
    (
        "I lost my phone and my email. PyPI asks to confirm a new device but the mail never "
        "arrives.",
        (),
    ),
]


@pytest.mark.parametrize(("text", "expected"), EDGES)
def test_detect_topics_edges(text: str, expected: tuple[str, ...]) -> None:
    assert detect_topics(text) == expected


def test_detect_topics_defaults() -> None:
    # No title and no TestPyPI username unless the caller says so.
    assert detect_topics("I lost my phone") == ()
    assert detect_topics("I lost my phone", title="Account recovery for alice") == ()


@pytest.mark.parametrize("text", [None, "", "   ", "I lost my phone"])
def test_ordinary_input_logs_nothing(text: str | None, caplog: pytest.LogCaptureFixture) -> None:
    """The guard's warning is for internal errors only: empty or missing text is a normal
    case, answered without one."""
    with caplog.at_level(logging.WARNING, logger="recovery_bot.intake.reason"):
        assert detect_topics(text, title="TestPyPI account recovery") == ("testpypi",)
    assert caplog.records == []


# Each cheap substring test that guards a regex must let through every text that regex
# can match: one row per key word, with no other key word in the text.
GUARD_KEYS: list[tuple[str, bool]] = [
    ("J'ai toujours mes codes de recuperation.", True),  # "codes de", ASCII only
    ("The form made me tick the recovery codes box, however I still have them.", True),
    # Codes accepted, then PyPI's device check: each key word of that check alone.
    ("I can't use the recovery codes because it says new device and I can't log in.", True),
    ("I can't use the recovery codes, it says unrecognized login.", True),
    ("I can't use the recovery codes as it asks me to verify my email.", True),
    # Fixed: "validate my e-mail" is in the device check but was not among its key words.
    ("I can't use the recovery codes as it asks me to validate my email.", True),
    ("I can't use the recovery codes.", False),
]


@pytest.mark.parametrize(("text", "expected"), GUARD_KEYS)
def test_having_codes_guard_keys(text: str, expected: bool) -> None:
    assert mentions_having_recovery_codes(text) is expected


NEW_DEVICE_KEYS: list[tuple[str, tuple[str, ...]]] = [
    ("PyPI asks me to confirm this login, but the mail never arrives", ("new_device",)),
    ("PyPI asks me to verify this login, but the mail never arrives", ("new_device",)),
    ("PyPI shows an unrecognized login, the mail never arrives", ("new_device",)),
    ("The new device mail never arrives", ("new_device",)),
    # Fixed: "approve / authorize this login" is in the device check but was not among
    # its key words.
    ("PyPI asks me to approve this login, but the mail never arrives", ("new_device",)),
    ("PyPI asks me to authorize this sign-in, but the mail never arrives", ("new_device",)),
    ("PyPI asks me to log in, but the mail never arrives", ()),
]


@pytest.mark.parametrize(("text", "expected"), NEW_DEVICE_KEYS)
def test_new_device_guard_keys(text: str, expected: tuple[str, ...]) -> None:
    assert detect_topics(text) == expected
