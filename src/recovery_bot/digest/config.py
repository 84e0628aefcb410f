"""The ``digest:`` section of app.yaml.

```yaml
digest:
  enabled: true
  repo: pypi/support          # default: the first of `repositories`
  label: backlog digest       # put on every digest issue; such issues count nowhere
  title_prefix: Support backlog digest
  weekday: monday             # or 0..6, 0 = Monday
  time: "08:00"               # UTC, HH:MM
  list_cap: 25                # entries per list before "…and N more"
  close_previous: true        # close last week's digest when posting the new one
  backlinks: false            # true: link issues via github.com (adds a timeline
                              # reference to every listed issue, every week)
```

``app.SECTIONS`` registers this parser (``parse_digest_config``); ``core.config`` stores the
result as ``AppConfig.digest``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from recovery_bot.core.config import read_section, setting, text
from recovery_bot.core.lazy_re import LazyPattern

#: The digest issue's title starts with this (``digest.report.digest_title``).
DEFAULT_TITLE_PREFIX = "Support backlog digest"

if TYPE_CHECKING:
    from recovery_bot.core.config import AppConfig, Section

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_TIME_RE = LazyPattern(r"([01]?\d|2[0-3]):([0-5]\d)")


def _weekday(section: Section, name: str, value: Any) -> int:
    if isinstance(value, str):
        word = value.strip().casefold()
        for i, day in enumerate(WEEKDAYS):
            if word in (day, day[:3]):
                return i
    elif isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 6:
        return value
    raise section.error(
        name, f"must be a weekday name (monday … sunday) or 0–6 with 0 = Monday, got {value!r}"
    )


def _utc_time(section: Section, name: str, value: Any) -> dt.time:
    if isinstance(value, dt.time):
        return value
    if isinstance(value, str):
        m = _TIME_RE.fullmatch(value.strip())
        if m:
            return dt.time(int(m.group(1)), int(m.group(2)))
    elif isinstance(value, int) and not isinstance(value, bool) and 60 <= value < 24 * 60:
        # YAML 1.1 reads an unquoted 14:30 as the base-60 number 870 (08:00 stays a
        # string because of the leading zero). Below 60 it cannot come from H:MM, so a
        # bare `time: 9` is refused rather than read as 00:09.
        return dt.time(value // 60, value % 60)
    raise section.error(
        name, f'must be a UTC time written HH:MM (quote it in YAML: "08:00"), got {value!r}'
    )


def _one_line(section: Section, name: str, value: str) -> None:
    if "\n" in value or len(value) > 200:
        raise section.error(name, "must be one line of at most 200 characters")


def _label(section: Section, name: str, value: str) -> None:
    if len(value) > 50:  # GitHub's limit for label names
        raise section.error(name, "must be at most 50 characters (GitHub's label limit)")


@dataclass(frozen=True)
class DigestConfig:
    """When and where the weekly digest is posted. ``repo`` is always set after parsing."""

    enabled: bool = True
    repo: str | None = setting(None, read=text)  # parsing: the first of `repositories`
    label: str = setting("backlog digest", check=_label)
    title_prefix: str = setting(DEFAULT_TITLE_PREFIX, check=_one_line)
    weekday: int = setting(0, read=_weekday)  # Monday: the digest of the week just ended
    time: dt.time = setting(dt.time(8, 0), read=_utc_time)  # UTC
    list_cap: int = setting(25, at_least=0, at_most=1000)
    close_previous: bool = True
    backlinks: bool = False

    @property
    def weekday_name(self) -> str:
        return WEEKDAYS[self.weekday]

    def next_run(self, after: dt.datetime) -> dt.datetime:
        """The first scheduled moment strictly after ``after`` (aware; result in UTC).

        Pure, so the scheduler can compute its sleep and tests need no clock.
        """
        if after.tzinfo is None or after.utcoffset() is None:
            raise ValueError("after must be timezone-aware")
        now = after.astimezone(dt.UTC)
        day = now.date() + dt.timedelta(days=(self.weekday - now.weekday()) % 7)
        run = dt.datetime.combine(day, self.time, tzinfo=dt.UTC)
        return run if run > now else run + dt.timedelta(days=7)


def parse_digest_config(section: Section, app: AppConfig) -> DigestConfig:
    """Read ``digest:``; every problem is a ConfigError naming ``digest.<key>``."""
    cfg = read_section(DigestConfig, section)  # repo absent or null: None, resolved below
    repo = cfg.repo or app.repositories[0]
    matches = [r for r in app.repositories if r.casefold() == repo.casefold()]
    if not matches:
        raise section.error(
            "repo",
            f"must be one of the configured repositories ({', '.join(app.repositories)}), "
            f"got {repo!r}",
        )
    return replace(cfg, repo=matches[0])
