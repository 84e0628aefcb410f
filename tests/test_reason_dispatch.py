"""The rule dispatch of intake/reason.py: which rules a word may start (prefix analysis
of each pattern), the trigger pattern that finds those words, and a fresh import
(tables rebuilt, caches empty) that must classify exactly like the warm module.

Why: the dispatch is a speed-up that must never change a result. test_reason.py checks
the warm module against one plain alternation; these pin the analysis itself (a prefix
set that is too small loses matches, one too wide only costs time, and both show here)
and the cold path, which a long-running process only takes once per word shape.
"""

from __future__ import annotations

import dataclasses
import importlib
import json
from pathlib import Path

import pytest

from recovery_bot.intake import reason

# pattern -> every first (up to) three characters a match can start with; None means
# "may start anywhere" (the analysis does not know, or the match may be empty).
PREFIXES: list[tuple[str, set[str] | None]] = [
    ("abcd", {"abc"}),  # cut at three characters
    ("ab", {"ab"}),
    ("a", {"a"}),
    ("a|bc|def", {"a", "bc", "def"}),
    ("[ab]c", {"ac", "bc"}),
    ("[a-c]x", {"ax", "bx", "cx"}),
    ("[a-c]{2}", {"aa", "ab", "ac", "ba", "bb", "bc", "ca", "cb", "cc"}),
    ("[\x00-\x7f]", None),  # a range of 128 characters: not enumerated
    ("[\x00-\x3f]", {chr(c) for c in range(0x40)}),  # 64: enumerated
    ("[\x00-\x40]", None),  # 65: not
    ("\\sab", {" ab"}),  # \s is one space after _prepare
    ("[\\s]ab", {" ab"}),
    ("[a\\s]b", {"ab", " b"}),
    ("\\wab", None),
    ("[\\w]ab", None),
    ("[^a]b", None),
    (".ab", None),
    ("a(?:b|cd)e", {"abe", "acd"}),
    ("(ab)c", {"abc"}),  # a capturing group
    ("(?i:ab)c", {"abc"}),  # a group with flags
    ("(?:a|.)b", None),  # one branch may start anywhere: so may the rule
    ("(?:a|.)bc", None),
    ("(?:a?)+b", None),  # a repeated body that may be empty never ends the analysis
    ("(?:a|)+b", None),
    ("(?:ab)?c", {"abc", "c"}),
    ("(?:ab|)c", {"abc", "c"}),
    ("ab|", None),
    ("(?:)", None),
    ("x*", None),
    ("a?b", {"ab", "b"}),
    ("ab?", {"a", "ab"}),
    ("a+", {"a", "aa", "aaa"}),
    ("a{2,3}", {"aa", "aaa"}),
    ("a{3}", {"aaa"}),
    ("a{2}b", {"aab"}),
    ("ab{5}", {"abb"}),
    ("a{0,5}b", {"aaa", "aab", "ab", "b"}),
    ("a*?b", {"aaa", "aab", "ab", "b"}),  # lazy repeat
    ("a++b", {"aaa", "aab", "ab"}),  # possessive repeat
    ("(?:abc)+", {"abc"}),
    ("(?:ab)+", {"ab", "aba"}),
    ("(?:ab){1,2}c", {"abc", "aba"}),
    ("a(?:bc)*", {"a", "abc"}),
    ("a(?:b(?:c)?)?", {"a", "ab", "abc"}),
    ("[ab]{0,1}c", {"ac", "bc", "c"}),
    ("e-?mail", {"e-m", "ema"}),
    ("a\\s?b", {"a b", "ab"}),
    ("(?:a|b)(?:c|d)(?:e|f)g", {"ace", "acf", "ade", "adf", "bce", "bcf", "bde", "bdf"}),
    (
        "(?:x|y)+z",
        {"xxx", "xxy", "xxz", "xyx", "xyy", "xyz", "xz", "yxx", "yxy", "yxz", "yyx", "yyy"}
        | {"yyz", "yz"},
    ),
    ("\\bab", {"ab"}),  # zero-width assertions are ignored (a wider set, never a smaller)
    ("(?<=x)ab", {"ab"}),
    ("(?!x)ab", {"ab"}),
    ("ab(?!c)d", {"abd"}),
    ("no\\s+longer", {"no "}),
    ("can't|cannot", {"can"}),
    ("(?:don't|do\\s+not)\\s+have", {"don", "do "}),
    ("邮箱|メール", {"邮箱", "メール"}),
]


