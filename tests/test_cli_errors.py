"""The command-line tools' shared failure handling: codes and the one stderr line."""

from __future__ import annotations

from http import HTTPStatus

import gidgethub
import pytest

from recovery_bot.platform.cli_errors import EXIT_ERROR, EXIT_USAGE, fail, run_against_github
from recovery_bot.platform.github import GitHubUnavailable


def test_fail_prints_one_line_and_returns_the_code(capsys):
    assert fail("sla", "bad --repo 'x'", EXIT_USAGE) == 2
    assert capsys.readouterr().err == "recovery-bot sla: bad --repo 'x'\n"


async def _returns():
    return ["row"]


async def _raises(exc: Exception):
    raise exc


def test_result_is_returned_as_is():
    assert run_against_github("sla", _returns()) == ["row"]


@pytest.mark.parametrize(
    ("exc", "line"),
    [
        (
            GitHubUnavailable("502 from GitHub"),
            "recovery-bot sweep: GitHub unavailable: 502 from GitHub\n",
        ),
        (
            gidgethub.BadRequest(HTTPStatus(404), "Not Found"),
            "recovery-bot sweep: GitHub refused: Not Found\n",
        ),
    ],
)
def test_github_errors_become_one_line_and_exit_error(capsys, exc, line):
    assert run_against_github("sweep", _raises(exc)) == EXIT_ERROR == 1
    assert capsys.readouterr().err == line
