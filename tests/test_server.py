"""End-to-end: signed deliveries over real HTTP → the fake GitHub's state.

Every test runs the real aiohttp server, the real gidgethub client, the SQLite journal
and the loopback fakes; assertions are on exact labels, comment text and API calls.
"""

from __future__ import annotations

import asyncio
import json

import pytest

from fixtures_bodies import recovery_body as t4
from fixtures_bodies import triage_text
from fixtures_server import SERVER_SECRET
from recovery_bot.platform.applier import marker_for
from recovery_bot.platform.github import webhook_signature

REPO = "pypi/support"
BOT = "recovery-bot[bot]"
TAG = marker_for("recovery-bot")


def new_issue(
    server,
    body: str,
    *,
    user: str = "reporter",
    assoc: str = "NONE",
    labels=("account-recovery",),
    title: str = "Account recovery request",
) -> int:
    server.github.add_user(user)
    issue = server.github.add_issue(
        REPO, title=title, body=body, user=user, author_association=assoc, labels=labels
    )
    return issue["number"]


def bot_comments(server, number: int) -> list[dict]:
    return [c for c in server.github.comments(REPO, number) if c["user"]["login"] == BOT]


def journal(server) -> dict[str, int]:
    return {k: v for k, v in server.bot.journal.counts().items() if v}


def writes(server) -> list[tuple[str, str]]:
    return [(c.method, c.decoded_path) for c in server.github.writes()]


async def open_issue(server, number: int, **kw) -> int:
    payload = server.github.webhook_payload("issues", "opened", REPO, number)
    status, answer = await server.post("issues", payload, **kw)
    assert status == 202, answer
    await server.settle()
    return status


async def test_new_issue_gets_labels_and_exactly_one_comment(bot_server):
    s = bot_server
    n = new_issue(s, t4("bob@example.com", "Lost access to email address"))
    s.github.reset_calls()
    await open_issue(s, n)
    assert s.github.labels(REPO, n) == [
        "account-recovery",
        "needs more info",
        "lost email",
        "email address posted",
    ]
    mine = bot_comments(s, n)
    assert len(mine) == 1
    assert mine[0]["body"].startswith(TAG + "\nThanks for your account recovery request.")
    body = t4("bob@example.com", "Lost access to email address")
    assert mine[0]["body"] == f"{TAG}\n" + triage_text(body)
    assert (
        "**If you don't know your username.** The username field holds an e-mail"
        in (mine[0]["body"])
    )
    assert "bob@example.com" not in mine[0]["body"]
    # A new issue costs two writes and no GitHub read (the payload says it has no comments).
    assert writes(s) == [
        ("POST", f"/repos/{REPO}/issues/{n}/labels"),
        ("POST", f"/repos/{REPO}/issues/{n}/comments"),
    ]
    reads = [c for c in s.github.calls if c.method == "GET"]
    assert [c.decoded_path for c in reads] == [f"/repos/{REPO}/collaborators/reporter/permission"]


async def test_complete_request_gets_reason_label_and_its_next_step(bot_server):
    s = bot_server
    n = new_issue(s, t4("`alice`"))
    await open_issue(s, n)
    assert s.github.labels(REPO, n) == ["account-recovery", "lost 2fa"]
    [mine] = bot_comments(s, n)
    assert mine["body"] == f"{TAG}\n" + triage_text(t4("`alice`"))
    assert mine["body"].startswith(
        f"{TAG}\nThanks for your account recovery request: it has what the PyPI team needs"
    )


async def test_edit_that_fixes_the_username_edits_the_same_comment(bot_server):
    s = bot_server
    n = new_issue(s, t4("bob@example.com", "Lost access to email address"))
    await open_issue(s, n)
    first = bot_comments(s, n)
    assert len(first) == 1
    old_body = s.github.issue(REPO, n)["body"]
    s.github.issue(REPO, n)["body"] = old_body.replace("bob@example.com", "`alice`")
    payload = s.github.webhook_payload(
        "issues", "edited", REPO, n, changes={"body": {"from": old_body}}
    )
    s.github.reset_calls()
    status, _ = await s.post("issues", payload)
    assert status == 202
    await s.settle()
    after = bot_comments(s, n)
    assert [c["id"] for c in after] == [first[0]["id"]]
    fixed = t4("`alice`", "Lost access to email address")
    assert after[0]["body"] == f"{TAG}\n" + triage_text(fixed)
    assert s.github.labels(REPO, n) == ["account-recovery", "lost email"]
    assert sorted(writes(s)) == sorted(
        [
            ("DELETE", f"/repos/{REPO}/issues/{n}/labels/email address posted"),
            ("DELETE", f"/repos/{REPO}/issues/{n}/labels/needs more info"),
            ("PATCH", f"/repos/{REPO}/issues/comments/{first[0]['id']}"),
        ]
    )


