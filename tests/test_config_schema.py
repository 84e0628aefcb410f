"""The config schema mechanism (core.config): keys, readers, bounds and checks come from
the section dataclasses' fields, and every error stays one "file: dotted.key: what" line.

The table pins the core sections' messages word for word (they are what an operator sees
at start-up); the features' sections have their own tables (test_sla_config,
test_commands_config, test_digest)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from recovery_bot.app import parse_config
from recovery_bot.core.config import (
    AppConfig,
    BotConfig,
    GitHubConfig,
    LabelsConfig,
    MaintainersConfig,
    PyPIConfig,
    Section,
    ServerConfig,
    keys,
    read_section,
    setting,
)
from recovery_bot.core.errors import ConfigError

REPO = {"repositories": ["pypi/support"]}

CORE_ERRORS: list[tuple[dict[str, Any], str, str]] = [
    ({}, "repositories", "is required"),
    ({"repositories": ["pypi"]}, "repositories", "'pypi' is not of the form owner/repo"),
    ({**REPO, "bot": {"login": "a b"}}, "bot.login", "'a b' is not a GitHub login"),
    ({**REPO, "bot": {"login": 3}}, "bot.login", "must be a string, got int"),
    ({**REPO, "bot": {"marker": " "}}, "bot.marker", "must not be empty"),
    (
        {**REPO, "bot": {"marker": "Bot"}},
        "bot.marker",
        "must be lower-case letters, digits and '-' (it goes in an HTML comment)",
    ),
    ({**REPO, "bot": {"support_email": "x"}}, "bot.support_email", "must be an e-mail address"),
    ({**REPO, "bot": {"dry_run": "yes"}}, "bot.dry_run", "must be true or false, got 'yes'"),
    (
        {**REPO, "bot": {"lgoin": "x"}},
        "bot.lgoin",
        "unknown key (known keys: dry_run, login, marker, security_email, support_email)",
    ),
    (
        {**REPO, "maintainers": {"users": ["a b"]}},
        "maintainers.users",
        "'a b' is not a GitHub login",
    ),
    (
        {**REPO, "maintainers": {"teams": ["pypi"]}},
        "maintainers.teams",
        "'pypi' is not of the form org/team-slug",
    ),
    (
        {**REPO, "maintainers": {"users": [""]}},
        "maintainers.users",
        "must be a list of non-empty strings",
    ),
    (
        {**REPO, "maintainers": {"permission_cache_ttl": "0s"}},
        "maintainers.permission_cache_ttl",
        "must be longer than zero",
    ),
    (
        {**REPO, "labels": {"security": "Lost 2FA"}},
        "labels.security",
        "label 'Lost 2FA' is also used for lost_2fa",
    ),
    ({**REPO, "pypi": {"cache_size": 0}}, "pypi.cache_size", "must be at least 1, got 0"),
    ({**REPO, "pypi": {"cache_size": 1.5}}, "pypi.cache_size", "must be a whole number, got 1.5"),
    ({**REPO, "pypi": {"cache_size": True}}, "pypi.cache_size", "must be a whole number, got True"),
    ({**REPO, "github": {"max_retries": 21}}, "github.max_retries", "must be at most 20, got 21"),
    (
        {**REPO, "github": {"redeliver_window": "4d"}},
        "github.redeliver_window",
        "GitHub keeps deliveries for 3 days at most",
    ),
    ({**REPO, "server": {"workers": 65}}, "server.workers", "must be at most 64, got 65"),
    (
        {**REPO, "server": {"max_body_bytes": 10_000_000, "max_unverified_bytes": 5_000_000}},
        "server.max_unverified_bytes",
        "must be at least max_body_bytes (10000000), or a delivery of that size could never "
        "be read",
    ),
    ({**REPO, "server": [1]}, "server", "must be a mapping"),
]


@pytest.mark.parametrize(("data", "key", "message"), CORE_ERRORS)
def test_core_sections_name_the_key_and_the_problem(
    data: dict[str, Any], key: str, message: str
) -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(data)
    assert (info.value.file, info.value.key, info.value.message) == ("app.yaml", key, message)
    assert str(info.value) == f"app.yaml: {key}: {message}"


@pytest.mark.parametrize(
    ("cls", "expected"),
    [
        (BotConfig, ("login", "marker", "support_email", "security_email", "dry_run")),
        (MaintainersConfig, ("users", "teams", "permission_cache_ttl")),
        (PyPIConfig, ("timeout", "found_ttl", "not_found_ttl", "cache_size")),
        (
            AppConfig,
            (
                "repositories",
                "bot",
                "maintainers",
                "labels",
                "pypi",
                "github",
                "server",
                "sla",
                "commands",
                "digest",
            ),
        ),
    ],
)
def test_known_keys_are_the_fields(cls: Any, expected: tuple[str, ...]) -> None:
    """No hand-kept key list: app.yaml's keys are the dataclass fields (``path`` is not)."""
    assert keys(cls) == expected


def test_a_full_core_config_is_read_into_the_fields() -> None:
    cfg = parse_config(
        {
            **REPO,
            "bot": {"login": "helper[bot]", "dry_run": True},
            "maintainers": {"users": "alice", "permission_cache_ttl": "2m"},
            "labels": {"lost_2fa": "2fa lost"},
            "pypi": {"cache_size": 5},
            "github": {"writes_per_hour": 100, "redeliver_window": "1d"},
            "server": {"workers": 2, "retry_failed_after": "30s"},
        }
    )
    assert cfg.bot == BotConfig(login="helper[bot]", dry_run=True)
    assert cfg.maintainers == MaintainersConfig(
        users=("alice",), permission_cache_ttl=timedelta(minutes=2)
    )
    assert cfg.labels == LabelsConfig(lost_2fa="2fa lost")
    assert cfg.pypi == PyPIConfig(cache_size=5)
    assert cfg.github == GitHubConfig(writes_per_hour=100, redeliver_window=timedelta(days=1))
    assert cfg.server == ServerConfig(workers=2, retry_failed_after=timedelta(seconds=30))


def test_null_takes_the_default_and_base_values_fill_absent_keys() -> None:
    sec = Section({"workers": None}, "app.yaml", "server")
    assert read_section(ServerConfig, sec) == ServerConfig()
    base = ServerConfig(workers=3, max_attempts=7)
    got = read_section(ServerConfig, Section({"max_attempts": 9}, "app.yaml", "server"), base)
    assert got == ServerConfig(workers=3, max_attempts=9)


@dataclass(frozen=True)
class _Unreadable:
    when: complex = 1j


def test_a_field_without_a_reader_is_a_programming_error() -> None:
    with pytest.raises(TypeError, match=r"when: no reader for 'complex'; give setting\(read="):
        read_section(_Unreadable, Section({"when": 2}, "app.yaml", "x"))


@dataclass(frozen=True)
class _Own:
    level: str = setting("low", choices=("low", "high"))
    ratio: float = setting(0.5, at_least=0.0, at_most=1.0)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"level": "mid"}, "x.level: must be one of low, high, got 'mid'"),
        ({"ratio": 2}, "x.ratio: must be at most 1.0, got 2"),
        ({"ratio": "a"}, "x.ratio: must be a number, got 'a'"),
    ],
)
def test_choices_and_float_bounds_come_from_the_field(data: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as info:
        read_section(_Own, Section(data, "f.yaml", "x"))
    assert str(info.value) == f"f.yaml: {message}"
    assert read_section(_Own, Section({"ratio": 1}, "f.yaml", "x")) == _Own(ratio=1.0)
