"""The fake GitHub held to GitHub's published schemas (sandbox/schemas, tools/refresh_schemas.py).

GraphQL: every document is validated against GitHub's schema and refused in GitHub's
words; ``rateLimit.cost`` is priced as GitHub documents. REST: the bot's requests are held
to the OpenAPI description (here directly; in every other test by the autouse fixture in
fixtures_openapi.py).
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path
from typing import Any

import aiohttp
import pytest

import recovery_bot
from recovery_bot.platform.github import GitHubClient
from recovery_bot.sandbox import graphql_check, rest_check
from recovery_bot.sandbox.fake_github import FakeGitHub
from recovery_bot.sla.fetch import ISSUES_QUERY

REPO = "pypi/support"
SRC = Path(recovery_bot.__file__).parent
TOOLS = SRC.parent.parent / "tools"
SCHEMAS = SRC / "sandbox" / "schemas"


async def post_graphql(fake: FakeGitHub, query: str, **variables: Any) -> tuple[int, Any, Any]:
    """One raw POST /graphql: (status, JSON body, headers), without gidgethub's parsing."""
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            f"{fake.url}/graphql",
            json={"query": query, "variables": variables},
            headers={"Authorization": "token t"},
        ) as resp,
    ):
        return resp.status, await resp.json(), resp.headers


# -- what GitHub refuses, the fake refuses -----------------------------------------------

UNION_WITHOUT_FRAGMENT = """query {
  repository(owner: "pypi", name: "support") {
    issue(number: 1) {
      timelineItems(first: 10) { nodes { __typename createdAt } }
    }
  }
}"""

REFUSED = [
    pytest.param(
        UNION_WITHOUT_FRAGMENT,
        {
            "message": "Selections can't be made directly on unions "
            "(see selections on IssueTimelineItems)",
            "locations": [{"line": 4, "column": 53}],
            "path": ["query", "repository", "issue", "timelineItems", "nodes", "createdAt"],
            "extensions": {"code": "selectionMismatch", "nodeName": "IssueTimelineItems"},
        },
        id="field-on-union-without-fragment",
    ),
    pytest.param(
        "query Who($login: String!) { viewer { login } }",
        {
            "message": "Variable $login is declared by Who but not used",
            "locations": [{"line": 1, "column": 11}],
            "path": ["query Who"],
            "extensions": {"code": "variableNotUsed", "variableName": "login"},
        },
        id="unused-variable",
    ),
    pytest.param(
        "{ viewer { login nosuchfield } }",
        {
            "message": "Field 'nosuchfield' doesn't exist on type 'User'",
            "locations": [{"line": 1, "column": 18}],
            "path": ["query", "viewer", "nosuchfield"],
            "extensions": {
                "code": "undefinedField",
                "typeName": "User",
                "fieldName": "nosuchfield",
            },
        },
        id="unknown-field",
    ),
    pytest.param(
        '{ repository(owner: "pypi", name: "support") { issue(number: 1, x: 2) { id } } }',
        {
            "message": "Field 'issue' doesn't accept argument 'x'",
            "locations": [{"line": 1, "column": 65}],
            "path": ["query", "repository", "issue"],
            "extensions": {
                "code": "argumentNotAccepted",
                "name": "issue",
                "typeName": "Field",
                "argumentName": "x",
            },
        },
        id="unknown-argument",
    ),
    pytest.param(
        "{ viewer }",
        {
            "message": "Field must have selections (field 'viewer' returns User! but has no "
            "selections. Did you mean 'viewer { ... }'?)",
            "locations": [{"line": 1, "column": 3}],
            "path": ["query", "viewer"],
            "extensions": {"code": "selectionMismatch", "nodeName": "field 'viewer'"},
        },
        id="object-without-selection",
    ),
]


@pytest.mark.parametrize(("document", "error"), REFUSED)
async def test_fake_refuses_documents_github_refuses(
    fake_github: FakeGitHub, document: str, error: dict[str, Any]
) -> None:
    fake_github.add_issue(REPO, title="t", body="b")
    status, body, _ = await post_graphql(fake_github, document)
    assert status == 200  # GitHub answers validation errors with 200 and no "data"
    assert body == {"errors": [error]}


async def test_fake_refuses_a_variable_github_cannot_coerce(fake_github: FakeGitHub) -> None:
    query = 'query($n: Int!) { repository(owner: "pypi", name: "support") { issue(number: $n) { id } } }'  # noqa: E501
    status, body, _ = await post_graphql(fake_github, query, n="seven")
    assert status == 200
    assert body == {
        "errors": [
            {
                "message": "Variable $n of type Int! was provided invalid value",
                "locations": [{"line": 1, "column": 7}],
                "extensions": {
                    "value": "seven",
                    "problems": [
                        {
                            "path": [],
                            "explanation": "Variable '$n' has invalid value: "
                            "Int cannot represent non-integer value: 'seven'",
                        }
                    ],
                },
            }
        ]
    }


