"""``recovery-bot digest [--dry-run] [--week 2026-W47] [--config PATH] [--repo OWNER/NAME]``.

For cron or a CI job, or to look at a digest before the server posts it. It needs
GitHub credentials (``GITHUB_TOKEN``, or ``GITHUB_APP_ID`` + private key; plus
``GITHUB_API_URL`` for GitHub Enterprise) even for ``--dry-run``, because the digest is
computed from what GitHub says. It does *not* need ``GITHUB_WEBHOOK_SECRET``: nothing is
received, so ``server.Settings`` (which insists on the secret) is not used.

Posting is idempotent (see ``digest.post``): running it twice for a week edits the one
issue, never opens a second.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from recovery_bot.digest.config import DigestConfig
from recovery_bot.digest.report import IsoWeek, last_complete_week
from recovery_bot.platform.cli_errors import EXIT_USAGE, fail, run_against_github
from recovery_bot.platform.github import split_repo

if TYPE_CHECKING:
    from recovery_bot.core.config import AppConfig
    from recovery_bot.digest.post import DigestResult
    from recovery_bot.platform.server import Settings


def cmd_digest(args: argparse.Namespace) -> int:
    from recovery_bot.app import config_or_default

    now = datetime.now(UTC)
    if args.week is None:
        week = last_complete_week(now)
    else:
        try:
            week = IsoWeek.parse(args.week)
        except ValueError as exc:
            return fail("digest", str(exc), EXIT_USAGE)
        if week.start() > now:
            return fail("digest", f"{week} has not started yet", EXIT_USAGE)

    config = config_or_default(args.config)
    digest_cfg: DigestConfig = config.digest or DigestConfig(repo=config.repositories[0])
    repo = args.repo or digest_cfg.repo or config.repositories[0]
    try:
        split_repo(repo)
    except ValueError as exc:
        return fail("digest", str(exc), EXIT_USAGE)

    from recovery_bot.platform.server import Settings

    settings = Settings.from_env(os.environ, require_secret=False)
    result = run_against_github(
        "digest", _run(config, digest_cfg, repo, settings, week, now, args.dry_run)
    )
    if isinstance(result, int):
        return result

    if args.dry_run:  # the body, then the applier's dry run of the run's plans
        sys.stdout.write(result.body)
        print(f"dry run: {result.title} ({len(result.body):,} characters)", file=sys.stderr)
        for line in result.writes or ("no writes needed",):
            print(f"  would {line}", file=sys.stderr)
        return 0
    print(result.url or f"https://github.com/{repo}/issues/{result.number}")
    print(
        f"{result.title}: {result.action}"
        + (f"; closed {', '.join(f'#{n}' for n in result.closed)}" if result.closed else ""),
        file=sys.stderr,
    )
    return 0


async def _run(
    config: AppConfig,
    digest_cfg: DigestConfig,
    repo: str,
    settings: Settings,
    week: IsoWeek,
    now: datetime,
    dry_run: bool,
) -> DigestResult:
    from recovery_bot.digest.post import DigestParts, post_digest
    from recovery_bot.platform.runtime import open_runtime
    from recovery_bot.sla.config import SlaConfig

    async with open_runtime(config, settings) as rt:
        parts = DigestParts(
            gh=await rt.factory.for_repo(repo),
            repo=repo,
            digest=digest_cfg,
            sla=config.sla or SlaConfig(),
            bot_login=config.bot.login,
            marker=config.bot.marker,
            maintainers=rt.maintainers,
        )
        return await post_digest(parts, week=week, now=now, dry_run=dry_run)


def add_commands(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "digest",
        help="post (or with --dry-run print) the weekly backlog digest",
        description=(
            "Compute the backlog digest of an ISO week from GitHub and post it as one "
            "issue per week (re-runs edit it). Needs GITHUB_TOKEN or App credentials."
        ),
    )
    p.add_argument(
        "--dry-run",
        action="store_true",
        help="print the markdown and the writes the applier would make; write nothing",
    )
    p.add_argument(
        "--week", default=None, help="ISO week like 2026-W47 (default: the last complete week)"
    )
    p.add_argument("--config", default=None, help="app.yaml (default: $RECOVERY_BOT_CONFIG)")
    p.add_argument("--repo", default=None, help="owner/name (default: digest.repo of app.yaml)")
    p.set_defaults(func=cmd_digest)
