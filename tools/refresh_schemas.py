#!/usr/bin/env python3
"""Refresh the GitHub schemas the fake GitHub is held to (src/recovery_bot/sandbox/schemas/).

Why vendored: tests must never reach the internet, yet the fake must answer like GitHub.
GitHub publishes its GraphQL schema and its REST OpenAPI description; Octokit republishes
both on npm, which is the one registry this project can reach. This script packs the two
pinned npm packages, checks nothing but what it reads, and writes:

* ``graphql.schema.json`` -- the full GraphQL schema (the package's ``schema.graphql``) as an
  introspection result without descriptions, one type per line (sorted by name) so a
  refresh diffs per type. Introspection JSON rather than SDL because graphql-core builds it
  several times faster (``json`` is C; the SDL lexer is pure Python: about 0.4 s against
  2.2 s here), and the fake loads it once per process. Needs graphql-core installed.
* ``rest.openapi.json`` -- only the REST operations the bot calls (:data:`OPERATIONS`),
  with every component they reference, without prose (``description``), examples and the
  Octokit/GitHub bookkeeping extensions: what a request or response may look like, nothing
  else.
* ``VERSION`` -- package versions, tarball sha256 and the operation list.

Deterministic: the same pinned packages give byte-identical files (sorted keys, fixed
layout, no dates). Rerun after bumping a pin, or after the bot starts calling a new REST
operation (add it to :data:`OPERATIONS`; ``tests/test_schemas.py`` fails until you do).

Usage: python tools/refresh_schemas.py [--check]   (``--check``: exit 1 if a file would change)
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Any

GRAPHQL_PACKAGE = "@octokit/graphql-schema"
GRAPHQL_VERSION = "15.26.1"
OPENAPI_PACKAGE = "@octokit/openapi"
OPENAPI_VERSION = "23.0.2"
OPENAPI_MEMBER = "package/generated/api.github.com.json"
GRAPHQL_MEMBER = "package/schema.graphql"

#: Every REST operation the bot (src/recovery_bot, not the sandbox) calls, as OpenAPI names
#: them. GraphQL goes through ``POST /graphql``, which OpenAPI does not describe.
OPERATIONS: tuple[tuple[str, str], ...] = (
    ("get", "/repos/{owner}/{repo}/issues/{issue_number}"),
    ("patch", "/repos/{owner}/{repo}/issues/{issue_number}"),
    ("post", "/repos/{owner}/{repo}/issues"),
    ("get", "/repos/{owner}/{repo}/issues/{issue_number}/comments"),
    ("post", "/repos/{owner}/{repo}/issues/{issue_number}/comments"),
    ("patch", "/repos/{owner}/{repo}/issues/comments/{comment_id}"),
    ("delete", "/repos/{owner}/{repo}/issues/comments/{comment_id}"),
    ("post", "/repos/{owner}/{repo}/issues/{issue_number}/labels"),
    ("delete", "/repos/{owner}/{repo}/issues/{issue_number}/labels/{name}"),
    ("get", "/repos/{owner}/{repo}/issues/{issue_number}/events"),
    ("post", "/repos/{owner}/{repo}/issues/{issue_number}/assignees"),
    ("delete", "/repos/{owner}/{repo}/issues/{issue_number}/assignees"),
    ("post", "/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions"),
    ("post", "/repos/{owner}/{repo}/issues/{issue_number}/reactions"),
    ("get", "/repos/{owner}/{repo}/collaborators/{username}/permission"),
    ("get", "/orgs/{org}/teams/{team_slug}/memberships/{username}"),
    ("get", "/search/issues"),
    ("get", "/repos/{owner}/{repo}/installation"),
    ("post", "/app/installations/{installation_id}/access_tokens"),
    ("get", "/app/hook/deliveries"),
    ("post", "/app/hook/deliveries/{delivery_id}/attempts"),
)

#: Keys dropped from the OpenAPI operations and schemas: prose and bookkeeping. Never
#: dropped where they name a property (``properties: {description: ...}`` is a label field).
_OPENAPI_DROP = frozenset(
    {
        "description",
        "summary",
        "example",
        "examples",
        "externalDocs",
        "tags",
        "x-github",
        "x-octokit",
        "x-github-breaking-changes",
        "x-github-releases",
    }
)
_KEEP_OPERATION = ("operationId", "parameters", "requestBody", "responses")

OUT = Path(__file__).resolve().parent.parent / "src" / "recovery_bot" / "sandbox" / "schemas"


def npm_pack(package: str, version: str, dest: Path) -> Path:
    """``npm pack`` one pinned package into ``dest`` and return the tarball's path."""
    out = subprocess.run(
        ["npm", "pack", "--silent", "--pack-destination", str(dest), f"{package}@{version}"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    if not out:
        raise SystemExit(f"npm pack {package}@{version} printed no file name")
    return dest / out[-1]


def read_member(tarball: Path, member: str) -> str:
    with tarfile.open(tarball, "r:gz") as tar:
        f = tar.extractfile(member)
        if f is None:
            raise SystemExit(f"{tarball.name} has no {member}")
        return f.read().decode("utf-8")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# -- GraphQL -----------------------------------------------------------------------------


def _dump(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def render_graphql(sdl: str) -> str:
    """The SDL as an introspection result without descriptions, one type per line.

    From ``schema.graphql``, not the package's ``schema.json``: in 15.26.1 the JSON lags the
    SDL (it lacks 30 types, e.g. ``ParentIssueAddedEvent``, and ``Issue.stateReason``'s
    ``enableDuplicate`` argument). The SDL defines two ``EnterpriseOwnerInfo`` fields twice,
    identically, and some fields are deprecated where their interface's are not: graphql-core
    rejects both, GitHub serves them, so the SDL is taken as valid (``assume_valid``).
    """
    from graphql import build_schema, introspection_from_schema

    built = build_schema(sdl, assume_valid_sdl=True, assume_valid=True)
    schema: dict[str, Any] = dict(introspection_from_schema(built, descriptions=False)["__schema"])
    types = sorted(schema.pop("types"), key=lambda t: t["name"])
    head = ",".join(f"{json.dumps(k)}:{_dump(v)}" for k, v in sorted(schema.items()))
    lines = ",\n".join(_dump(t) for t in types)
    return '{"__schema":{' + head + ',"types":[\n' + lines + "\n]}}\n"


# -- OpenAPI -----------------------------------------------------------------------------


def _prune(node: Any, *, in_properties: bool = False) -> Any:
    if isinstance(node, dict):
        return {
            k: _prune(v, in_properties=(k == "properties" and not in_properties))
            for k, v in node.items()
            if in_properties or (k not in _OPENAPI_DROP and not k.startswith("x-"))
        }
    if isinstance(node, list):
        return [_prune(v) for v in node]
    return node


def _refs(node: Any) -> set[str]:
    found: set[str] = set()
    stack = [node]
    while stack:
        cur = stack.pop()
        if isinstance(cur, dict):
            ref = cur.get("$ref")
            if isinstance(ref, str):
                found.add(ref)
            stack.extend(cur.values())
        elif isinstance(cur, list):
            stack.extend(cur)
    return found


def select_openapi(doc: dict[str, Any]) -> dict[str, Any]:
    """The bot's operations and the transitive closure of the components they reference."""
    paths: dict[str, dict[str, Any]] = {}
    for method, path in OPERATIONS:
        op = doc["paths"].get(path, {}).get(method)
        if op is None:
            raise SystemExit(f"{method.upper()} {path} is not in the OpenAPI description")
        paths.setdefault(path, {})[method] = _prune({k: op[k] for k in _KEEP_OPERATION if k in op})
    components: dict[str, dict[str, Any]] = {}
    pending = sorted(_refs(paths))
    seen: set[str] = set()
    while pending:
        ref = pending.pop()
        if ref in seen:
            continue
        seen.add(ref)
        m = re.fullmatch(r"#/components/([^/]+)/([^/]+)", ref)
        if m is None:
            raise SystemExit(f"unexpected $ref {ref}")
        kind, name = m.groups()
        body = _prune(doc["components"][kind][name])
        components.setdefault(kind, {})[name] = body
        pending.extend(sorted(_refs(body) - seen))
    return {
        "openapi": doc["openapi"],
        "info": {
            "title": "GitHub REST API, the operations recovery-bot calls",
            "version": doc["info"]["version"],
        },
        "paths": paths,
        "components": components,
    }


def render_openapi(selected: dict[str, Any]) -> str:
    return json.dumps(selected, sort_keys=True, indent=1) + "\n"


# -- driver ------------------------------------------------------------------------------


def render_version(gql: Path, api: Path) -> str:
    ops = "\n".join(f"  {m.upper():6} {p}" for m, p in OPERATIONS)
    return (
        "Vendored by tools/refresh_schemas.py from npm; do not edit by hand.\n\n"
        f"{GRAPHQL_PACKAGE}@{GRAPHQL_VERSION}  {gql.name}  sha256 {sha256(gql)}\n"
        f"  -> graphql.schema.json ({GRAPHQL_MEMBER} as introspection JSON, no descriptions)\n"
        f"{OPENAPI_PACKAGE}@{OPENAPI_VERSION}  {api.name}  sha256 {sha256(api)}\n"
        f"  -> rest.openapi.json ({OPENAPI_MEMBER}, these operations only):\n{ops}\n"
    )


def build(workdir: Path) -> dict[str, str]:
    gql = npm_pack(GRAPHQL_PACKAGE, GRAPHQL_VERSION, workdir)
    api = npm_pack(OPENAPI_PACKAGE, OPENAPI_VERSION, workdir)
    return {
        "graphql.schema.json": render_graphql(read_member(gql, GRAPHQL_MEMBER)),
        "rest.openapi.json": render_openapi(
            select_openapi(json.loads(read_member(api, OPENAPI_MEMBER)))
        ),
        "VERSION": render_version(gql, api),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if a file would change")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        files = build(Path(tmp))
    changed = [
        n
        for n, text in files.items()
        if not (OUT / n).is_file() or (OUT / n).read_text(encoding="utf-8") != text
    ]
    if args.check:
        for name in changed:
            print(f"would change: {name}")
        return 1 if changed else 0
    OUT.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (OUT / name).write_text(text, encoding="utf-8")
        print(f"{name}: {len(text.encode()):,} bytes" + (" (changed)" if name in changed else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
