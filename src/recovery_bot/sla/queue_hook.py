"""The queue paragraph's shell side: keep each sweep's :class:`QueueState` on the bot and
add the paragraph to a triage plan (``intake.handler`` calls :func:`extend_plan`).

The rules (positions, buckets, the paragraph's text) are pure and live in ``sla.queue``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from recovery_bot.core.plans import Plan
from recovery_bot.core.snapshot import parse_github_time
from recovery_bot.sla.queue import QUEUE_FORMS, QueueState, with_queue_block

if TYPE_CHECKING:
    from recovery_bot.platform.github import GitHubClient
    from recovery_bot.platform.runtime import Runtime


def store_states(bot: Runtime, repo: str, states: Iterable[QueueState]) -> None:
    """Keep ``states`` on ``bot.queue_state`` (``{(repo, form): QueueState}``)."""
    table = getattr(bot, "queue_state", None)
    if not isinstance(table, dict):
        table = {}
        bot.queue_state = table
    for st in states:
        table[(repo.casefold(), st.form)] = st


def get_state(bot: Runtime, repo: str, form: str) -> QueueState | None:
    table = getattr(bot, "queue_state", None)
    if not isinstance(table, dict):
        return None
    return table.get((repo.casefold(), form))


def _created_at(issue: Mapping[str, Any], fallback: datetime) -> datetime:
    raw = issue.get("created_at")
    if isinstance(raw, str) and raw:
        try:
            return parse_github_time(raw)
        except ValueError:
            pass
    return fallback


async def extend_plan(
    bot: Runtime, gh: GitHubClient, repo: str, issue_json: Mapping[str, Any], facts: Any, plan: Plan
) -> Plan:
    """Add the queue paragraph to a recovery issue's triage comment (called by
    ``triage.triage_issue``; ``gh`` is unused: everything comes from the last sweep).

    ``upsert`` gets the paragraph appended (``resolve``, an edit-only plan, becomes an
    ``upsert`` with it), so every waiting recovery issue's one comment carries its place
    in the queue. An issue a maintainer
    has answered gets no paragraph (and loses an old one on the next edit)."""
    del gh
    form = getattr(facts, "form", None)
    if not isinstance(form, str) or form not in QUEUE_FORMS or plan.comment is None:
        return plan
    if plan.comment_action not in ("upsert", "resolve"):
        return plan
    state = get_state(bot, repo, form)
    if state is None:
        return plan
    number = int(issue_json.get("number") or 0)
    label = state.bucket_of(_created_at(issue_json, state.computed_at), number)
    if label is None:
        return plan
    marker = bot.config.bot.marker
    text = with_queue_block(plan.comment, marker, label, state.paragraph(label))
    return dataclasses.replace(
        plan, comment=text, comment_action="upsert", notes=(*plan.notes, f"queue: bucket {label}")
    )
