"""Exceptions shared across modules.

``ConfigError`` carries the file, the dotted key and what is wrong, because an operator
who mistyped app.yaml must be able to fix it from the one line the bot prints at start-up.
"""

from __future__ import annotations


class ConfigError(Exception):
    """app.yaml (or an environment variable) is wrong; start-up must stop."""

    def __init__(self, file: str, key: str, message: str) -> None:
        self.file = file
        self.key = key
        self.message = message
        super().__init__(f"{file}: {key}: {message}")


class JournalError(RuntimeError):
    """The journal file cannot be used as it is (written by a newer version, no WAL, no
    upgrade path); start-up must stop. The message is one line naming the file, for the
    CLI to print as is. Defined here, not in ``journal``, so the CLI can catch it without
    importing sqlite3 for every command."""
