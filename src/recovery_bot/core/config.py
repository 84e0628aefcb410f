"""app.yaml -> frozen dataclasses.

Every problem is reported as ``ConfigError(file, dotted.key, what is wrong)`` so start-up
stops with one actionable line. Unknown keys are errors too: a typo such as
``lables:`` must not silently fall back to defaults.

One schema mechanism for every section: a section is a frozen dataclass and each key is
written once, as its typed field with its default, bounds and checks (``setting``);
:func:`read_section` derives the known keys from the fields and the reader from the
annotation, then calls the dataclass's ``validate`` for rules across keys. A small
hand-written reader rather than msgspec or pydantic: the errors must keep their exact
one-line wording, which both libraries would need translated back from their own, and
``inspect`` imports this module (see the configschema commit for the measurements).

Each feature owns the parser of its own section (``sla.config.parse_sla_config``,
``commands.config.parse_commands_config``, ``digest.config.parse_digest_config``), built on
the same mechanism, so the rules for durations, lists and unknown keys are the same
everywhere. Which sections exist is decided above the features, in ``app.py``
(``app.SECTIONS``), which passes them to :func:`parse_config`: this module imports no
feature.
"""

from __future__ import annotations

import logging
import os
import re
import string
from collections.abc import Callable, Collection, Mapping
from dataclasses import MISSING, Field, dataclass, field, fields, is_dataclass, replace
from datetime import timedelta
from functools import cache, partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import yaml

from recovery_bot.core.durations import parse_duration
from recovery_bot.core.errors import ConfigError
from recovery_bot.core.lazy_re import LazyPattern

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

    from recovery_bot.commands.config import CommandsConfig
    from recovery_bot.digest.config import DigestConfig
    from recovery_bot.sla.config import SlaConfig

log = logging.getLogger(__name__)
T = TypeVar("T", bound="DataclassInstance")
_REPO_RE = LazyPattern(r"\A[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}\Z")
_LOGIN_RE = LazyPattern(r"\A[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\[bot\])?\Z")
_TEAM_RE = LazyPattern(r"\A[A-Za-z0-9-]+/[A-Za-z0-9._-]+\Z")


#: A feature's section parser: (its ``Section``, the config so far) -> its frozen dataclass.
SectionParser = Callable[["Section", "AppConfig"], Any]
#: A key's own reader: (its section, the key, the value given, never None) -> the field value.
Reader = Callable[["Section", str, Any], Any]


class Section:
    """One mapping of app.yaml and its dotted key path, for reading and for error lines."""

    def __init__(self, data: Any, file: str, prefix: str = "") -> None:
        if data is None:
            data = {}
        if not isinstance(data, Mapping):
            raise ConfigError(file, prefix or "(top level)", "must be a mapping")
        self.data: Mapping[str, Any] = data
        self.file = file
        self.prefix = prefix

    def key(self, name: str) -> str:
        return f"{self.prefix}.{name}" if self.prefix else name

    def error(self, name: str, message: str) -> ConfigError:
        return ConfigError(self.file, self.key(name), message)

    def sub(self, name: str) -> Section:
        return Section(self.data.get(name), self.file, self.key(name))


# --------------------------------------------------------------------------- the schema
# A section is a frozen dataclass; each field is one key, declared once: its annotation
# picks the reader (``_BY_TYPE``), ``setting(...)`` holds its default, bounds and checks,
# and an optional ``validate(self, sec)`` method holds the rules across keys. Unknown keys
# are refused with the known ones listed. A field whose default is itself a section
# dataclass is read as a nested section.


def setting(
    default: Any = MISSING,
    *,
    factory: Callable[[], Any] | None = None,
    at_least: float | None = None,
    at_most: float | None = None,
    choices: tuple[str, ...] | None = None,
    template: Collection[str] | None = None,
    check: Reader | None = None,
    read: Reader | None = None,
    key: bool = True,
) -> Any:
    """One key of a section: its default (or ``factory``; neither = required), bounds for
    numbers, ``choices`` for a word, the placeholders a ``template`` may use, a ``check``
    run on the read value, or a ``read`` of its own when the annotation has no reader.
    ``key=False`` marks a field that is not read from app.yaml (``FormSla.form``)."""
    meta = {
        "at_least": at_least,
        "at_most": at_most,
        "choices": choices,
        "template": frozenset(template) if template is not None else None,
        "check": check,
        "read": read,
        "key": key,
    }
    if factory is not None:
        return field(default_factory=factory, metadata=meta)
    return field(default=default, metadata=meta)


