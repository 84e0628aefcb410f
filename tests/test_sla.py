"""SLA clocks: every transition with a fixed clock, business time, label and sweep plans,
and the property that a clock never runs backwards."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from recovery_bot.core.plans import Plan
from recovery_bot.core.snapshot import Clock, CommentInfo, IssueSnapshot, LabelEvent
from recovery_bot.sla.clocks import (
    CLOSE_MARKER,
    REMINDER_MARKER,
    add_business_time,
    business_time_between,
    compute_clock,
    label_plan,
    render_text,
    sweep_actions,
)
from recovery_bot.sla.config import FormSla, SlaConfig, SlaLabels

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # a Monday
D = timedelta(days=1)
H = timedelta(hours=1)
LABELS = SlaLabels()
SLA = FormSla(
    form="account-recovery",
    first_response=7 * D,
    next_response=5 * D,
    warn_before=D,
    remind_after=14 * D,
    close_after=None,
)
SLA_CLOSE = replace(SLA, close_after=21 * D)


def at(days: float) -> datetime:
    return T0 + timedelta(days=days)


def maint(days: float, body: str = "We have mailed you.") -> CommentInfo:
    return CommentInfo(author="di", created_at=at(days), is_maintainer=True, body=body)


def reporter(days: float, body: str = "Done, thanks") -> CommentInfo:
    return CommentInfo(author="alice", created_at=at(days), body=body)


def third(days: float) -> CommentInfo:
    return CommentInfo(author="bob", created_at=at(days), body="+1 same here")


def bot(days: float, body: str = "Thanks for filing.") -> CommentInfo:
    return CommentInfo(author="recovery-bot[bot]", created_at=at(days), is_bot=True, body=body)


def reminder(days: float) -> CommentInfo:
    return bot(days, f"{REMINDER_MARKER}\nHi @alice")


def label(days: float, added: bool = True, name: str = "awaiting response") -> LabelEvent:
    return LabelEvent(label=name, added=added, at=at(days), actor="di")


def issue(*events: CommentInfo | LabelEvent, **kw: object) -> IssueSnapshot:
    comments = tuple(e for e in events if isinstance(e, CommentInfo))
    label_events = tuple(e for e in events if isinstance(e, LabelEvent))
    base: dict[str, object] = {
        "number": 7,
        "title": "Account recovery request",
        "author": "alice",
        "created_at": T0,
        "form": "account-recovery",
        "html_url": "https://github.com/pypi/support/issues/7",
        "comments": comments,
        "label_events": label_events,
    }
    base.update(kw)
    return IssueSnapshot(**base)  # type: ignore[arg-type]


# (id, issue, sla, now (days), owner, state, since (days), due (days or None))
TRANSITIONS = [
    ("new-ok", issue(), SLA, 1, "maintainers", "ok", 0, 7),
    ("new-just-before-warn", issue(), SLA, 6 - 1 / 86400, "maintainers", "ok", 0, 7),
    ("new-due-soon", issue(), SLA, 6, "maintainers", "due_soon", 0, 7),
    ("new-overdue", issue(), SLA, 7, "maintainers", "overdue", 0, 7),
    ("maintainer-reply", issue(maint(2)), SLA, 3, "reporter", "waiting_on_reporter", 2, 16),
    (
        "third-party-+1-after-reply",
        issue(maint(2), third(3)),
        SLA,
        4,
        "reporter",
        "waiting_on_reporter",
        2,
        16,
    ),
    ("third-party-is-not-a-response", issue(third(1)), SLA, 7, "maintainers", "overdue", 0, 7),
    ("bot-is-not-a-response", issue(bot(0.01)), SLA, 7, "maintainers", "overdue", 0, 7),
    (
        "bot-after-reply-changes-nothing",
        issue(maint(2), bot(3)),
        SLA,
        4,
        "reporter",
        "waiting_on_reporter",
        2,
        16,
    ),
    ("reporter-answers", issue(maint(2), reporter(4)), SLA, 5, "maintainers", "ok", 4, 9),
    (
        "reporter-answers-due-soon",
        issue(maint(2), reporter(4)),
        SLA,
        8,
        "maintainers",
        "due_soon",
        4,
        9,
    ),
    (
        "reporter-answers-overdue",
        issue(maint(2), reporter(4)),
        SLA,
        9,
        "maintainers",
        "overdue",
        4,
        9,
    ),
    ("reporter-ping-does-not-reset", issue(reporter(3)), SLA, 7, "maintainers", "overdue", 0, 7),
    (
        "reporter-login-case",
        issue(maint(2), CommentInfo("Alice", at(4))),
        SLA,
        5,
        "maintainers",
        "ok",
        4,
        9,
    ),
    (
        "awaiting-label-without-comment",
        issue(label(1)),
        SLA,
        2,
        "reporter",
        "waiting_on_reporter",
        1,
        15,
    ),
    (
        "awaiting-label-removed",
        issue(maint(1), label(1), label(3, added=False)),
        SLA,
        4,
        "maintainers",
        "ok",
        3,
        8,
    ),
    (
        "alias-removed",
        issue(
            label(1, name="Status: Awaiting Response"), label(3, False, "status: awaiting response")
        ),
        SLA,
        4,
        "maintainers",
        "ok",
        3,
        8,
    ),
    (
        "one-of-two-spellings-removed",
        issue(label(1), label(1, name="status: awaiting response"), label(3, False)),
        SLA,
        4,
        "reporter",
        "waiting_on_reporter",
        1,
        15,
    ),
    (
        "label-after-reply-keeps-since",
        issue(maint(2), label(2.1)),
        SLA,
        3,
        "reporter",
        "waiting_on_reporter",
        2,
        16,
    ),
    (
        "stale-label-removed-after-answer",
        issue(maint(1), label(1), reporter(2), label(3, added=False)),
        SLA,
        4,
        "maintainers",
        "ok",
        2,
        7,
    ),
    ("resume", issue(maint(2), maint(3, "/resume")), SLA, 4, "maintainers", "ok", 3, 8),
    (
        "resume-with-text",
        issue(maint(2), maint(3, "Looking again.\n/resume")),
        SLA,
        4,
        "maintainers",
        "ok",
        3,
        8,
    ),
    (
        "resume-in-code-block-is-a-reply",
        issue(maint(2), maint(3, "Type\n```\n/resume\n```")),
        SLA,
        4,
        "reporter",
        "waiting_on_reporter",
        3,
        17,
    ),
    (
        "command-only-is-not-a-response",
        issue(maint(1, "/awaiting-response")),
        SLA,
        7,
        "maintainers",
        "overdue",
        0,
        7,
    ),
    (
        "follow-up-restarts-reporter-wait",
        issue(maint(2), maint(10, "Any update?")),
        SLA,
        11,
        "reporter",
        "waiting_on_reporter",
        10,
        24,
    ),
    (
        "label-on-issue-without-events",
        issue(labels=("awaiting response",)),
        SLA,
        1,
        "reporter",
        "waiting_on_reporter",
        0,
        14,
    ),
    ("future-events-ignored", issue(maint(5)), SLA, 3, "maintainers", "ok", 0, 7),
    (
        "snooze-active",
        issue(maint(3, "/snooze 7d"), snoozed_until=at(10)),
        SLA,
        5,
        "maintainers",
        "snoozed",
        0,
        10,
    ),
    (
        "snooze-expired-pauses",
        issue(maint(3, "/snooze 3d"), snoozed_until=at(6)),
        SLA,
        8,
        "maintainers",
        "ok",
        0,
        10,
    ),
    (
        "snooze-expired-due-soon",
        issue(maint(3, "/snooze 3d"), snoozed_until=at(6)),
        SLA,
        9,
        "maintainers",
        "due_soon",
        0,
        10,
    ),
    (
        "snooze-start-from-label",
        issue(label(4, name="sla: snoozed"), snoozed_until=at(6)),
        SLA,
        7.5,
        "maintainers",
        "ok",
        0,
        9,
    ),
    (
        "snooze-start-unknown-no-credit",
        issue(snoozed_until=at(6)),
        SLA,
        8,
        "maintainers",
        "overdue",
        0,
        7,
    ),
    (
        "snooze-pauses-reporter-wait",
        issue(maint(2), maint(3, "/snooze 5d"), snoozed_until=at(8)),
        SLA,
        9,
        "reporter",
        "waiting_on_reporter",
        2,
        21,
    ),
    ("reminder-due", issue(maint(2)), SLA, 16, "reporter", "reminder_due", 2, None),
    (
        "reminder-posted-close-off",
        issue(maint(2), reminder(16)),
        SLA,
        60,
        "reporter",
        "reminder_due",
        2,
        None,
    ),
    ("close-on-waiting", issue(maint(2)), SLA_CLOSE, 3, "reporter", "waiting_on_reporter", 2, 16),
    (
        "close-on-no-reminder-no-close",
        issue(maint(2)),
        SLA_CLOSE,
        40,
        "reporter",
        "reminder_due",
        2,
        23,
    ),
    ("close-due", issue(maint(2), reminder(16)), SLA_CLOSE, 23, "reporter", "close_due", 2, 23),
    (
        "late-reminder-keeps-gap",
        issue(maint(2), reminder(20)),
        SLA_CLOSE,
        24,
        "reporter",
        "reminder_due",
        2,
        27,
    ),
    (
        "late-reminder-close-due",
        issue(maint(2), reminder(20)),
        SLA_CLOSE,
        27,
        "reporter",
        "close_due",
        2,
        27,
    ),
    (
        "old-cycle-reminder-ignored",
        issue(maint(2), reminder(16), reporter(17), maint(18)),
        SLA_CLOSE,
        40,
        "reporter",
        "reminder_due",
        18,
        39,
    ),
]


@pytest.mark.parametrize(
    ("iss", "sla", "now", "owner", "state", "since", "due"),
    [pytest.param(*row[1:], id=row[0]) for row in TRANSITIONS],
)
def test_transitions(
    iss: IssueSnapshot,
    sla: FormSla,
    now: float,
    owner: str,
    state: str,
    since: float,
    due: float | None,
) -> None:
    clock = compute_clock(iss, sla, LABELS, at(now))
    assert (clock.owner, clock.state, clock.since, clock.due) == (
        owner,
        state,
        at(since),
        None if due is None else at(due),
    )


def test_first_response_and_age() -> None:
    c = compute_clock(issue(third(1), maint(2), reporter(3), maint(4)), SLA, LABELS, at(5.5))
    assert c.first_response_at == at(2)
    assert c.age_days == 5.5
    assert c.number == 7 and c.form == "account-recovery"
    assert compute_clock(issue(label(1), maint(2)), SLA, LABELS, at(3)).first_response_at == at(1)
    assert compute_clock(issue(third(1)), SLA, LABELS, at(3)).first_response_at is None


@pytest.mark.parametrize(
    ("iss", "sla", "state"),
    [
        pytest.param(issue(state="closed", closed_at=at(3)), SLA, "closed", id="closed"),
        pytest.param(issue(form=None), None, "untracked", id="no-form"),
        pytest.param(issue(form="network"), None, "untracked", id="form-without-sla"),
        pytest.param(issue(author_is_maintainer=True), SLA, "untracked", id="staff-issue"),
        pytest.param(issue(author_is_bot=True), SLA, "untracked", id="bot-issue"),
        pytest.param(issue(is_pull_request=True), SLA, "untracked", id="pull-request"),
    ],
)
def test_no_clock(iss: IssueSnapshot, sla: FormSla | None, state: str) -> None:
    c = compute_clock(iss, sla, LABELS, at(10))
    assert (c.owner, c.state, c.due) == ("nobody", state, None)


def test_closed_issue_age_stops_at_close() -> None:
    c = compute_clock(issue(state="closed", closed_at=at(3)), SLA, LABELS, at(10))
    assert c.since == at(3) and c.age_days == 3


# --------------------------------------------------------------------------- business time

FRI = datetime(2026, 3, 6, 10, 0, tzinfo=UTC)
SAT = datetime(2026, 3, 7, 12, 0, tzinfo=UTC)


def dt(s: str) -> datetime:
    return datetime.fromisoformat(s).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("start", "delta", "holidays", "expected"),
    [
        pytest.param("2026-03-06T10:00", D, (), "2026-03-09T10:00", id="friday+1d=monday"),
        pytest.param("2026-03-06T00:00", D, (), "2026-03-07T00:00", id="all-friday=end-of-friday"),
        pytest.param("2026-03-07T12:00", H, (), "2026-03-09T01:00", id="saturday-start"),
        pytest.param("2026-03-08T23:00", D, (), "2026-03-10T00:00", id="sunday-start"),
        pytest.param("2026-03-08T12:00", 0 * D, (), "2026-03-08T12:00", id="zero"),
        pytest.param(
            "2026-03-06T10:00", D, ("2026-03-09",), "2026-03-10T10:00", id="holiday-monday"
        ),
        pytest.param(
            "2026-03-05T10:00", 2 * D, ("2026-03-06",), "2026-03-10T10:00", id="holiday-friday"
        ),
        pytest.param("2026-03-02T10:00", 5 * D, (), "2026-03-09T10:00", id="one-week"),
        pytest.param(
            "2026-03-02T10:00",
            10 * D,
            ("2026-03-10", "2026-03-11"),
            "2026-03-18T10:00",
            id="two-weeks-two-holidays",
        ),
        pytest.param("2026-03-06T20:00", 6 * H, (), "2026-03-09T02:00", id="hours-over-weekend"),
    ],
)
def test_add_business_time(
    start: str, delta: timedelta, holidays: tuple[str, ...], expected: str
) -> None:
    hol = frozenset(date.fromisoformat(h) for h in holidays)
    got = add_business_time(dt(start), delta, business_days=True, holidays=hol)
    assert got == dt(expected)


def test_calendar_time_is_plain_addition() -> None:
    assert add_business_time(FRI, D, business_days=False) == FRI + D
    assert business_time_between(FRI, SAT, business_days=False) == SAT - FRI


@pytest.mark.parametrize(
    ("a", "b", "holidays", "expected"),
    [
        pytest.param("2026-03-06T10:00", "2026-03-09T10:00", (), D, id="over-weekend"),
        pytest.param("2026-03-07T01:00", "2026-03-08T23:00", (), 0 * D, id="inside-weekend"),
        pytest.param("2026-03-09T10:00", "2026-03-06T10:00", (), -D, id="reversed"),
        pytest.param("2026-03-06T10:00", "2026-03-10T10:00", ("2026-03-09",), D, id="holiday"),
        pytest.param("2026-03-02T00:00", "2026-03-16T00:00", (), 10 * D, id="two-weeks"),
    ],
)
def test_business_time_between(
    a: str, b: str, holidays: tuple[str, ...], expected: timedelta
) -> None:
    hol = frozenset(date.fromisoformat(h) for h in holidays)
    assert business_time_between(dt(a), dt(b), business_days=True, holidays=hol) == expected


def test_bad_inputs() -> None:
    with pytest.raises(ValueError, match="naive"):
        add_business_time(datetime(2026, 3, 6), D, business_days=True)
    with pytest.raises(ValueError, match="negative"):
        add_business_time(FRI, -D, business_days=True)


def test_business_day_clock_skips_weekend_and_holiday() -> None:
    monday = frozenset({date(2026, 3, 9)})
    sla = replace(SLA, first_response=2 * D, business_days=True, holidays=monday)
    iss = issue(created_at=FRI)  # Friday 10:00; Monday is a holiday
    # 2 business days: Friday 10:00 -> Tuesday 10:00 -> Wednesday 10:00 (Mon is off).
    # Warning 1 business day before: Tuesday 10:00, never on the weekend.
    sunday = compute_clock(iss, sla, LABELS, dt("2026-03-08T12:00"))
    assert (sunday.state, sunday.due) == ("ok", dt("2026-03-11T10:00"))
    assert compute_clock(iss, sla, LABELS, dt("2026-03-10T09:59")).state == "ok"
    assert compute_clock(iss, sla, LABELS, dt("2026-03-10T10:00")).state == "due_soon"
    assert compute_clock(iss, sla, LABELS, dt("2026-03-11T10:00")).state == "overdue"
    # The same issue in calendar days is overdue by Sunday.
    calendar = replace(sla, business_days=False)
    assert compute_clock(iss, calendar, LABELS, dt("2026-03-08T12:00")).state == "overdue"


def test_business_days_do_not_apply_to_the_reporter() -> None:
    sla = replace(SLA, business_days=True)
    c = compute_clock(issue(maint(2)), sla, LABELS, at(3))
    assert c.due == at(16)


def test_business_day_snooze_pause() -> None:
    sla = replace(SLA, first_response=2 * D, business_days=True)
    # Created Monday 10:00, snoozed Tuesday 10:00 (1 business day used) until Thursday 10:00:
    # the remaining business day runs Thursday 10:00 -> Friday 10:00.
    iss = issue(maint(1, "/snooze 2d"), snoozed_until=at(3))
    assert compute_clock(iss, sla, LABELS, at(3.5)).due == at(4)


# --------------------------------------------------------------------------- label plans


def clock(state: str) -> Clock:
    return Clock(number=7, owner="maintainers", since=T0, due=at(7), state=state)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("state", "current", "add", "remove"),
    [
        ("ok", ["account-recovery"], (), ()),
        ("due_soon", ["account-recovery"], ("sla: due soon",), ()),
        ("overdue", ["account-recovery", "sla: due soon"], ("sla: overdue",), ("sla: due soon",)),
        ("overdue", ["sla: overdue"], (), ()),
        ("overdue", ["SLA: Overdue"], (), ()),
        ("ok", ["SLA: Overdue", "lost 2fa"], (), ("SLA: Overdue",)),
        (
            "snoozed",
            ["sla: overdue", "sla: due soon"],
            ("sla: snoozed",),
            ("sla: overdue", "sla: due soon"),
        ),
        ("waiting_on_reporter", ["awaiting response", "sla: due soon"], (), ("sla: due soon",)),
        ("reminder_due", ["sla: snoozed"], (), ("sla: snoozed",)),
        ("closed", ["sla: overdue", "account-recovery"], (), ("sla: overdue",)),
        ("untracked", ["sla: snoozed"], (), ("sla: snoozed",)),
    ],
)
def test_label_plan(
    state: str, current: list[str], add: tuple[str, ...], remove: tuple[str, ...]
) -> None:
    assert label_plan(clock(state), current, LABELS) == Plan(add_labels=add, remove_labels=remove)


# --------------------------------------------------------------------------- sweep plans

CFG = SlaConfig(
    forms={"account-recovery": SLA},
    labels=LABELS,
    sweep_interval=H,
    max_writes_per_sweep=50,
    reminder_text="Hi @{reporter}, {days} days since {issue_url}",
    close_text="Closing after {days} days, @{reporter}.",
)
CFG_CLOSE = replace(CFG, forms={"account-recovery": SLA_CLOSE})


def sweep(iss: IssueSnapshot, cfg: SlaConfig, now: float) -> Plan:
    c = compute_clock(iss, cfg.for_form(iss.form), cfg.labels, at(now))
    return sweep_actions(iss, c, cfg, at(now))


def test_sweep_posts_one_reminder() -> None:
    plan = sweep(issue(maint(2)), CFG, 16.5)
    assert plan.replies == (
        f"{REMINDER_MARKER}\nHi @alice, 14 days since https://github.com/pypi/support/issues/7",
    )
    assert (plan.state, plan.add_labels, plan.remove_labels) == (None, (), ())
    # The next sweep sees its own reminder and does nothing.
    assert sweep(issue(maint(2), reminder(16.5)), CFG, 17).is_empty


def test_sweep_reminds_again_in_a_new_cycle() -> None:
    iss = issue(maint(2), reminder(16), reporter(17), maint(18))
    assert len(sweep(iss, CFG, 32).replies) == 1


def test_sweep_never_closes_by_default() -> None:
    plan = sweep(issue(maint(2), reminder(16)), CFG, 200)
    assert plan.is_empty


def test_sweep_closes_when_configured() -> None:
    plan = sweep(issue(maint(2), reminder(16)), CFG_CLOSE, 23)
    assert plan.replies == (f"{CLOSE_MARKER}\nClosing after 21 days, @alice.",)
    assert (plan.state, plan.state_reason) == ("closed", "not_planned")


def test_sweep_close_configured_but_reminder_first() -> None:
    plan = sweep(issue(maint(2)), CFG_CLOSE, 40)
    assert plan.state is None and plan.replies[0].startswith(REMINDER_MARKER)


def test_sweep_labels_only_for_maintainer_states() -> None:
    assert sweep(issue(labels=("sla: due soon",)), CFG, 8) == Plan(
        add_labels=("sla: overdue",), remove_labels=("sla: due soon",)
    )
    assert sweep(issue(), CFG, 1).is_empty


def test_sweep_untracked_form_only_cleans_labels() -> None:
    iss = issue(form="pep541", labels=("sla: overdue",))
    assert sweep(iss, CFG, 100) == Plan(remove_labels=("sla: overdue",))


# --------------------------------------------------------------------------- monotonicity

RANK = {
    "snoozed": -1,
    "ok": 0,
    "due_soon": 1,
    "overdue": 2,
    "waiting_on_reporter": 0,
    "reminder_due": 1,
    "close_due": 2,
}

_event = st.tuples(
    st.sampled_from(
        [
            "maint",
            "reporter",
            "third",
            "bot",
            "reminder",
            "resume",
            "command",
            "label+",
            "label-",
            "alias+",
            "alias-",
            "snooze-label",
        ]
    ),
    st.floats(min_value=0, max_value=40, allow_nan=False),
)


def _build(kind: str, days: float) -> CommentInfo | LabelEvent:
    return {
        "maint": lambda: maint(days),
        "reporter": lambda: reporter(days),
        "third": lambda: third(days),
        "bot": lambda: bot(days),
        "reminder": lambda: reminder(days),
        "resume": lambda: maint(days, "/resume"),
        "command": lambda: maint(days, "/snooze 2d"),
        "label+": lambda: label(days),
        "label-": lambda: label(days, added=False),
        "alias+": lambda: label(days, name="status: awaiting response"),
        "alias-": lambda: label(days, False, "status: awaiting response"),
        "snooze-label": lambda: label(days, name="sla: snoozed"),
    }[kind]()


@settings(max_examples=150, deadline=None)
@given(
    events=st.lists(_event, max_size=8),
    snooze=st.one_of(st.none(), st.floats(min_value=0, max_value=50, allow_nan=False)),
    business=st.booleans(),
    close=st.booleans(),
    steps=st.lists(st.floats(min_value=0, max_value=15, allow_nan=False), min_size=2, max_size=12),
)
def test_clock_never_goes_backwards(
    events: list[tuple[str, float]],
    snooze: float | None,
    business: bool,
    close: bool,
    steps: list[float],
) -> None:
    sla = replace(
        SLA_CLOSE if close else SLA,
        business_days=business,
        holidays=frozenset({date(2026, 3, 10), date(2026, 3, 20)}),
    )
    iss = issue(
        *(_build(k, d) for k, d in events),
        snoozed_until=None if snooze is None else at(snooze),
    )
    start = max((d for _, d in events), default=0.0)
    now = at(start)
    prev: Clock | None = None
    for step in steps:
        now += timedelta(days=step)
        c = compute_clock(iss, sla, LABELS, now)
        if prev is not None:
            assert (c.owner, c.since) == (prev.owner, prev.since)
            assert RANK[c.state] >= RANK[prev.state], (prev, c)
            if prev.state == c.state:
                assert c.due == prev.due
            elif prev.state != "snoozed" and prev.due is not None and c.due is not None:
                assert c.due >= prev.due
            if c.owner == "maintainers" and prev.state != "snoozed":
                assert c.due == prev.due
        prev = c


@settings(max_examples=150, deadline=None)
@given(
    start=st.datetimes(
        min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 31), timezones=st.just(UTC)
    ),
    delta=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=40)),
    more=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=5)),
    holidays=st.frozensets(st.dates(date(2026, 1, 1), date(2027, 3, 1)), max_size=10),
)
def test_business_time_round_trip(
    start: datetime, delta: timedelta, more: timedelta, holidays: frozenset[date]
) -> None:
    end = add_business_time(start, delta, business_days=True, holidays=holidays)
    assert end >= start
    assert business_time_between(start, end, business_days=True, holidays=holidays) == delta
    later = add_business_time(start, delta + more, business_days=True, holidays=holidays)
    assert later >= end


# --------------------------------------------------------------------------- pinned edges
# Each row pins one rule a mutation test found unchecked (tools/mutation_scores.py).

BIZ = replace(SLA, business_days=True, holidays=frozenset({date(2026, 3, 3)}))

# (id, issue, sla, now (days), owner, state, since (days), due (days or None),
#  first_response_at (days or None))
EDGES = [
    # The awaiting label found on the issue with no event: the move went to the reporter at
    # the last maintainer *reply* (a command-only comment is not one), and it is no response.
    (
        "label-on-issue-command-is-not-the-reply",
        issue(maint(1, "/awaiting-response"), labels=("awaiting response",)),
        SLA,
        2,
        "reporter",
        "waiting_on_reporter",
        0,
        14,
        None,
    ),
    (
        "label-on-issue-then-reporter-answers",
        issue(reporter(1), labels=("awaiting response",)),
        SLA,
        2,
        "maintainers",
        "ok",
        1,
        6,
        None,
    ),
    # With an event for the awaiting label, the label on the issue adds nothing.
    (
        "label-event-and-label-on-issue",
        issue(label(2), labels=("awaiting response",)),
        SLA,
        3,
        "reporter",
        "waiting_on_reporter",
        2,
        16,
        2,
    ),
    # Other labels are not awaiting labels.
    (
        "other-label-event-ignored",
        issue(label(1, name="bug")),
        SLA,
        2,
        "maintainers",
        "ok",
        0,
        7,
        None,
    ),
    # At the same instant a comment counts before a label event.
    (
        "comment-before-label-at-same-instant",
        issue(third(0.5), reporter(3), label(3)),
        SLA,
        4,
        "reporter",
        "waiting_on_reporter",
        3,
        17,
        3,
    ),
    (
        "label-with-reply-at-same-instant",
        issue(maint(2), label(2)),
        SLA,
        3,
        "reporter",
        "waiting_on_reporter",
        2,
        16,
        2,
    ),
    # Lines after a code fence still count: a /resume below a pasted block resumes.
    (
        "resume-after-code-block",
        issue(maint(2), maint(3, "```\nlog\n```\n/resume")),
        SLA,
        4,
        "maintainers",
        "ok",
        3,
        8,
        2,
    ),
    # Snooze credit: a snooze that ended exactly now still pauses the clock (and the issue
    # is no longer snoozed); a snooze that ended before the reporter answered gives none;
    # a snooze starting when the target fell due does not move it.
    (
        "snooze-ends-now",
        issue(maint(3, "/snooze 3d"), snoozed_until=at(6)),
        SLA,
        6,
        "maintainers",
        "ok",
        0,
        10,
        None,
    ),
    (
        "snooze-before-since-gives-no-credit",
        issue(maint(0.5), maint(1, "/snooze 1d"), reporter(3), snoozed_until=at(2)),
        SLA,
        4,
        "maintainers",
        "ok",
        3,
        8,
        0.5,
    ),
    (
        "snooze-from-due",
        issue(maint(7, "/snooze 2d"), snoozed_until=at(9)),
        SLA,
        9,
        "maintainers",
        "overdue",
        0,
        7,
        None,
    ),
    # Business days with a holiday (Tue 3 March) count during the pause too: Mon 10:00 ->
    # Wed 10:00 used 1 business day; the other 6 run from Fri 6 March 10:00 to Mon 16 10:00.
    (
        "business-snooze-with-holiday",
        issue(maint(2, "/snooze 2d"), snoozed_until=at(4)),
        BIZ,
        4.5,
        "maintainers",
        "ok",
        0,
        14,
        None,
    ),
    # A reminder posted at the start of the wait or exactly now counts as posted.
    (
        "reminder-at-since",
        issue(maint(2), reminder(2)),
        SLA,
        3,
        "reporter",
        "reminder_due",
        2,
        None,
        2,
    ),
    ("reminder-now", issue(maint(2), reminder(5)), SLA, 5, "reporter", "reminder_due", 2, None, 2),
    # No remind_after: the reporter's wait has no due date.
    (
        "no-reminders",
        issue(maint(2)),
        replace(SLA, remind_after=None),
        30,
        "reporter",
        "waiting_on_reporter",
        2,
        None,
        2,
    ),
]


@pytest.mark.parametrize(
    ("iss", "sla", "now", "owner", "state", "since", "due", "first"),
    [pytest.param(*row[1:], id=row[0]) for row in EDGES],
)
def test_clock_edges(
    iss: IssueSnapshot,
    sla: FormSla,
    now: float,
    owner: str,
    state: str,
    since: float,
    due: float | None,
    first: float | None,
) -> None:
    clock = compute_clock(iss, sla, LABELS, at(now))
    assert (clock.owner, clock.state, clock.since, clock.due, clock.first_response_at) == (
        owner,
        state,
        at(since),
        None if due is None else at(due),
        None if first is None else at(first),
    )


def test_age_of_open_and_reopened_issues() -> None:
    assert compute_clock(issue(), SLA, LABELS, at(0.25)).age_days == 0.25
    reopened = issue(closed_at=at(1))  # open again: its age runs to now
    assert compute_clock(reopened, SLA, LABELS, at(5)).age_days == 5.0


def test_negative_business_span_keeps_holidays() -> None:
    hol = frozenset({date(2026, 3, 3)})
    span = business_time_between(at(3), at(0), business_days=True, holidays=hol)
    assert span == -timedelta(days=2)
    with pytest.raises(ValueError, match=r"^delta must not be negative$"):
        add_business_time(T0, -H, business_days=False)


def test_render_text_days_from_since() -> None:
    c = compute_clock(issue(maint(2)), SLA, LABELS, at(2.5))
    assert render_text("{days}|{reporter}|{issue_url}", issue(maint(2)), c, at(2.5)) == (
        "0|alice|https://github.com/pypi/support/issues/7"
    )


def test_sweep_notes_say_what_and_since() -> None:
    assert sweep(issue(maint(2)), CFG, 16.5).notes == (
        "sla: reminder to alice (silent since 2026-03-04)",
    )
    assert sweep(issue(maint(2), reminder(16)), CFG_CLOSE, 23).notes == (
        "sla: close as not planned (silent since 2026-03-04)",
    )


def test_sweep_for_a_form_without_sla_only_labels() -> None:
    # A clock in reminder_due for a form the config does not know: labels only.
    c = Clock(
        number=7, owner="reporter", since=at(2), due=None, state="reminder_due", form="pep541"
    )
    assert sweep_actions(issue(form="pep541"), c, CFG, at(20)) == Plan()


def test_sweep_leaves_a_closed_issue_alone() -> None:
    # Even with a stale reminder_due clock, a closed issue gets no reminder.
    c = Clock(
        number=7,
        owner="reporter",
        since=at(2),
        due=None,
        state="reminder_due",
        form="account-recovery",
    )
    assert sweep_actions(issue(state="closed", closed_at=at(20)), c, CFG, at(20)) == Plan()
