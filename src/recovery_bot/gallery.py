"""``docs/comments.md``: every text the bot can post, generated from the code that posts it.

A reviewer reads the bot's words in one place, like a spec, and a test fails when the
file is stale (regenerate with ``python -m recovery_bot.gallery > docs/comments.md``).
Each triage example is a real-shaped body run through the same ``gather_facts`` and
``decide`` as the server, with the PyPI lookup given; the slash-command texts are
rendered by the commands' own ``render``.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TextIO

from recovery_bot.app import parse_config
from recovery_bot.core.config import AppConfig
from recovery_bot.core.pypi_user import PyPIUser
from recovery_bot.intake.answers import SITUATIONS
from recovery_bot.intake.decision import decide, gather_facts, situation_of, with_lookup

_BOXES = {
    "Recovery Codes": "I never generated or have lost access to the recovery codes for my account",
    "Code of Conduct": "I agree to follow the PSF Code of Conduct",
    "Acknowledgement": "I understand that it may take a significant amount of time to "
    "process my account recovery request.",
}


def form_body(
    username: str, reason: str, *, unticked: tuple[str, ...] = (), without: tuple[str, ...] = ()
) -> str:
    """Today's account-recovery form as GitHub renders it."""
    parts = [f"### PyPI Username\n\n{username}", f"### Reason for request\n\n{reason}"]
    for heading, option in _BOXES.items():
        if heading in without:
            continue
        box = "[ ]" if heading in unticked else "[x]"
        parts.append(f"### {heading}\n\n- {box} {option}")
    return "\n\n".join(parts)


ALICE = PyPIUser("found", "alice", canonical="alice", project_count=3)


@dataclass(frozen=True)
class Example:
    """One row of the gallery: a situation, a body that falls in it, and the threads
    whose admin replies the answer follows."""

    title: str
    body: str
    threads: str
    issue_title: str = "Account recovery request"
    labels: tuple[str, ...] = ("account-recovery",)
    user: PyPIUser | None = ALICE


