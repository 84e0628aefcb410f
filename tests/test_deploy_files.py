"""The deployment files say what the code does: the example workflow triggers on exactly
the events the server handles, with the permission and concurrency README promises, and
``action.yml`` runs ``recovery-bot action``; the Dockerfile, compose file and systemd
unit run the commands and variables README's "Deploy" section documents."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from recovery_bot.cli import build_parser
from recovery_bot.server import HANDLED

ROOT = Path(__file__).resolve().parents[1]


def load(path: str) -> Any:
    return yaml.safe_load((ROOT / path).read_text(encoding="utf-8"))


def test_example_workflow_triggers_on_the_handled_events_with_issues_write() -> None:
    wf = load("docs/workflows/recovery-bot.yml")
    on = wf.get("on", wf.get(True))  # YAML 1.1 reads a bare `on` as true
    assert {e: set(on[e]["types"]) for e in HANDLED} == {e: set(a) for e, a in HANDLED.items()}
    assert set(on) == {"issues", "issue_comment", "schedule", "workflow_dispatch"}
    assert wf["permissions"] == {}
    [job] = wf["jobs"].values()
    assert job["permissions"] == {"issues": "write"}
    assert "github.event.issue.number" in wf["concurrency"]["group"]
    assert wf["concurrency"]["cancel-in-progress"] is False
    # The label filter names the form label of the built-in config.
    assert "github.event.label.name == 'account-recovery'" in job["if"]


def test_action_yml_installs_its_own_checkout_and_runs_the_command() -> None:
    action = load("action.yml")
    assert action["runs"]["using"] == "composite"
    steps = action["runs"]["steps"]
    assert re.fullmatch(r"actions/setup-python@[0-9a-f]{40}", steps[0]["uses"])
    assert '"$GITHUB_ACTION_PATH"' in steps[1]["run"]
    run = steps[2]
    assert run["run"].rstrip().endswith('recovery-bot" action "${args[@]}"')
    assert set(run["env"]) == {"GITHUB_TOKEN", "PYPI_URL", "RECOVERY_BOT_CONFIG", "DRY_RUN"}
    assert action["inputs"]["github-token"]["default"] == "${{ github.token }}"
    # Every command the files run exists in the CLI.
    commands = set(build_parser()._subparsers._group_actions[0].choices)  # type: ignore[union-attr]
    assert {"action", "serve", "sandbox", "digest", "sweep"} <= commands
