"""The SLA sweep end to end: a loopback GitHub holding ~30 issues of many ages and
histories, the real GitHub client, PyPI stand-in, triage and applier.

What is proved here: after one sweep the labels match the clocks exactly and the
reminder/close texts are the configured ones; a second sweep makes no write; the write
cap holds and the oldest issues go first; a dry run writes nothing; a sweep that dies
halfway is safe to rerun; missed issues are triaged; the queue paragraph is refreshed
only when its bucket changes.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio

from fixtures_bodies import triage_text
from recovery_bot.app import parse_config
from recovery_bot.commands.rules import snooze_marker
from recovery_bot.platform.github import GitHubFactory, GitHubUnavailable, TokenAuth, WriteBudget
from recovery_bot.platform.journal import Journal
from recovery_bot.platform.pypi import PyPIClient
from recovery_bot.platform.server import Bot, Settings
from recovery_bot.sandbox.fake_github import FakeGitHub
from recovery_bot.sandbox.fake_pypi import FakePyPI
from recovery_bot.sla.clocks import CLOSE_MARKER, REMINDER_MARKER
from recovery_bot.sla.config import DEFAULT_CLOSE_TEXT, DEFAULT_REMINDER_TEXT
from recovery_bot.sla.queue_hook import get_state
from recovery_bot.sla.sweep import run_sweep, sweep_loop

REPO = "pypi/support"
BOT = "recovery-bot[bot]"
NOW = datetime(2026, 9, 1, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)
TRIAGE = "<!-- recovery-bot:triage -->"
AR = "account-recovery"

RECOVERY_BODY = (
    "### PyPI Username\n\n`{user}`\n\n### Reason for request\n\nI lost my 2FA device.\n\n"
    "### Recovery Codes\n\n- [x] I never generated or have lost access to the recovery "
    "codes for my account\n\n### Code of Conduct\n\n- [x] I agree to follow the PSF Code of "
    "Conduct\n\n### Acknowledgement\n\n- [x] I understand that it may take a significant "
    "amount of time to process my account recovery request.\n"
)
PEP541_BODY = (
    Path(__file__).resolve().parents[1] / "fixtures" / "bodies" / "pep541-placeholders.md"
).read_text()
#: What the bot wrote on RECOVERY_BODY: the pre-existing triage comment of the world below.
RESOLVED_TEXT = triage_text(RECOVERY_BODY.format(user="alice"))
NETWORK_BODY = (
    Path(__file__).resolve().parents[1] / "fixtures" / "bodies" / "network.md"
).read_text()

CONFIG: dict[str, Any] = {
    "repositories": [REPO],
    "maintainers": {"users": ["helper1"]},
    "sla": {
        "max_writes_per_sweep": 200,
        "forms": {AR: {"close_after": "21d"}, "pep541": {}},
    },
}


async def _no_sleep(_: float) -> None:
    return None


def make_bot(
    session: aiohttp.ClientSession, gh_url: str, pypi_url: str, tmp: Path, **sla: Any
) -> Bot:
    """A real ``server.Bot`` (its issue locks included) without workers or jobs."""
    data = {**CONFIG, "sla": {**CONFIG["sla"], **sla}}
    config = parse_config(data, "test.yaml")
    factory = GitHubFactory(
        session,
        base_url=gh_url,
        auth=TokenAuth("t"),
        config=config.github,
        budget=WriteBudget(100_000, 100_000),
        sleep=_no_sleep,
    )
    return Bot(
        config=config,
        settings=Settings(webhook_secret="x", sandbox=True),
        journal=Journal(tmp / "journal.sqlite3"),
        factory=factory,
        pypi=PyPIClient(session, pypi_url),
        session=session,
        run_jobs=False,
    )


@pytest_asyncio.fixture
async def world(
    fake_github: FakeGitHub, fake_pypi: FakePyPI, tmp_path: Path
) -> AsyncIterator[tuple[FakeGitHub, Bot]]:
    fake_github.now = lambda: NOW
    build_backlog(fake_github)
    async with aiohttp.ClientSession() as session:
        bot = make_bot(session, fake_github.url, fake_pypi.url, tmp_path)
        yield fake_github, bot
        bot.journal.close()


# --------------------------------------------------------------------------- the backlog


def _issue(
    fake: FakeGitHub,
    number: int,
    age: float,
    body: str,
    *,
    labels: tuple[str, ...] = (AR,),
    user: str | None = None,
    assoc: str = "NONE",
    user_type: str = "User",
) -> None:
    fake.add_issue(
        REPO,
        number=number,
        title=f"issue {number}",
        body=body,
        user=user or f"reporter{number}",
        user_type=user_type,
        author_association=assoc,
        labels=labels,
        created_at=NOW - age * DAY,
    )


def _triaged(fake: FakeGitHub, n: int, age: float, text: str = RESOLVED_TEXT) -> None:
    fake.add_comment(
        REPO,
        n,
        body=f"{TRIAGE}\n{text}",
        user=BOT,
        user_type="Bot",
        created_at=NOW - age * DAY + timedelta(minutes=1),
    )


def recovery(
    fake: FakeGitHub,
    n: int,
    age: float,
    *,
    triaged: bool = True,
    username: str = "alice",
    text: str = RESOLVED_TEXT,
    **kw: Any,
) -> None:
    _issue(fake, n, age, RECOVERY_BODY.format(user=username), **kw)
    if triaged:
        _triaged(fake, n, age, text)


def maint(
    fake: FakeGitHub,
    n: int,
    ago: float,
    body: str = "We sent you an e-mail.",
    user: str = "maintainer1",
    assoc: str = "COLLABORATOR",
) -> None:
    fake.add_comment(
        REPO, n, body=body, user=user, author_association=assoc, created_at=NOW - ago * DAY
    )


def said(
    fake: FakeGitHub,
    n: int,
    ago: float,
    body: str = "I replied to the e-mail.",
    user: str | None = None,
) -> None:
    fake.add_comment(REPO, n, body=body, user=user or f"reporter{n}", created_at=NOW - ago * DAY)


def bot_said(fake: FakeGitHub, n: int, ago: float, body: str) -> None:
    fake.add_comment(REPO, n, body=body, user=BOT, user_type="Bot", created_at=NOW - ago * DAY)


def label(
    fake: FakeGitHub, n: int, name: str, ago: float, actor: str = BOT, event: str = "labeled"
) -> None:
    fake.add_event(REPO, n, event, actor=actor, label=name, created_at=NOW - ago * DAY)


def build_backlog(fake: FakeGitHub) -> None:
    """30 issues; the comment on each says what its clock is at NOW."""
    recovery(fake, 1, 2)  # ok
    recovery(fake, 2, 6.5)  # due soon (warns at 6d)
    recovery(fake, 3, 10)  # overdue
    recovery(fake, 4, 10, triaged=False)  # answered, never triaged: the sweep stays out
    maint(fake, 4, 8)  # reporter owes for 8d: waiting on reporter
    recovery(fake, 5, 20)
    maint(fake, 5, 16)  # reporter silent 16d: reminder due
    recovery(fake, 6, 30)
    maint(fake, 6, 25)
    bot_said(fake, 6, 10, f"{REMINDER_MARKER}\nreminder")  # reminded 10d ago: close due
    recovery(fake, 7, 12)
    maint(fake, 7, 10, user="helper1", assoc="NONE")  # a configured maintainer
    said(fake, 7, 6)  # reporter answered 6d ago: next response overdue (5d)
    recovery(fake, 8, 12)
    maint(fake, 8, 10)
    said(fake, 8, 4.5)  # next response due in 12h: due soon
    recovery(fake, 9, 9)
    label(fake, 9, "awaiting response", 8, actor="maintainer1")  # waiting on reporter
    recovery(fake, 10, 20)
    label(fake, 10, "status: awaiting response", 15, actor="maintainer1")  # reminder due
    recovery(fake, 11, 15)  # snoozed until NOW + 5d
    maint(fake, 11, 2, "/snooze 7d")
    bot_said(fake, 11, 2, f"Snoozed.\n\n{snooze_marker(NOW + 5 * DAY)}")
    label(fake, 11, "sla: snoozed", 2)
    recovery(fake, 12, 15)  # snoozed 10d ago until 1.5d ago: 8.5 days credited -> due soon
    maint(fake, 12, 10, "/snooze 2026-08-31")
    bot_said(fake, 12, 10, f"Snoozed.\n\n{snooze_marker(NOW - 1.5 * DAY)}")
    label(fake, 12, "sla: snoozed", 10)
    recovery(fake, 13, 3)
    label(fake, 13, "sla: overdue", 1)  # stale bot label: removed
    recovery(fake, 14, 3)
    label(fake, 14, "sla: overdue", 1, actor="maintainer1")  # a person's label: kept
    recovery(fake, 15, 10)
    label(fake, 15, "sla: overdue", 2)  # already right
    recovery(fake, 16, 8)
    label(fake, 16, "sla: due soon", 1.5)  # due soon -> overdue
    recovery(fake, 17, 20, triaged=False, user="maintainer1", assoc="COLLABORATOR")
    _issue(
        fake, 18, 20, RECOVERY_BODY.format(user="alice"), user="dependabot[bot]", user_type="Bot"
    )  # opened by a bot: untracked
    _issue(fake, 19, 35, PEP541_BODY, labels=("PEP 541",))  # overdue (30d)
    _issue(fake, 20, 28, PEP541_BODY, labels=("PEP 541",))  # due soon (warns at 27d)
    _issue(fake, 21, 5, NETWORK_BODY, labels=("network",))  # no SLA for this form
    label(fake, 21, "sla: due soon", 1)
    recovery(fake, 22, 20)  # closed two days ago: left alone
    maint(fake, 22, 15)
    fake.add_event(REPO, 22, "closed", actor="maintainer1", created_at=NOW - 2 * DAY)
    recovery(fake, 23, 1, triaged=False)  # missed delivery: triaged by the sweep
    recovery(fake, 24, 2, triaged=False, username="someone@example.com")  # missed, with problems
    recovery(fake, 25, 4)  # comment from before the queue feature: gets a block
    recovery(fake, 26, 5, text=f"{RESOLVED_TEXT}\n\n<!-- recovery-bot:queue bucket=10 -->\nold")
    maint(fake, 26, 3)  # answered: the block goes
    recovery(fake, 27, 5, text=f"{RESOLVED_TEXT}\n\n<!-- recovery-bot:queue bucket=10 -->\nold")
    recovery(fake, 28, 8)
    said(fake, 28, 6, "Any news?")  # a ping does not restart the maintainers' clock
    recovery(fake, 29, 6.5)
    said(fake, 29, 1, "+1 same problem", user="bystander")
    recovery(fake, 30, 12)
    label(fake, 30, "awaiting response", 10, actor="maintainer1")
    maint(fake, 30, 6, "/resume")
    label(fake, 30, "awaiting response", 6, event="unlabeled")  # our move again since 6d


EXPECTED_LABELS: dict[int, set[str]] = {
    1: {AR},
    2: {AR, "sla: due soon"},
    3: {AR, "sla: overdue"},
    4: {AR},
    5: {AR},
    6: {AR},
    7: {AR, "sla: overdue"},
    8: {AR, "sla: due soon"},
    9: {AR, "awaiting response"},
    10: {AR, "status: awaiting response"},
    11: {AR, "sla: snoozed"},
    12: {AR, "sla: due soon"},
    13: {AR},
    14: {AR, "sla: overdue"},  # put on by a person: the bot never removes it
    15: {AR, "sla: overdue"},
    16: {AR, "sla: overdue"},
    17: {AR},
    18: {AR},
    19: {"PEP 541", "sla: overdue"},
    20: {"PEP 541", "sla: due soon"},
    21: {"network"},
    22: {AR},
    23: {AR, "lost 2fa"},
    25: {AR},
    26: {AR},
    27: {AR},
    28: {AR, "sla: overdue"},
    29: {AR, "sla: due soon"},
    30: {AR, "sla: overdue"},
}

# Waiting recovery issues, oldest first (ties by number): their queue positions.
QUEUE_ORDER = [3, 15, 16, 28, 2, 29, 27, 25, 13, 14, 1, 24, 23]
PARAGRAPH_10 = (
    "There are between 1 and 10 open account-recovery requests ahead of yours; recently "
    "the first reply came after about 2 days."
)


def labels_of(fake: FakeGitHub) -> dict[int, set[str]]:
    return {n: set(fake.labels(REPO, n)) for n in range(1, 31)}


def assert_labels_match(fake: FakeGitHub) -> None:
    got = labels_of(fake)
    assert {n: got[n] for n in EXPECTED_LABELS} == EXPECTED_LABELS
    assert {AR, "needs more info", "lost 2fa"} <= got[24]
    assert not {x for x in got[24] if x.startswith("sla: ")}


def bot_comments(fake: FakeGitHub, n: int) -> list[str]:
    return [c["body"] for c in fake.comments(REPO, n) if c["user"]["login"] == BOT]


def triage_comment(fake: FakeGitHub, n: int) -> str:
    (body,) = [b for b in bot_comments(fake, n) if b.startswith(TRIAGE)]
    return body


def snapshot_state(fake: FakeGitHub) -> dict[int, Any]:
    return {
        n: (sorted(fake.labels(REPO, n)), fake.issue(REPO, n)["state"], bot_comments(fake, n))
        for n in range(1, 31)
    }


# --------------------------------------------------------------------------- tests


async def test_one_sweep_makes_labels_match_clocks_and_a_second_writes_nothing(
    world: tuple[FakeGitHub, Bot],
) -> None:
    fake, bot = world
    fake.reset_calls()
    report = await run_sweep(bot, now=NOW, dry_run=False)

    assert_labels_match(fake)
    got = labels_of(fake)
    # Every SLA label on an issue is the one its clock asks for (#14's is a person's).
    for (_, n), clock in report.clocks.items():
        sla_labels = {x for x in got.get(n, set()) if x.startswith("sla: ")}
        want = {
            "due_soon": {"sla: due soon"},
            "overdue": {"sla: overdue"},
            "snoozed": {"sla: snoozed"},
        }.get(clock.state, set())
        if n != 14:
            assert sla_labels == want, (n, clock.state)

    # The reminders and the close, with the configured texts.
    url = "https://github.com/pypi/support/issues/{}"
    reminder5 = DEFAULT_REMINDER_TEXT.format(
        reporter="reporter5", issue_url=url.format(5), days="16"
    )
    reminder10 = DEFAULT_REMINDER_TEXT.format(
        reporter="reporter10", issue_url=url.format(10), days="15"
    )
    assert bot_comments(fake, 5)[-1] == f"{REMINDER_MARKER}\n{reminder5}"
    assert bot_comments(fake, 10)[-1] == f"{REMINDER_MARKER}\n{reminder10}"
    assert bot_comments(fake, 6)[-1] == f"{CLOSE_MARKER}\n{DEFAULT_CLOSE_TEXT.format(days='25')}"
    closed = fake.issue(REPO, 6)
    assert (closed["state"], closed["state_reason"]) == ("closed", "not_planned")
    for n in (4, 7, 8, 9, 11, 12):
        assert not any(REMINDER_MARKER in b or CLOSE_MARKER in b for b in bot_comments(fake, n))
    assert fake.issue(REPO, 22)["state"] == "closed"
    assert not [c for c in fake.writes() if "/issues/22" in c.path]

    # Reads: one GraphQL page of open issues, one of recently closed ones; label
    # removals were checked against the history already read.
    assert report.graphql_reads == 2
    assert not [c for c in fake.calls if c.path.endswith("/events")]
    assert report.http_writes == len(fake.writes()) == report.writes
    assert report.left_over == 0 and not report.errors

    fake.reset_calls()
    again = await run_sweep(bot, now=NOW, dry_run=False)
    assert fake.writes() == []
    assert again.writes == 0 and again.actions == []
    assert again.reads == 2  # nothing due: only the two GraphQL pages


async def test_missed_issues_are_triaged_with_their_queue_position(
    world: tuple[FakeGitHub, Bot],
) -> None:
    fake, bot = world
    await run_sweep(bot, now=NOW, dry_run=False)

    c23 = triage_comment(fake, 23)
    assert c23 == (
        f"{TRIAGE}\n{RESOLVED_TEXT}\n\n<!-- recovery-bot:queue bucket=25 -->\n"
        "There are between 11 and 25 open account-recovery requests ahead of yours; "
        "recently the first reply came after about 2 days."
    )
    c24 = triage_comment(fake, 24)
    assert "**If you don't know your username.** The username field holds an e-mail" in c24
    assert c24.endswith("<!-- recovery-bot:queue bucket=25 -->\n" + c23.rsplit("\n", 1)[1])
    # Opened by a maintainer or a bot, or answered: not triaged by the sweep.
    for n in (4, 17, 18):
        assert not [b for b in bot_comments(fake, n) if b.startswith(TRIAGE)]
    state = get_state(bot, REPO, AR)
    assert state is not None and state.typical_wait_days == 2.0
    assert [n for _, n in state.waiting] == QUEUE_ORDER


async def test_queue_block_is_added_removed_and_left_alone_by_bucket(
    world: tuple[FakeGitHub, Bot],
) -> None:
    fake, bot = world
    await run_sweep(bot, now=NOW, dry_run=False)
    block10 = f"<!-- recovery-bot:queue bucket=10 -->\n{PARAGRAPH_10}"
    assert triage_comment(fake, 25) == f"{TRIAGE}\n{RESOLVED_TEXT}\n\n{block10}"  # added
    assert triage_comment(fake, 26) == f"{TRIAGE}\n{RESOLVED_TEXT}"  # answered: removed
    # Same bucket as shown: untouched, even though its paragraph is old.
    assert triage_comment(fake, 27).endswith("bucket=10 -->\nold")
    assert triage_comment(fake, 3).endswith(
        "<!-- recovery-bot:queue bucket=0 -->\nNo other open account-recovery requests are "
        "waiting ahead of yours; recently the first reply came after about 2 days."
    )
    assert {n: len(bot_comments(fake, n)) for n in QUEUE_ORDER} == dict.fromkeys(QUEUE_ORDER, 1)

    # A maintainer answers the oldest issue: every position drops by one, and only the
    # comments whose bucket changes are edited (#15: 1 -> 0, #24: 11 -> 10).
    maint(fake, 3, 0.1)
    fake.reset_calls()
    report = await run_sweep(bot, now=NOW, dry_run=False)
    edited = sorted(a.number for a in report.actions)
    assert edited == [3, 15, 24]  # 3: answered, so its overdue label and block go
    by_issue = {a.number: a.writes for a in report.actions}
    assert [w.split()[0] for w in by_issue[15] + by_issue[24]] == ["edit", "edit"]
    assert by_issue[3][0] == "remove label 'sla: overdue'"
    assert len(fake.writes()) == 4
    assert "bucket=0 -->" in triage_comment(fake, 15)
    assert "bucket=10 -->" in triage_comment(fake, 24)
    assert "queue bucket" not in triage_comment(fake, 3)


async def test_write_cap_is_respected_oldest_first_and_runs_converge(
    world: tuple[FakeGitHub, Bot], fake_pypi: FakePyPI, tmp_path: Path
) -> None:
    fake, bot = world
    cap = 6
    (tmp_path / "capped").mkdir()
    async with aiohttp.ClientSession() as session:
        capped = make_bot(
            session, fake.url, fake_pypi.url, tmp_path / "capped", max_writes_per_sweep=cap
        )
        fake.reset_calls()
        first = await run_sweep(capped, now=NOW, dry_run=False)
        assert 0 < len(fake.writes()) <= cap and first.writes <= cap
        assert first.left_over > 0
        # Oldest first: #6 (30 days) and #19 (35 days) were handled before anything newer.
        touched = [a.number for a in first.actions]
        assert touched[:2] == [19, 6]
        runs = 1
        while True:
            fake.reset_calls()
            r = await run_sweep(capped, now=NOW, dry_run=False)
            runs += 1
            assert len(fake.writes()) <= cap
            if r.left_over == 0:
                break
            assert runs < 30
        capped.journal.close()
    fake.reset_calls()
    assert (await run_sweep(bot, now=NOW, dry_run=False)).writes == 0
    assert_labels_match(fake)
    assert runs > 3  # the cap really split the work


async def test_dry_run_writes_nothing_and_reports_what_a_run_would_do(
    world: tuple[FakeGitHub, Bot],
) -> None:
    fake, bot = world
    before = snapshot_state(fake)
    fake.reset_calls()
    dry = await run_sweep(bot, now=NOW, dry_run=True)
    assert fake.writes() == [] and dry.http_writes == 0
    assert snapshot_state(fake) == before
    lines = [a.line() for a in dry.actions]
    assert any(x.startswith("pypi/support#13 sla: remove label 'sla: overdue'") for x in lines)
    real = await run_sweep(bot, now=NOW, dry_run=False)
    assert sorted((a.number, a.writes) for a in dry.actions) == sorted(
        (a.number, a.writes) for a in real.actions
    )
    assert dry.writes == real.writes


async def test_a_sweep_that_dies_halfway_is_safe_to_rerun(
    world: tuple[FakeGitHub, Bot], fake_pypi: FakePyPI, tmp_path: Path
) -> None:
    fake, bot = world
    # The reminder on #10 fails (5xx on a create is never repeated): the run dies there,
    # with the older issues done and the newer ones not.
    fake.fail("POST", "/repos/pypi/support/issues/10/comments", status=502, times=1)
    with pytest.raises(GitHubUnavailable):
        await run_sweep(bot, now=NOW, dry_run=False)
    assert bot_comments(fake, 5)[-1].startswith(REMINDER_MARKER)  # older: done
    assert fake.labels(REPO, 2) == [AR]  # newer: not yet
    await run_sweep(bot, now=NOW, dry_run=False)
    assert_labels_match(fake)
    for n in (5, 10):  # one reminder each, never two
        assert sum(b.startswith(REMINDER_MARKER) for b in bot_comments(fake, n)) == 1
    for n in (23, 24):
        assert len(bot_comments(fake, n)) == 1
    fake.reset_calls()
    await run_sweep(bot, now=NOW, dry_run=False)
    assert fake.writes() == []


async def test_a_failing_issue_is_reported_and_the_rest_go_on(
    world: tuple[FakeGitHub, Bot],
) -> None:
    fake, bot = world
    fake.fail("POST", "/repos/pypi/support/issues/3/labels", status=422, times=1)
    report = await run_sweep(bot, now=NOW, dry_run=False)
    assert len(report.errors) == 1 and report.errors[0].startswith("pypi/support#3")
    assert fake.labels(REPO, 3) == [AR]
    assert set(fake.labels(REPO, 2)) == EXPECTED_LABELS[2]


async def test_sweep_loop_runs_at_the_interval_and_survives_a_failed_run(
    world: tuple[FakeGitHub, Bot], caplog: pytest.LogCaptureFixture
) -> None:
    fake, bot = world
    slept: list[float] = []

    async def sleep(s: float) -> None:
        slept.append(s)

    fake.fail("POST", "/graphql", status=401, times=1)  # first run fails on its first read
    with caplog.at_level(logging.INFO, logger="recovery_bot.sla.sweep"):
        await sweep_loop(bot, first_delay=5, clock=lambda: NOW, sleep=sleep, runs=2)
    assert slept == [5, 3600.0]
    assert "sla sweep failed" in caplog.text
    assert "sla sweep: repos=pypi/support issues=29" in caplog.text
    assert set(fake.labels(REPO, 3)) == EXPECTED_LABELS[3]


def test_missed_triage_is_limited_to_recent_issues() -> None:
    """Installing the bot must not comment on every issue of an old backlog: only issues
    filed within sla.triage_missed_within count as missed deliveries."""
    from fixtures_bodies import recovery_body
    from recovery_bot.core.snapshot import IssueSnapshot
    from recovery_bot.sla.sweep import needs_triage

    now = datetime(2026, 11, 22, 12, tzinfo=UTC)

    def issue(age_days: float) -> IssueSnapshot:
        return IssueSnapshot(
            number=1,
            title="Account recovery request",
            author="reporter",
            created_at=now - timedelta(days=age_days),
            labels=("account-recovery",),
            form="account-recovery",
            body=recovery_body(),
        )

    kw = {
        "marker": "recovery-bot",
        "bot_login": "recovery-bot[bot]",
        "form_label": "account-recovery",
        "now": now,
    }
    week = timedelta(days=7)
    assert needs_triage(issue(6.9), None, within=week, **kw) is True
    assert needs_triage(issue(7.1), None, within=week, **kw) is False
    assert needs_triage(issue(400), None, within=None, **kw) is True  # null: backfill
    assert parse_config({"repositories": ["pypi/support"]}).sla.triage_missed_within == week
    cfg = parse_config({"repositories": ["pypi/support"], "sla": {"triage_missed_within": None}})
    assert cfg.sla.triage_missed_within is None
