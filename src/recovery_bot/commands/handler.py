"""Webhook shell for slash-commands: ``issue_comment`` created/edited → commands run.

The decisions live in ``recovery_bot.commands.rules`` (pure); this module only reads what they
need from GitHub, applies the resulting Plan with the same applier triage uses, and
acknowledges. Order of work for one comment, cheapest rejection first:

1. Pull-request comments, the bot's own comments and other bots' are dropped.
2. ``find_commands`` (or, for an edit, ``new_commands`` against ``changes.body.from``)
   runs on the payload *before any API call*: almost every comment on pypi/support is
   prose, and those must cost zero GitHub requests.
3. Who typed it: ``Maintainers.is_maintainer`` (configured users/teams, a trusted
   ``author_association`` as a shortcut, else the repository permission API, cached).
   When someone edits another person's comment the editor is the actor and the comment
   author's association is not used: it says nothing about the editor.
4. Not a maintainer: at most one polite refusal per issue per interval (the bot's earlier
   refusal markers in the comments are the memory, so it survives restarts), no
   reaction, nothing else. Comments whose only "commands" are unknown names (``/tmp is
   full``) get nothing at all.
5. A maintainer: the issue is read fresh (the payload may be minutes old when a retry
   runs), the commands run, the merged Plan is applied with ``force_remove=True`` (a
   maintainer's ``/unlabel`` removes labels people set), ``/recheck`` re-triages with the
   PyPI cache bypassed, and the comment gets 👍 (all ran) or 😕 (something failed; the
   one-line error reply with the usage comes from ``handle_comment``). A command whose
   effect GitHub silently dropped also gets 😕 and one line: "add assignees" answers 201
   and ignores logins that cannot be assigned (``/assign @everyone``), so the issue it
   returns is checked (``ApplyResult.not_assigned``).

The reaction is written last, so 👍 means "done". A retried delivery may find some of
its replies already posted (the first attempt died after posting): replies whose exact
text a bot comment already has since the command comment was written are not posted
again. Commands are dated by the comment's own timestamp, not the worker's clock, so a
retry renders byte-identical replies (``/snooze 7d`` included). Labels, state and
assignees are idempotent through the fresh issue read.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import gidgethub
from gidgethub import routing, sansio

from recovery_bot.commands.parse import Invocation, find_commands, new_commands
from recovery_bot.commands.rules import (
    CommandContext,
    handle_comment,
    known_names,
    not_assigned_reply,
    refusal_due,
)
from recovery_bot.core.plans import Plan
from recovery_bot.core.snapshot import CommentInfo
from recovery_bot.intake.decision import gather_facts
from recovery_bot.intake.handler import TriageOutcome, triage_issue
from recovery_bot.platform.applier import ApplyResult, apply_plan
from recovery_bot.platform.github import parse_github_time
from recovery_bot.platform.permissions import is_bot_account

if TYPE_CHECKING:
    from recovery_bot.platform.github import GitHubClient
    from recovery_bot.platform.runtime import Runtime

log = logging.getLogger(__name__)

router = routing.Router()

_GONE = frozenset({404, 410})


@router.register("issue_comment", action="created")
@router.register("issue_comment", action="edited")
async def on_comment(event: sansio.Event, bot: Runtime, ctx: Any) -> None:
    """Run the slash-commands of one created or edited issue comment."""
    data = event.data
    cfg = bot.config
    issue = data["issue"]
    comment = data.get("comment") or {}
    sender = data.get("sender") or comment.get("user") or {}
    repo = data["repository"]["full_name"]
    number = int(issue["number"])
    edited = data.get("action") == "edited"

    if issue.get("pull_request"):
        ctx.outcome = TriageOutcome("ignored", "pull request comment")
        return
    if is_bot_account(comment.get("user"), cfg.bot.login) or is_bot_account(sender, cfg.bot.login):
        ctx.outcome = TriageOutcome("ignored", "comment by a bot")
        return
    body = comment.get("body")
    previous: str | None = None
    if edited:
        change = (data.get("changes") or {}).get("body")
        if not isinstance(change, dict) or "from" not in change:
            ctx.outcome = TriageOutcome("ignored", "edit did not change the body")
            return
        previous = change.get("from")
    known = known_names(cfg)
    invs = new_commands(previous, body, known) if edited else find_commands(body, known)
    if not invs:
        ctx.outcome = TriageOutcome("ignored", "no new command" if edited else "no command")
        return

    author = str((comment.get("user") or {}).get("login") or "")
    actor = str(sender.get("login") or author)
    gh = await ctx.github()
    # Repository permission only: author_association is not trusted for commands
    # (COLLABORATOR includes read/triage invitees, MEMBER any org member).
    permitted = await bot.maintainers.is_maintainer(gh, repo, actor)
    if not permitted:
        ctx.outcome = await _refuse(
            bot, gh, ctx, repo, issue, actor, invs, comment, edited, previous
        )
        return
    ctx.outcome = await _run(bot, gh, ctx, repo, number, comment, actor, edited, previous)


async def _refuse(
    bot: Runtime,
    gh: GitHubClient,
    ctx: Any,
    repo: str,
    issue: dict[str, Any],
    actor: str,
    invs: Sequence[Invocation],
    comment: dict[str, Any],
    edited: bool,
    previous: str | None,
) -> TriageOutcome:
    """A non-maintainer typed commands: one polite reply at most, nothing else changes."""
    cfg = bot.config
    number = int(issue["number"])
    if not any(i.known for i in invs):
        # "/tmp is full" from a reporter: nothing was attempted, so nothing is said.
        return TriageOutcome("ignored", f"@{actor} is not a maintainer; no known command")
    comments = await gh.list_comments(repo, number)
    now = _now(bot)
    outcome = handle_comment(
        comment.get("body"),
        _context(bot, repo, issue, actor, now),
        permitted=False,
        may_refuse=refusal_due(_bot_comment_infos(comments, cfg.bot.login), now, cfg),
        edited=edited,
        previous_body=previous,
    )
    names = ",".join(f"/{i.name}" for i in outcome.invocations)
    for inv in outcome.invocations:
        _log_command(ctx, repo, number, actor, inv, ok=False, error="not permitted")
    if not outcome.plan.replies:
        return TriageOutcome("ignored", f"@{actor} may not run {names}; refused recently")
    # Only the reply: no labels, state or reaction change for a refused command.
    reply_only = Plan(replies=outcome.plan.replies)
    result = await _apply(bot, gh, repo, number, reply_only, issue, comments=comments)
    return TriageOutcome("applied", f"refused {names} for @{actor}", result)


async def _run(
    bot: Runtime,
    gh: GitHubClient,
    ctx: Any,
    repo: str,
    number: int,
    comment: dict[str, Any],
    actor: str,
    edited: bool,
    previous: str | None,
) -> TriageOutcome:
    """A maintainer's commands: run them against the issue as it is now and apply."""
    cfg = bot.config
    try:
        issue = await gh.get_issue(repo, number)
    except gidgethub.BadRequest as exc:
        if exc.status_code in _GONE:
            return TriageOutcome("gone", "issue is gone")
        raise
    now = _command_time(bot, comment, edited)
    outcome = handle_comment(
        comment.get("body"),
        _context(bot, repo, issue, actor, now),
        permitted=True,
        edited=edited,
        previous_body=previous,
    )
    plan = dataclasses.replace(outcome.plan, force_remove=True)
    comments: list[dict[str, Any]] | None = None
    if plan.replies and _maybe_repeated(bot, ctx):
        comments = await gh.list_comments(repo, number)
        since = comment.get("updated_at" if edited else "created_at")
        plan = _without_posted_replies(plan, comments, cfg.bot.login, since)
    result = await _apply(bot, gh, repo, number, plan, issue, comments=comments)
    for inv, res in zip(outcome.invocations, outcome.results, strict=True):
        _log_command(ctx, repo, number, actor, inv, ok=res.ok, error=res.error)

    why = [f"@{actor} ran " + ",".join(f"/{i.name}" for i in outcome.invocations)]
    changed = result.changed
    if outcome.recheck:
        fresh = await gh.get_issue(repo, number) if result.changed else issue
        triage = await triage_issue(bot, gh, repo, fresh, bypass_cache=True)
        changed = changed or triage.outcome == "applied"
        why.append(f"recheck: {triage.outcome} {triage.why}".rstrip())
    all_ok = all(r.ok for r in outcome.results)
    if not all_ok:
        why.append(f"{sum(not r.ok for r in outcome.results)} failed")
    if result.not_assigned:
        # GitHub answered 201 but dropped these logins: the command did not happen, so
        # it must not get 👍 (issue #11).
        said = await _say_not_assigned(bot, gh, ctx, repo, number, comment, actor, edited, result)
        result.writes += said.writes
        why.append(f"not assigned: {','.join(result.not_assigned)}")
        all_ok = False
    await _react(bot, gh, repo, int(comment["id"]), "+1" if all_ok else "confused")
    return TriageOutcome("applied" if changed else "unchanged", "; ".join(why), result)


