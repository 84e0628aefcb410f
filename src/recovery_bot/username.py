"""PyPI username rules: what a valid name is (warehouse's own rule) and how to read one
out of what people type in the "PyPI Username" field.

Validity is checked before a name ever reaches a URL: the string comes from an untrusted
issue body.
"""

from __future__ import annotations

import re

# warehouse/accounts/models.py users_valid_username (case-insensitive) + length <= 50.
USERNAME_RE = re.compile(r"\A(?:[A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9._-]*[A-Za-z0-9])\Z")
MAX_USERNAME_LENGTH = 50


def is_valid_username(name: str) -> bool:
    """True when ``name`` satisfies PyPI's username constraint (ASCII only, <= 50 chars)."""
    return (
        isinstance(name, str)
        and 0 < len(name) <= MAX_USERNAME_LENGTH
        and name.isascii()
        and USERNAME_RE.match(name) is not None
    )
