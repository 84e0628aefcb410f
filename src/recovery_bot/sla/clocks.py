"""SLA clocks: whose move it is on an issue, since when, and when it falls due (pure).

Every function takes ``now``; nothing here reads the wall clock, GitHub or the config
file. The shell builds an :class:`~recovery_bot.core.snapshot.IssueSnapshot`, calls
:func:`compute_clock` and applies the :class:`~recovery_bot.core.plans.Plan` from
:func:`sweep_actions`. This docstring is the spec; the tests follow it.

Who owes the move
-----------------
Only events at or before ``now`` count. They are replayed oldest first; at equal
timestamps comments come before label events (a label is put on after reading the
comment). The clock starts at ``created_at`` with the maintainers owing the *first*
response (target ``first_response``). Then each event may hand the move over — the
latest handover wins:

=================================  =============================  ===========================
event                              while maintainers owe          while the reporter owes
=================================  =============================  ===========================
maintainer reply                   -> reporter, since = reply     reporter, since = reply
                                                                  (a follow-up restarts the
                                                                  reporter's wait)
awaiting label added (or alias)    -> reporter, since = added     unchanged
awaiting label removed (last one)  unchanged                      -> maintainers (next), since
maintainer ``/resume`` comment     unchanged                      -> maintainers (next), since
reporter's comment                 unchanged (a ping does not     -> maintainers (next),
                                   restart the maintainers' wait) since = reply
third party ("+1", spam)           unchanged                      unchanged
bot comment (``is_bot``)           unchanged                      unchanged
maintainer command-only comment    unchanged                      unchanged
=================================  =============================  ===========================

- The reporter is ``issue.author`` (logins compared case-insensitively). Bot comments
  never count. A maintainer comment made only of slash-command lines (``/snooze 3d``,
  ``/awaiting-response``) is an instruction to the bot, not a reply to the reporter: its
  effects reach the clock through what the bot does (the awaiting label, the snooze).
  A maintainer comment with a ``/resume`` line counts as ``/resume`` only.
- A maintainer reply hands the move to the reporter whether or not the awaiting label is
  put on: the reply is the response, and the reporter (or ``/resume``) hands it back.
- The awaiting label counts from its label events. When it is on the issue but no event
  mentions it (a snapshot built without the timeline), it is taken as added at the latest
  maintainer reply, or at ``created_at`` when there is none.
- ``first_response_at`` is the first time maintainers handed the move to the reporter
  (their first reply, or the awaiting label put on, whichever came first): the moment the
  ``first_response`` target was met.

States
------
Checked in this order:

1. ``closed``: the issue is closed (owner ``nobody``, ``since = closed_at``).
2. ``untracked``: no SLA for the form, or a pull request, or opened by a maintainer or a
   bot (pypi/support's own autoresponder skips those too).
3. ``snoozed``: ``snoozed_until > now``; ``due = snoozed_until``.
4. Maintainers owe: ``due = since + target`` (``first_response`` or ``next_response``);
   ``overdue`` when ``now >= due``, ``due_soon`` when ``now >= since + target -
   warn_before``, else ``ok``. With ``business_days`` both are business time: weekends
   (Sat/Sun, UTC) and holidays don't count, so a warning never lands on a Sunday.
5. Reporter owes (calendar time; the reporter's silence does not stop for our weekends):
   ``waiting_on_reporter`` until ``since + remind_after`` (``due`` = that time, or None
   when reminders are off); then ``reminder_due`` (also once a reminder was posted after
   ``since``); ``due`` = the closing time, None when closing is off.
   ``close_due`` needs ``close_after`` configured **and** a reminder posted after
   ``since``, at the later of ``since + close_after`` and ``reminder + (close_after -
   remind_after)``: the reporter always gets the full advertised gap after the actual
   reminder, even when a sweep ran late. Without a reminder there is no closing.

Snoozes pause the clock: once a snooze has ended, its span (from the snooze's start, or
from ``since`` if later, to ``snoozed_until``) is not counted against the current owner.
The snapshot carries only ``snoozed_until``, so the start is taken from the latest
maintainer ``/snooze`` comment, else the latest add of the snoozed label; with neither the
snooze shows but adds no credit (never hiding a breach it cannot account for). Only the
current snooze is known; older ones are not credited.

Monotonic: with a fixed history, as ``now`` advances the state only moves forward
(``snoozed`` -> ``ok`` -> ``due_soon`` -> ``overdue``; ``snoozed`` ->
``waiting_on_reporter`` -> ``reminder_due`` -> ``close_due``) and ``due`` never moves
back: it is fixed within a state and on the reporter side steps from the reminder time to
the closing time.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal

from recovery_bot.core.plans import Plan
from recovery_bot.core.snapshot import (
    Clock,
    ClockState,
    CommentInfo,
    IssueSnapshot,
    LabelEvent,
    Owner,
)
from recovery_bot.sla.config import FormSla, SlaConfig, SlaLabels

REMINDER_MARKER = "<!-- recovery-bot:sla-reminder -->"
CLOSE_MARKER = "<!-- recovery-bot:sla-close -->"

_DAY = timedelta(days=1)
_ZERO = timedelta(0)
_COMMAND_LINE = re.compile(r"^\s*/[a-z][a-z0-9_-]*(?:\s|$)", re.IGNORECASE)
_RESUME_LINE = re.compile(r"^\s*/resume(?:\s|$)", re.IGNORECASE)
_SNOOZE_LINE = re.compile(r"^\s*/snooze(?:\s|$)", re.IGNORECASE)
_FENCE = re.compile(r"^\s*(```|~~~)")

# --------------------------------------------------------------------------- business time


def _utc(dt: datetime) -> datetime:
    if dt.tzinfo is None:
        raise ValueError(f"naive datetime {dt.isoformat()}: the clocks need UTC-aware times")
    return dt.astimezone(UTC)


def _is_business(day: date, holidays: frozenset[date]) -> bool:
    return day.weekday() < 5 and day not in holidays


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), UTC)


def add_business_time(
    start: datetime,
    delta: timedelta,
    *,
    business_days: bool,
    holidays: frozenset[date] = frozenset(),
) -> datetime:
    """``start + delta``, counting only business time when ``business_days``.

    Weekends (Saturday and Sunday, UTC) and ``holidays`` don't count; a start inside one
    counts from the next business day at 00:00 UTC. The result is the earliest instant at
    which ``delta`` of business time has passed, so Friday 00:00 + 1 day is Saturday 00:00
    (the end of Friday) and Friday 10:00 + 1 day is Monday 10:00.
    """
    start = _utc(start)
    if delta < _ZERO:
        raise ValueError("delta must not be negative")
    if not business_days:
        return start + delta
    if delta == _ZERO:
        return start
    remaining = delta
    day = start.date()
    while True:
        if _is_business(day, holidays):
            begin = max(start, _midnight(day))
            available = _midnight(day) + _DAY - begin
            if remaining <= available:
                return begin + remaining
            remaining -= available
        day += _DAY


def business_time_between(
    a: datetime,
    b: datetime,
    *,
    business_days: bool,
    holidays: frozenset[date] = frozenset(),
) -> timedelta:
    """Business time from ``a`` to ``b`` (negative when ``b < a``); plain ``b - a`` when
    ``business_days`` is off. The inverse of :func:`add_business_time`."""
    a, b = _utc(a), _utc(b)
    if not business_days:
        return b - a
    if b < a:
        return -business_time_between(b, a, business_days=True, holidays=holidays)
    total = _ZERO
    day = a.date()
    while day <= b.date():
        if _is_business(day, holidays):
            lo = max(a, _midnight(day))
            hi = min(b, _midnight(day) + _DAY)
            if hi > lo:
                total += hi - lo
        day += _DAY
    return total


@dataclass(frozen=True)
class _Calendar:
    business_days: bool = False
    holidays: frozenset[date] = frozenset()

    def add(self, start: datetime, delta: timedelta) -> datetime:
        return add_business_time(
            start, delta, business_days=self.business_days, holidays=self.holidays
        )

    def between(self, a: datetime, b: datetime) -> timedelta:
        return business_time_between(a, b, business_days=self.business_days, holidays=self.holidays)

    def deadline(
        self, since: datetime, amount: timedelta, pause: tuple[datetime, datetime] | None
    ) -> datetime:
        """When ``amount`` of (business) time has run from ``since``, not counting the
        ``pause`` span."""
        plain = self.add(since, amount)
        if pause is None:
            return plain
        start, end = max(pause[0], since), pause[1]
        if end <= start or plain <= start:
            return plain
        # ``plain`` is the earliest instant reaching ``amount``, so before it less ran.
        return self.add(end, amount - self.between(since, start))


_CALENDAR = _Calendar()

# --------------------------------------------------------------------------- history replay


def _lines_outside_fences(body: str) -> list[str]:
    """Non-blank lines outside fenced code blocks (a pasted ``/resume`` in code is not a
    command)."""
    out: list[str] = []
    fenced = False
    for line in body.splitlines():
        if _FENCE.match(line):
            fenced = not fenced
            continue
        if not fenced and line.strip():
            out.append(line)
    return out


def _comment_kind(lines: list[str] | str) -> Literal["resume", "command", "reply"]:
    """``resume`` (has a ``/resume`` line), ``command`` (only slash-command lines) or
    ``reply`` (says something to the reporter)."""
    if isinstance(lines, str):
        lines = _lines_outside_fences(lines)
    if any(_RESUME_LINE.match(x) for x in lines):
        return "resume"
    if lines and all(_COMMAND_LINE.match(x) for x in lines):
        return "command"
    return "reply"


@dataclass
class _Replay:
    """The running result of replaying an issue's history."""

    since: datetime
    owner: Owner = "maintainers"
    first: bool = True  # maintainers owe the *first* response (not the next one)
    first_response_at: datetime | None = None
    snooze_comment_at: datetime | None = None
    snooze_label_at: datetime | None = None

    def to_reporter(self, at: datetime, *, counts: bool = True) -> None:
        if counts and self.first_response_at is None:
            self.first_response_at = at
        self.owner, self.since = "reporter", at

    def to_maintainers(self, at: datetime) -> None:
        if self.owner == "reporter":
            self.owner, self.since, self.first = "maintainers", at, False


