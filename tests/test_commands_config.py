"""The ``commands:`` section: shipped defaults, overrides, and errors with exact keys."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from recovery_bot.app import parse_config
from recovery_bot.commands.config import (
    COMMAND_NAMES,
    DEFAULT_REPLIES,
    CommandsConfig,
    SavedReply,
    WrongFormTarget,
)
from recovery_bot.core.errors import ConfigError


def load(commands: Any = None, **top: Any) -> CommandsConfig:
    data: dict[str, Any] = {"repositories": ["pypi/support"], **top}
    if commands is not None:
        data["commands"] = commands
    cc = parse_config(data).commands
    assert isinstance(cc, CommandsConfig)
    return cc


def test_defaults_when_the_section_is_absent() -> None:
    cc = load()
    assert cc.allowed_labels == (
        "confirmation email not received",
        "email address posted",
        "has recovery codes",
        "lost 2fa",
        "lost email",
        "needs more info",
        "no projects",
        "security issue",
        "test pypi issue",
        "unverified email",
        "username not found",
        "awaiting response",
        "typo email",
        "duplicate",
    )
    assert list(cc.replies) == list(DEFAULT_REPLIES)
    assert cc.replies["contact-support"].awaiting
    assert cc.replies["done"].close == "completed"
    assert cc.replies["non-response"].close == "not_planned"
    assert cc.replies["duplicate"].close == "duplicate" and cc.replies["duplicate"].needs_duplicate
    assert cc.replies["no-public-repo-wait"].snooze == timedelta(days=7)
    assert dict(cc.close_replies) == {
        "completed": None,
        "not-planned": None,
        "non-response": "non-response",
        "duplicate": "duplicate",
    }
    assert cc.wrong_form["pep541"].url == (
        "https://github.com/pypi/support/issues/new?template=pep541-request.yml"
    )
    assert list(cc.wrong_form) == [
        "warehouse",
        "pep541",
        "account-recovery",
        "organizations",
        "security",
    ]
    assert cc.refusal_interval == timedelta(hours=1)
    assert cc.snooze_max == timedelta(days=90)
    assert cc.names == {} and cc.aliases == {}
    assert all("{support_email}" not in r.text or "post" in r.text for r in cc.replies.values())


def test_default_allowed_labels_follow_renamed_bot_labels() -> None:
    cc = load(labels={"fast_lane": "fast lane"})
    assert "fast lane" in cc.allowed_labels and "no projects" not in cc.allowed_labels


def test_overrides_merge_over_defaults() -> None:
    cc = load(
        {
            "allowed_labels": ["lost 2fa", "Lost 2FA", "typo email"],
            "replies": {
                "contact-support": {"text": "Write to {support_email}, {reporter}."},
                "english-please": None,
                "thanks": "Thanks, {reporter}!",
                "wait-a-month": {"text": "Hold on.", "snooze": "30d", "add_labels": ["x y"]},
            },
            "close_replies": {"completed": "thanks"},
            "wrong_form": {
                "warehouse": "https://example.org/bugs",
                "security": False,
                "docs": {"url": "https://docs.pypi.org/", "text": "See {url}, {reporter}."},
            },
            "refusal_interval": "2h",
        }
    )
    assert cc.allowed_labels == ("lost 2fa", "typo email")
    assert cc.replies["contact-support"] == SavedReply(
        name="contact-support",
        text="Write to {support_email}, {reporter}.",
        summary=DEFAULT_REPLIES["contact-support"]["summary"],
        awaiting=True,
    )
    assert "english-please" not in cc.replies
    assert cc.replies["thanks"] == SavedReply(name="thanks", text="Thanks, {reporter}!")
    assert cc.replies["wait-a-month"].snooze == timedelta(days=30)
    assert cc.replies["wait-a-month"].add_labels == ("x y",)
    assert cc.close_replies["completed"] == "thanks"
    assert cc.wrong_form["warehouse"].url == "https://example.org/bugs"
    assert cc.wrong_form["warehouse"].text.startswith("Hi {reporter}, thanks for the report!")
    assert "security" not in cc.wrong_form
    assert cc.wrong_form["docs"] == WrongFormTarget(
        "docs", "https://docs.pypi.org/", "See {url}, {reporter}."
    )
    assert cc.refusal_interval == timedelta(hours=2)


def test_reply_can_drop_a_default_close() -> None:
    assert load({"replies": {"done": {"close": None}}}).replies["done"].close is None


def test_names_and_aliases() -> None:
    cc = load({"names": {"awaiting-response": "awaiting"}, "aliases": {"wait": "resume"}})
    lookup = cc.lookup()
    assert lookup["awaiting"] == "awaiting-response" and lookup["wait"] == "resume"
    assert "awaiting-response" not in lookup
    assert cc.typed_name("awaiting-response") == "awaiting"
    assert cc.typed_name("close") == "close"
    assert lookup == {
        **{c: c for c in COMMAND_NAMES if c != "awaiting-response"},
        "awaiting": "awaiting-response",
        "wait": "resume",
    }


def test_limits_are_inclusive() -> None:
    """A 50-character label (GitHub's limit) and a snooze of exactly snooze_max are fine;
    only the quote characters make a label untypable (a capital X is just a letter)."""
    cc = load(
        {
            "allowed_labels": ["x" * 50, "Xcode"],
            "replies": {"x": {"text": "t", "snooze": "90d", "add_labels": ["y" * 50]}},
        }
    )
    assert cc.allowed_labels == ("x" * 50, "Xcode")
    assert cc.replies["x"].snooze == timedelta(days=90) == cc.snooze_max
    assert cc.replies["x"].add_labels == ("y" * 50,)


PLACEHOLDERS = "{duplicate}, {issue_url}, {reporter}, {support_email}, {username}"
ERRORS: list[tuple[str, Any, str, str]] = [
    ("not a mapping", [], "commands", "must be a mapping"),
    (
        "unknown key",
        {"replys": {}},
        "commands.replys",
        "unknown key (known keys: aliases, allowed_labels, close_replies, names, refusal_interval, "
        "refusal_text, replies, snooze_max, snooze_text, wrong_form)",
    ),
    (
        "unknown placeholder",
        {"replies": {"contact-support": {"text": "Hi {reportr}"}}},
        "commands.replies.contact-support.text",
        f"unknown placeholder {{reportr}} (known: {PLACEHOLDERS})",
    ),
    (
        "attribute access",
        {"replies": {"x": "{reporter.__class__}"}},
        "commands.replies.x.text",
        f"unknown placeholder {{reporter.__class__}} (known: {PLACEHOLDERS})",
    ),
    (
        "positional placeholder",
        {"replies": {"x": "Hi {}"}},
        "commands.replies.x.text",
        f"unknown placeholder {{}} (known: {PLACEHOLDERS})",
    ),
    (
        "conversion",
        {"replies": {"x": "{reporter!r}"}},
        "commands.replies.x.text",
        "placeholder {reporter} takes no format spec or conversion",
    ),
    (
        "format spec",
        {"replies": {"x": "{reporter:>9}"}},
        "commands.replies.x.text",
        "placeholder {reporter} takes no format spec or conversion",
    ),
    (
        "broken braces",
        {"replies": {"x": "Hi {reporter"}},
        "commands.replies.x.text",
        "is not a valid template (expected '}' before end of string); write {{ and }} for "
        "literal braces",
    ),
    ("empty text", {"replies": {"x": " "}}, "commands.replies.x.text", "must not be empty"),
    ("no text", {"replies": {"x": {"summary": "s"}}}, "commands.replies.x.text", "is required"),
    (
        "reply not a mapping",
        {"replies": {"x": 3}},
        "commands.replies.x",
        "must be a mapping (text, summary, ...) or a string",
    ),
    (
        "bad reply name",
        {"replies": {"Bad_Name": "x"}},
        "commands.replies.Bad_Name",
        "names are lower-case letters, digits and '-'",
    ),
    (
        "unknown reply key",
        {"replies": {"x": {"text": "t", "labels": []}}},
        "commands.replies.x.labels",
        "unknown key (known keys: add_labels, awaiting, close, remove_labels, snooze, summary, "
        "text)",
    ),
    (
        "bad close",
        {"replies": {"x": {"text": "t", "close": "later"}}},
        "commands.replies.x.close",
        "must be one of completed, not_planned, duplicate, got 'later'",
    ),
    (
        "bad awaiting",
        {"replies": {"x": {"text": "t", "awaiting": "yes"}}},
        "commands.replies.x.awaiting",
        "must be true or false, got 'yes'",
    ),
    (
        "bad snooze",
        {"replies": {"x": {"text": "t", "snooze": "soon"}}},
        "commands.replies.x.snooze",
        "expected a duration like 7d, 36h, 2w or 30s, got 'soon'",
    ),
    (
        "snooze too long",
        {"replies": {"x": {"text": "t", "snooze": "100d"}}},
        "commands.replies.x.snooze",
        "is longer than commands.snooze_max",
    ),
    (
        "label spaces",
        {"replies": {"x": {"text": "t", "add_labels": [" lost 2fa"]}}},
        "commands.replies.x.add_labels",
        "label ' lost 2fa' has leading or trailing spaces",
    ),
    (
        "label both ways",
        {"replies": {"x": {"text": "t", "add_labels": ["a"], "remove_labels": ["A"]}}},
        "commands.replies.x.remove_labels",
        "label 'a' is also in add_labels",
    ),
    (
        "label too long",
        {"allowed_labels": ["x" * 51]},
        "commands.allowed_labels",
        f"label {'x' * 51!r} is longer than 50 characters",
    ),
    (
        "label with quote",
        {"allowed_labels": ['say "hi"']},
        "commands.allowed_labels",
        "label 'say \"hi\"' contains a quote, so it cannot be typed in /label",
    ),
    (
        "labels not a list",
        {"allowed_labels": 3},
        "commands.allowed_labels",
        "must be a list of non-empty strings",
    ),
    (
        "close reply missing",
        {"close_replies": {"completed": "nope"}},
        "commands.close_replies.completed",
        "no saved reply named 'nope' (commands.replies)",
    ),
    (
        "close reply removed",
        {"replies": {"non-response": None}},
        "commands.close_replies.non-response",
        "no saved reply named 'non-response' (commands.replies)",
    ),
    (
        "close reply needs #N",
        {"close_replies": {"non-response": "duplicate"}},
        "commands.close_replies.non-response",
        "reply 'duplicate' uses {duplicate}, which only /close duplicate #N can fill",
    ),
    (
        "close reply not a name",
        {"close_replies": {"completed": 3}},
        "commands.close_replies.completed",
        "must be the name of a saved reply, or null",
    ),
    (
        "close kind unknown",
        {"close_replies": {"later": None}},
        "commands.close_replies.later",
        "unknown key (known keys: completed, duplicate, non-response, not-planned)",
    ),
    (
        "wrong-form url",
        {"wrong_form": {"x": {"url": "ftp://x"}}},
        "commands.wrong_form.x.url",
        "'ftp://x' is not an http(s) URL",
    ),
    (
        "wrong-form no url",
        {"wrong_form": {"x": {"text": "{url}"}}},
        "commands.wrong_form.x.url",
        "is required",
    ),
    (
        "wrong-form placeholder",
        {"wrong_form": {"warehouse": {"text": "see {duplicate}"}}},
        "commands.wrong_form.warehouse.text",
        "unknown placeholder {duplicate} (known: {issue_url}, {reporter}, {support_email}, "
        "{url}, {username})",
    ),
    (
        "wrong-form entry type",
        {"wrong_form": {"x": 3}},
        "commands.wrong_form.x",
        "must be a mapping (url, text, summary) or a URL",
    ),
    (
        "snooze text placeholder",
        {"snooze_text": "until {url}"},
        "commands.snooze_text",
        "unknown placeholder {url} (known: {issue_url}, {reporter}, {support_email}, {until}, "
        "{username})",
    ),
    (
        "refusal placeholder",
        {"refusal_text": "no, {reporter}"},
        "commands.refusal_text",
        "unknown placeholder {reporter} (known: {actor}, {command}, {support_email}, {who})",
    ),
    (
        "refusal interval",
        {"refusal_interval": "often"},
        "commands.refusal_interval",
        "expected a duration like 7d, 36h, 2w or 30s, got 'often'",
    ),
    ("snooze max", {"snooze_max": 0}, "commands.snooze_max", "must be longer than zero"),
    (
        "rename unknown",
        {"names": {"clsoe": "x"}},
        "commands.names.clsoe",
        "no such command (commands: help, recheck, reply, close, reopen, awaiting-response, "
        "resume, snooze, label, unlabel, assign, unassign, fast-track, wrong-form)",
    ),
    (
        "rename bad name",
        {"names": {"close": "Close!"}},
        "commands.names.close",
        "'Close!' is not a command name (letters and '-')",
    ),
    (
        "rename clash",
        {"names": {"close": "reopen"}},
        "commands.names.close",
        "/reopen already names the reopen command",
    ),
    (
        "alias to unknown",
        {"aliases": {"wait": "nope"}},
        "commands.aliases.wait",
        "'nope' is not a command (help, recheck, reply, close, reopen, awaiting-response, "
        "resume, snooze, label, unlabel, assign, unassign, fast-track, wrong-form)",
    ),
    (
        "alias clash",
        {"aliases": {"close": "reopen"}},
        "commands.aliases.close",
        "/close already names the close command",
    ),
    (
        "rename not a string",
        {"names": {"close": 3}},
        "commands.names.close",
        "must be a string, got int",
    ),
    (
        "alias target not a string",
        {"aliases": {"wait": ["close"]}},
        "commands.aliases.wait",
        "must be a string, got list",
    ),
    (
        "alias clashes with a rename",
        {"names": {"close": "shut"}, "aliases": {"shut": "reopen"}},
        "commands.aliases.shut",
        "/shut already names the close command",
    ),
    (
        "alias too short",
        {"aliases": {"c": "close"}},
        "commands.aliases.c",
        "is not a command name (letters and '-')",
    ),
]


@pytest.mark.parametrize(
    ("labels", "message"),
    [
        ({"fast_lane": "x" * 51}, f"label {'x' * 51!r} is longer than 50 characters"),
        (
            {"lost_2fa": 'lost "2fa"'},
            "label 'lost \"2fa\"' contains a quote, so it cannot be typed in /label",
        ),
    ],
)
def test_a_bot_label_label_cannot_type_stops_start_up(labels: Any, message: str) -> None:
    """The default allowed_labels are the bot's own labels: one that /label could not take
    is reported under commands.allowed_labels, naming the label."""
    with pytest.raises(ConfigError) as info:
        load(labels=labels)
    assert (info.value.key, info.value.message) == ("commands.allowed_labels", message)


@pytest.mark.parametrize(
    ("section", "key", "message"), [e[1:] for e in ERRORS], ids=[e[0] for e in ERRORS]
)
def test_config_errors_name_the_exact_key(section: Any, key: str, message: str) -> None:
    with pytest.raises(ConfigError) as info:
        load(section)
    assert (info.value.file, info.value.key, info.value.message) == ("app.yaml", key, message)
