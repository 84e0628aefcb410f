"""The ``sla:`` section of app.yaml -> :class:`SlaConfig`.

Shape (every key optional; an absent or empty section gives :data:`DEFAULT_FORMS` and the
defaults below)::

    sla:
      sweep_interval: 1h              # how often the sweep re-reads open issues
      max_writes_per_sweep: 50        # ceiling on GitHub writes per sweep (1..500)
      holidays: [2026-12-25]          # ISO dates, added to every form's own holidays
      labels:
        due_soon: "sla: due soon"
        overdue: "sla: overdue"
        snoozed: "sla: snoozed"
        awaiting: "awaiting response"             # "the move is the reporter's"
        awaiting_aliases: ["status: awaiting response"]
      forms:                          # when given, exactly these forms are tracked
        account-recovery:
          first_response: 7d          # maintainers' first reply, from created_at
          next_response: 5d           # maintainers' next reply, from the reporter's answer
          warn_before: 1d             # "due soon" margin; must be shorter than both targets
          remind_after: 14d           # reporter silent this long -> reminder (null/off = never)
          close_after: null           # reporter silent this long -> close as not planned
          business_days: false        # true: weekends (Sat/Sun UTC) and holidays don't count
          holidays: []
      reminder_text: "..."            # may use {reporter}, {issue_url}, {days}
      close_text: "..."
      queue_buckets: [10, 25, 50, 100, 200, 400]
      triage_missed_within: 7d        # sweep triages missed issues filed this recently
                                      # (null = any age: backfills an old backlog)

Why the defaults are what they are:

- **Calendar days, not business days.** FIELD-NOTES section 3 measures the delay to the
  first maintainer comment in calendar days: for today's form (T4, n=131) the median is 4,
  p75 7 and p90 8 days. A 7-day calendar target sits at today's p75, so "overdue" flags
  the slow quarter rather than the typical case, and it compares directly with those
  numbers. (Seven *business* days is ~9-11 calendar days, beyond p90: it would almost
  never fire.) Reporters live in calendar time, part of the queue is worked by volunteers
  who are not bound to office days, and calendar time needs no holiday list to maintain.
  Operators who want weekends off set ``business_days: true`` per form.
- **Closing is off.** Closing "mostly loses information" (anchors (b).7); maintainers
  close for non-response by hand today after a follow-up (FIELD-NOTES: 19 "one more week"
  then closed). ``close_after`` exists for teams that want it, and it requires a reminder
  first (``remind_after`` set and shorter).
- **Reminder after 14 days** for account recovery: pip's no-response bot closes after 15
  (anchors (b).15); a 14-day nudge is kinder than a close and asks e-mail repliers to say
  so here, since mails to the inbox sometimes never arrive (FIELD-NOTES section 3).
- PEP 541 requests involve contacting the current owner and run for weeks (30d/14d);
  limit requests are lighter (14d/7d).

``forms`` replaces the defaults as a whole (listing only ``account-recovery`` means only
that form is tracked); inside a listed form, keys left out take that form's default.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from recovery_bot.core.config import (
    keys,
    read_key,
    read_section,
    reject_unknown,
    setting,
    strings,
    text,
)
from recovery_bot.core.durations import format_duration
from recovery_bot.intake.forms import FORM_IDS

if TYPE_CHECKING:
    from recovery_bot.core.config import AppConfig, Section

#: Form ids as the form parser reports them (one list, owned by ``forms``).
KNOWN_FORMS: tuple[str, ...] = FORM_IDS

#: Placeholders the saved replies may use.
TEXT_FIELDS: tuple[str, ...] = ("reporter", "issue_url", "days")

DEFAULT_REMINDER_TEXT = (
    "Hi @{reporter}, this request is waiting for your reply (it has been {days} days). "
    "If you already answered by e-mail, please say so here: mail to the support inbox "
    "sometimes goes missing. Without a reply, a maintainer may close this issue."
)
DEFAULT_CLOSE_TEXT = (
    "Closing this request because we have not heard back in {days} days. "
    "If you still need help, reply here and a maintainer will reopen it."
)


def _holidays(sec: Section, key: str, value: Any) -> frozenset[date]:
    if not isinstance(value, list):
        raise sec.error(key, "must be a list of ISO dates (YYYY-MM-DD)")
    out: set[date] = set()
    for item in value:
        if isinstance(item, datetime):
            raise sec.error(key, f"{item.isoformat()} has a time; give the date only")
        if isinstance(item, date):
            out.add(item)
            continue
        try:
            if not isinstance(item, str):
                raise ValueError
            out.add(date.fromisoformat(item.strip()))
        except ValueError:
            raise sec.error(key, f"{item!r} is not an ISO date (YYYY-MM-DD)") from None
    return frozenset(out)


@dataclass(frozen=True)
class FormSla:
    """SLA targets for one issue form.

    ``business_days`` applies to the maintainers' targets (``first_response``,
    ``next_response``, ``warn_before``): those measure staff time. The reporter's waits
    (``remind_after``, ``close_after``) are calendar time: the reporter's silence does not
    pause for our weekends.
    """

    form: str = setting(key=False)
    first_response: timedelta = setting()
    next_response: timedelta = setting()
    warn_before: timedelta = setting()
    remind_after: timedelta | None = setting()
    close_after: timedelta | None = None
    business_days: bool = False
    holidays: frozenset[date] = setting(frozenset(), read=_holidays)

    def validate(self, sec: Section) -> None:
        warn, first, nxt = self.warn_before, self.first_response, self.next_response
        if warn >= first:
            raise sec.error("warn_before", f"must be shorter than first_response ({_fmt(first)})")
        if warn >= nxt:
            raise sec.error("warn_before", f"must be shorter than next_response ({_fmt(nxt)})")
        if self.close_after is not None:
            if self.remind_after is None:
                raise sec.error(
                    "close_after", "needs remind_after: the bot never closes without a reminder"
                )
            if self.close_after <= self.remind_after:
                raise sec.error(
                    "close_after", f"must be longer than remind_after ({_fmt(self.remind_after)})"
                )


def _label(sec: Section, key: str, value: Any) -> str:
    return text(sec, key, value).strip()


def _aliases(sec: Section, key: str, value: Any) -> tuple[str, ...]:
    return tuple(a.strip() for a in strings(sec, key, value))


@dataclass(frozen=True)
class SlaLabels:
    """Label names for SLA states.

    ``due_soon``/``overdue``/``snoozed`` are the bot's own (mutually exclusive, set by the
    sweep). ``awaiting`` and its ``awaiting_aliases`` are put on by maintainers (or the
    ``/awaiting-response`` command) to say the reporter owes the move; both spellings are
    in use on pypi/support (FIELD-NOTES section 2), so both are read.
    """

    due_soon: str = setting("sla: due soon", read=_label)
    overdue: str = setting("sla: overdue", read=_label)
    awaiting: str = setting("awaiting response", read=_label)
    snoozed: str = setting("sla: snoozed", read=_label)
    awaiting_aliases: tuple[str, ...] = setting(("status: awaiting response",), read=_aliases)

    def awaiting_names(self) -> frozenset[str]:
        """Case-folded names that mean "awaiting the reporter" (GitHub labels ignore case)."""
        return frozenset(n.casefold() for n in (self.awaiting, *self.awaiting_aliases))

    def state_labels(self) -> tuple[str, str, str]:
        """The labels the SLA sweep owns."""
        return (self.due_soon, self.overdue, self.snoozed)

    def validate(self, sec: Section) -> None:
        """No label twice (GitHub label names ignore case), none empty."""
        named = [(k, getattr(self, k)) for k in ("due_soon", "overdue", "awaiting", "snoozed")]
        seen: dict[str, str] = {}
        for key, v in (*named, *(("awaiting_aliases", a) for a in self.awaiting_aliases)):
            if not v:
                raise sec.error(key, "must not be empty")
            if v.casefold() in seen:
                raise sec.error(key, f"label {v!r} is also used for {seen[v.casefold()]}")
            seen[v.casefold()] = key


DEFAULT_FORMS: Mapping[str, FormSla] = MappingProxyType(
    {
        "account-recovery": FormSla(
            form="account-recovery",
            first_response=timedelta(days=7),
            next_response=timedelta(days=5),
            warn_before=timedelta(days=1),
            remind_after=timedelta(days=14),
        ),
        "pep541": FormSla(
            form="pep541",
            first_response=timedelta(days=30),
            next_response=timedelta(days=14),
            warn_before=timedelta(days=3),
            remind_after=timedelta(days=30),
        ),
        "limit-request-file": FormSla(
            form="limit-request-file",
            first_response=timedelta(days=14),
            next_response=timedelta(days=7),
            warn_before=timedelta(days=2),
            remind_after=timedelta(days=14),
        ),
        "limit-request-project": FormSla(
            form="limit-request-project",
            first_response=timedelta(days=14),
            next_response=timedelta(days=7),
            warn_before=timedelta(days=2),
            remind_after=timedelta(days=14),
        ),
    }
)


def _forms(sec: Section, key: str, value: Any) -> Mapping[str, FormSla]:
    """``forms:`` replaces the defaults as a whole; a listed form's absent keys take that
    form's defaults. (The common ``holidays`` are added by :func:`parse_sla_config`.)"""
    fsec = sec.sub(key)
    if not fsec.data:
        raise sec.error(key, "must name at least one form (omit it for defaults)")
    forms: dict[str, FormSla] = {}
    for name in fsec.data:
        if not isinstance(name, str) or name not in KNOWN_FORMS:
            raise fsec.error(str(name), f"unknown form id (known: {', '.join(KNOWN_FORMS)})")
        one = fsec.sub(name)
        base = DEFAULT_FORMS.get(name)
        if base is None:  # a form without defaults: first_response is required
            reject_unknown(one, keys(FormSla))  # a typo is reported as such, not as missing
            first = read_key(FormSla, one, "first_response")
            base = FormSla(name, first, first, timedelta(days=1), timedelta(days=14))
        forms[name] = read_section(FormSla, one, base)  # ``form`` is not a key: base's
    return MappingProxyType(forms)


