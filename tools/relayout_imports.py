"""Rewrite imports of the old flat layout (``recovery_bot.server``, ``recovery_bot.forms``,
...) to the feature packages, in place. For merging work written against the flat layout:

    python tools/relayout_imports.py tests/test_new.py bench/new_bench.py ...

It rewrites module paths in imports, strings (``monkeypatch`` targets, logger names) and
``recovery_bot/x.py`` paths, and moves the names that now come from the composition
(``create_app``, ``compose_router``, ``parse_config``, ``load_config``,
``_config_or_default`` -> ``config_or_default``) to ``recovery_bot.app``: the server's own
``create_app`` has no routers unless ``app`` hands them over. Run ``ruff check --fix
--select I`` afterwards to re-sort the imports.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

#: Old flat module -> new module (the rename list of the 'structure' branch).
MOVES = {
    "forms": "intake.forms",
    "guards": "platform.guards",
    "health": "platform.health",
    "username": "intake.username",
    "reason": "intake.reason",
    "answers": "intake.answers",
    "recovery": "intake.decision",
    "triage": "intake.handler",
    "commands": "commands.rules",
    "commands_config": "commands.config",
    "command_handlers": "commands.handler",
    "sla": "sla.clocks",
    "sla_config": "sla.config",
    "queue": "sla.queue",
    "sweep": "sla.sweep",
    "sla_cli": "sla.cli",
    "snapshots": "sla.fetch",
    "digest": "digest.report",
    "digest_config": "digest.config",
    "digest_post": "digest.post",
    "digest_cli": "digest.cli",
    "server": "platform.server",
    "journal": "platform.journal",
    "journal_upkeep": "platform.journal_upkeep",
    "journal_cli": "platform.journal_cli",
    "github": "platform.github",
    "pypi": "platform.pypi",
    "applier": "platform.applier",
    "metrics": "platform.metrics",
    "permissions": "platform.permissions",
    "redeliver": "platform.redeliver",
    "logs": "platform.logs",
    "cli_errors": "platform.cli_errors",
    "cli_shell": "platform.serve_cli",
    "config": "core.config",
    "errors": "core.errors",
    "plans": "core.plans",
    "snapshot": "core.snapshot",
    "durations": "core.durations",
}
#: Names that moved to another module than their file did.
TO_APP = {"create_app", "compose_router", "parse_config", "load_config", "config_or_default"}

_NAMES = "|".join(sorted(MOVES, key=len, reverse=True))
_DOTTED = re.compile(rf"recovery_bot\.({_NAMES})\b(?!\.py)")
#: Old flat modules whose name is now a package: "recovery_bot.digest.report" is the new
#: layout already, and must not be rewritten again (keeps the rewrite idempotent).
_PACKAGES = {"digest", "sla", "commands"}
_NOW_PACKAGES = re.compile(
    r"\.(?:"
    + "|".join(sorted({n.split(".", 1)[1] for n in MOVES.values() if n.split(".")[0] in _PACKAGES}))
    + r")\b"
)


def _dotted(m: re.Match[str]) -> str:
    old = m.group(1)
    if old in _PACKAGES and _NOW_PACKAGES.match(m.string, m.end()):
        return m.group(0)
    return "recovery_bot." + MOVES[old]


_SLASHED = re.compile(rf"recovery_bot/({_NAMES})\.py\b")
_FROM_PKG = re.compile(r"^(\s*)from recovery_bot import ([^(\n]+)$", re.M)
_FROM_MOD = re.compile(
    r"^(\s*)from recovery_bot\.(platform\.server|core\.config|cli) import ([^(\n]+)$", re.M
)


def _from_pkg(mo: re.Match[str]) -> str:
    indent, keep, out = mo.group(1), [], []
    for item in (x.strip() for x in mo.group(2).split(",")):
        name, _, alias = item.partition(" as ")
        if name in MOVES:
            pkg, mod = MOVES[name].rsplit(".", 1)
            a = alias or (name if mod != name else "")
            out.append(
                f"{indent}from recovery_bot.{pkg} import {mod}"
                + (f" as {a}" if a and a != mod else "")
            )
        else:
            keep.append(item)
    if not out:
        return mo.group(0)
    head = [f"{indent}from recovery_bot import {', '.join(keep)}"] if keep else []
    return "\n".join(head + out)


def _from_mod(mo: re.Match[str]) -> str:
    indent, module = mo.group(1), mo.group(2)
    names = [
        x.strip().replace("_config_or_default", "config_or_default") for x in mo.group(3).split(",")
    ]
    app = [n for n in names if n.split(" as ")[0] in TO_APP]
    rest = [n for n in names if n not in app]
    if not app:
        return mo.group(0)
    lines = [f"{indent}from recovery_bot.app import {', '.join(app)}"]
    if rest:
        lines.append(f"{indent}from recovery_bot.{module} import {', '.join(rest)}")
    return "\n".join(lines)


def rewrite(text: str, python: bool = True) -> str:
    text = _DOTTED.sub(_dotted, text)
    text = _SLASHED.sub(
        lambda m: "recovery_bot/" + MOVES[m.group(1)].replace(".", "/") + ".py", text
    )
    if python:
        text = _FROM_MOD.sub(_from_mod, _FROM_PKG.sub(_from_pkg, text))
        text = text.replace("_config_or_default(", "config_or_default(")
    return text


def main(paths: list[str]) -> int:
    for name in paths:
        p = Path(name)
        old = p.read_text(encoding="utf-8")
        new = rewrite(old, python=p.suffix == ".py")
        if new != old:
            p.write_text(new, encoding="utf-8")
            print(f"rewrote {p}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
