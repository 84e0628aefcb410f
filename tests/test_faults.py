"""The server under faults: a full disk, hostile clients, deleted issues, GitHub
refusing, and a blip (issue #11). Real HTTP on 127.0.0.1 against the loopback fakes;
the full disk is ``sandbox.full_disk.FullDisk`` in front of the journal's connection."""

from __future__ import annotations

import asyncio
import logging
import re
import sqlite3
import time

import pytest

from fixtures_bodies import recovery_body as t4
from fixtures_server import bot_config, start_bot_server
from recovery_bot.platform import metrics
from recovery_bot.platform.applier import marker_for
from recovery_bot.sandbox.full_disk import FullDisk

REPO = "pypi/support"
BOT = "recovery-bot[bot]"
TAG = marker_for("recovery-bot")


def new_issue(server, body: str, *, user: str = "reporter") -> int:
    server.github.add_user(user)
    return server.github.add_issue(
        REPO,
        title="Account recovery request",
        body=body,
        user=user,
        labels=("account-recovery",),
    )["number"]


def bot_comments(server, number: int) -> list[dict]:
    return [c for c in server.github.comments(REPO, number) if c["user"]["login"] == BOT]


def journal(server) -> dict[str, int]:
    return {k: v for k, v in server.bot.journal.counts().items() if v}


def counter(event: str, outcome: str) -> float:
    return metrics.DELIVERIES.labels(event, outcome)._value.get()


async def wait_for(predicate, what: str, tries: int = 500) -> None:
    for _ in range(tries):
        if predicate():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"timed out waiting for {what}")


async def health(server) -> tuple[int, dict]:
    resp = await server.client.get("/healthz")
    return resp.status, await resp.json()


# --- 1. full disk ------------------------------------------------------------------


async def test_full_disk_answers_503_healthz_unhealthy_and_work_resumes_after(bot_server):
    s = bot_server
    disk = FullDisk().install(s.bot.journal)
    first = new_issue(s, t4("bob@example.com"))
    second = new_issue(s, t4("bob@example.com"), user="other")
    # The first delivery's comment reaches GitHub, then the disk fills before the
    # worker records the delivery as done: the worst moment.
    s.github.delay("POST", f"/repos/{REPO}/issues/{first}/comments", 0.3, after=True)
    status, _ = await s.post("issues", s.github.webhook_payload("issues", "opened", REPO, first))
    assert status == 202
    await wait_for(lambda: bot_comments(s, first), "the first comment")
    disk.full = True
    # GitHub answers the comment; the worker's next step is to record the delivery done.
    await wait_for(lambda: s.github.in_flight == 0 and disk.failures >= 1, "the full disk")

    code, body = await health(s)
    assert code == 503
    assert body["status"] == "unhealthy"
    assert body["problems"] == ["journal cannot be written: database or disk is full"]
    payload = s.github.webhook_payload("issues", "opened", REPO, second)
    status, answer = await s.post("issues", payload, guid="second")
    assert (status, answer) == (503, {"error": "could not record the delivery; please redeliver"})
    assert s.bot.dead_tasks() == []

    disk.full = False
    code, body = await health(s)
    assert (code, body["status"], body["problems"]) == (200, "ok", [])
    # GitHub shows the 503 as failed; redelivered (same GUID), it is accepted now.
    status, _ = await s.post("issues", payload, guid="second")
    assert status == 202
    await s.settle()
    assert journal(s) == {"done": 2}
    assert [len(bot_comments(s, n)) for n in (first, second)] == [1, 1]
    assert s.bot.dead_tasks() == []


async def test_workers_and_dispatcher_survive_any_exception(bot_server, monkeypatch):
    s = bot_server
    n = new_issue(s, t4("`alice`"))
    calls = []
    real = s.bot.run_delivery

    async def flaky(d):
        calls.append(d.id)
        if len(calls) <= 8:  # more failures than there are workers (4)
            raise RuntimeError("boom")
        await real(d)

    monkeypatch.setattr(s.bot, "run_delivery", flaky)
    await s.post("issues", s.github.webhook_payload("issues", "opened", REPO, n))
    await s.settle()
    assert len(calls) == 9
    assert journal(s) == {"done": 1}
    assert s.bot.dead_tasks() == []
    code, body = await health(s)
    assert (code, body["status"]) == (200, "ok")


async def test_healthz_is_503_when_a_worker_is_not_running(bot_server):
    s = bot_server
    task = s.bot._core["worker-0"]
    task.cancel()
    await asyncio.wait([task])
    code, body = await health(s)
    assert (code, body["problems"]) == (503, ["not running: worker-0"])


