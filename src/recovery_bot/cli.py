"""The ``recovery-bot`` entry point: pick the command, load only its module, run it.

The commands are listed in ``app.COMMANDS`` (name, module, help). ``--help`` lists them
all without importing any; running one imports that command's module alone, which
defines its arguments (``add_commands``) and its function. Errors an operator can fix
(a bad app.yaml, a journal from a newer version) print one line and exit non-zero
instead of a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from recovery_bot.app import COMMANDS
from recovery_bot.core.errors import ConfigError, JournalError
from recovery_bot.platform.cli_errors import EXIT_USAGE


def _chosen(argv: Sequence[str]) -> str | None:
    """The subcommand named on the command line (the first word that is not an option)."""
    for word in argv:
        if not word.startswith("-"):
            return word
    return None


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The argument parser, with the arguments of the command ``argv`` names (all
    commands' arguments when ``argv`` is None: tests and docs use that)."""
    parser = argparse.ArgumentParser(
        prog="recovery-bot",
        description="Triage PyPI account-recovery requests on GitHub.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True)
    chosen = _chosen(argv) if argv is not None else None
    modules = [c.module for c in COMMANDS if argv is None or c.name == chosen]
    for module in dict.fromkeys(modules):  # a module may define several commands
        importlib.import_module(module).add_commands(sub)
    for cmd in COMMANDS:  # the others: name and help only, for --help and error messages
        if cmd.name not in sub.choices:
            sub.add_parser(cmd.name, help=cmd.help, add_help=False)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    from recovery_bot.platform.logs import configure

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
