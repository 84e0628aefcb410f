"""Weekly backlog digest: exact numbers from known histories, weeks, percentiles.

The hand-built snapshot below (``HAND``) was counted on paper before the code ran; the
comments beside each issue say which week it opens, closes and is answered in, so a
failing assertion can be checked by reading. ``tests/test_digest_report.py`` renders it
as exact markdown and pins each rule's edges; ``tests/test_digest_scale.py`` builds a
realistic large backlog for the size limit and for ``docs/example-digest.md``:

    python tests/test_digest.py --write-example
"""

from __future__ import annotations

import random
import re
import sys
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from recovery_bot.core.snapshot import Clock, CommentInfo, IssueSnapshot
from recovery_bot.digest.render import render_digest
from recovery_bot.digest.report import (
    DigestNumbers,
    IsoWeek,
    compute_digest,
    digest_title,
    is_digest_issue,
    last_complete_week,
    percentile,
)

REPO = "pypi/support"
LABEL = "backlog digest"
W47 = IsoWeek(2026, 47)  # Mon 2026-11-16 .. Mon 2026-11-23 (exclusive)
NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # Monday after: W47 is complete
BOT = "recovery-bot[bot]"


def at(month: int, day: int, hour: int = 12, minute: int = 0, second: int = 0, year=2026):
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def maint(when: datetime, who: str = "di") -> CommentInfo:
    return CommentInfo(author=who, created_at=when, is_maintainer=True)


def bot(when: datetime) -> CommentInfo:
    # Bots may well have maintainer rights; they still never count as a response.
    return CommentInfo(author=BOT, created_at=when, is_maintainer=True, is_bot=True)


def reporter(who: str, when: datetime, body: str = "any news?") -> CommentInfo:
    return CommentInfo(author=who, created_at=when, body=body)


def issue(number: int, form: str | None, created: datetime, *comments: CommentInfo, **kw):
    closed_at = kw.pop("closed_at", None)
    return IssueSnapshot(
        number=number,
        title=kw.pop("title", "Account recovery request"),
        author=kw.pop("author", f"user{number}"),
        created_at=created,
        state="closed" if closed_at else "open",
        closed_at=closed_at,
        comments=tuple(comments),
        form=form,
        **kw,
    )


