"""Keeping the journal small and safe: pruning old rows, and backing it up while it runs.

- **Pruning.** Finished rows (done/ignored) are deleted once they are older than
  ``journal.KEEP_FINISHED_SECONDS`` (7 days): at start-up and then hourly
  (``prune_loop``, one of the server's scheduled jobs). Pending, running and failed rows
  are never pruned: they are work still owed. The deletes run in chunks of
  ``PRUNE_CHUNK`` rows with a yield to the event loop between them, so the first prune
  of a journal that was never pruned does not stall deliveries for seconds (20,000
  rows: 1.8 s in total, in ~2 ms steps).
- **Backup** (``backup``, the ``recovery-bot journal backup PATH`` command). SQLite's
  online backup API copies the journal page by page from a separate, read-only
  connection, so it runs beside a live server. The copy is made in **one step inside
  one read transaction**: in WAL mode a reader never blocks the server's writers, and
  the copy is the database exactly as of that transaction's start (a multi-step backup
  would restart every time the server commits, and might never finish under load). It
  is written to a temporary file next to ``PATH``, switched to a single-file rollback
  journal, checked (``quick_check``), and renamed over ``PATH`` only when complete: a
  backup interrupted halfway never leaves a torn file at ``PATH``. Measured: an 84 MB
  journal (20,000 deliveries) copied in 0.74 s while a writer committed every 2 ms; the
  writer's commits stayed at 0.15-0.19 ms median (0.11-0.17 ms without a backup).

  The backup opens the live file read-only and never through ``Journal`` (whose open
  resets rows left ``running``, which would steal the live server's work).
"""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from recovery_bot.platform.journal import KEEP_FINISHED_SECONDS, Journal

if TYPE_CHECKING:
    from recovery_bot.platform.server import Bot

log = logging.getLogger(__name__)

PRUNE_INTERVAL_SECONDS = 3600.0
#: Rows per prune transaction. Measured on 20,000 finished 2.5 KB rows: 100-row steps
#: take 1.9 ms (median; 27 ms at p95, when a step crosses a WAL checkpoint), 500-row
#: steps 32 ms each. An hourly prune deletes an hour of deliveries, one step.
PRUNE_CHUNK = 100
#: The server's journal path when ``$RECOVERY_BOT_DB`` is unset (``server.Settings``).
DEFAULT_DB_PATH = "recovery-bot.sqlite3"
_SQLITE_MAGIC = b"SQLite format 3\x00"


# --- pruning ----------------------------------------------------------------------------


async def prune_old(
    journal: Journal,
    now: float,
    *,
    keep: float = KEEP_FINISHED_SECONDS,
    chunk: int = PRUNE_CHUNK,
) -> int:
    """Delete finished rows received more than ``keep`` seconds before ``now``, in
    transactions of at most ``chunk`` rows; returns how many were deleted."""
    total = 0
    while True:
        n = journal.prune(now - keep, limit=chunk)
        total += n
        if n < chunk:
            return total
        await asyncio.sleep(0)  # let deliveries be journalled between chunks


async def prune_loop(
    bot: Bot,
    *,
    interval: float = PRUNE_INTERVAL_SECONDS,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    runs: int | None = None,
) -> None:
    """Prune at once (start-up), then every ``interval`` seconds; ``runs`` bounds the loop
    for tests. A failed prune (a full disk, a locked file) is logged and retried at the
    next interval: pruning is housekeeping and must never take the server down."""
    done = 0
    while runs is None or done < runs:
        done += 1
        try:
            n = await prune_old(bot.journal, bot.clock())
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning(
                "journal prune failed (%s: %s); next try in %.0fs",
                type(exc).__name__,
                exc,
                interval,
            )
        else:
            if n:
                log.info(
                    "journal: pruned %d finished deliveries older than %.0f days",
                    n,
                    KEEP_FINISHED_SECONDS / 86400,
                )
        if runs is None or done < runs:
            await sleep(interval)


# --- backup -----------------------------------------------------------------------------


class BackupPathError(ValueError):
    """A path the backup cannot use (missing, a directory, not a journal...): one line."""