def _replay(issue: IssueSnapshot, labels: SlaLabels, now: datetime) -> _Replay:
    """Replay the visible history (events at or before ``now``) per the module table."""
    r = _Replay(since=issue.created_at)
    reporter = issue.author.casefold()
    awaiting = labels.awaiting_names()
    snoozed = labels.snoozed.casefold()
    # (at, order, tiebreak, event); comments sort before label events at the same instant.
    # ``None`` stands for the awaiting label found on the issue with no event for it.
    events: list[tuple[datetime, int, int, CommentInfo | LabelEvent | None]] = []
    for i, c in enumerate(issue.comments):
        if c.created_at <= now and not c.is_bot:
            events.append((c.created_at, 0, i, c))
    for i, le in enumerate(issue.label_events):
        name = le.label.casefold()
        if le.at <= now and (name in awaiting or name == snoozed):
            events.append((le.at, 1, i, le))
    mentioned = any(ev.label.casefold() in awaiting for ev in issue.label_events)
    if not mentioned and any(x.casefold() in awaiting for x in issue.labels):
        replies = [
            c.created_at
            for c in issue.comments
            if c.created_at <= now
            and c.is_maintainer
            and not c.is_bot
            and _comment_kind(c.body) == "reply"
        ]
        events.append((max(replies, default=issue.created_at), 1, -1, None))
    events.sort(key=lambda e: (e[0], e[1], e[2]))

    on: set[str] = set()  # awaiting-label spellings currently on the issue
    for at, _, _, ev in events:
        if ev is None:
            on.add("")
            if r.owner == "maintainers":
                r.to_reporter(at, counts=False)
        elif isinstance(ev, LabelEvent):
            name = ev.label.casefold()
            if name == snoozed:
                if ev.added:
                    r.snooze_label_at = at
            elif ev.added:
                on.add(name)
                if r.owner == "maintainers":
                    r.to_reporter(at)
            else:
                on.discard(name)
                if not on:  # the last awaiting spelling went: the move is the maintainers'
                    r.to_maintainers(at)
        elif ev.is_maintainer:
            lines = _lines_outside_fences(ev.body)
            kind = _comment_kind(lines)
            if kind == "resume":
                r.to_maintainers(at)
            elif kind == "reply":
                r.to_reporter(at)
            if any(_SNOOZE_LINE.match(x) for x in lines):
                r.snooze_comment_at = at
        elif ev.author.casefold() == reporter:
            r.to_maintainers(at)
    return r


