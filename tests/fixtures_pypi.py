"""Fixtures for the loopback PyPI: a real server on 127.0.0.1 and a client pointed at it.

Loaded by conftest.py, so any test can ask for ``fake_pypi`` or ``pypi_client``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest_asyncio

from recovery_bot.platform.pypi import PyPIClient
from recovery_bot.sandbox.fake_pypi import FakePyPI

#: Canonical spellings and project counts the fake starts with. They cover the cases the
#: triage rules care about: several projects, zero (fast lane), one (singular heading),
#: and each of the separators PyPI does not normalize.
PYPI_USERS: dict[str, int] = {
    "alice": 3,
    "Bob-Smith": 0,
    "carol_dev": 12,
    "dave.k": 1,
}


@pytest_asyncio.fixture
async def fake_pypi() -> AsyncIterator[FakePyPI]:
    """A started FakePyPI with :data:`PYPI_USERS`; closed after the test."""
    async with FakePyPI(PYPI_USERS) as server:
        yield server


@pytest_asyncio.fixture
async def pypi_client(fake_pypi: FakePyPI) -> AsyncIterator[PyPIClient]:
    """A PyPIClient on its own ClientSession, talking to ``fake_pypi``."""
    async with aiohttp.ClientSession() as session:
        client = PyPIClient(session, fake_pypi.url)
        yield client
        await client.aclose()
