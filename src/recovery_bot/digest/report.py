"""Weekly backlog digest: issue snapshot -> numbers. Pure: no I/O, no clock.

The digest answers, once a week, for maintainers and for the people who fund them:
what came in, what went out, what waits and what is late. ``compute_digest`` turns a
snapshot into :class:`DigestNumbers` (tests assert numbers, not prose) and
``digest.render.render_digest`` turns those into GitHub markdown no longer than the
issue-body limit. Posting and scheduling live in the shell (``digest.post``).

Definitions (the digest's contract; ``tests/test_digest.py`` and
``tests/test_digest_report.py`` pin each one)
-------------------------------------------------------------
* **Weeks** are ISO weeks in UTC: Monday 00:00 UTC (inclusive) to the next Monday
  00:00 UTC (exclusive). Sunday 23:59 UTC belongs to the earlier week.
* **Counted issues**: everything in the snapshot except pull requests and the digest
  issues themselves (:func:`is_digest_issue`: the digest label, or a title of the form
  ``<prefix> — YYYY-Www``). Excluded issues count nowhere, not even in the lists.
* **Opened in W**: ``created_at`` in ``[start, end)``.
* **Closed in W**: closed now, with ``closed_at`` in ``[start, end)``. Reason: a
  ``duplicate`` state reason or a ``duplicate`` label -> duplicate (pypi/support closes
  duplicates by comment, so the label matters); ``not_planned`` -> not planned / no
  response; anything else (``completed``, ``None``) -> completed. History is read from
  the final state only: an issue closed and later reopened does not count as closed.
* **Open at the end of W**: created before ``end`` and not closed before ``end``. It is
  computed from history, so it exists for every past week (trend, week-before delta).
  For a week still in progress it is "open now".
* **Waiting on maintainers / reporters**: ``Clock.owner`` of currently open issues. The
  clocks are only known *now*, so these have no week-before value and the output says
  so instead of inventing one.
* **Form groups**: by ``IssueSnapshot.form``, the ids of ``forms.FORM_IDS``
  (:data:`DEFAULT_FORM_GROUPS`); other forms and ``None`` fall into "Other forms".
* **First maintainer response**: the earliest comment with ``is_maintainer`` and not
  ``is_bot`` whose author is not the issue's author. Issues opened by maintainers or
  bots (announcements, the digest) are requests nobody waits on: they are left out of
  the response times and of the never-answered list. "Answered in W" means the first
  response falls in W; the trailing window is the 4 weeks ending with W. Delays are in
  days; median and 90th percentile use :func:`percentile` (linear interpolation).
* **Lists** (overdue, due soon, never answered) describe the snapshot moment: overdue
  and due soon come from the clocks (``state == "overdue"`` / ``"due_soon"``); never
  answered = open with no first maintainer response. Oldest (earliest ``created_at``)
  first, ties by number. Age = whole days since ``created_at``, rounded down.
* **Age distribution**: issues open at the end of W (or now, if earlier), aged at that
  moment, in the buckets 0–7, 8–30, 31–90, 91–365 and over 365 whole days. The buckets
  add up to the headline "open at end of week".
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from recovery_bot.core.snapshot import Clock, IssueSnapshot
from recovery_bot.digest.config import DEFAULT_TITLE_PREFIX

TREND_WEEKS = 12
RESPONSE_WINDOW_WEEKS = 4
OTHER_FORMS = "Other forms"

_DAY = timedelta(days=1)
_WEEK_RE = re.compile(r"(\d{4})-W(\d{2})")


# --------------------------------------------------------------------------- weeks


def weeks_in_year(year: int) -> int:
    """52 or 53: 28 December always lies in the year's last ISO week."""
    return date(year, 12, 28).isocalendar().week


