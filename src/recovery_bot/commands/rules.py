"""Slash-commands: run the ones a comment holds as pure functions returning Plans.

Maintainers answer account-recovery issues with a dozen replies; a command turns each
into one line that posts the reply, sets the labels and starts the right clock. This
module is the functional core only: it never calls GitHub. The shell looks up the
commenter's permission, reacts (👍 for ``ok``, 😕 plus ``error`` otherwise) and applies
the merged Plan with the same applier triage uses.

Finding the commands in a comment is ``parse``'s job (``find_commands``).

Running them (``run_commands``): in order, each against the context as the previous
ones left it (``/unlabel x`` then ``/label x`` ends with ``x``). A failing command does
not stop the rest: commands are independent one-liners, and making a maintainer retype
five lines because the third had a typo helps nobody; the failure is reported (😕) with
its own one-line error and changes nothing.

Idempotence: labels already present are not re-added, absent ones are not removed, an
issue already closed is not closed again. Replies are always posted: posting the text is
the point of the command (the shell runs edited comments' *new* commands only, so an
edit never re-posts).

Choices worth knowing:

* Closing (``/close``, ``/wrong-form``, a reply with ``close``) also removes the awaiting
  label (and its aliases) and the snoozed label: a closed issue owes nobody a move.
* ``/close`` and ``/close not-planned`` post nothing by default (the maintainer's own
  words usually stand right above the command); ``non-response`` and ``duplicate #N``
  post their saved replies. ``commands.close_replies`` changes this.
* ``/unassign`` with no argument unassigns the actor, never everyone: clearing other
  people's claims should take naming them.
* At most 20 commands per comment run; the rest are reported, not run.

Every reply carries a hidden marker (``<!-- recovery-bot:reply NAME -->``) and a snooze
also ``<!-- recovery-bot:snooze until=2026-12-01T00:00:00Z -->``, so the SLA sweep reads
replies and snoozes from GitHub, which stays the only source of truth.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, TypedDict

from recovery_bot.commands.config import (
    COMMAND_NAMES,
    DEFAULT_AWAITING_LABEL,
    DEFAULT_SNOOZED_LABEL,
    CloseReason,
    CommandsConfig,
    SavedReply,
    parse_commands_config,
)
from recovery_bot.commands.parse import Invocation, find_commands, new_commands
from recovery_bot.core.config import AppConfig, Section
from recovery_bot.core.durations import format_duration, parse_duration
from recovery_bot.core.plans import Plan, StateReason
from recovery_bot.core.pypi_user import is_valid_username

# --- context, results, registry -----------------------------------------------------


@dataclass(frozen=True)
class CommandContext:
    """Everything a command may look at; the shell builds it from the webhook payload."""

    repo: str
    issue_number: int
    issue_url: str
    reporter: str
    actor: str
    username: str | None  # the PyPI username triage found, if any
    labels: tuple[str, ...]
    state: str  # "open" / "closed"
    assignees: tuple[str, ...]
    now: datetime
    config: AppConfig


@dataclass(frozen=True)
class CommandResult:
    plan: Plan
    ok: bool
    error: str | None = None  # one line: what was wrong + the right syntax
    recheck: bool = False  # /recheck: re-triage bypassing the PyPI cache
    snooze_until: datetime | None = None


CommandFunc = Callable[[tuple[str, ...], CommandContext], CommandResult]


@dataclass(frozen=True)
class CommandSpec:
    name: str
    func: CommandFunc
    usage: str
    summary: str


class CommandError(Exception):
    """Bad arguments; the message says what was wrong (``run_command`` adds the usage)."""


REGISTRY: dict[str, CommandSpec] = {}


def command(name: str, usage: str, summary: str) -> Callable[[CommandFunc], CommandFunc]:
    """Register a command: adding one is this decorator on one function (plus, if it
    posts text, one default in ``commands_config``)."""

    def register(func: CommandFunc) -> CommandFunc:
        REGISTRY[name] = CommandSpec(name, func, usage, summary)
        return func

    return register


def commands_config(cfg: AppConfig) -> CommandsConfig:
    """The parsed ``commands:`` section, or the shipped defaults when the AppConfig was
    built without it (hand-made configs in tests of other modules)."""
    if isinstance(cfg.commands, CommandsConfig):
        return cfg.commands
    return parse_commands_config(Section({}, cfg.path, "commands"), cfg)


def known_names(cfg: AppConfig) -> frozenset[str]:
    """Every name that runs a command (renames and aliases included): pass to
    ``find_commands``."""
    return frozenset(commands_config(cfg).lookup())


def awaiting_label(cfg: AppConfig) -> str:
    """The reporter-owes-the-move label (the SLA section's, else the default)."""
    return cfg.sla.labels.awaiting if cfg.sla is not None else DEFAULT_AWAITING_LABEL


def snoozed_label(cfg: AppConfig) -> str:
    return cfg.sla.labels.snoozed if cfg.sla is not None else DEFAULT_SNOOZED_LABEL


def allowed_labels(cfg: AppConfig) -> tuple[str, ...]:
    """Labels /label and /unlabel may touch: the configured list plus the awaiting
    label and its aliases (which /awaiting-response and /resume change anyway, so
    refusing them in /label would only be a surprise)."""
    labels = commands_config(cfg).allowed_labels
    have = {x.casefold() for x in labels}
    extra = [x for x in clock_labels(cfg)[:-1] if x.casefold() not in have]
    return (*labels, *extra)


# --- markers ------------------------------------------------------------------------

SNOOZE_KIND = "snooze"
REPLY_KIND = "reply"
REFUSAL_KIND = "refusal"
_STAMP = "%Y-%m-%dT%H:%M:%SZ"


def reply_marker(name: str, marker: str = "recovery-bot") -> str:
    """Hidden tag naming the reply (``contact-support``, ``cmd:help``, ...)."""
    return f"<!-- {marker}:{REPLY_KIND} {name} -->"


def snooze_marker(until: datetime, marker: str = "recovery-bot") -> str:
    return f"<!-- {marker}:{SNOOZE_KIND} until={until.astimezone(UTC).strftime(_STAMP)} -->"


def parse_snooze_marker(body: str | None, marker: str = "recovery-bot") -> datetime | None:
    """The snooze end recorded in a bot comment (the last marker wins), or None.

    Feed it only comments the bot wrote: anyone can paste a marker into a comment.
    """
    if not body:
        return None
    found = re.findall(rf"<!--\s*{re.escape(marker)}:{SNOOZE_KIND}\s+until=(\S+?)\s*-->", body)
    for stamp in reversed(found):
        try:
            return datetime.strptime(stamp, _STAMP).replace(tzinfo=UTC)
        except ValueError:
            continue
    return None


def parse_reply_markers(body: str | None, marker: str = "recovery-bot") -> tuple[str, ...]:
    """Names of the replies a bot comment carries (e.g. ``("follow-up",)``)."""
    if not body:
        return ()
    return tuple(re.findall(rf"<!--\s*{re.escape(marker)}:{REPLY_KIND}\s+(\S+)\s*-->", body))


def _with_markers(text: str, cfg: AppConfig, name: str, until: datetime | None = None) -> str:
    out = f"{text}\n\n{reply_marker(name, cfg.bot.marker)}"
    if until is not None:
        out += f"\n{snooze_marker(until, cfg.bot.marker)}"
    return out


# --- refusals (who may run commands is permissions.Maintainers' call) --------------


def refusal_text(actor: str, cfg: AppConfig, command: str | None = None) -> str:
    """The one polite reply to someone who may not run ``command``: who may, and that
    nothing changed. Configured users and teams are named inside code spans, so the
    refusal pings nobody but the actor."""
    cc = commands_config(cfg)
    who = "people with write, maintain or admin access to this repository"
    named = [f"`@{u}`" for u in cfg.maintainers.users]
    named += [f"members of `@{t}`" for t in cfg.maintainers.teams]
    if named:
        who += ", plus " + ", ".join(named)
    text = cc.refusal_text.format_map(
        {
            "actor": f"@{actor}",
            "command": f"`/{command}`" if command else "slash-commands",
            "who": who,
            "support_email": cfg.bot.support_email,
        }
    )
    return f"{text}\n\n<!-- {cfg.bot.marker}:{REFUSAL_KIND} -->"


def refusal_due(comments: Iterable[Any], now: datetime, cfg: AppConfig) -> bool:
    """False when the bot already refused someone on this issue within
    ``commands.refusal_interval`` (at most one refusal per issue per hour by default).

    ``comments`` are ``snapshot.CommentInfo``-like (author, created_at, body); the last
    refusal is found by its marker, so the limit survives restarts.
    """
    tag = f"<!-- {cfg.bot.marker}:{REFUSAL_KIND} -->"
    interval = commands_config(cfg).refusal_interval
    for c in comments:
        by_bot = c.author.casefold() == cfg.bot.login.casefold() or getattr(c, "is_bot", False)
        if by_bot and tag in (c.body or "") and now - c.created_at < interval:
            return False
    return True


# --- running ------------------------------------------------------------------------


def run_command(inv: Invocation, ctx: CommandContext) -> CommandResult:
    """Run one command through the registry; never raises for user mistakes."""
    cc = commands_config(ctx.config)
    lookup = cc.lookup()
    canonical = lookup.get(inv.name.lower())
    if canonical is None:
        hint = difflib.get_close_matches(inv.name.lower(), list(lookup), cutoff=0.75)
        guess = f" Did you mean `/{hint[0]}`?" if hint else ""
        return CommandResult(
            Plan(),
            ok=False,
            error=f"Unknown command `/{_safe(inv.name)}`.{guess} Try `/{cc.typed_name('help')}`.",
        )
    spec = REGISTRY[canonical]
    try:
        return spec.func(inv.args, ctx)
    except CommandError as exc:
        return CommandResult(Plan(), ok=False, error=f"{exc} Usage: `{usage(spec, cc)}`")


def run_commands(
    invs: Iterable[Invocation], ctx: CommandContext
) -> tuple[Plan, list[CommandResult]]:
    """Run commands in order; returns the merged Plan of the successful ones and every
    result (one per invocation, same order) for the reactions and error replies."""
    plan = Plan()
    results: list[CommandResult] = []
    for inv in invs:
        res = run_command(inv, ctx)
        results.append(res)
        if res.ok:
            plan = plan.merged(res.plan)
            ctx = _advance(ctx, res.plan)
    return plan, results


#: Bounds the work and the error reply one comment can cause.
MAX_COMMANDS_PER_COMMENT = 20


@dataclass(frozen=True)
class CommentOutcome:
    """Everything one comment asks for, decided purely; the shell reacts (👍 per ok
    result, 😕 per failed one, nothing when refused) and applies ``plan``."""

    invocations: tuple[Invocation, ...]
    results: tuple[CommandResult, ...]  # one per invocation; empty when refused
    plan: Plan  # merged plans of the successful commands + one error reply, or the refusal
    refused: bool = False
    recheck: bool = False
    snooze_until: datetime | None = None


def handle_comment(
    body: str | None,
    ctx: CommandContext,
    *,
    permitted: bool,
    may_refuse: bool = True,
    edited: bool = False,
    previous_body: str | None = None,
) -> CommentOutcome:
    """Decide what a created or edited comment does.

    ``permitted`` comes from ``permissions.Maintainers.is_maintainer``; ``may_refuse``
    from ``refusal_due`` (one refusal per issue per interval). The shell has already
    dropped comments by the bot and other bots (``permissions.is_bot_account``). A
    non-maintainer gets at most the refusal, and only for *known* command names, and
    nothing else changes.
    """
    known = known_names(ctx.config)
    invs = new_commands(previous_body, body, known) if edited else find_commands(body, known)
    if not permitted:
        attempted = tuple(i for i in invs if i.known)
        if not attempted:
            return CommentOutcome((), (), Plan())
        replies = (refusal_text(ctx.actor, ctx.config, attempted[0].name),) if may_refuse else ()
        return CommentOutcome(attempted, (), Plan(replies=replies), refused=True)
    dropped = len(invs) - MAX_COMMANDS_PER_COMMENT
    invs = invs[:MAX_COMMANDS_PER_COMMENT]
    plan, results = run_commands(invs, ctx)
    errors = [r.error for r in results if r.error]  # only failed results carry one
    if dropped > 0:
        errors.append(
            f"Only the first {MAX_COMMANDS_PER_COMMENT} commands of a comment run; "
            f"{dropped} more were ignored."
        )
    if errors:
        plan = plan.merged(Plan(replies=(error_reply(ctx.actor, errors, ctx.config),)))
    snoozes = [r.snooze_until for r in results if r.ok and r.snooze_until]
    return CommentOutcome(
        tuple(invs),
        tuple(results),
        plan,
        recheck=any(r.ok and r.recheck for r in results),
        snooze_until=snoozes[-1] if snoozes else None,
    )


def error_reply(actor: str, errors: Sequence[str], cfg: AppConfig) -> str:
    """One reply for every failed command of a comment (not one comment per error)."""
    if len(errors) == 1:
        text = f"@{actor} {errors[0]}"
    else:
        text = f"@{actor} some commands didn't run:\n" + "\n".join(f"- {e}" for e in errors)
    return _with_markers(text, cfg, "cmd:error")


def not_assigned_reply(actor: str, logins: Sequence[str], cfg: AppConfig) -> str:
    """The one line for an ``/assign`` GitHub ignored (its "add assignees" endpoint drops
    anyone who cannot be assigned and still answers 201). Logins sit in code spans, so
    ``@everyone`` notifies nobody."""
    who = _codes(_safe(x) for x in logins)
    text = (
        f"@{actor} sorry, GitHub did not assign {who}: only people with access to this "
        "repository can be assigned."
    )
    return _with_markers(text, cfg, "cmd:error")


def _advance(ctx: CommandContext, plan: Plan) -> CommandContext:
    """The context as it will be once ``plan`` is applied (for the next command)."""
    gone = {x.casefold() for x in plan.remove_labels}
    labels = [x for x in ctx.labels if x.casefold() not in gone]
    labels += [x for x in plan.add_labels if x.casefold() not in {y.casefold() for y in labels}]
    unassigned = {x.casefold() for x in plan.assignees_remove}
    assignees = [a for a in ctx.assignees if a.casefold() not in unassigned]
    assignees += [a for a in plan.assignees_add if not _has(assignees, a)]
    return dataclasses.replace(
        ctx,
        labels=tuple(labels),
        state=plan.state or ctx.state,
        assignees=tuple(assignees),
    )


# --- helpers for command functions ------------------------------------------------------


def usage(spec: CommandSpec, cc: CommandsConfig) -> str:
    """The usage line with the name maintainers actually type (after renames)."""
    return "/" + cc.typed_name(spec.name) + spec.usage[len(spec.name) + 1 :]


def _safe(text: str, limit: int = 40) -> str:
    """User text shown inside a code span: no backticks to break out, bounded length."""
    text = text.replace("`", "'")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _codes(items: Iterable[str]) -> str:
    """``a``, ``b``: names listed in code spans (no mention can fire inside one)."""
    return ", ".join(f"`{x}`" for x in items)


def _has(items: Iterable[str], value: str) -> bool:
    return value.casefold() in {x.casefold() for x in items}


def _ok(plan: Plan | None = None, **kw: Any) -> CommandResult:
    return CommandResult(plan or Plan(), ok=True, **kw)


def _no_args(args: tuple[str, ...]) -> None:
    if args:
        raise CommandError(f"This command takes no arguments (got `{_safe(' '.join(args))}`).")


class _LabelChanges(TypedDict):
    add_labels: tuple[str, ...]
    remove_labels: tuple[str, ...]


def _label_changes(
    ctx: CommandContext, add: Iterable[str] = (), remove: Iterable[str] = ()
) -> _LabelChanges:
    """Plan fields for the labels that actually change (idempotence)."""
    present = {x.casefold(): x for x in ctx.labels}
    add_t = tuple(dict.fromkeys(x for x in add if x.casefold() not in present))
    remove_t = tuple(
        dict.fromkeys(present[x.casefold()] for x in remove if x.casefold() in present)
    )
    return {"add_labels": add_t, "remove_labels": remove_t}


def clock_labels(cfg: AppConfig) -> tuple[str, ...]:
    """The labels that say whose move it is or that the clock is paused: the awaiting
    label, its aliases (older spellings such as ``status: awaiting response``) and the
    snoozed label. /resume and closing remove all of them."""
    aliases = cfg.sla.labels.awaiting_aliases if cfg.sla is not None else ()
    return (awaiting_label(cfg), *aliases, snoozed_label(cfg))


def render(template: str, ctx: CommandContext, **extra: str) -> str:
    """Fill a (validated) template. ``{reporter}`` is the one intended @mention;
    ``{username}`` is shown only when it is a valid PyPI name, so nothing the reporter
    typed reaches the comment verbatim."""
    user = ctx.username
    values = {
        "reporter": f"@{ctx.reporter}",
        "issue_url": ctx.issue_url,
        "username": f"the account `{user}`" if user and is_valid_username(user) else "your account",
        "support_email": ctx.config.bot.support_email,
        **extra,  # {duplicate}: config lets only replies given #N use it
    }
    return template.format_map(values)


def _issue_number(arg: str, ctx: CommandContext) -> int:
    m = re.fullmatch(r"#?(\d{1,9})", arg)
    if not m or int(m.group(1)) == 0:
        raise CommandError(f"`{_safe(arg)}` is not an issue number like `#1234`.")
    number = int(m.group(1))
    if number == ctx.issue_number:
        raise CommandError(f"An issue cannot duplicate itself (#{number}).")
    return number


def _reply_result(
    reply: SavedReply,
    ctx: CommandContext,
    *,
    duplicate: int | None = None,
    close: CloseReason | None = None,
) -> CommandResult:
    """Post ``reply`` and apply its labels, close and snooze. ``close`` overrides the
    reply's own close reason (``/close`` decides the reason, the reply only the words)."""
    reason = close or reply.close
    add = list(reply.add_labels)
    remove = list(reply.remove_labels)
    if reply.awaiting:
        add.append(awaiting_label(ctx.config))
    until = None
    if reply.snooze is not None:
        until = _stamp(ctx.now + reply.snooze)
        add.append(snoozed_label(ctx.config))
    extra = {"duplicate": f"#{duplicate}"} if duplicate is not None else {}
    text = _with_markers(render(reply.text, ctx, **extra), ctx.config, reply.name, until)
    return _closing(ctx, add, remove, (text,), reason, snooze_until=until)


def _closing(
    ctx: CommandContext,
    add: list[str],
    remove: list[str],
    replies: tuple[str, ...],
    reason: CloseReason | None,
    **result: Any,
) -> CommandResult:
    """A result that posts ``replies``, changes labels and, with ``reason``, closes.

    Closing also drops the awaiting and snoozed labels: a closed issue owes nobody a
    move, and leaving them would show it as waiting in every report.
    """
    state: Literal["closed"] | None = None
    state_reason: StateReason | None = None
    if reason:
        clock = clock_labels(ctx.config)
        add = [x for x in add if not _has(clock, x)]
        remove = [*remove, *clock]
        if ctx.state != "closed":
            state, state_reason = "closed", reason
    plan = Plan(
        replies=replies, **_label_changes(ctx, add, remove), state=state, state_reason=state_reason
    )
    return _ok(plan, **result)


def _stamp(t: datetime) -> datetime:
    t = t if t.tzinfo else t.replace(tzinfo=UTC)
    return t.astimezone(UTC).replace(microsecond=0)


_LOGIN = re.compile(r"\A@?([A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38})\Z")


def _logins(args: tuple[str, ...], ctx: CommandContext) -> list[str]:
    if not args:
        return [ctx.actor]
    out: list[str] = []
    for a in args:
        if a.lower() in ("me", "@me"):
            out.append(ctx.actor)
            continue
        m = _LOGIN.match(a)
        if not m:
            raise CommandError(f"`{_safe(a)}` is not a GitHub username.")
        out.append(m.group(1))
    unique: dict[str, str] = {}
    for login in out:  # GitHub logins are case-insensitive: keep the first spelling
        unique.setdefault(login.casefold(), login)
    return list(unique.values())


def _resolve_labels(args: tuple[str, ...], ctx: CommandContext) -> list[str]:
    """Map arguments to allowed labels (case-insensitive, canonical spelling).

    Unquoted words are joined greedily to the longest allowed label they spell, so
    ``/label unverified email`` works as well as ``/label "unverified email"``.
    """
    allowed = allowed_labels(ctx.config)
    by_key = {x.casefold(): x for x in allowed}
    if not args:
        raise CommandError("Name at least one label.")
    out: list[str] = []
    i = 0
    while i < len(args):
        for j in range(len(args), i, -1):
            key = " ".join(args[i:j]).casefold()
            if key in by_key:
                out.append(by_key[key])
                i = j
                break
        else:
            raise CommandError(
                f"`{_safe(args[i])}` is not a label commands may set (allowed: {_codes(allowed)})."
            )
    return list(dict.fromkeys(out))


# --- the commands ---------------------------------------------------------------------


@command("help", "/help [COMMAND]", "list the commands, or show one")
def cmd_help(args: tuple[str, ...], ctx: CommandContext) -> CommandResult:
    cc = commands_config(ctx.config)
    names = cc.lookup()
    if len(args) > 1:
        raise CommandError("Name at most one command.")
    if args:
        wanted = names.get(args[0].lstrip("/").lower())
        if wanted is None:
            raise CommandError(f"There is no command `/{_safe(args[0].lstrip('/'))}`.")
        spec = REGISTRY[wanted]
        text = f"`{usage(spec, cc)}` — {spec.summary}."
    else:
        text = help_text(ctx.config)
    return _ok(Plan(replies=(_with_markers(text, ctx.config, "cmd:help"),)))


def help_text(cfg: AppConfig) -> str:
    """The /help reply, generated from REGISTRY and the configuration."""
    cc = commands_config(cfg)
    aliases: dict[str, list[str]] = {}
    for alias, target in cc.aliases.items():
        aliases.setdefault(target, []).append(f"`/{alias}`")
    lines = [
        "**Commands** for PyPI's support team: one per line, several in one comment run in order.",
        "",
    ]
    for spec in REGISTRY.values():
        also = f" (also {', '.join(aliases[spec.name])})" if spec.name in aliases else ""
        lines.append(f"- `{usage(spec, cc)}`{also} — {spec.summary}")
    lines += ["", f"**Saved replies** for `/{cc.typed_name('reply')} NAME`:", ""]
    for r in cc.replies.values():
        lines.append(f"- `{r.name}`" + (f" — {r.summary}" if r.summary else ""))
    targets = _codes(cc.wrong_form)
    labels = _codes(allowed_labels(cfg))
    lines += [
        "",
        f"**Targets** for `/{cc.typed_name('wrong-form')}`: {targets}.",
        "",
        f"**Labels** for `/{cc.typed_name('label')}` and `/{cc.typed_name('unlabel')}`: {labels}.",
    ]
    return "\n".join(lines)


@command("recheck", "/recheck", "triage the issue again now, skipping the PyPI cache")
def cmd_recheck(args: tuple[str, ...], ctx: CommandContext) -> CommandResult:
    _no_args(args)
    return _ok(recheck=True)


@command(
    "reply",
    "/reply NAME [#N]",
    "post a saved reply; it may also set labels, close the issue or pause the clock",
)
def cmd_reply(args: tuple[str, ...], ctx: CommandContext) -> CommandResult:
    cc = commands_config(ctx.config)
    if not args:
        raise CommandError(f"Name a saved reply ({_codes(cc.replies)}).")
    if len(args) > 2:
        raise CommandError("Too many arguments.")
    reply = cc.replies.get(args[0].lower())
    if reply is None:
        raise CommandError(
            f"There is no saved reply `{_safe(args[0])}` (saved replies: {_codes(cc.replies)})."
        )
    if reply.needs_duplicate and len(args) < 2:
        raise CommandError(f"`{reply.name}` needs the issue this one duplicates, like `#1234`.")
    if not reply.needs_duplicate and len(args) > 1:
        raise CommandError(f"`{reply.name}` takes no issue number.")
    duplicate = _issue_number(args[1], ctx) if len(args) > 1 else None
    return _reply_result(reply, ctx, duplicate=duplicate)


_CLOSE_REASONS: dict[str, CloseReason] = {
    "completed": "completed",
    "not-planned": "not_planned",
    "non-response": "not_planned",
    "duplicate": "duplicate",
}


@command(
    "close",
    "/close [completed|not-planned|non-response|duplicate #N]",
    "close the issue with the matching reason and saved reply",
)
def cmd_close(args: tuple[str, ...], ctx: CommandContext) -> CommandResult:
    kind = args[0].lower().replace("_", "-") if args else "completed"
    if kind not in _CLOSE_REASONS:
        raise CommandError(f"`{_safe(args[0])}` is not a way to close.")
    if kind == "duplicate":
        if len(args) != 2:
            raise CommandError("`duplicate` needs the issue this one duplicates, like `#1234`.")
        duplicate: int | None = _issue_number(args[1], ctx)
    else:
        if len(args) > 1:
            raise CommandError(f"`{kind}` takes nothing after it.")
        duplicate = None
    reason = _CLOSE_REASONS[kind]
    reply_name = commands_config(ctx.config).close_replies.get(kind)
    if reply_name is None:
        return _closing(ctx, [], [], (), reason)
    reply = commands_config(ctx.config).replies[reply_name]
    return _reply_result(reply, ctx, duplicate=duplicate, close=reason)


@command("reopen", "/reopen", "reopen the issue")
def cmd_reopen(args: tuple[str, ...], ctx: CommandContext) -> CommandResult:
    _no_args(args)
    if ctx.state == "closed":
        return _ok(Plan(state="open", state_reason="reopened"))
    return _ok()


@command(
    "awaiting-response",
    "/awaiting-response",
    "the reporter owes the next move (adds the awaiting label)",
)
def cmd_awaiting(args: tuple[str, ...], ctx: CommandContext) -> CommandResult:
    _no_args(args)
    return _ok(Plan(**_label_changes(ctx, add=[awaiting_label(ctx.config)])))


@command("resume", "/resume", "our move again (removes the awaiting and snoozed labels)")
def cmd_resume(args: tuple[str, ...], ctx: CommandContext) -> CommandResult:
    _no_args(args)
    return _ok(Plan(**_label_changes(ctx, remove=clock_labels(ctx.config))))


_DATE = re.compile(r"\A(\d{4})-(\d{2})-(\d{2})\Z")


def parse_snooze(arg: str, now: datetime, limit: timedelta) -> datetime:
    """``7d``/``2w``/``36h`` from now, or a ``YYYY-MM-DD`` (midnight UTC); in the future
    and at most ``limit`` away, so a snooze can never silently park an issue forever."""
    now = _stamp(now)
    if m := _DATE.match(arg):
        try:
            until = datetime(int(m[1]), int(m[2]), int(m[3]), tzinfo=UTC)
        except ValueError:
            raise CommandError(f"`{_safe(arg)}` is not a date.") from None
    else:
        if arg.isdigit():
            raise CommandError(f"`{_safe(arg)}` needs a unit, like `{arg}d`.")
        try:
            until = now + parse_duration(arg)
        except ValueError:
            raise CommandError(f"`{_safe(arg)}` is not a duration or a date.") from None
    if until <= now:
        raise CommandError(f"`{_safe(arg)}` is not in the future.")
    if until - now > limit:
        raise CommandError(f"A snooze lasts at most {format_duration(limit)}.")
    return until


@command(
    "snooze",
    "/snooze 7d|2w|36h|YYYY-MM-DD",
    "pause the SLA clock for a while or until a date",
)
def cmd_snooze(args: tuple[str, ...], ctx: CommandContext) -> CommandResult:
    if len(args) != 1:
        raise CommandError("Give one duration or date.")
    cc = commands_config(ctx.config)
    until = parse_snooze(args[0], ctx.now, cc.snooze_max)
    text = render(cc.snooze_text, ctx, until=f"{until:%Y-%m-%d %H:%M} UTC")
    body = _with_markers(text, ctx.config, "cmd:snooze", until)
    plan = Plan(replies=(body,), **_label_changes(ctx, add=[snoozed_label(ctx.config)]))
    return _ok(plan, snooze_until=until)


@command("label", '/label NAME ["OTHER NAME" ...]', "add labels (quote names with spaces)")
def cmd_label(args: tuple[str, ...], ctx: CommandContext) -> CommandResult:
    return _ok(Plan(**_label_changes(ctx, add=_resolve_labels(args, ctx))))


@command("unlabel", '/unlabel NAME ["OTHER NAME" ...]', "remove labels")
def cmd_unlabel(args: tuple[str, ...], ctx: CommandContext) -> CommandResult:
    return _ok(Plan(**_label_changes(ctx, remove=_resolve_labels(args, ctx))))


_MAX_ASSIGNEES = 10  # GitHub's limit per issue


@command("assign", "/assign [@user|me ...]", "assign someone (default: you)")
def cmd_assign(args: tuple[str, ...], ctx: CommandContext) -> CommandResult:
    new = [x for x in _logins(args, ctx) if not _has(ctx.assignees, x)]
    if len(ctx.assignees) + len(new) > _MAX_ASSIGNEES:
        raise CommandError(f"An issue can have at most {_MAX_ASSIGNEES} assignees.")
    return _ok(Plan(assignees_add=tuple(new)))


@command(
    "unassign",
    "/unassign [@user|me ...]",
    "unassign someone (default: you, never everyone)",
)
def cmd_unassign(args: tuple[str, ...], ctx: CommandContext) -> CommandResult:
    current = {a.casefold(): a for a in ctx.assignees}
    gone = [current[x.casefold()] for x in _logins(args, ctx) if x.casefold() in current]
    return _ok(Plan(assignees_remove=tuple(gone)))


@command("fast-track", "/fast-track", "mark the request for the fast lane (advisory label)")
def cmd_fast_track(args: tuple[str, ...], ctx: CommandContext) -> CommandResult:
    _no_args(args)
    return _ok(Plan(**_label_changes(ctx, add=[ctx.config.labels.fast_lane])))


@command(
    "wrong-form",
    "/wrong-form TARGET",
    "point the reporter to the right place and close as not planned",
)
def cmd_wrong_form(args: tuple[str, ...], ctx: CommandContext) -> CommandResult:
    targets = commands_config(ctx.config).wrong_form
    names = _codes(targets)
    if len(args) != 1:
        raise CommandError(f"Name one target ({names}).")
    target = targets.get(args[0].lower())
    if target is None:
        raise CommandError(f"`{_safe(args[0])}` is not a target ({names}).")
    text = render(target.text, ctx, url=target.url)
    body = _with_markers(text, ctx.config, f"cmd:wrong-form:{target.name}")
    return _closing(ctx, [], [], (body,), "not_planned")


if tuple(REGISTRY) != COMMAND_NAMES:  # pragma: no cover - fails at import, loudly
    raise RuntimeError(
        f"commands.config.COMMAND_NAMES {COMMAND_NAMES} != registered {tuple(REGISTRY)}"
    )