# --- 2. memory held by unverified requests ------------------------------------------


async def test_unverified_bytes_are_capped_and_the_rest_answered_503_unread(
    aiohttp_client, fake_github, fake_pypi, tmp_path
):
    config = bot_config(server={"max_body_bytes": 40_000, "max_unverified_bytes": 50_000})
    s = await start_bot_server(
        aiohttp_client, fake_github, fake_pypi, str(tmp_path / "j.db"), config
    )
    go_on = asyncio.Event()

    async def slow_body():
        yield b"x" * 1000
        await go_on.wait()
        yield b"x" * 29_000

    headers = {
        "Content-Length": "30000",
        "X-GitHub-Event": "issues",
        "X-GitHub-Delivery": "slow",
        "Content-Type": "application/json",
    }
    slow = asyncio.create_task(s.client.post("/webhook", data=slow_body(), headers=headers))
    await wait_for(lambda: s.bot.unverified.used == 30_000, "the slow body to be reserved")
    # 30,000 + 30,000 > 50,000: refused before a byte of it is read.
    status, answer = await s.post("issues", None, raw=b"y" * 30_000, sign=False)
    assert (status, answer) == (
        503,
        {"error": "too many unverified request bytes in flight; try again"},
    )
    # A small body (as GitHub's are) still finds room: the last quarter is theirs.
    n = new_issue(s, t4("`alice`"))
    status, _ = await s.post("issues", s.github.webhook_payload("issues", "opened", REPO, n))
    assert status == 202
    go_on.set()
    assert (await slow).status == 401
    assert s.bot.unverified.used == 0
    status, _ = await s.post("issues", None, raw=b"y" * 30_000, sign=False)
    assert status == 401


async def test_default_body_limit_refuses_5_mib_unread(bot_server):
    s = bot_server
    assert s.bot.config.server.max_body_bytes == 2 * 1024 * 1024
    status, _ = await s.post("issues", None, raw=b"z" * (5 * 1024 * 1024), sign=False)
    assert status == 413
    assert s.bot.unverified.peak == 0


# --- 3. one bad delivery in a group commit ------------------------------------------


async def test_issue_number_beyond_64_bits_is_400_and_the_others_commit(bot_server):
    s = bot_server
    numbers = [new_issue(s, t4("`alice`"), user=f"r{i}") for i in range(6)]
    payloads = [s.github.webhook_payload("issues", "opened", REPO, n) for n in numbers]
    poisoned = s.github.webhook_payload("issues", "opened", REPO, numbers[0])
    poisoned["issue"]["number"] = 2**63
    results = await asyncio.gather(
        *(s.post("issues", p) for p in payloads[:3]),
        s.post("issues", poisoned),
        *(s.post("issues", p) for p in payloads[3:]),
    )
    assert [status for status, _ in results] == [202, 202, 202, 400, 202, 202, 202]
    assert results[3][1] == {
        "error": "malformed payload: issue.number must be a positive 64-bit integer"
    }
    await s.settle()
    assert journal(s) == {"done": 6}


async def test_group_commit_isolates_a_row_the_journal_cannot_store(tmp_path):
    from recovery_bot.platform.journal import Journal
    from recovery_bot.platform.server import GroupCommit

    j = Journal(tmp_path / "journal.db")
    commit = GroupCommit(j)
    item = ("issues", "opened", "pypi/support")
    results = await asyncio.gather(
        commit.record(("a", *item, 1, b"{}")),
        commit.record(("bad", *item, 2**63, b"{}")),  # past journal_fields' check
        commit.record(("b", *item, 2, b"{}")),
        return_exceptions=True,
    )
    assert results[0] == results[2] == "new"
    assert isinstance(results[1], OverflowError)
    assert j.get("a") is not None and j.get("b") is not None and j.get("bad") is None
    j.close()


# --- 4. malformed JSON --------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        b'{"a": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        b'{"action": "opened", "n": ' + b"7" * 5000 + b"}",
    ],
    ids=["nested-100000-deep", "5000-digit-integer"],
)
async def test_malformed_json_is_400_malformed_payload_and_counted(bot_server, raw):
    s = bot_server
    before = counter("issues", "bad_request")
    status, answer = await s.post("issues", None, raw=raw)
    assert (status, answer) == (400, {"error": "malformed payload: body is not valid JSON"})
    assert counter("issues", "bad_request") == before + 1
    assert journal(s) == {}