async def test_labels_set_by_people_are_never_removed(bot_server):
    s = bot_server
    n = new_issue(s, t4("`alice`"), labels=("account-recovery", "needs more info"))
    await open_issue(s, n)
    # The bot would not set "needs more info" here, but a person did: it stays.
    assert s.github.labels(REPO, n) == ["account-recovery", "needs more info", "lost 2fa"]
    assert not [w for w in writes(s) if w[0] == "DELETE"]


async def test_redelivered_delivery_has_no_second_effect(bot_server):
    s = bot_server
    n = new_issue(s, t4("bob@example.com"))
    payload = s.github.webhook_payload("issues", "opened", REPO, n)
    await s.post("issues", payload, guid="guid-1")
    await s.settle()
    before = writes(s)
    status, answer = await s.post("issues", payload, guid="guid-1")
    await s.settle()
    assert (status, answer["status"]) == (202, "duplicate_done")
    assert writes(s) == before
    assert len(bot_comments(s, n)) == 1


async def test_racing_deliveries_for_one_issue_make_one_comment(bot_server):
    s = bot_server
    n = new_issue(s, t4("bob@example.com"))
    opened = s.github.webhook_payload("issues", "opened", REPO, n)
    body = s.github.issue(REPO, n)["body"]
    edited = s.github.webhook_payload("issues", "edited", REPO, n, changes={"title": {"from": "x"}})
    s.github.delay("POST", f"/repos/{REPO}/issues/{n}/comments", 0.2)
    await s.post("issues", opened)
    await s.post("issues", edited)
    reopened = s.github.webhook_payload("issues", "reopened", REPO, n)
    await s.post("issues", reopened)
    await s.settle()
    assert len(bot_comments(s, n)) == 1
    assert s.github.issue(REPO, n)["body"] == body


@pytest.mark.parametrize(
    ("headers", "raw", "sign", "expected"),
    [
        ({"X-Hub-Signature-256": "sha256=" + "0" * 64}, None, False, 401),
        ({}, None, False, 401),
        ({"X-Hub-Signature": "sha1=0000"}, None, False, 401),
        ({}, b"{not json", True, 400),
        ({"X-GitHub-Event": ""}, None, True, 400),
        ({"X-GitHub-Delivery": ""}, None, True, 400),
        ({}, b"[1, 2, 3]", True, 400),
        ({"Content-Type": "application/x-www-form-urlencoded"}, b"x=1", True, 400),
    ],
    ids=[
        "bad-signature",
        "no-signature",
        "sha1-only",
        "malformed-json",
        "no-event",
        "no-delivery-id",
        "not-an-object",
        "form-without-payload",
    ],
)
async def test_bad_deliveries_get_the_right_status_and_no_effect(
    bot_server, headers, raw, sign, expected
):
    s = bot_server
    n = new_issue(s, t4("bob@example.com"))
    payload = s.github.webhook_payload("issues", "opened", REPO, n)
    s.github.reset_calls()
    status, _ = await s.post("issues", payload, raw=raw, sign=sign, headers=headers)
    assert status == expected
    await s.settle()
    assert s.github.calls == []
    assert journal(s) == {}


async def test_oversized_delivery_gets_413(bot_server):
    s = bot_server
    raw = b'{"action": "opened", "pad": "' + b"x" * (6 * 1024 * 1024) + b'"}'
    status, _ = await s.post("issues", None, raw=raw)
    assert status == 413
    assert journal(s) == {}


async def test_ping_unknown_event_and_unhandled_action(bot_server):
    s = bot_server
    status, answer = await s.post("ping", {"zen": "Keep it logically awesome.", "hook_id": 1})
    assert (status, answer["zen"]) == (200, "Keep it logically awesome.")
    status, answer = await s.post("star", {"action": "created"})
    assert (status, answer["status"]) == (202, "ignored")
    n = new_issue(s, t4("`alice`"))
    payload = s.github.webhook_payload("issues", "milestoned", REPO, n)
    status, answer = await s.post("issues", payload)
    assert (status, answer["status"]) == (202, "ignored")
    await s.settle()
    assert journal(s) == {}
    assert s.github.writes() == []


async def test_other_repository_is_ignored(bot_server):
    s = bot_server
    s.github.add_repo("someone/else")
    issue = s.github.add_issue("someone/else", title="x", body=t4("bob@example.com"))
    payload = s.github.webhook_payload("issues", "opened", "someone/else", issue["number"])
    status, answer = await s.post("issues", payload)
    assert (status, answer["status"]) == (202, "ignored")


