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

import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

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


@dataclass(frozen=True)
class FormSla:
    """SLA targets for one issue form.

    ``business_days`` applies to the maintainers' targets (``first_response``,
    ``next_response``, ``warn_before``): those measure staff time. The reporter's waits
    (``remind_after``, ``close_after``) are calendar time: the reporter's silence does not
    pause for our weekends.
    """

    form: str
    first_response: timedelta
    next_response: timedelta
    warn_before: timedelta
    remind_after: timedelta | None
    close_after: timedelta | None = None
    business_days: bool = False
    holidays: frozenset[date] = frozenset()


@dataclass(frozen=True)
class SlaLabels:
    """Label names for SLA states.

    ``due_soon``/``overdue``/``snoozed`` are the bot's own (mutually exclusive, set by the
    sweep). ``awaiting`` and its ``awaiting_aliases`` are put on by maintainers (or the
    ``/awaiting-response`` command) to say the reporter owes the move; both spellings are
    in use on pypi/support (FIELD-NOTES section 2), so both are read.
    """

    due_soon: str = "sla: due soon"
    overdue: str = "sla: overdue"
    awaiting: str = "awaiting response"
    snoozed: str = "sla: snoozed"
    awaiting_aliases: tuple[str, ...] = ("status: awaiting response",)

    def awaiting_names(self) -> frozenset[str]:
        """Case-folded names that mean "awaiting the reporter" (GitHub labels ignore case)."""
        return frozenset(n.casefold() for n in (self.awaiting, *self.awaiting_aliases))

    def state_labels(self) -> tuple[str, str, str]:
        """The labels the SLA sweep owns."""
        return (self.due_soon, self.overdue, self.snoozed)


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


@dataclass(frozen=True)
class SlaConfig:
    forms: Mapping[str, FormSla] = field(default_factory=lambda: DEFAULT_FORMS)
    labels: SlaLabels = field(default_factory=SlaLabels)
    sweep_interval: timedelta = timedelta(hours=1)
    max_writes_per_sweep: int = 50
    reminder_text: str = DEFAULT_REMINDER_TEXT
    close_text: str = DEFAULT_CLOSE_TEXT
    queue_buckets: tuple[int, ...] = (10, 25, 50, 100, 200, 400)
    # The sweep triages an issue that never got the bot's comment only when it was filed
    # this recently (None: any age). Lost deliveries are recent; an old backlog that
    # predates the bot is not commented on unless an operator widens this on purpose.
    triage_missed_within: timedelta | None = timedelta(days=7)

    def for_form(self, form: str | None) -> FormSla | None:
        """The SLA of ``form``, or None when that form is not tracked."""
        return self.forms.get(form) if form else None


_TOP_KEYS = (
    "sweep_interval",
    "max_writes_per_sweep",
    "holidays",
    "labels",
    "forms",
    "reminder_text",
    "close_text",
    "queue_buckets",
    "triage_missed_within",
)
_FORM_KEYS = (
    "first_response",
    "next_response",
    "warn_before",
    "remind_after",
    "close_after",
    "business_days",
    "holidays",
)
_OFF = ("off", "none", "never")


def parse_sla_config(section: Section, app: AppConfig) -> SlaConfig:
    """Read ``sla:`` (``section`` is ``top.sub("sla")``), raising ConfigError on the first
    problem with its dotted key, e.g. ``sla.forms.account-recovery.first_response``."""
    section.only(*_TOP_KEYS)
    d = SlaConfig()
    common_holidays = _holidays(section, "holidays")
    labels = _labels(section.sub("labels"), app)

    if section.has("forms"):
        fsec = section.sub("forms")
        if not fsec.data:
            raise section.error("forms", "must name at least one form (omit it for defaults)")
        forms: dict[str, FormSla] = {}
        for name in fsec.data:
            if not isinstance(name, str) or name not in KNOWN_FORMS:
                raise fsec.error(str(name), f"unknown form id (known: {', '.join(KNOWN_FORMS)})")
            forms[name] = _form(fsec.sub(name), name, common_holidays)
    else:
        forms = {
            n: FormSla(**{**_fields(f), "holidays": f.holidays | common_holidays})
            for n, f in DEFAULT_FORMS.items()
        }

    reminder_text = section.str("reminder_text", d.reminder_text)
    _check_template(section, "reminder_text", reminder_text)
    close_text = section.str("close_text", d.close_text)
    _check_template(section, "close_text", close_text)

    return SlaConfig(
        forms=MappingProxyType(forms),
        labels=labels,
        sweep_interval=section.duration("sweep_interval", d.sweep_interval),
        max_writes_per_sweep=section.int(
            "max_writes_per_sweep", d.max_writes_per_sweep, min=1, max=500
        ),
        reminder_text=reminder_text,
        close_text=close_text,
        queue_buckets=_buckets(section, d.queue_buckets),
        triage_missed_within=_optional_duration(
            section, "triage_missed_within", d.triage_missed_within
        ),
    )


