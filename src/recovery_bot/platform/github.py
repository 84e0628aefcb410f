"""The one place that talks to GitHub: auth, client factory, retries, write budget, and
the issue operations the rest of the bot uses.

Retry design (read gidgethub 6's ``abc.py`` before changing it)
----------------------------------------------------------------
Retries live in an override of ``_request``, the lowest layer, rather than in
gidgethub 6's ``handle_rate_limit_error`` hook or a ``_make_request`` override:

- ``graphql()`` calls ``_request`` directly and skips ``_make_request`` and both hooks;
  ``_request`` is the only layer that every call goes through (getitem, every
  ``getiter`` page, post/patch/put/delete, graphql, token minting).
- ``handle_rate_limit_error`` only sees ``HTTPException``; timeouts and connection errors
  raised by aiohttp escape ``_make_request`` without reaching it, so a second retry loop
  (with its own counter) would be needed anyway. One loop, one counter, one log line per
  retry is easier to reason about.
- At this layer the raw status, headers and body are at hand, so a GraphQL primary-limit
  answer (HTTP 200 with ``errors[].type == "RATE_LIMITED"``) is recognised in the same
  place as a REST 403/429.

Rules, following GitHub's rate-limit docs: retry 5xx, timeouts and connection errors
with exponential back-off plus jitter; on 403/429 honour ``Retry-After``, else wait for
``x-ratelimit-reset`` when ``x-ratelimit-remaining`` is 0, else (secondary limit, 429)
wait at least ``secondary_min_wait`` and back off. Other 4xx are never retried.

``max_wait`` bounds any single sleep. When GitHub itself demands a longer pause (a
primary limit resetting in 40 minutes), sleeping ``max_wait`` and asking again would only
earn another 403 (and GitHub warns that requests made while limited can get an
integration banned), so the client gives up at once with ``GitHubUnavailable(retry_after=
the demanded wait)``; the worker keeps the delivery in the journal as failed, due then.
The pause is also recorded in a ``RateGate`` shared by every client of the installation,
so concurrent workers stop asking too instead of each collecting its own 403.

Requests that create something (``create_comment``, ``create_issue``, GraphQL mutations)
are *not* repeated after an ambiguous failure (timeout, dropped connection, 5xx): GitHub
may have applied the first try, and a second bot comment is worse than a delay. They
raise ``GitHubUnavailable`` and the journal retries the whole delivery, whose applier
finds the comment by its hidden marker. Rate-limit answers and connect errors are
unambiguous (nothing was applied) and are retried for every request.
"""

from __future__ import annotations

import asyncio
import contextvars
import email.utils
import hmac
import json
import logging
import random
import re
import time
from collections import deque
from collections.abc import (
    AsyncIterator,
    Awaitable,
    Callable,
    Iterator,
    Mapping,
    MutableMapping,
    Sequence,
)
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import aiohttp
import cachetools
import gidgethub
import gidgethub.aiohttp
import gidgethub.apps

from recovery_bot import USER_AGENT
from recovery_bot.core.config import GitHubConfig
from recovery_bot.core.errors import ConfigError
from recovery_bot.core.snapshot import LabelEvent, parse_github_time
from recovery_bot.platform.metrics import GITHUB_CALLS

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]
Clock = Callable[[], float]
Permission = Literal["admin", "write", "read", "none"]

DEFAULT_API_URL = "https://api.github.com"
WRITE_METHODS = frozenset({"POST", "PATCH", "PUT", "DELETE"})
REACTIONS = frozenset({"+1", "-1", "laugh", "confused", "heart", "hooray", "rocket", "eyes"})
_TOKEN_PATH = re.compile(r"/app/installations/[^/]+/access_tokens/?$")
_MUTATION = re.compile(r"\A\s*(?:#[^\n]*\n\s*)*mutation\b")
_REPO = re.compile(r"\A([A-Za-z0-9][A-Za-z0-9-]*)/([A-Za-z0-9._-]+)\Z")

# Set while a non-idempotent create runs in this task (see the module docstring).
_NOT_REPEATABLE: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "recovery_bot_github_not_repeatable", default=False
)


class GitHubUnavailable(Exception):
    """GitHub could not be reached or kept refusing; try the whole job again later.

    ``retry_after`` is how long GitHub asked us to wait (seconds), or ``None`` when it did
    not say (5xx, network): the caller then uses its own back-off.
    """

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None = None,
        status: int | str | None = None,
        method: str | None = None,
        path: str | None = None,
    ) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.status = status
        self.method = method
        self.path = path


