"""The real-body corpus (fixtures/real), read the way ``inspect --offline`` reads a body.

Shared by the tests that hold the bot to it (test_real_corpus, test_answers_real_bodies)
and by bench/bench_accuracy.py, which prints the same comparison as percentages: one
loader and one notion of "the value the bot reported", so the figures and the tests
cannot drift apart.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import yaml

from recovery_bot.app import parse_config
from recovery_bot.core.config import AppConfig
from recovery_bot.intake.decision import Facts, decide, gather_facts, inspect_report

ROOT = Path(__file__).resolve().parent.parent / "fixtures" / "real"
#: The fields an admin reads in a request, each labelled by hand in corpus.yaml.
FIELDS = (
    "form",
    "username",
    "username_problem",
    "reason",
    "mentions_having_recovery_codes",
    "recovery_codes_fail",
    "contains_email_address",
    "topics",
    "situation",
)
#: The value of a field the report does not carry (a miss for every entry).
MISSING = "<not reported>"


def load() -> list[dict[str, Any]]:
    """The corpus entries (number, title, labels, year, expected, note), in file order."""
    return list(yaml.safe_load((ROOT / "corpus.yaml").read_text(encoding="utf-8")))


def body(entry: dict[str, Any]) -> str:
    """The entry's body, verbatim (no stripping: trailing whitespace is part of it)."""
    return (ROOT / "bodies" / f"{entry['number']}.md").read_text(encoding="utf-8")


@functools.cache
def config() -> AppConfig:
    """The default configuration, as ``inspect`` uses without app.yaml."""
    return parse_config({"repositories": ["pypi/support"]}, "(defaults)")


def facts(entry: dict[str, Any]) -> Facts:
    """What the bot gathers from the entry's body, title and labels."""
    return gather_facts(body(entry), title=entry.get("title"), labels=entry.get("labels") or ())


def report(entry: dict[str, Any]) -> dict[str, Any]:
    """What ``inspect --offline`` prints for the entry."""
    found = facts(entry)
    return inspect_report(found, decide(found, config()))


def got(report: dict[str, Any], field: str) -> Any:
    """The reported value, normalized for comparison (topics as a sorted list)."""
    if field not in report:
        return MISSING
    value = report[field]
    return sorted(value) if field == "topics" and isinstance(value, (list, tuple)) else value
