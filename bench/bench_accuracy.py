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

# The corpus reader the tests use (tests/real_corpus.py): the figures printed here are
# the same comparison test_real_corpus asserts.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
import real_corpus
from real_corpus import FIELDS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-v", "--verbose", action="store_true", help="list every miss")
    args = parser.parse_args(argv)
    entries = real_corpus.load()
    correct = dict.fromkeys(FIELDS, 0)
    misses: list[tuple[int, str, Any, Any]] = []
    for entry in entries:
        report = real_corpus.report(entry)
        for field in FIELDS:
            want = entry["expected"][field]
            got = real_corpus.got(report, field)
            if got == want:
                correct[field] += 1
            else:
                misses.append((entry["number"], field, want, got))
    total = len(entries)
    print(f"real corpus: {total} pypi/support bodies (fixtures/real)")
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
