"""``recovery-bot action`` end to end: the real sample payloads of fixtures/deliveries as
``GITHUB_EVENT_PATH`` files, run against the loopback GitHub and PyPI, in-process and as
a subprocess. The expected effects are the server's: the same samples go through the
real webhook server (``demo.run``) with the same config, and both must leave the same
labels and comment texts on the same issues."""

from __future__ import annotations

import asyncio
import io
import json
import os
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from fixtures_bodies import triage_text
from recovery_bot.action import ACTIONS_LOGIN, action_config, run_action
from recovery_bot.app import parse_config
from recovery_bot.core.errors import ConfigError
from recovery_bot.demo import default_fixtures, load_samples, run, seed_issue
from recovery_bot.digest.report import IsoWeek, digest_title
from recovery_bot.sandbox.fake_github import FakeGitHub
from recovery_bot.sandbox.fake_pypi import FakePyPI
from recovery_bot.sla.cli import seed_demo

REPO = "pypi/support"
TOKEN = "ghs_actions_token"

#: What the server does to the sample issues (tests/test_demo.py asserts the same).
EXPECTED_LABELS = {
    12401: ["account-recovery", "lost 2fa"],
    12402: ["account-recovery", "lost email"],
    12403: ["account-recovery", "needs more info", "username not found", "lost 2fa"],
    12404: ["account-recovery", "lost 2fa", "has recovery codes"],
    12405: ["account-recovery", "lost email", "no projects"],
    12406: ["PEP 541"],
    12407: [],
}


@pytest.fixture
async def fakes() -> AsyncIterator[tuple[FakeGitHub, FakePyPI]]:
    """GitHub where the workflow token writes as github-actions[bot], and PyPI with the
    sample users."""
    _, users = load_samples(default_fixtures())
    async with (
        FakeGitHub(tokens={TOKEN: ACTIONS_LOGIN}, bot_login=ACTIONS_LOGIN) as gh,
        FakePyPI(users) as pypi,
    ):
        gh.add_repo(REPO, collaborators={"maintainer1": "write"})
        yield gh, pypi


def actions_env(
    gh: FakeGitHub, pypi: FakePyPI, event: str, path: Path | None = None, **extra: str
) -> dict[str, str]:
    """The variables a workflow step sees (the ones the command reads)."""
    env = {
        "GITHUB_EVENT_NAME": event,
        "GITHUB_TOKEN": TOKEN,
        "GITHUB_REPOSITORY": REPO,
        "GITHUB_API_URL": gh.url,
        "PYPI_URL": pypi.url,
        "GITHUB_RUN_ID": "1234",
        "GITHUB_RUN_ATTEMPT": "1",
    }
    if path is not None:
        env["GITHUB_EVENT_PATH"] = str(path)
    env.update(extra)
    return env


