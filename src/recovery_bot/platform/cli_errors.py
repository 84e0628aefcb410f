"""How the command-line tools fail: exit codes, the one-line message, and GitHub errors.

Shared by every subcommand, so an operator's script sees the same codes and the same
``recovery-bot <command>: <what>`` line whichever command failed.
"""

from __future__ import annotations

import sys
from collections.abc import Coroutine
from typing import Any, TypeVar

EXIT_ERROR = 1
EXIT_USAGE = 2

T = TypeVar("T")


def fail(cmd: str, message: str, code: int) -> int:
    """Print ``recovery-bot <cmd>: <message>`` to stderr; returns ``code`` to exit with."""
    print(f"recovery-bot {cmd}: {message}", file=sys.stderr)
    return code


def run_against_github(cmd: str, coro: Coroutine[Any, Any, T]) -> T | int:
    """Run ``coro``; GitHub being down or refusing becomes one line and ``EXIT_ERROR``
    (returned, like the other failures, for the caller to exit with).

    GitHub's modules are imported here, not at the top: every command imports this
    module, and ``inspect`` should not pay for gidgethub (90 -> 325 ms at start-up) or
    asyncio (~45 ms).
    """
    import asyncio

    import gidgethub

    from recovery_bot.platform.github import GitHubUnavailable

    try:
        return asyncio.run(coro)
    except GitHubUnavailable as exc:
        return fail(cmd, f"GitHub unavailable: {exc}", EXIT_ERROR)
    except gidgethub.GitHubException as exc:
        return fail(cmd, f"GitHub refused: {exc}", EXIT_ERROR)
