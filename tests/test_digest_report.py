"""digest.report and digest.render, edge by edge: the whole hand-counted digest as exact
markdown, the size limit on small digests (largest list cap that fits, then section and
line cuts), and the boundaries of every rule (weeks, percentiles, close reasons, first
responses, ages, lists, chart axes), each as exact values or exact text.

The snapshot is ``HAND`` from ``tests/test_digest.py`` (counted on paper there). The
10,000-issue scale tests and the docs example stay in ``tests/test_digest_scale.py``:
they take seconds, so ``tools/mutation_scores.py`` measures report.py and render.py
against these small exact tests instead.
"""

from __future__ import annotations

import re
import time as host_time
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone, tzinfo

import pytest

from recovery_bot.core.snapshot import CommentInfo
from recovery_bot.digest.render import render_digest
from recovery_bot.digest.report import (
    AgeBucket,
    DigestNumbers,
    FormGroup,
    IsoWeek,
    ListedIssue,
    close_reason,
    compute_digest,
    first_maintainer_response,
    is_digest_issue,
    percentile,
    weeks_in_year,
)
from test_digest import CLOCKS, HAND, LABEL, NOW, REPO, W47, at, bot, clock, issue, maint

CUT = "\n\n> [!NOTE]\n> The rest of this digest was cut to fit GitHub's size limit.\n"


@pytest.fixture  # per test (cheap): mutmut credits a module fixture to its first test only
def numbers() -> DigestNumbers:
    return compute_digest(HAND, CLOCKS, W47, digest_label=LABEL, now=NOW)


