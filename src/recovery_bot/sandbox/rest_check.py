"""REST requests held to GitHub's published OpenAPI description (for tests).

Why: the fake GitHub accepts whatever body its handlers can read, so a request GitHub
would refuse with 422 (a misspelt key, a string where a list belongs, an enum value that
does not exist) would pass the suite. :func:`problems` checks one request against the
operations the bot calls, vendored by ``tools/refresh_schemas.py`` into
``schemas/rest.openapi.json``: the path must be one of them, and the JSON body must match
the operation's request schema, with no top-level key the schema does not name (GitHub
ignores unknown keys, so a misspelt one would silently do nothing).

Needs ``jsonschema`` (a test extra), imported lazily.
"""

from __future__ import annotations

import json
import re
from functools import cache
from importlib import resources
from typing import Any

__all__ = ["match_operation", "openapi", "problems"]

OPENAPI_FILE = "rest.openapi.json"


@cache
def openapi() -> dict[str, Any]:
    """The vendored OpenAPI description (the bot's operations and what they reference)."""
    path = resources.files("recovery_bot.sandbox").joinpath("schemas", OPENAPI_FILE)
    doc: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return doc


@cache
def _templates() -> tuple[tuple[re.Pattern[str], str, str], ...]:
    out: list[tuple[re.Pattern[str], str, str]] = []
    for template, ops in openapi()["paths"].items():
        pattern = re.compile(re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(template)) + "/?")
        out.extend((pattern, method, template) for method in ops)
    return tuple(out)


def match_operation(method: str, raw_path: str) -> str | None:
    """The OpenAPI path template of ``method raw_path``, or None if the bot is not known to
    call it (query strings are ignored; percent-encoded segments match one segment)."""
    path = raw_path.split("?", 1)[0]
    for pattern, m, template in _templates():
        if m == method.lower() and pattern.fullmatch(path):
            return template
    return None


def problems(method: str, raw_path: str, body: Any) -> list[str]:
    """What GitHub's description says is wrong with this request; empty when nothing."""
    template = match_operation(method, raw_path)
    if template is None:
        return [f"{method} {raw_path}: no such operation in {OPENAPI_FILE}"]
    return list(_body_problems(method.lower(), template, json.dumps(body, sort_keys=True)))


@cache
def _body_problems(method: str, template: str, body_text: str) -> tuple[str, ...]:
    """Cached per distinct body: the suite sends the same few bodies thousands of times."""
    body = json.loads(body_text)
    where = f"{method.upper()} {template}"
    request = openapi()["paths"][template][method].get("requestBody")
    if request is None:
        return () if body is None else (f"{where}: sends a body, the operation takes none",)
    if body is None:
        return (f"{where}: the body is required",) if request.get("required") else ()
    schema = request["content"]["application/json"]["schema"]
    found = [
        f"{where}: {e.json_path}: {e.message}"
        for e in _validator(method, template).iter_errors(body)
    ]
    props = _resolve(schema).get("properties")
    if isinstance(body, dict) and isinstance(props, dict):
        found += [f"{where}: unknown key {k!r}" for k in sorted(set(body) - set(props))]
    return tuple(found)


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        node: Any = openapi()
        for part in schema["$ref"].removeprefix("#/").split("/"):
            node = node[part]
        schema = node
    return schema


@cache
def _validator(method: str, template: str) -> Any:
    """A JSON Schema 2020-12 validator for one operation's request body.

    OpenAPI 3.0 schemas are JSON Schema but for ``nullable``, rewritten here to a
    ``"null"`` type; ``$ref`` pointers resolve inside the converted document.
    """
    from jsonschema import Draft202012Validator

    pointer = "/".join(
        p.replace("~", "~0").replace("/", "~1")
        for p in ("paths", template, method, "requestBody", "content", "application/json")
    )
    root = {**_json_schema(openapi()), "$ref": f"#/{pointer}/schema"}
    return Draft202012Validator(root)


def _json_schema(node: Any, *, in_properties: bool = False) -> Any:
    """OpenAPI 3.0 -> JSON Schema: ``nullable: true`` becomes a type that admits null."""
    if isinstance(node, list):
        return [_json_schema(v) for v in node]
    if not isinstance(node, dict):
        return node
    out = {
        k: _json_schema(v, in_properties=(k == "properties" and not in_properties))
        for k, v in node.items()
        if in_properties or k != "nullable"
    }
    if in_properties or node.get("nullable") is not True:
        return out
    if isinstance(out.get("type"), str):
        out["type"] = [out["type"], "null"]
        if "enum" in out:
            out["enum"] = [*out["enum"], None]
        return out
    return {"anyOf": [out, {"type": "null"}]}
