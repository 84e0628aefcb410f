"""Triage of one issue: the shell around the pure decision in ``intake.decision``.

Reads what the decision needs (PyPI lookup, maintainer check), calls the pure code, and
hands the plan to the applier. Used by webhook handlers, ``/recheck`` and the sweep.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from gidgethub import routing, sansio

from recovery_bot.core.snapshot import parse_github_time
from recovery_bot.intake.decision import decide, gather_facts, with_lookup
from recovery_bot.platform.applier import Outcome, TriageOutcome, apply_plan
from recovery_bot.platform.permissions import is_bot_account
from recovery_bot.sla.queue_hook import extend_plan

if TYPE_CHECKING:
    from recovery_bot.platform.github import GitHubClient
    from recovery_bot.platform.runtime import Runtime

log = logging.getLogger(__name__)

__all__ = ["Outcome", "TriageOutcome", "router", "skip_reason", "triage_issue"]


async def triage_issue(
    bot: Runtime,
    gh: GitHubClient,
    repo: str,
    issue: dict[str, Any],
    *,
    fresh_new_issue: bool = False,
    bypass_cache: bool = False,
) -> TriageOutcome:
    """Judge ``issue`` (REST/webhook issue JSON) and apply the plan.

    ``fresh_new_issue`` lets the applier trust the payload's ``comments == 0`` and skip
    listing comments (one read saved for every new issue); it is only set for a first
    attempt of an ``opened`` delivery recorded by this process.
    """
    cfg = bot.config
    number = int(issue["number"])
    skip = await skip_reason(bot, gh, repo, issue)
    if skip:
        return TriageOutcome("skipped", skip)
    labels = [lbl["name"] for lbl in issue.get("labels") or []]
    facts = gather_facts(
        issue.get("body"), title=issue.get("title"), labels=labels, form_label=cfg.labels.form
    )
    if facts.pypi_lookup_name:
        user = await bot.pypi.lookup(facts.pypi_lookup_name, bypass_cache=bypass_cache)
        facts = with_lookup(facts, user)
    plan = decide(facts, cfg)
    plan = await _extend_plan(bot, gh, repo, issue, facts, plan)
    comments: list[dict[str, Any]] | None = None
    if fresh_new_issue and int(issue.get("comments") or 0) == 0:
        comments = []
    result = await apply_plan(
        gh,
        repo,
        number,
        plan,
        current_labels=labels,
        marker=cfg.bot.marker,
        bot_login=cfg.bot.login,
        comments=comments,
        state=issue.get("state"),
        dry_run=bot.dry_run,
    )
    log.info(
        "triaged %s#%d form=%s username_problem=%s exists=%s reason=%s writes=%s",
        repo,
        number,
        facts.form,
        facts.username_problem,
        facts.username_exists,
        facts.reason,
        result.writes,
    )
    if facts.pypi_lookup_name and facts.username_exists is None:
        return TriageOutcome("pypi_unknown", facts.lookup_detail, result)
    return TriageOutcome("applied" if result.changed else "unchanged", "", result)


async def _extend_plan(
    bot: Runtime, gh: GitHubClient, repo: str, issue: dict[str, Any], facts: Any, plan: Any
) -> Any:
    """Let the queue module add the reporter's place in the queue to the comment."""
    return await extend_plan(bot, gh, repo, issue, facts, plan)


async def skip_reason(bot: Runtime, gh: GitHubClient, repo: str, issue: dict[str, Any]) -> str:
    """Why the bot must leave this issue alone, or "" to go ahead."""
    if issue.get("pull_request"):
        return "pull request"
    if issue.get("state") != "open":
        return "closed"
    user = issue.get("user") or {}
    if is_bot_account(user, bot.config.bot.login):
        return "opened by a bot"
    login = str(user.get("login") or "")
    if await bot.maintainers.is_maintainer(gh, repo, login, issue.get("author_association")):
        return "opened by a maintainer"
    return ""


def _is_form_applied_label(data: dict[str, Any]) -> bool:
    """GitHub sends ``labeled`` right after ``opened`` when the form applies its label;
    the ``opened`` delivery already triages that issue, so this one is noise."""
    issue = data.get("issue") or {}
    sender = (data.get("sender") or {}).get("login", "")
    author = (issue.get("user") or {}).get("login", "")
    created, updated = issue.get("created_at"), issue.get("updated_at")
    if not (sender and sender == author and created and updated):
        return False
    try:
        gap = parse_github_time(updated) - parse_github_time(created)
    except ValueError:
        return False
    return abs(gap.total_seconds()) <= 60


FRESH_SECONDS = 120


def _just_created(issue: dict[str, Any], received_at: float) -> bool:
    """Whether the payload can be trusted to show every comment (none) on the issue.

    Only for an ``opened`` delivery that arrived right after the issue was filed: a
    redelivery of a lost one (hours later, after the sweep may have commented) carries
    the payload of its original moment, and trusting ``comments == 0`` then would post a
    second comment."""
    try:
        created = parse_github_time(str(issue.get("created_at")))
    except ValueError:
        return False
    return abs(received_at - created.timestamp()) <= FRESH_SECONDS


# --- webhook routing ------------------------------------------------------------------

router = routing.Router()


@router.register("issues", action="opened")
@router.register("issues", action="reopened")
@router.register("issues", action="edited")
@router.register("issues", action="labeled")
async def on_issue(event: sansio.Event, bot: Runtime, ctx: Any) -> None:
    data = event.data
    action = data.get("action")
    issue = data["issue"]
    repo = data["repository"]["full_name"]
    if action == "edited" and not ({"body", "title"} & set(data.get("changes") or {})):
        ctx.outcome = TriageOutcome("ignored", "edit did not change title or body")
        return
    if action == "labeled":
        added = (data.get("label") or {}).get("name", "")
        if added.casefold() != bot.config.labels.form.casefold():
            ctx.outcome = TriageOutcome("ignored", f"label {added!r} is not the form label")
            return
        if is_bot_account(data.get("sender"), bot.config.bot.login):
            ctx.outcome = TriageOutcome("ignored", "label added by a bot")
            return
        if _is_form_applied_label(data):
            ctx.outcome = TriageOutcome("ignored", "label applied by the issue form")
            return
    gh = await ctx.github()
    fresh = (
        action == "opened" and ctx.first_attempt and _just_created(issue, ctx.delivery.received_at)
    )
    if not fresh:
        # Anything but a first look at a just-filed issue may be stale: read it now.
        issue = await gh.get_issue(repo, int(issue["number"]))
    ctx.outcome = await triage_issue(bot, gh, repo, issue, fresh_new_issue=fresh)
