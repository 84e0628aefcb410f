"""``recovery-bot demo``: the bot's main job, end to end, with no GitHub account.

Starts the local GitHub and PyPI stand-ins (the same fakes the tests use) and the real
webhook server on 127.0.0.1, sends each sample delivery from ``fixtures/deliveries``
as a real signed HTTP request, waits until the journal is drained, and prints what the
bot did to each issue. Nothing leaves the machine.

Before the deliveries, "GitHub" gets a small backlog (older requests still waiting, and
a few answered recently) and the bot runs one real sweep over it, as a server does at
start-up: that is how the bot measures the queue, so every comment in the demo shows the
reporter's place in it, as it would on pypi/support.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import secrets
import sys
import tempfile
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import aiohttp
from aiohttp import web

from recovery_bot.platform.applier import marker_for
from recovery_bot.platform.github import webhook_signature

if TYPE_CHECKING:
    from recovery_bot.platform.server import Bot

REPO = "pypi/support"


def default_fixtures() -> Path:
    """``fixtures/deliveries`` of the checkout this package was installed from."""
    here = Path(__file__).resolve()
    for parent in here.parents:
        candidate = parent / "fixtures" / "deliveries"
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("no fixtures/deliveries folder found; pass --fixtures DIR")


def load_samples(folder: Path) -> tuple[list[tuple[str, dict[str, Any]]], dict[str, int]]:
    samples = []
    for path in sorted(folder.glob("*.json")):
        if path.name == "pypi-users.json":
            continue
        samples.append((path.stem, json.loads(path.read_text(encoding="utf-8"))))
    users_file = folder / "pypi-users.json"
    users = json.loads(users_file.read_text()) if users_file.exists() else {}
    return samples, users


def seed_issue(fake: Any, payload: dict[str, Any]) -> None:
    """Make the fake GitHub hold the issue a sample delivery talks about."""
    iss = payload["issue"]
    number = int(iss["number"])
    try:
        fake.issue(REPO, number)
    except KeyError:
        fake.add_issue(
            REPO,
            number=number,
            title=iss["title"],
            body=iss.get("body"),
            user=iss["user"]["login"],
            user_type=iss["user"].get("type", "User"),
            author_association=iss.get("author_association", "NONE"),
            labels=[lbl["name"] for lbl in iss.get("labels") or []],
        )
    else:  # an edit: the issue on "GitHub" changes before the delivery arrives
        fake.issue(REPO, number)["body"] = iss.get("body")
        fake.issue(REPO, number)["title"] = iss["title"]


@dataclass
class SandboxStack:
    """The fakes and the real server, running on 127.0.0.1 (see :func:`sandbox_stack`)."""

    github: Any  # FakeGitHub
    pypi: Any  # FakePyPI
    bot: Bot
    url: str  # the bot's base URL (``/webhook``, ``/healthz``, ``/metrics``)
    secret: str
    token: str
    db_path: str


@contextlib.asynccontextmanager
async def sandbox_stack(
    config: Any,
    db_path: str,
    users: dict[str, int],
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    token: str | None = None,
) -> AsyncIterator[SandboxStack]:
    """Start the packaged fake GitHub and PyPI and the real webhook server against them.

    Shared by ``demo`` (which posts every sample and reports) and ``sandbox`` (which
    keeps running for a newcomer to poke). The secret is fresh each time; the token the
    fake accepts is ``token`` (a random one unless given: the fake holds no real data).
    """
    from recovery_bot.app import create_app
    from recovery_bot.platform.github import TokenAuth
    from recovery_bot.platform.server import BOT_KEY, Settings
    from recovery_bot.sandbox.fake_github import FakeGitHub
    from recovery_bot.sandbox.fake_pypi import FakePyPI

    secret = secrets.token_hex(16)
    token = token or "sandbox-" + secrets.token_hex(8)
    fake_gh = FakeGitHub(tokens={token: config.bot.login}, bot_login=config.bot.login)
    fake_gh.add_repo(REPO, collaborators={"maintainer1": "write"})
    fake_pypi = FakePyPI(users)
    await fake_gh.start(host)
    await fake_pypi.start(host)
    settings = Settings(
        webhook_secret=secret,
        github_api_url=fake_gh.url,
        pypi_url=fake_pypi.url,
        db_path=db_path,
        sandbox=True,
        auth=TokenAuth(token),
    )
    app = create_app(config, settings)
    runner = web.AppRunner(app, access_log=None)
    try:
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        await site.start()
        bound = runner.addresses[0][1]
        yield SandboxStack(
            github=fake_gh,
            pypi=fake_pypi,
            bot=app[BOT_KEY],
            url=f"http://{host}:{bound}",
            secret=secret,
            token=token,
            db_path=db_path,
        )
    finally:
        await runner.cleanup()
        await fake_gh.close()
        await fake_pypi.close()


def signed_headers(
    secret: str, body: bytes, event: str = "issues", delivery: str | None = None
) -> dict[str, str]:
    """The headers GitHub sends with a delivery of ``body``."""
    return {
        "Content-Type": "application/json",
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": delivery or str(uuid.uuid4()),
        "X-Hub-Signature-256": webhook_signature(secret, body),
        "User-Agent": "GitHub-Hookshot/sandbox",
    }


#: The demo backlog: requests still waiting (days before the first sample) and requests
#: a maintainer answered recently (days from filing to the first reply). Their median,
#: 5 days, is the "typical wait" the comments quote.
BACKLOG_WAITING_DAYS = (2, 3, 5, 8, 9, 12, 15)
BACKLOG_ANSWERED_AFTER = (3, 4, 5, 6, 8)
BACKLOG_BODY = (
    "### PyPI Username\n\n`backlog-{n}`\n\n### Reason for request\n\nLost 2FA "
    "authentication app\n\n### Recovery Codes\n\n- [x] I never generated or have lost "
    "access to the recovery codes for my account\n\n### Code of Conduct\n\n- [x] I agree "
    "to follow the PSF Code of Conduct\n\n### Acknowledgement\n\n- [x] I understand that "
    "it may take a significant amount of time to process my account recovery request."
)


def seed_backlog(fake: Any, first_sample: datetime, now: datetime) -> None:
    """Older requests on the fake, so the sweep has a queue to measure."""
    for i, days in enumerate(BACKLOG_WAITING_DAYS):
        fake.add_issue(
            REPO,
            title="Account recovery request",
            body=BACKLOG_BODY.format(n=i),
            user=f"waiting{i}",
            labels=["account-recovery"],
            number=12000 + i,
            created_at=first_sample - timedelta(days=days),
        )
    for i, wait in enumerate(BACKLOG_ANSWERED_AFTER):
        filed = now - timedelta(days=20 - i)
        fake.add_issue(
            REPO,
            title="Account recovery request",
            body=BACKLOG_BODY.format(n=i),
            user=f"answered{i}",
            labels=["account-recovery"],
            number=12100 + i,
            created_at=filed,
            state="closed",
            closed_at=filed + timedelta(days=wait),
            closed_by="maintainer1",
        )
        fake.add_comment(
            REPO,
            12100 + i,
            body="Your 2FA has been reset.",
            user="maintainer1",
            author_association="MEMBER",
            created_at=filed + timedelta(days=wait),
        )


async def measure_queue(stack: Any, samples: list[tuple[str, dict[str, Any]]], out: TextIO) -> None:
    """Seed the backlog and run one real sweep, as a server does at start-up."""
    from recovery_bot.sla.queue_hook import get_state
    from recovery_bot.sla.sweep import run_sweep

    now = datetime.now(UTC)
    first_sample = min(
        datetime.fromisoformat(p["issue"]["created_at"].replace("Z", "+00:00")) for _, p in samples
    )
    seed_backlog(stack.github, first_sample, now)
    await run_sweep(stack.bot, now=now, dry_run=False)
    state = get_state(stack.bot, REPO, "account-recovery")
    if state is not None:
        wait = state.typical_wait_days
        print(
            f"sandbox: swept the backlog: {len(state.waiting)} requests waiting, typical "
            f"first reply {'unknown' if wait is None else f'{wait:g} days'}",
            file=out,
        )


async def run(
    folder: Path, db_path: str, out: TextIO, config: Any, *, backlog: bool = True
) -> dict[int, dict[str, Any]]:
    """Run the sandbox; returns {issue number: {"labels", "comments"}} for tests.
    ``backlog=False`` skips the backlog and its sweep (no queue line in the comments)."""
    samples, users = load_samples(folder)
    async with sandbox_stack(config, db_path, users) as stack:
        url = f"{stack.url}/webhook"
        print(
            f"sandbox: bot on {url}, GitHub stand-in {stack.github.url}, PyPI stand-in "
            f"{stack.pypi.url}, journal {db_path}",
            file=out,
        )
        if backlog:
            await measure_queue(stack, samples, out)
        touched: list[int] = []
        async with aiohttp.ClientSession() as http:
            for name, payload in samples:
                seed_issue(stack.github, payload)
                body = json.dumps(payload).encode()
                headers = signed_headers(stack.secret, body)
                async with http.post(url, data=body, headers=headers) as resp:
                    answer = await resp.json()
                number = payload["issue"]["number"]
                print(
                    f"→ {name}: issues.{payload['action']} #{number} → HTTP {resp.status} "
                    f"{answer.get('status')}",
                    file=out,
                )
                # One at a time, so an edit is judged after the issue it edits.
                await stack.bot.wait_idle()
                if number not in touched:
                    touched.append(number)
        return report(stack.github, touched, config, out)


def report(fake: Any, numbers: list[int], config: Any, out: TextIO) -> dict[int, dict[str, Any]]:
    tag = marker_for(config.bot.marker)
    result: dict[int, dict[str, Any]] = {}
    print("\nWhat the bot did:", file=out)
    for n in numbers:
        iss = fake.issue(REPO, n)
        labels = fake.labels(REPO, n)
        comments = fake.comments(REPO, n)
        mine = [c for c in comments if c["user"]["login"] == config.bot.login]
        result[n] = {"labels": labels, "comments": mine}
        print(f"\n#{n} {iss['title']!r} by @{iss['user']['login']}", file=out)
        print(f"  labels: {', '.join(labels) or '(none)'}", file=out)
        if not mine:
            print("  comment: (none)", file=out)
        for c in mine:
            text = c["body"].replace(tag, "").strip()
            print("  comment:", file=out)
            for line in text.splitlines():
                print(f"    | {line}", file=out)
    return result


def run_demo(args: argparse.Namespace) -> int:
    import logging

    from recovery_bot.app import config_or_default

    if not getattr(args, "verbose", False):
        # The report on stdout is the demo's output; the bot's own log lines (one per
        # delivery, plus aiohttp's) would drown it. `recovery-bot -v demo` shows them.
        logging.getLogger().setLevel(logging.WARNING)

    config = config_or_default(args.config)
    folder = Path(args.fixtures) if args.fixtures else default_fixtures()
    with tempfile.TemporaryDirectory(prefix="recovery-bot-demo-") as tmp:
        db = args.db or str(Path(tmp) / "journal.sqlite3")
        asyncio.run(run(folder, db, sys.stdout, config))
    return 0


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "demo",
        help="sandbox: run the bot against local GitHub and PyPI stand-ins and show what it does",
    )
    p.add_argument("--config", default=None, help="app.yaml (default: ./app.yaml or built-in)")
    p.add_argument("--fixtures", default=None, help="folder of sample deliveries")
    p.add_argument("--db", default=None, help="SQLite file (default: a temporary one)")
    p.set_defaults(func=run_demo)