@pytest.mark.parametrize(("pattern", "expected"), PREFIXES)
def test_rule_prefixes(pattern: str, expected: set[str] | None) -> None:
    found = reason._rule_prefixes(pattern)
    assert (None if found is None else set(found)) == expected
    if expected is not None:
        # What the analysis promises: every match starts with one of the prefixes.
        assert isinstance(found, frozenset)


def test_the_rule_table_is_fully_indexed() -> None:
    """Every non-CJK rule is tried only at words that fit its prefixes; none anywhere."""
    by_prefix, anywhere = reason._build_index()
    assert anywhere == ()
    for i, rule in enumerate(reason._RULES):
        at = {p for p, rows in by_prefix.items() if i in rows}
        if rule.cjk:
            assert at == set()
        else:
            assert at == set(reason._rule_prefixes(rule.pattern) or ()), rule.pattern
    assert all(list(rows) == sorted(set(rows)) for rows in by_prefix.values())
    assert all(isinstance(rows, tuple) for rows in by_prefix.values())


def test_an_unanalysable_rule_is_tried_everywhere(monkeypatch: pytest.MonkeyPatch) -> None:
    rules = (
        reason._Rule("topic", r".mail", topic="email"),
        reason._Rule("loss", r"lost"),
        reason._Rule("topic", r"\wfa", topic="2fa"),
    )
    monkeypatch.setattr(reason, "_RULES", rules)
    by_prefix, anywhere = reason._build_index()
    assert by_prefix == {"los": (1,)}
    assert anywhere == (0, 2)
    monkeypatch.setattr(reason, "_ANYWHERE", anywhere)
    trigger = reason._trigger_pattern()
    # Every word start, and nothing inside a word.
    assert [m.start() for m in trigger.finditer("i lost e-mail")] == [0, 2, 7, 9]


def test_trigger_finds_the_word_starts_that_fit_a_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    prefixes = {"e-m": (0,), "ema": (0,), "2fa": (1,), "no ": (2,), "n": (3,), "los": (4,)}
    monkeypatch.setattr(reason, "_BY_PREFIX", prefixes)
    monkeypatch.setattr(reason, "_ANYWHERE", ())
    trigger = reason._trigger_pattern()
    text = "no e-mail, 2fa lost: enamel x2fa nose"
    starts = [(m.start(), m.group(0)) for m in trigger.finditer(text)]
    # "e-m" is cut at "-": the match is "e", so "mail" after it stays a word start (a
    # rule may begin there too); "no " is cut at the space; "n" alone fits any n-word.
    assert starts == [(0, "no"), (3, "e"), (11, "2fa"), (15, "los"), (21, "e"), (33, "no")]


def test_a_fresh_import_judges_like_the_warm_module() -> None:
    """Reloading rebuilds the index, the trigger and the code patterns and empties every
    cache: the cold module's dispatch must find what one plain alternation finds, and it
    must give the answers the tables in test_reason.py expect (a sample: the warm module
    answers them all)."""
    from test_reason import ALL_REASONS, RECOVERY_CODES, _fast_scan, _plain_scan

    fresh = importlib.reload(reason)
    assert fresh._AT_CACHE == {}
    for text, _ in ALL_REASONS:
        for sentence in fresh._SENTENCE_SPLIT.split(fresh._prepare(text or "")):
            if sentence.isascii():
                assert _fast_scan(sentence) == _plain_scan(sentence), sentence
    for text, expected in ALL_REASONS[::8]:
        assert fresh.classify_reason(text) == expected, text
    for text, have in RECOVERY_CODES:
        assert fresh.mentions_having_recovery_codes(text) is have, text


