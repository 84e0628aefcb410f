"""Per-field accuracy of the bot's own judgement on the real-body corpus.

Reads ``fixtures/real/corpus.yaml`` (real pypi/support account-recovery bodies, labelled
by hand as an admin would read them, per ``docs/situations.md``) and runs exactly what
``recovery-bot inspect --offline`` runs: ``gather_facts`` -> ``decide`` ->
``inspect_report``. No network. A key the code does not report yet counts as a miss for
every entry, so the figure shows what is left to build, not only what is wrong.

    python bench/bench_accuracy.py        # per-field correct/total and %
    python bench/bench_accuracy.py -v     # plus every miss: issue, field, expected, got
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import yaml

from recovery_bot.cli import _config_or_default
from recovery_bot.recovery import decide, gather_facts, inspect_report

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "fixtures" / "real"
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
MISSING = "<not reported>"


def load_corpus(root: Path = CORPUS) -> list[dict[str, Any]]:
    """The corpus entries, each with its body (read verbatim, no stripping)."""
    entries = yaml.safe_load((root / "corpus.yaml").read_text(encoding="utf-8"))
    for entry in entries:
        entry["body"] = (root / "bodies" / f"{entry['number']}.md").read_text(encoding="utf-8")
    return entries


def bot_report(entry: dict[str, Any], config: Any = None) -> dict[str, Any]:
    """What ``inspect --offline`` reports for one corpus entry."""
    config = config if config is not None else _config_or_default(None)
    facts = gather_facts(entry["body"], title=entry["title"], labels=entry["labels"])
    return inspect_report(facts, decide(facts, config))


def got_value(report: dict[str, Any], field: str) -> Any:
    """The reported value, normalized for comparison (topics as a sorted list)."""
    if field not in report:
        return MISSING
    value = report[field]
    if field == "topics" and isinstance(value, (list, tuple)):
        return sorted(value)
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-v", "--verbose", action="store_true", help="list every miss")
    args = parser.parse_args(argv)
    config = _config_or_default(None)
    entries = load_corpus()
    correct = dict.fromkeys(FIELDS, 0)
    misses: list[tuple[int, str, Any, Any]] = []
    for entry in entries:
        report = bot_report(entry, config)
        for field in FIELDS:
            want = entry["expected"][field]
            got = got_value(report, field)
            if got == want:
                correct[field] += 1
            else:
                misses.append((entry["number"], field, want, got))
    total = len(entries)
    print(f"real corpus: {total} pypi/support bodies ({CORPUS.relative_to(ROOT)})")
    for field in FIELDS:
        pct = 100.0 * correct[field] / total if total else 0.0
        print(f"  {field:32} {correct[field]:4}/{total:<4} {pct:6.1f}%")
    missed = {m[0] for m in misses}
    all_ok = sum(1 for e in entries if e["number"] not in missed)
    pct_all = 100.0 * all_ok / total if total else 0.0
    print(f"  {'(all fields right)':32} {all_ok:4}/{total:<4} {pct_all:6.1f}%")
    if args.verbose:
        for number, field, want, got in misses:
            print(f"miss #{number} {field}: expected {want!r}, got {got!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