# ---------------------------------------------------------------------------------------
# Write budget and the shared pause gate
# ---------------------------------------------------------------------------------------


class WriteBudget:
    """Keeps content-creating requests under GitHub's 80/min and 500/h.

    A sliding-window log rather than a token bucket: a bucket of N refilling at N/min
    lets 2N requests through in some 60-second window (a full bucket, then its refill),
    which would break the very limit it is meant to keep. The log holds at most
    ``per_hour`` timestamps, so it is as cheap. Callers reserve a slot and sleep until it,
    so concurrent waiters are served in order without a lock.

    ``min_interval`` spaces writes out (GitHub's best-practice page says "at least one
    second between mutating requests"). It defaults to 0 because the per-minute budget
    already spreads bursts and tests must not wait; production can set 1.0.
    """

    def __init__(
        self,
        per_minute: int,
        per_hour: int,
        *,
        min_interval: float = 0.0,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if per_minute < 1 or per_hour < 1:
            raise ValueError("write budgets must be at least 1")
        self.per_minute = per_minute
        self.per_hour = per_hour
        self.min_interval = min_interval
        self._clock = clock
        self._sleep = sleep
        self._log: deque[float] = deque()

    @classmethod
    def from_config(cls, config: GitHubConfig, **kwargs: Any) -> WriteBudget:
        return cls(config.writes_per_minute, config.writes_per_hour, **kwargs)

    def _slot(self, now: float) -> float:
        log_ = self._log
        while log_ and log_[0] <= now - 3600:
            log_.popleft()
        t = now
        if log_:
            t = max(t, log_[-1] + self.min_interval)
        if len(log_) >= self.per_minute:
            t = max(t, log_[-self.per_minute] + 60)
        if len(log_) >= self.per_hour:
            t = max(t, log_[-self.per_hour] + 3600)
        return t

    def next_wait(self) -> float:
        """Seconds the next write would wait (for /healthz and tests)."""
        now = self._clock()
        return self._slot(now) - now

    async def acquire(self, *, max_wait: float | None = None) -> float:
        """Wait for a write slot and take it; returns the seconds waited.

        With ``max_wait``, a wait longer than that raises ``GitHubUnavailable`` instead
        (hour budget spent: the delivery is better parked in the journal than a worker
        parked for 40 minutes).
        """
        now = self._clock()
        t = self._slot(now)
        wait = t - now
        if max_wait is not None and wait > max_wait:
            raise GitHubUnavailable(
                f"write budget spent ({self.per_minute}/min, {self.per_hour}/h)",
                retry_after=wait,
            )
        self._log.append(t)
        if wait > 0:
            try:
                await self._sleep(wait)
            except BaseException:
                # Cancelled while waiting: give the slot back.
                try:
                    self._log.remove(t)
                except ValueError:
                    pass
                raise
        return wait


class RateGate:
    """ "Do not call GitHub before ``until`` (epoch s)", shared by one installation's
    clients, so one 403 pauses every worker instead of each earning its own."""

    def __init__(self) -> None:
        self.until = 0.0

    def push(self, until: float) -> None:
        self.until = max(self.until, until)


@dataclass(frozen=True)
class _Retry:
    wait: float
    why: str
    rate_limited: bool
    ambiguous: bool  # the request may have been applied


# ---------------------------------------------------------------------------------------
# The client
# ---------------------------------------------------------------------------------------


def graphql_url_for(base_url: str) -> str:
    """GraphQL endpoint for a REST base URL: ``https://api.github.com`` → ``/graphql``;
    GitHub Enterprise Server ``https://ghe.example/api/v3`` → ``/api/graphql``."""
    b = base_url.rstrip("/")
    if b.endswith("/api/v3"):
        return b[: -len("v3")] + "graphql"
    return b + "/graphql"


def split_repo(repo: str) -> dict[str, str]:
    """``"owner/name"`` → url_vars ``{"owner", "repo"}``."""
    m = _REPO.match(repo)
    if not m:
        raise ValueError(f"repository must be 'owner/name', got {repo!r}")
    return {"owner": m.group(1), "repo": m.group(2)}


@contextmanager
def _not_repeatable() -> Iterator[None]:
    token = _NOT_REPEATABLE.set(True)
    try:
        yield
    finally:
        _NOT_REPEATABLE.reset(token)


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is None:
        for k, v in headers.items():
            if k.lower() == name:
                return v
    return value


def _retry_after_seconds(value: str | None, now: float) -> float | None:
    """Parse ``Retry-After``: delta-seconds, or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, email.utils.parsedate_to_datetime(value).timestamp() - now)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def _message(body: bytes) -> str:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return body[:500].decode("utf-8", "replace")
    if isinstance(data, dict):
        return str(data.get("message", ""))
    return ""


def _graphql_rate_limited(body: bytes) -> bool:
    if b"RATE_LIMITED" not in body:
        return False
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return False
    errors = data.get("errors") if isinstance(data, dict) else None
    return isinstance(errors, list) and any(
        isinstance(e, dict) and e.get("type") == "RATE_LIMITED" for e in errors
    )


def _is_mutation(body: bytes) -> bool:
    try:
        q = json.loads(body).get("query", "")
    except (ValueError, UnicodeDecodeError, AttributeError):
        return False
    return isinstance(q, str) and bool(_MUTATION.match(q))


class GitHubClient(gidgethub.aiohttp.GitHubAPI):
    """gidgethub's aiohttp client plus an API-version header, per-request timeout,
    retries, the write budget, metrics, and the issue operations of the bot.

    All parameters after ``base_url`` are ours; ``sleep``/``clock``/``rng`` are
    injectable so tests run without waiting. ``clock`` is epoch seconds, because
    ``x-ratelimit-reset`` is an epoch.
    """

    def __init__(
        self,
        session: aiohttp.ClientSession,
        requester: str = USER_AGENT,
        *,
        oauth_token: str | None = None,
        app_id: str | None = None,
        private_key: str | bytes | None = None,
        cache: MutableMapping[str, Any] | None = None,
        base_url: str = DEFAULT_API_URL,
        config: GitHubConfig | None = None,
        budget: WriteBudget | None = None,
        sleep: Sleep = asyncio.sleep,
        clock: Clock = time.time,
        max_wait: float = 60.0,
        backoff_base: float = 1.0,
        secondary_min_wait: float = 60.0,
        graphql_url: str | None = None,
        gate: RateGate | None = None,
        rng: Callable[[], float] = random.random,
    ) -> None:
        super().__init__(
            session,
            requester,
            oauth_token=oauth_token,
            app_id=app_id,
            private_key=private_key,
            cache=cache,
            base_url=base_url,
        )
        self.config = config or GitHubConfig()
        self.budget = budget
        self.max_wait = max_wait
        self.backoff_base = backoff_base
        self.secondary_min_wait = secondary_min_wait
        self.graphql_url = graphql_url or graphql_url_for(base_url)
        self.gate = gate or RateGate()
        self._sleep = sleep
        self._clock = clock
        self._rng = rng
        self._timeout = self.config.timeout.total_seconds()
        #: Called once per API call, before it is sent (retries are not calls): with the
        #: method, the URL and whether it is a write (REST POST/PATCH/PUT/DELETE other
        #: than a token exchange, or a GraphQL mutation). It may raise to refuse the
        #: call. The sweep counts reads and writes and enforces its write cap with it.
        self.on_request: Callable[[str, str, bool], None] | None = None

    async def sleep(self, seconds: float) -> None:
        await self._sleep(seconds)

    # -- transport: every request of every kind passes here -----------------------------

    async def _request(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes = b""
    ) -> tuple[int, Mapping[str, str], bytes]:
        headers = {**headers, "x-github-api-version": self.config.api_version}
        path = urlsplit(url).path
        is_graphql = url.split("?", 1)[0].rstrip("/") == self.graphql_url.rstrip("/")
        mutation = is_graphql and _is_mutation(body)
        if is_graphql:
            counts_as_write = mutation
        else:
            counts_as_write = method in WRITE_METHODS and not _TOKEN_PATH.search(path)
        repeatable = not (_NOT_REPEATABLE.get() or mutation)
        if self.on_request is not None:
            self.on_request(method, url, counts_as_write)
        retries = 0
        while True:
            await self._wait_for_gate(method, path)
            if counts_as_write and self.budget is not None:
                try:
                    await self.budget.acquire(max_wait=self.max_wait)
                except GitHubUnavailable as exc:
                    exc.method, exc.path = method, path
                    raise
            try:
                async with asyncio.timeout(self._timeout):
                    status, resp_headers, resp_body = await super()._request(
                        method, url, headers, body
                    )
            except (TimeoutError, aiohttp.ClientConnectionError, aiohttp.ClientPayloadError) as exc:
                GITHUB_CALLS.labels(method, "error").inc()
                never_sent = isinstance(exc, aiohttp.ClientConnectorError)
                why = "timeout" if isinstance(exc, TimeoutError) else type(exc).__name__
                decision = _Retry(self._backoff(retries), why, False, not never_sent)
                status_label: int | str = "error"
                cause: BaseException | None = exc
            else:
                GITHUB_CALLS.labels(method, str(status)).inc()
                maybe = self._classify(status, resp_headers, resp_body, is_graphql, retries)
                if maybe is None:
                    return status, resp_headers, resp_body
                decision, status_label, cause = maybe, status, None

            retry_after = decision.wait if decision.rate_limited else None
            if decision.rate_limited:
                self.gate.push(self._clock() + decision.wait)
            if decision.ambiguous and not repeatable:
                raise GitHubUnavailable(
                    f"GitHub {method} {path}: {decision.why} ({status_label}); not repeated "
                    "because the first try may have been applied",
                    status=status_label,
                    method=method,
                    path=path,
                ) from cause
            if retries >= self.config.max_retries:
                raise GitHubUnavailable(
                    f"GitHub {method} {path}: {decision.why} ({status_label}) after "
                    f"{retries + 1} attempts",
                    retry_after=retry_after,
                    status=status_label,
                    method=method,
                    path=path,
                ) from cause
            if decision.wait > self.max_wait:
                raise GitHubUnavailable(
                    f"GitHub {method} {path}: {decision.why} ({status_label}); asked to wait "
                    f"{decision.wait:.0f}s, more than max_wait {self.max_wait:.0f}s",
                    retry_after=retry_after,
                    status=status_label,
                    method=method,
                    path=path,
                ) from cause
            retries += 1
            log.warning(
                "github retry %d/%d: %s %s -> %s (%s), waiting %.2fs",
                retries,
                self.config.max_retries,
                method,
                path,
                status_label,
                decision.why,
                decision.wait,
            )
            if not decision.rate_limited:
                # Rate-limited waits happen in _wait_for_gate (the gate was pushed above).
                await self._sleep(decision.wait)

    async def _wait_for_gate(self, method: str, path: str) -> None:
        remaining = self.gate.until - self._clock()
        if remaining <= 0:
            return
        if remaining > self.max_wait:
            raise GitHubUnavailable(
                f"GitHub {method} {path}: rate limited for another {remaining:.0f}s",
                retry_after=remaining,
                method=method,
                path=path,
            )
        await self._sleep(remaining)

    def _backoff(self, retries: int) -> float:
        """Exponential back-off with "equal jitter": half fixed, half random, capped."""
        d = min(self.max_wait, self.backoff_base * (2**retries))
        return d / 2 + self._rng() * d / 2

    def _classify(
        self,
        status: int,
        headers: Mapping[str, str],
        body: bytes,
        is_graphql: bool,
        retries: int,
    ) -> _Retry | None:
        """``None``: hand the response to gidgethub (success, or an error not worth
        repeating); else how long to wait before the next try."""
        if status >= 500:
            return _Retry(self._backoff(retries), "server error", False, True)
        limited_graphql = is_graphql and status == 200 and _graphql_rate_limited(body)
        if status not in (403, 429) and not limited_graphql:
            return None
        now = self._clock()
        retry_after = _retry_after_seconds(_header(headers, "retry-after"), now)
        if retry_after is not None:
            return _Retry(retry_after, "rate limited (retry-after)", True, False)
        if _header(headers, "x-ratelimit-remaining") == "0" or limited_graphql:
            try:
                reset = float(_header(headers, "x-ratelimit-reset") or "")
            except ValueError:
                reset = None
            if reset is not None:
                # +1 s: the reset second itself may still count against the old window.
                return _Retry(max(0.0, reset - now) + 1.0, "primary rate limit", True, False)
            return _Retry(self._secondary_wait(retries), "primary rate limit", True, False)
        msg = _message(body).lower()
        if status == 429 or "secondary rate limit" in msg or "abuse" in msg:
            return _Retry(self._secondary_wait(retries), "secondary rate limit", True, False)
        return None  # a plain 403: permissions, not load

    def _secondary_wait(self, retries: int) -> float:
        """GitHub: "wait at least one minute", then back off exponentially."""
        return min(self.max_wait, max(self.secondary_min_wait, self._backoff(retries)))

    # -- GraphQL -----------------------------------------------------------------------

    async def graphql(self, query: str, *, endpoint: str | None = None, **variables: Any) -> Any:
        """Run a GraphQL query at this client's endpoint (GHES-aware).

        Never name a variable ``query``: it collides with this parameter. User text goes
        in variables, never into ``query``.
        """
        return await super().graphql(query, endpoint=endpoint or self.graphql_url, **variables)

    # -- issue operations --------------------------------------------------------------
    # URI templates + url_vars everywhere: gidgethub percent-encodes label names and
    # logins; an f-string would send "PEP 541/x" raw and hit the wrong endpoint.

    async def get_issue(self, repo: str, number: int) -> dict[str, Any]:
        return await self.getitem(
            "/repos/{owner}/{repo}/issues/{number}", {**split_repo(repo), "number": number}
        )

    async def list_comments(
        self, repo: str, number: int, *, since: str | None = None
    ) -> list[dict[str, Any]]:
        """All comments of an issue, oldest first (pages of 100)."""
        url_vars: dict[str, Any] = {**split_repo(repo), "number": number, "per_page": 100}
        if since is not None:
            url_vars["since"] = since
        return [
            c
            async for c in self.getiter(
                "/repos/{owner}/{repo}/issues/{number}/comments{?per_page,since}", url_vars
            )
        ]

    async def create_comment(self, repo: str, number: int, body: str) -> dict[str, Any]:
        """Post a comment. Not repeated after an ambiguous failure (see module doc)."""
        with _not_repeatable():
            return await self.post(
                "/repos/{owner}/{repo}/issues/{number}/comments",
                {**split_repo(repo), "number": number},
                data={"body": body},
            )

    async def edit_comment(self, repo: str, comment_id: int, body: str) -> dict[str, Any]:
        return await self.patch(
            "/repos/{owner}/{repo}/issues/comments/{comment_id}",
            {**split_repo(repo), "comment_id": comment_id},
            data={"body": body},
        )

    async def delete_comment(self, repo: str, comment_id: int) -> None:
        """Delete a comment; one that is already gone counts as deleted."""
        try:
            await self.delete(
                "/repos/{owner}/{repo}/issues/comments/{comment_id}",
                {**split_repo(repo), "comment_id": comment_id},
            )
        except gidgethub.BadRequest as exc:
            if exc.status_code != 404:
                raise

    async def add_labels(
        self, repo: str, number: int, labels: Sequence[str]
    ) -> list[dict[str, Any]]:
        """Add labels (existing ones stay); returns the issue's labels afterwards."""
        if isinstance(labels, str):
            raise TypeError("labels must be a sequence of names, not one string")
        if not labels:
            return []
        return await self.post(
            "/repos/{owner}/{repo}/issues/{number}/labels",
            {**split_repo(repo), "number": number},
            data={"labels": list(labels)},
        )

    async def remove_label(self, repo: str, number: int, name: str) -> None:
        """Remove one label. GitHub's 404 "Label does not exist" (not on the issue) is
        success: the wanted state holds, and a re-run must not fail on it."""
        try:
            await self.delete(
                "/repos/{owner}/{repo}/issues/{number}/labels/{name}",
                {**split_repo(repo), "number": number, "name": name},
            )
        except gidgethub.BadRequest as exc:
            if exc.status_code == 404 and "label does not exist" in str(exc).lower():
                return
            raise

    async def label_events(self, repo: str, number: int) -> list[LabelEvent]:
        """Who added or removed which label when (from the issue's events)."""
        out: list[LabelEvent] = []
        async for ev in self.getiter(
            "/repos/{owner}/{repo}/issues/{number}/events{?per_page}",
            {**split_repo(repo), "number": number, "per_page": 100},
        ):
            kind = ev.get("event")
            if kind not in ("labeled", "unlabeled") or not ev.get("label"):
                continue
            out.append(
                LabelEvent(
                    label=ev["label"]["name"],
                    added=kind == "labeled",
                    at=parse_github_time(ev["created_at"]),
                    actor=(ev.get("actor") or {}).get("login", ""),
                )
            )
        return out

    async def set_state(
        self, repo: str, number: int, state: str, state_reason: str | None = None
    ) -> dict[str, Any]:
        data: dict[str, Any] = {"state": state}
        if state_reason is not None:
            data["state_reason"] = state_reason
        return await self.edit_issue(repo, number, **data)

    async def edit_issue(self, repo: str, number: int, **fields: Any) -> dict[str, Any]:
        return await self.patch(
            "/repos/{owner}/{repo}/issues/{number}",
            {**split_repo(repo), "number": number},
            data=fields,
        )

    async def create_issue(
        self, repo: str, title: str, body: str, labels: Sequence[str] = ()
    ) -> dict[str, Any]:
        """Open an issue (the digest). Not repeated after an ambiguous failure."""
        data: dict[str, Any] = {"title": title, "body": body}
        if labels:
            data["labels"] = list(labels)
        with _not_repeatable():
            return await self.post("/repos/{owner}/{repo}/issues", split_repo(repo), data=data)

    async def add_assignees(
        self, repo: str, number: int, logins: Sequence[str]
    ) -> dict[str, Any] | None:
        if not logins:
            return None
        return await self.post(
            "/repos/{owner}/{repo}/issues/{number}/assignees",
            {**split_repo(repo), "number": number},
            data={"assignees": list(logins)},
        )

    async def remove_assignees(self, repo: str, number: int, logins: Sequence[str]) -> None:
        if not logins:
            return
        await self.delete(
            "/repos/{owner}/{repo}/issues/{number}/assignees",
            {**split_repo(repo), "number": number},
            data={"assignees": list(logins)},
        )

    async def react_to_comment(self, repo: str, comment_id: int, content: str) -> dict[str, Any]:
        """Add a reaction (201 created, 200 already there: both fine)."""
        _check_reaction(content)
        return await self.post(
            "/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions",
            {**split_repo(repo), "comment_id": comment_id},
            data={"content": content},
        )

    async def react_to_issue(self, repo: str, number: int, content: str) -> dict[str, Any]:
        _check_reaction(content)
        return await self.post(
            "/repos/{owner}/{repo}/issues/{number}/reactions",
            {**split_repo(repo), "number": number},
            data={"content": content},
        )

    async def get_permission(self, repo: str, login: str) -> Permission:
        """The login's permission on the repo: admin/write/read/none (maintain counts as
        write, triage as read). Not a collaborator (404) is ``"none"``."""
        try:
            data = await self.getitem(
                "/repos/{owner}/{repo}/collaborators/{username}/permission",
                {**split_repo(repo), "username": login},
            )
        except gidgethub.BadRequest as exc:
            if exc.status_code == 404:
                return "none"
            raise
        perm = data.get("permission") if isinstance(data, dict) else None
        return perm if perm in ("admin", "write", "read") else "none"

    async def team_member(self, org: str, team: str, login: str) -> bool:
        """Whether ``login`` is an active member of team ``org/team`` (slug)."""
        try:
            data = await self.getitem(
                "/orgs/{org}/teams/{team_slug}/memberships/{username}",
                {"org": org, "team_slug": team, "username": login},
            )
        except gidgethub.BadRequest as exc:
            if exc.status_code == 404:
                return False
            raise
        return isinstance(data, dict) and data.get("state") == "active"

    async def search_issues(self, q: str, *, limit: int | None = None) -> list[dict[str, Any]]:
        """REST issue search (its own 30/min bucket; at most 1,000 results)."""
        out: list[dict[str, Any]] = []
        async for item in self.iter_search_issues(q):
            out.append(item)
            if limit is not None and len(out) >= limit:
                break
        return out

    def iter_search_issues(self, q: str) -> AsyncIterator[dict[str, Any]]:
        return self.getiter("/search/issues{?q,per_page}", {"q": q, "per_page": 100})


def _check_reaction(content: str) -> None:
    if content not in REACTIONS:
        raise ValueError(f"unknown reaction {content!r} (one of {', '.join(sorted(REACTIONS))})")


def webhook_signature(secret: str | bytes, body: bytes) -> str:
    """The ``X-Hub-Signature-256`` value GitHub sends for ``body`` (HMAC-SHA256, hex).
    The receiver compares against it; the fakes, the demo and the tests sign with it.
    The server passes the secret already encoded (it checks every delivery)."""
    key = secret.encode() if isinstance(secret, str) else secret
    return "sha256=" + hmac.digest(key, body, "sha256").hex()


# ---------------------------------------------------------------------------------------
# Auth
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TokenAuth:
    """Token mode (``GITHUB_TOKEN``): one token for every installation."""

    token: str = field(repr=False)


@dataclass(frozen=True)
class _Token:
    token: str = field(repr=False)
    refresh_at: float


class AppAuth:
    """App mode: mints installation tokens with the app's JWT and caches each until
    ``refresh_margin`` seconds (default 5 min) before its ``expires_at``.

    The cache is a ``cachetools.TLRUCache`` (the per-item-expiry sibling of
    ``TTLCache``): tokens carry their own expiry, so one fixed TTL would be wrong for
    some of them. Minting is single-flight per installation: concurrent workers wait for
    the one request instead of each minting a token.
    """

    def __init__(
        self,
        app_id: str,
        private_key: str | bytes,
        *,
        clock: Clock = time.time,
        refresh_margin: float = 300.0,
        maxsize: int = 256,
    ) -> None:
        self.app_id = str(app_id)
        self.private_key = private_key
        self.refresh_margin = refresh_margin
        self._clock = clock
        self._tokens: cachetools.TLRUCache[int, _Token] = cachetools.TLRUCache(
            maxsize=maxsize, ttu=lambda _k, v, _now: v.refresh_at, timer=clock
        )
        self._locks: dict[int, asyncio.Lock] = {}
        self.minted = 0  # how many tokens were minted (metrics/tests)

    def __repr__(self) -> str:
        return f"AppAuth(app_id={self.app_id!r}, private_key=<hidden>)"

    async def installation_token(
        self, app_gh: gidgethub.abc.GitHubAPI, installation_id: int
    ) -> str:
        cached = self._tokens.get(installation_id)
        if cached is not None:
            return cached.token
        lock = self._locks.setdefault(installation_id, asyncio.Lock())
        async with lock:
            cached = self._tokens.get(installation_id)
            if cached is not None:
                return cached.token
            data = await gidgethub.apps.get_installation_access_token(
                app_gh,
                installation_id=str(installation_id),
                app_id=self.app_id,
                private_key=self.private_key,
            )
            self.minted += 1
            token = data["token"]
            try:
                expires = parse_github_time(data["expires_at"]).timestamp()
            except (KeyError, TypeError, ValueError):
                expires = self._clock() + 3600  # GitHub's documented lifetime
            refresh_at = expires - self.refresh_margin
            if refresh_at > self._clock():
                self._tokens[installation_id] = _Token(token, refresh_at)
            log.info("minted installation token for installation %s", installation_id)
            return token

    def forget(self, installation_id: int) -> None:
        """Drop a cached token (after a 401: it was revoked)."""
        self._tokens.pop(installation_id, None)


Auth = TokenAuth | AppAuth


def auth_from_env(env: Mapping[str, str]) -> TokenAuth | AppAuth | None:
    """Read credentials from the environment. ``None`` when none are set (dry runs,
    ``inspect --offline``). Errors name the variable, never its value."""

    def get(name: str) -> str | None:
        v = env.get(name)
        return v if v and v.strip() else None

    token = get("GITHUB_TOKEN")
    app_id = get("GITHUB_APP_ID")
    key = get("GITHUB_PRIVATE_KEY")
    key_path = get("GITHUB_PRIVATE_KEY_PATH")
    if token and (app_id or key or key_path):
        raise ConfigError(
            "environment",
            "GITHUB_TOKEN",
            "set either GITHUB_TOKEN (token mode) or GITHUB_APP_ID + GITHUB_PRIVATE_KEY "
            "(App mode), not both",
        )
    if token:
        return TokenAuth(token.strip())
    if not (app_id or key or key_path):
        return None
    if not app_id:
        raise ConfigError("environment", "GITHUB_APP_ID", "is required when a private key is set")
    app_id = app_id.strip()
    if not re.fullmatch(r"[A-Za-z0-9._-]+", app_id):
        raise ConfigError("environment", "GITHUB_APP_ID", "must be the App's id or client id")
    if key and key_path:
        raise ConfigError(
            "environment",
            "GITHUB_PRIVATE_KEY",
            "set GITHUB_PRIVATE_KEY or GITHUB_PRIVATE_KEY_PATH, not both",
        )
    if key_path:
        var = "GITHUB_PRIVATE_KEY_PATH"
        try:
            pem = Path(key_path).read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(
                "environment", var, f"cannot read {key_path}: {exc.strerror or exc}"
            ) from None
        except UnicodeDecodeError:
            raise ConfigError("environment", var, f"{key_path} is not a PEM text file") from None
    elif key:
        var = "GITHUB_PRIVATE_KEY"
        pem = key
        if "\n" not in pem.strip() and "\\n" in pem:
            pem = pem.replace("\\n", "\n")  # one-line .env style
    else:
        raise ConfigError(
            "environment",
            "GITHUB_PRIVATE_KEY",
            "is required with GITHUB_APP_ID (or set GITHUB_PRIVATE_KEY_PATH)",
        )
    _check_private_key(pem, var)
    return AppAuth(app_id, pem)


def _check_private_key(pem: str, var: str) -> None:
    """Fail at start-up, not at the first webhook. The message never quotes the key."""
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    try:
        key = load_pem_private_key(pem.encode("utf-8"), password=None)
    except (ValueError, TypeError):
        raise ConfigError("environment", var, "is not a PEM-encoded private key") from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ConfigError("environment", var, "must be an RSA key (GitHub Apps sign with RS256)")


# ---------------------------------------------------------------------------------------
# Factory
# ---------------------------------------------------------------------------------------


class GitHubFactory:
    """Builds clients that share one session, one write budget, one ETag cache and one
    rate gate per installation. Create one per app (in the aiohttp ``cleanup_ctx``)."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        base_url: str = DEFAULT_API_URL,
        auth: TokenAuth | AppAuth,
        config: GitHubConfig | None = None,
        budget: WriteBudget | None = None,
        sleep: Sleep = asyncio.sleep,
        cache: MutableMapping[str, Any] | None = None,
        clock: Clock = time.time,
        max_wait: float = 60.0,
        backoff_base: float = 1.0,
        secondary_min_wait: float = 60.0,
        requester: str = USER_AGENT,
    ) -> None:
        self.session = session
        self.base_url = base_url.rstrip("/")
        self.graphql_url = graphql_url_for(self.base_url)
        self.auth = auth
        self.config = config or GitHubConfig()
        self.budget = budget or WriteBudget.from_config(self.config, sleep=sleep)
        self.cache = cache
        self._sleep = sleep
        self._clock = clock
        self._max_wait = max_wait
        self._backoff_base = backoff_base
        self._secondary_min_wait = secondary_min_wait
        self._requester = requester
        self._gates: dict[int | None, RateGate] = {}
        self._app: GitHubClient | None = None
        self._installation_ids: dict[str, int] = {}

    def _client(self, gate_key: int | None, **auth_kwargs: Any) -> GitHubClient:
        return GitHubClient(
            self.session,
            self._requester,
            base_url=self.base_url,
            config=self.config,
            sleep=self._sleep,
            clock=self._clock,
            max_wait=self._max_wait,
            backoff_base=self._backoff_base,
            secondary_min_wait=self._secondary_min_wait,
            graphql_url=self.graphql_url,
            gate=self._gates.setdefault(gate_key, RateGate()),
            **auth_kwargs,
        )

    async def for_installation(self, installation_id: int | None) -> GitHubClient:
        """A client acting as the installation (token mode: the token; id ignored)."""
        if isinstance(self.auth, TokenAuth):
            return self._client(
                None, oauth_token=self.auth.token, budget=self.budget, cache=self.cache
            )
        if installation_id is None:
            raise ValueError("App mode needs an installation id (from the webhook payload)")
        token = await self.auth.installation_token(self.app_client(), int(installation_id))
        return self._client(
            int(installation_id), oauth_token=token, budget=self.budget, cache=self.cache
        )

    async def for_repo(self, repo: str) -> GitHubClient:
        """A client for a repository when no webhook says which installation (digest,
        sweeps): App mode looks the installation up once per repo."""
        if isinstance(self.auth, TokenAuth):
            return await self.for_installation(None)
        inst = self._installation_ids.get(repo)
        if inst is None:
            data = await self.app_client().getitem(
                "/repos/{owner}/{repo}/installation", split_repo(repo)
            )
            inst = self._installation_ids[repo] = int(data["id"])
        return await self.for_installation(inst)

    def app_client(self) -> GitHubClient:
        """The JWT-authenticated App client (``/app/...``: hook deliveries, minting).

        A separate instance from the installation clients: in gidgethub 6 a client built
        with ``app_id``/``private_key`` must never get an ``oauth_token`` too. It has no
        write budget (minting and redelivery are not content creation) and no ETag cache.
        """
        if not isinstance(self.auth, AppAuth):
            raise RuntimeError("app_client() needs App mode (GITHUB_APP_ID + private key)")
        if self._app is None:
            self._app = self._client(-1, app_id=self.auth.app_id, private_key=self.auth.private_key)
        return self._app


__all__ = [
    "DEFAULT_API_URL",
    "AppAuth",
    "GitHubClient",
    "GitHubFactory",
    "GitHubUnavailable",
    "RateGate",
    "TokenAuth",
    "WriteBudget",
    "auth_from_env",
    "graphql_url_for",
    "parse_github_time",
    "split_repo",
]
