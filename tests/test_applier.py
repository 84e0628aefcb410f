"""``apply_plan`` and ``apply_new_issue`` called directly, against an in-memory issue.

The applier's contract is the exact list of GitHub calls a plan turns into, so every row
of the table below names the calls (reads included) and the writes the result reports.
``Issue`` implements the ``IssueAPI`` protocol in memory: it records each call and
keeps the issue's state, so applying a plan twice can show that the second time writes
nothing. The end-to-end tests (server, sweep, commands, digest) cover the same code over
HTTP; these pin each rule on its own.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import pytest

from recovery_bot.core.plans import NewIssue, Plan
from recovery_bot.platform.applier import (
    ApplyResult,
    IssueAPI,
    apply_new_issue,
    apply_plan,
    with_marker,
)

REPO = "pypi/support"
N = 7
BOT = "recovery-bot[bot]"
MARKER = "recovery-bot"
TRIAGE_TAG = "<!-- recovery-bot:triage -->"


def labeled(label: str, actor: str, added: bool = True) -> dict[str, Any]:
    """An issue event as GitHub's REST API returns it."""
    return {
        "event": "labeled" if added else "unlabeled",
        "label": {"name": label},
        "actor": {"login": actor},
    }


def comment(cid: int, body: str, login: str = BOT) -> dict[str, Any]:
    return {"id": cid, "body": body, "user": {"login": login}}


@dataclass
class Issue:
    """One issue held in memory behind the ``IssueAPI`` protocol."""

    labels: list[str] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    comments: list[dict[str, Any]] = field(default_factory=list)
    state: str = "open"
    assignees: list[str] = field(default_factory=list)
    body: str = "the body"
    #: Logins GitHub silently declines to assign (no access to the repository).
    unassignable: tuple[str, ...] = ()
    calls: list[tuple[Any, ...]] = field(default_factory=list)

    async def add_labels(self, repo: str, number: int, labels: Sequence[str]) -> Any:
        self.calls.append(("add_labels", number, tuple(labels)))
        self.labels += labels
        self.events += [labeled(lbl, BOT) for lbl in labels]
        return [{"name": lbl} for lbl in self.labels]

    async def remove_label(self, repo: str, number: int, label: str) -> Any:
        self.calls.append(("remove_label", number, label))
        self.labels.remove(label)
        self.events.append(labeled(label, BOT, added=False))
        return []

    async def label_events(self, repo: str, number: int) -> Sequence[Any]:
        self.calls.append(("label_events", number))
        return list(self.events)

    async def list_comments(self, repo: str, number: int) -> Sequence[dict[str, Any]]:
        self.calls.append(("list_comments", number))
        return [dict(c) for c in self.comments]

    async def create_comment(self, repo: str, number: int, body: str) -> dict[str, Any]:
        self.calls.append(("create_comment", number, body))
        made = comment(900 + len(self.comments), body)
        self.comments.append(made)
        return dict(made)

    async def edit_comment(self, repo: str, comment_id: int, body: str) -> Any:
        self.calls.append(("edit_comment", comment_id, body))
        for c in self.comments:
            if c["id"] == comment_id:
                c["body"] = body
        return {}

    async def delete_comment(self, repo: str, comment_id: int) -> Any:
        self.calls.append(("delete_comment", comment_id))
        self.comments = [c for c in self.comments if c["id"] != comment_id]
        return None

    async def set_state(
        self, repo: str, number: int, state: str, state_reason: str | None = None
    ) -> Any:
        self.calls.append(("set_state", number, state, state_reason))
        self.state = state
        return {}

    async def add_assignees(self, repo: str, number: int, logins: Sequence[str]) -> Any:
        self.calls.append(("add_assignees", number, tuple(logins)))
        self.assignees += [a for a in logins if a not in self.unassignable]
        return {"assignees": [{"login": a} for a in self.assignees]}

    async def remove_assignees(self, repo: str, number: int, logins: Sequence[str]) -> Any:
        self.calls.append(("remove_assignees", number, tuple(logins)))
        gone = {a.casefold() for a in logins}
        self.assignees = [a for a in self.assignees if a.casefold() not in gone]
        return {}

    async def edit_issue(self, repo: str, number: int, **fields: Any) -> Any:
        self.calls.append(("edit_issue", number, fields))
        self.body = fields.get("body", self.body)
        return {}

    async def create_issue(
        self, repo: str, title: str, body: str, labels: Sequence[str] = ()
    ) -> dict[str, Any]:
        self.calls.append(("create_issue", title, body, tuple(labels)))
        return {"number": 501, "html_url": f"https://github.com/{REPO}/issues/501"}

    def writes(self) -> list[tuple[Any, ...]]:
        return [c for c in self.calls if c[0] not in ("label_events", "list_comments")]


