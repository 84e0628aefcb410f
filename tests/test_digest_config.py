"""The ``digest:`` config section: defaults, every key's accepted and refused values with
the exact error each gives, and the schedule (``DigestConfig.next_run``).

Moved out of ``tests/test_digest.py`` (which keeps the numbers and the markdown) so each
module is measured against its own tests (``tools/mutation_scores.py``).
"""

from __future__ import annotations

import time as host_time
from datetime import UTC, datetime, time, timedelta, timezone, tzinfo

import pytest
import yaml

from recovery_bot.core.config import AppConfig, Section
from recovery_bot.core.errors import ConfigError
from recovery_bot.digest.config import DigestConfig, parse_digest_config

REPO = "pypi/support"
APP = AppConfig(path="app.yaml", repositories=("pypi/support", "pypi/support-sandbox"))


def parse(yaml_text: str) -> DigestConfig:
    data = yaml.safe_load(yaml_text) or {}
    return parse_digest_config(Section(data, "app.yaml").sub("digest"), APP)


def test_config_defaults():
    cfg = parse("digest:\n")
    assert cfg == DigestConfig(repo="pypi/support")
    assert (cfg.weekday_name, cfg.time, cfg.list_cap) == ("monday", time(8, 0), 25)


@pytest.mark.parametrize(
    ("weekday", "at_time", "after", "expected"),
    [
        (0, time(8), datetime(2026, 11, 23, 7, 59, tzinfo=UTC), datetime(2026, 11, 23, 8, 0)),
        (0, time(8), datetime(2026, 11, 23, 8, 0, tzinfo=UTC), datetime(2026, 11, 30, 8, 0)),
        (4, time(14, 30), datetime(2026, 11, 23, 9, tzinfo=UTC), datetime(2026, 11, 27, 14, 30)),
        (6, time(23, 0), datetime(2026, 12, 31, 0, tzinfo=UTC), datetime(2027, 1, 3, 23, 0)),
        # 09:30 in UTC+2 is 07:30 UTC: Monday's 08:00 UTC run is still ahead.
        (
            0,
            time(8),
            datetime(2026, 11, 23, 9, 30, tzinfo=timezone(timedelta(hours=2))),
            datetime(2026, 11, 23, 8, 0),
        ),
    ],
)
def test_next_run(weekday, at_time, after, expected):
    cfg = DigestConfig(repo=REPO, weekday=weekday, time=at_time)
    assert cfg.next_run(after) == expected.replace(tzinfo=UTC)


def test_config_is_wired_into_app_config():
    from recovery_bot.app import parse_config

    cfg = parse_config({"repositories": ["pypi/support"], "digest": {"weekday": "friday"}})
    assert cfg.digest == DigestConfig(repo="pypi/support", weekday=4)
    with pytest.raises(ConfigError, match=r"app.yaml: digest.time: "):
        parse_config({"repositories": ["pypi/support"], "digest": {"time": "noon"}})


def test_config_example_in_module_docstring_parses():
    import recovery_bot.digest.config as mod

    example = mod.__doc__.split("```yaml\n")[1].split("```")[0]
    cfg = parse(example)
    assert cfg == DigestConfig(repo="pypi/support")


@pytest.mark.parametrize(
    ("yaml_text", "field", "expected"),
    [
        ("weekday: friday", "weekday", 4),
        ("weekday: Sun", "weekday", 6),
        ("weekday: 0", "weekday", 0),
        ('time: "14:30"', "time", time(14, 30)),
        ("time: 08:00", "time", time(8, 0)),  # leading zero: YAML keeps a string
        ("time: 14:30", "time", time(14, 30)),  # YAML 1.1 base-60 int 870
        ("time: 9:05", "time", time(9, 5)),
        ("repo: PyPI/Support-Sandbox", "repo", "pypi/support-sandbox"),
        ("list_cap: 0", "list_cap", 0),
        ("enabled: false", "enabled", False),
        ("close_previous: false", "close_previous", False),
        ("backlinks: true", "backlinks", True),
        ("label: weekly digest", "label", "weekly digest"),
        ("title_prefix: Backlog", "title_prefix", "Backlog"),
    ],
)
def test_config_values(yaml_text, field, expected):
    cfg = parse("digest:\n  " + yaml_text)
    assert getattr(cfg, field) == expected


@pytest.mark.parametrize(
    ("yaml_text", "key", "message"),
    [
        ("weekdays: monday", "digest.weekdays", "unknown key"),
        ("weekday: someday", "digest.weekday", "must be a weekday name"),
        ("weekday: 7", "digest.weekday", "must be a weekday name"),
        ("weekday: true", "digest.weekday", "must be a weekday name"),
        ('time: "24:00"', "digest.time", "HH:MM"),
        ('time: "8am"', "digest.time", "HH:MM"),
        ("time: 9", "digest.time", "HH:MM"),
        ("repo: pypi/warehouse", "digest.repo", "must be one of the configured repositories"),
        ("list_cap: -1", "digest.list_cap", "at least 0"),
        ("list_cap: 5000", "digest.list_cap", "at most 1000"),
        ("enabled: yes please", "digest.enabled", "true or false"),
        ('label: ""', "digest.label", "must not be empty"),
        ("label: " + "x" * 51, "digest.label", "at most 50"),
    ],
)
def test_config_errors(yaml_text, key, message):
    with pytest.raises(ConfigError) as err:
        parse("digest:\n  " + yaml_text)
    assert err.value.key == key
    assert message in err.value.message
    assert str(err.value).startswith(f"app.yaml: {key}: ")


