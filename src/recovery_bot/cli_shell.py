"""Subcommands that run the shell: ``serve``, ``demo`` (and the feature commands that
register themselves here as their modules exist)."""

from __future__ import annotations

import argparse
import contextlib
import importlib
import logging
import os
import socket

from aiohttp import web

from recovery_bot.cli_errors import EXIT_USAGE, fail
from recovery_bot.config import load_config

log = logging.getLogger("recovery_bot")


def cmd_serve(args: argparse.Namespace) -> int:
    """Start the server. Everything that can fail at start-up is tried first, in an
    order that leaves nothing behind: the port is bound, then the journal opened, and
    only then is anything started (workers, the sweep, the digest). A failure is one line
    naming the port or the path and what is wrong, and exit code 2."""
    from recovery_bot.journal import JournalUnavailable, open_journal
    from recovery_bot.server import create_app, settings_from_environ, tune_gc

    config = load_config(args.config)
    settings = settings_from_environ(sandbox=False)
    try:
        sock = listen(args.host, args.port)
    except OSError as exc:
        return fail("serve", f"cannot listen on {args.host}:{args.port}: "
                    f"{exc.strerror or exc}", EXIT_USAGE)
    try:
        journal = open_journal(settings.db_path)
    except JournalUnavailable as exc:
        sock.close()
        return fail("serve", str(exc), EXIT_USAGE)
    app = create_app(config, settings, dry_run=args.dry_run, journal=journal)
    # aiohttp's access log costs more than half of an acknowledgement's CPU; the bot
    # logs one line per delivery itself (id, event, issue, outcome), so it is opt-in.
    access_log = logging.getLogger("aiohttp.access") if args.access_log else None
    tune_gc()
    web.run_app(
        app, sock=sock, print=None, shutdown_timeout=15, access_log=access_log,
    )
    return 0


def listen(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port`` (what aiohttp would bind, bound first)."""
    family, kind, proto, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
        sock.setblocking(False)
    except BaseException:
        sock.close()
        raise
    return sock


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

    for module in ("recovery_bot.sla_cli", "recovery_bot.digest_cli", "recovery_bot.journal_cli",
                   "recovery_bot.action", "recovery_bot.sandbox_cli"):
        with contextlib.suppress(ModuleNotFoundError):
            importlib.import_module(module).add_commands(sub)


