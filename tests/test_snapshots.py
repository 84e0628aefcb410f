"""Reading issues as snapshots: one GraphQL read per 100 issues, REST-shaped logins,
maintainer/bot mapping, snoozes, truncation, and smaller pages when GitHub times out."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import aiohttp
import pytest_asyncio

from recovery_bot.app import parse_config
from recovery_bot.commands.rules import snooze_marker
from recovery_bot.core.config import MaintainersConfig
from recovery_bot.core.snapshot import CommentInfo, LabelEvent
from recovery_bot.platform.github import GitHubClient
from recovery_bot.platform.permissions import Maintainers
from recovery_bot.sandbox.fake_github import FakeGitHub
from recovery_bot.sla.fetch import (
    ISSUES_QUERY,
    fetch_issues,
    fetch_snapshots,
    maintainer_check,
    rest_comments,
    rest_login,
    snoozed_until,
)

REPO = "pypi/support"
BOT = "recovery-bot[bot]"
NOW = datetime(2026, 9, 1, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)
BODY = "### PyPI Username\n\n`alice`\n\n### Reason for request\n\nI lost my 2FA device.\n"
COMMON = {"marker": "recovery-bot", "bot_login": BOT}


async def _no_sleep(_: float) -> None:
    return None


@pytest_asyncio.fixture
async def gh(fake_github: FakeGitHub) -> AsyncIterator[GitHubClient]:
    fake_github.now = lambda: NOW
    async with aiohttp.ClientSession() as session:
        yield GitHubClient(session, oauth_token="t", base_url=fake_github.url, sleep=_no_sleep)


def graphql_calls(fake: FakeGitHub) -> list[dict]:
    return [c.json for c in fake.calls if c.path == "/graphql"]


async def test_one_issue_mapped_with_rest_logins_maintainers_and_bots(
    fake_github: FakeGitHub, gh: GitHubClient
) -> None:
    fake = fake_github
    fake.add_issue(
        REPO,
        title="Account recovery",
        body=BODY,
        labels=["account-recovery"],
        user="reporter1",
        created_at=NOW - 5 * DAY,
    )
    fake.add_comment(
        REPO,
        1,
        body="<!-- recovery-bot:triage -->\nhi",
        user=BOT,
        user_type="Bot",
        created_at=NOW - 5 * DAY,
    )
    fake.add_comment(
        REPO,
        1,
        body="mail sent",
        user="maintainer1",
        author_association="COLLABORATOR",
        created_at=NOW - 4 * DAY,
    )
    fake.add_comment(REPO, 1, body="on it", user="helper1", created_at=NOW - 3 * DAY)
    fake.add_comment(
        REPO, 1, body="beep", user="other-app[bot]", user_type="Bot", created_at=NOW - 2 * DAY
    )
    fake.add_comment(REPO, 1, body="thanks", user="reporter1", created_at=NOW - DAY)
    fake.add_event(REPO, 1, "labeled", actor=BOT, label="sla: overdue", created_at=NOW - DAY)

    (s,) = await fetch_snapshots(gh, REPO, maintainers=["helper1"], **COMMON)
    assert (s.number, s.title, s.author, s.state, s.form) == (
        1,
        "Account recovery",
        "reporter1",
        "open",
        "account-recovery",
    )
    assert s.created_at == NOW - 5 * DAY
    assert s.labels == ("account-recovery", "sla: overdue")
    assert s.html_url == "https://github.com/pypi/support/issues/1"
    assert s.body == BODY
    assert not s.author_is_maintainer and not s.author_is_bot
    assert [(c.author, c.is_maintainer, c.is_bot) for c in s.comments] == [
        (BOT, False, True),  # GraphQL says "recovery-bot": REST spelling restored
        ("maintainer1", True, False),  # association
        ("helper1", True, False),  # configured maintainer
        ("other-app[bot]", False, True),
        ("reporter1", False, False),
    ]
    assert all(c.id > 0 for c in s.comments)
    assert s.label_events == (
        LabelEvent("account-recovery", True, NOW - 5 * DAY, "reporter1"),
        LabelEvent("sla: overdue", True, NOW - DAY, BOT),
    )
    rc = rest_comments(s)
    assert rc[0]["user"]["login"] == BOT and rc[0]["body"].startswith("<!-- recovery-bot:triage")
    # The query is a constant; everything else travels as variables, none named "query".
    (call,) = graphql_calls(fake)
    assert call["query"] == ISSUES_QUERY
    assert "query" not in call["variables"]
    assert call["variables"]["states"] == ["OPEN"] and call["variables"]["pageSize"] == 100


async def test_closed_issue_and_authors_that_are_maintainers_or_bots(
    fake_github: FakeGitHub, gh: GitHubClient
) -> None:
    fake = fake_github
    fake.add_issue(
        REPO,
        title="a",
        body=BODY,
        user="maintainer1",
        author_association="COLLABORATOR",
        created_at=NOW - 3 * DAY,
    )
    fake.add_issue(
        REPO, title="b", body="", user="dependabot[bot]", user_type="Bot", created_at=NOW - 2 * DAY
    )
    fake.add_issue(
        REPO,
        title="c",
        body=BODY,
        state="closed",
        state_reason="not_planned",
        created_at=NOW - 10 * DAY,
        closed_at=NOW - DAY,
    )
    opened = await fetch_snapshots(gh, REPO, **COMMON)
    assert [(s.number, s.author_is_maintainer, s.author_is_bot, s.form) for s in opened] == [
        (1, True, False, "account-recovery"),
        (2, False, True, None),
    ]
    (closed,) = await fetch_snapshots(gh, REPO, states=("CLOSED",), **COMMON)
    assert (closed.state, closed.state_reason, closed.closed_at) == (
        "closed",
        "not_planned",
        NOW - DAY,
    )


async def test_issue_closed_as_duplicate_reads_duplicate(
    fake_github: FakeGitHub, gh: GitHubClient
) -> None:
    # Issue.stateReason says DUPLICATE only when asked with enableDuplicate: true;
    # otherwise the digest counts duplicates as "not planned" (issue #11 item 11).
    fake_github.add_issue(
        REPO,
        title="d",
        body=BODY,
        state="closed",
        state_reason="duplicate",
        created_at=NOW - 10 * DAY,
        closed_at=NOW - DAY,
    )
    (closed,) = await fetch_snapshots(gh, REPO, states=("CLOSED",), **COMMON)
    assert (closed.state, closed.state_reason) == ("closed", "duplicate")
    assert "stateReason(enableDuplicate: true)" in graphql_calls(fake_github)[0]["query"]


async def test_one_read_per_100_issues_oldest_first_and_since(
    fake_github: FakeGitHub, gh: GitHubClient
) -> None:
    fake = fake_github
    for i in range(250):  # filed newest first, so ASC order is not insertion order
        fake.add_issue(
            REPO,
            title=f"t{i}",
            body=BODY,
            created_at=NOW - (300 - i) * DAY if i % 2 else NOW - (i + 1) * timedelta(hours=1),
        )
    fake.reset_calls()
    res = await fetch_issues(gh, REPO, **COMMON)
    assert res.reads == 3 and len(graphql_calls(fake)) == 3
    assert len(res.snapshots) == 250
    created = [s.created_at for s in res.snapshots]
    assert created == sorted(created)
    assert res.cost >= 3 and res.truncated == set()

    fake.reset_calls()
    recent = await fetch_snapshots(gh, REPO, since=NOW - 12 * timedelta(hours=1), **COMMON)
    assert {s.number for s in recent} == {i + 1 for i in range(0, 12, 2)}
    assert graphql_calls(fake)[0]["variables"]["since"] == "2026-09-01T00:00:00Z"


async def test_long_histories_keep_the_latest_100_and_are_reported(
    fake_github: FakeGitHub, gh: GitHubClient
) -> None:
    fake = fake_github
    fake.add_issue(REPO, title="busy", body=BODY, created_at=NOW - 30 * DAY)
    for i in range(105):
        fake.add_comment(
            REPO,
            1,
            body=f"c{i}",
            user="someone",
            created_at=NOW - 30 * DAY + i * timedelta(hours=1),
        )
    for i in range(51):
        at = NOW - 20 * DAY + i * timedelta(hours=1)
        fake.add_event(REPO, 1, "labeled", actor="maintainer1", label="x", created_at=at)
        fake.add_event(REPO, 1, "unlabeled", actor="maintainer1", label="x", created_at=at)
    res = await fetch_issues(gh, REPO, **COMMON)
    (s,) = res.snapshots
    assert [c.body for c in s.comments] == [f"c{i}" for i in range(5, 105)]
    assert len(s.label_events) == 100 and s.label_events[-1].added is False
    assert res.truncated_comments == {1} and res.truncated_events == {1}
    assert res.reads == 1  # noted, not paged per issue


async def test_a_page_github_times_out_on_is_asked_again_smaller(
    fake_github: FakeGitHub, gh: GitHubClient
) -> None:
    fake = fake_github
    for i in range(120):
        fake.add_issue(REPO, title=f"t{i}", body=BODY, created_at=NOW - (200 - i) * DAY)
    fake.reset_calls()
    # The client retries a 502 itself (4 times); then the page is halved.
    fake.fail("POST", "/graphql", status=502, times=gh.config.max_retries + 1)
    res = await fetch_issues(gh, REPO, **COMMON)
    assert len(res.snapshots) == 120
    sizes = [c.json["variables"]["pageSize"] for c in fake.calls if c.path == "/graphql"]
    assert sizes == [100] * (gh.config.max_retries + 1) + [50, 50, 50]


async def test_snooze_comes_from_the_bots_marker_and_ends_at_an_early_unlabel(
    fake_github: FakeGitHub, gh: GitHubClient
) -> None:
    fake = fake_github
    until = NOW + 5 * DAY
    for _ in range(3):
        fake.add_issue(REPO, title="s", body=BODY, created_at=NOW - 10 * DAY)
    fake.add_comment(
        REPO,
        1,
        body=f"Snoozed.\n{snooze_marker(until)}",
        user=BOT,
        user_type="Bot",
        created_at=NOW - 2 * DAY,
    )
    fake.add_comment(
        REPO,
        2,
        body=f"Snoozed.\n{snooze_marker(until)}",
        user=BOT,
        user_type="Bot",
        created_at=NOW - 2 * DAY,
    )
    fake.add_event(REPO, 2, "labeled", actor=BOT, label="sla: snoozed", created_at=NOW - 2 * DAY)
    fake.add_event(REPO, 2, "unlabeled", actor=BOT, label="sla: snoozed", created_at=NOW - DAY)
    # A reporter pasting the marker snoozes nothing.
    fake.add_comment(REPO, 3, body=snooze_marker(until), user="reporter", created_at=NOW - DAY)
    got = {s.number: s.snoozed_until for s in await fetch_snapshots(gh, REPO, **COMMON)}
    assert got == {1: until, 2: NOW - DAY, 3: None}


def test_snoozed_until_takes_the_latest_marker_and_ignores_unrelated_labels() -> None:
    def bot(at: datetime, until: datetime) -> CommentInfo:
        return CommentInfo(BOT, at, is_bot=True, body=snooze_marker(until))

    comments = [bot(NOW - 9 * DAY, NOW - 5 * DAY), bot(NOW - 2 * DAY, NOW + 3 * DAY)]
    events = [
        LabelEvent("sla: snoozed", False, NOW - 6 * DAY, BOT),  # ended the first snooze
        LabelEvent("other", False, NOW - DAY, BOT),
    ]
    assert snoozed_until(comments, events, marker="recovery-bot", bot_login=BOT) == NOW + 3 * DAY
    assert snoozed_until([], events, marker="recovery-bot", bot_login=BOT) is None


def test_maintainer_check_accepts_what_callers_hold() -> None:
    config = parse_config({"repositories": [REPO], "maintainers": {"users": ["Helper1"]}}, "t.yaml")
    for holder in (Maintainers(config), MaintainersConfig(users=("helper1",)), ["HELPER1"]):
        check = maintainer_check(holder)
        assert check("helper1", "NONE") and check("x", "MEMBER") and check("x", "owner")
        assert not check("x", "CONTRIBUTOR") and not check("x", None)
    assert maintainer_check(None)("x", "COLLABORATOR") and not maintainer_check(None)("x", "NONE")


def test_rest_login() -> None:
    assert rest_login({"__typename": "Bot", "login": "recovery-bot"}) == (BOT, True)
    assert rest_login({"__typename": "Bot", "login": BOT}) == (BOT, True)
    assert rest_login({"__typename": "User", "login": "x[bot]"}) == ("x[bot]", True)
    assert rest_login({"__typename": "User", "login": "alice"}) == ("alice", False)
    assert rest_login(None) == ("ghost", False)