def _pause(issue: IssueSnapshot, r: _Replay, now: datetime) -> tuple[datetime, datetime] | None:
    """The span of the current, already ended snooze, when its start is known."""
    until = issue.snoozed_until
    if until is None or until > now:
        return None
    for start in (r.snooze_comment_at, r.snooze_label_at):
        if start is not None and start < until:
            return (start, until)
    return None


def _reminded_at(issue: IssueSnapshot, since: datetime, now: datetime) -> datetime | None:
    """When the bot posted its first SLA reminder after the reporter got the move."""
    times = [
        c.created_at
        for c in issue.comments
        if c.is_bot and REMINDER_MARKER in c.body and since <= c.created_at <= now
    ]
    return min(times, default=None)


# --------------------------------------------------------------------------- the clock


def compute_clock(
    issue: IssueSnapshot, sla: FormSla | None, labels: SlaLabels, now: datetime
) -> Clock:
    """Where ``issue`` stands against ``sla`` at ``now`` (rules in the module docstring)."""
    now = _utc(now)
    r = _replay(issue, labels, now)
    end = issue.closed_at if issue.state == "closed" and issue.closed_at else now
    age = max(0.0, (end - issue.created_at).total_seconds() / 86400)
    common: dict[str, Any] = {
        "number": issue.number,
        "form": issue.form,
        "age_days": age,
        "first_response_at": r.first_response_at,
    }
    if issue.state == "closed":
        return Clock(owner="nobody", since=issue.closed_at, due=None, state="closed", **common)
    if sla is None or issue.is_pull_request or issue.author_is_maintainer or issue.author_is_bot:
        return Clock(owner="nobody", since=None, due=None, state="untracked", **common)
    if issue.snoozed_until is not None and issue.snoozed_until > now:
        return Clock(
            owner=r.owner, since=r.since, due=issue.snoozed_until, state="snoozed", **common
        )
    pause = _pause(issue, r, now)

    if r.owner == "maintainers":
        cal = _Calendar(sla.business_days, sla.holidays)
        target = sla.first_response if r.first else sla.next_response
        due = cal.deadline(r.since, target, pause)
        warn_at = cal.deadline(r.since, target - sla.warn_before, pause)
        state: ClockState = "overdue" if now >= due else "due_soon" if now >= warn_at else "ok"
        return Clock(owner="maintainers", since=r.since, due=due, state=state, **common)

    remind_at = _CALENDAR.deadline(r.since, sla.remind_after, pause) if sla.remind_after else None
    reminded = _reminded_at(issue, r.since, now)
    close_at: datetime | None = None
    if sla.close_after is not None and sla.remind_after is not None:
        close_at = _CALENDAR.deadline(r.since, sla.close_after, pause)
        if reminded is not None:
            close_at = max(close_at, reminded + (sla.close_after - sla.remind_after))
    if close_at is not None and reminded is not None and now >= close_at:
        return Clock(owner="reporter", since=r.since, due=close_at, state="close_due", **common)
    if remind_at is not None and (now >= remind_at or reminded is not None):
        return Clock(owner="reporter", since=r.since, due=close_at, state="reminder_due", **common)
    return Clock(
        owner="reporter", since=r.since, due=remind_at, state="waiting_on_reporter", **common
    )


