"""The GraphQL executor: resolves a parsed, already validated query against the fake's
state and answers with exactly the fields asked (aliases, fragments, ``@include`` and
``@skip`` honoured), with GitHub's error entries (``type``, ``path``) where a field fails.

Not a GraphQL engine: no introspection, no mutations. It covers the types the bot reads
(repository, issues, comments, timeline, labels, search, ``rateLimit``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from recovery_bot.sandbox.github.graphql_parser import (
    GEnum,
    GField,
    GFragment,
    GOperation,
    GQLError,
    GVar,
)
from recovery_bot.sandbox.github.graphql_types import (
    EVENT_TYPENAMES,
    INTERFACES,
    ITEM_TYPES,
    Conn,
    GObj,
    connection_page,
    type_matches,
)
from recovery_bot.sandbox.github.model import (
    SEARCH_QUERY_LIMIT,
    SEARCH_RESULT_CAP,
    Bucket,
    Comment,
    Event,
    Issue,
    Label,
    Repo,
    User,
    iso,
    node_id,
    parse_time,
)

if TYPE_CHECKING:  # the executor's host; graphql.py imports this module at run time
    from recovery_bot.sandbox.github.graphql import GraphQLRoutes


class GQLExecutor:
    """Resolves one parsed document against the fake's state."""

    def __init__(
        self,
        fake: GraphQLRoutes,
        op: GOperation,
        fragments: dict[str, GFragment],
        variables: Mapping[str, Any],
        login: str | None,
        cost: int = 1,
    ) -> None:
        self.fake = fake
        self.op = op
        self.fragments = fragments
        self.variables = dict(variables)
        self.login = login
        self.cost = cost  # graphql_check.query_cost, what rateLimit.cost reports
        self.errors: list[dict[str, Any]] = []

    # -- driving -------------------------------------------------------------

    def run(self) -> dict[str, Any]:
        for name, (type_text, default) in self.op.var_defs.items():
            if self.variables.get(name) is None and default is not None:
                self.variables[name] = default
            if type_text.endswith("!") and self.variables.get(name) is None:
                return {
                    "errors": [
                        {
                            "message": f"Variable ${name} of type {type_text} was provided "
                            "invalid value",
                            "extensions": {
                                "value": None,
                                "problems": [
                                    {"path": [], "explanation": "Expected value to not be null"}
                                ],
                            },
                        }
                    ]
                }
        if self.op.kind != "query":
            return {"errors": [{"message": f"FakeGitHub does not implement {self.op.kind}s"}]}
        try:
            data = self.resolve_object(GObj("Query", None), self.op.selections, [])
        except GQLError as exc:
            return {"errors": [self._error_entry(exc, None)]}
        out: dict[str, Any] = {"data": data}
        if self.errors:
            out["errors"] = self.errors
        return out

    def _error_entry(self, exc: GQLError, path: list[Any] | None) -> dict[str, Any]:
        entry: dict[str, Any] = {"message": exc.message}
        if exc.type:
            entry["type"] = exc.type
        if path is not None:
            entry["path"] = path
        return entry

    def _value(self, raw: Any) -> Any:
        if isinstance(raw, GVar):
            if raw.name not in self.op.var_defs:
                raise GQLError(
                    f"Variable ${raw.name} is used by {self.op.name or 'anonymous query'} "
                    "but not declared",
                    "variableNotDefined",
                    fatal=True,
                )
            return self.variables.get(raw.name)
        if isinstance(raw, GEnum):
            return raw.name
        if isinstance(raw, list):
            return [self._value(v) for v in raw]
        if isinstance(raw, dict):
            return {k: self._value(v) for k, v in raw.items()}
        return raw

    def _included(self, directives: list[tuple[str, dict[str, Any]]]) -> bool:
        for name, args in directives:
            cond = bool(self._value(args.get("if")))
            if (name == "include" and not cond) or (name == "skip" and cond):
                return False
        return True

    def _fields(self, typename: str, selections: list[Any]) -> list[GField]:
        out: list[GField] = []
        for sel in selections:
            if isinstance(sel, GField):
                if self._included(sel.directives):
                    out.append(sel)
            elif isinstance(sel, GFragment):
                if self._included(sel.directives) and type_matches(sel.type_condition, typename):
                    out.extend(self._fields(typename, sel.selections))
            else:
                frag = self.fragments.get(sel.name)
                if frag is None:
                    raise GQLError(f"Fragment {sel.name} was used, but not defined", fatal=True)
                if self._included(sel.directives) and type_matches(frag.type_condition, typename):
                    out.extend(self._fields(typename, frag.selections))
        return out

    def resolve_object(self, obj: GObj, selections: list[Any], path: list[Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for fld in self._fields(obj.typename, selections):
            key = fld.alias or fld.name
            if fld.name == "__typename":
                out[key] = obj.typename
                continue
            args = {k: self._value(v) for k, v in fld.args.items()}
            try:
                value = self.field(obj, fld.name, args)
            except GQLError as exc:
                if exc.fatal:
                    raise
                self.errors.append(self._error_entry(exc, [*path, key]))
                out[key] = None
                continue
            done = self.complete(value, fld, [*path, key])
            if isinstance(out.get(key), dict) and isinstance(done, dict):
                out[key].update(done)
            else:
                out[key] = done
        return out

    def complete(self, value: Any, fld: GField, path: list[Any]) -> Any:
        if isinstance(value, GObj):
            if fld.selections is None:
                raise GQLError(
                    f"Field must have selections (field '{fld.name}' returns "
                    f"{value.typename} but has no selections.)",
                    "selectionMismatch",
                    fatal=True,
                )
            return self.resolve_object(value, fld.selections, path)
        if isinstance(value, list):
            return [self.complete(v, fld, [*path, n]) for n, v in enumerate(value)]
        if fld.selections is not None and value is not None:
            raise GQLError(
                f"Selections can't be made on scalars (field '{fld.name}')",
                "selectionMismatch",
                fatal=True,
            )
        return value

    def field(self, obj: GObj, name: str, args: dict[str, Any]) -> Any:
        t = obj.typename
        if t == "Query":
            return self.query_field(name, args)
        if t == "Repository":
            return self.repository_field(obj.value, name, args)
        if t in ("Issue", "PullRequest"):
            return self.issue_field(obj.value, t, name, args)
        if t == "IssueComment":
            return self.comment_field(obj.value, name, args)
        if t in ("User", "Bot", "Organization"):
            return self.actor_field(obj.value, t, name)
        if t == "Label":
            return self.label_field(obj.value, name)
        if t.endswith("Connection"):
            return self.connection_field(obj.value, name)
        if t.endswith("Edge"):
            cursor, node = obj.value
            if name == "cursor":
                return cursor
            if name == "node":
                return node
            if name == "textMatches":
                return []
        if t == "PageInfo":
            conn: Conn = obj.value
            page = {
                "hasNextPage": conn.has_next,
                "hasPreviousPage": conn.has_prev,
                "startCursor": conn.cursors[0] if conn.cursors else None,
                "endCursor": conn.cursors[-1] if conn.cursors else None,
            }
            if name in page:
                return page[name]
        if t in INTERFACES["IssueTimelineItems"]:
            return self.event_field(obj.value, t, name)
        if t == "RateLimit":
            bucket: Bucket = obj.value
            values = {
                "cost": self.cost,
                "limit": bucket.limit,
                "remaining": max(bucket.limit - bucket.used, 0),
                "used": bucket.used,
                "resetAt": iso(datetime.fromtimestamp(bucket.reset, UTC)),
                "nodeCount": 0,
            }
            if name in values:
                return values[name]
        raise GQLError(
            f"Field '{name}' doesn't exist on type '{t}' (or FakeGitHub does not implement it)",
            "undefinedField",
            fatal=True,
        )

    # -- types ---------------------------------------------------------------

    def _actor(self, login: str | None) -> GObj | None:
        if login is None:
            return None
        user = self.fake._user(login)
        return GObj("Bot" if user.type == "Bot" else user.type, user)

    def query_field(self, name: str, args: dict[str, Any]) -> Any:
        if name == "repository":
            full = f"{args.get('owner')}/{args.get('name')}"
            repo = self.fake._find_repo(full)
            if repo is None:
                raise GQLError(
                    f"Could not resolve to a Repository with the name '{full}'.", "NOT_FOUND"
                )
            return GObj("Repository", repo)
        if name == "search":
            return self.search(args)
        if name == "viewer":
            return self._actor(self.login)
        if name == "rateLimit":
            return GObj("RateLimit", self.fake._bucket("graphql"))
        raise GQLError(
            f"Field '{name}' doesn't exist on type 'Query' (or FakeGitHub does not implement it)",
            "undefinedField",
            fatal=True,
        )

    def search(self, args: dict[str, Any]) -> GObj:
        q = str(args.get("query") or "")
        kind = str(args.get("type") or "")
        items: list[Issue] = []
        if kind in ("ISSUE", "ISSUE_ADVANCED"):
            if len(q) > SEARCH_QUERY_LIMIT:
                raise GQLError(f"The search is longer than {SEARCH_QUERY_LIMIT} characters.")
            items = self.fake._search(q, None, None)
        visible = items[:SEARCH_RESULT_CAP]
        conn = connection_page(visible, args, "search", self._issue_node)
        conn.extra = {
            "issueCount": len(items),
            "repositoryCount": 0,
            "userCount": 0,
            "codeCount": 0,
            "discussionCount": 0,
            "wikiCount": 0,
        }
        return GObj("SearchResultItemConnection", conn)

    def _issue_node(self, issue: Issue) -> GObj:
        return GObj("PullRequest" if issue.pull_request else "Issue", issue)

    def repository_field(self, repo: Repo, name: str, args: dict[str, Any]) -> Any:
        owner, _, short = repo.full_name.partition("/")
        simple = {
            "id": node_id("R", repo.id),
            "databaseId": repo.id,
            "name": short,
            "nameWithOwner": repo.full_name,
            "url": f"https://github.com/{repo.full_name}",
            "isPrivate": False,
            "isArchived": False,
        }
        if name in simple:
            return simple[name]
        if name == "owner":
            return GObj("Organization", self.fake._user(owner, "Organization"))
        if name == "issues":
            items = self.fake._graphql_issues(repo, args)
            return GObj("IssueConnection", connection_page(items, args, "issues", self._issue_node))
        if name in ("issue", "issueOrPullRequest", "pullRequest"):
            number = args.get("number")
            issue = repo.issues.get(number) if isinstance(number, int) else None
            wanted_pr = {"issue": False, "pullRequest": True}.get(name)
            if (
                issue is None
                or issue.deleted
                or (wanted_pr is not None and issue.pull_request != wanted_pr)
            ):
                label = {"issue": "Issue", "pullRequest": "PullRequest"}.get(
                    name, "issue or pull request"
                )
                raise GQLError(
                    f"Could not resolve to an {label} with the number of {number}.", "NOT_FOUND"
                )
            return self._issue_node(issue)
        if name == "labels":
            labels = sorted(repo.labels.values(), key=lambda lbl: lbl.name.lower())
            needle = str(args.get("query") or "").lower()
            if needle:
                labels = [lbl for lbl in labels if needle in lbl.name.lower()]
            return GObj(
                "LabelConnection",
                connection_page(labels, args, "labels", lambda x: GObj("Label", x)),
            )
        if name == "label":
            lbl = repo.labels.get(str(args.get("name", "")).lower())
            return GObj("Label", lbl) if lbl else None
        raise GQLError(
            f"Field '{name}' doesn't exist on type 'Repository' (or FakeGitHub does not "
            "implement it)",
            "undefinedField",
            fatal=True,
        )

    def issue_field(self, issue: Issue, typename: str, name: str, args: dict[str, Any]) -> Any:
        path = "pull" if issue.pull_request else "issues"
        match name:
            case "id":
                return node_id("I", issue.id)
            case "databaseId":
                return issue.id
            case "number":
                return issue.number
            case "title":
                return issue.title
            case "body":
                return issue.body or ""
            case "bodyText":
                return issue.body or ""
            case "url":
                return f"https://github.com/{issue.repo}/{path}/{issue.number}"
            case "resourcePath":
                return f"/{issue.repo}/{path}/{issue.number}"
            case "createdAt":
                return iso(issue.created_at)
            case "updatedAt":
                return iso(issue.updated_at)
            case "closedAt":
                return iso(issue.closed_at)
            case "closed":
                return issue.state == "closed"
            case "state":
                return issue.state.upper()
            case "stateReason":
                # GitHub's schema: ``stateReason(enableDuplicate: Boolean = false)``; without
                # the argument an issue closed as a duplicate reads NOT_PLANNED.
                reason = issue.state_reason
                if reason == "duplicate" and args.get("enableDuplicate") is not True:
                    reason = "not_planned"
                return reason.upper() if reason else None
            case "locked":
                return issue.locked
            case "author":
                return self._actor(issue.user)
            case "authorAssociation":
                return issue.author_association
            case "lastEditedAt" | "milestone" | "editor":
                return None
            case "isPinned" | "includesCreatedEdit":
                return False
            case "repository":
                return GObj("Repository", self.fake._repos[issue.repo.lower()])
            case "labels":
                return GObj(
                    "LabelConnection",
                    connection_page(issue.labels, args, "labels", lambda x: GObj("Label", x)),
                )
            case "assignees":
                return GObj(
                    "UserConnection",
                    connection_page(issue.assignees, args, "assignees", lambda x: self._actor(x)),
                )
            case "comments":
                return GObj(
                    "IssueCommentConnection",
                    connection_page(
                        issue.comments, args, "comments", lambda c: GObj("IssueComment", c)
                    ),
                )
            case "timelineItems":
                return self.timeline(issue, args)
        raise GQLError(
            f"Field '{name}' doesn't exist on type '{typename}' (or FakeGitHub does not "
            "implement it)",
            "undefinedField",
            fatal=True,
        )

    def timeline(self, issue: Issue, args: dict[str, Any]) -> GObj:
        kinds = args.get("itemTypes")
        wanted = {ITEM_TYPES.get(k, k) for k in kinds} if kinds else None
        since = parse_time(str(args["since"])) if args.get("since") else None
        merged: list[tuple[datetime, int, GObj]] = []
        for ev in issue.events:
            typename = EVENT_TYPENAMES.get(ev.event)
            if typename and (wanted is None or typename in wanted):
                merged.append((ev.created_at, ev.seq, GObj(typename, ev)))
        if wanted is None or "IssueComment" in wanted:
            merged.extend((c.created_at, c.seq, GObj("IssueComment", c)) for c in issue.comments)
        merged.sort(key=lambda item: (item[0], item[1]))
        items = [g for when, _seq, g in merged if since is None or when >= since]
        conn = connection_page(items, args, "timelineItems", lambda g: g)
        conn.extra = {
            "filteredCount": len(items),
            "pageCount": len(conn.nodes),
            "updatedAt": iso(issue.updated_at),
        }
        return GObj("IssueTimelineItemsConnection", conn)

    def comment_field(self, c: Comment, name: str, args: dict[str, Any]) -> Any:
        values = {
            "id": node_id("IC", c.id),
            "databaseId": c.id,
            "body": c.body,
            "bodyText": c.body,
            "createdAt": iso(c.created_at),
            "updatedAt": iso(c.updated_at),
            "lastEditedAt": iso(c.updated_at) if c.updated_at != c.created_at else None,
            "authorAssociation": c.author_association,
            "url": f"https://github.com/{c.repo}/issues/{c.number}#issuecomment-{c.id}",
            "isMinimized": False,
            "viewerDidAuthor": self.login is not None and c.user.lower() == self.login.lower(),
        }
        if name in values:
            return values[name]
        if name in ("author", "actor"):
            return self._actor(c.user)
        if name == "issue":
            return self._issue_node(self.fake._repos[c.repo.lower()].issues[c.number])
        raise GQLError(
            f"Field '{name}' doesn't exist on type 'IssueComment' (or FakeGitHub does not "
            "implement it)",
            "undefinedField",
            fatal=True,
        )

    def actor_field(self, user: User, typename: str, name: str) -> Any:
        # GraphQL shows an App's bot account without the "[bot]" suffix REST uses.
        login = user.login.removesuffix("[bot]") if typename == "Bot" else user.login
        html = (
            f"https://github.com/apps/{login}"
            if typename == "Bot"
            else f"https://github.com/{login}"
        )
        values = {
            "login": login,
            "id": node_id("U" if typename == "User" else typename[:3].upper(), user.id),
            "databaseId": user.id,
            "url": html,
            "resourcePath": html.removeprefix("https://github.com"),
            "avatarUrl": f"https://avatars.githubusercontent.com/u/{user.id}?v=4",
            "name": None,
        }
        if name in values:
            return values[name]
        raise GQLError(
            f"Field '{name}' doesn't exist on type '{typename}' (or FakeGitHub does not "
            "implement it)",
            "undefinedField",
            fatal=True,
        )

    def label_field(self, lbl: Label, name: str) -> Any:
        values = {
            "id": node_id("LA", lbl.id),
            "name": lbl.name,
            "color": lbl.color,
            "description": lbl.description,
            "isDefault": False,
        }
        if name in values:
            return values[name]
        raise GQLError(
            f"Field '{name}' doesn't exist on type 'Label' (or FakeGitHub does not implement it)",
            "undefinedField",
            fatal=True,
        )

    def connection_field(self, conn: Conn, name: str) -> Any:
        if name == "totalCount":
            return conn.total
        if name == "nodes":
            return conn.nodes
        if name == "edges":
            return [GObj("Edge", (c, n)) for c, n in zip(conn.cursors, conn.nodes, strict=True)]
        if name == "pageInfo":
            return GObj("PageInfo", conn)
        if name in conn.extra:
            return conn.extra[name]
        raise GQLError(
            f"Field '{name}' doesn't exist on this connection (or FakeGitHub does not "
            "implement it)",
            "undefinedField",
            fatal=True,
        )

    def event_field(self, ev: Any, typename: str, name: str) -> Any:
        if typename == "IssueComment":
            return self.comment_field(ev, name, {})
        assert isinstance(ev, Event)
        if name == "id":
            return node_id(typename[:2].upper() + "E", ev.id)
        if name == "createdAt":
            return iso(ev.created_at)
        if name == "actor":
            return self._actor(ev.actor)
        if name == "label" and typename in ("LabeledEvent", "UnlabeledEvent"):
            return GObj("Label", ev.label)
        if name in ("assignee", "user") and typename in ("AssignedEvent", "UnassignedEvent"):
            return self._actor(ev.assignee)
        if name == "stateReason" and typename == "ClosedEvent":
            return ev.state_reason.upper() if ev.state_reason else None
        if name == "closer" and typename == "ClosedEvent":
            return None
        if name in ("previousTitle", "currentTitle") and typename == "RenamedTitleEvent":
            assert ev.rename is not None
            return ev.rename[0] if name == "previousTitle" else ev.rename[1]
        raise GQLError(
            f"Field '{name}' doesn't exist on type '{typename}' (or FakeGitHub does not "
            "implement it)",
            "undefinedField",
            fatal=True,
        )
