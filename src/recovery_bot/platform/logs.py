"""Log output: plain lines (the default, for people) or one JSON object a line (for log
platforms: ``--log-format json``).

The bot's delivery lines carry their fields twice: in the message, for plain reading,
and as ``extra`` attributes (``delivery``, ``event``, ``issue``, ``outcome``), which the
JSON formatter turns into keys, so a platform can filter on them without parsing text.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from datetime import UTC, datetime
from typing import TextIO

FORMATS = ("plain", "json")
PLAIN_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"
#: ``extra`` attributes copied into the JSON object when a record has them.
FIELDS = ("delivery", "event", "issue", "outcome")


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time (UTC, ISO 8601), level, logger, message, the
    :data:`FIELDS` the record carries, and ``exception`` (the traceback) if any."""

    def format(self, record: logging.LogRecord) -> str:
        obj: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                obj[name] = value
        if record.exc_info:
            obj["exception"] = self.formatException(record.exc_info)
        return json.dumps(obj, ensure_ascii=False, default=str)


def configure(level: int, fmt: str = "plain", stream: TextIO | None = None) -> None:
    """Set up the root logger for a command, as ``logging.basicConfig`` would: if someone
    else already installed handlers (pytest, an embedding program), leave them alone."""
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "_recovery_bot", False)]:
        root.removeHandler(old)
    if root.handlers:
        return
    handler = logging.StreamHandler(stream or sys.stderr)
    handler._recovery_bot = True  # type: ignore[attr-defined]
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(PLAIN_FORMAT))
    root.addHandler(handler)
    root.setLevel(level)


def add_log_format(p: argparse.ArgumentParser) -> None:
    """``--log-format plain|json`` for the long-running and unattended commands."""
    p.add_argument(
        "--log-format",
        choices=("plain", "json"),
        default="plain",
        help="plain text lines (default) or one JSON object per line for log platforms",
    )
