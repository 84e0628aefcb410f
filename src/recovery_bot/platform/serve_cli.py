"""Subcommands that run the shell: ``serve``, ``demo`` (and the feature commands that
register themselves here as their modules exist)."""

from __future__ import annotations

import argparse
import contextlib
import importlib
import logging
import os

from aiohttp import web

from recovery_bot.core.config import load_config

log = logging.getLogger("recovery_bot")


def cmd_serve(args: argparse.Namespace) -> int:
    from recovery_bot.platform.server import create_app, settings_from_environ, tune_gc

    config = load_config(args.config)
    settings = settings_from_environ(sandbox=False)
    app = create_app(config, settings, dry_run=args.dry_run)
    # aiohttp's access log costs more than half of an acknowledgement's CPU; the bot
    # logs one line per delivery itself (id, event, issue, outcome), so it is opt-in.
    access_log = logging.getLogger("aiohttp.access") if args.access_log else None
    tune_gc()
    web.run_app(
        app, host=args.host, port=args.port, print=None, shutdown_timeout=15,
        access_log=access_log,
    )
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from recovery_bot.demo import run_demo

    return run_demo(args)


def add_log_format(p: argparse.ArgumentParser) -> None:
    """``--log-format plain|json`` for the long-running and unattended commands."""
    p.add_argument(
        "--log-format", choices=("plain", "json"), default="plain",
        help="plain text lines (default) or one JSON object per line for log platforms",
    )


def add_commands(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve", help="run the webhook server")
    p.add_argument("--host", default=os.environ.get("HOST", "0.0.0.0"))
    p.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8080")))
    p.add_argument("--config", default=None, help="app.yaml (default: $RECOVERY_BOT_CONFIG)")
    p.add_argument("--dry-run", action="store_true", help="log plans, write nothing to GitHub")
    p.add_argument("--access-log", action="store_true", help="log every HTTP request")
    add_log_format(p)
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser(
        "demo",
        help="sandbox: run the bot against local GitHub and PyPI stand-ins and show what it does",
    )
    p.add_argument("--config", default=None, help="app.yaml (default: ./app.yaml or built-in)")
    p.add_argument("--fixtures", default=None, help="folder of sample deliveries")
    p.add_argument("--db", default=None, help="SQLite file (default: a temporary one)")
    p.set_defaults(func=cmd_demo)

    for module in ("recovery_bot.sla.cli", "recovery_bot.digest.cli",
                   "recovery_bot.platform.journal_cli", "recovery_bot.action",
                   "recovery_bot.sandbox_cli"):
        with contextlib.suppress(ModuleNotFoundError):
            importlib.import_module(module).add_commands(sub)


