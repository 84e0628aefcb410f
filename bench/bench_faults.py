"""Fault benchmark (issue #11). Prints numbers; asserts nothing.

Four scenarios, each against a fresh ``recovery-bot serve`` (``bench/fault_server.py``,
which can fill the journal's disk on a signal) talking to the loopback fake GitHub and
PyPI run by this process, with the server's default settings:

1. **full disk**: 200 ``issues.opened`` deliveries at 10/s; the journal's disk is full
   from 5 s to 15 s (every SQLite write fails with "database or disk is full");
2. **unsigned bodies**: 64 concurrent clients post unsigned bodies while 20 signed
   deliveries arrive: 5 MiB with Content-Length, the largest accepted size
   (``max_body_bytes``) and 5 MiB chunked (no Content-Length);
3. **poisoned batch**: 3 rounds of 40 valid deliveries sent together with one whose
   issue number is 2**63;
4. **deleted issue**: 15 deliveries for 5 deleted issues (``opened``, ``edited``, and a
   non-maintainer's ``/close``), which GitHub answers 410.

GitHub does not retry a failed delivery; App mode redelivers it (same GUID). The bench
plays that part: every delivery answered 503 is sent again once the fault is over.
For each scenario it prints: deliveries sent and answered (first answer, then after
redelivery), processed exactly once, lost (answered 202 and not processed by the end),
duplicated (more than one bot comment), the server's idle and peak RSS, and how many
/healthz samples (every 0.2 s) told the truth (503 while the disk is full, 200 else).

    python bench/bench_faults.py [--src PATH]    # --src: another checkout's src/ (before)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from recovery_bot.platform.github import webhook_signature
from recovery_bot.sandbox.fake_github import FakeGitHub
from recovery_bot.sandbox.fake_pypi import FakePyPI

REPO = "pypi/support"
BOT = "recovery-bot[bot]"
SECRET = "bench-secret"
HERE = Path(__file__).resolve().parent
MIB = 1024 * 1024
BODY = (
    "### PyPI Username\n\nbob@example.com\n\n### Reason for request\n\nLost my 2FA phone.\n\n"
    "### Recovery Codes\n\n- [x] I never generated or have lost access to the recovery "
    "codes for my account\n\n### Code of Conduct\n\n- [x] I agree to follow the PSF Code "
    "of Conduct\n\n### Acknowledgement\n\n- [x] I understand that it may take a "
    "significant amount of time to process my account recovery request."
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def proc_mb(pid: int, key: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


class Server:
    """One ``fault_server.py serve`` subprocess with its own journal."""

    def __init__(self, tmp: Path, github: FakeGitHub, pypi: FakePyPI, src: str | None):
        self.tmp = tmp
        self.max_body = max_body_of(src)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.db = tmp / f"journal-{self.port}.sqlite3"
        config = tmp / "app.yaml"
        config.write_text(
            "repositories: [pypi/support]\n"
            "github: {writes_per_minute: 100000, writes_per_hour: 100000}\n"
        )
        env = {
            **os.environ,
            "GITHUB_WEBHOOK_SECRET": SECRET,
            "GITHUB_TOKEN": "ghs_bench",
            "GITHUB_API_URL": github.url,
            "PYPI_URL": pypi.url,
            "RECOVERY_BOT_DB": str(self.db),
        }
        if src:
            env["PYTHONPATH"] = src
        self.log = (tmp / f"bot-{self.port}.log").open("wb")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                str(HERE / "fault_server.py"),
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--config",
                str(config),
            ],
            env=env,
            stdout=self.log,
            stderr=self.log,
        )

    async def wait_up(self, http: aiohttp.ClientSession) -> None:
        for _ in range(600):
            try:
                async with http.get(self.url + "/healthz") as r:
                    await r.read()
                    return
            except aiohttp.ClientError:
                await asyncio.sleep(0.05)
        raise RuntimeError("server did not start")

    def fill_disk(self) -> None:
        os.kill(self.proc.pid, signal.SIGUSR1)

    def free_disk(self) -> None:
        os.kill(self.proc.pid, signal.SIGUSR2)

    def rss(self) -> float:
        return proc_mb(self.proc.pid, "VmRSS")

    def peak(self) -> float:
        return proc_mb(self.proc.pid, "VmHWM")

    def reset_peak(self) -> None:
        Path(f"/proc/{self.proc.pid}/clear_refs").write_text("5")

    def stop(self) -> dict[str, tuple[str, str | None, int]]:
        """Stop the server; the journal's rows: GUID -> (status, outcome, attempts)."""
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()
        with sqlite3.connect(self.db) as db:
            rows = db.execute("SELECT id, status, outcome, attempts FROM deliveries").fetchall()
        db.close()
        return {r[0]: (r[1], r[2], r[3]) for r in rows}


