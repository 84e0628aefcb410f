"""Apply a ``Plan`` to one issue with the fewest GitHub calls, idempotently.

- Labels: only the missing ones are added (one call); a label is removed only when it
  is on the issue *and* GitHub's issue events show the bot put it there, so labels set
  by people are never touched by automatic decisions (a maintainer's slash-command sets
  ``Plan.force_remove`` and removes what it names).
- The triage comment is found by its hidden marker **and** the bot's login (a reporter
  who pastes the marker cannot make the bot edit their comment), edited only when its
  text changes, and never created twice.
- A dry run computes the same calls and logs them instead of making them.

Applying the same plan twice makes no write the second time.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from recovery_bot.core.plans import NewIssue, Plan

log = logging.getLogger(__name__)


class IssueAPI(Protocol):
    """What the applier needs from GitHub (implemented by ``github.GitHubClient``)."""

    async def add_labels(self, repo: str, number: int, labels: Sequence[str]) -> Any: ...
    async def remove_label(self, repo: str, number: int, label: str) -> Any: ...
    async def label_events(self, repo: str, number: int) -> Sequence[Any]: ...
    async def list_comments(self, repo: str, number: int) -> Sequence[dict[str, Any]]: ...
    async def create_comment(self, repo: str, number: int, body: str) -> dict[str, Any]: ...
    async def edit_comment(self, repo: str, comment_id: int, body: str) -> Any: ...
    async def delete_comment(self, repo: str, comment_id: int) -> Any: ...
    async def set_state(
        self, repo: str, number: int, state: str, state_reason: str | None = None
    ) -> Any: ...
    async def add_assignees(self, repo: str, number: int, logins: Sequence[str]) -> Any: ...
    async def remove_assignees(self, repo: str, number: int, logins: Sequence[str]) -> Any: ...
    async def edit_issue(self, repo: str, number: int, **fields: Any) -> Any: ...
    async def create_issue(
        self, repo: str, title: str, body: str, labels: Sequence[str] = ()
    ) -> dict[str, Any]: ...


def marker_for(marker: str, kind: str = "triage") -> str:
    """The hidden HTML comment that identifies one kind of bot comment."""
    return f"<!-- {marker}:{kind} -->"


def with_marker(body: str, marker: str, kind: str = "triage") -> str:
    return f"{marker_for(marker, kind)}\n{body}"


def find_bot_comment(
    comments: Sequence[dict[str, Any]], *, marker: str, bot_login: str, kind: str = "triage"
) -> dict[str, Any] | None:
    """The bot's first comment of ``kind``; only comments authored by the bot count."""
    tag = marker_for(marker, kind)
    for c in comments:
        if (c.get("user") or {}).get("login", "").casefold() != bot_login.casefold():
            continue
        if (c.get("body") or "").startswith(tag):
            return c
    return None


#: How handling one delivery ended; the server journals it and counts it in metrics.
Outcome = Literal["applied", "unchanged", "skipped", "pypi_unknown", "ignored", "gone"]


@dataclass
class ApplyResult:
    """What the applier did (or, in a dry run, would do): one entry per write."""

    writes: list[str] = field(default_factory=list)
    reads: int = 0
    comment_id: int | None = None
    labels: list[str] = field(default_factory=list)
    #: Logins GitHub did not assign although asked to. The "add assignees" endpoint
    #: answers 201 and silently drops anyone who cannot be assigned (no access to the
    #: repository, no such account, ``@everyone``); only the issue it returns tells.
    not_assigned: list[str] = field(default_factory=list)
    #: The issue :func:`apply_new_issue` opened (``None`` in a dry run).
    number: int | None = None
    url: str | None = None

    @property
    def changed(self) -> bool:
        return bool(self.writes)


@dataclass
class TriageOutcome:
    """What a router callback reports back to the server (``DeliveryContext.outcome``)."""

    outcome: Outcome
    why: str = ""
    result: ApplyResult | None = None


def _event_fields(ev: Any) -> tuple[str, bool, str]:
    """(label, added, actor) from an event given as a dict or a LabelEvent-like object."""
    if isinstance(ev, dict):
        kind = ev.get("event")
        if kind not in ("labeled", "unlabeled"):
            return "", False, ""
        return (
            (ev.get("label") or {}).get("name", ""),
            kind == "labeled",
            (ev.get("actor") or {}).get("login", ""),
        )
    return getattr(ev, "label", ""), bool(getattr(ev, "added", False)), getattr(ev, "actor", "")