HAND_MARKDOWN = "\n".join(
    [
        "<!-- recovery-bot:digest week=2026-W47 -->",
        "**2026-W47**: 2026-11-16 to 2026-11-22 (UTC). Snapshot taken 2026-11-23 08:00 UTC.",
        "",
        "**6** opened and **4** closed; **9** open at the end of the week (+2 against "
        "2026-W46). **2** overdue, **1** due soon, **3** never answered by a "
        "maintainer.",
        "",
        "## This week",
        "",
        "| | 2026-W47 | 2026-W46 | Change |",
        "| --- | ---: | ---: | ---: |",
        "| Opened | 6 | 4 | +2 |",
        "| Closed | 4 | 3 | +1 |",
        "| ↳ completed | 2 | 1 | +1 |",
        "| ↳ not planned / no response | 1 | 1 | ±0 |",
        "| ↳ duplicate | 1 | 1 | ±0 |",
        "| Open at end of week | 9 | 7 | +2 |",
        "| Waiting on maintainers ¹ | 4 | — | — |",
        "| Waiting on reporters ¹ | 4 | — | — |",
        "",
        "¹ From the SLA clocks at 2026-11-23 08:00 UTC. Clocks are not kept for past "
        "weeks, so there is no comparison.",
        "",
        "## By form",
        "",
        "| Form | Opened | Completed | Not planned | Duplicate | Open at end | Waiting "
        "on maintainers ¹ | Waiting on reporters ¹ |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        "| Account recovery | 2 (±0) | 0 (±0) | 1 (±0) | 0 (±0) | 6 (+1) | 3 | 3 |",
        "| PEP 541 | 1 (±0) | 1 (±0) | 0 (±0) | 0 (±0) | 1 (±0) | 0 | 1 |",
        "| Limit requests | 1 (+1) | 1 (+1) | 0 (±0) | 1 (+1) | 0 (−1) | 0 | 0 |",
        "| Other forms | 2 (+1) | 0 (±0) | 0 (±0) | 0 (−1) | 2 (+2) | 1 | 0 |",
        "",
        "In brackets: change against 2026-W46.",
        "",
        "## Trend, last 12 weeks",
        "",
        "```mermaid",
        "xychart-beta",
        '    title "Opened (bars) and closed (line) per week"',
        '    x-axis ["W36", "W37", "W38", "W39", "W40", "W41", "W42", "W43", "W44", '
        '"W45", "W46", "W47"]',
        '    y-axis "Issues" 0 --> 6',
        "    bar [1, 0, 0, 0, 1, 0, 0, 1, 0, 1, 4, 6]",
        "    line [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 4]",
        "```",
        "",
        "```mermaid",
        "xychart-beta",
        '    title "Open at the end of each week"',
        '    x-axis ["W36", "W37", "W38", "W39", "W40", "W41", "W42", "W43", "W44", '
        '"W45", "W46", "W47"]',
        '    y-axis "Issues" 0 --> 10',
        "    line [3, 3, 3, 3, 4, 4, 4, 5, 5, 6, 7, 9]",
        "```",
        "",
        "<details><summary>The numbers</summary>",
        "",
        "| Week | Opened | Closed | Open at end |",
        "| --- | ---: | ---: | ---: |",
        "| 2026-W47 | 6 | 4 | 9 |",
        "| 2026-W46 | 4 | 3 | 7 |",
        "| 2026-W45 | 1 | 0 | 6 |",
        "| 2026-W44 | 0 | 0 | 5 |",
        "| 2026-W43 | 1 | 0 | 5 |",
        "| 2026-W42 | 0 | 0 | 4 |",
        "| 2026-W41 | 0 | 0 | 4 |",
        "| 2026-W40 | 1 | 0 | 4 |",
        "| 2026-W39 | 0 | 0 | 3 |",
        "| 2026-W38 | 0 | 0 | 3 |",
        "| 2026-W37 | 0 | 0 | 3 |",
        "| 2026-W36 | 1 | 0 | 3 |",
        "",
        "</details>",
        "",
        "## Age of the open backlog",
        "",
        "Issues open at the end of the week, by age in whole days.",
        "",
        "| Age (days) | Issues |",
        "| --- | ---: |",
        "| 0–7 | 5 |",
        "| 8–30 | 0 |",
        "| 31–90 | 2 |",
        "| 91–365 | 1 |",
        "| over 365 | 1 |",
        "",
        "```mermaid",
        "xychart-beta",
        '    title "Open issues by age in days"',
        '    x-axis ["0-7", "8-30", "31-90", "91-365", "over 365"]',
        '    y-axis "Issues" 0 --> 5',
        "    bar [5, 0, 2, 1, 1]",
        "```",
        "",
        "## Time to first maintainer response",
        "",
        "Counted from opening to the first comment by a maintainer; bots and the "
        "reporter's own comments do not count.",
        "",
        "| First answered in | Issues | Median | 90th percentile |",
        "| --- | ---: | ---: | ---: |",
        "| 2026-W47 | 6 | 4.0 d | 80.0 d |",
        "| 2026-W44 to 2026-W47 | 10 | 2.5 d | 56.0 d |",
        "",
        "## Late and due soon",
        "",
        "From the SLA clocks at 2026-11-23 08:00 UTC, oldest first.",
        "",
        "### Overdue (2)",
        "",
        "| Issue | Form | Age | Whose move | Due |",
        "| --- | --- | ---: | --- | --- |",
        "| [#10](https://redirect.github.com/pypi/support/issues/10) | Account recovery "
        "| 539 d | maintainers | 2025-06-08 |",
        "| [#91](https://redirect.github.com/pypi/support/issues/91) | Account recovery "
        "| 7 d | maintainers | 2026-11-22 |",
        "",
        "### Due soon (1)",
        "",
        "| Issue | Form | Age | Whose move | Due |",
        "| --- | --- | ---: | --- | --- |",
        "| [#105](https://redirect.github.com/pypi/support/issues/105) | Other forms | "
        "3 d | maintainers | 2026-11-24 |",
        "",
        "## Never answered by a maintainer (3)",
        "",
        "Open issues without any maintainer comment, oldest first.",
        "",
        "| Issue | Form | Age |",
        "| --- | --- | ---: |",
        "| [#10](https://redirect.github.com/pypi/support/issues/10) | Account recovery | 539 d |",
        "| [#105](https://redirect.github.com/pypi/support/issues/105) | Other forms | 3 d |",
        "| [#102](https://redirect.github.com/pypi/support/issues/102) | Account recovery | 0 d |",
        "",
        "---",
        "<sub>Generated by recovery-bot for pypi/support from a snapshot taken "
        "2026-11-23 08:00 UTC. Weeks are ISO weeks in UTC. Pull requests and the digest "
        "issues are not counted. Issues are listed by number only: no titles, names or "
        "addresses. Percentiles interpolate linearly between ranks.</sub>",
        "",
    ]
)

# --------------------------------------------------------------------------- markdown


def test_hand_digest_renders_exactly(numbers):
    assert render_digest(numbers, repo=REPO) == HAND_MARKDOWN


