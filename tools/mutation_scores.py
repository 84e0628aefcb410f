"""Mutation scores of the pure modules, each measured against its own tests.

Why: line coverage says a rule ran, not that a test would notice it changing. mutmut 3
rewrites one operator/constant/call at a time inside the module's functions and runs the
module's own test files; a mutant no test kills is either an untested behaviour or an
equivalent mutant (listed in EQUIVALENT below, with the reason it cannot change behaviour).

Each module runs in its own scratch copy under build/mutation/<module>/ (build/ is
git-ignored), so runs do not share mutmut's cache or touch the work tree, and with
mutmut's ``--max-children`` (default 2: the machine has 2 cores). Not run in CI.

    python tools/mutation_scores.py                      # the default (smaller) modules
    python tools/mutation_scores.py --module intake/reason.py -v   # one, with survivors
    python tools/mutation_scores.py --all                # every module in TESTS

Prints one line per module: killed/total, %, survivors, excluded equivalents, wall time.

Measured 2026-12-02 (mutmut 3.8.1, 2 cores shared with other runs; before -> after the
tests added with this script; equivalents excluded from "after" only):
sla/clocks 563/616 91.4% -> 594/600 99.0% (155 s); intake/username 535/785 68.2% ->
682/770 88.6% (303 s); intake/answers 447/585 76.4% -> 544/585 93.0% (79 s);
intake/decision 314/422 74.4% -> 385/422 91.2% (58 s); intake/forms 649/1066 60.9%
(630 s, no tests added yet). Not measured: reason, sla/queue, commands/rules,
digest/report, core/* (their TESTS mapping is a first guess).
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PKG = "src/recovery_bot"

# module (under src/recovery_bot) -> the test files that are its own tests.
TESTS: dict[str, list[str]] = {
    "sla/clocks.py": ["tests/test_sla.py"],
    "intake/username.py": ["tests/test_username.py"],
    "intake/answers.py": ["tests/test_answers.py", "tests/test_answers_items.py"],
    "intake/decision.py": ["tests/test_recovery.py"],
    "intake/forms.py": ["tests/test_forms.py"],
    "intake/reason.py": ["tests/test_reason.py", "tests/test_topics.py"],
    "sla/queue.py": ["tests/test_queue.py"],
    "commands/rules.py": ["tests/test_commands.py"],
    "digest/report.py": ["tests/test_digest.py"],
    "core/snapshot.py": ["tests/test_snapshots.py"],
    "core/config.py": ["tests/test_config_schema.py"],
}
# Measured first and by default: the modules with hundreds (not thousands) of mutants.
DEFAULT = [
    "sla/clocks.py",
    "intake/username.py",
    "intake/answers.py",
    "intake/decision.py",
    "intake/forms.py",
]

# Mutants that cannot change behaviour, by mutmut's name, with the reason. They are left
# out of the total. (Names are mutmut's: <module>.x_<function>__mutmut_<n>.)
EQUIVALENT: dict[str, str] = {
    **{
        f"recovery_bot.sla.clocks.x__comment_kind__mutmut_{n}": "callers test only for"
        ' "resume" and "reply": the spelling of "command" is never read'
        for n in (10, 11)
    },
    "recovery_bot.sla.clocks.x__lines_outside_fences__mutmut_2": "fenced=None is falsy like False",
    "recovery_bot.sla.clocks.x__pause__mutmut_7": "a pause with start == until is empty and"
    " deadline() ignores it (end <= start)",
    **{
        f"recovery_bot.sla.clocks.x__replay__mutmut_{n}": "event order: (at, order, index) is"
        " unique per event and the label-on-issue event exists only when no awaiting-label"
        " event does, so it never ties with one (snooze labels only record a time)"
        for n in (21, 44, 45, 46, 47)
    },
    **{
        f"recovery_bot.sla.clocks.x__replay__mutmut_{n}": "the set of awaiting spellings is"
        " only read on an awaiting-label removal, which cannot coexist with the"
        " label-on-issue event"
        for n in (54, 55)
    },
    "recovery_bot.sla.clocks.x__replay__mutmut_60": "counts=None is falsy like False",
    **{
        f"recovery_bot.sla.clocks.x__replay__mutmut_{n}": "a maintainer reply moves the"
        " clock itself at its own instant, so which replies set the label-on-issue event's"
        " time only matters when there is none (bots are never maintainers)"
        for n in (33, 34)
    },
    "recovery_bot.sla.clocks.x__utc__mutmut_3": "astimezone(None) gives the same instant in"
    " the host zone; the result is only compared and subtracted",
    "recovery_bot.sla.clocks.x_business_time_between__mutmut_37": "hi >= lo adds a zero span",
    **{
        f"recovery_bot.intake.username.x__normalize__mutmut_{n}": "the fast path for a bare"
        " or backticked name: a mutant only skips it or feeds it a non-name, and the general"
        " path returns the same result"
        for n in (10, 11, 12, 13, 14, 17, 21, 22, 23, 24, 25, 26, 27, 29, 31)
    },
}

KILLED = {"killed", "timeout", "caught by type check"}
SKIPPED = {"skipped"}
LINE = re.compile(r"^\s+(?P<name>\S+): (?P<status>.+)$")


@dataclass
class Score:
    """One module's result: statuses by mutant name, and the wall time of the run."""

    module: str
    statuses: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    error: str = ""

    @property
    def counted(self) -> dict[str, str]:
        return {n: s for n, s in self.statuses.items() if n not in EQUIVALENT and s not in SKIPPED}

    @property
    def killed(self) -> int:
        return sum(s in KILLED for s in self.counted.values())

    @property
    def total(self) -> int:
        return len(self.counted)

    @property
    def survivors(self) -> list[str]:
        return sorted((n for n, s in self.counted.items() if s not in KILLED), key=_natural)

    @property
    def excluded(self) -> int:
        return sum(n in EQUIVALENT for n in self.statuses)


