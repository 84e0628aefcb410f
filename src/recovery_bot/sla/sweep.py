"""The periodic SLA sweep: read every open issue, compute its clock, write only what is due.

One run (:func:`run_sweep`), per configured repository:

1. **Read** the open issues with ``snapshots.fetch_issues`` (GraphQL, one read per 100
   issues with their comments and label history), plus the issues closed in the last
   28 days (usually one more read), which only feed the queue's typical wait.
2. **Compute** each issue's clock (``sla.compute_clock``) and the queue state of each
   queue form (``queue.build_state``), kept on ``bot.queue_state`` for webhook triage.
3. **Act, oldest issue first**, through the one idempotent applier:

   - an account-recovery issue with no triage comment by the bot (the bot was down, a
     delivery was lost) is triaged with ``triage.triage_issue``, on a fresh GET of the
     issue (a webhook may have changed it since step 1);
   - ``sla.sweep_actions``: the SLA state label, a reminder, a close;
   - the triage comment's queue paragraph is rewritten when the issue's queue bucket
     changed (the comment is re-read first, so a concurrent webhook edit is not undone).

   Label removals are checked against the label history already read (no extra read per
   issue); a plan is first applied as a dry run to count its writes.

**Write cap** (``sla.max_writes_per_sweep``): an issue is handled only if all of its
writes fit; at the first one that does not, the run stops writing and only counts what is
left (``SweepReport.left_over``). Issues go oldest first, so the next run starts where this
one stopped and nothing starves. A transport-level guard refuses any write beyond the cap
even if a plan grew between its dry run and its application.

**Safe to rerun**: GitHub is the only state. A run that dies halfway (GitHub down, the
process killed) leaves some issues done and some not; the next run reads GitHub again and
does only what is still missing: labels already present are not re-added, the triage
comment and reminders are found by their hidden markers, an issue already closed is not
closed again. Per-issue 4xx answers (a deleted issue, a rejected label) are reported and
the run goes on; ``GitHubUnavailable`` ends the run (the next one retries).

A **dry run** does the reads and reports every write it would make, and makes none.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import dataclasses
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import gidgethub

from recovery_bot.core.plans import Plan
from recovery_bot.core.snapshot import Clock, IssueSnapshot
from recovery_bot.platform.applier import apply_plan, find_bot_comment, marker_for
from recovery_bot.sla.clocks import compute_clock, sweep_actions
from recovery_bot.sla.config import SlaConfig
from recovery_bot.sla.fetch import FetchResult, fetch_issues
from recovery_bot.sla.queue import (
    QUEUE_FORMS,
    RECOVERY_FORM,
    WAIT_WINDOW,
    QueueState,
    build_state,
    is_waiting,
    split_queue_block,
    with_queue_block,
)
from recovery_bot.sla.queue_hook import store_states

if TYPE_CHECKING:
    from recovery_bot.platform.github import GitHubClient
    from recovery_bot.platform.runtime import Runtime

log = logging.getLogger(__name__)


# The write count of a plan is estimated by a dry-run apply; its "would ..." log lines
# would read as if a real sweep were a dry run, so they are dropped while estimating.
_ESTIMATING: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "recovery_bot_sweep_estimating", default=False
)


class _QuietWhileEstimating(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not _ESTIMATING.get()


for _name in ("recovery_bot.platform.applier", "recovery_bot.intake.handler"):
    logging.getLogger(_name).addFilter(_QuietWhileEstimating())


@contextlib.contextmanager
def _estimating() -> Iterator[None]:
    token = _ESTIMATING.set(True)
    try:
        yield
    finally:
        _ESTIMATING.reset(token)


class WriteCapReached(Exception):
    """A write was refused because the run's write cap is spent."""


# --------------------------------------------------------------------------- report


@dataclass(frozen=True)
class IssueAction:
    """What the sweep did (or in a dry run would do) to one issue."""

    repo: str
    number: int
    kind: str  # "triage", "sla" (labels, reminder, close, queue refresh)
    writes: tuple[str, ...]
    notes: tuple[str, ...] = ()

    def line(self) -> str:
        notes = f"  ({'; '.join(self.notes)})" if self.notes else ""
        return f"{self.repo}#{self.number} {self.kind}: {', '.join(self.writes)}{notes}"


