"""Command-line entry points: ``serve``, ``demo``, ``inspect``, ``sweep``, ``sla``, ``digest``,
``journal backup``.

Each subcommand is a thin shell over the library; errors an operator can fix (a bad
app.yaml, an unreadable file) print one line and exit non-zero instead of a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from recovery_bot.cli_errors import EXIT_ERROR, EXIT_USAGE
from recovery_bot.config import AppConfig, load_config, parse_config
from recovery_bot.errors import ConfigError, JournalError

log = logging.getLogger("recovery_bot")


def _config_or_default(path: str | None) -> AppConfig:
    """app.yaml if given or present (or $RECOVERY_BOT_CONFIG), else built-in defaults."""
    chosen = path or os.environ.get("RECOVERY_BOT_CONFIG")
    if chosen or Path("app.yaml").exists():
        return load_config(chosen or "app.yaml")
    return parse_config({"repositories": ["pypi/support"]}, "(defaults)")


def _read_input(name: str) -> str:
    if name == "-":
        data = sys.stdin.buffer.read()
    else:
        data = Path(name).read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{name}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None


async def _lookup(username: str, pypi_url: str, timeout: float):  # -> PyPIUser
    import aiohttp

    from recovery_bot.pypi import PyPIClient

    async with aiohttp.ClientSession() as session:
        client = PyPIClient(session, pypi_url, timeout=timeout)
        return await client.lookup(username)


def cmd_inspect(args: argparse.Namespace) -> int:
    from recovery_bot.recovery import decide, gather_facts, inspect_report, with_lookup

    config = _config_or_default(args.config)
    try:
        body = _read_input(args.file)
    except OSError as exc:
        print(f"recovery-bot inspect: {args.file}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_ERROR
    except ValueError as exc:
        print(f"recovery-bot inspect: {exc}", file=sys.stderr)
        return EXIT_ERROR
    facts = gather_facts(
        body, title=args.title, labels=args.label or (), form_label=config.labels.form
    )
    if facts.pypi_lookup_name and not args.offline:
        pypi_url = args.pypi_url or os.environ.get("PYPI_URL") or "https://pypi.org"
        user = asyncio.run(
            _lookup(facts.pypi_lookup_name, pypi_url, config.pypi.timeout.total_seconds())
        )
        facts = with_lookup(facts, user)
    plan = decide(facts, config)
    json.dump(inspect_report(facts, plan), sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="recovery-bot",
        description="Triage PyPI account-recovery requests on GitHub.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("inspect", help="show what the bot sees in an issue body (JSON)")
    p.add_argument("file", help="a file holding the issue body, or - for standard input")
    p.add_argument("--title", default=None, help="the issue title")
    p.add_argument("--label", action="append", help="a label on the issue (repeatable)")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--pypi-url", default=None, help="PyPI base URL (default $PYPI_URL or pypi.org)")
    g.add_argument("--offline", action="store_true", help="do not look the username up")
    p.add_argument("--config", default=None, help="app.yaml (default: $RECOVERY_BOT_CONFIG)")
    p.set_defaults(func=cmd_inspect)

    _add_optional_commands(sub)
    return parser


def _add_optional_commands(sub: argparse._SubParsersAction) -> None:
    """Subcommands that live in the shell modules (server, sweep, digest)."""
    try:
        from recovery_bot import cli_shell
    except ModuleNotFoundError:
        return
    cli_shell.add_commands(sub)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    from recovery_bot.logs import configure

    configure(
        logging.DEBUG if args.verbose else logging.INFO,
        getattr(args, "log_format", None) or "plain",
    )
    try:
        return int(args.func(args) or 0)
    except ConfigError as exc:
        print(f"recovery-bot: configuration error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except JournalError as exc:  # e.g. a journal from a newer version: downgrade refused
        print(f"recovery-bot: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
