"""The GraphQL value model the executor resolves into: typed objects, connections and their
cursors, GitHub's interfaces and timeline item types.

``connection_page`` slices a list exactly as GitHub's connections do (``first``/``last``
required and at most 100, opaque ``after``/``before`` cursors), with GitHub's error
types, so a client's paging loop meets the real rules.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from recovery_bot.sandbox.github.graphql_parser import GQLError


@dataclass
class GObj:
    """A GraphQL object: its concrete type name and the Python value behind it."""

    typename: str
    value: Any


@dataclass
class Conn:
    """A page of a connection, with the cursors of its items."""

    nodes: list[GObj | None]  # GitHub: a node may be null (e.g. a deleted account)
    cursors: list[str]
    total: int
    has_next: bool
    has_prev: bool
    extra: dict[str, Any] = field(default_factory=dict)


INTERFACES: dict[str, frozenset[str]] = {
    "Actor": frozenset({"User", "Bot", "Organization", "Mannequin"}),
    "RepositoryOwner": frozenset({"User", "Organization"}),
    "Node": frozenset(),  # matches everything, see type_matches
    "Comment": frozenset({"Issue", "PullRequest", "IssueComment"}),
    "Closable": frozenset({"Issue", "PullRequest"}),
    "Labelable": frozenset({"Issue", "PullRequest"}),
    "Assignable": frozenset({"Issue", "PullRequest"}),
    "UniformResourceLocatable": frozenset({"Issue", "PullRequest", "IssueComment", "User", "Bot"}),
    "SearchResultItem": frozenset({"Issue", "PullRequest"}),
    "IssueOrPullRequest": frozenset({"Issue", "PullRequest"}),
    "IssueTimelineItems": frozenset(
        {
            "LabeledEvent",
            "UnlabeledEvent",
            "ClosedEvent",
            "ReopenedEvent",
            "AssignedEvent",
            "UnassignedEvent",
            "RenamedTitleEvent",
            "IssueComment",
        }
    ),
}


INTERFACES["IssueTimelineItem"] = INTERFACES["IssueTimelineItems"]


EVENT_TYPENAMES = {
    "labeled": "LabeledEvent",
    "unlabeled": "UnlabeledEvent",
    "closed": "ClosedEvent",
    "reopened": "ReopenedEvent",
    "assigned": "AssignedEvent",
    "unassigned": "UnassignedEvent",
    "renamed": "RenamedTitleEvent",
}


ITEM_TYPES = {
    "LABELED_EVENT": "LabeledEvent",
    "UNLABELED_EVENT": "UnlabeledEvent",
    "CLOSED_EVENT": "ClosedEvent",
    "REOPENED_EVENT": "ReopenedEvent",
    "ASSIGNED_EVENT": "AssignedEvent",
    "UNASSIGNED_EVENT": "UnassignedEvent",
    "RENAMED_TITLE_EVENT": "RenamedTitleEvent",
    "ISSUE_COMMENT": "IssueComment",
}


def type_matches(condition: str | None, typename: str) -> bool:
    return (
        condition is None
        or condition == typename
        or condition == "Node"
        or typename in INTERFACES.get(condition, frozenset())
    )


def encode_cursor(pos: int) -> str:
    return base64.b64encode(f"cursor:v2:{pos}".encode()).decode()


def decode_cursor(cursor: str) -> int:
    try:
        text = base64.b64decode(cursor.encode(), validate=True).decode()
        prefix, _, num = text.rpartition(":")
        if prefix != "cursor:v2":
            raise ValueError(text)
        return int(num)
    except (ValueError, UnicodeDecodeError) as exc:
        raise GQLError(
            f"`{cursor}` does not appear to be a valid cursor.", "INVALID_CURSOR_ARGUMENTS"
        ) from exc


def connection_page(
    items: Sequence[Any],
    args: Mapping[str, Any],
    name: str,
    to_node: Callable[[Any], GObj | None],
) -> Conn:
    """Slice ``items`` per first/last/after/before, as GitHub's connections do."""
    first, last = args.get("first"), args.get("last")
    if first is None and last is None:
        raise GQLError(
            f"You must provide a `first` or `last` value to properly paginate the `{name}` "
            "connection.",
            "MISSING_PAGINATION_BOUNDARIES",
            fatal=True,
        )
    for arg_name, val in (("first", first), ("last", last)):
        if val is None:
            continue
        if not isinstance(val, int) or val < 1 or val > 100:
            raise GQLError(
                f"Requesting {val} records on the `{name}` connection exceeds the "
                f"`{arg_name}` limit of 100 records."
                if isinstance(val, int) and val > 100
                else f"`{arg_name}` on the `{name}` connection must be between 1 and 100.",
                "EXCESSIVE_PAGINATION",
                fatal=True,
            )
    lo, hi = 0, len(items)
    if args.get("after") is not None:
        lo = max(lo, decode_cursor(str(args["after"])))
    if args.get("before") is not None:
        hi = min(hi, decode_cursor(str(args["before"])) - 1)
    hi = max(hi, lo)
    start, end = lo, hi
    if first is not None:
        end = min(end, start + first)
    if last is not None:
        start = max(start, end - last)
    chosen = items[start:end]
    return Conn(
        nodes=[to_node(item) for item in chosen],
        cursors=[encode_cursor(pos) for pos in range(start + 1, end + 1)],
        total=len(items),
        has_next=end < hi,
        has_prev=start > lo,
    )
