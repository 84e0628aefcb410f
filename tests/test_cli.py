"""``recovery-bot inspect`` and start-up errors, run as real subprocesses."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BODY = (
    "### PyPI Username\n\n`Alice`\n\n### Reason for request\n\nThe company that owned my "
    "e-mail domain shut down.\n\n### Recovery Codes\n\n- [X] I never generated or have lost "
    "access to the recovery codes for my account\n\n### Code of Conduct\n\n- [X] I agree to "
    "follow the PSF Code of Conduct\n\n### Acknowledgement\n\n- [ ] I understand that it may "
    "take a significant amount of time to process my account recovery request."
)


def run_cli(
    *args: str, stdin: str | None = None, cwd: Path | None = None, env: dict | None = None
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "recovery_bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd or ROOT,
        timeout=60,
        env={**os.environ, **(env or {})},
    )


def test_inspect_offline_prints_one_json_object():
    out = run_cli("inspect", "--offline", "-", stdin=BODY)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report == {
        "form": "account-recovery",
        "generation": "current",
        "username": "Alice",
        "username_problem": None,
        "username_exists": None,
        "canonical_username": None,
        "project_count": None,
        "unchecked_required": ["Acknowledgement"],
        "missing_sections": [],
        "empty_required": [],
        "reason": "lost_email",
        "mentions_having_recovery_codes": False,
        "recovery_codes_fail": False,
        "contains_email_address": False,
        "topics": [],
        "situation": "lost_email",
        "labels": ["needs more info", "lost email"],
        "labels_removed_if_set_by_bot": [
            "confirmation email not received",
            "email address posted",
            "has recovery codes",
            "lost 2fa",
            "security issue",
            "test pypi issue",
            "unverified email",
        ],
        "comment": report["comment"],
    }
    assert (
        '- **Acknowledgement**: please tick the box "I understand that it may take a '
        'significant amount of time to process my account recovery request." (in the issue '
        "text, change `- [ ]` to `- [x]`)."
    ) in report["comment"]


async def test_inspect_looks_the_user_up_on_pypi(fake_pypi, tmp_path):
    fake_pypi.add_user("alice", 0)
    path = tmp_path / "body.md"
    path.write_text(BODY)
    out = await asyncio.to_thread(
        run_cli,
        "inspect",
        "--pypi-url",
        fake_pypi.url,
        "--title",
        "Account recovery request",
        "--label",
        "account-recovery",
        str(path),
    )
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert (report["username_exists"], report["canonical_username"], report["project_count"]) == (
        True,
        "alice",
        0,
    )
    assert report["labels"] == ["needs more info", "lost email", "no projects"]
    assert fake_pypi.requests == ["/user/Alice/", "/user/alice/"]


async def test_inspect_with_pypi_down_says_null_not_false(fake_pypi, tmp_path):
    await fake_pypi.go_down()
    out = await asyncio.to_thread(run_cli, "inspect", "--pypi-url", fake_pypi.url, "-", stdin=BODY)
    report = json.loads(out.stdout)
    assert report["username_exists"] is None
    assert "username not found" not in report["labels"]


def test_inspect_other_form():
    out = run_cli(
        "inspect",
        "--offline",
        "-",
        stdin="### Project URL\n\nhttps://pypi.org/"
        "project/x\n\n### New Limit\n\n200 MiB\n\n### Reasons for the request\n\nbig",
    )
    report = json.loads(out.stdout)
    assert (
        report["form"],
        report["username"],
        report["reason"],
        report["labels"],
        report["comment"],
    ) == ("limit-request-file", None, "unclear", [], None)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["inspect", "--offline", "/no/such/file.md"], "/no/such/file.md: No such file"),
        (["inspect", "--offline", "."], "Is a directory"),
    ],
)
def test_inspect_bad_file_is_one_line_and_nonzero(args, message):
    out = run_cli(*args)
    assert out.returncode != 0
    assert message in out.stderr
    assert "Traceback" not in out.stderr
    assert out.stdout == ""


def test_inspect_binary_file(tmp_path):
    path = tmp_path / "bin.md"
    path.write_bytes(b"\xff\xfe\x00garbage")
    out = run_cli("inspect", "--offline", str(path))
    assert out.returncode == 1
    assert "not UTF-8 text" in out.stderr and "Traceback" not in out.stderr


@pytest.mark.parametrize(
    ("yaml_text", "message"),
    [
        ("repositories: [pypi/support]\nlables: {}\n", "app.yaml: lables: unknown key"),
        (
            "repositories: [pypi/support]\npypi: {timeout: soon}\n",
            "app.yaml: pypi.timeout: expected a duration",
        ),
        ("repositories: []\n", "app.yaml: repositories: must name at least one owner/repo"),
        ("repositories: [pypi/support]\nbot: [1]\n", "app.yaml: bot: must be a mapping"),
        ("repositories: [pypi/support\n", "app.yaml: line 2: is not valid YAML"),
    ],
)
def test_bad_app_yaml_stops_start_up_with_file_key_and_reason(tmp_path, yaml_text, message):
    (tmp_path / "app.yaml").write_text(yaml_text)
    out = run_cli(
        "serve",
        "--config",
        "app.yaml",
        cwd=tmp_path,
        env={"GITHUB_WEBHOOK_SECRET": "s", "GITHUB_TOKEN": "t"},
    )
    assert out.returncode == 2
    last = out.stderr.strip().splitlines()[-1]
    assert last.startswith("recovery-bot: configuration error: app.yaml: ")
    assert message in last
    assert "Traceback" not in out.stderr


def test_serve_refuses_to_start_without_a_webhook_secret(tmp_path):
    (tmp_path / "app.yaml").write_text("repositories: [pypi/support]\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
    out = subprocess.run(
        [sys.executable, "-m", "recovery_bot", "serve", "--config", "app.yaml"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**env, "GITHUB_TOKEN": "t"},
        timeout=60,
    )
    assert out.returncode == 2
    assert "environment: GITHUB_WEBHOOK_SECRET: is required" in out.stderr


def test_half_configured_app_mode_is_refused(tmp_path):
    (tmp_path / "app.yaml").write_text("repositories: [pypi/support]\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
    out = subprocess.run(
        [sys.executable, "-m", "recovery_bot", "serve", "--config", "app.yaml"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
        env={**env, "GITHUB_WEBHOOK_SECRET": "s", "GITHUB_APP_ID": "1"},
    )
    assert out.returncode == 2
    assert "environment: GITHUB_" in out.stderr and "Traceback" not in out.stderr