def _fields(f: FormSla) -> dict[str, Any]:
    return {k: getattr(f, k) for k in FormSla.__dataclass_fields__}


def _form(sec: Section, name: str, common_holidays: frozenset[date]) -> FormSla:
    sec.only(*_FORM_KEYS)
    base = DEFAULT_FORMS.get(name)
    if base is None:
        first = sec.duration("first_response")  # required: no default for this form
        base = FormSla(
            form=name,
            first_response=first,
            next_response=first,
            warn_before=timedelta(days=1),
            remind_after=timedelta(days=14),
        )
    first = sec.duration("first_response", base.first_response)
    nxt = sec.duration("next_response", base.next_response)
    warn = sec.duration("warn_before", base.warn_before)
    remind = _optional_duration(sec, "remind_after", base.remind_after)
    close = _optional_duration(sec, "close_after", base.close_after)
    if warn >= first:
        raise sec.error("warn_before", f"must be shorter than first_response ({_fmt(first)})")
    if warn >= nxt:
        raise sec.error("warn_before", f"must be shorter than next_response ({_fmt(nxt)})")
    if close is not None:
        if remind is None:
            raise sec.error(
                "close_after", "needs remind_after: the bot never closes without a reminder"
            )
        if close <= remind:
            raise sec.error("close_after", f"must be longer than remind_after ({_fmt(remind)})")
    return FormSla(
        form=name,
        first_response=first,
        next_response=nxt,
        warn_before=warn,
        remind_after=remind,
        close_after=close,
        business_days=sec.bool("business_days", base.business_days),
        holidays=_holidays(sec, "holidays") | common_holidays,
    )


def _optional_duration(sec: Section, key: str, default: timedelta | None) -> timedelta | None:
    """A duration that may be switched off with ``null``, ``false`` or ``off``."""
    if key in sec.data:
        value = sec.data[key]
        if value is None or value is False:
            return None
        if isinstance(value, str) and value.strip().lower() in _OFF:
            return None
    elif default is None:
        return None
    td: timedelta = sec.duration(key, default)
    return td


def _holidays(sec: Section, key: str) -> frozenset[date]:
    value = sec.raw(key, [])
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


def _labels(sec: Section, app: AppConfig) -> SlaLabels:
    d = SlaLabels()
    sec.only(*SlaLabels.__dataclass_fields__)
    values: dict[str, str] = {
        n: sec.str(n, getattr(d, n)).strip() for n in ("due_soon", "overdue", "awaiting", "snoozed")
    }
    aliases = tuple(a.strip() for a in sec.str_list("awaiting_aliases", d.awaiting_aliases))
    seen: dict[str, str] = {}
    for key, v in (*values.items(), *(("awaiting_aliases", a) for a in aliases)):
        if not v:
            raise sec.error(key, "must not be empty")
        if v.casefold() in seen:
            raise sec.error(key, f"label {v!r} is also used for {seen[v.casefold()]}")
        seen[v.casefold()] = key
    # The sweep adds and removes its state labels; sharing one with triage would make the
    # two fight over it. (The awaiting label may be shared: it is only read.)
    triage = {getattr(app.labels, n).casefold(): n for n in app.labels.__dataclass_fields__}
    for key in ("due_soon", "overdue", "snoozed"):
        other = triage.get(values[key].casefold())
        if other:
            raise sec.error(key, f"label {values[key]!r} is also labels.{other}")
    return SlaLabels(awaiting_aliases=aliases, **values)


def _check_template(sec: Section, key: str, text: str) -> None:
    """Reject placeholders other than ``{reporter}``, ``{issue_url}``, ``{days}`` at start-up
    rather than failing (or leaking attributes) when the first reminder is rendered."""
    try:
        parts = list(string.Formatter().parse(text))
    except ValueError as exc:
        raise sec.error(key, f"is not a valid template: {exc}") from None
    allowed = ", ".join("{" + f + "}" for f in TEXT_FIELDS)
    for _, name, spec, conv in parts:
        if name is None:
            continue
        if name not in TEXT_FIELDS:
            raise sec.error(
                key,
                f"unknown placeholder {{{name}}} (use {allowed};"
                " write {{ and }} for literal braces)",
            )
        if spec or conv:
            raise sec.error(key, f"placeholder {{{name}}} must not have a format or conversion")


def _buckets(sec: Section, default: tuple[int, ...]) -> tuple[int, ...]:
    value = sec.raw("queue_buckets", list(default))
    if not isinstance(value, list) or not value:
        raise sec.error("queue_buckets", "must be a non-empty list of whole numbers")
    prev = 0
    for v in value:
        if isinstance(v, bool) or not isinstance(v, int) or v <= prev:
            raise sec.error("queue_buckets", "must be positive whole numbers in increasing order")
        prev = v
    return tuple(value)


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
