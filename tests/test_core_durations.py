"""Durations as app.yaml and slash-commands write them (core.durations): the exact value
each spelling names, the exact error each wrong one gets, and the compact rendering used
in logs, tables and comments."""

from __future__ import annotations

from datetime import timedelta

import pytest

from recovery_bot.core.durations import format_duration, parse_duration

EXAMPLES = "expected a duration like 7d, 36h, 2w or 30s"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7d", timedelta(days=7)),
        ("36h", timedelta(hours=36)),
        ("2w", timedelta(weeks=2)),
        ("90s", timedelta(seconds=90)),
        ("5m", timedelta(minutes=5)),
        ("250ms", timedelta(milliseconds=250)),
        ("1h30m", timedelta(hours=1, minutes=30)),
        (
            "1w2d3h4m5s6ms",
            timedelta(weeks=1, days=2, hours=3, minutes=4, seconds=5, milliseconds=6),
        ),
        ("1.5h", timedelta(minutes=90)),
        ("0.25d", timedelta(hours=6)),
        ("0s", timedelta(0)),
        (" 1H 30M ", timedelta(hours=1, minutes=30)),
        ("2 W", timedelta(weeks=2)),
        (90, timedelta(seconds=90)),
        (0, timedelta(0)),
        (1.5, timedelta(seconds=1.5)),
    ],
)
def test_parse_duration_names_exactly_this_long(
    text: str | int | float, expected: timedelta
) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (True, EXAMPLES),
        (False, EXAMPLES),
        (-1, "a duration cannot be negative"),
        (-0.5, "a duration cannot be negative"),
        ("", f"{EXAMPLES}, got an empty value"),
        ("   ", f"{EXAMPLES}, got an empty value"),
        ("5", f"{EXAMPLES}, got '5'"),
        ("d", f"{EXAMPLES}, got 'd'"),
        ("soon", f"{EXAMPLES}, got 'soon'"),
        ("5x", f"{EXAMPLES}, got '5x'"),
        ("x5m", f"{EXAMPLES}, got 'x5m'"),
        ("1h1", f"{EXAMPLES}, got '1h1'"),
        ("1hx2m", f"{EXAMPLES}, got '1hx2m'"),
        ("1h-2m", f"{EXAMPLES}, got '1h-2m'"),
        ("-5m", f"{EXAMPLES}, got '-5m'"),
        (" 1 Y ", f"{EXAMPLES}, got ' 1 Y '"),
    ],
)
def test_parse_duration_refuses_with_a_message_fit_for_config_errors(
    text: object, message: str
) -> None:
    with pytest.raises(ValueError) as info:
        parse_duration(text)  # type: ignore[arg-type]
    assert str(info.value) == message


@pytest.mark.parametrize(
    ("td", "text"),
    [
        (timedelta(0), "0s"),
        (timedelta(seconds=1), "1s"),
        (timedelta(seconds=59), "59s"),
        (timedelta(seconds=59.9), "59s"),
        (timedelta(seconds=60), "1m"),
        (timedelta(seconds=61), "1m"),
        (timedelta(minutes=45), "45m"),
        (timedelta(minutes=59, seconds=59), "59m"),
        (timedelta(hours=1), "1h"),
        (timedelta(hours=1, minutes=1), "1h 1m"),
        (timedelta(hours=23, minutes=59, seconds=59), "23h 59m"),
        (timedelta(days=1), "1d"),
        (timedelta(days=1, minutes=59), "1d"),
        (timedelta(days=3, hours=4), "3d 4h"),
        (timedelta(days=3, hours=4, minutes=5, seconds=6), "3d 4h"),
        (timedelta(weeks=2), "14d"),
        (timedelta(seconds=-1), "-1s"),
        (timedelta(seconds=-0.5), "0s"),
        (timedelta(minutes=-90), "-1h 30m"),
        (timedelta(minutes=-2), "-2m"),
        (timedelta(hours=-5), "-5h"),
        (timedelta(days=-2), "-2d"),
        (timedelta(days=-2, hours=-3), "-2d 3h"),
    ],
)
def test_format_duration_shows_the_two_largest_units(td: timedelta, text: str) -> None:
    assert format_duration(td) == text


@pytest.mark.parametrize("text", ["7d", "36h", "2w", "30s", "45m", "1h30m", "3d4h"])
def test_formatted_durations_read_back(text: str) -> None:
    td = parse_duration(text)
    assert parse_duration(format_duration(td)) == td