def bot_graphql_documents() -> dict[str, str]:
    """Every GraphQL document in the bot's code (not the sandbox): each string constant
    that starts with an operation keyword, keyed by ``module:line``."""
    found: dict[str, str] = {}
    for path in sorted(SRC.rglob("*.py")):
        if "sandbox" in path.parts or path.name == "sandbox_cli.py":
            continue  # the sandbox and its launcher talk to the fake, not to GitHub
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and re.match(r"\s*(query|mutation|subscription)\b[^{]*\{", node.value)
            ):
                found[f"{path.relative_to(SRC)}:{node.lineno}"] = node.value
    return found


def test_schema_accepts_every_document_the_bot_sends() -> None:
    documents = bot_graphql_documents()
    assert ISSUES_QUERY in documents.values()  # the collector finds the one we know of
    for where, document in documents.items():
        assert graphql_check.document_errors(document) == [], where


async def test_fake_answers_the_bots_query_with_its_cost(fake_github: FakeGitHub) -> None:
    fake_github.add_issue(REPO, title="t", body="b", labels=["account-recovery"])
    variables = {"owner": "pypi", "name": "support", "pageSize": 100, "states": ["OPEN"]}
    status, body, headers = await post_graphql(fake_github, ISSUES_QUERY, **variables)
    assert status == 200 and "errors" not in body
    assert [n["number"] for n in body["data"]["repository"]["issues"]["nodes"]] == [1]
    # 1 request for the issues + 100 each for labels, comments and timelineItems = 301 → 3
    assert body["data"]["rateLimit"]["cost"] == 3
    assert headers["x-ratelimit-used"] == "3"  # the bucket is charged the cost, not 1
    _, body, headers = await post_graphql(
        fake_github, ISSUES_QUERY, **{**variables, "pageSize": 10}
    )
    assert body["data"]["rateLimit"]["cost"] == 1  # 1 + 3 x 10 = 31 requests, minimum 1
    assert headers["x-ratelimit-used"] == "4"


# -- rateLimit.cost as GitHub documents it -------------------------------------------------

#: GitHub's own worked example: 1 + 100 + 100 x 50 = 5,101 requests = 51 points.
GITHUB_EXAMPLE = """query {
  viewer {
    login
    repositories(first: 100) {
      edges { node { id
        issues(first: 50) { edges { node { id
          labels(first: 60) { edges { node { id name } } }
        } } }
      } }
    }
  }
}"""


@pytest.mark.parametrize(
    ("document", "variables", "cost"),
    [
        pytest.param(GITHUB_EXAMPLE, {}, 51, id="github-docs-example"),
        pytest.param(ISSUES_QUERY, {"pageSize": 100}, 3, id="bot-query-full-pages"),
        pytest.param(ISSUES_QUERY, {"pageSize": 10}, 1, id="bot-query-minimum-1"),
        pytest.param(
            # 1 + 83 (issues) + 83 (labels, 1 per issue) + 83 (pullRequests) = 250 → 2.5 → 3
            """query($n: Int!) { viewer { repositories(last: $n) { nodes {
                 issues(first: 1) { nodes { labels(first: 1) { nodes { name } } } }
                 ...PRs } } } }
               fragment PRs on Repository { pullRequests(first: 1) { totalCount } }""",
            {"n": 83},
            3,
            id="half-rounds-up-variables-and-fragments",
        ),
        pytest.param("{ viewer { login } }", {}, 1, id="no-connection"),
    ],
)
def test_query_cost_as_github_documents(
    document: str, variables: dict[str, Any], cost: int
) -> None:
    assert graphql_check.query_cost(document, variables) == cost


# -- REST requests held to the OpenAPI description ----------------------------------------


def test_vendored_schemas_are_what_the_refresh_script_pins() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("refresh_schemas", TOOLS / "refresh_schemas.py")
    assert spec is not None and spec.loader is not None
    refresh = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(refresh)
    version = (SCHEMAS / "VERSION").read_text()
    assert f"{refresh.GRAPHQL_PACKAGE}@{refresh.GRAPHQL_VERSION} " in version
    assert f"{refresh.OPENAPI_PACKAGE}@{refresh.OPENAPI_VERSION} " in version
    assert len(re.findall(r"sha256 [0-9a-f]{64}\n", version)) == 2
    paths = rest_check.openapi()["paths"]
    assert {(m, p) for p, ops in paths.items() for m in ops} == set(refresh.OPERATIONS)
    # the SDL, not the package's lagging schema.json, is the source
    issue = graphql_check.github_schema().get_type("Issue")
    assert "enableDuplicate" in issue.fields["stateReason"].args  # type: ignore[union-attr]


def bot_rest_templates() -> set[str]:
    """Every REST URL template in the bot's code, as gidgethub takes them
    (``/repos/{owner}/{repo}/issues{?per_page}``)."""
    found = set()
    for path in sorted(SRC.rglob("*.py")):
        if "sandbox" in path.parts or path.name == "sandbox_cli.py":
            continue  # the sandbox and its launcher talk to the fake, not to GitHub
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and re.fullmatch(r"/(repos|app|orgs|search)/[\w/{}?,.-]*", node.value)
            ):
                found.add(node.value)
    return found


