"""``recovery-bot sandbox`` as a newcomer runs it: a child process that prints its URLs
and a ready ``curl`` line; posting that line's delivery changes the fake GitHub; SIGTERM
stops it cleanly."""

from __future__ import annotations

import asyncio
import json
import os
import shlex
import signal
import sys
from pathlib import Path

import aiohttp

from recovery_bot.platform.applier import marker_for


def _curl_request(line: str) -> tuple[str, dict[str, str], bytes]:
    """URL, headers and body of the printed ``curl ... --data-binary @FILE`` line."""
    args = shlex.split(line)
    assert args[:4] == ["curl", "-sS", "-X", "POST"]
    url = args[4]
    headers: dict[str, str] = {}
    body = b""
    rest = iter(args[5:])
    for flag in rest:
        value = next(rest)
        if flag == "-H":
            name, _, val = value.partition(": ")
            headers[name] = val
        elif flag == "--data-binary":
            body = Path(value.removeprefix("@")).read_bytes()
        else:
            raise AssertionError(f"unexpected curl flag {flag}")
    return url, headers, body


async def test_sandbox_runs_until_sigterm_and_answers_the_printed_curl_line() -> None:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "RECOVERY_", "PYPI_"))
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "recovery_bot",
        "sandbox",
        "--port",
        "0",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
        cwd=str(Path(__file__).parent),  # no app.yaml here: built-in defaults
    )
    assert proc.stdout is not None
    try:
        lines: list[str] = []
        while not lines or lines[-1] != "Ctrl-C stops it.":
            raw = await asyncio.wait_for(proc.stdout.readline(), 60)
            assert raw, f"sandbox exited early: {lines}"
            lines.append(raw.decode().rstrip("\n"))
        bot_url = lines[1].split()[1]
        assert lines[1] == f"  bot:    {bot_url}  (POST /webhook, GET /healthz, GET /metrics)"
        post_at = lines.index("Post a signed sample delivery (issues.opened #12403):")
        url, headers, body = _curl_request(lines[post_at + 1])
        assert url == f"{bot_url}/webhook"
        assert json.loads(body)["issue"]["number"] == 12403
        check = shlex.split(lines[lines.index("Then see what the bot did:") + 1])
        assert check[:4] == ["curl", "-sS", "-H", "Authorization: token sandbox"]
        auth = {"Authorization": "token sandbox"}

        async with aiohttp.ClientSession() as http:
            async with http.get(f"{bot_url}/healthz") as resp:
                health = await resp.json()
            assert (resp.status, health["mode"], health["journal"]["done"]) == (200, "sandbox", 0)
            async with http.post(url, data=body, headers=headers) as resp:
                assert (resp.status, await resp.json()) == (202, {"status": "queued"})
            comments: list[dict] = []
            for _ in range(200):  # until the worker has commented (bounded, not timed)
                async with http.get(check[4], headers=auth) as resp:
                    assert resp.status == 200
                    comments = await resp.json()
                if comments:
                    break
                await asyncio.sleep(0.05)
            assert [c["user"]["login"] for c in comments] == ["recovery-bot[bot]"]
            assert comments[0]["body"].startswith(marker_for("recovery-bot"))
            assert "there is no account `carol-devv` on pypi.org" in comments[0]["body"]
            issue_url = check[4].removesuffix("/comments")
            async with http.get(issue_url, headers=auth) as resp:
                labels = [lbl["name"] for lbl in (await resp.json())["labels"]]
            assert labels == [
                "account-recovery",
                "needs more info",
                "username not found",
                "lost 2fa",
            ]
            # The same delivery again: the journal knows it.
            async with http.post(url, data=body, headers=headers) as resp:
                assert (await resp.json())["status"] == "duplicate_done"

        proc.send_signal(signal.SIGTERM)
        rest, _ = await asyncio.wait_for(proc.communicate(), 30)
        assert proc.returncode == 0
        assert rest.decode().splitlines()[-1] == "recovery-bot sandbox: stopped"
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