def section(md: str, heading: str) -> str:
    """The lines of one ``## `` section, heading included, up to the next one."""
    rest = md.split("\n## " + heading, 1)[1]
    return "## " + heading + rest.split("\n## ", 1)[0].split("\n---\n")[0]


def test_week_in_progress_says_so_and_ages_at_the_snapshot():
    now = at(11, 19, 0)
    nums = compute_digest(HAND, CLOCKS, W47, digest_label=LABEL, now=now)
    assert (nums.as_of, [b.count for b in nums.age_buckets]) == (now, [5, 2, 1, 1, 1])
    lines = render_digest(nums, repo=REPO).splitlines()
    assert lines[1] == (
        "**2026-W47**: 2026-11-16 to 2026-11-22 (UTC), week in progress. "
        "Snapshot taken 2026-11-19 00:00 UTC."
    )
    assert "| | 2026-W47 (so far) | 2026-W46 | Change |" in lines
    assert "Issues open at 2026-11-19 00:00 UTC, by age in whole days." in lines


@pytest.mark.parametrize(
    ("marker", "first_line"),
    [
        ("triage-bot", "<!-- triage-bot:digest week=2026-W47 -->"),
        (
            None,
            "**2026-W47**: 2026-11-16 to 2026-11-22 (UTC). Snapshot taken 2026-11-23 08:00 UTC.",
        ),
    ],
)
def test_marker(numbers, marker, first_line):
    assert render_digest(numbers, repo=REPO, marker=marker).splitlines()[0] == first_line


def test_an_sla_entry_without_owner_or_due_date_shows_dashes(numbers):
    entry = ListedIssue(number=7, form="PEP 541", age_days=1_234)
    md = render_digest(replace(numbers, overdue=(entry,)), repo=REPO)
    row = "| [#7](https://redirect.github.com/pypi/support/issues/7) | PEP 541 | 1,234 d | — | — |"
    assert row in md.splitlines()


@pytest.mark.parametrize(
    "repo", ["a/b", "Py-PI9/support.sandbox_2-x", "o" * 39 + "/n", "o/" + "n" * 100]
)
def test_render_accepts_owner_slash_name(numbers, repo):
    md = render_digest(numbers, repo=repo)
    assert f"| [#91](https://redirect.github.com/{repo}/issues/91) |" in md
    assert f"<sub>Generated by recovery-bot for {repo} from a snapshot" in md


@pytest.mark.parametrize(
    "repo", ["o" * 40 + "/n", "-o/n", "o/", "/n", "o/" + "n" * 101, "o n/x", "o/n/x", "o/n)"]
)
def test_render_refuses_anything_else(numbers, repo):
    with pytest.raises(ValueError) as err:
        render_digest(numbers, repo=repo)
    assert str(err.value) == f"repo must be owner/name, got {repo!r}"


def test_render_refuses_a_negative_cap(numbers):
    with pytest.raises(ValueError) as err:
        render_digest(numbers, repo=REPO, list_cap=-1)
    assert str(err.value) == "list_cap must not be negative"


def test_cap_zero_shows_counts_only(numbers):
    md = render_digest(numbers, repo=REPO, list_cap=0)
    assert "> [!NOTE]" not in md  # the cap asked for is no cut
    assert section(md, "Late and due soon") == "\n".join(
        [
            "## Late and due soon",
            "",
            "From the SLA clocks at 2026-11-23 08:00 UTC, oldest first.",
            "",
            "### Overdue (2)",
            "",
            "| Issue | Form | Age | Whose move | Due |",
            "| --- | --- | ---: | --- | --- |",
            "",
            "…and 2 more.",
            "",
            "### Due soon (1)",
            "",
            "| Issue | Form | Age | Whose move | Due |",
            "| --- | --- | ---: | --- | --- |",
            "",
            "…and 1 more.",
            "",
        ]
    )
    assert section(md, "Never answered").endswith("| --- | --- | ---: |\n\n…and 3 more.\n")


def test_a_cap_below_the_lists_hides_entries_without_a_cut_note(numbers):
    md = render_digest(numbers, repo=REPO, list_cap=1)
    assert "> [!NOTE]" not in md
    assert md.count("…and 1 more.") == 1  # overdue: 2, one shown
    assert md.count("…and 2 more.") == 1  # never answered: 3, one shown
    assert md.count("](https://redirect.github.com/") == 3