async def _say_not_assigned(
    bot: Runtime,
    gh: GitHubClient,
    ctx: Any,
    repo: str,
    number: int,
    comment: dict[str, Any],
    actor: str,
    edited: bool,
    result: ApplyResult,
) -> ApplyResult:
    """Post the one line saying who GitHub did not assign (once, also on a retry)."""
    cfg = bot.config
    log.info(
        "command delivery=%s issue=%s#%d actor=%s not assigned by GitHub: %s",
        ctx.delivery.id,
        repo,
        number,
        actor,
        result.not_assigned,
    )
    plan = Plan(replies=(not_assigned_reply(actor, result.not_assigned, cfg),))
    comments: list[dict[str, Any]] | None = None
    if _maybe_repeated(bot, ctx):
        comments = await gh.list_comments(repo, number)
        since = comment.get("updated_at" if edited else "created_at")
        plan = _without_posted_replies(plan, comments, cfg.bot.login, since)
    return await apply_plan(
        gh,
        repo,
        number,
        plan,
        current_labels=[],
        marker=cfg.bot.marker,
        bot_login=cfg.bot.login,
        comments=comments,
        dry_run=bot.dry_run,
    )


# --- helpers --------------------------------------------------------------------------


def _now(bot: Runtime) -> datetime:
    """The bot's clock as an aware datetime (tests inject the clock)."""
    return datetime.fromtimestamp(bot.clock(), UTC)


