"""The fake GitHub's package layout: one small, documented module per section, and one
class behind both import paths.

``recovery_bot.sandbox.fake_github`` is the old import path (tests, demo, bench use it);
it must hand out the very class the package defines, or a fixture that patches
``fake_github.FakeGitHub.start`` (tests/fixtures_openapi.py) would miss the fakes other
code builds from ``recovery_bot.sandbox.github``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import recovery_bot.sandbox.github as package
from recovery_bot import sandbox
from recovery_bot.sandbox import fake_github

PACKAGE_DIR = Path(package.__file__).parent
MAX_LINES = 600


def test_old_and_new_import_paths_give_the_same_objects() -> None:
    assert fake_github.FakeGitHub is package.FakeGitHub is sandbox.FakeGitHub
    assert fake_github.Call is package.Call is sandbox.Call
    assert fake_github.BODY_LIMIT == package.BODY_LIMIT == 65_536
    assert fake_github.__all__ == package.__all__ == ["BODY_LIMIT", "Call", "FakeGitHub"]


def test_each_section_module_is_small_and_says_what_it_holds() -> None:
    modules = sorted(PACKAGE_DIR.glob("*.py"))
    assert {p.stem for p in modules} >= {"__init__", "store", "server", "graphql", "faults"}
    for path in modules:
        text = path.read_text(encoding="utf-8")
        assert len(text.splitlines()) <= MAX_LINES, path.name
        doc = ast.get_docstring(ast.parse(text))
        assert doc and len(doc.split()) >= 20, f"{path.name}: no docstring saying why"