@cache
def _fields(cls: type[DataclassInstance]) -> tuple[Field[Any], ...]:
    return fields(cls)


@cache
def keys(cls: type[DataclassInstance]) -> tuple[str, ...]:
    """The keys ``cls`` reads from app.yaml, in declaration order."""
    return tuple(f.name for f in _fields(cls) if f.metadata.get("key", True))


def reject_unknown(sec: Section, known: Collection[str]) -> None:
    """Reject keys the section does not know (typos must not pass silently)."""
    unknown = sorted(str(k) for k in sec.data if k not in known)
    if unknown:
        raise sec.error(unknown[0], f"unknown key (known keys: {', '.join(sorted(known))})")


def read_section(cls: type[T], sec: Section, base: object = None, **fixed: Any) -> T:
    """Read ``sec`` into ``cls``: unknown keys refused, every key converted and checked,
    then ``cls.validate``. Keys absent (or null) take their value from ``base`` (a
    mapping or an instance) when it has one, else the field's default. ``fixed`` values
    are taken as they are (what the caller already read, or what is not in app.yaml)."""
    reject_unknown(sec, keys(cls))
    values = dict(fixed)
    for f in _fields(cls):
        if f.name not in fixed:
            values[f.name] = _value(f, sec, base)
    obj = cls(**values)
    validate = getattr(obj, "validate", None)
    if validate is not None:
        validate(sec)
    return obj


def read_key(cls: type[DataclassInstance], sec: Section, name: str, base: object = None) -> Any:
    """One key of ``cls``, read and checked as :func:`read_section` would."""
    return _value(next(f for f in _fields(cls) if f.name == name), sec, base)


def _default(f: Field[Any], base: object) -> Any:
    if isinstance(base, Mapping):
        if f.name in base:
            return base[f.name]
    elif base is not None:
        return getattr(base, f.name)
    if f.default is not MISSING:
        return f.default
    if f.default_factory is not MISSING:
        return f.default_factory()
    return MISSING


def _value(f: Field[Any], sec: Section, base: object) -> Any:
    meta = f.metadata
    nullable = f.type == "timedelta | None"  # null switches it off rather than defaulting
    default = _default(f, base)
    if f.name not in sec.data or (sec.data[f.name] is None and not nullable):
        if default is MISSING:
            raise sec.error(f.name, "is required")
        return default
    value = sec.data[f.name]
    if meta.get("read") is not None:
        out = meta["read"](sec, f.name, value)
    elif is_dataclass(default) and not isinstance(default, type):
        out = read_section(type(default), sec.sub(f.name), default)
    elif meta.get("choices") is not None:
        out = _choice(sec, f.name, value, meta)
    else:
        try:
            reader = _BY_TYPE[str(f.type)]
        except KeyError:
            raise TypeError(f"{f.name}: no reader for {f.type!r}; give setting(read=...)") from None
        out = reader(sec, f.name, value, meta)
    if meta.get("check") is not None:
        meta["check"](sec, f.name, out)
    return out


def _text(sec: Section, name: str, value: Any, meta: Mapping[str, Any]) -> str:
    if not isinstance(value, str):
        raise sec.error(name, f"must be a string, got {type(value).__name__}")
    if not value.strip():
        raise sec.error(name, "must not be empty")
    if meta.get("template") is not None:
        check_template(sec, name, value, meta["template"])
    return value


def _whole(sec: Section, name: str, value: Any, meta: Mapping[str, Any]) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise sec.error(name, f"must be a whole number, got {value!r}")
    _bounds(sec, name, value, meta)
    return value


def _number(sec: Section, name: str, value: Any, meta: Mapping[str, Any]) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise sec.error(name, f"must be a number, got {value!r}")
    _bounds(sec, name, value, meta)
    return float(value)


