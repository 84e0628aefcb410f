"""The bot's real webhook server wired to the loopback fakes, for end-to-end tests.

``bot_server`` gives a running app (real HTTP on 127.0.0.1) whose GitHub is the
``fake_github`` fixture and whose PyPI is ``fake_pypi``; ``post`` sends a signed delivery.
Retry waits are shrunk so failure paths run in milliseconds.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

import pytest_asyncio

from recovery_bot.app import create_app, parse_config
from recovery_bot.core.config import AppConfig
from recovery_bot.platform.github import TokenAuth, webhook_signature
from recovery_bot.platform.server import BOT_KEY, Bot, Settings

SERVER_SECRET = "It's a Secret to Everybody"
SERVER_TOKEN = "ghs_test_token"
FAST_GITHUB = {"backoff_base": 0.01, "secondary_min_wait": 0.05, "max_wait": 2.0}


def bot_config(**overrides: Any) -> AppConfig:
    """The bot's config for tests: defaults, with retries measured in milliseconds."""
    data: dict[str, Any] = {
        "repositories": ["pypi/support"],
        "server": {"retry_failed_after": "20ms", "workers": 4, "max_attempts": 8},
        "github": {"max_retries": 3, "writes_per_minute": 100000, "writes_per_hour": 100000},
    }
    data.update(overrides)
    return parse_config(data, "test-app.yaml")


@dataclass
class BotServer:
    client: Any
    github: Any
    pypi: Any
    secret: str = SERVER_SECRET

    @property
    def bot(self) -> Bot:
        return self.client.server.app[BOT_KEY]

    async def post(
        self,
        event: str,
        payload: Any,
        *,
        guid: str | None = None,
        sign: bool = True,
        raw: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, dict[str, Any]]:
        body = raw if raw is not None else json.dumps(payload).encode()
        h = {
            "Content-Type": "application/json",
            "X-GitHub-Event": event,
            "X-GitHub-Delivery": guid or str(uuid.uuid4()),
        }
        if sign:
            h["X-Hub-Signature-256"] = webhook_signature(self.secret, body)
        h.update(headers or {})
        resp = await self.client.post("/webhook", data=body, headers=h)
        try:
            answer = await resp.json()
        except Exception:
            answer = {"text": await resp.text()}
        return resp.status, answer

    async def settle(self, timeout: float = 20.0) -> None:
        await self.bot.wait_idle(timeout)


async def start_bot_server(
    aiohttp_client: Any,
    fake_github: Any,
    fake_pypi: Any,
    db_path: str,
    config: AppConfig | None = None,
    **app_kwargs: Any,
) -> BotServer:
    settings = Settings(
        webhook_secret=SERVER_SECRET,
        github_api_url=fake_github.url,
        pypi_url=fake_pypi.url,
        db_path=db_path,
        auth=TokenAuth(SERVER_TOKEN),
    )
    app = create_app(
        config or bot_config(),
        settings,
        run_jobs=False,
        github_options=FAST_GITHUB,
        **app_kwargs,
    )
    client = await aiohttp_client(app)
    return BotServer(client, fake_github, fake_pypi)


@pytest_asyncio.fixture
async def bot_server(aiohttp_client, fake_github, fake_pypi, tmp_path) -> BotServer:
    return await start_bot_server(
        aiohttp_client, fake_github, fake_pypi, str(tmp_path / "journal.sqlite3")
    )