@dataclass
class Tally:
    name: str
    sent: int = 0
    first: Counter[str] = field(default_factory=Counter)
    redelivered: Counter[str] = field(default_factory=Counter)
    accepted: dict[str, int] = field(default_factory=dict)  # GUID -> issue, answered 202
    expected_comments: int = 1
    processed_once: int = 0
    lost: int = 0
    duplicated: int = 0
    idle_mb: float = 0.0
    peak_mb: float = 0.0
    health_ok: int = 0
    health_samples: int = 0
    health_wrong: Counter[str] = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)


async def deliver(
    http: aiohttp.ClientSession, url: str, event: str, payload: Any, guid: str
) -> str:
    body = json.dumps(payload).encode()
    headers = {
        "Content-Type": "application/json",
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": guid,
        "X-Hub-Signature-256": webhook_signature(SECRET, body),
    }
    try:
        async with http.post(url + "/webhook", data=body, headers=headers) as r:
            await r.read()
            return str(r.status)
    except (aiohttp.ClientError, TimeoutError) as exc:
        return type(exc).__name__


async def sample_health(
    http: aiohttp.ClientSession,
    server: Server,
    tally: Tally,
    expected: Callable[[], int],
    stop: asyncio.Event,
) -> None:
    """Every 0.2 s: did /healthz answer what is true? A sample taken while the truth
    changed (the disk filled or was freed during the request) is not counted."""
    while not stop.is_set():
        before = expected()
        try:
            async with http.get(server.url + "/healthz") as r:
                code = r.status
                await r.read()
        except (aiohttp.ClientError, TimeoutError):
            code = 0
        if expected() == before:
            tally.health_samples += 1
            if code == before:
                tally.health_ok += 1
            else:
                tally.health_wrong[f"{code} while {before} was true"] += 1
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 0.2)


async def drain(http: aiohttp.ClientSession, server: Server, timeout: float) -> bool:
    """Wait until the journal has nothing pending, running or failed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            async with http.get(server.url + "/healthz") as r:
                j = (await r.json()).get("journal") or {}
            if j and j["pending"] == j["running"] == j["failed"] == 0:
                return True
        except (aiohttp.ClientError, TimeoutError, ValueError):
            pass
        await asyncio.sleep(0.2)
    return False


def settle(
    tally: Tally,
    github: FakeGitHub,
    rows: dict[str, tuple[str, str | None, int]],
    ok_outcomes: frozenset[str] = frozenset({"applied", "unchanged"}),
) -> None:
    comments: dict[int, int] = {}
    for guid, n in tally.accepted.items():
        if n not in comments:
            comments[n] = sum(1 for c in github.comments(REPO, n) if c["user"]["login"] == BOT)
        status, outcome, _ = rows.get(guid, ("missing", None, 0))
        done = status == "done" and outcome in ok_outcomes
        if comments[n] > tally.expected_comments:
            tally.duplicated += 1
        elif done and comments[n] == tally.expected_comments:
            tally.processed_once += 1
        else:
            tally.lost += 1
    states = Counter(f"{s}/{o}" for g, (s, o, _) in rows.items() if g in tally.accepted)
    tally.notes.append(
        "journal of the 202s: " + ", ".join(f"{k} {v}" for k, v in sorted(states.items()))
    )


def new_issues(github: FakeGitHub, count: int, tag: str) -> list[int]:
    out = []
    for i in range(count):
        user = f"{tag}{i}"
        github.add_user(user)
        out.append(
            github.add_issue(
                REPO,
                title="Account recovery request",
                body=BODY,
                user=user,
                labels=["account-recovery"],
            )["number"]
        )
    return out


async def redeliver(
    http: aiohttp.ClientSession,
    server: Server,
    tally: Tally,
    refused: dict[str, tuple[str, Any, int]],
) -> None:
    """GitHub's part: a delivery answered 503 is redelivered (same GUID)."""
    for guid, (event, payload, n) in refused.items():
        status = await deliver(http, server.url, event, payload, guid)
        tally.redelivered[status] += 1
        if status == "202":
            tally.accepted[guid] = n


