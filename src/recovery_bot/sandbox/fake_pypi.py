"""A loopback stand-in for pypi.org's user pages: a real aiohttp server on 127.0.0.1.

Why a real server and not a mock: the PyPI client's hard parts are HTTP-level (redirects
it must follow itself, timeouts, refused connections, status codes, body size), and only a
socket exercises them honestly. The same fake serves the tests, ``inspect --pypi-url`` and
the demo.

Behaviour copied from warehouse (``warehouse/routes.py``, ``accounts/views.py``):

- ``GET /user/{name}/`` -> 200 profile page when the account exists and the case matches;
  301 to ``/user/{Canonical}/`` when it exists under another case (the lookup is
  case-insensitive, like the ``CITEXT`` column, but ``-``, ``_`` and ``.`` are *not*
  normalized: ``foo_bar`` and ``foo-bar`` are different users); 404 HTML otherwise.
- ``GET /user/{name}`` (no trailing slash) -> 301 to the slashed path (``append_slash``).
- ``GET /u/{name}/`` -> 301 to ``/user/{name}/`` (warehouse's short alias).

The profile markup follows ``warehouse/templates/accounts/profile.html`` (pypi/warehouse
@6cf8d25): the count is the ``<h2>`` in ``div.left-layout__main`` rendered by a jinja
``{% trans count=... %}`` block with its whitespace ("1 project", "N projects", or
"No projects" when there are none), followed by ``div.package-list`` with one
``div.package-snippet`` per project whose title links to ``/project/<normalized>/``.
The footer carries ``<h2>`` headings of its own, as pypi.org's does, so a parser that
grabs "the first h2 with a number" is not rewarded by accident.

Fault injection: :meth:`FakePyPI.fail` (answer a status), :meth:`FakePyPI.delay`
(answer late), :meth:`FakePyPI.go_down` / :meth:`FakePyPI.come_back` (close the
listening socket and every open connection, so clients get a real "connection refused",
then listen again on the same port).
"""

from __future__ import annotations

import asyncio
import html
import re
from collections.abc import Mapping
from types import TracebackType

from aiohttp import web
from aiohttp.typedefs import Handler

__all__ = ["FakePyPI"]

_NAME_NORMALIZE = re.compile(r"[-_.]+")


def _project_slug(name: str) -> str:
    """PEP 503 normalization, as warehouse's ``packaging.project`` route uses."""
    return _NAME_NORMALIZE.sub("-", name).lower()


_PAGE = """<!DOCTYPE html>
<html lang="en" dir="ltr">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>{title} · PyPI</title>
  </head>
  <body data-controller="viewport-toggle">
    <header class="site-header">
      <div class="site-container">
        <a class="site-header__logo" href="/"><img alt="PyPI" src="/static/images/logo.svg"></a>
        <form class="search-form" action="/search/" role="search">
          <input type="text" class="search-form__search" name="q" placeholder="Search projects">
        </form>
      </div>
    </header>
    <main id="content">
{content}
    </main>
    <footer class="footer">
      <div class="footer__menus">
        <div class="footer__menu">
          <h2 class="footer__heading">Help</h2>
          <nav><ul><li><a href="/help/">Installing packages</a></li></ul></nav>
        </div>
        <div class="footer__menu">
          <h2 class="footer__heading">About PyPI</h2>
          <nav><ul><li><a href="/sponsors/">Sponsors</a></li></ul></nav>
        </div>
        <div class="footer__menu">
          <h2 class="footer__heading">Contributing to PyPI</h2>
        </div>
      </div>
    </footer>
  </body>
</html>
"""

_SNIPPET = """        <div class="package-snippet">
          <h3 class="package-snippet__title"><a href="/project/{slug}/">{name}</a></h3>
          <p class="package-snippet__meta">
            <em>Last released on <time datetime="2024-05-01T12:00:00+0000">May 1, 2024</time></em>
          </p>
          <p class="package-snippet__description">{name}: a fixture project</p>
        </div>
"""

