"""``recovery-bot action``: the bot as a GitHub Actions step, with no server.

A workflow run is one webhook delivery: GitHub starts it for an event and hands over the
payload in a file (``GITHUB_EVENT_PATH``) and a token (``GITHUB_TOKEN``). This module
runs that one event through the **same** code the server runs for a delivery: the
server's screening (:func:`server.screen`), its composed router (triage and
slash-commands), the pure decision and the one applier. ``schedule`` and
``workflow_dispatch`` run the SLA sweep and, when the schedule owes one, the weekly
digest (created if missing, so a run every hour posts it once).

What the server's journal gave is obtained another way:

* **Idempotency** comes from GitHub itself, as for a server that lost its journal: the
  bot's comment is found by its hidden marker and edited, labels already present are not
  re-added, a digest issue already posted is left alone. A re-run of a workflow is a
  redelivery: ``GITHUB_RUN_ATTEMPT > 1`` makes the handlers distrust the payload
  (``resumed``), exactly as a retried delivery does in the server.
* **No two runs for one issue at once**: the example workflow's ``concurrency:`` group
  per issue plays the part of the server's per-issue lock.
* **Retries**: none of its own beyond the GitHub client's; a run that failed for a reason
  a re-run fixes exits 1 so it shows red and can be re-run.

Exit codes: 0 done (or nothing to do); 1 a re-run would fix it (GitHub unavailable or
rate limited, PyPI did not answer, a sweep left errors); 2 the configuration must be
fixed first (missing variable, unreadable event file, GitHub refused the token: 401/403,
usually the workflow's ``permissions: issues: write`` is missing).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import os
import sys
import time
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from recovery_bot.app import load_config, parse_config
from recovery_bot.core.config import AppConfig
from recovery_bot.core.errors import ConfigError
from recovery_bot.platform.cli_errors import EXIT_ERROR, EXIT_USAGE, fail

if TYPE_CHECKING:
    from recovery_bot.platform.runtime import Runtime

log = logging.getLogger(__name__)

#: Who writes with a workflow's ``GITHUB_TOKEN``; the applier finds the bot's own
#: comments by marker *and* this author, so it must match (``bot.login`` in app.yaml).
ACTIONS_LOGIN = "github-actions[bot]"

#: Events that run the periodic jobs instead of one issue's handlers.
SCHEDULED_EVENTS = frozenset({"schedule", "workflow_dispatch"})


def action_config(path: str | None, env: Mapping[str, str]) -> AppConfig:
    """app.yaml when one is named (``--config`` or ``$RECOVERY_BOT_CONFIG``), else
    defaults fit for a workflow: the repository the workflow runs in, comments by
    ``github-actions[bot]``.

    A ``./app.yaml`` is not picked up silently, unlike the other commands: the working
    directory of a workflow is the *user's* checkout, which may hold an unrelated file.
    """
    chosen = path or env.get("RECOVERY_BOT_CONFIG")
    if chosen:
        return load_config(chosen)
    repo = env.get("GITHUB_REPOSITORY")
    if not repo:
        raise ConfigError("environment", "GITHUB_REPOSITORY", "is required (owner/name)")
    return parse_config(
        {"repositories": [repo], "bot": {"login": ACTIONS_LOGIN}}, "(action defaults)"
    )


@dataclasses.dataclass
class EventResult:
    """What one run did, for the printed summary and the exit code."""

    lines: list[str]
    retry: list[str]  # reasons a re-run would help; non-empty -> exit 1


async def handle_event(
    bot: Runtime, event: str, payload: dict[str, Any], *, delivery_id: str, resumed: bool
) -> EventResult:
    """One ``issues``/``issue_comment`` event through the server's screening and router."""
    from gidgethub import sansio

    from recovery_bot.app import compose_router
    from recovery_bot.platform.github import TokenAuth
    from recovery_bot.platform.journal import Delivery
    from recovery_bot.platform.server import DeliveryContext, screen

    repositories = frozenset(r.casefold() for r in bot.config.repositories)
    action = payload.get("action")
    verdict = screen(event, payload, repositories)
    if verdict is not None:
        return EventResult([f"{event}.{action}: {verdict[0]} ({verdict[1]})"], [])
    issue = payload["issue"]
    repo = payload["repository"]["full_name"]
    number = int(issue["number"])
    now = bot.clock()
    delivery = Delivery(
        id=delivery_id,
        event=event,
        action=action,
        repo=repo,
        issue_number=number,
        payload=b"",
        status="running",
        attempts=1 if resumed else 0,
        received_at=now,
        next_attempt_at=now,
        last_error=None,
    )
    installation = (payload.get("installation") or {}).get("id")
    ctx = DeliveryContext(bot, delivery, not resumed, installation, resumed=resumed)
    if installation is None and not isinstance(bot.factory.auth, TokenAuth):
        # App credentials in a workflow (e.g. to comment as the App): workflow payloads
        # carry no installation, so look it up for the repository instead.
        ctx._gh = await bot.factory.for_repo(repo)
    await compose_router().dispatch(
        sansio.Event(payload, event=event, delivery_id=delivery_id), bot, ctx
    )
    outcome = ctx.outcome
    name = outcome.outcome if outcome else "ignored"
    writes = list(outcome.result.writes) if outcome and outcome.result else []
    prefix = "would " if bot.dry_run else ""
    detail = "; ".join(prefix + w for w in writes) or (outcome.why if outcome else "")
    line = f"{event}.{action} {repo}#{number}: {name}" + (f" ({detail})" if detail else "")
    log.info(
        "delivery=%s event=%s.%s issue=%s outcome=%s why=%s",
        delivery_id,
        event,
        action,
        number,
        name,
        outcome.why if outcome else "",
        extra={
            "delivery": delivery_id,
            "event": f"{event}.{action}",
            "issue": number,
            "outcome": name,
        },
    )
    retry = []
    if name == "pypi_unknown":
        retry.append(f"PyPI did not answer for #{number}: {outcome.why if outcome else ''}")
    return EventResult([line], retry)


