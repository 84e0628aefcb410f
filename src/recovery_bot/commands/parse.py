"""Finding slash-commands in a comment (pure): which lines are commands, with what arguments.

Separate from running them (``rules``): what counts as a command line is a question of
Markdown (fences, quotes, code spans, HTML comments), asked of every comment on the
tracker, including reporters' own; only a maintainer's known commands are then run.

The rules of ``find_commands``:

* A command is a line whose first non-space character (at most 3 spaces of indent) is
  ``/`` followed by a command name and then whitespace or the end of the line. Names are
  case-insensitive; the rest of the line is split into arguments, and ``"..."``,
  ``'...'``, curly quotes and backticks group words (``/label "typo email"``).
* Lines that are not prose are skipped: fenced code (````` and ``~~~``, at any indent,
  so fences inside list items count), lines indented 4+ spaces (indented code), quoted
  lines (``>``, ``> >``: e-mail replies quote the bot's and maintainers' comments), HTML
  comments and any ``/`` that sits inside an inline code span.
* Unknown names: ``/frobnicate`` is returned (``known=False``) so the shell can answer
  "unknown command", but only when it looks like an attempt: the name is 2-32 letters or
  ``-`` and the whole line has at most 3 words. ``/usr/bin/python is broken``, URL paths
  and ``/etc/hosts`` never count (the name must be followed by a space or the line end).
  The shell must answer non-maintainers only about *known* commands, so a reporter
  writing ``/tmp is full`` is never told off.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Invocation:
    """One command found in a comment. ``name`` is lower-cased as typed (an alias or a
    renamed name, not necessarily the registry name); ``known`` is False for a
    command-looking line whose name no command has."""

    name: str
    args: tuple[str, ...]
    line: str
    known: bool = True


_FENCE_OPEN = re.compile(r"(`{3,}|~{3,})(.*)\Z")
_FENCE_CLOSE = re.compile(r"(`{3,}|~{3,})[ \t]*\Z")
_COMMAND_LINE = re.compile(r"\A {0,3}/([A-Za-z][A-Za-z0-9_-]*)(?=\s|\Z)(.*)\Z")
_UNKNOWN_NAME = re.compile(r"\A[a-z][a-z-]{1,31}\Z")
_UNKNOWN_MAX_WORDS = 3
_QUOTES = {'"': '"', "'": "'", "“": "”", "„": "“", "‘": "’", "`": "`"}


def _prose_lines(text: str) -> list[str]:
    """The body's lines with code fences, indented code and quotes blanked out
    (blanked, not dropped, so offsets and paragraph breaks survive)."""
    out: list[str] = []
    fence: str | None = None
    for raw in text.split("\n"):
        line = raw.expandtabs(4)
        stripped = line.lstrip(" ")
        if fence is not None:
            m = _FENCE_CLOSE.match(stripped)
            if m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence):
                fence = None
            out.append("")
            continue
        m = _FENCE_OPEN.match(stripped)
        if m and not (m.group(1)[0] == "`" and "`" in m.group(2)):  # ```x``` is inline code
            fence = m.group(1)
            out.append("")
            continue
        if len(line) - len(stripped) >= 4 or stripped.startswith(">"):
            out.append("")
            continue
        out.append(line)
    return out


class _Spans:
    """Sorted, non-overlapping ``[start, end)`` offsets with O(log n) membership, so
    a hostile comment full of backticks and ``/x`` lines costs no more than a normal one."""

    def __init__(self, spans: Iterable[tuple[int, int]]) -> None:
        merged: list[tuple[int, int]] = []
        for start, end in sorted(spans):
            if merged and start <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
            else:
                merged.append((start, end))
        self.starts = [s for s, _ in merged]
        self.ends = [e for _, e in merged]

    def __contains__(self, offset: int) -> bool:
        i = bisect.bisect_right(self.starts, offset) - 1
        return i >= 0 and offset < self.ends[i]


def _code_spans(text: str) -> list[tuple[int, int]]:
    """Inline code spans, as CommonMark reads them: a run of N backticks up to the next
    run of exactly N in the same paragraph (a span may cross line breaks)."""
    spans: list[tuple[int, int]] = []
    pos = 0
    for para in re.split(r"(\n[ \t]*\n)", text):
        runs = [(m.start() + pos, m.end() + pos) for m in re.finditer(r"`+", para)]
        by_length: dict[int, list[int]] = {}
        for k, (start, end) in enumerate(runs):
            by_length.setdefault(end - start, []).append(k)
        k = 0
        while k < len(runs):
            same = by_length[runs[k][1] - runs[k][0]]
            after = bisect.bisect_right(same, k)
            if after == len(same):  # no closing run: the backticks are literal
                k += 1
                continue
            close = same[after]
            spans.append((runs[k][0], runs[close][1]))
            k = close + 1
        pos += len(para)
    return spans


def _hidden_spans(text: str) -> _Spans:
    """Offsets covered by inline code spans and HTML comments. A ``<!--`` inside code
    opens nothing; an unterminated one hides the rest of the body, as GitHub renders it."""
    code = _code_spans(text)
    in_code = _Spans(code)
    spans = list(code)
    i = 0
    while (i := text.find("<!--", i)) != -1:
        if i in in_code:
            i += 4
            continue
        end = text.find("-->", i + 4)
        end = len(text) if end == -1 else end + 3
        spans.append((i, end))
        i = end
    return _Spans(spans)


def split_args(text: str) -> tuple[str, ...]:
    """Split a command's argument text on whitespace; quotes group words.

    An unbalanced quote takes the rest of the line, so a forgotten closing quote still
    reads the way it was meant.
    """
    tokens: list[str] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
            continue
        if c in _QUOTES:
            j = text.find(_QUOTES[c], i + 1)
            j = n if j == -1 else j
            token = text[i + 1 : j].strip()
            if token:
                tokens.append(token)
            i = j + 1
            continue
        j = i
        while j < n and not text[j].isspace():
            j += 1
        tokens.append(text[i:j])
        i = j
    return tuple(tokens)


def find_commands(body: str | None, known: Collection[str]) -> list[Invocation]:
    """Commands in a comment body, in order (see the module docstring for the rules)."""
    if not body:
        return []
    known_lower = {k.lower() for k in known}
    text = body.replace("\r\n", "\n").replace("\r", "\n")
    lines = _prose_lines(text)
    hidden = _hidden_spans("\n".join(lines))
    found: list[Invocation] = []
    offset = 0
    for line in lines:
        m = _COMMAND_LINE.match(line)
        start = offset
        offset += len(line) + 1
        # The line's start is hidden exactly when its slash is: only spaces lie between,
        # and no code span or comment begins or ends on a space.
        if not m or start in hidden:
            continue
        name = m.group(1).lower()
        is_known = name in known_lower
        if not is_known and (
            not _UNKNOWN_NAME.match(name) or len(line.split()) > _UNKNOWN_MAX_WORDS
        ):
            continue
        found.append(Invocation(name, split_args(m.group(2)), line.strip(), is_known))
    return found


def new_commands(
    old_body: str | None, new_body: str | None, known: Collection[str]
) -> list[Invocation]:
    """Commands an edit added: those of ``new_body`` minus those of ``old_body``.

    A multiset difference on (name, arguments), so fixing a typo elsewhere in the comment
    or re-spacing a line re-runs nothing, while adding a second ``/reply follow-up``
    under an existing one runs exactly one.
    """
    before = Counter((i.name, i.args) for i in find_commands(old_body, known))
    out = []
    for inv in find_commands(new_body, known):
        key = (inv.name, inv.args)
        if before[key]:
            before[key] -= 1
        else:
            out.append(inv)
    return out
