"""One typed Runtime: what every handler, sweep and digest run works with.

A Runtime holds the config, the environment's settings, one HTTP session, the GitHub
client factory (one write budget, one ETag cache), the PyPI client (cache, single
flight), the maintainers check, the clock and the dry-run switch. :func:`open_runtime`
is the one place that builds them, for the server (``server.Bot`` is a Runtime with a
journal and workers), ``sweep``/``sla``, ``digest``, ``action`` and the demo; before it,
the session + GitHub + PyPI setup was written three times.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar, overload

import aiohttp

from recovery_bot import USER_AGENT
from recovery_bot.core.config import AppConfig
from recovery_bot.platform.github import GitHubFactory, WriteBudget
from recovery_bot.platform.permissions import Maintainers
from recovery_bot.platform.pypi import PyPIClient

if TYPE_CHECKING:
    from recovery_bot.platform.server import Settings

__all__ = ["Runtime", "open_runtime"]


@dataclass(kw_only=True)
class Runtime:
    """The bot's parts, typed, for handlers and jobs (``bot`` in their signatures)."""

    config: AppConfig
    settings: Settings
    session: aiohttp.ClientSession
    factory: GitHubFactory
    pypi: PyPIClient
    #: Seconds since the epoch; slash-commands date a reply by it when a comment has none.
    clock: Callable[[], float] = time.time
    dry_run: bool = False
    maintainers: Maintainers = field(init=False)
    #: The last sweep's queue positions, ``{(repo, form): sla.queue.QueueState}``.
    queue_state: dict[tuple[str, str], Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.maintainers = Maintainers(self.config)

    def with_dry_run(self, dry_run: bool) -> Runtime:
        """The same parts (clients, maintainers cache, queue state) with ``dry_run`` set:
        the sweep estimates a triage's writes dry before it makes them."""
        view = Runtime(
            config=self.config,
            settings=self.settings,
            session=self.session,
            factory=self.factory,
            pypi=self.pypi,
            clock=self.clock,
            dry_run=dry_run,
            queue_state=self.queue_state,
        )
        view.maintainers = self.maintainers
        return view


R = TypeVar("R", bound=Runtime)


@overload
def open_runtime(
    config: AppConfig,
    settings: Settings,
    *,
    kind: type[R],
    budget: WriteBudget | None = None,
    github_options: Mapping[str, Any] | None = None,
    **fields: Any,
) -> AbstractAsyncContextManager[R]: ...


@overload
def open_runtime(
    config: AppConfig,
    settings: Settings,
    *,
    budget: WriteBudget | None = None,
    github_options: Mapping[str, Any] | None = None,
    **fields: Any,
) -> AbstractAsyncContextManager[Runtime]: ...


def open_runtime(
    config: AppConfig,
    settings: Settings,
    *,
    kind: type[Runtime] = Runtime,
    budget: WriteBudget | None = None,
    github_options: Mapping[str, Any] | None = None,
    **fields: Any,
) -> AbstractAsyncContextManager[Runtime]:
    """Open the HTTP session and the clients, yield a ``kind`` (a Runtime, or a subclass
    such as ``server.Bot`` with its extra ``fields``), close them afterwards.

    ``budget`` replaces the write budget from the config (tests and the sandbox raise
    it); ``github_options`` go to ``GitHubFactory`` (tests shrink retry waits)."""
    return _open(config, settings, kind, budget, github_options or {}, fields)


@asynccontextmanager
async def _open(
    config: AppConfig,
    settings: Settings,
    kind: type[Runtime],
    budget: WriteBudget | None,
    github_options: Mapping[str, Any],
    fields: Mapping[str, Any],
) -> AsyncIterator[Runtime]:
    timeout = aiohttp.ClientTimeout(total=config.github.timeout.total_seconds())
    async with aiohttp.ClientSession(
        timeout=timeout, headers={"User-Agent": USER_AGENT}
    ) as session:
        factory = GitHubFactory(
            session,
            base_url=settings.github_api_url,
            auth=settings.auth,
            config=config.github,
            budget=budget,
            **github_options,
        )
        pypi = PyPIClient(
            session,
            settings.pypi_url,
            timeout=config.pypi.timeout.total_seconds(),
            found_ttl=config.pypi.found_ttl.total_seconds(),
            not_found_ttl=config.pypi.not_found_ttl.total_seconds(),
            maxsize=config.pypi.cache_size,
        )
        try:
            yield kind(
                config=config,
                settings=settings,
                session=session,
                factory=factory,
                pypi=pypi,
                **fields,
            )
        finally:
            await pypi.aclose()
