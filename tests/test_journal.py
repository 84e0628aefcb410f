"""The delivery journal: dedup by GUID, the claim/mark lifecycle, crash recovery."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from recovery_bot.platform.journal import SCHEMA_VERSION, Journal


class Clock:
    def __init__(self, t: float = 1_000_000.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def journal(tmp_path: Path, clock: Clock) -> Iterator[Journal]:
    j = Journal(tmp_path / "journal.db", clock=clock)
    yield j
    j.close()


def rec(j: Journal, guid: str = "g1", number: int | None = 7) -> str:
    return j.record(guid, "issues", "opened", "pypi/support", number, b'{"x": 1}')


def test_record_new_and_get(journal: Journal, clock: Clock) -> None:
    assert rec(journal) == "new"
    d = journal.get("g1")
    assert d is not None
    assert (d.event, d.action, d.repo, d.issue_number) == ("issues", "opened", "pypi/support", 7)
    assert d.payload == b'{"x": 1}'
    assert d.status == "pending" and d.attempts == 0 and d.last_error is None
    assert d.received_at == d.next_attempt_at == clock.t
    assert journal.get("nope") is None


def test_duplicates_keep_one_row(journal: Journal) -> None:
    assert rec(journal) == "new"
    assert rec(journal) == "duplicate_pending"
    journal.claim_ready()
    assert rec(journal) == "duplicate_pending"  # running
    journal.mark_done("g1")
    assert rec(journal) == "duplicate_done"
    assert journal.is_done("g1")
    assert journal.counts()["done"] == 1
    assert sum(journal.counts().values()) == 1


def test_ignored_counts_as_done_for_redelivery(journal: Journal) -> None:
    rec(journal)
    journal.mark_ignored("g1", "sender is a bot")
    assert rec(journal) == "duplicate_done"
    d = journal.get("g1")
    assert d is not None and d.status == "ignored" and d.outcome == "sender is a bot"


def test_claim_marks_running_and_not_claimed_twice(journal: Journal) -> None:
    rec(journal, "a")
    rec(journal, "b")
    claimed = journal.claim_ready()
    assert [d.id for d in claimed] == ["a", "b"]
    assert all(d.status == "running" for d in claimed)
    assert journal.get("a").status == "running"  # type: ignore[union-attr]
    assert journal.claim_ready() == []


def test_claim_limit_and_order(journal: Journal, clock: Clock) -> None:
    for i in range(5):
        clock.t += 1
        rec(journal, f"g{i}")
    assert [d.id for d in journal.claim_ready(limit=2)] == ["g0", "g1"]
    assert [d.id for d in journal.claim_ready(limit=10)] == ["g2", "g3", "g4"]


def test_failed_retried_after_next_attempt_at(journal: Journal, clock: Clock) -> None:
    rec(journal)
    journal.claim_ready()
    journal.mark_failed("g1", "GitHub 502", retry_at=clock.t + 300)
    d = journal.get("g1")
    assert d is not None
    assert (d.status, d.attempts, d.last_error) == ("failed", 1, "GitHub 502")
    assert journal.claim_ready() == []
    clock.t += 299
    assert journal.claim_ready() == []
    clock.t += 1
    (again,) = journal.claim_ready()
    assert again.id == "g1" and again.attempts == 1
    journal.mark_failed("g1", "again", retry_at=clock.t + 600)
    assert journal.get("g1").attempts == 2  # type: ignore[union-attr]
    journal.claim_ready()
    journal.mark_done("g1", outcome="applied")
    d = journal.get("g1")
    assert d is not None and d.status == "done" and d.outcome == "applied"


def test_redelivery_of_failed_makes_it_due_now(journal: Journal, clock: Clock) -> None:
    rec(journal)
    journal.claim_ready()
    journal.mark_failed("g1", "boom", retry_at=clock.t + 3600)
    assert rec(journal) == "duplicate_pending"
    assert [d.id for d in journal.claim_ready()] == ["g1"]


def test_mark_unknown_raises(journal: Journal) -> None:
    with pytest.raises(KeyError):
        journal.mark_done("missing")
    with pytest.raises(KeyError):
        journal.mark_failed("missing", "x", retry_at=0)


def test_crash_recovery_running_rows_become_claimable(tmp_path: Path, clock: Clock) -> None:
    path = tmp_path / "crash.db"
    j = Journal(path, clock=clock)
    rec(j, "a")
    rec(j, "b")
    rec(j, "c")
    assert len(j.claim_ready(limit=2)) == 2
    j.mark_done("a")
    j.close()  # "crash": b is running, c pending, neither marked

    j2 = Journal(path, clock=clock)
    assert j2.counts()["running"] == 0
    assert sorted(d.id for d in j2.claim_ready()) == ["b", "c"]
    assert j2.is_done("a")
    assert j2.record("a", "issues", "opened", None, None, b"{}") == "duplicate_done"
    j2.close()


def test_record_is_committed_before_returning(tmp_path: Path, clock: Clock) -> None:
    """record() commits before returning: another connection (another process after a
    kill -9) sees the row at once."""
    path = tmp_path / "j.db"
    j = Journal(path, clock=clock)
    rec(j)
    other = sqlite3.connect(path)
    assert other.execute("SELECT id, status FROM deliveries").fetchall() == [("g1", "pending")]
    other.close()
    j.close()


def test_wal_mode_and_schema_version(journal: Journal, tmp_path: Path) -> None:
    assert journal.journal_mode() == "wal"
    con = sqlite3.connect(tmp_path / "journal.db")
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert con.execute("SELECT version FROM schema_version").fetchall() == [(SCHEMA_VERSION,)]
    con.close()


def test_refuses_newer_schema(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    Journal(path).close()
    con = sqlite3.connect(path)
    con.execute("UPDATE schema_version SET version = ?", (SCHEMA_VERSION + 1,))
    con.commit()
    con.close()
    with pytest.raises(RuntimeError, match="schema version"):
        Journal(path)


def test_memory_journal_works() -> None:
    j = Journal(":memory:")
    assert j.record("x", "ping", None, None, None, b"{}") == "new"
    assert j.counts()["pending"] == 1
    j.close()


def test_counts_and_known_guids(journal: Journal, clock: Clock) -> None:
    rec(journal, "old")
    clock.t += 100
    rec(journal, "new1")
    rec(journal, "new2")
    journal.claim_ready(limit=1)  # "old" running
    journal.mark_ignored("new2", "not ours")
    assert journal.counts() == {
        "pending": 1,
        "running": 1,
        "done": 0,
        "failed": 0,
        "ignored": 1,
    }
    assert journal.known_guids(since=clock.t) == {"new1": "pending", "new2": "ignored"}
    assert set(journal.known_guids(since=0)) == {"old", "new1", "new2"}


def test_prune_deletes_only_finished_old_rows(journal: Journal, clock: Clock) -> None:
    for guid in ("done-old", "ignored-old", "failed-old", "pending-old"):
        rec(journal, guid)
    journal.claim_ready()
    journal.mark_done("done-old")
    journal.mark_ignored("ignored-old", "x")
    journal.mark_failed("failed-old", "x", retry_at=clock.t + 10)
    journal.mark_failed("pending-old", "x", retry_at=clock.t + 10)
    clock.t += 1000
    rec(journal, "done-new")
    journal.claim_ready(limit=1)
    journal.mark_done("done-new")
    assert journal.prune(older_than=clock.t - 1) == 2
    assert journal.get("done-old") is None and journal.get("ignored-old") is None
    assert journal.get("failed-old") is not None
    assert journal.get("done-new") is not None
    assert journal.prune(older_than=clock.t - 1) == 0


def test_meta(journal: Journal, tmp_path: Path, clock: Clock) -> None:
    assert journal.get_meta("digest.last_week") is None
    journal.set_meta("digest.last_week", "2026-W40")
    journal.set_meta("digest.last_week", "2026-W41")
    assert journal.get_meta("digest.last_week") == "2026-W41"
    journal.close()
    j2 = Journal(tmp_path / "journal.db", clock=clock)
    assert j2.get_meta("digest.last_week") == "2026-W41"
    j2.close()


def test_long_error_is_truncated(journal: Journal, clock: Clock) -> None:
    rec(journal)
    journal.claim_ready()
    journal.mark_failed("g1", "x" * 10_000, retry_at=clock.t)
    assert len(journal.get("g1").last_error or "") == 2000  # type: ignore[union-attr]


def test_wal_is_checkpointed_every_megabyte_or_so(tmp_path: Path) -> None:
    """A checkpoint stalls the commit that triggers it, so they are kept short: the WAL
    is folded back into the database every ~1 MB, not at SQLite's default ~4 MB."""
    j = Journal(tmp_path / "journal.db")
    payload = b"x" * 3300
    for i in range(700):  # ~2.3 MB of payloads, one commit each
        j.record(f"d{i}", "issues", "opened", "pypi/support", i, payload)
    wal = os.path.getsize(str(tmp_path / "journal.db") + "-wal")
    assert 0 < wal < 1.5 * 1024 * 1024
    assert j.counts()["pending"] == 700
    j.close()
