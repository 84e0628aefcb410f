"""The ``POST /graphql`` endpoint: check the document as GitHub would, then execute it.

Every document is first held to GitHub's published schema
(:mod:`recovery_bot.sandbox.graphql_check`): refused in GitHub's words, and priced as
GitHub prices it (``rateLimit.cost`` and the ``graphql`` bucket's charge). Only then does
:class:`~recovery_bot.sandbox.github.graphql_exec.GQLExecutor` answer it. Also holds
``Repository.issues`` filtering, where ``labels`` matches ANY label (REST: all).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from recovery_bot.sandbox import graphql_check
from recovery_bot.sandbox.github.graphql_exec import GQLExecutor
from recovery_bot.sandbox.github.graphql_parser import GQLError, GQLParser
from recovery_bot.sandbox.github.model import Ctx, Issue, Repo, Resp, parse_time
from recovery_bot.sandbox.github.search import SearchRoutes, sort_issues


class GraphQLRoutes(SearchRoutes):
    """``POST /graphql``: validate and price with graphql_check, then execute."""

    def _graphql_issues(self, repo: Repo, args: Mapping[str, Any]) -> list[Issue]:
        """``Repository.issues`` filtering: ``labels`` matches ANY label, as on GitHub."""
        filter_by = args.get("filterBy") or {}
        states = args.get("states") or filter_by.get("states")
        states_t = tuple(sorted(s.lower() for s in states)) if states else ()
        labels = args.get("labels") or filter_by.get("labels")
        labels_t = tuple(sorted(lbl.lower() for lbl in labels)) if labels else ()
        since_raw = filter_by.get("since")
        since = parse_time(str(since_raw)) if since_raw else None
        created_by = str(filter_by.get("createdBy") or "").lower()
        assignee = filter_by.get("assignee")
        order = args.get("orderBy") or {}
        fld = {"CREATED_AT": "created", "UPDATED_AT": "updated", "COMMENTS": "comments"}.get(
            str(order.get("field", "CREATED_AT")), "created"
        )
        direction = "desc" if str(order.get("direction", "ASC")) == "DESC" else "asc"

        def compute() -> list[Issue]:
            out = []
            for issue in repo.issues.values():
                if issue.deleted or issue.pull_request:
                    continue
                if states_t and issue.state not in states_t:
                    continue
                if labels_t and not any(lbl.name.lower() in labels_t for lbl in issue.labels):
                    continue
                if since is not None and issue.updated_at < since:
                    continue
                if created_by and issue.user.lower() != created_by:
                    continue
                if assignee is not None and assignee != "*" and assignee not in issue.assignees:
                    continue
                out.append(issue)
            return sort_issues(out, fld, direction)

        key = (
            "gql",
            repo.full_name,
            states_t,
            labels_t,
            since,
            created_by,
            assignee,
            fld,
            direction,
        )
        return self._cached(key, compute)

    def _graphql(self, ctx: Ctx) -> Resp:
        data = ctx.json
        if not isinstance(data, dict) or not isinstance(data.get("query"), str):
            return Resp(
                200,
                {
                    "errors": [
                        {"message": "A query attribute must be specified and must be a string."}
                    ]
                },
            )
        variables = data.get("variables") or {}
        # First as GitHub would: refuse what its schema refuses, and price the query.
        checked = graphql_check.check(
            data["query"],
            variables if isinstance(variables, dict) else {},
            data.get("operationName"),
        )
        if checked.errors:
            return Resp(200, {"errors": checked.errors})
        try:
            ops, frags = GQLParser(data["query"]).document()
            wanted = data.get("operationName")
            if len(ops) > 1 and wanted is None:
                raise GQLError("An operation name is required", fatal=True)
            op = next((o for o in ops if wanted is None or o.name == wanted), None)
            if op is None:
                raise GQLError(f'Unknown operation named "{wanted}".', fatal=True)
        except GQLError as exc:
            return Resp(200, {"errors": [{"message": exc.message}]})
        result = GQLExecutor(self, op, frags, variables, ctx.login, checked.cost).run()
        return Resp(200, result, points=checked.cost)