@dataclass(frozen=True, order=True)
class IsoWeek:
    """An ISO 8601 week (``2026-W47``); boundaries are Mondays 00:00 UTC."""

    year: int
    week: int

    def __post_init__(self) -> None:
        if not 1 <= self.year <= 9998:
            raise ValueError(f"ISO week year must be between 1 and 9998, got {self.year}")
        last = weeks_in_year(self.year)
        if not 1 <= self.week <= last:
            raise ValueError(
                f"{self.year} has {last} ISO weeks, so week {self.week} does not exist"
            )

    @classmethod
    def parse(cls, text: str) -> IsoWeek:
        """Read ``YYYY-Www`` (e.g. ``2026-W47``); ValueError says what was expected."""
        m = _WEEK_RE.fullmatch(text.strip()) if isinstance(text, str) else None
        if m is None:
            raise ValueError(f"expected an ISO week like 2026-W47, got {text!r}")
        return cls(int(m.group(1)), int(m.group(2)))

    @classmethod
    def containing(cls, moment: datetime) -> IsoWeek:
        """The week ``moment`` falls in, judged in UTC (naive datetimes are refused:
        guessing a zone would shift week boundaries by hours)."""
        _require_aware(moment, "moment")
        iso = moment.astimezone(UTC).isocalendar()
        return cls(iso.year, iso.week)

    def start(self) -> datetime:
        """Monday 00:00 UTC (inclusive)."""
        return datetime.fromisocalendar(self.year, self.week, 1).replace(tzinfo=UTC)

    def end(self) -> datetime:
        """The next Monday 00:00 UTC (exclusive)."""
        return self.start() + timedelta(days=7)

    def previous(self) -> IsoWeek:
        return IsoWeek.containing(self.start() - _DAY)

    def next(self) -> IsoWeek:
        return IsoWeek.containing(self.end())

    def __str__(self) -> str:
        return f"{self.year:04d}-W{self.week:02d}"


def last_complete_week(now: datetime) -> IsoWeek:
    """The week a digest posted at ``now`` reports: the latest one that has ended, so
    every number in it is final and "one issue per ISO week" holds whatever weekday the
    schedule names."""
    return IsoWeek.containing(now).previous()


def digest_title(week: IsoWeek, prefix: str = DEFAULT_TITLE_PREFIX) -> str:
    """``Support backlog digest — 2026-W47`` (em dash): one issue per ISO week."""
    return f"{prefix} — {week}"


def is_digest_issue(issue: IssueSnapshot, digest_label: str, title_prefix: str) -> bool:
    """True for the bot's own digest issues, which must count nowhere.

    Either signal suffices: the label (only triagers can set labels, so reporters cannot
    hide their issue this way) or the exact title shape ``<prefix> — YYYY-Www`` (any
    dash), which survives someone removing the label. A loose prefix match is avoided so
    that a reporter's title starting with the same words still counts.
    """
    wanted = digest_label.casefold()
    if any(label.casefold() == wanted for label in issue.labels):
        return True
    pattern = re.escape(title_prefix.strip()) + r"\s*[—–-]\s*\d{4}-W\d{2}"
    return re.fullmatch(pattern, issue.title.strip()) is not None


# --------------------------------------------------------------------------- statistics


def percentile(values: Sequence[float], p: float) -> float | None:
    """The ``p``-th percentile (0–100) by linear interpolation between closest ranks.

    This is numpy's default (Hyndman–Fan type 7, Excel PERCENTILE.INC), the same as
    issue-metrics reports, so numbers are comparable; the median of two values is their
    mean. ``None`` for an empty set (the renderer shows a dash), the value itself for one.
    """
    if not 0 <= p <= 100:
        raise ValueError(f"percentile must be between 0 and 100, got {p}")
    xs = sorted(values)
    if not xs:
        return None
    rank = (len(xs) - 1) * p / 100
    lo = math.floor(rank)
    hi = math.ceil(rank)
    return xs[lo] + (xs[hi] - xs[lo]) * (rank - lo)


# --------------------------------------------------------------------------- numbers


@dataclass(frozen=True)
class FormGroup:
    """A row of the per-form table: a display name and the form ids it gathers."""

    name: str
    forms: frozenset[str]


