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
    assert load({"queue_buckets": [1, 2, 400]}).queue_buckets == (1, 2, 400)


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


# Every message in full: a reporter of a bad app.yaml reads exactly this line.
DUR = "expected a duration like 7d, 36h, 2w or 30s"
FORM_KEYS = (
    "unknown key (known keys: business_days, close_after, first_response, holidays, "
    "next_response, remind_after, warn_before)"
)
FORM_IDS = (
    "unknown form id (known: account-recovery, pep541, limit-request-file, "
    "limit-request-project, network, mass-name-squat, organizations)"
)
PLACEHOLDERS = "(known: {days}, {issue_url}, {reporter})"
BUCKETS_ORDER = "must be positive whole numbers in increasing order"
BUCKETS_LIST = "must be a non-empty list of whole numbers"


@pytest.mark.parametrize(
    ("sla", "key", "message"),
    [
        (form(first_response="7x"), f"{AR}.first_response", f"{DUR}, got '7x'"),
        (form(first_response=0), f"{AR}.first_response", "must be longer than zero"),
        (form(first_response=True), f"{AR}.first_response", DUR),
        (form(next_response="soon"), f"{AR}.next_response", f"{DUR}, got 'soon'"),
        (form(warn_before="7d"), f"{AR}.warn_before", "must be shorter than first_response (7d)"),
        (form(warn_before="5d"), f"{AR}.warn_before", "must be shorter than next_response (5d)"),
        (form(remind_after="-1d"), f"{AR}.remind_after", f"{DUR}, got '-1d'"),
        (form(close_after="7d"), f"{AR}.close_after", "must be longer than remind_after (14d)"),
        (form(close_after="14d"), f"{AR}.close_after", "must be longer than remind_after (14d)"),
        (
            form(remind_after=None, close_after="30d"),
            f"{AR}.close_after",
            "needs remind_after: the bot never closes without a reminder",
        ),
        (form(business_days="yes"), f"{AR}.business_days", "must be true or false, got 'yes'"),
        (
            form(holidays=["2026-13-01"]),
            f"{AR}.holidays",
            "'2026-13-01' is not an ISO date (YYYY-MM-DD)",
        ),
        (form(holidays="2026-12-25"), f"{AR}.holidays", "must be a list of ISO dates (YYYY-MM-DD)"),
        (form(holidays=[20261225]), f"{AR}.holidays", "20261225 is not an ISO date (YYYY-MM-DD)"),
        (form(first_respone="7d"), f"{AR}.first_respone", FORM_KEYS),
        ({"forms": {"acount-recovery": {}}}, "sla.forms.acount-recovery", FORM_IDS),
        ({"forms": {7: {}}}, "sla.forms.7", FORM_IDS),
        ({"forms": {"network": {}}}, "sla.forms.network.first_response", "is required"),
        (
            {"forms": {"network": {"first_respone": "7d"}}},
            "sla.forms.network.first_respone",
            FORM_KEYS,
        ),
        ({"forms": {}}, "sla.forms", "must name at least one form (omit it for defaults)"),
        ({"forms": ["account-recovery"]}, "sla.forms", "must be a mapping"),
        (
            {"lables": {}},
            "sla.lables",
            "unknown key (known keys: close_text, forms, holidays, labels, max_writes_per_sweep, "
            "queue_buckets, reminder_text, sweep_interval, triage_missed_within)",
        ),
        ({"holidays": ["tomorrow"]}, "sla.holidays", "'tomorrow' is not an ISO date (YYYY-MM-DD)"),
        ({"labels": {"due_soon": ""}}, "sla.labels.due_soon", "must not be empty"),
        ({"labels": {"due_soon": "  "}}, "sla.labels.due_soon", "must not be empty"),
        (
            {"labels": {"awaiting_aliases": ["  "]}},
            "sla.labels.awaiting_aliases",
            "must not be empty",
        ),
        (
            {"labels": {"awaiting_aliases": [5]}},
            "sla.labels.awaiting_aliases",
            "must be a list of non-empty strings",
        ),
        (form(form="pep541"), f"{AR}.form", FORM_KEYS),
        (
            {"labels": {"overdue": "SLA: due soon"}},
            "sla.labels.overdue",
            "label 'SLA: due soon' is also used for due_soon",
        ),
        (
            {"labels": {"awaiting_aliases": ["Awaiting Response"]}},
            "sla.labels.awaiting_aliases",
            "label 'Awaiting Response' is also used for awaiting",
        ),
        (
            {"labels": {"snoozed": " Lost 2FA "}},
            "sla.labels.snoozed",
            "label 'Lost 2FA' is also labels.lost_2fa",
        ),
        (
            {"labels": {"due_soon": "x", "overdue": "y", "snoozed": "lost 2fa"}},
            "sla.labels.snoozed",
            "label 'lost 2fa' is also labels.lost_2fa",
        ),
        (
            {"labels": {"colour": "red"}},
            "sla.labels.colour",
            "unknown key (known keys: awaiting, awaiting_aliases, due_soon, overdue, snoozed)",
        ),
        (
            {"reminder_text": "Hi {user}"},
            "sla.reminder_text",
            f"unknown placeholder {{user}} {PLACEHOLDERS}",
        ),
        (
            {"reminder_text": "Hi {reporter.__class__}"},
            "sla.reminder_text",
            f"unknown placeholder {{reporter.__class__}} {PLACEHOLDERS}",
        ),
        (
            {"close_text": "Bye {reporter!r}"},
            "sla.close_text",
            "placeholder {reporter} takes no format spec or conversion",
        ),
        (
            {"close_text": "Bye {"},
            "sla.close_text",
            "is not a valid template (Single '{' encountered in format string); "
            "write {{ and }} for literal braces",
        ),
        ({"close_text": ""}, "sla.close_text", "must not be empty"),
        ({"max_writes_per_sweep": 0}, "sla.max_writes_per_sweep", "must be at least 1, got 0"),
        ({"max_writes_per_sweep": 501}, "sla.max_writes_per_sweep", "must be at most 500, got 501"),
        ({"sweep_interval": "soon"}, "sla.sweep_interval", f"{DUR}, got 'soon'"),
        ({"queue_buckets": [10, 5]}, "sla.queue_buckets", BUCKETS_ORDER),
        ({"queue_buckets": [10, 10]}, "sla.queue_buckets", BUCKETS_ORDER),
        ({"queue_buckets": [True, 5]}, "sla.queue_buckets", BUCKETS_ORDER),
        ({"queue_buckets": [5, 7.5]}, "sla.queue_buckets", BUCKETS_ORDER),
        ({"queue_buckets": []}, "sla.queue_buckets", BUCKETS_LIST),
        ({"queue_buckets": 10}, "sla.queue_buckets", BUCKETS_LIST),
        ({"queue_buckets": [0, 5]}, "sla.queue_buckets", BUCKETS_ORDER),
        ({"queue_buckets": [-3]}, "sla.queue_buckets", BUCKETS_ORDER),
    ],
)
def test_bad_values_name_the_key(sla: dict[str, Any], key: str, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        load(sla)
    assert (info.value.file, info.value.key, info.value.message) == ("app.yaml", key, message)
    assert str(info.value) == f"app.yaml: {key}: {message}"


def test_datetime_holiday_is_rejected() -> None:
    with pytest.raises(ConfigError) as info:
        load_yaml("forms: {account-recovery: {holidays: [2026-12-25 10:00:00]}}")
    assert info.value.key == f"{AR}.holidays" and "has a time" in info.value.message


def test_awaiting_label_may_be_a_triage_label() -> None:
    """The awaiting label is only read, so sharing it with triage ("needs more info" means
    the reporter owes the move) is allowed."""
    cfg = load({"labels": {"awaiting_aliases": ["needs more info"]}})
    assert "needs more info" in cfg.labels.awaiting_names()


def test_labels_are_trimmed_and_read_case_blind() -> None:
    cfg = load(
        {
            "labels": {
                "due_soon": " sla: soon ",
                "overdue": "sla: late",
                "snoozed": "sla: paused",
                "awaiting": "Awaiting Reply",
                "awaiting_aliases": [" Needs Info ", "waiting"],
            }
        }
    )
    assert cfg.labels == SlaLabels(
        "sla: soon", "sla: late", "Awaiting Reply", "sla: paused", ("Needs Info", "waiting")
    )
    assert cfg.labels.awaiting_names() == {"awaiting reply", "needs info", "waiting"}
    assert cfg.labels.state_labels() == ("sla: soon", "sla: late", "sla: paused")


def test_every_listed_holiday_is_kept() -> None:
    cfg = load_yaml(
        "holidays: [2026-12-24, ' 2026-12-31 ', 2027-01-01]\n"
        "forms: {account-recovery: {holidays: [2026-12-25, 2026-12-26]}}"
    )
    common = {date(2026, 12, 24), date(2026, 12, 31), date(2027, 1, 1)}
    assert cfg.holidays == common
    assert cfg.forms["account-recovery"].holidays == common | {
        date(2026, 12, 25),
        date(2026, 12, 26),
    }


def test_a_form_without_defaults_takes_its_first_response_for_both_targets() -> None:
    cfg = load({"forms": {"network": {"first_response": "3d"}}})
    assert cfg.forms == {
        "network": FormSla("network", 3 * D, 3 * D, D, 14 * D, None, False, frozenset())
    }
    assert cfg.for_form("network") is cfg.forms["network"]
    assert cfg.for_form("") is None
    assert cfg.holidays == frozenset()
