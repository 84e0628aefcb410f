"""The journal's lifecycle (issue #11 item 12): old rows are pruned at start-up and
hourly, a consistent backup can be taken while the server writes, and a journal from
another version is upgraded in place or, if newer, refused in one line."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from recovery_bot.app import create_app, parse_config
from recovery_bot.cli import main
from recovery_bot.platform import journal as journal_mod
from recovery_bot.platform import journal_upkeep
from recovery_bot.platform.github import TokenAuth
from recovery_bot.platform.journal import (
    KEEP_FINISHED_SECONDS,
    SCHEMA_VERSION,
    Journal,
    JournalError,
)
from recovery_bot.platform.journal_upkeep import backup, prune_loop, prune_old
from recovery_bot.platform.server import BOT_KEY, Settings

DAY = 86400.0
T0 = 2_000_000_000.0


class Clock:
    def __init__(self, t: float = T0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def rec(j: Journal, guid: str, payload: bytes = b'{"x": 1}') -> None:
    j.record(guid, "issues", "opened", "pypi/support", 7, payload)


def finish(j: Journal, guid: str, how: str) -> None:
    """Claim ``guid`` alone and end it ``how`` (done / ignored / failed / running)."""
    claimed = [d.id for d in j.claim_ready(limit=1)]
    assert claimed == [guid]
    if how == "done":
        j.mark_done(guid)
    elif how == "ignored":
        j.mark_ignored(guid, "not ours")
    elif how == "failed":
        j.mark_failed(guid, "boom", retry_at=T0 + 10 * DAY)


def seed_ages(path: Path, clock: Clock, *, pending: bool = True) -> None:
    """One row per (age, status) pair the pruning rules distinguish (a running server
    would process the pending one at once: ``pending=False`` leaves it out)."""
    j = Journal(path, clock=clock)
    for guid, age, how in [
        ("done-8d", 8, "done"),
        ("ignored-8d", 8, "ignored"),
        ("failed-8d", 8, "failed"),
        ("done-6d", 6, "done"),
        ("pending-8d", 8, "pending"),  # last: claims above take the oldest first
    ][: None if pending else -1]:
        clock.t = T0 - age * DAY
        rec(j, guid)
        if how != "pending":
            finish(j, guid, how)
    j.close()
    clock.t = T0


def ids(path: Path) -> set[str]:
    con = sqlite3.connect(path)
    try:
        return {r[0] for r in con.execute("SELECT id FROM deliveries")}
    finally:
        con.close()


# --- pruning ----------------------------------------------------------------------------


def test_finished_rows_outlast_githubs_delivery_log() -> None:
    # The missed-delivery sweep compares GitHub's log (3 days at most, enforced by the
    # config) with the journal: a pruned GUID inside that window would be redone.
    assert KEEP_FINISHED_SECONDS == 7 * DAY
    with pytest.raises(Exception, match="3 days at most"):
        parse_config(
            {"repositories": ["pypi/support"], "github": {"redeliver_window": "4d"}}, "a.yaml"
        )


async def test_prune_loop_prunes_at_once_then_every_hour(tmp_path: Path) -> None:
    clock = Clock()
    path = tmp_path / "j.db"
    seed_ages(path, clock)
    j = Journal(path, clock=clock)
    bot = SimpleNamespace(journal=j, clock=clock)
    seen: list[tuple[float, set[str]]] = []

    async def sleep(seconds: float) -> None:
        seen.append((seconds, ids(path)))
        clock.t += 2 * DAY  # the next run finds done-6d past the week

    await prune_loop(bot, sleep=sleep, runs=2)
    # first run, before any sleep: only finished rows older than a week went
    assert seen == [(3600.0, {"failed-8d", "pending-8d", "done-6d"})]
    assert ids(path) == {"failed-8d", "pending-8d"}  # work still owed is never pruned
    j.close()


async def test_prune_goes_in_short_transactions(tmp_path: Path) -> None:
    clock = Clock(T0 - 8 * DAY)
    calls: list[int] = []

    class Counting(Journal):
        def prune(self, older_than: float, *, limit: int | None = None) -> int:
            n = super().prune(older_than, limit=limit)
            calls.append(n)
            return n

    j = Counting(tmp_path / "j.db", clock=clock)
    for i in range(1200):
        rec(j, f"d{i}")
    for d in j.claim_ready(limit=1200):
        j.mark_done(d.id)
    assert await prune_old(j, T0, chunk=500) == 1200
    assert calls == [500, 500, 200]
    assert j.counts()["done"] == 0
    j.close()


async def test_prune_failure_is_logged_and_the_loop_goes_on(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    class Full:
        def prune(self, older_than: float, *, limit: int | None = None) -> int:
            raise sqlite3.OperationalError("database or disk is full")

    sleeps: list[float] = []

    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)

    await prune_loop(SimpleNamespace(journal=Full(), clock=Clock()), sleep=sleep, runs=2)
    assert sleeps == [3600.0]
    assert [r.getMessage() for r in caplog.records if r.name == journal_upkeep.__name__] == [
        "journal prune failed (OperationalError: database or disk is full); next try in 3600s"
    ] * 2


async def test_the_server_prunes_the_journal_at_start_up(
    aiohttp_client: Any, fake_github: Any, fake_pypi: Any, tmp_path: Path
) -> None:
    clock = Clock()
    path = tmp_path / "journal.sqlite3"
    seed_ages(path, clock, pending=False)
    settings = Settings(
        webhook_secret="s",
        github_api_url=fake_github.url,
        pypi_url=fake_pypi.url,
        db_path=str(path),
        auth=TokenAuth("t"),
    )
    config = parse_config(
        {"repositories": ["pypi/support"], "digest": {"enabled": False}}, "app.yaml"
    )
    app = create_app(config, settings, clock=clock, run_jobs=True)
    client = await aiohttp_client(app)
    bot = client.server.app[BOT_KEY]
    for _ in range(200):  # the prune job's first run is its first step
        if bot.journal.get("done-8d") is None:
            break
        await asyncio.sleep(0.01)
    assert ids(path) == {"failed-8d", "done-6d"}
    assert fake_github.calls == []  # the sweep waits; nothing else ran


# --- backup -----------------------------------------------------------------------------


def test_backup_is_the_journal_as_of_its_start_while_the_server_writes(
    tmp_path: Path,
) -> None:
    live = tmp_path / "live.db"
    j = Journal(live)
    for i in range(200):
        rec(j, f"d{i}", b"x" * 2000)

    def server_writes() -> None:
        # Writers are not blocked by the backup's read transaction (WAL), and what they
        # write is not in the copy: the copy is one consistent snapshot.
        for i in range(200, 500):
            rec(j, f"d{i}", b"y" * 2000)

    dest = tmp_path / "backup.db"
    result = backup(live, dest, before_copy=server_writes)
    assert (result.deliveries, result.schema_version) == (200, SCHEMA_VERSION)
    assert result.summary() == (
        f"backed up {live} to {dest}: 200 deliveries, schema version {SCHEMA_VERSION}, "
        f"{dest.stat().st_size} bytes"
    )
    assert ids(dest) == {f"d{i}" for i in range(200)}
    assert j.counts()["pending"] == 500
    con = sqlite3.connect(dest)
    assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert con.execute("PRAGMA journal_mode").fetchone() == ("delete",)  # one file
    con.close()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("backup")) == [
        "backup.db"
    ]
    restored = Journal(dest)  # a backup is a journal the bot can start from
    assert restored.counts()["pending"] == 200
    restored.close()
    j.close()


def test_backups_taken_during_a_stream_of_commits_are_each_consistent(
    tmp_path: Path,
) -> None:
    live = tmp_path / "live.db"
    j = Journal(live)
    stop = threading.Event()
    written: list[int] = []

    def writer() -> None:
        i = 0
        while not stop.is_set():
            rec(j, f"d{i:06d}", b"z" * 1500)
            written.append(i)
            i += 1

    t = threading.Thread(target=writer)
    t.start()
    try:
        while len(written) < 50:
            stop.wait(0.001)
        sizes = []
        for n in range(3):
            dest = tmp_path / f"b{n}.db"
            res = backup(live, dest)
            got = sorted(ids(dest))
            # commits are one row each, in order: a consistent copy holds a prefix
            assert got == [f"d{i:06d}" for i in range(len(got))]
            assert len(got) == res.deliveries
            sizes.append(len(got))
    finally:
        stop.set()
        t.join()
    assert sizes == sorted(sizes) and sizes[0] >= 50
    j.close()


def test_backup_leaves_the_live_journal_alone(tmp_path: Path) -> None:
    live = tmp_path / "live.db"
    j = Journal(live)
    rec(j, "a")
    j.claim_ready()  # the server is working on "a"
    backup(live, tmp_path / "b.db")
    # Opening through Journal would have reset "running" to "pending": stealing the
    # live server's work. The backup reads through its own read-only connection.
    assert j.get("a").status == "running"  # type: ignore[union-attr]
    con = sqlite3.connect(tmp_path / "b.db")
    assert con.execute("SELECT status FROM deliveries").fetchall() == [("running",)]
    con.close()
    j.close()


def test_an_earlier_backup_is_replaced(tmp_path: Path) -> None:
    live = tmp_path / "live.db"
    j = Journal(live)
    rec(j, "a")
    dest = tmp_path / "b.db"
    backup(live, dest)
    rec(j, "b")
    assert backup(live, dest).deliveries == 2
    assert ids(dest) == {"a", "b"}
    j.close()


def test_a_failed_copy_leaves_nothing_at_the_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    live = tmp_path / "live.db"
    Journal(live).close()

    def no_space(src: Any, dst: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(journal_upkeep.os, "replace", no_space)
    with pytest.raises(OSError, match="No space"):
        backup(live, tmp_path / "b.db")
    # neither b.db nor the temporary copy beside it is left
    assert [p.name for p in tmp_path.iterdir() if not p.name.startswith("live.db")] == []


def run_cli(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "recovery_bot", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=60,
        env={**os.environ, **(env or {})},
    )


def test_cli_backup_reads_recovery_bot_db_and_prints_one_line(tmp_path: Path) -> None:
    j = Journal(tmp_path / "live.db")
    rec(j, "a")
    out = run_cli("journal", "backup", "copy.db", cwd=tmp_path, env={"RECOVERY_BOT_DB": "live.db"})
    j.close()
    assert out.returncode == 0, out.stderr
    size = (tmp_path / "copy.db").stat().st_size
    assert out.stdout == (
        f"backed up live.db to copy.db: 1 deliveries, schema version {SCHEMA_VERSION}, "
        f"{size} bytes\n"
    )
    assert ids(tmp_path / "copy.db") == {"a"}


@pytest.mark.parametrize(
    ("db", "dest", "line"),
    [
        ("live.db", "missing/b.db", "missing/b.db: directory missing does not exist"),
        ("live.db", "folder", "folder: is a directory; give a file name"),
        ("live.db", "notes.txt", "notes.txt: exists and is not a SQLite database; not replaced"),
        ("live.db", "live.db", "live.db: is the journal itself"),
        ("nope.db", "b.db", "nope.db: no journal there (set $RECOVERY_BOT_DB or --db)"),
        ("notes.txt", "b.db", "notes.txt: not a recovery-bot journal (file is not a database)"),
        (
            "other.db",
            "b.db",
            "other.db: not a recovery-bot journal (no such table: schema_version)",
        ),
    ],
)
def test_cli_backup_bad_paths_are_one_line_and_exit_2(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    db: str,
    dest: str,
    line: str,
) -> None:
    Journal(tmp_path / "live.db").close()
    (tmp_path / "folder").mkdir()
    (tmp_path / "notes.txt").write_text("keep me\n")
    other = sqlite3.connect(tmp_path / "other.db")
    other.execute("CREATE TABLE t (x)")
    other.close()
    monkeypatch.chdir(tmp_path)
    assert main(["journal", "backup", "--db", db, dest]) == 2
    out = capsys.readouterr()
    assert out.err == f"recovery-bot journal backup: {line}\n"
    assert out.out == ""
    assert (tmp_path / "notes.txt").read_text() == "keep me\n"
    assert not (tmp_path / "b.db").exists()


# --- upgrades and downgrades ------------------------------------------------------------


def newer(path: Path, version: int = SCHEMA_VERSION + 1) -> None:
    """A journal as a later recovery-bot would leave it, with a row mid-delivery."""
    j = Journal(path)
    rec(j, "a")
    j.claim_ready()
    j.close()
    con = sqlite3.connect(path)
    con.execute("UPDATE schema_version SET version = ?", (version,))
    con.commit()
    con.close()


def test_a_newer_journal_is_refused_in_one_line_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    newer(path)
    with pytest.raises(JournalError) as err:
        Journal(path)
    assert str(err.value) == (
        f"journal {path} has schema version {SCHEMA_VERSION + 1}; this recovery-bot "
        f"understands up to {SCHEMA_VERSION} (downgrade refused: run the newer version, "
        "or restore a backup made before the upgrade)"
    )
    con = sqlite3.connect(path)
    assert con.execute("SELECT version FROM schema_version").fetchall() == [(SCHEMA_VERSION + 1,)]
    assert con.execute("SELECT status FROM deliveries").fetchall() == [("running",)]
    con.close()


def test_serve_refuses_a_newer_journal_with_one_line_and_exit_2(tmp_path: Path) -> None:
    newer(tmp_path / "j.db")
    (tmp_path / "app.yaml").write_text("repositories: [pypi/support]\n")
    out = run_cli(
        "serve",
        "--port",
        "0",
        "--config",
        "app.yaml",
        cwd=tmp_path,
        env={"GITHUB_WEBHOOK_SECRET": "s", "GITHUB_TOKEN": "t", "RECOVERY_BOT_DB": "j.db"},
    )
    assert out.returncode == 2
    assert "Traceback" not in out.stderr
    assert (
        f"recovery-bot serve: journal j.db has schema version {SCHEMA_VERSION + 1}; this "
        f"recovery-bot understands up to {SCHEMA_VERSION} (downgrade refused: run the newer "
        "version, or restore a backup made before the upgrade)"
    ) in out.stderr.splitlines()


def test_an_older_journal_is_upgraded_in_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "old.db"
    j = Journal(path)
    rec(j, "a")
    j.close()
    monkeypatch.setattr(journal_mod, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    monkeypatch.setattr(
        journal_mod,
        "_MIGRATIONS",
        {SCHEMA_VERSION: ("ALTER TABLE deliveries ADD COLUMN note TEXT",)},
    )
    j = Journal(path)
    assert j.get("a") is not None
    j.close()
    con = sqlite3.connect(path)
    assert con.execute("SELECT version FROM schema_version").fetchall() == [(SCHEMA_VERSION + 1,)]
    assert con.execute("SELECT id, note FROM deliveries").fetchall() == [("a", None)]
    con.close()


def test_an_upgrade_without_a_step_is_refused_and_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "old.db"
    Journal(path).close()
    monkeypatch.setattr(journal_mod, "SCHEMA_VERSION", SCHEMA_VERSION + 2)
    monkeypatch.setattr(
        journal_mod,
        "_MIGRATIONS",
        {SCHEMA_VERSION: ("ALTER TABLE deliveries ADD COLUMN note TEXT",)},
    )
    with pytest.raises(JournalError) as err:
        Journal(path)
    assert str(err.value) == (
        f"journal {path} has schema version {SCHEMA_VERSION}; this recovery-bot cannot "
        f"upgrade it to {SCHEMA_VERSION + 2} (no step from {SCHEMA_VERSION + 1})"
    )
    con = sqlite3.connect(path)
    assert con.execute("SELECT version FROM schema_version").fetchall() == [(SCHEMA_VERSION,)]
    columns = [r[1] for r in con.execute("PRAGMA table_info(deliveries)")]
    assert "note" not in columns  # the first step was rolled back with the rest
    con.close()
