"""Who counts as a maintainer.

``author_association`` in webhooks is computed without a viewer, so private org members
arrive as CONTRIBUTOR/NONE: it can say "yes" (OWNER/MEMBER/COLLABORATOR) but never a
trustworthy "no". The repository permission API is the authority; answers are cached
for a few minutes (cachetools) because one reporter often triggers several events.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, Protocol

from cachetools import TTLCache

from recovery_bot.core.config import AppConfig

log = logging.getLogger(__name__)

TRUSTED_ASSOCIATIONS = frozenset({"OWNER", "MEMBER", "COLLABORATOR"})
WRITE_PERMISSIONS = frozenset({"admin", "maintain", "write"})


class PermissionAPI(Protocol):
    async def get_permission(self, repo: str, login: str) -> str: ...
    async def team_member(self, org: str, team: str, login: str) -> bool: ...


class Maintainers:
    """Cached answers to "may this login act as a maintainer on this repo?"."""

    def __init__(self, config: AppConfig, *, timer: Callable[[], float] = time.monotonic):
        self.config = config
        ttl = config.maintainers.permission_cache_ttl.total_seconds()
        self._cache: TTLCache[tuple[str, str], bool] = TTLCache(maxsize=4096, ttl=ttl, timer=timer)
        self._users = {u.casefold() for u in config.maintainers.users}

    def known_without_lookup(self, login: str, association: str | None = None) -> bool | None:
        """True/None: a cheap answer when one exists (config list, trusted association).

        Pass ``association`` only to decide whether an issue's *author* is staff (the
        triage skip, as pypi/support's own workflow does). Never for authorizing a
        command: COLLABORATOR covers read/triage invitees and MEMBER any org member.
        """
        if login.casefold() in self._users:
            return True
        if association and association.upper() in TRUSTED_ASSOCIATIONS:
            return True
        return None

    async def is_maintainer(
        self, gh: PermissionAPI, repo: str, login: str, association: str | None = None
    ) -> bool:
        quick = self.known_without_lookup(login, association)
        if quick is not None:
            return quick
        key = (repo.casefold(), login.casefold())
        if key in self._cache:
            return self._cache[key]
        answer = await self._lookup(gh, repo, login)
        self._cache[key] = answer
        return answer

    async def _lookup(self, gh: PermissionAPI, repo: str, login: str) -> bool:
        permission = await gh.get_permission(repo, login)
        if permission in WRITE_PERMISSIONS:
            return True
        for team in self.config.maintainers.teams:
            org, slug = team.split("/", 1)
            if await gh.team_member(org, slug, login):
                return True
        return False

    def forget(self, repo: str, login: str) -> None:
        self._cache.pop((repo.casefold(), login.casefold()), None)


def is_bot_account(user: dict[str, Any] | None, bot_login: str) -> bool:
    """The bot itself, GitHub Apps and other bots (their events must never trigger work)."""
    if not user:
        return False
    login = str(user.get("login") or "")
    return (
        user.get("type") == "Bot"
        or login.casefold() == bot_login.casefold()
        or login.endswith("[bot]")
    )
