"""Posting the weekly digest, end to end against the loopback GitHub.

The backlog is seeded with fixed datetimes; the fake's clock is set to the run's "now",
so every timestamp GitHub writes is deterministic too.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import aiohttp
import gidgethub
import pytest
import pytest_asyncio

from recovery_bot.app import parse_config
from recovery_bot.core.plans import NewIssue, Plan
from recovery_bot.core.snapshot import CommentInfo, IssueSnapshot
from recovery_bot.digest.config import DigestConfig
from recovery_bot.digest.post import (
    META_LAST_WEEK,
    DigestParts,
    digest_loop,
    plan_close,
    plan_week_issue,
    post_digest,
    run_due,
    same_content,
    scheduled_week,
    window_start,
)
from recovery_bot.digest.report import IsoWeek, digest_title
from recovery_bot.platform.github import GitHubClient, GitHubFactory, TokenAuth, WriteBudget
from recovery_bot.platform.journal import Journal
from recovery_bot.platform.permissions import Maintainers
from recovery_bot.sandbox.fake_github import FakeGitHub

REPO = "pypi/support"
BOT = "recovery-bot[bot]"
LABEL = "backlog digest"
W46, W47, W48 = (IsoWeek(2026, w) for w in (46, 47, 48))
NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # Monday: the W47 digest is due
NEXT = NOW + timedelta(days=7)  # Monday: W48
START = datetime(2026, 7, 6, 9, 0, tzinfo=UTC)  # W28

BODIES = Path(__file__).resolve().parents[1] / "fixtures" / "bodies"
RECOVERY_BODY = (BODIES / "recovery-t4-ok.md").read_text(encoding="utf-8")
PEP541_BODY = (BODIES / "pep541-placeholders.md").read_text(encoding="utf-8")
REASONS = ("completed", "not_planned", "duplicate")


class Clock:
    """One "now" shared by the fake GitHub and the code under test."""

    def __init__(self, t: datetime) -> None:
        self.t = t

    def __call__(self) -> datetime:
        return self.t


def seed(fake: FakeGitHub) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """40 requests with histories, two earlier digests, and look-alikes that must not be
    taken for digests. Returns the requests as plain facts (for expected counts) and the
    numbers of the special issues."""
    requests: list[dict[str, Any]] = []
    for i in range(40):
        created = START + timedelta(days=3.5 * i, hours=i % 5)
        body = RECOVERY_BODY if i % 3 else PEP541_BODY
        number = fake.add_issue(
            REPO,
            title=f"Account recovery request {i}",
            body=body,
            user=f"reporter{i}",
            created_at=created,
        )["number"]
        if i % 3 == 0 and created + timedelta(days=i % 5 + 1) < NOW:
            fake.add_comment(
                REPO,
                number,
                body="Thanks, we will look at this soon.",
                user="maintainer1",
                author_association="COLLABORATOR",
                created_at=created + timedelta(days=i % 5 + 1),
            )
        if i % 5 == 1 and created + timedelta(days=2) < NOW:
            fake.add_comment(
                REPO,
                number,
                body="Any news?",
                user=f"reporter{i}",
                created_at=created + timedelta(days=2),
            )
        closed_at = None
        if i % 4 == 0 and created + timedelta(days=10 + i % 7) < NOW:
            closed_at = created + timedelta(days=10 + i % 7)
            fake.add_event(
                REPO,
                number,
                "closed",
                actor="maintainer1",
                state_reason=REASONS[(i // 4) % 3],
                created_at=closed_at,
            )
        requests.append({"number": number, "created": created, "closed": closed_at})

    # Earlier digests: W45 closed by its successor, W46 still open.
    w45 = fake.add_issue(
        REPO,
        title=digest_title(IsoWeek(2026, 45)),
        body="old digest",
        user=BOT,
        user_type="Bot",
        labels=[LABEL],
        created_at=datetime(2026, 11, 9, 8, tzinfo=UTC),
        state="closed",
        closed_at=datetime(2026, 11, 16, 8, tzinfo=UTC),
        closed_by=BOT,
    )
    w46 = fake.add_issue(
        REPO,
        title=digest_title(W46),
        body="last week's digest",
        user=BOT,
        user_type="Bot",
        labels=[LABEL],
        created_at=datetime(2026, 11, 16, 8, tzinfo=UTC),
    )
    # A reporter copying this week's exact title is not the bot's digest: never edited.
    copycat = fake.add_issue(
        REPO,
        title=digest_title(W47),
        body="please help",
        user="copycat",
        created_at=datetime(2026, 10, 1, 8, tzinfo=UTC),
    )
    return requests, {"w45": w45["number"], "w46": w46["number"], "copycat": copycat["number"]}


@pytest_asyncio.fixture
async def env(fake_github: FakeGitHub) -> AsyncIterator[SimpleNamespace]:
    clock = Clock(NOW)
    fake_github.now = clock
    requests, special = seed(fake_github)
    async with aiohttp.ClientSession() as session:
        gh = GitHubClient(
            session,
            oauth_token="t",
            base_url=fake_github.url,
            budget=WriteBudget(60, 450),
            max_wait=1.0,
            backoff_base=0.01,
        )
        parts = DigestParts(
            gh=gh,
            repo=REPO,
            digest=DigestConfig(repo=REPO, label=LABEL, list_cap=10),
            bot_login=BOT,
            maintainers=Maintainers(parse_config({"repositories": [REPO]})),
        )
        fake_github.reset_calls()
        yield SimpleNamespace(
            fake=fake_github,
            clock=clock,
            parts=parts,
            session=session,
            requests=requests,
            **special,
        )


def write_summary(fake: FakeGitHub) -> list[str]:
    return [f"{c.method} {c.decoded_path}" for c in fake.writes()]


def digest_numbers(fake: FakeGitHub) -> dict[str, int]:
    """Title -> number for every issue carrying the digest label."""
    out = {}
    n = 1
    while True:
        try:
            issue = fake.issue(REPO, n)
        except KeyError:
            return out
        if LABEL in fake.labels(REPO, n):
            out[issue["title"]] = n
        n += 1


# --------------------------------------------------------------------------- pure helpers


def test_window_covers_trend_plus_one_week() -> None:
    assert window_start(W47) == IsoWeek(2026, 35).start()


def test_scheduled_week_is_the_latest_run_at_or_before_now() -> None:
    cfg = DigestConfig(repo=REPO)  # Monday 08:00 UTC
    assert scheduled_week(cfg, NOW) == (W47, NOW)
    assert scheduled_week(cfg, NOW - timedelta(seconds=1))[0] == W46
    wed = NOW + timedelta(days=2, hours=3)
    assert scheduled_week(cfg, wed) == (W47, NOW)


def test_same_content_ignores_only_the_snapshot_time() -> None:
    a = "Snapshot taken 2026-11-23 08:00 UTC.\n| #1 | 3 d |\n"
    assert same_content(a, a.replace("08:00", "09:15") + "\n")
    assert not same_content(a, a.replace("3 d", "4 d"))


def digest_snapshot(body: str = "", comments: tuple[CommentInfo, ...] = ()) -> IssueSnapshot:
    return IssueSnapshot(
        number=46, title=digest_title(W46), author="recovery-bot", created_at=NOW,
        body=body, comments=comments,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("current", "if_missing", "action", "change"),
    [
        (None, False, "created", NewIssue(title="T", body="new", labels=(LABEL,))),
        (None, True, "created", NewIssue(title="T", body="new", labels=(LABEL,))),
        (digest_snapshot("old"), True, "exists", None),
        (digest_snapshot("new\r\n"), False, "unchanged", None),
        (digest_snapshot("old"), False, "edited", Plan(body="new")),
    ],
)
def test_plan_week_issue(
    current: IssueSnapshot | None, if_missing: bool, action: str, change: object
) -> None:
    got = plan_week_issue(current, title="T", body="new", label=LABEL, if_missing=if_missing)
    assert got == (action, change)


def test_plan_close_links_once_by_the_bot_only() -> None:
    tag = "<!-- recovery-bot:digest-next -->"
    link = f"{tag}\nSuperseded by the next digest, [#50](u) (T). Closing this one."
    closing = {"state": "closed", "state_reason": "completed"}
    kw: dict[str, Any] = {"title": "T", "number": 50, "url": "u", "marker": "recovery-bot"}
    fresh = digest_snapshot()
    assert plan_close(fresh, bot_login=BOT, **kw) == Plan(replies=(link,), **closing)
    linked = digest_snapshot(comments=(CommentInfo("recovery-bot", NOW, body=link),))
    assert plan_close(linked, bot_login=BOT, **kw) == Plan(**closing)
    copied = digest_snapshot(comments=(CommentInfo("someone", NOW, body=link),))
    assert plan_close(copied, bot_login=BOT, **kw) == Plan(replies=(link,), **closing)
    no_url = plan_close(fresh, bot_login=BOT, **{**kw, "url": None})
    assert no_url.replies == (link.replace("[#50](u)", "#50"),)


# --------------------------------------------------------------------------- end to end


async def test_first_run_creates_second_edits_next_week_creates_and_closes(
    env: SimpleNamespace,
) -> None:
    fake, parts = env.fake, env.parts
    title = digest_title(W47)

    # 1. First run: one new issue with the exact title and the label; last week's closed.
    r1 = await post_digest(parts, week=W47, now=NOW, dry_run=False)
    assert r1.action == "created" and r1.title == title == "Support backlog digest — 2026-W47"
    n47 = r1.number
    assert n47 is not None
    issue = fake.issue(REPO, n47)
    assert issue["title"] == title
    assert fake.labels(REPO, n47) == [LABEL]
    assert issue["body"] == r1.body
    assert r1.body.startswith("<!-- recovery-bot:digest week=2026-W47 -->")
    assert r1.closed == (env.w46,)
    assert fake.issue(REPO, env.w46)["state"] == "closed"
    link = fake.comments(REPO, env.w46)
    assert len(link) == 1 and f"#{n47}" in link[0]["body"] and "2026-W47" in link[0]["body"]
    assert write_summary(fake) == [
        f"POST /repos/{REPO}/issues",
        f"POST /repos/{REPO}/issues/{env.w46}/comments",
        f"PATCH /repos/{REPO}/issues/{env.w46}",
    ]
    # The copycat and the already-closed W45 digest were left alone.
    assert fake.issue(REPO, env.copycat)["state"] == "open"
    assert fake.issue(REPO, env.copycat)["body"] == "please help"
    assert fake.issue(REPO, env.w45)["state"] == "closed"
    assert fake.comments(REPO, env.w45) == []

    # 2a. Same week again half an hour later (no age or SLA state ticks over): the
    #     snapshot time alone does not make a write.
    fake.reset_calls()
    env.clock.t = NOW + timedelta(minutes=30)
    r2 = await post_digest(parts, week=W47, now=env.clock.t, dry_run=False)
    assert (r2.action, r2.number, r2.writes) == ("unchanged", n47, ())
    assert fake.writes() == []

    # 2b. Same week after a maintainer answered someone: the one issue is edited.
    never = r1.numbers.never_answered[0].number
    fake.add_comment(
        REPO,
        never,
        body="Looking into it.",
        user="maintainer1",
        author_association="COLLABORATOR",
        created_at=env.clock.t,
    )
    fake.reset_calls()
    r3 = await post_digest(parts, week=W47, now=env.clock.t, dry_run=False)
    assert (r3.action, r3.number) == ("edited", n47)
    assert write_summary(fake) == [f"PATCH /repos/{REPO}/issues/{n47}"]
    assert fake.issue(REPO, n47)["body"] == r3.body != r1.body
    assert list(digest_numbers(fake)).count(title) == 1

    # 3. Next week: a new issue; the W47 one is closed with a link to it.
    env.clock.t = NEXT
    fake.reset_calls()
    r4 = await post_digest(parts, week=W48, now=NEXT, dry_run=False)
    assert r4.action == "created" and r4.number not in (None, n47)
    assert fake.issue(REPO, r4.number)["title"] == digest_title(W48)
    assert fake.issue(REPO, n47)["state"] == "closed"
    assert r4.closed == (n47,)
    (comment,) = fake.comments(REPO, n47)
    assert f"#{r4.number}" in comment["body"]
    assert write_summary(fake) == [
        f"POST /repos/{REPO}/issues",
        f"POST /repos/{REPO}/issues/{n47}/comments",
        f"PATCH /repos/{REPO}/issues/{n47}",
    ]

    # 4. And once more for W48: nothing to do, nothing commented twice.
    fake.reset_calls()
    r5 = await post_digest(parts, week=W48, now=NEXT, dry_run=False)
    assert r5.action == "unchanged" and r5.closed == () and fake.writes() == []
    assert sorted(digest_numbers(fake)) == sorted(
        digest_title(w) for w in (IsoWeek(2026, 45), W46, W47, W48)
    )


async def test_reads_one_page_per_hundred_issues_and_counts_no_digest(
    env: SimpleNamespace,
) -> None:
    fake = env.fake
    r = await post_digest(env.parts, week=W47, now=NOW, dry_run=False)
    reads = [c for c in fake.calls if not c.is_write]
    # One page of open issues, one of closed ones (fewer than 100 each): nothing else.
    assert len(reads) == 2, [f"{c.method} {c.path}" for c in reads]

    start, end = W47.start(), W47.end()
    opened = sum(1 for q in env.requests if start <= q["created"] < end)
    open_at_end = sum(
        1
        for q in env.requests
        if q["created"] < end and (q["closed"] is None or q["closed"] >= end)
    )
    # W46's digest was opened in W47 and is open at its end: counting it would show.
    # (The copycat's title has the digest shape, so the pure rules leave it out too.)
    assert r.numbers.total.this_week.opened == opened
    assert r.numbers.total.this_week.open_at_end == open_at_end
    assert r.numbers.excluded_digest_issues == 3
    assert f"#{env.w46}" not in r.body and f"#{env.w45}" not in r.body


async def test_dry_run_writes_nothing_and_reports_the_writes(env: SimpleNamespace) -> None:
    r = await post_digest(env.parts, week=W47, now=NOW, dry_run=True)
    assert env.fake.writes() == []
    assert r.dry_run and r.action == "created" and r.number is None
    # The applier's dry run: its own account of each write, naming the issue.
    assert r.writes == (
        f"create issue {digest_title(W47)!r} with labels [{LABEL!r}]",
        f"post reply on #{env.w46}",
        f"set state closed (completed) on #{env.w46}",
    )
    assert r.body.startswith("<!-- recovery-bot:digest week=2026-W47 -->")
    # ...of exactly these plans: the new issue, then W46 linked (to a number not known
    # yet in a dry run) and closed.
    link = (
        "<!-- recovery-bot:digest-next -->\n"
        f"Superseded by the next digest ({digest_title(W47)}). Closing this one."
    )
    assert r.plans == (
        (None, NewIssue(title=digest_title(W47), body=r.body, labels=(LABEL,))),
        (env.w46, Plan(replies=(link,), state="closed", state_reason="completed")),
    )
    # The real run then makes exactly the writes the dry run announced.
    real = await post_digest(env.parts, week=W47, now=NOW, dry_run=False)
    assert real.writes == r.writes
    assert write_summary(env.fake) == [
        f"POST /repos/{REPO}/issues",
        f"POST /repos/{REPO}/issues/{env.w46}/comments",
        f"PATCH /repos/{REPO}/issues/{env.w46}",
    ]
    assert real.plans[1] == (
        env.w46,
        Plan(
            replies=(
                "<!-- recovery-bot:digest-next -->\nSuperseded by the next digest, "
                f"[#{real.number}]({real.url}) ({digest_title(W47)}). Closing this one.",
            ),
            state="closed",
            state_reason="completed",
        ),
    )


async def test_dry_run_of_a_changed_week_plans_the_body_edit_only(env: SimpleNamespace) -> None:
    first = await post_digest(env.parts, week=W47, now=NOW, dry_run=False)
    assert first.number is not None
    env.fake.add_comment(
        REPO,
        first.numbers.never_answered[0].number,
        body="Looking into it.",
        user="maintainer1",
        author_association="COLLABORATOR",
        created_at=NOW,
    )
    env.fake.reset_calls()
    r = await post_digest(env.parts, week=W47, now=NOW, dry_run=True)
    assert env.fake.writes() == []
    assert (r.action, r.number, r.closed) == ("edited", first.number, ())
    assert r.writes == (f"edit body on #{first.number}",)
    assert r.plans == ((first.number, Plan(body=r.body)),)
    assert env.fake.issue(REPO, first.number)["body"] == first.body != r.body


async def test_interrupted_close_is_finished_without_a_second_comment(
    env: SimpleNamespace,
) -> None:
    fake = env.fake
    fake.fail("PATCH", f"/repos/{REPO}/issues/{env.w46}", status=422)
    with pytest.raises(gidgethub.BadRequest):
        await post_digest(env.parts, week=W47, now=NOW, dry_run=False)
    assert fake.issue(REPO, env.w46)["state"] == "open"
    assert len(fake.comments(REPO, env.w46)) == 1

    fake.reset_calls()
    r = await post_digest(env.parts, week=W47, now=NOW, dry_run=False)
    assert r.action == "unchanged" and r.closed == (env.w46,)
    assert write_summary(fake) == [f"PATCH /repos/{REPO}/issues/{env.w46}"]
    assert len(fake.comments(REPO, env.w46)) == 1


async def test_backfilling_an_older_week_closes_nothing(env: SimpleNamespace) -> None:
    r = await post_digest(env.parts, week=IsoWeek(2026, 44), now=NOW, dry_run=False)
    assert r.action == "created" and r.closed == ()
    assert env.fake.issue(REPO, env.w46)["state"] == "open"


async def test_a_long_digest_is_trimmed_never_rejected(env: SimpleNamespace) -> None:
    parts = replace(env.parts, digest=replace(env.parts.digest, list_cap=1000))
    full = await post_digest(parts, week=W47, now=NOW, dry_run=True)
    limit = len(full.body.encode()) - 200
    r = await post_digest(parts, week=W47, now=NOW, dry_run=False, max_chars=limit)
    assert len(r.body.encode()) <= limit
    assert "more." in r.body or "cut" in r.body
    assert env.fake.issue(REPO, r.number)["body"] == r.body


# --------------------------------------------------------------------------- schedule


def make_bot(fake: FakeGitHub, session: aiohttp.ClientSession, db: Path, clock: Clock) -> Any:
    config = parse_config(
        {
            "repositories": [REPO],
            "digest": {"label": LABEL, "weekday": "monday", "time": "08:00"},
        }
    )
    factory = GitHubFactory(session, base_url=fake.url, auth=TokenAuth("t"), config=config.github)
    return SimpleNamespace(
        config=config,
        journal=Journal(str(db)),
        factory=factory,
        maintainers=Maintainers(config),
        dry_run=False,
        clock=lambda: clock().timestamp(),
    )


async def test_catch_up_after_downtime_posts_once_even_without_the_record(
    env: SimpleNamespace, tmp_path: Path
) -> None:
    fake = env.fake
    env.clock.t = NOW + timedelta(days=2, hours=2)  # Wednesday: Monday's run was missed
    bot = make_bot(fake, env.session, tmp_path / "a.sqlite3", env.clock)

    r = await run_due(bot, env.clock.t, catch_up=True)
    assert r is not None and r.action == "created" and r.week == W47
    assert bot.journal.get_meta(META_LAST_WEEK) == "2026-W47"
    assert len(fake.writes()) == 3  # create, link comment, close W46

    # "Restart": the record says done, so nothing is even read.
    fake.reset_calls()
    assert await run_due(bot, env.clock.t, catch_up=True) is None
    assert fake.calls == []

    # Restart with the record lost: GitHub has the issue; it is left as posted.
    bot.journal.close()
    bot2 = make_bot(fake, env.session, tmp_path / "b.sqlite3", env.clock)
    fake.add_comment(  # the numbers moved on since Monday...
        REPO,
        r.numbers.never_answered[0].number,
        body="On it.",
        user="maintainer1",
        author_association="COLLABORATOR",
        created_at=env.clock.t,
    )
    r2 = await run_due(bot2, env.clock.t, catch_up=True)
    assert r2 is not None and r2.action == "exists" and r2.number == r.number
    assert fake.writes() == []  # ...but a catch-up never rewrites a posted digest
    assert bot2.journal.get_meta(META_LAST_WEEK) == "2026-W47"
    assert list(digest_numbers(fake)).count(digest_title(W47)) == 1
    bot2.journal.close()


async def test_loop_sleeps_until_the_scheduled_time_and_posts_once(
    env: SimpleNamespace, tmp_path: Path
) -> None:
    fake = env.fake
    env.clock.t = NOW - timedelta(hours=20)  # Sunday 12:00: W46's run already happened
    bot = make_bot(fake, env.session, tmp_path / "loop.sqlite3", env.clock)
    sleeps: list[float] = []

    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        if len(sleeps) == 2:
            raise asyncio.CancelledError
        env.clock.t += timedelta(seconds=seconds)

    with pytest.raises(asyncio.CancelledError):
        await digest_loop(bot, now=env.clock, sleep=sleep)
    # Start-up catch-up found W46 already on GitHub (no write), then slept until Monday
    # 08:00, posted W47 and closed W46, then slept a week.
    assert sleeps == [20 * 3600, 7 * 24 * 3600]
    assert write_summary(fake) == [
        f"POST /repos/{REPO}/issues",
        f"POST /repos/{REPO}/issues/{env.w46}/comments",
        f"PATCH /repos/{REPO}/issues/{env.w46}",
    ]
    assert bot.journal.get_meta(META_LAST_WEEK) == "2026-W47"
    bot.journal.close()


async def test_loop_retries_a_failed_run_as_a_catch_up(
    env: SimpleNamespace, tmp_path: Path
) -> None:
    fake = env.fake
    bot = make_bot(fake, env.session, tmp_path / "retry.sqlite3", env.clock)
    # A 502 on the create is ambiguous (GitHub may have made the issue), so the client
    # does not repeat it; the loop retries the whole run later, as a catch-up.
    fake.fail("POST", f"/repos/{REPO}/issues", status=502)
    sleeps: list[float] = []

    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        if len(sleeps) == 2:
            raise asyncio.CancelledError
        env.clock.t += timedelta(seconds=seconds)

    with pytest.raises(asyncio.CancelledError):
        await digest_loop(bot, now=env.clock, sleep=sleep, retry_delay=60)
    assert sleeps[0] == 60
    assert [(c.method, c.status) for c in fake.writes()] == [
        ("POST", 502),
        ("POST", 201),
        ("POST", 201),
        ("PATCH", 200),
    ]
    assert bot.journal.get_meta(META_LAST_WEEK) == "2026-W47"
    bot.journal.close()


# --------------------------------------------------------------------------- CLI


def test_cli_bad_week_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    from recovery_bot.cli import main

    assert main(["digest", "--dry-run", "--week", "2026-47"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["recovery-bot digest: expected an ISO week like 2026-W47, got '2026-47'"]
    assert main(["digest", "--week", "2026-W54"]) == 2


async def test_cli_dry_run_prints_then_post_prints_the_url(
    env: SimpleNamespace,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from recovery_bot.cli import main

    config = tmp_path / "app.yaml"
    config.write_text(f"repositories: [{REPO}]\ndigest:\n  label: {LABEL}\n")
    for var in ("GITHUB_APP_ID", "GITHUB_PRIVATE_KEY", "GITHUB_PRIVATE_KEY_PATH"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.delenv("GITHUB_WEBHOOK_SECRET", raising=False)  # not needed
    monkeypatch.setenv("GITHUB_TOKEN", "t")
    monkeypatch.setenv("GITHUB_API_URL", env.fake.url)
    args = ["digest", "--config", str(config), "--week", "2026-W46"]

    # The CLI runs its own event loop; the fake serves from this one.
    assert await asyncio.to_thread(main, [*args, "--dry-run"]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("<!-- recovery-bot:digest week=2026-W46 -->")
    assert "dry run: Support backlog digest — 2026-W46" in err
    assert err.splitlines()[-1] == f"  would edit body on #{env.w46}"  # the applier's
    assert env.fake.writes() == []

    assert await asyncio.to_thread(main, args) == 0  # W46 exists: edited, not duplicated
    out, _ = capsys.readouterr()
    assert out.strip() == f"https://github.com/{REPO}/issues/{env.w46}"
    assert write_summary(env.fake) == [f"PATCH /repos/{REPO}/issues/{env.w46}"]


def test_cli_without_credentials_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from recovery_bot.cli import main

    for var in ("GITHUB_TOKEN", "GITHUB_APP_ID", "GITHUB_PRIVATE_KEY", "GITHUB_PRIVATE_KEY_PATH"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.chdir(tmp_path)
    assert main(["digest", "--dry-run"]) == 2
    assert "GITHUB_TOKEN" in capsys.readouterr().err


# --------------------------------------------------------------------------- demo example


async def demo_digest(fake: FakeGitHub, session: aiohttp.ClientSession) -> str:
    """The W47 digest of the demo's sample issues (``fixtures/deliveries``), posted as a
    dry run through the loopback GitHub on Monday 2026-11-23 08:00 UTC."""
    from recovery_bot.demo import default_fixtures, load_samples, seed_issue
    from recovery_bot.platform.github import parse_github_time

    samples, _users = load_samples(default_fixtures())
    for _name, payload in samples:
        fake.now = lambda p=payload: parse_github_time(p["issue"]["created_at"])
        seed_issue(fake, payload)
    fake.now = lambda: NOW
    config = parse_config({"repositories": [REPO]})
    parts = DigestParts(
        gh=GitHubClient(session, oauth_token="t", base_url=fake.url),
        repo=REPO,
        digest=DigestConfig(repo=REPO),
        sla=config.sla,
        maintainers=Maintainers(config),
    )
    result = await post_digest(parts, week=W47, now=NOW, dry_run=True)
    return (
        "# Example weekly digest from the demo data\n\n"
        "The digest of the sample issues that `recovery-bot demo` files "
        "(`fixtures/deliveries`), computed\nthrough the loopback GitHub exactly as "
        "`recovery-bot digest --dry-run --week 2026-W47` would on\nMonday 2026-11-23 "
        "08:00 UTC. Regenerate with `python tests/test_digest_post.py --write-demo-example`."
        "\nA larger synthetic backlog is in `example-digest.md`.\n\n"
        f"Issue title: `{result.title}`\n\n---\n\n" + result.body
    )


async def test_demo_example_renders(fake_github: FakeGitHub) -> None:
    async with aiohttp.ClientSession() as session:
        text = await demo_digest(fake_github, session)
    assert "**7** opened and **0** closed" in text
    assert "Never answered by a maintainer (6)" in text  # the maintainer's own post waits on nobody
    assert fake_github.writes() == []


if __name__ == "__main__":  # pragma: no cover
    import sys

    async def _main() -> str:
        async with FakeGitHub() as fake, aiohttp.ClientSession() as session:
            fake.add_repo(REPO, collaborators={"maintainer1": "write"})
            return await demo_digest(fake, session)

    markdown = asyncio.run(_main())
    if "--write-demo-example" in sys.argv:
        target = Path(__file__).resolve().parents[1] / "docs" / "example-digest-demo.md"
        target.write_text(markdown, encoding="utf-8")
        print(f"wrote {target}")
    else:
        print(markdown)