@dataclass
class SweepReport:
    """One run's outcome. ``writes`` counts writes made, or in a dry run planned;
    ``http_writes`` counts write requests that actually reached GitHub (0 in a dry run)."""

    now: datetime
    dry_run: bool
    cap: int
    repos: list[str] = field(default_factory=list)
    issues: int = 0  # open issues read
    reads: int = 0  # API requests that read (GraphQL pages included)
    graphql_reads: int = 0
    graphql_cost: int = 0
    writes: int = 0
    http_writes: int = 0
    actions: list[IssueAction] = field(default_factory=list)
    left_over: int = 0  # issues with writes still due, left for the next run
    errors: list[str] = field(default_factory=list)
    clocks: dict[tuple[str, int], Clock] = field(default_factory=dict)
    queues: list[QueueState] = field(default_factory=list)

    @property
    def capped(self) -> bool:
        return self.left_over > 0

    def summary(self) -> str:
        return (
            f"sla sweep{' (dry run)' if self.dry_run else ''}: repos={','.join(self.repos)} "
            f"issues={self.issues} reads={self.reads} (graphql={self.graphql_reads}, "
            f"cost={self.graphql_cost}) writes={self.writes}/{self.cap} "
            f"issues_changed={len(self.actions)} left_over={self.left_over} "
            f"errors={len(self.errors)}"
        )


# --------------------------------------------------------------------------- plumbing


class _Meter:
    """Counts one run's API calls and refuses writes beyond the cap.

    It is the ``on_request`` hook of the run's own client instances (fresh per run from
    the factory): every call passes it (REST pages, GraphQL, writes), so the count is
    exact whatever the higher layers do.
    """

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.reads = 0
        self.writes = 0

    def install(self, gh: GitHubClient) -> None:
        gh.on_request = self.count

    def count(self, method: str, url: str, write: bool) -> None:
        del method, url
        if write:
            if self.writes >= self.cap:
                raise WriteCapReached(f"write cap {self.cap} reached")
            self.writes += 1
        else:
            self.reads += 1


class _View:
    """``obj`` with some attributes overridden (a client whose ``label_events`` come from
    the snapshot)."""

    def __init__(self, obj: Any, **overrides: Any) -> None:
        self.__dict__["_obj"] = obj
        self.__dict__.update(overrides)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.__dict__["_obj"], name)


def _events_from(gh: GitHubClient, issue: IssueSnapshot) -> _View:
    """``gh`` whose ``label_events`` for ``issue`` answers from the snapshot (it holds
    every label event when not truncated), so checking who set a label costs no read."""

    async def label_events(repo: str, number: int) -> list[Any]:
        if number == issue.number:
            return list(issue.label_events)
        return await gh.label_events(repo, number)

    return _View(gh, label_events=label_events)


@contextlib.asynccontextmanager
async def _issue_lock(bot: Runtime, key: tuple[str, int]) -> AsyncIterator[None]:
    """The server's per-issue lock (webhook workers hold it too), when there is one."""
    lock = getattr(bot, "issue_lock", None)
    if lock is None:
        yield
        return
    async with lock(key):
        yield


def _is_bot_comment(c: Any, bot_login: str, tag: str) -> bool:
    return c.author.casefold() == bot_login.casefold() and c.body.startswith(tag)


def needs_triage(
    issue: IssueSnapshot,
    clock: Clock | None,
    *,
    marker: str,
    bot_login: str,
    form_label: str,
    now: datetime | None = None,
    within: timedelta | None = None,
) -> bool:
    """An open account-recovery issue (by its body, or an empty body under the form's
    label) that no maintainer has answered yet and that has no triage comment by the bot.

    Answered issues are left alone: a maintainer is already on them (a "please fix your
    username" comment would talk over them). Triage of a waiting recovery issue always
    leaves the comment (with its queue position), so each issue is triaged by the sweep
    at most once. Only issues filed within
    ``within`` of ``now`` count (``sla.triage_missed_within``), so installing the bot
    does not comment on every issue of an old backlog."""
    if not is_waiting(issue, clock):
        return False
    if within is not None and now is not None and issue.created_at < now - within:
        return False  # older than sla.triage_missed_within: not a lost delivery
    labelled = form_label.casefold() in {x.casefold() for x in issue.labels}
    if issue.form != RECOVERY_FORM and not (labelled and not issue.body.strip()):
        return False
    tag = marker_for(marker, "triage")
    return not any(_is_bot_comment(c, bot_login, tag) for c in issue.comments)


def _shown_bucket(issue: IssueSnapshot, *, marker: str, bot_login: str) -> tuple[bool, str | None]:
    """(has a triage comment, the queue bucket it shows) from the snapshot."""
    tag = marker_for(marker, "triage")
    for c in issue.comments:
        if _is_bot_comment(c, bot_login, tag):
            return True, split_queue_block(c.body, marker)[1]
    return False, None


# --------------------------------------------------------------------------- one run


