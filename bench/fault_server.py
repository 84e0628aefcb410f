"""``recovery-bot serve`` with a full disk on demand, for bench/bench_faults.py.

Every SQLite connection the process opens is put behind ``sandbox.full_disk.FullDisk``:
``kill -USR1 PID`` fills the disk (every write fails with "database or disk is full",
as when the WAL cannot grow), ``kill -USR2 PID`` frees it. Arguments are those of
``recovery-bot``:

    python bench/fault_server.py serve --host 127.0.0.1 --port 8080 --config app.yaml
"""

from __future__ import annotations

import signal
import sqlite3
import sys
from typing import Any

from recovery_bot.sandbox.full_disk import FullDisk

disk = FullDisk()
_connect = sqlite3.connect


def _wrapped(*args: Any, **kwargs: Any) -> Any:
    return disk.wrap(_connect(*args, **kwargs))


def _set(full: bool) -> Any:
    def handler(signum: int, frame: Any) -> None:
        disk.full = full

    return handler


sqlite3.connect = _wrapped  # type: ignore[assignment]
signal.signal(signal.SIGUSR1, _set(True))
signal.signal(signal.SIGUSR2, _set(False))

from recovery_bot.cli import main  # noqa: E402 - after the patch, on purpose

sys.exit(main(sys.argv[1:]))