def _not_assigned(asked: Sequence[str], answer: Any) -> list[str]:
    """The logins of ``asked`` missing from the issue GitHub returned (none when there is
    no answer to read, as in a dry run)."""
    if not isinstance(answer, dict) or not isinstance(answer.get("assignees"), list):
        return []
    now = {str((a or {}).get("login") or "").casefold() for a in answer["assignees"]}
    return [a for a in asked if a.casefold() not in now]


async def labels_set_by(
    gh: IssueAPI, repo: str, number: int, candidates: set[str], bot_login: str
) -> set[str]:
    """Which of ``candidates`` were last added by the bot (per GitHub's issue events)."""
    last_adder: dict[str, str] = {}
    for ev in await gh.label_events(repo, number):
        label, added, actor = _event_fields(ev)
        if label in candidates and added:
            last_adder[label] = actor
    return {lbl for lbl, actor in last_adder.items() if actor.casefold() == bot_login.casefold()}


@dataclass
class _Application:
    """One application of a plan to one issue: where it writes and what it did so far.

    Every write goes through :meth:`write`, which is where a dry run stops: it records
    the description and returns ``None`` instead of calling GitHub.
    """

    gh: IssueAPI
    repo: str
    number: int | None  # None: the issue does not exist yet (NewIssue)
    result: ApplyResult
    dry_run: bool
    on_write: Callable[[str], Awaitable[None]] | None

    async def write(self, desc: str, call: Callable[[], Awaitable[Any]]) -> Any:
        self.result.writes.append(desc)
        if self.dry_run:
            where = f"#{self.number}" if self.number is not None else " (new issue)"
            log.info("dry-run %s%s: would %s", self.repo, where, desc)
            return None
        if self.on_write is not None:
            await self.on_write(desc)
        return await call()


async def apply_plan(
    gh: IssueAPI,
    repo: str,
    number: int,
    plan: Plan,
    *,
    current_labels: Sequence[str],
    marker: str,
    bot_login: str,
    comments: Sequence[dict[str, Any]] | None = None,
    state: str | None = None,
    assignees: Sequence[str] = (),
    body: str | None = None,
    dry_run: bool = False,
    on_write: Callable[[str], Awaitable[None]] | None = None,
) -> ApplyResult:
    """Make the issue match ``plan``.

    ``current_labels``, ``state``, ``assignees`` and ``body`` describe the issue as the
    caller last saw it (``body=None``: unknown, so a planned body is always written).
    ``comments`` may be passed when the caller already knows them (e.g. ``[]`` for a
    brand-new issue whose payload says it has no comments); otherwise they are listed
    only if the plan touches the triage comment.
    """
    app = _Application(
        gh, repo, number, ApplyResult(labels=list(current_labels)), dry_run, on_write
    )
    have = {lbl.casefold(): lbl for lbl in current_labels}  # as the caller saw them
    await _add_labels(app, plan, have)
    await _remove_labels(app, plan, have, bot_login)
    if plan.body is not None and plan.body != body:
        new_body = plan.body
        await app.write("edit body", lambda: gh.edit_issue(repo, number, body=new_body))
    if plan.comment_action != "keep":
        await _sync_comment(app, plan, marker, bot_login, comments)
    # One-off replies (slash-command answers, reminders): never de-duplicated.
    for reply in plan.replies:
        await app.write("post reply", functools.partial(gh.create_comment, repo, number, reply))
    await _sync_assignees(app, plan, assignees)
    # State last, so a closing reply is posted before the issue closes.
    new_state = plan.state
    if new_state is not None and new_state != state:
        await app.write(
            f"set state {new_state} ({plan.state_reason})",
            lambda: gh.set_state(repo, number, new_state, plan.state_reason),
        )
    return app.result