def _command_time(bot: Runtime, comment: dict[str, Any], edited: bool) -> datetime:
    """When the command was typed (GitHub's timestamp of the comment or the edit).

    Commands are dated by the comment, not by when a worker got to them: a delivery
    retried an hour later must render the same ``/snooze 7d`` reply (same end, same
    marker), so the retry recognises it as already posted instead of posting it again.
    """
    stamp = comment.get("updated_at" if edited else "created_at")
    if isinstance(stamp, str):
        try:
            return parse_github_time(stamp)
        except ValueError:
            pass
    return _now(bot)


def _context(
    bot: Runtime, repo: str, issue: dict[str, Any], actor: str, now: datetime
) -> CommandContext:
    """What the pure commands may look at, from REST/webhook issue JSON."""
    cfg = bot.config
    labels = tuple(lbl["name"] for lbl in issue.get("labels") or [])
    facts = gather_facts(issue.get("body"), labels=labels, form_label=cfg.labels.form)
    number = int(issue["number"])
    return CommandContext(
        repo=repo,
        issue_number=number,
        issue_url=str(issue.get("html_url") or f"https://github.com/{repo}/issues/{number}"),
        reporter=str((issue.get("user") or {}).get("login") or "ghost"),
        actor=actor,
        username=facts.lookup_name,
        labels=labels,
        state=str(issue.get("state") or "open"),
        assignees=tuple(a["login"] for a in issue.get("assignees") or []),
        now=now,
        config=cfg,
    )


def _bot_comment_infos(comments: Sequence[dict[str, Any]], bot_login: str) -> list[CommentInfo]:
    """The bot's own comments, for ``refusal_due``. Only the bot's login counts: any
    account can paste a refusal marker, and none should silence the bot with it."""
    out = []
    for c in comments:
        login = str((c.get("user") or {}).get("login") or "")
        if login.casefold() != bot_login.casefold() or not c.get("created_at"):
            continue
        out.append(
            CommentInfo(
                author=login,
                created_at=parse_github_time(c["created_at"]),
                body=c.get("body") or "",
                id=int(c.get("id") or 0),
            )
        )
    return out


def _maybe_repeated(bot: Runtime, ctx: Any) -> bool:
    """Whether this delivery may have run before (a retry, or claimed again after a
    restart): only then are replies checked against the comments already posted."""
    return bool(ctx.resumed)


def _without_posted_replies(
    plan: Plan, comments: Sequence[dict[str, Any]], bot_login: str, since: str | None
) -> Plan:
    """``plan`` minus replies a bot comment already carries verbatim since ``since``."""
    start = parse_github_time(since) if since else None
    posted = {
        c.get("body")
        for c in comments
        if str((c.get("user") or {}).get("login") or "").casefold() == bot_login.casefold()
        and (start is None or parse_github_time(c["created_at"]) >= start)
    }
    kept = tuple(r for r in plan.replies if r not in posted)
    return plan if kept == plan.replies else dataclasses.replace(plan, replies=kept)


async def _apply(
    bot: Runtime,
    gh: GitHubClient,
    repo: str,
    number: int,
    plan: Plan,
    issue: dict[str, Any],
    *,
    comments: Sequence[dict[str, Any]] | None = None,
) -> ApplyResult:
    cfg = bot.config
    return await apply_plan(
        gh,
        repo,
        number,
        plan,
        current_labels=[lbl["name"] for lbl in issue.get("labels") or []],
        marker=cfg.bot.marker,
        bot_login=cfg.bot.login,
        comments=comments,
        state=issue.get("state"),
        assignees=[a["login"] for a in issue.get("assignees") or []],
        dry_run=bot.dry_run,
    )


async def _react(bot: Runtime, gh: GitHubClient, repo: str, comment_id: int, content: str) -> None:
    """Acknowledge on the comment. A comment deleted meanwhile is not worth a retry."""
    if bot.dry_run:
        log.info("dry-run %s: would react %s on comment %d", repo, content, comment_id)
        return
    try:
        await gh.react_to_comment(repo, comment_id, content)
    except gidgethub.BadRequest as exc:
        if exc.status_code not in _GONE:
            raise
        log.info("comment %d on %s is gone; no reaction", comment_id, repo)


def _log_command(
    ctx: Any,
    repo: str,
    number: int,
    actor: str,
    inv: Invocation,
    *,
    ok: bool,
    error: str | None,
) -> None:
    log.info(
        "command delivery=%s issue=%s#%d actor=%s command=/%s args=%r ok=%s%s",
        ctx.delivery.id,
        repo,
        number,
        actor,
        inv.name,
        list(inv.args),
        ok,
        f" error={error!r}" if error else "",
    )
