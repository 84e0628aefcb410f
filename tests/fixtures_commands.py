"""The slash-command tests' shared set-up (test_commands, test_commands_rules): the
default configuration and a command context for issue #1234 opened by @octocat, with
@maint running the command, plus ``run`` for a one-command comment."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from recovery_bot.app import parse_config
from recovery_bot.commands.parse import find_commands
from recovery_bot.commands.rules import CommandContext, CommandResult, known_names, run_command

CFG = parse_config({"repositories": ["pypi/support"]})
KNOWN = known_names(CFG)
NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
URL = "https://github.com/pypi/support/issues/1234"


def make_ctx(**kw: Any) -> CommandContext:
    """The context of an open, labelled account-recovery issue; ``kw`` overrides fields."""
    base: dict[str, Any] = {
        "repo": "pypi/support",
        "issue_number": 1234,
        "issue_url": URL,
        "reporter": "octocat",
        "actor": "maint",
        "username": "alice",
        "labels": ("account-recovery",),
        "state": "open",
        "assignees": (),
        "now": NOW,
        "config": CFG,
    }
    base.update(kw)
    return CommandContext(**base)


def run(line: str, **kw: Any) -> CommandResult:
    """Run the one command ``line`` holds against ``make_ctx(**kw)``."""
    invs = find_commands(line, known_names(kw.get("config", CFG)))
    assert len(invs) == 1, invs
    return run_command(invs[0], make_ctx(**kw))