def test_the_memory_issue_speaks_the_whole_protocol() -> None:
    """If ``IssueAPI`` grows, this double (and these tests) must grow with it; the
    client the bot really uses must have every method too."""
    from recovery_bot.platform.github import GitHubClient

    wanted = {
        name: list(inspect.signature(fn).parameters)
        for name, fn in vars(IssueAPI).items()
        if inspect.iscoroutinefunction(fn)
    }
    assert "create_issue" in wanted and "edit_issue" in wanted
    assert {n: list(inspect.signature(getattr(Issue, n)).parameters) for n in wanted} == wanted
    # The client names a few parameters its own way (the applier passes them by position).
    assert all(inspect.iscoroutinefunction(getattr(GitHubClient, n)) for n in wanted)


async def apply(
    issue: Issue,
    plan: Plan,
    *,
    dry_run: bool = False,
    comments: Sequence[dict[str, Any]] | None = None,
    **kw: Any,
) -> ApplyResult:
    """Apply ``plan`` with the issue's current state, as callers pass it."""
    return await apply_plan(
        issue,
        REPO,
        N,
        plan,
        current_labels=list(issue.labels),
        marker=MARKER,
        bot_login=BOT,
        comments=comments,
        state=issue.state,
        assignees=list(issue.assignees),
        body=issue.body,
        dry_run=dry_run,
        **kw,
    )


def triage(text: str) -> str:
    return with_marker(text, MARKER)


