"""Queue position, typical wait, buckets and the triage-comment paragraph (pure), and the
``extend_plan`` hook triage calls."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest

from recovery_bot.app import parse_config
from recovery_bot.core.plans import Plan
from recovery_bot.core.snapshot import Clock, CommentInfo, IssueSnapshot, LabelEvent
from recovery_bot.sla.clocks import compute_clock
from recovery_bot.sla.config import SlaConfig
from recovery_bot.sla.queue import (
    DEFAULT_BUCKETS,
    QueueState,
    bucket,
    build_state,
    is_waiting,
    positions,
    queue_paragraph,
    split_queue_block,
    typical_wait,
    with_queue_block,
)
from recovery_bot.sla.queue_hook import extend_plan, get_state, store_states

NOW = datetime(2026, 9, 1, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)
AR = "account-recovery"
SLA = SlaConfig()


def issue(
    n: int,
    age: float,
    *,
    form: str | None = AR,
    answered_ago: float | None = None,
    state: str = "open",
    by_maintainer: bool = False,
    awaiting_ago: float | None = None,
    comments: tuple[CommentInfo, ...] = (),
) -> IssueSnapshot:
    created = NOW - age * DAY
    cs = list(comments)
    if answered_ago is not None:
        cs.append(
            CommentInfo(
                "maintainer1",
                NOW - answered_ago * DAY,
                is_maintainer=True,
                body="We sent you an e-mail.",
            )
        )
    events = ()
    labels: tuple[str, ...] = ()
    if awaiting_ago is not None:
        events = (LabelEvent("awaiting response", True, NOW - awaiting_ago * DAY, "m"),)
        labels = ("awaiting response",)
    return IssueSnapshot(
        number=n,
        title="t",
        author=f"r{n}",
        created_at=created,
        state=state,
        form=form,
        comments=tuple(cs),
        label_events=events,
        labels=labels,
        author_is_maintainer=by_maintainer,
        closed_at=NOW - DAY if state == "closed" else None,
    )


def clocks_of(snaps: list[IssueSnapshot]) -> dict[int, Clock]:
    return {s.number: compute_clock(s, SLA.for_form(s.form), SLA.labels, NOW) for s in snaps}


@pytest.fixture
def backlog() -> list[IssueSnapshot]:
    return [
        issue(1, 20),  # waiting
        issue(2, 15, answered_ago=12),  # answered by a comment
        issue(3, 12, awaiting_ago=10),  # answered by the awaiting label
        issue(4, 10, by_maintainer=True),  # a maintainer's own issue
        issue(5, 9, form="pep541"),  # another form
        issue(6, 8, state="closed"),  # closed
        issue(
            7,
            5,
            comments=(
                CommentInfo("bot[bot]", NOW - 4 * DAY, is_bot=True),
                CommentInfo("r7", NOW - 3 * DAY),
            ),
        ),  # bot + reporter only
        issue(9, 3),
        issue(8, 3),  # same age as #9: the lower number is older
        issue(10, 1, answered_ago=0.5),
    ]


def test_positions_count_older_issues_still_waiting_for_a_maintainer(
    backlog: list[IssueSnapshot],
) -> None:
    got = positions(backlog, clocks_of(backlog), AR)
    assert got == {1: 0, 2: 1, 3: 1, 4: 1, 7: 1, 8: 2, 9: 3, 10: 4}
    assert positions(backlog, clocks_of(backlog), "pep541") == {5: 0}


def test_typical_wait_is_the_median_over_the_last_28_days() -> None:
    snaps = [
        issue(1, 10, answered_ago=8),  # 2 days
        issue(2, 10, answered_ago=6),  # 4 days
        issue(3, 30, answered_ago=29),  # answered before the window: not counted
        issue(4, 9, awaiting_ago=8),  # 1 day (the awaiting label is a response)
        issue(5, 10, answered_ago=4, state="closed"),  # 6 days; closed since: counted
        issue(6, 10, answered_ago=9, form="pep541"),  # another form
        issue(7, 20, answered_ago=10),  # 10 days
    ]
    clocks = clocks_of(snaps)
    assert typical_wait(snaps, clocks, AR, NOW) == 4.0  # median of 1, 2, 4, 6, 10
    assert typical_wait(snaps[:3], clocks, AR, NOW) is None  # too few to say
    assert typical_wait(snaps[:3], clocks, AR, NOW, min_samples=2) == 3.0


@pytest.mark.parametrize(
    ("n", "label"),
    [(0, "0"), (1, "10"), (10, "10"), (11, "25"), (26, "50"), (400, "400"), (401, "400+")],
)
def test_bucket(n: int, label: str) -> None:
    assert bucket(n) == label


def test_custom_buckets() -> None:
    assert bucket(3, (5, 20)) == "5" and bucket(21, (5, 20)) == "20+"


@pytest.mark.parametrize(
    ("label", "wait", "text"),
    [
        ("0", None, "No other open account-recovery requests are waiting ahead of yours."),
        (
            "10",
            0.4,
            "There are between 1 and 10 open account-recovery requests ahead of "
            "yours; recently the first reply came after less than a day.",
        ),
        (
            "25",
            1.2,
            "There are between 11 and 25 open account-recovery requests ahead of "
            "yours; recently the first reply came after about 1 day.",
        ),
        (
            "400+",
            6.6,
            "There are more than 400 open account-recovery requests ahead of "
            "yours; recently the first reply came after about 7 days.",
        ),
    ],
)
def test_paragraph(label: str, wait: float | None, text: str) -> None:
    assert queue_paragraph(label, wait) == text


def test_queue_block_round_trip() -> None:
    base = "Thanks for your request.\n\nPlease fix:\n- a"
    one = with_queue_block(base, "recovery-bot", "25", "P25")
    assert one == f"{base}\n\n<!-- recovery-bot:queue bucket=25 -->\nP25"
    assert split_queue_block(one, "recovery-bot") == (base, "25")
    two = with_queue_block(one, "recovery-bot", "10", "P10")
    assert two == f"{base}\n\n<!-- recovery-bot:queue bucket=10 -->\nP10"
    assert with_queue_block(two, "recovery-bot", None, "") == base
    assert split_queue_block(base, "recovery-bot") == (base, None)
    assert split_queue_block(one, "other-bot") == (one, None)


def test_queue_state_places_new_and_answered_issues(backlog: list[IssueSnapshot]) -> None:
    st = build_state("pypi/support", backlog, clocks_of(backlog), AR, NOW)
    assert [n for _, n in st.waiting] == [1, 7, 8, 9]
    assert st.not_waiting == {2, 3, 4, 10}  # answered, or a maintainer's own issue
    assert st.position(NOW + DAY, 999) == 4  # filed after the sweep: behind everyone
    assert st.bucket_of(NOW - 3 * DAY, 9) == "10"
    assert st.bucket_of(NOW - 20 * DAY, 1) == "0"
    assert st.bucket_of(NOW - 15 * DAY, 2) is None


def _bot(state: QueueState | None) -> Any:
    bot = SimpleNamespace(config=parse_config({"repositories": ["pypi/support"]}, "t.yaml"))
    if state is not None:
        store_states(bot, "pypi/support", [state])
    return bot


def _state(**kw: Any) -> QueueState:
    base: dict[str, Any] = {
        "repo": "pypi/support",
        "form": AR,
        "waiting": tuple((NOW - d * DAY, n) for n, d in ((1, 30), (2, 20), (3, 10))),
        "not_waiting": frozenset({50}),
        "typical_wait_days": 3.0,
        "computed_at": NOW,
    }
    return QueueState(**{**base, **kw})


RECOVERY = SimpleNamespace(form=AR)
ISSUE = {"number": 77, "created_at": "2026-08-25T00:00:00Z"}  # behind #1, #2 and #3


async def test_extend_plan_appends_the_paragraph_and_turns_resolve_into_upsert() -> None:
    bot = _bot(_state())
    assert get_state(bot, "PyPI/Support", AR) is not None  # repo names ignore case
    para = (
        "There are between 1 and 10 open account-recovery requests ahead of yours; "
        "recently the first reply came after about 3 days."
    )
    block = f"<!-- recovery-bot:queue bucket=10 -->\n{para}"

    upsert = Plan(add_labels=("x",), comment="Please fix.", comment_action="upsert")
    out = await extend_plan(bot, None, "pypi/support", ISSUE, RECOVERY, upsert)
    assert out.comment == f"Please fix.\n\n{block}"
    assert (out.comment_action, out.add_labels) == ("upsert", ("x",))

    resolve = Plan(comment="All in order.", comment_action="resolve")
    out = await extend_plan(bot, None, "pypi/support", ISSUE, RECOVERY, resolve)
    assert (out.comment, out.comment_action) == (f"All in order.\n\n{block}", "upsert")

    first = await extend_plan(
        bot,
        None,
        "pypi/support",
        {**ISSUE, "number": 1, "created_at": "2026-08-02T12:00:00Z"},
        RECOVERY,
        resolve,
    )
    assert "bucket=0 -->" in (first.comment or "")


@pytest.mark.parametrize(
    ("state", "facts", "issue_json", "plan"),
    [
        (None, RECOVERY, ISSUE, Plan(comment="c", comment_action="resolve")),  # no sweep yet
        (
            _state(),
            SimpleNamespace(form="pep541"),
            ISSUE,
            Plan(comment="c", comment_action="upsert"),
        ),
        (_state(), RECOVERY, {**ISSUE, "number": 50}, Plan(comment="c", comment_action="resolve")),
        (_state(), RECOVERY, ISSUE, Plan()),  # nothing to say
        (_state(), RECOVERY, ISSUE, Plan(comment="c", comment_action="delete")),
    ],
)
async def test_extend_plan_leaves_other_plans_alone(
    state: QueueState | None, facts: Any, issue_json: dict[str, Any], plan: Plan
) -> None:
    assert await extend_plan(_bot(state), None, "pypi/support", issue_json, facts, plan) == plan


# --------------------------------------------------------------------------- pinned rules
# Each branch of the pure rules, one row per reason an issue is or is not waiting, and the
# boundaries of the window, the buckets and the day words (tools/mutation_scores.py).


def _clock(n: int, first_response_at: datetime | None) -> Clock:
    return Clock(n, "maintainers", None, None, "ok", AR, first_response_at)


MAINTAINER = CommentInfo("m", NOW - DAY, is_maintainer=True)
MAINTAINER_BOT = CommentInfo("m[bot]", NOW - DAY, is_maintainer=True, is_bot=True)
REPORTER = CommentInfo("r1", NOW - DAY)


@pytest.mark.parametrize(
    ("changes", "clock", "waiting"),
    [
        ({}, None, True),
        ({"state": "closed"}, None, False),
        ({"is_pull_request": True}, None, False),
        ({"author_is_maintainer": True}, None, False),
        ({"author_is_bot": True}, None, False),
        ({}, _clock(1, None), True),
        ({}, _clock(1, NOW - DAY), False),
        ({"comments": (REPORTER,)}, None, True),
        ({"comments": (MAINTAINER_BOT,)}, None, True),
        ({"comments": (REPORTER, MAINTAINER)}, None, False),
        ({"comments": (MAINTAINER,)}, _clock(1, None), False),
    ],
    ids=[
        "plain",
        "closed",
        "pull-request",
        "maintainer-author",
        "bot-author",
        "clock-unanswered",
        "clock-answered",
        "reporter-comment",
        "maintainer-bot-comment",
        "maintainer-comment-after-reporter",
        "maintainer-comment-with-clock",
    ],
)
def test_is_waiting(changes: dict[str, Any], clock: Clock | None, waiting: bool) -> None:
    snap = IssueSnapshot(1, "t", "r1", NOW - 2 * DAY, form=AR, **changes)
    assert is_waiting(snap, clock) is waiting


def test_positions_skip_other_forms_and_closed_issues_before_the_first_match() -> None:
    snaps = [
        issue(1, 9, form="pep541"),
        issue(2, 8, state="closed"),
        issue(3, 7),
        issue(4, 6),
    ]
    assert positions(snaps, clocks_of(snaps), AR) == {3: 0, 4: 1}


def test_typical_wait_window_is_inclusive_at_both_ends() -> None:
    snaps = [
        issue(1, 40, form="pep541"),  # another form first: skipped, not the end of the scan
        issue(2, 30),  # no clock below: skipped
        issue(3, 29),  # clock without a first response: skipped
        issue(4, 32),  # answered exactly 28 days ago: counted (4 days)
        issue(5, 2),  # answered exactly now: counted (2 days)
        issue(6, 31),  # answered a second before the window: not counted
        issue(7, 3),  # answered after now (clock skew): not counted
    ]
    clocks = {
        1: _clock(1, NOW - DAY),
        3: _clock(3, None),
        4: _clock(4, NOW - 28 * DAY),
        5: _clock(5, NOW),
        6: _clock(6, NOW - 28 * DAY - timedelta(seconds=1)),
        7: _clock(7, NOW + timedelta(seconds=1)),
    }
    assert typical_wait(snaps, clocks, AR, NOW, min_samples=1) == 3.0  # median of 4 and 2
    assert typical_wait(snaps, clocks, AR, NOW, min_samples=2) == 3.0
    assert typical_wait(snaps, clocks, AR, NOW, min_samples=3) is None
    assert typical_wait(snaps, clocks, AR, NOW, window=27 * DAY, min_samples=1) == 2.0
    assert typical_wait(snaps[4:5], clocks, AR, NOW, min_samples=1) == 2.0
    # Fewer than one sample is never a median, whatever min_samples says.
    assert typical_wait(snaps[:3], clocks, AR, NOW, min_samples=0) is None
    assert typical_wait(snaps, clocks, "pep541", NOW, min_samples=1) == 39.0


def test_typical_wait_counts_fractions_of_a_day() -> None:
    snaps = [issue(1, 1)]
    clocks = {1: _clock(1, NOW - timedelta(hours=18))}
    assert typical_wait(snaps, clocks, AR, NOW, min_samples=1) == 0.25


def test_bucket_edges_and_empty_boundaries() -> None:
    assert [bucket(n, (5, 20, 30)) for n in (-1, 0, 1, 5, 6, 20, 21, 30, 31)] == [
        "0", "0", "5", "5", "20", "20", "30", "30", "30+",
    ]  # fmt: skip
    assert bucket(7, ()) == "0"
    assert bucket(0, ()) == "0"


@pytest.mark.parametrize(
    ("wait", "words"),
    [
        (0.0, "less than a day"),
        (0.99, "less than a day"),
        (1.0, "about 1 day"),
        (1.49, "about 1 day"),
        (1.5, "about 2 days"),
        (2.0, "about 2 days"),
        (12.4, "about 12 days"),
    ],
)
def test_paragraph_day_words(wait: float, words: str) -> None:
    assert queue_paragraph("0", wait) == (
        "No other open account-recovery requests are waiting ahead of yours; "
        f"recently the first reply came after {words}."
    )


# Every sentence ends with " ahead of yours." (no typical wait here).
@pytest.mark.parametrize(
    ("label", "form", "buckets", "text"),
    [
        ("5", "pep541", (5, 20, 30), "There are between 1 and 5 open pep541 requests"),
        ("20", AR, (5, 20, 30), "There are between 6 and 20 open account-recovery requests"),
        ("30", AR, (5, 20, 30), "There are between 21 and 30 open account-recovery requests"),
        ("30+", AR, (5, 20, 30), "There are more than 30 open account-recovery requests"),
        ("0", "pep541", DEFAULT_BUCKETS, "No other open pep541 requests are waiting"),
    ],
)
def test_paragraph_names_the_form_and_the_bucket_range(
    label: str, form: str, buckets: tuple[int, ...], text: str
) -> None:
    assert queue_paragraph(label, None, form=form, buckets=buckets) == f"{text} ahead of yours."


def test_queue_block_keeps_a_multi_line_paragraph_and_trims_the_base() -> None:
    para = "First line.\n\nSecond line."
    one = with_queue_block("Thanks.\n\n", "recovery-bot", "50", para)
    assert one == f"Thanks.\n\n<!-- recovery-bot:queue bucket=50 -->\n{para}"
    assert split_queue_block(one, "recovery-bot") == ("Thanks.", "50")
    assert with_queue_block(one, "recovery-bot", "400+", "P") == (
        "Thanks.\n\n<!-- recovery-bot:queue bucket=400+ -->\nP"
    )
    assert with_queue_block(one, "recovery-bot", None, "P") == "Thanks."
    # The marker is matched literally: a regex character in it is not a wildcard.
    dotted = with_queue_block("Hi.", "bot.v2", "10", "P")
    assert split_queue_block(dotted, "bot.v2") == ("Hi.", "10")
    assert split_queue_block(dotted.replace("bot.v2", "botXv2"), "bot.v2")[1] is None


def test_build_state_with_custom_buckets_and_form() -> None:
    snaps = [
        issue(1, 9, form="pep541"),
        issue(2, 8, form="pep541", state="closed"),
        issue(3, 7, form="pep541", answered_ago=5),
        issue(4, 6),
        issue(5, 5, form="pep541"),
    ]
    st = build_state("o/r", snaps, clocks_of(snaps), "pep541", NOW, buckets=[1, 3])
    assert st == QueueState(
        repo="o/r",
        form="pep541",
        waiting=((NOW - 9 * DAY, 1), (NOW - 5 * DAY, 5)),
        not_waiting=frozenset({3}),
        typical_wait_days=None,
        computed_at=NOW,
        buckets=(1, 3),
    )
    assert st.bucket_of(NOW - 5 * DAY, 5) == "1"
    assert st.bucket_of(NOW, 99) == "3"
    assert st.paragraph("3+") == "There are more than 3 open pep541 requests ahead of yours."
    assert st.paragraph("3") == "There are between 2 and 3 open pep541 requests ahead of yours."


def test_build_state_without_buckets_uses_the_defaults_and_the_typical_wait() -> None:
    snaps = [issue(n, 10, answered_ago=10 - n) for n in range(1, 6)]  # waits 1..5 days
    st = build_state("o/r", snaps, clocks_of(snaps), AR, NOW, buckets=())
    assert st.buckets == DEFAULT_BUCKETS
    assert st.typical_wait_days == 3.0
    assert st.waiting == () and st.not_waiting == frozenset(range(1, 6))
    assert st.paragraph("0") == (
        "No other open account-recovery requests are waiting ahead of yours; "
        "recently the first reply came after about 3 days."
    )