# --------------------------------------------------------------------------- size limit


def entries(first: int, count: int) -> tuple[ListedIssue, ...]:
    return tuple(
        ListedIssue(first + i, "Account recovery", 40 - i, "maintainers", at(11, 20))
        for i in range(count)
    )


@pytest.fixture
def long_lists(numbers) -> DigestNumbers:
    """30 entries in each list: each cap step adds three rows, more than the cut note."""
    return replace(
        numbers,
        overdue=entries(1000, 30),
        due_soon=entries(2000, 30),
        never_answered=entries(3000, 30),
    )


def test_default_cap_is_25(long_lists):
    md = render_digest(long_lists, repo=REPO)
    assert md.count("…and 5 more.") == 3 and "> [!NOTE]" not in md


@pytest.mark.parametrize(
    ("max_chars", "cap"),
    [
        (10_345, None),  # exactly the full text (lists capped at 20): nothing cut
        (10_344, 19),  # one byte less: the largest cut cap, 19
        (10_133, 19),  # exactly the text at cap 19
        (10_132, 18),
        (7_000, 9),
        (6_600, 8),  # 9 is tried first and does not fit: the next try must include 8
        (6_000, 6),
        (4_000, 0),  # no entry fits, the counts do
    ],
)
def test_lists_are_cut_to_the_largest_cap_that_fits(long_lists, max_chars, cap):
    md = render_digest(long_lists, repo=REPO, list_cap=20, max_chars=max_chars)
    size = len(md.encode())
    assert size <= max_chars
    if cap is None:
        assert size == max_chars and "> [!NOTE]" not in md and md.count("…and 10 more.") == 3
        return
    note = (
        f"> Lists are cut to {cap} entries each to keep this issue within {max_chars:,} "
        "characters (GitHub's limit is 65,536)."
    )
    assert md.splitlines()[4:7] == ["", "> [!NOTE]", note]
    assert md.count(f"…and {30 - cap} more.") == 3
    assert md.count("](https://redirect.github.com/") == 3 * cap
    assert md.rstrip().endswith("linearly between ranks.</sub>")
    if max_chars == 10_133:
        assert size == max_chars


@pytest.mark.parametrize("which", ["overdue", "due_soon", "never_answered"])
def test_one_long_list_is_enough_for_the_cut_note(numbers, which):
    nums = replace(numbers, **{which: entries(1000, 30)})
    md = render_digest(nums, repo=REPO, list_cap=30, max_chars=5_000)
    assert "> Lists are cut to " in md
    assert len(md.encode()) <= 5_000


def lists_note(max_chars: int) -> str:
    return (
        "\n\n> [!NOTE]\n> Lists are cut to 0 entries each to keep this issue within "
        f"{max_chars:,} characters (GitHub's limit is 65,536)."
    )


INTRO = HAND_MARKDOWN.split("\n\n## This week")[0]
THIS_WEEK = "## This week" + HAND_MARKDOWN.split("## This week")[1].split("\n\n## By form")[0]


@pytest.mark.parametrize(
    ("max_chars", "expected"),
    [
        (-5, ""),
        (0, ""),
        (40, "> [!NOTE]\n> The rest of this digest was "),  # not even the note fits
        (74, CUT.strip()),
        (75, CUT),  # the note alone: no line of the intro fits in 1 byte
        (300, "\n".join(INTRO.splitlines()[:2]) + CUT),
        (357, "\n".join(INTRO.splitlines()[:2]) + CUT),
        (358, INTRO + CUT),  # the summary line fits to the byte
        (949, INTRO + lists_note(949) + CUT),
        (950, INTRO + lists_note(950) + "\n\n" + THIS_WEEK + CUT),  # the section to the byte
        (1_200, INTRO + lists_note(1_200) + "\n\n" + THIS_WEEK + CUT),
    ],
)
def test_too_small_limits_cut_whole_sections_then_whole_lines(numbers, max_chars, expected):
    md = render_digest(numbers, repo=REPO, max_chars=max_chars)
    assert md == expected
    assert len(md.encode()) <= max(0, max_chars)


def test_a_cut_with_empty_lists_claims_no_list_was_cut():
    nums = compute_digest([], {}, W47, digest_label=LABEL, now=NOW)
    md = render_digest(nums, repo=REPO, max_chars=1_200)
    assert "Lists are cut" not in md
    assert md.endswith("there is no comparison." + CUT)


