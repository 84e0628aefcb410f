"""LazyPattern: the same answers as ``re.compile``, compiled only when first used."""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from typing import Any

import pytest

import layout
from recovery_bot.core.lazy_re import LazyPattern


def _lazy_patterns(value: object, seen: set[int]) -> list[LazyPattern]:
    if id(value) in seen:
        return []
    seen.add(id(value))
    if isinstance(value, LazyPattern):
        return [value]
    if isinstance(value, (tuple, list, frozenset, set)):
        return [p for v in value for p in _lazy_patterns(v, seen)]
    if isinstance(value, dict):
        return [p for v in value.values() for p in _lazy_patterns(v, seen)]
    return []


@pytest.mark.parametrize("module", layout.PURE)
def test_every_lazy_pattern_compiles(module: str) -> None:
    """A typo in a rarely used pattern fails here, not on the first body that reaches it
    (the classifier would log it and answer "unclear")."""
    seen: set[int] = set()
    found = [
        p for v in vars(importlib.import_module(module)).values() for p in _lazy_patterns(v, seen)
    ]
    for pattern in found:
        assert pattern.compiled.pattern == pattern.pattern
    if module in ("recovery_bot.intake.reason", "recovery_bot.intake.username"):
        assert len(found) > 20  # the walk reaches module constants and the tables' patterns


def test_nothing_is_compiled_before_first_use(monkeypatch: pytest.MonkeyPatch) -> None:
    compiled: list[str] = []
    real = re.compile

    def spy(pattern: str, flags: int = 0) -> re.Pattern[str]:
        compiled.append(pattern)
        return real(pattern, flags)

    monkeypatch.setattr(re, "compile", spy)
    lazy = LazyPattern(r"a+", re.I)
    assert compiled == []
    assert lazy.pattern == "a+" and lazy.flags == re.I
    assert repr(lazy) == "LazyPattern('a+', re.IGNORECASE)"
    assert lazy.search("xAay")[0] == "Aa"  # type: ignore[index]
    assert lazy.search("xAay")[0] == "Aa"  # type: ignore[index]
    assert compiled == ["a+"]  # once: later calls use the compiled pattern's methods


def test_first_call_of_each_method_compiles_and_binds() -> None:
    """Whichever method comes first, every method afterwards is the compiled one's."""
    for first in ("search", "match", "fullmatch", "finditer", "findall", "sub", "split"):
        lazy = LazyPattern(r"b")
        assert "search" not in vars(lazy)
        getattr(lazy, first)  # a bound method of the class: nothing compiled yet
        assert "search" not in vars(lazy)
        compiled = lazy.compiled
        for name in ("search", "match", "fullmatch", "finditer", "findall", "sub", "split"):
            assert vars(lazy)[name] == getattr(compiled, name)


@pytest.mark.parametrize(
    ("pattern", "flags", "text"),
    [
        (r"(?P<w>\w+)@(\w+)", 0, "to a@b and c@d, e@f"),
        (r"^x.", re.M | re.S, "x\nab\nxy\nx"),
        (r"é", re.I, "ÉéE"),
        (r"", 0, "abc"),
        (r"ab+", 0, "abbbab"),  # endpos cuts a match short
    ],
)
def test_same_results_as_re(pattern: str, flags: int, text: str) -> None:
    """Each method gives ``re.Pattern``'s answer both as the first call (the class's
    method, which compiles) and after it (the compiled pattern's own)."""
    real = re.compile(pattern, flags)
    for pos, endpos in ((0, len(text)), (1, len(text)), (0, 3), (2, 2)):
        calls = _calls(text, pos, endpos)
        for first, call in calls.items():
            lazy = LazyPattern(pattern, flags)
            assert call(lazy) == call(real), first  # the first call: compiles
            assert [c(lazy) for c in calls.values()] == [c(real) for c in calls.values()]


def _calls(text: str, pos: int, endpos: int) -> dict[str, Callable[[Any], object]]:
    """Every method, called with these arguments, as a comparable result."""
    calls: dict[str, Callable[[Any], object]] = {
        "search": lambda p: _span(p.search(text, pos, endpos)),
        "match": lambda p: _span(p.match(text, pos, endpos)),
        "fullmatch": lambda p: _span(p.fullmatch(text, pos, endpos)),
        "finditer": lambda p: [m.span() for m in p.finditer(text, pos, endpos)],
        "findall": lambda p: p.findall(text, pos, endpos),
    }
    for count in (0, 1):
        calls[f"sub {count}"] = lambda p, c=count: p.sub("<\\g<0>>", text, c)
        calls[f"sub() {count}"] = lambda p, c=count: p.sub(lambda m: m[0].upper(), text, c)
        calls[f"split {count}"] = lambda p, c=count: p.split(text, c)
    return calls


def test_defaults_match_re_defaults() -> None:
    """Called with the string alone (as the first call, on the class's method), each
    method scans all of it, like ``re.Pattern``'s."""
    text = "ab ab ab"
    assert LazyPattern("ab").flags == 0
    assert LazyPattern("ab").compiled.flags == re.compile("ab").flags
    assert LazyPattern("ab").search(text).span() == (0, 2)  # type: ignore[union-attr]
    assert LazyPattern("b").search(text).span() == (1, 2)  # type: ignore[union-attr]
    assert LazyPattern("ab").match(text).span() == (0, 2)  # type: ignore[union-attr]
    assert LazyPattern("ab ab ab").fullmatch(text).span() == (0, 8)  # type: ignore[union-attr]
    assert [m.span() for m in LazyPattern("ab").finditer(text)] == [(0, 2), (3, 5), (6, 8)]
    assert LazyPattern("ab").findall(text) == ["ab", "ab", "ab"]
    assert LazyPattern("ab").sub("x", text) == "x x x"
    assert LazyPattern(" ").split(text) == ["ab", "ab", "ab"]


def test_a_bad_pattern_fails_at_first_use() -> None:
    lazy = LazyPattern(r"(")
    with pytest.raises(re.error):
        lazy.search("x")


def _span(m: re.Match[str] | None) -> tuple[int, int] | None:
    return None if m is None else m.span()