DEFAULT_FORM_GROUPS: tuple[FormGroup, ...] = (
    FormGroup("Account recovery", frozenset({"account-recovery"})),
    FormGroup("PEP 541", frozenset({"pep541"})),
    FormGroup("Limit requests", frozenset({"limit-request-file", "limit-request-project"})),
)

AGE_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("0–7", 0, 7),
    ("8–30", 8, 30),
    ("31–90", 31, 90),
    ("91–365", 91, 365),
    ("over 365", 366, None),
)


@dataclass(frozen=True)
class WeekCounts:
    """Flow and stock for one week, computed from issue history."""

    week: IsoWeek
    opened: int = 0
    closed_completed: int = 0
    closed_not_planned: int = 0
    closed_duplicate: int = 0
    open_at_end: int = 0

    @property
    def closed(self) -> int:
        return self.closed_completed + self.closed_not_planned + self.closed_duplicate


@dataclass(frozen=True)
class FormCounts:
    """The headline counts for one form group (or for all forms)."""

    name: str
    this_week: WeekCounts
    previous_week: WeekCounts
    waiting_on_maintainers: int = 0  # from the clocks, now
    waiting_on_reporters: int = 0  # from the clocks, now


@dataclass(frozen=True)
class ResponseTimes:
    """Time to first maintainer response for issues first answered in a window."""

    first_week: IsoWeek
    last_week: IsoWeek
    n: int
    median_days: float | None
    p90_days: float | None


@dataclass(frozen=True)
class ListedIssue:
    """One entry of a list: number and derived facts only (never user text)."""

    number: int
    form: str  # form group name
    age_days: int
    owner: str | None = None  # whose move, from the clock
    due: datetime | None = None


@dataclass(frozen=True)
class AgeBucket:
    label: str
    min_days: int
    max_days: int | None
    count: int


@dataclass(frozen=True)
class DigestNumbers:
    """Everything the markdown shows. Lists are complete; the renderer caps them."""

    week: IsoWeek
    now: datetime  # the snapshot moment
    as_of: datetime  # min(now, end of week): the moment "open at end of week" describes
    total: FormCounts
    forms: tuple[FormCounts, ...]
    response_week: ResponseTimes
    response_trailing: ResponseTimes
    overdue: tuple[ListedIssue, ...]
    due_soon: tuple[ListedIssue, ...]
    never_answered: tuple[ListedIssue, ...]
    age_buckets: tuple[AgeBucket, ...]
    trend: tuple[WeekCounts, ...]  # oldest first, ends with ``week``
    excluded_digest_issues: int = 0

    @property
    def week_complete(self) -> bool:
        return self.now >= self.week.end()

    def form(self, name: str) -> FormCounts:
        for fc in self.forms:
            if fc.name == name:
                return fc
        raise KeyError(name)


@dataclass(frozen=True)
class _Facts:
    """What the digest needs of one counted issue, derived once."""

    number: int
    group: str
    created_at: datetime
    closed_at: datetime | None  # None while open
    reason: str  # close reason (meaningful only when closed)
    first_response: datetime | None
    is_request: bool  # opened by someone who waits for an answer
    is_open: bool


def close_reason(issue: IssueSnapshot) -> str:
    """``completed``, ``not_planned`` or ``duplicate`` (see the module docstring)."""
    if issue.state_reason == "duplicate" or any(
        label.casefold() == "duplicate" for label in issue.labels
    ):
        return "duplicate"
    if issue.state_reason == "not_planned":
        return "not_planned"
    return "completed"


def first_maintainer_response(issue: IssueSnapshot) -> datetime | None:
    """The first comment by a maintainer who is neither a bot nor the issue's author."""
    author = issue.author.casefold()
    times = [
        c.created_at
        for c in issue.comments
        if c.is_maintainer and not c.is_bot and c.author.casefold() != author
    ]
    return min(times) if times else None


