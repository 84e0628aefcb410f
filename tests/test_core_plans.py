"""The Plan (core.plans): when applying one could change nothing (``is_empty``), and how the
plans of several slash-commands in one comment combine (``merged``: the later one wins)."""

from __future__ import annotations

from typing import Any

import pytest

from recovery_bot.core.plans import Plan


@pytest.mark.parametrize(
    "change",
    [
        {"add_labels": ("a",)},
        {"remove_labels": ("a",)},
        {"comment_action": "upsert"},
        {"comment_action": "resolve"},
        {"comment_action": "delete"},
        {"replies": ("hi",)},
        {"state": "closed"},
        {"state": "open"},
        {"assignees_add": ("alice",)},
        {"assignees_remove": ("alice",)},
        {"body": "x"},
        {"body": ""},
    ],
)
def test_each_change_makes_a_plan_non_empty(change: dict[str, Any]) -> None:
    assert Plan(**change).is_empty is False


@pytest.mark.parametrize(
    "nothing",
    [
        {},
        {"comment": "kept as it is", "comment_action": "keep"},
        {"comment_kind": "sla"},
        {"state_reason": "completed"},
        {"force_remove": True},
        {"notes": ("why",)},
    ],
)
def test_what_cannot_change_an_issue_leaves_a_plan_empty(nothing: dict[str, Any]) -> None:
    assert Plan(**nothing).is_empty is True


def test_labels_merge_in_order_without_repeats_and_the_later_plan_wins() -> None:
    first = Plan(add_labels=("a", "b", "c", "a"), remove_labels=("x", "y", "z", "x"))
    second = Plan(add_labels=("d", "b", "y"), remove_labels=("c", "w", "x"))
    got = first.merged(second)
    # "c" is removed by the later plan; "y" is added back by it.
    assert got.add_labels == ("a", "b", "d", "y")
    assert got.remove_labels == ("x", "z", "c", "w")


def test_a_label_the_later_plan_both_adds_and_removes_stays_added() -> None:
    got = Plan(add_labels=("a",)).merged(Plan(add_labels=("a",), remove_labels=("a",)))
    assert (got.add_labels, got.remove_labels) == (("a",), ())
    got = Plan(remove_labels=("a",)).merged(Plan(add_labels=("b",)))
    assert (got.add_labels, got.remove_labels) == (("b",), ("a",))


def test_the_later_comment_wins_unless_it_keeps() -> None:
    mine = Plan(comment="mine", comment_action="upsert", comment_kind="triage")
    theirs = Plan(comment="theirs", comment_action="resolve", comment_kind="sla")
    keep = Plan(comment="ignored", comment_action="keep", comment_kind="other")
    got = mine.merged(theirs)
    assert (got.comment, got.comment_action, got.comment_kind) == ("theirs", "resolve", "sla")
    got = mine.merged(keep)
    assert (got.comment, got.comment_action, got.comment_kind) == ("mine", "upsert", "triage")
    got = keep.merged(Plan(comment_action="delete"))
    assert (got.comment, got.comment_action, got.comment_kind) == (None, "delete", "triage")


def test_state_and_its_reason_come_from_the_plan_that_sets_a_state() -> None:
    closed = Plan(state="closed", state_reason="not_planned")
    reopened = Plan(state="open", state_reason="reopened")
    assert closed.merged(reopened) == reopened
    assert closed.merged(Plan(state_reason="completed")) == closed
    assert Plan(state_reason="completed").merged(closed) == closed
    got = Plan(state="closed").merged(Plan(state="open"))
    assert (got.state, got.state_reason) == ("open", None)
    got = Plan(state="closed", state_reason="completed").merged(Plan(state="open"))
    assert (got.state, got.state_reason) == ("open", None)
    got = Plan(state="closed", state_reason="completed").merged(Plan(add_labels=("a",)))
    assert (got.state, got.state_reason) == ("closed", "completed")


def test_replies_notes_and_assignees_add_up() -> None:
    first = Plan(
        replies=("r1", "r2"),
        notes=("n1",),
        assignees_add=("alice", "bob"),
        assignees_remove=("carol", "dave"),
    )
    second = Plan(
        replies=("r1", "r3"),
        notes=("n2", "n1"),
        assignees_add=("bob", "erin"),
        assignees_remove=("dave", "frank"),
    )
    got = first.merged(second)
    assert got.replies == ("r1", "r2", "r1", "r3")
    assert got.notes == ("n1", "n2", "n1")
    assert got.assignees_add == ("alice", "bob", "erin")
    assert got.assignees_remove == ("carol", "dave", "frank")


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [(False, False, False), (True, False, True), (False, True, True)],
)
def test_force_remove_when_either_plan_forces(first: bool, second: bool, expected: bool) -> None:
    got = Plan(force_remove=first).merged(Plan(force_remove=second))
    assert got.force_remove is expected


def test_plan_body_counts_as_a_change_and_merges() -> None:
    assert not Plan(body="x").is_empty
    assert Plan(body="a").merged(Plan(body="b")).body == "b"
    assert Plan(body="a").merged(Plan(body="")).body == ""
    assert Plan(body="a").merged(Plan(add_labels=("l",))).body == "a"
    assert Plan().merged(Plan()).body is None


def test_merging_two_empty_plans_is_the_empty_plan() -> None:
    got = Plan().merged(Plan())
    assert got == Plan() and got.notes == () and got.is_empty
