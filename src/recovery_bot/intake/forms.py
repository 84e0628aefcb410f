"""Issue-form templates and the parser for rendered issue bodies.

GitHub renders an issue form into plain markdown (``### <label>``, a blank line, the
value; checkboxes as ``- [X] option``) and then lets the reporter edit that markdown
freely. Issues filed under four generations of the account-recovery form (and under
forms that were retired since) are still open, so the parser is driven by the packaged
templates (``templates/current`` and ``templates/history``) rather than by hard-coded
labels: when pypi/support changes a form, copying the new YAML in is the whole change.

Rules (the tests pin each one):

* **Sections.** Only a line whose heading text matches a label of *some* known
  template starts a section. Matching is normalized: any ATX level ``#``..``######``
  (with or without the space, with or without a closing ``###``), or a ``**Label**`` /
  ``__Label__`` bold pseudo-heading alone on its line (pre-2021 bodies used those);
  case-insensitive, whitespace collapsed, trailing ``:``/``?``/``.`` ignored.
  Unknown headings (a reporter's own ``### What happened``) do not start a section:
  they stay in the text of the section they are in. Text before the first known
  heading (the form's intro, a note) belongs to no field.
* **Fences and comments.** Lines inside a fenced code block are never headings or
  checkboxes. A fence that is never closed is treated as plain text (GitHub would
  swallow the rest of the body; we would rather keep seeing the sections after a stray
  fence). HTML comments are removed before anything else; an unterminated ``<!--``
  hides the rest of its section only, for the same reason.
* **Repeats.** For a text or dropdown heading the first occurrence wins; a later copy
  (a reporter re-typing ``### PyPI Username`` inside the reason) stays part of the
  text around it. For a checkbox heading the *last* occurrence holding a checkbox line
  wins: the real form section follows the reason, so a ticked block typed into the
  reason cannot stand in for an unticked real box (the fake block is cut out of the
  reason, too). An occurrence with prose only (a reporter's own ``### Recovery codes``
  sub-heading) is not a section: it stays in the text around it.
* **Which form.** Decided from the set of known headings present, never from labels:
  the form whose (any generation) headings match the most distinct sections wins,
  ``Code of Conduct`` not counting (every form has it); then the form whose label
  spelling matches exactly (``New Limit`` is per-file, ``New limit`` project-wide);
  then the order of :data:`FORM_IDS` (account-recovery first: a lone ``PyPI
  Username`` section is far more often a recovery request). Organizations needs its
  own headings and no ``Reason for request``. No form-specific heading -> ``None``.
* **Which generation** (account-recovery only): the 2020 markdown template when its
  cues are present (``Reason:`` prefix, its HTML comments or intro line, a ``---``
  rule closing a section, level-2 headings) and no checkbox section is. Otherwise the
  form generation that (1) has every account-recovery heading present (a 2021 form
  cannot have produced a Recovery Codes box), (2) misses the fewest required
  sections, (3) has the fewest extra sections, (4) is the newest. So a 2022 body
  (no Recovery Codes box) is ``2021-04`` with nothing missing; Username + Reason +
  Recovery Codes + Code of Conduct is ``current`` missing Acknowledgement; 2021-02
  and 2021-03 share their headings, so such bodies read as ``2021-03``.
* **Extra sections** are the known headings present that the chosen generation does
  not have (a ``Project URL`` section in a recovery body). They also appear in
  ``fields`` (``required=False``) so callers can read their text.
* **Values.** ``_No response_``, ``None`` (dropdown), blank or comment-only -> empty.
  Checkbox lines accept ``-``/``*``/``+`` bullets and ``[x]``/``[X]``; a bare option
  label without a box counts as ticked (April 2021 rendering listed only the chosen
  options). Options match template options by normalized text; unknown box lines are
  kept with ``required=False``. Lines that are a known checkbox label of the form are
  dropped from text values, so "I never generated ... recovery codes" can never be
  read as the reporter's own words. Trailing ``---`` rules are dropped from text, and
  the 2020 template's ``Reason:`` prefix from the account-recovery reason.

Everything here is pure: the only I/O is reading the packaged templates once.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Literal, get_args

import yaml

from recovery_bot.core.lazy_re import LazyPattern

__all__ = [
    "FORM_IDS",
    "CheckboxOption",
    "Field",
    "FieldKind",
    "FormId",
    "ParsedForm",
    "detect_form",
    "normalize_heading",
    "parse_body",
]

FormId = Literal[
    "account-recovery",
    "pep541",
    "limit-request-file",
    "limit-request-project",
    "network",
    "mass-name-squat",
    "organizations",
]
FieldKind = Literal["input", "textarea", "dropdown", "checkboxes"]

#: Form ids in tie-break order (most common first).
FORM_IDS: tuple[FormId, ...] = get_args(FormId)


# --------------------------------------------------------------------------- public types


@dataclass(frozen=True, slots=True)
class CheckboxOption:
    """One checkbox line as found in the body (label in the template's spelling when it
    matched a template option)."""

    label: str
    ticked: bool
    required: bool


@dataclass(frozen=True, slots=True)
class Field:
    """One section of the body, typed by the template it matched."""

    heading: str
    kind: FieldKind
    text: str | None
    choices: tuple[str, ...] = ()
    options: tuple[CheckboxOption, ...] = ()
    required: bool = False
    raw: str = ""


@dataclass(frozen=True, slots=True)
class ParsedForm:
    """What the parser saw in one body. Tuples are in template order (extras: body order)."""

    form: FormId | None
    generation: str | None
    fields: Mapping[str, Field]
    unchecked_required: tuple[str, ...]
    empty_required: tuple[str, ...]
    missing_sections: tuple[str, ...]
    extra_sections: tuple[str, ...]

    def text(self, heading: str) -> str | None:
        """The text value of ``heading`` (canonical spelling, or any spelling that
        normalizes to it), or None when absent or empty."""
        f = self.fields.get(heading)
        if f is None:
            norm = normalize_heading(heading)
            for cand in self.fields.values():
                if normalize_heading(cand.heading) == norm:
                    f = cand
                    break
        return f.text if f is not None else None


# --------------------------------------------------------------------------- normalization

_CLOSING_HASHES_RE = LazyPattern(r"[ \t]+#+[ \t]*$")


# Bounds that keep user text out of the caches: the longest template label is ~55
# characters and the longest option ~100; anything far longer cannot match one.
_MAX_HEADING_LINE = 240
_MAX_OPTION_TEXT = 400


@functools.lru_cache(maxsize=4096)
def normalize_heading(text: str) -> str:
    """Heading text -> lookup key: case-folded, whitespace collapsed, emphasis markers
    and a trailing ``:``, ``?`` or ``.`` removed. Cached: bodies repeat the same few
    headings, and this runs once per candidate heading line."""
    s = _CLOSING_HASHES_RE.sub("", text).strip()
    s = s.strip("*_").strip()
    return " ".join(s.casefold().split()).rstrip(":?. ").rstrip()


def _normalize_option(text: str) -> str:
    """Checkbox label -> lookup key; tolerant of case, spacing, quotes and trailing
    punctuation (``I have updated the title`` == ``I have updated the title.``).
    Text far longer than any option maps to "" (matches nothing, never cached)."""
    return _normalize_option_cached(text) if len(text) <= _MAX_OPTION_TEXT else ""


@functools.lru_cache(maxsize=4096)
def _normalize_option_cached(text: str) -> str:
    s = " ".join(text.casefold().split())
    return s.strip("\"'`*_").strip().rstrip(".!,;:").rstrip()


# --------------------------------------------------------------------------- templates


@dataclass(frozen=True, slots=True)
class _TOption:
    label: str
    norm: str
    required: bool


@dataclass(frozen=True, slots=True)
class _TField:
    label: str
    norm: str
    kind: FieldKind
    required: bool
    options: tuple[_TOption, ...]
    option_map: Mapping[str, _TOption]


def _tfield(
    label: str, kind: FieldKind, required: bool, options: tuple[_TOption, ...] = ()
) -> _TField:
    return _TField(
        label,
        normalize_heading(label),
        kind,
        required,
        options,
        MappingProxyType({o.norm: o for o in options}),
    )


@dataclass(frozen=True, slots=True)
class _Template:
    form: FormId
    generation: str
    markdown: bool
    fields: tuple[_TField, ...]
    by_norm: Mapping[str, _TField]
    required_set: frozenset[str]


@dataclass(frozen=True, slots=True)
class _Registry:
    """All templates, plus the lookup tables the parser needs, built once."""

    by_form: Mapping[FormId, tuple[_Template, ...]]  # newest first
    known: Mapping[str, tuple[tuple[FormId, _TField], ...]]  # heading norm -> (form, field)
    checkbox_norms: frozenset[str]
    ident_norms: Mapping[FormId, frozenset[str]]  # headings that point at a form
    exact_labels: Mapping[FormId, frozenset[str]]
    option_lines: Mapping[FormId, LazyPattern]  # a form's checkbox-label lines
    group_options: Mapping[tuple[FormId, str], Mapping[str, _TOption]]
    md_comments: tuple[str, ...]  # normalized text of the markdown template's comments
    md_intro: tuple[str, ...]  # normalized intro lines of the markdown template


_CURRENT_FILES: dict[str, FormId] = {
    "account-recovery.yml": "account-recovery",
    "pep541-request.yml": "pep541",
    "limit-request-file.yml": "limit-request-file",
    "limit-request-project.yml": "limit-request-project",
    "access-issues.yml": "network",
    "mass-name-squatter.yml": "mass-name-squat",
}
_HISTORY_FORMS: dict[str, FormId] = {
    "account-recovery": "account-recovery",
    "organizations": "organizations",
}
_SHARED_NORMS = frozenset({"code of conduct"})
_KINDS: frozenset[str] = frozenset(get_args(FieldKind))
_MD_COMMENT_RE = LazyPattern(r"<!--(.*?)-->", re.S)


def _load_yaml(text: str) -> object:
    """``yaml.safe_load`` with libyaml's parser when present: the same documents, but
    the eleven templates load in ~10 ms instead of ~120 ms (``inspect`` pays it once)."""
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def _yaml_fields(doc: object) -> tuple[_TField, ...]:
    """The submitted elements of a YAML issue form (``markdown`` ones never reach the body)."""
    out: list[_TField] = []
    body = doc.get("body", []) if isinstance(doc, dict) else []
    for el in body or []:
        if not isinstance(el, dict) or el.get("type") not in _KINDS:
            continue
        attrs = el.get("attributes") or {}
        label = " ".join(str(attrs.get("label", "")).split())
        if not label:
            continue
        kind: FieldKind = el["type"]
        options: tuple[_TOption, ...] = ()
        if kind == "checkboxes":
            opts = []
            for o in attrs.get("options") or []:
                if isinstance(o, dict):
                    # YAML 1.1 reads an unquoted ``Yes`` as True; the form shows "Yes".
                    text = o.get("label")
                    text = "Yes" if text is True else "No" if text is False else str(text)
                    opts.append(_TOption(text, _normalize_option(text), bool(o.get("required"))))
            options = tuple(opts)
            required = any(o.required for o in options)
        elif kind == "dropdown":
            names = [str(o) for o in attrs.get("options") or []]
            options = tuple(_TOption(o, _normalize_option(o), False) for o in names)
            required = bool((el.get("validations") or {}).get("required"))
        else:
            required = bool((el.get("validations") or {}).get("required"))
        out.append(_tfield(label, kind, required, options))
    return tuple(out)


def _markdown_fields(
    text: str, kinds: Mapping[str, FieldKind]
) -> tuple[tuple[_TField, ...], tuple[str, ...], tuple[str, ...]]:
    """Headings of a classic markdown template (all required: in the 2020 template they
    are exactly the username and the reason), the text of its HTML comments and its
    intro lines. Form-rendered bodies contain neither, so they betray the template."""
    lines = text.replace("\r\n", "\n").split("\n")
    if lines and lines[0].strip() == "---":  # YAML front matter
        end = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), 0)
        lines = lines[end + 1 :]
    fields: list[_TField] = []
    intro: list[str] = []
    for line in lines:
        m = _ATX_RE.match(line)
        if m:
            label = " ".join(m.group(2).split())
            norm = normalize_heading(label)
            fields.append(_tfield(label, kinds.get(norm, "textarea"), True))
        elif not fields and line.strip():
            intro.append(" ".join(line.casefold().split()))
    body = "\n".join(lines)
    comments = [" ".join(c.casefold().split()) for c in _MD_COMMENT_RE.findall(body)]
    return tuple(fields), tuple(c for c in comments if c), tuple(intro)


def _make_template(
    form: FormId, generation: str, fields: tuple[_TField, ...], markdown: bool
) -> _Template:
    return _Template(
        form=form,
        generation=generation,
        markdown=markdown,
        fields=fields,
        by_norm=MappingProxyType({f.norm: f for f in fields}),
        required_set=frozenset(f.norm for f in fields if f.required),
    )


def _option_line_re(labels: Iterable[str]) -> LazyPattern:
    """One pattern for the lines of a text value that are really checkbox labels: a box
    line with any option, or a bare line with a long one (April 2021 rendering). Short
    options (``Yes``) only count with a box: a bare "Yes" is an answer. Case, spacing,
    quotes and trailing punctuation are tolerated as in :func:`_normalize_option`."""

    def words(label: str) -> str:
        core = label.strip().strip("\"'`*_").strip().rstrip(".!,;:")
        return r"[ \t]+".join(re.escape(w) for w in core.split())

    every = "|".join(words(lb) for lb in labels)
    long = "|".join(words(lb) for lb in labels if len(lb) >= 20) or r"(?!)"
    # No two adjacent quantifiers share a character (a space can only be eaten by one of
    # them): overlapping ones backtrack quadratically on a line of 20,000 spaces.
    quote = r"""["'`*_]*"""
    tail = r"""[ \t"'`*_.!,;:]*(?=\n|\Z)"""
    # Applied to "\n" + text: a leading literal lets the regex engine skip ahead fast
    # (a ``^``-anchored MULTILINE pattern is tried at every character).
    return LazyPattern(
        rf"\n[ \t]*(?:[-*+][ \t]+)?"
        rf"(?:\[[ xX]?\][ \t]*{quote}(?:{every})|{quote}(?:{long})){tail}",
        re.I,
    )


# The templates ship as files inside the package (wheel, sdist and editable installs
# alike). ``importlib.resources`` reads the same files, but importing it (tempfile,
# shutil, zipfile, lzma: for zipped installs, which this package never has) was ~5% of
# ``recovery-bot inspect``'s start-up.
_TEMPLATES = Path(__file__).parent.parent / "templates"


@functools.cache
def _registry() -> _Registry:
    """Load and index the packaged templates. Cached: read once per process."""
    root = _TEMPLATES
    templates: list[_Template] = []
    markdown_sources: list[tuple[FormId, str, str]] = []
    for name, form in _CURRENT_FILES.items():
        doc = _load_yaml((root / "current" / name).read_text(encoding="utf-8"))
        templates.append(_make_template(form, "current", _yaml_fields(doc), False))
    for entry in sorted((root / "history").iterdir(), key=lambda p: p.name):
        parts = entry.name.split(".")
        if len(parts) != 3 or parts[0] not in _HISTORY_FORMS:
            continue
        form, generation, ext = _HISTORY_FORMS[parts[0]], parts[1], parts[2]
        text = entry.read_text(encoding="utf-8")
        if ext in ("yml", "yaml"):
            templates.append(
                _make_template(form, generation, _yaml_fields(_load_yaml(text)), False)
            )
        elif ext == "md":
            markdown_sources.append((form, generation, text))
    md_comments: list[str] = []
    md_intro: list[str] = []
    for form, generation, text in markdown_sources:
        kinds = {f.norm: f.kind for t in templates if t.form == form for f in t.fields}
        fields, comments, intro = _markdown_fields(text, kinds)
        templates.append(_make_template(form, generation, fields, True))
        md_comments.extend(comments)
        md_intro.extend(intro)

    by_form: dict[FormId, list[_Template]] = {}
    newest_first = sorted(
        templates, key=lambda t: (t.generation == "current", t.generation), reverse=True
    )
    for t in newest_first:
        by_form.setdefault(t.form, []).append(t)
    known: dict[str, list[tuple[FormId, _TField]]] = {}
    group_options: dict[tuple[FormId, str], dict[str, _TOption]] = {}
    form_options: dict[FormId, dict[str, _TOption]] = {}
    for t in (t for form in FORM_IDS for t in by_form.get(form, [])):
        for f in t.fields:
            entries = known.setdefault(f.norm, [])
            if all(other != t.form for other, _ in entries):
                entries.append((t.form, f))  # the newest spelling of each form
            if f.kind == "checkboxes":
                group_options.setdefault((t.form, f.norm), {}).update(f.option_map)
                form_options.setdefault(t.form, {}).update(f.option_map)
    checkbox_norms = frozenset(
        n for n, entries in known.items() if any(f.kind == "checkboxes" for _, f in entries)
    )
    ident = {
        form: frozenset(f.norm for t in ts for f in t.fields) - _SHARED_NORMS
        for form, ts in by_form.items()
    }
    exact = {form: frozenset(f.label for t in ts for f in t.fields) for form, ts in by_form.items()}
    option_lines = {
        form: _option_line_re([o.label for o in opts.values()])
        for form, opts in form_options.items()
    }
    return _Registry(
        by_form=MappingProxyType({form: tuple(ts) for form, ts in by_form.items()}),
        known=MappingProxyType({n: tuple(e) for n, e in known.items()}),
        checkbox_norms=checkbox_norms,
        ident_norms=MappingProxyType(ident),
        exact_labels=MappingProxyType(exact),
        option_lines=MappingProxyType(option_lines),
        group_options=MappingProxyType({k: MappingProxyType(v) for k, v in group_options.items()}),
        md_comments=tuple(md_comments),
        md_intro=tuple(md_intro),
    )


# --------------------------------------------------------------------------- body scanning

_ATX_RE = LazyPattern(r" {0,3}(#{1,6})(?!#)[ \t]*(.*?)[ \t]*$")
_BOLD_RE = LazyPattern(r" {0,3}(\*\*|__)(.+?)\1[ \t]*:?[ \t]*$")
_FENCE_RE = LazyPattern(r"^ {0,3}(`{3,}|~{3,})([^\n]*)$", re.M)
# Applied to "\n" + body (see _scan): the leading literal makes the search fast.
_CANDIDATE_RE = LazyPattern(r"\n( {0,3}(?:#|\*\*|__)[^\n]*)")
_BOX_RE = LazyPattern(r"[ \t]*(?:[-*+][ \t]+)?\[([ xX]?)\][ \t]*(.*)")
_TICKS = frozenset("xX")
_BOX_LINE_RE = LazyPattern(r"^[ \t]*(?:[-*+][ \t]+)?\[[ xX]?\]", re.M)
_BULLET_RE = LazyPattern(r"[ \t]*[-*+][ \t]+")
_RULE_RE = LazyPattern(r" {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_REASON_PREFIX_RE = LazyPattern(r"\s*reason\s*:[ \t]*", re.I)
_NO_RESPONSE = "_no response_"
_REASON_NORM = "reason for request"
_HEADING_FIRST = frozenset("#*_")


class _Section:
    __slots__ = ("_lines", "content", "level", "norm", "written")

    def __init__(self, norm: str, written: str, level: int) -> None:
        self.norm = norm
        self.written = written
        self.level = level  # 1..6 for '#' headings, 0 for a bold pseudo-heading
        self.content = ""
        self._lines: list[str] | None = None

    @property
    def lines(self) -> list[str]:
        if self._lines is None:
            self._lines = self.content.split("\n")
        return self._lines


def _heading_of(line: str) -> tuple[str, str, int] | None:
    """(normalized, as written, level) when ``line`` looks like a heading at all.
    Lines far longer than any template label cannot be one (and stay out of the cache)."""
    return _heading_of_cached(line) if len(line) <= _MAX_HEADING_LINE else None


@functools.lru_cache(maxsize=8192)
def _heading_of_cached(line: str) -> tuple[str, str, int] | None:
    """Cached: the same dozen heading lines occur in nearly every body."""
    stripped = line[:4].lstrip(" ")
    if not stripped or stripped[0] not in _HEADING_FIRST:
        return None
    if stripped[0] == "#":
        m = _ATX_RE.match(line)
        if m is None:
            return None
        written = _CLOSING_HASHES_RE.sub("", m.group(2))
        return normalize_heading(written), written.strip(), len(m.group(1))
    m = _BOLD_RE.match(line)
    if m is None:
        return None
    written = m.group(2).strip().rstrip(":").strip()
    return normalize_heading(written), written, 0


def _fence_ranges(body: str) -> list[tuple[int, int]]:
    """(start, end) offsets of the closed fenced code blocks, delimiters included.

    An opener that never closes is not a fence (see the module docstring). Openers of a
    length that already failed to close are skipped at once, which keeps adversarial
    bodies (thousands of unclosed fences) linear in practice.
    """
    if "```" not in body and "~~~" not in body:
        return []  # most bodies: no need to run the line-anchored pattern
    fences: list[tuple[int, int, str, int, bool]] = []
    for m in _FENCE_RE.finditer(body):
        run, info = m.group(1), m.group(2)
        if run[0] == "`" and "`" in info:
            continue  # neither an opener nor a closer
        fences.append((m.start(), m.end(), run[0], len(run), not info.strip()))
    ranges: list[tuple[int, int]] = []
    failed: dict[str, int] = {}
    j = 0
    while j < len(fences):
        start, _, ch, length, _ = fences[j]
        if length >= failed.get(ch, 1 << 30):
            j += 1
            continue
        k = j + 1
        while k < len(fences) and not (
            fences[k][2] == ch and fences[k][3] >= length and fences[k][4]
        ):
            k += 1
        if k == len(fences):
            failed[ch] = length
            j += 1
            continue
        ranges.append((start, fences[k][1]))
        j = k + 1
    return ranges


def _in_ranges(pos: int, ranges: Sequence[tuple[int, int]], starts: Sequence[int]) -> bool:
    i = bisect.bisect_right(starts, pos) - 1
    return i >= 0 and pos < ranges[i][1]


def _cut_comment(
    text: str, offset: int, ranges: Sequence[tuple[int, int]], starts: Sequence[int]
) -> str:
    """Drop everything from an unterminated ``<!--`` (outside code) to the end of ``text``."""
    cut = text.find("<!--")
    while cut >= 0:
        if not ranges or not _in_ranges(offset + cut, ranges, starts):
            return text[:cut]
        cut = text.find("<!--", cut + 4)
    return text


def _strip_comments(body: str) -> tuple[str, list[str]]:
    """Remove closed HTML comments; return the body and the comments' text.

    A plain scan rather than ``<!--.*?-->``: that regex is quadratic on a body full of
    unclosed ``<!--`` (each start scans to the end). An unclosed one is left in place
    for :func:`_cut_comment`.
    """
    out: list[str] = []
    comments: list[str] = []
    i = 0
    while True:
        j = body.find("<!--", i)
        if j < 0:
            break
        k = body.find("-->", j + 4)
        if k < 0:
            break
        out.append(body[i:j])
        comments.append(body[j + 4 : k])
        i = k + 3
    out.append(body[i:])
    return "".join(out), comments


def _settle_repeats(
    body: str, ordered: list[tuple[int, int, _Section]], checkbox_norms: frozenset[str]
) -> tuple[list[tuple[int, int, _Section]], set[int]]:
    """Pick the occurrence that counts for each repeated checkbox heading.

    The winner is the last occurrence that holds a checkbox line (else the last one):
    the real form section follows the reason, where a fake ticked block would be typed.
    Losing occurrences that hold checkbox lines still end the section before them (so
    the fake block never reaches the reason's text) and are returned as ``losers`` (by
    ``id``); losing ones with prose only (a reporter's own ``### Recovery codes``
    sub-heading) are dropped as boundaries and stay in the text around them.
    """
    n = len(ordered)
    has_box = [False] * n
    for i, (_, content_start, sec) in enumerate(ordered):
        if sec.norm in checkbox_norms:
            end = ordered[i + 1][0] if i + 1 < n else len(body)
            has_box[i] = _BOX_LINE_RE.search(body, content_start, end) is not None
    winner: dict[str, int] = {}
    for i, (_, _, sec) in enumerate(ordered):
        if sec.norm in checkbox_norms:
            prev = winner.get(sec.norm)
            if prev is None or has_box[i] or not has_box[prev]:
                winner[sec.norm] = i
    kept: list[tuple[int, int, _Section]] = []
    losers: set[int] = set()
    for i, entry in enumerate(ordered):
        sec = entry[2]
        if sec.norm in checkbox_norms and winner[sec.norm] != i:
            if not has_box[i]:
                continue
            losers.add(id(sec))
        kept.append(entry)
    return kept, losers


def _scan(body: str, reg: _Registry) -> tuple[list[_Section], list[str], str]:
    """Split a body into known sections. Returns the sections (for checkbox headings the
    last occurrence, for others the first) in body order, the removed HTML comments and
    the text before the first section (both needed only to spot the markdown template).

    Works on offsets: only candidate heading lines (found by one regex pass) reach
    Python code, which is what keeps a typical body well under 100 µs.
    """
    comments: list[str] = []
    if "<!--" in body:
        body, comments = _strip_comments(body)
    ranges = _fence_ranges(body)
    starts = [r[0] for r in ranges]
    known = reg.known
    checkbox_norms = reg.checkbox_norms
    ordered: list[tuple[int, int, _Section]] = []  # (heading start, content start, section)
    seen: set[str] = set()
    for m in _CANDIDATE_RE.finditer("\n" + body):
        pos = m.start()  # in ``body``: the prefixed "\n" shifts offsets by one
        if ranges and _in_ranges(pos, ranges, starts):
            continue
        head = _heading_of(m.group(1))
        if head is None:
            continue
        norm = head[0]
        if norm not in known:
            continue
        if norm in seen:
            if norm not in checkbox_norms:
                continue  # a repeated text heading stays in the text around it
        seen.add(norm)
        ordered.append((pos, m.end(), _Section(norm, head[1], head[2])))
    if not ordered:
        return [], comments, ""
    ordered, losers = _settle_repeats(body, ordered, checkbox_norms)
    has_open_comment = "<!--" in body
    for i, (_, content_start, sec) in enumerate(ordered):
        end = ordered[i + 1][0] if i + 1 < len(ordered) else len(body)
        content = body[content_start:end]
        if has_open_comment:
            content = _cut_comment(content, content_start, ranges, starts)
        sec.content = content
    preamble = body[: ordered[0][0]]
    if has_open_comment:
        preamble = _cut_comment(preamble, 0, ranges, starts)
    sections = [sec for _, _, sec in ordered if id(sec) not in losers]
    return sections, comments, preamble


# --------------------------------------------------------------------------- form choice


def _choose_form(present: Iterable[_Section], reg: _Registry) -> FormId | None:
    norms = {s.norm for s in present}
    written = {s.written for s in present}
    scores: list[tuple[int, int, int, FormId]] = []
    for prio, form in enumerate(FORM_IDS):
        hits = len(norms & reg.ident_norms[form])
        if hits and not (form == "organizations" and _REASON_NORM in norms):
            scores.append((hits, len(written & reg.exact_labels[form]), -prio, form))
    # -prio is unique, so the form itself is never compared
    return max(scores)[3] if scores else None


def _has_markdown_cues(
    sections: Sequence[_Section],
    comments: Sequence[str],
    preamble: str,
    reg: _Registry,
) -> bool:
    """True when the body shows traces of the 2020 markdown template: a level-2 heading,
    the ``Reason:`` prefix, a ``---`` rule closing a section, one of its HTML comments or
    its intro line (form-rendered bodies never contain markdown elements)."""
    for s in sections:
        if s.level == 2:
            return True
        if s.norm == _REASON_NORM:
            first = next((ln for ln in s.lines if ln.strip()), "")
            if _REASON_PREFIX_RE.match(first):
                return True
    for s in sections[:-1]:
        last = next((ln for ln in reversed(s.lines) if ln.strip()), "")
        if _RULE_RE.match(last):
            return True
    for c in comments:
        norm = " ".join(c.casefold().split())
        if len(norm) >= 10 and any(norm in cue or cue in norm for cue in reg.md_comments):
            return True
    for line in preamble.split("\n"):
        if " ".join(line.casefold().split()) in reg.md_intro:
            return True
    return False


def _choose_template(
    form: FormId,
    sections: Sequence[_Section],
    comments: Sequence[str],
    preamble: str,
    reg: _Registry,
) -> _Template:
    templates = reg.by_form[form]
    norms = {s.norm for s in sections}
    md = [t for t in templates if t.markdown]
    if (
        md
        and not (norms & reg.checkbox_norms)
        and _has_markdown_cues(sections, comments, preamble, reg)
    ):
        return md[0]
    # A generation that lacks a heading of this form present in the body cannot be the
    # one the body came from (a 2021 form had no Recovery Codes box), so such "own"
    # extras weigh first; then the fewest missing required sections, then the fewest
    # extras of any kind. Templates are newest first and index() finds the first of
    # equal keys, so a tie goes to the newest generation.
    own = norms & reg.ident_norms[form]
    generations = [t for t in templates if not t.markdown]
    keys = [
        (
            len(own - t.by_norm.keys()),
            len(t.required_set - norms),
            len(norms - t.by_norm.keys()),
        )
        for t in generations
    ]
    return generations[keys.index(min(keys))]


# --------------------------------------------------------------------------- values


def _text_value(content: str, option_lines: LazyPattern | None) -> str | None:
    """A text value: checkbox-label lines and trailing rules dropped, ``_No response_``
    and blank -> None."""
    if option_lines is not None:
        content = "\n" + content
        if option_lines.search(content):
            content = option_lines.sub("", content)
    text = content.strip()
    while text and text[-1] in "-*_":
        nl = text.rfind("\n")
        if not _RULE_RE.match(text[nl + 1 :]):
            break
        text = text[:nl].rstrip() if nl >= 0 else ""
    if not text or text.casefold() == _NO_RESPONSE:
        return None
    return text


def _checkbox_options(
    content: str, template_opts: Mapping[str, _TOption]
) -> tuple[CheckboxOption, ...]:
    out: list[CheckboxOption] = []
    for line in content.split("\n"):
        st = line.strip()
        if not st:
            continue
        m = _BOX_RE.match(st)
        if m is not None:
            label = m.group(2)  # ``st`` is stripped: no space at either end
            if not label:
                continue
            t = template_opts.get(_normalize_option(label))
            if t is None:
                out.append(CheckboxOption(label, m.group(1) in _TICKS, False))
            else:
                out.append(CheckboxOption(t.label, m.group(1) in _TICKS, t.required))
            continue
        # April 2021: GitHub listed the chosen options as plain text, no box.
        t = template_opts.get(_normalize_option(_BULLET_RE.sub("", st, count=1)))
        if t is not None:
            out.append(CheckboxOption(t.label, True, t.required))
    return tuple(out)


def _build_field(
    sec: _Section,
    tf: _TField,
    form: FormId,
    required: bool,
    reg: _Registry,
) -> Field:
    raw = sec.content.strip()
    if tf.kind == "checkboxes":
        opts = reg.group_options.get((form, tf.norm)) or tf.option_map
        return Field(
            tf.label, "checkboxes", None, (), _checkbox_options(sec.content, opts), required, raw
        )
    text = _text_value(sec.content, reg.option_lines.get(form))
    if tf.kind == "dropdown":
        if text is None or text.casefold() == "none":
            return Field(tf.label, "dropdown", None, (), (), required, raw)
        known = tf.option_map
        choices = []
        for part in text.split(","):
            part = part.strip()
            if part:
                t = known.get(_normalize_option(part))
                choices.append(t.label if t else part)
        return Field(tf.label, "dropdown", text, tuple(choices), (), required, raw)
    if text is not None and form == "account-recovery" and tf.norm == _REASON_NORM:
        m = _REASON_PREFIX_RE.match(text)
        if m:
            text = text[m.end() :].strip() or None
    return Field(tf.label, tf.kind, text, (), (), required, raw)


def _foreign_field(sec: _Section, reg: _Registry) -> tuple[FormId, _TField]:
    """Template field for a heading the chosen generation lacks: prefer the form whose
    label spelling matches exactly."""
    entries = reg.known[sec.norm]
    for form, tf in entries:
        if tf.label == sec.written:
            return form, tf
    return entries[0]


_EMPTY = ParsedForm(None, None, MappingProxyType({}), (), (), (), ())


def parse_body(body: str | None) -> ParsedForm:
    """Parse a rendered issue body into typed fields (see the module docstring for the
    rules). Never raises: anything unreadable comes back as ``form=None``."""
    if not isinstance(body, str) or not body.strip():
        return _EMPTY
    return _parse(body)


# A setext heading: a line of text underlined with = or - (``PyPI Username\n-----``).
_SETEXT_RE = LazyPattern(r"^([^\n#>*_`\-\s][^\n]{0,80})\n(?:=+|-{3,})[ \t]*$", re.M)


def _setext_to_atx(body: str, reg: _Registry) -> str:
    """Rewrite setext headings that name a known section as ``##`` headings.

    Some 2021 bodies were typed by hand with underlined headings (#852); GitHub renders
    them as headings, so the parser reads them as such. Only known section names are
    rewritten: any other underlined line stays text, and a ``---`` rule after a blank
    line is no heading at all."""

    def swap(m: re.Match[str]) -> str:
        text = m.group(1)
        return f"## {text}" if normalize_heading(text) in reg.known else m.group(0)

    return _SETEXT_RE.sub(swap, body)


def _parse(body: str) -> ParsedForm:
    reg = _registry()
    if "\r" in body:
        body = body.replace("\r\n", "\n").replace("\r", "\n")
    if "\n--" in body or "\n==" in body:
        body = _setext_to_atx(body, reg)
    sections, comments, preamble = _scan(body, reg)
    if not sections:
        return _EMPTY
    form = _choose_form(sections, reg)
    if form is None:
        return _EMPTY
    tpl = _choose_template(form, sections, comments, preamble, reg)
    present = {s.norm: s for s in sections}

    fields: dict[str, Field] = {}
    unchecked: list[str] = []
    empty: list[str] = []
    missing: list[str] = []
    for tf in tpl.fields:
        sec = present.get(tf.norm)
        if sec is None:
            if tf.required:
                missing.append(tf.label)
            continue
        f = _build_field(sec, tf, form, tf.required, reg)
        fields[tf.label] = f
        if tf.kind == "checkboxes":
            ticked = {o.label for o in f.options if o.ticked}
            if any(o.required and o.label not in ticked for o in tf.options):
                unchecked.append(tf.label)
        elif tf.required and (f.text is None or (tf.kind == "dropdown" and not f.choices)):
            empty.append(tf.label)
    extra: list[str] = []
    for sec in sections:
        if sec.norm in tpl.by_norm:
            continue
        # sections are unique per heading, so an extra's label is never taken already
        other_form, tf = _foreign_field(sec, reg)
        fields[tf.label] = _build_field(sec, tf, other_form, False, reg)
        extra.append(tf.label)
    return ParsedForm(
        form=form,
        generation=tpl.generation,
        fields=MappingProxyType(fields),
        unchecked_required=tuple(unchecked),
        empty_required=tuple(empty),
        missing_sections=tuple(missing),
        extra_sections=tuple(extra),
    )


def detect_form(body: str | None) -> FormId | None:
    """Which issue form ``body`` was rendered from, judged by its headings."""
    return parse_body(body).form