async def test_non_recovery_form_and_maintainer_issue_are_left_alone(bot_server):
    s = bot_server
    pep = new_issue(
        s,
        "### Project to be claimed\n\n`foo`: https://pypi.org/project/foo\n\n"
        "### Your PyPI username\n\n`bob@example.com`\n\n### Reasons for the request\n\nx",
        labels=("PEP 541",),
        title="PEP 541 Request: foo",
    )
    mine = new_issue(s, "Away at PyCon", user="maintainer1", assoc="MEMBER", labels=())
    private_member = new_issue(s, t4("bob@example.com"), user="admin1", assoc="NONE")
    s.github.reset_calls()
    for n in (pep, mine, private_member):
        await open_issue(s, n)
    assert s.github.writes() == []
    assert s.github.labels(REPO, pep) == ["PEP 541"]
    assert s.github.labels(REPO, private_member) == ["account-recovery"]


async def test_bot_authored_pull_request_and_closed_issues_are_skipped(bot_server):
    s = bot_server
    by_bot = new_issue(s, t4("bob@example.com"), user="dependabot[bot]")
    s.github.issue(REPO, by_bot)["user"]["type"] = "Bot"
    closed = new_issue(s, t4("bob@example.com"))
    s.github.issue(REPO, closed)["state"] = "closed"
    for n in (by_bot, closed):
        await open_issue(s, n)
    assert s.github.writes() == []


async def test_github_502_for_a_while_then_effects_applied_once(bot_server):
    s = bot_server
    n = new_issue(s, t4("bob@example.com"))
    s.github.fail("POST", f"/repos/{REPO}/issues/{n}/comments", status=502, times=3)
    await open_issue(s, n)
    assert len(bot_comments(s, n)) == 1
    assert s.github.labels(REPO, n) == [
        "account-recovery",
        "needs more info",
        "lost 2fa",
        "email address posted",
    ]
    assert journal(s) == {"done": 1}
    # Labels went on in the first attempt; each retry found them there and only retried
    # the comment: 4 comment attempts (3 failed), one label write.
    assert writes(s).count(("POST", f"/repos/{REPO}/issues/{n}/labels")) == 1
    assert writes(s).count(("POST", f"/repos/{REPO}/issues/{n}/comments")) == 4


async def test_secondary_rate_limit_for_a_while_then_effects_applied_once(bot_server):
    s = bot_server
    n = new_issue(s, t4("bob@example.com"))
    s.github.fail_secondary_rate_limit("POST", f"/repos/{REPO}/issues/*", retry_after=0, times=5)
    await open_issue(s, n)
    assert len(bot_comments(s, n)) == 1
    assert "needs more info" in s.github.labels(REPO, n)


async def test_pypi_down_means_no_not_found_label_and_a_later_retry_fixes_it(bot_server):
    s = bot_server
    n = new_issue(s, t4("`nosuchuser`"))
    await s.pypi.go_down()
    payload = s.github.webhook_payload("issues", "opened", REPO, n)
    await s.post("issues", payload)
    # Let the first attempt happen while PyPI is down.
    for _ in range(200):
        d = s.bot.journal.counts()
        if d.get("failed"):
            break
        await asyncio.sleep(0.01)
    assert "username not found" not in s.github.labels(REPO, n)
    assert s.github.labels(REPO, n) == ["account-recovery", "lost 2fa"]
    await s.pypi.come_back()
    await s.settle()
    for _ in range(300):
        if journal(s) == {"done": 1}:
            break
        await asyncio.sleep(0.02)
    assert s.github.labels(REPO, n) == [
        "account-recovery",
        "lost 2fa",
        "needs more info",
        "username not found",
    ]
    assert "there is no account `nosuchuser` on pypi.org" in bot_comments(s, n)[0]["body"]


async def test_healthz_and_metrics(bot_server):
    s = bot_server
    n = new_issue(s, t4("`alice`"))
    await open_issue(s, n)
    resp = await s.client.get("/healthz")
    health = await resp.json()
    assert resp.status == 200
    assert {k: v for k, v in health["journal"].items() if v} == {"done": 1}
    resp = await s.client.get("/metrics")
    text = await resp.text()
    assert 'recovery_bot_deliveries_total{event="issues",outcome="accepted"}' in text
    assert "recovery_bot_processing_seconds_bucket" in text
    assert "recovery_bot_github_calls_total" in text
    assert "recovery_bot_pypi_lookups_total" in text
    assert "recovery_bot_queue_depth" in text


def test_signature_check_matches_githubs_test_vector():
    from recovery_bot.platform.server import valid_signature

    good = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
    assert valid_signature(SERVER_SECRET, b"Hello, World!", good)
    assert not valid_signature(SERVER_SECRET, b"Hello, World?", good)
    assert webhook_signature(SERVER_SECRET, b"Hello, World!") == good


