"""``recovery-bot serve``: the webhook server with every feature (``app.create_app``)."""

from __future__ import annotations

import argparse
import logging
import os
import socket

from recovery_bot.app import create_app, load_config
from recovery_bot.platform.logs import add_log_format

log = logging.getLogger("recovery_bot")


def cmd_serve(args: argparse.Namespace) -> int:
    """Start the server. Everything that can fail at start-up is tried first, in an
    order that leaves nothing behind: the port is bound, then the journal opened, and
    only then is anything started (workers, the sweep, the digest). A failure is one line
    naming the port or the path and what is wrong, and exit code 2."""
    from aiohttp import web

    from recovery_bot.platform.cli_errors import EXIT_USAGE, fail
    from recovery_bot.platform.journal import JournalUnavailable, open_journal
    from recovery_bot.platform.server import settings_from_environ, tune_gc

    config = load_config(args.config)
    settings = settings_from_environ(sandbox=False)
    try:
        sock = listen(args.host, args.port)
    except OSError as exc:
        return fail(
            "serve", f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}", EXIT_USAGE
        )
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
        app,
        sock=sock,
        print=None,
        shutdown_timeout=15,
        access_log=access_log,
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


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("serve", help="run the webhook server")
    p.add_argument("--host", default=os.environ.get("HOST", "0.0.0.0"))
    p.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8080")))
    p.add_argument("--config", default=None, help="app.yaml (default: $RECOVERY_BOT_CONFIG)")
    p.add_argument("--dry-run", action="store_true", help="log plans, write nothing to GitHub")
    p.add_argument("--access-log", action="store_true", help="log every HTTP request")
    add_log_format(p)
    p.set_defaults(func=cmd_serve)
