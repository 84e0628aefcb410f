"""app.yaml -> frozen dataclasses.

Every problem is reported as ``ConfigError(file, dotted.key, what is wrong)`` so start-up
stops with one actionable line. Unknown keys are errors too: a typo such as
``lables:`` must not silently fall back to defaults.

Each feature owns the parser of its own section (``sla.config.parse_sla_config``,
``commands.config.parse_commands_config``, ``digest.config.parse_digest_config``) and uses
the ``Section`` reader below, so the rules for durations, lists and unknown keys are the
same everywhere. Which sections exist is decided above the features, in ``app.py``
(``app.SECTIONS``), which passes them to :func:`parse_config`: this module imports no
feature.
"""

from __future__ import annotations

import builtins
import logging
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from recovery_bot.core.durations import parse_duration
from recovery_bot.core.errors import ConfigError

if TYPE_CHECKING:
    from recovery_bot.commands.config import CommandsConfig
    from recovery_bot.digest.config import DigestConfig
    from recovery_bot.sla.config import SlaConfig

log = logging.getLogger(__name__)
_MISSING: Any = object()
_REPO_RE = re.compile(r"\A[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}\Z")
_LOGIN_RE = re.compile(r"\A[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\[bot\])?\Z")
_TEAM_RE = re.compile(r"\A[A-Za-z0-9-]+/[A-Za-z0-9._-]+\Z")


#: A feature's section parser: (its ``Section``, the config so far) -> its frozen dataclass.
SectionParser = Callable[["Section", "AppConfig"], Any]


class Section:
    """Typed, key-path-aware reader over one mapping of app.yaml."""

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

    def has(self, name: str) -> bool:
        return name in self.data and self.data[name] is not None

    def raw(self, name: str, default: Any = _MISSING) -> Any:
        if name not in self.data or self.data[name] is None:
            if default is _MISSING:
                raise self.error(name, "is required")
            return default
        return self.data[name]

    def str(self, name: str, default: Any = _MISSING, *, allow_empty: bool = False) -> Any:
        value = self.raw(name, default)
        if value is default and default is not _MISSING:
            return value
        if not isinstance(value, str):
            raise self.error(name, f"must be a string, got {type(value).__name__}")
        if not allow_empty and not value.strip():
            raise self.error(name, "must not be empty")
        return value

    def int(
        self,
        name: builtins.str,
        default: Any = _MISSING,
        *,
        min: int | None = None,
        max: int | None = None,
    ) -> Any:
        value = self.raw(name, default)
        if value is default and default is not _MISSING:
            return value
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(name, f"must be a whole number, got {value!r}")
        if min is not None and value < min:
            raise self.error(name, f"must be at least {min}, got {value}")
        if max is not None and value > max:
            raise self.error(name, f"must be at most {max}, got {value}")
        return value

    def float(
        self, name: builtins.str, default: Any = _MISSING, *, min: float | None = None
    ) -> Any:
        value = self.raw(name, default)
        if value is default and default is not _MISSING:
            return value
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.error(name, f"must be a number, got {value!r}")
        if min is not None and value < min:
            raise self.error(name, f"must be at least {min}, got {value}")
        return float(value)

    def bool(self, name: builtins.str, default: Any = _MISSING) -> Any:
        value = self.raw(name, default)
        if not isinstance(value, bool):
            raise self.error(name, f"must be true or false, got {value!r}")
        return value

    def duration(
        self, name: builtins.str, default: Any = _MISSING, *, positive: builtins.bool = True
    ) -> Any:
        value = self.raw(name, default)
        if isinstance(value, timedelta):
            return value
        if value is default and default is not _MISSING:
            return value
        try:
            td = parse_duration(value)
        except ValueError as exc:
            raise self.error(name, str(exc)) from None
        if positive and td <= timedelta(0):
            raise self.error(name, "must be longer than zero")
        return td

    def str_list(self, name: builtins.str, default: Any = _MISSING) -> Any:
        value = self.raw(name, default)
        if value is default and default is not _MISSING:
            return tuple(value) if isinstance(value, list | tuple) else value
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise self.error(name, "must be a list of non-empty strings")
        return tuple(value)

    def choice(
        self, name: builtins.str, choices: tuple[builtins.str, ...], default: Any = _MISSING
    ) -> Any:
        value = self.str(name, default)
        if value not in choices:
            raise self.error(name, f"must be one of {', '.join(choices)}, got {value!r}")
        return value

    def sub(self, name: builtins.str) -> Section:
        return Section(self.data.get(name), self.file, self.key(name))

    def only(self, *names: builtins.str) -> None:
        """Reject keys this section does not know (typos must not pass silently)."""
        unknown = sorted(set(self.data) - set(names))
        if unknown:
            raise self.error(
                str(unknown[0]), f"unknown key (known keys: {', '.join(sorted(names))})"
            )


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