def _natural(name: str) -> tuple[str, int]:
    head, _, n = name.rpartition("__mutmut_")
    return head, int(n) if n.isdigit() else 0


def _scratch(module: str, base: Path) -> Path:
    """A fresh copy of the project with a [tool.mutmut] section for this one module."""
    work = base / module.replace("/", "_").removesuffix(".py")
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".hypothesis")
    for name in ("src", "tests", "fixtures"):
        shutil.copytree(ROOT / name, work / name, ignore=ignore)
    tests = ", ".join(f'"{t}"' for t in TESTS[module])
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    pyproject += (
        "\n[tool.mutmut]\n"
        'source_paths = ["src"]\n'
        f'only_mutate = ["{PKG}/{module}"]\n'
        f"pytest_add_cli_args_test_selection = [{tests}]\n"
        'pytest_add_cli_args = ["-q"]\n'
        'also_copy = ["fixtures"]\n'
    )
    (work / "pyproject.toml").write_text(pyproject, encoding="utf-8")
    return work


def measure(module: str, base: Path, max_children: int) -> Score:
    """Run mutmut for one module in its scratch copy and read back every mutant's status."""
    work = _scratch(module, base)
    mutmut = [sys.executable, "-m", "mutmut"]
    started = time.monotonic()
    with open(work / "mutmut-run.log", "wb") as log:
        run = subprocess.run(
            [*mutmut, "run", "--max-children", str(max_children)],
            cwd=work,
            stdout=log,
            stderr=subprocess.STDOUT,
            check=False,
        )
    score = Score(module, seconds=time.monotonic() - started)
    results = subprocess.run(
        [*mutmut, "results", "--all", "true"],
        cwd=work,
        capture_output=True,
        text=True,
        check=False,
    )
    for line in results.stdout.splitlines():
        if m := LINE.match(line):
            score.statuses[m["name"]] = m["status"].strip()
    if run.returncode != 0 or not score.statuses:
        score.error = f"mutmut run exit {run.returncode}; see {work / 'mutmut-run.log'}"
    return score


def report(score: Score, verbose: bool) -> None:
    if score.error:
        print(f"{score.module:22} ERROR {score.error}")
        return
    pct = 100.0 * score.killed / score.total if score.total else 0.0
    print(
        f"{score.module:22} {score.killed:5}/{score.total:<5} {pct:5.1f}%"
        f"  survived {len(score.survivors):4}  equivalent {score.excluded:3}"
        f"  {score.seconds:6.0f} s" + (f"  ({score.error})" if score.error else "")
    )
    if verbose:
        for name in score.survivors:
            print(f"    {name}: {score.statuses[name]}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--module", action="append", choices=sorted(TESTS), help="repeatable")
    parser.add_argument("--all", action="store_true", help="every module in TESTS")
    parser.add_argument("--max-children", type=int, default=2)
    parser.add_argument("--workdir", type=Path, default=ROOT / "build" / "mutation")
    parser.add_argument("-v", "--verbose", action="store_true", help="list surviving mutants")
    args = parser.parse_args(argv)
    modules = args.module or (sorted(TESTS) if args.all else DEFAULT)
    print(f"{'module':22} killed/total  score  (mutmut, max-children={args.max_children})")
    failed = False
    for module in modules:
        score = measure(module, args.workdir, args.max_children)
        report(score, args.verbose)
        sys.stdout.flush()
        failed |= bool(score.error)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
