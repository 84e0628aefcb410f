"""``recovery-bot serve`` start-up failures: one line naming the port or the path and
what is wrong, exit code 2, no traceback, no "Unclosed client session", and nothing
started (the digest job used to run before the port was found taken).

Each case runs the real command in a subprocess; the fake GitHub runs in this loop, so
a job that started anyway would show as calls on it. Read-only files and a full disk
are injected (tests may run as root, who can write any file; a full disk needs a
mount), through ``sandbox.full_disk`` in front of ``sqlite3.connect``.
"""

from __future__ import annotations

import asyncio
import os
import socket
import sqlite3
import sys
from pathlib import Path

import pytest

from fixtures_server import SERVER_SECRET

INJECT = """
import sqlite3, sys
from recovery_bot.sandbox.full_disk import FullDisk
disk = FullDisk(message=sys.argv.pop(1))
disk.full = True
real = sqlite3.connect
sqlite3.connect = lambda *a, **k: disk.wrap(real(*a, **k))
from recovery_bot.cli import main
raise SystemExit(main(sys.argv[1:]))
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def serve(
    tmp: Path, github_url: str, db: str, port: int, inject: str | None = None
) -> tuple[int, list[str]]:
    config = tmp / "app.yaml"
    # The digest is due at once (a catch-up): started too early, it would call GitHub.
    config.write_text("repositories: [pypi/support]\ndigest: {enabled: true}\n")
    env = {
        **os.environ,
        "GITHUB_WEBHOOK_SECRET": SERVER_SECRET,
        "GITHUB_TOKEN": "ghs_startup_test",
        "GITHUB_API_URL": github_url,
        "PYPI_URL": github_url,
        "RECOVERY_BOT_DB": db,
    }
    args = ["serve", "--host", "127.0.0.1", "--port", str(port), "--config", str(config)]
    prefix = ["-c", INJECT, inject] if inject else ["-m", "recovery_bot"]
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        *prefix,
        *args,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout=60)
    assert out == b""
    return proc.returncode, err.decode().splitlines()


async def test_port_in_use_is_one_line_and_nothing_started(fake_github, tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, lines = await serve(tmp_path, fake_github.url, str(tmp_path / "j.db"), port)
    assert (code, lines) == (
        2,
        [f"recovery-bot serve: cannot listen on 127.0.0.1:{port}: Address already in use"],
    )
    assert fake_github.calls == []


def _truncated_journal(path: Path) -> None:
    from recovery_bot.platform.journal import Journal

    with Journal(path) as j:
        for i in range(300):
            j.record(f"d{i}", "issues", "opened", "pypi/support", i + 1, b"x" * 2000)
        j._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) * 6 // 10])


READ_ONLY = (
    "is read-only (the file and its directory must be writable: SQLite keeps "
    "-wal and -shm files beside it)"
)
FULL = "the disk is full (free space, then start again)"


@pytest.mark.parametrize(
    ("case", "inject", "what"),
    [
        ("missing-dir", None, "directory {dir}/nowhere does not exist"),
        ("truncated", None, "is corrupt (database disk image is malformed)"),
        ("read-only", "attempt to write a readonly database", READ_ONLY),
        ("full-disk", "database or disk is full", FULL),
    ],
)
async def test_unusable_journal_is_one_line_naming_the_path(
    fake_github, tmp_path, case, inject, what
):
    db = tmp_path / "journal.sqlite3"
    if case == "missing-dir":
        db = tmp_path / "nowhere" / "journal.sqlite3"
    elif case == "truncated":
        _truncated_journal(db)
    code, lines = await serve(tmp_path, fake_github.url, str(db), free_port(), inject)
    assert (code, lines) == (2, [f"recovery-bot serve: journal {db}: " + what.format(dir=tmp_path)])
    assert fake_github.calls == []


@pytest.mark.parametrize(
    ("case", "what"),
    [
        ("not-a-database", "is not a SQLite database (truncated, or another kind of file)"),
        ("a-directory", "is a directory, not a file"),
        ("read-only", READ_ONLY),
        ("full-disk", FULL),
    ],
)
def test_open_journal_says_what_is_wrong_in_one_line(tmp_path, monkeypatch, case, what):
    """The same mapping, in-process, for the cases the subprocesses above do not run."""
    from recovery_bot.platform.journal import JournalUnavailable, open_journal
    from recovery_bot.sandbox.full_disk import FullDisk

    db = tmp_path / "j.db"
    if case == "not-a-database":
        db.write_text("recovery-bot journal? no: a text file " * 40)
    elif case == "a-directory":
        db.mkdir()
    else:
        disk = FullDisk(
            "attempt to write a readonly database"
            if case == "read-only"
            else "database or disk is full"
        )
        disk.full = True
        real = sqlite3.connect
        monkeypatch.setattr(sqlite3, "connect", lambda *a, **k: disk.wrap(real(*a, **k)))
    with pytest.raises(JournalUnavailable) as caught:
        open_journal(db)
    assert str(caught.value) == f"journal {db}: {what}"


def test_open_journal_maps_a_newer_schema_to_one_line(tmp_path):
    from recovery_bot.platform.journal import SCHEMA_VERSION, JournalUnavailable, open_journal

    db = tmp_path / "j.db"
    open_journal(db).close()
    with sqlite3.connect(db) as raw:
        raw.execute("INSERT INTO schema_version (version) VALUES (?)", (SCHEMA_VERSION + 1,))
    raw.close()
    with pytest.raises(JournalUnavailable, match="downgrade refused"):
        open_journal(db)
