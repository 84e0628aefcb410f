"""PyPI username rules: what a valid name is (warehouse's own rule) and how to read one
out of what people type in the "PyPI Username" field.

Validity is checked before a name ever reaches a URL: the string comes from an untrusted
issue body.

``normalize_username`` is pure and total (it never raises). It peels the wrappers people
really type (FIELD-NOTES section 4, shapes U01-U27): backticks, quotes, ``**``, ``@``,
``Username:`` labels, trailing parentheticals and punctuation, PyPI profile URLs and
markdown links to them. What is left must pass ``is_valid_username`` *as is*: there is
no Unicode folding and no path resolution, so ``../admin`` stays invalid rather than
turning into ``admin``. Anything unsure becomes a ``problem`` for the bot to ask about,
never a guess.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Literal

from recovery_bot.core.lazy_re import LazyPattern
from recovery_bot.core.pypi_user import MAX_USERNAME_LENGTH, is_valid_username

log = logging.getLogger(__name__)

# PyPI's username rule lives in core (the PyPI client checks names with it too).


# ``missing``: nothing typed (empty, ``_No response_``, the template placeholder left).
# ``unknown``: a non-answer ("I don't remember", ``unknown``, ``-``, ``?``): the reporter
# does not know the name, which needs a different answer than "fill in the field".
# ``project_url``: a pypi.org/project/<name> link: a project is not an account.
# ``link_mismatch``: ``[alice](https://pypi.org/user/bob/)``: which account is meant?
UsernameProblem = Literal[
    "missing",
    "unknown",
    "looks_like_email",
    "looks_like_url_only_other_host",
    "project_url",
    "link_mismatch",
    "multiple",
    "invalid",
]


@dataclass(frozen=True)
class UsernameResult:
    """What the "PyPI Username" field says.

    ``username`` is set only when ``problem`` is None; it keeps the case as typed (PyPI
    looks names up case-insensitively and redirects to the canonical spelling).
    ``candidate`` is the string that was judged, for logs and tests; it is None for
    ``looks_like_email`` and never holds an e-mail address (those are scrubbed).
    ``test_pypi`` is True when the value itself pointed at TestPyPI (a test.pypi.org
    URL, a ``TestPyPI username:`` label or a parenthetical such as
    ``(on test.pypi.org!)``); the title is the other place people say so.
    """

    raw: str | None
    username: str | None
    problem: UsernameProblem | None
    candidate: str | None = None
    test_pypi: bool = False


# ---------------------------------------------------------------------------------------
# Vocabulary (all precompiled: normalize_username runs on every delivery and sweep).

# Longer than this cannot be a username field someone filled in: judge it cheaply
# (e-mail or invalid) instead of splitting and peeling megabytes.
_MAX_INPUT = 1000

_HTML_COMMENT = LazyPattern(r"<!--.*?(?:-->|\Z)", re.S)
# Whitespace plus invisible characters that copy-paste leaves at the edges (ZWSP, BOM...).
_EDGE_CHARS = " \t\r\n\f\v\u00a0\u200b\u200c\u200d\u2060\ufeff"
# Quote-like characters people wrap a name in. Stripping them from the edges one by one
# (not only as balanced pairs) also fixes a forgotten closing backtick; none of them can
# be part of a valid name, so this can never turn a bad value into a different name.
_QUOTE_CHARS = "`'\"‘’‚“”„«»*"
_BRACKET_PAIRS = {"[": "]", "(": ")", "{": "}"}
_TRAILING_PUNCT = ".,;:!?"

# "Username:", "PyPI username -", "user: ", "name=", "username is", "my username is",
# "TestPyPI account name:", "username on pypi:" ... The label word is required, and a
# hyphen only counts as a separator with a space before it (``user-alice`` is a name).
_PYPI_WORD = r"(?:test[\s.-]?)?py\s?pi(?:\.org)?"
_LABEL_WORD = r"(?:user[\s_-]?name|user|name|login|account(?:\s+name)?|handle)"
_LABEL = LazyPattern(
    rf"^(?:(?:my|the|our)\s+)?(?:{_PYPI_WORD}\s*{_LABEL_WORD}?|{_LABEL_WORD})"
    rf"(?:\s+(?:on|at|for)\s+{_PYPI_WORD})?"
    r"\s*(?:[:=]|\s[-–—]\s*|\s+(?:is|was|would\s+be|should\s+be)\s+)\s*",
    re.I,
)
# "Username alice" / "PyPI username alice": a label then exactly one more token.
_LABEL_SPACE = LazyPattern(rf"^(?:{_PYPI_WORD}\s*)?user[\s_-]?name\s+(?=\S+$)", re.I)
# Hedges in front of a name: "probably alice", "I think it's alice", "it is alice".
_HEDGE = LazyPattern(
    r"^(?:i\s+(?:think|believe|guess)\s+(?:that\s+)?|probably\s+|maybe\s+|perhaps\s+|"
    r"likely\s+|it'?s\s+|it\s+is\s+|should\s+be\s+)",
    re.I,
)
# "alice @ TestPyPI", "alice on pypi.org", "alice at test.pypi.org": the site, not a
# second name (a space before it, so "alice@pypi.org" stays an address).
_TRAILING_SITE = LazyPattern(
    rf"(?<=\S)\s+(?:@|on|at|in|for)\s+(?:the\s+)?(?P<site>{_PYPI_WORD})(?:\s+site)?\W*$", re.I
)
_TRAILING_HEDGE = LazyPattern(
    r"(?<=\S)\s+(?:i\s+think|i\s+guess|i\s+believe|probably|maybe|perhaps)\W*$", re.I
)
# Markdown scaffolding at the start of a line: headings, quotes, list bullets.
_LEADING_MARK = LazyPattern(r"^(?:#{1,6}\s+|>\s*|[-*+]\s+|\d{1,2}[.)]\s+)")
_LEADING_MARK_FIRST = frozenset("#>-*+0123456789")
# First letters of every _LABEL / _LABEL_SPACE / _HEDGE match.
_LABEL_FIRST = frozenset("mtoupnlahiops")
# A trailing "(I think)", "(on test.pypi.org!)", "[test pypi]" after the value.
_TRAILING_PAREN = LazyPattern(r"\s*[(\[]([^()\[\]]*)[)\]]\s*$")
_MENTIONS_TEST = LazyPattern(r"test[\s.-]?py\s?pi", re.I)

# Values that mean "I don't know" (whole value) ...
_NONANSWER_EXACT = frozenset(
    {
        "unknown", "n/a", "n.a", "n.a.", "none", "nil", "idk", "dunno", "forgot",
        "forgotten", "unsure", "not sure", "no idea", "-", "--", "---", "?", "??", "???",
        "...", "…", "—", "–", "tbd",
        # A name withheld on purpose is no answer either: the admins still need it.
        "redacted", "[redacted]", "<redacted>", "withheld", "hidden",
    }
)  # fmt: skip
# ... and values that mean the field was left unfilled (GitHub's empty-field marker).
_EMPTY_EXACT = frozenset({"no response", "_no response_"})
# ... or that start with a non-answer phrase ("I don't remember, sorry").
_NONANSWER_PREFIX = LazyPattern(
    r"^(?:i\s+)?(?:do\s*n[o']?t|dont|can'?t|cannot|can\s+not|could\s*n'?t|could\s+not)"
    r"\s+(?:remember|recall|know)\b"
    r"|^(?:i\s*(?:'ve|'d|\s+have|\s+had)?\s+)?(?:forg[oe]t|forgotten)\b"
    r"|^(?:not\s+sure|no\s+idea|i'?m\s+not\s+sure|i\s+am\s+not\s+sure)",
    re.I,
)
# The template placeholder left in place: `username`, USER_NAME, <your username>...
_PLACEHOLDER = LazyPattern(
    r"^<?\s*(?:your[\s_-]*)?(?:(?:test[\s_-]*)?pypi[\s_-]*)?user[\s_-]*name\s*>?$", re.I
)
# Short filler segments next to a name: "alice, thanks!" is one name, not two.
_FILLER = frozenset(
    {
        "thanks", "thank you", "thx", "ty", "sorry", "please", "pls", "cheers",
        "regards", "hi", "hello", "maybe", "probably", "i think", "i guess",
        "i believe", "not sure", "or so", "etc",
    }
)  # fmt: skip

# Several values in one field: commas, semicolons, new lines, " or ", " and ", " / ".
_CODE_SPAN = LazyPattern(r"`([^`\n]{1,60})`")
_SPLIT = LazyPattern(r"\s*[,;\n]\s*|\s+(?:or|and|&|\|)\s+|\s+/\s*|\s*/\s+", re.I)

_MAY_SPLIT = LazyPattern(r"[,;\n|&]|\s")
# In the username field anything "x@y" is treated as an e-mail address: it cannot be a
# username (warehouse's login form says the same), and keeping it would leak it.
_EMAILISH = LazyPattern(r"\w[\w.+%'-]{0,63}@[\w-]")
_EMAIL_SCRUB = LazyPattern(r"[\w.!#$%&'+/=?^{|}~-]{1,64}@[\w-][\w.-]*")

_MD_LINK = LazyPattern(r"\[([^\[\]\n]*)\]\(\s*<?([^()\s<>]*)>?(?:\s+\"[^\"]*\")?\s*\)")
_AUTOLINK = LazyPattern(r"^<((?:https?|ftp)://[^<>\s]*)>$", re.I)
_LOOKS_URL = LazyPattern(
    r"^(?:[a-z][a-z0-9+.-]*://|//|www\.)|^(?:[a-z0-9-]+\.)+[a-z]{2,}(?::\d+)?/", re.I
)
_URL = LazyPattern(
    r"^(?:(?P<scheme>[a-z][a-z0-9+.-]*)://|//)?"
    r"(?:[^@/\s]+@)?"
    r"(?P<host>[a-z0-9-]+(?:\.[a-z0-9-]+)*)\.?(?::\d{1,5})?"
    r"(?P<path>/[^\s?#]*)?(?:[?#]\S*)?$",
    re.I,
)
_PYPI_HOSTS = {"pypi.org": False, "www.pypi.org": False, "test.pypi.org": True}
_PROFILE_PATH = LazyPattern(r"^/(?:user|u)/(?P<rest>[^?#]*)$", re.I)


# ---------------------------------------------------------------------------------------


def _scrub(text: str | None) -> str | None:
    """Replace anything address-like so a candidate never carries an e-mail address."""
    return None if text is None else _EMAIL_SCRUB.sub("<email>", text)


def _is_nonanswer(value: str) -> bool:
    """True for "I don't know" values and the template placeholder."""
    return _blank_kind(value) is not None


def _blank_kind(value: str) -> str | None:
    """``missing`` for an unfilled field (placeholder, ``_No response_``), ``unknown``
    for an "I don't know" answer, None for anything else. ``value`` is peeled (or a valid
    name): it never ends in punctuation that peeling would have taken off."""
    low = value.replace("’", "'").casefold().strip()
    if low in _EMPTY_EXACT or _PLACEHOLDER.match(low) is not None:
        return "missing"
    if low in _NONANSWER_EXACT or _NONANSWER_PREFIX.match(low) is not None:
        return "unknown"
    return None


def _peel(value: str) -> tuple[str, bool]:
    """Remove the wrappers around one value; return it and whether TestPyPI was named.

    Each step only removes characters a valid name cannot contain, or a whole prefix or
    suffix, so peeling never turns one name into another. Trailing punctuation is taken
    off the end only, and only while something remains: ``admin/..`` becomes ``admin/``
    (still invalid) and ``..`` stays ``..``; leading dots and slashes are never touched.
    """
    test = False
    s = value
    for _ in range(8):
        before = s
        s = s.strip(_EDGE_CHARS)
        if not s:
            break
        # Each regex only runs when its first/last character could match: this is the
        # hot path for every issue, and most values need one or two steps at most.
        if s[0] in _LEADING_MARK_FIRST:
            s = _LEADING_MARK.sub("", s, count=1)
        if s[:1].lower() in _LABEL_FIRST:
            m = _LABEL.match(s) or _LABEL_SPACE.match(s)
            if m is not None and m.end() < len(s):
                test = test or _MENTIONS_TEST.search(m.group(0)) is not None
                s = s[m.end() :]
            s = _HEDGE.sub("", s, count=1)
        if " " in s:
            s = _TRAILING_HEDGE.sub("", s, count=1)
            m = _TRAILING_SITE.search(s)
            if m is not None:
                test = test or _MENTIONS_TEST.search(m.group("site")) is not None
                s = s[: m.start()]
        s = s.strip(_QUOTE_CHARS).strip(_EDGE_CHARS)
        if len(s) >= 2 and _BRACKET_PAIRS.get(s[0]) == s[-1]:
            s = s[1:-1]
        elif s[-1:] in (")", "]"):
            m = _TRAILING_PAREN.search(s)
            if m is not None and m.start() > 0:
                test = test or _MENTIONS_TEST.search(m.group(1)) is not None
                s = s[: m.start()]
        if s.startswith("@") and "@" not in s[1:]:
            s = s[1:]
        if s[-1:] in _TRAILING_PUNCT:
            stripped = s.rstrip(_TRAILING_PUNCT)
            # Never eat a dot segment: "admin/.." and ".../user/alice/.." stay as typed.
            if stripped and not (stripped.endswith("/") and s[len(stripped)] == "."):
                s = stripped
        if s == before:
            break
    return s, test


def _prefer_link(m: re.Match[str]) -> str:
    """A markdown link: a PyPI profile or project target wins; otherwise judge the
    visible text."""
    text, target = m.group(1), m.group(2)
    if _profile_name(target) is not None or _project_name(target) is not None:
        return f" {target} "
    return f" {text} "


def _link_mismatch(s: str) -> tuple[str, bool] | None:
    """``[alice](https://pypi.org/user/bob/)``: (the two names, on TestPyPI) when a
    link's visible text is a valid name (or a profile URL) other than its target's.

    Which account is meant cannot be guessed: the text is what the reporter typed, the
    target is what they copied.
    """
    for m in _MD_LINK.finditer(s):
        prof = _profile_name(m.group(2))
        if prof is None or not is_valid_username(prof[0]):
            continue
        text, test = _peel(m.group(1))
        shown = _profile_name(text)
        if shown is not None:
            text = shown[0]
        if is_valid_username(text) and text.casefold() != prof[0].casefold():
            return f"{text}, {prof[0]}", test or prof[1]
    return None


_PROJECT_PATH = LazyPattern(r"^/(?:project|simple|p)/(?P<name>[^/?#]+)/?", re.I)


def _project_name(url: str) -> tuple[str, bool] | None:
    """(project name, on TestPyPI) for a pypi.org / test.pypi.org project URL, else None."""
    m = _URL.match(url)
    if m is None:
        return None
    host = m.group("host").lower()
    if (m.group("scheme") or "https").lower() not in ("http", "https") or host not in _PYPI_HOSTS:
        return None
    pm = _PROJECT_PATH.match(m.group("path") or "")
    if pm is None:
        return None
    return pm.group("name"), _PYPI_HOSTS[host]


def _profile_name(url: str) -> tuple[str, bool] | None:
    """(name part, on TestPyPI) for a pypi.org / test.pypi.org profile URL, else None.

    The name part is everything after ``/user/`` (or ``/u/``) with one trailing slash
    removed, unresolved: ``/user/../admin`` gives ``../admin``, which is then invalid.
    """
    m = _URL.match(url)
    if m is None:
        return None
    scheme = (m.group("scheme") or "https").lower()
    host = m.group("host").lower()
    if scheme not in ("http", "https") or host not in _PYPI_HOSTS:
        return None
    pm = _PROFILE_PATH.match(m.group("path") or "")
    if pm is None:
        return None
    rest = pm.group("rest")
    if rest.endswith("/"):
        rest = rest[:-1]
    return rest, _PYPI_HOSTS[host]


# Segment kinds, from most to least useful.
_NAME, _EMAIL, _PROJECT, _URL_OTHER, _UNKNOWN, _MISSING, _FILLER_KIND, _TOKEN, _PROSE = range(9)


def _judge(
    segment: str, among_others: bool = False, peeled: bool = False
) -> tuple[int, str | None, bool]:
    """Judge one value: (kind, normalized string or None, TestPyPI named).

    ``among_others``: the value is one of several parts, where "thanks" or "sorry" next
    to a name is politeness rather than a second username.
    """
    s, test = (segment, False) if peeled else _peel(segment)
    if not s:
        return _MISSING, None, test
    blank = _blank_kind(s)
    if blank is not None:
        return (_MISSING if blank == "missing" else _UNKNOWN), s, test
    if among_others and s.casefold() in _FILLER:
        return _FILLER_KIND, s, test
    if "@" in s and _EMAILISH.search(s) is not None:
        return _EMAIL, None, test
    auto = _AUTOLINK.match(s)
    if auto is not None:
        s = auto.group(1)
    if _LOOKS_URL.match(s):
        prof = _profile_name(s)
        if prof is None:
            project = _project_name(s)
            if project is not None:
                return _PROJECT, s, test or project[1]
            return _URL_OTHER, s, test
        name, on_test = prof
        if is_valid_username(name):
            return _NAME, name, test or on_test
        return _TOKEN, name, test or on_test
    if is_valid_username(s):
        return _NAME, s, test
    if any(c.isspace() for c in s):
        return _PROSE, s, test
    return _TOKEN, s, test


def normalize_username(raw: str | None) -> UsernameResult:
    """Read the PyPI username out of the "PyPI Username" field value.

    Never raises. See the module docstring for the rules; the outcome is either a valid
    ``username`` or one ``problem`` the bot can explain to the opener.
    """
    try:
        return _normalize(raw)
    except Exception as exc:  # pragma: no cover - user text must never crash a delivery
        # Never log the value itself: it is untrusted and may hold an e-mail address.
        log.warning("normalize_username failed: %s", type(exc).__name__)
        return UsernameResult(raw if isinstance(raw, str) else None, None, "invalid")


def _normalize(raw: str | None) -> UsernameResult:
    if not isinstance(raw, str):
        return UsernameResult(None, None, "missing")
    s = raw.strip(_EDGE_CHARS)
    # Fast path: a bare name (U01, more than half of all issues) or `name` (U02).
    if len(s) <= MAX_USERNAME_LENGTH + 2:
        inner = s[1:-1] if len(s) > 2 and s[0] == "`" and s[-1] == "`" else s
        if is_valid_username(inner) and not _is_nonanswer(inner):
            return UsernameResult(raw, inner, None, inner)
    if "<!--" in s:
        s = _HTML_COMMENT.sub(" ", s).strip(_EDGE_CHARS)
    if len(s) > _MAX_INPUT:
        if "@" in s and _EMAILISH.search(s) is not None:
            return UsernameResult(raw, None, "looks_like_email")
        return UsernameResult(raw, None, "invalid", _scrub(s[:80]))
    if not s:
        return UsernameResult(raw, None, "missing")

    if s.count("`") >= 4:
        # "`alice` `bob`", "`alice` (old account: `alice2`)": each code span is one
        # candidate; two different valid names are two accounts.
        spans: dict[str, str] = {}  # casefold -> first spelling
        for v in (x.strip() for x in _CODE_SPAN.findall(s)):
            if is_valid_username(v) and not _is_nonanswer(v):
                spans.setdefault(v.casefold(), v)
        if len(spans) >= 2:
            return UsernameResult(raw, None, "multiple", _scrub(", ".join(spans.values())))
        if len(spans) == 1 and not _CODE_SPAN.sub("", s).strip(_EDGE_CHARS + ",;/"):
            name = next(iter(spans.values()))  # the same name twice is one name
            return UsernameResult(raw, name, None, name)
    if "](" in s:  # before peeling: "(target)" must not be taken for a parenthetical
        mismatch = _link_mismatch(s)
        if mismatch is not None:
            return UsernameResult(raw, None, "link_mismatch", _scrub(mismatch[0]), mismatch[1])
        s = _MD_LINK.sub(_prefer_link, s).strip(_EDGE_CHARS)
    whole, test = _peel(s)
    if not whole:
        return UsernameResult(raw, None, "missing", None, test)
    blank = _blank_kind(whole)
    if blank == "missing":
        return UsernameResult(raw, None, "missing", _scrub(whole) or None, test)
    if blank == "unknown":
        return UsernameResult(raw, None, "unknown", _scrub(whole), test)

    parts = (
        [p for p in _SPLIT.split(whole) if p and p.strip(_EDGE_CHARS)]
        if _MAY_SPLIT.search(whole)
        else ()
    )
    if len(parts) <= 1:
        kind, value, t2 = _judge(whole, peeled=True)
        return _result(raw, kind, value, test or t2)

    names: dict[str, str] = {}  # casefold -> first spelling (same name twice is one name)
    kinds: set[int] = set()
    for part in parts[:20]:
        kind, value, t2 = _judge(part, among_others=True)
        test = test or t2
        kinds.add(kind)
        if kind == _NAME and value is not None:
            names.setdefault(value.casefold(), value)
    if len(names) >= 2 or (len(names) == 1 and _TOKEN in kinds):
        return UsernameResult(raw, None, "multiple", _scrub(", ".join(names.values())), test)
    if len(names) == 1:
        name = next(iter(names.values()))
        return UsernameResult(raw, name, None, name, test)
    if _EMAIL in kinds:
        return UsernameResult(raw, None, "looks_like_email", None, test)
    if _PROJECT in kinds:
        return UsernameResult(raw, None, "project_url", _scrub(whole), test)
    if _URL_OTHER in kinds:
        return UsernameResult(raw, None, "looks_like_url_only_other_host", _scrub(whole), test)
    if _UNKNOWN in kinds and kinds <= {_UNKNOWN, _MISSING, _FILLER_KIND}:
        return UsernameResult(raw, None, "unknown", _scrub(whole), test)
    if kinds <= {_MISSING, _FILLER_KIND}:
        return UsernameResult(raw, None, "missing", _scrub(whole), test)
    return UsernameResult(raw, None, "invalid", _scrub(whole), test)


def _result(raw: str, kind: int, value: str | None, test: bool) -> UsernameResult:
    """Map the judgement of the whole (peeled, non-empty, not blank) value to the public
    result: ``_normalize`` has already answered "missing" and "unknown" for it."""
    if kind == _NAME:
        return UsernameResult(raw, value, None, value, test)
    if kind == _EMAIL:
        return UsernameResult(raw, None, "looks_like_email", None, test)
    if kind == _URL_OTHER:
        return UsernameResult(raw, None, "looks_like_url_only_other_host", _scrub(value), test)
    if kind == _PROJECT:
        return UsernameResult(raw, None, "project_url", _scrub(value), test)
    return UsernameResult(raw, None, "invalid", _scrub(value), test)
