"""The ``Plan``: what a decision wants done to one issue.

Decisions (triage, slash-commands, SLA sweeps) are pure and return Plans; one applier
(``recovery_bot.platform.applier``) turns a Plan into the fewest GitHub calls. Keeping the two
apart is what makes dry runs honest and re-runs idempotent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

CommentAction = Literal["upsert", "resolve", "delete", "keep"]
#: GitHub's ``state_reason`` values the bot sets.
StateReason = Literal["completed", "not_planned", "reopened", "duplicate"]


@dataclass(frozen=True)
class Plan:
    """Desired changes to one issue.

    - ``add_labels``: labels that must be present afterwards.
    - ``remove_labels``: labels that must be absent afterwards, *if the bot set them*
      (the applier never removes a label someone else put there).
    - ``comment``: body of the bot's one triage comment (without the hidden marker);
      ``None`` means nothing needs saying. ``comment_action`` says what to do with an
      existing bot comment: ``upsert`` (create or edit it to ``comment``), ``resolve``
      (edit an existing one to ``comment`` but never create one: used when all is in
      order again), ``delete``, or ``keep`` (leave whatever is there alone).
    - ``replies``: extra one-off comments (slash-command replies); never de-duplicated
      by marker, so only commands produce them.
    - ``state``/``state_reason``: close or reopen the issue.
    - ``body``: the issue's new body (the digest's weekly issue); ``None`` leaves it
      alone. The applier edits it only when it differs from the body it is told of.
    """

    add_labels: tuple[str, ...] = ()
    remove_labels: tuple[str, ...] = ()
    comment: str | None = None
    comment_action: CommentAction = "keep"
    comment_kind: str = "triage"
    replies: tuple[str, ...] = ()
    state: Literal["open", "closed"] | None = None
    state_reason: StateReason | None = None
    assignees_add: tuple[str, ...] = ()
    assignees_remove: tuple[str, ...] = ()
    # A maintainer asked for the removal (slash-command): remove the labels even when a
    # person set them. Automatic decisions leave this False.
    force_remove: bool = False
    body: str | None = None
    notes: tuple[str, ...] = field(default=(), compare=False)

    @property
    def is_empty(self) -> bool:
        """True when applying the plan could not change anything."""
        return not (
            self.add_labels
            or self.remove_labels
            or self.comment_action != "keep"
            or self.replies
            or self.state
            or self.assignees_add
            or self.assignees_remove
            or self.body is not None
        )

    def merged(self, other: Plan) -> Plan:
        """Combine two plans (``other`` wins on comment and state); used when several
        slash-commands in one comment each return a plan."""
        add = tuple(dict.fromkeys((*self.add_labels, *other.add_labels)))
        remove = tuple(dict.fromkeys((*self.remove_labels, *other.remove_labels)))
        add = tuple(x for x in add if x not in other.remove_labels or x in other.add_labels)
        remove = tuple(x for x in remove if x not in other.add_labels)
        use_other_comment = other.comment_action != "keep"
        return Plan(
            add_labels=add,
            remove_labels=remove,
            comment=other.comment if use_other_comment else self.comment,
            comment_action=other.comment_action if use_other_comment else self.comment_action,
            comment_kind=other.comment_kind if use_other_comment else self.comment_kind,
            replies=(*self.replies, *other.replies),
            state=other.state or self.state,
            state_reason=other.state_reason if other.state else self.state_reason,
            assignees_add=tuple(dict.fromkeys((*self.assignees_add, *other.assignees_add))),
            assignees_remove=tuple(
                dict.fromkeys((*self.assignees_remove, *other.assignees_remove))
            ),
            force_remove=self.force_remove or other.force_remove,
            body=other.body if other.body is not None else self.body,
            notes=(*self.notes, *other.notes),
        )


@dataclass(frozen=True)
class NewIssue:
    """An issue to open (the weekly digest). GitHub has no idempotent create, so whoever
    makes one must first have looked for the issue in what it read: the applier opens
    exactly what it is given."""

    title: str
    body: str
    labels: tuple[str, ...] = ()