@dataclass(frozen=True)
class BotConfig:
    login: str = "recovery-bot[bot]"
    marker: str = "recovery-bot"
    # The admins' private channel in every reply from 2022 on; compromised accounts go
    # to the security one.
    support_email: str = "support@pypi.org"
    security_email: str = "security@pypi.org"
    dry_run: bool = False


@dataclass(frozen=True)
class MaintainersConfig:
    users: tuple[str, ...] = ()
    teams: tuple[str, ...] = ()
    permission_cache_ttl: timedelta = timedelta(minutes=5)


@dataclass(frozen=True)
class PyPIConfig:
    timeout: timedelta = timedelta(seconds=5)
    found_ttl: timedelta = timedelta(hours=6)
    not_found_ttl: timedelta = timedelta(minutes=10)
    cache_size: int = 10_000


@dataclass(frozen=True)
class GitHubConfig:
    timeout: timedelta = timedelta(seconds=10)
    max_retries: int = 4
    writes_per_minute: int = 60
    writes_per_hour: int = 450
    api_version: str = "2022-11-28"
    redeliver_interval: timedelta = timedelta(minutes=30)
    redeliver_window: timedelta = timedelta(days=3)


@dataclass(frozen=True)
class ServerConfig:
    # 2 MiB: the largest delivery GitHub can send for the events handled is an edited
    # issue comment carrying three 65,536-character bodies (issue, comment, previous
    # comment): 1.2 MB as JSON, 1.8 MB form-encoded, at worst (all CJK or control
    # characters). A typical one is 3-20 KB.
    max_body_bytes: int = 2 * 1024 * 1024
    # Bodies being read before their signature is checked, all requests together;
    # beyond it a request is answered 503 before its body is read.
    max_unverified_bytes: int = 8 * 1024 * 1024
    workers: int = 8
    # The first retry of a failed delivery; each next one waits twice as long (with
    # jitter, capped at 6 h), or longer when GitHub says so (Retry-After).
    retry_failed_after: timedelta = timedelta(seconds=10)
    max_attempts: int = 20


@dataclass(frozen=True)
class AppConfig:
    path: str
    repositories: tuple[str, ...]
    bot: BotConfig = field(default_factory=BotConfig)
    maintainers: MaintainersConfig = field(default_factory=MaintainersConfig)
    labels: LabelsConfig = field(default_factory=LabelsConfig)
    pypi: PyPIConfig = field(default_factory=PyPIConfig)
    github: GitHubConfig = field(default_factory=GitHubConfig)
    server: ServerConfig = field(default_factory=ServerConfig)
    # Feature sections, parsed by their features' parsers (``app.SECTIONS``); None when a
    # config was parsed without them. Named for the type checker only: core imports no
    # feature at run time.
    sla: SlaConfig | None = None
    commands: CommandsConfig | None = None
    digest: DigestConfig | None = None

    @property
    def marker(self) -> str:
        return self.bot.marker


TOP_KEYS = (
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
)


def _labels(sec: Section) -> LabelsConfig:
    d = LabelsConfig()
    names = tuple(LabelsConfig.__dataclass_fields__)
    sec.only(*names)
    values = {n: sec.str(n, getattr(d, n)) for n in names}
    seen: dict[str, str] = {}
    for n, v in values.items():
        if v.casefold() in seen:
            raise sec.error(n, f"label {v!r} is also used for {seen[v.casefold()]}")
        seen[v.casefold()] = n
    return LabelsConfig(**values)