# fmt: off
HAND: tuple[IssueSnapshot, ...] = (
    # Older backlog.
    issue(  # open since 2025, never answered, address in title and body
        10,
        "account-recovery",
        at(6, 1, year=2025),
        bot(at(6, 1, 12, 1, year=2025)),
        reporter("user10", at(9, 1), "still locked out, write to jane.doe@example.com"),
        title="Account recovery jane.doe@example.com",
        body="### PyPI Username\n\njdoe\n\nmail: jane.doe@example.com",
    ),
    issue(20, "account-recovery", at(8, 1), maint(at(11, 19))),  # answered W47 after 110 d
    issue(  # the author's own maintainer-flagged comment and the bot do not count: 50 d
        30,
        "pep541",
        at(10, 1),
        bot(at(10, 1, 12, 1)),
        CommentInfo(author="User30", created_at=at(10, 2), is_maintainer=True),
        maint(at(11, 20), "ewdurbin"),
    ),
    issue(  # opened W45, answered W45 (1 d), closed W47 completed
        40, "limit-request-project", at(11, 2), maint(at(11, 3)), closed_at=at(11, 20),
        state_reason="completed",
    ),
    issue(50, "account-recovery", at(10, 20), maint(at(10, 27))),  # answered W44 after 7 d
    issue(  # staff announcement opened W47: counted, but nobody waits for an answer
        60, None, at(11, 17), maint(at(11, 18), "ewdurbin"), author="di",
        author_is_maintainer=True, title="Away @PyCon",
    ),
    issue(  # closed W46 for non-response
        70, "account-recovery", at(9, 1), maint(at(9, 3)), closed_at=at(11, 14),
        state_reason="not_planned",
    ),
    # Opened in W46.
    issue(  # Monday 00:00 opens W46; closed W47 not planned
        90, "account-recovery", at(11, 9, 0), maint(at(11, 10, 0)), closed_at=at(11, 17),
        state_reason="not_planned",
    ),
    issue(  # Sunday 23:59:59 is still W46; answered W47 after exactly 5 d
        91, "account-recovery", at(11, 15, 23, 59, 59), maint(at(11, 20, 23, 59, 59)),
    ),
    issue(  # closed W46, reason None counts as completed; answered after 1 d
        92, "pep541", at(11, 10), maint(at(11, 11)), closed_at=at(11, 12),
    ),
    issue(93, None, at(11, 11), closed_at=at(11, 13), state_reason="duplicate"),
    # Opened in W47.
    issue(  # Monday 00:00 belongs to W47; answered after 2 d
        101, "account-recovery", at(11, 16, 0), maint(at(11, 18, 0)),
    ),
    issue(  # Sunday 23:59 belongs to W47; only the bot spoke
        102, "account-recovery", at(11, 22, 23, 59), bot(at(11, 23, 0)),
    ),
    issue(  # answered after 1 d, closed W47 completed
        103, "pep541", at(11, 17), maint(at(11, 18)), closed_at=at(11, 20),
        state_reason="completed",
    ),
    issue(  # "duplicate" label wins over state_reason not_planned; answered after 3 d
        104, "limit-request-file", at(11, 16), maint(at(11, 19)), closed_at=at(11, 19),
        state_reason="not_planned", labels=("limit request", "Duplicate"),
    ),
    issue(  # the reporter and a bot commented, no maintainer
        105, "network", at(11, 19), reporter("user105", at(11, 20)), bot(at(11, 19, 12, 1)),
    ),
    # Never counted.
    issue(  # last week's digest, recognised by its title alone; closed in W47
        199, None, at(11, 9, 8), closed_at=at(11, 16, 8), author=BOT, author_is_bot=True,
        title="Support backlog digest — 2026-W45",
    ),
    issue(  # this week's digest by label (custom title)
        200, None, at(11, 16, 8), author=BOT, author_is_bot=True, labels=("Backlog Digest",),
        title="Backlog for funders",
    ),
    issue(300, None, at(11, 18), is_pull_request=True),
)
# fmt: on


def clock(number: int, owner: str, state: str, due: datetime | None = None) -> Clock:
    return Clock(number=number, owner=owner, since=None, due=due, state=state)  # type: ignore[arg-type]


CLOCKS: dict[int, Clock] = {
    c.number: c
    for c in (
        clock(10, "maintainers", "overdue", at(6, 8, year=2025)),
        clock(20, "reporter", "waiting_on_reporter", at(12, 3)),
        clock(30, "reporter", "reminder_due", at(11, 20)),
        clock(50, "reporter", "close_due", at(11, 10)),
        clock(60, "nobody", "untracked"),
        clock(91, "maintainers", "overdue", at(11, 22)),
        clock(101, "reporter", "waiting_on_reporter", at(12, 2)),
        clock(102, "maintainers", "ok", at(11, 29)),
        clock(105, "maintainers", "due_soon", at(11, 24)),
        clock(40, "nobody", "closed"),  # closed: ignored
        clock(200, "maintainers", "overdue", at(11, 17)),  # digest: ignored
    )
}


@pytest.fixture  # per test (cheap): mutmut credits a module fixture to its first test only
def numbers() -> DigestNumbers:
    return compute_digest(HAND, CLOCKS, W47, digest_label=LABEL, now=NOW)


@pytest.fixture
def markdown(numbers: DigestNumbers) -> str:
    return render_digest(numbers, repo=REPO)


# --------------------------------------------------------------------------- numbers


@pytest.mark.parametrize(
    ("field", "this_week", "week_before"),
    [
        ("opened", 6, 4),
        ("closed", 4, 3),
        ("closed_completed", 2, 1),
        ("closed_not_planned", 1, 1),
        ("closed_duplicate", 1, 1),
        ("open_at_end", 9, 7),
    ],
)
def test_headline_counts(numbers, field, this_week, week_before):
    assert getattr(numbers.total.this_week, field) == this_week
    assert getattr(numbers.total.previous_week, field) == week_before


def test_waiting_on_comes_from_live_clocks_of_counted_open_issues(numbers):
    assert numbers.total.waiting_on_maintainers == 4  # 10, 91, 102, 105 (not digest 200)
    assert numbers.total.waiting_on_reporters == 4  # 20, 30, 50, 101


