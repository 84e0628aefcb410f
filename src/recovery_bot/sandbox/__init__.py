"""Loopback stand-ins for the services the bot talks to.

They live in the package, not only under ``tests/``, because ``recovery-bot demo`` runs the
real bot against them (sandbox mode), and because every test suite shares them. Each one is
a real aiohttp server on 127.0.0.1: the bot's real HTTP clients (gidgethub, aiohttp) are
exercised end to end, which an in-process mock of ``GitHubAPI`` would not do.
"""

from __future__ import annotations

from recovery_bot.sandbox.github import Call, FakeGitHub

__all__ = ["Call", "FakeGitHub"]
