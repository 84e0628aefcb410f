"""commands.rules, the details test_commands.py leaves open: how arguments split, what one
command leaves for the next, refusal timing, configs built without the ``commands:`` and
``sla:`` sections, the host's time zone, and the limits on text echoed back."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from types import SimpleNamespace
from typing import Any

import pytest

import fixtures_commands
from recovery_bot.app import parse_config
from recovery_bot.commands import rules
from recovery_bot.commands.parse import Invocation, find_commands, split_args
from recovery_bot.commands.rules import (
    CommandContext,
    CommandResult,
    CommandSpec,
    command,
    handle_comment,
    help_text,
    known_names,
    parse_snooze_marker,
    refusal_due,
    refusal_text,
    reply_marker,
    run_commands,
    snooze_marker,
)
from recovery_bot.core.config import parse_config as parse_core_config
from recovery_bot.core.errors import ConfigError
from recovery_bot.core.plans import Plan
from recovery_bot.core.snapshot import CommentInfo

REPO = {"repositories": ["pypi/support"]}
CFG, KNOWN, NOW = fixtures_commands.CFG, fixtures_commands.KNOWN, fixtures_commands.NOW
#: Built by the core parser alone: no ``commands:`` or ``sla:`` section (both None), as
#: hand-made configs in other modules' tests are.
BARE = parse_core_config(REPO)
AWAIT = "awaiting response"
SNOOZED = "sla: snoozed"
OLD_AWAIT = "status: awaiting response"  # the sla section's default awaiting alias


def make_ctx(**kw: Any) -> CommandContext:
    """The shared context, but on an issue with no labels yet."""
    return fixtures_commands.make_ctx(**{"labels": (), **kw})


def run(line: str, **kw: Any) -> CommandResult:
    return fixtures_commands.run(line, **{"labels": (), **kw})


def results(body: str, **kw: Any) -> list[CommandResult]:
    ctx = make_ctx(**kw)
    return run_commands(find_commands(body, known_names(ctx.config)), ctx)[1]


# --- arguments ---------------------------------------------------------------------------

SPLIT_CASES = [
    ("quoted first", '"typo email" x', ("typo email", "x")),
    ("two quoted groups", '"a b" "c d"', ("a b", "c d")),
    ("empty quotes dropped", '"" x', ("x",)),
    ("quote right after a quote", '"a""b c"', ("a", "b c")),
    ("word right after a quote", '"a"b', ("a", "b")),
    ("curly quotes", "“typo email” ‘lost 2fa’", ("typo email", "lost 2fa")),
    ("low-high quotes", "„unverified email“", ("unverified email",)),
    ("whitespace only", " \t ", ()),
]


@pytest.mark.parametrize(
    ("text", "expected"), [c[1:] for c in SPLIT_CASES], ids=[c[0] for c in SPLIT_CASES]
)
def test_split_args(text: str, expected: tuple[str, ...]) -> None:
    assert split_args(text) == expected


# --- which lines are prose ---------------------------------------------------------------

FIND_CASES = [
    # fences: only spaces may precede the run, and both runs use the same character
    ("tilde fence indented in a list", "- a\n  ~~~\n  /close\n  ~~~\n/reopen", [("reopen", ())]),
    ("no-break space before backticks", "\u00a0```\n/close", [("close", ())]),
    ("text before tildes", "X ~~~\n/close", [("close", ())]),
    ("inline triple backticks are no fence", "```x```\n/close", [("close", ())]),
    ("tilde fence with backticks in its info", "~~~ `md`\n/close\n~~~\n/reopen", [("reopen", ())]),
    # a quote or indented code ends a paragraph and opens no HTML comment
    ("code span cannot cross a quote", "`a\n> quoted\n/close `", [("close", ())]),
    ("comment opener in a quote", "> <!-- x\n/close", [("close", ())]),
    ("comment opener in indented code", "    <!-- x\n\n/close", [("close", ())]),
    # code spans: per paragraph, offsets across paragraphs, runs matched by length
    ("code span cannot cross a blank line", "`a\n\n/close `", [("close", ())]),
    ("CRLF keeps a paragraph whole", "`a\r\n/close `", []),
    ("lone CR is a line break", "hi\r/recheck", [("recheck", ())]),
    ("span after the command's slash", "Hi\n\n/label `typo email`", [("label", ("typo email",))]),
    ("span in a later paragraph", "A first paragraph, long enough.\n\n`x\n/close `", []),
    ("span in a third paragraph", "para one\n\npara two\n\n`x\n/close `", []),
    ("unmatched run, then a pair", "``x `a\n/close ` ```", []),
    ("pair right after a pair", "`a` `b\n/close `", []),
    ("span ending before the line", "`x`\n  /close", [("close", ())]),
    ("spans far down the body", "x\n" * 10 + "/close `yyyy`", [("close", ("yyyy",))]),
    ("comment right after a span", "`x`<!--\n/close", []),
    # HTML comments
    ("code span inside a comment", "<!-- `x`\n/close\n-->\n/reopen", [("reopen", ())]),
    ("opener in code, then a comment", "`<!--`\n<!-- x\n/close -->\n/reopen", [("reopen", ())]),
    ("opener in code mid-line", "see `<!--` here\n/reopen", [("reopen", ())]),
    ("arrow before a comment", "a --> b\n<!--\n/close", []),
    ("two comments", "<!-- a -->\n/close\n<!-- b -->", [("close", ())]),
    (
        "first of two comments holds the command",
        "<!--\n/close\n-->\n<!-- b -->\n/reopen",
        [("reopen", ())],
    ),
    ("empty comment", "<!---->\n/close", [("close", ())]),
    ("opener inside a comment", "<!-- x <!-->\n/close", [("close", ())]),
    ("comment right after a comment", "<!-- a --><!--\n/close", []),
    # unknown names
    (
        "unknown command, three words",
        "/frobnicate this issue",
        [("frobnicate", ("this", "issue"), False)],
    ),
    ("unknown command, four words", "/frobnicate this issue now", []),
    ("prose before a command", "/tmp is full of files\n/recheck", [("recheck", ())]),
]


@pytest.mark.parametrize(
    ("body", "expected"), [c[1:] for c in FIND_CASES], ids=[c[0] for c in FIND_CASES]
)
def test_find_commands(body: str, expected: list[tuple[Any, ...]]) -> None:
    got = [(i.name, i.args, *(() if i.known else (False,))) for i in find_commands(body, KNOWN)]
    assert got == expected


def test_tabs_expand_to_four_columns_in_the_kept_line() -> None:
    assert find_commands("/label\tlost-2fa", KNOWN) == [
        Invocation("label", ("lost-2fa",), "/label  lost-2fa")
    ]


# --- each command sees the issue as the previous ones left it -----------------------------


def test_a_label_added_earlier_can_be_removed_later() -> None:
    got = results("/label security issue\n/unlabel typo email", labels=("typo email",))
    assert [r.plan for r in got] == [
        Plan(add_labels=("security issue",)),
        Plan(remove_labels=("typo email",)),
    ]


def test_a_label_added_earlier_is_not_added_twice() -> None:
    got = results('/label "typo email"\n/label Typo Email')
    assert [r.plan for r in got] == [Plan(add_labels=("typo email",)), Plan()]


def test_unassign_then_assign_again() -> None:
    got = results("/unassign\n/assign", assignees=("Maint", "alice"))
    assert [r.plan for r in got] == [
        Plan(assignees_remove=("Maint",)),
        Plan(assignees_add=("maint",)),
    ]


def test_assignees_added_earlier_count_towards_the_limit() -> None:
    nine = tuple(f"user{i}" for i in range(9))
    got = results("/assign alice\n/assign ALICE\n/assign bob", assignees=nine)
    assert [(r.ok, r.plan, r.error) for r in got] == [
        (True, Plan(assignees_add=("alice",)), None),
        (True, Plan(), None),
        (False, Plan(), "An issue can have at most 10 assignees. Usage: `/assign [@user|me ...]`"),
    ]


def test_a_close_that_adds_labels_keeps_them_but_drops_the_clock_labels() -> None:
    cfg = parse_config(
        {
            **REPO,
            "commands": {
                "replies": {
                    "settled": {
                        "text": "Done, {reporter}.",
                        "add_labels": ["typo email"],
                        "awaiting": True,
                        "snooze": "1d",
                        "close": "completed",
                    }
                }
            },
        }
    )
    res = run("/reply settled", config=cfg, labels=(AWAIT,))
    assert res.plan == Plan(
        add_labels=("typo email",),
        remove_labels=(AWAIT,),
        replies=(
            "Done, @octocat.\n\n<!-- recovery-bot:reply settled -->\n"
            "<!-- recovery-bot:snooze until=2026-05-02T12:00:00Z -->",
        ),
        state="closed",
        state_reason="completed",
    )


# --- a whole comment ------------------------------------------------------------------------


def test_previous_body_counts_only_for_edits() -> None:
    out = handle_comment("/recheck", make_ctx(), permitted=True, previous_body="/recheck")
    assert [i.name for i in out.invocations] == ["recheck"] and out.recheck


def test_a_refusal_lists_the_known_commands_attempted() -> None:
    body = "/close\n/frobnicate\n/label lost-2fa"
    out = handle_comment(body, make_ctx(actor="reporter1"), permitted=False)
    assert out.refused and out.invocations == (
        Invocation("close", (), "/close"),
        Invocation("label", ("lost-2fa",), "/label lost-2fa"),
    )


@pytest.mark.parametrize(("count", "ignored"), [(20, None), (21, 1)])
def test_the_twenty_command_limit_is_exact(count: int, ignored: int | None) -> None:
    out = handle_comment("/recheck\n" * count, make_ctx(), permitted=True)
    assert len(out.results) == 20
    assert out.plan.replies == (
        ()
        if ignored is None
        else (
            f"@maint Only the first 20 commands of a comment run; {ignored} more were ignored."
            "\n\n<!-- recovery-bot:reply cmd:error -->",
        )
    )


def test_recheck_and_snooze_come_only_from_commands_that_ran() -> None:
    out = handle_comment("/snooze 7d\n/fast-track\n/snooze soon", make_ctx(), permitted=True)
    assert out.snooze_until == datetime(2026, 5, 8, 12, tzinfo=UTC)
    assert not out.recheck
    failed = handle_comment("/recheck now", make_ctx(), permitted=True)
    assert not failed.recheck and failed.snooze_until is None
    twice = handle_comment("/snooze 7d\n/snooze 2d", make_ctx(), permitted=True)
    assert twice.snooze_until == datetime(2026, 5, 3, 12, tzinfo=UTC)


# --- refusals -------------------------------------------------------------------------------

REFUSED = "Hi.\n\n<!-- recovery-bot:refusal -->"


def comment(author: str, at: datetime, *, is_bot: bool = False, body: str | None = REFUSED) -> Any:
    return CommentInfo(author=author, created_at=at, is_bot=is_bot, body=body)


@pytest.mark.parametrize(
    ("comments", "due"),
    [
        ([comment("recovery-bot[bot]", NOW - timedelta(minutes=5))], False),  # by login
        ([comment("Recovery-Bot[BOT]", NOW - timedelta(minutes=5))], False),
        ([comment("other-app[bot]", NOW - timedelta(minutes=5), is_bot=True)], False),
        ([comment("recovery-bot[bot]", NOW - timedelta(hours=1))], True),  # exactly 1h ago
        ([comment("recovery-bot[bot]", NOW - timedelta(minutes=5), body=None)], True),
        ([comment("mallory", NOW - timedelta(minutes=5))], True),
        # comment-like objects without is_bot: only the bot's login counts
        ([SimpleNamespace(author="mallory", created_at=NOW, body=REFUSED)], True),
        ([SimpleNamespace(author="recovery-bot[bot]", created_at=NOW, body=REFUSED)], False),
    ],
)
def test_refusal_due(comments: list[Any], due: bool) -> None:
    assert refusal_due(comments, NOW, CFG) is due


def test_refusal_text_may_name_the_support_address() -> None:
    cfg = parse_config(
        {**REPO, "commands": {"refusal_text": "{actor}: {command} is for {who}; {support_email}"}}
    )
    assert refusal_text("x", cfg, "close") == (
        "@x: `/close` is for people with write, maintain or admin access to this repository; "
        "support@pypi.org\n\n<!-- recovery-bot:refusal -->"
    )


# --- markers --------------------------------------------------------------------------------


def test_markers() -> None:
    until = datetime(2026, 12, 1, tzinfo=UTC)
    assert reply_marker("follow-up") == "<!-- recovery-bot:reply follow-up -->"
    assert reply_marker("follow-up", "helpdesk") == "<!-- helpdesk:reply follow-up -->"
    bad_after_good = snooze_marker(until) + "\n<!-- recovery-bot:snooze until=soon -->"
    assert parse_snooze_marker(bad_after_good) == until


def test_replies_carry_the_configured_marker() -> None:
    cfg = parse_config({**REPO, "bot": {"marker": "helpdesk"}})
    (body,) = run("/snooze 7d", config=cfg).plan.replies
    assert body.endswith(
        "\n\n<!-- helpdesk:reply cmd:snooze -->"
        "\n<!-- helpdesk:snooze until=2026-05-08T12:00:00Z -->"
    )


# --- configs built without the commands: and sla: sections ---------------------------------


def test_a_config_without_feature_sections_uses_the_defaults() -> None:
    assert BARE.commands is None and BARE.sla is None
    assert known_names(BARE) == known_names(CFG)
    present = (OLD_AWAIT, AWAIT, SNOOZED)
    assert run("/close", config=BARE, labels=present).plan == Plan(
        remove_labels=(AWAIT, SNOOZED), state="closed", state_reason="completed"
    )
    assert run("/resume", config=BARE, labels=present).plan == Plan(remove_labels=(AWAIT, SNOOZED))
    assert run("/awaiting-response", config=BARE).plan == Plan(add_labels=(AWAIT,))
    assert run("/snooze 7d", config=BARE).plan.add_labels == (SNOOZED,)
    assert run("/reply follow-up", config=BARE).plan.add_labels == (AWAIT,)
    assert run("/reply no-public-repo-wait", config=BARE).plan.add_labels == (SNOOZED,)
    # the sla section's awaiting alias is not known here, so /label cannot set it
    assert help_text(BARE).endswith("`duplicate`.") and OLD_AWAIT not in help_text(BARE)
    assert help_text(CFG).endswith(f"`duplicate`, `{OLD_AWAIT}`.")


def test_a_config_without_a_commands_section_still_checks_the_bot_labels() -> None:
    bad = parse_core_config({**REPO, "labels": {"fast_lane": 'fast "lane"'}})
    with pytest.raises(ConfigError) as info:
        known_names(bad)
    assert (info.value.file, info.value.key) == ("app.yaml", "commands.allowed_labels")


# --- the host's time zone never shows ---------------------------------------------------------


@pytest.fixture
def host_in_new_york(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


SNOOZE_7D = (
    "Pausing the response clock on this issue until 2026-05-08 12:00 UTC. `/resume` ends "
    "the pause sooner.\n\n<!-- recovery-bot:reply cmd:snooze -->"
    "\n<!-- recovery-bot:snooze until=2026-05-08T12:00:00Z -->"
)


@pytest.mark.usefixtures("host_in_new_york")
@pytest.mark.parametrize(
    "now",
    [
        NOW,
        NOW.replace(tzinfo=None),  # naive: read as UTC
        NOW.astimezone(timezone(timedelta(hours=2))),  # the same instant, 14:00 at +2
    ],
    ids=["utc", "naive", "plus-two"],
)
def test_snooze_times_are_utc_whatever_the_host_zone(now: datetime) -> None:
    res = run("/snooze 7d", now=now)
    assert res.plan.replies == (SNOOZE_7D,)
    assert res.snooze_until == datetime(2026, 5, 8, 12, tzinfo=UTC)
    assert res.snooze_until.utcoffset() == timedelta(0)


@pytest.mark.usefixtures("host_in_new_york")
def test_snooze_marker_is_utc_whatever_the_host_zone() -> None:
    at_one_plus_one = datetime(2026, 12, 1, 1, 0, tzinfo=timezone(timedelta(hours=1)))
    assert snooze_marker(at_one_plus_one) == (
        "<!-- recovery-bot:snooze until=2026-12-01T00:00:00Z -->"
    )


# --- text echoed back, hints ------------------------------------------------------------------

REPLY_USAGE = "Usage: `/reply NAME [#N]`"


@pytest.mark.parametrize(
    ("name", "shown"),
    [("a" * 40, "a" * 40), ("a" * 41, "a" * 39 + "…"), ("a`b", "a'b")],
    ids=["40 kept", "41 cut", "backtick"],
)
def test_echoed_text_is_bounded_and_cannot_leave_its_code_span(name: str, shown: str) -> None:
    error = run(f"/reply {name}").error
    assert error is not None and error.startswith(f"There is no saved reply `{shown}` (saved")


def test_no_args_error_quotes_every_argument() -> None:
    assert run("/recheck now please").error == (
        "This command takes no arguments (got `now please`). Usage: `/recheck`"
    )


@pytest.mark.parametrize(
    ("line", "error"),
    [
        ("/hlep", "Unknown command `/hlep`. Did you mean `/help`? Try `/help`."),  # ratio 0.75
        ("/replies", "Unknown command `/replies`. Try `/help`."),  # 0.67: too far for a guess
        ("/awaiting", "Unknown command `/awaiting`. Try `/help`."),  # 0.64
    ],
)
def test_unknown_command_hint_needs_a_close_match(line: str, error: str) -> None:
    assert run(line) == CommandResult(Plan(), ok=False, error=error)


def test_command_decorator_registers_the_spec(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(rules, "REGISTRY", {})

    def cmd_wave(args: tuple[str, ...], ctx: CommandContext) -> CommandResult:
        return CommandResult(Plan(), ok=True)

    assert command("wave", "/wave [WHO]", "wave at someone")(cmd_wave) is cmd_wave
    assert rules.REGISTRY == {
        "wave": CommandSpec("wave", cmd_wave, "/wave [WHO]", "wave at someone")
    }


@pytest.mark.parametrize(
    ("line", "added"),
    [
        ("/assign @me", ("maint",)),
        ("/assign ME @Alice", ("maint", "Alice")),
        ("/assign me alice @maint", ("maint", "alice")),
    ],
)
def test_assign_me(line: str, added: tuple[str, ...]) -> None:
    assert run(line).plan == Plan(assignees_add=added)


def test_a_snooze_may_last_exactly_snooze_max() -> None:
    res = run("/snooze 90d")
    assert res.ok and res.snooze_until == NOW + timedelta(days=90)


def test_help_follows_renames_aliases_and_bare_replies() -> None:
    cfg = parse_config(
        {
            **REPO,
            "commands": {
                "names": {"reply": "answer", "wrong-form": "moved", "label": "tag"},
                "aliases": {"wait": "awaiting-response", "later": "awaiting-response"},
                "replies": {"thanks": "Thanks, {reporter}!"},
                "wrong_form": {"warehouse": None, "pep541": None, "security": None},
                "allowed_labels": ["typo email"],
            },
        }
    )
    text = help_text(cfg)
    assert (
        "\n- `/awaiting-response` (also `/wait`, `/later`) — the reporter owes the next move"
        in text
    )
    assert (
        "\n\n**Saved replies** for `/answer NAME`:\n\n- `contact-support` — ask the reporter"
        in text
    )
    assert text.endswith(
        "\n- `duplicate` — close as a duplicate of #N (used by /close duplicate #N)"
        "\n- `thanks`"  # no summary, no dash
        "\n\n**Targets** for `/moved`: `account-recovery`, `organizations`."
        "\n\n**Labels** for `/tag` and `/unlabel`: `typo email`, `awaiting response`, "
        f"`{OLD_AWAIT}`."
    )