_NO_PROJECTS = """          <div class="callout-block no-top-margin">
            <p>{name} has not uploaded any projects to PyPI, yet</p>
          </div>
"""

_PROFILE = """<section class="horizontal-section horizontal-section--medium">
  <div class="left-layout">
    <div class="left-layout__sidebar">
      <div class="author-profile">
        <img src="https://pypi-camo.freetls.fastly.net/0000/avatar" alt="{alt}" title="{alt}">
        <div class="author-profile__info">
          <div class="author-profile__meta">
            <p><i class="fa fa-user-circle" aria-hidden="true"></i>&nbsp;&nbsp;{name}</p>
            <p><i class="fa fa-calendar-o" aria-hidden="true"></i>&nbsp;&nbsp;Joined on <time datetime="2019-03-04T10:00:00+0000">Mar 4, 2019</time></p>
          </div>
        </div>
      </div>
    </div>

    <div class="left-layout__main">
      <h2>
        {heading}
      </h2>
      <div class="package-list">
{items}      </div>
    </div>
  </div>
</section>"""  # noqa: E501

_NOT_FOUND = """<section class="horizontal-section">
  <div class="site-container">
    <h1 class="page-title">404 Error</h1>
    <p>We looked everywhere but couldn't find this page</p>
  </div>
</section>"""

_ERROR = """<section class="horizontal-section">
  <div class="site-container">
    <h1 class="page-title">Error {status} {reason}</h1>
    <p>Guru Mediation: fake outage injected by FakePyPI</p>
  </div>
</section>"""


