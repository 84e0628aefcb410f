"""``recovery-bot journal backup PATH``: a consistent copy of the live journal.

An extension of the runtime contract in DESIGN.md (which names ``serve``, ``inspect``,
``action`` and ``sandbox``): operators need a way to copy the SQLite file while the
server runs, and ``cp`` of a WAL database is not one (it can miss the -wal file or
catch a page mid-write). Exit codes follow ``cli_errors``: 0 copied, 2 a path that
cannot work (nothing written), 1 the copy itself failed (a full disk; nothing left at
PATH).
"""

from __future__ import annotations

import argparse
import os
import sqlite3

from recovery_bot.platform.cli_errors import EXIT_ERROR, EXIT_USAGE, fail
from recovery_bot.platform.journal_upkeep import DEFAULT_DB_PATH, BackupPathError, backup


def cmd_journal_backup(args: argparse.Namespace) -> int:
    source = args.db or os.environ.get("RECOVERY_BOT_DB") or DEFAULT_DB_PATH
    try:
        result = backup(source, args.path)
    except BackupPathError as exc:
        return fail("journal backup", str(exc), EXIT_USAGE)
    except (sqlite3.Error, OSError) as exc:
        what = getattr(exc, "strerror", None) or str(exc)
        return fail("journal backup", f"{args.path}: backup failed: {what}", EXIT_ERROR)
    print(result.summary())
    return 0


def add_commands(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("journal", help="look after the delivery journal (SQLite)")
    jsub = p.add_subparsers(dest="journal_command", required=True)
    b = jsub.add_parser(
        "backup",
        help="copy the journal consistently, also while the server runs",
        description="Copy the journal to PATH with SQLite's online backup API: safe "
        "while `serve` runs; PATH is replaced only once the copy is complete.",
    )
    b.add_argument("path", metavar="PATH", help="the backup file to write (or replace)")
    b.add_argument(
        "--db",
        default=None,
        help=f"the journal to copy (default: $RECOVERY_BOT_DB, else {DEFAULT_DB_PATH})",
    )
    b.set_defaults(func=cmd_journal_backup)
