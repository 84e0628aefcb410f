"""PyPI user lookups: does this account exist, how is it spelled, how many projects.

PyPI has no user JSON API (the XML-RPC ``user_packages`` answers ``[]`` for unknown users
*and* for users without projects, so it cannot prove existence). The only honest check is
the public profile page, ``GET {PYPI_URL}/user/<name>/``:

- 200: the account exists; the page says how many projects it has. Zero-project
  accounts are a fast lane for the maintainers, so the count matters.
- 301 to ``/user/<Canonical>/``: the account exists under another case. We follow that
  ourselves (``allow_redirects=False``) so that only a same-origin redirect to
  ``/user/<the same name, other case>/`` is ever followed, at most three hops.
- 404: no such user (never existed, self-deleted or nuked: PyPI cannot tell which).
- Anything else, a timeout or a refused connection: **unknown**. Telling someone their
  account does not exist because PyPI was down would send the maintainers down the
  wrong path, so "not found" is reported only when PyPI said 404.

Answers are cached (found and not-found with their own TTLs; unknown never), and
concurrent lookups of one name share one request (single-flight), because a burst of
webhook deliveries for one issue must not become a burst of requests to PyPI, whose
API etiquette asks for few, serial requests with an identifying User-Agent.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import re
import time
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from urllib.parse import quote

import aiohttp
from cachetools import TTLCache
from yarl import URL

from recovery_bot import USER_AGENT
from recovery_bot.core.pypi_user import LookupStatus, PyPIUser, is_valid_username
from recovery_bot.platform.metrics import PYPI_CACHE_HITS, PYPI_LOOKUPS

__all__ = [
    "MAX_PAGE_BYTES",
    "MAX_REDIRECTS",
    "LookupStatus",
    "PyPIClient",
    "PyPIUser",
    "parse_project_count",
]

log = logging.getLogger(__name__)

#: A profile page is tens of kB; even thousands of projects stay well under this. Reading
#: more would only let a misbehaving server (or a test double) make us buffer without end.
MAX_PAGE_BYTES = 2 * 1024 * 1024
#: pypi.org needs one hop (case fix); three leaves room for a CDN quirk, not for a loop.
MAX_REDIRECTS = 3

_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


# --- profile page parsing (pure) -------------------------------------------------------
#
# warehouse/templates/accounts/profile.html renders, inside div.left-layout__main,
#   <h2>{% trans count=projects|length %}{{ count }} project{% pluralize %}
#        {{ count }} projects{% endtrans %}</h2>          or  <h2>No projects</h2>
# followed by div.package-list with one div.package-snippet per project (or a callout
# "<name> has not uploaded any projects to PyPI, yet"). The footer has <h2>s too, so the
# search starts at the main column. Accept-Language: en keeps the text English.

_MAIN_COLUMN = "left-layout__main"
_HEADING_RE = re.compile(
    r"<h2\b[^>]*>\s*(?:(?P<count>\d[\d,]*)\s+projects?|(?P<none>No\s+projects))\s*</h2>",
    re.IGNORECASE,
)
_SNIPPET_RE = re.compile(r"""class\s*=\s*["']package-snippet["']""")
_EMPTY_RE = re.compile(r"has not uploaded any projects", re.IGNORECASE)


def parse_project_count(page: str) -> int | None:
    """Number of projects on a PyPI profile page, or None when the page can't tell.

    The heading is authoritative; if its wording ever changes, counting the project
    snippets (or spotting the "has not uploaded any projects" callout) is the fallback.
    None rather than a guess, because 0 would put a request in the fast lane.
    """
    start = page.find(_MAIN_COLUMN)
    region = page[start:] if start >= 0 else page
    match = _HEADING_RE.search(region)
    if match:
        if match["none"]:
            return 0
        return int(match["count"].replace(",", ""))
    snippets = len(_SNIPPET_RE.findall(region))
    if snippets:
        return snippets
    if _EMPTY_RE.search(region):
        return 0
    return None


# --- the client (imperative shell) -----------------------------------------------------


class PyPIClient:
    """Looks PyPI users up over HTTP, with caching and single-flight.

    The ``aiohttp.ClientSession`` is the caller's (one per app), and so is closing it.
    ``timer`` drives the cache TTLs only, so tests can move time without sleeping.
    """

    def __init__(
        self,
        session: aiohttp.ClientSession,
        base_url: str = "https://pypi.org",
        *,
        timeout: float = 5.0,
        user_agent: str = USER_AGENT,
        found_ttl: float = 6 * 3600,
        not_found_ttl: float = 600,
        maxsize: int = 10_000,
        timer: Callable[[], float] = time.monotonic,
    ) -> None:
        base = URL(base_url)
        if not base.absolute or base.scheme not in ("http", "https") or not base.host:
            raise ValueError(f"PyPI base URL must be an absolute http(s) URL: {base_url!r}")
        if timeout <= 0:
            raise ValueError("timeout must be > 0")
        self._session = session
        self._base = base.with_query(None).with_fragment(None)
        self._prefix = base.raw_path.rstrip("/")
        self._timeout = timeout
        self._headers = {
            "User-Agent": user_agent,
            "Accept": "text/html",
            "Accept-Language": "en",
        }
        self._found: TTLCache[str, PyPIUser] = TTLCache(maxsize, found_ttl, timer=timer)
        self._not_found: TTLCache[str, PyPIUser] = TTLCache(maxsize, not_found_ttl, timer=timer)
        self._inflight: dict[str, asyncio.Task[PyPIUser]] = {}

    @property
    def base_url(self) -> URL:
        """Where lookups go (``PYPI_URL``)."""
        return self._base

    def user_url(self, username: str) -> URL:
        """The profile URL of a *valid* name, built with quoting, never concatenation."""
        if not is_valid_username(username):
            raise ValueError("not a valid PyPI username")
        path = f"{self._prefix}/user/{quote(username, safe='')}/"
        return self._base.with_path(path, encoded=True)

    async def lookup(self, username: str, *, bypass_cache: bool = False) -> PyPIUser:
        """Look ``username`` up; never raises for network trouble (that is "unknown").

        Raises ValueError for a name PyPI could not have (callers validate first; this
        is the last line that keeps untrusted text out of URLs). ``bypass_cache`` (the
        ``/recheck`` command) skips the cache read but still stores the fresh answer.
        """
        if not is_valid_username(username):
            PYPI_LOOKUPS.labels("invalid").inc()
            shown = username[:60] if isinstance(username, str) else type(username).__name__
            raise ValueError(f"not a valid PyPI username: {shown!r}")
        key = username.casefold()
        if not bypass_cache:
            hit = self._found.get(key) or self._not_found.get(key)
            if hit is not None:
                PYPI_CACHE_HITS.labels("cache").inc()
                return replace(hit, username=username, cached=True)
        task = self._inflight.get(key)
        if task is None:
            task = asyncio.create_task(self._fetch(username, key), name=f"pypi-lookup:{key}")
            self._inflight[key] = task
            task.add_done_callback(partial(self._forget, key))
        else:
            PYPI_CACHE_HITS.labels("singleflight").inc()
        result = await self._wait(task, username)
        return result if result.username == username else replace(result, username=username)

    def forget(self, username: str) -> None:
        """Drop any cached answer for ``username`` (e.g. after an account is deleted)."""
        key = username.casefold()
        self._found.pop(key, None)
        self._not_found.pop(key, None)

    async def aclose(self) -> None:
        """Cancel lookups still in flight (shutdown); their waiters get "unknown"."""
        tasks = list(self._inflight.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    # --- internals ---------------------------------------------------------------------

    def _forget(self, key: str, task: asyncio.Task[PyPIUser]) -> None:
        if self._inflight.get(key) is task:
            del self._inflight[key]

    async def _wait(self, task: asyncio.Task[PyPIUser], username: str) -> PyPIUser:
        """Wait for the shared request without letting this waiter's cancellation
        cancel it for everyone else (shield), and turn its failure into "unknown"."""
        try:
            return await asyncio.shield(task)
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if task.cancelled() and (current is None or current.cancelling() == 0):
                return PyPIUser("unknown", username, detail="lookup cancelled")
            raise
        except Exception:  # _fetch catches everything; this is belt and braces
            log.exception("pypi lookup name=%s failed unexpectedly", username)
            return PyPIUser("unknown", username, detail="internal error")

    async def _fetch(self, username: str, key: str) -> PyPIUser:
        """One real lookup: request, classify, count, log, cache."""
        started = time.perf_counter()
        try:
            async with asyncio.timeout(self._timeout):
                result = await self._request(username, key)
        except TimeoutError:
            result = PyPIUser("unknown", username, detail="timeout")
        except aiohttp.ClientConnectorError as exc:
            refused = getattr(exc.os_error, "errno", None) == errno.ECONNREFUSED
            detail = "connection refused" if refused else "connection error"
            result = PyPIUser("unknown", username, detail=detail)
        except aiohttp.ClientError as exc:
            result = PyPIUser("unknown", username, detail=f"network error ({type(exc).__name__})")
        except Exception:
            log.exception("pypi lookup name=%s failed unexpectedly", username)
            result = PyPIUser("unknown", username, detail="internal error")
        elapsed_ms = (time.perf_counter() - started) * 1000
        PYPI_LOOKUPS.labels(result.status).inc()
        log.info(
            "pypi lookup name=%s outcome=%s canonical=%s projects=%s detail=%s duration_ms=%.1f",
            username,
            result.status,
            result.canonical,
            result.project_count,
            result.detail or "-",
            elapsed_ms,
        )
        if result.status == "found":
            self._found[key] = result
            self._not_found.pop(key, None)
        elif result.status == "not_found":
            self._not_found[key] = result
            self._found.pop(key, None)
        return result

    async def _request(self, username: str, key: str) -> PyPIUser:
        """GET the profile, following only same-origin case redirects of the same name."""
        url = self.user_url(username)
        name = username
        client_timeout = aiohttp.ClientTimeout(total=self._timeout)
        for _hop in range(MAX_REDIRECTS + 1):
            async with self._session.get(
                url,
                headers=self._headers,
                allow_redirects=False,
                raise_for_status=False,
                timeout=client_timeout,
            ) as resp:
                if resp.status == 200:
                    page = await _read_text(resp, MAX_PAGE_BYTES)
                    return PyPIUser(
                        "found", username, canonical=name, project_count=parse_project_count(page)
                    )
                if resp.status == 404:
                    return PyPIUser("not_found", username)
                if resp.status not in _REDIRECT_STATUSES:
                    return PyPIUser("unknown", username, detail=f"HTTP {resp.status}")
                target = self._redirect_name(url, resp.headers.get("Location"), key)
                if target is None:
                    return PyPIUser(
                        "unknown", username, detail=f"unexpected redirect (HTTP {resp.status})"
                    )
            name = target
            url = self.user_url(target)
        return PyPIUser("unknown", username, detail="too many redirects")

    def _redirect_name(self, current: URL, location: str | None, key: str) -> str | None:
        """The username a redirect points to, if it is one we may follow, else None.

        Followable: same scheme, host and port as ``PYPI_URL``; no query or fragment;
        path exactly ``<prefix>/user/<valid name>/`` with the name equal to the one asked
        for up to case (a case fix is the only redirect PyPI has a reason to send).
        """
        if not location:
            return None
        try:
            target = current.join(URL(location))
            origin = (target.scheme, target.host, target.port)
        except ValueError:
            return None
        if origin != (self._base.scheme, self._base.host, self._base.port):
            return None
        if target.raw_query_string or target.raw_fragment:
            return None
        match = re.fullmatch(r"/user/([^/]+)/", target.raw_path.removeprefix(self._prefix))
        if not target.raw_path.startswith(self._prefix + "/user/") or match is None:
            return None
        name = match.group(1)
        if not is_valid_username(name) or name.casefold() != key:
            return None
        return name


async def _read_text(resp: aiohttp.ClientResponse, limit: int) -> str:
    """Read at most ``limit`` bytes of the body and decode it leniently."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in resp.content.iter_chunked(64 * 1024):
        chunk = chunk[: limit - size]
        chunks.append(chunk)
        size += len(chunk)
        if size >= limit:
            break
    body = b"".join(chunks)
    try:
        return body.decode(resp.charset or "utf-8", errors="replace")
    except LookupError:  # a charset Python does not know
        return body.decode("utf-8", errors="replace")
