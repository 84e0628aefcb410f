"""Benchmark: one SLA sweep over 10,000 open issues against the loopback GitHub.

    /work/venv/bin/python bench/bench_sweep.py [--issues 10000] [--compare-rest]

What it builds: a backlog in the steady state an hourly sweep keeps: every issue already
carries the SLA label its clock had an hour ago, reminders due then were posted, and every
recovery issue has its triage comment with the queue bucket of an hour ago. Then the last
hour happens (a few maintainer answers, reporter replies, issues filed while the bot was
down, clocks crossing their thresholds) and the measured sweep runs at ``now``.

What it prints: API reads (GraphQL pages and REST), writes, wall time, CPU time, peak
memory, and the writes of a second sweep (must be 0).

How it measures: the fakes run in their own thread with their own event loop, so
``time.thread_time()`` of the main thread is the bot's CPU alone (HTTP client, JSON,
snapshot mapping, form parsing, clocks, plans); ``time.process_time()`` adds the fakes'.
Peak memory is ``tracemalloc``'s peak over a third, traced sweep (the same reads; tracing
slows a run, so the timed runs are untraced) and the process's ``ru_maxrss`` (which also
holds the fake's own 10,000 issues). ``--compare-rest`` also reads the same backlog the
REST way (issue list pages + each issue's comments and events) to show why GraphQL.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import resource
import sys
import threading
import time
import tracemalloc
from collections.abc import Coroutine
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp

from recovery_bot.app import parse_config
from recovery_bot.commands.rules import snooze_marker
from recovery_bot.intake.decision import decide, gather_facts
from recovery_bot.platform.applier import marker_for
from recovery_bot.platform.github import GitHubFactory, TokenAuth, WriteBudget
from recovery_bot.platform.runtime import Runtime
from recovery_bot.platform.server import Settings
from recovery_bot.sandbox.fake_github import FakeGitHub
from recovery_bot.sandbox.fake_pypi import FakePyPI
from recovery_bot.sla.clocks import REMINDER_MARKER, compute_clock, render_text
from recovery_bot.sla.fetch import fetch_issues
from recovery_bot.sla.queue import build_state, with_queue_block
from recovery_bot.sla.sweep import run_sweep

REPO = "pypi/support"
BOT = "recovery-bot[bot]"
NOW = datetime(2026, 9, 1, 12, 0, tzinfo=UTC)
T0 = NOW - timedelta(hours=1)  # the previous hourly sweep
DAY = timedelta(days=1)

RECOVERY = (
    "### PyPI Username\n\n`{user}`\n\n### Reason for request\n\n{reason}\n\n"
    "### Recovery Codes\n\n- [x] I never generated or have lost access to the recovery codes "
    "for my account\n\n### Code of Conduct\n\n- [x] I agree to follow the PSF Code of Conduct"
    "\n\n### Acknowledgement\n\n- [x] I understand that it may take a significant amount of "
    "time to process my account recovery request.\n"
)
#: The triage comment the bot had written on a complete lost-2FA request (the sweep only
#: compares its queue block).
TRIAGE_TEXT = (
    decide(
        gather_facts(RECOVERY.format(user="alice", reason="Lost 2FA authentication app")),
        parse_config({"repositories": ["pypi/support"]}),
    ).comment
    or ""
)
REASONS = (
    "I lost my phone and with it the authenticator app I used for 2FA on PyPI.",
    "I no longer have access to the e-mail address on my account; my old employer closed it.",
    "Lost both: the 2FA device broke and the e-mail domain expired.",
)
PEP541 = (
    "### Project to be claimed\n\n`proj{n}`: https://pypi.org/project/proj{n}\n\n"
    "### Your PyPI username\n\n`user{n}`: https://pypi.org/user/user{n}\n\n"
    "### Reasons for the request\n\nAbandoned since 2015.\n\n### Maintenance or replacement?"
    "\n\nNone\n\n### Source code repositories URLs\n\nhttps://example.org/r\n\n"
    "### Contact and additional research\n\nWrote twice.\n\n### Code of Conduct\n\n"
    "- [x] I agree to follow the PSF Code of Conduct\n"
)


class FakesThread:
    """The fake GitHub and PyPI on their own event loop in a background thread."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.github = FakeGitHub(now=lambda: NOW)
        self.pypi = FakePyPI({f"user{i}": i % 4 for i in range(50)})

    def run(self, coro: Coroutine[Any, Any, Any]) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result()

    def start(self) -> None:
        self.thread.start()
        self.run(self.github.start())
        self.run(self.pypi.start())

    def stop(self) -> None:
        self.run(self.github.close())
        self.run(self.pypi.close())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join()


