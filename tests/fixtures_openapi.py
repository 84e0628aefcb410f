"""Every REST request the bot sends in any test is held to GitHub's OpenAPI description.

Autouse: each FakeGitHub started during a test records the requests made with the bot's
User-Agent (``recovery_bot.USER_AGENT``; tests' own gidgethub clients use other agents and
may send bodies GitHub refuses on purpose), and the test fails at teardown if one of them
names an operation the vendored description lacks or sends a body its request schema
refuses (``recovery_bot.sandbox.rest_check``). So the end-to-end tests (triage, slash
commands, sweeps, digest, demo) double as the check that the bot's writes are ones GitHub
takes, and a new REST call fails until ``tools/refresh_schemas.py`` vendors it.
"""

from __future__ import annotations

from collections.abc import Iterator as _Iterator
from typing import Any as _Any

import pytest as _pytest

from recovery_bot import USER_AGENT as _USER_AGENT
from recovery_bot.sandbox import fake_github as _fake_github
from recovery_bot.sandbox.rest_check import problems as _problems


class _Recording(list[_Any]):
    """The fake's ``calls`` list, copying each call to the checker as it is recorded (tests
    may clear ``calls`` before the check runs)."""

    def __init__(self, items: list[_Any], sink: list[_Any]) -> None:
        super().__init__(items)
        self.sink = sink
        sink.extend(items)

    def append(self, item: _Any) -> None:
        self.sink.append(item)
        super().append(item)


def bot_rest_problems(calls: list[_Any]) -> list[str]:
    """What GitHub's description says is wrong with the bot's REST requests in ``calls``."""
    found: list[str] = []
    for call in calls:
        if call.path == "/graphql" or call.headers.get("user-agent") != _USER_AGENT:
            continue
        found += _problems(call.method, call.path, call.json)
    return found


@_pytest.fixture(autouse=True)
def bot_requests_match_openapi(monkeypatch: _pytest.MonkeyPatch) -> _Iterator[list[_Any]]:
    """Yields the list of every call (any agent) the test's fakes recorded."""
    seen: list[_Any] = []
    start = _fake_github.FakeGitHub.start

    async def recording_start(self: _fake_github.FakeGitHub, *a: _Any, **kw: _Any) -> str:
        self.calls = _Recording(self.calls, seen)
        return await start(self, *a, **kw)

    monkeypatch.setattr(_fake_github.FakeGitHub, "start", recording_start)
    yield seen
    found = bot_rest_problems(seen)
    assert not found, "the bot sent requests GitHub's OpenAPI description refuses:\n" + "\n".join(
        dict.fromkeys(found)
    )