EXAMPLES: tuple[Example, ...] = (
    Example(
        "Lost the 2FA device, nothing else to fix",
        form_body("`alice`", "Lost 2FA authentication app"),
        "#1027, #4010, #11575",
    ),
    Example(
        "Lost the 2FA device; the account has no projects",
        form_body("`alice`", "I lost my phone with the authenticator app."),
        "#4434, #6218 (no repository to check: seven-day wait)",
        user=PyPIUser("found", "alice", canonical="alice", project_count=0),
    ),
    Example(
        "Lost the 2FA device; the codes are rejected",
        form_body(
            "`alice`", "Lost my 2FA app. I have recovery codes but PyPI says they are invalid."
        ),
        "#9757, #1492",
    ),
    Example(
        "Lost the 2FA device, still has recovery codes",
        form_body(
            "`alice`",
            "Lost my phone, but I still have my recovery codes.",
            unticked=("Recovery Codes",),
        ),
        "#3046, #3059, #3748",
    ),
    Example(
        "Lost the e-mail address",
        form_body("`alice`", "The e-mail domain I signed up with has expired."),
        "#3162, #6961, #11201",
    ),
    Example(
        "Lost the e-mail address, still has recovery codes",
        form_body(
            "`alice`", "I no longer have access to my email address. I do have my recovery codes."
        ),
        "#4942, #11201, #11674",
    ),
    Example(
        "Lost both the e-mail address and the 2FA device",
        form_body("`alice`", "Lost 2FA and access to the e-mail address."),
        "#9759, #5421",
    ),
    Example(
        "Doesn't know the username: an address in the field",
        form_body("alice@example.com", "Lost 2FA authentication app"),
        "#945, #3302, #8985",
        user=None,
    ),
    Example(
        "Doesn't know the username: a non-answer, and the mailbox is gone",
        form_body("I don't remember", "I lost access to my old university e-mail."),
        "#9792, #12270",
        user=None,
    ),
    Example(
        "Username not on pypi.org",
        form_body("`alicee`", "Lost 2FA authentication app"),
        "#4657, #6629",
        user=PyPIUser("not_found", "alicee"),
    ),
    Example(
        "A project link instead of the username",
        form_body("https://pypi.org/project/alice-tools/", "Lost 2FA authentication app"),
        "FIELD-NOTES §4 U06",
        user=None,
    ),
    Example(
        "Several usernames",
        form_body("`alice`, `alice-work`", "Lost my 2FA device."),
        "#11075, #12288",
        user=None,
    ),
    Example(
        "New-device confirmation mail never arrives",
        form_body(
            "`alice`",
            "PyPI asks me to confirm a new device by e-mail, but the e-mail never arrives.",
        ),
        "#8296, #11793, #11582",
    ),
    Example(
        "Unverified address",
        form_body(
            "`alice`", "My email address was never verified, so the password reset doesn't work."
        ),
        "#8799, #9605, #6341",
    ),
    Example(
        "TestPyPI account",
        form_body("`alice`", "I lost my 2FA device for my test.pypi.org account."),
        "#7549, #8318, #1656",
    ),
    Example(
        "Deletion request",
        form_body("`alice`", "I lost my 2FA device and would like the account deleted."),
        "#5867, #8105, #8941",
    ),
    Example(
        "Compromised account",
        form_body("`alice`", "My account was hacked: someone changed my e-mail address and 2FA."),
        "#3823, #5281, #11627",
    ),
    Example(
        "Re-filing after a closed request",
        form_body(
            "`alice`",
            "Lost 2FA app. My previous request #1234 was closed, so I am opening a new one.",
        ),
        "#11119, #11745",
    ),
    Example(
        "Not written in English",
        form_body("`alice`", "我丢失了双重验证设备，也没有恢复码。"),
        "#8943, #12240",
    ),
    Example(
        "Reason empty and a box unticked",
        form_body("`alice`", "_No response_", unticked=("Code of Conduct",)),
        "#343, #5582",
    ),
    Example(
        "A section deleted from the form",
        form_body("`alice`", "Lost 2FA authentication app", without=("Acknowledgement",)),
        "FIELD-NOTES §1",
    ),
    Example(
        "An e-mail address posted in the reason",
        form_body("`alice`", "My old address alice@example.com no longer works."),
        "#5823, #4984",
    ),
    Example(
        "Free text instead of the form",
        "Hi, I lost my phone and can't log in to PyPI. My username is alice. Please help!",
        "FIELD-NOTES §4 (no form left)",
        labels=(),
    ),
    Example("An empty issue with the form's label", "", "#6655", user=None),
    Example(
        "Another form (PEP 541): the bot says nothing",
        "### Project to be claimed\n\n`foo`\n\n### Your PyPI username\n\n`bob`\n\n"
        "### Reasons for the request\n\nThe project is abandoned.",
        "—",
        issue_title="PEP 541 Request: foo",
        labels=("PEP 541",),
        user=None,
    ),
)


def _excerpt(body: str) -> str:
    """The parts of a body that differ between examples: the two text fields of the form
    and any box or section that is not as the form leaves it; other bodies whole."""
    if not body.startswith("### PyPI Username\n\n"):
        return _code(body or "(empty body)")
    fields = body.removeprefix("### PyPI Username\n\n")
    user, rest = fields.split("\n\n### Reason for request\n\n", 1)
    reason = rest.split("\n\n### ", 1)[0]
    lines = [f"- PyPI Username: {_inline(user)}", f"- Reason for request: {reason}"]
    for heading, option in _BOXES.items():
        if f"### {heading}" not in body:
            lines.append(f"- the `### {heading}` section deleted")
        elif f"- [ ] {option}" in body:
            lines.append(f"- {heading}: box left unticked")
    lines.append("- everything else as the form fills it in")
    return "\n".join(lines)


def _inline(text: str) -> str:
    """``text`` as a code span, shown exactly as typed (backticks included)."""
    return f"`` {text} ``" if "`" in text else f"`{text}`"


def _quote(text: str) -> str:
    return "\n".join(f"> {line}" if line else ">" for line in text.splitlines())


def _code(text: str) -> str:
    fence = "````" if "```" in text else "```"
    return f"{fence}markdown\n{text}\n{fence}"