@dataclass
class _Run:
    bot: Runtime
    sla: SlaConfig
    now: datetime
    dry_run: bool
    report: SweepReport
    meter: _Meter
    planned: int = 0
    stopped: bool = False

    @property
    def marker(self) -> str:
        return str(self.bot.config.bot.marker)

    @property
    def bot_login(self) -> str:
        return str(self.bot.config.bot.login)

    def fits(self, n: int) -> bool:
        """Reserve ``n`` writes, or stop writing for the rest of the run."""
        if self.stopped or self.planned + n > self.sla.max_writes_per_sweep:
            self.stopped = True
            return False
        self.planned += n
        return True

    def record(
        self, repo: str, number: int, kind: str, writes: Sequence[str], notes: Sequence[str] = ()
    ) -> None:
        if writes:
            self.report.writes += len(writes)
            self.report.actions.append(IssueAction(repo, number, kind, tuple(writes), tuple(notes)))
            for w in writes:
                log.info(
                    "sweep %s%s#%d %s: %s",
                    "dry-run " if self.dry_run else "",
                    repo,
                    number,
                    kind,
                    w,
                )


async def _read(run: _Run, gh: GitHubClient, repo: str) -> tuple[FetchResult, list[IssueSnapshot]]:
    """Open issues (acted on) and issues closed in the wait window (typical wait only)."""
    common: dict[str, Any] = {
        "marker": run.marker,
        "bot_login": run.bot_login,
        "maintainers": getattr(run.bot, "maintainers", None),
        "snoozed_label": run.sla.labels.snoozed,
    }
    opened = await fetch_issues(gh, repo, states=("OPEN",), **common)
    closed = await fetch_issues(gh, repo, states=("CLOSED",), since=run.now - WAIT_WINDOW, **common)
    for res in (opened, closed):
        run.report.graphql_reads += res.reads
        run.report.graphql_cost += res.cost
    return opened, closed.snapshots


async def _sweep_repo(run: _Run, repo: str) -> None:
    bot, sla, now = run.bot, run.sla, run.now
    gh = await bot.factory.for_repo(repo)
    run.meter.install(gh)
    opened, closed = await _read(run, gh, repo)
    closed_numbers = {s.number for s in closed}
    open_issues = sorted(
        (s for s in opened.snapshots if s.number not in closed_numbers),
        key=lambda s: (s.created_at, s.number),
    )
    everything = [*open_issues, *closed]
    clocks = {s.number: compute_clock(s, sla.for_form(s.form), sla.labels, now) for s in everything}
    states = [
        build_state(repo, everything, clocks, form, now, buckets=sla.queue_buckets)
        for form in QUEUE_FORMS
    ]
    store_states(bot, repo, states)
    run.report.queues.extend(states)
    run.report.issues += len(open_issues)
    queue = {st.form: st for st in states}
    for issue in open_issues:
        clock = clocks[issue.number]
        run.report.clocks[(repo, issue.number)] = clock
        try:
            async with _issue_lock(bot, (repo, issue.number)):
                await _sweep_issue(
                    run,
                    gh,
                    repo,
                    issue,
                    clock,
                    queue,
                    complete=issue.number not in opened.truncated,
                )
        except WriteCapReached:
            run.stopped = True
            run.report.left_over += 1
        except gidgethub.BadRequest as exc:  # 4xx about this issue: report, go on
            run.report.errors.append(f"{repo}#{issue.number}: {exc}")
            log.warning("sweep %s#%d failed: %s", repo, issue.number, exc)


async def _sweep_issue(
    run: _Run,
    gh: GitHubClient,
    repo: str,
    issue: IssueSnapshot,
    clock: Clock,
    queue: dict[str, QueueState],
    *,
    complete: bool,
) -> None:
    cfg = run.bot.config
    marker, me = run.marker, run.bot_login
    pending = False  # something is due that this run leaves for the next one

    # 1. Triage an issue that never got its comment.
    triaged_now = False
    if needs_triage(
        issue,
        clock,
        marker=marker,
        bot_login=me,
        form_label=cfg.labels.form,
        now=run.now,
        within=run.sla.triage_missed_within,
    ):
        if run.stopped:
            run.report.left_over += 1
            return
        done = await _triage(run, gh, repo, issue)
        if done is None:  # did not fit, or no longer open
            return
        triaged_now = True
        if done != list(issue.labels):
            issue = dataclasses.replace(issue, labels=tuple(done))

    # 2. SLA labels, reminder, close.
    plan = sweep_actions(issue, clock, run.sla, run.now)

    # 3. Queue paragraph, when the bucket shown is not the bucket due.
    comments: list[dict[str, Any]] | None = None
    state = queue.get(issue.form or "")
    if state is not None and not triaged_now and plan.state != "closed":
        has_comment, shown = _shown_bucket(issue, marker=marker, bot_login=me)
        due = state.bucket_of(issue.created_at, issue.number)
        if has_comment and shown != due:
            if run.stopped:
                pending = True
            else:
                comments = list(await gh.list_comments(repo, issue.number))
                plan = plan.merged(_refresh_plan(comments, state, due, marker, me, shown))

    if plan.is_empty and not pending:
        return
    target = _events_from(gh, issue) if complete else gh
    common: dict[str, Any] = {
        "current_labels": list(issue.labels),
        "marker": marker,
        "bot_login": me,
        "comments": comments,
        "state": issue.state,
    }
    with _estimating():
        dry = await apply_plan(target, repo, issue.number, plan, dry_run=True, **common)
    if not dry.writes:
        if pending:
            run.report.left_over += 1
        return
    if not run.fits(len(dry.writes)):
        run.report.left_over += 1
        return
    if run.dry_run:
        result = dry
    else:
        result = await apply_plan(target, repo, issue.number, plan, dry_run=False, **common)
    run.record(repo, issue.number, "sla", result.writes, plan.notes)