async def test_late_redelivery_of_opened_does_not_comment_twice(bot_server):
    """A lost `opened` delivery redelivered hours later still says `comments: 0`. If the
    sweep (or an earlier process) has commented meanwhile, trusting the payload would
    post a second comment: only a just-filed issue's payload is trusted."""
    from datetime import UTC, datetime, timedelta

    s = bot_server
    s.github.add_user("reporter")
    filed = datetime.now(UTC) - timedelta(hours=3)
    n = s.github.add_issue(
        REPO,
        title="Account recovery request",
        body=t4("bob@example.com"),
        user="reporter",
        labels=["account-recovery"],
        created_at=filed,
    )["number"]
    payload = s.github.webhook_payload("issues", "opened", REPO, n)
    assert payload["issue"]["comments"] == 0
    s.github.add_comment(
        REPO, n, body=f"{TAG}\nThanks (posted by the sweep)", user=BOT, user_type="Bot"
    )
    await s.post("issues", payload)
    await s.settle()
    assert len(bot_comments(s, n)) == 1
    assert bot_comments(s, n)[0]["body"].startswith(TAG + "\nThanks for your account recovery")


async def test_form_encoded_delivery_is_triaged_like_a_json_one(bot_server):
    """GitHub can be set to send ``application/x-www-form-urlencoded`` (the JSON in a
    ``payload`` field): the signature covers the form body, the worker reads the JSON."""
    from urllib.parse import urlencode

    s = bot_server
    n = new_issue(s, t4("bob@example.com", "Lost access to email address"))
    payload = s.github.webhook_payload("issues", "opened", REPO, n)
    form = urlencode({"payload": json.dumps(payload)}).encode()
    status, answer = await s.post(
        "issues",
        None,
        raw=form,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert (status, answer) == (202, {"status": "queued"})
    await s.settle()
    assert journal(s) == {"done": 1}
    assert s.github.labels(REPO, n) == [
        "account-recovery",
        "needs more info",
        "lost email",
        "email address posted",
    ]
    assert len(bot_comments(s, n)) == 1


@pytest.mark.parametrize(
    "text",
    [
        b'{"action": "opened", "issue": {"number": 7}}',
        b'{"a": NaN, "b": Infinity}',  # orjson refuses; json accepts
        b'\xef\xbb\xbf{"a": 1}',  # byte-order mark: the same
        b'{"a": "\\ud800"}',  # lone surrogate: the same
        '{"a": "\u00e9\u6f22"}'.encode(),
    ],
)
def test_loads_accepts_exactly_what_json_accepts(text):
    from recovery_bot.platform.server import loads

    assert repr(loads(text)) == repr(json.loads(text))


@pytest.mark.parametrize("text", [b"{", b"", b'{"a": 1,}', b"\xff\xfe{}"])
def test_loads_refuses_what_json_refuses(text):
    from recovery_bot.platform.server import loads

    with pytest.raises((json.JSONDecodeError, UnicodeDecodeError)):
        json.loads(text)
    with pytest.raises((json.JSONDecodeError, UnicodeDecodeError)):
        loads(text)


def test_tune_gc_raises_generation_0_and_freezes_start_up_objects():
    import gc

    from recovery_bot.platform.server import GC_GEN0_THRESHOLD, tune_gc

    before = gc.get_threshold()
    try:
        tune_gc()
        assert gc.get_threshold() == (GC_GEN0_THRESHOLD, before[1], before[2])
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)


async def test_group_commit_shares_one_transaction_per_loop_turn(tmp_path):
    from recovery_bot.platform.journal import Journal
    from recovery_bot.platform.server import GroupCommit

    batches: list[int] = []

    class CountingJournal(Journal):
        def record_many(self, items):
            batches.append(len(items))
            return super().record_many(items)

    j = CountingJournal(tmp_path / "journal.db")
    commit = GroupCommit(j)
    item = ("pypi/support", 1, b"{}")
    verdicts = await asyncio.gather(
        *(commit.record((f"d{i}", "issues", "opened", *item)) for i in range(5)),
        commit.record(("d0", "issues", "opened", *item)),
    )
    assert verdicts == ["new"] * 5 + ["duplicate_pending"]
    assert batches == [6]
    assert await commit.record(("d9", "issues", "opened", *item)) == "new"
    assert batches == [6, 1]
    j.close()


async def test_journal_failure_answers_503_and_records_nothing(bot_server, monkeypatch):
    import sqlite3

    s = bot_server
    n = new_issue(s, t4("`alice`"))

    def broken(items):
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(s.bot.journal, "record_many", broken)
    payload = s.github.webhook_payload("issues", "opened", REPO, n)
    status, answer = await s.post("issues", payload)
    assert (status, answer) == (503, {"error": "could not record the delivery; please redeliver"})
    monkeypatch.undo()
    assert journal(s) == {}
    assert s.github.writes() == []
