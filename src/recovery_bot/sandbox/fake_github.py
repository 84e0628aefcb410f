"""A loopback GitHub: a real aiohttp server speaking the REST and GraphQL subset the bot uses.

Why a real server and not a mocked ``GitHubAPI``: the traps that bite GitHub bots live in
the wire format (percent-encoded label names, ``Link`` pagination, ETag/304 caching,
``retry-after`` on secondary limits, 422 bodies, JWT-only endpoints). Only a server that
speaks HTTP lets gidgethub's real code meet them in tests, in benchmarks and in
``recovery-bot demo``.

What it imitates, and the GitHub behaviours worth knowing (each one is real):

* Auth: ``Authorization: token|bearer <t>``. ``/app/...`` endpoints take only an App JWT
  (RS256, verified when ``app_public_key`` is given); other endpoints reject a JWT.
  Installation tokens minted by ``POST /app/installations/{id}/access_tokens`` last one
  hour of the injectable clock and then get 401.
* Every response carries ``x-ratelimit-*`` headers per bucket (``core``, ``search``,
  ``graphql``). Buckets are not enforced unless ``enforce_rate_limits=True``; when not
  enforced a bucket silently starts a new window instead of reaching zero, so a frozen test
  clock never makes a careful client sleep.
* GETs carry a weak ``ETag``; a matching ``If-None-Match`` gets 304 and is not charged.
* Lists paginate with ``per_page`` (default 30, max 100) / ``page`` and a ``Link`` header.
* ``DELETE .../labels/{name}`` 404s when the label is not on the issue; names are
  percent-decoded from the path, so an unencoded ``/`` in a name does not route (as on
  GitHub). :attr:`Call.path` keeps the raw, encoded path so tests can check encoding.
* Bodies over 65,536 characters get 422; label names over 50 characters get 422.
* REST search returns at most 1,000 results; queries over 256 characters get 422.
* GraphQL: ``labels:`` on ``Repository.issues`` matches issues with ANY of the labels
  (unlike REST, where all must match). ``Bot.login`` has no ``[bot]`` suffix
  (``recovery-bot``, ``__typename: Bot``), while REST says ``recovery-bot[bot]``.
  Every connection needs ``first`` or ``last`` in 1..100. Every document is validated
  against GitHub's published schema (``sandbox/schemas``, graphql-core) and refused as
  GitHub refuses it; ``rateLimit.cost`` and the ``graphql`` bucket's charge are the
  query's cost as GitHub documents it (:mod:`recovery_bot.sandbox.graphql_check`).

Deliberately not imitated: write permissions (any authenticated caller may write),
locking, milestones, pull-request specifics beyond the ``pull_request`` key, GraphQL
mutations, and webhooks fired automatically by API writes (use :meth:`send_webhook`).
"""

from __future__ import annotations

import asyncio
import base64
import fnmatch
import hashlib
import hmac
import itertools
import json
import re
import secrets
import textwrap
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode

import aiohttp
import jwt as pyjwt
from aiohttp import web

from recovery_bot.platform.github import webhook_signature
from recovery_bot.sandbox import graphql_check

__all__ = ["BODY_LIMIT", "Call", "FakeGitHub"]

#: GitHub's limit on issue and comment bodies, in characters.
BODY_LIMIT = 65_536
#: GitHub's limit on label names.
LABEL_NAME_LIMIT = 50
SEARCH_RESULT_CAP = 1_000
SEARCH_QUERY_LIMIT = 256
DOCS = "https://docs.github.com/rest"
REACTIONS = ("+1", "-1", "laugh", "confused", "heart", "hooray", "rocket", "eyes")
PERMISSIONS = ("admin", "maintain", "write", "triage", "read")
WRITE_METHODS = frozenset({"POST", "PATCH", "PUT", "DELETE"})
STATE_REASONS = frozenset({"completed", "not_planned", "reopened", "duplicate"})
DEFAULT_RATE_LIMITS: Mapping[str, int] = {"core": 5000, "search": 30, "graphql": 5000}
_RATE_WINDOWS = {"core": 3600, "search": 60, "graphql": 3600}
SECONDARY_LIMIT_MESSAGE = (
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try "
    "again. If you reach out to GitHub Support for help, please include the request ID "
)


# ---------------------------------------------------------------------------
# small helpers


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _aware(dt: datetime) -> datetime:
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def _iso(dt: datetime | None) -> str | None:
    """GitHub's timestamp format: second precision, ``Z`` suffix."""
    if dt is None:
        return None
    return _aware(dt).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_time(text: str) -> datetime:
    """Parse the ISO 8601 forms GitHub accepts (``Z`` or offset, or a bare date)."""
    text = text.strip()
    if len(text) == 10:
        return datetime.fromisoformat(text).replace(tzinfo=UTC)
    return _aware(datetime.fromisoformat(text.replace("Z", "+00:00")))


def _node_id(prefix: str, num: int) -> str:
    return prefix + "_" + base64.b64encode(f"fake:{num}".encode()).decode().rstrip("=")


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


class _HTTPError(Exception):
    """Raised by handlers to answer with a GitHub-shaped error body."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        errors: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        body: dict[str, Any] = {"message": message}
        if errors is not None:
            body["errors"] = errors
        body["documentation_url"] = DOCS
        self.body = body
        self.headers = dict(headers or {})


def _not_found() -> _HTTPError:
    return _HTTPError(404, "Not Found")


def _validation(
    resource: str, field_name: str, code: str, message: str | None = None
) -> _HTTPError:
    err: dict[str, Any] = {"resource": resource, "code": code, "field": field_name}
    if message is not None:
        err["message"] = message
    return _HTTPError(422, "Validation Failed", errors=[err])


def _body_too_long(resource: str) -> _HTTPError:
    return _validation(
        resource, "body", "custom", f"Body is too long (maximum is {BODY_LIMIT} characters)"
    )


# ---------------------------------------------------------------------------
# state


@dataclass(frozen=True)
class Call:
    """One request the fake received, in arrival order.

    ``path`` is the raw path as sent (percent-encoding kept, query string removed), so a
    test can check that a label name was encoded; :attr:`decoded_path` is the readable one.
    ``headers`` are the request headers with lower-case names; ``response`` the decoded
    JSON answered (``None`` for 204/304); ``at`` is ``time.monotonic()`` on arrival.
    """

    method: str
    path: str
    query: dict[str, str]
    json: Any
    status: int
    headers: dict[str, str]
    login: str | None = None
    response: Any = None
    at: float = 0.0

    @property
    def decoded_path(self) -> str:
        return unquote(self.path)

    @property
    def is_write(self) -> bool:
        """A state-changing call, as counted by :meth:`FakeGitHub.writes`."""
        if self.method not in WRITE_METHODS:
            return False
        if fnmatch.fnmatchcase(self.path, "/app/installations/*/access_tokens"):
            return False
        if self.path == "/graphql":
            query = self.json.get("query", "") if isinstance(self.json, dict) else ""
            return bool(re.match(r"\s*mutation\b", str(query)))
        return True


@dataclass
class _User:
    login: str
    id: int
    type: str


@dataclass
class _Label:
    id: int
    name: str
    color: str
    description: str | None


@dataclass
class _Reaction:
    id: int
    user: str
    content: str
    created_at: datetime


@dataclass
class _Comment:
    id: int
    seq: int
    repo: str
    number: int
    body: str
    user: str
    author_association: str
    created_at: datetime
    updated_at: datetime
    via_app: bool
    reactions: list[_Reaction] = field(default_factory=list)


@dataclass
class _Event:
    id: int
    seq: int
    event: str
    actor: str
    created_at: datetime
    label: _Label | None = None
    assignee: str | None = None
    state_reason: str | None = None
    rename: tuple[str, str] | None = None
    via_app: bool = False


@dataclass
class _Issue:
    repo: str
    number: int
    id: int
    title: str
    body: str | None
    user: str
    author_association: str
    labels: list[_Label]
    state: str
    state_reason: str | None
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    closed_by: str | None
    pull_request: bool
    via_app: bool = False
    locked: bool = False
    assignees: list[str] = field(default_factory=list)
    comments: list[_Comment] = field(default_factory=list)
    events: list[_Event] = field(default_factory=list)
    reactions: list[_Reaction] = field(default_factory=list)
    deleted: bool = False

    def has_label(self, name: str) -> bool:
        low = name.lower()
        return any(lbl.name.lower() == low for lbl in self.labels)


@dataclass
class _Repo:
    full_name: str
    id: int
    collaborators: dict[str, str]  # lower-case login -> permission
    labels: dict[str, _Label] = field(default_factory=dict)  # lower-case name -> label
    issues: dict[int, _Issue] = field(default_factory=dict)
    next_number: int = 1

    @property
    def owner(self) -> str:
        return self.full_name.split("/", 1)[0]


@dataclass
class _Delivery:
    id: int
    guid: str
    event: str
    action: str | None
    status_code: int
    status: str
    delivered_at: datetime
    redelivery: bool
    duration: float
    payload: Any
    installation_id: int
    repository_id: int | None
    request_headers: dict[str, str] = field(default_factory=dict)
    response_body: str = ""


@dataclass
class _Fault:
    method: str
    pattern: str
    times: int | None
    status: int = 0
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    seconds: float = 0.0
    after: bool = False

    def matches(self, method: str, raw: str, decoded: str) -> bool:
        if self.times is not None and self.times <= 0:
            return False
        if self.method != "*" and self.method.upper() != method:
            return False
        return fnmatch.fnmatchcase(raw, self.pattern) or fnmatch.fnmatchcase(decoded, self.pattern)

    def consume(self) -> None:
        if self.times is not None:
            self.times -= 1


@dataclass
class _Bucket:
    limit: int
    window: int
    used: int = 0
    reset: int = 0


@dataclass
class _Ctx:
    """What a route handler gets: the parsed request and who made it."""

    method: str
    raw_path: str
    query: dict[str, str]
    json: Any
    login: str | None
    kind: str  # "token", "installation", "app", "anonymous"
    headers: Mapping[str, str]


@dataclass
class _Resp:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)
    points: int = 1  # rate-limit points charged: a GraphQL query's cost, else 1


class _LiveIssue(dict[str, Any]):
    """The issue JSON, where setting a plain field also changes the fake's state.

    ``fake.issue(repo, n)["body"] = "..."`` is how a test (or the demo) says "the issue
    was edited on GitHub before the delivery arrived"; a detached copy would silently
    ignore that.
    """

    _WRITABLE = frozenset({"title", "body", "state", "state_reason", "locked"})

    def __init__(self, fake: FakeGitHub, issue: _Issue, data: dict[str, Any]) -> None:
        super().__init__(data)
        self._fake = fake
        self._issue = issue

    def __setitem__(self, key: str, value: Any) -> None:
        super().__setitem__(key, value)
        if key in self._WRITABLE:
            setattr(self._issue, key, value)
            self._fake._touch()


# ---------------------------------------------------------------------------
# search qualifiers (shared by REST /search/issues and GraphQL search)

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
    point = _parse_time(text)
    if len(text.strip()) == 10:
        return point, point + timedelta(days=1)
    return point, point + timedelta(seconds=1)


def _int_span(text: str) -> tuple[int, int]:
    n = int(text)
    return n, n + 1


@dataclass
class _SearchSpec:
    """A parsed issue-search query: each qualifier becomes a predicate on an issue."""

    repos: set[str] = field(default_factory=set)
    owners: set[str] = field(default_factory=set)
    preds: list[Callable[[_Issue], bool]] = field(default_factory=list)
    terms: list[tuple[bool, str]] = field(default_factory=list)  # (negated, lower text)
    in_fields: set[str] = field(default_factory=set)
    sort: str | None = None
    order: str | None = None

    @classmethod
    def parse(cls, q: str) -> _SearchSpec:
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

    def _add(self, pred: Callable[[_Issue], bool], negated: bool) -> None:
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

    def matches(self, issue: _Issue) -> bool:
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


def _sort_issues(items: list[_Issue], sort: str | None, direction: str | None) -> list[_Issue]:
    key: Callable[[_Issue], Any]
    if sort == "updated":
        key = lambda i: (i.updated_at, i.id)  # noqa: E731
    elif sort == "comments":
        key = lambda i: (len(i.comments), i.id)  # noqa: E731
    else:
        key = lambda i: (i.created_at, i.id)  # noqa: E731
    return sorted(items, key=key, reverse=(direction or "desc") != "asc")


# ---------------------------------------------------------------------------
# GraphQL: a small parser and executor for the queries the bot sends.
#
# Not a GraphQL engine: no introspection, no mutations. Documents are first held to
# GitHub's real schema (graphql_check: refused in GitHub's words, priced as GitHub prices
# them); this executor then answers with exactly the fields asked (aliases, fragments and
# @include/@skip honoured), which is what a client's parsing code needs.


class _GQLError(Exception):
    def __init__(self, message: str, type_: str | None = None, *, fatal: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.type = type_
        self.fatal = fatal


@dataclass
class _GVar:
    name: str


@dataclass
class _GEnum:
    name: str


@dataclass
class _GField:
    name: str
    alias: str | None
    args: dict[str, Any]
    selections: list[Any] | None
    directives: list[tuple[str, dict[str, Any]]]
    line: int
    column: int


@dataclass
class _GFragment:
    type_condition: str | None
    selections: list[Any]
    directives: list[tuple[str, dict[str, Any]]]


@dataclass
class _GSpread:
    name: str
    directives: list[tuple[str, dict[str, Any]]]


@dataclass
class _GOperation:
    kind: str
    name: str | None
    var_defs: dict[str, tuple[str, Any]]  # name -> (type text, default)
    selections: list[Any]


_GQL_TOKEN = re.compile(
    r'(?P<ws>[\s,\ufeff]+|#[^\n]*)|(?P<spread>\.\.\.)|(?P<block>"""(?:\\"""|[^"]|"(?!""))*""")'
    r'|(?P<string>"(?:\\.|[^"\\\n])*")|(?P<number>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)'
    r"|(?P<name>[_A-Za-z][_0-9A-Za-z]*)|(?P<punct>[!$&()\:=@\[\]{}|])"
)


