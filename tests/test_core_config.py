"""The schema mechanism's parts one by one (core.config): the readers each annotation picks,
bounds and checks from ``setting``, nested sections and their defaults, templates, the core
sections' own rules, and reading app.yaml from disk. Every error is pinned as the whole
"file: dotted.key: what is wrong" line an operator sees."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from recovery_bot.core.config import (
    AppConfig,
    GitHubConfig,
    LabelsConfig,
    Section,
    ServerConfig,
    check_template,
    is_repo_name,
    load_config,
    parse_config,
    read_key,
    read_section,
    reject_unknown,
    setting,
    strings,
    template_fields,
    text,
)
from recovery_bot.core.errors import ConfigError

REPO = {"repositories": ["pypi/support"]}


def _error(call: Any, *args: Any, **kwargs: Any) -> str:
    with pytest.raises(ConfigError) as info:
        call(*args, **kwargs)
    assert str(info.value) == f"{info.value.file}: {info.value.key}: {info.value.message}"
    return str(info.value)


# ------------------------------------------------------------------ readers, by annotation


def _kinds() -> tuple[Any, Any]:
    """A section with one key of each kind, and a nested one. Declared when a test runs,
    not at import, so that ``setting`` itself runs inside the tests."""

    @dataclass(frozen=True)
    class Inner:
        size: int = setting(3, at_least=1)
        name: str = "in"

    @dataclass(frozen=True)
    class Kinds:
        word: str = "w"
        count: int = setting(2, at_least=-5, at_most=5)
        ratio: float = 0.5
        flag: bool = False
        wait: timedelta = timedelta(minutes=1)
        maybe: timedelta | None = timedelta(hours=1)
        items: tuple[str, ...] = ("a",)
        level: str = setting("low", choices=("low", "high"))
        greeting: str = setting("hi {name}", template=("name", "team"))
        inner: Inner = setting(factory=Inner)

    return Inner, Kinds


def _read(**data: Any) -> Any:
    return read_section(_kinds()[1], Section(data, "k.yaml", "kinds"))


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({}, {}),
        ({"word": " x "}, {"word": " x "}),
        ({"count": -5}, {"count": -5}),
        ({"count": 5}, {"count": 5}),
        ({"ratio": 2}, {"ratio": 2.0}),
        ({"ratio": -1.25}, {"ratio": -1.25}),
        ({"flag": True}, {"flag": True}),
        ({"wait": "90s"}, {"wait": timedelta(seconds=90)}),
        ({"wait": 30}, {"wait": timedelta(seconds=30)}),
        ({"wait": timedelta(days=2)}, {"wait": timedelta(days=2)}),
        ({"maybe": "2h"}, {"maybe": timedelta(hours=2)}),
        ({"maybe": None}, {"maybe": None}),
        ({"maybe": False}, {"maybe": None}),
        ({"maybe": "off"}, {"maybe": None}),
        ({"maybe": " None "}, {"maybe": None}),
        ({"maybe": "NEVER"}, {"maybe": None}),
        ({"items": "b"}, {"items": ("b",)}),
        ({"items": ["b", "c"]}, {"items": ("b", "c")}),
        ({"items": []}, {"items": ()}),
        ({"level": "high"}, {"level": "high"}),
        ({"greeting": "{team}: {{literal}} {name}"}, {"greeting": "{team}: {{literal}} {name}"}),
        ({"greeting": "no placeholder"}, {"greeting": "no placeholder"}),
        ({"inner": {"size": 1}}, {"inner": {"size": 1}}),
        ({"inner": None}, {}),
        ({"inner": {}}, {}),
        ({"word": None, "count": None, "items": None}, {}),
    ],
)
def test_each_annotation_reads_its_values(data: dict[str, Any], expected: dict[str, Any]) -> None:
    inner, kinds = _kinds()
    if "inner" in expected:
        expected = {**expected, "inner": inner(**expected["inner"])}
    got = read_section(kinds, Section(data, "k.yaml", "kinds"))
    assert got == kinds(**expected)
    assert type(got.ratio) is float


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"word": 1}, "kinds.word: must be a string, got int"),
        ({"word": ["a"]}, "kinds.word: must be a string, got list"),
        ({"word": ""}, "kinds.word: must not be empty"),
        ({"word": " \n"}, "kinds.word: must not be empty"),
        ({"count": "1"}, "kinds.count: must be a whole number, got '1'"),
        ({"count": 1.0}, "kinds.count: must be a whole number, got 1.0"),
        ({"count": False}, "kinds.count: must be a whole number, got False"),
        ({"count": -6}, "kinds.count: must be at least -5, got -6"),
        ({"count": 6}, "kinds.count: must be at most 5, got 6"),
        ({"ratio": True}, "kinds.ratio: must be a number, got True"),
        ({"ratio": "0.5"}, "kinds.ratio: must be a number, got '0.5'"),
        ({"flag": 1}, "kinds.flag: must be true or false, got 1"),
        ({"flag": "true"}, "kinds.flag: must be true or false, got 'true'"),
        ({"wait": "soon"}, "kinds.wait: expected a duration like 7d, 36h, 2w or 30s, got 'soon'"),
        ({"wait": "0s"}, "kinds.wait: must be longer than zero"),
        ({"wait": 0}, "kinds.wait: must be longer than zero"),
        ({"wait": -1}, "kinds.wait: a duration cannot be negative"),
        ({"wait": True}, "kinds.wait: expected a duration like 7d, 36h, 2w or 30s"),
        ({"maybe": "0m"}, "kinds.maybe: must be longer than zero"),
        ({"maybe": True}, "kinds.maybe: expected a duration like 7d, 36h, 2w or 30s"),
        ({"maybe": "offf"}, "kinds.maybe: expected a duration like 7d, 36h, 2w or 30s, got 'offf'"),
        ({"items": [""]}, "kinds.items: must be a list of non-empty strings"),
        ({"items": ["a", 1]}, "kinds.items: must be a list of non-empty strings"),
        ({"items": {"a": 1}}, "kinds.items: must be a list of non-empty strings"),
        ({"items": ("a",)}, "kinds.items: must be a list of non-empty strings"),
        ({"items": ""}, "kinds.items: must be a list of non-empty strings"),
        ({"level": "mid"}, "kinds.level: must be one of low, high, got 'mid'"),
        ({"level": 2}, "kinds.level: must be a string, got int"),
        ({"level": " "}, "kinds.level: must not be empty"),
        (
            {"greeting": "{nme}"},
            "kinds.greeting: unknown placeholder {nme} (known: {name}, {team})",
        ),
        ({"inner": {"size": 0}}, "kinds.inner.size: must be at least 1, got 0"),
        ({"inner": {"sise": 2}}, "kinds.inner.sise: unknown key (known keys: name, size)"),
        ({"inner": "big"}, "kinds.inner: must be a mapping"),
        (
            {"wrod": "x"},
            "kinds.wrod: unknown key (known keys: count, flag, greeting, inner, items, "
            "level, maybe, ratio, wait, word)",
        ),
    ],
)
def test_each_reader_names_what_is_wrong(data: dict[str, Any], message: str) -> None:
    assert _error(_read, **data) == f"k.yaml: {message}"


def test_unknown_keys_are_named_in_sorted_order_whatever_their_type() -> None:
    sec = Section({"zz": 1, 7: 2, "b": 3, "a": 4}, "f.yaml", "s")
    assert _error(reject_unknown, sec, ("a", "c")) == (
        "f.yaml: s.7: unknown key (known keys: a, c)"
    )
    reject_unknown(Section({"a": 1, "c": None}, "f.yaml"), ("c", "a"))
    top = Section({"typo": 1}, "f.yaml")
    assert _error(reject_unknown, top, ["b", "a"]) == "f.yaml: typo: unknown key (known keys: a, b)"


def test_a_section_names_its_keys_from_the_top() -> None:
    top = Section(None, "f.yaml")
    assert (top.data, top.file, top.prefix) == ({}, "f.yaml", "")
    assert top.key("a") == "a"
    inner = top.sub("a").sub("b")
    assert (inner.data, inner.prefix, inner.key("c")) == ({}, "a.b", "a.b.c")
    error = top.sub("x").error("y", "is wrong")
    assert (error.file, error.key, error.message) == ("f.yaml", "x.y", "is wrong")
    assert _error(Section, [1], "f.yaml") == "f.yaml: (top level): must be a mapping"
    assert _error(Section, "a", "f.yaml", "p.q") == "f.yaml: p.q: must be a mapping"
    assert _error(Section({"a": 3}, "f.yaml", "p").sub, "a") == "f.yaml: p.a: must be a mapping"


# ------------------------------------------------------------------ defaults and base values


def _needs() -> Any:
    """Required keys, a field not read from app.yaml, a factory, a check and an own
    reader (declared when a test runs, like ``_kinds``)."""

    @dataclass(frozen=True)
    class Needs:
        must: str = setting()
        fixed: str = setting(key=False)
        wait: timedelta | None = setting()
        listed: tuple[str, ...] = setting(factory=lambda: ("x", "y"))
        checked: int = setting(1, check=_odd)
        own: str = setting("A", read=_upper)
        table: dict[str, int] = setting(factory=dict, read=_table)

    return Needs


def _upper(sec: Section, name: str, value: Any) -> str:
    if not isinstance(value, str | int):
        raise sec.error(name, f"must be text, got {type(value).__name__}")
    return str(value).upper()


def _table(sec: Section, name: str, value: Any) -> dict[str, int]:
    if not isinstance(value, dict):
        raise sec.error(name, "must be a mapping of names to counts")
    return dict(value)


def _odd(sec: Section, name: str, value: int) -> None:
    if value % 2 == 0:
        raise sec.error(name, f"must be odd, got {value}")


def test_required_keys_defaults_factories_and_own_readers() -> None:
    Needs = _needs()
    sec = Section({"must": "m", "wait": "1h"}, "n.yaml", "n")
    got = read_section(Needs, sec, fixed="f")
    assert got == Needs("m", "f", timedelta(hours=1), ("x", "y"), 1, "A")
    assert (
        read_section(Needs, Section({"must": "m", "wait": None}, "n.yaml"), fixed="").wait is None
    )
    own = Section({"must": "m", "wait": "1h", "own": 12, "checked": 3}, "n.yaml")
    assert read_section(Needs, own, fixed="").own == "12"
    assert read_section(Needs, own, fixed="").checked == 3
    assert _error(read_section, Needs, Section({"wait": "1h"}, "n.yaml", "n"), fixed="") == (
        "n.yaml: n.must: is required"
    )
    assert _error(read_section, Needs, Section({"must": "m"}, "n.yaml", "n"), fixed="") == (
        "n.yaml: n.wait: is required"
    )
    table = Section({"must": "m", "wait": "1h", "table": {"a": 1}}, "n.yaml")
    assert read_section(Needs, table, fixed="").table == {"a": 1}
    bad = Section({"must": "m", "wait": "1h", "table": [1]}, "n.yaml", "n")
    assert _error(read_section, Needs, bad, fixed="") == (
        "n.yaml: n.table: must be a mapping of names to counts"
    )
    bad = Section({"must": "m", "wait": "1h", "own": [1]}, "n.yaml", "n")
    assert _error(read_section, Needs, bad, fixed="") == "n.yaml: n.own: must be text, got list"
    bad = Section({"must": "m", "wait": "1h", "checked": 4}, "n.yaml", "n")
    assert _error(read_section, Needs, bad, fixed="") == "n.yaml: n.checked: must be odd, got 4"
    assert _error(read_section, Needs, Section({"fixed": "x"}, "n.yaml"), fixed="") == (
        "n.yaml: fixed: unknown key (known keys: checked, listed, must, own, table, wait)"
    )


def test_absent_keys_come_from_a_base_mapping_or_instance() -> None:
    Needs = _needs()
    sec = Section({"must": "m"}, "n.yaml")
    base: dict[str, Any] = {"wait": None, "listed": ("b",)}
    got = read_section(Needs, sec, base, fixed="f")
    assert got == Needs("m", "f", None, ("b",), 1, "A")
    instance = Needs("old", "f", timedelta(days=1), ("z",), 5, "B")
    got = read_section(Needs, Section({"checked": 7}, "n.yaml"), instance)
    assert got == Needs("old", "f", timedelta(days=1), ("z",), 7, "B")
    got = read_section(Needs, Section({"must": None, "own": None}, "n.yaml"), instance)
    assert got == instance
    # A null switches an optional duration off rather than taking the base's value.
    got = read_section(Needs, Section({"wait": None}, "n.yaml"), instance)
    assert got.wait is None


def test_read_key_reads_one_key_as_read_section_would() -> None:
    Needs = _needs()
    assert read_key(Needs, Section({"wait": "2d"}, "n.yaml"), "wait") == timedelta(days=2)
    assert read_key(Needs, Section({}, "n.yaml"), "listed") == ("x", "y")
    assert read_key(Needs, Section({}, "n.yaml"), "must", {"must": "b"}) == "b"
    assert _error(read_key, Needs, Section({}, "n.yaml", "n"), "must") == (
        "n.yaml: n.must: is required"
    )
    assert _error(read_key, Needs, Section({"checked": 2}, "n.yaml"), "checked") == (
        "n.yaml: checked: must be odd, got 2"
    )


def test_a_nested_section_starts_from_its_default_or_base() -> None:
    Inner = _kinds()[0]

    @dataclass(frozen=True)
    class Nested:
        inner: Inner = Inner(size=9, name="mine")  # noqa: RUF009 (frozen: the case under test)

    assert read_section(Nested, Section({"inner": {"size": 4}}, "f")) == Nested(Inner(4, "mine"))
    base = Nested(Inner(size=2, name="base"))
    assert read_section(Nested, Section({"inner": {"name": "x"}}, "f"), base) == Nested(
        Inner(2, "x")
    )


@dataclass(frozen=True)
class Validated:
    low: int = 1
    high: int = 2

    def validate(self, sec: Section) -> None:
        if self.low > self.high:
            raise sec.error("low", f"must not exceed high ({self.high})")


def test_validate_sees_the_whole_section() -> None:
    assert read_section(Validated, Section({"low": 2}, "f", "v")) == Validated(2, 2)
    assert _error(read_section, Validated, Section({"low": 3}, "f", "v")) == (
        "f: v.low: must not exceed high (2)"
    )


# ------------------------------------------------------------------ features' own readers


def test_text_and_strings_for_features_own_readers() -> None:
    sec = Section({}, "f.yaml", "s")
    assert text(sec, "k", "a {b}") == "a {b}"
    assert _error(text, sec, "k", "") == "f.yaml: s.k: must not be empty"
    assert _error(text, sec, "k", None) == "f.yaml: s.k: must be a string, got NoneType"
    assert strings(sec, "k", "one") == ("one",)
    assert strings(sec, "k", ["a", "b"]) == ("a", "b")
    assert _error(strings, sec, "k", [None]) == "f.yaml: s.k: must be a list of non-empty strings"


@pytest.mark.parametrize(
    ("template", "fields"),
    [
        ("", frozenset()),
        ("plain", frozenset()),
        ("{a} and {b} and {a}", frozenset({"a", "b"})),
        ("{{a}} {b}", frozenset({"b"})),
    ],
)
def test_template_fields(template: str, fields: frozenset[str]) -> None:
    assert template_fields(template) == fields


@pytest.mark.parametrize(
    ("template", "message"),
    [
        (
            "{",
            "is not a valid template (Single '{' encountered in format string); write {{ and }} "
            "for literal braces",
        ),
        (
            "a }",
            "is not a valid template (Single '}' encountered in format string); write {{ and "
            "}} for literal braces",
        ),
        ("{}", "unknown placeholder {} (known: {a}, {b})"),
        ("{{a}} {c}", "unknown placeholder {c} (known: {a}, {b})"),
        ("{0}", "unknown placeholder {0} (known: {a}, {b})"),
        ("{c}", "unknown placeholder {c} (known: {a}, {b})"),
        ("{a.__class__}", "unknown placeholder {a.__class__} (known: {a}, {b})"),
        ("{a[0]}", "unknown placeholder {a[0]} (known: {a}, {b})"),
        ("{a!r}", "placeholder {a} takes no format spec or conversion"),
        ("{b:>5}", "placeholder {b} takes no format spec or conversion"),
        ("ok {a} then {b!s}", "placeholder {b} takes no format spec or conversion"),
    ],
)
def test_check_template_refuses_what_format_map_could_not_render_safely(
    template: str, message: str
) -> None:
    sec = Section({}, "f.yaml", "s")
    assert _error(check_template, sec, "t", template, {"b", "a"}) == f"f.yaml: s.t: {message}"


def test_check_template_returns_a_good_template() -> None:
    sec = Section({}, "f.yaml")
    for good in ("", "{a}", "{{}} {b}{a}", "{{a!r}}"):
        assert check_template(sec, "t", good, ("a", "b")) == good


# ------------------------------------------------------------------ the core sections


def test_managed_labels_are_all_but_the_forms_own() -> None:
    labels = LabelsConfig()
    assert labels.managed() == frozenset(
        {
            "needs more info",
            "username not found",
            "lost email",
            "lost 2fa",
            "has recovery codes",
            "email address posted",
            "no projects",
            "test pypi issue",
            "security issue",
            "unverified email",
            "confirmation email not received",
        }
    )
    renamed = LabelsConfig(needs_info="a", new_device="b")
    assert {"a", "b"} <= renamed.managed()
    assert renamed.managed().isdisjoint({"needs more info", "confirmation email not received"})


@pytest.mark.parametrize(
    ("labels", "message"),
    [
        (
            {"form": "Needs More Info"},
            "labels.needs_info: label 'needs more info' is also used for form",
        ),
        (
            {"new_device": "LOST EMAIL"},
            "labels.new_device: label 'LOST EMAIL' is also used for lost_email",
        ),
        (
            {"fast_lane": "x", "test_pypi": "X"},
            "labels.test_pypi: label 'X' is also used for fast_lane",
        ),
    ],
)
def test_two_keys_may_not_name_one_label(labels: dict[str, str], message: str) -> None:
    assert _error(parse_config, {**REPO, "labels": labels}) == f"app.yaml: {message}"


def test_distinct_labels_are_accepted() -> None:
    labels = {"form": "a", "needs_info": "b", "lost_email": "c"}
    cfg = parse_config({**REPO, "labels": labels})
    assert cfg.labels == LabelsConfig(form="a", needs_info="b", lost_email="c")


@pytest.mark.parametrize(
    ("bot", "message"),
    [
        (
            {"marker": "a" * 42},
            "must be lower-case letters, digits and '-' (it goes in an HTML comment)",
        ),
        (
            {"marker": "-bot"},
            "must be lower-case letters, digits and '-' (it goes in an HTML comment)",
        ),
        (
            {"marker": "bot x"},
            "must be lower-case letters, digits and '-' (it goes in an HTML comment)",
        ),
        (
            {"marker": "bot\n"},
            "must be lower-case letters, digits and '-' (it goes in an HTML comment)",
        ),
        ({"security_email": "security.pypi.org"}, "must be an e-mail address"),
        ({"login": "-bot"}, "'-bot' is not a GitHub login"),
        ({"login": "bot[bot]x"}, "'bot[bot]x' is not a GitHub login"),
    ],
)
def test_bot_settings_are_checked(bot: dict[str, Any], message: str) -> None:
    key = next(iter(bot))
    assert _error(parse_config, {**REPO, "bot": bot}) == f"app.yaml: bot.{key}: {message}"


def test_good_bot_settings_pass() -> None:
    bot = {"marker": "a" * 41, "login": "x-1[bot]", "support_email": "a@b", "security_email": "@"}
    cfg = parse_config({**REPO, "bot": bot, "maintainers": {"teams": "pypi/admins", "users": "x"}})
    assert (cfg.bot.marker, cfg.marker, cfg.bot.login) == ("a" * 41, "a" * 41, "x-1[bot]")
    assert (cfg.maintainers.teams, cfg.maintainers.users) == (("pypi/admins",), ("x",))
    assert parse_config({**REPO, "bot": {"marker": "0-z"}}).marker == "0-z"


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        *((good, True) for good in ("a/b", "Py-PI9/support.sandbox_2-x", "o" * 39 + "/n")),
        ("o/" + "n" * 100, True),
        *(
            (bad, False)
            for bad in ("o" * 40 + "/n", "-o/n", "o/", "/n", "o/" + "n" * 101, "o n/x", "o/n/x")
        ),
        ("o/n)", False),
        ("o/n\n", False),
    ],
)
def test_is_repo_name(text: str, ok: bool) -> None:
    assert is_repo_name(text) is ok


def test_repositories_must_name_at_least_one() -> None:
    for empty in ([], None):
        message = "is required" if empty is None else "must name at least one owner/repo"
        assert _error(parse_config, {"repositories": empty}) == f"app.yaml: repositories: {message}"
    got = parse_config({"repositories": "a/b"}).repositories
    assert got == ("a/b",)
    assert _error(parse_config, {"repositories": ["a/b", "c"]}) == (
        "app.yaml: repositories: 'c' is not of the form owner/repo"
    )


@pytest.mark.parametrize(
    ("github", "warned"),
    [
        ({}, False),
        ({"writes_per_minute": 80, "writes_per_hour": 500}, False),
        ({"writes_per_minute": 81}, True),
        ({"writes_per_hour": 501}, True),
    ],
)
def test_write_limits_above_github_coms_warn(
    github: dict[str, int], warned: bool, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="recovery_bot.core.config"):
        cfg = parse_config({**REPO, "github": github}, "my.yaml")
    assert cfg.github == GitHubConfig(**github)
    expected = (
        "my.yaml: github.writes_per_minute/writes_per_hour "
        f"({cfg.github.writes_per_minute}/{cfg.github.writes_per_hour}) exceed github.com's "
        "content-creation limits (80/min, 500/h)"
    )
    assert [r.getMessage() for r in caplog.records] == ([expected] if warned else [])


def test_redeliver_window_up_to_three_days() -> None:
    cfg = parse_config({**REPO, "github": {"redeliver_window": "3d"}})
    assert cfg.github.redeliver_window == timedelta(days=3)
    assert _error(parse_config, {**REPO, "github": {"redeliver_window": "72h1s"}}) == (
        "app.yaml: github.redeliver_window: GitHub keeps deliveries for 3 days at most"
    )


def test_unverified_bytes_may_equal_the_largest_body() -> None:
    server = {"max_body_bytes": 4096, "max_unverified_bytes": 4096}
    assert parse_config({**REPO, "server": server}).server == ServerConfig(**server)
    server = {"max_body_bytes": 4097, "max_unverified_bytes": 4096}
    assert _error(parse_config, {**REPO, "server": server}) == (
        "app.yaml: server.max_unverified_bytes: must be at least max_body_bytes (4097), or a "
        "delivery of that size could never be read"
    )


# ------------------------------------------------------------------ parse_config and load_config


def test_top_level_must_be_a_mapping_and_feature_sections_come_from_their_parsers() -> None:
    assert _error(parse_config, ["a"], "x.yaml") == "x.yaml: (top level): must be a mapping"
    assert _error(parse_config, None) == "app.yaml: repositories: is required"
    plain = parse_config(REPO, "x.yaml")
    assert (plain.path, plain.sla, plain.commands, plain.digest) == ("x.yaml", None, None, None)
    seen: list[tuple[Any, ...]] = []

    def parse(sec: Section, cfg: AppConfig) -> str:
        seen.append((sec.file, sec.prefix, dict(sec.data), cfg.repositories, cfg.sla))
        return f"parsed {sec.prefix}"

    data = {**REPO, "sla": {"a": 1}, "digest": None}
    cfg = parse_config(data, "x.yaml", {"sla": parse, "digest": parse})
    assert (cfg.sla, cfg.commands, cfg.digest) == ("parsed sla", None, "parsed digest")
    assert cfg == AppConfig(
        path="x.yaml", repositories=("pypi/support",), sla=cfg.sla, digest=cfg.digest
    )
    assert seen == [
        ("x.yaml", "sla", {"a": 1}, ("pypi/support",), None),
        ("x.yaml", "digest", {}, ("pypi/support",), None),
    ]
    assert parse_config(REPO, "x.yaml", {}) == plain


def test_load_config_reads_the_given_path_then_the_environment_then_the_working_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "given.yaml").write_text("repositories: [a/given]\n", encoding="utf-8")
    (tmp_path / "env.yaml").write_text("repositories: [a/env]\n", encoding="utf-8")
    (tmp_path / "app.yaml").write_text("repositories: [a/cwd]  # é\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("RECOVERY_BOT_CONFIG", raising=False)
    cfg = load_config()
    assert (cfg.path, cfg.repositories) == ("app.yaml", ("a/cwd",))
    monkeypatch.setenv("RECOVERY_BOT_CONFIG", "")
    assert load_config().path == "app.yaml"
    monkeypatch.setenv("RECOVERY_BOT_CONFIG", str(tmp_path / "env.yaml"))
    assert load_config().repositories == ("a/env",)
    given = load_config(tmp_path / "given.yaml")
    assert (given.path, given.repositories) == (str(tmp_path / "given.yaml"), ("a/given",))
    assert load_config("given.yaml").path == "given.yaml"

    def parse(sec: Section, cfg: AppConfig) -> str:
        return f"{sec.prefix} of {cfg.repositories[0]}"

    assert load_config("given.yaml", {"sla": parse}).sla == "sla of a/given"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("repositories: [a/b\n", "line 2: is not valid YAML: did not find expected ',' or ']'"),
        (
            "repositories: a/b\nbot: b: c\n",
            "line 2: is not valid YAML: mapping values are not allowed in this context",
        ),
        ("- a\n- b\n", "(top level): must be a mapping"),
        ("repositories: [a/b]\nbot:\n  login: 3\n", "bot.login: must be a string, got int"),
    ],
)
def test_load_config_errors_name_the_file_and_line(
    tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(content, encoding="utf-8")
    assert _error(load_config, path) == f"{path}: {message}"


def test_load_config_a_missing_or_unreadable_file(tmp_path: Path) -> None:
    missing = tmp_path / "none.yaml"
    assert _error(load_config, missing) == f"{missing}: (file): not found"
    assert _error(load_config, tmp_path) == f"{tmp_path}: (file): cannot be read: Is a directory"


def test_load_config_errors_stay_one_line_for_bytes_yaml_cannot_take(tmp_path: Path) -> None:
    """A control character (YAML's reader error) and a file that is not UTF-8 both end
    start-up with one configuration-error line, not a second line or a traceback."""
    path = tmp_path / "bad.yaml"
    path.write_bytes(b"repositories: [a/b]\x01\n")
    assert _error(load_config, path) == (
        f"{path}: (file): is not valid YAML: unacceptable character #x0001: control "
        "characters are not allowed"
    )
    path.write_bytes(b"repositories: [a/b]\nbot:\n  marker: caf\xe9\n")
    assert _error(load_config, path) == (
        f"{path}: (file): is not UTF-8 text: invalid continuation byte at byte 38"
    )


def test_without_libyaml_the_pure_python_loader_reads_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "app.yaml"
    path.write_text("repositories: [a/b]\nbot: {dry_run: true}\n", encoding="utf-8")
    with_libyaml = load_config(path)
    monkeypatch.delattr(yaml, "CSafeLoader", raising=False)
    assert load_config(path) == with_libyaml
    assert (with_libyaml.repositories, with_libyaml.bot.dry_run) == (("a/b",), True)