class FakePyPI:
    """pypi.org's ``/user/<name>/`` pages with state, a request log and fault injection.

    ``users`` maps the canonical spelling of each username to its number of projects.
    Use it as ``async with FakePyPI({...}) as pypi:`` or call :meth:`start` /
    :meth:`close` yourself. ``absolute_redirects=True`` sends ``Location`` as an
    absolute URL (what WebOb on the real site tends to do) instead of a path, so the
    client's handling of both can be tested.
    """

    def __init__(
        self,
        users: Mapping[str, int] | None = None,
        *,
        absolute_redirects: bool = False,
    ) -> None:
        self._users: dict[str, tuple[str, int]] = {}
        for name, projects in (users or {}).items():
            self.add_user(name, projects)
        self.absolute_redirects = absolute_redirects
        #: Paths requested (raw, as sent on the wire), in order, including failed ones.
        self.requests: list[str] = []
        #: The ``User-Agent`` header of each request, parallel to :attr:`requests`.
        self.user_agents: list[str | None] = []
        self._failures: list[int] = []
        self._delays: list[float] = []
        self._closing = asyncio.Event()
        self.app = web.Application()
        self.app.router.add_get("/user/{name}/", self._profile)
        self.app.router.add_get("/user/{name}", self._append_slash)
        self.app.router.add_get("/u/{name}/", self._short_alias)
        self.app.middlewares.append(self._faults)
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None
        self._host = "127.0.0.1"
        self._port = 0
        self.url = ""

    # --- state -----------------------------------------------------------------------

    def add_user(self, username: str, projects: int = 1) -> None:
        """Create (or replace) an account; ``username`` is its canonical spelling."""
        if projects < 0:
            raise ValueError("projects must be >= 0")
        self._users[username.casefold()] = (username, projects)

    def remove_user(self, username: str) -> None:
        """Delete an account (self-deletion or an admin nuke): its page then 404s."""
        self._users.pop(username.casefold(), None)

    # --- fault injection ---------------------------------------------------------------

    def fail(self, status: int, times: int = 1) -> None:
        """Answer the next ``times`` requests with ``status`` (e.g. 503) and an error page."""
        self._failures.extend([status] * times)

    def delay(self, seconds: float, times: int = 1) -> None:
        """Hold the next ``times`` requests for ``seconds`` before answering."""
        self._delays.extend([seconds] * times)

    async def go_down(self) -> None:
        """Stop listening and drop open connections: clients now get ECONNREFUSED.

        Only closing the listening socket is not enough: a client's keep-alive
        connection would still be answered, so open connections are shut too.
        """
        if self._site is None or self._runner is None:
            return
        await self._site.stop()
        self._site = None
        server = self._runner.server
        if server is not None:
            server.pre_shutdown()
            await server.shutdown(0.05)

    async def come_back(self) -> None:
        """Listen again on the same host and port after :meth:`go_down`."""
        if self._runner is None:
            raise RuntimeError("FakePyPI was never started")
        if self._site is not None:
            return
        self._site = web.TCPSite(self._runner, self._host, self._port, reuse_address=True)
        await self._site.start()

    # --- lifecycle ---------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Listen on ``host:port`` (0 picks a free port) and return the base URL."""
        # handler_cancellation: a client that gave up (timeout) cancels its delayed
        # handler, so nothing lingers; shutdown_timeout keeps close() quick.
        self._runner = web.AppRunner(
            self.app, handler_cancellation=True, shutdown_timeout=0.5, access_log=None
        )
        await self._runner.setup()
        self._site = web.TCPSite(self._runner, host, port, reuse_address=True)
        await self._site.start()
        self._host, self._port = self._runner.addresses[0][:2]
        self.url = f"http://{self._host}:{self._port}"
        return self.url

    async def close(self) -> None:
        """Stop the server; delayed requests still pending are released at once."""
        self._closing.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
            self._site = None

    async def __aenter__(self) -> FakePyPI:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    # --- HTTP --------------------------------------------------------------------------

    @web.middleware
    async def _faults(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Log the request, then apply any queued delay and failure before answering."""
        self.requests.append(request.raw_path)
        self.user_agents.append(request.headers.get("User-Agent"))
        if self._delays:
            seconds = self._delays.pop(0)
            try:
                await asyncio.wait_for(self._closing.wait(), seconds)
            except TimeoutError:
                pass
        if self._failures:
            status = self._failures.pop(0)
            reason = web.Response(status=status).reason
            body = _PAGE.format(
                title=f"Error {status}",
                content=_ERROR.format(status=status, reason=html.escape(reason)),
            )
            return web.Response(status=status, text=body, content_type="text/html")
        return await handler(request)

    def _redirect(self, request: web.Request, path: str) -> web.Response:
        location = str(request.url.with_path(path)) if self.absolute_redirects else path
        return web.Response(status=301, headers={"Location": location})

    async def _profile(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        entry = self._users.get(name.casefold())
        if entry is None:
            return web.Response(
                status=404,
                text=_PAGE.format(title="Page Not Found (404)", content=_NOT_FOUND),
                content_type="text/html",
            )
        canonical, projects = entry
        if name != canonical:
            return self._redirect(request, f"/user/{canonical}/")
        return web.Response(
            text=self._render_profile(canonical, projects), content_type="text/html"
        )

    async def _append_slash(self, request: web.Request) -> web.Response:
        return self._redirect(request, request.path + "/")

    async def _short_alias(self, request: web.Request) -> web.Response:
        return self._redirect(request, f"/user/{request.match_info['name']}/")

    @staticmethod
    def _render_profile(username: str, projects: int) -> str:
        """Render the profile the way warehouse's template does (see module docstring)."""
        name = html.escape(username)
        if projects:
            heading = f"\n            {projects} project{'s' if projects != 1 else ''}\n          "
            items = "".join(
                _SNIPPET.format(
                    slug=_project_slug(f"{username}-project-{i}"),
                    name=html.escape(f"{username}-project-{i}"),
                )
                for i in range(1, projects + 1)
            )
        else:
            heading = "\n            No projects\n          "
            items = _NO_PROJECTS.format(name=name)
        content = _PROFILE.format(
            alt=f"Avatar for {name} from gravatar.com", name=name, heading=heading, items=items
        )
        return _PAGE.format(title=name, content=content)