def test_digest_issues_and_pull_requests_count_nowhere(numbers):
    assert numbers.excluded_digest_issues == 2
    listed = {i.number for i in numbers.overdue + numbers.due_soon + numbers.never_answered}
    assert not listed & {199, 200, 300}


@pytest.mark.parametrize(
    ("form", "opened", "completed", "not_planned", "duplicate", "open_end", "maint", "rep"),
    [
        # (this week, week before) for the flows and the stock.
        ("Account recovery", (2, 2), (0, 0), (1, 1), (0, 0), (6, 5), 3, 3),
        ("PEP 541", (1, 1), (1, 1), (0, 0), (0, 0), (1, 1), 0, 1),
        ("Limit requests", (1, 0), (1, 0), (0, 0), (1, 0), (0, 1), 0, 0),
        ("Other forms", (2, 1), (0, 0), (0, 0), (0, 1), (2, 0), 1, 0),
    ],
)
def test_per_form_counts(numbers, form, opened, completed, not_planned, duplicate, open_end,
                         maint, rep):  # fmt: skip
    fc = numbers.form(form)
    for name, pair in (
        ("opened", opened),
        ("closed_completed", completed),
        ("closed_not_planned", not_planned),
        ("closed_duplicate", duplicate),
        ("open_at_end", open_end),
    ):
        assert (getattr(fc.this_week, name), getattr(fc.previous_week, name)) == pair, name
    assert (fc.waiting_on_maintainers, fc.waiting_on_reporters) == (maint, rep)


def test_forms_add_up_to_the_total(numbers):
    for name in ("opened", "closed", "open_at_end"):
        assert sum(getattr(f.this_week, name) for f in numbers.forms) == getattr(
            numbers.total.this_week, name
        )


def test_time_to_first_maintainer_response(numbers):
    # W47 answers: 103 1 d, 101 2 d, 104 3 d, 91 5 d, 30 50 d, 20 110 d.
    w = numbers.response_week
    assert (w.n, w.median_days, w.p90_days) == (6, 4.0, pytest.approx(80.0))  # (3+5)/2
    # + W44..W46: 50 7 d, 40 1 d, 90 1 d, 92 1 d.
    t = numbers.response_trailing
    assert (str(t.first_week), str(t.last_week)) == ("2026-W44", "2026-W47")
    assert (t.n, t.median_days, t.p90_days) == (10, 2.5, pytest.approx(56.0))


def test_lists_oldest_first_with_age_and_whose_move(numbers):
    assert [(i.number, i.age_days, i.owner) for i in numbers.overdue] == [
        (10, 539, "maintainers"),
        (91, 7, "maintainers"),
    ]
    assert [(i.number, i.age_days, i.form) for i in numbers.due_soon] == [(105, 3, "Other forms")]
    # 60 (a maintainer's own announcement) waits for nobody.
    assert [i.number for i in numbers.never_answered] == [10, 105, 102]


def test_age_buckets_of_open_backlog_at_end_of_week(numbers):
    assert [(b.label, b.count) for b in numbers.age_buckets] == [
        ("0–7", 5),
        ("8–30", 0),
        ("31–90", 2),
        ("91–365", 1),
        ("over 365", 1),
    ]
    assert sum(b.count for b in numbers.age_buckets) == numbers.total.this_week.open_at_end


def test_age_bucket_edges_are_whole_days():
    now = at(11, 23, 0)
    ages = (0, 7, 8, 30, 31, 90, 91, 365, 366)
    issues = [issue(n, None, now - timedelta(days=d, hours=1)) for n, d in enumerate(ages, 1)]
    nums = compute_digest(issues, {}, W47, digest_label=LABEL, now=now)
    assert [b.count for b in nums.age_buckets] == [2, 2, 2, 2, 1]


def test_trend_is_twelve_weeks_ending_with_the_week(numbers):
    assert [str(w.week) for w in numbers.trend][:2] == ["2026-W36", "2026-W37"]
    assert numbers.trend[-1] == numbers.total.this_week
    assert numbers.trend[-2] == numbers.total.previous_week
    assert [w.opened for w in numbers.trend] == [1, 0, 0, 0, 1, 0, 0, 1, 0, 1, 4, 6]
    assert [w.open_at_end for w in numbers.trend] == [3, 3, 3, 3, 4, 4, 4, 5, 5, 6, 7, 9]