@pytest.mark.parametrize(
    ("count", "top"),
    [
        (0, 1),
        (1, 1),
        (2, 2),
        (3, 3),
        (6, 6),
        (7, 8),
        (9, 10),
        (10, 10),
        (11, 15),
        (15, 15),
        (16, 20),
        (21, 25),
        (26, 30),
        (31, 40),
        (41, 50),
        (51, 60),
        (61, 80),
        (81, 100),
        (101, 150),
        (999, 1_000),
        (1_001, 1_500),
    ],
)
def test_chart_axis_ends_at_the_next_round_number(numbers, count, top):
    buckets = tuple(AgeBucket(b.label, b.min_days, b.max_days, 0) for b in numbers.age_buckets)
    buckets = (replace(buckets[0], count=count), *buckets[1:])
    md = render_digest(replace(numbers, age_buckets=buckets), repo=REPO)
    chart = md.split('title "Open issues by age in days"\n')[1]
    assert chart.splitlines()[1] == f'    y-axis "Issues" 0 --> {top}'


# --------------------------------------------------------------------------- weeks


@pytest.mark.parametrize(("year", "weeks"), [(2020, 53), (2021, 52), (2025, 52), (2026, 53)])
def test_weeks_in_year(year, weeks):
    assert weeks_in_year(year) == weeks


@pytest.mark.parametrize("year", [0, 9999, -1])
def test_week_year_range(year):
    with pytest.raises(ValueError) as err:
        IsoWeek(year, 1)
    assert str(err.value) == f"ISO week year must be between 1 and 9998, got {year}"


def test_week_year_range_ends_and_padding():
    assert str(IsoWeek(1, 1)) == "0001-W01"
    assert str(IsoWeek(9998, 52)) == "9998-W52"
    assert str(IsoWeek(987, 5)) == "0987-W05"
    assert IsoWeek(2026, 53).week == 53


@pytest.mark.parametrize("text", [202647, None])
def test_week_parse_refuses_non_text(text):
    with pytest.raises(ValueError) as err:
        IsoWeek.parse(text)
    assert str(err.value) == f"expected an ISO week like 2026-W47, got {text!r}"


class _NoOffset(tzinfo):
    """A tzinfo that does not know its offset: Python calls such datetimes naive."""

    def utcoffset(self, dt: datetime | None) -> None:
        return None


@pytest.mark.parametrize(
    "moment", [datetime(2026, 11, 23), datetime(2026, 11, 23, tzinfo=_NoOffset())]
)
def test_naive_moments_are_refused_with_the_whole_message(moment):
    with pytest.raises(ValueError) as err:
        IsoWeek.containing(moment)
    assert str(err.value) == "moment must be timezone-aware (UTC), got a naive datetime"
    with pytest.raises(ValueError) as err:
        compute_digest(HAND, CLOCKS, W47, digest_label=LABEL, now=moment)
    assert str(err.value) == "now must be timezone-aware (UTC), got a naive datetime"


@pytest.mark.parametrize(
    ("prefix", "title", "expected"),
    [
        ("Backlog (weekly)", "Backlog (weekly) — 2026-W47", True),  # no regex in the prefix
        ("Backlog (weekly)", "Backlog weekly — 2026-W47", False),
        (" Support backlog digest ", "Support backlog digest—2026-W47", True),
        ("Support backlog digest", "Support backlog digest 2026-W47", False),  # a dash
        ("Support backlog digest", "Support backlog digest — 2026-w47", False),
    ],
)
def test_digest_title_shape(prefix, title, expected):
    assert is_digest_issue(issue(1, None, NOW, title=title), LABEL, prefix) is expected


# --------------------------------------------------------------------------- rules


def test_percentile_range_message():
    with pytest.raises(ValueError) as err:
        percentile([1.0], -1)
    assert str(err.value) == "percentile must be between 0 and 100, got -1"


@pytest.mark.parametrize(
    ("state_reason", "labels", "reason"),
    [
        ("duplicate", (), "duplicate"),
        (None, ("triaged", "DUPLICATE"), "duplicate"),
        ("not_planned", ("duplicate",), "duplicate"),
        ("not_planned", (), "not_planned"),
        ("completed", ("duplicates",), "completed"),
        (None, (), "completed"),
    ],
)
def test_close_reason(state_reason, labels, reason):
    closed = issue(1, None, at(11, 1), closed_at=at(11, 2), state_reason=state_reason)
    assert close_reason(replace(closed, labels=labels)) == reason


