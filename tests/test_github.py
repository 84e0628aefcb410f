"""The GitHub client: retries, rate limits, write budget, auth, issue operations.

Everything runs against the shared loopback ``FakeGitHub`` (fixtures in
``fixtures_github.py``) with an injected clock and a sleep that only records and
advances it, so no test waits for real except the two timeout tests (~0.1 s each).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import gidgethub
import pytest
import pytest_asyncio

from recovery_bot.core.config import GitHubConfig
from recovery_bot.core.errors import ConfigError
from recovery_bot.platform.github import (
    AppAuth,
    GitHubClient,
    GitHubFactory,
    GitHubUnavailable,
    TokenAuth,
    WriteBudget,
    auth_from_env,
    graphql_url_for,
    split_repo,
)
from recovery_bot.platform.metrics import REGISTRY
from recovery_bot.sandbox.fake_github import FakeGitHub

REPO = "pypi/support"
APP_ID = "424242"  # fixtures_github.GITHUB_APP_ID


# --------------------------------------------------------------------------------------
# Pure parts: write budget, URLs, auth from the environment
# --------------------------------------------------------------------------------------


class FakeTime:
    """A clock and a sleep that advances it, recording every wait."""

    def __init__(self, t: float = 1_800_000_000.0) -> None:
        self.t = t
        self.waits: list[float] = []

    def __call__(self) -> float:
        return self.t

    async def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.t += max(0.0, seconds)


async def test_write_budget_blocks_the_n_plus_first_write_within_a_minute() -> None:
    ft = FakeTime()
    budget = WriteBudget(3, 100, clock=ft, sleep=ft.sleep)
    for _ in range(3):
        assert await budget.acquire() == 0
    assert ft.waits == []
    assert await budget.acquire() == pytest.approx(60)
    assert ft.waits == [pytest.approx(60)]
    # a sliding window: the 5th waits for the 2nd to leave it, not for a new minute
    assert await budget.acquire() == pytest.approx(0)


async def test_write_budget_hour_limit_and_max_wait() -> None:
    ft = FakeTime()
    budget = WriteBudget(10, 4, clock=ft, sleep=ft.sleep)
    for _ in range(4):
        await budget.acquire()
    with pytest.raises(GitHubUnavailable) as info:
        await budget.acquire(max_wait=60)
    assert info.value.retry_after == pytest.approx(3600)
    assert budget.next_wait() == pytest.approx(3600)
    ft.t += 3600
    assert await budget.acquire(max_wait=60) == 0


async def test_write_budget_min_interval_spaces_writes() -> None:
    ft = FakeTime()
    budget = WriteBudget(80, 500, min_interval=1.0, clock=ft, sleep=ft.sleep)
    await budget.acquire()
    await budget.acquire()
    await budget.acquire()
    assert ft.waits == [pytest.approx(1.0), pytest.approx(1.0)]


async def test_write_budget_never_more_than_n_in_any_minute() -> None:
    ft = FakeTime()
    budget = WriteBudget(5, 1000, clock=ft, sleep=ft.sleep)
    grants = []
    for i in range(23):
        ft.t += (i % 3) * 7.5
        await budget.acquire()
        grants.append(ft.t)
    for g in grants:
        assert sum(1 for x in grants if g - 60 < x <= g) <= 5


def test_graphql_url_for() -> None:
    assert graphql_url_for("https://api.github.com") == "https://api.github.com/graphql"
    assert graphql_url_for("https://api.github.com/") == "https://api.github.com/graphql"
    assert (
        graphql_url_for("https://ghe.example.com/api/v3") == "https://ghe.example.com/api/graphql"
    )
    assert (
        graphql_url_for("https://ghe.example.com/api/v3/") == "https://ghe.example.com/api/graphql"
    )
    assert graphql_url_for("http://127.0.0.1:8080") == "http://127.0.0.1:8080/graphql"


def test_split_repo() -> None:
    assert split_repo("pypi/support") == {"owner": "pypi", "repo": "support"}
    with pytest.raises(ValueError):
        split_repo("pypi/support/../x")
    with pytest.raises(ValueError):
        split_repo("nope")


@pytest.fixture
def rsa_pem(github_app_key: tuple[str, str]) -> str:
    """The private half of the shared test key pair (fixtures_github.py)."""
    return github_app_key[0]


def test_auth_from_env_modes(rsa_pem: str, tmp_path: Path) -> None:
    assert auth_from_env({}) is None
    assert auth_from_env({"GITHUB_TOKEN": "  "}) is None
    tok = auth_from_env({"GITHUB_TOKEN": "ghs_secret"})
    assert isinstance(tok, TokenAuth) and tok.token == "ghs_secret"
    assert "ghs_secret" not in repr(tok)

    app = auth_from_env({"GITHUB_APP_ID": "12345", "GITHUB_PRIVATE_KEY": rsa_pem})
    assert isinstance(app, AppAuth) and app.app_id == "12345"
    assert "PRIVATE" not in repr(app)

    one_line = rsa_pem.strip().replace("\n", "\\n")
    assert isinstance(
        auth_from_env({"GITHUB_APP_ID": "1", "GITHUB_PRIVATE_KEY": one_line}), AppAuth
    )
    key_file = tmp_path / "app.pem"
    key_file.write_text(rsa_pem)
    from_file = auth_from_env({"GITHUB_APP_ID": "1", "GITHUB_PRIVATE_KEY_PATH": str(key_file)})
    assert isinstance(from_file, AppAuth)


@pytest.mark.parametrize(
    ("env", "key"),
    [
        ({"GITHUB_APP_ID": "1"}, "GITHUB_PRIVATE_KEY"),
        ({"GITHUB_PRIVATE_KEY": "PEM"}, "GITHUB_APP_ID"),
        ({"GITHUB_PRIVATE_KEY_PATH": "/x.pem"}, "GITHUB_APP_ID"),
        (
            {"GITHUB_APP_ID": "1", "GITHUB_PRIVATE_KEY_PATH": "/nonexistent/k.pem"},
            "GITHUB_PRIVATE_KEY_PATH",
        ),
        ({"GITHUB_APP_ID": "1", "GITHUB_PRIVATE_KEY": "not a key at all"}, "GITHUB_PRIVATE_KEY"),
        ({"GITHUB_TOKEN": "t", "GITHUB_APP_ID": "1"}, "GITHUB_TOKEN"),
        ({"GITHUB_APP_ID": "1 2", "GITHUB_PRIVATE_KEY": "x"}, "GITHUB_APP_ID"),
    ],
)
def test_auth_from_env_errors(env: dict[str, str], key: str) -> None:
    with pytest.raises(ConfigError) as info:
        auth_from_env(env)
    assert info.value.file == "environment"
    assert info.value.key == key
    assert "not a key at all" not in str(info.value)


def test_auth_from_env_key_path_and_key_both(rsa_pem: str, tmp_path: Path) -> None:
    key_file = tmp_path / "app.pem"
    key_file.write_text(rsa_pem)
    with pytest.raises(ConfigError):
        auth_from_env(
            {
                "GITHUB_APP_ID": "1",
                "GITHUB_PRIVATE_KEY": rsa_pem,
                "GITHUB_PRIVATE_KEY_PATH": str(key_file),
            }
        )


def test_auth_from_env_directory_is_unreadable(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        auth_from_env({"GITHUB_APP_ID": "1", "GITHUB_PRIVATE_KEY_PATH": str(tmp_path)})
    assert info.value.key == "GITHUB_PRIVATE_KEY_PATH"


# --------------------------------------------------------------------------------------
# Against the loopback GitHub
# --------------------------------------------------------------------------------------


def calls_to(fake: FakeGitHub, method: str, path: str) -> int:
    return sum(1 for c in fake.calls if c.method == method and c.decoded_path == path)


def metric(method: str, status: str) -> float:
    v = REGISTRY.get_sample_value(
        "recovery_bot_github_calls_total", {"method": method, "status": status}
    )
    return v or 0.0


@pytest.fixture
def ft(fake_github: FakeGitHub) -> FakeTime:
    """Our clock, shared with the fake so x-ratelimit-reset and token expiry agree."""
    clock = FakeTime(float(int(datetime.now(UTC).timestamp())))
    fake_github.now = lambda: datetime.fromtimestamp(clock.t, UTC)
    return clock


@pytest_asyncio.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as s:
        yield s


def factory_for(
    session: aiohttp.ClientSession,
    fake: FakeGitHub,
    ft: FakeTime,
    *,
    auth: TokenAuth | AppAuth | None = None,
    budget: WriteBudget | None = None,
    **config: Any,
) -> GitHubFactory:
    cfg = GitHubConfig(**{"max_retries": 3, **config})
    return GitHubFactory(
        session,
        base_url=fake.url,
        auth=auth or TokenAuth("test-token"),
        config=cfg,
        budget=budget or WriteBudget(80, 500, clock=ft, sleep=ft.sleep),
        sleep=ft.sleep,
        clock=ft,
    )


@pytest_asyncio.fixture
async def gh(session: aiohttp.ClientSession, fake_github: FakeGitHub, ft: FakeTime) -> GitHubClient:
    client = await factory_for(session, fake_github, ft).for_installation(None)
    client._rng = lambda: 1.0  # deterministic back-off: the full (capped) delay
    return client


@pytest.fixture
def issue(fake_github: FakeGitHub) -> int:
    return int(fake_github.add_issue(REPO, title="Account recovery request", body="hi")["number"])


async def test_api_version_header_and_user_agent(
    gh: GitHubClient, fake_github: FakeGitHub, issue: int
) -> None:
    data = await gh.get_issue(REPO, issue)
    assert data["number"] == issue
    (call,) = fake_github.calls
    assert call.headers["x-github-api-version"] == "2022-11-28"
    assert call.headers["user-agent"].startswith("recovery-bot/")
    assert call.headers["authorization"] == "token test-token"


async def test_retries_502_then_succeeds_once(
    gh: GitHubClient, fake_github: FakeGitHub, ft: FakeTime, issue: int
) -> None:
    before = metric("POST", "502")
    fake_github.fail("POST", f"/repos/{REPO}/issues/{issue}/labels", status=502, times=2)
    labels = await gh.add_labels(REPO, issue, ["lost 2fa"])
    assert [lbl["name"] for lbl in labels] == ["lost 2fa"]
    assert calls_to(fake_github, "POST", f"/repos/{REPO}/issues/{issue}/labels") == 3
    assert fake_github.labels(REPO, issue) == ["lost 2fa"]
    assert [e["event"] for e in fake_github.events(REPO, issue)] == ["labeled"]
    assert ft.waits == [1.0, 2.0]  # exponential: base 1 s, doubled
    assert metric("POST", "502") - before == 2


async def test_gives_up_after_max_retries(
    gh: GitHubClient, fake_github: FakeGitHub, issue: int
) -> None:
    fake_github.fail("GET", f"/repos/{REPO}/issues/{issue}", status=503, times=None)
    with pytest.raises(GitHubUnavailable) as info:
        await gh.get_issue(REPO, issue)
    assert info.value.retry_after is None
    assert info.value.status == 503
    assert calls_to(fake_github, "GET", f"/repos/{REPO}/issues/{issue}") == 4  # 1 + 3 retries


async def test_secondary_rate_limit_honours_retry_after(
    gh: GitHubClient, fake_github: FakeGitHub, ft: FakeTime, issue: int
) -> None:
    comment = fake_github.add_comment(REPO, issue, body="old", user="recovery-bot[bot]")
    fake_github.fail_secondary_rate_limit("PATCH", "/repos/*/issues/comments/*", retry_after=7)
    await gh.edit_comment(REPO, comment["id"], "new")
    assert ft.waits == [7.0]
    assert fake_github.comments(REPO, issue)[0]["body"] == "new"
    assert len([c for c in fake_github.calls if c.method == "PATCH"]) == 2


async def test_secondary_rate_limit_without_retry_after_waits_a_minute(
    gh: GitHubClient, fake_github: FakeGitHub, ft: FakeTime, issue: int
) -> None:
    fake_github.fail_secondary_rate_limit("GET", f"/repos/{REPO}/issues/*", retry_after=None)
    await gh.get_issue(REPO, issue)
    assert ft.waits == [60.0]


async def test_429_is_retried(
    gh: GitHubClient, fake_github: FakeGitHub, ft: FakeTime, issue: int
) -> None:
    fake_github.fail_secondary_rate_limit(
        "POST", f"/repos/{REPO}/issues/*/comments", retry_after=3, status=429
    )
    await gh.create_comment(REPO, issue, "hello")
    assert ft.waits == [3.0]
    assert len(fake_github.comments(REPO, issue)) == 1


async def test_primary_rate_limit_waits_for_reset(
    gh: GitHubClient, fake_github: FakeGitHub, ft: FakeTime, issue: int
) -> None:
    fake_github.fail_primary_rate_limit("GET", f"/repos/{REPO}/issues/*", reset_in=30)
    await gh.get_issue(REPO, issue)
    assert ft.waits == [31.0]  # until x-ratelimit-reset, plus one second


async def test_primary_rate_limit_429_with_remaining_zero(
    gh: GitHubClient, fake_github: FakeGitHub, ft: FakeTime, issue: int
) -> None:
    fake_github.fail_primary_rate_limit("GET", f"/repos/{REPO}/issues/*", reset_in=5, status=429)
    await gh.get_issue(REPO, issue)
    assert ft.waits == [6.0]


async def test_long_rate_limit_gives_up_at_once_and_pauses_other_clients(
    session: aiohttp.ClientSession, fake_github: FakeGitHub, ft: FakeTime, issue: int
) -> None:
    factory = factory_for(session, fake_github, ft)
    a = await factory.for_installation(None)
    b = await factory.for_installation(None)
    fake_github.fail_primary_rate_limit("GET", f"/repos/{REPO}/issues/*", reset_in=1800)
    with pytest.raises(GitHubUnavailable) as info:
        await a.get_issue(REPO, issue)
    assert info.value.retry_after == pytest.approx(1801)
    assert ft.waits == []
    n = len(fake_github.calls)
    with pytest.raises(GitHubUnavailable) as info2:
        await b.list_comments(REPO, issue)  # the shared gate: no request at all
    assert info2.value.retry_after == pytest.approx(1801)
    assert len(fake_github.calls) == n
    ft.t += 1801
    assert (await b.get_issue(REPO, issue))["number"] == issue


@pytest.mark.parametrize("status", [400, 401, 403, 404, 410, 422])
async def test_other_4xx_not_retried(
    gh: GitHubClient, fake_github: FakeGitHub, ft: FakeTime, issue: int, status: int
) -> None:
    fake_github.fail("GET", f"/repos/{REPO}/issues/{issue}", status=status)
    with pytest.raises(gidgethub.BadRequest) as info:
        await gh.get_issue(REPO, issue)
    assert info.value.status_code == status
    assert len(fake_github.calls) == 1
    assert ft.waits == []


async def test_real_404_and_422_not_retried(
    gh: GitHubClient, fake_github: FakeGitHub, issue: int
) -> None:
    with pytest.raises(gidgethub.BadRequest) as info:
        await gh.get_issue(REPO, 999)
    assert info.value.status_code == 404
    with pytest.raises(gidgethub.BadRequest) as info:
        await gh.create_comment(REPO, issue, "x" * 70_000)
    assert info.value.status_code == 422
    assert len(fake_github.calls) == 2


async def test_create_comment_not_repeated_after_ambiguous_502(
    gh: GitHubClient, fake_github: FakeGitHub, issue: int
) -> None:
    fake_github.fail("POST", f"/repos/{REPO}/issues/{issue}/comments", status=502, body="<html>")
    with pytest.raises(GitHubUnavailable, match="not repeated"):
        await gh.create_comment(REPO, issue, "hello")
    assert calls_to(fake_github, "POST", f"/repos/{REPO}/issues/{issue}/comments") == 1


async def test_timeout_on_create_is_not_repeated_so_no_duplicate_comment(
    session: aiohttp.ClientSession, fake_github: FakeGitHub, ft: FakeTime, issue: int
) -> None:
    factory = factory_for(session, fake_github, ft, timeout=timedelta(seconds=0.1))
    client = await factory.for_installation(None)
    fake_github.delay("POST", f"/repos/{REPO}/issues/*/comments", 0.3, after=True)
    with pytest.raises(GitHubUnavailable):
        await client.create_comment(REPO, issue, "hello")
    await asyncio.sleep(0.3)  # let the fake finish the delayed answer
    assert len(fake_github.comments(REPO, issue)) == 1


async def test_timeout_on_get_is_retried(
    session: aiohttp.ClientSession, fake_github: FakeGitHub, ft: FakeTime, issue: int
) -> None:
    before = metric("GET", "error")
    factory = factory_for(session, fake_github, ft, timeout=timedelta(seconds=0.1))
    client = await factory.for_installation(None)
    fake_github.delay("GET", f"/repos/{REPO}/issues/*", 0.3)
    assert (await client.get_issue(REPO, issue))["number"] == issue
    assert metric("GET", "error") - before == 1
    assert len(ft.waits) == 1


async def test_connection_refused_retried_then_unavailable(
    session: aiohttp.ClientSession, ft: FakeTime
) -> None:
    with socket_port() as port:
        pass  # closed again: nothing listens there
    client = GitHubClient(
        session,
        oauth_token="t",
        base_url=f"http://127.0.0.1:{port}",
        config=GitHubConfig(max_retries=2),
        sleep=ft.sleep,
        clock=ft,
    )
    with pytest.raises(GitHubUnavailable) as info:
        await client.create_comment(REPO, 1, "x")  # connect errors are safe to repeat
    assert info.value.status == "error"
    assert len(ft.waits) == 2


async def test_getiter_page_retried(gh: GitHubClient, fake_github: FakeGitHub, issue: int) -> None:
    for i in range(150):
        fake_github.add_comment(REPO, issue, body=f"c{i}")
    seen = []
    async for c in gh.getiter(
        "/repos/{owner}/{repo}/issues/{number}/comments{?per_page}",
        {**split_repo(REPO), "number": issue, "per_page": 100},
    ):
        seen.append(c["body"])
        if len(seen) == 1:  # page 1 fetched; make page 2 fail once
            fake_github.fail("GET", f"/repos/{REPO}/issues/{issue}/comments", status=500)
    assert seen == [f"c{i}" for i in range(150)]
    assert calls_to(fake_github, "GET", f"/repos/{REPO}/issues/{issue}/comments") == 3


async def test_graphql_retries_rate_limited_and_5xx(
    gh: GitHubClient, fake_github: FakeGitHub, ft: FakeTime
) -> None:
    assert gh.graphql_url == f"{fake_github.url}/graphql"
    fake_github.fail(
        "POST",
        "/graphql",
        status=200,
        headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(ft.t) + 9)},
        body={"data": None, "errors": [{"type": "RATE_LIMITED", "message": "API rate limit"}]},
    )
    fake_github.fail("POST", "/graphql", status=502)
    data = await gh.graphql("query { viewer { login } }")
    assert data["viewer"]["login"] == "recovery-bot"
    assert ft.waits == [10.0, 2.0]  # back-off counts every retry of the request
    assert calls_to(fake_github, "POST", "/graphql") == 3


async def test_graphql_other_errors_not_retried(gh: GitHubClient, fake_github: FakeGitHub) -> None:
    with pytest.raises(gidgethub.QueryError):
        await gh.graphql("query { nosuchfield }")
    assert len(fake_github.calls) == 1


async def test_remove_label_is_idempotent(
    gh: GitHubClient, fake_github: FakeGitHub, issue: int
) -> None:
    await gh.add_labels(REPO, issue, ["lost email"])
    await gh.remove_label(REPO, issue, "lost email")
    await gh.remove_label(REPO, issue, "lost email")  # 404 "Label does not exist": fine
    assert fake_github.labels(REPO, issue) == []
    with pytest.raises(gidgethub.BadRequest):
        await gh.remove_label(REPO, 999, "lost email")  # no such issue: a real error


async def test_label_names_are_percent_encoded(
    gh: GitHubClient, fake_github: FakeGitHub, issue: int
) -> None:
    name = "PEP 541/x: y"
    await gh.add_labels(REPO, issue, [name, "needs more info"])
    assert fake_github.labels(REPO, issue) == [name, "needs more info"]
    await gh.remove_label(REPO, issue, name)
    (call,) = [c for c in fake_github.calls if c.method == "DELETE"]
    # gidgethub sends PEP%20541%2Fx%3A%20y; yarl may unescape ":" (legal in a path
    # segment), but "/" and " " must stay encoded so the name is one path segment.
    assert call.path.rsplit("/labels/", 1)[1] in ("PEP%20541%2Fx%3A%20y", "PEP%20541%2Fx:%20y")
    assert call.decoded_path == f"/repos/{REPO}/issues/{issue}/labels/{name}"
    assert fake_github.labels(REPO, issue) == ["needs more info"]
    events = await gh.label_events(REPO, issue)
    assert [(e.label, e.added, e.actor) for e in events] == [
        (name, True, "recovery-bot[bot]"),
        ("needs more info", True, "recovery-bot[bot]"),
        (name, False, "recovery-bot[bot]"),
    ]
    assert events[0].at.tzinfo is not None


async def test_write_budget_blocks_the_n_plus_first_write(
    session: aiohttp.ClientSession, fake_github: FakeGitHub, ft: FakeTime, issue: int
) -> None:
    budget = WriteBudget(2, 100, clock=ft, sleep=ft.sleep)
    factory = factory_for(session, fake_github, ft, budget=budget)
    a = await factory.for_installation(None)
    b = await factory.for_installation(None)  # shares the budget
    await a.add_labels(REPO, issue, ["a"])
    await a.get_issue(REPO, issue)  # reads are free
    await b.edit_issue(REPO, issue, title="t2")
    assert ft.waits == []
    await b.create_comment(REPO, issue, "third write")
    assert ft.waits == [60.0]
    assert len(fake_github.writes()) == 3


async def test_app_mode_mints_and_caches_tokens(
    session: aiohttp.ClientSession,
    fake_github_app: FakeGitHub,
    github_app_key: tuple[str, str],
) -> None:
    fake = fake_github_app
    ft = FakeTime(float(int(datetime.now(UTC).timestamp())))
    fake.now = lambda: datetime.fromtimestamp(ft.t, UTC)
    auth = AppAuth(APP_ID, github_app_key[0], clock=ft)
    factory = factory_for(session, fake, ft, auth=auth)
    number = fake.add_issue(REPO, title="t", body="b")["number"]

    def mints() -> int:
        return sum(1 for c in fake.calls if c.path.endswith("/access_tokens"))

    gh1 = await factory.for_installation(7)
    assert (await gh1.get_issue(REPO, number))["number"] == number
    gh2 = await factory.for_installation(7)
    assert gh2.oauth_token == gh1.oauth_token
    assert mints() == 1
    # concurrent callers share one in-flight mint
    await asyncio.gather(*(factory.for_installation(8) for _ in range(5)))
    assert mints() == 2
    # refreshed 5 minutes before expires_at (1 h)
    ft.t += 54 * 60
    await factory.for_installation(7)
    assert mints() == 2
    ft.t += 2 * 60
    gh3 = await factory.for_installation(7)
    assert mints() == 3 and gh3.oauth_token != gh1.oauth_token
    # the JWT client reaches /app endpoints; installation clients never carry a JWT
    deliveries = [d async for d in factory.app_client().getiter("/app/hook/deliveries")]
    assert deliveries == []
    assert (await factory.for_repo(REPO)).oauth_token is not None
    token_call = next(c for c in fake.calls if c.path.endswith("/access_tokens"))
    assert token_call.headers["authorization"].startswith("bearer ")
    assert token_call.headers["x-github-api-version"] == "2022-11-28"
    with pytest.raises(ValueError):
        await factory.for_installation(None)


async def test_token_mode_has_no_app_client(
    session: aiohttp.ClientSession, fake_github: FakeGitHub, ft: FakeTime
) -> None:
    factory = factory_for(session, fake_github, ft)
    with pytest.raises(RuntimeError):
        factory.app_client()
    assert factory.graphql_url == f"{fake_github.url}/graphql"


async def test_permissions_and_teams(gh: GitHubClient, fake_github: FakeGitHub) -> None:
    fake_github.add_user("outsider")
    assert await gh.get_permission(REPO, "admin1") == "admin"
    assert await gh.get_permission(REPO, "maintainer1") == "write"
    assert await gh.get_permission(REPO, "triager") == "read"
    assert await gh.get_permission(REPO, "no-such-user") == "none"
    fake_github.add_team_member("pypi", "admins", "alice")
    fake_github.add_team_member("pypi", "admins", "bob", state="pending")
    assert await gh.team_member("pypi", "admins", "alice") is True
    assert await gh.team_member("pypi", "admins", "bob") is False
    assert await gh.team_member("pypi", "admins", "carol") is False


async def test_issue_operations(gh: GitHubClient, fake_github: FakeGitHub) -> None:
    created = await gh.create_issue(REPO, "Weekly digest", "body", labels=["digest"])
    n = created["number"]
    assert fake_github.labels(REPO, n) == ["digest"]
    await gh.edit_issue(REPO, n, body="new body")
    assert fake_github.issue(REPO, n)["body"] == "new body"
    c = await gh.create_comment(REPO, n, "first")
    await gh.edit_comment(REPO, c["id"], "edited")
    assert [x["body"] for x in await gh.list_comments(REPO, n)] == ["edited"]
    await gh.react_to_comment(REPO, c["id"], "eyes")
    await gh.react_to_comment(REPO, c["id"], "eyes")  # 200 the second time: fine
    await gh.react_to_issue(REPO, n, "+1")
    assert [r["content"] for r in fake_github.reactions(REPO, n, c["id"])] == ["eyes"]
    with pytest.raises(ValueError):
        await gh.react_to_issue(REPO, n, "thumbsup")
    await gh.delete_comment(REPO, c["id"])
    await gh.delete_comment(REPO, c["id"])  # already gone: fine
    assert fake_github.comments(REPO, n) == []
    await gh.add_assignees(REPO, n, ["maintainer1"])
    assert fake_github.issue(REPO, n)["assignees"][0]["login"] == "maintainer1"
    await gh.remove_assignees(REPO, n, ["maintainer1"])
    assert fake_github.issue(REPO, n)["assignees"] == []
    await gh.set_state(REPO, n, "closed", "not_planned")
    issue = await gh.get_issue(REPO, n)
    assert (issue["state"], issue["state_reason"]) == ("closed", "not_planned")
    assert await gh.add_labels(REPO, n, []) == []
    with pytest.raises(TypeError):
        await gh.add_labels(REPO, n, "digest")


async def test_list_comments_pages_of_100(
    gh: GitHubClient, fake_github: FakeGitHub, issue: int
) -> None:
    for i in range(120):
        fake_github.add_comment(REPO, issue, body=f"c{i}")
    comments = await gh.list_comments(REPO, issue)
    assert len(comments) == 120
    pages = [c for c in fake_github.calls if c.path.endswith("/comments")]
    assert len(pages) == 2 and pages[0].query["per_page"] == "100"


async def test_search_issues(gh: GitHubClient, fake_github: FakeGitHub) -> None:
    fake_github.add_issue(REPO, title="a", body="x", labels=["needs more info"])
    fake_github.add_issue(REPO, title="b", body="x")
    found = await gh.search_issues(f'repo:{REPO} is:issue label:"needs more info"')
    assert [i["title"] for i in found] == ["a"]
    (call,) = fake_github.calls
    assert call.path == "/search/issues"
    assert call.query["q"] == f'repo:{REPO} is:issue label:"needs more info"'


class socket_port:
    """Reserve a free loopback port, then release it (nothing listens there after)."""

    def __enter__(self) -> int:
        import socket

        self._s = socket.socket()
        self._s.bind(("127.0.0.1", 0))
        return int(self._s.getsockname()[1])

    def __exit__(self, *exc: object) -> None:
        self._s.close()