def _triage_section(config: AppConfig, out: TextIO) -> None:
    seen: set[str] = set()
    for ex in EXAMPLES:
        facts = gather_facts(ex.body, title=ex.issue_title, labels=ex.labels)
        if ex.user is not None:
            facts = with_lookup(facts, ex.user)
        plan = decide(facts, config)
        situation = situation_of(facts)
        seen.add(situation)
        out.write(f"### {ex.title}\n\n")
        out.write(f"Situation `{situation}`; the admins' replies it follows: {ex.threads}.\n\n")
        lookup = ""
        if ex.user is not None and facts.pypi_lookup_name:
            lookup = f" (PyPI lookup: {ex.user.status}"
            if ex.user.project_count is not None:
                lookup += f", {ex.user.project_count} projects"
            lookup += ")"
        out.write(f"The issue{lookup}:\n\n{_excerpt(ex.body)}\n\n")
        labels = ", ".join(f"`{lbl}`" for lbl in plan.add_labels) or "none"
        out.write(f"Labels added: {labels}.\n\n")
        if plan.comment is None:
            out.write("Comment: none.\n\n")
        else:
            out.write(f"Comment:\n\n{_quote(plan.comment)}\n\n")
    missing = [s for s in SITUATIONS if s not in seen]
    if missing:  # the gallery must show every row of the table
        raise AssertionError(f"no gallery example for situations {missing}")


def _command_section(config: AppConfig, out: TextIO) -> None:
    from recovery_bot.commands.rules import CommandContext, commands_config, refusal_text, render

    cc = commands_config(config)
    ctx = CommandContext(
        repo="pypi/support",
        issue_number=1234,
        issue_url="https://github.com/pypi/support/issues/1234",
        reporter="reporter",
        actor="maintainer",
        username="alice",
        labels=(),
        state="open",
        assignees=(),
        now=datetime(2026, 1, 5, tzinfo=UTC),
        config=config,
    )
    out.write("## Maintainers' saved replies (`/reply NAME`, `/close ...`)\n\n")
    for name, reply in cc.replies.items():
        text = render(reply.text, ctx, duplicate="#1200")
        out.write(f"### `{name}`: {reply.summary}\n\n{_quote(text)}\n\n")
    out.write("## Wrong form (`/wrong-form TARGET`)\n\n")
    for name, target in cc.wrong_form.items():
        text = render(target.text, ctx, url=target.url)
        out.write(f"### `{name}`: {target.summary}\n\n{_quote(text)}\n\n")
    out.write("## Pausing the clock (`/snooze`)\n\n")
    out.write(_quote(render(cc.snooze_text, ctx, until="2026-01-12 00:00 UTC")) + "\n\n")
    out.write("## Refusal (someone else typed a command; at most once an hour per issue)\n\n")
    text = refusal_text("someone", config, "label").rsplit("\n\n<!--", 1)[0]
    out.write(_quote(text) + "\n\n")


def _sla_section(config: AppConfig, out: TextIO) -> None:
    from recovery_bot.sla.config import SlaConfig
    from recovery_bot.sla.queue import DEFAULT_BUCKETS, queue_paragraph

    sla = config.sla if isinstance(config.sla, SlaConfig) else SlaConfig()
    out.write("## Queue line (appended to the triage comment, kept current by the sweep)\n\n")
    for label, wait in (("0", None), ("10", 5.0), ("50", 12.4), ("400+", 30.0)):
        out.write(f"- {queue_paragraph(label, wait, buckets=DEFAULT_BUCKETS)}\n")
    out.write("\n## SLA sweep (issues waiting on the reporter)\n\n")
    out.write("Reminder:\n\n")
    out.write(_quote(sla.reminder_text.format(reporter="reporter", days=14)) + "\n\n")
    out.write("Closing (only when `close_after` is set; off by default):\n\n")
    out.write(_quote(sla.close_text.format(reporter="reporter", days=30)) + "\n\n")


def render_gallery(config: AppConfig | None = None) -> str:
    """The whole of ``docs/comments.md``."""
    import io

    config = config or parse_config({"repositories": ["pypi/support"]}, "(defaults)")
    out = io.StringIO()
    out.write(
        "# Every text the bot posts\n\n"
        "Generated by `python -m recovery_bot.gallery > docs/comments.md` from the code "
        "that posts them, with the default configuration; a test fails when this file is "
        "stale. Why each answer says what it says: [situations.md](situations.md).\n\n"
        "## The triage comment, by situation\n\n"
        "One comment per issue, edited in place when the issue is edited. A hidden marker "
        "(`<!-- recovery-bot:triage -->`) precedes it; the queue line (below) follows it "
        "once the sweep has measured the queue.\n\n"
    )
    _triage_section(config, out)
    _sla_section(config, out)
    _command_section(config, out)
    return out.getvalue().rstrip("\n") + "\n"


def main() -> int:
    sys.stdout.write(render_gallery())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