def _bounds(sec: Section, name: str, value: float, meta: Mapping[str, Any]) -> None:
    low, high = meta.get("at_least"), meta.get("at_most")
    if low is not None and value < low:
        raise sec.error(name, f"must be at least {low}, got {value}")
    if high is not None and value > high:
        raise sec.error(name, f"must be at most {high}, got {value}")


def _flag(sec: Section, name: str, value: Any, meta: Mapping[str, Any]) -> bool:
    if not isinstance(value, bool):
        raise sec.error(name, f"must be true or false, got {value!r}")
    return value


def _duration(sec: Section, name: str, value: Any, meta: Mapping[str, Any]) -> timedelta:
    if isinstance(value, timedelta):
        return value
    try:
        td = parse_duration(value)
    except ValueError as exc:
        raise sec.error(name, str(exc)) from None
    if td <= timedelta(0):
        raise sec.error(name, "must be longer than zero")
    return td


def _optional_duration(
    sec: Section, name: str, value: Any, meta: Mapping[str, Any]
) -> timedelta | None:
    """A duration that ``null``, ``false`` or ``off``/``none``/``never`` switch off."""
    if value is None or value is False:
        return None
    if isinstance(value, str) and value.strip().lower() in ("off", "none", "never"):
        return None
    return _duration(sec, name, value, meta)


def _strings(sec: Section, name: str, value: Any, meta: Mapping[str, Any]) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise sec.error(name, "must be a list of non-empty strings")
    return tuple(value)


def _choice(sec: Section, name: str, value: Any, meta: Mapping[str, Any]) -> str:
    word = _text(sec, name, value, meta)
    if word not in meta["choices"]:
        raise sec.error(name, f"must be one of {', '.join(meta['choices'])}, got {word!r}")
    return word


_BY_TYPE: dict[str, Callable[[Section, str, Any, Mapping[str, Any]], Any]] = {
    "str": _text,
    "int": _whole,
    "float": _number,
    "bool": _flag,
    "timedelta": _duration,
    "timedelta | None": _optional_duration,
    "tuple[str, ...]": _strings,
}
_NO_META: Mapping[str, Any] = {}


def text(sec: Section, name: str, value: Any) -> str:
    """A non-empty string (for a feature's own readers)."""
    return _text(sec, name, value, _NO_META)


def strings(sec: Section, name: str, value: Any) -> tuple[str, ...]:
    """A list of non-empty strings; one string stands for a list of one."""
    return _strings(sec, name, value, _NO_META)


def template_fields(text: str) -> frozenset[str]:
    """Placeholder names used in ``text`` (assumes it already passed ``check_template``)."""
    return frozenset(f for _, f, _, _ in string.Formatter().parse(text) if f)


def check_template(sec: Section, key: str, text: str, allowed: Collection[str]) -> str:
    """Reject templates that ``str.format_map`` could not render safely.

    Only bare ``{name}`` placeholders from ``allowed`` pass: attribute or index access
    (``{reporter.__class__}``), format specs and conversions are refused, so a config
    typo fails at start-up rather than when a reporter is waiting for an answer.
    """
    known = ", ".join("{" + a + "}" for a in sorted(allowed))
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as exc:
        raise sec.error(
            key, f"is not a valid template ({exc}); write {{{{ and }}}} for literal braces"
        ) from None
    for _, name, spec, conversion in parsed:
        if name is None:
            continue
        if name not in allowed:
            raise sec.error(key, f"unknown placeholder {{{name}}} (known: {known})")
        if spec or conversion:
            raise sec.error(key, f"placeholder {{{name}}} takes no format spec or conversion")
    return text


def _matches(pattern: LazyPattern, what: str, sec: Section, name: str, value: Any) -> None:
    """Every string of the value matches ``pattern``: a field's ``check`` once ``partial``
    binds the first two."""
    for item in (value,) if isinstance(value, str) else value:
        if not pattern.match(item):
            raise sec.error(name, f"{item!r} is {what}")


_login = partial(_matches, _LOGIN_RE, "not a GitHub login")