@pytest.mark.parametrize(
    ("comments", "expected"),
    [
        ((maint(at(11, 20)), maint(at(11, 18), "ewdurbin")), at(11, 18)),  # earliest
        ((bot(at(11, 17)), maint(at(11, 19))), at(11, 19)),  # bots never answer
        ((CommentInfo(author="JANE", created_at=at(11, 17), is_maintainer=True),), None),
        ((CommentInfo(author="x", created_at=at(11, 17)),), None),  # not a maintainer
        ((), None),
    ],
)
def test_first_maintainer_response(comments, expected):
    assert first_maintainer_response(issue(1, None, at(11, 1), *comments, author="jane")) == (
        expected
    )


def test_compute_refuses_a_week_not_started_and_a_naive_now():
    with pytest.raises(ValueError) as err:
        compute_digest(HAND, CLOCKS, IsoWeek(2026, 49), digest_label=LABEL, now=NOW)
    assert str(err.value) == "2026-W49 has not started at 2026-11-23 08:00 UTC"
    with pytest.raises(ValueError) as err:
        compute_digest(HAND, CLOCKS, W47, digest_label=LABEL, now=datetime(2026, 11, 23))
    assert str(err.value) == "now must be timezone-aware (UTC), got a naive datetime"


def test_a_week_starting_at_the_snapshot_moment_is_computed():
    nums = compute_digest(HAND, CLOCKS, W47, digest_label=LABEL, now=W47.start())
    assert (nums.week_complete, nums.as_of) == (False, W47.start())


def test_trend_weeks():
    with pytest.raises(ValueError) as err:
        compute_digest(HAND, CLOCKS, W47, digest_label=LABEL, now=NOW, trend_weeks=1)
    assert str(err.value) == "trend_weeks must be at least 2"
    nums = compute_digest(HAND, CLOCKS, W47, digest_label=LABEL, now=NOW, trend_weeks=2)
    assert [(str(w.week), w.opened) for w in nums.trend] == [("2026-W46", 4), ("2026-W47", 6)]


def test_title_prefix_names_the_digest_issues():
    own = issue(1, None, at(11, 17), title="Weekly — 2026-W46")
    default = issue(2, None, at(11, 17), title="Support backlog digest — 2026-W46")
    nums = compute_digest(
        [own, default], {}, W47, digest_label=LABEL, now=NOW, title_prefix="Weekly"
    )
    assert (nums.excluded_digest_issues, nums.total.this_week.opened) == (1, 1)
    assert [i.number for i in nums.never_answered] == [2]


def test_form_groups_may_name_other_forms_themselves():
    groups = (
        FormGroup("Other forms", frozenset({"network"})),
        FormGroup("Recovery", frozenset({"account-recovery"})),
    )
    nums = compute_digest(HAND, CLOCKS, W47, digest_label=LABEL, now=NOW, form_groups=groups)
    assert [(f.name, f.this_week.opened) for f in nums.forms] == [
        ("Other forms", 4),
        ("Recovery", 2),
    ]
    assert nums.total.name == "All forms"
    with pytest.raises(KeyError) as err:
        nums.form("PEP 541")
    assert err.value.args == ("PEP 541",)


def test_age_bucket_bounds(numbers):
    assert [(b.label, b.min_days, b.max_days) for b in numbers.age_buckets] == [
        ("0–7", 0, 7),
        ("8–30", 8, 30),
        ("31–90", 31, 90),
        ("91–365", 91, 365),
        ("over 365", 366, None),
    ]


def test_a_closed_issue_without_a_closing_time_was_never_open():
    broken = replace(issue(1, "pep541", at(11, 17)), state="closed")
    nums = compute_digest([broken], {}, W47, digest_label=LABEL, now=NOW)
    w = nums.total.this_week
    assert (w.opened, w.closed_completed, w.open_at_end) == (1, 1, 0)
    assert nums.never_answered == () and sum(b.count for b in nums.age_buckets) == 0


