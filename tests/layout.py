"""The import graph of ``recovery_bot``, read from the source with ``ast`` (nothing imported).

Shared by the layout tests and ``bench/``: edges are every ``import`` of a
``recovery_bot`` module anywhere in a file (function-level imports count: a lazy
import is still a dependency), except those under ``if TYPE_CHECKING:``, which exist
for the type checker only.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src" / "recovery_bot"

#: Layers from the bottom up; a module may import its own layer or any layer below.
#: Features may import each other (no cycles) but never the entry/composition modules.
LAYERS = {"core": 0, "platform": 1, "sandbox": 1, "intake": 2, "commands": 2, "sla": 2, "digest": 2}
TOP = 3  # __main__, cli, app, demo, action, sandbox_cli, gallery, and every ``*cli`` module

#: The functional core: rules over plain data. They may import only core/ and each other,
#: load none of the shell's libraries and hold no ``async def``.
PURE = (
    "recovery_bot.core.config",
    "recovery_bot.core.durations",
    "recovery_bot.core.errors",
    "recovery_bot.core.plans",
    "recovery_bot.core.snapshot",
    "recovery_bot.core.pypi_user",
    "recovery_bot.core.lazy_re",
    "recovery_bot.intake.forms",
    "recovery_bot.intake.username",
    "recovery_bot.intake.reason",
    "recovery_bot.intake.answers",
    "recovery_bot.intake.decision",
    "recovery_bot.commands.parse",
    "recovery_bot.commands.rules",
    "recovery_bot.commands.config",
    "recovery_bot.sla.clocks",
    "recovery_bot.sla.queue",
    "recovery_bot.sla.config",
    "recovery_bot.digest.report",
    "recovery_bot.digest.render",
    "recovery_bot.digest.config",
)


def module_name(path: Path) -> str:
    rel = path.relative_to(SRC.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(SRC.rglob("*.py"))}


def _is_type_checking(node: ast.If) -> bool:
    t = node.test
    return (isinstance(t, ast.Name) and t.id == "TYPE_CHECKING") or (
        isinstance(t, ast.Attribute) and t.attr == "TYPE_CHECKING"
    )


def imports_of(path: Path, known: set[str]) -> set[str]:
    """The ``recovery_bot`` modules ``path`` imports (``from pkg import mod`` resolves to
    ``pkg.mod`` when that is a module, else to ``pkg``)."""
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name.split(".")[0] == "recovery_bot":
                    found.add(a.name)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.split(".")[0] == "recovery_bot":
                for a in node.names:
                    sub = f"{node.module}.{a.name}"
                    found.add(sub if sub in known else node.module)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    return {m for m in found if m in known}


def graph() -> dict[str, set[str]]:
    mods = modules()
    known = set(mods)
    return {name: imports_of(path, known) - {name} for name, path in mods.items()}


def layer(name: str) -> int | None:
    """The layer of a module; None for the package root (``recovery_bot``: constants only)."""
    parts = name.split(".")
    if len(parts) == 1:
        return None
    if parts[-1].endswith("cli"):
        return TOP  # a feature's command-line entry (``sla.cli``): composed by ``app``
    if parts[1] in LAYERS:
        return LAYERS[parts[1]]
    return TOP


def find_cycle(g: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a path ``[a, b, ..., a]``, or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def dfs(n: str) -> list[str] | None:
        state[n] = 1
        stack.append(n)
        for m in sorted(g.get(n, ())):
            if state.get(m) == 1:
                return [*stack[stack.index(m) :], m]
            if m not in state:
                found = dfs(m)
                if found:
                    return found
        stack.pop()
        state[n] = 2
        return None

    for n in sorted(g):
        if n not in state:
            found = dfs(n)
            if found:
                return found
    return None


if __name__ == "__main__":  # the pure modules' files, for `mypy --strict` in .ci/run
    print("\n".join(str(modules()[m].relative_to(SRC.parent.parent)) for m in PURE))