def write_event(tmp_path: Path, payload: dict[str, Any], name: str = "event.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(payload), encoding="utf-8")
    return path


def state(gh: FakeGitHub, numbers: list[int]) -> dict[int, tuple[list[str], list[str]]]:
    """Labels and the bot's comment bodies, per issue."""
    return {
        n: (
            gh.labels(REPO, n),
            [c["body"] for c in gh.comments(REPO, n) if c["user"]["login"] == ACTIONS_LOGIN],
        )
        for n in numbers
    }


def got_comment_id(gh: FakeGitHub, number: int) -> int:
    [comment] = [c for c in gh.comments(REPO, number) if c["user"]["login"] == ACTIONS_LOGIN]
    return int(comment["id"])


async def run_subprocess(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    """``python -m recovery_bot action`` in a child process (the fakes keep serving)."""
    full = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "RECOVERY_"))}
    full.update(env)
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "recovery_bot",
        "action",
        *args,
        env=full,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def test_sample_deliveries_have_the_same_effects_as_the_server(
    fakes: tuple[FakeGitHub, FakePyPI], tmp_path: Path
) -> None:
    gh, pypi = fakes
    samples, _ = load_samples(default_fixtures())
    config = action_config(None, {"GITHUB_REPOSITORY": REPO})
    assert config.bot.login == ACTIONS_LOGIN and list(config.repositories) == [REPO]

    lines: list[str] = []
    numbers: list[int] = []
    for name, payload in samples:
        seed_issue(gh, payload)
        path = write_event(tmp_path, payload, f"{name}.json")
        result = await run_action(config, actions_env(gh, pypi, "issues", path))
        assert result.retry == []
        lines += result.lines
        if payload["issue"]["number"] not in numbers:
            numbers.append(payload["issue"]["number"])

    got = state(gh, numbers)
    assert {n: labels for n, (labels, _) in got.items()} == EXPECTED_LABELS
    fixed = next(p for n, p in samples if n.startswith("08-"))["issue"]["body"]
    assert got[12402][1] == [f"<!-- recovery-bot:triage -->\n{triage_text(fixed)}"]
    assert lines == [
        "issues.opened pypi/support#12401: applied (add labels ['lost 2fa']; create comment)",
        "issues.opened pypi/support#12402: applied (add labels ['needs more info', "
        "'lost email', 'email address posted']; create comment)",
        "issues.opened pypi/support#12403: applied (add labels ['needs more info', "
        "'username not found', 'lost 2fa']; create comment)",
        "issues.opened pypi/support#12404: applied (add labels ['lost 2fa', "
        "'has recovery codes']; create comment)",
        "issues.opened pypi/support#12405: applied (add labels ['lost email', 'no projects']; "
        "create comment)",
        "issues.opened pypi/support#12406: unchanged",
        "issues.opened pypi/support#12407: skipped (opened by a maintainer)",
        "issues.edited pypi/support#12402: applied (remove label 'email address posted'; "
        f"remove label 'needs more info'; edit comment {got_comment_id(gh, 12402)})",
    ]

    # The server, same config, same samples: identical labels and comment texts.
    server_out = io.StringIO()
    server = await run(
        default_fixtures(), str(tmp_path / "j.sqlite3"), server_out, config, backlog=False
    )
    assert {n: (r["labels"], [c["body"] for c in r["comments"]]) for n, r in server.items()} == got

    # Running every event again (a re-run of each workflow) writes nothing.
    gh.reset_calls()
    for name, _ in samples:
        path = tmp_path / f"{name}.json"
        again = await run_action(
            config, actions_env(gh, pypi, "issues", path, GITHUB_RUN_ATTEMPT="2")
        )
        assert again.retry == []
    assert gh.writes() == []
    assert state(gh, numbers) == got


async def test_the_command_as_a_subprocess(
    fakes: tuple[FakeGitHub, FakePyPI], tmp_path: Path
) -> None:
    gh, pypi = fakes
    samples = dict(load_samples(default_fixtures())[0])
    payload = samples["03-username-not-found"]
    seed_issue(gh, payload)
    path = write_event(tmp_path, payload)
    code, out, err = await run_subprocess(actions_env(gh, pypi, "issues", path))
    assert code == 0, err
    assert gh.labels(REPO, 12403) == EXPECTED_LABELS[12403]
    mine = [c for c in gh.comments(REPO, 12403) if c["user"]["login"] == ACTIONS_LOGIN]
    assert len(mine) == 1 and "there is no account `carol-devv` on pypi.org" in mine[0]["body"]
    assert out.splitlines() == [
        "issues.opened pypi/support#12403: applied (add labels ['needs more info', "
        "'username not found', 'lost 2fa']; create comment)"
    ]

    # An event the bot does not handle: exit 0, says why, no API call at all.
    gh.reset_calls()
    closed = dict(payload, action="closed")
    code, out, _ = await run_subprocess(
        actions_env(gh, pypi, "issues", write_event(tmp_path, closed, "closed.json"))
    )
    assert (code, out) == (0, "issues.closed: ignored (issues.closed is not handled)\n")
    assert gh.calls == []


async def test_exit_codes_say_whether_a_rerun_helps(
    fakes: tuple[FakeGitHub, FakePyPI], tmp_path: Path
) -> None:
    gh, pypi = fakes
    payload = dict(load_samples(default_fixtures())[0])["01-complete-lost-2fa"]
    seed_issue(gh, payload)
    path = write_event(tmp_path, payload)

    # The token may not write (the workflow lacks `issues: write`): fix config, exit 2.
    gh.fail("POST", f"/repos/{REPO}/issues/12401/labels", status=403)
    code, _, err = await run_subprocess(actions_env(gh, pypi, "issues", path))
    assert code == 2
    assert "permissions: issues: write" in err

    # PyPI does not answer: the labels that do not depend on it are applied, exit 1.
    code, out, err = await run_subprocess(
        actions_env(gh, pypi, "issues", path, PYPI_URL="http://127.0.0.1:9")
    )
    assert code == 1, (out, err)
    assert "PyPI did not answer for #12401" in err

    # Missing event file: configuration error, exit 2, one line.
    code, _, err = await run_subprocess(actions_env(gh, pypi, "issues", tmp_path / "missing.json"))
    assert code == 2
    assert err.startswith("recovery-bot: configuration error: ")


