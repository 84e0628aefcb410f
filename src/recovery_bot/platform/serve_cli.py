"""``recovery-bot serve``: the webhook server with every feature (``app.create_app``)."""

from __future__ import annotations

import argparse
import logging
import os

from recovery_bot.app import create_app, load_config
from recovery_bot.platform.logs import add_log_format

log = logging.getLogger("recovery_bot")


def cmd_serve(args: argparse.Namespace) -> int:
    from aiohttp import web

    from recovery_bot.platform.server import settings_from_environ, tune_gc

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


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("serve", help="run the webhook server")
    p.add_argument("--host", default=os.environ.get("HOST", "0.0.0.0"))
    p.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8080")))
    p.add_argument("--config", default=None, help="app.yaml (default: $RECOVERY_BOT_CONFIG)")
    p.add_argument("--dry-run", action="store_true", help="log plans, write nothing to GitHub")
    p.add_argument("--access-log", action="store_true", help="log every HTTP request")
    add_log_format(p)
    p.set_defaults(func=cmd_serve)
