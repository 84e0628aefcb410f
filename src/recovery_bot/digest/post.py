"""Posting the weekly digest (the shell around the pure ``digest`` module) and its loop.

One run, for one ISO week:

1. **Read the backlog from GitHub** with ``snapshots.fetch_snapshots`` (GraphQL, pages of
   100 issues with their histories): every open issue, plus every closed issue updated
   since the start of the trend window (:data:`TREND_WEEKS` weeks + 1). That is all the
   digest needs: an issue closed before the window was open at the end of none of its
   weeks, and anything that happened to an issue inside the window bumped its
   ``updatedAt``. GitHub stays the source of truth: about one read per 100 issues.
2. **Compute** the SLA clocks (``sla.compute_clock``) of the open issues, then the numbers
   (``digest.compute_digest``) and the markdown (``digest.render_digest``, which trims the
   lists to fit GitHub's 65,536-character limit instead of ever being rejected).
3. **Find the week's digest issue in what step 1 already read** — no extra request. A
   digest issue for week W is created after W has started, and creating or editing it
   bumps ``updatedAt``, so it is either open (fetched) or closed and updated inside the
   window (fetched); the same holds for every *open* older digest. It is recognised by its
   exact title (``<prefix> — 2026-W47``) **and** either the digest label or the bot as
   author: a reporter who copies the title cannot make the bot overwrite their issue.
   The search API is deliberately not used: its index lags writes by seconds to minutes,
   so two runs close together would both miss the first one's issue and post twice.
4. **Write the difference**: create the issue (with the label), or edit its body only
   when something other than the snapshot time changed (a re-run that finds the same
   numbers writes nothing), then close the older open digests with a short comment linking
   the new one. The comment carries a hidden marker and is looked for in the fetched
   history first, so a run interrupted between comment and close never comments twice.

**A new install is quiet** (``require_history``, used by the schedule, not by the
``digest`` command): the week's digest is posted only if the bot already acted on
GitHub before that week began (:func:`history_start`). A digest of a week the bot did
not watch from its start would be a public issue full of zeros and half-counts.

Step 4 is plans handed to the one applier (``platform.applier``): a ``NewIssue`` for
the week's issue or a ``Plan`` that sets its body, then per superseded digest a
``Plan`` with the link as a reply and the close. A dry run is the applier's dry run:
steps 1–3, then the applier's account of the writes it would make, and no write.
Writes go through ``GitHubClient`` and so through its write budget.

:func:`digest_loop` runs this on the schedule of app.yaml (``digest.weekday``/``time``,
UTC) and records the last week posted in the journal's meta table. Catching up after
downtime is "create if missing": it never rewrites a digest that is already on GitHub
(readers saw Monday's numbers; a restart on Thursday must not silently replace them), so
losing the meta row costs nothing but one read pass.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import re
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from recovery_bot.core.plans import NewIssue, Plan
from recovery_bot.core.snapshot import Clock, IssueSnapshot
from recovery_bot.digest.config import DigestConfig
from recovery_bot.digest.render import GITHUB_BODY_LIMIT, render_digest
from recovery_bot.digest.report import (
    TREND_WEEKS,
    DigestNumbers,
    IsoWeek,
    compute_digest,
    digest_title,
    last_complete_week,
)
from recovery_bot.platform.applier import apply_new_issue, apply_plan, marker_for
from recovery_bot.sla.clocks import compute_clock
from recovery_bot.sla.config import SlaConfig

if TYPE_CHECKING:
    from recovery_bot.platform.github import GitHubClient
    from recovery_bot.platform.runtime import Runtime
    from recovery_bot.platform.server import Bot

log = logging.getLogger(__name__)

META_LAST_WEEK = "digest:last_week"
NEXT_KIND = "digest-next"  # marker kind of the "superseded by" comment

Action = Literal["created", "edited", "unchanged", "exists", "quiet"]
Fetch = Callable[..., Awaitable[list[IssueSnapshot]]]

# Timestamps that change on every run without changing what the digest says.
_TIME_RE = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC")


@dataclass(frozen=True)
class DigestParts:
    """Everything one run needs, for callers without a running ``server.Bot`` (the CLI,
    tests, the benchmark). ``fetch`` defaults to ``snapshots.fetch_snapshots``."""

    gh: GitHubClient
    repo: str
    digest: DigestConfig
    sla: SlaConfig = field(default_factory=SlaConfig)
    bot_login: str = "recovery-bot[bot]"
    marker: str = "recovery-bot"
    maintainers: Any = None
    fetch: Fetch | None = None


@dataclass(frozen=True)
class DigestResult:
    """What a run did, or in a dry run would do.

    ``plans`` are what the run handed the applier, in order: ``(None, NewIssue)`` for
    the week's new issue, ``(number, Plan)`` for an edit or a close. ``writes`` are the
    applier's account of them, one line per write made (or in a dry run, that would be
    made), each naming its issue. ``action`` is about the week's own issue: ``exists``
    means a catch-up found it and left it alone. ``number``/``url`` are ``None`` only
    when a dry run would create the issue.
    """

    week: IsoWeek
    title: str
    body: str
    action: Action
    number: int | None
    url: str | None
    closed: tuple[int, ...]
    writes: tuple[str, ...]
    dry_run: bool
    issues_read: int
    numbers: DigestNumbers
    plans: tuple[tuple[int | None, NewIssue | Plan], ...] = ()


# --------------------------------------------------------------------------- helpers


def window_start(week: IsoWeek, trend_weeks: int = TREND_WEEKS) -> datetime:
    """Start of the fetch window for ``week``: the trend's first week, minus one week of
    margin (the spec's "12 weeks + 1"; it also covers the 4-week response window)."""
    first = week
    for _ in range(trend_weeks):
        first = first.previous()
    return first.start()


def scheduled_week(cfg: DigestConfig, now: datetime) -> tuple[IsoWeek, datetime]:
    """The week the latest scheduled run at or before ``now`` posts, and that run's time.

    ``next_run(x)`` lies in ``(x, x + 7 days]``, so ``next_run(now - 7 days)`` is the
    latest scheduled moment ``<= now``.
    """
    run = cfg.next_run(now - timedelta(days=7))
    return last_complete_week(run), run


def _norm_login(login: str) -> str:
    """GraphQL says ``recovery-bot`` where REST says ``recovery-bot[bot]``."""
    low = login.casefold()
    return low[: -len("[bot]")] if low.endswith("[bot]") else low


def _week_of(title: str, prefix: str) -> IsoWeek | None:
    pattern = re.escape(prefix.strip()) + r"\s*[—–-]\s*(\d{4}-W\d{2})"
    m = re.fullmatch(pattern, title.strip())
    if m is None:
        return None
    try:
        return IsoWeek.parse(m.group(1))
    except ValueError:
        return None


def digest_issues(
    issues: Iterable[IssueSnapshot], cfg: DigestConfig, bot_login: str
) -> dict[IsoWeek, list[IssueSnapshot]]:
    """The bot's digest issues by week, lowest number first.

    Title shape ``<prefix> — YYYY-Www`` plus a signal only the bot or triagers can give:
    the digest label, or the bot as author.
    """
    label = cfg.label.casefold()
    me = _norm_login(bot_login)
    found: dict[IsoWeek, list[IssueSnapshot]] = {}
    for issue in issues:
        if issue.is_pull_request:
            continue
        week = _week_of(issue.title, cfg.title_prefix)
        if week is None:
            continue
        labelled = any(lbl.casefold() == label for lbl in issue.labels)
        if labelled or _norm_login(issue.author) == me:
            found.setdefault(week, []).append(issue)
    for group in found.values():
        group.sort(key=lambda i: i.number)
    return found


def same_content(old: str, new: str) -> bool:
    """Equal apart from the snapshot timestamps (and trailing whitespace GitHub may add).

    Every run renders "Snapshot taken <now>", so comparing raw bodies would edit the
    issue on every re-run. Ages and due dates are whole days, so a re-run on another day
    does differ and does edit.
    """

    def strip(text: str) -> str:
        return _TIME_RE.sub("", text.replace("\r\n", "\n")).rstrip()

    return strip(old) == strip(new)


def _next_comment(marker: str, title: str, number: int | None, url: str | None) -> str:
    """The link left on a superseded digest. ``number`` is ``None`` only in a dry run
    that would create the new issue (nothing is posted then)."""
    link = f"[#{number}]({url})" if url else f"#{number}"
    where = f"the next digest, {link}" if number is not None else "the next digest"
    return f"{marker_for(marker, NEXT_KIND)}\nSuperseded by {where} ({title}). Closing this one."


def _already_linked(issue: IssueSnapshot, marker: str, bot_login: str) -> bool:
    tag = marker_for(marker, NEXT_KIND)
    me = _norm_login(bot_login)
    return any(tag in c.body and _norm_login(c.author) == me for c in issue.comments)


def history_start(
    issues: Iterable[IssueSnapshot], found: dict[IsoWeek, list[IssueSnapshot]], bot_login: str
) -> datetime | None:
    """When the bot first left a trace in what a digest run read: its oldest comment, a
    label it set or removed, or a digest issue it posted. ``None``: no trace at all.

    Why GitHub and not a "first start" row in the journal: the Action mode has no journal,
    a server that loses its volume (or moves from server to Action) must not start over,
    and GitHub is the source of truth for everything else the bot knows. The run reads
    every open issue and every issue touched in the last 13 weeks, so a bot that has been
    running for a while has traces in it (its labels are on every request it triaged).
    """
    me = _norm_login(bot_login)
    times: list[datetime] = []
    for issue in issues:
        times += [c.created_at for c in issue.comments if _norm_login(c.author) == me]
        times += [e.at for e in issue.label_events if _norm_login(e.actor) == me]
    times += [i.created_at for group in found.values() for i in group]
    return min(times, default=None)


async def _default_fetch(*args: Any, **kwargs: Any) -> list[IssueSnapshot]:
    from recovery_bot.sla.fetch import fetch_snapshots

    return await fetch_snapshots(*args, **kwargs)


async def parts_from_bot(bot: Runtime) -> DigestParts:
    """Build :class:`DigestParts` from a running ``server.Bot``."""
    cfg: DigestConfig = bot.config.digest or DigestConfig(repo=bot.config.repositories[0])
    repo = cfg.repo or bot.config.repositories[0]
    gh = await bot.factory.for_repo(repo)
    return DigestParts(
        gh=gh,
        repo=repo,
        digest=cfg,
        sla=bot.config.sla or SlaConfig(),
        bot_login=bot.config.bot.login,
        marker=bot.config.bot.marker,
        maintainers=bot.maintainers,
    )


# --------------------------------------------------------------------------- plans (pure)


WeekChange = NewIssue | Plan | None


def plan_week_issue(
    current: IssueSnapshot | None, *, title: str, body: str, label: str, if_missing: bool
) -> tuple[Action, WeekChange]:
    """What to do with the week's own issue: open it (with the label), edit its body when
    more than the snapshot time changed, or nothing (``exists``: a catch-up never
    rewrites a posted digest)."""
    if current is None:
        return "created", NewIssue(title=title, body=body, labels=(label,))
    if if_missing:
        return "exists", None
    if same_content(current.body, body):
        return "unchanged", None
    return "edited", Plan(body=body)


def plan_close(
    old: IssueSnapshot,
    *,
    title: str,
    number: int | None,
    url: str | None,
    marker: str,
    bot_login: str,
) -> Plan:
    """Close a superseded digest, first linking the new one, unless an earlier run that
    stopped between the two already left the link (looked for in the fetched history)."""
    linked = _already_linked(old, marker, bot_login)
    return Plan(
        replies=() if linked else (_next_comment(marker, title, number, url),),
        state="closed",
        state_reason="completed",
    )


# --------------------------------------------------------------------------- one run


async def post_digest(
    bot_or_parts: Any,
    *,
    week: IsoWeek,
    now: datetime,
    dry_run: bool,
    if_missing: bool = False,
    require_history: bool = False,
    max_chars: int = GITHUB_BODY_LIMIT,
) -> DigestResult:
    """Post (or update) the digest of ``week`` as seen at ``now``; see the module doc.

    ``bot_or_parts`` is a ``server.Bot`` or a :class:`DigestParts`. ``if_missing``: leave
    an existing issue for the week untouched (catch-up after downtime).
    ``require_history``: post nothing (action ``quiet``) unless the bot's first trace on
    GitHub is before the week began (a new install's first week). ``max_chars`` is the
    body limit (tests lower it to exercise trimming). Every write is a plan applied by
    the applier; a dry run is the applier's dry run.
    """
    parts = bot_or_parts
    if not isinstance(parts, DigestParts):
        parts = await parts_from_bot(bot_or_parts)
    cfg = parts.digest
    issues = await _read_backlog(parts, week)
    numbers, body = _compute(parts, issues, week, now, max_chars)
    title = digest_title(week, cfg.title_prefix)
    found = digest_issues(issues, cfg, parts.bot_login)
    current, stale = _current_and_stale(found, week)
    result = functools.partial(
        DigestResult, week=week, title=title, body=body, dry_run=dry_run,
        issues_read=len(issues), numbers=numbers,
    )  # fmt: skip
    if require_history and current is None and not _watched(parts, issues, found, week):
        return result(action="quiet", number=None, url=None, closed=(), writes=(), plans=())

    action, change = plan_week_issue(
        current, title=title, body=body, label=cfg.label, if_missing=if_missing
    )
    week_run = await _apply_week_change(parts, week, current, action, change, dry_run)
    to_close = stale if cfg.close_previous else []
    closes = await _close_stale(parts, week, to_close, title, week_run, dry_run)
    return result(
        action=action,
        number=week_run.number,
        url=week_run.url,
        closed=tuple(closes.closed),
        writes=(*week_run.writes, *closes.writes),
        plans=(*week_run.plans, *closes.plans),
    )


@dataclass
class _RunWrites:
    """What applying some of a run's plans did (or in a dry run would do)."""

    number: int | None = None
    url: str | None = None
    writes: list[str] = field(default_factory=list)
    plans: list[tuple[int | None, NewIssue | Plan]] = field(default_factory=list)
    closed: list[int] = field(default_factory=list)


async def _read_backlog(parts: DigestParts, week: IsoWeek) -> list[IssueSnapshot]:
    """Step 1: open issues, then closed ones touched inside the window; an issue that
    closes between the two reads shows up twice and the later copy wins."""
    fetch = parts.fetch or _default_fetch
    common = {
        "marker": parts.marker,
        "bot_login": parts.bot_login,
        "maintainers": parts.maintainers,
    }
    since = window_start(week)
    open_issues = await fetch(parts.gh, parts.repo, states=("OPEN",), **common)
    closed_issues = await fetch(parts.gh, parts.repo, states=("CLOSED",), since=since, **common)
    by_number = {i.number: i for i in open_issues}
    by_number.update({i.number: i for i in closed_issues})
    return list(by_number.values())


def _compute(
    parts: DigestParts, issues: list[IssueSnapshot], week: IsoWeek, now: datetime, max_chars: int
) -> tuple[DigestNumbers, str]:
    """Step 2: the open issues' SLA clocks, the numbers and the markdown."""
    cfg = parts.digest
    clocks: dict[int, Clock] = {
        i.number: compute_clock(i, parts.sla.for_form(i.form), parts.sla.labels, now)
        for i in issues
        if i.state == "open" and not i.is_pull_request
    }
    numbers = compute_digest(
        issues, clocks, week, digest_label=cfg.label, now=now, title_prefix=cfg.title_prefix
    )
    body = render_digest(
        numbers,
        repo=parts.repo,
        max_chars=max_chars,
        list_cap=cfg.list_cap,
        backlinks=cfg.backlinks,
        marker=parts.marker,
    )
    return numbers, body


def _current_and_stale(
    found: dict[IsoWeek, list[IssueSnapshot]], week: IsoWeek
) -> tuple[IssueSnapshot | None, list[IssueSnapshot]]:
    """Step 3: the week's issue, and the open digests it supersedes.

    Open digests of earlier weeks, and open duplicates of this week's (from a past bug or
    a hand-made copy), are superseded, but only when this week is the newest:
    back-filling an old week must not close the latest digest's predecessors.
    """
    mine = found.get(week, [])
    current = mine[0] if mine else None
    if week < max(found, default=week):
        return current, []
    stale = [
        i
        for w, group in sorted(found.items())
        for i in group
        if i.state == "open" and (w < week or (w == week and i is not current))
    ]
    return current, stale


def _watched(
    parts: DigestParts,
    issues: list[IssueSnapshot],
    found: dict[IsoWeek, list[IssueSnapshot]],
    week: IsoWeek,
) -> bool:
    """Whether the bot left a trace on GitHub before ``week`` began (else: quiet)."""
    first = history_start(issues, found, parts.bot_login)
    if first is not None and first <= week.start():
        return True
    seen = first.strftime("%Y-%m-%d %H:%M UTC") if first else "none yet"
    log.info(
        "digest %s: not posted: the bot has no full week of history on %s (first "
        "trace: %s); `recovery-bot digest` posts it anyway", week, parts.repo, seen,
    )  # fmt: skip
    return False


async def _apply_week_change(
    parts: DigestParts,
    week: IsoWeek,
    current: IssueSnapshot | None,
    action: Action,
    change: WeekChange,
    dry_run: bool,
) -> _RunWrites:
    """Step 4a: apply the week's issue plan (a NewIssue or a body edit)."""
    repo = parts.repo
    if isinstance(change, NewIssue):
        made = await apply_new_issue(parts.gh, repo, change, dry_run=dry_run)
        if not dry_run:
            log.info("digest %s: created %s#%s", week, repo, made.number)
        return _RunWrites(made.number, made.url, list(made.writes), [(None, change)])
    assert current is not None  # only a NewIssue is planned without one
    out = _RunWrites(current.number, current.html_url or None)
    if change is None:
        why = "already posted, left as is" if action == "exists" else "unchanged"
        log.info("digest %s: %s#%s %s", week, repo, current.number, why)
        return out
    applied = await _apply_to(parts, current, change, dry_run)
    if not dry_run:
        log.info("digest %s: edited %s#%s", week, repo, current.number)
    out.writes += applied
    out.plans.append((current.number, change))
    return out


async def _close_stale(
    parts: DigestParts,
    week: IsoWeek,
    stale: list[IssueSnapshot],
    title: str,
    new: _RunWrites,
    dry_run: bool,
) -> _RunWrites:
    """Step 4b: close each superseded digest with a comment linking the new one."""
    out = _RunWrites()
    for old in stale:
        plan = plan_close(
            old, title=title, number=new.number, url=new.url,
            marker=parts.marker, bot_login=parts.bot_login,
        )  # fmt: skip
        out.writes += await _apply_to(parts, old, plan, dry_run)
        out.plans.append((old.number, plan))
        out.closed.append(old.number)
        if not dry_run:
            log.info("digest %s: closed the superseded %s#%s", week, parts.repo, old.number)
    return out


async def _apply_to(
    parts: DigestParts, issue: IssueSnapshot, plan: Plan, dry_run: bool
) -> list[str]:
    """Apply ``plan`` to a fetched issue; the writes, each naming the issue."""
    result = await apply_plan(
        parts.gh,
        parts.repo,
        issue.number,
        plan,
        current_labels=issue.labels,
        marker=parts.marker,
        bot_login=parts.bot_login,
        state=issue.state,
        body=issue.body,
        dry_run=dry_run,
    )
    return [f"{w} on #{issue.number}" for w in result.writes]


# --------------------------------------------------------------------------- schedule


def recorded_week(journal: Any) -> IsoWeek | None:
    """The last week the loop posted, from the journal's meta table (None if unreadable:
    the GitHub check in :func:`post_digest` keeps a lost or garbled row harmless)."""
    raw = journal.get_meta(META_LAST_WEEK)
    if not raw:
        return None
    try:
        return IsoWeek.parse(raw)
    except ValueError:
        log.warning("digest: ignoring unreadable %s=%r", META_LAST_WEEK, raw)
        return None


async def run_due(bot: Bot, now: datetime, *, catch_up: bool) -> DigestResult | None:
    """Post the digest the schedule owes at ``now``, unless the journal says it is done.

    ``catch_up=True`` (start-up, retries) only creates a missing issue; ``False`` (woken at
    the scheduled time) creates or updates. Records the week unless it was a dry run.
    """
    cfg = _digest_config(bot)
    week, run_at = scheduled_week(cfg, now)
    done = recorded_week(bot.journal)
    if done is not None and done >= week:
        return None
    log.info(
        "digest %s: due since %s, %s",
        week,
        run_at.strftime("%Y-%m-%d %H:%M UTC"),
        "catching up" if catch_up else "on schedule",
    )
    result = await post_digest(
        bot,
        week=week,
        now=now,
        dry_run=bot.dry_run,
        if_missing=catch_up,
        require_history=True,
    )
    if result.action == "quiet":
        return result  # not recorded: the next scheduled run looks again
    if result.dry_run:
        for line in result.writes:
            log.info("digest %s: dry run, would %s", week, line)
    else:
        bot.journal.set_meta(META_LAST_WEEK, str(week))
    return result


def _digest_config(bot: Runtime) -> DigestConfig:
    """The digest section; ``app.parse_config`` always sets it (defaults when absent)."""
    cfg = bot.config.digest
    if cfg is None:
        raise RuntimeError("config parsed without the digest section (use app.parse_config)")
    return cfg


def _bot_now(bot: Bot) -> Callable[[], datetime]:
    clock = getattr(bot, "clock", None)
    if clock is None:
        return lambda: datetime.now(UTC)
    return lambda: datetime.fromtimestamp(clock(), UTC)


async def digest_loop(
    bot: Bot,
    *,
    now: Callable[[], datetime] | None = None,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    retry_delay: float = 900.0,
) -> None:
    """Post the weekly digest on schedule, forever (cancel to stop).

    On start it catches up once if the latest scheduled run was missed; then it sleeps
    until ``DigestConfig.next_run``. A failed run (GitHub down, rate limited) is retried
    after ``retry_delay`` seconds (or what GitHub asked) in catch-up mode, so a create
    that did reach GitHub before the error is found and not repeated.
    """
    clock = now or _bot_now(bot)
    catch_up = True
    while True:
        try:
            await run_due(bot, clock(), catch_up=catch_up)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # keep the loop alive; the next try is a catch-up
            wait = getattr(exc, "retry_after", None) or retry_delay
            log.error("digest: run failed (%s); retrying in %.0fs", exc, wait, exc_info=exc)
            catch_up = True
            await sleep(max(1.0, float(wait)))
            continue
        t = clock()
        nxt = _digest_config(bot).next_run(t)
        await sleep(max(0.0, (nxt - t).total_seconds()))
        catch_up = False


__all__ = [
    "META_LAST_WEEK",
    "DigestParts",
    "DigestResult",
    "digest_issues",
    "digest_loop",
    "history_start",
    "parts_from_bot",
    "plan_close",
    "plan_week_issue",
    "post_digest",
    "recorded_week",
    "run_due",
    "same_content",
    "scheduled_week",
    "window_start",
]
