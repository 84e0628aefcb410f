"""``recovery-bot sla`` and ``recovery-bot sweep``: the table/JSON, credentials without a
webhook secret, and both commands end to end against the sandbox fakes."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from recovery_bot import cli
from recovery_bot.app import parse_config
from recovery_bot.core.errors import ConfigError
from recovery_bot.platform.github import TokenAuth, WriteBudget
from recovery_bot.platform.server import Settings
from recovery_bot.sandbox.fake_github import FakeGitHub
from recovery_bot.sandbox.fake_pypi import FakePyPI
from recovery_bot.sla.cli import (
    STATE_ORDER,
    cli_settings,
    open_bot,
    read_clocks,
    render_table,
    seed_demo,
    sla_rows,
)
from recovery_bot.sla.sweep import run_sweep

NOW = datetime(2026, 9, 1, 12, 0, tzinfo=UTC)
REPO = "pypi/support"
CREDENTIAL_VARS = (
    "GITHUB_TOKEN",
    "GITHUB_APP_ID",
    "GITHUB_PRIVATE_KEY",
    "GITHUB_PRIVATE_KEY_PATH",
    "GITHUB_WEBHOOK_SECRET",
)


@pytest.fixture
def config_file(tmp_path: Path) -> str:
    path = tmp_path / "app.yaml"
    path.write_text("repositories: [pypi/support]\n")
    return str(path)


@pytest.fixture
def no_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in CREDENTIAL_VARS:
        monkeypatch.delenv(var, raising=False)


def test_settings_need_credentials_but_no_webhook_secret() -> None:
    s = cli_settings({"GITHUB_TOKEN": "ghs_x", "GITHUB_API_URL": "https://ghe/api/v3"})
    assert isinstance(s.auth, TokenAuth) and s.github_api_url == "https://ghe/api/v3"
    assert s.pypi_url == "https://pypi.org"
    with pytest.raises(ConfigError, match="GITHUB_TOKEN"):
        cli_settings({"GITHUB_WEBHOOK_SECRET": "s"})


@pytest.mark.parametrize("cmd", ["sla", "sweep"])
def test_commands_without_credentials_fail_with_one_line(
    cmd: str, config_file: str, no_credentials: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main([cmd, "--config", config_file]) == 2
    err = capsys.readouterr().err
    assert "GITHUB_TOKEN" in err and "Traceback" not in err


def test_bad_repo_is_a_usage_error(config_file: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["sla", "--sandbox", "--config", config_file, "--repo", "nope"]) == 2
    assert "owner/name" in capsys.readouterr().err


async def test_sla_table_and_rows_from_github_at_a_fixed_time(
    fake_github: FakeGitHub, fake_pypi: FakePyPI
) -> None:
    seed_demo(fake_github, REPO, NOW)
    config = parse_config({"repositories": [REPO]}, "t.yaml")
    settings = Settings(github_api_url=fake_github.url, pypi_url=fake_pypi.url, auth=TokenAuth("t"))
    async with open_bot(config, settings) as bot:
        rows = sla_rows(await read_clocks(bot, REPO, NOW), NOW, REPO)
    got = [(r["number"], r["whose_move"], r["state"], r["due"], r["due_in"]) for r in rows]
    assert got == [
        (3, "maintainers", "overdue", "2026-08-27T12:00:00+00:00", "5d ago"),
        (6, "maintainers", "overdue", "2026-08-30T12:00:00+00:00", "2d ago"),
        (2, "maintainers", "due_soon", "2026-09-02T00:00:00+00:00", "in 12h"),
        (5, "reporter", "reminder_due", None, None),
        (1, "maintainers", "ok", "2026-09-07T12:00:00+00:00", "in 6d"),
        (4, "reporter", "waiting_on_reporter", "2026-09-07T12:00:00+00:00", "in 6d"),
    ]
    assert rows[0]["age_days"] == 12.0 and rows[0]["form"] == "account-recovery"
    assert rows[0]["url"] == "https://github.com/pypi/support/issues/3"
    out = io.StringIO()
    render_table(rows, out)
    lines = out.getvalue().splitlines()
    assert lines[0].split() == ["#", "age", "whose", "move", "due", "(UTC)", "state", "form"]
    assert lines[1].split() == [
        "3",
        "12.0d",
        "maintainers",
        "2026-08-27",
        "12:00",
        "(5d",
        "ago)",
        "overdue",
        "account-recovery",
    ]
    assert len(lines) == 7


def test_state_order_covers_every_state() -> None:
    from typing import get_args

    from recovery_bot.core.snapshot import ClockState

    assert set(STATE_ORDER) == set(get_args(ClockState))


async def test_a_cli_bot_sweeps_without_a_server(
    fake_github: FakeGitHub, fake_pypi: FakePyPI
) -> None:
    fake_github.now = lambda: NOW
    seed_demo(fake_github, REPO, NOW)
    config = parse_config({"repositories": [REPO]}, "t.yaml")
    settings = Settings(github_api_url=fake_github.url, pypi_url=fake_pypi.url, auth=TokenAuth("t"))
    async with open_bot(config, settings, budget=WriteBudget(1000, 1000)) as bot:
        report = await run_sweep(bot, now=NOW, dry_run=False)
        assert report.writes > 0 and not report.errors
        fake_github.reset_calls()
        assert (await run_sweep(bot, now=NOW, dry_run=False)).writes == 0
    assert fake_github.writes() == []
    assert "sla: overdue" in fake_github.labels(REPO, 3)


def test_sla_json_in_the_sandbox(config_file: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["sla", "--sandbox", "--json", "--config", config_file]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["state"] for r in rows] == [
        "overdue",
        "overdue",
        "due_soon",
        "reminder_due",
        "ok",
        "waiting_on_reporter",
    ]
    assert {"number", "age_days", "whose_move", "due", "state"} <= set(rows[0])


def test_sweep_dry_run_in_the_sandbox_prints_would_be_writes(
    config_file: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["sweep", "--sandbox", "--dry-run", "--config", config_file]) == 0
    cap = capsys.readouterr()
    lines = cap.out.splitlines()
    assert lines and all(line.startswith("pypi/support#") and ": would " in line for line in lines)
    assert "pypi/support#3 sla: would add labels ['sla: overdue']" in lines
    assert "pypi/support#5 sla: would post reply" in lines
    assert "sla sweep (dry run)" in cap.err


def test_parser_knows_the_commands() -> None:
    args = cli.build_parser().parse_args(["sweep", "--dry-run", "--repo", "a/b"])
    assert args.dry_run and args.repo == ["a/b"]
    args = cli.build_parser().parse_args(["sla", "--json"])
    assert args.json and args.repo is None
