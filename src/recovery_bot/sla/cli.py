"""``recovery-bot sweep [--dry-run]`` and ``recovery-bot sla [--json]``.

Both read GitHub with real credentials from the environment (``GITHUB_TOKEN``, or
``GITHUB_APP_ID`` + ``GITHUB_PRIVATE_KEY``/``GITHUB_PRIVATE_KEY_PATH``; ``GITHUB_API_URL``
for GitHub Enterprise; ``PYPI_URL`` for triage lookups). They do *not* need
``GITHUB_WEBHOOK_SECRET``: nothing is received, so ``server.Settings`` (which insists on
the secret) is not used; :func:`cli_settings` reads only auth and URLs.

``--sandbox`` runs either command against the packaged loopback GitHub and PyPI with a
small demo backlog, so the output can be seen without a GitHub account.

- ``sweep`` runs one SLA sweep (``sweep.run_sweep``) and prints one line per issue it
  changed; ``--dry-run`` prints the writes it would make and makes none.
- ``sla`` prints every open issue's clock: number, age, whose move, due, state; most
  urgent first. ``--json`` prints the same as a JSON list.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, TextIO

from recovery_bot.platform.cli_errors import EXIT_ERROR, EXIT_USAGE, fail, run_against_github
from recovery_bot.platform.github import split_repo
from recovery_bot.platform.server import Settings

if TYPE_CHECKING:
    from recovery_bot.core.config import AppConfig
    from recovery_bot.core.snapshot import Clock, IssueSnapshot
    from recovery_bot.platform.github import WriteBudget
    from recovery_bot.platform.runtime import Runtime


#: Most urgent first: the order of ``sla``'s table.
STATE_ORDER = (
    "overdue",
    "due_soon",
    "close_due",
    "reminder_due",
    "ok",
    "waiting_on_reporter",
    "snoozed",
    "untracked",
    "closed",
)


def cli_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Credentials and URLs from the environment; no webhook secret is needed here."""
    return Settings.from_env(os.environ if env is None else env, require_secret=False)


@asynccontextmanager
async def open_bot(
    config: AppConfig,
    settings: Settings,
    *,
    dry_run: bool = False,
    budget: WriteBudget | None = None,
) -> AsyncIterator[Runtime]:
    """The :class:`~recovery_bot.platform.runtime.Runtime` a sweep runs with (no server,
    journal or workers), its HTTP session closed afterwards."""
    from recovery_bot.platform.runtime import open_runtime

    async with open_runtime(config, settings, dry_run=dry_run, budget=budget) as bot:
        yield bot


# --------------------------------------------------------------------------- sla table


async def read_clocks(bot: Runtime, repo: str, now: datetime) -> list[tuple[IssueSnapshot, Clock]]:
    """Every open issue of ``repo`` with its clock at ``now`` (reads only)."""
    from recovery_bot.sla.clocks import compute_clock
    from recovery_bot.sla.config import SlaConfig
    from recovery_bot.sla.fetch import fetch_issues

    sla = bot.config.sla or SlaConfig()
    gh = await bot.factory.for_repo(repo)
    res = await fetch_issues(
        gh,
        repo,
        states=("OPEN",),
        marker=bot.config.bot.marker,
        bot_login=bot.config.bot.login,
        maintainers=bot.maintainers,
        snoozed_label=sla.labels.snoozed,
    )
    return [(s, compute_clock(s, sla.for_form(s.form), sla.labels, now)) for s in res.snapshots]


def _relative(due: datetime, now: datetime) -> str:
    secs = (due - now).total_seconds()
    span = abs(secs)
    amount = f"{span / 86400:.0f}d" if span >= 86400 else f"{span / 3600:.0f}h"
    return f"in {amount}" if secs >= 0 else f"{amount} ago"


