"""The ``commands:`` section of app.yaml: command names, saved replies and their texts.

Support staff answer account-recovery issues with a dozen replies they used to type by
hand. Those texts live here, with defaults written in the bot's own words, so a team can
reword them in app.yaml without touching code. Everything is checked at start-up: an
unknown placeholder in a reply (``{reportr}``) must stop the bot with the exact key, not
surface months later as a crash in front of a reporter.

Shape (every key optional)::

    commands:
      allowed_labels: [...]              # what /label and /unlabel may touch
      names: {awaiting-response: awaiting}   # rename a command (the old name stops working)
      aliases: {wait: awaiting-response}     # extra names for a command
      replies:                           # saved replies for /reply NAME (merged over defaults)
        contact-support:
          text: "Hi {reporter}, ..."     # placeholders: {reporter} {issue_url} {username}
                                         #   {support_email} {duplicate}
                                         # {reporter} -> "@login" (the one mention);
                                         # {username} -> "the account `alice`", or
                                         #   "your account" when triage found none;
                                         # {duplicate} -> "#N" (a reply using it needs
                                         #   /reply NAME #N or /close duplicate #N)
          summary: one line for /help
          add_labels: []
          remove_labels: []
          awaiting: true                 # add the awaiting label: the reporter owes the move
          close: null                    # or completed | not_planned | duplicate
          snooze: null                   # or a duration: pause the SLA clock that long
        english-please: null             # null/false removes a default reply
      close_replies: {completed: null, not-planned: null,
                      non-response: non-response, duplicate: duplicate}
      wrong_form:                        # targets for /wrong-form (merged over defaults)
        warehouse: {url: ..., text: "... {url} ...", summary: ...}
      snooze_text: "..."                 # placeholders: {until} + the reply ones but {duplicate}
      snooze_max: 90d
      refusal_text: "..."                # placeholders: {actor} {command} {who} {support_email}
      refusal_interval: 1h
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal

from recovery_bot.core.config import (
    AppConfig,
    Section,
    keys,
    read_section,
    reject_unknown,
    setting,
    strings,
    template_fields,
    text,
)
from recovery_bot.core.errors import ConfigError
from recovery_bot.core.lazy_re import LazyPattern

CloseReason = Literal["completed", "not_planned", "duplicate"]
CLOSE_REASONS: tuple[str, ...] = ("completed", "not_planned", "duplicate")
CLOSE_KINDS: tuple[str, ...] = ("completed", "not-planned", "non-response", "duplicate")

#: Label the reporter-owes-the-move state uses when no ``sla:`` section names one.
DEFAULT_AWAITING_LABEL = "awaiting response"
#: Label a snoozed issue carries when no ``sla:`` section names one.
DEFAULT_SNOOZED_LABEL = "sla: snoozed"
#: Labels maintainers set by hand today (FIELD-NOTES section 2) besides the bot's own.
EXTRA_ALLOWED_LABELS: tuple[str, ...] = (
    "security issue",
    "unverified email",
    "test pypi issue",
    "typo email",
    "duplicate",
)

REPLY_PLACEHOLDERS = frozenset({"reporter", "issue_url", "username", "support_email", "duplicate"})
WRONG_FORM_PLACEHOLDERS = (REPLY_PLACEHOLDERS - {"duplicate"}) | {"url"}
SNOOZE_PLACEHOLDERS = (REPLY_PLACEHOLDERS - {"duplicate"}) | {"until"}
REFUSAL_PLACEHOLDERS = frozenset({"actor", "command", "who", "support_email"})

_NAME_RE = LazyPattern(r"\A[a-z][a-z0-9-]{0,39}\Z")
_COMMAND_NAME_RE = LazyPattern(r"\A[a-z][a-z-]{1,31}\Z")
_MAX_LABEL = 50  # GitHub's limit on label names


DEFAULT_SNOOZE_TEXT = (
    "Pausing the response clock on this issue until {until}. `/resume` ends the pause sooner."
)

DEFAULT_REFUSAL_TEXT = (
    "Hi {actor}, thanks! Only PyPI's support team can use {command} here: {who}. "
    "Nothing was changed. If this is your request, there's nothing to run: just reply here "
    "in your own words and a maintainer will see it."
)

_WRONG_QUEUE = "We're closing this one so it doesn't wait in the wrong queue."


def _check_label(sec: Section, key: str, label: str) -> str:
    if label != label.strip() or not label:
        raise sec.error(key, f"label {label!r} has leading or trailing spaces")
    if len(label) > _MAX_LABEL:
        raise sec.error(key, f"label {label!r} is longer than {_MAX_LABEL} characters")
    if any(q in label for q in "\"'“”‘’"):
        raise sec.error(key, f"label {label!r} contains a quote, so it cannot be typed in /label")
    return label


def _labels(sec: Section, key: str, value: Any) -> tuple[str, ...]:
    """Label names as typed in /label (one each, whatever its case)."""
    seen: dict[str, str] = {}
    for label in strings(sec, key, value):
        _check_label(sec, key, label)
        seen.setdefault(label.casefold(), label)
    return tuple(seen.values())


def _http(sec: Section, key: str, url: str) -> None:
    if not re.match(r"\Ahttps?://\S+\Z", url):
        raise sec.error(key, f"{url!r} is not an http(s) URL")


@dataclass(frozen=True)
class SavedReply:
    """One canned answer: its text and what posting it changes on the issue."""

    name: str = setting(key=False)
    text: str = setting(template=REPLY_PLACEHOLDERS)
    summary: str = ""
    add_labels: tuple[str, ...] = setting((), read=_labels)
    remove_labels: tuple[str, ...] = setting((), read=_labels)
    awaiting: bool = False
    close: CloseReason | None = setting(None, choices=CLOSE_REASONS)
    snooze: timedelta | None = None

    @property
    def needs_duplicate(self) -> bool:
        """True when the text names the issue this one duplicates (``{duplicate}``)."""
        return "duplicate" in template_fields(self.text)

    def validate(self, sec: Section) -> None:
        both = {x.casefold() for x in self.add_labels} & {x.casefold() for x in self.remove_labels}
        if both:
            raise sec.error("remove_labels", f"label {sorted(both)[0]!r} is also in add_labels")


@dataclass(frozen=True)
class WrongFormTarget:
    """Where an issue filed through the wrong form belongs, and what to tell the reporter."""

    name: str = setting(key=False)
    url: str = setting(check=_http)
    text: str = setting(
        "Hi {reporter}, this request belongs elsewhere: {url}. " + _WRONG_QUEUE,
        template=WRONG_FORM_PLACEHOLDERS,
    )
    summary: str = ""


@dataclass(frozen=True)
class CommandsConfig:
    """The ``commands:`` section. ``replies``, ``close_replies``, ``wrong_form``, ``names``
    and ``aliases`` depend on each other (or merge over shipped defaults), so
    :func:`parse_commands_config` reads them; the rest are read from their fields."""

    allowed_labels: tuple[str, ...] = setting(read=_labels)  # default: from app.labels
    replies: Mapping[str, SavedReply] = setting()
    close_replies: Mapping[str, str | None] = setting()
    wrong_form: Mapping[str, WrongFormTarget] = setting()
    names: Mapping[str, str] = setting(factory=dict)  # canonical -> name typed
    aliases: Mapping[str, str] = setting(factory=dict)  # extra name -> canonical
    snooze_text: str = setting(DEFAULT_SNOOZE_TEXT, template=SNOOZE_PLACEHOLDERS)
    snooze_max: timedelta = timedelta(days=90)
    refusal_text: str = setting(DEFAULT_REFUSAL_TEXT, template=REFUSAL_PLACEHOLDERS)
    refusal_interval: timedelta = timedelta(hours=1)

    def validate(self, sec: Section) -> None:
        for r in self.replies.values():
            if r.snooze is not None and r.snooze > self.snooze_max:
                raise ConfigError(
                    sec.file,
                    f"{sec.key('replies')}.{r.name}.snooze",
                    "is longer than commands.snooze_max",
                )

    def typed_name(self, canonical: str) -> str:
        """The name maintainers type for a registry command (after renames)."""
        return self.names.get(canonical, canonical)

    def lookup(self) -> dict[str, str]:
        """Every name that may be typed -> the registry command it runs."""
        table = {self.typed_name(c): c for c in COMMAND_NAMES}
        table.update(self.aliases)
        return table


#: The commands ``commands.rules`` registers, in its order (``/help`` lists them so).
#: Named here so this section's parser needs no import of the rules (which import it);
#: ``rules`` refuses to load if its registry and this list ever differ.
COMMAND_NAMES: tuple[str, ...] = (
    "help", "recheck", "reply", "close", "reopen", "awaiting-response", "resume", "snooze",
    "label", "unlabel", "assign", "unassign", "fast-track", "wrong-form",
)  # fmt: skip

# --- default texts ------------------------------------------------------------------
# Short, kind and specific; never ask anyone to post an address here (the issue is public).

_NO_ADDRESSES = (
    "Please don't post e-mail addresses or other personal details here: this issue is public."
)

DEFAULT_REPLIES: dict[str, dict[str, Any]] = {
    "contact-support": {
        "summary": "ask the reporter to e-mail the support inbox from the address they want",
        "awaiting": True,
        "text": (
            "Hi {reporter}, thanks for your patience. To go on, please send an e-mail to "
            "{support_email} **from the address you'd like on the account**, and include a "
            "link to this issue ({issue_url}) so we can match the two. "
            + _NO_ADDRESSES
            + " We'll take it from there once your message arrives."
        ),
    },
    "confirm-email": {
        "summary": "ask the reporter to confirm the address on file by e-mail",
        "awaiting": True,
        "text": (
            "Hi {reporter}, so we can confirm the request comes from you, please send an "
            "e-mail to {support_email} **from the address already on file for {username}**, "
            "with a link to this issue ({issue_url}). " + _NO_ADDRESSES
        ),
    },
    "started": {
        "summary": "recovery started; look for our e-mail",
        "awaiting": True,
        "text": (
            "Hi {reporter}, we've started the recovery of {username} and sent you an e-mail "
            "with the next steps. Please follow it (and check your spam folder). If nothing "
            "arrives within a few days, tell us here, without posting any addresses, and "
            "we'll look into it."
        ),
    },
    "done": {
        "summary": "recovery complete; closes the issue",
        "close": "completed",
        "text": (
            "Good news, {reporter}: the recovery of {username} is complete and you can sign "
            "in again. Please set up two-factor authentication right away and keep the new "
            "recovery codes somewhere safe, such as a password manager. We're closing this "
            "issue; if anything still isn't right, comment here and we'll reopen it."
        ),
    },
    "has-recovery-codes": {
        "summary": "the account still has unused recovery codes",
        "awaiting": True,
        "text": (
            "Hi {reporter}, {username} still has unused recovery codes. They were shown when "
            "two-factor authentication was set up, and people often saved them as a file or "
            "in a password manager. Each code signs you in once in place of your 2FA device, "
            "and then you can set up 2FA again. Could you look for them and tell us here "
            "whether they work? Recovery without them is done by hand and takes much longer."
        ),
    },
    "no-public-repo-wait": {
        "summary": "no public repository to check, so a seven-day wait (pauses the clock 7d)",
        "snooze": "7d",
        "text": (
            "Thanks, {reporter}, we've received your e-mail. None of the projects on "
            "{username} links to a public source repository we could check ownership "
            "against, so to keep the account safe we wait seven days before completing the "
            "recovery. Nothing more is needed from you; we'll update this issue when it's done."
        ),
    },
    "username-not-found": {
        "summary": "no PyPI account has the username in the issue",
        "awaiting": True,
        "text": (
            "Hi {reporter}, we couldn't find a PyPI account with the username given in this "
            "issue. Your username isn't your e-mail address or display name; you can find "
            'it under "Maintainers" on your projects\' pages, or in e-mails PyPI sent you. '
            "If the account is on TestPyPI, please say so. Then edit the issue with the "
            "right username; there's no need to open a new one."
        ),
    },
    "english-please": {
        "summary": "ask the reporter to write in English",
        "awaiting": True,
        "text": (
            "Hi {reporter}, thanks for writing in. PyPI's support team works in English: "
            "could you describe your request again in English? A machine translation is "
            "perfectly fine."
        ),
    },
    "follow-up": {
        "summary": "still waiting on the reporter; one more week before closing",
        "awaiting": True,
        "text": (
            "Hi {reporter}, just checking in: we still need your reply to continue with this "
            "request. We'll keep the issue open for one more week and close it if we haven't "
            "heard from you by then. Even after that, a comment here is enough to pick it up "
            "again."
        ),
    },
    "non-response": {
        "summary": "close after no reply (used by /close non-response)",
        "close": "not_planned",
        "text": (
            "We haven't heard back, {reporter}, so we're closing this issue for now. If you "
            "still need help with your account, comment here and we'll pick it up again."
        ),
    },
    "duplicate": {
        "summary": "close as a duplicate of #N (used by /close duplicate #N)",
        "close": "duplicate",
        "text": (
            "Hi {reporter}, this is the same request as {duplicate}, so we're closing this "
            "one to keep everything in one place. Please follow {duplicate} for updates. "
            "Requests are handled in the order they arrive; a second issue doesn't change "
            "your place."
        ),
    },
}

DEFAULT_CLOSE_REPLIES: dict[str, str | None] = {
    # /close and /close not-planned usually follow the maintainer's own words: stay quiet.
    "completed": None,
    "not-planned": None,
    "non-response": "non-response",
    "duplicate": "duplicate",
}

DEFAULT_WRONG_FORM: dict[str, dict[str, str]] = {
    "warehouse": {
        "url": "https://github.com/pypi/warehouse/issues",
        "summary": "bugs and feature requests for pypi.org",
        "text": (
            "Hi {reporter}, thanks for the report! Bugs and feature requests for pypi.org "
            "itself are tracked in the Warehouse repository: {url}. Could you open it "
            "there? " + _WRONG_QUEUE
        ),
    },
    "pep541": {
        "url": "https://github.com/pypi/support/issues/new?template=pep541-request.yml",
        "summary": "taking over an abandoned project name",
        "text": (
            "Hi {reporter}, requests to take over an abandoned project name go through the "
            "PEP 541 form: {url}. Please file it there. " + _WRONG_QUEUE
        ),
    },
    "account-recovery": {
        "url": "https://github.com/pypi/support/issues/new?template=account-recovery.yml",
        "summary": "lost access to one's own account",
        "text": (
            "Hi {reporter}, it sounds like you've lost access to your own account. Please use "
            "the account recovery form, which asks for exactly what we need: {url}. " + _WRONG_QUEUE
        ),
    },
    "organizations": {
        "url": "https://docs.pypi.org/organization-accounts/support/",
        "summary": "organization requests, features and billing",
        "text": (
            "Hi {reporter}, help with PyPI organizations (requests, features and billing) "
            "has its own support page: {url}. " + _WRONG_QUEUE
        ),
    },
    "security": {
        "url": "https://pypi.org/security/",
        "summary": "security reports (must not be public)",
        "text": (
            "Hi {reporter}, thank you for raising this. Security problems should not be "
            "reported in public: please follow PyPI's security policy at {url}. We're closing "
            "this issue; if it contains sensitive details, tell us and we'll hide them."
        ),
    },
}


# --- named entries -----------------------------------------------------------------


def _merged_entries(
    sec: Section, defaults: Mapping[str, Mapping[str, Any]], shorthand: str, invalid: str
) -> list[tuple[str, Section]]:
    """The entries of a named-entries section (``replies``, ``wrong_form``) merged key by
    key over the shipped defaults, in order: defaults first, then new names.

    Rewording a default keeps its other keys (labels, close reason); ``null``/``false``
    removes a default; a bare string stands for the ``shorthand`` key.
    """
    given: dict[str, Any] = {}
    for name, value in sec.data.items():
        if not isinstance(name, str) or not _NAME_RE.match(name):
            raise sec.error(str(name), "names are lower-case letters, digits and '-'")
        given[name] = value
    out: list[tuple[str, Section]] = []
    for name in (*defaults, *(n for n in given if n not in defaults)):
        raw = given.get(name, {})
        if raw is None or raw is False:
            continue  # removed by the operator
        if isinstance(raw, str):
            raw = {shorthand: raw}
        if not isinstance(raw, Mapping):
            raise sec.error(name, invalid)
        out.append((name, Section({**defaults.get(name, {}), **raw}, sec.file, sec.key(name))))
    return out


# --- the section parser -------------------------------------------------------------


def _close_replies(cr: Section, replies: Mapping[str, SavedReply]) -> dict[str, str | None]:
    reject_unknown(cr, CLOSE_KINDS)
    close_replies: dict[str, str | None] = {}
    for kind in CLOSE_KINDS:
        if kind in cr.data:
            name = cr.data[kind]
            if name is not None and not isinstance(name, str):
                raise cr.error(kind, "must be the name of a saved reply, or null")
        else:
            name = DEFAULT_CLOSE_REPLIES[kind]
        if name is not None:
            if name not in replies:
                raise cr.error(kind, f"no saved reply named {name!r} (commands.replies)")
            if kind != "duplicate" and replies[name].needs_duplicate:
                raise cr.error(
                    kind,
                    f"reply {name!r} uses {{duplicate}}, which only /close duplicate #N can fill",
                )
        close_replies[kind] = name
    return close_replies


def _names(sec: Section, canonical: tuple[str, ...]) -> tuple[dict[str, str], dict[str, str]]:
    names_sec, alias_sec = sec.sub("names"), sec.sub("aliases")
    names: dict[str, str] = {}
    for c, typed in names_sec.data.items():
        if c not in canonical:
            raise names_sec.error(str(c), f"no such command (commands: {', '.join(canonical)})")
        typed = text(names_sec, c, typed)
        if not _COMMAND_NAME_RE.match(typed):
            raise names_sec.error(c, f"{typed!r} is not a command name (letters and '-')")
        names[c] = typed
    aliases: dict[str, str] = {}
    for alias, target in alias_sec.data.items():
        if not isinstance(alias, str) or not _COMMAND_NAME_RE.match(alias):
            raise alias_sec.error(str(alias), "is not a command name (letters and '-')")
        target = text(alias_sec, alias, target)
        if target not in canonical:
            raise alias_sec.error(alias, f"{target!r} is not a command ({', '.join(canonical)})")
        aliases[alias] = target
    # Unrenamed commands claim their names first, so a clash is reported at the rename.
    taken: dict[str, str] = {c: c for c in canonical if c not in names}
    for c, typed in names.items():
        if typed in taken:
            raise names_sec.error(c, f"/{typed} already names the {taken[typed]} command")
        taken[typed] = c
    for alias in aliases:  # (aliases are distinct keys, so none clashes with another)
        if alias in taken:
            raise alias_sec.error(alias, f"/{alias} already names the {taken[alias]} command")
    return names, aliases


def parse_commands_config(section: Section, app: AppConfig) -> CommandsConfig:
    """Read ``commands:`` (absent -> the shipped defaults), failing on the first problem."""
    reject_unknown(section, keys(CommandsConfig))
    replies = {
        name: read_section(SavedReply, r, name=name)
        for name, r in _merged_entries(
            section.sub("replies"), DEFAULT_REPLIES, "text",
            "must be a mapping (text, summary, ...) or a string",
        )
    }  # fmt: skip
    wrong_form = {
        name: read_section(WrongFormTarget, t, name=name)
        for name, t in _merged_entries(
            section.sub("wrong_form"), DEFAULT_WRONG_FORM, "url",
            "must be a mapping (url, text, summary) or a URL",
        )
    }  # fmt: skip
    close_replies = _close_replies(section.sub("close_replies"), replies)
    names, aliases = _names(section, COMMAND_NAMES)
    defaults = [*sorted(app.labels.managed()), DEFAULT_AWAITING_LABEL, *EXTRA_ALLOWED_LABELS]
    default_labels = _labels(section, "allowed_labels", defaults)  # one of each
    return read_section(
        CommandsConfig,
        section,
        {"allowed_labels": default_labels},
        replies=replies,
        close_replies=close_replies,
        wrong_form=wrong_form,
        names=names,
        aliases=aliases,
    )
