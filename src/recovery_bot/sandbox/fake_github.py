"""The fake GitHub's former home, kept so existing imports keep working.

The fake now lives in the :mod:`recovery_bot.sandbox.github` package, split along its
sections (REST, GraphQL, App, faults, server); import from there in new code.
"""

from __future__ import annotations

from recovery_bot.sandbox.github import BODY_LIMIT, Call, FakeGitHub

__all__ = ["BODY_LIMIT", "Call", "FakeGitHub"]
