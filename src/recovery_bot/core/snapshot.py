"""Plain data describing an issue's history, shared by the SLA clocks, the digest,
slash-commands and queue position.

The shell (GitHub client) builds these from REST or GraphQL answers; the pure code
never sees a raw API payload. All datetimes are timezone-aware UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal


def parse_github_time(value: str) -> datetime:
    """GitHub's ``2026-09-10T12:00:00Z`` → aware UTC datetime (Python 3.11 on reads ``Z``)."""
    return datetime.fromisoformat(value)


Owner = Literal["maintainers", "reporter", "nobody"]
ClockState = Literal[
    "ok",  # maintainers owe the move, not yet near the target
    "due_soon",  # maintainers owe the move, inside the warning margin
    "overdue",  # maintainers owe the move, past the target
    "waiting_on_reporter",  # the reporter owes the move
    "reminder_due",  # the reporter has been silent long enough for a reminder
    "close_due",  # the reporter has been silent long enough to close
    "snoozed",  # a maintainer paused the clock
    "closed",  # the issue is closed: no clock
    "untracked",  # no SLA configured for this form
]


@dataclass(frozen=True)
class CommentInfo:
    """One issue comment, reduced to what the clocks and reports need."""

    author: str
    created_at: datetime
    is_maintainer: bool = False
    is_bot: bool = False
    body: str = ""
    id: int = 0


@dataclass(frozen=True)
class LabelEvent:
    """A label added (``added=True``) or removed at ``at`` by ``actor``."""

    label: str
    added: bool
    at: datetime
    actor: str = ""


@dataclass(frozen=True)
class IssueSnapshot:
    number: int
    title: str
    author: str
    created_at: datetime
    state: Literal["open", "closed"] = "open"
    closed_at: datetime | None = None
    state_reason: str | None = None
    labels: tuple[str, ...] = ()
    comments: tuple[CommentInfo, ...] = ()
    label_events: tuple[LabelEvent, ...] = ()
    form: str | None = None
    author_is_maintainer: bool = False
    author_is_bot: bool = False
    is_pull_request: bool = False
    snoozed_until: datetime | None = None
    html_url: str = ""
    body: str = ""


@dataclass(frozen=True)
class Clock:
    """Where one issue stands against its SLA at a given moment."""

    number: int
    owner: Owner
    since: datetime | None  # when the current owner got the move
    due: datetime | None  # when the current owner's target (or reminder/close) falls due
    state: ClockState
    form: str | None = None
    first_response_at: datetime | None = None  # first maintainer reply, if any
    age_days: float = 0.0
