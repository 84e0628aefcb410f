"""The layout holds: no import cycles, every import points down, the pure core is pure,
and every feature is wired by plain imports (a broken one fails loudly).

The graph is read from the source with ``ast`` (``tests/layout.py``); purity is checked
by importing each pure module in a fresh interpreter, since "what got loaded" is the
question, not "what is written".
"""

from __future__ import annotations

import ast
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

import layout
from recovery_bot import app, cli

FORBIDDEN = ("aiohttp", "gidgethub", "sqlite3", "jwt", "prometheus_client")


def test_graph_sees_known_edges() -> None:
    """The reader itself works: a few edges that must be there are found."""
    g = layout.graph()
    assert "recovery_bot.intake.forms" in g["recovery_bot.intake.decision"]
    assert "recovery_bot.core.plans" in g["recovery_bot.platform.applier"]
    assert "recovery_bot.intake.handler" in g["recovery_bot.app"]  # function-level import


def test_find_cycle_reports_a_cycle() -> None:
    assert layout.find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert layout.find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_cycles() -> None:
    assert layout.find_cycle(layout.graph()) is None


def test_every_import_points_down() -> None:
    """core <- platform <- features <- app/cli: platform imports no feature, core imports
    nothing above it, features never import the entry points or the composition."""
    up = [
        f"{a} -> {b}"
        for a, deps in layout.graph().items()
        for b in deps
        if (la := layout.layer(a)) is not None and (lb := layout.layer(b)) is not None and lb > la
    ]
    assert up == []


def test_pure_modules_import_only_pure_modules() -> None:
    g = layout.graph()
    bad = [
        f"{a} -> {b}"
        for a in layout.PURE
        for b in g[a]
        if b not in layout.PURE and b != "recovery_bot"
    ]
    assert bad == []


def test_pure_list_names_real_modules() -> None:
    assert set(layout.PURE) <= set(layout.modules())


@pytest.mark.parametrize("name", layout.PURE)
def test_pure_module_has_no_async_def(name: str) -> None:
    tree = ast.parse(layout.modules()[name].read_text(encoding="utf-8"))
    found = [n.name for n in ast.walk(tree) if isinstance(n, ast.AsyncFunctionDef)]
    assert found == []


