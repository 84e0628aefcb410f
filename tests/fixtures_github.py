"""Fixtures for the loopback GitHub: a real server on 127.0.0.1 plus clients pointed at it.

Loaded by conftest.py (every public name here becomes visible to all tests), so imports
are underscored to keep them out of the shared namespace.
"""

from __future__ import annotations

from collections.abc import AsyncIterator as _AsyncIterator

import aiohttp as _aiohttp
import pytest as _pytest
import pytest_asyncio as _pytest_asyncio
from cachetools import LRUCache as _LRUCache
from cryptography.hazmat.primitives import serialization as _serialization
from cryptography.hazmat.primitives.asymmetric import rsa as _rsa
from gidgethub.aiohttp import GitHubAPI as _GitHubAPI

from recovery_bot.sandbox.fake_github import FakeGitHub

#: The repository every ``fake_github`` starts with.
GITHUB_REPO = "pypi/support"
#: Its collaborators (login -> permission), covering write, admin and a too-weak role.
GITHUB_COLLABORATORS: dict[str, str] = {
    "maintainer1": "write",
    "admin1": "admin",
    "triager": "triage",
}
#: The App id ``fake_github_app`` verifies JWTs against.
GITHUB_APP_ID = "424242"


@_pytest_asyncio.fixture
async def fake_github() -> _AsyncIterator[FakeGitHub]:
    """A started FakeGitHub with ``pypi/support`` and :data:`GITHUB_COLLABORATORS`.

    Any token is accepted and acts as the bot (``recovery-bot[bot]``).
    """
    async with FakeGitHub() as fake:
        fake.add_repo(GITHUB_REPO, collaborators=GITHUB_COLLABORATORS)
        yield fake


@_pytest_asyncio.fixture
async def fake_github_api(fake_github: FakeGitHub) -> _AsyncIterator[_GitHubAPI]:
    """A gidgethub client (token auth, LRU ETag cache) talking to ``fake_github``."""
    async with _aiohttp.ClientSession() as session:
        yield _GitHubAPI(
            session,
            "recovery-bot-tests",
            oauth_token="test-token",
            cache=_LRUCache(maxsize=500),
            base_url=fake_github.url,
        )


@_pytest.fixture(scope="session")
def github_app_key() -> tuple[str, str]:
    """A fresh RSA key pair as PEM text: ``(private_key, public_key)``; made once per run."""
    key = _rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        _serialization.Encoding.PEM,
        _serialization.PrivateFormat.PKCS8,
        _serialization.NoEncryption(),
    ).decode()
    public = (
        key.public_key()
        .public_bytes(_serialization.Encoding.PEM, _serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


@_pytest_asyncio.fixture
async def fake_github_app(github_app_key: tuple[str, str]) -> _AsyncIterator[FakeGitHub]:
    """Like ``fake_github`` but in App mode: JWTs must be signed by ``github_app_key``
    with ``iss == GITHUB_APP_ID``, and only minted installation tokens are accepted."""
    async with FakeGitHub(
        tokens={}, app_id=GITHUB_APP_ID, app_public_key=github_app_key[1]
    ) as fake:
        fake.add_repo(GITHUB_REPO, collaborators=GITHUB_COLLABORATORS)
        yield fake