async def test_an_action_that_is_not_a_string_is_ignored_not_500(bot_server):
    s = bot_server
    status, answer = await s.post("issues", {"action": {"x": 1}, "issue": {"number": 1}})
    assert (status, answer["status"]) == (202, "ignored")


# --- 5. deleted issues and GitHub's other refusals ----------------------------------


@pytest.mark.parametrize("action", ["opened", "edited"])
async def test_deleted_issue_is_final_gone_not_retried(bot_server, action):
    s = bot_server
    n = new_issue(s, t4("bob@example.com"))
    payload = s.github.webhook_payload(
        "issues",
        action,
        REPO,
        n,
        **({"changes": {"body": {"from": "x"}}} if action == "edited" else {}),
    )
    s.github.delete_issue(REPO, n)
    status, _ = await s.post("issues", payload, guid="d1")
    assert status == 202
    await s.settle()
    d = s.bot.journal.get("d1")
    assert (d.status, d.outcome, d.attempts) == ("done", "gone", 0)
    _, body = await health(s)
    assert body["github"]["gone"] == 1


async def test_command_refusal_on_a_deleted_issue_is_final(bot_server):
    s = bot_server
    n = new_issue(s, t4("`alice`"))
    s.github.add_user("stranger")
    comment = s.github.add_comment(REPO, n, body="/close", user="stranger")
    payload = s.github.webhook_payload(
        "issue_comment", "created", REPO, n, comment_id=comment["id"]
    )
    s.github.delete_issue(REPO, n)
    status, _ = await s.post("issue_comment", payload, guid="c1")
    assert status == 202
    await s.settle()
    d = s.bot.journal.get("c1")
    assert (d.status, d.outcome, d.attempts) == ("done", "gone", 0)


async def test_422_is_rejected_once_logged_as_error_and_shown_in_healthz(bot_server, caplog):
    s = bot_server
    n = new_issue(s, t4("bob@example.com"))
    s.github.fail(
        "POST",
        f"/repos/{REPO}/issues/{n}/comments",
        status=422,
        times=None,
        body={"message": "Validation Failed", "errors": "Body is too long"},
    )
    with caplog.at_level(logging.ERROR, logger="recovery_bot.platform.server"):
        await s.post("issues", s.github.webhook_payload("issues", "opened", REPO, n), guid="r1")
        await s.settle()
    d = s.bot.journal.get("r1")
    assert (d.status, d.outcome, d.attempts) == ("done", "rejected", 0)
    assert [c.method for c in s.github.calls if c.path.endswith("/comments")] == ["POST"]
    assert any("rejected by GitHub (422" in r.getMessage() for r in caplog.records)
    code, body = await health(s)
    assert code == 200
    assert body["github"]["rejected"] == 1
    assert body["github"]["last_rejected"]["status"] == 422
    assert body["github"]["last_rejected"]["delivery"] == "r1"


async def test_bad_credentials_are_errors_in_the_log_and_degraded_in_healthz(bot_server, caplog):
    s = bot_server
    n = new_issue(s, t4("`alice`"))
    s.github.fail("*", "/repos/*", status=401, times=2, body={"message": "Bad credentials"})
    payload = s.github.webhook_payload("issues", "edited", REPO, n, changes={"body": {"from": "x"}})
    with caplog.at_level(logging.ERROR, logger="recovery_bot.platform.server"):
        await s.post("issues", payload, guid="a1")
        await wait_for(lambda: (s.bot.journal.get("a1").attempts or 0) >= 1, "a failure")
        code, body = await health(s)
        assert (code, body["status"]) == (200, "degraded")
        assert body["problems"] == ["GitHub answered 401: Bad credentials"]
        assert body["github"]["auth_problem"]["delivery"] == "a1"
        assert any("refused the bot's credentials" in r.getMessage() for r in caplog.records)
        await s.settle()  # the fault is spent: a retry succeeds and clears the problem
    assert s.bot.journal.get("a1").outcome == "applied"
    code, body = await health(s)
    assert (code, body["status"], body["github"]["auth_problem"]) == (200, "ok", None)


# --- 6. the first retry after a blip ------------------------------------------------