async def apply_new_issue(
    gh: IssueAPI,
    repo: str,
    issue: NewIssue,
    *,
    dry_run: bool = False,
    on_write: Callable[[str], Awaitable[None]] | None = None,
) -> ApplyResult:
    """Open ``issue`` (title, body and labels in one call). ``ApplyResult.number`` and
    ``url`` say which issue GitHub made; both stay ``None`` in a dry run."""
    app = _Application(gh, repo, None, ApplyResult(labels=list(issue.labels)), dry_run, on_write)
    made = await app.write(
        f"create issue {issue.title!r} with labels {list(issue.labels)}",
        lambda: gh.create_issue(repo, issue.title, issue.body, labels=list(issue.labels)),
    )
    if isinstance(made, dict):
        app.result.number = int(made["number"])
        app.result.url = made.get("html_url")
    return app.result


def _target(app: _Application) -> int:
    """The issue number of an application to an existing issue."""
    assert app.number is not None, "only NewIssue is applied without a number"
    return app.number


async def _add_labels(app: _Application, plan: Plan, have: Mapping[str, str]) -> None:
    """Add only the labels the issue lacks (compared without case), in one call."""
    to_add = [lbl for lbl in dict.fromkeys(plan.add_labels) if lbl.casefold() not in have]
    if to_add:
        number = _target(app)
        await app.write(f"add labels {to_add}", lambda: app.gh.add_labels(app.repo, number, to_add))
        app.result.labels += to_add


async def _remove_labels(
    app: _Application, plan: Plan, have: Mapping[str, str], bot_login: str
) -> None:
    """Remove the planned labels that were present and (unless the plan forces it) were
    last added by the bot; reading the issue's events costs one read, only when needed.
    A label the plan also adds is never removed."""
    candidates = {
        have[lbl.casefold()]
        for lbl in plan.remove_labels
        if lbl.casefold() in have and lbl not in plan.add_labels
    }
    if not candidates:
        return
    number = _target(app)
    if plan.force_remove:
        ours = candidates
    else:
        app.result.reads += 1
        ours = await labels_set_by(app.gh, app.repo, number, candidates, bot_login)
    for lbl in sorted(ours):
        await app.write(
            f"remove label {lbl!r}",
            functools.partial(app.gh.remove_label, app.repo, number, lbl),
        )
        app.result.labels.remove(lbl)


async def _sync_comment(
    app: _Application,
    plan: Plan,
    marker: str,
    bot_login: str,
    comments: Sequence[dict[str, Any]] | None,
) -> None:
    """The one bot comment of ``plan.comment_kind``: created (``upsert`` only), edited
    when its text differs, or deleted. Comments are listed only when not given."""
    number = _target(app)
    if comments is None:
        app.result.reads += 1
        comments = await app.gh.list_comments(app.repo, number)
    existing = find_bot_comment(
        comments, marker=marker, bot_login=bot_login, kind=plan.comment_kind
    )
    if plan.comment_action == "delete":
        if existing is not None:
            cid = int(existing["id"])
            await app.write(f"delete comment {cid}", lambda: app.gh.delete_comment(app.repo, cid))
        return
    if plan.comment_action not in ("upsert", "resolve") or plan.comment is None:
        return
    body = with_marker(plan.comment, marker, plan.comment_kind)
    if existing is None:
        if plan.comment_action == "upsert":  # "resolve" never creates
            created = await app.write(
                "create comment", lambda: app.gh.create_comment(app.repo, number, body)
            )
            if isinstance(created, dict):
                app.result.comment_id = created.get("id")
        return
    app.result.comment_id = existing.get("id")
    if (existing.get("body") or "") != body:
        cid = int(existing["id"])
        await app.write(f"edit comment {cid}", lambda: app.gh.edit_comment(app.repo, cid, body))


async def _sync_assignees(app: _Application, plan: Plan, assignees: Sequence[str]) -> None:
    """Assign only who is not assigned yet, unassign only who is; record anyone GitHub
    silently declined to assign."""
    assigned = {a.casefold() for a in assignees}
    add = [a for a in plan.assignees_add if a.casefold() not in assigned]
    remove = [a for a in plan.assignees_remove if a.casefold() in assigned]
    if add:
        number = _target(app)
        answer = await app.write(
            f"assign {add}", lambda: app.gh.add_assignees(app.repo, number, add)
        )
        app.result.not_assigned = _not_assigned(add, answer)
    if remove:
        number = _target(app)
        await app.write(
            f"unassign {remove}", lambda: app.gh.remove_assignees(app.repo, number, remove)
        )
