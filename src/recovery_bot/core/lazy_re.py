"""Regular expressions compiled the first time they are used (pure).

Why: the intake rules hold about two hundred patterns, and compiling them costs more than
everything else ``recovery-bot inspect`` does for one body (``re`` parses a pattern in
Python). Many are only reached by some bodies: CJK text, recovery-code wording, a pasted
link. A module-level ``LazyPattern`` costs nothing at import; the first call compiles it,
and from then on its methods are the compiled pattern's own (bound in the instance), so a
hot loop pays one attribute lookup, as with a plain ``re.Pattern``.

Only the methods the rules use are offered; each has ``re.Pattern``'s signature.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterator
from typing import Any

_METHODS = ("search", "match", "fullmatch", "finditer", "findall", "sub", "split")


class LazyPattern:
    """``re.compile(pattern, flags)``, deferred to the first use of any method."""

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self.pattern = pattern
        self.flags = flags

    @property
    def compiled(self) -> re.Pattern[str]:
        """The compiled pattern (compiling it now if no method was called yet)."""
        compiled = re.compile(self.pattern, self.flags)  # cached by ``re`` after the first
        for name in _METHODS:
            # An instance attribute shadows the method below: later calls go straight to
            # the compiled pattern. Two threads racing here compile twice, harmlessly.
            setattr(self, name, getattr(compiled, name))
        return compiled

    def __repr__(self) -> str:
        return f"LazyPattern({self.pattern!r}, {self.flags!r})"

    def search(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        return self.compiled.search(string, pos, endpos)

    def match(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        return self.compiled.match(string, pos, endpos)

    def fullmatch(
        self, string: str, pos: int = 0, endpos: int = sys.maxsize
    ) -> re.Match[str] | None:
        return self.compiled.fullmatch(string, pos, endpos)

    def finditer(
        self, string: str, pos: int = 0, endpos: int = sys.maxsize
    ) -> Iterator[re.Match[str]]:
        return self.compiled.finditer(string, pos, endpos)

    def findall(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> list[Any]:
        return self.compiled.findall(string, pos, endpos)

    def sub(self, repl: str | Callable[[re.Match[str]], str], string: str, count: int = 0) -> str:
        return self.compiled.sub(repl, string, count)

    def split(self, string: str, maxsplit: int = 0) -> list[str | Any]:
        return self.compiled.split(string, maxsplit)