# --- the scenarios -------------------------------------------------------------------


async def full_disk(http, server: Server, github: FakeGitHub) -> Tally:
    t = Tally("full disk 10 s in 200 deliveries")
    numbers = new_issues(github, 200, "fd")
    full = False
    stop = asyncio.Event()
    sampler = asyncio.create_task(
        sample_health(http, server, t, lambda: 503 if full else 200, stop)
    )
    refused: dict[str, tuple[str, Any, int]] = {}
    t.idle_mb = server.rss()
    server.reset_peak()

    async def one(n: int) -> None:
        guid = str(uuid.uuid4())
        payload = github.webhook_payload("issues", "opened", REPO, n)
        status = await deliver(http, server.url, "issues", payload, guid)
        t.sent += 1
        t.first[status] += 1
        if status == "202":
            t.accepted[guid] = n
        else:
            refused[guid] = ("issues", payload, n)

    start = time.monotonic()
    tasks = []
    for i, n in enumerate(numbers):
        at = start + i * 0.1
        now = time.monotonic()
        if not full and 5.0 <= now - start < 15.0:
            server.fill_disk()
            full = True
        elif full and now - start >= 15.0:
            server.free_disk()
            full = False
        await asyncio.sleep(max(0.0, at - now))
        tasks.append(asyncio.create_task(one(n)))
    await asyncio.gather(*tasks)
    if full:
        server.free_disk()
        full = False
    await asyncio.sleep(0.5)
    await redeliver(http, server, t, refused)
    drained = await drain(http, server, 60)
    stop.set()
    await sampler
    t.peak_mb = server.peak()
    t.notes.append(f"journal drained: {drained}")
    return t


