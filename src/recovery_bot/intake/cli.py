"""``recovery-bot inspect``: what the bot sees in one issue body and what it would do.

Loads only the intake rules (and aiohttp for the one PyPI lookup, when not
``--offline``): an operator runs it on one body at a time, so start-up is its cost.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from recovery_bot.app import config_or_default
from recovery_bot.core.pypi_user import PyPIUser
from recovery_bot.intake.decision import decide, gather_facts, inspect_report, with_lookup
from recovery_bot.platform.cli_errors import EXIT_ERROR


def _read_input(name: str) -> str:
    if name == "-":
        data = sys.stdin.buffer.read()
    else:
        data = Path(name).read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{name}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None


async def _lookup(username: str, pypi_url: str, timeout: float) -> PyPIUser:
    import aiohttp

    from recovery_bot.platform.pypi import PyPIClient

    async with aiohttp.ClientSession() as session:
        client = PyPIClient(session, pypi_url, timeout=timeout)
        return await client.lookup(username)


def cmd_inspect(args: argparse.Namespace) -> int:
    config = config_or_default(args.config)
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
        import asyncio

        pypi_url = args.pypi_url or os.environ.get("PYPI_URL") or "https://pypi.org"
        user = asyncio.run(
            _lookup(facts.pypi_lookup_name, pypi_url, config.pypi.timeout.total_seconds())
        )
        facts = with_lookup(facts, user)
    plan = decide(facts, config)
    json.dump(inspect_report(facts, plan), sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    return 0


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("inspect", help="show what the bot sees in an issue body (JSON)")
    p.add_argument("file", help="a file holding the issue body, or - for standard input")
    p.add_argument("--title", default=None, help="the issue title")
    p.add_argument("--label", action="append", help="a label on the issue (repeatable)")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--pypi-url", default=None, help="PyPI base URL (default $PYPI_URL or pypi.org)")
    g.add_argument("--offline", action="store_true", help="do not look the username up")
    p.add_argument("--config", default=None, help="app.yaml (default: $RECOVERY_BOT_CONFIG)")
    p.set_defaults(func=cmd_inspect)
