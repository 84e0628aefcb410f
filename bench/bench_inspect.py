"""Start-up cost of ``recovery-bot inspect``: median wall time of 7 runs on one body, and
the slowest imports (``python -X importtime``).

    python bench/bench_inspect.py [BODY] [--src PATH] [--runs N] [--callgrind]

``--src`` measures another checkout's ``src/`` (e.g. main, for a before/after) with
this interpreter. Offline, so no network: the figure is start-up + one body's rules.
``--callgrind`` also counts the instructions of one run under valgrind (about 20 s):
unlike wall or CPU time, that count does not move when other work shares the machine,
so it is the figure to compare before/after on a busy box. Bytecode caching is on
(``PYTHONDONTWRITEBYTECODE`` is dropped), as for an installed package; the first,
warming run writes the ``__pycache__`` files.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("body", nargs="?", default=str(HERE / "fixtures/bodies/recovery-t4-ok.md"))
    ap.add_argument("--src", default=str(HERE / "src"))
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--top", type=int, default=15)
    ap.add_argument("--callgrind", action="store_true", help="count instructions (valgrind)")
    a = ap.parse_args()
    # Bytecode caching on, as in an installed package (pip writes .pyc files): with
    # PYTHONDONTWRITEBYTECODE set, every run would compile the bot's sources again.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = a.src
    cmd = [sys.executable, "-m", "recovery_bot", "inspect", "--offline", a.body]
    subprocess.run(cmd, env=env, check=True, capture_output=True)  # warm the disk cache
    walls, cpus = [], []
    for _ in range(a.runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        subprocess.run(cmd, env=env, check=True, capture_output=True)
        walls.append(time.perf_counter() - t0)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    med = statistics.median(walls) * 1000
    print(
        f"inspect --offline {Path(a.body).name}: median wall {med:.0f} ms over {a.runs} runs"
        f" (min {min(walls) * 1000:.0f}, max {max(walls) * 1000:.0f});"
        f" median CPU {statistics.median(cpus) * 1000:.0f} ms"
    )
    if a.callgrind:
        print(f"instructions: {_instructions(cmd, env) / 1e6:.0f} M (callgrind, one run)")
    res = subprocess.run(
        [sys.executable, "-X", "importtime", *cmd[1:]],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    rows = []
    for line in res.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        self_us, cum_us, name = line.removeprefix("import time:").split("|")
        name = name.strip()
        rows.append((int(cum_us), int(self_us), name))
    total = max(r[0] for r in rows)
    print(f"imports: {total / 1000:.0f} ms cumulative at the top; slowest (cumulative, self):")
    for cum, self_, name in sorted(rows, reverse=True)[: a.top]:
        print(f"  {cum / 1000:7.1f} ms {self_ / 1000:7.1f} ms  {name}")


def _instructions(cmd: list[str], env: dict[str, str]) -> int:
    """Instructions executed by ``cmd`` (valgrind's callgrind; its own overhead excluded)."""
    with tempfile.TemporaryDirectory() as tmp:
        res = subprocess.run(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={tmp}/out", *cmd],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
    m = re.search(r"Collected : (\d+)", res.stderr)
    if m is None:
        raise SystemExit(f"valgrind printed no instruction count:\n{res.stderr[-500:]}")
    return int(m.group(1))


if __name__ == "__main__":
    main()