async def unsigned_bodies(http, server: Server, github: FakeGitHub, max_body: int) -> Tally:
    t = Tally("unsigned bodies, 64 concurrent")
    warm = new_issues(github, 20, "warm")
    for n in warm:
        await deliver(
            http,
            server.url,
            "issues",
            github.webhook_payload("issues", "opened", REPO, n),
            str(uuid.uuid4()),
        )
    await drain(http, server, 30)
    await asyncio.sleep(1.0)
    t.idle_mb = server.rss()
    stop = asyncio.Event()
    sampler = asyncio.create_task(sample_health(http, server, t, lambda: 200, stop))
    legit = new_issues(github, 20, "legit")
    refused: dict[str, tuple[str, Any, int]] = {}
    big = b"x" * (5 * MIB)

    async def attacker(size: int, chunked: bool, rounds: int, out: Counter[str]) -> None:
        data = memoryview(big)[:size] if size <= len(big) else b"x" * size
        for _ in range(rounds):
            headers = {
                "Content-Type": "application/json",
                "X-GitHub-Event": "issues",
                "X-GitHub-Delivery": str(uuid.uuid4()),
            }

            async def chunks() -> AsyncIterator[bytes]:
                for i in range(0, size, 64 * 1024):
                    yield bytes(data[i : i + 64 * 1024])

            try:
                async with http.post(
                    server.url + "/webhook",
                    data=chunks() if chunked else bytes(data),
                    headers=headers,
                ) as r:
                    await r.read()
                    out[str(r.status)] += 1
            except (aiohttp.ClientError, TimeoutError) as exc:
                out[type(exc).__name__] += 1

    async def signed(n: int, delay: float) -> None:
        await asyncio.sleep(delay)
        guid = str(uuid.uuid4())
        payload = github.webhook_payload("issues", "opened", REPO, n)
        status = await deliver(http, server.url, "issues", payload, guid)
        t.sent += 1
        t.first[status] += 1
        if status == "202":
            t.accepted[guid] = n
        else:
            refused[guid] = ("issues", payload, n)

    phases = [
        ("5 MiB, Content-Length", 5 * MIB, False),
        (f"{max_body / MIB:.0f} MiB (max_body_bytes), Content-Length", max_body, False),
        ("5 MiB, chunked", 5 * MIB, True),
    ]
    for i, (label, size, chunked) in enumerate(phases):
        server.reset_peak()
        out: Counter[str] = Counter()
        started = time.monotonic()
        await asyncio.gather(
            *(attacker(size, chunked, 2, out) for _ in range(64)),
            *(signed(n, k * 0.05) for k, n in enumerate(legit[i * 7 : (i + 1) * 7])),
        )
        peak = server.peak()
        t.peak_mb = max(t.peak_mb, peak)
        t.notes.append(
            f"{label}: 128 posts in {time.monotonic() - started:.1f}s, answers "
            f"{dict(sorted(out.items()))}, peak RSS {peak:.0f} MB"
        )
    await asyncio.sleep(2.0)
    t.notes.append(f"RSS 2 s after the attack: {server.rss():.0f} MB")
    await redeliver(http, server, t, refused)
    await drain(http, server, 30)
    stop.set()
    await sampler
    return t


async def poisoned_batch(http, server: Server, github: FakeGitHub) -> Tally:
    t = Tally("poisoned batch (3 x 40 valid + 1 with issue 2**63)")
    t.idle_mb = server.rss()
    server.reset_peak()
    stop = asyncio.Event()
    sampler = asyncio.create_task(sample_health(http, server, t, lambda: 200, stop))
    refused: dict[str, tuple[str, Any, int]] = {}
    for round_ in range(3):
        numbers = new_issues(github, 40, f"pb{round_}-")
        bad = github.webhook_payload("issues", "opened", REPO, numbers[0])
        bad["issue"]["number"] = 2**63
        guids = [str(uuid.uuid4()) for _ in numbers]
        payloads = [github.webhook_payload("issues", "opened", REPO, n) for n in numbers]
        answers = await asyncio.gather(
            *(
                deliver(http, server.url, "issues", p, g)
                for p, g in zip(payloads, guids, strict=True)
            ),
            deliver(http, server.url, "issues", bad, str(uuid.uuid4())),
        )
        t.sent += 41
        t.notes.append(f"round {round_ + 1}: the poisoned one answered {answers[-1]}")
        for guid, p, n, status in zip(guids, payloads, numbers, answers, strict=False):
            t.first[status] += 1
            if status == "202":
                t.accepted[guid] = n
            else:
                refused[guid] = ("issues", p, n)
        t.first[f"poisoned {answers[-1]}"] += 1
    await redeliver(http, server, t, refused)
    await drain(http, server, 30)
    stop.set()
    await sampler
    t.peak_mb = server.peak()
    return t


