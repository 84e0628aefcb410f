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
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from recovery_bot.core.plans import Plan

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
    return {
        lbl for lbl, actor in last_adder.items() if actor.casefold() == bot_login.casefold()
    }


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
    dry_run: bool = False,
    on_write: Callable[[str], Awaitable[None]] | None = None,
) -> ApplyResult:
    """Make the issue match ``plan``.

    ``comments`` may be passed when the caller already knows them (e.g. ``[]`` for a
    brand-new issue whose payload says it has no comments); otherwise they are listed
    only if the plan touches the triage comment.
    """
    result = ApplyResult(labels=list(current_labels))
    have = {lbl.casefold(): lbl for lbl in current_labels}

    async def write(desc: str, call: Callable[[], Awaitable[Any]]) -> Any:
        result.writes.append(desc)
        if dry_run:
            log.info("dry-run %s#%d: would %s", repo, number, desc)
            return None
        if on_write is not None:
            await on_write(desc)
        return await call()

    # 1. labels to add
    to_add = [lbl for lbl in dict.fromkeys(plan.add_labels) if lbl.casefold() not in have]
    if to_add:
        await write(f"add labels {to_add}", lambda: gh.add_labels(repo, number, to_add))
        result.labels += to_add

    # 2. labels to remove: only those present and last added by the bot
    candidates = {
        have[lbl.casefold()]
        for lbl in plan.remove_labels
        if lbl.casefold() in have and lbl not in plan.add_labels
    }
    if candidates:
        if plan.force_remove:
            ours = candidates
        else:
            result.reads += 1
            ours = await labels_set_by(gh, repo, number, candidates, bot_login)
        for lbl in sorted(ours):
            await write(
                f"remove label {lbl!r}", functools.partial(gh.remove_label, repo, number, lbl)
            )
            result.labels.remove(lbl)

    # 3. the one triage comment
    if plan.comment_action != "keep":
        if comments is None:
            result.reads += 1
            comments = await gh.list_comments(repo, number)
        existing = find_bot_comment(
            comments, marker=marker, bot_login=bot_login, kind=plan.comment_kind
        )
        if plan.comment_action in ("upsert", "resolve") and plan.comment is not None:
            body = with_marker(plan.comment, marker, plan.comment_kind)
            if existing is None:
                if plan.comment_action == "upsert":
                    created = await write(
                        "create comment", lambda: gh.create_comment(repo, number, body)
                    )
                    if isinstance(created, dict):
                        result.comment_id = created.get("id")
            else:
                result.comment_id = existing.get("id")
                if (existing.get("body") or "") != body:
                    cid = int(existing["id"])
                    await write(
                        f"edit comment {cid}", lambda: gh.edit_comment(repo, cid, body)
                    )
        elif plan.comment_action == "delete" and existing is not None:
            cid = int(existing["id"])
            await write(f"delete comment {cid}", lambda: gh.delete_comment(repo, cid))

    # 4. one-off replies (slash-command answers, reminders)
    for reply in plan.replies:
        await write("post reply", functools.partial(gh.create_comment, repo, number, reply))

    # 5. assignees
    assigned = {a.casefold() for a in assignees}
    add_a = [a for a in plan.assignees_add if a.casefold() not in assigned]
    if add_a:
        answer = await write(f"assign {add_a}", lambda: gh.add_assignees(repo, number, add_a))
        result.not_assigned = _not_assigned(add_a, answer)
    rm_a = [a for a in plan.assignees_remove if a.casefold() in assigned]
    if rm_a:
        await write(f"unassign {rm_a}", lambda: gh.remove_assignees(repo, number, rm_a))

    # 6. state last, so a closing reply is posted before the issue closes
    new_state = plan.state
    if new_state is not None and new_state != state:
        await write(
            f"set state {new_state} ({plan.state_reason})",
            lambda: gh.set_state(repo, number, new_state, plan.state_reason),
        )
    return result
