"""README's examples are what the commands print today: the `inspect` JSON and the demo
report (a line ending in "…" stands for any line it begins)."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from pathlib import Path

from recovery_bot.app import parse_config
from recovery_bot.demo import default_fixtures, run

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _block(after: str, lang: str = "") -> str:
    m = re.search(re.escape(after) + r".*?\n```" + lang + r"\n(.*?)\n```", README, re.S)
    assert m, f"README has no ```{lang} block after {after!r}"
    return m.group(1)


def test_readme_inspect_example_is_what_inspect_prints() -> None:
    body = _block("For this body:", "markdown") + "\n"
    shown = json.loads(_block("it prints one JSON object", "json"))
    out = subprocess.run(
        [sys.executable, "-m", "recovery_bot", "inspect", "--offline", "-"],
        input=body,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=True,
    )
    real = json.loads(out.stdout)
    assert real["comment"].startswith(shown.pop("comment").removesuffix("…"))
    del real["comment"]
    assert real == shown


def _matches(shown: str, real_lines: list[str]) -> bool:
    if shown.endswith("…"):
        return any(line.startswith(shown[:-1]) for line in real_lines)
    return shown in real_lines


async def test_readme_demo_output_is_what_the_demo_prints(tmp_path: Path) -> None:
    out = io.StringIO()
    config = parse_config({"repositories": ["pypi/support"]})
    await run(default_fixtures(), str(tmp_path / "demo.sqlite3"), out, config)
    real_lines = out.getvalue().splitlines()
    shown = [line for line in _block("long lines cut here").splitlines() if line != "…"]
    missing = [line for line in shown if not _matches(line, real_lines)]
    assert missing == []
