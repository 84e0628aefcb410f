"""PyPI's username rule (core.pypi_user.is_valid_username): warehouse's pattern, ASCII only,
1 to 50 characters. The PyPI client never puts a name that fails it into a URL."""

from __future__ import annotations

from typing import Any

import pytest

from recovery_bot.core.pypi_user import MAX_USERNAME_LENGTH, is_valid_username


@pytest.mark.parametrize(
    "name",
    ["a", "Z", "7", "ab", "a.b-c_d", "A1", "a" * MAX_USERNAME_LENGTH, "x" + "-" * 48 + "y"],
)
def test_valid_usernames(name: str) -> None:
    assert is_valid_username(name) is True


@pytest.mark.parametrize(
    "name",
    [
        "",
        "a" * (MAX_USERNAME_LENGTH + 1),
        "-a",
        "a-",
        ".a",
        "a_",
        "_",
        "a b",
        "a@b",
        "a\n",
        "\na",
        "é",
        "aé",
        "ａ",
        None,
        5,
        b"alice",
    ],
)
def test_invalid_usernames(name: Any) -> None:
    assert is_valid_username(name) is False