def _refresh_plan(
    comments: Sequence[dict[str, Any]],
    state: QueueState,
    due: str | None,
    marker: str,
    bot_login: str,
    shown: str | None,
) -> Plan:
    """Rewrite only the queue block of the bot's triage comment as read just now."""
    existing = find_bot_comment(comments, marker=marker, bot_login=bot_login)
    if existing is None:
        return Plan()
    tag = marker_for(marker, "triage")
    text = str(existing.get("body") or "").removeprefix(tag).removeprefix("\n")
    new = with_queue_block(text, marker, due, state.paragraph(due) if due else "")
    if new == text:
        return Plan()
    return Plan(
        comment=new,
        comment_action="resolve",  # never creates: the comment was just read
        notes=(f"queue: bucket {shown or '-'} -> {due or 'answered'}",),
    )


async def _triage(run: _Run, gh: GitHubClient, repo: str, issue: IssueSnapshot) -> list[str] | None:
    """Triage one missed issue; its labels afterwards, or None when it was left alone
    (no room under the cap, or no longer open)."""
    from recovery_bot.intake.handler import triage_issue

    fresh = await gh.get_issue(repo, issue.number)
    if fresh.get("state") != "open":
        return None
    with _estimating():
        estimate = await triage_issue(run.bot.with_dry_run(True), gh, repo, fresh)
    writes = list(estimate.result.writes) if estimate.result else []
    if not writes:
        return list(estimate.result.labels) if estimate.result else list(issue.labels)
    if not run.fits(len(writes)):
        run.report.left_over += 1
        return None
    outcome = (
        estimate
        if run.dry_run
        else await triage_issue(run.bot.with_dry_run(False), gh, repo, fresh)
    )
    result = outcome.result
    run.record(
        repo,
        issue.number,
        "triage",
        result.writes if result else [],
        (f"triage: {outcome.outcome}",),
    )
    return list(result.labels) if result else list(issue.labels)


async def run_sweep(
    bot: Runtime,
    *,
    now: datetime,
    dry_run: bool,
    repos: Iterable[str] | None = None,
) -> SweepReport:
    """One sweep over ``repos`` (default: every configured repository) as of ``now``.

    ``bot`` needs ``config`` (with ``sla``), ``factory`` (``for_repo``), ``pypi`` and
    ``maintainers`` (for triage); ``issue_lock`` is used when present. See the module
    docstring for what a run does.
    """
    sla: SlaConfig = bot.config.sla or SlaConfig()
    report = SweepReport(now=now, dry_run=dry_run, cap=sla.max_writes_per_sweep)
    run = _Run(
        bot=bot,
        sla=sla,
        now=now,
        dry_run=dry_run,
        report=report,
        meter=_Meter(sla.max_writes_per_sweep),
    )
    try:
        for repo in repos or bot.config.repositories:
            report.repos.append(repo)
            await _sweep_repo(run, repo)
    finally:
        report.reads = run.meter.reads
        report.http_writes = run.meter.writes
    return report


# --------------------------------------------------------------------------- the loop


async def sweep_loop(
    bot: Runtime,
    *,
    first_delay: float = 30.0,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    runs: int | None = None,
) -> None:
    """Run :func:`run_sweep` shortly after start, then every ``sla.sweep_interval``.

    A failed run is logged and the loop goes on (the next run redoes what is missing);
    ``runs`` bounds the loop for tests.
    """
    sla: SlaConfig = bot.config.sla or SlaConfig()
    await sleep(first_delay)
    done = 0
    while runs is None or done < runs:
        done += 1
        try:
            report = await run_sweep(bot, now=clock(), dry_run=bool(getattr(bot, "dry_run", False)))
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the loop must outlive any one run
            log.exception(
                "sla sweep failed (%s); next run in %s", type(exc).__name__, sla.sweep_interval
            )
        else:
            log.info(report.summary())
        if runs is None or done < runs:
            await sleep(sla.sweep_interval.total_seconds())


__all__ = [
    "IssueAction",
    "SweepReport",
    "WriteCapReached",
    "needs_triage",
    "run_sweep",
    "sweep_loop",
]
