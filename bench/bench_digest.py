"""Benchmark: the weekly digest over 10,000 issues with histories.

Seeds a FakeGitHub (the loopback GitHub the tests use, a real HTTP server on 127.0.0.1)
with issues that have comments, label events and closes, then runs one real
``digest.post.post_digest`` against it and prints what it cost: API reads and writes,
wall time, CPU time and peak memory.

The fake serves from a **child process** by default, so the CPU and memory printed are
the bot's alone (the fake's GraphQL executor and its 10,000 issues would otherwise be
most of both). ``--in-process`` serves it from a thread of this process instead; then
``process_time`` and ``ru_maxrss`` include the fake, and ``thread CPU`` is the bot's.
Reads, writes, wall and CPU time and ``ru_maxrss`` come from the real run; the
tracemalloc peak from a second, dry run (tracemalloc slows allocation two- to threefold,
so it must not be on while CPU time is measured).

Shapes (``--shape``):

* ``all`` (default, the worst case): every issue is read. 6,000 are open and 4,000 were
  closed inside the digest's 13-week window.
* ``history``: three years of pypi/support-like traffic. Most issues were closed long
  ago, so the digest reads only the open backlog and the recent closes: reads scale
  with the backlog, not with the repository's history.

Run: ``/work/venv/bin/python bench/bench_digest.py [--issues 10000] [--shape all|history]``
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import random
import resource
import sys
import threading
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

# Imported up front, as in a running server: imports are not the digest's cost.
import aiohttp

from recovery_bot.app import parse_config
from recovery_bot.digest.config import DigestConfig
from recovery_bot.digest.post import DigestParts, post_digest
from recovery_bot.digest.report import IsoWeek
from recovery_bot.platform.github import GitHubClient, WriteBudget
from recovery_bot.platform.permissions import Maintainers

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # Monday 08:00: the W47 digest is due
REPO = "pypi/support"
BOT = "recovery-bot[bot]"
MAINTAINERS = ("maintainer1", "maintainer2", "maintainer3")
FORM_LABELS = ("account-recovery", "pep541", "limit-request")
BODIES = Path(__file__).resolve().parents[1] / "fixtures" / "bodies"


def _bodies() -> list[str]:
    names = ("recovery-t4-ok.md", "recovery-t3-2022.md", "pep541-placeholders.md", "limit-file.md")
    return [(BODIES / n).read_text(encoding="utf-8") for n in names]


def seed(fake: Any, n: int, shape: str, rng: random.Random) -> dict[str, int]:
    """Fill ``fake`` with ``n`` issues; returns a few counts for the report."""
    fake.add_repo(REPO, collaborators={m: "write" for m in MAINTAINERS})
    bodies = _bodies()
    window = timedelta(weeks=13)
    counts = {"issues": n, "open": 0, "closed": 0, "comments": 0, "label_events": 0}
    for i in range(n):
        if shape == "all":
            is_open = i % 5 < 3  # 60 % open
            if is_open:
                created = NOW - timedelta(days=rng.uniform(0, 730))
            else:
                created = NOW - window + timedelta(days=rng.uniform(-60, 80))
        else:  # history: three years, ~12 % still open, skewed to older ones closed
            created = NOW - timedelta(days=rng.uniform(0, 3 * 365))
            age_days = (NOW - created).days
            is_open = rng.random() < (0.45 if age_days < 120 else 0.06)
        form = rng.randrange(4)
        number = fake.add_issue(
            REPO,
            title=f"Request {i}",
            body=bodies[form],
            user=f"reporter{i}",
            labels=[FORM_LABELS[min(form, 2)]],
            created_at=created,
        )["number"]
        counts["label_events"] += 1
        t = created
        for k in range(rng.choice((0, 1, 1, 2, 3, 4, 6, 8))):
            t += timedelta(hours=rng.uniform(2, 24 * 12))
            if t >= NOW:
                break
            maintainer = k % 2 == 0
            fake.add_comment(
                REPO,
                number,
                body="We are looking into it." if maintainer else "Any update? Thanks.",
                user=MAINTAINERS[k % 3] if maintainer else f"reporter{i}",
                author_association="COLLABORATOR" if maintainer else "NONE",
                created_at=t,
            )
            counts["comments"] += 1
            if maintainer and rng.random() < 0.4:
                fake.add_event(
                    REPO,
                    number,
                    "labeled",
                    actor=MAINTAINERS[0],
                    label="awaiting response",
                    created_at=t,
                )
                counts["label_events"] += 1
        if not is_open:
            closed_at = max(t, created) + timedelta(hours=rng.uniform(1, 24 * 20))
            if shape == "all":
                closed_at = min(max(closed_at, NOW - window + timedelta(hours=1)), NOW)
            closed_at = min(closed_at, NOW - timedelta(minutes=1))
            fake.add_event(
                REPO,
                number,
                "closed",
                actor=MAINTAINERS[1],
                state_reason=rng.choice(("completed", "completed", "not_planned")),
                created_at=closed_at,
            )
            counts["closed"] += 1
        else:
            counts["open"] += 1
    # Last week's digest, open: the run will close it.
    fake.add_issue(
        REPO,
        title="Support backlog digest — 2026-W46",
        body="last week",
        user=BOT,
        user_type="Bot",
        labels=["backlog digest"],
        created_at=NOW - timedelta(days=7),
    )
    return counts


# --------------------------------------------------------------------------- the fake


def _build_fake(n: int, shape: str, seed_value: int) -> tuple[Any, dict[str, int], float]:
    from recovery_bot.sandbox.fake_github import FakeGitHub

    fake = FakeGitHub(now=lambda: NOW)
    t0 = time.perf_counter()
    counts = seed(fake, n, shape, random.Random(seed_value))
    return fake, counts, time.perf_counter() - t0


def _serve_child(conn: Any, n: int, shape: str, seed_value: int) -> None:
    """Child process: seed, serve, report the fake's call log on request."""

    async def main() -> None:
        fake, counts, took = _build_fake(n, shape, seed_value)
        url = await fake.start()
        conn.send((url, counts, took))
        loop = asyncio.get_running_loop()
        while await loop.run_in_executor(None, conn.recv) == "report":
            conn.send(_calls(fake))
        await fake.close()

    asyncio.run(main())


