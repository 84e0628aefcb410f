"""PyPIClient against the loopback FakePyPI over real HTTP (no mocks).

The rule these tests guard above all: "not found" only when PyPI said 404; everything
else that goes wrong is "unknown" and is not cached.
"""

from __future__ import annotations

import asyncio

import aiohttp
import pytest
from aiohttp import web

from recovery_bot import PROJECT_URL
from recovery_bot.platform.metrics import REGISTRY
from recovery_bot.platform.pypi import MAX_PAGE_BYTES, PyPIClient, PyPIUser, parse_project_count
from recovery_bot.sandbox.fake_pypi import FakePyPI


class FakeClock:
    """A monotonic clock the test moves by hand, for cache TTLs."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def metric(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def lookups(outcome: str) -> float:
    return metric("recovery_bot_pypi_lookups_total", outcome=outcome)


def cache_hits(kind: str) -> float:
    return metric("recovery_bot_pypi_cache_hits_total", kind=kind)


# --- found / not found / redirects -----------------------------------------------------


@pytest.mark.parametrize(
    ("name", "count"),
    [("alice", 3), ("Bob-Smith", 0), ("dave.k", 1), ("carol_dev", 12)],
)
async def test_found_with_project_count(
    fake_pypi: FakePyPI, pypi_client: PyPIClient, name: str, count: int
) -> None:
    user = await pypi_client.lookup(name)
    assert user == PyPIUser("found", name, canonical=name, project_count=count)
    assert fake_pypi.requests == [f"/user/{name}/"]


async def test_not_found(fake_pypi: FakePyPI, pypi_client: PyPIClient) -> None:
    before = lookups("not_found")
    user = await pypi_client.lookup("nobody")
    assert user == PyPIUser("not_found", "nobody")
    assert lookups("not_found") == before + 1


async def test_case_redirect_reports_canonical_spelling(
    fake_pypi: FakePyPI, pypi_client: PyPIClient
) -> None:
    user = await pypi_client.lookup("bob-SMITH")
    assert user == PyPIUser("found", "bob-SMITH", canonical="Bob-Smith", project_count=0)
    assert fake_pypi.requests == ["/user/bob-SMITH/", "/user/Bob-Smith/"]


async def test_absolute_case_redirect_is_followed() -> None:
    async with FakePyPI({"Alice": 2}, absolute_redirects=True) as pypi:
        async with aiohttp.ClientSession() as session:
            user = await PyPIClient(session, pypi.url).lookup("ALICE")
    assert (user.status, user.canonical, user.project_count) == ("found", "Alice", 2)


async def test_separators_are_not_normalized(fake_pypi: FakePyPI, pypi_client: PyPIClient) -> None:
    fake_pypi.add_user("foo_bar", 2)
    assert (await pypi_client.lookup("foo_bar")).status == "found"
    assert (await pypi_client.lookup("foo-bar")).status == "not_found"
    assert (await pypi_client.lookup("foo.bar")).status == "not_found"


# --- unknown: 5xx, timeout, refused -----------------------------------------------------


async def test_5xx_is_unknown_and_not_cached(fake_pypi: FakePyPI, pypi_client: PyPIClient) -> None:
    fake_pypi.fail(503)
    user = await pypi_client.lookup("alice")
    assert user == PyPIUser("unknown", "alice", detail="HTTP 503")
    again = await pypi_client.lookup("alice")
    assert again.status == "found" and not again.cached
    assert len(fake_pypi.requests) == 2


async def test_429_and_500_are_unknown(fake_pypi: FakePyPI, pypi_client: PyPIClient) -> None:
    fake_pypi.fail(429)
    fake_pypi.fail(500)
    assert (await pypi_client.lookup("nobody")).detail == "HTTP 429"
    assert (await pypi_client.lookup("nobody")).detail == "HTTP 500"
    assert (await pypi_client.lookup("nobody")).status == "not_found"


async def test_timeout_is_unknown(fake_pypi: FakePyPI) -> None:
    fake_pypi.delay(2.0)
    async with aiohttp.ClientSession() as session:
        client = PyPIClient(session, fake_pypi.url, timeout=0.2)
        user = await client.lookup("alice")
        assert user == PyPIUser("unknown", "alice", detail="timeout")
        assert (await client.lookup("alice")).status == "found"  # not cached


async def test_connection_refused_then_recovery(
    fake_pypi: FakePyPI, pypi_client: PyPIClient
) -> None:
    assert (await pypi_client.lookup("alice")).status == "found"  # warm keep-alive conn
    await fake_pypi.go_down()
    user = await pypi_client.lookup("carol_dev")
    assert user == PyPIUser("unknown", "carol_dev", detail="connection refused")
    await fake_pypi.come_back()
    user = await pypi_client.lookup("carol_dev")
    assert (user.status, user.project_count) == ("found", 12)


# --- caching -----------------------------------------------------------------------------


async def test_found_and_not_found_ttls(fake_pypi: FakePyPI) -> None:
    clock = FakeClock()
    async with aiohttp.ClientSession() as session:
        client = PyPIClient(session, fake_pypi.url, found_ttl=100, not_found_ttl=10, timer=clock)
        hits = cache_hits("cache")
        assert not (await client.lookup("alice")).cached
        assert not (await client.lookup("ghost")).cached
        assert len(fake_pypi.requests) == 2

        clock.now += 9
        assert (await client.lookup("alice")).cached
        assert (await client.lookup("ghost")).cached
        assert len(fake_pypi.requests) == 2
        assert cache_hits("cache") == hits + 2

        clock.now += 2  # 11 s: not-found expired, found still fresh
        fake_pypi.add_user("ghost", 0)
        ghost = await client.lookup("ghost")
        assert (ghost.status, ghost.cached) == ("found", False)
        assert (await client.lookup("alice")).cached
        assert len(fake_pypi.requests) == 3

        clock.now += 100  # found expired too
        assert not (await client.lookup("alice")).cached
        assert len(fake_pypi.requests) == 4


async def test_cache_key_is_case_insensitive(fake_pypi: FakePyPI, pypi_client: PyPIClient) -> None:
    await pypi_client.lookup("alice")
    user = await pypi_client.lookup("ALICE")
    assert user == PyPIUser("found", "ALICE", canonical="alice", project_count=3, cached=True)
    assert fake_pypi.requests == ["/user/alice/"]


async def test_bypass_cache_refetches_and_stores(
    fake_pypi: FakePyPI, pypi_client: PyPIClient
) -> None:
    assert (await pypi_client.lookup("alice")).project_count == 3
    fake_pypi.add_user("alice", 0)  # the owner deleted their projects
    assert (await pypi_client.lookup("alice")).project_count == 3  # cached
    fresh = await pypi_client.lookup("Alice", bypass_cache=True)
    assert (fresh.project_count, fresh.cached, fresh.canonical) == (0, False, "alice")
    later = await pypi_client.lookup("alice")
    assert (later.project_count, later.cached) == (0, True)
    assert len(fake_pypi.requests) == 3  # alice, Alice (bypass) -> redirect -> alice


async def test_not_found_replaced_by_found_on_recheck(
    fake_pypi: FakePyPI, pypi_client: PyPIClient
) -> None:
    assert (await pypi_client.lookup("newbie")).status == "not_found"
    fake_pypi.add_user("newbie", 1)
    assert (await pypi_client.lookup("newbie", bypass_cache=True)).status == "found"
    assert (await pypi_client.lookup("newbie")).status == "found"


# --- single-flight -----------------------------------------------------------------------


async def test_single_flight_50_concurrent_lookups(
    fake_pypi: FakePyPI, pypi_client: PyPIClient
) -> None:
    fake_pypi.delay(0.2)
    before = cache_hits("singleflight")
    results = await asyncio.gather(*(pypi_client.lookup("carol_dev") for _ in range(50)))
    assert fake_pypi.requests == ["/user/carol_dev/"]
    assert set(results) == {PyPIUser("found", "carol_dev", canonical="carol_dev", project_count=12)}
    assert len(results) == 50
    assert cache_hits("singleflight") == before + 49


async def test_single_flight_keys_ignore_case(fake_pypi: FakePyPI, pypi_client: PyPIClient) -> None:
    fake_pypi.delay(0.1)
    a, b = await asyncio.gather(pypi_client.lookup("ALICE"), pypi_client.lookup("alice"))
    assert (a.username, b.username) == ("ALICE", "alice")
    assert a.canonical == b.canonical == "alice"
    assert fake_pypi.requests == ["/user/ALICE/", "/user/alice/"]  # one lookup, one redirect


async def test_cancelled_waiter_does_not_cancel_shared_request(
    fake_pypi: FakePyPI, pypi_client: PyPIClient
) -> None:
    fake_pypi.delay(0.2)
    first = asyncio.create_task(pypi_client.lookup("alice"))  # starts the request
    await asyncio.sleep(0)
    others = [asyncio.create_task(pypi_client.lookup("alice")) for _ in range(3)]
    await asyncio.sleep(0.05)
    first.cancel()
    with pytest.raises(asyncio.CancelledError):
        await first
    results = await asyncio.gather(*others)
    assert all(r.status == "found" and r.project_count == 3 for r in results)
    assert fake_pypi.requests == ["/user/alice/"]


async def test_orphaned_request_still_fills_cache(
    fake_pypi: FakePyPI, pypi_client: PyPIClient
) -> None:
    fake_pypi.delay(0.1)
    only = asyncio.create_task(pypi_client.lookup("dave.k"))
    await asyncio.sleep(0.02)
    only.cancel()
    with pytest.raises(asyncio.CancelledError):
        await only
    user = await pypi_client.lookup("dave.k")  # joins the still-running request
    assert (user.status, user.project_count) == ("found", 1)
    assert (await pypi_client.lookup("dave.k")).cached
    assert fake_pypi.requests == ["/user/dave.k/"]


async def test_failure_in_shared_request_is_unknown_for_all(fake_pypi: FakePyPI) -> None:
    session = aiohttp.ClientSession()
    await session.close()  # every request now raises RuntimeError, not a ClientError
    client = PyPIClient(session, fake_pypi.url)
    results = await asyncio.gather(*(client.lookup("alice") for _ in range(5)))
    assert {(r.status, r.detail) for r in results} == {("unknown", "internal error")}
    assert fake_pypi.requests == []


async def test_aclose_turns_inflight_into_unknown(
    fake_pypi: FakePyPI, pypi_client: PyPIClient
) -> None:
    fake_pypi.delay(1.0)
    waiters = [asyncio.create_task(pypi_client.lookup("alice")) for _ in range(2)]
    await asyncio.sleep(0.05)
    await pypi_client.aclose()
    results = await asyncio.gather(*waiters)
    assert {(r.status, r.detail) for r in results} == {("unknown", "lookup cancelled")}


# --- input validation and headers ---------------------------------------------------------


@pytest.mark.parametrize(
    "bad", ["../admin", "a b", "x" * 51, "é", "", "alice/", "-alice", "a%2Fb", "alice\n"]
)
async def test_invalid_names_raise_and_make_no_request(
    fake_pypi: FakePyPI, pypi_client: PyPIClient, bad: str
) -> None:
    before = lookups("invalid")
    with pytest.raises(ValueError):
        await pypi_client.lookup(bad)
    assert fake_pypi.requests == []
    assert lookups("invalid") == before + 1


async def test_user_agent_names_bot_and_project(
    fake_pypi: FakePyPI, pypi_client: PyPIClient
) -> None:
    await pypi_client.lookup("alice")
    (agent,) = fake_pypi.user_agents
    assert agent is not None
    assert "recovery-bot" in agent and PROJECT_URL in agent


# --- redirects we must not follow, oversized pages (a hostile "PyPI") ---------------------


async def serve(app: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    return runner, f"http://{host}:{port}"


@pytest.mark.parametrize(
    ("location", "detail"),
    [
        ("http://evil.example/user/alice/", "unexpected redirect (HTTP 301)"),
        ("/user/mallory/", "unexpected redirect (HTTP 301)"),  # another user entirely
        ("/admin/", "unexpected redirect (HTTP 301)"),
        ("/user/ALICE/?next=x", "unexpected redirect (HTTP 301)"),
        ("/user/%2E%2E/", "unexpected redirect (HTTP 301)"),
        ("/user/ALICE/", "too many redirects"),  # endless case "fixes"
    ],
)
async def test_unsafe_redirects_are_not_followed(location: str, detail: str) -> None:
    hits: list[str] = []

    async def handler(request: web.Request) -> web.Response:
        hits.append(request.raw_path)
        return web.Response(status=301, headers={"Location": location})

    app = web.Application()
    app.router.add_get("/{tail:.*}", handler)
    runner, url = await serve(app)
    try:
        async with aiohttp.ClientSession() as session:
            user = await PyPIClient(session, url).lookup("alice")
    finally:
        await runner.cleanup()
    assert user == PyPIUser("unknown", "alice", detail=detail)
    assert len(hits) <= 4  # first request + at most 3 hops
    assert all(h.startswith("/user/") for h in hits)


async def test_page_is_read_only_up_to_the_limit() -> None:
    async def handler(request: web.Request) -> web.StreamResponse:
        resp = web.StreamResponse(headers={"Content-Type": "text/html"})
        await resp.prepare(request)
        await resp.write(b'<div class="left-layout__main"><h2>\n 7 projects\n </h2>')
        chunk = b"x" * 65536
        try:
            for _ in range(MAX_PAGE_BYTES // len(chunk) * 4):  # 8 MiB offered
                await resp.write(chunk)
        except (ConnectionResetError, aiohttp.ClientConnectionResetError):
            pass  # the client stopped reading, as it should
        return resp

    app = web.Application()
    app.router.add_get("/user/{name}/", handler)
    runner, url = await serve(app)
    try:
        async with aiohttp.ClientSession() as session:
            user = await PyPIClient(session, url).lookup("alice")
    finally:
        await runner.cleanup()
    assert (user.status, user.project_count) == ("found", 7)


# --- the parser on its own ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("page", "count"),
    [
        (FakePyPI._render_profile("x", 0), 0),
        (FakePyPI._render_profile("x", 1), 1),
        (FakePyPI._render_profile("x", 40), 40),
        ('<div class="left-layout__main"><h2>1,234 projects</h2>', 1234),
        # heading reworded: fall back to counting snippets, then the empty callout
        (
            '<div class="left-layout__main"><h2>Projects</h2>'
            '<div class="package-snippet"></div><div class="package-snippet"></div>',
            2,
        ),
        (
            '<div class="left-layout__main"><h2>Projekte</h2>'
            "<p>x has not uploaded any projects to PyPI, yet</p>",
            0,
        ),
        # no idea: None, never a guess of 0 (that would mean the fast lane)
        ('<footer><h2 class="footer__heading">Help</h2></footer>', None),
        ("", None),
    ],
)
def test_parse_project_count(page: str, count: int | None) -> None:
    assert parse_project_count(page) == count


def test_fake_profile_markup_looks_like_warehouse() -> None:
    page = FakePyPI._render_profile("Bob-Smith", 2)
    assert '<a href="/project/bob-smith-project-1/">Bob-Smith-project-1</a>' in page
    assert page.count('class="package-snippet"') == 2
    assert '<h2 class="footer__heading">' in page  # the parser must not be fooled
