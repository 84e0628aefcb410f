"""GraphQL documents held to GitHub's published schema, and GitHub's rate-limit cost.

Why: the fake GitHub resolves only the fields the bot reads, and on its own it would run
documents GitHub refuses (a field selected on a union without a fragment, a declared but
unused variable), so a broken query would pass the suite and fail in production. Every
document the fake receives is first validated here with graphql-core against the schema
GitHub publishes (vendored by ``tools/refresh_schemas.py``), and refused as GitHub refuses
it: HTTP 200 with ``{"errors": [{"message", "locations", "path", "extensions": {"code",
...}}]}``. GitHub runs graphql-ruby, so the common rules answer with graphql-ruby's words and
codes (``undefinedField``, ``selectionMismatch``, ``variableNotUsed``, ...); the rarer ones
keep graphql-core's message under a code named after the rule.

graphql-core is imported lazily (about 0.3 s, plus about 0.3 s to build the schema once
per process), so importing the fake stays cheap for code that never sends GraphQL.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import cache, lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from graphql import DocumentNode, GraphQLError, GraphQLSchema, OperationDefinitionNode

__all__ = ["Checked", "check", "document_errors", "github_schema", "query_cost"]

SCHEMA_FILE = "graphql.schema.json"


@cache
def github_schema() -> GraphQLSchema:
    """GitHub's GraphQL schema, built once per process from the vendored introspection.

    ``assume_valid``: GitHub's schema breaks two rules graphql-core checks (fields deprecated
    where their interface's are not); GitHub serves it anyway, and so do we.
    """
    from graphql import build_client_schema

    text = resources.files("recovery_bot.sandbox").joinpath("schemas", SCHEMA_FILE).read_text()
    return build_client_schema(json.loads(text), assume_valid=True)


@dataclass
class Checked:
    """A document as GitHub would take it: the errors to answer with, or what to run.

    ``variables`` are the coerced values (defaults filled in); ``cost`` is the rate-limit
    cost GitHub would charge (:func:`query_cost`).
    """

    errors: list[dict[str, Any]] = field(default_factory=list)
    variables: dict[str, Any] = field(default_factory=dict)
    cost: int = 1


def check(
    source: str, variables: Mapping[str, Any] | None = None, operation_name: str | None = None
) -> Checked:
    """Parse, validate and coerce variables as GitHub does before it runs anything."""
    from graphql import parse
    from graphql.execution.values import get_variable_values

    errors = document_errors(source)
    if errors:
        return Checked(errors=errors)
    doc = parse(source)
    op = _operation(doc, operation_name)
    if isinstance(op, str):
        return Checked(errors=[{"message": op}])
    given = dict(variables or {})
    coerced = get_variable_values(github_schema(), op.variable_definitions or (), given)
    if isinstance(coerced, list):
        return Checked(errors=[_variable_error(op, e, given) for e in coerced])
    values = dict(coerced.coerced)
    return Checked(variables=values, cost=query_cost(doc, values, operation_name))


def document_errors(source: str) -> list[dict[str, Any]]:
    """What GitHub says is wrong with a document itself (syntax, schema), before variables;
    empty when it would run it. Parsed documents are cached: a client sends the same few."""
    return [dict(e) for e in _document_errors(source)]


@lru_cache(maxsize=256)
def _document_errors(source: str) -> tuple[dict[str, Any], ...]:
    from graphql import GraphQLSyntaxError, parse

    try:
        doc = parse(source)
    except GraphQLSyntaxError as exc:
        line, column = (exc.locations[0].line, exc.locations[0].column) if exc.locations else (1, 1)
        return (
            {
                "message": f"Parse error at [{line}, {column}]: {exc.message}",
                "locations": [{"line": line, "column": column}],
            },
        )
    schema = github_schema()
    return tuple(_ruby_error(schema, doc, rule, e) for rule, e in _validate(schema, doc))


# -- GitHub's rate-limit cost -----------------------------------------------------------


def query_cost(
    doc: DocumentNode | str,
    variables: Mapping[str, Any] | None = None,
    operation_name: str | None = None,
) -> int:
    """The points GitHub charges for one query, as its documentation computes them.

    "Add up the number of requests needed to fulfill each unique connection in the call.
    Assume every request will reach the first or last argument limits. Divide the number by
    100 and round the result to the nearest whole number. The minimum point value of a call
    is 1." A connection nested under another is requested once per parent node, so it costs
    the product of the page sizes above it (GitHub's example: 100 repositories x 50 issues
    x 60 labels = 1 + 100 + 5,000 = 5,101 requests = 51 points).
    https://docs.github.com/graphql/overview/rate-limits-and-query-limits-for-the-graphql-api
    """
    from graphql import (
        FieldNode,
        FragmentDefinitionNode,
        FragmentSpreadNode,
        GraphQLInterfaceType,
        GraphQLObjectType,
        InlineFragmentNode,
        IntValueNode,
        SelectionSetNode,
        VariableNode,
        get_named_type,
        parse,
    )

    schema = github_schema()
    if isinstance(doc, str):
        doc = parse(doc)
    op = _operation(doc, operation_name)
    if isinstance(op, str):
        return 1
    fragments = {d.name.value: d for d in doc.definitions if isinstance(d, FragmentDefinitionNode)}
    values = dict(variables or {})
    requests = 0

    def page_size(fdef: Any, node: FieldNode) -> int:
        given = {a.name.value: a.value for a in node.arguments or ()}
        for name in ("first", "last"):
            arg = given.get(name)
            if isinstance(arg, IntValueNode):
                return int(arg.value)
            if isinstance(arg, VariableNode) and values.get(arg.name.value) is not None:
                return int(values[arg.name.value])
            if arg is None and isinstance(fdef.args[name].default_value, int):
                return int(fdef.args[name].default_value)
        return 0

    def walk(sel_set: SelectionSetNode, parent: Any, parents: int, seen: frozenset[str]) -> None:
        nonlocal requests
        for sel in sel_set.selections:
            if isinstance(sel, FieldNode):
                fields = (
                    parent.fields
                    if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType)
                    else {}
                )
                fdef = fields.get(sel.name.value)
                if fdef is None or sel.selection_set is None:
                    continue
                ftype = get_named_type(fdef.type)
                nodes = parents
                if ftype.name.endswith("Connection") and "first" in fdef.args:
                    requests += parents
                    nodes = parents * page_size(fdef, sel)
                walk(sel.selection_set, ftype, nodes, seen)
            elif isinstance(sel, InlineFragmentNode):
                cond = sel.type_condition
                target = schema.get_type(cond.name.value) if cond is not None else parent
                walk(sel.selection_set, target, parents, seen)
            elif isinstance(sel, FragmentSpreadNode):
                frag = fragments.get(sel.name.value)
                if frag is not None and frag.name.value not in seen:
                    target = schema.get_type(frag.type_condition.name.value)
                    walk(frag.selection_set, target, parents, seen | {frag.name.value})

    root = schema.get_root_type(op.operation)
    walk(op.selection_set, root, 1, frozenset())
    points = (Decimal(requests) / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return max(1, int(points))


# -- errors in GitHub's words -----------------------------------------------------------


def _validate(schema: GraphQLSchema, doc: DocumentNode) -> list[tuple[str, GraphQLError]]:
    """graphql-core's validation errors, each with the name of the rule that found it, so
    the answer is worded per rule rather than by guessing from message text. Valid
    documents (all the bot sends) take one pass; only a refused one is revalidated rule by
    rule to attribute its errors."""
    from graphql import specified_rules, validate

    if not validate(schema, doc):
        return []
    return [(rule.__name__, e) for rule in specified_rules for e in validate(schema, doc, [rule])]


def _operation(doc: DocumentNode, name: str | None) -> OperationDefinitionNode | str:
    from graphql import OperationDefinitionNode

    ops = [d for d in doc.definitions if isinstance(d, OperationDefinitionNode)]
    if name is None:
        if len(ops) == 1:
            return ops[0]
        return "An operation name is required" if ops else "No operations in query document"
    for op in ops:
        if op.name is not None and op.name.value == name:
            return op
    return f'No operation named "{name}"'


def _op_label(op: OperationDefinitionNode | None) -> str:
    if op is None:
        return "query"
    kind = op.operation.value
    return f"{kind} {op.name.value}" if op.name else kind


def _path(doc: DocumentNode, target: Any) -> list[str]:
    """graphql-ruby's error path: the operation, then each field's response key down to
    the offending node (fragments by name, inline fragments as ``... on Type``)."""
    from graphql import (
        BREAK,
        FieldNode,
        FragmentDefinitionNode,
        FragmentSpreadNode,
        InlineFragmentNode,
        Node,
        OperationDefinitionNode,
        Visitor,
        visit,
    )

    trail: list[Node] = []

    class Find(Visitor):
        def enter(self, node: Any, _key: Any, _parent: Any, _path: Any, ancestors: Any) -> Any:
            if node is target:
                trail.extend(a for a in ancestors if isinstance(a, Node))
                trail.append(node)
                return BREAK
            return None

    visit(doc, Find())
    out: list[str] = []
    for node in trail:
        if isinstance(node, OperationDefinitionNode):
            out.append(_op_label(node))
        elif isinstance(node, FragmentDefinitionNode):
            out.append(f"fragment {node.name.value}")
        elif isinstance(node, FieldNode):
            out.append((node.alias or node.name).value)
        elif isinstance(node, InlineFragmentNode):
            cond = node.type_condition
            out.append(f"... on {cond.name.value}" if cond is not None else "...")
        elif isinstance(node, FragmentSpreadNode):
            out.append(f"... {node.name.value}")
    return out


def _enclosing_op(doc: DocumentNode, node: Any) -> OperationDefinitionNode | None:
    from graphql import OperationDefinitionNode

    start = node.loc.start if node is not None and node.loc is not None else -1
    for d in doc.definitions:
        if isinstance(d, OperationDefinitionNode) and d.loc and d.loc.start <= start < d.loc.end:
            return d
    return None


_FIELD_ON_TYPE = re.compile(r"Cannot query field '([^']+)' on type '([^']+)'")
_VARIABLE = re.compile(r"Variable '\$(\w+)'")
_UNKNOWN_ARG = re.compile(r"Unknown argument '([^']+)' on field '([^'.]+)\.([^']+)'")
_MISSING_ARG = re.compile(r"Argument '([^'.]+)\.([^'(]+)\(([^':]+):\)' of type")
_NEEDS_SELECTION = re.compile(r"Field '([^']+)' of type '([^']+)' must have a selection")
_NO_SELECTION = re.compile(r"Field '([^']+)' must not have a selection since type '([^']+)'")


def _ruby_error(
    schema: GraphQLSchema, doc: DocumentNode, rule: str, err: GraphQLError
) -> dict[str, Any]:
    """One graphql-core validation error as GitHub (graphql-ruby) words it."""
    from graphql import GraphQLUnionType

    node = err.nodes[0] if err.nodes else None
    message, ext = err.message, {"code": _code(rule)}
    if rule == "FieldsOnCorrectTypeRule" and (m := _FIELD_ON_TYPE.search(err.message)):
        fld, type_name = m.groups()
        if isinstance(schema.get_type(type_name), GraphQLUnionType):
            message = f"Selections can't be made directly on unions (see selections on {type_name})"
            ext = {"code": "selectionMismatch", "nodeName": type_name}
        else:
            message = f"Field '{fld}' doesn't exist on type '{type_name}'"
            ext = {"code": "undefinedField", "typeName": type_name, "fieldName": fld}
    elif rule in ("NoUnusedVariablesRule", "NoUndefinedVariablesRule") and (
        m := _VARIABLE.search(err.message)
    ):
        (var,) = m.groups()
        op = _enclosing_op(doc, node)
        who = op.name.value if op is not None and op.name is not None else "anonymous query"
        if rule == "NoUnusedVariablesRule":
            message, code = f"Variable ${var} is declared by {who} but not used", "variableNotUsed"
        else:
            message, code = (
                f"Variable ${var} is used by {who} but not declared",
                "variableNotDefined",
            )
        ext = {"code": code, "variableName": var}
    elif rule == "KnownArgumentNamesRule" and (m := _UNKNOWN_ARG.search(err.message)):
        arg, _type_name, fld = m.groups()
        message = f"Field '{fld}' doesn't accept argument '{arg}'"
        ext = {"code": "argumentNotAccepted", "name": fld, "typeName": "Field", "argumentName": arg}
    elif rule == "ProvidedRequiredArgumentsRule" and (m := _MISSING_ARG.search(err.message)):
        _type_name, fld, arg = m.groups()
        message = f"Field '{fld}' is missing required arguments: {arg}"
        ext = {"code": "missingRequiredArguments", "className": "Field", "name": fld,
               "arguments": arg}  # fmt: skip
    elif rule == "ScalarLeafsRule" and (m := _NEEDS_SELECTION.search(err.message)):
        fld, type_name = m.groups()
        message = (
            f"Field must have selections (field '{fld}' returns {type_name} but has no "
            f"selections. Did you mean '{fld} {{ ... }}'?)"
        )
        ext = {"code": "selectionMismatch", "nodeName": f"field '{fld}'"}
    elif rule == "ScalarLeafsRule" and (m := _NO_SELECTION.search(err.message)):
        fld, type_name = m.groups()
        message = f"Selections can't be made on scalars (field '{fld}' returns {type_name})"
        ext = {"code": "selectionMismatch", "nodeName": f"field '{fld}'", "typeName": type_name}
    entry: dict[str, Any] = {"message": message}
    entry["locations"] = [{"line": loc.line, "column": loc.column} for loc in err.locations or []]
    if node is not None:
        entry["path"] = _path(doc, node)
    entry["extensions"] = ext
    return entry


def _code(rule: str) -> str:
    """``NoUnusedFragmentsRule`` -> ``noUnusedFragments``: a stable code for the rules
    without a graphql-ruby wording here."""
    base = rule.removesuffix("Rule") or "invalidQuery"
    return base[0].lower() + base[1:]


def _variable_error(
    op: OperationDefinitionNode, err: GraphQLError, variables: Mapping[str, Any]
) -> dict[str, Any]:
    """A variable GitHub cannot coerce: ``Variable $x of type T was provided invalid value``."""
    from graphql import print_ast

    m = _VARIABLE.search(err.message)
    name = m.group(1) if m else "?"
    type_text = next(
        (print_ast(v.type) for v in op.variable_definitions or () if v.variable.name.value == name),
        "?",
    )
    explanation = (
        "Expected value to not be null"
        if "was not provided" in err.message or variables.get(name) is None
        else err.message.split("; ", 1)[-1]
    )
    return {
        "message": f"Variable ${name} of type {type_text} was provided invalid value",
        "locations": [{"line": loc.line, "column": loc.column} for loc in err.locations or []],
        "extensions": {
            "value": variables.get(name),
            "problems": [{"path": [], "explanation": explanation}],
        },
    }