async def test_first_retry_after_a_502_is_seconds_away_not_minutes(
    aiohttp_client, fake_github, fake_pypi, tmp_path
):
    config = bot_config(server={"workers": 2})  # retry_failed_after left at its default
    s = await start_bot_server(
        aiohttp_client, fake_github, fake_pypi, str(tmp_path / "j.db"), config
    )
    n = new_issue(s, t4("bob@example.com"))
    s.github.fail("POST", f"/repos/{REPO}/issues/{n}/comments", status=502, times=1)
    await s.post("issues", s.github.webhook_payload("issues", "opened", REPO, n), guid="b1")
    await wait_for(lambda: s.bot.journal.get("b1").status == "failed", "the failure")
    wait = s.bot.journal.get("b1").next_attempt_at - time.time()
    assert 7.0 <= wait <= 12.0


def test_retry_delay_doubles_with_jitter_is_capped_and_honours_retry_after():
    from recovery_bot.platform.server import RETRY_CAP_SECONDS, retry_delay

    def mid() -> float:
        return 0.5

    assert [retry_delay(a, 10.0, rng=mid) for a in (1, 2, 3, 4)] == [10.0, 20.0, 40.0, 80.0]
    assert retry_delay(1, 10.0, rng=lambda: 0.0) == 8.0
    assert retry_delay(1, 10.0, rng=lambda: 1.0) == pytest.approx(12.0)
    assert retry_delay(30, 10.0, rng=mid) == RETRY_CAP_SECONDS
    assert retry_delay(1, 10.0, retry_after=61.0, rng=mid) == 61.0


# --- 9. queue depth after the journal drained ----------------------------------------


async def test_queue_depth_metric_matches_healthz_after_the_journal_drained(bot_server):
    s = bot_server
    for i in range(3):
        n = new_issue(s, t4("`alice`"), user=f"q{i}")
        await s.post("issues", s.github.webhook_payload("issues", "opened", REPO, n))
    await s.settle()
    _, body = await health(s)
    open_rows = sum(body["journal"][k] for k in ("pending", "running", "failed"))
    text = await (await s.client.get("/metrics")).text()
    depth = re.search(r"^recovery_bot_queue_depth (\S+)$", text, re.M)
    assert depth is not None
    assert (float(depth.group(1)), open_rows) == (0.0, 0)


# --- 10. untrusted headers in the log ------------------------------------------------


async def test_401_log_lines_are_truncated_and_rate_limited(bot_server, caplog):
    s = bot_server
    with caplog.at_level(logging.WARNING, logger="recovery_bot.platform.server"):
        for i in range(50):
            status, _ = await s.post(
                "issues", {"action": "opened"}, sign=False, guid=f"{i:02d}" + "A" * 8000
            )
            assert status == 401
    lines = [r.getMessage() for r in caplog.records if "signature" in r.getMessage()]
    assert lines == [
        "rejected delivery 00" + "A" * 62 + "...(+7938 chars): bad or missing signature"
    ]


def test_log_gate_lets_one_line_through_per_interval_and_counts_the_rest():
    from recovery_bot.platform.guards import LogGate

    now = [100.0]
    gate = LogGate(10.0, clock=lambda: now[0])
    assert [gate.allow() for _ in range(4)] == [0, None, None, None]
    now[0] += 10.0
    assert gate.allow() == 3


def test_shown_escapes_control_characters():
    from recovery_bot.platform.guards import shown

    assert shown("abc\n\x1b[31m") == "abc\\n\\x1b[31m"
    assert shown(None) == "-"


def test_full_disk_refuses_writes_but_not_reads(tmp_path):
    from recovery_bot.platform.journal import Journal

    j = Journal(tmp_path / "j.db")
    disk = FullDisk().install(j)
    j.record("x", "issues", "opened", REPO, 1, b"{}")
    disk.full = True
    with pytest.raises(sqlite3.OperationalError, match="database or disk is full"):
        j.record("y", "issues", "opened", REPO, 2, b"{}")
    assert j.write_error == "database or disk is full"
    assert not j.probe_write()
    assert j.counts()["pending"] == 1
    disk.full = False
    assert j.probe_write()
    assert j.write_error is None
    j.close()


def test_byte_budget_keeps_a_quarter_for_small_bodies():
    from recovery_bot.platform.guards import ByteBudget

    b = ByteBudget(8 * 1024 * 1024)
    two_mib = 2 * 1024 * 1024
    assert [b.try_reserve(two_mib) for _ in range(4)] == [True, True, True, False]
    assert b.try_reserve(20_000)  # small: may use the last quarter
    b.release(3 * two_mib + 20_000)
    assert b.used == 0
    assert b.try_reserve(8 * 1024 * 1024)  # alone, the largest body is always admitted
    assert not b.try_reserve(1)