def compute_digest(
    issues: Sequence[IssueSnapshot],
    clocks: Mapping[int, Clock],
    week: IsoWeek,
    *,
    digest_label: str,
    now: datetime,
    title_prefix: str = DEFAULT_TITLE_PREFIX,
    form_groups: Sequence[FormGroup] = DEFAULT_FORM_GROUPS,
    trend_weeks: int = TREND_WEEKS,
) -> DigestNumbers:
    """Compute the digest of ``week`` from a snapshot taken at ``now``.

    ``clocks`` maps issue numbers to their SLA clocks at ``now`` (from ``sla``); issues
    without a clock simply do not appear in the waiting/overdue figures.
    """
    _require_aware(now, "now")
    if now < week.start():
        raise ValueError(f"{week} has not started at {now.astimezone(UTC):%Y-%m-%d %H:%M} UTC")
    if trend_weeks < 2:
        raise ValueError("trend_weeks must be at least 2")
    facts, excluded = _gather_facts(issues, digest_label, title_prefix, form_groups)
    live = _live_clocks(facts, clocks)
    as_of = min(now, week.end())
    total, forms = _form_counts(facts, live, week, _group_names(form_groups))
    overdue, due_soon, never = _lists(facts, live, now)
    return DigestNumbers(
        week=week,
        now=now,
        as_of=as_of,
        total=total,
        forms=forms,
        response_week=_response_times(facts, week, week),
        response_trailing=_response_times(facts, _weeks_back(week, RESPONSE_WINDOW_WEEKS), week),
        overdue=overdue,
        due_soon=due_soon,
        never_answered=never,
        age_buckets=_age_buckets(facts, as_of),
        trend=tuple(_week_counts(facts, w) for w in _trend_weeks(week, trend_weeks)),
        excluded_digest_issues=excluded,
    )


def _group_names(form_groups: Sequence[FormGroup]) -> list[str]:
    """The table's rows: the configured groups, then "Other forms" unless already there."""
    names = [g.name for g in form_groups]
    if OTHER_FORMS not in names:
        names.append(OTHER_FORMS)
    return names


def _gather_facts(
    issues: Sequence[IssueSnapshot],
    digest_label: str,
    title_prefix: str,
    form_groups: Sequence[FormGroup],
) -> tuple[list[_Facts], int]:
    """The counted issues' facts by number, and how many digest issues were left out
    (pull requests are left out silently: they are not issues at all)."""
    by_form: dict[str | None, str] = {form: g.name for g in form_groups for form in g.forms}
    facts: list[_Facts] = []
    excluded = 0
    for issue in issues:
        if issue.is_pull_request:
            continue
        if is_digest_issue(issue, digest_label, title_prefix):
            excluded += 1
            continue
        facts.append(_facts_of(issue, by_form.get(issue.form, OTHER_FORMS)))
    facts.sort(key=lambda f: f.number)
    return facts, excluded


def _facts_of(issue: IssueSnapshot, group: str) -> _Facts:
    closed_at = None
    if issue.state == "closed":
        # A closed issue without a timestamp is malformed; treat it as never open.
        closed_at = issue.closed_at or issue.created_at
    return _Facts(
        number=issue.number,
        group=group,
        created_at=issue.created_at,
        closed_at=closed_at,
        reason=close_reason(issue),
        first_response=first_maintainer_response(issue),
        is_request=not (issue.author_is_maintainer or issue.author_is_bot),
        is_open=issue.state != "closed",
    )


def _live_clocks(facts: Sequence[_Facts], clocks: Mapping[int, Clock]) -> dict[int, Clock]:
    """The clocks that count: those of counted issues open now and not themselves
    closed (clocks are known only now, so only open issues wait on anyone)."""
    live: dict[int, Clock] = {}
    for f in facts:
        clock = clocks.get(f.number)
        if f.is_open and clock is not None and clock.state != "closed":
            live[f.number] = clock
    return live


def _form_counts(
    facts: Sequence[_Facts], live: Mapping[int, Clock], week: IsoWeek, group_names: list[str]
) -> tuple[FormCounts, tuple[FormCounts, ...]]:
    """The headline row for all forms, then one row per form group."""
    prev = week.previous()

    def counts(name: str, subset: Sequence[_Facts]) -> FormCounts:
        owners = [live[f.number].owner for f in subset if f.number in live]
        return FormCounts(
            name=name,
            this_week=_week_counts(subset, week),
            previous_week=_week_counts(subset, prev),
            waiting_on_maintainers=owners.count("maintainers"),
            waiting_on_reporters=owners.count("reporter"),
        )

    forms = tuple(counts(name, [f for f in facts if f.group == name]) for name in group_names)
    return counts("All forms", facts), forms