# (id, issue before, plan, calls in order, ApplyResult.writes)
CASES: list[tuple[str, Issue, Plan, list[tuple[Any, ...]], list[str]]] = [
    ("empty plan: no call", Issue(labels=["a"]), Plan(), [], []),
    (
        "labels: only the missing ones, once, in one call",
        Issue(labels=["Lost 2FA"]),
        Plan(add_labels=("lost 2fa", "needs info", "needs info")),
        [("add_labels", N, ("needs info",))],
        ["add labels ['needs info']"],
    ),
    (
        "labels: all present (any case) is no call",
        Issue(labels=["Lost 2FA", "x"]),
        Plan(add_labels=("LOST 2fa",)),
        [],
        [],
    ),
    (
        "remove: only labels the bot added last; absent ones ask nothing",
        Issue(
            labels=["mine", "theirs", "retaken"],
            events=[
                labeled("mine", BOT),
                labeled("theirs", "di"),
                labeled("retaken", BOT),
                labeled("retaken", "di", added=False),
                labeled("retaken", "di"),
            ],
        ),
        Plan(remove_labels=("mine", "theirs", "retaken", "absent")),
        [("label_events", N), ("remove_label", N, "mine")],
        ["remove label 'mine'"],
    ),
    (
        "remove: the bot's login is compared without case",
        Issue(labels=["mine"], events=[labeled("mine", "Recovery-Bot[BOT]")]),
        Plan(remove_labels=("MINE",)),
        [("label_events", N), ("remove_label", N, "mine")],
        ["remove label 'mine'"],
    ),
    (
        "remove: nothing present means no events read",
        Issue(labels=["other"]),
        Plan(remove_labels=("absent",)),
        [],
        [],
    ),
    (
        "remove: force_remove (a maintainer's command) skips the events",
        Issue(labels=["theirs", "b"], events=[labeled("theirs", "di")]),
        Plan(remove_labels=("theirs", "b"), force_remove=True),
        [("remove_label", N, "b"), ("remove_label", N, "theirs")],
        ["remove label 'b'", "remove label 'theirs'"],
    ),
    (
        "remove: a label the plan also adds stays",
        Issue(labels=["keep"], events=[labeled("keep", BOT)]),
        Plan(add_labels=("keep",), remove_labels=("keep",)),
        [],
        [],
    ),
    (
        "remove: a label added in the same plan under another case is not removed",
        Issue(labels=[]),
        Plan(add_labels=("Foo",), remove_labels=("foo",)),
        [("add_labels", N, ("Foo",))],
        ["add labels ['Foo']"],
    ),
    (
        "comment: upsert creates it with the hidden marker",
        Issue(comments=[comment(1, "hello", "someone")]),
        Plan(comment="Thanks.", comment_action="upsert"),
        [("list_comments", N), ("create_comment", N, f"{TRIAGE_TAG}\nThanks.")],
        ["create comment"],
    ),
    (
        "comment: upsert with the same text is no write",
        Issue(comments=[comment(5, triage("Thanks."))]),
        Plan(comment="Thanks.", comment_action="upsert"),
        [("list_comments", N)],
        [],
    ),
    (
        "comment: upsert edits the bot's comment found by marker and author (any case)",
        Issue(comments=[comment(5, triage("Old."), "RECOVERY-BOT[bot]")]),
        Plan(comment="New.", comment_action="upsert"),
        [("list_comments", N), ("edit_comment", 5, f"{TRIAGE_TAG}\nNew.")],
        ["edit comment 5"],
    ),
    (
        "comment: a reporter who pasted the marker is not edited",
        Issue(comments=[comment(3, triage("Old."), "reporter")]),
        Plan(comment="New.", comment_action="upsert"),
        [("list_comments", N), ("create_comment", N, f"{TRIAGE_TAG}\nNew.")],
        ["create comment"],
    ),
    (
        "comment: another kind's comment is not this one",
        Issue(comments=[comment(4, "<!-- recovery-bot:sla -->\nReminder.")]),
        Plan(comment="Due.", comment_action="upsert", comment_kind="queue"),
        [
            ("list_comments", N),
            ("create_comment", N, "<!-- recovery-bot:queue -->\nDue."),
        ],
        ["create comment"],
    ),
    (
        "comment: resolve never creates",
        Issue(),
        Plan(comment="All in order.", comment_action="resolve"),
        [("list_comments", N)],
        [],
    ),
    (
        "comment: resolve edits an existing one",
        Issue(comments=[comment(5, triage("Missing things."))]),
        Plan(comment="All in order.", comment_action="resolve"),
        [("list_comments", N), ("edit_comment", 5, f"{TRIAGE_TAG}\nAll in order.")],
        ["edit comment 5"],
    ),
    (
        "comment: delete removes the bot's one",
        Issue(comments=[comment(2, triage("x"), "reporter"), comment(5, triage("Old."))]),
        Plan(comment_action="delete"),
        [("list_comments", N), ("delete_comment", 5)],
        ["delete comment 5"],
    ),
    (
        "comment: delete with none there is no write",
        Issue(comments=[comment(2, triage("x"), "reporter")]),
        Plan(comment_action="delete"),
        [("list_comments", N)],
        [],
    ),
    (
        "replies: each posted, then the state (closing last)",
        Issue(),
        Plan(replies=("One.", "Two."), state="closed", state_reason="not_planned"),
        [
            ("create_comment", N, "One."),
            ("create_comment", N, "Two."),
            ("set_state", N, "closed", "not_planned"),
        ],
        ["post reply", "post reply", "set state closed (not_planned)"],
    ),
    (
        "state: already as planned is no write",
        Issue(state="closed"),
        Plan(state="closed", state_reason="completed"),
        [],
        [],
    ),
    (
        "state: reopen",
        Issue(state="closed"),
        Plan(state="open", state_reason="reopened"),
        [("set_state", N, "open", "reopened")],
        ["set state open (reopened)"],
    ),
    (
        "assignees: add only who is not assigned, remove only who is",
        Issue(assignees=["Di", "miketheman"]),
        Plan(assignees_add=("di", "ewdurbin"), assignees_remove=("MIKETHEMAN", "nobody")),
        [("add_assignees", N, ("ewdurbin",)), ("remove_assignees", N, ("MIKETHEMAN",))],
        ["assign ['ewdurbin']", "unassign ['MIKETHEMAN']"],
    ),
    (
        "body: edited when it differs",
        Issue(body="old"),
        Plan(body="new"),
        [("edit_issue", N, {"body": "new"})],
        ["edit body"],
    ),
    ("body: the same body is no write", Issue(body="same"), Plan(body="same"), [], []),
    (
        "order: labels, removal, body, comment, replies, assignees, state",
        Issue(
            labels=["old"],
            events=[labeled("old", BOT)],
            comments=[comment(5, triage("Before."))],
            body="b0",
        ),
        Plan(
            add_labels=("new",),
            remove_labels=("old",),
            body="b1",
            comment="After.",
            comment_action="upsert",
            replies=("Done.",),
            assignees_add=("di",),
            state="closed",
            state_reason="completed",
        ),
        [
            ("add_labels", N, ("new",)),
            ("label_events", N),
            ("remove_label", N, "old"),
            ("edit_issue", N, {"body": "b1"}),
            ("list_comments", N),
            ("edit_comment", 5, f"{TRIAGE_TAG}\nAfter."),
            ("create_comment", N, "Done."),
            ("add_assignees", N, ("di",)),
            ("set_state", N, "closed", "completed"),
        ],
        [
            "add labels ['new']",
            "remove label 'old'",
            "edit body",
            "edit comment 5",
            "post reply",
            "assign ['di']",
            "set state closed (completed)",
        ],
    ),
]


