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
from recovery_bot.platform.server import HANDLED

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
    assert wf["concurrency"]["group"] == "recovery-bot-${{ github.event.issue.number || 'sweep' }}"
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


# --------------------------------------------------------------------------- container


def dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    text = re.sub(r"\\\n\s*", " ", text)
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def dockerfile_env() -> dict[str, str]:
    env: dict[str, str] = {}
    for word, rest in dockerfile():
        if word == "ENV":
            env.update(dict(re.findall(r"(\w+)=(\S+)", rest)))
    return env


def readme_section(title: str) -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index(f"\n## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else None]


#: Every variable the bot reads (DESIGN.md's runtime contract, plus serve's HOST/PORT).
BOT_VARIABLES = {
    "GITHUB_WEBHOOK_SECRET",
    "GITHUB_TOKEN",
    "GITHUB_APP_ID",
    "GITHUB_PRIVATE_KEY",
    "GITHUB_PRIVATE_KEY_PATH",
    "GITHUB_API_URL",
    "PYPI_URL",
    "RECOVERY_BOT_DB",
    "RECOVERY_BOT_CONFIG",
    "HOST",
    "PORT",
}


def test_dockerfile_runs_what_readme_documents() -> None:
    steps = dockerfile()
    assert steps[0] == ("FROM", "python:3.12-slim")
    assert ("ENTRYPOINT", '["recovery-bot"]') in steps and ("CMD", '["serve"]') in steps
    users = [rest for word, rest in steps if word == "USER"]
    assert users == ["recovery-bot"]
    assert ("VOLUME", '["/data"]') in steps
    env = dockerfile_env()
    assert env["RECOVERY_BOT_DB"].startswith("/data/")
    assert (
        set(env)
        - {
            "PYTHONDONTWRITEBYTECODE",
            "PYTHONUNBUFFERED",
            "PIP_NO_CACHE_DIR",
            "PIP_DISABLE_PIP_VERSION_CHECK",
        }
        <= BOT_VARIABLES
    )
    [health] = [rest for word, rest in steps if word == "HEALTHCHECK"]
    assert "CMD python -c" in health and "/healthz" in health and "curl" not in health

    deploy = readme_section("Deploy")
    # README names the image's paths and values, and the command the image runs.
    for name, value in env.items():
        if name in BOT_VARIABLES:
            assert f"`{name}={value}`" in deploy, name
    assert "docker build -t recovery-bot ." in deploy
    assert "-v recovery-bot-data:/data" in deploy
    # Every variable the bot reads is named in the Deploy section.
    missing = {v for v in BOT_VARIABLES if f"`{v}" not in deploy}
    assert missing == set()
    assert "Python ≥ 3.11" in deploy


def test_compose_and_systemd_use_the_documented_command_and_variables() -> None:
    compose = load("compose.yaml")
    svc = compose["services"]["recovery-bot"]
    assert svc["command"][0] == "serve"
    assert set(svc["environment"]) <= BOT_VARIABLES
    assert any(v.endswith(":/data") for v in svc["volumes"])

    unit = (ROOT / "docs/recovery-bot.service").read_text(encoding="utf-8")
    [exec_start] = re.findall(r"^ExecStart=(.*)$", unit, re.M)
    assert exec_start.endswith("/bin/recovery-bot serve")
    names = set(re.findall(r"^Environment=(\w+)=", unit, re.M))
    assert names <= BOT_VARIABLES and "RECOVERY_BOT_DB" in names
    deploy = readme_section("Deploy")
    assert "docs/recovery-bot.service" in deploy and "compose.yaml" in deploy


async def test_the_healthcheck_command_passes_on_a_live_server_and_fails_without(
    bot_server,
) -> None:
    import asyncio
    import os
    import shlex
    import sys

    [health] = [rest for word, rest in dockerfile() if word == "HEALTHCHECK"]
    argv = shlex.split(health.split(" CMD ", 1)[1])
    assert argv[:2] == ["python", "-c"]

    async def run(port: int) -> int:
        env = dict(os.environ, PORT=str(port))
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            argv[2],
            env=env,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        return await asyncio.wait_for(proc.wait(), 30)

    assert await run(bot_server.client.server.port) == 0
    assert await run(9) != 0  # nothing listens there


def test_app_yaml_comments_cite_no_issue_numbers_or_internal_notes() -> None:
    comments = [
        line.split("#", 1)[1]
        for line in (ROOT / "app.yaml").read_text(encoding="utf-8").splitlines()
        if "#" in line
    ]
    assert comments
    cited = [c for c in comments if re.search(r"#\d|\bissue \d|FIELD-NOTES|DESIGN\.md|§", c)]
    assert cited == []
