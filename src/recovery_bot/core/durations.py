"""Parse human durations written in app.yaml (``7d``, ``36h``, ``2w``, ``90s``, ``1h30m``).

Kept separate and pure so the SLA, timeout and cache settings all read the same syntax.
"""

from __future__ import annotations

from datetime import timedelta

from recovery_bot.core.lazy_re import LazyPattern

_UNITS = {"w": 7 * 86400, "d": 86400, "h": 3600, "m": 60, "s": 1, "ms": 0.001}
_PART = LazyPattern(r"(\d+(?:\.\d+)?)(ms|w|d|h|m|s)")


def parse_duration(text: str | int | float) -> timedelta:
    """Return the duration ``text`` names; a bare number means seconds.

    Raises ValueError with a message fit for a ConfigError when the text is not a duration.
    """
    if isinstance(text, bool):
        raise ValueError("expected a duration like 7d, 36h, 2w or 30s")
    if isinstance(text, int | float):
        if text < 0:
            raise ValueError("a duration cannot be negative")
        return timedelta(seconds=text)
    s = str(text).strip().lower().replace(" ", "")
    if not s:
        raise ValueError("expected a duration like 7d, 36h, 2w or 30s, got an empty value")
    pos = 0
    total = 0.0
    for m in _PART.finditer(s):
        if m.start() != pos:
            break
        total += float(m.group(1)) * _UNITS[m.group(2)]
        pos = m.end()
    if pos != len(s):  # s is not empty, so this also refuses text with no duration at all
        raise ValueError(f"expected a duration like 7d, 36h, 2w or 30s, got {text!r}")
    return timedelta(seconds=total)


def format_duration(td: timedelta) -> str:
    """Render a duration compactly (``3d 4h``, ``45m``) for logs, tables and comments."""
    secs = int(td.total_seconds())
    sign = "-" if secs < 0 else ""
    secs = abs(secs)
    d, rem = divmod(secs, 86400)
    h, rem = divmod(rem, 3600)
    m, s = divmod(rem, 60)
    if d:
        return f"{sign}{d}d {h}h" if h else f"{sign}{d}d"
    if h:
        return f"{sign}{h}h {m}m" if m else f"{sign}{h}h"
    if m:
        return f"{sign}{m}m"
    return f"{sign}{s}s"