class _GQLParser:
    """Recursive-descent parser for GraphQL executable documents."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.tokens: list[tuple[str, str, int]] = []
        pos = 0
        while pos < len(source):
            m = _GQL_TOKEN.match(source, pos)
            if m is None:
                raise self._error(f"Parse error on {source[pos]!r}", pos)
            kind = m.lastgroup or ""
            if kind != "ws":
                self.tokens.append((kind, m.group(), pos))
            pos = m.end()
        self.i = 0

    def _loc(self, pos: int) -> tuple[int, int]:
        line = self.source.count("\n", 0, pos) + 1
        column = pos - (self.source.rfind("\n", 0, pos) + 1) + 1
        return line, column

    def _error(self, message: str, pos: int | None = None) -> _GQLError:
        if pos is None:
            pos = self.tokens[self.i][2] if self.i < len(self.tokens) else len(self.source)
        line, col = self._loc(pos)
        return _GQLError(f"{message} ({line}:{col})", "PARSE_ERROR", fatal=True)

    def peek(self) -> tuple[str, str, int]:
        return self.tokens[self.i] if self.i < len(self.tokens) else ("eof", "", len(self.source))

    def take(self, value: str | None = None, kind: str | None = None) -> tuple[str, str, int]:
        tok = self.peek()
        if (value is not None and tok[1] != value) or (kind is not None and tok[0] != kind):
            shown = tok[1] if tok[0] != "eof" else "end of file"
            want = value or kind
            raise self._error(f'Parse error on "{shown}" (expected {want})')
        self.i += 1
        return tok

    def accept(self, value: str) -> bool:
        if self.peek()[1] == value and self.peek()[0] in ("punct", "spread", "name"):
            self.i += 1
            return True
        return False

    def document(self) -> tuple[list[_GOperation], dict[str, _GFragment]]:
        ops: list[_GOperation] = []
        frags: dict[str, _GFragment] = {}
        while self.peek()[0] != "eof":
            tok = self.peek()
            if tok[1] == "{":
                ops.append(_GOperation("query", None, {}, self.selection_set()))
            elif tok[1] in ("query", "mutation", "subscription"):
                self.i += 1
                name = self.take(kind="name")[1] if self.peek()[0] == "name" else None
                var_defs = self.var_defs() if self.peek()[1] == "(" else {}
                self.directives()
                ops.append(_GOperation(tok[1], name, var_defs, self.selection_set()))
            elif tok[1] == "fragment":
                self.i += 1
                name = self.take(kind="name")[1]
                self.take("on")
                cond = self.take(kind="name")[1]
                directives = self.directives()
                frags[name] = _GFragment(cond, self.selection_set(), directives)
            else:
                raise self._error(f'Parse error on "{tok[1]}"')
        if not ops:
            raise _GQLError("No operations in query document", fatal=True)
        return ops, frags

    def var_defs(self) -> dict[str, tuple[str, Any]]:
        defs: dict[str, tuple[str, Any]] = {}
        self.take("(")
        while not self.accept(")"):
            self.take("$")
            name = self.take(kind="name")[1]
            self.take(":")
            type_text = self.type_ref()
            default = self.value(const=True) if self.accept("=") else None
            self.directives()
            defs[name] = (type_text, default)
        return defs

    def type_ref(self) -> str:
        if self.accept("["):
            inner = self.type_ref()
            self.take("]")
            text = f"[{inner}]"
        else:
            text = self.take(kind="name")[1]
        if self.accept("!"):
            text += "!"
        return text

    def directives(self) -> list[tuple[str, dict[str, Any]]]:
        out = []
        while self.accept("@"):
            name = self.take(kind="name")[1]
            out.append((name, self.arguments()))
        return out

    def selection_set(self) -> list[Any]:
        self.take("{")
        items: list[Any] = []
        while not self.accept("}"):
            if self.peek()[0] == "eof":
                raise self._error('Parse error on end of file (expected "}")')
            items.append(self.selection())
        return items

    def selection(self) -> Any:
        if self.peek()[0] == "spread":
            self.i += 1
            if self.peek()[1] == "on":
                self.i += 1
                cond = self.take(kind="name")[1]
                directives = self.directives()
                return _GFragment(cond, self.selection_set(), directives)
            if self.peek()[1] in ("{", "@"):
                directives = self.directives()
                return _GFragment(None, self.selection_set(), directives)
            return _GSpread(self.take(kind="name")[1], self.directives())
        tok = self.take(kind="name")
        name, alias = tok[1], None
        if self.accept(":"):
            alias, name = name, self.take(kind="name")[1]
        args = self.arguments()
        directives = self.directives()
        selections = self.selection_set() if self.peek()[1] == "{" else None
        line, col = self._loc(tok[2])
        return _GField(name, alias, args, selections, directives, line, col)

    def arguments(self) -> dict[str, Any]:
        if not self.accept("("):
            return {}
        args: dict[str, Any] = {}
        while not self.accept(")"):
            name = self.take(kind="name")[1]
            self.take(":")
            args[name] = self.value()
        return args

    def value(self, const: bool = False) -> Any:
        kind, text, _pos = self.peek()
        if text == "$" and kind == "punct" and not const:
            self.i += 1
            return _GVar(self.take(kind="name")[1])
        if text == "[" and kind == "punct":
            self.i += 1
            items = []
            while not self.accept("]"):
                items.append(self.value(const))
            return items
        if text == "{" and kind == "punct":
            self.i += 1
            obj = {}
            while not self.accept("}"):
                key = self.take(kind="name")[1]
                self.take(":")
                obj[key] = self.value(const)
            return obj
        self.i += 1
        if kind == "number":
            return float(text) if any(c in text for c in ".eE") else int(text)
        if kind == "string":
            return json.loads(text)
        if kind == "block":
            return textwrap.dedent(text[3:-3].replace('\\"""', '"""')).strip("\n")
        if kind == "name":
            return {"true": True, "false": False, "null": None}.get(text, _GEnum(text))
        self.i -= 1
        raise self._error(f'Parse error on "{text}"')


@dataclass
class _G:
    """A GraphQL object: its concrete type name and the Python value behind it."""

    typename: str
    value: Any


@dataclass
class _Conn:
    """A page of a connection, with the cursors of its items."""

    nodes: list[_G | None]  # GitHub: a node may be null (e.g. a deleted account)
    cursors: list[str]
    total: int
    has_next: bool
    has_prev: bool
    extra: dict[str, Any] = field(default_factory=dict)


_INTERFACES: dict[str, frozenset[str]] = {
    "Actor": frozenset({"User", "Bot", "Organization", "Mannequin"}),
    "RepositoryOwner": frozenset({"User", "Organization"}),
    "Node": frozenset(),  # matches everything, see _type_matches
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
_INTERFACES["IssueTimelineItem"] = _INTERFACES["IssueTimelineItems"]

_EVENT_TYPENAMES = {
    "labeled": "LabeledEvent",
    "unlabeled": "UnlabeledEvent",
    "closed": "ClosedEvent",
    "reopened": "ReopenedEvent",
    "assigned": "AssignedEvent",
    "unassigned": "UnassignedEvent",
    "renamed": "RenamedTitleEvent",
}
_ITEM_TYPES = {
    "LABELED_EVENT": "LabeledEvent",
    "UNLABELED_EVENT": "UnlabeledEvent",
    "CLOSED_EVENT": "ClosedEvent",
    "REOPENED_EVENT": "ReopenedEvent",
    "ASSIGNED_EVENT": "AssignedEvent",
    "UNASSIGNED_EVENT": "UnassignedEvent",
    "RENAMED_TITLE_EVENT": "RenamedTitleEvent",
    "ISSUE_COMMENT": "IssueComment",
}


def _type_matches(condition: str | None, typename: str) -> bool:
    return (
        condition is None
        or condition == typename
        or condition == "Node"
        or typename in _INTERFACES.get(condition, frozenset())
    )


def _cursor(pos: int) -> str:
    return base64.b64encode(f"cursor:v2:{pos}".encode()).decode()


def _decode_cursor(cursor: str) -> int:
    try:
        text = base64.b64decode(cursor.encode(), validate=True).decode()
        prefix, _, num = text.rpartition(":")
        if prefix != "cursor:v2":
            raise ValueError(text)
        return int(num)
    except (ValueError, UnicodeDecodeError) as exc:
        raise _GQLError(
            f"`{cursor}` does not appear to be a valid cursor.", "INVALID_CURSOR_ARGUMENTS"
        ) from exc


def _page(
    items: Sequence[Any],
    args: Mapping[str, Any],
    name: str,
    to_node: Callable[[Any], _G | None],
) -> _Conn:
    """Slice ``items`` per first/last/after/before, as GitHub's connections do."""
    first, last = args.get("first"), args.get("last")
    if first is None and last is None:
        raise _GQLError(
            f"You must provide a `first` or `last` value to properly paginate the `{name}` "
            "connection.",
            "MISSING_PAGINATION_BOUNDARIES",
            fatal=True,
        )
    for arg_name, val in (("first", first), ("last", last)):
        if val is None:
            continue
        if not isinstance(val, int) or val < 1 or val > 100:
            raise _GQLError(
                f"Requesting {val} records on the `{name}` connection exceeds the "
                f"`{arg_name}` limit of 100 records."
                if isinstance(val, int) and val > 100
                else f"`{arg_name}` on the `{name}` connection must be between 1 and 100.",
                "EXCESSIVE_PAGINATION",
                fatal=True,
            )
    lo, hi = 0, len(items)
    if args.get("after") is not None:
        lo = max(lo, _decode_cursor(str(args["after"])))
    if args.get("before") is not None:
        hi = min(hi, _decode_cursor(str(args["before"])) - 1)
    hi = max(hi, lo)
    start, end = lo, hi
    if first is not None:
        end = min(end, start + first)
    if last is not None:
        start = max(start, end - last)
    chosen = items[start:end]
    return _Conn(
        nodes=[to_node(item) for item in chosen],
        cursors=[_cursor(pos) for pos in range(start + 1, end + 1)],
        total=len(items),
        has_next=end < hi,
        has_prev=start > lo,
    )


