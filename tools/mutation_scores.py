"""Mutation scores of the pure modules, each measured against its own tests.

Why: line coverage says a rule ran, not that a test would notice it changing. mutmut 3
rewrites one operator/constant/call at a time inside the module's functions and runs the
module's own test files; a mutant no test kills is either an untested behaviour or an
equivalent mutant (listed in tools/mutation_equivalents/, with the reason it cannot change
behaviour).

Each module runs in its own scratch copy under build/mutation/<module>/ (build/ is
git-ignored), so runs do not share mutmut's cache or touch the work tree, and with
mutmut's ``--max-children`` (default 2: the machine has 2 cores). Not run in CI.

    python tools/mutation_scores.py                      # the default (smaller) modules
    python tools/mutation_scores.py --module intake/reason.py -v   # one, with survivors
    python tools/mutation_scores.py --all                # every module in TESTS

Prints one line per module: killed/total, %, survivors, excluded equivalents, wall time.

The measured scores, before and after, are in bench/README.md ("Mutation scores").

Two traps met while raising them: state cached at module level (the form templates,
``functools.cache``) is built before mutmut switches a mutant on, so tests must rebuild it
(``fresh_templates`` in tests/test_forms_templates.py); and a module-scoped fixture is
credited by mutmut to the first test that uses it only.
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
    "sla/queue.py": ["tests/test_queue.py"],
    "sla/config.py": ["tests/test_sla_config.py"],
    "intake/username.py": ["tests/test_username.py"],
    "intake/answers.py": ["tests/test_answers.py", "tests/test_answers_items.py"],
    "intake/decision.py": ["tests/test_recovery.py"],
    "intake/forms.py": [
        "tests/test_forms.py",
        "tests/test_forms_templates.py",
        "tests/test_forms_edges.py",
    ],
    "intake/reason.py": [
        "tests/test_reason.py",
        "tests/test_topics.py",
        "tests/test_reason_dispatch.py",
        "tests/test_reason_rules.py",
        "tests/test_reason_topics.py",
    ],
    "commands/parse.py": ["tests/test_commands.py", "tests/test_commands_rules.py"],
    "commands/rules.py": ["tests/test_commands.py", "tests/test_commands_rules.py"],
    "commands/config.py": ["tests/test_commands_config.py"],
    "digest/report.py": ["tests/test_digest.py", "tests/test_digest_report.py"],
    "digest/render.py": ["tests/test_digest.py", "tests/test_digest_report.py"],
    "digest/config.py": ["tests/test_digest_config.py"],
    "core/config.py": ["tests/test_config_schema.py", "tests/test_core_config.py"],
    "core/durations.py": ["tests/test_core_durations.py"],
    "core/errors.py": ["tests/test_config_schema.py"],
    "core/plans.py": ["tests/test_core_plans.py"],
    "core/pypi_user.py": ["tests/test_core_pypi_user.py"],
    "core/snapshot.py": ["tests/test_core_snapshot.py"],
    "core/lazy_re.py": ["tests/test_lazy_re.py"],
}
# Measured first and by default: the modules with hundreds (not thousands) of mutants.
DEFAULT = [
    "sla/clocks.py",
    "intake/username.py",
    "intake/answers.py",
    "intake/decision.py",
    "intake/forms.py",
]

# Mutants that cannot change behaviour are listed per module in tools/mutation_equivalents/
# <module>.txt ("recovery_bot.sla.clocks" -> sla.clocks.txt), one "name: reason" per line
# (names are mutmut's: <module>.x_<function>__mutmut_<n>); they are left out of the total.
# One file per module, so work on two modules never edits the same file.
EQUIVALENTS_DIR = ROOT / "tools" / "mutation_equivalents"


def load_equivalents(directory: Path = EQUIVALENTS_DIR) -> dict[str, str]:
    """Every equivalent mutant's name -> the reason it cannot change behaviour."""
    out: dict[str, str] = {}
    for path in sorted(directory.glob("*.txt")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip() or line.startswith("#"):
                continue
            name, sep, why = line.partition(": ")
            if not sep or not why.strip() or "__mutmut_" not in name:
                raise SystemExit(f"{path}:{number}: expected '<mutant name>: <reason>'")
            out[name.strip()] = why.strip()
    return out


EQUIVALENT = load_equivalents()

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