def test_input_order_does_not_matter(numbers):
    shuffled = list(HAND)
    random.Random(1).shuffle(shuffled)
    again = compute_digest(shuffled, CLOCKS, W47, digest_label=LABEL, now=NOW)
    assert again == numbers
    assert render_digest(again, repo=REPO) == render_digest(numbers, repo=REPO)


def test_week_in_progress_uses_now():
    now = at(11, 19, 0)  # Thursday of W47
    nums = compute_digest(HAND, CLOCKS, W47, digest_label=LABEL, now=now)
    assert not nums.week_complete and nums.as_of == now
    # Opened before Thursday: 101, 103, 104, 60 (102, 105 do not exist yet in real life,
    # but a snapshot from the future is not this function's business: count by dates).
    assert nums.total.this_week.opened == 6
    md = render_digest(nums, repo=REPO)
    assert "| | 2026-W47 (so far) | 2026-W46 | Change |" in md
    assert "week in progress" in md


def test_future_week_and_naive_now_are_refused():
    with pytest.raises(ValueError, match="has not started"):
        compute_digest(HAND, CLOCKS, IsoWeek(2026, 49), digest_label=LABEL, now=NOW)
    with pytest.raises(ValueError, match="timezone-aware"):
        compute_digest(HAND, CLOCKS, W47, digest_label=LABEL, now=NOW.replace(tzinfo=None))


@pytest.mark.parametrize(
    ("title", "labels", "expected"),
    [
        ("Support backlog digest — 2026-W47", (), True),
        ("Support backlog digest - 2026-W01", (), True),  # dash retyped by a human
        ("  Support backlog digest – 2026-W53 ", (), True),
        ("Support backlog digest for my account", (), False),  # a reporter's title
        ("Support backlog digest — 2026-W47 (draft)", (), False),
        ("Anything", ("backlog digest",), True),
        ("Anything", ("BACKLOG DIGEST",), True),
        ("Anything", ("digest",), False),
    ],
)
def test_is_digest_issue(title, labels, expected):
    iss = issue(1, None, NOW, title=title, labels=labels)
    assert is_digest_issue(iss, LABEL, "Support backlog digest") is expected


# --------------------------------------------------------------------------- markdown


@pytest.mark.parametrize(
    "line",
    [
        "| | 2026-W47 | 2026-W46 | Change |",
        "| Opened | 6 | 4 | +2 |",
        "| Closed | 4 | 3 | +1 |",
        "| ↳ completed | 2 | 1 | +1 |",
        "| ↳ not planned / no response | 1 | 1 | ±0 |",
        "| ↳ duplicate | 1 | 1 | ±0 |",
        "| Open at end of week | 9 | 7 | +2 |",
        "| Waiting on maintainers ¹ | 4 | — | — |",
        "| Waiting on reporters ¹ | 4 | — | — |",
        "| Account recovery | 2 (±0) | 0 (±0) | 1 (±0) | 0 (±0) | 6 (+1) | 3 | 3 |",
        "| PEP 541 | 1 (±0) | 1 (±0) | 0 (±0) | 0 (±0) | 1 (±0) | 0 | 1 |",
        "| Limit requests | 1 (+1) | 1 (+1) | 0 (±0) | 1 (+1) | 0 (−1) | 0 | 0 |",
        "| Other forms | 2 (+1) | 0 (±0) | 0 (±0) | 0 (−1) | 2 (+2) | 1 | 0 |",
        "| 2026-W47 | 6 | 4.0 d | 80.0 d |",
        "| 2026-W44 to 2026-W47 | 10 | 2.5 d | 56.0 d |",
        "### Overdue (2)",
        "| [#10](https://redirect.github.com/pypi/support/issues/10) | Account recovery "
        "| 539 d | maintainers | 2025-06-08 |",
        "| [#91](https://redirect.github.com/pypi/support/issues/91) | Account recovery "
        "| 7 d | maintainers | 2026-11-22 |",
        "### Due soon (1)",
        "| [#105](https://redirect.github.com/pypi/support/issues/105) | Other forms "
        "| 3 d | maintainers | 2026-11-24 |",
        "## Never answered by a maintainer (3)",
        "| [#102](https://redirect.github.com/pypi/support/issues/102) | Account recovery | 0 d |",
        "| 0–7 | 5 |",
        "| over 365 | 1 |",
        "| 2026-W46 | 4 | 3 | 7 |",
        '    x-axis ["W36", "W37", "W38", "W39", "W40", "W41", "W42", "W43", "W44", "W45", '
        '"W46", "W47"]',
        "    bar [1, 0, 0, 0, 1, 0, 0, 1, 0, 1, 4, 6]",
        "    line [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 4]",
        "    line [3, 3, 3, 3, 4, 4, 4, 5, 5, 6, 7, 9]",
        '    y-axis "Issues" 0 --> 6',
        '    x-axis ["0-7", "8-30", "31-90", "91-365", "over 365"]',
        "    bar [5, 0, 2, 1, 1]",
        "<!-- recovery-bot:digest week=2026-W47 -->",
        "**6** opened and **4** closed; **9** open at the end of the week (+2 against "
        "2026-W46). **2** overdue, **1** due soon, **3** never answered by a maintainer.",
    ],
)
def test_markdown_lines(markdown, line):
    assert line in markdown.splitlines()


