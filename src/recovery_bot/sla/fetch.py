"""Read issues from GitHub as :class:`~recovery_bot.core.snapshot.IssueSnapshot` values.

**Stable API** (the sweep and the digest both use it)::

    async def fetch_snapshots(gh, repo, *, states=("OPEN",), since=None, marker,
                              bot_login, maintainers, labels=None) -> list[IssueSnapshot]

``fetch_issues`` takes the same arguments and also returns what the read cost
(:class:`FetchResult`: GraphQL calls, rate-limit points, truncated histories).

Why one GraphQL ``repository.issues`` query and not REST or search
------------------------------------------------------------------
The clocks need each issue's comments and label history. REST lists issues 100 a page
but has no comments or events in them: that is one or two more reads *per issue*
(``bench/bench_sweep.py --compare-rest``, 10,005 open issues: 19,321 REST reads, 17 s
against the loopback fake). GraphQL nests them, so one request carries 100 issues with
their last 100 comments, labels and last 100 label events: **one read per 100 issues**
(101 pages for those 10,005 issues, plus 3 for the recently closed ones the queue's
typical wait needs; about 4 rate-limit points a page on github.com). GraphQL
``search`` would nest the same way but stops at 1,000 results and its index lags
writes; ``repository.issues`` has neither limit. Ordered by ``CREATED_AT ASC``, so
callers get the oldest issue first (the sweep's fairness order) and cursors stay stable
while newer issues are filed.

What is deliberately *not* paged per issue: an issue with more than 100 comments keeps
its latest 100 (the ones that decide whose move it is), an issue with more than 100 label
events its latest 100. Both are rare; they are logged and listed in
``FetchResult.truncated`` so a caller that needs the full list (the applier finding the
bot's comment) reads it with REST for that one issue.

Mapping to the snapshot
-----------------------
- Logins are REST-shaped: GraphQL names an App ``recovery-bot`` (``__typename: Bot``)
  where REST and webhooks say ``recovery-bot[bot]``; Bot logins get the ``[bot]`` suffix
  back, so comparisons with ``config.bot.login`` work the same for every source.
- ``is_bot``: ``__typename == "Bot"``, a login ending in ``[bot]``, or the bot's login.
- ``is_maintainer``: author association OWNER/MEMBER/COLLABORATOR, or a configured
  maintainer (``maintainers`` may be a ``permissions.Maintainers``, a ``MaintainersConfig``
  or any collection of logins). Team members who are neither collaborators nor visible
  org members would need one permission lookup each; configure them in
  ``maintainers.users`` instead.
- ``form``: ``forms.parse_body(body).form``.
- ``snoozed_until``: the latest snooze marker in the bot's own comments; if the snoozed
  label was removed after that comment and before the end (``/resume``, or a maintainer
  taking it off), the snooze ended at that removal, so the clock credits only the time
  it really ran.

User text only ever travels in GraphQL variables, never in the query string.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from recovery_bot.core.snapshot import CommentInfo, IssueSnapshot, LabelEvent
from recovery_bot.intake.forms import parse_body
from recovery_bot.platform.github import parse_github_time

if TYPE_CHECKING:
    from recovery_bot.platform.github import GitHubClient

log = logging.getLogger(__name__)

PAGE_SIZE = 100
MIN_PAGE_SIZE = 10
TRUSTED_ASSOCIATIONS = frozenset({"OWNER", "MEMBER", "COLLABORATOR"})
DEFAULT_SNOOZED_LABEL = "sla: snoozed"

# Never name a variable ``query``: gidgethub's ``graphql(query, **variables)`` takes it.
# ``stateReason(enableDuplicate: true)``: without it GitHub answers NOT_PLANNED for an issue
# closed as a duplicate, and the digest's duplicate count would only see the label.
ISSUES_QUERY = """
query RecoveryBotIssues(
  $owner: String!, $name: String!, $states: [IssueState!], $labels: [String!],
  $since: DateTime, $cursor: String, $pageSize: Int!
) {
  repository(owner: $owner, name: $name) {
    issues(
      first: $pageSize, after: $cursor, states: $states, labels: $labels,
      filterBy: {since: $since}, orderBy: {field: CREATED_AT, direction: ASC}
    ) {
      pageInfo { hasNextPage endCursor }
      nodes {
        number title body url state stateReason(enableDuplicate: true) createdAt closedAt
        authorAssociation
        author { __typename login }
        labels(first: 100) { nodes { name } }
        comments(last: 100) {
          totalCount
          nodes {
            databaseId createdAt body authorAssociation
            author { __typename login }
          }
        }
        timelineItems(last: 100, itemTypes: [LABELED_EVENT, UNLABELED_EVENT]) {
          totalCount
          nodes {
            __typename
            ... on LabeledEvent { createdAt actor { __typename login } label { name } }
            ... on UnlabeledEvent { createdAt actor { __typename login } label { name } }
          }
        }
      }
    }
  }
  rateLimit { cost remaining }
}
"""


@dataclass
class FetchResult:
    """Snapshots plus what reading them cost."""

    snapshots: list[IssueSnapshot] = field(default_factory=list)
    reads: int = 0  # GraphQL requests made
    cost: int = 0  # GraphQL rate-limit points charged (as GitHub reports them)
    truncated_comments: set[int] = field(default_factory=set)  # >100 comments
    truncated_events: set[int] = field(default_factory=set)  # >100 label events

    @property
    def truncated(self) -> set[int]:
        return self.truncated_comments | self.truncated_events


MaintainerCheck = Callable[[str, str | None], bool]


def maintainer_check(maintainers: Any) -> MaintainerCheck:
    """A ``(login, association) -> bool`` from whatever the caller holds: a
    ``permissions.Maintainers`` (its cheap, lookup-free answer), a ``MaintainersConfig``
    (``.users``), a collection of logins, or ``None`` (associations only)."""
    known = getattr(maintainers, "known_without_lookup", None)
    if callable(known):
        return lambda login, assoc: known(login, assoc) is True
    if maintainers is None:
        users: frozenset[str] = frozenset()
    elif isinstance(maintainers, str):
        users = frozenset({maintainers.casefold()})
    elif hasattr(maintainers, "users"):
        users = frozenset(str(u).casefold() for u in maintainers.users)
    else:
        users = frozenset(str(u).casefold() for u in maintainers)

    def check(login: str, assoc: str | None) -> bool:
        return (assoc or "").upper() in TRUSTED_ASSOCIATIONS or login.casefold() in users

    return check


def rest_login(actor: dict[str, Any] | None) -> tuple[str, bool]:
    """(login in REST spelling, is an App bot) for a GraphQL ``Actor``; a deleted account
    is ``ghost`` as on github.com."""
    if not actor:
        return "ghost", False
    login = str(actor.get("login") or "ghost")
    if actor.get("__typename") == "Bot":
        return (login if login.endswith("[bot]") else f"{login}[bot]"), True
    return login, login.endswith("[bot]")


def parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    return parse_github_time(value).astimezone(UTC)


def _snooze_re(marker: str) -> re.Pattern[str]:
    return re.compile(rf"<!--\s*{re.escape(marker)}:snooze\s+until=(\S+?)\s*-->")


def _parse_snooze(body: str, marker: str, pattern: re.Pattern[str]) -> datetime | None:
    """The snooze end in one bot comment (the last marker wins)."""
    try:  # the commands module owns the marker format when it is present
        from recovery_bot.commands.rules import parse_snooze_marker
    except ImportError:  # pragma: no cover - only without the commands module
        for stamp in reversed(pattern.findall(body)):
            try:
                return parse_time(stamp)
            except ValueError:
                continue
        return None
    return parse_snooze_marker(body, marker)


def snoozed_until(
    comments: Sequence[CommentInfo],
    label_events: Sequence[LabelEvent],
    *,
    marker: str,
    bot_login: str,
    snoozed_label: str = DEFAULT_SNOOZED_LABEL,
) -> datetime | None:
    """When the current snooze ends (or ended): the latest snooze marker in a comment by
    the bot, cut short by a removal of the snoozed label between that comment and the
    marker's end. Only the bot's comments count: anyone can paste a marker."""
    me = bot_login.casefold()
    tag = f"{marker}:snooze"
    pattern = _snooze_re(marker)
    found: tuple[datetime, datetime] | None = None  # (comment time, until)
    for c in comments:
        if c.author.casefold() != me or tag not in c.body:
            continue
        until = _parse_snooze(c.body, marker, pattern)
        if until is not None and (found is None or c.created_at >= found[0]):
            found = (c.created_at, until)
    if found is None:
        return None
    posted, until = found
    name = snoozed_label.casefold()
    for ev in label_events:
        if not ev.added and ev.label.casefold() == name and posted <= ev.at < until:
            return ev.at
    return until


def _comment(
    node: dict[str, Any], bot_login: str, is_maintainer: MaintainerCheck
) -> CommentInfo | None:
    created = parse_time(node.get("createdAt"))
    if created is None:
        return None
    login, is_app = rest_login(node.get("author"))
    is_bot = is_app or login.casefold() == bot_login.casefold()
    return CommentInfo(
        author=login,
        created_at=created,
        is_maintainer=not is_bot and is_maintainer(login, node.get("authorAssociation")),
        is_bot=is_bot,
        body=node.get("body") or "",
        id=int(node.get("databaseId") or 0),
    )


def _label_event(node: dict[str, Any]) -> LabelEvent | None:
    kind = node.get("__typename")
    label = (node.get("label") or {}).get("name")
    at = parse_time(node.get("createdAt"))
    if kind not in ("LabeledEvent", "UnlabeledEvent") or not label or at is None:
        return None
    return LabelEvent(
        label=label, added=kind == "LabeledEvent", at=at, actor=rest_login(node.get("actor"))[0]
    )


def snapshot_from_node(
    node: dict[str, Any],
    *,
    marker: str,
    bot_login: str,
    is_maintainer: MaintainerCheck,
    snoozed_label: str = DEFAULT_SNOOZED_LABEL,
) -> IssueSnapshot:
    """One GraphQL ``Issue`` node (the shape of :data:`ISSUES_QUERY`) -> snapshot."""
    author, author_is_app = rest_login(node.get("author"))
    author_is_bot = author_is_app or author.casefold() == bot_login.casefold()
    comments = tuple(
        c
        for c in (
            _comment(n, bot_login, is_maintainer)
            for n in (node.get("comments") or {}).get("nodes") or ()
        )
        if c is not None
    )
    events = tuple(
        e
        for e in (_label_event(n) for n in (node.get("timelineItems") or {}).get("nodes") or ())
        if e is not None
    )
    body = node.get("body") or ""
    state = str(node.get("state") or "OPEN").lower()
    reason = node.get("stateReason")
    return IssueSnapshot(
        number=int(node["number"]),
        title=node.get("title") or "",
        author=author,
        created_at=parse_time(node.get("createdAt")) or datetime.fromtimestamp(0, UTC),
        state="closed" if state == "closed" else "open",
        closed_at=parse_time(node.get("closedAt")),
        state_reason=str(reason).lower() if reason else None,
        labels=tuple(
            n["name"] for n in (node.get("labels") or {}).get("nodes") or () if n.get("name")
        ),
        comments=comments,
        label_events=events,
        form=parse_body(body).form if body.strip() else None,
        author_is_maintainer=not author_is_bot
        and is_maintainer(author, node.get("authorAssociation")),
        author_is_bot=author_is_bot,
        is_pull_request=False,
        snoozed_until=snoozed_until(
            comments, events, marker=marker, bot_login=bot_login, snoozed_label=snoozed_label
        ),
        html_url=node.get("url") or "",
        body=body,
    )


def _is_timeout(exc: BaseException) -> bool:
    """GitHub gives up on a heavy GraphQL page with a 502/504 or a "timeout" error;
    a smaller page usually gets through."""
    status = getattr(exc, "status", None) or getattr(exc, "status_code", None)
    if str(status) in ("502", "504"):
        return True
    return "timeout" in str(exc).lower() or "timed out" in str(exc).lower()


async def fetch_issues(
    gh: GitHubClient,
    repo: str,
    *,
    states: Collection[str] = ("OPEN",),
    since: datetime | None = None,
    marker: str = "recovery-bot",
    bot_login: str = "recovery-bot[bot]",
    maintainers: Any = None,
    labels: Collection[str] | None = None,
    snoozed_label: str = DEFAULT_SNOOZED_LABEL,
    page_size: int = PAGE_SIZE,
) -> FetchResult:
    """Every issue of ``repo`` in ``states`` (``OPEN``/``CLOSED``) updated at or after
    ``since`` (and, with ``labels``, carrying ANY of them), oldest first, with what the
    read cost. ``gh`` needs ``graphql(query, **variables)`` (``github.GitHubClient``).

    A page that GitHub times out on is asked again at half the size (down to 10)."""
    owner, _, name = repo.partition("/")
    if not owner or not name:
        raise ValueError(f"repository must be 'owner/name', got {repo!r}")
    check = maintainer_check(maintainers)
    result = FetchResult()
    cursor: str | None = None
    size = max(1, min(page_size, PAGE_SIZE))
    variables: dict[str, Any] = {
        "owner": owner,
        "name": name,
        "states": [s.upper() for s in states] or None,
        "labels": list(labels) if labels else None,
        "since": since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if since else None,
    }
    while True:
        try:
            result.reads += 1
            data = await gh.graphql(ISSUES_QUERY, cursor=cursor, pageSize=size, **variables)
        except Exception as exc:
            if size > MIN_PAGE_SIZE and _is_timeout(exc):
                size = max(MIN_PAGE_SIZE, size // 2)
                log.warning("%s: GraphQL page timed out, retrying with %d issues", repo, size)
                continue
            raise
        result.cost += int(((data or {}).get("rateLimit") or {}).get("cost") or 0)
        conn = ((data or {}).get("repository") or {}).get("issues") or {}
        for node in conn.get("nodes") or ():
            if not node:
                continue
            snap = snapshot_from_node(
                node,
                marker=marker,
                bot_login=bot_login,
                is_maintainer=check,
                snoozed_label=snoozed_label,
            )
            result.snapshots.append(snap)
            if int((node.get("comments") or {}).get("totalCount") or 0) > len(snap.comments):
                result.truncated_comments.add(snap.number)
            if int((node.get("timelineItems") or {}).get("totalCount") or 0) > 100:
                result.truncated_events.add(snap.number)
        page = conn.get("pageInfo") or {}
        if not page.get("hasNextPage") or not page.get("endCursor"):
            break
        cursor = page["endCursor"]
    if result.truncated:
        log.info(
            "%s: %d issue(s) with more than 100 comments or label events; kept the latest "
            "100 of each: %s",
            repo,
            len(result.truncated),
            sorted(result.truncated)[:20],
        )
    return result


async def fetch_snapshots(
    gh: GitHubClient,
    repo: str,
    *,
    states: Collection[str] = ("OPEN",),
    since: datetime | None = None,
    marker: str = "recovery-bot",
    bot_login: str = "recovery-bot[bot]",
    maintainers: Any = None,
    labels: Collection[str] | None = None,
) -> list[IssueSnapshot]:
    """Snapshots of ``repo``'s issues in ``states`` updated since ``since``, oldest first;
    one GraphQL read per 100 issues (see the module docstring)."""
    res = await fetch_issues(
        gh,
        repo,
        states=states,
        since=since,
        marker=marker,
        bot_login=bot_login,
        maintainers=maintainers,
        labels=labels,
    )
    return res.snapshots


def rest_comments(issue: IssueSnapshot) -> list[dict[str, Any]]:
    """The snapshot's comments in the REST shape the applier reads (id, user.login, body,
    created_at), so a caller holding a snapshot need not list them again."""
    return [
        {
            "id": c.id,
            "user": {"login": c.author, "type": "Bot" if c.is_bot else "User"},
            "body": c.body,
            "created_at": c.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        for c in issue.comments
    ]


__all__ = [
    "ISSUES_QUERY",
    "FetchResult",
    "fetch_issues",
    "fetch_snapshots",
    "maintainer_check",
    "rest_comments",
    "snapshot_from_node",
    "snoozed_until",
]