def _calls(fake: Any) -> dict[str, Any]:
    return {
        "reads": sum(1 for c in fake.calls if not c.is_write),
        "writes": [f"{c.method} {c.decoded_path} -> {c.status}" for c in fake.writes()],
        "graphql": sum(1 for c in fake.calls if c.path == "/graphql"),
    }


class _ThreadServer:
    """``--in-process``: the fake on its own event loop in a thread of this process."""

    def __init__(self, n: int, shape: str, seed_value: int) -> None:
        self.fake, self.counts, self.seed_time = _build_fake(n, shape, seed_value)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.url = asyncio.run_coroutine_threadsafe(self.fake.start(), self.loop).result()

    def report(self) -> dict[str, Any]:
        return _calls(self.fake)

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self.fake.close(), self.loop).result()
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join()


# --------------------------------------------------------------------------- the bot


async def run_digest(url: str, *, dry_run: bool = False) -> Any:
    config = parse_config(
        {"repositories": [REPO], "maintainers": {"users": list(MAINTAINERS)}}, "(bench)"
    )
    async with aiohttp.ClientSession() as session:
        gh = GitHubClient(session, oauth_token="bench", base_url=url, budget=WriteBudget(60, 450))
        parts = DigestParts(
            gh=gh,
            repo=REPO,
            digest=DigestConfig(repo=REPO),
            sla=config.sla,
            bot_login=BOT,
            marker=config.bot.marker,
            maintainers=Maintainers(config),
        )
        return await post_digest(parts, week=IsoWeek(2026, 47), now=NOW, dry_run=dry_run)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--issues", type=int, default=10_000)
    ap.add_argument("--shape", choices=("all", "history"), default="all")
    ap.add_argument("--seed", type=int, default=47)
    ap.add_argument("--in-process", action="store_true", help="serve the fake from a thread")
    args = ap.parse_args(argv)

    if args.in_process:
        server: Any = _ThreadServer(args.issues, args.shape, args.seed)
        url, counts, seed_time = server.url, server.counts, server.seed_time
    else:
        parent, child = mp.Pipe()
        proc = mp.get_context("spawn").Process(
            target=_serve_child, args=(child, args.issues, args.shape, args.seed)
        )
        proc.start()
        url, counts, seed_time = parent.recv()

    # Run 1 (the real post), timed. No tracemalloc here: it slows allocation-heavy code
    # two- to threefold and would inflate the CPU figure.
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    cpu0, thread0, wall0 = time.process_time(), time.thread_time(), time.perf_counter()
    result = asyncio.run(run_digest(url))
    wall = time.perf_counter() - wall0
    cpu, thread_cpu = time.process_time() - cpu0, time.thread_time() - thread0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    if args.in_process:
        calls = server.report()
    else:
        parent.send("report")
        calls = parent.recv()
    # Run 2 (a dry run, same reads) under tracemalloc, for the peak of Python allocations.
    tracemalloc.start()
    dry = asyncio.run(run_digest(url, dry_run=True))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    if args.in_process:
        server.stop()
    else:
        parent.send("stop")
        proc.join(10)

    read_issues = result.issues_read
    print(
        f"digest bench: {args.issues:,} issues, shape={args.shape}, "
        f"fake {'in a thread' if args.in_process else 'in a child process'}"
    )
    print(
        f"  seeded: {counts['open']:,} open, {counts['closed']:,} closed, "
        f"{counts['comments']:,} comments, {counts['label_events']:,} label events "
        f"({seed_time:.1f}s)"
    )
    print(f"  issues read:     {read_issues:,}")
    print(
        f"  API reads:       {calls['reads']} ({calls['graphql']} GraphQL) = "
        f"{calls['reads'] / max(read_issues, 1) * 100:.2f} per 100 issues read"
    )
    print(f"  API writes:      {len(calls['writes'])}")
    for w in calls["writes"]:
        print(f"    {w}")
    print(f"  wall time:       {wall:.2f} s")
    print(
        f"  CPU time:        {cpu:.2f} s process"
        + (f", {thread_cpu:.2f} s bot thread" if args.in_process else "")
    )
    print(
        f"  peak memory:     {peak / 2**20:.1f} MiB traced (tracemalloc), "
        f"ru_maxrss {rss / 1024:.1f} MiB (before the run: {rss_before / 1024:.1f} MiB)"
    )
    print(
        f"  digest:          {result.action} #{result.number}, {len(result.body):,} chars, "
        f"closed {list(result.closed)}"
    )
    # The second run is a dry run of the applier over the plans the first one left.
    print(f"  dry run after:   {dry.action}, would write {list(dry.writes)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
