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
    QueueState,
    bucket,
    build_state,
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