async def deleted_issue(http, server: Server, github: FakeGitHub) -> Tally:
    t = Tally("deleted issue (5 issues, 15 deliveries, GitHub answers 410)")
    t.expected_comments = 0
    t.idle_mb = server.rss()
    server.reset_peak()
    stop = asyncio.Event()
    sampler = asyncio.create_task(sample_health(http, server, t, lambda: 200, stop))
    numbers = new_issues(github, 5, "gone")
    github.add_user("stranger")
    deliveries = []
    for n in numbers:
        deliveries.append(("issues", github.webhook_payload("issues", "opened", REPO, n), n))
        deliveries.append(
            (
                "issues",
                github.webhook_payload(
                    "issues", "edited", REPO, n, changes={"body": {"from": "x"}}
                ),
                n,
            )
        )
        c = github.add_comment(REPO, n, body="/close", user="stranger")
        deliveries.append(
            (
                "issue_comment",
                github.webhook_payload("issue_comment", "created", REPO, n, comment_id=c["id"]),
                n,
            )
        )
        github.delete_issue(REPO, n)
    github.reset_calls()
    for event, payload, n in deliveries:
        guid = str(uuid.uuid4())
        status = await deliver(http, server.url, event, payload, guid)
        t.sent += 1
        t.first[status] += 1
        if status == "202":
            t.accepted[guid] = n
    drained = await drain(http, server, 20)
    stop.set()
    await sampler
    t.peak_mb = server.peak()
    t.notes.append(f"journal final within 20 s: {drained}; GitHub calls made: {len(github.calls)}")
    return t


def report(t: Tally) -> None:
    def fmt(c: Counter[str]) -> str:
        return ", ".join(f"{k}: {v}" for k, v in sorted(c.items())) or "-"

    print(f"\n## {t.name}")
    print(f"  sent {t.sent}; first answers {fmt(t.first)}; redelivered {fmt(t.redelivered)}")
    print(
        f"  answered 202 (in the end) {len(t.accepted)}; processed once "
        f"{t.processed_once}; lost {t.lost}; duplicated {t.duplicated}"
    )
    print(f"  RSS idle {t.idle_mb:.0f} MB, peak {t.peak_mb:.0f} MB ({t.peak_mb / t.idle_mb:.2f}x)")
    wrong = f" (wrong: {fmt(t.health_wrong)})" if t.health_wrong else ""
    print(f"  /healthz truthful in {t.health_ok}/{t.health_samples} samples{wrong}")
    for note in t.notes:
        print(f"  - {note}")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--src", default=None, help="run the server from another checkout's src/ (for 'before')"
    )
    parser.add_argument(
        "--only", default=None, help="comma-separated: full_disk,unsigned,poisoned,deleted"
    )
    args = parser.parse_args()
    chosen = set((args.only or "full_disk,unsigned,poisoned,deleted").split(","))
    tmp = Path(tempfile.mkdtemp(prefix="bench-faults-"))
    print(f"server code: {args.src or 'this checkout'}; logs in {tmp}")
    timeout = aiohttp.ClientTimeout(total=60)
    async with (
        FakeGitHub() as github,
        FakePyPI() as pypi,
        aiohttp.ClientSession(timeout=timeout, connector=aiohttp.TCPConnector(limit=200)) as http,
    ):
        github.add_repo(REPO, collaborators={"maintainer1": "write"})
        scenarios: list[tuple[str, Callable[[Server], Any]]] = [
            ("full_disk", lambda s: full_disk(http, s, github)),
            ("unsigned", lambda s: unsigned_bodies(http, s, github, s.max_body)),
            ("poisoned", lambda s: poisoned_batch(http, s, github)),
            ("deleted", lambda s: deleted_issue(http, s, github)),
        ]
        for name, run in scenarios:
            if name not in chosen:
                continue
            server = Server(tmp, github, pypi, args.src)
            try:
                await server.wait_up(http)
                await asyncio.sleep(0.5)
                tally = await run(server)
            finally:
                rows = server.stop()
            ok = frozenset({"gone"}) if name == "deleted" else frozenset({"applied", "unchanged"})
            settle(tally, github, rows, ok)
            report(tally)


def max_body_of(src: str | None) -> int:
    """The server's default ``max_body_bytes`` (differs between before and after)."""
    code = "from recovery_bot.core.config import ServerConfig; print(ServerConfig().max_body_bytes)"
    env = {**os.environ, **({"PYTHONPATH": src} if src else {})}
    return int(
        subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
        ).stdout
    )


if __name__ == "__main__":
    asyncio.run(main())