class _GQLExecutor:
    """Resolves one parsed document against the fake's state."""

    def __init__(
        self,
        fake: FakeGitHub,
        op: _GOperation,
        fragments: dict[str, _GFragment],
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

    # -- driving ---------------------------------------------------------------

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
            data = self.resolve_object(_G("Query", None), self.op.selections, [])
        except _GQLError as exc:
            return {"errors": [self._error_entry(exc, None)]}
        out: dict[str, Any] = {"data": data}
        if self.errors:
            out["errors"] = self.errors
        return out

    def _error_entry(self, exc: _GQLError, path: list[Any] | None) -> dict[str, Any]:
        entry: dict[str, Any] = {"message": exc.message}
        if exc.type:
            entry["type"] = exc.type
        if path is not None:
            entry["path"] = path
        return entry

    def _value(self, raw: Any) -> Any:
        if isinstance(raw, _GVar):
            if raw.name not in self.op.var_defs:
                raise _GQLError(
                    f"Variable ${raw.name} is used by {self.op.name or 'anonymous query'} "
                    "but not declared",
                    "variableNotDefined",
                    fatal=True,
                )
            return self.variables.get(raw.name)
        if isinstance(raw, _GEnum):
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

    def _fields(self, typename: str, selections: list[Any]) -> list[_GField]:
        out: list[_GField] = []
        for sel in selections:
            if isinstance(sel, _GField):
                if self._included(sel.directives):
                    out.append(sel)
            elif isinstance(sel, _GFragment):
                if self._included(sel.directives) and _type_matches(sel.type_condition, typename):
                    out.extend(self._fields(typename, sel.selections))
            else:
                frag = self.fragments.get(sel.name)
                if frag is None:
                    raise _GQLError(f"Fragment {sel.name} was used, but not defined", fatal=True)
                if self._included(sel.directives) and _type_matches(frag.type_condition, typename):
                    out.extend(self._fields(typename, frag.selections))
        return out

    def resolve_object(self, obj: _G, selections: list[Any], path: list[Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for fld in self._fields(obj.typename, selections):
            key = fld.alias or fld.name
            if fld.name == "__typename":
                out[key] = obj.typename
                continue
            args = {k: self._value(v) for k, v in fld.args.items()}
            try:
                value = self.field(obj, fld.name, args)
            except _GQLError as exc:
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

    def complete(self, value: Any, fld: _GField, path: list[Any]) -> Any:
        if isinstance(value, _G):
            if fld.selections is None:
                raise _GQLError(
                    f"Field must have selections (field '{fld.name}' returns "
                    f"{value.typename} but has no selections.)",
                    "selectionMismatch",
                    fatal=True,
                )
            return self.resolve_object(value, fld.selections, path)
        if isinstance(value, list):
            return [self.complete(v, fld, [*path, n]) for n, v in enumerate(value)]
        if fld.selections is not None and value is not None:
            raise _GQLError(
                f"Selections can't be made on scalars (field '{fld.name}')",
                "selectionMismatch",
                fatal=True,
            )
        return value

    def field(self, obj: _G, name: str, args: dict[str, Any]) -> Any:
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
            conn: _Conn = obj.value
            page = {
                "hasNextPage": conn.has_next,
                "hasPreviousPage": conn.has_prev,
                "startCursor": conn.cursors[0] if conn.cursors else None,
                "endCursor": conn.cursors[-1] if conn.cursors else None,
            }
            if name in page:
                return page[name]
        if t in _INTERFACES["IssueTimelineItems"]:
            return self.event_field(obj.value, t, name)
        if t == "RateLimit":
            bucket: _Bucket = obj.value
            values = {
                "cost": self.cost,
                "limit": bucket.limit,
                "remaining": max(bucket.limit - bucket.used, 0),
                "used": bucket.used,
                "resetAt": _iso(datetime.fromtimestamp(bucket.reset, UTC)),
                "nodeCount": 0,
            }
            if name in values:
                return values[name]
        raise _GQLError(
            f"Field '{name}' doesn't exist on type '{t}' (or FakeGitHub does not implement it)",
            "undefinedField",
            fatal=True,
        )

    # -- types ---------------------------------------------------------------

    def _actor(self, login: str | None) -> _G | None:
        if login is None:
            return None
        user = self.fake._user(login)
        return _G("Bot" if user.type == "Bot" else user.type, user)

    def query_field(self, name: str, args: dict[str, Any]) -> Any:
        if name == "repository":
            full = f"{args.get('owner')}/{args.get('name')}"
            repo = self.fake._find_repo(full)
            if repo is None:
                raise _GQLError(
                    f"Could not resolve to a Repository with the name '{full}'.", "NOT_FOUND"
                )
            return _G("Repository", repo)
        if name == "search":
            return self.search(args)
        if name == "viewer":
            return self._actor(self.login)
        if name == "rateLimit":
            return _G("RateLimit", self.fake._bucket("graphql"))
        raise _GQLError(
            f"Field '{name}' doesn't exist on type 'Query' (or FakeGitHub does not implement it)",
            "undefinedField",
            fatal=True,
        )

    def search(self, args: dict[str, Any]) -> _G:
        q = str(args.get("query") or "")
        kind = str(args.get("type") or "")
        items: list[_Issue] = []
        if kind in ("ISSUE", "ISSUE_ADVANCED"):
            if len(q) > SEARCH_QUERY_LIMIT:
                raise _GQLError(f"The search is longer than {SEARCH_QUERY_LIMIT} characters.")
            items = self.fake._search(q, None, None)
        visible = items[:SEARCH_RESULT_CAP]
        conn = _page(visible, args, "search", self._issue_node)
        conn.extra = {
            "issueCount": len(items),
            "repositoryCount": 0,
            "userCount": 0,
            "codeCount": 0,
            "discussionCount": 0,
            "wikiCount": 0,
        }
        return _G("SearchResultItemConnection", conn)

    def _issue_node(self, issue: _Issue) -> _G:
        return _G("PullRequest" if issue.pull_request else "Issue", issue)

    def repository_field(self, repo: _Repo, name: str, args: dict[str, Any]) -> Any:
        owner, _, short = repo.full_name.partition("/")
        simple = {
            "id": _node_id("R", repo.id),
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
            return _G("Organization", self.fake._user(owner, "Organization"))
        if name == "issues":
            items = self.fake._graphql_issues(repo, args)
            return _G("IssueConnection", _page(items, args, "issues", self._issue_node))
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
                raise _GQLError(
                    f"Could not resolve to an {label} with the number of {number}.", "NOT_FOUND"
                )
            return self._issue_node(issue)
        if name == "labels":
            labels = sorted(repo.labels.values(), key=lambda lbl: lbl.name.lower())
            needle = str(args.get("query") or "").lower()
            if needle:
                labels = [lbl for lbl in labels if needle in lbl.name.lower()]
            return _G("LabelConnection", _page(labels, args, "labels", lambda x: _G("Label", x)))
        if name == "label":
            lbl = repo.labels.get(str(args.get("name", "")).lower())
            return _G("Label", lbl) if lbl else None
        raise _GQLError(
            f"Field '{name}' doesn't exist on type 'Repository' (or FakeGitHub does not "
            "implement it)",
            "undefinedField",
            fatal=True,
        )

    def issue_field(self, issue: _Issue, typename: str, name: str, args: dict[str, Any]) -> Any:
        path = "pull" if issue.pull_request else "issues"
        match name:
            case "id":
                return _node_id("I", issue.id)
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
                return _iso(issue.created_at)
            case "updatedAt":
                return _iso(issue.updated_at)
            case "closedAt":
                return _iso(issue.closed_at)
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
                return _G("Repository", self.fake._repos[issue.repo.lower()])
            case "labels":
                return _G(
                    "LabelConnection",
                    _page(issue.labels, args, "labels", lambda x: _G("Label", x)),
                )
            case "assignees":
                return _G(
                    "UserConnection",
                    _page(issue.assignees, args, "assignees", lambda x: self._actor(x)),
                )
            case "comments":
                return _G(
                    "IssueCommentConnection",
                    _page(issue.comments, args, "comments", lambda c: _G("IssueComment", c)),
                )
            case "timelineItems":
                return self.timeline(issue, args)
        raise _GQLError(
            f"Field '{name}' doesn't exist on type '{typename}' (or FakeGitHub does not "
            "implement it)",
            "undefinedField",
            fatal=True,
        )

    def timeline(self, issue: _Issue, args: dict[str, Any]) -> _G:
        kinds = args.get("itemTypes")
        wanted = {_ITEM_TYPES.get(k, k) for k in kinds} if kinds else None
        since = _parse_time(str(args["since"])) if args.get("since") else None
        merged: list[tuple[datetime, int, _G]] = []
        for ev in issue.events:
            typename = _EVENT_TYPENAMES.get(ev.event)
            if typename and (wanted is None or typename in wanted):
                merged.append((ev.created_at, ev.seq, _G(typename, ev)))
        if wanted is None or "IssueComment" in wanted:
            merged.extend((c.created_at, c.seq, _G("IssueComment", c)) for c in issue.comments)
        merged.sort(key=lambda item: (item[0], item[1]))
        items = [g for when, _seq, g in merged if since is None or when >= since]
        conn = _page(items, args, "timelineItems", lambda g: g)
        conn.extra = {
            "filteredCount": len(items),
            "pageCount": len(conn.nodes),
            "updatedAt": _iso(issue.updated_at),
        }
        return _G("IssueTimelineItemsConnection", conn)

    def comment_field(self, c: _Comment, name: str, args: dict[str, Any]) -> Any:
        values = {
            "id": _node_id("IC", c.id),
            "databaseId": c.id,
            "body": c.body,
            "bodyText": c.body,
            "createdAt": _iso(c.created_at),
            "updatedAt": _iso(c.updated_at),
            "lastEditedAt": _iso(c.updated_at) if c.updated_at != c.created_at else None,
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
        raise _GQLError(
            f"Field '{name}' doesn't exist on type 'IssueComment' (or FakeGitHub does not "
            "implement it)",
            "undefinedField",
            fatal=True,
        )

    def actor_field(self, user: _User, typename: str, name: str) -> Any:
        # GraphQL shows an App's bot account without the "[bot]" suffix REST uses.
        login = user.login.removesuffix("[bot]") if typename == "Bot" else user.login
        html = (
            f"https://github.com/apps/{login}"
            if typename == "Bot"
            else f"https://github.com/{login}"
        )
        values = {
            "login": login,
            "id": _node_id("U" if typename == "User" else typename[:3].upper(), user.id),
            "databaseId": user.id,
            "url": html,
            "resourcePath": html.removeprefix("https://github.com"),
            "avatarUrl": f"https://avatars.githubusercontent.com/u/{user.id}?v=4",
            "name": None,
        }
        if name in values:
            return values[name]
        raise _GQLError(
            f"Field '{name}' doesn't exist on type '{typename}' (or FakeGitHub does not "
            "implement it)",
            "undefinedField",
            fatal=True,
        )

    def label_field(self, lbl: _Label, name: str) -> Any:
        values = {
            "id": _node_id("LA", lbl.id),
            "name": lbl.name,
            "color": lbl.color,
            "description": lbl.description,
            "isDefault": False,
        }
        if name in values:
            return values[name]
        raise _GQLError(
            f"Field '{name}' doesn't exist on type 'Label' (or FakeGitHub does not implement it)",
            "undefinedField",
            fatal=True,
        )

    def connection_field(self, conn: _Conn, name: str) -> Any:
        if name == "totalCount":
            return conn.total
        if name == "nodes":
            return conn.nodes
        if name == "edges":
            return [_G("Edge", (c, n)) for c, n in zip(conn.cursors, conn.nodes, strict=True)]
        if name == "pageInfo":
            return _G("PageInfo", conn)
        if name in conn.extra:
            return conn.extra[name]
        raise _GQLError(
            f"Field '{name}' doesn't exist on this connection (or FakeGitHub does not "
            "implement it)",
            "undefinedField",
            fatal=True,
        )

    def event_field(self, ev: Any, typename: str, name: str) -> Any:
        if typename == "IssueComment":
            return self.comment_field(ev, name, {})
        assert isinstance(ev, _Event)
        if name == "id":
            return _node_id(typename[:2].upper() + "E", ev.id)
        if name == "createdAt":
            return _iso(ev.created_at)
        if name == "actor":
            return self._actor(ev.actor)
        if name == "label" and typename in ("LabeledEvent", "UnlabeledEvent"):
            return _G("Label", ev.label)
        if name in ("assignee", "user") and typename in ("AssignedEvent", "UnassignedEvent"):
            return self._actor(ev.assignee)
        if name == "stateReason" and typename == "ClosedEvent":
            return ev.state_reason.upper() if ev.state_reason else None
        if name == "closer" and typename == "ClosedEvent":
            return None
        if name in ("previousTitle", "currentTitle") and typename == "RenamedTitleEvent":
            assert ev.rename is not None
            return ev.rename[0] if name == "previousTitle" else ev.rename[1]
        raise _GQLError(
            f"Field '{name}' doesn't exist on type '{typename}' (or FakeGitHub does not "
            "implement it)",
            "undefinedField",
            fatal=True,
        )


# ---------------------------------------------------------------------------
# the server

_Handler = Callable[..., Any]


class FakeGitHub:
    """In-memory GitHub behind a real HTTP server; see the module docstring for semantics.

    Build state with the helpers (:meth:`add_repo`, :meth:`add_issue`, ...), start the
    server, point the client at :attr:`url`, then assert on state (:meth:`issue`,
    :meth:`labels`, :meth:`comments`) and on traffic (:attr:`calls`, :meth:`writes`).
    Fault injection (:meth:`fail`, :meth:`delay`, :meth:`fail_secondary_rate_limit`,
    :meth:`fail_primary_rate_limit`) applies to requests in arrival order.
    """

    def __init__(
        self,
        *,
        tokens: Mapping[str, str] | None = None,
        app_id: str | None = None,
        app_public_key: str | bytes | None = None,
        bot_login: str = "recovery-bot[bot]",
        now: Callable[[], datetime] | None = None,
        app_slug: str = "recovery-bot",
        installation_id: int = 1,
        rate_limits: Mapping[str, int] | None = None,
        enforce_rate_limits: bool = False,
    ) -> None:
        self.tokens: dict[str, str] | None = dict(tokens) if tokens is not None else None
        self.app_id = app_id
        self.app_public_key = app_public_key
        self.bot_login = bot_login
        #: The clock for every timestamp the fake writes; tests may reassign it.
        self.now: Callable[[], datetime] = now or _utcnow
        self.app_slug = app_slug
        self.installation_id = installation_id
        self.enforce_rate_limits = enforce_rate_limits
        limits = {**DEFAULT_RATE_LIMITS, **(rate_limits or {})}
        self._buckets = {k: _Bucket(v, _RATE_WINDOWS.get(k, 3600)) for k, v in limits.items()}

        self.url: str = ""
        self.calls: list[Call] = []
        #: Ids of deliveries whose redelivery was requested, in order.
        self.redelivery_requests: list[int] = []
        self.in_flight = 0
        self.max_in_flight = 0

        self._repos: dict[str, _Repo] = {}
        self._users: dict[str, _User] = {}
        self._comments: dict[int, _Comment] = {}
        self._teams: dict[tuple[str, str], dict[str, tuple[str, str]]] = {}
        self._minted: dict[str, datetime] = {}
        self._deliveries: list[_Delivery] = []
        self._faults: list[_Fault] = []
        self._delays: list[_Fault] = []
        self._version = 0
        self._cache_version = -1
        self._list_cache: dict[tuple[Any, ...], list[_Issue]] = {}
        self._ids = {
            kind: itertools.count(base)
            for kind, base in (
                ("repo", 500_001),
                ("user", 1_001),
                ("issue", 100_000_001),
                ("comment", 200_000_001),
                ("event", 300_000_001),
                ("reaction", 400_000_001),
                ("label", 600_000_001),
                ("delivery", 700_000_001),
                ("seq", 1),
                ("request", 1),
            )
        }
        self._webhook: tuple[str, str] | None = None
        self._session: aiohttp.ClientSession | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._runner: web.AppRunner | None = None
        self._routes = self._build_routes()
        self.app = self.build_app()
        self._user(bot_login, "Bot")

    # -- lifecycle -----------------------------------------------------------

    def build_app(self) -> web.Application:
        """One catch-all route: routing happens on the raw path so ``%2F`` survives."""
        app = web.Application(client_max_size=16 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._dispatch)
        return app

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        self._runner = web.AppRunner(self.app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        addr = self._runner.addresses[0]
        self.url = f"http://{host}:{addr[1]}"
        return self.url

    async def close(self) -> None:
        await self.wait_idle()
        if self._session is not None:
            await self._session.close()
            self._session = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeGitHub:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def wait_idle(self) -> None:
        """Wait for background work the fake started itself (redeliveries)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    @property
    def api_url(self) -> str:
        """Base of the ``url`` fields in JSON: the fake once started, else api.github.com."""
        return self.url or "https://api.github.com"

    # -- state helpers -------------------------------------------------------

    def _touch(self) -> None:
        self._version += 1

    def _now(self) -> datetime:
        return _aware(self.now())

    def _next(self, kind: str) -> int:
        return next(self._ids[kind])

    def _user(self, login: str, type_: str | None = None) -> _User:
        key = login.lower()
        user = self._users.get(key)
        if user is None:
            if type_ is None:
                type_ = "Bot" if login.endswith("[bot]") else "User"
            user = _User(login, self._next("user"), type_)
            self._users[key] = user
        elif type_ is not None and type_ != user.type and user.type == "User":
            user.type = type_
        return user

    def add_user(self, login: str, type_: str = "User") -> None:
        """Make a GitHub account exist (the permission endpoint 404s for unknown logins)."""
        self._user(login, type_)

    def _find_repo(self, full_name: str) -> _Repo | None:
        return self._repos.get(full_name.lower())

    def _repo(self, full_name: str) -> _Repo:
        repo = self._find_repo(full_name)
        if repo is None:
            raise KeyError(full_name)
        return repo

    def add_repo(self, full_name: str, *, collaborators: Mapping[str, str] = {}) -> None:
        """Create (or update) a repository; ``collaborators`` maps login -> permission."""
        repo = self._find_repo(full_name)
        if repo is None:
            repo = _Repo(full_name, self._next("repo"), {})
            self._repos[full_name.lower()] = repo
            self._user(repo.owner, "Organization")
        for login, perm in collaborators.items():
            self.set_permission(full_name, login, perm)
        self._touch()

    def set_permission(self, repo: str, login: str, permission: str | None) -> None:
        """Grant (or with ``None`` revoke) a collaborator role on ``repo``."""
        if permission is not None and permission not in PERMISSIONS:
            raise ValueError(f"permission must be one of {PERMISSIONS}, not {permission!r}")
        r = self._repo(repo)
        self._user(login)
        if permission is None:
            r.collaborators.pop(login.lower(), None)
        else:
            r.collaborators[login.lower()] = permission

    def add_team_member(
        self, org: str, team: str, login: str, *, role: str = "member", state: str = "active"
    ) -> None:
        """Put ``login`` in ``org/team`` (``state="pending"`` for an unaccepted invite)."""
        self._user(login)
        self._teams.setdefault((org.lower(), team.lower()), {})[login.lower()] = (role, state)

    def add_label(
        self, repo: str, name: str, *, color: str = "ededed", description: str | None = None
    ) -> dict[str, Any]:
        """Create a repository label (no-op if it exists); returns its JSON."""
        return self._label_json(
            self._repo(repo), self._ensure_label(self._repo(repo), name, color, description)
        )

    def _ensure_label(
        self, repo: _Repo, name: str, color: str = "ededed", description: str | None = None
    ) -> _Label:
        name = name.strip()
        if not name:
            raise _validation("Label", "name", "missing_field")
        if len(name) > LABEL_NAME_LIMIT:
            raise _validation(
                "Label",
                "name",
                "custom",
                f"name is too long (maximum is {LABEL_NAME_LIMIT} characters)",
            )
        lbl = repo.labels.get(name.lower())
        if lbl is None:
            lbl = _Label(self._next("label"), name, color, description)
            repo.labels[name.lower()] = lbl
            self._touch()
        return lbl

    def _association(self, repo: _Repo, login: str) -> str:
        low = login.lower()
        if low == repo.owner.lower():
            return "OWNER"
        org = repo.owner.lower()
        if any(o == org and low in members for (o, _t), members in self._teams.items()):
            return "MEMBER"
        if low in repo.collaborators:
            return "COLLABORATOR"
        return "NONE"

    def add_issue(
        self,
        repo: str,
        *,
        title: str,
        body: str | None,
        user: str = "reporter",
        user_type: str = "User",
        author_association: str = "NONE",
        labels: Iterable[str] = (),
        created_at: datetime | None = None,
        state: str = "open",
        state_reason: str | None = None,
        closed_at: datetime | None = None,
        pull_request: bool = False,
        number: int | None = None,
        updated_at: datetime | None = None,
        closed_by: str | None = None,
        assignees: Iterable[str] = (),
    ) -> dict[str, Any]:
        """Put an issue on "GitHub" as if it had been filed; returns its REST JSON.

        Labels given here are recorded as ``labeled`` events by the author at creation
        time, which is what an issue form's ``labels:`` key produces. A closed issue gets
        a ``closed`` event at ``closed_at`` (default: creation time) by ``closed_by``.
        """
        if self._find_repo(repo) is None:
            self.add_repo(repo)
        r = self._repo(repo)
        if number is None:
            number = r.next_number
        elif number in r.issues:
            raise ValueError(f"{repo}#{number} already exists")
        r.next_number = max(r.next_number, number + 1)
        created = _aware(created_at) if created_at else self._now()
        author = self._user(user, user_type).login
        issue = _Issue(
            repo=r.full_name,
            number=number,
            id=self._next("issue"),
            title=title,
            body=body,
            user=author,
            author_association=author_association,
            labels=[],
            state=state,
            state_reason=state_reason,
            created_at=created,
            updated_at=created,
            closed_at=None,
            closed_by=None,
            pull_request=pull_request,
            via_app=author.lower() == self.bot_login.lower(),
        )
        r.issues[number] = issue
        for name in labels:
            lbl = self._ensure_label(r, name)
            if lbl not in issue.labels:
                issue.labels.append(lbl)
                self._record(issue, "labeled", author, created, label=lbl)
        for login in assignees:
            issue.assignees.append(self._user(login).login)
            self._record(issue, "assigned", author, created, assignee=login)
        if state == "closed":
            issue.closed_at = _aware(closed_at) if closed_at else created
            issue.state_reason = state_reason or "completed"
            issue.closed_by = closed_by or author
            self._record(
                issue, "closed", issue.closed_by, issue.closed_at, state_reason=issue.state_reason
            )
        issue.updated_at = _aware(updated_at) if updated_at else (issue.closed_at or created)
        self._touch()
        return self._issue_json(issue)

    def add_comment(
        self,
        repo: str,
        number: int,
        *,
        body: str,
        user: str = "someone",
        user_type: str = "User",
        author_association: str = "NONE",
        created_at: datetime | None = None,
    ) -> dict[str, Any]:
        """Add a comment as if ``user`` had written it; returns its REST JSON."""
        issue = self._issue(repo, number)
        when = _aware(created_at) if created_at else self._now()
        comment = self._new_comment(
            issue, body, self._user(user, user_type).login, author_association, when
        )
        issue.updated_at = max(issue.updated_at, when)
        return self._comment_json(comment)

    def add_event(
        self,
        repo: str,
        number: int,
        event: str,
        *,
        actor: str,
        label: str | None = None,
        assignee: str | None = None,
        state_reason: str | None = None,
        created_at: datetime | None = None,
        apply: bool = True,
    ) -> None:
        """Write issue history: ``labeled``/``unlabeled``/``closed``/``reopened``/``assigned``.

        With ``apply=True`` the issue's state changes too (the label is added, the issue
        closed...), so "a maintainer added X ten days ago" is one call. This is how SLA
        and digest tests build backlogs with real clocks.
        """
        issue = self._issue(repo, number)
        r = self._repo(repo)
        when = _aware(created_at) if created_at else self._now()
        lbl = self._ensure_label(r, label) if label else None
        actor = self._user(actor).login
        if apply:
            if event == "labeled" and lbl and lbl not in issue.labels:
                issue.labels.append(lbl)
            elif event == "unlabeled" and lbl and lbl in issue.labels:
                issue.labels.remove(lbl)
            elif event == "closed":
                issue.state, issue.closed_at, issue.closed_by = "closed", when, actor
                issue.state_reason = state_reason = state_reason or "completed"
            elif event == "reopened":
                issue.state, issue.closed_at, issue.state_reason = "open", None, "reopened"
            elif event == "assigned" and assignee and assignee not in issue.assignees:
                issue.assignees.append(self._user(assignee).login)
            elif event == "unassigned" and assignee in issue.assignees:
                issue.assignees.remove(assignee)
            issue.updated_at = max(issue.updated_at, when)
        self._record(
            issue, event, actor, when, label=lbl, assignee=assignee, state_reason=state_reason
        )
        self._touch()

    def delete_issue(self, repo: str, number: int) -> None:
        """Make the issue answer 410 Gone, as a deleted issue does."""
        self._issue(repo, number).deleted = True
        self._touch()

    def issue(self, repo: str, number: int) -> dict[str, Any]:
        """The issue's REST JSON (KeyError if absent); setting title/body/state writes through."""
        issue = self._issue(repo, number)
        return _LiveIssue(self, issue, self._issue_json(issue))

    def issue_payload(self, repo: str, number: int) -> dict[str, Any]:
        """The ``issue`` object of a webhook payload: the same shape as the REST JSON."""
        return self._issue_json(self._issue(repo, number))

    def repo_payload(self, repo: str) -> dict[str, Any]:
        """The ``repository`` object of a webhook payload."""
        return self._repo_json(self._repo(repo))

    def comments(self, repo: str, number: int) -> list[dict[str, Any]]:
        return [self._comment_json(c) for c in self._issue(repo, number).comments]

    def labels(self, repo: str, number: int) -> list[str]:
        return [lbl.name for lbl in self._issue(repo, number).labels]

    def events(self, repo: str, number: int) -> list[dict[str, Any]]:
        issue = self._issue(repo, number)
        return [self._event_json(issue, ev) for ev in issue.events]

    def reactions(
        self, repo: str, number: int, comment_id: int | None = None
    ) -> list[dict[str, Any]]:
        """Reactions on the issue, or on one of its comments."""
        if comment_id is not None:
            return [self._reaction_json(x) for x in self._comments[comment_id].reactions]
        return [self._reaction_json(x) for x in self._issue(repo, number).reactions]

    def _issue(self, repo: str, number: int) -> _Issue:
        issue = self._repo(repo).issues.get(number)
        if issue is None:
            raise KeyError(f"{repo}#{number}")
        return issue

    def _new_comment(
        self, issue: _Issue, body: str, login: str, association: str, when: datetime
    ) -> _Comment:
        comment = _Comment(
            id=self._next("comment"),
            seq=self._next("seq"),
            repo=issue.repo,
            number=issue.number,
            body=body,
            user=login,
            author_association=association,
            created_at=when,
            updated_at=when,
            via_app=login.lower() == self.bot_login.lower(),
        )
        issue.comments.append(comment)
        self._comments[comment.id] = comment
        self._touch()
        return comment

    def _record(
        self,
        issue: _Issue,
        event: str,
        actor: str,
        when: datetime,
        *,
        label: _Label | None = None,
        assignee: str | None = None,
        state_reason: str | None = None,
        rename: tuple[str, str] | None = None,
    ) -> None:
        issue.events.append(
            _Event(
                id=self._next("event"),
                seq=self._next("seq"),
                event=event,
                actor=actor,
                created_at=when,
                label=label,
                assignee=assignee,
                state_reason=state_reason,
                rename=rename,
                via_app=actor.lower() == self.bot_login.lower(),
            )
        )

    # -- call log ------------------------------------------------------------

    def writes(self) -> list[Call]:
        """State-changing calls (all outcomes), without token minting and GraphQL queries."""
        return [c for c in self.calls if c.is_write]

    def reset_calls(self) -> None:
        self.calls.clear()

    # -- fault injection -----------------------------------------------------

    def fail(
        self,
        method: str,
        path_pattern: str,
        *,
        status: int,
        times: int | None = 1,
        headers: Mapping[str, str] | None = None,
        body: Any = None,
    ) -> None:
        """Answer the next ``times`` matching requests (``None``: all) with ``status``.

        ``path_pattern`` is an fnmatch glob tried on both the raw and the decoded path;
        ``method`` may be ``"*"``. ``body`` defaults to ``{"message": <reason>}``; a ``str``
        body is sent as ``text/html`` (GitHub's 502 pages are HTML). Faults are checked
        before authentication and in the order they were added.
        """
        self._faults.append(
            _Fault(
                method,
                path_pattern,
                times,
                status,
                {k.lower(): v for k, v in (headers or {}).items()},
                body,
            )
        )

    def delay(
        self,
        method: str,
        path_pattern: str,
        seconds: float,
        times: int | None = 1,
        *,
        after: bool = False,
    ) -> None:
        """Hold matching requests for ``seconds``; ``after=True`` applies the change first
        and delays only the answer (the case where a client times out on a write that
        GitHub did perform)."""
        self._delays.append(_Fault(method, path_pattern, times, seconds=seconds, after=after))

    def fail_secondary_rate_limit(
        self,
        method: str,
        path_pattern: str,
        *,
        retry_after: int | None = 1,
        times: int | None = 1,
        status: int = 403,
    ) -> None:
        """A secondary-limit answer: 403 (or 429), remaining > 0, optional ``retry-after``.

        gidgethub raises ``BadRequest`` (not ``RateLimitExceeded``) and puts the headers
        on ``exc.headers``.
        """
        headers = {"retry-after": str(retry_after)} if retry_after is not None else {}
        body = {
            "message": SECONDARY_LIMIT_MESSAGE + "0000:FAKE:0000000:0000000:00000000.",
            "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits",
        }
        self.fail(method, path_pattern, status=status, times=times, headers=headers, body=body)

    def fail_primary_rate_limit(
        self,
        method: str,
        path_pattern: str,
        *,
        reset_in: int = 60,
        times: int | None = 1,
        status: int = 403,
    ) -> None:
        """A primary-limit answer: ``x-ratelimit-remaining: 0`` and a reset ``reset_in`` s
        after the fake's clock. gidgethub raises ``RateLimitExceeded`` for the 403."""
        reset = int(self._now().timestamp()) + reset_in
        headers = {
            "x-ratelimit-remaining": "0",
            "x-ratelimit-reset": str(reset),
            "x-ratelimit-limit": "5000",
            "x-ratelimit-used": "5000",
        }
        body = {
            "message": f"API rate limit exceeded for installation ID {self.installation_id}.",
            "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api",
        }
        self.fail(method, path_pattern, status=status, times=times, headers=headers, body=body)

    def clear_faults(self) -> None:
        self._faults.clear()
        self._delays.clear()

    # -- tokens, deliveries, webhooks ----------------------------------------

    def mint_token(self, *, expires_in: timedelta = timedelta(hours=1)) -> str:
        """An installation token for the bot, without the JWT dance."""
        token = "ghs_" + secrets.token_urlsafe(27).replace("-", "a").replace("_", "b")[:36]
        self._minted[token] = self._now() + expires_in
        return token

    def expire_tokens(self) -> None:
        """Make every minted installation token stale (the next use gets 401)."""
        stale = self._now() - timedelta(seconds=1)
        for token in self._minted:
            self._minted[token] = stale

    def add_delivery(
        self,
        guid: str,
        event: str,
        action: str | None,
        status_code: int,
        delivered_at: datetime | None = None,
        payload: Any = None,
        *,
        redelivery: bool = False,
        duration: float = 0.12,
        status: str | None = None,
    ) -> dict[str, Any]:
        """Record a webhook delivery attempt as GitHub's delivery log would show it."""
        if status is None:
            status = "OK" if 200 <= status_code < 300 else f"Invalid HTTP Response: {status_code}"
            if status_code == 0:
                status = "timed out"
        repo_id = None
        if isinstance(payload, dict) and isinstance(payload.get("repository"), dict):
            repo_id = payload["repository"].get("id")
        d = _Delivery(
            id=self._next("delivery"),
            guid=guid,
            event=event,
            action=action,
            status_code=status_code,
            status=status,
            delivered_at=_aware(delivered_at) if delivered_at else self._now(),
            redelivery=redelivery,
            duration=duration,
            payload=payload,
            installation_id=self.installation_id,
            repository_id=repo_id,
        )
        self._deliveries.append(d)
        return self._delivery_json(d)

    def deliveries(self) -> list[dict[str, Any]]:
        """Every recorded delivery attempt, newest first (as the API lists them)."""
        return [self._delivery_json(d) for d in self._sorted_deliveries()]

    def set_webhook(self, url: str, secret: str) -> None:
        """Where :meth:`send_webhook` and redeliveries POST, and the secret they sign with."""
        self._webhook = (url, secret)

    def webhook_payload(
        self,
        event: str,
        action: str,
        repo: str,
        number: int | None = None,
        *,
        sender: str | None = None,
        comment_id: int | None = None,
        label: str | None = None,
        changes: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """A webhook payload built from current state (``issues``/``issue_comment``...)."""
        r = self._repo(repo)
        payload: dict[str, Any] = {"action": action}
        default_sender = None
        if number is not None:
            issue = self._issue(repo, number)
            payload["issue"] = self._issue_json(issue)
            default_sender = issue.user
        if comment_id is not None:
            comment = self._comments[comment_id]
            payload["comment"] = self._comment_json(comment)
            default_sender = comment.user
        if label is not None:
            payload["label"] = self._label_json(r, self._ensure_label(r, label))
        if changes is not None:
            payload["changes"] = dict(changes)
        payload["repository"] = self._repo_json(r)
        payload["organization"] = {
            "login": r.owner,
            "id": self._user(r.owner, "Organization").id,
            "url": f"{self.api_url}/orgs/{r.owner}",
        }
        payload["sender"] = self._user_json(sender or default_sender or self.bot_login)
        payload["installation"] = {
            "id": self.installation_id,
            "node_id": _node_id("MDIz", self.installation_id),
        }
        return payload

    async def send_webhook(
        self,
        event: str,
        payload: Mapping[str, Any],
        *,
        guid: str | None = None,
        redelivery: bool = False,
    ) -> int:
        """POST a signed delivery to the :meth:`set_webhook` URL; record it; return the status.

        Connection errors and timeouts are recorded as status 0 (``timed out``), as GitHub
        shows a delivery it could not complete.
        """
        if self._webhook is None:
            raise RuntimeError("call set_webhook(url, secret) first")
        url, secret = self._webhook
        body = json.dumps(payload).encode()
        guid = guid or str(uuid.uuid4())
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "GitHub-Hookshot/fake",
            "X-GitHub-Event": event,
            "X-GitHub-Delivery": guid,
            "X-GitHub-Hook-ID": "1",
            "X-GitHub-Hook-Installation-Target-ID": str(self.app_id or 1),
            "X-GitHub-Hook-Installation-Target-Type": "integration",
            "X-Hub-Signature-256": webhook_signature(secret, body),
            "X-Hub-Signature": "sha1=" + hmac.new(secret.encode(), body, hashlib.sha1).hexdigest(),
        }
        if self._session is None:
            self._session = aiohttp.ClientSession()
        started = time.monotonic()
        text = ""
        try:
            async with self._session.post(
                url, data=body, headers=headers, timeout=aiohttp.ClientTimeout(total=10)
            ) as resp:
                status = resp.status
                text = await resp.text()
        except (aiohttp.ClientError, TimeoutError):
            status = 0
        action = payload.get("action") if isinstance(payload.get("action"), str) else None
        self.add_delivery(
            guid,
            event,
            action,
            status,
            payload=dict(payload),
            redelivery=redelivery,
            duration=round(time.monotonic() - started, 3),
        )
        self._deliveries[-1].request_headers = headers
        self._deliveries[-1].response_body = text
        return status

    # -- rate limits ---------------------------------------------------------

    def _bucket(self, resource: str) -> _Bucket:
        bucket = self._buckets[resource]
        now = int(self._now().timestamp())
        if not bucket.reset or now >= bucket.reset:
            bucket.used, bucket.reset = 0, now + bucket.window
        return bucket

    def set_rate_limit(
        self, resource: str = "core", *, remaining: int, reset_in: int = 3600
    ) -> None:
        """Make a bucket show ``remaining`` (e.g. to test a client that slows down)."""
        bucket = self._buckets[resource]
        bucket.used = max(bucket.limit - remaining, 0)
        bucket.reset = int(self._now().timestamp()) + reset_in

    def _rate_headers(self, resource: str, charge: bool, points: int = 1) -> dict[str, str]:
        bucket = self._bucket(resource)
        if charge:
            if bucket.used >= bucket.limit and not self.enforce_rate_limits:
                bucket.used, bucket.reset = 0, int(self._now().timestamp()) + bucket.window
            bucket.used += points
        return {
            "x-ratelimit-limit": str(bucket.limit),
            "x-ratelimit-remaining": str(max(bucket.limit - bucket.used, 0)),
            "x-ratelimit-reset": str(bucket.reset),
            "x-ratelimit-used": str(bucket.used),
            "x-ratelimit-resource": resource,
        }

    # -- request handling ----------------------------------------------------

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            return await self._process(request)
        finally:
            self.in_flight -= 1

    async def _process(self, request: web.Request) -> web.StreamResponse:
        arrived = time.monotonic()
        method = request.method.upper()
        raw_path, _, qs = request.raw_path.partition("?")
        query = dict(parse_qsl(qs, keep_blank_values=True))
        decoded = unquote(raw_path)
        raw_body = await request.read()
        headers = {k.lower(): v for k, v in request.headers.items()}
        resource = (
            "search"
            if raw_path.startswith("/search/")
            else ("graphql" if raw_path == "/graphql" else "core")
        )
        login: str | None = None
        body_json: Any = None
        parse_error = False
        if raw_body:
            try:
                body_json = json.loads(raw_body)
            except ValueError:
                parse_error = True
                body_json = raw_body.decode("utf-8", "replace")

        delay_after = 0.0
        for d in self._delays:
            if d.matches(method, raw_path, decoded):
                d.consume()
                if d.after:
                    delay_after += d.seconds
                else:
                    await asyncio.sleep(d.seconds)
                break

        resp: _Resp
        charge = True
        fault = next((f for f in self._faults if f.matches(method, raw_path, decoded)), None)
        if fault is not None:
            fault.consume()
            body = fault.body
            if body is None:
                body = {"message": _reason(fault.status), "documentation_url": DOCS}
            hdrs = self._rate_headers(resource, charge=False)
            hdrs.update(fault.headers)
            resp = _Resp(fault.status, body, hdrs)
        else:
            try:
                if parse_error:
                    raise _HTTPError(400, "Problems parsing JSON")
                login, kind = self._authenticate(headers.get("authorization"), method, raw_path)
                route = self._route(method, raw_path)
                if route is None:
                    raise _not_found()
                handler, params = route
                if raw_path == "/rate_limit":
                    charge = False
                bucket = self._bucket(resource)
                if self.enforce_rate_limits and bucket.used >= bucket.limit:
                    raise _HTTPError(
                        403,
                        f"API rate limit exceeded for installation ID {self.installation_id}.",
                    )
                ctx = _Ctx(method, raw_path, query, body_json, login, kind, headers)
                result = handler(ctx, **params)
                if asyncio.iscoroutine(result):
                    result = await result
                resp = result
            except _HTTPError as exc:
                resp = _Resp(exc.status, exc.body, exc.headers)
            except KeyError:
                resp = _Resp(404, {"message": "Not Found", "documentation_url": DOCS})
            resp.headers = {**self._rate_headers(resource, charge=False), **resp.headers}

        payload = b""
        content_type = "application/json; charset=utf-8"
        if resp.body is not None and resp.status not in (204, 304):
            if isinstance(resp.body, (bytes, str)):
                payload = resp.body.encode() if isinstance(resp.body, str) else resp.body
                content_type = "text/html; charset=utf-8"
            else:
                payload = json.dumps(resp.body).encode()
        status = resp.status
        if method == "GET" and status == 200 and fault is None:
            etag = 'W/"' + hashlib.sha256(payload).hexdigest()[:40] + '"'
            resp.headers["etag"] = etag
            wanted = {t.strip() for t in headers.get("if-none-match", "").split(",")}
            if etag in wanted or etag.removeprefix("W/") in wanted:
                status, payload, charge = 304, b"", False
        if fault is None:
            # Charge after the fact: a 304 is free, as on GitHub.
            resp.headers.update(self._rate_headers(resource, charge=charge, points=resp.points))
        out_headers = {
            "x-github-request-id": f"FAKE:{self._next('request'):08X}",
            "x-github-media-type": "github.v3; format=json",
            "x-github-api-version-selected": "2022-11-28",
            **resp.headers,
        }
        if payload or status not in (204, 304):
            out_headers.setdefault("content-type", content_type)
        self.calls.append(
            Call(
                method=method,
                path=raw_path,
                query=query,
                json=body_json,
                status=status,
                headers=headers,
                login=login,
                response=resp.body if status not in (204, 304) else None,
                at=arrived,
            )
        )
        if delay_after:
            await asyncio.sleep(delay_after)
        response = web.Response(status=status, body=payload or None)
        for key, value in out_headers.items():
            if key == "content-type":
                response.headers["Content-Type"] = value
            else:
                response.headers[key] = value
        return response

    def _authenticate(self, header: str | None, method: str, path: str) -> tuple[str | None, str]:
        app_route = (
            path == "/app"
            or path.startswith("/app/")
            or (
                method == "GET"
                and re.fullmatch(r"/repos/[^/]+/[^/]+/installation", path) is not None
            )
        )
        if not header:
            raise _HTTPError(401, "Requires authentication")
        scheme, _, cred = header.strip().partition(" ")
        cred = cred.strip()
        if scheme.lower() not in ("token", "bearer") or not cred:
            raise _HTTPError(401, "Bad credentials")
        is_jwt = False
        if cred.count(".") == 2:
            try:
                pyjwt.get_unverified_header(cred)
                is_jwt = True
            except pyjwt.PyJWTError:
                is_jwt = False
        if app_route:
            if not is_jwt:
                raise _HTTPError(401, "A JSON web token could not be decoded")
            self._verify_jwt(cred)
            return self.app_slug, "app"
        if is_jwt:
            raise _HTTPError(403, "Resource not accessible by integration")
        expiry = self._minted.get(cred)
        if expiry is not None:
            if self._now() >= expiry:
                raise _HTTPError(401, "Bad credentials")
            return self.bot_login, "installation"
        if self.tokens is None:
            return self.bot_login, "token"
        login = self.tokens.get(cred)
        if login is None:
            raise _HTTPError(401, "Bad credentials")
        return login, "token"

    def _verify_jwt(self, token: str) -> None:
        if self.app_public_key is None:
            return
        try:
            claims = pyjwt.decode(
                token,
                self.app_public_key,
                algorithms=["RS256"],
                options={"require": ["exp", "iat", "iss"]},
                leeway=30,
            )
        except pyjwt.ExpiredSignatureError as exc:
            raise _HTTPError(
                401,
                "'Expiration time' claim ('exp') must be a numeric value representing the "
                "future time at which the assertion expires",
            ) from exc
        except pyjwt.PyJWTError as exc:
            raise _HTTPError(401, "A JSON web token could not be decoded") from exc
        if claims["exp"] - time.time() > 600 + 30:
            raise _HTTPError(401, "'Expiration time' claim ('exp') is too far in the future")
        if self.app_id is not None and str(claims["iss"]) != str(self.app_id):
            raise _HTTPError(401, "A JSON web token could not be decoded")

    # -- routing -------------------------------------------------------------

    def _build_routes(self) -> list[tuple[str, re.Pattern[str], _Handler]]:
        R = "/repos/{owner}/{name}"
        table: list[tuple[str, str, _Handler]] = [
            ("GET", "/app", self._get_app),
            ("POST", "/app/installations/{iid}/access_tokens", self._mint),
            ("GET", "/app/hook/deliveries", self._list_deliveries),
            ("POST", "/app/hook/deliveries/{did}/attempts", self._redeliver),
            ("GET", R + "/installation", self._repo_installation),
            ("GET", "/user", self._get_user),
            ("GET", "/rate_limit", self._get_rate_limit),
            ("GET", "/search/issues", self._search_issues),
            ("POST", "/graphql", self._graphql),
            ("GET", "/orgs/{org}/teams/{team}/memberships/{login}", self._team_membership),
            ("GET", R, self._get_repo),
            ("GET", R + "/collaborators/{login}/permission", self._permission),
            ("GET", R + "/labels", self._list_repo_labels),
            ("GET", R + "/issues", self._list_issues),
            ("POST", R + "/issues", self._create_issue),
            ("PATCH", R + "/issues/comments/{cid}", self._edit_comment),
            ("DELETE", R + "/issues/comments/{cid}", self._delete_comment),
            ("POST", R + "/issues/comments/{cid}/reactions", self._react_comment),
            ("GET", R + "/issues/{number}", self._get_issue),
            ("PATCH", R + "/issues/{number}", self._patch_issue),
            ("GET", R + "/issues/{number}/comments", self._list_comments),
            ("POST", R + "/issues/{number}/comments", self._create_comment),
            ("POST", R + "/issues/{number}/labels", self._add_issue_labels),
            ("DELETE", R + "/issues/{number}/labels/{label}", self._remove_issue_label),
            ("GET", R + "/issues/{number}/events", self._list_events),
            ("GET", R + "/issues/{number}/timeline", self._list_timeline),
            ("POST", R + "/issues/{number}/reactions", self._react_issue),
            ("POST", R + "/issues/{number}/assignees", self._add_assignees),
            ("DELETE", R + "/issues/{number}/assignees", self._remove_assignees),
        ]
        routes = []
        for method, template, handler in table:
            pattern = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template)
            routes.append((method, re.compile(pattern + "/?"), handler))
        return routes

    def _route(self, method: str, raw_path: str) -> tuple[_Handler, dict[str, str]] | None:
        for m, pattern, handler in self._routes:
            if m != method:
                continue
            match = pattern.fullmatch(raw_path)
            if match:
                return handler, {k: unquote(v) for k, v in match.groupdict().items()}
        return None

    # -- JSON shapes ---------------------------------------------------------

    def _user_json(self, login: str) -> dict[str, Any]:
        user = self._user(login)
        html = (
            f"https://github.com/apps/{user.login.removesuffix('[bot]')}"
            if user.type == "Bot"
            else f"https://github.com/{user.login}"
        )
        return {
            "login": user.login,
            "id": user.id,
            "node_id": _node_id("U", user.id),
            "avatar_url": f"https://avatars.githubusercontent.com/u/{user.id}?v=4",
            "gravatar_id": "",
            "url": f"{self.api_url}/users/{user.login}",
            "html_url": html,
            "type": user.type,
            "user_view_type": "public",
            "site_admin": False,
        }

    def _app_json(self) -> dict[str, Any]:
        return {
            "id": int(self.app_id) if self.app_id and str(self.app_id).isdigit() else 1,
            "slug": self.app_slug,
            "node_id": _node_id("A", 1),
            "name": self.app_slug,
            "owner": self._user_json(next(iter(self._repos.values())).owner)
            if self._repos
            else None,
            "description": "Triages PyPI account-recovery requests",
            "external_url": "https://github.com/pypi/support",
            "html_url": f"https://github.com/apps/{self.app_slug}",
            "permissions": {"issues": "write", "metadata": "read", "members": "read"},
            "events": ["issues", "issue_comment"],
            "installations_count": 1,
        }

    def _repo_json(self, repo: _Repo) -> dict[str, Any]:
        owner, _, short = repo.full_name.partition("/")
        api = f"{self.api_url}/repos/{repo.full_name}"
        return {
            "id": repo.id,
            "node_id": _node_id("R", repo.id),
            "name": short,
            "full_name": repo.full_name,
            "private": False,
            "owner": {**self._user_json(owner), "type": "Organization"},
            "html_url": f"https://github.com/{repo.full_name}",
            "url": api,
            "issues_url": api + "/issues{/number}",
            "labels_url": api + "/labels{/name}",
            "has_issues": True,
            "archived": False,
            "open_issues_count": sum(1 for i in repo.issues.values() if i.state == "open"),
            "default_branch": "main",
            "visibility": "public",
        }

    def _label_json(self, repo: _Repo, lbl: _Label) -> dict[str, Any]:
        return {
            "id": lbl.id,
            "node_id": _node_id("LA", lbl.id),
            "url": f"{self.api_url}/repos/{repo.full_name}/labels/{lbl.name}",
            "name": lbl.name,
            "color": lbl.color,
            "default": False,
            "description": lbl.description,
        }

    def _reactions_summary(self, url: str, reactions: list[_Reaction]) -> dict[str, Any]:
        summary: dict[str, Any] = {"url": url, "total_count": len(reactions)}
        for content in REACTIONS:
            summary[content] = sum(1 for x in reactions if x.content == content)
        return summary

    def _issue_json(self, issue: _Issue) -> dict[str, Any]:
        repo = self._repos[issue.repo.lower()]
        api = f"{self.api_url}/repos/{issue.repo}/issues/{issue.number}"
        kind = "pull" if issue.pull_request else "issues"
        data: dict[str, Any] = {
            "url": api,
            "repository_url": f"{self.api_url}/repos/{issue.repo}",
            "labels_url": api + "/labels{/name}",
            "comments_url": api + "/comments",
            "events_url": api + "/events",
            "html_url": f"https://github.com/{issue.repo}/{kind}/{issue.number}",
            "id": issue.id,
            "node_id": _node_id("I", issue.id),
            "number": issue.number,
            "title": issue.title,
            "user": self._user_json(issue.user),
            "labels": [self._label_json(repo, lbl) for lbl in issue.labels],
            "state": issue.state,
            "locked": issue.locked,
            "assignee": self._user_json(issue.assignees[0]) if issue.assignees else None,
            "assignees": [self._user_json(a) for a in issue.assignees],
            "milestone": None,
            "comments": len(issue.comments),
            "created_at": _iso(issue.created_at),
            "updated_at": _iso(issue.updated_at),
            "closed_at": _iso(issue.closed_at),
            "closed_by": self._user_json(issue.closed_by) if issue.closed_by else None,
            "author_association": issue.author_association,
            "active_lock_reason": None,
            "body": issue.body,
            "reactions": self._reactions_summary(api + "/reactions", issue.reactions),
            "timeline_url": api + "/timeline",
            "performed_via_github_app": self._app_json() if issue.via_app else None,
            "state_reason": issue.state_reason,
        }
        if issue.pull_request:
            pr = f"{self.api_url}/repos/{issue.repo}/pulls/{issue.number}"
            data["draft"] = False
            data["pull_request"] = {
                "url": pr,
                "html_url": data["html_url"],
                "diff_url": data["html_url"] + ".diff",
                "patch_url": data["html_url"] + ".patch",
                "merged_at": None,
            }
        return data

    def _comment_json(self, c: _Comment) -> dict[str, Any]:
        api = f"{self.api_url}/repos/{c.repo}/issues/comments/{c.id}"
        return {
            "url": api,
            "html_url": f"https://github.com/{c.repo}/issues/{c.number}#issuecomment-{c.id}",
            "issue_url": f"{self.api_url}/repos/{c.repo}/issues/{c.number}",
            "id": c.id,
            "node_id": _node_id("IC", c.id),
            "user": self._user_json(c.user),
            "created_at": _iso(c.created_at),
            "updated_at": _iso(c.updated_at),
            "author_association": c.author_association,
            "body": c.body,
            "reactions": self._reactions_summary(api + "/reactions", c.reactions),
            "performed_via_github_app": self._app_json() if c.via_app else None,
        }

    def _event_json(self, issue: _Issue, ev: _Event) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": ev.id,
            "node_id": _node_id("E", ev.id),
            "url": f"{self.api_url}/repos/{issue.repo}/issues/events/{ev.id}",
            "actor": self._user_json(ev.actor),
            "event": ev.event,
            "commit_id": None,
            "commit_url": None,
            "created_at": _iso(ev.created_at),
            "performed_via_github_app": self._app_json() if ev.via_app else None,
        }
        if ev.label is not None:
            data["label"] = {"name": ev.label.name, "color": ev.label.color}
        if ev.assignee is not None:
            data["assignee"] = self._user_json(ev.assignee)
            data["assigner"] = self._user_json(ev.actor)
        if ev.event == "closed":
            data["state_reason"] = ev.state_reason
        if ev.rename is not None:
            data["rename"] = {"from": ev.rename[0], "to": ev.rename[1]}
        return data

    def _reaction_json(self, x: _Reaction) -> dict[str, Any]:
        return {
            "id": x.id,
            "node_id": _node_id("REA", x.id),
            "user": self._user_json(x.user),
            "content": x.content,
            "created_at": _iso(x.created_at),
        }

    def _delivery_json(self, d: _Delivery) -> dict[str, Any]:
        return {
            "id": d.id,
            "guid": d.guid,
            "delivered_at": _iso(d.delivered_at),
            "redelivery": d.redelivery,
            "duration": d.duration,
            "status": d.status,
            "status_code": d.status_code,
            "event": d.event,
            "action": d.action,
            "installation_id": d.installation_id,
            "repository_id": d.repository_id,
            "throttled_at": None,
        }

    # -- pagination ----------------------------------------------------------

    @staticmethod
    def _int(query: Mapping[str, str], key: str, default: int) -> int:
        try:
            return int(query.get(key, default))
        except (TypeError, ValueError):
            return default

    def _paginate(
        self, ctx: _Ctx, items: Sequence[Any], *, cap: int | None = None
    ) -> tuple[Sequence[Any], dict[str, str]]:
        """Slice one page and build GitHub's ``Link`` header (next/last/first/prev)."""
        per_page = min(max(self._int(ctx.query, "per_page", 30), 1), 100)
        page = max(self._int(ctx.query, "page", 1), 1)
        total = len(items) if cap is None else min(len(items), cap)
        last = max((total + per_page - 1) // per_page, 1)
        chunk = items[(page - 1) * per_page : min(page * per_page, total)]

        def link(p: int) -> str:
            q = {**ctx.query, "page": str(p)}
            return f"<{self.url}{ctx.raw_path}?{urlencode(q)}>"

        rels = []
        if page < last:
            rels += [f'{link(page + 1)}; rel="next"', f'{link(last)}; rel="last"']
        if page > 1:
            rels += [f'{link(page - 1)}; rel="prev"', f'{link(1)}; rel="first"']
        return chunk, ({"link": ", ".join(rels)} if rels else {})

    def _cached(self, key: tuple[Any, ...], compute: Callable[[], list[_Issue]]) -> list[_Issue]:
        """Filtered lists keyed by state version: paging through 10,000 issues stays O(n)."""
        if self._cache_version != self._version:
            self._list_cache.clear()
            self._cache_version = self._version
        hit = self._list_cache.get(key)
        if hit is None:
            hit = self._list_cache[key] = compute()
        return hit

    # -- handlers: app & users ------------------------------------------------

    def _get_app(self, ctx: _Ctx) -> _Resp:
        return _Resp(200, self._app_json())

    def _installation_json(self) -> dict[str, Any]:
        owner = next(iter(self._repos.values())).owner if self._repos else "pypi"
        return {
            "id": self.installation_id,
            "account": {**self._user_json(owner), "type": "Organization"},
            "app_id": self._app_json()["id"],
            "app_slug": self.app_slug,
            "target_type": "Organization",
            "repository_selection": "all",
            "permissions": self._app_json()["permissions"],
            "events": self._app_json()["events"],
            "suspended_at": None,
        }

    def _repo_installation(self, ctx: _Ctx, owner: str, name: str) -> _Resp:
        self._repo(f"{owner}/{name}")
        return _Resp(200, self._installation_json())

    def _mint(self, ctx: _Ctx, iid: str) -> _Resp:
        token = self.mint_token()
        return _Resp(
            201,
            {
                "token": token,
                "expires_at": _iso(self._minted[token]),
                "permissions": {"issues": "write", "metadata": "read", "members": "read"},
                "repository_selection": "all",
            },
        )

    def _get_user(self, ctx: _Ctx) -> _Resp:
        assert ctx.login is not None
        return _Resp(200, self._user_json(ctx.login))

    def _get_rate_limit(self, ctx: _Ctx) -> _Resp:
        resources = {}
        for name in self._buckets:
            b = self._bucket(name)
            resources[name] = {
                "limit": b.limit,
                "used": b.used,
                "remaining": max(b.limit - b.used, 0),
                "reset": b.reset,
            }
        return _Resp(200, {"resources": resources, "rate": resources["core"]})

    def _team_membership(self, ctx: _Ctx, org: str, team: str, login: str) -> _Resp:
        member = self._teams.get((org.lower(), team.lower()), {}).get(login.lower())
        if member is None:
            raise _not_found()
        role, state = member
        return _Resp(
            200,
            {
                "url": f"{self.api_url}/orgs/{org}/teams/{team}/memberships/{login}",
                "role": role,
                "state": state,
            },
        )

    # -- handlers: repos, collaborators, labels ------------------------------

    def _get_repo(self, ctx: _Ctx, owner: str, name: str) -> _Resp:
        return _Resp(200, self._repo_json(self._repo(f"{owner}/{name}")))

    def _permission(self, ctx: _Ctx, owner: str, name: str, login: str) -> _Resp:
        repo = self._repo(f"{owner}/{name}")
        if login.lower() not in self._users:
            raise _not_found()
        role = repo.collaborators.get(login.lower(), "read")
        permission = {"maintain": "write", "triage": "read"}.get(role, role)
        rank = PERMISSIONS.index(role)
        perms = {
            "admin": rank <= 0,
            "maintain": rank <= 1,
            "push": rank <= 2,
            "triage": rank <= 3,
            "pull": True,
        }
        return _Resp(
            200,
            {
                "permission": permission,
                "role_name": role,
                "user": {**self._user_json(login), "permissions": perms, "role_name": role},
            },
        )

    def _list_repo_labels(self, ctx: _Ctx, owner: str, name: str) -> _Resp:
        repo = self._repo(f"{owner}/{name}")
        items = [self._label_json(repo, lbl) for lbl in repo.labels.values()]
        page, link = self._paginate(ctx, items)
        return _Resp(200, list(page), link)

    # -- handlers: issues ----------------------------------------------------

    def _issue_for(self, owner: str, name: str, number: str) -> _Issue:
        repo = self._repo(f"{owner}/{name}")
        if not number.isdigit():
            raise _not_found()
        issue = repo.issues.get(int(number))
        if issue is None:
            raise _not_found()
        if issue.deleted:
            raise _HTTPError(410, "This issue was deleted")
        return issue

    def _get_issue(self, ctx: _Ctx, owner: str, name: str, number: str) -> _Resp:
        return _Resp(200, self._issue_json(self._issue_for(owner, name, number)))

    def _list_issues(self, ctx: _Ctx, owner: str, name: str) -> _Resp:
        repo = self._repo(f"{owner}/{name}")
        q = ctx.query
        state = q.get("state", "open")
        if state not in ("open", "closed", "all"):
            raise _validation("Issue", "state", "invalid")
        wanted = [w.strip().lower() for w in q.get("labels", "").split(",") if w.strip()]
        since = None
        if q.get("since"):
            try:
                since = _parse_time(q["since"])
            except ValueError as exc:
                raise _validation("Issue", "since", "invalid") from exc
        creator = q.get("creator", "").lower()
        assignee = q.get("assignee", "")
        sort, direction = q.get("sort", "created"), q.get("direction", "desc")

        def compute() -> list[_Issue]:
            out = []
            for issue in repo.issues.values():
                if issue.deleted or (state != "all" and issue.state != state):
                    continue
                if since is not None and issue.updated_at < since:
                    continue
                if creator and issue.user.lower() != creator:
                    continue
                if assignee == "none" and issue.assignees:
                    continue
                if assignee == "*" and not issue.assignees:
                    continue
                if assignee not in ("", "none", "*") and assignee.lower() not in {
                    a.lower() for a in issue.assignees
                }:
                    continue
                if wanted and not all(issue.has_label(w) for w in wanted):
                    continue
                out.append(issue)
            return _sort_issues(out, sort, direction)

        key = (
            "issues",
            repo.full_name,
            state,
            tuple(wanted),
            since,
            creator,
            assignee,
            sort,
            direction,
        )
        items = self._cached(key, compute)
        page, link = self._paginate(ctx, items)
        return _Resp(200, [self._issue_json(i) for i in page], link)

    def _check_body(self, body: Any, resource: str) -> None:
        if body is not None and not isinstance(body, str):
            raise _validation(resource, "body", "invalid")
        if body is not None and len(body) > BODY_LIMIT:
            raise _body_too_long(resource)

    @staticmethod
    def _names(raw: Any) -> list[str]:
        """Label lists arrive as strings, ``{"name": ...}`` objects, or a single string."""
        if isinstance(raw, str):
            raw = [raw]
        if not isinstance(raw, list):
            raise _validation("Label", "labels", "invalid")
        out = []
        for item in raw:
            if isinstance(item, dict):
                item = item.get("name")
            if not isinstance(item, str):
                raise _validation("Label", "labels", "invalid")
            out.append(item)
        return out

    def _create_issue(self, ctx: _Ctx, owner: str, name: str) -> _Resp:
        repo = self._repo(f"{owner}/{name}")
        data = ctx.json if isinstance(ctx.json, dict) else {}
        title = data.get("title")
        if not isinstance(title, str) or not title.strip():
            raise _validation("Issue", "title", "missing_field")
        self._check_body(data.get("body"), "Issue")
        labels = self._names(data.get("labels", []))
        for label in labels:
            self._ensure_label(repo, label)
        assert ctx.login is not None
        created = self.add_issue(
            repo.full_name,
            title=title,
            body=data.get("body"),
            user=ctx.login,
            user_type="Bot" if ctx.login.lower() == self.bot_login.lower() else "User",
            author_association=self._association(repo, ctx.login),
            labels=labels,
        )
        issue = repo.issues[created["number"]]
        for login in self._assignable(repo, data.get("assignees") or []):
            issue.assignees.append(login)
            self._record(issue, "assigned", ctx.login, self._now(), assignee=login)
        return _Resp(201, self._issue_json(issue))

    def _assignable(self, repo: _Repo, logins: Iterable[Any]) -> list[str]:
        """GitHub silently drops assignees who lack access to the repository."""
        return [
            self._user(str(login)).login
            for login in logins
            if str(login).lower() in repo.collaborators
        ]

    def _patch_issue(self, ctx: _Ctx, owner: str, name: str, number: str) -> _Resp:
        issue = self._issue_for(owner, name, number)
        repo = self._repos[issue.repo.lower()]
        data = ctx.json if isinstance(ctx.json, dict) else {}
        actor = ctx.login or "ghost"
        now = self._now()
        if "title" in data:
            if not isinstance(data["title"], str) or not data["title"].strip():
                raise _validation("Issue", "title", "missing_field")
        if "body" in data:
            self._check_body(data["body"], "Issue")
        state = data.get("state")
        if state is not None and state not in ("open", "closed"):
            raise _validation("Issue", "state", "invalid")
        reason = data.get("state_reason")
        if reason is not None and reason not in STATE_REASONS:
            raise _validation("Issue", "state_reason", "invalid")
        labels = self._names(data["labels"]) if data.get("labels") is not None else None
        if labels is not None:
            new = [self._ensure_label(repo, n) for n in labels]
            self._replace_labels(issue, new, actor, now)
        if "title" in data and data["title"] != issue.title:
            self._record(issue, "renamed", actor, now, rename=(issue.title, data["title"]))
            issue.title = data["title"]
        if "body" in data:
            issue.body = data["body"]
        if "assignees" in data or "assignee" in data:
            raw = data.get("assignees")
            if raw is None:
                raw = [data["assignee"]] if data.get("assignee") else []
            self._replace_assignees(issue, self._assignable(repo, raw), actor, now)
        if state == "closed" and issue.state != "closed":
            issue.state, issue.closed_at, issue.closed_by = "closed", now, actor
            issue.state_reason = reason if reason not in (None, "reopened") else "completed"
            self._record(issue, "closed", actor, now, state_reason=issue.state_reason)
        elif state == "open" and issue.state == "closed":
            issue.state, issue.closed_at, issue.closed_by = "open", None, None
            issue.state_reason = "reopened"
            self._record(issue, "reopened", actor, now)
        elif reason is not None and state is None and issue.state == "closed":
            issue.state_reason = reason
        issue.updated_at = now
        self._touch()
        return _Resp(200, self._issue_json(issue))

    def _replace_labels(self, issue: _Issue, new: list[_Label], actor: str, now: datetime) -> None:
        for lbl in list(issue.labels):
            if lbl not in new:
                issue.labels.remove(lbl)
                self._record(issue, "unlabeled", actor, now, label=lbl)
        for lbl in new:
            if lbl not in issue.labels:
                issue.labels.append(lbl)
                self._record(issue, "labeled", actor, now, label=lbl)

    def _replace_assignees(self, issue: _Issue, new: list[str], actor: str, now: datetime) -> None:
        for login in list(issue.assignees):
            if login not in new:
                issue.assignees.remove(login)
                self._record(issue, "unassigned", actor, now, assignee=login)
        for login in new:
            if login not in issue.assignees:
                issue.assignees.append(login)
                self._record(issue, "assigned", actor, now, assignee=login)

    # -- handlers: comments --------------------------------------------------

    def _list_comments(self, ctx: _Ctx, owner: str, name: str, number: str) -> _Resp:
        issue = self._issue_for(owner, name, number)
        items: Sequence[_Comment] = issue.comments
        if ctx.query.get("since"):
            since = _parse_time(ctx.query["since"])
            items = [c for c in items if c.updated_at >= since]
        page, link = self._paginate(ctx, items)
        return _Resp(200, [self._comment_json(c) for c in page], link)

    def _create_comment(self, ctx: _Ctx, owner: str, name: str, number: str) -> _Resp:
        issue = self._issue_for(owner, name, number)
        data = ctx.json if isinstance(ctx.json, dict) else {}
        body = data.get("body")
        if not isinstance(body, str) or not body:
            raise _validation("IssueComment", "body", "missing_field")
        self._check_body(body, "IssueComment")
        assert ctx.login is not None
        repo = self._repos[issue.repo.lower()]
        now = self._now()
        comment = self._new_comment(issue, body, ctx.login, self._association(repo, ctx.login), now)
        issue.updated_at = now
        return _Resp(201, self._comment_json(comment))

    def _comment_for(self, owner: str, name: str, cid: str) -> _Comment:
        repo = self._repo(f"{owner}/{name}")
        comment = self._comments.get(int(cid)) if cid.isdigit() else None
        if comment is None or comment.repo != repo.full_name:
            raise _not_found()
        return comment

    def _edit_comment(self, ctx: _Ctx, owner: str, name: str, cid: str) -> _Resp:
        comment = self._comment_for(owner, name, cid)
        data = ctx.json if isinstance(ctx.json, dict) else {}
        body = data.get("body")
        if not isinstance(body, str) or not body:
            raise _validation("IssueComment", "body", "missing_field")
        self._check_body(body, "IssueComment")
        comment.body = body
        comment.updated_at = self._now()
        issue = self._repos[comment.repo.lower()].issues[comment.number]
        issue.updated_at = comment.updated_at
        self._touch()
        return _Resp(200, self._comment_json(comment))

    def _delete_comment(self, ctx: _Ctx, owner: str, name: str, cid: str) -> _Resp:
        comment = self._comment_for(owner, name, cid)
        issue = self._repos[comment.repo.lower()].issues[comment.number]
        issue.comments.remove(comment)
        del self._comments[comment.id]
        self._touch()
        return _Resp(204, None)

    # -- handlers: labels on issues ------------------------------------------

    def _labels_resp(self, issue: _Issue) -> _Resp:
        repo = self._repos[issue.repo.lower()]
        return _Resp(200, [self._label_json(repo, lbl) for lbl in issue.labels])

    def _label_body(self, ctx: _Ctx) -> list[str]:
        raw = ctx.json
        if isinstance(raw, dict):
            raw = raw.get("labels")
        if raw is None:
            raise _validation("Label", "labels", "missing_field")
        return self._names(raw)

    def _add_issue_labels(self, ctx: _Ctx, owner: str, name: str, number: str) -> _Resp:
        issue = self._issue_for(owner, name, number)
        repo = self._repos[issue.repo.lower()]
        new = [self._ensure_label(repo, n) for n in self._label_body(ctx)]
        now = self._now()
        for lbl in new:
            if lbl not in issue.labels:
                issue.labels.append(lbl)
                self._record(issue, "labeled", ctx.login or "ghost", now, label=lbl)
                issue.updated_at = now
        self._touch()
        return self._labels_resp(issue)

    def _remove_issue_label(
        self, ctx: _Ctx, owner: str, name: str, number: str, label: str
    ) -> _Resp:
        issue = self._issue_for(owner, name, number)
        found = next((lbl for lbl in issue.labels if lbl.name.lower() == label.lower()), None)
        if found is None:
            raise _HTTPError(404, "Label does not exist")
        now = self._now()
        issue.labels.remove(found)
        self._record(issue, "unlabeled", ctx.login or "ghost", now, label=found)
        issue.updated_at = now
        self._touch()
        return self._labels_resp(issue)

    # -- handlers: events ----------------------------------------------------

    def _list_events(self, ctx: _Ctx, owner: str, name: str, number: str) -> _Resp:
        issue = self._issue_for(owner, name, number)
        items = sorted(issue.events, key=lambda e: (e.created_at, e.seq))
        page, link = self._paginate(ctx, items)
        return _Resp(200, [self._event_json(issue, ev) for ev in page], link)

    def _list_timeline(self, ctx: _Ctx, owner: str, name: str, number: str) -> _Resp:
        issue = self._issue_for(owner, name, number)
        merged: list[tuple[datetime, int, Any]] = [(e.created_at, e.seq, e) for e in issue.events]
        merged += [(c.created_at, c.seq, c) for c in issue.comments]
        merged.sort(key=lambda t: (t[0], t[1]))
        page, link = self._paginate(ctx, [item for _when, _seq, item in merged])
        out = []
        for item in page:
            if isinstance(item, _Event):
                out.append(self._event_json(issue, item))
            else:
                c = self._comment_json(item)
                out.append({**c, "event": "commented", "actor": c["user"]})
        return _Resp(200, out, link)

    # -- handlers: reactions -------------------------------------------------

    def _react(self, ctx: _Ctx, target: list[_Reaction]) -> _Resp:
        data = ctx.json if isinstance(ctx.json, dict) else {}
        content = data.get("content")
        if content not in REACTIONS:
            raise _validation(
                "Reaction", "content", "custom", "content is not included in the list"
            )
        assert ctx.login is not None
        for existing in target:
            if existing.user.lower() == ctx.login.lower() and existing.content == content:
                return _Resp(200, self._reaction_json(existing))
        reaction = _Reaction(self._next("reaction"), ctx.login, content, self._now())
        target.append(reaction)
        self._touch()
        return _Resp(201, self._reaction_json(reaction))

    def _react_comment(self, ctx: _Ctx, owner: str, name: str, cid: str) -> _Resp:
        return self._react(ctx, self._comment_for(owner, name, cid).reactions)

    def _react_issue(self, ctx: _Ctx, owner: str, name: str, number: str) -> _Resp:
        return self._react(ctx, self._issue_for(owner, name, number).reactions)

    # -- handlers: assignees -------------------------------------------------

    def _assignee_body(self, ctx: _Ctx) -> list[Any]:
        data = ctx.json if isinstance(ctx.json, dict) else {}
        raw = data.get("assignees", [])
        return raw if isinstance(raw, list) else [raw]

    def _add_assignees(self, ctx: _Ctx, owner: str, name: str, number: str) -> _Resp:
        issue = self._issue_for(owner, name, number)
        repo = self._repos[issue.repo.lower()]
        now = self._now()
        for login in self._assignable(repo, self._assignee_body(ctx)):
            if login not in issue.assignees and len(issue.assignees) < 10:
                issue.assignees.append(login)
                self._record(issue, "assigned", ctx.login or "ghost", now, assignee=login)
                issue.updated_at = now
        self._touch()
        return _Resp(201, self._issue_json(issue))

    def _remove_assignees(self, ctx: _Ctx, owner: str, name: str, number: str) -> _Resp:
        issue = self._issue_for(owner, name, number)
        now = self._now()
        gone = {str(x).lower() for x in self._assignee_body(ctx)}
        for login in list(issue.assignees):
            if login.lower() in gone:
                issue.assignees.remove(login)
                self._record(issue, "unassigned", ctx.login or "ghost", now, assignee=login)
                issue.updated_at = now
        self._touch()
        return _Resp(200, self._issue_json(issue))

    # -- handlers: search ----------------------------------------------------

    def _search(self, q: str, sort: str | None, order: str | None) -> list[_Issue]:
        spec = _SearchSpec.parse(q)
        sort = sort or spec.sort
        order = order or spec.order or "desc"

        def compute() -> list[_Issue]:
            repos = (
                [self._repos[r] for r in spec.repos if r in self._repos]
                if spec.repos
                else list(self._repos.values())
            )
            found = [i for r in repos for i in r.issues.values() if spec.matches(i)]
            # "best match" has no meaning here; newest first is the closest stable order.
            return _sort_issues(
                found, sort if sort in ("created", "updated", "comments") else None, order
            )

        return self._cached(("search", q, sort, order), compute)

    def _search_issues(self, ctx: _Ctx) -> _Resp:
        q = ctx.query.get("q", "")
        if not q.strip():
            raise _validation("Search", "q", "missing")
        if len(q) > SEARCH_QUERY_LIMIT:
            raise _HTTPError(
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
            raise _HTTPError(422, "Only the first 1000 search results are available")
        items = self._search(q, ctx.query.get("sort"), ctx.query.get("order"))
        chunk, link = self._paginate(ctx, items, cap=SEARCH_RESULT_CAP)
        return _Resp(
            200,
            {
                "total_count": len(items),
                "incomplete_results": False,
                "items": [{**self._issue_json(i), "score": 1.0} for i in chunk],
            },
            link,
        )

    def _graphql_issues(self, repo: _Repo, args: Mapping[str, Any]) -> list[_Issue]:
        """``Repository.issues`` filtering: ``labels`` matches ANY label, as on GitHub."""
        filter_by = args.get("filterBy") or {}
        states = args.get("states") or filter_by.get("states")
        states_t = tuple(sorted(s.lower() for s in states)) if states else ()
        labels = args.get("labels") or filter_by.get("labels")
        labels_t = tuple(sorted(lbl.lower() for lbl in labels)) if labels else ()
        since_raw = filter_by.get("since")
        since = _parse_time(str(since_raw)) if since_raw else None
        created_by = str(filter_by.get("createdBy") or "").lower()
        assignee = filter_by.get("assignee")
        order = args.get("orderBy") or {}
        fld = {"CREATED_AT": "created", "UPDATED_AT": "updated", "COMMENTS": "comments"}.get(
            str(order.get("field", "CREATED_AT")), "created"
        )
        direction = "desc" if str(order.get("direction", "ASC")) == "DESC" else "asc"

        def compute() -> list[_Issue]:
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
            return _sort_issues(out, fld, direction)

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

    def _graphql(self, ctx: _Ctx) -> _Resp:
        data = ctx.json
        if not isinstance(data, dict) or not isinstance(data.get("query"), str):
            return _Resp(
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
            return _Resp(200, {"errors": checked.errors})
        try:
            ops, frags = _GQLParser(data["query"]).document()
            wanted = data.get("operationName")
            if len(ops) > 1 and wanted is None:
                raise _GQLError("An operation name is required", fatal=True)
            op = next((o for o in ops if wanted is None or o.name == wanted), None)
            if op is None:
                raise _GQLError(f'Unknown operation named "{wanted}".', fatal=True)
        except _GQLError as exc:
            return _Resp(200, {"errors": [{"message": exc.message}]})
        result = _GQLExecutor(self, op, frags, variables, ctx.login, checked.cost).run()
        return _Resp(200, result, points=checked.cost)

    # -- handlers: deliveries ------------------------------------------------

    def _sorted_deliveries(self) -> list[_Delivery]:
        return sorted(self._deliveries, key=lambda d: (d.delivered_at, d.id), reverse=True)

    def _list_deliveries(self, ctx: _Ctx) -> _Resp:
        per_page = min(max(self._int(ctx.query, "per_page", 30), 1), 100)
        items = self._sorted_deliveries()
        if ctx.query.get("status") in ("success", "failure"):
            ok = ctx.query["status"] == "success"
            items = [d for d in items if (d.status == "OK") == ok]
        if ctx.query.get("redelivery") in ("true", "false"):
            want = ctx.query["redelivery"] == "true"
            items = [d for d in items if d.redelivery == want]
        start = 0
        cursor = ctx.query.get("cursor")
        if cursor:
            try:
                start = next(n for n, d in enumerate(items) if f"v1_{d.id}" == cursor)
            except StopIteration as exc:
                raise _validation("Hook", "cursor", "invalid") from exc
        chunk = items[start : start + per_page]
        headers = {}
        if start + per_page < len(items):
            q = {
                **ctx.query,
                "per_page": str(per_page),
                "cursor": f"v1_{items[start + per_page].id}",
            }
            headers["link"] = f'<{self.url}{ctx.raw_path}?{urlencode(q)}>; rel="next"'
        return _Resp(200, [self._delivery_json(d) for d in chunk], headers)

    def _delivery_for(self, did: str) -> _Delivery:
        found = next((d for d in self._deliveries if str(d.id) == did), None)
        if found is None:
            raise _not_found()
        return found

    def _redeliver(self, ctx: _Ctx, did: str) -> _Resp:
        d = self._delivery_for(did)
        self.redelivery_requests.append(d.id)
        if self._webhook is not None and d.payload is not None:
            # GitHub answers 202 first and redelivers a moment later, with the same GUID.
            task = asyncio.ensure_future(
                self.send_webhook(d.event, d.payload, guid=d.guid, redelivery=True)
            )
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return _Resp(202, {})
