"""What the rules need to know about a PyPI account, and PyPI's username rule.

Shared by the PyPI client (``platform.pypi``, which builds :class:`PyPIUser` and never
puts an invalid name in a URL) and the pure decision (``intake.decision``), so the
rules never import the HTTP client.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

__all__ = ["MAX_USERNAME_LENGTH", "USERNAME_RE", "LookupStatus", "PyPIUser", "is_valid_username"]

LookupStatus = Literal["found", "not_found", "unknown"]

# warehouse/accounts/models.py users_valid_username (case-insensitive) + length <= 50.
USERNAME_RE = re.compile(r"\A(?:[A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9._-]*[A-Za-z0-9])\Z")
MAX_USERNAME_LENGTH = 50


def is_valid_username(name: str) -> bool:
    """True when ``name`` satisfies PyPI's username constraint (ASCII only, <= 50 chars)."""
    return (
        isinstance(name, str)
        and len(name) <= MAX_USERNAME_LENGTH  # the pattern needs one character at least
        and name.isascii()
        and USERNAME_RE.match(name) is not None
    )


@dataclass(frozen=True)
class PyPIUser:
    """The answer to "does this PyPI account exist?" as the triage rules need it."""

    status: LookupStatus
    #: What the caller asked for, in the caller's spelling.
    username: str
    #: The spelling PyPI uses (learnt from the case redirect); None unless found.
    canonical: str | None = None
    #: Projects listed on the profile; None if found but unparseable, or not found/unknown.
    project_count: int | None = None
    #: Why the answer is unknown ("HTTP 503", "timeout", "connection refused", ...).
    detail: str = ""
    #: True when answered from the cache rather than by a request made for this call.
    cached: bool = False