def _buckets(sec: Section, key: str, value: Any) -> tuple[int, ...]:
    if not isinstance(value, list) or not value:
        raise sec.error(key, "must be a non-empty list of whole numbers")
    prev = 0
    for v in value:
        if isinstance(v, bool) or not isinstance(v, int) or v <= prev:
            raise sec.error(key, "must be positive whole numbers in increasing order")
        prev = v
    return tuple(value)


@dataclass(frozen=True)
class SlaConfig:
    forms: Mapping[str, FormSla] = setting(factory=lambda: DEFAULT_FORMS, read=_forms)
    labels: SlaLabels = setting(factory=SlaLabels)
    sweep_interval: timedelta = timedelta(hours=1)
    max_writes_per_sweep: int = setting(50, at_least=1, at_most=500)
    reminder_text: str = setting(DEFAULT_REMINDER_TEXT, template=TEXT_FIELDS)
    close_text: str = setting(DEFAULT_CLOSE_TEXT, template=TEXT_FIELDS)
    queue_buckets: tuple[int, ...] = setting((10, 25, 50, 100, 200, 400), read=_buckets)
    # The sweep triages an issue that never got the bot's comment only when it was filed
    # this recently (None: any age). Lost deliveries are recent; an old backlog that
    # predates the bot is not commented on unless an operator widens this on purpose.
    triage_missed_within: timedelta | None = timedelta(days=7)
    # Added to every form's own holidays, listed or default (already in ``forms``).
    holidays: frozenset[date] = setting(frozenset(), read=_holidays)

    def for_form(self, form: str | None) -> FormSla | None:
        """The SLA of ``form``, or None when that form is not tracked."""
        return self.forms.get(form) if form else None