# --------------------------------------------------------------------------- plans


def label_plan(clock: Clock, current_labels: Iterable[str], labels: SlaLabels) -> Plan:
    """The SLA state labels to add and remove so the issue shows ``clock.state``.

    ``due_soon``/``overdue``/``snoozed`` are mutually exclusive; every other label is left
    alone. Names are matched case-insensitively (as GitHub does); removals use the
    spelling found on the issue.
    """
    wanted = {"due_soon": labels.due_soon, "overdue": labels.overdue, "snoozed": labels.snoozed}
    want = wanted.get(clock.state)
    current = list(current_labels)
    present = {x.casefold() for x in current}
    own = {x.casefold() for x in labels.state_labels()}
    add = (want,) if want is not None and want.casefold() not in present else ()
    keep = want.casefold() if want is not None else None
    remove = tuple(x for x in current if x.casefold() in own and x.casefold() != keep)
    return Plan(add_labels=add, remove_labels=tuple(dict.fromkeys(remove)))


def render_text(template: str, issue: IssueSnapshot, clock: Clock, now: datetime) -> str:
    """Fill ``{reporter}``, ``{issue_url}`` and ``{days}`` (whole days the current owner has
    had the move) into a saved reply. Templates are checked at start-up."""
    since = clock.since or issue.created_at
    days = max(0, (_utc(now) - since) // _DAY)
    return template.format_map(
        {"reporter": issue.author, "issue_url": issue.html_url, "days": str(days)}
    )


def sweep_actions(issue: IssueSnapshot, clock: Clock, cfg: SlaConfig, now: datetime) -> Plan:
    """What one sweep should do to ``issue``: its SLA labels, a reminder when one is due and
    none was posted since the reporter got the move, and closing as not planned when
    ``close_due`` (only when the form configures ``close_after``)."""
    plan = label_plan(clock, issue.labels, cfg.labels)
    sla = cfg.for_form(clock.form)
    if sla is None or issue.state != "open" or clock.since is None:
        return plan
    if clock.state == "reminder_due" and sla.remind_after is not None:
        if _reminded_at(issue, clock.since, _utc(now)) is None:
            body = render_text(cfg.reminder_text, issue, clock, now)
            plan = plan.merged(
                Plan(
                    replies=(f"{REMINDER_MARKER}\n{body}",),
                    notes=(
                        f"sla: reminder to {issue.author} (silent since {clock.since:%Y-%m-%d})",
                    ),
                )
            )
    elif clock.state == "close_due" and sla.close_after is not None:
        body = render_text(cfg.close_text, issue, clock, now)
        plan = plan.merged(
            Plan(
                replies=(f"{CLOSE_MARKER}\n{body}",),
                state="closed",
                state_reason="not_planned",
                notes=(f"sla: close as not planned (silent since {clock.since:%Y-%m-%d})",),
            )
        )
    return plan


__all__ = [
    "CLOSE_MARKER",
    "REMINDER_MARKER",
    "add_business_time",
    "business_time_between",
    "compute_clock",
    "label_plan",
    "render_text",
    "sweep_actions",
]
