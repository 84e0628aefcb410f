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


@pytest.mark.parametrize("text", [None, "", "I lost my phone"])
def test_ordinary_input_logs_nothing(text: str | None, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="recovery_bot.intake.reason"):
        classify_reason(text)
        mentions_having_recovery_codes(text)
        says_recovery_codes_fail(text)
        contains_email_address(text)
    assert caplog.records == []
