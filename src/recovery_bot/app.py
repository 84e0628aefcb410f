"""Composition: which features the bot has, in one place.

Every feature is registered here by a plain import, and nowhere else: the config
sections (:data:`SECTIONS`), the routers for webhook events (:func:`compose_router`),
the scheduled jobs (:func:`scheduled_jobs`) and the command-line commands
(:data:`COMMANDS`). ``platform/`` (server, journal, clients) imports no feature; it is
handed the router and the jobs by :func:`create_app`. So every import points down
(entry -> app -> features -> platform -> core), and a feature whose import breaks fails
start-up and the tests loudly instead of silently vanishing.

Start-up cost is kept where it is used: the routers and jobs are imported when a server
is built, and a command's module only when that command runs (``cli.main``), so
``recovery-bot inspect`` does not load aiohttp, the server or the other commands.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from recovery_bot.commands.config import parse_commands_config
from recovery_bot.core import config as _config
from recovery_bot.core.config import AppConfig, SectionParser
from recovery_bot.digest.config import parse_digest_config
from recovery_bot.sla.config import parse_sla_config

if TYPE_CHECKING:
    from aiohttp import web
    from gidgethub import routing

    from recovery_bot.platform.server import Bot, Settings

# --------------------------------------------------------------------------- config

#: The features' app.yaml sections and their parsers, in parse order.
SECTIONS: Mapping[str, SectionParser] = {
    "sla": parse_sla_config,
    "commands": parse_commands_config,
    "digest": parse_digest_config,
}


def parse_config(data: Any, file: str = "app.yaml") -> AppConfig:
    """app.yaml's parsed YAML -> AppConfig with every feature's section."""
    return _config.parse_config(data, file, SECTIONS)


def load_config(path: str | os.PathLike[str] | None = None) -> AppConfig:
    """Read app.yaml (``path``, else ``$RECOVERY_BOT_CONFIG``, else ./app.yaml)."""
    return _config.load_config(path, SECTIONS)


def config_or_default(path: str | None) -> AppConfig:
    """app.yaml if given or present (or $RECOVERY_BOT_CONFIG), else built-in defaults."""
    chosen = path or os.environ.get("RECOVERY_BOT_CONFIG")
    if chosen or Path("app.yaml").exists():
        return load_config(chosen or "app.yaml")
    return parse_config({"repositories": ["pypi/support"]}, "(defaults)")


# --------------------------------------------------------------------------- webhooks


def compose_router() -> routing.Router:
    """One gidgethub router per feature, composed here (as python/bedevere does)."""
    from gidgethub import routing

    from recovery_bot.commands.handler import router as commands_router
    from recovery_bot.intake.handler import router as intake_router

    return routing.Router(intake_router, commands_router)


def scheduled_jobs(bot: Bot) -> list[tuple[str, Any]]:
    """The periodic jobs a server runs beside its workers, as ``(name, coroutine)``.

    Journal pruning runs in every mode (it touches only the local file); redelivery of
    missed webhooks needs App credentials; the SLA sweep and the weekly digest run
    unless this is the sandbox, which drives everything itself.
    """
    from recovery_bot.digest.post import digest_loop
    from recovery_bot.platform.journal_upkeep import prune_loop
    from recovery_bot.platform.redeliver import redeliver_loop
    from recovery_bot.sla.sweep import sweep_loop

    jobs: list[tuple[str, Any]] = []
    if getattr(bot.settings.auth, "app_id", None):
        jobs.append(("redeliver", redeliver_loop(bot)))
    jobs.append(("journal-prune", prune_loop(bot)))
    if bot.settings.sandbox:
        return jobs
    if bot.config.sla is not None:
        jobs.append(("sla-sweep", sweep_loop(bot)))
    if bot.config.digest is not None and bot.config.digest.enabled:
        jobs.append(("digest", digest_loop(bot)))
    return jobs


def create_app(config: AppConfig, settings: Settings, **options: Any) -> web.Application:
    """The webhook server with every feature's router and job (``server.create_app``)."""
    from recovery_bot.platform.server import create_app as create_server

    return create_server(config, settings, router=compose_router(), jobs=scheduled_jobs, **options)


# --------------------------------------------------------------------------- commands


@dataclass(frozen=True)
class Command:
    """One ``recovery-bot`` subcommand: its name, one-line help, and the module whose
    ``add_commands(subparsers)`` defines its arguments. The module is imported only when
    the command runs (``cli.main``), so one command never pays for another's imports."""

    name: str
    module: str
    help: str


COMMANDS: tuple[Command, ...] = (
    Command("inspect", "recovery_bot.intake.cli", "show what the bot sees in an issue body (JSON)"),
    Command("serve", "recovery_bot.platform.serve_cli", "run the webhook server"),
    Command(
        "demo",
        "recovery_bot.demo",
        "sandbox: run the bot against local GitHub and PyPI stand-ins and show what it does",
    ),
    Command(
        "sweep",
        "recovery_bot.sla.cli",
        "run one SLA sweep: labels, reminders, closes, missed triage, queue positions",
    ),
    Command(
        "sla",
        "recovery_bot.sla.cli",
        "print the SLA clock of every open issue (number, age, whose move, due, state)",
    ),
    Command(
        "digest",
        "recovery_bot.digest.cli",
        "post (or with --dry-run print) the weekly backlog digest",
    ),
    Command(
        "journal", "recovery_bot.platform.journal_cli", "look after the delivery journal (SQLite)"
    ),
    Command(
        "action",
        "recovery_bot.action",
        "GitHub Actions mode: handle the workflow's one event (or run the schedule)",
    ),
    Command(
        "sandbox",
        "recovery_bot.sandbox_cli",
        "run the real server against local fakes of GitHub and PyPI until Ctrl-C",
    ),
)
