"""The clause scanner and classifier of intake/reason.py, one mechanism at a time, on
short exact sentences: negation, blocks, windows, coordination, pronouns, weak
evidence, CJK; and the never-raise guards of every public function.

Each row is the smallest sentence that shows one decision of the rule machinery, so a
change to that decision changes the expected value of that row."""

from __future__ import annotations

import logging

import pytest

from recovery_bot.intake import reason
from recovery_bot.intake.reason import (
    classify_reason,
    contains_email_address,
    detect_topics,
    mentions_having_recovery_codes,
    says_recovery_codes_fail,
)

# --- Never raise, and say why in the log ------------------------------------------------


class _Boom(RuntimeError):
    pass


def _boom(*_: object) -> str:
    raise _Boom("internal")


class _BrokenPattern:
    def search(self, *_: object) -> None:
        raise _Boom("internal")


GUARDED = [
    ("classify_reason", "_classify", "unclear", ["classify_reason"]),
    # It asks says_recovery_codes_fail first, which fails the same way and says so.
    (
        "mentions_having_recovery_codes",
        "_prepare",
        False,
        ["says_recovery_codes_fail", "mentions_having_recovery_codes"],
    ),
    ("says_recovery_codes_fail", "_prepare", False, ["says_recovery_codes_fail"]),
]