def test_every_rest_call_in_the_bots_code_is_a_vendored_operation() -> None:
    """Static half of the check (the dynamic half is fixtures_openapi.py): each URL the
    bot's code names matches a vendored operation, whatever its placeholder names."""
    templates = bot_rest_templates()
    assert "/repos/{owner}/{repo}/issues/{number}/labels" in templates
    shape = lambda t: re.sub(r"\{\w+\}", "{}", t.split("{?")[0])  # noqa: E731
    vendored = {shape(p) for p in rest_check.openapi()["paths"]}
    assert {t for t in templates if shape(t) not in vendored} == set()


@pytest.mark.parametrize(
    ("method", "path", "body", "expected"),
    [
        ("POST", "/repos/pypi/support/issues/1/labels", {"labels": ["lost 2fa"]}, []),
        (
            "PATCH",
            "/repos/pypi/support/issues/1",
            {"state": "closed", "state_reason": "not_planned"},
            [],
        ),
        ("DELETE", "/repos/pypi/support/issues/1/labels/needs%20info", None, []),
        ("GET", "/repos/pypi/support/issues/1/comments?per_page=100", None, []),
        (
            "POST",
            "/repos/pypi/support/issues/1/labels",
            {"labels": "lost 2fa"},
            [
                "POST /repos/{owner}/{repo}/issues/{issue_number}/labels: $: "
                "{'labels': 'lost 2fa'} is not valid under any of the given schemas"
            ],
        ),
        (
            "PATCH",
            "/repos/pypi/support/issues/1",
            {"state": "shut", "state_reson": "not_planned"},
            [
                "PATCH /repos/{owner}/{repo}/issues/{issue_number}: $.state: 'shut' is not one "
                "of ['open', 'closed']",
                "PATCH /repos/{owner}/{repo}/issues/{issue_number}: unknown key 'state_reson'",
            ],
        ),
        (
            "POST",
            "/repos/pypi/support/issues/1/comments",
            {},
            [
                "POST /repos/{owner}/{repo}/issues/{issue_number}/comments: $: 'body' is a "
                "required property"
            ],
        ),
        (
            "PUT",
            "/repos/pypi/support/issues/1/labels",
            {"labels": ["x"]},
            ["PUT /repos/pypi/support/issues/1/labels: no such operation in rest.openapi.json"],
        ),
    ],
)
def test_rest_check_refuses_what_github_refuses(
    method: str, path: str, body: Any, expected: list[str]
) -> None:
    assert rest_check.problems(method, path, body) == expected


async def test_bot_requests_are_checked_in_every_test(
    fake_github: FakeGitHub, bot_requests_match_openapi: list[Any]
) -> None:
    """The autouse check sees the bot's requests (and only the bot's) and would fail a test
    whose bot sends a key GitHub does not know."""
    fake_github.add_issue(REPO, title="t", body="b")
    async with aiohttp.ClientSession() as session:
        gh = GitHubClient(session, oauth_token="t", base_url=fake_github.url)
        await gh.add_labels(REPO, 1, ["lost 2fa"])
        await gh.edit_issue(REPO, 1, state="closed", state_reson="completed")
    from fixtures_openapi import bot_rest_problems

    assert [c.headers["user-agent"] for c in bot_requests_match_openapi] == [
        recovery_bot.USER_AGENT
    ] * 2
    assert bot_rest_problems(bot_requests_match_openapi) == [
        "PATCH /repos/{owner}/{repo}/issues/{issue_number}: unknown key 'state_reson'"
    ]
    bot_requests_match_openapi.clear()  # the fixture would otherwise fail this test


def test_graphql_schema_is_loaded_once_per_process() -> None:
    assert graphql_check.github_schema() is graphql_check.github_schema()


def test_refused_documents_have_no_data_key() -> None:
    """GitHub omits ``data`` when validation fails (gidgethub raises QueryError on it)."""
    errors = graphql_check.document_errors(UNION_WITHOUT_FRAGMENT)
    assert [e["extensions"]["code"] for e in errors] == ["selectionMismatch"]
    assert json.loads(json.dumps(errors)) == errors  # JSON-ready


async def test_rate_limit_endpoint_shows_graphql_charged_by_cost(fake_github: FakeGitHub) -> None:
    """``GET /rate_limit`` (the one fake route kept though the bot never calls it: it is how
    a test sees the buckets) is free, and shows the ``graphql`` bucket charged the cost."""
    fake_github.add_issue(REPO, title="t", body="b")
    await post_graphql(fake_github, ISSUES_QUERY, owner="pypi", name="support", pageSize=100)
    async with aiohttp.ClientSession() as session:
        auth = {"Authorization": "token t"}
        async with session.get(f"{fake_github.url}/repos/{REPO}/issues/1", headers=auth) as r:
            assert r.status == 200
        for _ in range(2):  # asking is not charged
            async with session.get(f"{fake_github.url}/rate_limit", headers=auth) as r:
                resources = (await r.json())["resources"]
        assert {k: v["used"] for k, v in resources.items()} == {
            "core": 1,
            "search": 0,
            "graphql": 3,
        }
        assert resources["graphql"]["remaining"] == 5000 - 3