def test_pure_modules_load_no_shell_library() -> None:
    """Import every pure module in a fresh interpreter; none of the shell's libraries may
    come along (one interpreter for all: each import is checked on its own below)."""
    code = (
        "import importlib, json, sys\n"
        f"forbidden = {FORBIDDEN!r}\n"
        "out = {}\n"
        f"for name in {layout.PURE!r}:\n"
        "    before = set(sys.modules)\n"
        "    importlib.import_module(name)\n"
        "    out[name] = sorted(m for m in set(sys.modules) - before\n"
        "                       if m.split('.')[0] in forbidden)\n"
        "print(json.dumps(out))\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = {k: v for k, v in json.loads(res.stdout).items() if v}
    assert loaded == {}


def test_purity_check_catches_a_shell_import() -> None:
    """The check can fail: a shell module does load them."""
    code = (
        "import sys; import recovery_bot.platform.server; "
        f"print(sorted(m for m in {FORBIDDEN!r} if m in sys.modules))"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(res.stdout.replace("'", '"')) == sorted(FORBIDDEN)


def test_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        cli.main(["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for cmd in app.COMMANDS:
        assert f"    {cmd.name} " in out
    assert [c.name for c in app.COMMANDS] == [
        "inspect",
        "serve",
        "demo",
        "sweep",
        "sla",
        "digest",
        "journal",
        "action",
        "sandbox",
    ]


@pytest.mark.parametrize("cmd", app.COMMANDS, ids=lambda c: c.name)
def test_every_command_module_defines_its_command(
    cmd: app.Command, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each command's module imports (a broken import fails here, not silently), defines
    the command with the help ``app.COMMANDS`` shows, and answers ``--help``."""
    parser = cli.build_parser([cmd.name])
    sub = parser._subparsers._group_actions[0]  # type: ignore[union-attr]
    helps = {a.dest: a.help for a in sub._choices_actions}
    assert helps[cmd.name] == cmd.help
    with pytest.raises(SystemExit) as exc:
        cli.main([cmd.name, "--help"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.startswith(f"usage: recovery-bot {cmd.name}")


def test_inspect_loads_no_other_command() -> None:
    """``recovery-bot inspect --offline`` imports neither the server, aiohttp, nor any
    other command's module (their cost is what made it slow)."""
    code = (
        "import sys, io\n"
        "from recovery_bot import cli\n"
        "sys.stdin = io.TextIOWrapper(io.BytesIO(b'hello'))\n"
        "cli.main(['inspect', '--offline', '-'])\n"
        "print(sorted(m for m in sys.modules if m in "
        f"{(*FORBIDDEN, 'yaml')!r} or m.endswith('cli') and m != 'recovery_bot.cli'))\n"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    last = res.stdout.strip().splitlines()[-1]
    assert last == "['recovery_bot.intake.cli', 'yaml']"


def _callbacks(router: object) -> set[tuple[str, str]]:
    """(event, callback name) pairs of a gidgethub Router, shallow and deep routes."""
    found = {(e, cb.__name__) for e, cbs in router._shallow_routes.items() for cb in cbs}  # type: ignore[attr-defined]
    for e, keys in router._deep_routes.items():  # type: ignore[attr-defined]
        for values in keys.values():
            for cbs in values.values():
                found |= {(e, cb.__name__) for cb in cbs}
    return found


def test_app_composes_every_feature_router() -> None:
    from recovery_bot.commands.handler import router as commands_router
    from recovery_bot.intake.handler import router as intake_router

    composed = _callbacks(app.compose_router())
    assert _callbacks(intake_router) and _callbacks(commands_router)
    assert composed == _callbacks(intake_router) | _callbacks(commands_router)
    assert {e for e, _ in composed} == {"issues", "issue_comment"}


def test_mypy_strict_list_is_the_pure_list() -> None:
    """pyproject's strict mypy override names exactly the pure modules."""
    import tomllib

    data = tomllib.loads((layout.SRC.parent.parent / "pyproject.toml").read_text())
    strict = [o for o in data["tool"]["mypy"]["overrides"] if o.get("disallow_untyped_defs")]
    assert len(strict) == 1
    assert tuple(strict[0]["module"]) == layout.PURE


def _tool(name: str) -> object:
    """A script from tools/ (not a package), loaded from its file."""
    path = layout.SRC.parent.parent / "tools" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(name, mod)  # dataclasses look their module up there
    spec.loader.exec_module(sys.modules[name])
    return sys.modules[name]


def _relayout() -> object:
    return _tool("relayout_imports")


def test_relayout_tool_maps_to_real_modules() -> None:
    """tools/relayout_imports.py (for merging flat-layout work) names modules that exist,
    and every old flat module that is gone has an entry."""
    moves = _relayout().MOVES  # type: ignore[attr-defined]
    mods = set(layout.modules())
    assert {f"recovery_bot.{new}" for new in moves.values()} <= mods
    assert not {f"recovery_bot.{old}" for old in moves} & mods - {
        "recovery_bot.commands",
        "recovery_bot.sla",
        "recovery_bot.digest",  # now packages
    }


def test_relayout_tool_rewrites_imports() -> None:
    src = (
        "from recovery_bot.server import create_app, Settings\n"
        "from recovery_bot import USER_AGENT, metrics\n"
        "from recovery_bot.cli import _config_or_default\n"
        'monkeypatch.setattr("recovery_bot.triage.log", x)\n'
    )
    assert _relayout().rewrite(src) == (  # type: ignore[attr-defined]
        "from recovery_bot.app import create_app\n"
        "from recovery_bot.platform.server import Settings\n"
        "from recovery_bot import USER_AGENT\n"
        "from recovery_bot.platform import metrics\n"
        "from recovery_bot.app import config_or_default\n"
        'monkeypatch.setattr("recovery_bot.intake.handler.log", x)\n'
    )


def test_mutation_script_measures_every_pure_module() -> None:
    """tools/mutation_scores.py maps each pure module (and only those) to its own tests,
    and every test file it names exists."""
    tool = _tool("mutation_scores")
    tests: dict[str, list[str]] = tool.TESTS  # type: ignore[attr-defined]
    assert {"recovery_bot." + m.removesuffix(".py").replace("/", ".") for m in tests} == set(
        layout.PURE
    )
    root = layout.SRC.parent.parent
    assert [t for files in tests.values() for t in files if not (root / t).is_file()] == []


def test_mutation_equivalents_name_pure_modules(tmp_path: Path) -> None:
    """Each equivalent-mutant file parses, names its own module, and a malformed line is
    refused with its file and line number."""
    tool = _tool("mutation_scores")
    for path in sorted(tool.EQUIVALENTS_DIR.glob("*.txt")):  # type: ignore[attr-defined]
        module = "recovery_bot." + path.stem
        assert module in layout.PURE, path.name
        names = tool.load_equivalents(path.parent)  # type: ignore[attr-defined]
        assert names
    (tmp_path / "core.plans.txt").write_text("# c\n\nrecovery_bot.core.plans.x_f__mutmut_1 why\n")
    with pytest.raises(SystemExit, match=r"core\.plans\.txt:3: expected"):
        tool.load_equivalents(tmp_path)  # type: ignore[attr-defined]
    (tmp_path / "core.plans.txt").write_text("recovery_bot.core.plans.x_f__mutmut_1: same\n")
    assert tool.load_equivalents(tmp_path) == {  # type: ignore[attr-defined]
        "recovery_bot.core.plans.x_f__mutmut_1": "same"
    }