async def run_scheduled(bot: Runtime, now: datetime) -> EventResult:
    """The SLA sweep, then the digest the schedule owes (if missing and the bot has a
    full week of history), as the server's loops would over the same period."""
    from recovery_bot.digest.post import post_digest, scheduled_week
    from recovery_bot.sla.sweep import run_sweep

    lines: list[str] = []
    retry: list[str] = []
    report = await run_sweep(bot, now=now, dry_run=bot.dry_run)
    prefix = "would " if report.dry_run else ""
    for act in report.actions:
        lines += [f"{act.repo}#{act.number} {act.kind}: {prefix}{w}" for w in act.writes]
    lines.append(report.summary())
    retry += [f"sweep: {err}" for err in report.errors]
    digest = bot.config.digest
    if digest is not None and digest.enabled:
        week, _ = scheduled_week(digest, now)
        result = await post_digest(
            bot,
            week=week,
            now=now,
            dry_run=bot.dry_run,
            if_missing=True,
            require_history=True,
        )
        where = f" #{result.number}" if result.number else ""
        lines.append(f"digest {week}: {result.action}{where}")
        lines += [f"  {prefix}{w}" for w in result.writes]
    return EventResult(lines, retry)


def _read_event(env: Mapping[str, str]) -> tuple[str, dict[str, Any]]:
    name = env.get("GITHUB_EVENT_NAME")
    if not name:
        raise ConfigError("environment", "GITHUB_EVENT_NAME", "is required (set by Actions)")
    if name in SCHEDULED_EVENTS:
        return name, {}
    path = env.get("GITHUB_EVENT_PATH")
    if not path:
        raise ConfigError("environment", "GITHUB_EVENT_PATH", "is required (set by Actions)")
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError("environment", "GITHUB_EVENT_PATH", f"{path}: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigError("environment", "GITHUB_EVENT_PATH", f"{path}: not a JSON object")
    return name, data


async def run_action(
    config: AppConfig,
    env: Mapping[str, str],
    *,
    dry_run: bool = False,
    now: datetime | None = None,
) -> EventResult:
    """Everything one workflow run does; raises what :func:`exit_code` maps."""
    from recovery_bot.sla.cli import cli_settings, open_bot

    event, payload = _read_event(env)
    settings = cli_settings(env)
    attempt = int(env.get("GITHUB_RUN_ATTEMPT") or "1")
    run_id = env.get("GITHUB_RUN_ID") or uuid.uuid4().hex
    async with open_bot(config, settings, dry_run=dry_run) as bot:
        if event in SCHEDULED_EVENTS:
            return await run_scheduled(bot, now or datetime.now(UTC))
        return await handle_event(
            bot,
            event,
            payload,
            delivery_id=f"actions-run-{run_id}-{attempt}",
            resumed=attempt > 1,
        )


def exit_code(exc: BaseException) -> tuple[int, str] | None:
    """The exit code and one line for a failure, or ``None`` for a bug (traceback)."""
    import gidgethub

    from recovery_bot.platform.github import GitHubUnavailable

    if isinstance(exc, GitHubUnavailable):
        return EXIT_ERROR, f"GitHub unavailable, re-run later: {exc}"
    if isinstance(exc, gidgethub.BadRequest) and exc.status_code in (401, 403):
        return EXIT_USAGE, (
            f"GitHub refused the token ({exc.status_code}: {exc}); the workflow needs "
            "`permissions: issues: write`"
        )
    if isinstance(exc, gidgethub.GitHubException):
        return EXIT_ERROR, f"GitHub refused: {exc}"
    return None


def cmd_action(
    args: argparse.Namespace, out: TextIO | None = None, env: Mapping[str, str] | None = None
) -> int:
    import asyncio

    out = out or sys.stdout
    env = os.environ if env is None else env
    config = action_config(args.config, env)
    started = time.perf_counter()
    try:
        result = asyncio.run(run_action(config, env, dry_run=args.dry_run))
    except Exception as exc:
        mapped = exit_code(exc)
        if mapped is None:
            raise
        return fail("action", mapped[1], mapped[0])
    for line in result.lines:
        print(line, file=out)
    for reason in result.retry:
        print(f"recovery-bot action: {reason}; a re-run will try again", file=sys.stderr)
    log.debug("action took %.0f ms", (time.perf_counter() - started) * 1000)
    return EXIT_ERROR if result.retry else 0


def add_commands(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "action",
        help="GitHub Actions mode: handle the workflow's one event (or run the schedule)",
        description=(
            "Reads GITHUB_EVENT_NAME, GITHUB_EVENT_PATH, GITHUB_TOKEN, GITHUB_REPOSITORY "
            "(and GITHUB_API_URL, PYPI_URL). issues/issue_comment: the server's handlers "
            "for that event; schedule/workflow_dispatch: the SLA sweep and the weekly "
            "digest when due. Exit 1: a re-run would fix it; 2: fix the configuration."
        ),
    )
    p.add_argument(
        "--config",
        default=None,
        help="app.yaml (default: $RECOVERY_BOT_CONFIG, else built-in defaults for "
        "$GITHUB_REPOSITORY with comments by github-actions[bot])",
    )
    p.add_argument("--dry-run", action="store_true", help="print the writes, make none")
    from recovery_bot.platform.logs import add_log_format

    add_log_format(p)
    p.set_defaults(func=cmd_action)


__all__ = [
    "ACTIONS_LOGIN",
    "action_config",
    "add_commands",
    "cmd_action",
    "exit_code",
    "handle_event",
    "run_action",
    "run_scheduled",
]