def test_rules_at_tries_prefixes_of_every_length(monkeypatch: pytest.MonkeyPatch) -> None:
    """A word tries the rules of its first one, two and three characters, in table order
    (the first rule that matches wins), and the cache answers a repeated word shape."""
    rules = (
        reason._Rule("neg", r"a"),
        reason._Rule("loss", r"ab\w*"),
        reason._Rule("topic", r"abc|xyz", topic="email"),
    )
    monkeypatch.setattr(reason, "_RULES", rules)
    by_prefix, anywhere = reason._build_index()
    assert by_prefix == {"a": (0,), "ab": (1,), "abc": (2,), "xyz": (2,)}
    monkeypatch.setattr(reason, "_BY_PREFIX", by_prefix)
    monkeypatch.setattr(reason, "_ANYWHERE", anywhere)
    monkeypatch.setattr(reason, "_AT_CACHE", {})
    monkeypatch.setattr(reason, "_ALT_CACHE", {})
    for text, group in [("a", "r0"), ("abd", "r1"), ("abc", "r1"), ("xyz", "r2")]:
        pat = reason._rules_at(f"i {text} j", 2)
        assert pat is not None
        m = pat.match(f"i {text} j", 2)
        assert m is not None and m.lastgroup == group, text
    assert reason._rules_at("i q", 2) is None
    assert set(reason._AT_CACHE) == {"a j", "abd", "abc", "xyz", "q"}
    assert reason._rules_at("x abd", 2) is reason._rules_at("y abd", 2)  # one compile


def test_the_saved_index_is_current() -> None:
    """intake/reason_index.json matches the rule table; if this fails, run
    ``python tools/gen_reason_index.py`` (until then the index is built at import)."""
    saved = json.loads(reason._INDEX_FILE.read_text(encoding="utf-8"))
    assert saved == reason.index_document(), "stale: run python tools/gen_reason_index.py"
    assert (reason._BY_PREFIX, reason._ANYWHERE) == reason._build_index()


@pytest.mark.parametrize(
    "content",
    [
        None,  # missing
        "{not json",
        '{"fingerprint": "00000000-1", "by_prefix": {"zz": [0]}, "anywhere": []}',  # stale
        '{"by_prefix": {}}',
        '["a list"]',
    ],
)
def test_a_missing_stale_or_broken_saved_index_is_built_instead(
    content: str | None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "reason_index.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    monkeypatch.setattr(reason, "_INDEX_FILE", path)
    assert reason._load_index() == reason._build_index()


def test_a_current_saved_index_is_used_as_saved(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    doc = reason.index_document()
    doc["by_prefix"] = {"abc": [3, 1]}  # what the file says is what the classifier uses
    doc["anywhere"] = [2]
    path = tmp_path / "reason_index.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    monkeypatch.setattr(reason, "_INDEX_FILE", path)
    assert reason._load_index() == ({"abc": (3, 1)}, (2,))


def test_the_fingerprint_follows_pattern_order_and_cjk() -> None:
    rules = reason._RULES[:3]
    base = reason._fingerprint(rules)
    assert base == reason._fingerprint(tuple(rules))
    assert base.endswith("-3")
    swapped = (rules[1], rules[0], rules[2])
    cjk = (dataclasses.replace(rules[0], cjk=not rules[0].cjk), *rules[1:])
    edited = (dataclasses.replace(rules[0], pattern=rules[0].pattern + "x"), *rules[1:])
    kind = (dataclasses.replace(rules[0], kind="skip"), *rules[1:])
    assert len({base, reason._fingerprint(swapped), reason._fingerprint(cjk)}) == 3
    assert reason._fingerprint(edited) != base
    assert reason._fingerprint(kind) == base  # the index does not depend on the kind
