"""App mode end to end: installation tokens minted and cached, and missed deliveries
found in GitHub's delivery log and redelivered."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest_asyncio

from fixtures_bodies import recovery_body
from fixtures_github import GITHUB_APP_ID
from fixtures_server import SERVER_SECRET, BotServer, bot_config
from recovery_bot.app import create_app
from recovery_bot.platform.github import AppAuth
from recovery_bot.platform.redeliver import choose_redeliveries, redeliver_missed
from recovery_bot.platform.server import HANDLED, Settings

REPO = "pypi/support"
BOT = "recovery-bot[bot]"
BODY = recovery_body("bob@example.com", "Lost my phone.")


@pytest_asyncio.fixture
async def app_server(aiohttp_client, fake_github_app, fake_pypi, github_app_key, tmp_path):
    settings = Settings(
        webhook_secret=SERVER_SECRET,
        github_api_url=fake_github_app.url,
        pypi_url=fake_pypi.url,
        db_path=str(tmp_path / "journal.sqlite3"),
        auth=AppAuth(GITHUB_APP_ID, github_app_key[0]),
    )
    app = create_app(
        bot_config(),
        settings,
        run_jobs=False,
        github_options={"backoff_base": 0.01, "max_wait": 2.0},
    )
    client = await aiohttp_client(app)
    return BotServer(client, fake_github_app, fake_pypi)


def mints(fake) -> int:
    return sum(1 for c in fake.calls if c.decoded_path.endswith("/access_tokens"))


async def test_app_mode_mints_one_token_and_triages(app_server):
    s = app_server
    numbers = []
    for i in range(3):
        s.github.add_user(f"r{i}")
        numbers.append(
            s.github.add_issue(
                REPO,
                title="Account recovery request",
                body=BODY,
                user=f"r{i}",
                labels=["account-recovery"],
            )["number"]
        )
    for n in numbers:
        status, _ = await s.post("issues", s.github.webhook_payload("issues", "opened", REPO, n))
        assert status == 202
    await s.settle()
    for n in numbers:
        assert [c["user"]["login"] for c in s.github.comments(REPO, n)] == [BOT]
    assert mints(s.github) == 1


def test_choose_redeliveries_picks_failed_unknown_handled_recent_guids():
    now = datetime(2026, 11, 22, 12, tzinfo=UTC)
    since = now - timedelta(days=3)

    def d(i, guid, status_code, *, event="issues", action="opened", age=timedelta(hours=1)):
        return {
            "id": i,
            "guid": guid,
            "event": event,
            "action": action,
            "status_code": status_code,
            "status": "OK" if status_code == 200 else "x",
            "delivered_at": (now - age).isoformat().replace("+00:00", "Z"),
        }

    deliveries = [
        d(1, "lost", 502),
        d(2, "lost", 0, age=timedelta(hours=2)),  # older attempt of the same GUID
        d(3, "recovered", 502),
        d(4, "recovered", 200),
        d(5, "journaled", 502),
        d(6, "unhandled", 502, event="star", action="created"),
        d(7, "too-old", 502, age=timedelta(days=4)),
        d(8, "comment", 504, event="issue_comment", action="created"),
    ]
    chosen = choose_redeliveries(deliveries, {"journaled": "failed"}, dict(HANDLED), since)
    assert sorted(x["guid"] for x in chosen) == ["comment", "lost"]


async def test_missed_delivery_is_redelivered_and_then_triaged(app_server):
    s = app_server
    s.github.add_user("reporter")
    n = s.github.add_issue(
        REPO,
        title="Account recovery request",
        body=BODY,
        user="reporter",
        labels=["account-recovery"],
    )["number"]
    payload = s.github.webhook_payload("issues", "opened", REPO, n)
    s.github.set_webhook(str(s.client.make_url("/webhook")), SERVER_SECRET)
    now = datetime.now(UTC)
    lost = s.github.add_delivery(
        "guid-lost",
        "issues",
        "opened",
        502,
        delivered_at=now - timedelta(minutes=5),
        payload=payload,
    )
    s.github.add_delivery(
        "guid-fine", "issues", "opened", 202, delivered_at=now - timedelta(minutes=4)
    )
    asked = await redeliver_missed(s.bot)
    assert asked == 1
    assert s.github.redelivery_requests == [lost["id"]]
    await s.github.wait_idle()
    await s.settle()
    assert [c["user"]["login"] for c in s.github.comments(REPO, n)] == [BOT]
    # The GUID is now in the journal: a second pass asks for nothing.
    assert await redeliver_missed(s.bot) == 0
    assert s.github.redelivery_requests == [lost["id"]]
