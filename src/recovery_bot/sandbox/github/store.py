"""The fake's in-memory state and the low-level operations on it (no HTTP, no JSON).

:class:`GitHubStore` owns the repositories, users, teams, tokens, deliveries, rate buckets
and the call log, the injectable clock and the id counters; it records history the way
GitHub does (every label change is an event) and caches filtered issue lists per state
version, so paging through 10,000 issues stays linear. The REST and GraphQL sections build
on it as mixins (see :mod:`recovery_bot.sandbox.github.server` for how they compose).
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

import aiohttp

from recovery_bot.sandbox.github.model import (
    DEFAULT_RATE_LIMITS,
    LABEL_NAME_LIMIT,
    RATE_WINDOWS,
    Bucket,
    Call,
    Comment,
    Delivery,
    Event,
    Fault,
    Issue,
    Label,
    Repo,
    User,
    aware,
    utcnow,
    validation_error,
)


class GitHubStore:
    """State and low-level operations shared by every section of the fake (a mixin base)."""

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
        self.now: Callable[[], datetime] = now or utcnow
        self.app_slug = app_slug
        self.installation_id = installation_id
        self.enforce_rate_limits = enforce_rate_limits
        limits = {**DEFAULT_RATE_LIMITS, **(rate_limits or {})}
        self._buckets = {k: Bucket(v, RATE_WINDOWS.get(k, 3600)) for k, v in limits.items()}

        self.url: str = ""
        self.calls: list[Call] = []
        #: Ids of deliveries whose redelivery was requested, in order.
        self.redelivery_requests: list[int] = []
        self.in_flight = 0
        self.max_in_flight = 0

        self._repos: dict[str, Repo] = {}
        self._users: dict[str, User] = {}
        self._comments: dict[int, Comment] = {}
        self._teams: dict[tuple[str, str], dict[str, tuple[str, str]]] = {}
        self._minted: dict[str, datetime] = {}
        self._deliveries: list[Delivery] = []
        self._faults: list[Fault] = []
        self._delays: list[Fault] = []
        self._version = 0
        self._cache_version = -1
        self._list_cache: dict[tuple[Any, ...], list[Issue]] = {}
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
        self._user(bot_login, "Bot")

    @property
    def api_url(self) -> str:
        """Base of the ``url`` fields in JSON: the fake once started, else api.github.com."""
        return self.url or "https://api.github.com"

    def _touch(self) -> None:
        self._version += 1

    def _now(self) -> datetime:
        return aware(self.now())

    def _next(self, kind: str) -> int:
        return next(self._ids[kind])

    def _user(self, login: str, type_: str | None = None) -> User:
        key = login.lower()
        user = self._users.get(key)
        if user is None:
            if type_ is None:
                type_ = "Bot" if login.endswith("[bot]") else "User"
            user = User(login, self._next("user"), type_)
            self._users[key] = user
        elif type_ is not None and type_ != user.type and user.type == "User":
            user.type = type_
        return user

    def _find_repo(self, full_name: str) -> Repo | None:
        return self._repos.get(full_name.lower())

    def _repo(self, full_name: str) -> Repo:
        repo = self._find_repo(full_name)
        if repo is None:
            raise KeyError(full_name)
        return repo

    def _issue(self, repo: str, number: int) -> Issue:
        issue = self._repo(repo).issues.get(number)
        if issue is None:
            raise KeyError(f"{repo}#{number}")
        return issue

    def _ensure_label(
        self, repo: Repo, name: str, color: str = "ededed", description: str | None = None
    ) -> Label:
        name = name.strip()
        if not name:
            raise validation_error("Label", "name", "missing_field")
        if len(name) > LABEL_NAME_LIMIT:
            raise validation_error(
                "Label",
                "name",
                "custom",
                f"name is too long (maximum is {LABEL_NAME_LIMIT} characters)",
            )
        lbl = repo.labels.get(name.lower())
        if lbl is None:
            lbl = Label(self._next("label"), name, color, description)
            repo.labels[name.lower()] = lbl
            self._touch()
        return lbl

    def _association(self, repo: Repo, login: str) -> str:
        low = login.lower()
        if low == repo.owner.lower():
            return "OWNER"
        org = repo.owner.lower()
        if any(o == org and low in members for (o, _t), members in self._teams.items()):
            return "MEMBER"
        if low in repo.collaborators:
            return "COLLABORATOR"
        return "NONE"

    def _new_comment(
        self, issue: Issue, body: str, login: str, association: str, when: datetime
    ) -> Comment:
        comment = Comment(
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
        issue: Issue,
        event: str,
        actor: str,
        when: datetime,
        *,
        label: Label | None = None,
        assignee: str | None = None,
        state_reason: str | None = None,
        rename: tuple[str, str] | None = None,
    ) -> None:
        issue.events.append(
            Event(
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

    def _cached(self, key: tuple[Any, ...], compute: Callable[[], list[Issue]]) -> list[Issue]:
        """Filtered lists keyed by state version: paging through 10,000 issues stays O(n)."""
        if self._cache_version != self._version:
            self._list_cache.clear()
            self._cache_version = self._version
        hit = self._list_cache.get(key)
        if hit is None:
            hit = self._list_cache[key] = compute()
        return hit

    def _bucket(self, resource: str) -> Bucket:
        bucket = self._buckets[resource]
        now = int(self._now().timestamp())
        if not bucket.reset or now >= bucket.reset:
            bucket.used, bucket.reset = 0, now + bucket.window
        return bucket
