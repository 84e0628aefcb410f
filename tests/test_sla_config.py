"""The ``sla:`` section of app.yaml: defaults, the documented shape, and one exact
dotted key for every bad value."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
import yaml

from recovery_bot.app import parse_config
from recovery_bot.core.errors import ConfigError
from recovery_bot.sla.config import DEFAULT_FORMS, FormSla, SlaConfig, SlaLabels

D = timedelta(days=1)


def load(sla: Any) -> SlaConfig:
    data: dict[str, Any] = {"repositories": ["pypi/support"]}
    if sla is not ...:
        data["sla"] = sla
    return parse_config(data, "app.yaml").sla


def load_yaml(text: str) -> SlaConfig:
    return load(yaml.safe_load(text))


@pytest.mark.parametrize("sla", [..., None, {}], ids=["absent", "null", "empty"])
def test_defaults(sla: Any) -> None:
    cfg = load(sla)
    assert cfg == SlaConfig()
    ar = cfg.forms["account-recovery"]
    assert (ar.first_response, ar.next_response, ar.warn_before) == (7 * D, 5 * D, D)
    assert (ar.remind_after, ar.close_after, ar.business_days) == (14 * D, None, False)
    assert (cfg.forms["pep541"].first_response, cfg.forms["pep541"].next_response) == (
        30 * D,
        14 * D,
    )
    for form in ("limit-request-file", "limit-request-project"):
        assert (cfg.forms[form].first_response, cfg.forms[form].next_response) == (14 * D, 7 * D)
    assert all(f.close_after is None for f in cfg.forms.values())
    assert cfg.labels == SlaLabels()
    assert cfg.labels.awaiting_names() == {"awaiting response", "status: awaiting response"}
    assert (cfg.sweep_interval, cfg.max_writes_per_sweep) == (timedelta(hours=1), 50)
    assert cfg.queue_buckets == (10, 25, 50, 100, 200, 400)
    assert cfg.for_form("network") is None and cfg.for_form(None) is None


def test_documented_shape() -> None:
    cfg = load_yaml(
        """
        sweep_interval: 30m
        max_writes_per_sweep: 20
        holidays: [2026-12-25]
        labels: {due_soon: "sla: soon", overdue: "sla: late", awaiting: "awaiting response",
                 awaiting_aliases: ["status: awaiting response"], snoozed: "sla: paused"}
        forms:
          account-recovery: {first_response: 5d, next_response: 36h, warn_before: 12h,
                             remind_after: 2w, close_after: 3w, business_days: true,
                             holidays: [2026-12-24, "2026-12-31"]}
          organizations: {first_response: 10d}
        reminder_text: "Hi @{reporter}, {days} days on {issue_url}"
        close_text: "Closing {{as planned}}"
        queue_buckets: [5, 50]
        """
    )
    assert cfg.forms["account-recovery"] == FormSla(
        form="account-recovery",
        first_response=5 * D,
        next_response=timedelta(hours=36),
        warn_before=timedelta(hours=12),
        remind_after=14 * D,
        close_after=21 * D,
        business_days=True,
        holidays=frozenset({date(2026, 12, 24), date(2026, 12, 25), date(2026, 12, 31)}),
    )
    org = cfg.forms["organizations"]
    assert (org.first_response, org.next_response, org.warn_before) == (10 * D, 10 * D, D)
    assert org.holidays == {date(2026, 12, 25)}
    assert set(cfg.forms) == {"account-recovery", "organizations"}  # forms replace defaults
    assert cfg.labels == SlaLabels("sla: soon", "sla: late", "awaiting response", "sla: paused")
    assert (cfg.sweep_interval, cfg.max_writes_per_sweep) == (timedelta(minutes=30), 20)
    assert cfg.queue_buckets == (5, 50)


def test_top_level_holidays_reach_default_forms() -> None:
    cfg = load({"holidays": ["2026-12-25"]})
    assert all(f.holidays == {date(2026, 12, 25)} for f in cfg.forms.values())
    assert set(cfg.forms) == set(DEFAULT_FORMS)


@pytest.mark.parametrize("off", [None, False, "off", "never"])
def test_reminders_can_be_switched_off(off: Any) -> None:
    cfg = load({"forms": {"account-recovery": {"remind_after": off}}})
    assert cfg.forms["account-recovery"].remind_after is None


def form(**kw: Any) -> dict[str, Any]:
    return {"forms": {"account-recovery": kw}}


AR = "sla.forms.account-recovery"


@pytest.mark.parametrize(
    ("sla", "key", "message"),
    [
        (form(first_response="7x"), f"{AR}.first_response", "expected a duration like 7d"),
        (form(first_response=0), f"{AR}.first_response", "must be longer than zero"),
        (form(first_response=True), f"{AR}.first_response", "expected a duration"),
        (form(next_response="soon"), f"{AR}.next_response", "expected a duration"),
        (form(warn_before="7d"), f"{AR}.warn_before", "shorter than first_response (7d)"),
        (form(warn_before="5d"), f"{AR}.warn_before", "shorter than next_response (5d)"),
        (form(remind_after="-1d"), f"{AR}.remind_after", "expected a duration"),
        (form(close_after="7d"), f"{AR}.close_after", "longer than remind_after (14d)"),
        (form(close_after="14d"), f"{AR}.close_after", "longer than remind_after (14d)"),
        (form(remind_after=None, close_after="30d"), f"{AR}.close_after", "needs remind_after"),
        (form(business_days="yes"), f"{AR}.business_days", "must be true or false"),
        (form(holidays=["2026-13-01"]), f"{AR}.holidays", "'2026-13-01' is not an ISO date"),
        (form(holidays="2026-12-25"), f"{AR}.holidays", "must be a list of ISO dates"),
        (form(holidays=[20261225]), f"{AR}.holidays", "is not an ISO date"),
        (form(first_respone="7d"), f"{AR}.first_respone", "unknown key"),
        ({"forms": {"acount-recovery": {}}}, "sla.forms.acount-recovery", "unknown form id"),
        ({"forms": {"network": {}}}, "sla.forms.network.first_response", "required"),
        (
            {"forms": {"network": {"first_respone": "7d"}}},
            "sla.forms.network.first_respone",
            "unknown key",
        ),
        ({"forms": {}}, "sla.forms", "at least one form"),
        ({"forms": ["account-recovery"]}, "sla.forms", "must be a mapping"),
        ({"lables": {}}, "sla.lables", "unknown key"),
        ({"holidays": ["tomorrow"]}, "sla.holidays", "not an ISO date"),
        ({"labels": {"due_soon": ""}}, "sla.labels.due_soon", "must not be empty"),
        ({"labels": {"due_soon": "  "}}, "sla.labels.due_soon", "must not be empty"),
        ({"labels": {"overdue": "SLA: due soon"}}, "sla.labels.overdue", "also used for due_soon"),
        (
            {"labels": {"awaiting_aliases": ["Awaiting Response"]}},
            "sla.labels.awaiting_aliases",
            "also used for awaiting",
        ),
        ({"labels": {"snoozed": "lost 2fa"}}, "sla.labels.snoozed", "also labels.lost_2fa"),
        ({"labels": {"colour": "red"}}, "sla.labels.colour", "unknown key"),
        (
            {"reminder_text": "Hi {user}"},
            "sla.reminder_text",
            "unknown placeholder {user} (known: {days}, {issue_url}, {reporter})",
        ),
        ({"reminder_text": "Hi {reporter.__class__}"}, "sla.reminder_text", "unknown placeholder"),
        ({"close_text": "Bye {reporter!r}"}, "sla.close_text", "no format spec or conversion"),
        ({"close_text": "Bye {"}, "sla.close_text", "not a valid template"),
        ({"close_text": ""}, "sla.close_text", "must not be empty"),
        ({"max_writes_per_sweep": 0}, "sla.max_writes_per_sweep", "at least 1"),
        ({"max_writes_per_sweep": 501}, "sla.max_writes_per_sweep", "at most 500"),
        ({"sweep_interval": "soon"}, "sla.sweep_interval", "expected a duration"),
        ({"queue_buckets": [10, 5]}, "sla.queue_buckets", "increasing order"),
        ({"queue_buckets": []}, "sla.queue_buckets", "non-empty list"),
        ({"queue_buckets": [0, 5]}, "sla.queue_buckets", "positive"),
    ],
)
def test_bad_values_name_the_key(sla: dict[str, Any], key: str, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        load(sla)
    assert (info.value.file, info.value.key) == ("app.yaml", key)
    assert message in info.value.message
    assert str(info.value).startswith(f"app.yaml: {key}: ")


def test_datetime_holiday_is_rejected() -> None:
    with pytest.raises(ConfigError) as info:
        load_yaml("forms: {account-recovery: {holidays: [2026-12-25 10:00:00]}}")
    assert info.value.key == f"{AR}.holidays" and "has a time" in info.value.message


def test_awaiting_label_may_be_a_triage_label() -> None:
    """The awaiting label is only read, so sharing it with triage ("needs more info" means
    the reporter owes the move) is allowed."""
    cfg = load({"labels": {"awaiting_aliases": ["needs more info"]}})
    assert "needs more info" in cfg.labels.awaiting_names()