def test_markdown_shape(markdown):
    headings = [ln for ln in markdown.splitlines() if ln.startswith("## ")]
    assert headings == [
        "## This week",
        "## By form",
        "## Trend, last 12 weeks",
        "## Age of the open backlog",
        "## Time to first maintainer response",
        "## Late and due soon",
        "## Never answered by a maintainer (3)",
    ]
    assert markdown.count("```mermaid") == 3
    assert markdown.count("```") % 2 == 0
    assert markdown.splitlines()[-1].startswith("<sub>Generated by recovery-bot for pypi/support")


def test_no_personal_data_in_output(markdown):
    assert "@" not in markdown.replace("@PyCon", "")  # not even the announcement title
    assert "example.com" not in markdown and "jdoe" not in markdown
    assert "user10" not in markdown and "Away" not in markdown


def test_backlinks_option_links_github_directly(numbers):
    md = render_digest(numbers, repo=REPO, backlinks=True, marker=None)
    assert "redirect.github.com" not in md and "<!--" not in md
    assert "[#10](https://github.com/pypi/support/issues/10)" in md


def test_empty_snapshot_renders():
    nums = compute_digest([], {}, W47, digest_label=LABEL, now=NOW)
    md = render_digest(nums, repo=REPO)
    assert "| 2026-W47 | 0 | — | — |" in md
    assert "    bar [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]" in md
    assert '    y-axis "Issues" 0 --> 1' in md
    assert md.count("None.") == 3


def test_render_refuses_a_bad_repo(numbers):
    with pytest.raises(ValueError, match="owner/name"):
        render_digest(numbers, repo="pypi/support) [x](http://evil")


def test_digest_title():
    assert digest_title(W47) == "Support backlog digest — 2026-W47"
    assert digest_title(IsoWeek(2027, 1), "Backlog") == "Backlog — 2027-W01"


# --------------------------------------------------------------------------- percentiles


@pytest.mark.parametrize(
    ("values", "p", "expected"),
    [
        ([], 50, None),
        ([], 90, None),
        ([4.0], 50, 4.0),
        ([4.0], 90, 4.0),
        ([1.0, 3.0], 50, 2.0),
        ([3.0, 1.0], 90, 2.8),
        ([1.0, 2.0, 3.0, 4.0], 50, 2.5),
        ([1.0, 2.0, 3.0, 4.0], 90, 3.7),
        ([5.0, 1.0, 3.0, 2.0, 4.0], 50, 3.0),
        (list(range(1, 11)), 90, 9.1),
        (list(range(1, 11)), 0, 1),
        (list(range(1, 11)), 100, 10),
    ],
)
def test_percentile(values, p, expected):
    result = percentile(values, p)
    assert result == (None if expected is None else pytest.approx(expected))