def parse_sla_config(section: Section, app: AppConfig) -> SlaConfig:
    """Read ``sla:`` (``section`` is ``top.sub("sla")``), raising ConfigError on the first
    problem with its dotted key, e.g. ``sla.forms.account-recovery.first_response``."""
    cfg = read_section(SlaConfig, section)
    # The sweep adds and removes its state labels; sharing one with triage would make the
    # two fight over it. (The awaiting label may be shared: it is only read.)
    triage = {getattr(app.labels, n).casefold(): n for n in app.labels.__dataclass_fields__}
    for key in ("due_soon", "overdue", "snoozed"):
        mine: str = getattr(cfg.labels, key)
        other = triage.get(mine.casefold())
        if other:
            raise section.sub("labels").error(key, f"label {mine!r} is also labels.{other}")
    if not cfg.holidays:
        return cfg
    forms = {n: replace(f, holidays=f.holidays | cfg.holidays) for n, f in cfg.forms.items()}
    return replace(cfg, forms=MappingProxyType(forms))


def _fmt(td: timedelta) -> str:
    return format_duration(td)


__all__ = [
    "DEFAULT_FORMS",
    "KNOWN_FORMS",
    "FormSla",
    "SlaConfig",
    "SlaLabels",
    "parse_sla_config",
]
