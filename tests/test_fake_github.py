"""The loopback GitHub, driven through gidgethub's real aiohttp client over real HTTP.

These tests pin the GitHub behaviours the rest of the suite relies on: if the fake drifts
from GitHub, every other test would be testing against the wrong thing.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import aiohttp
import gidgethub
import pytest
from aiohttp import web
from cachetools import LRUCache
from gidgethub import apps, sansio
from gidgethub.aiohttp import GitHubAPI

from recovery_bot.sandbox.fake_github import BODY_LIMIT, FakeGitHub

REPO = "pypi/support"
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)

ISSUES_QUERY = """
query($owner: String!, $name: String!, $first: Int!, $after: String, $states: [IssueState!],
      $labels: [String!], $since: DateTime) {
  repository(owner: $owner, name: $name) {
    issues(first: $first, after: $after, states: $states, labels: $labels,
           filterBy: {since: $since}, orderBy: {field: CREATED_AT, direction: ASC}) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes {
        number title body url createdAt updatedAt closedAt state stateReason
        author { login __typename }
        authorAssociation
        labels(first: 100) { nodes { name } }
        comments(first: 100) {
          totalCount
          nodes { databaseId author { login __typename } authorAssociation createdAt body }
        }
        timelineItems(first: 100, itemTypes: [LABELED_EVENT, UNLABELED_EVENT, CLOSED_EVENT,
                                               REOPENED_EVENT]) {
          nodes {
            __typename
            ... on LabeledEvent { createdAt actor { login } label { name } }
            ... on UnlabeledEvent { createdAt actor { login } label { name } }
            ... on ClosedEvent { createdAt actor { login } }
            ... on ReopenedEvent { createdAt actor { login } }
          }
        }
      }
    }
  }
}
"""

SEARCH_QUERY = """
query($q: String!, $cursor: String) {
  search(query: $q, type: ISSUE, first: 2, after: $cursor) {
    issueCount
    pageInfo { hasNextPage endCursor }
    nodes { ... on Issue { number title labels(first: 5) { nodes { name } } } }
  }
}
"""


def _seed(fake: FakeGitHub, n: int) -> None:
    for i in range(n):
        fake.add_issue(
            REPO,
            title=f"Recovery {i}",
            body=f"body {i}",
            user=f"user{i}",
            labels=["account-recovery"],
            created_at=T0 + timedelta(minutes=i),
        )


async def test_pagination_follows_link_headers(fake_github: FakeGitHub, fake_github_api: GitHubAPI):
    _seed(fake_github, 65)
    numbers = [
        i["number"]
        async for i in fake_github_api.getiter(
            "/repos/{owner}/{repo}/issues{?state,per_page,direction}",
            {
                "owner": "pypi",
                "repo": "support",
                "state": "open",
                "per_page": 25,
                "direction": "asc",
            },
        )
    ]
    assert numbers == list(range(1, 66))
    pages = [c for c in fake_github.calls if c.path.endswith("/issues")]
    assert [c.query.get("page") for c in pages] == [None, "2", "3"]
    first = await fake_github_api.getitem("/repos/pypi/support/issues")
    assert len(first) == 30  # GitHub's default per_page
    issue = first[0]
    assert issue["html_url"] == f"https://github.com/{REPO}/issues/65"
    assert issue["user"] == {**issue["user"], "login": "user64", "type": "User"}
    assert issue["labels"][0]["name"] == "account-recovery"
    assert "pull_request" not in issue


async def test_labels_with_spaces_and_slashes_round_trip(
    fake_github: FakeGitHub, fake_github_api: GitHubAPI
):
    fake_github.add_issue(REPO, title="t", body=None)
    name = "PEP 541/needs: review"
    url = "/repos/pypi/support/issues/{number}/labels"
    labels = await fake_github_api.post(url, {"number": 1}, data={"labels": [name, "a b"]})
    assert [lbl["name"] for lbl in labels] == [name, "a b"]
    # bedevere's bare-list form is accepted too
    await fake_github_api.post(url, {"number": 1}, data=["bare"])
    assert fake_github.labels(REPO, 1) == [name, "a b", "bare"]

    await fake_github_api.delete(url + "{/name}", {"number": 1, "name": name})
    delete = fake_github.calls[-1]
    assert delete.path == "/repos/pypi/support/issues/1/labels/PEP%20541%2Fneeds:%20review"
    assert delete.decoded_path.endswith(name)
    # GitHub answers with the labels that remain (gidgethub's delete() discards them)
    assert [lbl["name"] for lbl in delete.response] == ["a b", "bare"]

    with pytest.raises(gidgethub.BadRequest) as err:
        await fake_github_api.delete(url + "/{name}", {"number": 1, "name": name})
    assert err.value.status_code == 404
    assert "Label does not exist" in str(err.value)
    # the labels were auto-created in the repository
    repo_labels = await fake_github_api.getitem("/repos/pypi/support/labels")
    assert name in {lbl["name"] for lbl in repo_labels}


async def test_events_and_timeline_record_who_did_what(
    fake_github: FakeGitHub, fake_github_api: GitHubAPI
):
    fake_github.add_issue(REPO, title="t", body="b", user="alice", labels=["account-recovery"])
    await fake_github_api.post("/repos/pypi/support/issues/1/labels", data={"labels": ["x"]})
    await fake_github_api.post("/repos/pypi/support/issues/1/comments", data={"body": "hi"})
    await fake_github_api.patch(
        "/repos/pypi/support/issues/1", data={"state": "closed", "state_reason": "not_planned"}
    )
    events = await fake_github_api.getitem("/repos/pypi/support/issues/1/events")
    assert [(e["event"], e["actor"]["login"], e.get("label", {}).get("name")) for e in events] == [
        ("labeled", "alice", "account-recovery"),
        ("labeled", "recovery-bot[bot]", "x"),
        ("closed", "recovery-bot[bot]", None),
    ]
    assert events[-1]["state_reason"] == "not_planned"
    issue = await fake_github_api.getitem("/repos/pypi/support/issues/1")
    assert (issue["state"], issue["state_reason"], issue["comments"]) == (
        "closed",
        "not_planned",
        1,
    )
    timeline = await fake_github_api.getitem("/repos/pypi/support/issues/1/timeline")
    assert [t["event"] for t in timeline] == ["labeled", "labeled", "commented", "closed"]
    await fake_github_api.patch("/repos/pypi/support/issues/1", data={"state": "open"})
    issue = fake_github.issue(REPO, 1)
    assert (issue["state"], issue["state_reason"], issue["closed_at"]) == ("open", "reopened", None)
    assert fake_github.events(REPO, 1)[-1]["event"] == "reopened"


async def test_comments_create_edit_delete_and_body_limit(
    fake_github: FakeGitHub, fake_github_api: GitHubAPI
):
    fake_github.add_issue(REPO, title="t", body="b")
    made = await fake_github_api.post(
        "/repos/{owner}/{repo}/issues/{n}/comments",
        {"owner": "pypi", "repo": "support", "n": 1},
        data={"body": "<!-- recovery-bot:triage -->\nhello"},
    )
    assert made["user"]["login"] == "recovery-bot[bot]"
    assert made["performed_via_github_app"]["slug"] == "recovery-bot"
    assert made["html_url"].endswith(f"/issues/1#issuecomment-{made['id']}")
    edited = await fake_github_api.patch(
        "/repos/pypi/support/issues/comments/{id}", {"id": made["id"]}, data={"body": "edited"}
    )
    assert edited["body"] == "edited" == fake_github.comments(REPO, 1)[0]["body"]

    with pytest.raises(gidgethub.ValidationError) as err:
        await fake_github_api.post(
            "/repos/pypi/support/issues/1/comments", data={"body": "x" * (BODY_LIMIT + 1)}
        )
    assert err.value.status_code == 422
    assert err.value.errors[0]["message"] == "Body is too long (maximum is 65536 characters)"
    ok = await fake_github_api.post(
        "/repos/pypi/support/issues/1/comments", data={"body": "x" * BODY_LIMIT}
    )
    assert len(ok["body"]) == BODY_LIMIT
    with pytest.raises(gidgethub.ValidationError):
        await fake_github_api.patch(
            "/repos/pypi/support/issues/1", data={"body": "y" * (BODY_LIMIT + 1)}
        )

    await fake_github_api.delete("/repos/pypi/support/issues/comments/{id}", {"id": made["id"]})
    assert fake_github.calls[-1].status == 204
    assert [c["id"] for c in fake_github.comments(REPO, 1)] == [ok["id"]]
    assert [c.method for c in fake_github.writes()] == [
        "POST",
        "PATCH",
        "POST",
        "POST",
        "PATCH",
        "DELETE",
    ]


async def test_reactions_created_then_already_there(
    fake_github: FakeGitHub, fake_github_api: GitHubAPI
):
    fake_github.add_issue(REPO, title="t", body="b")
    c = fake_github.add_comment(REPO, 1, body="/recovery check", user="maintainer1")
    url = "/repos/pypi/support/issues/comments/{id}/reactions"
    await fake_github_api.post(url, {"id": c["id"]}, data={"content": "eyes"})
    assert fake_github.calls[-1].status == 201
    again = await fake_github_api.post(url, {"id": c["id"]}, data={"content": "eyes"})
    assert fake_github.calls[-1].status == 200
    assert again["content"] == "eyes"
    assert len(fake_github.reactions(REPO, 1, comment_id=c["id"])) == 1
    with pytest.raises(gidgethub.ValidationError):
        await fake_github_api.post(url, {"id": c["id"]}, data={"content": "thumbs"})
    await fake_github_api.post("/repos/pypi/support/issues/1/reactions", data={"content": "+1"})
    assert fake_github.issue(REPO, 1)["reactions"]["+1"] == 1


async def test_permissions_and_team_membership(fake_github: FakeGitHub, fake_github_api: GitHubAPI):
    url = "/repos/pypi/support/collaborators/{user}/permission"
    got = {}
    for user in ("maintainer1", "admin1", "triager"):
        data = await fake_github_api.getitem(url, {"user": user})
        got[user] = (data["permission"], data["role_name"])
    assert got == {
        "maintainer1": ("write", "write"),
        "admin1": ("admin", "admin"),
        "triager": ("read", "triage"),
    }
    fake_github.add_issue(REPO, title="t", body="b", user="stranger")
    assert (await fake_github_api.getitem(url, {"user": "stranger"}))["permission"] == "read"
    assert await fake_github_api.getstatus(url, {"user": "no-such-account"}) == 404

    fake_github.add_team_member("pypi", "admins", "admin1")
    team_url = "/orgs/pypi/teams/admins/memberships/{user}"
    assert (await fake_github_api.getitem(team_url, {"user": "admin1"}))["state"] == "active"
    assert await fake_github_api.getstatus(team_url, {"user": "triager"}) == 404
    me = await fake_github_api.getitem("/user")
    assert (me["login"], me["type"]) == ("recovery-bot[bot]", "Bot")


async def test_etag_cache_gets_304(fake_github: FakeGitHub):
    fake_github.add_issue(REPO, title="t", body="b")
    cache: LRUCache = LRUCache(maxsize=10)
    async with aiohttp.ClientSession() as session:
        gh = GitHubAPI(session, "t", oauth_token="x", cache=cache, base_url=fake_github.url)
        first = await gh.getitem("/repos/pypi/support/issues/1")
        remaining = gh.rate_limit.remaining
        second = await gh.getitem("/repos/pypi/support/issues/1")
        assert second == first
        assert [c.status for c in fake_github.calls] == [200, 304]
        assert fake_github.calls[1].headers["if-none-match"].startswith('W/"')
        # a 304 is free: the next real answer shows only one more request used
        await gh.patch("/repos/pypi/support/issues/1", data={"title": "changed"})
        assert gh.rate_limit.remaining == remaining - 1
        third = await gh.getitem("/repos/pypi/support/issues/1")
        assert fake_github.calls[-1].status == 200 and third["title"] == "changed"


async def test_fault_injection(fake_github: FakeGitHub, fake_github_api: GitHubAPI):
    fake_github.add_issue(REPO, title="t", body="b")
    fake_github.fail("POST", "/repos/*/issues/*/comments", status=502)
    with pytest.raises(gidgethub.GitHubBroken):
        await fake_github_api.post("/repos/pypi/support/issues/1/comments", data={"body": "x"})
    assert fake_github.comments(REPO, 1) == []
    await fake_github_api.post("/repos/pypi/support/issues/1/comments", data={"body": "x"})
    assert [c.status for c in fake_github.writes()] == [502, 201]

    fake_github.fail_secondary_rate_limit("POST", "/repos/*/issues/*/labels", retry_after=7)
    with pytest.raises(gidgethub.BadRequest) as err:
        await fake_github_api.post("/repos/pypi/support/issues/1/labels", data=["x"])
    assert not isinstance(err.value, gidgethub.RateLimitExceeded)
    assert err.value.status_code == 403
    assert err.value.headers["retry-after"] == "7"
    assert "secondary rate limit" in str(err.value)

    fake_github.fail_primary_rate_limit("GET", "/repos/pypi/support/issues/1", reset_in=30)
    with pytest.raises(gidgethub.RateLimitExceeded) as primary:
        await fake_github_api.getitem("/repos/pypi/support/issues/1")
    assert primary.value.rate_limit.remaining == 0

    fake_github.delay("GET", "/repos/pypi/support", 0.2)
    started = time.monotonic()
    await fake_github_api.getitem("/repos/pypi/support")
    assert time.monotonic() - started >= 0.2

    fake_github.fail("POST", "/graphql", status=502, body="<html>Unicorn!</html>")
    with pytest.raises(gidgethub.GraphQLResponseTypeError):
        await fake_github_api.graphql("{ viewer { login } }", endpoint=f"{fake_github.url}/graphql")
    data = await fake_github_api.graphql(
        "{ viewer { login } }", endpoint=f"{fake_github.url}/graphql"
    )
    assert data == {"viewer": {"login": "recovery-bot"}}  # GraphQL shows bots without [bot]


async def test_auth_and_gone_issues(github_app_key: tuple[str, str]):
    async with (
        FakeGitHub(tokens={"good": "maintainer1"}) as fake,
        aiohttp.ClientSession() as session,
    ):
        fake.add_repo(REPO)
        fake.add_issue(REPO, title="t", body="b")
        bad = GitHubAPI(session, "t", oauth_token="bad", base_url=fake.url)
        with pytest.raises(gidgethub.BadRequest) as err:
            await bad.getitem("/repos/pypi/support/issues/1")
        assert err.value.status_code == 401
        good = GitHubAPI(session, "t", oauth_token="good", base_url=fake.url)
        await good.post("/repos/pypi/support/issues/1/labels", data=["x"])
        assert fake.events(REPO, 1)[-1]["actor"]["login"] == "maintainer1"
        fake.delete_issue(REPO, 1)
        assert await good.getstatus("/repos/pypi/support/issues/1") == 410
        assert await good.getstatus("/repos/pypi/support/nope") == 404


async def test_search_qualifiers(fake_github: FakeGitHub, fake_github_api: GitHubAPI):
    add = fake_github.add_issue
    add(REPO, title="Lost 2FA", body="b", labels=["account-recovery"], created_at=T0)
    add(
        REPO,
        title="Lost email",
        body="b",
        labels=["account-recovery", "needs info"],
        created_at=T0 + timedelta(days=2),
        user="bob",
    )
    add(REPO, title="PEP 541", body="b", labels=["PEP 541"], created_at=T0 + timedelta(days=3))
    add(
        REPO,
        title="Done",
        body="b",
        labels=["account-recovery"],
        state="closed",
        created_at=T0 - timedelta(days=30),
    )
    add(REPO, title="A PR", body="b", pull_request=True, created_at=T0)

    async def numbers(q: str) -> list[int]:
        found = fake_github_api.getiter("/search/issues{?q,per_page}", {"q": q, "per_page": 1})
        return sorted([i["number"] async for i in found])

    base = "repo:pypi/support is:issue"
    assert await numbers(f"{base} is:open label:account-recovery") == [1, 2]
    assert await numbers(f'{base} label:"needs info"') == [2]
    assert await numbers(f'{base} is:open label:account-recovery -label:"needs info"') == [1]
    assert await numbers(f"{base} author:bob") == [2]
    assert await numbers(f"{base} created:<2026-03-01") == [4]
    assert await numbers(f"{base} created:>2026-03-01") == [2, 3]
    assert await numbers(f"{base} created:2026-03-01..2026-03-03") == [1, 2]
    assert await numbers(f'{base} "lost" in:title') == [1, 2]
    assert await numbers(f"{base} is:closed") == [4]
    assert await numbers("repo:pypi/support is:pr") == [5]
    assert await numbers("repo:pypi/support") == [1, 2, 3, 4, 5]
    result = await fake_github_api.getitem(
        "/search/issues{?q,sort,order}", {"q": base, "sort": "created", "order": "asc"}
    )
    assert result["total_count"] == 4 and result["incomplete_results"] is False
    assert [i["number"] for i in result["items"]] == [4, 1, 2, 3]
    assert fake_github.calls[-1].query["q"] == base
    with pytest.raises(gidgethub.BadRequest) as err:
        await fake_github_api.getitem("/search/issues{?q}", {"q": "x" * 257})
    assert err.value.status_code == 422


async def test_graphql_issue_pages_and_cursors(fake_github: FakeGitHub, fake_github_api: GitHubAPI):
    _seed(fake_github, 5)
    fake_github.add_comment(REPO, 1, body="more info", user="user0", created_at=T0)
    fake_github.add_event(
        REPO,
        1,
        "labeled",
        actor="maintainer1",
        label="needs info",
        created_at=T0 + timedelta(days=1),
    )
    fake_github.add_event(REPO, 2, "closed", actor="maintainer1", created_at=T0)
    endpoint = f"{fake_github.url}/graphql"
    seen, cursor, pages = [], None, 0
    while True:
        data = await fake_github_api.graphql(
            ISSUES_QUERY,
            endpoint=endpoint,
            owner="pypi",
            name="support",
            first=2,
            after=cursor,
            states=["OPEN"],
            labels=None,
            since=None,
        )
        conn = data["repository"]["issues"]
        assert conn["totalCount"] == 4
        seen += conn["nodes"]
        pages += 1
        if not conn["pageInfo"]["hasNextPage"]:
            break
        cursor = conn["pageInfo"]["endCursor"]
    assert pages == 2 and [n["number"] for n in seen] == [1, 3, 4, 5]
    first = seen[0]
    assert first["state"] == "OPEN" and first["author"] == {"login": "user0", "__typename": "User"}
    assert first["labels"]["nodes"] == [{"name": "account-recovery"}, {"name": "needs info"}]
    assert first["comments"]["totalCount"] == 1
    assert first["comments"]["nodes"][0]["body"] == "more info"
    assert [(t["__typename"], t["label"]["name"]) for t in first["timelineItems"]["nodes"]] == [
        ("LabeledEvent", "account-recovery"),
        ("LabeledEvent", "needs info"),
    ]
    assert set(first) == {  # exactly the fields asked for
        "number",
        "title",
        "body",
        "url",
        "createdAt",
        "updatedAt",
        "closedAt",
        "state",
        "stateReason",
        "author",
        "authorAssociation",
        "labels",
        "comments",
        "timelineItems",
    }
    # GraphQL's labels filter matches ANY label, unlike REST
    data = await fake_github_api.graphql(
        ISSUES_QUERY,
        endpoint=endpoint,
        owner="pypi",
        name="support",
        first=10,
        states=["OPEN", "CLOSED"],
        labels=["needs info", "nothing"],
    )
    assert [n["number"] for n in data["repository"]["issues"]["nodes"]] == [1]
    closed = await fake_github_api.graphql(
        ISSUES_QUERY, endpoint=endpoint, owner="pypi", name="support", first=10, states=["CLOSED"]
    )
    assert closed["repository"]["issues"]["nodes"][0]["stateReason"] == "COMPLETED"

    with pytest.raises(gidgethub.QueryError) as err:
        await fake_github_api.graphql(
            ISSUES_QUERY, endpoint=endpoint, owner="pypi", name="support", first=101
        )
    assert "exceeds the `first` limit of 100" in str(err.value)
    with pytest.raises(gidgethub.QueryError):
        await fake_github_api.graphql(
            '{ repository(owner: "pypi", name: "nope") { id } }', endpoint=endpoint
        )
    assert fake_github.writes() == []
    assert all(c.status == 200 for c in fake_github.calls)


async def test_graphql_state_reason_duplicate_only_with_enable_duplicate(
    fake_github: FakeGitHub, fake_github_api: GitHubAPI
):
    # GitHub's schema: Issue.stateReason(enableDuplicate: Boolean = false); without the
    # argument a duplicate reads NOT_PLANNED (issue #11 item 11).
    fake_github.add_issue(REPO, title="dup", body="b", state="closed", state_reason="duplicate")
    fake_github.add_issue(REPO, title="np", body="b", state="closed", state_reason="not_planned")
    query = """
    query { repository(owner: "pypi", name: "support") {
      issues(first: 10) { nodes {
        number plain: stateReason off: stateReason(enableDuplicate: false)
        on: stateReason(enableDuplicate: true)
      } }
    } }
    """
    data = await fake_github_api.graphql(query, endpoint=f"{fake_github.url}/graphql")
    assert data["repository"]["issues"]["nodes"] == [
        {"number": 1, "plain": "NOT_PLANNED", "off": "NOT_PLANNED", "on": "DUPLICATE"},
        {"number": 2, "plain": "NOT_PLANNED", "off": "NOT_PLANNED", "on": "NOT_PLANNED"},
    ]


async def test_graphql_search(fake_github: FakeGitHub, fake_github_api: GitHubAPI):
    _seed(fake_github, 3)
    fake_github.add_issue(REPO, title="other", body="b", labels=["PEP 541"])
    q = "repo:pypi/support is:issue is:open label:account-recovery"
    numbers, cursor = [], None
    while True:
        data = await fake_github_api.graphql(
            SEARCH_QUERY, endpoint=f"{fake_github.url}/graphql", q=q, cursor=cursor
        )
        assert data["search"]["issueCount"] == 3
        numbers += [n["number"] for n in data["search"]["nodes"]]
        if not data["search"]["pageInfo"]["hasNextPage"]:
            break
        cursor = data["search"]["pageInfo"]["endCursor"]
    assert sorted(numbers) == [1, 2, 3]


async def test_app_token_minting_with_real_jwt(
    fake_github_app: FakeGitHub, github_app_key: tuple[str, str]
):
    private, _public = github_app_key
    fake = fake_github_app
    async with aiohttp.ClientSession() as session:
        app_gh = GitHubAPI(session, "t", app_id="424242", private_key=private, base_url=fake.url)
        assert (await app_gh.getitem("/app"))["slug"] == "recovery-bot"
        minted = await apps.get_installation_access_token(
            app_gh, installation_id="1", app_id="424242", private_key=private
        )
        assert minted["token"].startswith("ghs_")
        expires = datetime.fromisoformat(minted["expires_at"])
        assert timedelta(minutes=59) < expires - datetime.now(UTC) <= timedelta(hours=1)
        assert minted["repository_selection"] == "all"
        gh = GitHubAPI(session, "t", oauth_token=minted["token"], base_url=fake.url)
        fake.add_issue(REPO, title="t", body="b")
        await gh.post("/repos/pypi/support/issues/1/labels", data=["ok"])
        assert fake.labels(REPO, 1) == ["ok"]
        assert [c.is_write for c in fake.calls] == [False, False, True]

        # a JWT from another key, and an installation token on /app, are both refused
        wrong = apps.get_jwt(app_id="424242", private_key=_other_key())
        assert await gh.getstatus("/app", jwt=wrong) == 401
        assert await gh.getstatus("/app/hook/deliveries") == 401
        fake.expire_tokens()
        assert await gh.getstatus("/repos/pypi/support/issues/1") == 401


def _other_key() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


async def test_deliveries_list_and_redelivery(
    fake_github_app: FakeGitHub, github_app_key: tuple[str, str]
):
    fake = fake_github_app
    fake.add_issue(REPO, title="t", body="b")
    received: list[tuple[str, str]] = []

    async def hook(request: web.Request) -> web.Response:
        event = sansio.Event.from_http(request.headers, await request.read(), secret="s3cret")
        received.append((event.delivery_id, event.data["action"]))
        return web.Response(status=202)

    app = web.Application()
    app.router.add_post("/webhook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        port = runner.addresses[0][1]
        fake.set_webhook(f"http://127.0.0.1:{port}/webhook", "s3cret")
        for n in range(4):
            fake.add_delivery(f"ok-{n}", "issues", "opened", 200, T0 + timedelta(minutes=n))
        payload = fake.webhook_payload("issues", "opened", REPO, 1)
        assert payload["issue"]["number"] == 1 and payload["sender"]["login"] == "reporter"
        fake.add_delivery("lost", "issues", "opened", 503, T0 + timedelta(hours=1), payload)

        async with aiohttp.ClientSession() as session:
            gh = GitHubAPI(
                session, "t", app_id="424242", private_key=github_app_key[0], base_url=fake.url
            )
            items = [
                d async for d in gh.getiter("/app/hook/deliveries{?per_page}", {"per_page": 2})
            ]
            assert [d["guid"] for d in items] == ["lost", "ok-3", "ok-2", "ok-1", "ok-0"]
            assert items[0]["status"] == "Invalid HTTP Response: 503"
            assert items[1]["status"] == "OK"
            assert "cursor" in fake.calls[-1].query
            await gh.post("/app/hook/deliveries/{id}/attempts", {"id": items[0]["id"]}, data=b"")
            assert fake.calls[-1].status == 202
            await fake.wait_idle()
        assert fake.redelivery_requests == [items[0]["id"]]
        assert received == [("lost", "opened")]
        newest = fake.deliveries()[0]
        assert (newest["guid"], newest["redelivery"], newest["status_code"]) == ("lost", True, 202)
    finally:
        await runner.cleanup()


async def test_live_issue_edits_and_a_big_backlog_in_pages(fake_github: FakeGitHub):
    fake_github.add_issue(REPO, title="t", body="old")
    fake_github.issue(REPO, 1)["body"] = "new"  # "edited on GitHub before the delivery"
    assert fake_github.issue_payload(REPO, 1)["body"] == "new"
    with pytest.raises(KeyError):
        fake_github.issue(REPO, 999)

    _seed(fake_github, 3000)
    before = len(fake_github.calls)
    async with aiohttp.ClientSession() as session:
        gh = GitHubAPI(session, "t", oauth_token="x", base_url=fake_github.url)
        count = 0
        async for _ in gh.getiter("/repos/pypi/support/issues{?per_page}", {"per_page": 100}):
            count += 1
    assert count == 3001
    assert len(fake_github.calls) - before == 31  # pages of 100, as GitHub serves them
    body = json.dumps(fake_github.calls[-1].response)
    assert "Recovery 0" in body  # oldest issues come last (direction=desc)
