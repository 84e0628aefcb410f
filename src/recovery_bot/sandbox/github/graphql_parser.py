"""GraphQL documents to a small syntax tree: operations, fields with aliases and arguments,
fragments, variables and directives.

A recursive-descent parser for executable documents only. Validation against GitHub's
schema happens before, in :mod:`recovery_bot.sandbox.graphql_check` (graphql-core); this
tree only has to carry what :mod:`recovery_bot.sandbox.github.graphql_exec` resolves.
"""

from __future__ import annotations

import json
import re
import textwrap
from dataclasses import dataclass
from typing import Any


class GQLError(Exception):
    def __init__(self, message: str, type_: str | None = None, *, fatal: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.type = type_
        self.fatal = fatal


@dataclass
class GVar:
    name: str


@dataclass
class GEnum:
    name: str


@dataclass
class GField:
    name: str
    alias: str | None
    args: dict[str, Any]
    selections: list[Any] | None
    directives: list[tuple[str, dict[str, Any]]]
    line: int
    column: int


@dataclass
class GFragment:
    type_condition: str | None
    selections: list[Any]
    directives: list[tuple[str, dict[str, Any]]]


@dataclass
class GSpread:
    name: str
    directives: list[tuple[str, dict[str, Any]]]


@dataclass
class GOperation:
    kind: str
    name: str | None
    var_defs: dict[str, tuple[str, Any]]  # name -> (type text, default)
    selections: list[Any]


_GQL_TOKEN = re.compile(
    r'(?P<ws>[\s,\ufeff]+|#[^\n]*)|(?P<spread>\.\.\.)|(?P<block>"""(?:\\"""|[^"]|"(?!""))*""")'
    r'|(?P<string>"(?:\\.|[^"\\\n])*")|(?P<number>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)'
    r"|(?P<name>[_A-Za-z][_0-9A-Za-z]*)|(?P<punct>[!$&()\:=@\[\]{}|])"
)


class GQLParser:
    """Recursive-descent parser for GraphQL executable documents."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.tokens: list[tuple[str, str, int]] = []
        pos = 0
        while pos < len(source):
            m = _GQL_TOKEN.match(source, pos)
            if m is None:
                raise self._error(f"Parse error on {source[pos]!r}", pos)
            kind = m.lastgroup or ""
            if kind != "ws":
                self.tokens.append((kind, m.group(), pos))
            pos = m.end()
        self.i = 0

    def _loc(self, pos: int) -> tuple[int, int]:
        line = self.source.count("\n", 0, pos) + 1
        column = pos - (self.source.rfind("\n", 0, pos) + 1) + 1
        return line, column

    def _error(self, message: str, pos: int | None = None) -> GQLError:
        if pos is None:
            pos = self.tokens[self.i][2] if self.i < len(self.tokens) else len(self.source)
        line, col = self._loc(pos)
        return GQLError(f"{message} ({line}:{col})", "PARSE_ERROR", fatal=True)

    def peek(self) -> tuple[str, str, int]:
        return self.tokens[self.i] if self.i < len(self.tokens) else ("eof", "", len(self.source))

    def take(self, value: str | None = None, kind: str | None = None) -> tuple[str, str, int]:
        tok = self.peek()
        if (value is not None and tok[1] != value) or (kind is not None and tok[0] != kind):
            shown = tok[1] if tok[0] != "eof" else "end of file"
            want = value or kind
            raise self._error(f'Parse error on "{shown}" (expected {want})')
        self.i += 1
        return tok

    def accept(self, value: str) -> bool:
        if self.peek()[1] == value and self.peek()[0] in ("punct", "spread", "name"):
            self.i += 1
            return True
        return False

    def document(self) -> tuple[list[GOperation], dict[str, GFragment]]:
        ops: list[GOperation] = []
        frags: dict[str, GFragment] = {}
        while self.peek()[0] != "eof":
            tok = self.peek()
            if tok[1] == "{":
                ops.append(GOperation("query", None, {}, self.selection_set()))
            elif tok[1] in ("query", "mutation", "subscription"):
                self.i += 1
                name = self.take(kind="name")[1] if self.peek()[0] == "name" else None
                var_defs = self.var_defs() if self.peek()[1] == "(" else {}
                self.directives()
                ops.append(GOperation(tok[1], name, var_defs, self.selection_set()))
            elif tok[1] == "fragment":
                self.i += 1
                name = self.take(kind="name")[1]
                self.take("on")
                cond = self.take(kind="name")[1]
                directives = self.directives()
                frags[name] = GFragment(cond, self.selection_set(), directives)
            else:
                raise self._error(f'Parse error on "{tok[1]}"')
        if not ops:
            raise GQLError("No operations in query document", fatal=True)
        return ops, frags

    def var_defs(self) -> dict[str, tuple[str, Any]]:
        defs: dict[str, tuple[str, Any]] = {}
        self.take("(")
        while not self.accept(")"):
            self.take("$")
            name = self.take(kind="name")[1]
            self.take(":")
            type_text = self.type_ref()
            default = self.value(const=True) if self.accept("=") else None
            self.directives()
            defs[name] = (type_text, default)
        return defs

    def type_ref(self) -> str:
        if self.accept("["):
            inner = self.type_ref()
            self.take("]")
            text = f"[{inner}]"
        else:
            text = self.take(kind="name")[1]
        if self.accept("!"):
            text += "!"
        return text

    def directives(self) -> list[tuple[str, dict[str, Any]]]:
        out = []
        while self.accept("@"):
            name = self.take(kind="name")[1]
            out.append((name, self.arguments()))
        return out

    def selection_set(self) -> list[Any]:
        self.take("{")
        items: list[Any] = []
        while not self.accept("}"):
            if self.peek()[0] == "eof":
                raise self._error('Parse error on end of file (expected "}")')
            items.append(self.selection())
        return items

    def selection(self) -> Any:
        if self.peek()[0] == "spread":
            self.i += 1
            if self.peek()[1] == "on":
                self.i += 1
                cond = self.take(kind="name")[1]
                directives = self.directives()
                return GFragment(cond, self.selection_set(), directives)
            if self.peek()[1] in ("{", "@"):
                directives = self.directives()
                return GFragment(None, self.selection_set(), directives)
            return GSpread(self.take(kind="name")[1], self.directives())
        tok = self.take(kind="name")
        name, alias = tok[1], None
        if self.accept(":"):
            alias, name = name, self.take(kind="name")[1]
        args = self.arguments()
        directives = self.directives()
        selections = self.selection_set() if self.peek()[1] == "{" else None
        line, col = self._loc(tok[2])
        return GField(name, alias, args, selections, directives, line, col)

    def arguments(self) -> dict[str, Any]:
        if not self.accept("("):
            return {}
        args: dict[str, Any] = {}
        while not self.accept(")"):
            name = self.take(kind="name")[1]
            self.take(":")
            args[name] = self.value()
        return args

    def value(self, const: bool = False) -> Any:
        kind, text, _pos = self.peek()
        if text == "$" and kind == "punct" and not const:
            self.i += 1
            return GVar(self.take(kind="name")[1])
        if text == "[" and kind == "punct":
            self.i += 1
            items = []
            while not self.accept("]"):
                items.append(self.value(const))
            return items
        if text == "{" and kind == "punct":
            self.i += 1
            obj = {}
            while not self.accept("}"):
                key = self.take(kind="name")[1]
                self.take(":")
                obj[key] = self.value(const)
            return obj
        self.i += 1
        if kind == "number":
            return float(text) if any(c in text for c in ".eE") else int(text)
        if kind == "string":
            return json.loads(text)
        if kind == "block":
            return textwrap.dedent(text[3:-3].replace('\\"""', '"""')).strip("\n")
        if kind == "name":
            return {"true": True, "false": False, "null": None}.get(text, GEnum(text))
        self.i -= 1
        raise self._error(f'Parse error on "{text}"')