def seed_histories(fake: FakeGitHub, n: int, rng: random.Random) -> list[int]:
    """Issues and people's comments/labels up to T0; returns the recovery issue numbers."""
    fake.add_repo(REPO, collaborators={"maintainer1": "write", "maintainer2": "write"})
    specs = []
    for _ in range(n):
        age = min(rng.expovariate(1 / 60), 900) + 0.05
        specs.append(T0 - age * DAY)
    specs.sort()
    recovery: list[int] = []
    for i, created in enumerate(specs, start=1):
        roll = rng.random()
        if roll < 0.85:
            body = RECOVERY.format(user=f"user{i % 50}", reason=rng.choice(REASONS))
            labels = ["account-recovery"]
            recovery.append(i)
        elif roll < 0.93:
            body, labels = PEP541.format(n=i), ["PEP 541"]
        else:
            body, labels = (
                "Please raise the upload limit for my project to 200 MB.",
                ["limit request"],
            )
        by_maint = rng.random() < 0.01
        fake.add_issue(
            REPO,
            number=i,
            title=f"Request {i}",
            body=body,
            user="maintainer2" if by_maint else f"gh-user{i}",
            author_association="COLLABORATOR" if by_maint else "NONE",
            labels=labels,
            created_at=created,
        )
        age_days = (T0 - created) / DAY
        r = rng.random()
        if r < 0.45 or by_maint:
            pass  # waiting for a first answer
        elif r < 0.5:
            at = created + rng.uniform(0.5, min(age_days, 10)) * DAY
            fake.add_event(
                REPO, i, "labeled", actor="maintainer1", label="awaiting response", created_at=at
            )
        else:
            first = created + rng.uniform(0.2, min(age_days, 10)) * DAY
            fake.add_comment(
                REPO,
                i,
                body="We sent an e-mail to the address on the account.",
                user="maintainer1",
                author_association="COLLABORATOR",
                created_at=first,
            )
            if rng.random() < 0.5 and first + DAY < T0:
                back = first + rng.uniform(0.5, (T0 - first) / DAY) * DAY
                fake.add_comment(
                    REPO,
                    i,
                    body="Done, I replied from the new address.",
                    user=f"gh-user{i}",
                    created_at=back,
                )
                if rng.random() < 0.3 and back + DAY < T0:
                    fake.add_comment(
                        REPO,
                        i,
                        body="Thanks, recovery started.",
                        user="maintainer2",
                        author_association="COLLABORATOR",
                        created_at=back + rng.uniform(0.2, (T0 - back) / DAY) * DAY,
                    )
        if rng.random() < 0.1:
            fake.add_comment(
                REPO,
                i,
                body="+1 same here",
                user=f"bystander{i % 97}",
                created_at=created + min(age_days, 1) * DAY / 2,
            )
        if rng.random() < 0.02 and not by_maint:
            start = T0 - rng.uniform(0, 6) * DAY
            until = start + 7 * DAY
            fake.add_comment(
                REPO,
                i,
                body="/snooze 7d",
                user="maintainer1",
                author_association="COLLABORATOR",
                created_at=start,
            )
            fake.add_comment(
                REPO,
                i,
                body=f"Snoozed.\n\n{snooze_marker(until)}",
                user=BOT,
                user_type="Bot",
                created_at=start,
            )
            fake.add_event(REPO, i, "labeled", actor=BOT, label="sla: snoozed", created_at=start)
    # Issues closed in the last four weeks (they feed the typical wait).
    for j in range(300):
        num = n + 1 + j
        created = T0 - rng.uniform(5, 60) * DAY
        fake.add_issue(
            REPO,
            number=num,
            title="closed",
            body=RECOVERY.format(user="user1", reason=REASONS[0]),
            labels=["account-recovery"],
            created_at=created,
        )
        fake.add_comment(
            REPO,
            num,
            body="Recovered.",
            user="maintainer1",
            author_association="COLLABORATOR",
            created_at=created + rng.uniform(1, 4) * DAY,
        )
        fake.add_event(
            REPO, num, "closed", actor="maintainer1", created_at=T0 - rng.uniform(0, 27) * DAY
        )
    return recovery


