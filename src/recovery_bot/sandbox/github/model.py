"""The fake GitHub's vocabulary: GitHub's limits, timestamp and node-id helpers, the error
GitHub answers with, and the plain records (users, labels, issues, comments, events,
deliveries) that every other module of the fake reads and writes.

Kept free of behaviour so that each section of the fake (REST, GraphQL, faults, server)
shares one definition of what an issue or a 422 is, instead of drifting copies.
"""

from __future__ import annotations

import base64
import fnmatch
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any
from urllib.parse import unquote

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
DEFAULT_RATE_LIMITS: Mapping[str, int] = {"core": 5000, "search": 30, "graphql": 5000}
RATE_WINDOWS = {"core": 3600, "search": 60, "graphql": 3600}


def utcnow() -> datetime:
    return datetime.now(UTC)


def aware(dt: datetime) -> datetime:
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def iso(dt: datetime | None) -> str | None:
    """GitHub's timestamp format: second precision, ``Z`` suffix."""
    if dt is None:
        return None
    return aware(dt).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: str) -> datetime:
    """Parse the ISO 8601 forms GitHub accepts (``Z`` or offset, or a bare date)."""
    text = text.strip()
    if len(text) == 10:
        return datetime.fromisoformat(text).replace(tzinfo=UTC)
    return aware(datetime.fromisoformat(text.replace("Z", "+00:00")))


def node_id(prefix: str, num: int) -> str:
    return prefix + "_" + base64.b64encode(f"fake:{num}".encode()).decode().rstrip("=")


def reason_phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


class HTTPError(Exception):
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


def not_found() -> HTTPError:
    return HTTPError(404, "Not Found")


def validation_error(
    resource: str, field_name: str, code: str, message: str | None = None
) -> HTTPError:
    err: dict[str, Any] = {"resource": resource, "code": code, "field": field_name}
    if message is not None:
        err["message"] = message
    return HTTPError(422, "Validation Failed", errors=[err])


def body_too_long(resource: str) -> HTTPError:
    return validation_error(
        resource, "body", "custom", f"Body is too long (maximum is {BODY_LIMIT} characters)"
    )


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
class User:
    login: str
    id: int
    type: str


@dataclass
class Label:
    id: int
    name: str
    color: str
    description: str | None


@dataclass
class Reaction:
    id: int
    user: str
    content: str
    created_at: datetime


@dataclass
class Comment:
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
    reactions: list[Reaction] = field(default_factory=list)


@dataclass
class Event:
    id: int
    seq: int
    event: str
    actor: str
    created_at: datetime
    label: Label | None = None
    assignee: str | None = None
    state_reason: str | None = None
    rename: tuple[str, str] | None = None
    via_app: bool = False


@dataclass
class Issue:
    repo: str
    number: int
    id: int
    title: str
    body: str | None
    user: str
    author_association: str
    labels: list[Label]
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
    comments: list[Comment] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    reactions: list[Reaction] = field(default_factory=list)
    deleted: bool = False

    def has_label(self, name: str) -> bool:
        low = name.lower()
        return any(lbl.name.lower() == low for lbl in self.labels)


@dataclass
class Repo:
    full_name: str
    id: int
    collaborators: dict[str, str]  # lower-case login -> permission
    labels: dict[str, Label] = field(default_factory=dict)  # lower-case name -> label
    issues: dict[int, Issue] = field(default_factory=dict)
    next_number: int = 1

    @property
    def owner(self) -> str:
        return self.full_name.split("/", 1)[0]


@dataclass
class Delivery:
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
class Fault:
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
class Bucket:
    limit: int
    window: int
    used: int = 0
    reset: int = 0


@dataclass
class Ctx:
    """What a route handler gets: the parsed request and who made it."""

    method: str
    raw_path: str
    query: dict[str, str]
    json: Any
    login: str | None
    kind: str  # "token", "installation", "app", "anonymous"
    headers: Mapping[str, str]


@dataclass
class Resp:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)
    points: int = 1  # rate-limit points charged: a GraphQL query's cost, else 1