async def test_slash_commands_and_the_permission_check(
    fakes: tuple[FakeGitHub, FakePyPI], tmp_path: Path
) -> None:
    gh, pypi = fakes
    config = action_config(None, {"GITHUB_REPOSITORY": REPO})
    gh.add_user("contrib")
    n = gh.add_issue(
        REPO,
        title="Account recovery request",
        body="x",
        user="reporter",
        labels=["account-recovery"],
    )["number"]

    c = gh.add_comment(
        REPO, n, body='/label "typo email"', user="maintainer1", author_association="COLLABORATOR"
    )
    payload = gh.webhook_payload("issue_comment", "created", REPO, n, comment_id=c["id"])
    result = await run_action(
        config, actions_env(gh, pypi, "issue_comment", write_event(tmp_path, payload))
    )
    assert gh.labels(REPO, n) == ["account-recovery", "typo email"]
    assert [(r["user"]["login"], r["content"]) for r in gh.reactions(REPO, n, c["id"])] == [
        (ACTIONS_LOGIN, "+1")
    ]
    assert result.lines[0].startswith(f"issue_comment.created {REPO}#{n}: applied")

    # Someone without write access: the repository permission API says no (the
    # payload's author_association is not trusted), one refusal, nothing else.
    gh.reset_calls()
    c2 = gh.add_comment(REPO, n, body="/close", user="contrib", author_association="CONTRIBUTOR")
    payload = gh.webhook_payload("issue_comment", "created", REPO, n, comment_id=c2["id"])
    await run_action(config, actions_env(gh, pypi, "issue_comment", write_event(tmp_path, payload)))
    assert [(c.method, c.decoded_path) for c in gh.calls if "/permission" in c.path] == [
        ("GET", f"/repos/{REPO}/collaborators/contrib/permission")
    ]
    replies = [x["body"] for x in gh.comments(REPO, n) if x["user"]["login"] == ACTIONS_LOGIN]
    assert len(replies) == 1
    assert replies[0].startswith("Hi @contrib, thanks! Only PyPI's support team can use `/close`")
    assert gh.issue(REPO, n)["state"] == "open"

    # The bot's own comment (github-actions[bot]) never runs anything.
    mine = next(x for x in gh.comments(REPO, n) if x["user"]["login"] == ACTIONS_LOGIN)
    payload = gh.webhook_payload("issue_comment", "created", REPO, n, comment_id=mine["id"])
    gh.reset_calls()
    result = await run_action(
        config, actions_env(gh, pypi, "issue_comment", write_event(tmp_path, payload))
    )
    assert result.lines == [f"issue_comment.created {REPO}#{n}: ignored (comment by a bot)"]
    assert gh.writes() == []


async def test_schedule_sweeps_and_a_new_install_posts_no_digest(
    tmp_path: Path,
) -> None:
    now = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)  # a Wednesday; Monday's digest is owed
    config = parse_config({"repositories": [REPO], "bot": {"login": ACTIONS_LOGIN}})
    async with (
        FakeGitHub(tokens={TOKEN: ACTIONS_LOGIN}, bot_login=ACTIONS_LOGIN, now=lambda: now) as gh,
        FakePyPI({"alice": 3}) as pypi,
    ):
        seed_demo(gh, REPO, now)
        env = actions_env(gh, pypi, "schedule")

        # First run of a new install (Wednesday of W48): the sweep triages the issues
        # it missed; W47's digest is owed by the schedule but the bot saw none of W47.
        result = await run_action(config, env, now=now)
        assert result.retry == []
        assert [x for x in result.lines if x.startswith("digest ")] == ["digest 2026-W47: quiet"]
        assert digest_posts(gh) == []
        triaged = [x for x in result.lines if " triage: " in x]
        assert triaged and all(x.startswith(f"{REPO}#") for x in triaged)

        # Monday of W49: W48 began before the bot's first trace, still quiet.
        monday = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
        gh.now = lambda: monday
        result = await run_action(config, env, now=monday)
        assert [x for x in result.lines if x.startswith("digest ")] == ["digest 2026-W48: quiet"]

        # A week later the bot has watched all of W49: posted once, then left alone.
        later = monday + timedelta(days=7)
        gh.now = lambda: later
        result = await run_action(config, env, now=later)
        [line] = [x for x in result.lines if x.startswith("digest ")]
        number = digest_posts(gh)[0]
        assert line == f"digest 2026-W49: created #{number}"
        assert gh.issue(REPO, number)["title"] == digest_title(IsoWeek(2026, 49))
        gh.reset_calls()
        result = await run_action(config, env, now=later + timedelta(hours=1))
        assert f"digest 2026-W49: exists #{number}" in result.lines
        assert digest_posts(gh) == []


