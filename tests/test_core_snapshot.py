"""GitHub's timestamps as the pure code sees them (core.snapshot.parse_github_time)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from recovery_bot.core.snapshot import parse_github_time


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-09-10T12:00:00Z", datetime(2026, 9, 10, 12, 0, tzinfo=UTC)),
        ("2026-01-02T03:04:05Z", datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)),
        (
            "2026-09-10T12:00:00+02:00",
            datetime(2026, 9, 10, 12, 0, tzinfo=timezone(timedelta(hours=2))),
        ),
    ],
)
def test_parse_github_time_is_timezone_aware(text: str, expected: datetime) -> None:
    got = parse_github_time(text)
    assert got == expected
    assert got.utcoffset() == expected.utcoffset()


def test_z_means_utc() -> None:
    assert parse_github_time("2026-09-10T12:00:00Z").tzinfo == UTC