def _weeks_back(week: IsoWeek, count: int) -> IsoWeek:
    """The first of the ``count`` weeks ending with ``week``."""
    first = week
    for _ in range(count - 1):
        first = first.previous()
    return first


def _trend_weeks(week: IsoWeek, count: int) -> list[IsoWeek]:
    """The ``count`` weeks ending with ``week``, oldest first."""
    weeks = [week]
    for _ in range(count - 1):
        weeks.append(weeks[-1].previous())
    return weeks[::-1]


def _lists(
    facts: Sequence[_Facts], live: Mapping[int, Clock], now: datetime
) -> tuple[tuple[ListedIssue, ...], tuple[ListedIssue, ...], tuple[ListedIssue, ...]]:
    """Overdue, due soon and never answered, each oldest first (ties by number)."""

    def listed(f: _Facts) -> ListedIssue:
        clock = live.get(f.number)
        return ListedIssue(
            number=f.number,
            form=f.group,
            age_days=_whole_days(now - f.created_at),
            owner=clock.owner if clock is not None else None,
            due=clock.due if clock is not None else None,
        )

    def in_state(state: str) -> tuple[ListedIssue, ...]:
        return tuple(
            listed(f) for f in oldest_first if f.number in live and live[f.number].state == state
        )

    oldest_first = sorted(facts, key=lambda f: (f.created_at, f.number))
    never = tuple(
        listed(f) for f in oldest_first if f.is_open and f.is_request and f.first_response is None
    )
    return in_state("overdue"), in_state("due_soon"), never


def _age_buckets(facts: Sequence[_Facts], as_of: datetime) -> tuple[AgeBucket, ...]:
    """Issues open at ``as_of`` by whole days of age, in :data:`AGE_BUCKETS`."""
    open_ages = [_whole_days(as_of - f.created_at) for f in facts if _open_at(f, as_of)]
    return tuple(
        AgeBucket(
            label,
            lo,
            hi,
            sum(1 for a in open_ages if a >= lo and (hi is None or a <= hi)),
        )
        for label, lo, hi in AGE_BUCKETS
    )


def _open_at(f: _Facts, moment: datetime) -> bool:
    return f.created_at < moment and (f.closed_at is None or f.closed_at >= moment)


def _week_counts(facts: Sequence[_Facts], week: IsoWeek) -> WeekCounts:
    start, end = week.start(), week.end()
    opened = 0
    closed = {"completed": 0, "not_planned": 0, "duplicate": 0}
    open_at_end = 0
    for f in facts:
        if start <= f.created_at < end:
            opened += 1
        if f.closed_at is not None and start <= f.closed_at < end:
            closed[f.reason] += 1
        if _open_at(f, end):
            open_at_end += 1
    return WeekCounts(
        week=week,
        opened=opened,
        closed_completed=closed["completed"],
        closed_not_planned=closed["not_planned"],
        closed_duplicate=closed["duplicate"],
        open_at_end=open_at_end,
    )


def _response_times(facts: Sequence[_Facts], first: IsoWeek, last: IsoWeek) -> ResponseTimes:
    start, end = first.start(), last.end()
    delays = [
        max(0.0, (f.first_response - f.created_at) / _DAY)
        for f in facts
        if f.is_request and f.first_response is not None and start <= f.first_response < end
    ]
    return ResponseTimes(
        first_week=first,
        last_week=last,
        n=len(delays),
        median_days=percentile(delays, 50),
        p90_days=percentile(delays, 90),
    )


def _whole_days(delta: timedelta) -> int:
    return max(0, math.floor(delta / _DAY))


def _require_aware(moment: datetime, name: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware (UTC), got a naive datetime")
