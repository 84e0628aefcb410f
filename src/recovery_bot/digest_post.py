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

A dry run does steps 1–3 and reports the writes it would make. Writes go through
``GitHubClient`` and so through its write budget.

:func:`digest_loop` runs this on the schedule of app.yaml (``digest.weekday``/``time``,
UTC) and records the last week posted in the journal's meta table. Catching up after
downtime is "create if missing": it never rewrites a digest that is already on GitHub
(readers saw Monday's numbers; a restart on Thursday must not silently replace them), so
losing the meta row costs nothing but one read pass.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, Protocol

from recovery_bot.applier import marker_for
from recovery_bot.digest import (
    GITHUB_BODY_LIMIT,
    TREND_WEEKS,
    DigestNumbers,
    IsoWeek,
    compute_digest,
    digest_title,
    last_complete_week,
    render_digest,
)
from recovery_bot.digest_config import DigestConfig
from recovery_bot.sla import compute_clock
from recovery_bot.sla_config import SlaConfig
from recovery_bot.snapshot import Clock, IssueSnapshot

log = logging.getLogger(__name__)

META_LAST_WEEK = "digest:last_week"
NEXT_KIND = "digest-next"  # marker kind of the "superseded by" comment

Action = Literal["created", "edited", "unchanged", "exists", "quiet"]
Fetch = Callable[..., Awaitable[list[IssueSnapshot]]]

# Timestamps that change on every run without changing what the digest says.
_TIME_RE = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC")


class DigestAPI(Protocol):
    """The GitHub calls a digest run writes with (``github.GitHubClient`` has them)."""

    async def create_issue(
        self, repo: str, title: str, body: str, labels: Sequence[str] = ()
    ) -> dict[str, Any]: ...
    async def edit_issue(self, repo: str, number: int, **fields: Any) -> dict[str, Any]: ...
    async def create_comment(self, repo: str, number: int, body: str) -> dict[str, Any]: ...
    async def set_state(
        self, repo: str, number: int, state: str, state_reason: str | None = None
    ) -> dict[str, Any]: ...


@dataclass(frozen=True)
class DigestParts:
    """Everything one run needs, for callers without a running ``server.Bot`` (the CLI,
    tests, the benchmark). ``fetch`` defaults to ``snapshots.fetch_snapshots``."""

    gh: Any
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

    ``writes`` lists one human-readable line per write (made or planned); ``action`` is
    about the week's own issue: ``exists`` means a catch-up found it and left it alone.
    ``number``/``url`` are ``None`` only when a dry run would create the issue.
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


def _next_comment(marker: str, title: str, number: int, url: str | None) -> str:
    link = f"[#{number}]({url})" if url else f"#{number}"
    return (
        f"{marker_for(marker, NEXT_KIND)}\n"
        f"Superseded by the next digest, {link} ({title}). Closing this one."
    )


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
    from recovery_bot.snapshots import fetch_snapshots

    return await fetch_snapshots(*args, **kwargs)


async def parts_from_bot(bot: Any) -> DigestParts:
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
    body limit (tests lower it to exercise trimming).
    """
    parts = (
        bot_or_parts
        if isinstance(bot_or_parts, DigestParts)
        else await parts_from_bot(bot_or_parts)
    )
    cfg, repo, gh = parts.digest, parts.repo, parts.gh
    fetch = parts.fetch or _default_fetch
    common = {
        "marker": parts.marker,
        "bot_login": parts.bot_login,
        "maintainers": parts.maintainers,
    }

    # 1. Read. Open issues, then closed ones touched inside the window; an issue that
    #    closes between the two reads shows up twice and the later copy wins.
    since = window_start(week)
    open_issues = await fetch(gh, repo, states=("OPEN",), **common)
    closed_issues = await fetch(gh, repo, states=("CLOSED",), since=since, **common)
    by_number = {i.number: i for i in open_issues}
    by_number.update({i.number: i for i in closed_issues})
    issues = list(by_number.values())

    # 2. Compute.
    clocks: dict[int, Clock] = {
        i.number: compute_clock(i, parts.sla.for_form(i.form), parts.sla.labels, now)
        for i in issues
        if i.state == "open" and not i.is_pull_request
    }
    numbers = compute_digest(
        issues,
        clocks,
        week,
        digest_label=cfg.label,
        now=now,
        title_prefix=cfg.title_prefix,
    )
    body = render_digest(
        numbers,
        repo=repo,
        max_chars=max_chars,
        list_cap=cfg.list_cap,
        backlinks=cfg.backlinks,
        marker=parts.marker,
    )
    title = digest_title(week, cfg.title_prefix)

    # 3. Find this week's issue and the older open ones in what was read.
    found = digest_issues(issues, cfg, parts.bot_login)
    mine = found.get(week, [])
    current = mine[0] if mine else None
    newest = max(found, default=week)
    # Open digests of earlier weeks, and open duplicates of this week's (from a past bug
    # or a hand-made copy), are superseded, but only when this week is the newest:
    # back-filling an old week must not close the latest digest's predecessors.
    stale = [
        i
        for w, group in sorted(found.items())
        for i in group
        if i.state == "open" and (w < week or (w == week and i is not current))
    ]
    if week < newest:
        stale = []

    writes: list[str] = []
    number = current.number if current else None
    url = (current.html_url or None) if current else None

    if require_history and current is None:
        first = history_start(issues, found, parts.bot_login)
        if first is None or first > week.start():
            seen = first.strftime("%Y-%m-%d %H:%M UTC") if first else "none yet"
            log.info(
                "digest %s: not posted: the bot has no full week of history on %s (first "
                "trace: %s); `recovery-bot digest` posts it anyway", week, repo, seen,
            )
            return DigestResult(
                week=week, title=title, body=body, action="quiet", number=None, url=None,
                closed=(), writes=(), dry_run=dry_run, issues_read=len(issues),
                numbers=numbers,
            )

    # 4. Write.
    action: Action
    if current is None:
        action = "created"
        writes.append(f"create issue {title!r} with label {cfg.label!r}")
        if not dry_run:
            made = await gh.create_issue(repo, title, body, labels=[cfg.label])
            number, url = int(made["number"]), made.get("html_url")
            log.info("digest %s: created %s#%s", week, repo, number)
    elif if_missing:
        action = "exists"
        log.info("digest %s: %s#%s already posted, left as is", week, repo, number)
    elif same_content(current.body, body):
        action = "unchanged"
        log.info("digest %s: %s#%s unchanged", week, repo, number)
    else:
        action = "edited"
        writes.append(f"edit the body of #{number}")
        if not dry_run:
            assert number is not None
            await gh.edit_issue(repo, number, body=body)
            log.info("digest %s: edited %s#%s", week, repo, number)

    closed: list[int] = []
    if cfg.close_previous:
        for old in stale:
            if not _already_linked(old, parts.marker, parts.bot_login):
                where = f"#{number}" if number is not None else "the new digest"
                writes.append(f"comment on #{old.number} linking {where}")
                if not dry_run:
                    assert number is not None
                    text = _next_comment(parts.marker, title, number, url)
                    await gh.create_comment(repo, old.number, text)
            writes.append(f"close #{old.number}")
            if not dry_run:
                await gh.set_state(repo, old.number, "closed", "completed")
                log.info("digest %s: closed the superseded %s#%s", week, repo, old.number)
            closed.append(old.number)

    return DigestResult(
        week=week,
        title=title,
        body=body,
        action=action,
        number=number,
        url=url,
        closed=tuple(closed),
        writes=tuple(writes),
        dry_run=dry_run,
        issues_read=len(issues),
        numbers=numbers,
    )


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


async def run_due(bot: Any, now: datetime, *, catch_up: bool) -> DigestResult | None:
    """Post the digest the schedule owes at ``now``, unless the journal says it is done.

    ``catch_up=True`` (start-up, retries) only creates a missing issue; ``False`` (woken at
    the scheduled time) creates or updates. Records the week unless it was a dry run.
    """
    cfg: DigestConfig = bot.config.digest
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
        bot, week=week, now=now, dry_run=bot.dry_run, if_missing=catch_up,
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


def _bot_now(bot: Any) -> Callable[[], datetime]:
    clock = getattr(bot, "clock", None)
    if clock is None:
        return lambda: datetime.now(UTC)
    return lambda: datetime.fromtimestamp(clock(), UTC)


async def digest_loop(
    bot: Any,
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
        nxt = bot.config.digest.next_run(t)
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
    "post_digest",
    "recorded_week",
    "run_due",
    "same_content",
    "scheduled_week",
    "window_start",
]