def test_only_clocks_of_open_issues_that_are_not_closed_count():
    # 1: open, its clock already closed; 2: closed, its clock not yet updated.
    nums = compute_digest(
        [issue(1, None, at(11, 17)), issue(2, None, at(11, 17), closed_at=at(11, 18))],
        {
            1: clock(1, "maintainers", "closed", at(11, 18)),
            2: clock(2, "maintainers", "overdue", at(11, 18)),
        },
        W47,
        digest_label=LABEL,
        now=NOW,
    )
    assert (nums.total.waiting_on_maintainers, nums.overdue, nums.due_soon) == (0, (), ())


def test_week_edges_belong_to_the_later_week():
    # A is closed and B opened at Monday 00:00 that ends W47 and starts W48.
    a = issue(1, None, at(11, 10), closed_at=W47.end(), state_reason="completed")
    b = issue(2, None, W47.end())
    now = at(11, 30)
    w47 = compute_digest([a, b], {}, W47, digest_label=LABEL, now=now).total.this_week
    assert (w47.opened, w47.closed, w47.open_at_end) == (0, 0, 1)
    w48 = compute_digest([a, b], {}, W47.next(), digest_label=LABEL, now=now).total.this_week
    assert (w48.opened, w48.closed_completed, w48.open_at_end) == (1, 1, 1)


def test_response_window_edges_and_early_answers():
    start = W47.start()
    answered_at_start = issue(1, None, start - timedelta(days=2), maint(start))
    answered_at_end = issue(2, None, start, maint(W47.end()))
    answered_before_opening = issue(3, None, at(11, 18), maint(at(11, 17)))  # clock skew
    nums = compute_digest(
        [answered_at_start, answered_at_end, answered_before_opening],
        {},
        W47,
        digest_label=LABEL,
        now=NOW + timedelta(days=1),
    )
    r = nums.response_week
    assert (r.n, r.median_days, r.p90_days) == (2, 1.0, pytest.approx(1.8))


def test_lists_break_ties_by_number():
    same = at(11, 2)
    issues = [issue(n, None, same) for n in (7, 5, 6)]
    clocks = {n: clock(n, "maintainers", "overdue", at(11, 9)) for n in (7, 5, 6)}
    nums = compute_digest(issues, clocks, W47, digest_label=LABEL, now=NOW)
    assert [i.number for i in nums.overdue] == [5, 6, 7]
    assert [i.number for i in nums.never_answered] == [5, 6, 7]


def test_empty_lists_say_none():
    md = render_digest(compute_digest([], {}, W47, digest_label=LABEL, now=NOW), repo=REPO)
    assert md.splitlines().count("None.") == 3
    assert "### Overdue (0)\n\nNone.\n" in md and "### Due soon (0)\n\nNone.\n" in md
    assert section(md, "Never answered").endswith("oldest first.\n\nNone.\n")


@pytest.fixture(params=["Asia/Tokyo", "America/Los_Angeles"])
def host_zone(request, monkeypatch):
    """The host's local zone set to UTC+9, then UTC-8, for one test (dates and weeks must
    be UTC regardless): Monday 00:00 UTC is still Sunday in Los Angeles, Sunday 23:30
    UTC already Monday in Tokyo."""
    if not hasattr(host_time, "tzset"):  # pragma: no cover - Windows
        pytest.skip("time.tzset is POSIX only")
    monkeypatch.setenv("TZ", request.param)
    host_time.tzset()
    yield
    monkeypatch.undo()
    host_time.tzset()


def test_dates_and_weeks_are_utc_whatever_the_host_zone(numbers, host_zone):
    assert render_digest(numbers, repo=REPO) == HAND_MARKDOWN
    assert IsoWeek.containing(datetime(2026, 11, 22, 23, 30, tzinfo=UTC)) == W47
    with pytest.raises(ValueError) as err:
        compute_digest(HAND, CLOCKS, IsoWeek(2026, 49), digest_label=LABEL, now=NOW)
    assert str(err.value) == "2026-W49 has not started at 2026-11-23 08:00 UTC"


def test_now_is_utc_in_the_text():
    tokyo = NOW.astimezone(timezone(timedelta(hours=9)))
    nums = compute_digest(HAND, CLOCKS, W47, digest_label=LABEL, now=tokyo)
    assert render_digest(nums, repo=REPO) == HAND_MARKDOWN
    assert re.search(r"Snapshot taken 2026-11-23 08:00 UTC\.", HAND_MARKDOWN)
    assert nums.now.astimezone(UTC) == NOW
