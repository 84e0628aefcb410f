"""Slash-commands: finding them, each command's exact Plan and reply, errors, refusals."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from types import FrameType
from typing import Any

import pytest

from fixtures_commands import CFG, KNOWN, NOW, URL, make_ctx, run
from recovery_bot.app import parse_config
from recovery_bot.commands import parse as parse_module
from recovery_bot.commands.parse import Invocation, find_commands, new_commands, split_args
from recovery_bot.commands.rules import (
    REGISTRY,
    CommandResult,
    handle_comment,
    help_text,
    known_names,
    not_assigned_reply,
    parse_reply_markers,
    parse_snooze_marker,
    refusal_due,
    refusal_text,
    run_command,
    run_commands,
    snooze_marker,
)
from recovery_bot.core.plans import Plan
from recovery_bot.core.snapshot import CommentInfo


def tagged(text: str, name: str) -> str:
    return f"{text}\n\n<!-- recovery-bot:reply {name} -->"


# --- the texts, exactly as a reporter reads them (octocat, #1234, alice) ----------------

CONTACT_SUPPORT = (
    "Hi @octocat, thanks for your patience. To go on, please send an e-mail to "
    "support@pypi.org **from the address you'd like on the account**, and include a link to "
    f"this issue ({URL}) so we can match the two. Please don't post e-mail addresses or "
    "other personal details here: this issue is public. We'll take it from there once your "
    "message arrives."
)
CONFIRM_EMAIL = (
    "Hi @octocat, so we can confirm the request comes from you, please send an e-mail to "
    "support@pypi.org **from the address already on file for the account `alice`**, with a "
    f"link to this issue ({URL}). Please don't post e-mail addresses or other personal "
    "details here: this issue is public."
)
STARTED = (
    "Hi @octocat, we've started the recovery of the account `alice` and sent you an e-mail "
    "with the next steps. Please follow it (and check your spam folder). If nothing arrives "
    "within a few days, tell us here, without posting any addresses, and we'll look into it."
)
DONE = (
    "Good news, @octocat: the recovery of the account `alice` is complete and you can sign "
    "in again. Please set up two-factor authentication right away and keep the new recovery "
    "codes somewhere safe, such as a password manager. We're closing this issue; if "
    "anything still isn't right, comment here and we'll reopen it."
)
HAS_CODES = (
    "Hi @octocat, the account `alice` still has unused recovery codes. They were shown when "
    "two-factor authentication was set up, and people often saved them as a file or in a "
    "password manager. Each code signs you in once in place of your 2FA device, and then "
    "you can set up 2FA again. Could you look for them and tell us here whether they work? "
    "Recovery without them is done by hand and takes much longer."
)
NO_REPO_WAIT = (
    "Thanks, @octocat, we've received your e-mail. None of the projects on the account "
    "`alice` links to a public source repository we could check ownership against, so to "
    "keep the account safe we wait seven days before completing the recovery. Nothing more "
    "is needed from you; we'll update this issue when it's done."
)
NOT_FOUND = (
    "Hi @octocat, we couldn't find a PyPI account with the username given in this issue. "
    "Your username isn't your e-mail address or display name; you can find it under "
    '"Maintainers" on your projects\' pages, or in e-mails PyPI sent you. If the account '
    "is on TestPyPI, please say so. Then edit the issue with the right username; there's "
    "no need to open a new one."
)
ENGLISH = (
    "Hi @octocat, thanks for writing in. PyPI's support team works in English: could you "
    "describe your request again in English? A machine translation is perfectly fine."
)
FOLLOW_UP = (
    "Hi @octocat, just checking in: we still need your reply to continue with this request. "
    "We'll keep the issue open for one more week and close it if we haven't heard from you "
    "by then. Even after that, a comment here is enough to pick it up again."
)
NON_RESPONSE = (
    "We haven't heard back, @octocat, so we're closing this issue for now. If you still need "
    "help with your account, comment here and we'll pick it up again."
)
DUPLICATE_12 = (
    "Hi @octocat, this is the same request as #12, so we're closing this one to keep "
    "everything in one place. Please follow #12 for updates. Requests are handled in the "
    "order they arrive; a second issue doesn't change your place."
)
WAREHOUSE = (
    "Hi @octocat, thanks for the report! Bugs and feature requests for pypi.org itself are "
    "tracked in the Warehouse repository: https://github.com/pypi/warehouse/issues. Could "
    "you open it there? We're closing this one so it doesn't wait in the wrong queue."
)
SNOOZE_7D = (
    "Pausing the response clock on this issue until 2026-05-08 12:00 UTC. `/resume` ends "
    "the pause sooner."
    "\n\n<!-- recovery-bot:reply cmd:snooze -->"
    "\n<!-- recovery-bot:snooze until=2026-05-08T12:00:00Z -->"
)
AWAIT = "awaiting response"
SNOOZED = "sla: snoozed"
ALLOWED = (
    "`confirmation email not received`, `email address posted`, `has recovery codes`, "
    "`lost 2fa`, `lost email`, `needs more info`, `no projects`, `security issue`, "
    "`test pypi issue`, `unverified email`, `username not found`, `awaiting response`, "
    "`typo email`, `duplicate`, `status: awaiting response`"
)
CLOSE_USAGE = "Usage: `/close [completed|not-planned|non-response|duplicate #N]`"


# --- finding commands -------------------------------------------------------------------

FIND_CASES = [
    ("plain", "/recheck", [("recheck", ())]),
    ("none", None, []),
    ("empty", "", []),
    (
        "several in order",
        "Thanks!\n/assign me\nsome text\n/reply follow-up",
        [("assign", ("me",)), ("reply", ("follow-up",))],
    ),
    ("leading spaces", "   /close", [("close", ())]),
    ("case-insensitive name, args kept", "/CLOSE Not-Planned", [("close", ("Not-Planned",))]),
    ("CRLF", "hi\r\n/recheck\r\n", [("recheck", ())]),
    ("known name with prose after it", "/close this is done", [("close", ("this", "is", "done"))]),
    (
        "quoted args",
        "/label \"unverified email\" 'test pypi issue' “typo email”",
        [("label", ("unverified email", "test pypi issue", "typo email"))],
    ),
    ("backtick-quoted arg", "/label `typo email`", [("label", ("typo email",))]),
    ("fenced code", "```\n/close\n```", []),
    ("tilde fence, command after it", "~~~md\n/close\n~~~\n/reopen", [("reopen", ())]),
    ("indented fence in a list", "- item\n  ```\n  /close\n  ```\n/reopen", [("reopen", ())]),
    ("longer fence holds a shorter one", "````\n```\n/close\n```\n````\n/reopen", [("reopen", ())]),
    ("unclosed fence hides the rest", "```\n/close", []),
    ("indented code (4 spaces)", "text\n\n    /close", []),
    ("indented code (tab)", "\t/close", []),
    ("inline code", "Use `/close` here", []),
    ("inline code spanning lines", "run `foo\n/close bar`", []),
    ("double-backtick span", "``\n/close\n``", []),
    ("quoted line", "> /close", []),
    ("nested quote", "> > /close", []),
    ("indented quote", "  > /close", []),
    ("e-mail reply", "Thanks!\n\nOn Tue, maint wrote:\n> /reply follow-up\n> thanks", []),
    ("HTML comment", "<!-- /close -->", []),
    ("multi-line HTML comment", "<!--\n/close\n-->\n/reopen", [("reopen", ())]),
    ("unterminated HTML comment", "<!-- note\n/close", []),
    ("comment opener inside code does not hide", "`<!--`\n/reopen", [("reopen", ())]),
    ("path", "/usr/bin/python is broken", []),
    ("path alone", "/etc/hosts", []),
    ("URL path", "/api/v1/users", []),
    ("URL", "https://pypi.org/user/alice/", []),
    ("punctuation after name", "/close.", []),
    ("unknown word in prose", "/tmp is full of files", []),
    ("unknown command", "/frobnicate", [("frobnicate", (), False)]),
    ("typo with argument", "/clsoe non-response", [("clsoe", ("non-response",), False)]),
    ("one-letter name", "/s", []),
    ("digit start", "/2fa reset", []),
]


@pytest.mark.parametrize(
    ("body", "expected"), [c[1:] for c in FIND_CASES], ids=[c[0] for c in FIND_CASES]
)
def test_find_commands(body: str | None, expected: list[tuple[Any, ...]]) -> None:
    got = [(i.name, i.args, *(() if i.known else (False,))) for i in find_commands(body, KNOWN)]
    assert got == expected


def test_find_commands_keeps_the_stripped_line() -> None:
    assert find_commands("  /label  lost-2fa  ", KNOWN) == [
        Invocation("label", ("lost-2fa",), "/label  lost-2fa", True)
    ]


def test_split_args_unbalanced_quote_takes_the_rest() -> None:
    assert split_args(' "typo email') == ("typo email",)
    assert split_args(" don't stop") == ("don't", "stop")


NEW_CASES = [
    ("no previous text", None, "/recheck", [("recheck", ())]),
    (
        "added line",
        "/reply follow-up",
        "/reply follow-up\n/close non-response",
        [("close", ("non-response",))],
    ),
    ("typo fixed elsewhere", "/reply follow-up\nthx", "Thanks.\n/reply   follow-up", []),
    (
        "second copy runs once",
        "/label lost-2fa",
        "/label lost-2fa\n/label lost-2fa",
        [("label", ("lost-2fa",))],
    ),
    ("moved out of a code block", "```\n/close\n```", "/close", [("close", ())]),
    ("command deleted", "/close", "", []),
    ("argument changed", "/snooze 7d", "/snooze 14d", [("snooze", ("14d",))]),
]


@pytest.mark.parametrize(
    ("old", "new", "expected"), [c[1:] for c in NEW_CASES], ids=[c[0] for c in NEW_CASES]
)
def test_new_commands(old: str | None, new: str, expected: list[tuple[Any, ...]]) -> None:
    assert [(i.name, i.args) for i in new_commands(old, new, KNOWN)] == expected


# --- each command's plan -----------------------------------------------------------------

PLAN_CASES: list[tuple[str, str, dict[str, Any], CommandResult]] = [
    ("recheck", "/recheck", {}, CommandResult(Plan(), True, recheck=True)),
    (
        "label quoted and unquoted",
        '/label "typo email" security issue',
        {},
        CommandResult(Plan(add_labels=("typo email", "security issue")), True),
    ),
    (
        "label canonical spelling",
        "/label Unverified EMAIL",
        {},
        CommandResult(Plan(add_labels=("unverified email",)), True),
    ),
    (
        "label already there",
        "/label Typo Email",
        {"labels": ("typo email",)},
        CommandResult(Plan(), True),
    ),
    (
        "label the awaiting label",
        '/label "awaiting response"',
        {},
        CommandResult(Plan(add_labels=(AWAIT,)), True),
    ),
    (
        "unlabel uses the issue's spelling",
        '/unlabel "typo email"',
        {"labels": ("Typo Email",)},
        CommandResult(Plan(remove_labels=("Typo Email",)), True),
    ),
    ("unlabel absent", "/unlabel duplicate", {}, CommandResult(Plan(), True)),
    ("awaiting-response", "/awaiting-response", {}, CommandResult(Plan(add_labels=(AWAIT,)), True)),
    (
        "awaiting-response again",
        "/awaiting-response",
        {"labels": (AWAIT,)},
        CommandResult(Plan(), True),
    ),
    (
        "resume",
        "/resume",
        {"labels": ("account-recovery", AWAIT, SNOOZED)},
        CommandResult(Plan(remove_labels=(AWAIT, SNOOZED)), True),
    ),
    ("resume when nothing waits", "/resume", {}, CommandResult(Plan(), True)),
    (
        "snooze duration",
        "/snooze 7d",
        {},
        CommandResult(
            Plan(add_labels=(SNOOZED,), replies=(SNOOZE_7D,)),
            True,
            snooze_until=datetime(2026, 5, 8, 12, tzinfo=UTC),
        ),
    ),
    (
        "snooze hours",
        "/snooze 36h",
        {"labels": (SNOOZED,)},
        CommandResult(
            Plan(
                replies=(
                    "Pausing the response clock on this issue until 2026-05-03 00:00 UTC. "
                    "`/resume` ends the pause sooner.\n\n<!-- recovery-bot:reply cmd:snooze -->\n"
                    "<!-- recovery-bot:snooze until=2026-05-03T00:00:00Z -->",
                )
            ),
            True,
            snooze_until=datetime(2026, 5, 3, tzinfo=UTC),
        ),
    ),
    (
        "snooze date",
        "/snooze 2026-06-01",
        {},
        CommandResult(
            Plan(
                add_labels=(SNOOZED,),
                replies=(
                    "Pausing the response clock on this issue until 2026-06-01 00:00 UTC. "
                    "`/resume` ends the pause sooner.\n\n<!-- recovery-bot:reply cmd:snooze -->\n"
                    "<!-- recovery-bot:snooze until=2026-06-01T00:00:00Z -->",
                ),
            ),
            True,
            snooze_until=datetime(2026, 6, 1, tzinfo=UTC),
        ),
    ),
    ("close", "/close", {}, CommandResult(Plan(state="closed", state_reason="completed"), True)),
    (
        "close completed drops clock labels",
        "/close completed",
        {"labels": (AWAIT, SNOOZED)},
        CommandResult(
            Plan(remove_labels=(AWAIT, SNOOZED), state="closed", state_reason="completed"), True
        ),
    ),
    ("close already closed", "/close", {"state": "closed"}, CommandResult(Plan(), True)),
    (
        "close not-planned",
        "/close not-planned",
        {},
        CommandResult(Plan(state="closed", state_reason="not_planned"), True),
    ),
    (
        "close not_planned spelling",
        "/close not_planned",
        {},
        CommandResult(Plan(state="closed", state_reason="not_planned"), True),
    ),
    (
        "close non-response",
        "/close non-response",
        {"labels": (AWAIT,)},
        CommandResult(
            Plan(
                remove_labels=(AWAIT,),
                replies=(tagged(NON_RESPONSE, "non-response"),),
                state="closed",
                state_reason="not_planned",
            ),
            True,
        ),
    ),
    (
        "close non-response when closed: reply only",
        "/close non-response",
        {"state": "closed"},
        CommandResult(Plan(replies=(tagged(NON_RESPONSE, "non-response"),)), True),
    ),
    (
        "close duplicate",
        "/close duplicate #12",
        {},
        CommandResult(
            Plan(
                replies=(tagged(DUPLICATE_12, "duplicate"),),
                state="closed",
                state_reason="duplicate",
            ),
            True,
        ),
    ),
    (
        "close duplicate bare number",
        "/close Duplicate 12",
        {},
        CommandResult(
            Plan(
                replies=(tagged(DUPLICATE_12, "duplicate"),),
                state="closed",
                state_reason="duplicate",
            ),
            True,
        ),
    ),
    (
        "reopen",
        "/reopen",
        {"state": "closed"},
        CommandResult(Plan(state="open", state_reason="reopened"), True),
    ),
    ("reopen open issue", "/reopen", {}, CommandResult(Plan(), True)),
    (
        "assign defaults to the actor",
        "/assign",
        {},
        CommandResult(Plan(assignees_add=("maint",)), True),
    ),
    ("assign me", "/assign me", {}, CommandResult(Plan(assignees_add=("maint",)), True)),
    (
        "assign users",
        "/assign @Alice bob @alice",
        {},
        CommandResult(Plan(assignees_add=("Alice", "bob")), True),
    ),
    ("assign already assigned", "/assign", {"assignees": ("MAINT",)}, CommandResult(Plan(), True)),
    (
        "unassign defaults to the actor",
        "/unassign",
        {"assignees": ("Maint", "alice")},
        CommandResult(Plan(assignees_remove=("Maint",)), True),
    ),
    (
        "unassign user",
        "/unassign @alice",
        {"assignees": ("maint", "alice")},
        CommandResult(Plan(assignees_remove=("alice",)), True),
    ),
    ("unassign not assigned", "/unassign", {"assignees": ("alice",)}, CommandResult(Plan(), True)),
    ("fast-track", "/fast-track", {}, CommandResult(Plan(add_labels=("no projects",)), True)),
    ("fast-track again", "/fast-track", {"labels": ("no projects",)}, CommandResult(Plan(), True)),
    (
        "wrong-form",
        "/wrong-form warehouse",
        {},
        CommandResult(
            Plan(
                replies=(tagged(WAREHOUSE, "cmd:wrong-form:warehouse"),),
                state="closed",
                state_reason="not_planned",
            ),
            True,
        ),
    ),
    (
        "reply contact-support",
        "/reply contact-support",
        {},
        CommandResult(
            Plan(add_labels=(AWAIT,), replies=(tagged(CONTACT_SUPPORT, "contact-support"),)), True
        ),
    ),
    (
        "reply confirm-email",
        "/reply confirm-email",
        {"labels": (AWAIT,)},
        CommandResult(Plan(replies=(tagged(CONFIRM_EMAIL, "confirm-email"),)), True),
    ),
    (
        "reply started",
        "/reply started",
        {},
        CommandResult(Plan(add_labels=(AWAIT,), replies=(tagged(STARTED, "started"),)), True),
    ),
    (
        "reply done closes",
        "/reply done",
        {"labels": (AWAIT,)},
        CommandResult(
            Plan(
                remove_labels=(AWAIT,),
                replies=(tagged(DONE, "done"),),
                state="closed",
                state_reason="completed",
            ),
            True,
        ),
    ),
    (
        "reply has-recovery-codes",
        "/reply has-recovery-codes",
        {},
        CommandResult(
            Plan(add_labels=(AWAIT,), replies=(tagged(HAS_CODES, "has-recovery-codes"),)), True
        ),
    ),
    (
        "reply no-public-repo-wait snoozes 7d",
        "/reply no-public-repo-wait",
        {},
        CommandResult(
            Plan(
                add_labels=(SNOOZED,),
                replies=(
                    tagged(NO_REPO_WAIT, "no-public-repo-wait")
                    + "\n<!-- recovery-bot:snooze until=2026-05-08T12:00:00Z -->",
                ),
            ),
            True,
            snooze_until=datetime(2026, 5, 8, 12, tzinfo=UTC),
        ),
    ),
    (
        "reply username-not-found",
        "/reply username-not-found",
        {},
        CommandResult(
            Plan(add_labels=(AWAIT,), replies=(tagged(NOT_FOUND, "username-not-found"),)), True
        ),
    ),
    (
        "reply english-please",
        "/reply English-Please",
        {},
        CommandResult(
            Plan(add_labels=(AWAIT,), replies=(tagged(ENGLISH, "english-please"),)), True
        ),
    ),
    (
        "reply follow-up",
        "/reply follow-up",
        {},
        CommandResult(Plan(add_labels=(AWAIT,), replies=(tagged(FOLLOW_UP, "follow-up"),)), True),
    ),
    (
        "reply non-response",
        "/reply non-response",
        {},
        CommandResult(
            Plan(
                replies=(tagged(NON_RESPONSE, "non-response"),),
                state="closed",
                state_reason="not_planned",
            ),
            True,
        ),
    ),
    (
        "reply duplicate",
        "/reply duplicate #12",
        {},
        CommandResult(
            Plan(
                replies=(tagged(DUPLICATE_12, "duplicate"),),
                state="closed",
                state_reason="duplicate",
            ),
            True,
        ),
    ),
]


@pytest.mark.parametrize(
    ("line", "ctx", "expected"), [c[1:] for c in PLAN_CASES], ids=[c[0] for c in PLAN_CASES]
)
def test_command_plan(line: str, ctx: dict[str, Any], expected: CommandResult) -> None:
    assert run(line, **ctx) == expected


@pytest.mark.parametrize("username", [None, "al ice`@x", ""])
def test_username_unknown_or_unsafe_reads_your_account(username: str | None) -> None:
    reply = run("/reply started", username=username).plan.replies[0]
    assert reply.startswith("Hi @octocat, we've started the recovery of your account and sent")


def test_every_default_reply_is_short_and_asks_for_no_address_here() -> None:
    ctx = make_ctx()
    for name, saved in CFG.commands.replies.items():
        args = (name, "#12") if saved.needs_duplicate else (name,)
        res = run_command(Invocation("reply", args, ""), ctx)
        (body,) = res.plan.replies
        assert res.ok and "{" not in body and "@octocat" in body
        assert body.count("@") - body.count("@pypi.org") == 1  # the reporter, nobody else
        assert len(body.split("<!--")[0]) < 450, name


# --- errors --------------------------------------------------------------------------

ERROR_CASES = [
    ("/recheck now", "This command takes no arguments (got `now`). Usage: `/recheck`"),
    ("/label", 'Name at least one label. Usage: `/label NAME ["OTHER NAME" ...]`'),
    (
        "/label frobs",
        f"`frobs` is not a label commands may set (allowed: {ALLOWED}). "
        'Usage: `/label NAME ["OTHER NAME" ...]`',
    ),
    (
        '/unlabel "lost 2fa" account-recovery',
        f"`account-recovery` is not a label commands may set (allowed: {ALLOWED}). "
        'Usage: `/unlabel NAME ["OTHER NAME" ...]`',
    ),
    (
        "/reply",
        "Name a saved reply (`contact-support`, `confirm-email`, `started`, `done`, "
        "`has-recovery-codes`, `no-public-repo-wait`, `username-not-found`, "
        "`english-please`, `follow-up`, `non-response`, `duplicate`). "
        "Usage: `/reply NAME [#N]`",
    ),
    (
        "/reply thanks",
        "There is no saved reply `thanks` (saved replies: `contact-support`, "
        "`confirm-email`, `started`, `done`, `has-recovery-codes`, "
        "`no-public-repo-wait`, `username-not-found`, `english-please`, "
        "`follow-up`, `non-response`, `duplicate`). Usage: `/reply NAME [#N]`",
    ),
    (
        "/reply duplicate",
        "`duplicate` needs the issue this one duplicates, like `#1234`. Usage: `/reply NAME [#N]`",
    ),
    ("/reply follow-up #3", "`follow-up` takes no issue number. Usage: `/reply NAME [#N]`"),
    ("/reply done a b", "Too many arguments. Usage: `/reply NAME [#N]`"),
    ("/close later", f"`later` is not a way to close. {CLOSE_USAGE}"),
    (
        "/close duplicate",
        f"`duplicate` needs the issue this one duplicates, like `#1234`. {CLOSE_USAGE}",
    ),
    ("/close duplicate #1234", f"An issue cannot duplicate itself (#1234). {CLOSE_USAGE}"),
    ("/close duplicate abc", f"`abc` is not an issue number like `#1234`. {CLOSE_USAGE}"),
    ("/close duplicate #0", f"`#0` is not an issue number like `#1234`. {CLOSE_USAGE}"),
    ("/close completed now", f"`completed` takes nothing after it. {CLOSE_USAGE}"),
    ("/reopen please", "This command takes no arguments (got `please`). Usage: `/reopen`"),
    ("/snooze", "Give one duration or date. Usage: `/snooze 7d|2w|36h|YYYY-MM-DD`"),
    ("/snooze 7d 2w", "Give one duration or date. Usage: `/snooze 7d|2w|36h|YYYY-MM-DD`"),
    (
        "/snooze tomorrow",
        "`tomorrow` is not a duration or a date. Usage: `/snooze 7d|2w|36h|YYYY-MM-DD`",
    ),
    ("/snooze 7", "`7` needs a unit, like `7d`. Usage: `/snooze 7d|2w|36h|YYYY-MM-DD`"),
    ("/snooze 0d", "`0d` is not in the future. Usage: `/snooze 7d|2w|36h|YYYY-MM-DD`"),
    (
        "/snooze 2026-04-30",
        "`2026-04-30` is not in the future. Usage: `/snooze 7d|2w|36h|YYYY-MM-DD`",
    ),
    ("/snooze 2026-02-30", "`2026-02-30` is not a date. Usage: `/snooze 7d|2w|36h|YYYY-MM-DD`"),
    ("/snooze 91d", "A snooze lasts at most 90d. Usage: `/snooze 7d|2w|36h|YYYY-MM-DD`"),
    ("/snooze x`y", "`x'y` is not a duration or a date. Usage: `/snooze 7d|2w|36h|YYYY-MM-DD`"),
    (
        "/assign @bad_login",
        "`@bad_login` is not a GitHub username. Usage: `/assign [@user|me ...]`",
    ),
    ("/unassign -x", "`-x` is not a GitHub username. Usage: `/unassign [@user|me ...]`"),
    ("/fast-track now", "This command takes no arguments (got `now`). Usage: `/fast-track`"),
    (
        "/wrong-form",
        "Name one target (`warehouse`, `pep541`, `account-recovery`, "
        "`organizations`, `security`). Usage: `/wrong-form TARGET`",
    ),
    (
        "/wrong-form pypi",
        "`pypi` is not a target (`warehouse`, `pep541`, `account-recovery`, "
        "`organizations`, `security`). Usage: `/wrong-form TARGET`",
    ),
    ("/help nope", "There is no command `/nope`. Usage: `/help [COMMAND]`"),
    ("/help a b", "Name at most one command. Usage: `/help [COMMAND]`"),
    ("/frobnicate", "Unknown command `/frobnicate`. Try `/help`."),
    ("/clsoe non-response", "Unknown command `/clsoe`. Did you mean `/close`? Try `/help`."),
]


@pytest.mark.parametrize(("line", "error"), ERROR_CASES, ids=[c[0] for c in ERROR_CASES])
def test_bad_command_changes_nothing_and_says_why(line: str, error: str) -> None:
    assert run(line) == CommandResult(Plan(), ok=False, error=error)


def test_too_many_assignees() -> None:
    ten = tuple(f"user{i}" for i in range(10))
    assert run("/assign me", assignees=ten).error == (
        "An issue can have at most 10 assignees. Usage: `/assign [@user|me ...]`"
    )


# --- several commands, help ------------------------------------------------------------


def test_run_commands_in_order_against_the_evolving_issue() -> None:
    body = '/unlabel "typo email"\n/label "typo email"\n/reply done\n/close\n/snooze soon'
    plan, results = run_commands(find_commands(body, KNOWN), make_ctx(labels=("typo email",)))
    assert [r.ok for r in results] == [True, True, True, True, False]
    assert results[3].plan == Plan()  # /reply done already closed it
    assert plan == Plan(
        add_labels=("typo email",),
        replies=(tagged(DONE, "done"),),
        state="closed",
        state_reason="completed",
    )


def test_help_lists_every_command_reply_and_target() -> None:
    (body,) = run("/help").plan.replies
    for spec in REGISTRY.values():
        assert f"- `{spec.usage}` — {spec.summary}\n" in body
    for name in CFG.commands.replies:
        assert f"- `{name}` — " in body
    assert body.startswith(
        "**Commands** for PyPI's support team: one per line, several in one comment run in "
        "order.\n\n- `/help [COMMAND]` — list the commands, or show one\n"
    )
    assert "- `contact-support` — ask the reporter to e-mail the support inbox" in body
    assert (
        "**Targets** for `/wrong-form`: `warehouse`, `pep541`, `account-recovery`, "
        "`organizations`, `security`." in body
    )
    assert f"**Labels** for `/label` and `/unlabel`: {ALLOWED}." in body
    assert body.endswith("\n\n<!-- recovery-bot:reply cmd:help -->")
    assert body == help_text(CFG) + "\n\n<!-- recovery-bot:reply cmd:help -->"


def test_help_for_one_command() -> None:
    assert run("/help /close").plan.replies == (
        "`/close [completed|not-planned|non-response|duplicate #N]` — close the issue with "
        "the matching reason and saved reply.\n\n<!-- recovery-bot:reply cmd:help -->",
    )


def test_renamed_and_aliased_commands() -> None:
    cfg = parse_config(
        {
            "repositories": ["pypi/support"],
            "commands": {
                "names": {"awaiting-response": "awaiting"},
                "aliases": {"wait": "awaiting-response"},
            },
        }
    )
    known = known_names(cfg)
    assert "awaiting" in known and "wait" in known and "awaiting-response" not in known
    assert run("/wait", config=cfg).plan == Plan(add_labels=(AWAIT,))
    assert run("/awaiting", config=cfg).plan == Plan(add_labels=(AWAIT,))
    assert run("/awaiting now", config=cfg).error == (
        "This command takes no arguments (got `now`). Usage: `/awaiting`"
    )
    old = find_commands("/awaiting-response", known)
    assert [(i.name, i.known) for i in old] == [("awaiting-response", False)]
    assert "- `/awaiting` (also `/wait`) — the reporter owes" in help_text(cfg)


def test_sla_labels_come_from_the_sla_section() -> None:
    cfg = parse_config(
        {
            "repositories": ["pypi/support"],
            "sla": {
                "labels": {
                    "awaiting": "waiting on reporter",
                    "snoozed": "paused",
                    "awaiting_aliases": ["status: awaiting response"],
                }
            },
        }
    )
    assert run("/awaiting-response", config=cfg).plan == Plan(add_labels=("waiting on reporter",))
    assert run('/label "waiting on reporter"', config=cfg).ok
    old = ("status: awaiting response", "paused", "account-recovery")
    assert run("/resume", config=cfg, labels=old).plan == Plan(
        remove_labels=("status: awaiting response", "paused")
    )
    assert run("/close", config=cfg, labels=old).plan == Plan(
        remove_labels=("status: awaiting response", "paused"),
        state="closed",
        state_reason="completed",
    )


# --- who may run commands ----------------------------------------------------------------

CFG_TEAM = parse_config(
    {
        "repositories": ["pypi/support"],
        "maintainers": {"users": ["helper"], "teams": ["pypi/support-team"]},
    }
)


REFUSAL = (
    "Hi @reporter1, thanks! Only PyPI's support team can use `/close` here: people with "
    "write, maintain or admin access to this repository. Nothing was changed. If this is "
    "your request, there's nothing to run: just reply here in your own words and a "
    "maintainer will see it.\n\n<!-- recovery-bot:refusal -->"
)


def test_refusal_text() -> None:
    assert refusal_text("reporter1", CFG, "close") == REFUSAL
    assert refusal_text("x", CFG_TEAM).startswith(
        "Hi @x, thanks! Only PyPI's support team can use slash-commands here: people with "
        "write, maintain or admin access to this repository, plus `@helper`, members of "
        "`@pypi/support-team`. Nothing was changed."
    )


def test_refusal_at_most_once_per_hour() -> None:
    def bot(at: datetime, body: str = REFUSAL) -> CommentInfo:
        return CommentInfo(author="recovery-bot[bot]", created_at=at, is_bot=True, body=body)

    assert refusal_due([], NOW, CFG)
    assert not refusal_due([bot(NOW - timedelta(minutes=59))], NOW, CFG)
    assert refusal_due([bot(NOW - timedelta(minutes=61))], NOW, CFG)
    assert refusal_due([bot(NOW - timedelta(minutes=5), "Hi")], NOW, CFG)
    pasted = CommentInfo(author="mallory", created_at=NOW, body=REFUSAL)
    assert refusal_due([pasted], NOW, CFG)


# --- a whole comment ------------------------------------------------------------------


def test_maintainer_comment_runs_and_collects_errors() -> None:
    body = "Thanks!\n/reply contact-support\n/frobnicate\n> /close\n/recheck"
    out = handle_comment(body, make_ctx(), permitted=True)
    assert [r.ok for r in out.results] == [True, False, True]
    assert out.recheck and not out.refused
    assert out.plan == Plan(
        add_labels=(AWAIT,),
        replies=(
            tagged(CONTACT_SUPPORT, "contact-support"),
            tagged("@maint Unknown command `/frobnicate`. Try `/help`.", "cmd:error"),
        ),
    )


def test_several_errors_share_one_reply() -> None:
    out = handle_comment("/snooze 7\n/label nope-x", make_ctx(), permitted=True)
    assert out.plan.replies == (
        tagged(
            "@maint some commands didn't run:\n"
            "- `7` needs a unit, like `7d`. Usage: `/snooze 7d|2w|36h|YYYY-MM-DD`\n"
            f"- `nope-x` is not a label commands may set (allowed: {ALLOWED}). "
            'Usage: `/label NAME ["OTHER NAME" ...]`',
            "cmd:error",
        ),
    )


def test_non_maintainer_changes_nothing_but_gets_one_refusal() -> None:
    ctx = make_ctx(actor="reporter1")
    out = handle_comment("/close\n/label lost-2fa", ctx, permitted=False)
    assert out.refused and out.results == ()
    assert out.plan == Plan(replies=(REFUSAL,))
    quiet = handle_comment("/close", ctx, permitted=False, may_refuse=False)
    assert quiet.refused and quiet.plan == Plan()


@pytest.mark.parametrize("body", ["/tmp is full", "/frobnicate", "> /close", "`/close`", "hi"])
def test_non_maintainer_without_a_known_command_gets_nothing(body: str) -> None:
    out = handle_comment(body, make_ctx(actor="reporter1"), permitted=False)
    assert out == handle_comment("", make_ctx(), permitted=True)
    assert out.plan.is_empty and not out.refused


def test_edited_comment_runs_only_new_commands() -> None:
    out = handle_comment(
        "/reply follow-up\n/snooze 7d",
        make_ctx(),
        permitted=True,
        edited=True,
        previous_body="/reply follow-up",
    )
    assert [i.name for i in out.invocations] == ["snooze"]
    assert out.plan == Plan(add_labels=(SNOOZED,), replies=(SNOOZE_7D,))
    assert out.snooze_until == datetime(2026, 5, 8, 12, tzinfo=UTC)


# --- markers ----------------------------------------------------------------------------


def test_snooze_marker_round_trip() -> None:
    until = datetime(2026, 12, 1, tzinfo=UTC)
    assert snooze_marker(until) == "<!-- recovery-bot:snooze until=2026-12-01T00:00:00Z -->"
    assert parse_snooze_marker("x\n" + snooze_marker(until)) == until
    later = snooze_marker(until + timedelta(days=1))
    assert parse_snooze_marker(snooze_marker(until) + later) == until + timedelta(days=1)
    assert parse_snooze_marker("<!-- recovery-bot:snooze until=soon -->") is None
    assert parse_snooze_marker(snooze_marker(until, "other-bot")) is None
    assert parse_snooze_marker(snooze_marker(until, "other-bot"), "other-bot") == until
    assert parse_snooze_marker(None) is None
    assert parse_snooze_marker(SNOOZE_7D) == datetime(2026, 5, 8, 12, tzinfo=UTC)


def test_reply_markers() -> None:
    assert parse_reply_markers(tagged(FOLLOW_UP, "follow-up")) == ("follow-up",)
    assert parse_reply_markers(SNOOZE_7D) == ("cmd:snooze",)
    assert parse_reply_markers("plain") == ()


def test_a_comment_runs_at_most_twenty_commands() -> None:
    out = handle_comment("/fast-track\n" * 25, make_ctx(), permitted=True)
    assert len(out.results) == 20
    assert out.plan == Plan(
        add_labels=("no projects",),
        replies=(
            tagged(
                "@maint Only the first 20 commands of a comment run; 5 more were ignored.",
                "cmd:error",
            ),
        ),
    )


def test_hostile_bodies_read_exactly() -> None:
    """Bodies built to make a naive scanner quadratic (2,500 backtick runs before 1,110
    command lines, 2,000 comment openers, runs of every length) still read exactly. No
    clock here: mutmut's per-test timeout and the suite's own run time catch a scan that
    stops being near-linear. (8 KB each, so an endless-loop mutant times out sooner.)"""
    spans_then_lines = ("` `" * 1250 + "\n" + "/ab\n" * 1250)[:8192]
    assert find_commands(spans_then_lines, KNOWN) == [Invocation("ab", (), "/ab", False)] * 1110
    assert find_commands("<!--" * 2000 + "\n/reopen", KNOWN) == []
    runs = "".join("`" * i + " x " for i in range(1, 120))
    assert find_commands(runs + "\n/reopen", KNOWN) == [Invocation("reopen", (), "/reopen")]


def _python_steps(body: str) -> int:
    """Line events ``find_commands`` runs in its own module for ``body``: a count of
    work that, unlike a clock, is the same on a loaded machine."""
    module = parse_module.__file__
    steps = 0

    def local(frame: FrameType, event: str, arg: object) -> Any:
        nonlocal steps
        steps += 1
        return local

    def tracer(frame: FrameType, event: str, arg: object) -> Any:
        return local if frame.f_code.co_filename == module else None

    sys.settrace(tracer)
    try:
        find_commands(body, KNOWN)
    finally:
        sys.settrace(None)
    return steps


HOSTILE_SHAPES: dict[str, Callable[[int], str]] = {
    "code spans, then command lines": lambda n: "` `" * n + "\n" + "/ab\n" * n,
    "unclosed comment openers": lambda n: "<!--" * n + "\n/reopen",
    "backtick runs of every length": lambda n: "".join("`" * i + " x " for i in range(1, n)),
    "unclosed fences around commands": lambda n: "```\n/label x\n" * n,
}


@pytest.mark.parametrize("shape", HOSTILE_SHAPES)
def test_hostile_bodies_cost_grows_linearly(shape: str) -> None:
    """Twice the hostile body costs at most about twice the work (a quadratic scan would
    cost four times): counted in Python line events, not seconds."""
    make = HOSTILE_SHAPES[shape]
    small, large = _python_steps(make(400)), _python_steps(make(800))
    assert small > 0
    assert large <= 2.1 * small + 200, (small, large)


def test_not_assigned_reply_names_each_login_in_code_so_nobody_is_pinged() -> None:
    assert not_assigned_reply("m1", ["everyone", "a`b"], CFG) == (
        "@m1 sorry, GitHub did not assign `everyone`, `a'b`: only people with access to "
        "this repository can be assigned.\n\n<!-- recovery-bot:reply cmd:error -->"
    )