@dataclass(frozen=True)
class LabelsConfig:
    """Label names. ``form`` is the form's own label (set by GitHub, never by the bot);
    the rest are labels the bot manages."""

    form: str = "account-recovery"
    needs_info: str = "needs more info"
    username_not_found: str = "username not found"
    lost_email: str = "lost email"
    lost_2fa: str = "lost 2fa"
    has_recovery_codes: str = "has recovery codes"
    email_posted: str = "email address posted"
    fast_lane: str = "no projects"
    # The admins' own labels for these situations (pypi/support, 2024-2026).
    test_pypi: str = "test pypi issue"
    security: str = "security issue"
    unverified_email: str = "unverified email"
    new_device: str = "confirmation email not received"

    def managed(self) -> frozenset[str]:
        """Labels the triage decision owns (may add and later remove)."""
        return frozenset(
            {
                self.needs_info,
                self.username_not_found,
                self.lost_email,
                self.lost_2fa,
                self.has_recovery_codes,
                self.email_posted,
                self.fast_lane,
                self.test_pypi,
                self.security,
                self.unverified_email,
                self.new_device,
            }
        )

    def validate(self, sec: Section) -> None:
        """GitHub label names ignore case, so two keys must not name one label."""
        seen: dict[str, str] = {}
        for n in keys(LabelsConfig):
            v: str = getattr(self, n)
            if v.casefold() in seen:
                raise sec.error(n, f"label {v!r} is also used for {seen[v.casefold()]}")
            seen[v.casefold()] = n


def _marker(sec: Section, name: str, value: str) -> None:
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,40}", value):
        raise sec.error(
            name, "must be lower-case letters, digits and '-' (it goes in an HTML comment)"
        )


def _email(sec: Section, name: str, value: str) -> None:
    if "@" not in value:
        raise sec.error(name, "must be an e-mail address")


@dataclass(frozen=True)
class BotConfig:
    login: str = setting("recovery-bot[bot]", check=_login)
    marker: str = setting("recovery-bot", check=_marker)
    # The admins' private channel in every reply from 2022 on; compromised accounts go
    # to the security one.
    support_email: str = setting("support@pypi.org", check=_email)
    security_email: str = setting("security@pypi.org", check=_email)
    dry_run: bool = False


@dataclass(frozen=True)
class MaintainersConfig:
    users: tuple[str, ...] = setting((), check=_login)
    teams: tuple[str, ...] = setting(
        (), check=partial(_matches, _TEAM_RE, "not of the form org/team-slug")
    )
    permission_cache_ttl: timedelta = timedelta(minutes=5)


@dataclass(frozen=True)
class PyPIConfig:
    timeout: timedelta = timedelta(seconds=5)
    found_ttl: timedelta = timedelta(hours=6)
    not_found_ttl: timedelta = timedelta(minutes=10)
    cache_size: int = setting(10_000, at_least=1)


@dataclass(frozen=True)
class GitHubConfig:
    timeout: timedelta = timedelta(seconds=10)
    max_retries: int = setting(4, at_least=0, at_most=20)
    writes_per_minute: int = setting(60, at_least=1)
    writes_per_hour: int = setting(450, at_least=1)
    api_version: str = "2022-11-28"
    redeliver_interval: timedelta = timedelta(minutes=30)
    redeliver_window: timedelta = timedelta(days=3)

    def validate(self, sec: Section) -> None:
        if self.writes_per_minute > 80 or self.writes_per_hour > 500:
            # Allowed (GitHub Enterprise Server sets its own limits; tests run against a
            # fake), but on github.com this invites secondary rate limits.
            log.warning(
                "%s: github.writes_per_minute/writes_per_hour (%d/%d) exceed github.com's "
                "content-creation limits (80/min, 500/h)",
                sec.file, self.writes_per_minute, self.writes_per_hour,
            )  # fmt: skip
        if self.redeliver_window > timedelta(days=3):
            raise sec.error("redeliver_window", "GitHub keeps deliveries for 3 days at most")