@pytest.mark.parametrize("p", [-1, 100.5])
def test_percentile_range(p):
    with pytest.raises(ValueError, match="between 0 and 100"):
        percentile([1.0], p)


# --------------------------------------------------------------------------- weeks


@pytest.mark.parametrize(
    ("moment", "week"),
    [
        (datetime(2026, 11, 22, 23, 59, tzinfo=UTC), "2026-W47"),  # Sunday 23:59 UTC
        (datetime(2026, 11, 23, 0, 0, tzinfo=UTC), "2026-W48"),  # Monday 00:00 UTC
        (datetime(2026, 12, 31, 12, tzinfo=UTC), "2026-W53"),
        (datetime(2027, 1, 3, 23, 59, tzinfo=UTC), "2026-W53"),
        (datetime(2027, 1, 4, 0, 0, tzinfo=UTC), "2027-W01"),
        (datetime(2025, 12, 29, 0, 0, tzinfo=UTC), "2026-W01"),  # ISO year starts early
    ],
)
def test_week_containing(moment, week):
    assert str(IsoWeek.containing(moment)) == week


def test_week_containing_converts_other_zones_to_utc():
    # 00:30 on Monday in Berlin is still Sunday 23:30 in UTC.
    berlin_monday_0030 = datetime(2026, 11, 23, 0, 30, tzinfo=timezone(timedelta(hours=1)))
    assert str(IsoWeek.containing(berlin_monday_0030)) == "2026-W47"
    with pytest.raises(ValueError, match="timezone-aware"):
        IsoWeek.containing(datetime(2026, 11, 23))


def test_week_boundaries():
    assert W47.start() == datetime(2026, 11, 16, tzinfo=UTC)
    assert W47.end() == datetime(2026, 11, 23, tzinfo=UTC)
    w53 = IsoWeek.parse("2026-W53")
    assert (w53.start(), w53.end()) == (
        datetime(2026, 12, 28, tzinfo=UTC),
        datetime(2027, 1, 4, tzinfo=UTC),
    )
    assert IsoWeek(2027, 1).start() == datetime(2027, 1, 4, tzinfo=UTC)
    assert IsoWeek(2027, 1).previous() == w53
    assert w53.next() == IsoWeek(2027, 1)
    assert IsoWeek(2026, 1).previous() == IsoWeek(2025, 52)
    assert IsoWeek(2026, 1).start() == datetime(2025, 12, 29, tzinfo=UTC)
    assert IsoWeek(2026, 46) < W47 < IsoWeek(2027, 1)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2026-47", "expected an ISO week like 2026-W47"),
        ("2026W47", "expected an ISO week like 2026-W47"),
        ("26-W47", "expected an ISO week like 2026-W47"),
        ("2026-W7", "expected an ISO week like 2026-W47"),
        ("", "expected an ISO week like 2026-W47"),
        ("2026-W00", "2026 has 53 ISO weeks, so week 0 does not exist"),
        ("2025-W53", "2025 has 52 ISO weeks, so week 53 does not exist"),
        ("2026-W54", "2026 has 53 ISO weeks, so week 54 does not exist"),
    ],
)
def test_week_parse_errors(text, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        IsoWeek.parse(text)


@pytest.mark.parametrize(
    ("now", "week"),
    [
        (datetime(2026, 11, 23, 8, 0, tzinfo=UTC), "2026-W47"),  # Monday after
        (datetime(2026, 11, 29, 23, 59, tzinfo=UTC), "2026-W47"),  # Sunday after
        (datetime(2027, 1, 4, 0, 0, tzinfo=UTC), "2026-W53"),
    ],
)
def test_last_complete_week(now, week):
    assert str(last_complete_week(now)) == week


def test_week_parse_roundtrip():
    assert IsoWeek.parse(" 2026-W47 ") == W47
    assert str(IsoWeek.parse("2027-W01")) == "2027-W01"


if __name__ == "__main__":  # pragma: no cover
    from test_digest_scale import example_markdown

    if "--write-example" in sys.argv:
        target = Path(__file__).resolve().parents[1] / "docs" / "example-digest.md"
        target.write_text(example_markdown(), encoding="utf-8")
        print(f"wrote {target}")
    else:
        print(example_markdown())