@pytest.mark.parametrize(("function", "internal", "fallback", "logged"), GUARDED)
def test_an_internal_error_is_logged_and_answered(
    function: str,
    internal: str,
    fallback: object,
    logged: list[str],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(reason, internal, _boom)
    text = f"My recovery codes are rejected: {function}"  # not the cached text
    with caplog.at_level(logging.WARNING, logger="recovery_bot.intake.reason"):
        assert getattr(reason, function)(text) == fallback
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [
        ("WARNING", f"{name} failed: _Boom") for name in logged
    ]


def test_contains_email_address_logs_an_internal_error(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(reason, "_ADDRESS", _BrokenPattern())
    with caplog.at_level(logging.WARNING, logger="recovery_bot.intake.reason"):
        assert contains_email_address("alice@example.com") is False
    assert [r.getMessage() for r in caplog.records] == ["contains_email_address failed: _Boom"]


def test_detect_topics_keeps_what_it_found_before_an_error(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(reason, "_prepare", _boom)
    with caplog.at_level(logging.WARNING, logger="recovery_bot.intake.reason"):
        found = detect_topics("My account was hacked", title="TestPyPI recovery")
    assert found == ("testpypi",)
    assert [r.getMessage() for r in caplog.records] == ["detect_topics failed: _Boom"]


@pytest.mark.parametrize(
    "text",
    [
        None,
        "",
        "I lost my phone",
        "None of them work. I have my recovery codes.",
        "The codes don't work.",
    ],
)
def test_ordinary_input_logs_nothing(text: str | None, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="recovery_bot.intake.reason"):
        classify_reason(text)
        mentions_having_recovery_codes(text)
        says_recovery_codes_fail(text)
        contains_email_address(text)
    assert caplog.records == []


# --- The classifier, one decision per row ------------------------------------------------

CLASSIFY: list[tuple[str, str]] = [
    # A fenced block is pasted output, not the reporter's words.
    ("```\nI lost my phone\n```", "unclear"),
    ("I lost my phone\n```\nInvalid TOTP code\n```", "lost_2fa"),
    # "without" negates the cue after it: the authenticator came along.
    ("I changed phones without losing my authenticator.", "unclear"),
    # A former job is weak e-mail evidence: it counts against a 2FA loss only when an
    # e-mail is mentioned somewhere.
    ("I left the company. I lost my phone.", "lost_2fa"),
    ("I left the company where I had my email. I lost my phone.", "both"),
    # An elliptical "but not my X" is a loss of X only when its clause has no cue of its
    # own (a loss, an ok, or "no") ...
    ("I can use my email but not my 2FA app for my account.", "lost_2fa"),
    ("I can use my email, but not my 2FA app, it expired.", "unclear"),
    ("I can use my email but not my 2FA app, I have my phone.", "unclear"),
    ("I can use my email but not my 2FA app, no idea why.", "unclear"),
    # ... and it adds one loss, which an explicit "works fine" cancels.
    ("My authenticator app works fine. I have my email but not my authenticator app.", "unclear"),
    (
        "I lost my phone and my authenticator app. My authenticator app works fine. I have my "
        "email but not the authenticator app.",
        "lost_2fa",
    ),
    # A pronoun reaches the last topic named, across a sentence with none or with a 2FA
    # reset request, but not across a sentence about recovery codes ("it" = the codes).
    ("I use an authenticator app. Yesterday. I lost it.", "lost_2fa"),
    ("My email is hosted at a company. Please reset my 2FA. It expired.", "lost_email"),
    ("My email is hosted at a company. I have no recovery codes. It expired.", "lost_2fa"),
    # "no" / "without" is a loss of what follows, and a negator itself negated is none.
    ("I am without my phone.", "lost_2fa"),
    ("I'm never without my phone.", "unclear"),
    # A negated loss is an ok.
    ("I have not lost my email.", "unclear"),
    # Every ok and every loss is counted; ok statements win ties.
    ("My 2FA app works fine. I lost my 2FA app. I lost my phone.", "lost_2fa"),
    (
        "My 2FA app works fine. My authenticator is fine. I lost my 2FA app. I lost my phone.",
        "unclear",
    ),
    # A weak 2FA loss does not count against a strong e-mail loss ...
    ("My email expired. Please reset my 2FA.", "lost_email"),
    # ... and a hedge before a cue (not after it) makes the loss weak.
    ("My email expired. I lost my phone, maybe.", "both"),
    ("My email expired\nMaybe I lost my phone", "lost_email"),
    # Weak e-mail evidence alone is enough.
    ("I left the company.", "lost_email"),
    # A cue reaches its topic within six words, however many other topics lie between.
    ("My email, phone, tablet, iPad, mobile, smartphone expired.", "lost_email"),
    ("I no longer receive phone, tablet, iPad, mobile, smartphone, email.", "lost_email"),
    # CJK has no spaces: the topic may start right where the cue ends.
    ("丢了手机", "lost_2fa"),
    # A Latin cue may span CJK words: a topic inside the cue's own words is not its
    # object, the next one is; and items are read in order of their starts (the pronoun
    # after the cue still means the e-mail named before).
    ("I can't 手机 access my email", "lost_email"),
    ("I have an email\nit can't 手机 access", "lost_email"),
    # A one-sided cue skips a topic on its other side and reaches the next.
    ("The email, I forgot which address.", "lost_email"),
    # At equal distance, the cue's preferred side wins ("lost" prefers what follows).
    ("My email: lost phone.", "lost_2fa"),
    # Coordination: "and" spreads a cue over up to four topics, on the chosen side ...
    ("I lost my phone, tablet, iPad, mobile and email.", "lost_2fa"),
    ("丢了手机和邮箱", "both"),
    # ... in CJK to the nearest topic first, then on over the others.
    ("手机邮箱丢了", "both"),
    # ... skipping an aside in brackets, and any topic inside it ...
    ("I lost my 2FA app (new phone) and my email.", "both"),
    ("I lost my 2FA app (the phone broke) and my email.", "both"),
    ("(old) I lost my 2FA app (the phone broke) and my email.", "both"),
    ("I lost my 2FA app (the phone broke) and my email (gmail).", "both"),
    # ... and a bracket after the last topic ends nothing.
    ("I lost my 2FA app and my email (gmail).", "both"),
    # Coordination goes on topic by topic ...
    ("I lost my phone, my tablet and my email.", "both"),
    # ... over at most 40 characters of connecting words between two topics.
    ("I lost my phone and " + "," * 31 + " my email", "both"),  # 40
    ("I lost my phone and " + "," * 32 + " my email", "lost_2fa"),  # 41
    # Blocks: an object between a cue and a topic stops the cue ...
    ("I lost password for email", "unclear"),
    ("I noticed my email with its password stolen", "unclear"),
    # ... unless it is the topic's own noun ("my Authy account got deleted"), and only
    # that first one: a second object still stops it.
    ("My gmail account password got deleted.", "unclear"),
    # Pronouns: an "ok" cue that prefers what follows looks only after itself (14
    # characters) ...
    ("My email expired. It seems I can log in nowhere.", "lost_email"),
    ("My email was closed. Now I can access it.", "unclear"),
    ("My email was closed. Now I can access fortunatel it.", "unclear"),  # "it" ends at 14
    ("My email was closed. Now I can access fortunately it.", "lost_email"),  # at 15
    # ... other cues 24 characters either way, from the start of the clause.
    ("I had a phone\nIt was stolen", "lost_2fa"),
    ("I had a phone\nIt was, sadly and oddl, stolen", "lost_2fa"),  # "it" starts 24 before
    ("I had a phone\nIt was, sadly and oddly, stolen", "unclear"),  # 25 before
    ("I had a phone\nStolen by a thief, sadl was it", "lost_2fa"),  # "it" ends 24 after
    ("I had a phone\nStolen by a thief, sadly was it", "unclear"),  # 25 after
    # A typo is a wrong address only when the clause names no other thing.
    ("I made a typo when I registered.", "lost_email"),
    ("I made a typo in my username.", "unclear"),
    # A negator flips a cue at most three words after it, with no comma or "and" between.
    ("I have not really actually lost my email.", "unclear"),
    ("I have not really actually ever lost my email.", "lost_email"),
    ("Not really, I lost my email", "lost_email"),
    ("I have not lost my email, thanks.", "unclear"),
    # A cue's last word counts from its last space: "accès à" ends one word further.
    ("Je n'ai plus accès à ma vieille et très ancienne adresse mail", "lost_email"),
    # Empty lines between sentences end nothing.
    ("I lost my phone.\n\nMy email expired.", "both"),
    ("\nI lost my phone", "lost_2fa"),
    # A clause ends at its contrast word: the username after "but" is another clause.
    ("I made a typo but my username is fine", "lost_email"),
    # Recovery codes that fail stand in for the 2FA device, in Chinese too.
    ("恢复码无效", "lost_2fa"),
    # Preparing the text: an HTML comment is a word break, typographic apostrophes are
    # straight, Markdown emphasis and code marks are spaces, a quoted form option is not
    # the reporter's words, a link is not words at all.
    ("I lost my<!-- note -->phone", "lost_2fa"),
    ("I can\u2019t access my email", "lost_email"),
    ("I can\u2018t access my email", "lost_email"),
    ("I can **not** access my email", "lost_email"),
    ("I can `not` access my email", "lost_email"),
    ('I ticked the "Lost 2FA authentication app" option by mistake.', "unclear"),
    ("My email: https://example.com/expired", "unclear"),
    ("My email: www.example.com/expired", "unclear"),
    # A link after "confirmation" is the confirmation link: an object that blocks.
    ("The email said: confirmation https://example.com/c expired.", "unclear"),
]


@pytest.mark.parametrize(("text", "expected"), CLASSIFY)
def test_classify_reason_rules(text: str, expected: str) -> None:
    assert classify_reason(text) == expected


def test_repeated_and_alternating_calls_agree() -> None:
    """The one-entry caches answer a repeated text, and only that text: a reason that
    reads like a previous answer is judged on its own."""
    assert classify_reason("I lost my phone and my email") == "both"
    assert classify_reason("I lost my phone and my email") == "both"
    assert classify_reason("both") == "unclear"
    assert classify_reason("both") == "unclear"
    assert says_recovery_codes_fail("My recovery codes don't work") is True
    assert says_recovery_codes_fail("My recovery codes don't work") is True
    assert mentions_having_recovery_codes("I still have my recovery codes") is True
    assert mentions_having_recovery_codes("I still have my recovery codes") is True


# --- Recovery codes that fail ----------------------------------------------------------

FAIL: list[tuple[str, bool]] = [
    # Any sentence may say it, not only the first.
    ("I lost my phone. My recovery codes don't work.", True),
    # Codes never called recovery or backup codes are not recovery codes.
    ("The codes don't work.", False),
    # "they" needs the codes named earlier in its own sentence; "none / neither of them"
    # may follow the sentence that names them.
    ("I have my recovery codes. They don't work.", False),
    ("I saved two recovery codes. Neither of them works.", True),
    # A match without the codes does not end the sentence: a later one still counts.
    ("They failed and my recovery codes were rejected.", True),
    # A condition counts only before the failure, within 80 characters, and without a
    # comma between; a conditional failure does not hide a later real one.
    ("My recovery codes don't work even if I retype them.", True),
    ("If my recovery codes fail I retry, and my recovery codes were rejected.", True),
    ("If " + "x" * 76 + " my recovery codes don't work.", False),
    ("If " + "x" * 77 + " my recovery codes don't work.", True),
]


@pytest.mark.parametrize(("text", "expected"), FAIL)
def test_says_recovery_codes_fail_rules(text: str, expected: bool) -> None:
    assert says_recovery_codes_fail(text) is expected


# --- Recovery codes held ----------------------------------------------------------------

HAVE: list[tuple[str, bool]] = [
    # "lost" before the codes, even as the first word, says they are not held.
    ("Lost my recovery codes and the new device e-mail never arrives.", False),
    ("Lost the recovery codes, but I still have them", False),
    ("I lost the recovery codes, but I still have them", False),
    # ... within 40 characters before them: a "lost" further back is about something else.
    (
        "I lost "
        + "x" * 10
        + (" " + "x" * 11) * 2
        + " recovery codes and the new device e-mail never arrives.",
        False,
    ),
    (
        "I lost "
        + "x" * 11
        + (" " + "x" * 11) * 2
        + " recovery codes and the new device e-mail never arrives.",
        True,
    ),
    ("I lost " + "x" * 10 + (" " + "x" * 11) * 2 + " recovery codes, but I still have them", False),
    ("I lost " + "x" * 11 + (" " + "x" * 11) * 2 + " recovery codes, but I still have them", True),
    # A "but" sentence that does not say "but I have them" is read clause by clause.
    ("My recovery codes are in my password manager, but I need them.", True),
    # Bare "codes" count only when the text speaks of recovery or backup codes.
    ("I still have the codes", False),
    ("I have a backup of everything and I still have the codes", True),
    # A negation before the codes, from the clause's first word on, within 60 characters.
    ("Never kept the recovery codes", False),
    ("Not " + "x" * 17 + " " + "x" * 17 + " " + "x" * 17 + " I have my recovery codes", False),
    ("Not " + "x" * 17 + " " + "x" * 17 + " " + "x" * 18 + " I have my recovery codes", True),
    # A loss word after the codes, within 160 characters.
    ("I still have my recovery codes " + "x" * 154 + " lost", False),
    ("I still have my recovery codes " + "x" * 155 + " lost", True),
    # A negated or lost mention does not hide a later one in the same clause.
    ("I don't have the printed recovery codes, I have the saved recovery codes", True),
    ("I have my recovery codes on the old laptop, and I still have my backup codes", True),
    # Codes "for it" are another site's only when the clause names TestPyPI.
    ("I still have the recovery codes for it.", True),
    ("I have the recovery codes and a TestPyPI account", True),
    # Another site's codes do not hide this account's, named later in the clause.
    ("I have recovery codes for GitHub and I still have my PyPI recovery codes", True),
]


@pytest.mark.parametrize(("text", "expected"), HAVE)
def test_mentions_having_recovery_codes_rules(text: str, expected: bool) -> None:
    assert mentions_having_recovery_codes(text) is expected