def parse_config(
    data: Any, file: str = "app.yaml", sections: Mapping[str, SectionParser] | None = None
) -> AppConfig:
    """Build an AppConfig from parsed YAML, raising ConfigError on the first problem.

    ``sections`` are the feature sections' parsers by key (``app.SECTIONS``); without
    them the feature fields stay ``None``. Callers above the features use
    ``app.parse_config``, which passes them."""
    top = Section(data, file)
    top.only(*TOP_KEYS)
    repos = top.str_list("repositories")
    if not repos:
        raise top.error("repositories", "must name at least one owner/repo")
    for r in repos:
        if not _REPO_RE.match(r):
            raise top.error("repositories", f"{r!r} is not of the form owner/repo")

    b = top.sub("bot")
    b.only("login", "marker", "support_email", "security_email", "dry_run")
    bot = BotConfig(
        login=b.str("login", BotConfig.login),
        marker=b.str("marker", BotConfig.marker),
        support_email=b.str("support_email", BotConfig.support_email),
        security_email=b.str("security_email", BotConfig.security_email),
        dry_run=b.bool("dry_run", False),
    )
    if not _LOGIN_RE.match(bot.login):
        raise b.error("login", f"{bot.login!r} is not a GitHub login")
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,40}", bot.marker):
        raise b.error(
            "marker", "must be lower-case letters, digits and '-' (it goes in an HTML comment)"
        )
    for key in ("support_email", "security_email"):
        if "@" not in getattr(bot, key):
            raise b.error(key, "must be an e-mail address")

    m = top.sub("maintainers")
    m.only("users", "teams", "permission_cache_ttl")
    users = m.str_list("users", ())
    for u in users:
        if not _LOGIN_RE.match(u):
            raise m.error("users", f"{u!r} is not a GitHub login")
    teams = m.str_list("teams", ())
    for t in teams:
        if not _TEAM_RE.match(t):
            raise m.error("teams", f"{t!r} is not of the form org/team-slug")
    maintainers = MaintainersConfig(
        users=tuple(users),
        teams=tuple(teams),
        permission_cache_ttl=m.duration("permission_cache_ttl", timedelta(minutes=5)),
    )

    p = top.sub("pypi")
    p.only("timeout", "found_ttl", "not_found_ttl", "cache_size")
    pd = PyPIConfig()
    pypi = PyPIConfig(
        timeout=p.duration("timeout", pd.timeout),
        found_ttl=p.duration("found_ttl", pd.found_ttl),
        not_found_ttl=p.duration("not_found_ttl", pd.not_found_ttl),
        cache_size=p.int("cache_size", pd.cache_size, min=1),
    )

    g = top.sub("github")
    gd = GitHubConfig()
    g.only(*GitHubConfig.__dataclass_fields__)
    github = GitHubConfig(
        timeout=g.duration("timeout", gd.timeout),
        max_retries=g.int("max_retries", gd.max_retries, min=0, max=20),
        writes_per_minute=g.int("writes_per_minute", gd.writes_per_minute, min=1),
        writes_per_hour=g.int("writes_per_hour", gd.writes_per_hour, min=1),
        api_version=g.str("api_version", gd.api_version),
        redeliver_interval=g.duration("redeliver_interval", gd.redeliver_interval),
        redeliver_window=g.duration("redeliver_window", gd.redeliver_window),
    )
    if github.writes_per_minute > 80 or github.writes_per_hour > 500:
        # Allowed (GitHub Enterprise Server sets its own limits; tests run against a
        # fake), but on github.com this invites secondary rate limits.
        log.warning(
            "%s: github.writes_per_minute/writes_per_hour (%d/%d) exceed github.com's "
            "content-creation limits (80/min, 500/h)",
            file, github.writes_per_minute, github.writes_per_hour,
        )
    if github.redeliver_window > timedelta(days=3):
        raise g.error("redeliver_window", "GitHub keeps deliveries for 3 days at most")

    s = top.sub("server")
    sd = ServerConfig()
    s.only(*ServerConfig.__dataclass_fields__)
    server = ServerConfig(
        max_body_bytes=s.int("max_body_bytes", sd.max_body_bytes, min=1024, max=25 * 1024 * 1024),
        max_unverified_bytes=s.int(
            "max_unverified_bytes", sd.max_unverified_bytes, min=1024, max=1024**3
        ),
        workers=s.int("workers", sd.workers, min=1, max=64),
        retry_failed_after=s.duration("retry_failed_after", sd.retry_failed_after),
        max_attempts=s.int("max_attempts", sd.max_attempts, min=1),
    )

    if server.max_unverified_bytes < server.max_body_bytes:
        raise s.error(
            "max_unverified_bytes",
            f"must be at least max_body_bytes ({server.max_body_bytes}), or a delivery of "
            "that size could never be read",
        )

    cfg = AppConfig(
        path=file,
        repositories=tuple(repos),
        bot=bot,
        maintainers=maintainers,
        labels=_labels(top.sub("labels")),
        pypi=pypi,
        github=github,
        server=server,
    )
    return _with_features(cfg, top, sections or {})


def _with_features(
    cfg: AppConfig, top: Section, sections: Mapping[str, SectionParser]
) -> AppConfig:
    """Parse the feature sections with their own parsers, in the order given."""
    import dataclasses

    updates = {name: parse(top.sub(name), cfg) for name, parse in sections.items()}
    return dataclasses.replace(cfg, **updates) if updates else cfg


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
    try:
        # libyaml's safe loader when present: same result as safe_load, ~10x faster.
        data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "(file)"
        problem = getattr(exc, "problem", exc)
        raise ConfigError(file, where, f"is not valid YAML: {problem}") from None
    return parse_config(data, file, sections)