def digest_posts(gh: FakeGitHub) -> list[int]:
    """Numbers of the issues created through the API (only the digest creates issues)."""
    return [
        int(c.response["number"])
        for c in gh.writes()
        if c.method == "POST" and c.decoded_path == f"/repos/{REPO}/issues"
    ]


def test_action_config_defaults_and_missing_repository() -> None:
    config = action_config(None, {"GITHUB_REPOSITORY": "octo/repo"})
    assert list(config.repositories) == ["octo/repo"]
    assert config.bot.login == "github-actions[bot]"
    with pytest.raises(ConfigError, match="GITHUB_REPOSITORY"):
        action_config(None, {})


async def test_json_logs_one_object_a_line_with_the_delivery_fields(
    fakes: tuple[FakeGitHub, FakePyPI], tmp_path: Path
) -> None:
    gh, pypi = fakes
    payload = dict(load_samples(default_fixtures())[0])["03-username-not-found"]
    seed_issue(gh, payload)
    env = actions_env(gh, pypi, "issues", write_event(tmp_path, payload))
    code, out, err = await run_subprocess(env, "--log-format", "json")
    assert code == 0, err
    records = [json.loads(line) for line in err.splitlines()]  # every line is one object
    [done] = [r for r in records if "outcome" in r]
    assert {k: done[k] for k in ("level", "delivery", "event", "issue", "outcome")} == {
        "level": "INFO",
        "delivery": "actions-run-1234-1",
        "event": "issues.opened",
        "issue": 12403,
        "outcome": "applied",
    }
    assert done["time"].endswith("Z") and done["message"].startswith("delivery=actions-run")
    assert out.startswith("issues.opened pypi/support#12403: applied")

    # Plain stays the default: the same run again prints text lines, no JSON.
    code, _, err = await run_subprocess(env)
    assert code == 0
    assert err and not any(line.startswith("{") for line in err.splitlines())
    assert " INFO recovery_bot.action delivery=actions-run-1234-1 event=issues.opened " in err


async def test_app_credentials_in_a_workflow_find_the_installation_by_repository(
    fake_github_app: FakeGitHub, github_app_key: tuple[str, str], tmp_path: Path
) -> None:
    """Workflow payloads carry no installation: with App credentials (to comment as the
    App) the installation is looked up for the repository, as the sweep does."""
    _, users = load_samples(default_fixtures())
    payload = dict(load_samples(default_fixtures())[0])["01-complete-lost-2fa"]
    payload = {k: v for k, v in payload.items() if k != "installation"}
    seed_issue(fake_github_app, payload)
    config = parse_config({"repositories": [REPO]})
    async with FakePyPI(users) as pypi:
        env = actions_env(fake_github_app, pypi, "issues", write_event(tmp_path, payload))
        del env["GITHUB_TOKEN"]
        env.update({"GITHUB_APP_ID": "424242", "GITHUB_PRIVATE_KEY": github_app_key[0]})
        result = await run_action(config, env)
    assert result.lines == [
        f"issues.opened {REPO}#12401: applied (add labels ['lost 2fa']; create comment)"
    ]
    assert fake_github_app.labels(REPO, 12401) == EXPECTED_LABELS[12401]
    assert [c.decoded_path for c in fake_github_app.calls][:2] == [
        f"/repos/{REPO}/installation",
        "/app/installations/1/access_tokens",
    ]
