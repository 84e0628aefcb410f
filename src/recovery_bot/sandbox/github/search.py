"""Issue search: GitHub's query syntax (qualifiers, ranges, negation, quoted phrases) turned
into predicates on issues, and the ``GET /search/issues`` endpoint.

Shared by REST search and GraphQL ``search(type: ISSUE)`` so both answer the same query
the same way; GitHub's caps (256-character queries, 1,000 results) are kept.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from recovery_bot.sandbox.github.builders import StateBuilders
from recovery_bot.sandbox.github.model import (
    SEARCH_QUERY_LIMIT,
    SEARCH_RESULT_CAP,
    Ctx,
    HTTPError,
    Issue,
    Resp,
    parse_time,
    validation_error,
)

_SEARCH_TOKEN = re.compile(r'(-?)([A-Za-z][\w-]*):("[^"]*"|\S+)|(-?)"([^"]*)"|(\S+)')


def _unquote_term(text: str) -> str:
    return text[1:-1] if len(text) >= 2 and text[0] == text[-1] == '"' else text


def _range_pred(value: str, parse: Callable[[str], tuple[Any, Any]]) -> Callable[[Any], bool]:
    """Build a predicate for ``<X``, ``<=X``, ``>X``, ``>=X``, ``X``, ``A..B`` (``*`` open).

    ``parse`` maps a point to the half-open span it covers: a bare date covers the whole
    day, so ``>2024-01-01`` means "from 2024-01-02 on", as on GitHub.
    """
    for op in ("<=", ">=", "<", ">"):
        if value.startswith(op):
            start, end = parse(value[len(op) :])
            if op == "<":
                return lambda x: x < start
            if op == "<=":
                return lambda x: x < end
            if op == ">":
                return lambda x: x >= end
            return lambda x: x >= start
    if ".." in value:
        lo_text, hi_text = value.split("..", 1)
        lo = None if lo_text in ("", "*") else parse(lo_text)[0]
        hi = None if hi_text in ("", "*") else parse(hi_text)[1]
        return lambda x: (lo is None or x >= lo) and (hi is None or x < hi)
    start, end = parse(value)
    return lambda x: start <= x < end


def _date_span(text: str) -> tuple[datetime, datetime]:
    point = parse_time(text)
    if len(text.strip()) == 10:
        return point, point + timedelta(days=1)
    return point, point + timedelta(seconds=1)


def _int_span(text: str) -> tuple[int, int]:
    n = int(text)
    return n, n + 1


@dataclass
class SearchSpec:
    """A parsed issue-search query: each qualifier becomes a predicate on an issue."""

    repos: set[str] = field(default_factory=set)
    owners: set[str] = field(default_factory=set)
    preds: list[Callable[[Issue], bool]] = field(default_factory=list)
    terms: list[tuple[bool, str]] = field(default_factory=list)  # (negated, lower text)
    in_fields: set[str] = field(default_factory=set)
    sort: str | None = None
    order: str | None = None

    @classmethod
    def parse(cls, q: str) -> SearchSpec:
        spec = cls()
        negate_next = False
        for m in _SEARCH_TOKEN.finditer(q):
            neg_q, key, raw_val, neg_phrase, phrase, word = m.groups()
            if phrase is not None:
                spec.terms.append((bool(neg_phrase) or negate_next, phrase.lower()))
                negate_next = False
                continue
            if word is not None:
                if word == "NOT":
                    negate_next = True
                elif word not in ("AND", "OR"):
                    neg = negate_next or (word.startswith("-") and len(word) > 1)
                    spec.terms.append((neg, word.lstrip("-").lower() if neg else word.lower()))
                    negate_next = False
                continue
            negated = bool(neg_q) or negate_next
            negate_next = False
            if not spec._qualifier(key.lower(), _unquote_term(raw_val), negated):
                spec.terms.append((negated, f"{key}:{_unquote_term(raw_val)}".lower()))
        return spec

    def _add(self, pred: Callable[[Issue], bool], negated: bool) -> None:
        self.preds.append((lambda i: not pred(i)) if negated else pred)

    def _qualifier(self, key: str, value: str, negated: bool) -> bool:
        low = value.lower()
        if key == "repo":
            self.repos.add(low)
        elif key in ("org", "user", "owner"):
            self.owners.add(low)
        elif key in ("is", "type", "state"):
            if low in ("issue",):
                self._add(lambda i: not i.pull_request, negated)
            elif low in ("pr", "pull-request"):
                self._add(lambda i: i.pull_request, negated)
            elif low in ("open", "closed"):
                self._add(lambda i: i.state == low, negated)
            elif low in ("locked", "unlocked"):
                locked = low == "locked"
                self._add(lambda i: i.locked == locked, negated)
            else:
                return False
        elif key == "reason":
            want = low.replace(" ", "_").replace('"', "")
            self._add(lambda i: i.state_reason == want, negated)
        elif key == "label":
            names = {n.strip().lower() for n in _split_labels(value)}
            self._add(lambda i: any(lbl.name.lower() in names for lbl in i.labels), negated)
        elif key == "no":
            if low == "label":
                self._add(lambda i: not i.labels, negated)
            elif low == "assignee":
                self._add(lambda i: not i.assignees, negated)
            else:
                return False
        elif key == "author":
            self._add(lambda i: i.user.lower() == low, negated)
        elif key == "assignee":
            self._add(lambda i: low in {a.lower() for a in i.assignees}, negated)
        elif key == "commenter":
            self._add(lambda i: any(c.user.lower() == low for c in i.comments), negated)
        elif key == "mentions":
            self._add(lambda i: f"@{low}" in (i.body or "").lower(), negated)
        elif key == "involves":
            self._add(
                lambda i: (
                    i.user.lower() == low
                    or low in {a.lower() for a in i.assignees}
                    or any(c.user.lower() == low for c in i.comments)
                    or f"@{low}" in (i.body or "").lower()
                ),
                negated,
            )
        elif key in ("created", "updated", "closed"):
            pred = _range_pred(value, _date_span)
            attr = f"{key}_at"
            self._add(lambda i: getattr(i, attr) is not None and pred(getattr(i, attr)), negated)
        elif key == "comments":
            cpred = _range_pred(value, _int_span)
            self._add(lambda i: cpred(len(i.comments)), negated)
        elif key == "in":
            self.in_fields.update(part.strip() for part in low.split(","))
        elif key == "sort":
            field_name, _, direction = low.partition("-")
            self.sort, self.order = field_name, direction or "desc"
        elif key in ("archived", "is_archived"):
            pass  # nothing is archived here
        else:
            return False
        return True

    def matches(self, issue: Issue) -> bool:
        if issue.deleted:
            return False
        if self.repos and issue.repo.lower() not in self.repos:
            return False
        if self.owners and issue.repo.split("/", 1)[0].lower() not in self.owners:
            return False
        if not all(pred(issue) for pred in self.preds):
            return False
        if self.terms:
            fields = self.in_fields or {"title", "body"}
            parts = []
            if "title" in fields:
                parts.append(issue.title)
            if "body" in fields:
                parts.append(issue.body or "")
            if "comments" in fields:
                parts.extend(c.body for c in issue.comments)
            text = "\n".join(parts).lower()
            for negated, term in self.terms:
                if (term in text) == negated:
                    return False
        return True


def _split_labels(value: str) -> list[str]:
    """``label:a,"b c"`` style lists; a quoted name keeps its commas."""
    return [m.group(1) or m.group(2) for m in re.finditer(r'"([^"]*)"|([^,]+)', value)]


def sort_issues(items: list[Issue], sort: str | None, direction: str | None) -> list[Issue]:
    key: Callable[[Issue], Any]
    if sort == "updated":
        key = lambda i: (i.updated_at, i.id)  # noqa: E731
    elif sort == "comments":
        key = lambda i: (len(i.comments), i.id)  # noqa: E731
    else:
        key = lambda i: (i.created_at, i.id)  # noqa: E731
    return sorted(items, key=key, reverse=(direction or "desc") != "asc")


class SearchRoutes(StateBuilders):
    """Issue search over the store, for REST and GraphQL alike."""

    def _search(self, q: str, sort: str | None, order: str | None) -> list[Issue]:
        spec = SearchSpec.parse(q)
        sort = sort or spec.sort
        order = order or spec.order or "desc"

        def compute() -> list[Issue]:
            repos = (
                [self._repos[r] for r in spec.repos if r in self._repos]
                if spec.repos
                else list(self._repos.values())
            )
            found = [i for r in repos for i in r.issues.values() if spec.matches(i)]
            # "best match" has no meaning here; newest first is the closest stable order.
            return sort_issues(
                found, sort if sort in ("created", "updated", "comments") else None, order
            )

        return self._cached(("search", q, sort, order), compute)

    def _search_issues(self, ctx: Ctx) -> Resp:
        q = ctx.query.get("q", "")
        if not q.strip():
            raise validation_error("Search", "q", "missing")
        if len(q) > SEARCH_QUERY_LIMIT:
            raise HTTPError(
                422,
                "Validation Failed",
                errors=[
                    {
                        "message": f"The search is longer than {SEARCH_QUERY_LIMIT} characters.",
                        "resource": "Search",
                        "field": "q",
                        "code": "invalid",
                    }
                ],
            )
        per_page = min(max(self._int(ctx.query, "per_page", 30), 1), 100)
        page = max(self._int(ctx.query, "page", 1), 1)
        if (page - 1) * per_page >= SEARCH_RESULT_CAP:
            raise HTTPError(422, "Only the first 1000 search results are available")
        items = self._search(q, ctx.query.get("sort"), ctx.query.get("order"))
        chunk, link = self._paginate(ctx, items, cap=SEARCH_RESULT_CAP)
        return Resp(
            200,
            {
                "total_count": len(items),
                "incomplete_results": False,
                "items": [{**self._issue_json(i), "score": 1.0} for i in chunk],
            },
            link,
        )
