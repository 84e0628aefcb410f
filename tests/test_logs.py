"""``--log-format json``: the formatter's fields, from a record like the server's
delivery line."""

from __future__ import annotations

import json
import logging

from recovery_bot.cli import build_parser
from recovery_bot.platform.logs import JsonFormatter


def test_json_formatter_carries_the_delivery_fields_and_the_traceback() -> None:
    record = logging.LogRecord(
        "recovery_bot.platform.server",
        logging.WARNING,
        __file__,
        1,
        "delivery=%s failed: %s",
        ("abc", "boom"),
        None,
    )
    record.created = 1_795_000_000.25
    for key, value in {
        "delivery": "abc",
        "event": "issues",
        "issue": 7,
        "outcome": "failed",
    }.items():
        setattr(record, key, value)
    assert json.loads(JsonFormatter().format(record)) == {
        "time": "2026-11-18T11:06:40.250Z",
        "level": "WARNING",
        "logger": "recovery_bot.platform.server",
        "message": "delivery=abc failed: boom",
        "delivery": "abc",
        "event": "issues",
        "issue": 7,
        "outcome": "failed",
    }
    try:
        raise ValueError("bad")
    except ValueError:
        import sys

        plain = logging.LogRecord("x", logging.ERROR, __file__, 1, "oops", (), sys.exc_info())
    obj = json.loads(JsonFormatter().format(plain))
    assert set(obj) == {"time", "level", "logger", "message", "exception"}
    assert obj["exception"].splitlines()[-1] == "ValueError: bad"


def test_serve_action_and_sandbox_take_the_flag_plain_by_default() -> None:
    parser = build_parser()
    for cmd in ("serve", "action", "sandbox"):
        assert parser.parse_args([cmd]).log_format == "plain"
        assert parser.parse_args([cmd, "--log-format", "json"]).log_format == "json"