def sla_rows(
    items: Sequence[tuple[IssueSnapshot, Clock]], now: datetime, repo: str = ""
) -> list[dict[str, Any]]:
    """One JSON-able row per issue, most urgent first (state order, then due)."""
    rank = {s: i for i, s in enumerate(STATE_ORDER)}
    far = datetime.max.replace(tzinfo=UTC)
    ordered = sorted(
        items, key=lambda ic: (rank.get(ic[1].state, 99), ic[1].due or far, ic[0].number)
    )
    return [
        {
            "repo": repo,
            "number": issue.number,
            "title": issue.title,
            "form": clock.form,
            "age_days": round(clock.age_days, 1),
            "whose_move": clock.owner,
            "since": clock.since.isoformat() if clock.since else None,
            "due": clock.due.isoformat() if clock.due else None,
            "due_in": _relative(clock.due, now) if clock.due else None,
            "state": clock.state,
            "first_response_at": (
                clock.first_response_at.isoformat() if clock.first_response_at else None
            ),
            "labels": list(issue.labels),
            "url": issue.html_url,
        }
        for issue, clock in ordered
    ]


def render_table(rows: Sequence[dict[str, Any]], out: TextIO) -> None:
    head = ("#", "age", "whose move", "due (UTC)", "state", "form")
    lines = [head]
    for r in rows:
        due = "-"
        if r["due"]:
            due = f"{datetime.fromisoformat(r['due']):%Y-%m-%d %H:%M} ({r['due_in']})"
        lines.append(
            (
                str(r["number"]),
                f"{r['age_days']:.1f}d",
                r["whose_move"],
                due,
                r["state"],
                r["form"] or "-",
            )
        )
    widths = [max(len(line[i]) for line in lines) for i in range(len(head))]
    for line in lines:
        out.write("  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip())
        out.write("\n")


# --------------------------------------------------------------------------- sandbox


def seed_demo(fake: Any, repo: str, now: datetime) -> None:
    """A small backlog of every shape the clocks know, for ``--sandbox``."""
    body = (
        "### PyPI Username\n\n`{user}`\n\n### Reason for request\n\nI lost my 2FA device.\n\n"
        "### Recovery Codes\n\n- [x] I never generated or have lost access to the recovery "
        "codes for my account\n\n### Code of Conduct\n\n- [x] I agree to follow the PSF Code "
        "of Conduct\n\n### Acknowledgement\n\n- [x] I understand that it may take a "
        "significant amount of time to process my account recovery request.\n"
    )
    day = timedelta(days=1)
    fake.add_repo(repo, collaborators={"maintainer1": "write"})
    specs = [  # (age in days, maintainer replied days ago, reporter answered days ago)
        (1, None, None),
        (6.5, None, None),
        (12, None, None),
        (9, 8, None),
        (20, 17, None),
        (15, 12, 7),
    ]
    for i, (age, replied, answered) in enumerate(specs, start=1):
        n = fake.add_issue(
            repo,
            title="Account recovery request",
            body=body.format(user="alice"),
            user=f"reporter{i}",
            labels=["account-recovery"],
            created_at=now - age * day,
        )["number"]
        if replied is not None:
            fake.add_comment(
                repo,
                n,
                body="We sent you an e-mail.",
                user="maintainer1",
                author_association="COLLABORATOR",
                created_at=now - replied * day,
            )
        if answered is not None:
            fake.add_comment(
                repo,
                n,
                body="Done, I replied.",
                user=f"reporter{i}",
                created_at=now - answered * day,
            )


@asynccontextmanager
async def sandbox_bot(config: AppConfig, now: datetime, *, dry_run: bool) -> AsyncIterator[Any]:
    """A bot wired to in-process fakes holding :func:`seed_demo`'s backlog."""
    from recovery_bot.platform.github import TokenAuth, WriteBudget
    from recovery_bot.sandbox.fake_github import FakeGitHub
    from recovery_bot.sandbox.fake_pypi import FakePyPI

    async with (
        FakeGitHub(bot_login=config.bot.login, now=lambda: now) as gh_fake,
        FakePyPI({"alice": 3}) as pypi_fake,
    ):
        for repo in config.repositories:
            seed_demo(gh_fake, repo, now)
        settings = Settings(
            github_api_url=gh_fake.url,
            pypi_url=pypi_fake.url,
            auth=TokenAuth("sandbox"),
            sandbox=True,
        )
        async with open_bot(
            config, settings, dry_run=dry_run, budget=WriteBudget(10_000, 10_000)
        ) as bot:
            yield bot


# --------------------------------------------------------------------------- commands


def _load(args: argparse.Namespace, cmd: str) -> tuple[AppConfig, list[str]] | int:
    from recovery_bot.app import config_or_default

    config = config_or_default(args.config)
    repos = list(args.repo or config.repositories)
    for r in repos:
        try:
            split_repo(r)
        except ValueError as exc:
            return fail(cmd, str(exc), EXIT_USAGE)
    return config, repos


@asynccontextmanager
async def _bot_for(
    args: argparse.Namespace, config: AppConfig, now: datetime, dry_run: bool
) -> AsyncIterator[Any]:
    if args.sandbox:
        async with sandbox_bot(config, now, dry_run=dry_run) as bot:
            yield bot
    else:
        async with open_bot(config, cli_settings(), dry_run=dry_run) as bot:
            yield bot


def cmd_sweep(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    loaded = _load(args, "sweep")
    if isinstance(loaded, int):
        return loaded
    config, repos = loaded
    if not args.sandbox:
        cli_settings()  # fail on missing credentials before anything else

    async def go() -> Any:
        from recovery_bot.sla.sweep import run_sweep

        now = datetime.now(UTC)
        async with _bot_for(args, config, now, args.dry_run) as bot:
            return await run_sweep(bot, now=now, dry_run=args.dry_run, repos=repos)

    report = run_against_github("sweep", go())
    if isinstance(report, int):
        return report
    prefix = "would " if report.dry_run else ""
    for action in report.actions:
        for w in action.writes:
            print(f"{action.repo}#{action.number} {action.kind}: {prefix}{w}", file=out)
    if report.dry_run and not report.actions:
        print("nothing to do", file=out)
    print(report.summary(), file=sys.stderr)
    for err in report.errors:
        print(f"  error: {err}", file=sys.stderr)
    return EXIT_ERROR if report.errors else 0


def cmd_sla(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    loaded = _load(args, "sla")
    if isinstance(loaded, int):
        return loaded
    config, repos = loaded
    if not args.sandbox:
        cli_settings()

    async def go() -> list[dict[str, Any]]:
        now = datetime.now(UTC)
        rows: list[dict[str, Any]] = []
        async with _bot_for(args, config, now, True) as bot:
            for repo in repos:
                rows += sla_rows(await read_clocks(bot, repo, now), now, repo)
        return rows

    rows = run_against_github("sla", go())
    if isinstance(rows, int):
        return rows
    if args.json:
        json.dump(rows, out, indent=2, ensure_ascii=False)
        out.write("\n")
    else:
        render_table(rows, out)
    return 0


def add_commands(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "sweep",
        help="run one SLA sweep: labels, reminders, closes, missed triage, queue positions",
        description=(
            "Read every open issue, compute its SLA clock and apply what is due (within "
            "sla.max_writes_per_sweep). Needs GITHUB_TOKEN or App credentials."
        ),
    )
    p.add_argument("--dry-run", action="store_true", help="print the writes, make none")
    p.add_argument("--config", default=None, help="app.yaml (default: $RECOVERY_BOT_CONFIG)")
    p.add_argument("--repo", action="append", help="owner/name (repeatable; default: all)")
    p.add_argument("--sandbox", action="store_true", help="run against local fakes with demo data")
    p.set_defaults(func=cmd_sweep)

    p = sub.add_parser(
        "sla",
        help="print the SLA clock of every open issue (number, age, whose move, due, state)",
    )
    p.add_argument("--json", action="store_true", help="print a JSON list instead of a table")
    p.add_argument("--config", default=None, help="app.yaml (default: $RECOVERY_BOT_CONFIG)")
    p.add_argument("--repo", action="append", help="owner/name (repeatable; default: all)")
    p.add_argument("--sandbox", action="store_true", help="run against local fakes with demo data")
    p.set_defaults(func=cmd_sla)


__all__ = [
    "add_commands",
    "cli_settings",
    "open_bot",
    "read_clocks",
    "render_table",
    "sla_rows",
]
