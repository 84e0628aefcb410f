"""Webhook server benchmark (issue #3). Prints numbers; asserts nothing.

In one run, on this machine's loopback:
1. acknowledgement throughput and p50/p99 latency of signed ``issues.opened`` deliveries
   at 64 concurrent requests (wrk), for a bare aiohttp handler that only answers 202,
   for the mandatory steps of an acknowledgement added one at a time (verify, parse,
   journal: ``floor_server.py``), for the bot's ack path with its workers off
   (``ack_server.py``), each in turn for ``--rounds`` rounds, with each one's ratio to
   the bare handler; then for the real bot (``recovery-bot serve``, journaling every
   delivery while its workers triage them against the fake GitHub);
2. delivery-to-effects latency: one delivery at a time, from sending it to the fake GitHub
   receiving the last write for that issue (labels + comment), PyPI cache warm;
3. GitHub API calls per new account-recovery issue (reads and writes);
4. the bot's peak memory (VmHWM) after all deliveries.

    python bench/bench_server.py [--deliveries 10000] [--concurrency 64]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

import aiohttp

from recovery_bot.platform.github import webhook_signature
from recovery_bot.sandbox.fake_github import FakeGitHub
from recovery_bot.sandbox.fake_pypi import FakePyPI

REPO = "pypi/support"
SECRET = "bench-secret"
HERE = Path(__file__).resolve().parent


def body(i: int) -> str:
    username = "bob@example.com" if i % 3 == 0 else f"`user{i % 50}`"
    return (
        f"### PyPI Username\n\n{username}\n\n### Reason for request\n\nLost my 2FA phone.\n\n"
        "### Recovery Codes\n\n- [x] I never generated or have lost access to the recovery "
        "codes for my account\n\n### Code of Conduct\n\n- [x] I agree to follow the PSF Code "
        "of Conduct\n\n### Acknowledgement\n\n- [x] I understand that it may take a "
        "significant amount of time to process my account recovery request."
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]


async def wait_up(http: aiohttp.ClientSession, url: str) -> None:
    for _ in range(400):
        try:
            async with http.post(url, data=b"{}") as r:
                await r.read()
                return
        except aiohttp.ClientError:
            await asyncio.sleep(0.05)
    raise RuntimeError(f"{url} did not start")


async def load(http, url: str, payloads: list[bytes], concurrency: int) -> tuple[float, list]:
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    it = iter(payloads)

    async def one_client() -> None:
        for raw in it:
            headers = {
                "Content-Type": "application/json",
                "X-GitHub-Event": "issues",
                "X-GitHub-Delivery": str(uuid.uuid4()),
                "X-Hub-Signature-256": webhook_signature(SECRET, raw),
            }
            t0 = time.perf_counter()
            async with http.post(url, data=raw, headers=headers) as r:
                await r.read()
                statuses[r.status] += 1
            latencies.append(time.perf_counter() - t0)

    t0 = time.perf_counter()
    await asyncio.gather(*(one_client() for _ in range(concurrency)))
    elapsed = time.perf_counter() - t0
    return elapsed, [latencies, statuses]


WRK_SCRIPT = """
local bodies = {%s}
local sigs = {%s}
local i = 0
local thread_id = math.random(1, 1000000000)
request = function()
  i = i + 1
  local k = (i %% #bodies) + 1
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["X-GitHub-Event"] = "issues"
  wrk.headers["X-GitHub-Delivery"] = "wrk-" .. thread_id .. "-" .. i
  wrk.headers["X-Hub-Signature-256"] = sigs[k]
  return wrk.format("POST", nil, nil, bodies[k])
end
"""


def lua_string(raw: bytes) -> str:
    return "[==[" + raw.decode() + "]==]"


def wrk_load(
    url: str, payloads: list[bytes], concurrency: int, seconds: int, tmp: Path
) -> dict[str, float] | None:
    """Drive ``url`` with wrk (a C load generator in its own process); None if absent."""
    import re
    import shutil

    if shutil.which("wrk") is None:
        return None
    sigs = [webhook_signature(SECRET, p) for p in payloads]
    script = tmp / "deliveries.lua"
    script.write_text(
        WRK_SCRIPT % (",".join(lua_string(p) for p in payloads), ",".join(f'"{x}"' for x in sigs))
    )
    out = subprocess.run(
        ["wrk", "-t1", f"-c{concurrency}", f"-d{seconds}s", "--latency", "-s", str(script), url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout

    def dur(text: str) -> float:
        m = re.match(r"([\d.]+)(us|ms|s)", text)
        assert m, text
        return float(m.group(1)) * {"us": 1e-6, "ms": 1e-3, "s": 1.0}[m.group(2)]

    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = dur(re.search(r"\n\s+50%\s+(\S+)", out).group(1))
    p99 = dur(re.search(r"\n\s+99%\s+(\S+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": rps,
        "p50": p50,
        "p99": p99,
        "requests": total,
        "non2xx": int(non2xx.group(1)) if non2xx else 0,
    }


# What bench_server compares under wrk, in the order of each round.
ACK_SERVERS = (
    ("bare", "bare 202 handler"),
    ("verify", "+ verify signature"),
    ("parse", "+ parse JSON"),
    ("journal", "+ journal (group commit)"),
    ("ack", "bot's ack path (workers off)"),
)


async def ack_comparison(
    http: aiohttp.ClientSession,
    bare_url: str,
    payloads: list[bytes],
    args: argparse.Namespace,
    tmp: Path,
    github_url: str,
    pypi_url: str,
) -> dict[str, list[dict[str, float]]]:
    """wrk against each of ACK_SERVERS in turn, ``args.rounds`` times.

    The floor servers do only what must happen before a 202 (floor_server.py), each with
    the bot's own function for it: the last one is the cheapest acknowledgement that
    does the same work as the bot's, so the gap between it and the ack path is what the
    bot adds of its own, and the gap between it and the bare handler is the work itself.
    """
    procs: list[subprocess.Popen[bytes]] = []
    urls = {"bare": bare_url}
    try:
        for key, _ in ACK_SERVERS[1:]:
            port = free_port()
            if key == "ack":
                cmd = [
                    sys.executable,
                    str(HERE / "ack_server.py"),
                    str(port),
                    str(tmp / "ack.sqlite3"),
                    github_url,
                    pypi_url,
                ]
            else:
                cmd = [
                    sys.executable,
                    str(HERE / "floor_server.py"),
                    str(port),
                    key,
                    str(tmp / f"floor-{key}.sqlite3"),
                ]
            procs.append(
                subprocess.Popen(  # noqa: ASYNC220 - started before timing
                    cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
                )
            )
            urls[key] = f"http://127.0.0.1:{port}/webhook"
            await wait_up(http, urls[key])
        out: dict[str, list[dict[str, float]]] = {key: [] for key, _ in ACK_SERVERS}
        for _ in range(args.rounds):
            for key, _ in ACK_SERVERS:
                result = await asyncio.to_thread(
                    wrk_load, urls[key], payloads, args.concurrency, args.wrk_seconds, tmp
                )
                assert result is not None
                out[key].append(result)
        return out
    finally:
        for p in procs:
            p.terminate()
            p.wait(10)


def ms(x: float) -> str:
    return f"{x * 1000:.2f} ms"


def vm_hwm_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--deliveries", type=int, default=10_000)
    ap.add_argument("--concurrency", type=int, default=64)
    ap.add_argument("--e2e", type=int, default=200)
    ap.add_argument("--wrk-seconds", type=int, default=5)
    ap.add_argument("--rounds", type=int, default=3, help="wrk rounds of the ack comparison")
    args = ap.parse_args()
    n, e2e_n = args.deliveries, args.e2e

    fake_gh = FakeGitHub()
    fake_gh.add_repo(REPO)
    fake_pypi = FakePyPI({f"user{i}": 1 + i % 3 for i in range(50)})
    await fake_gh.start()
    await fake_pypi.start()

    def new_issue_payload(i: int) -> bytes:
        fake_gh.add_user(f"r{i}")
        num = fake_gh.add_issue(
            REPO,
            title="Account recovery request",
            body=body(i),
            user=f"r{i}",
            labels=["account-recovery"],
        )["number"]
        return json.dumps(fake_gh.webhook_payload("issues", "opened", REPO, num)).encode()

    payloads = [new_issue_payload(i) for i in range(n)]

    tmp = Path(tempfile.mkdtemp(prefix="bench-server-"))
    (tmp / "app.yaml").write_text(
        "repositories: [pypi/support]\nserver: {workers: 8}\n"
        "github: {writes_per_minute: 1000000, writes_per_hour: 1000000}\n"
        # The digest's catch-up at boot would read every seeded issue: not the webhook
        # path under test. The SLA sweep stays on (its first run is 30 s after start).
        "digest: {enabled: false}\n"
    )
    env = {
        **os.environ,
        "GITHUB_WEBHOOK_SECRET": SECRET,
        "GITHUB_TOKEN": "bench",
        "GITHUB_API_URL": fake_gh.url,
        "PYPI_URL": fake_pypi.url,
        "RECOVERY_BOT_DB": str(tmp / "journal.sqlite3"),
    }
    bot_port, bare_port = free_port(), free_port()
    log = (tmp / "bot.log").open("wb")
    bot_cmd = [
        sys.executable,
        "-m",
        "recovery_bot",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(bot_port),
        "--config",
        str(tmp / "app.yaml"),
    ]
    bare_cmd = [sys.executable, str(HERE / "bare_server.py"), str(bare_port)]
    # Started once, before anything is timed: a blocking Popen is fine here.
    bot = subprocess.Popen(bot_cmd, env=env, stdout=log, stderr=log)  # noqa: ASYNC220
    bare = subprocess.Popen(  # noqa: ASYNC220
        bare_cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    bot_url = f"http://127.0.0.1:{bot_port}/webhook"
    bare_url = f"http://127.0.0.1:{bare_port}/webhook"
    try:
        conn = aiohttp.TCPConnector(limit=args.concurrency)
        async with aiohttp.ClientSession(connector=conn) as http:
            await wait_up(http, bare_url)
            await wait_up(http, bot_url)
            # Warm both servers and the PyPI cache with a few deliveries first.
            await load(http, bare_url, payloads[:200], args.concurrency)
            await load(http, bot_url, payloads[:200], args.concurrency)
            # 1a. acknowledgement under load with wrk, if installed: the bare handler,
            # the mandatory steps alone (floor_server.py), the bot's ack path, in turn,
            # for several rounds (this machine's speed drifts; medians are printed).
            wrk_payloads = payloads[200:400]
            ack_rounds: dict[str, list[dict[str, float]]] = {}
            if shutil.which("wrk"):
                ack_rounds = await ack_comparison(
                    http, bare_url, wrk_payloads, args, tmp, fake_gh.url, fake_pypi.url
                )
            wrk_bot = await asyncio.to_thread(
                wrk_load, bot_url, wrk_payloads, args.concurrency, args.wrk_seconds, tmp
            )
            # 1b. the same with this process's aiohttp client: n distinct new issues.
            bare_t, (bare_lat, bare_st) = await load(http, bare_url, payloads[:n], args.concurrency)
            bot_t, (bot_lat, bot_st) = await load(http, bot_url, payloads[:n], args.concurrency)
            # Drain the bot's queue.
            t_drain = time.perf_counter()
            while True:
                async with http.get(f"http://127.0.0.1:{bot_port}/healthz") as r:
                    j = (await r.json())["journal"]
                if j["pending"] + j["running"] + j["failed"] == 0:
                    break
                await asyncio.sleep(0.1)
            drain = time.perf_counter() - t_drain

            # End to end, one at a time.
            e2e: list[float] = []
            per_issue: list[Counter[str]] = []
            call_paths: Counter[str] = Counter()
            for i in range(n, n + e2e_n):
                # Filed now, as a real new issue is just before its delivery: the bot
                # trusts an opened payload's "no comments yet" only for a fresh issue.
                raw = new_issue_payload(i)
                num = json.loads(raw)["issue"]["number"]
                path_prefix = f"/repos/{REPO}/issues/{num}/"
                before = len(fake_gh.calls)
                t0 = time.monotonic()
                _, _ = await load(http, bot_url, [raw], 1)
                want = 2
                for _ in range(2000):
                    done = [
                        c
                        for c in fake_gh.calls[before:]
                        if c.is_write and c.decoded_path.startswith(path_prefix)
                    ]
                    if len(done) >= want:
                        break
                    await asyncio.sleep(0.0005)
                e2e.append(max(c.at for c in done) - t0)
                await asyncio.sleep(0.05)  # let any trailing call land before counting
                calls = [
                    c for c in fake_gh.calls[before:] if not c.decoded_path.startswith("/graphql")
                ]
                per_issue.append(Counter("write" if c.is_write else "read" for c in calls))
                call_paths.update(
                    f"{c.method} "
                    + c.decoded_path.replace(str(num), "{n}").replace(f"/r{i}/", "/{reporter}/")
                    for c in calls
                )
            hwm = vm_hwm_mb(bot.pid)
    finally:
        bot.terminate()
        bare.terminate()
        bot.wait(10)
        bare.wait(10)
        await fake_gh.close()
        await fake_pypi.close()

    bare_rps, bot_rps = n / bare_t, n / bot_t
    if ack_rounds and wrk_bot:
        print(
            f"wrk, {args.wrk_seconds} s at {args.concurrency} connections, signed "
            f"issues.opened with unique delivery ids; median of {args.rounds} rounds, "
            "ratio = median of each round's ratio to that round's bare handler:"
        )
        bare_rounds = ack_rounds["bare"]
        for key, label in ACK_SERVERS:
            runs = ack_rounds[key]
            ratio = statistics.median(
                r["rps"] / b["rps"] for r, b in zip(runs, bare_rounds, strict=True)
            )
            print(
                f"  {label:32} {statistics.median(r['rps'] for r in runs):8,.0f} req/s  "
                f"x{ratio:.2f}  p50 {ms(statistics.median(r['p50'] for r in runs))}  "
                f"p99 {ms(statistics.median(r['p99'] for r in runs))}  "
                f"(non-2xx: {sum(r['non2xx'] for r in runs)})"
            )
        w = wrk_bot
        print(
            f"  {'recovery-bot serve (also triages)':32} {w['rps']:8,.0f} req/s  "
            f"x{w['rps'] / statistics.median(b['rps'] for b in bare_rounds):.2f}  "
            f"p50 {ms(w['p50'])}  p99 {ms(w['p99'])}  (one run, {w['non2xx']} non-2xx)"
        )
    else:
        print("wrk not installed (apt-get install wrk): skipped the wrk measurement")
    print(
        f"aiohttp client in this process, {n} distinct new issues at concurrency "
        f"{args.concurrency} (client-bound; the fakes share this process):"
    )
    print(
        f"  bare 202 handler : {bare_rps:8,.0f} req/s  p50 {ms(statistics.median(bare_lat))}"
        f"  p99 {ms(pct(bare_lat, 99))}  statuses {dict(bare_st)}"
    )
    print(
        f"  recovery-bot     : {bot_rps:8,.0f} req/s  p50 {ms(statistics.median(bot_lat))}"
        f"  p99 {ms(pct(bot_lat, 99))}  statuses {dict(bot_st)}"
    )
    print(f"  throughput ratio bot/bare: {bot_rps / bare_rps:.2f}")
    print(f"queue drained {drain:.1f} s after the last acknowledgement")
    print(
        f"delivery → labels+comment applied (one at a time, warm PyPI cache, n={e2e_n}): "
        f"p50 {ms(statistics.median(e2e))}  p99 {ms(pct(e2e, 99))}"
    )
    writes = [c["write"] for c in per_issue]
    reads = [c["read"] for c in per_issue]
    print(
        f"GitHub REST calls per new account-recovery issue (n={len(per_issue)}, one at a "
        f"time): writes max {max(writes)} mean {statistics.mean(writes):.2f}; reads max "
        f"{max(reads)} mean {statistics.mean(reads):.2f} (the reporter's permission check)"
    )
    for path, count in call_paths.most_common():
        print(f"    {count:4} x {path}")
    print(f"bot peak memory (VmHWM) after {n + e2e_n + 200} deliveries: {hwm:.0f} MB")


if __name__ == "__main__":
    asyncio.run(main())
