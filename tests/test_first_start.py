"""A new install is quiet: the server's digest schedule posts nothing until the bot has
watched a whole week (its first trace on GitHub is before the week began); the
``digest`` command posts anyway. History is read from GitHub, so it also holds for the
Actions mode (tests/test_action.py) and for a server whose journal was lost."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import aiohttp

from recovery_bot.app import parse_config
from recovery_bot.core.snapshot import CommentInfo, IssueSnapshot, LabelEvent
from recovery_bot.digest.post import META_LAST_WEEK, history_start, post_digest, run_due
from recovery_bot.digest.report import IsoWeek
from recovery_bot.platform.github import GitHubFactory, TokenAuth
from recovery_bot.platform.journal import Journal
from recovery_bot.platform.permissions import Maintainers
from recovery_bot.sandbox.fake_github import FakeGitHub

REPO = "pypi/support"
BOT = "recovery-bot[bot]"
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # Monday, after the 08:00 run: W47 is owed
W47 = IsoWeek(2026, 47)


def issues_created(fake: FakeGitHub) -> list[str]:
    return [
        c.json["title"]
        for c in fake.writes()
        if c.method == "POST" and c.decoded_path == f"/repos/{REPO}/issues"
    ]


async def test_first_start_posts_no_digest_until_a_full_week_is_watched(tmp_path: Path) -> None:
    config = parse_config({"repositories": [REPO]})
    async with FakeGitHub(now=lambda: NOW) as fake, aiohttp.ClientSession() as session:
        fake.add_repo(REPO)
        n = fake.add_issue(
            REPO,
            title="Account recovery request",
            body="x",
            user="rep",
            labels=["account-recovery"],
            created_at=NOW - timedelta(days=20),
        )
        bot = SimpleNamespace(
            config=config,
            journal=Journal(str(tmp_path / "j.sqlite3")),
            factory=GitHubFactory(
                session, base_url=fake.url, auth=TokenAuth("t"), config=config.github
            ),
            maintainers=Maintainers(config),
            dry_run=False,
            clock=lambda: NOW.timestamp(),
        )
        try:
            # Brand-new install: nothing by the bot on GitHub yet. Quiet, not recorded.
            result = await run_due(bot, NOW, catch_up=True)
            assert result is not None and (result.action, result.number) == ("quiet", None)
            assert fake.writes() == []
            assert bot.journal.get_meta(META_LAST_WEEK) is None

            # The bot's first comment was on Tuesday of W47: W47 was not watched whole.
            fake.add_comment(
                REPO,
                n["number"],
                body="<!-- recovery-bot:triage -->\nhi",
                user=BOT,
                user_type="Bot",
                created_at=NOW - timedelta(days=6),
            )
            result = await run_due(bot, NOW, catch_up=True)
            assert result is not None and result.action == "quiet"
            assert fake.writes() == []

            # The operator asks for it by hand (`recovery-bot digest`): posted.
            parts_bot = SimpleNamespace(**vars(bot))
            manual = await post_digest(parts_bot, week=W47, now=NOW, dry_run=False)
            assert manual.action == "created"
            assert issues_created(fake) == ["Support backlog digest — 2026-W47"]

            # A first trace before W47 began: the schedule posts (here: finds it).
            fake.add_comment(
                REPO,
                n["number"],
                body="<!-- recovery-bot:triage -->\nold",
                user=BOT,
                user_type="Bot",
                created_at=NOW - timedelta(days=8),
            )
            fake.reset_calls()
            result = await run_due(bot, NOW, catch_up=True)
            assert result is not None and result.action == "exists"
            assert bot.journal.get_meta(META_LAST_WEEK) == "2026-W47"
        finally:
            bot.journal.close()


def test_history_start_is_the_oldest_trace_of_the_bot() -> None:
    t0 = datetime(2026, 11, 1, tzinfo=UTC)
    issue = IssueSnapshot(
        number=1,
        title="t",
        author="rep",
        created_at=t0,
        comments=(
            CommentInfo("maintainer1", t0 + timedelta(days=1)),
            CommentInfo("recovery-bot", t0 + timedelta(days=5)),
        ),
        label_events=(
            LabelEvent("lost 2fa", True, t0 + timedelta(days=3), actor="recovery-bot"),
            LabelEvent("x", True, t0 + timedelta(days=2), actor="someone"),
        ),
    )
    assert history_start([issue], {}, BOT) == t0 + timedelta(days=3)
    assert history_start([issue], {}, "github-actions[bot]") is None
    digest = IssueSnapshot(number=2, title="d", author=BOT, created_at=t0)
    assert history_start([issue], {W47: [digest]}, BOT) == t0