def _fresh(issue: Issue) -> Issue:
    """A copy, so each test starts from the table's issue unchanged."""
    return replace(
        issue,
        labels=list(issue.labels),
        events=list(issue.events),
        comments=[dict(c) for c in issue.comments],
        assignees=list(issue.assignees),
        calls=[],
    )


@pytest.mark.parametrize(
    ("issue", "plan", "calls", "writes"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
async def test_apply_plan_makes_exactly_these_calls(
    issue: Issue, plan: Plan, calls: list[tuple[Any, ...]], writes: list[str]
) -> None:
    issue = _fresh(issue)
    result = await apply(issue, plan)
    assert issue.calls == calls
    assert result.writes == writes
    assert result.changed == bool(writes)
    assert result.reads == sum(1 for c in calls if c[0] in ("label_events", "list_comments"))


@pytest.mark.parametrize(
    ("issue", "plan", "calls", "writes"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
async def test_dry_run_reads_the_same_and_writes_nothing(
    issue: Issue, plan: Plan, calls: list[tuple[Any, ...]], writes: list[str]
) -> None:
    issue = _fresh(issue)
    result = await apply(issue, plan, dry_run=True)
    assert issue.calls == [c for c in calls if c[0] in ("label_events", "list_comments")]
    assert result.writes == writes  # the same account a real run gives


# Replies are one-off by design. A plan adding "Foo" and removing "foo" is
# contradictory: "also added" is an exact comparison (as it always was), so a second
# application removes the label the first added.
_CONTRADICTORY = "remove: a label added in the same plan under another case is not removed"
_TWICE = [c for c in CASES if not c[2].replies and c[0] != _CONTRADICTORY]


@pytest.mark.parametrize(("issue", "plan"), [c[1:3] for c in _TWICE], ids=[c[0] for c in _TWICE])
async def test_applying_twice_writes_nothing_the_second_time(issue: Issue, plan: Plan) -> None:
    issue = _fresh(issue)
    await apply(issue, plan)
    issue.calls.clear()
    again = await apply(issue, plan)
    assert again.writes == []
    assert issue.writes() == []


async def test_known_comments_are_not_listed_and_a_dry_run_then_makes_no_call() -> None:
    issue = Issue(comments=[comment(5, triage("Old."))])
    plan = Plan(comment="New.", comment_action="upsert", state="closed")
    result = await apply(issue, plan, dry_run=True, comments=[])
    assert issue.calls == []
    assert result.writes == ["create comment", "set state closed (None)"]
    assert result.comment_id is None


async def test_created_and_found_comment_ids_are_reported() -> None:
    issue = Issue()
    made = await apply(issue, Plan(comment="Hi.", comment_action="upsert"))
    assert made.comment_id == 900
    found = await apply(issue, Plan(comment="Hi.", comment_action="upsert"))
    assert (found.comment_id, found.writes) == (900, [])


async def test_labels_in_the_result_follow_the_writes() -> None:
    issue = Issue(labels=["a", "b"], events=[labeled("b", BOT)])
    result = await apply(issue, Plan(add_labels=("c",), remove_labels=("b",)))
    assert result.labels == ["a", "c"]
    dry = await apply(Issue(labels=["a"]), Plan(add_labels=("c",)), dry_run=True)
    assert dry.labels == ["a", "c"]


async def test_assignees_github_silently_dropped_are_reported() -> None:
    issue = Issue(unassignable=("outsider",))
    result = await apply(issue, Plan(assignees_add=("di", "outsider")))
    assert issue.calls == [("add_assignees", N, ("di", "outsider"))]
    assert result.not_assigned == ["outsider"]
    dry = await apply(Issue(unassignable=("outsider",)), Plan(assignees_add=("outsider",)),
                      dry_run=True)  # fmt: skip
    assert dry.not_assigned == []  # no answer to read in a dry run


async def test_an_unknown_body_is_always_written() -> None:
    issue = Issue(body="same")
    result = await apply_plan(
        issue, REPO, N, Plan(body="same"), current_labels=[], marker=MARKER, bot_login=BOT
    )
    assert issue.calls == [("edit_issue", N, {"body": "same"})]
    assert result.writes == ["edit body"]


async def test_on_write_hears_each_write_before_it_is_made() -> None:
    issue = Issue()
    heard: list[tuple[str, int]] = []

    async def on_write(desc: str) -> None:
        heard.append((desc, len(issue.calls)))

    plan = Plan(add_labels=("x",), replies=("Hi.",), state="closed", state_reason="completed")
    await apply(issue, plan, on_write=on_write)
    assert heard == [
        ("add labels ['x']", 0),
        ("post reply", 1),
        ("set state closed (completed)", 2),
    ]
    heard.clear()
    await apply(Issue(), plan, dry_run=True, on_write=on_write)
    assert heard == []


async def test_apply_new_issue_opens_it_in_one_call() -> None:
    issue = Issue()
    new = NewIssue(title="Digest — 2026-W47", body="numbers", labels=("backlog digest",))
    result = await apply_new_issue(issue, REPO, new)
    assert issue.calls == [("create_issue", new.title, "numbers", ("backlog digest",))]
    assert result.writes == ["create issue 'Digest — 2026-W47' with labels ['backlog digest']"]
    assert (result.number, result.url) == (501, f"https://github.com/{REPO}/issues/501")
    assert result.labels == ["backlog digest"]


async def test_apply_new_issue_dry_run_makes_no_call() -> None:
    issue = Issue()
    result = await apply_new_issue(issue, REPO, NewIssue(title="T", body="B"), dry_run=True)
    assert issue.calls == []
    assert result.writes == ["create issue 'T' with labels []"]
    assert (result.number, result.url) == (None, None)