async def previous_sweep(fake: FakeGitHub, bot: Runtime, recovery: list[int]) -> None:
    """Bring GitHub to what the sweep of an hour ago left (labels, reminders, triage
    comments with their queue bucket), writing straight into the fake's state."""
    sla = bot.config.sla
    gh = await bot.factory.for_repo(REPO)
    opened = (
        await fetch_issues(gh, REPO, states=("OPEN",), bot_login=BOT, maintainers=bot.maintainers)
    ).snapshots
    closed = (
        await fetch_issues(
            gh,
            REPO,
            states=("CLOSED",),
            since=T0 - 28 * DAY,
            bot_login=BOT,
            maintainers=bot.maintainers,
        )
    ).snapshots
    everything = opened + closed
    clocks = {s.number: compute_clock(s, sla.for_form(s.form), sla.labels, T0) for s in everything}
    state = build_state(REPO, everything, clocks, "account-recovery", T0, buckets=sla.queue_buckets)
    wanted = {
        "due_soon": sla.labels.due_soon,
        "overdue": sla.labels.overdue,
        "snoozed": sla.labels.snoozed,
    }
    is_recovery = set(recovery)
    for s in opened:
        clock = clocks[s.number]
        name = wanted.get(clock.state)
        if name and name not in s.labels:
            fake.add_event(REPO, s.number, "labeled", actor=BOT, label=name, created_at=T0)
        for other in set(wanted.values()) & set(s.labels) - {name}:
            fake.add_event(REPO, s.number, "unlabeled", actor=BOT, label=other, created_at=T0)
        if clock.state == "reminder_due":
            text = render_text(sla.reminder_text, s, clock, T0)
            fake.add_comment(
                REPO,
                s.number,
                body=f"{REMINDER_MARKER}\n{text}",
                user=BOT,
                user_type="Bot",
                created_at=T0,
            )
        if s.number in is_recovery and not s.author_is_maintainer:
            label = state.bucket_of(s.created_at, s.number)
            text = with_queue_block(
                TRIAGE_TEXT, "recovery-bot", label, state.paragraph(label) if label else ""
            )
            fake.add_comment(
                REPO,
                s.number,
                body=f"{marker_for('recovery-bot')}\n{text}",
                user=BOT,
                user_type="Bot",
                created_at=s.created_at + timedelta(minutes=1),
            )


def the_last_hour(fake: FakeGitHub, recovery: list[int], rng: random.Random, n: int) -> None:
    """What happened between the two sweeps."""
    waiting = [i for i in recovery if not fake.comments(REPO, i)[:-1]][:2000]
    for i in rng.sample(waiting, 5):  # maintainers answered five waiting issues
        fake.add_comment(
            REPO,
            i,
            body="We sent you an e-mail.",
            user="maintainer1",
            author_association="COLLABORATOR",
            created_at=T0 + 20 * 60 * DAY / 86400,
        )
    for i in rng.sample(recovery, 5):  # five reporters replied
        fake.add_comment(
            REPO, i, body="Any news?", user=f"gh-user{i}", created_at=T0 + 30 * 60 * DAY / 86400
        )
    for k in range(5):  # five issues filed while the bot was down: never triaged
        fake.add_issue(
            REPO,
            number=n + 1000 + k,
            title="Account recovery request",
            body=RECOVERY.format(user=f"user{k}", reason=REASONS[k % 3]),
            user=f"new-user{k}",
            labels=["account-recovery"],
            created_at=T0 + (10 + k) * 60 * DAY / 86400,
        )


