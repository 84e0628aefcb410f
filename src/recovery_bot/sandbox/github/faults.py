"""Fault injection: answer matching requests with an error status, hold them for a while,
or answer with GitHub's primary or secondary rate-limit responses.

Faults are matched by method and fnmatch path glob, in the order they were added, before
authentication; the server (:mod:`recovery_bot.sandbox.github.server`) applies them.
This is how the tests reach the bot's retry, back-off and journal-replay paths.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from recovery_bot.sandbox.github.model import Fault
from recovery_bot.sandbox.github.store import GitHubStore

SECONDARY_LIMIT_MESSAGE = (
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try "
    "again. If you reach out to GitHub Support for help, please include the request ID "
)


class Faults(GitHubStore):
    """Fault injection: errors, delays and rate-limit answers for matching requests."""

    def fail(
        self,
        method: str,
        path_pattern: str,
        *,
        status: int,
        times: int | None = 1,
        headers: Mapping[str, str] | None = None,
        body: Any = None,
    ) -> None:
        """Answer the next ``times`` matching requests (``None``: all) with ``status``.

        ``path_pattern`` is an fnmatch glob tried on both the raw and the decoded path;
        ``method`` may be ``"*"``. ``body`` defaults to ``{"message": <reason>}``; a ``str``
        body is sent as ``text/html`` (GitHub's 502 pages are HTML). Faults are checked
        before authentication and in the order they were added.
        """
        self._faults.append(
            Fault(
                method,
                path_pattern,
                times,
                status,
                {k.lower(): v for k, v in (headers or {}).items()},
                body,
            )
        )

    def delay(
        self,
        method: str,
        path_pattern: str,
        seconds: float,
        times: int | None = 1,
        *,
        after: bool = False,
    ) -> None:
        """Hold matching requests for ``seconds``; ``after=True`` applies the change first
        and delays only the answer (the case where a client times out on a write that
        GitHub did perform)."""
        self._delays.append(Fault(method, path_pattern, times, seconds=seconds, after=after))

    def fail_secondary_rate_limit(
        self,
        method: str,
        path_pattern: str,
        *,
        retry_after: int | None = 1,
        times: int | None = 1,
        status: int = 403,
    ) -> None:
        """A secondary-limit answer: 403 (or 429), remaining > 0, optional ``retry-after``.

        gidgethub raises ``BadRequest`` (not ``RateLimitExceeded``) and puts the headers
        on ``exc.headers``.
        """
        headers = {"retry-after": str(retry_after)} if retry_after is not None else {}
        body = {
            "message": SECONDARY_LIMIT_MESSAGE + "0000:FAKE:0000000:0000000:00000000.",
            "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits",
        }
        self.fail(method, path_pattern, status=status, times=times, headers=headers, body=body)

    def fail_primary_rate_limit(
        self,
        method: str,
        path_pattern: str,
        *,
        reset_in: int = 60,
        times: int | None = 1,
        status: int = 403,
    ) -> None:
        """A primary-limit answer: ``x-ratelimit-remaining: 0`` and a reset ``reset_in`` s
        after the fake's clock. gidgethub raises ``RateLimitExceeded`` for the 403."""
        reset = int(self._now().timestamp()) + reset_in
        headers = {
            "x-ratelimit-remaining": "0",
            "x-ratelimit-reset": str(reset),
            "x-ratelimit-limit": "5000",
            "x-ratelimit-used": "5000",
        }
        body = {
            "message": f"API rate limit exceeded for installation ID {self.installation_id}.",
            "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api",
        }
        self.fail(method, path_pattern, status=status, times=times, headers=headers, body=body)

    def clear_faults(self) -> None:
        self._faults.clear()
        self._delays.clear()
