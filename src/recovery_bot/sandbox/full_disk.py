"""A full disk for the journal, on demand: tests and bench/bench_faults.py switch it on
and off without a tmpfs (which needs mount privileges).

``FullDisk.install(journal)`` puts a thin proxy in front of the journal's SQLite
connection. While ``full`` is set, every statement that would write (INSERT, UPDATE,
DELETE, COMMIT) raises ``sqlite3.OperationalError("database or disk is full")``, which
is what SQLite raises when the WAL cannot grow; reads, BEGIN and ROLLBACK still work,
as they do on a real full disk. Nothing is written while full, so nothing half-written
is left behind, exactly like a failed commit.
"""

from __future__ import annotations

import re
import sqlite3
from typing import Any

_WRITE = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE|COMMIT|CREATE|DROP)\b", re.IGNORECASE)


class FullDisk:
    """The switch; ``failures`` counts the writes it refused."""

    def __init__(self, message: str = "database or disk is full") -> None:
        # ``message``: what SQLite says; "attempt to write a readonly database" makes
        # this a read-only file instead (root, as tests may run, can write any file).
        self.message = message
        self.full = False
        self.failures = 0

    def install(self, journal: Any) -> FullDisk:
        journal._db = self.wrap(journal._db)
        return self

    def check(self, sql: str) -> None:
        if self.full and _WRITE.match(sql):
            self.failures += 1
            raise sqlite3.OperationalError(self.message)

    def wrap(self, db: sqlite3.Connection) -> Any:
        """``db`` behind the switch (for a ``sqlite3.connect`` replacement)."""
        return _Connection(db, self)


class _Connection:
    def __init__(self, db: sqlite3.Connection, disk: FullDisk) -> None:
        self._db = db
        self._disk = disk

    def execute(self, sql: str, *args: Any) -> sqlite3.Cursor:
        self._disk.check(sql)
        return self._db.execute(sql, *args)

    def executemany(self, sql: str, *args: Any) -> sqlite3.Cursor:
        self._disk.check(sql)
        return self._db.executemany(sql, *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._db, name)
