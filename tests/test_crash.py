"""Durability: ``kill -9`` with 100 deliveries queued, restart, nothing lost or doubled.

The bot runs as a real ``recovery-bot serve`` subprocess; the fake GitHub and PyPI run in
this test's event loop. Comment writes are applied first and answered late, so the kill
lands while GitHub holds comments the journal does not know are done: the worst case
for duplicate comments.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import aiohttp

from fixtures_bodies import recovery_body
from fixtures_server import SERVER_SECRET
from recovery_bot.platform.github import webhook_signature

REPO = "pypi/support"
BOT = "recovery-bot[bot]"
N = 100

BODY = recovery_body("bob@example.com", "Lost my 2FA phone.")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_bot(tmp: Path, port: int, github_url: str, pypi_url: str) -> subprocess.Popen:
    config = tmp / "app.yaml"
    config.write_text(
        "repositories: [pypi/support]\n"
        "server: {workers: 4, retry_failed_after: 50ms, max_attempts: 10}\n"
        # The fake GitHub has no content-creation limit; 100 issues need ~200 writes.
        "github: {writes_per_minute: 100000, writes_per_hour: 100000}\n"
    )
    env = {
        **os.environ,
        "GITHUB_WEBHOOK_SECRET": SERVER_SECRET,
        "GITHUB_TOKEN": "ghs_crash_test",
        "GITHUB_API_URL": github_url,
        "PYPI_URL": pypi_url,
        "RECOVERY_BOT_DB": str(tmp / "journal.sqlite3"),
    }
    log = (tmp / "bot.log").open("ab")
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "recovery_bot",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--config",
            str(config),
        ],
        env=env,
        stdout=log,
        stderr=log,
    )


async def wait_healthy(http: aiohttp.ClientSession, url: str) -> dict:
    for _ in range(300):
        try:
            async with http.get(url + "/healthz") as resp:
                if resp.status == 200:
                    return await resp.json()
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.05)
    raise AssertionError("bot did not start")


def bot_comments(fake, n: int) -> list[dict]:
    return [c for c in fake.comments(REPO, n) if c["user"]["login"] == BOT]


async def test_kill_9_with_100_queued_then_restart_triages_all_once(
    fake_github, fake_pypi, tmp_path
):
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    numbers = []
    for i in range(N):
        fake_github.add_user(f"reporter{i}")
        numbers.append(
            fake_github.add_issue(
                REPO,
                title="Account recovery request",
                body=BODY,
                user=f"reporter{i}",
                labels=["account-recovery"],
            )["number"]
        )
    # Every comment is stored at once but answered 300 ms later.
    fake_github.delay("POST", f"/repos/{REPO}/issues/*/comments", 0.3, times=None, after=True)
    proc = start_bot(tmp_path, port, fake_github.url, fake_pypi.url)
    try:
        async with aiohttp.ClientSession() as http:
            await wait_healthy(http, url)

            async def send(n: int) -> int:
                body = json.dumps(fake_github.webhook_payload("issues", "opened", REPO, n)).encode()
                headers = {
                    "Content-Type": "application/json",
                    "X-GitHub-Event": "issues",
                    "X-GitHub-Delivery": str(uuid.uuid4()),
                    "X-Hub-Signature-256": webhook_signature(SERVER_SECRET, body),
                }
                async with http.post(url + "/webhook", data=body, headers=headers) as r:
                    return r.status

            statuses = await asyncio.gather(*(send(n) for n in numbers))
            assert statuses == [202] * N
            # Let some comments reach "GitHub" without their answers reaching the bot.
            for _ in range(200):
                if any(bot_comments(fake_github, n) for n in numbers):
                    break
                await asyncio.sleep(0.01)
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=10)
            commented = sum(1 for n in numbers if bot_comments(fake_github, n))
            assert 0 < commented < N, "the kill must land mid-way for this test to mean much"

            fake_github.clear_faults()
            proc = start_bot(tmp_path, port, fake_github.url, fake_pypi.url)
            health = await wait_healthy(http, url)
            assert health["journal"]["pending"] > 0  # resumed from the journal
            for _ in range(600):
                j = (await wait_healthy(http, url))["journal"]
                if j["pending"] == j["running"] == j["failed"] == 0:
                    break
                await asyncio.sleep(0.05)
            assert j["done"] == N
    finally:
        proc.kill()
        proc.wait(timeout=10)
    counts = [len(bot_comments(fake_github, n)) for n in numbers]
    assert counts == [1] * N
    for n in numbers:
        assert fake_github.labels(REPO, n) == [
            "account-recovery",
            "needs more info",
            "lost 2fa",
            "email address posted",
        ]