@pytest.mark.parametrize(
    ("yaml_text", "field", "expected"),
    [
        ("label: " + "x" * 50, "label", "x" * 50),  # GitHub's label limit, exactly
        ("title_prefix: " + "x" * 200, "title_prefix", "x" * 200),
        ("weekday: 6", "weekday", 6),
        ("weekday: Saturday", "weekday", 5),
        ("time: 1:00", "time", time(1, 0)),  # YAML 1.1 base-60 int 60: the smallest
        ("time: 23:59", "time", time(23, 59)),  # base-60 int 1439: the largest
        ("time: 0:59", "time", time(0, 59)),  # no base-60 int (leading 0): a string
    ],
)
def test_config_values_at_the_limits(yaml_text, field, expected):
    cfg = parse("digest:\n  " + yaml_text)
    assert getattr(cfg, field) == expected


@pytest.mark.parametrize(
    ("yaml_text", "error"),
    [
        (
            "label: " + "x" * 51,
            "app.yaml: digest.label: must be at most 50 characters (GitHub's label limit)",
        ),
        (
            'title_prefix: "Support\\nbacklog"',
            "app.yaml: digest.title_prefix: must be one line of at most 200 characters",
        ),
        (
            "title_prefix: " + "x" * 201,
            "app.yaml: digest.title_prefix: must be one line of at most 200 characters",
        ),
        (
            "repo: pypi/warehouse",
            "app.yaml: digest.repo: must be one of the configured repositories "
            "(pypi/support, pypi/support-sandbox), got 'pypi/warehouse'",
        ),
        (
            "weekday: someday",
            "app.yaml: digest.weekday: must be a weekday name (monday … sunday) or 0–6 "
            "with 0 = Monday, got 'someday'",
        ),
        (
            "weekday: -1",
            "app.yaml: digest.weekday: must be a weekday name (monday … sunday) or 0–6 "
            "with 0 = Monday, got -1",
        ),
        (
            'time: "8am"',
            'app.yaml: digest.time: must be a UTC time written HH:MM (quote it in YAML: "08:00"), '
            "got '8am'",
        ),
        (  # YAML 1.1 base-60 int 1440: one minute past the last time of day
            "time: 24:00",
            'app.yaml: digest.time: must be a UTC time written HH:MM (quote it in YAML: "08:00"), '
            "got 1440",
        ),
        (
            "time: 59",
            'app.yaml: digest.time: must be a UTC time written HH:MM (quote it in YAML: "08:00"), '
            "got 59",
        ),
    ],
)
def test_config_error_messages(yaml_text, error):
    with pytest.raises(ConfigError) as err:
        parse("digest:\n  " + yaml_text)
    assert str(err.value) == error


def test_repo_defaults_to_the_first_repository_when_absent_or_null():
    assert parse("digest:\n  repo:\n").repo == "pypi/support"
    app = AppConfig(path="app.yaml", repositories=("pypi/support-sandbox", "pypi/support"))
    data = {"digest": {"weekday": "friday"}}
    cfg = parse_digest_config(Section(data, "app.yaml").sub("digest"), app)
    assert cfg.repo == "pypi/support-sandbox"


@pytest.mark.parametrize(
    ("weekday", "at_time", "after", "expected"),
    [
        # The weekday already passed this week (Tuesday after a Monday run): next week.
        (0, time(8), datetime(2026, 11, 24, 7, 0, tzinfo=UTC), datetime(2026, 11, 30, 8, 0)),
        (0, time(8), datetime(2026, 11, 29, 23, 59, tzinfo=UTC), datetime(2026, 11, 30, 8, 0)),
        (2, time(0, 0), datetime(2026, 11, 28, 12, 0, tzinfo=UTC), datetime(2026, 12, 2, 0, 0)),
    ],
)
def test_next_run_when_the_weekday_is_behind(weekday, at_time, after, expected):
    cfg = DigestConfig(repo=REPO, weekday=weekday, time=at_time)
    assert cfg.next_run(after) == expected.replace(tzinfo=UTC)


class _NoOffset(tzinfo):
    """A tzinfo that does not know its offset: Python calls such datetimes naive."""

    def utcoffset(self, dt: datetime | None) -> None:
        return None


@pytest.mark.parametrize(
    "after", [datetime(2026, 11, 23, 8, 0), datetime(2026, 11, 23, 8, 0, tzinfo=_NoOffset())]
)
def test_next_run_refuses_naive_moments(after):
    with pytest.raises(ValueError) as err:
        DigestConfig(repo=REPO).next_run(after)
    assert str(err.value) == "after must be timezone-aware"


@pytest.fixture
def host_in_tokyo(monkeypatch):
    """The host's local zone set to UTC+9 for one test (the schedule must not read it)."""
    if not hasattr(host_time, "tzset"):  # pragma: no cover - Windows
        pytest.skip("time.tzset is POSIX only")
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    host_time.tzset()
    yield
    monkeypatch.undo()
    host_time.tzset()


def test_next_run_ignores_the_host_zone(host_in_tokyo):
    # Sunday 23:00 UTC is already Monday 08:00 in Tokyo; the Sunday 23:30 UTC run is
    # 30 minutes away, not a week.
    cfg = DigestConfig(repo=REPO, weekday=6, time=time(23, 30))
    after = datetime(2026, 11, 22, 23, 0, tzinfo=UTC)
    assert cfg.next_run(after) == datetime(2026, 11, 22, 23, 30, tzinfo=UTC)
    tokyo = after.astimezone(timezone(timedelta(hours=9)))
    assert cfg.next_run(tokyo) == datetime(2026, 11, 22, 23, 30, tzinfo=UTC)