def current_rss_mb() -> float:
    """Resident memory now (Linux), to set the sweeps' growth apart from the fakes'."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


async def compare_rest(gh: Any) -> tuple[int, float]:
    """Read the same open issues with REST: list pages + each one's comments + events."""
    calls = 0
    started = time.perf_counter()
    issues = []
    async for issue in gh.getiter(
        "/repos/pypi/support/issues{?state,per_page}", {"state": "open", "per_page": 100}
    ):
        issues.append(issue)
    calls += -(-len(issues) // 100)
    for issue in issues:
        n = issue["number"]
        if issue.get("comments"):
            await gh.list_comments(REPO, n)
            calls += -(-int(issue["comments"]) // 100)
        await gh.label_events(REPO, n)
        calls += 1
    return calls, time.perf_counter() - started


async def main(args: argparse.Namespace) -> None:
    rng = random.Random(541)
    fakes = FakesThread()
    recovery = seed_histories(fakes.github, args.issues, rng)
    fakes.start()
    config = parse_config(
        {"repositories": [REPO], "sla": {"max_writes_per_sweep": 500}}, "bench.yaml"
    )
    from recovery_bot.platform.pypi import PyPIClient

    try:
        async with aiohttp.ClientSession() as session:
            factory = GitHubFactory(
                session,
                base_url=fakes.github.url,
                auth=TokenAuth("t"),
                config=config.github,
                budget=WriteBudget(10**6, 10**6),
            )
            bot = Runtime(
                config=config,
                settings=Settings(sandbox=True),
                session=session,
                factory=factory,
                pypi=PyPIClient(session, fakes.pypi.url),
            )
            t = time.perf_counter()
            await previous_sweep(fakes.github, bot, recovery)
            the_last_hour(fakes.github, recovery, rng, args.issues)
            print(
                f"seeded {args.issues:,} open issues (+300 closed, +5 new) "
                f"in {time.perf_counter() - t:.1f}s",
                file=sys.stderr,
            )

            rss_before = current_rss_mb()
            results = []
            for run in (1, 2, 3):
                traced = run == 3
                fakes.github.reset_calls()
                if traced:
                    tracemalloc.start()
                wall, cpu, proc = time.perf_counter(), time.thread_time(), time.process_time()
                report = await run_sweep(bot, now=NOW, dry_run=False)
                wall = time.perf_counter() - wall
                cpu = time.thread_time() - cpu
                proc = time.process_time() - proc
                peak = tracemalloc.get_traced_memory()[1] if traced else 0
                if traced:
                    tracemalloc.stop()
                results.append((report, wall, cpu, proc, peak, len(fakes.github.writes())))

            rest = await compare_rest(await factory.for_repo(REPO)) if args.compare_rest else None
    finally:
        fakes.stop()

    (r1, wall1, cpu1, proc1, _, w1), (r2, wall2, cpu2, proc2, _, w2), (_, _, _, _, peak, w3) = (
        results
    )
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kinds: dict[str, int] = {}
    for a in r1.actions:
        for w in a.writes:
            key = w.split(" ")[0] + (
                " " + w.split(" ")[1] if w.startswith(("add", "remove", "post", "set")) else ""
            )
            kinds[key] = kinds.get(key, 0) + 1
    print(f"open issues read:        {r1.issues:,}")
    print(
        f"sweep 1 reads:           {r1.reads} (GraphQL pages {r1.graphql_reads}, "
        f"rate-limit cost {r1.graphql_cost}; REST {r1.reads - r1.graphql_reads})"
    )
    print(
        f"sweep 1 writes:          {r1.writes} (on the wire: {w1}; "
        + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items()))
        + ")"
    )
    print(f"sweep 1 issues changed:  {len(r1.actions)}, left over {r1.left_over}")
    print(f"sweep 1 wall time:       {wall1:.2f} s")
    print(f"sweep 1 CPU (bot):       {cpu1:.2f} s  (process incl. fakes: {proc1:.2f} s)")
    print(
        f"sweep 2 reads/writes:    {r2.reads} / {w2}  (wall {wall2:.2f} s, CPU bot "
        f"{cpu2:.2f} s, process {proc2:.2f} s)"
    )
    print(
        f"peak memory (traced):    {peak / 2**20:.1f} MB (tracemalloc peak of one sweep; "
        f"sweep 3 writes {w3})"
    )
    print(
        f"max RSS (whole process): {rss:.0f} MB (includes the fakes' 10k-issue store; "
        f"RSS before the sweeps {rss_before:.0f} MB)"
    )
    if rest is not None:
        print(
            f"REST comparison:         {rest[0]:,} reads, {rest[1]:.1f} s wall "
            f"(vs {r2.reads} GraphQL reads)"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--issues", type=int, default=10_000)
    parser.add_argument("--compare-rest", action="store_true")
    asyncio.run(main(parser.parse_args()))