@dataclass(frozen=True)
class BackupResult:
    source: str
    dest: str
    deliveries: int
    schema_version: int
    size: int

    def summary(self) -> str:
        return (
            f"backed up {self.source} to {self.dest}: {self.deliveries} deliveries, "
            f"schema version {self.schema_version}, {self.size} bytes"
        )


def backup(
    source: str | os.PathLike[str],
    dest: str | os.PathLike[str],
    *,
    before_copy: Callable[[], None] | None = None,
) -> BackupResult:
    """Copy the journal at ``source`` to ``dest`` consistently, even while a server is
    writing to it.

    Raises ``BackupPathError`` for paths that cannot work (nothing is written then);
    ``sqlite3.Error`` / ``OSError`` for failures while copying (a full disk), after
    removing the partial copy. ``before_copy`` runs once the read transaction holds its
    snapshot and before the pages are copied (tests write to the live journal there).
    """
    src_path, dst_path = Path(source), Path(dest)
    _check_paths(src_path, dst_path)
    tmp = dst_path.with_name(f".{dst_path.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)  # left by a backup killed halfway (same pid: reused)
    src = sqlite3.connect(src_path.resolve().as_uri() + "?mode=ro", uri=True)
    try:
        # The read transaction pins the snapshot that is counted and copied.
        src.execute("BEGIN")
        try:
            version, deliveries = _describe(src)
        except sqlite3.DatabaseError as exc:
            raise BackupPathError(f"{source}: not a recovery-bot journal ({exc})") from None
        if before_copy is not None:
            before_copy()
        try:
            dst = sqlite3.connect(tmp)
            try:
                src.backup(dst)  # pages=-1: one step, inside the snapshot above
                # A single self-contained file: no -wal beside the backup.
                dst.execute("PRAGMA journal_mode = DELETE")
                (check,) = dst.execute("PRAGMA quick_check").fetchone()
            finally:
                dst.close()
            if check != "ok":
                raise sqlite3.DatabaseError(f"the copy failed its integrity check: {check}")
            _fsync(tmp)
            os.replace(tmp, dst_path)
            _fsync(dst_path.parent, directory=True)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
    finally:
        src.close()
    return BackupResult(str(source), str(dest), deliveries, version, dst_path.stat().st_size)


def _check_paths(src: Path, dst: Path) -> None:
    """Refuse, before writing anything, every path a backup cannot sensibly use."""
    if not src.exists():
        raise BackupPathError(f"{src}: no journal there (set $RECOVERY_BOT_DB or --db)")
    if not src.is_file():
        raise BackupPathError(f"{src}: not a file")
    if dst.is_dir():
        raise BackupPathError(f"{dst}: is a directory; give a file name")
    if not dst.parent.is_dir():
        raise BackupPathError(f"{dst}: directory {dst.parent} does not exist")
    if dst.exists():
        if os.path.samefile(src, dst):
            raise BackupPathError(f"{dst}: is the journal itself")
        try:
            with dst.open("rb") as f:
                head = f.read(len(_SQLITE_MAGIC))
        except OSError as exc:
            raise BackupPathError(f"{dst}: cannot be read ({exc.strerror})") from None
        if head and head != _SQLITE_MAGIC:
            # An earlier backup is replaced; anything else (a typo naming app.yaml) is not.
            raise BackupPathError(f"{dst}: exists and is not a SQLite database; not replaced")
    if not os.access(dst.parent, os.W_OK):
        raise BackupPathError(f"{dst}: directory {dst.parent} is not writable")


def _describe(con: sqlite3.Connection) -> tuple[int, int]:
    """(schema version, deliveries) of a journal; raises for anything that is not one."""
    (version,) = con.execute("SELECT MAX(version) FROM schema_version").fetchone()
    (deliveries,) = con.execute("SELECT COUNT(*) FROM deliveries").fetchone()
    if version is None:
        raise sqlite3.DatabaseError("no schema version")
    return int(version), int(deliveries)


def _fsync(path: Path, *, directory: bool = False) -> None:
    """Make the file (or a rename in the directory) durable before saying "backed up"."""
    fd = os.open(path, os.O_RDONLY | (os.O_DIRECTORY if directory else 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
