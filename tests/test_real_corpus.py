"""The real-body corpus (fixtures/real): the bot's own reading of 240 real pypi/support
account-recovery bodies, held to the fields an admin reads in them (docs/situations.md).

Every expected field is asserted exactly, except the pairs in ``KNOWN_MISSES``: those
assert that the bot is *still* wrong, so the list cannot silently go stale. When a fix
makes one right, its test fails with "now right: remove it from KNOWN_MISSES". Each
entry says why the bot is left wrong there.

The corpus is public text: the redaction test keeps personal addresses out of it.
"""

from __future__ import annotations

import re
from typing import Any, get_args

import pytest

import real_corpus
from recovery_bot.intake.answers import SITUATIONS
from recovery_bot.intake.reason import Topic
from recovery_bot.intake.username import UsernameProblem

ROOT = real_corpus.ROOT
FIELDS = real_corpus.FIELDS

# (issue number, field) -> why the bot gets it wrong.
KNOWN_MISSES: dict[tuple[int, str], str] = {
    # The 2020 template's "## PyPI Username" heading replaced by the name itself: the
    # form parser (forms.py) finds no username section, so the field reads as empty.
    (471, "username"): "forms.py: the username heading was replaced by the name (U21)",
    (471, "username_problem"): "forms.py: the username heading was replaced by the name (U21)",
    # "It may go to an email account I lost access to": a hedged loss is weak evidence,
    # and with nothing else lost it still decides (lost_email, which drops the new_device
    # topic). The label (JUDGEMENT) reads the reporter's primary mailbox as working.
    (11140, "reason"): "hedged 'may go to an account I lost access to' read as a weak e-mail loss",
    (11140, "topics"): "reason lost_email rules out new_device (the mailbox reads as lost)",
    (11140, "situation"): "follows the reason: lost_email instead of new_device",
}


CORPUS = real_corpus.load()


@pytest.mark.parametrize("entry", CORPUS, ids=[f"#{e['number']}" for e in CORPUS])
def test_bot_reads_the_real_body_as_an_admin_does(entry: dict[str, Any]) -> None:
    report = real_corpus.report(entry)
    problems = []
    for field in FIELDS:
        want = entry["expected"][field]
        got = real_corpus.got(report, field)
        key = (entry["number"], field)
        if key in KNOWN_MISSES:
            if got == want:
                problems.append(f"{field}: now right ({got!r}): remove it from KNOWN_MISSES")
        elif got != want:
            problems.append(f"{field}: expected {want!r}, got {got!r}")
    assert not problems, f"#{entry['number']}: " + "; ".join(problems)


def test_known_misses_name_corpus_entries_and_fields() -> None:
    numbers = {e["number"] for e in CORPUS}
    stray = [k for k in KNOWN_MISSES if k[0] not in numbers or k[1] not in FIELDS]
    assert stray == []


def test_every_entry_has_the_expected_keys_and_values() -> None:
    # The vocabularies are the code's own (docs/situations.md describes the same ones).
    situations = set(SITUATIONS)
    topics = set(get_args(Topic))
    problems = {None, *get_args(UsernameProblem)}
    for e in CORPUS:
        exp = e["expected"]
        assert tuple(exp) == FIELDS, e["number"]
        assert exp["situation"] in situations, e["number"]
        assert exp["reason"] in {"lost_email", "lost_2fa", "both", "unclear"}, e["number"]
        assert set(exp["topics"]) <= topics and exp["topics"] == sorted(exp["topics"])
        assert exp["username_problem"] in problems, e["number"]
        assert not (exp["mentions_having_recovery_codes"] and exp["recovery_codes_fail"])
        assert isinstance(e["year"], int) and 2020 <= e["year"] <= 2026


def test_every_entry_has_a_body_file_and_every_body_an_entry() -> None:
    numbers = [e["number"] for e in CORPUS]
    assert len(numbers) == len(set(numbers))
    files = {int(p.stem) for p in (ROOT / "bodies").glob("*.md")}
    assert files == set(numbers)
    assert len(numbers) >= 150


# Same shape as the check in fixtures/real/README.md (grep -E), plus non-ASCII letters.
_ADDRESS = re.compile(r"[\w.%+-]+@([\w.-]+\.[A-Za-z]{2,})")
_ALLOWED_DOMAIN = re.compile(r"(?:example\.com|(?:[\w-]+\.)*pypi\.org)", re.I)


def test_no_personal_email_address_in_the_corpus() -> None:
    leaks = []
    for path in sorted(ROOT.rglob("*")):
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8")
        for m in _ADDRESS.finditer(text):
            if not _ALLOWED_DOMAIN.fullmatch(m.group(1)):
                leaks.append(f"{path.relative_to(ROOT)}: {m.group(0)}")
    assert leaks == []


def test_redaction_check_would_catch_an_address() -> None:
    sample = "write to jane.doe@corp.example.net or support@pypi.org"
    found = [m.group(0) for m in _ADDRESS.finditer(sample)]
    assert [a for a in found if not _ALLOWED_DOMAIN.fullmatch(a.split("@")[1])] == [
        "jane.doe@corp.example.net"
    ]