@dataclass(frozen=True)
class ServerConfig:
    # 2 MiB: the largest delivery GitHub can send for the events handled is an edited
    # issue comment carrying three 65,536-character bodies (issue, comment, previous
    # comment): 1.2 MB as JSON, 1.8 MB form-encoded, at worst (all CJK or control
    # characters). A typical one is 3-20 KB.
    max_body_bytes: int = setting(2 * 1024 * 1024, at_least=1024, at_most=25 * 1024 * 1024)
    # Bodies being read before their signature is checked, all requests together;
    # beyond it a request is answered 503 before its body is read.
    max_unverified_bytes: int = setting(8 * 1024 * 1024, at_least=1024, at_most=1024**3)
    workers: int = setting(8, at_least=1, at_most=64)
    # The first retry of a failed delivery; each next one waits twice as long (with
    # jitter, capped at 6 h), or longer when GitHub says so (Retry-After).
    retry_failed_after: timedelta = timedelta(seconds=10)
    max_attempts: int = setting(20, at_least=1)

    def validate(self, sec: Section) -> None:
        if self.max_unverified_bytes < self.max_body_bytes:
            raise sec.error(
                "max_unverified_bytes",
                f"must be at least max_body_bytes ({self.max_body_bytes}), or a delivery of "
                "that size could never be read",
            )


def is_repo_name(text: str) -> bool:
    """``owner/name`` as GitHub spells repositories: the check every repository name the
    bot is given passes, in app.yaml (``repositories``) or in code (the digest's links)."""
    return _REPO_RE.match(text) is not None


def _repositories(sec: Section, name: str, value: tuple[str, ...]) -> None:
    if not value:
        raise sec.error(name, "must name at least one owner/repo")
    _matches(_REPO_RE, "not of the form owner/repo", sec, name, value)


@dataclass(frozen=True)
class AppConfig:
    path: str = setting(key=False)
    repositories: tuple[str, ...] = setting(check=_repositories)
    bot: BotConfig = setting(factory=BotConfig)
    maintainers: MaintainersConfig = setting(factory=MaintainersConfig)
    labels: LabelsConfig = setting(factory=LabelsConfig)
    pypi: PyPIConfig = setting(factory=PyPIConfig)
    github: GitHubConfig = setting(factory=GitHubConfig)
    server: ServerConfig = setting(factory=ServerConfig)
    # Feature sections, parsed by their features' parsers (``app.SECTIONS``); None when a
    # config was parsed without them. Named for the type checker only: core imports no
    # feature at run time.
    sla: SlaConfig | None = None
    commands: CommandsConfig | None = None
    digest: DigestConfig | None = None

    @property
    def marker(self) -> str:
        return self.bot.marker


#: The fields :func:`parse_config` leaves to the features' parsers.
_FEATURES = ("sla", "commands", "digest")


def parse_config(
    data: Any, file: str = "app.yaml", sections: Mapping[str, SectionParser] | None = None
) -> AppConfig:
    """Build an AppConfig from parsed YAML, raising ConfigError on the first problem.

    ``sections`` are the feature sections' parsers by key (``app.SECTIONS``); without
    them the feature fields stay ``None``. Callers above the features use
    ``app.parse_config``, which passes them."""
    top = Section(data, file)
    cfg = read_section(AppConfig, top, path=file, **dict.fromkeys(_FEATURES))
    updates = {name: parse(top.sub(name), cfg) for name, parse in (sections or {}).items()}
    return replace(cfg, **updates)


def load_config(
    path: str | os.PathLike[str] | None = None,
    sections: Mapping[str, SectionParser] | None = None,
) -> AppConfig:
    """Read app.yaml (``path``, else ``$RECOVERY_BOT_CONFIG``, else ./app.yaml)."""
    p = Path(path or os.environ.get("RECOVERY_BOT_CONFIG") or "app.yaml")
    file = str(p)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(file, "(file)", "not found") from None
    except OSError as exc:
        raise ConfigError(file, "(file)", f"cannot be read: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(
            file, "(file)", f"is not UTF-8 text: {exc.reason} at byte {exc.start}"
        ) from None
    try:
        # libyaml's safe loader when present: same result as safe_load, ~10x faster.
        data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "(file)"
        # A reader error (a control character) has no problem of its own, and its text
        # goes on to a second line: keep the first, so the error stays one line.
        problem = getattr(exc, "problem", None) or str(exc).partition("\n")[0]
        raise ConfigError(file, where, f"is not valid YAML: {problem}") from None
    return parse_config(data, file, sections)
