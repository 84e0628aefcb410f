"""Account-recovery rules: from an issue's title, labels and body to the bot's judgement.

Everything here is pure. ``gather_facts`` reads the body (form, username, reason,
signals); ``with_lookup`` folds in a PyPI answer; ``decide`` turns the facts into a
``Plan`` (labels + the one triage comment). The shell does the PyPI lookup and applies
the plan, so ``recovery-bot inspect`` and the webhook server share one judgement.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from recovery_bot.config import AppConfig, LabelsConfig
from recovery_bot.forms import ParsedForm, parse_body
from recovery_bot.plans import Plan
from recovery_bot.pypi import PyPIUser
from recovery_bot.reason import (
    classify_reason,
    contains_email_address,
    mentions_having_recovery_codes,
)
from recovery_bot.username import normalize_username

RECOVERY_FORM = "account-recovery"
USERNAME_HEADING = "PyPI Username"
REASON_HEADING = "Reason for request"
RECOVERY_CODES_HEADING = "Recovery Codes"


@dataclass(frozen=True)
class Facts:
    """What the bot sees in one issue. Field names match ``inspect``'s JSON keys."""

    form: str | None
    generation: str | None
    username: str | None
    username_problem: str | None
    username_exists: bool | None
    canonical_username: str | None
    project_count: int | None
    unchecked_required: tuple[str, ...]
    missing_sections: tuple[str, ...]
    empty_required: tuple[str, ...]
    reason: str
    mentions_having_recovery_codes: bool
    contains_email_address: bool
    body_empty: bool = False
    has_form_label: bool = False
    lookup_detail: str = ""

    @property
    def is_recovery(self) -> bool:
        return self.form == RECOVERY_FORM

    @property
    def lookup_name(self) -> str | None:
        """The username when it is a valid PyPI name: the only one that may be looked
        up, put into a URL or quoted in a comment."""
        return self.username if self.username_problem is None else None


def gather_facts(
    body: str | None, *, title: str | None = None, labels: Iterable[str] = (),
    form_label: str = "account-recovery", parsed: ParsedForm | None = None,
) -> Facts:
    """Read an issue body (no I/O). ``username_exists`` stays None until ``with_lookup``.

    The form is judged from the body's headings only; labels are used for nothing but
    noticing an empty body on an issue that carries the form's label.
    """
    del title  # the title says nothing the headings don't; kept for the CLI contract
    parsed = parsed if parsed is not None else parse_body(body)
    label_set = {lbl.casefold() for lbl in labels}
    body_empty = not (body or "").strip()
    has_label = form_label.casefold() in label_set
    if parsed.form != RECOVERY_FORM:
        return Facts(
            form=parsed.form,
            generation=parsed.generation,
            username=None,
            username_problem=None,
            username_exists=None,
            canonical_username=None,
            project_count=None,
            unchecked_required=(),
            missing_sections=(),
            empty_required=(),
            reason="unclear",
            mentions_having_recovery_codes=False,
            contains_email_address=False,
            body_empty=body_empty,
            has_form_label=has_label,
        )
    uname = normalize_username(parsed.text(USERNAME_HEADING))
    reason_text = _free_text(parsed)
    return Facts(
        form=parsed.form,
        generation=parsed.generation,
        # What the reporter gave: the valid name, or for an ``invalid`` one the string
        # as normalized (never looked up nor quoted back). Other problems (missing,
        # e-mail, other-host URL, several names) have no single name to show.
        username=uname.candidate if uname.problem == "invalid" else uname.username,
        username_problem=uname.problem,
        username_exists=None,
        canonical_username=None,
        project_count=None,
        unchecked_required=tuple(parsed.unchecked_required),
        missing_sections=tuple(parsed.missing_sections),
        empty_required=tuple(h for h in parsed.empty_required if h != USERNAME_HEADING),
        reason=classify_reason(parsed.text(REASON_HEADING)),
        mentions_having_recovery_codes=mentions_having_recovery_codes(reason_text),
        contains_email_address=contains_email_address(body),
        body_empty=body_empty,
        has_form_label=has_label,
    )


def _free_text(parsed: ParsedForm) -> str:
    """The reporter's own words: the reason plus any free-text extra sections.

    Checkbox sections are left out on purpose: the Recovery Codes option itself says
    "recovery codes", which must not count as the reporter mentioning theirs.
    """
    parts = [parsed.text(REASON_HEADING) or ""]
    for heading, f in parsed.fields.items():
        if heading in (REASON_HEADING, USERNAME_HEADING) or f.kind == "checkboxes":
            continue
        if f.text:
            parts.append(f.text)
    return "\n".join(p for p in parts if p)


def with_lookup(facts: Facts, user: PyPIUser | None) -> Facts:
    """Fold a PyPI lookup into the facts. ``unknown`` keeps ``username_exists`` None:
    the bot never reports "not found" unless PyPI said so."""
    if user is None or facts.lookup_name is None:
        return facts
    if user.status == "found":
        return dataclasses.replace(
            facts,
            username_exists=True,
            canonical_username=user.canonical or facts.username,
            project_count=user.project_count,
        )
    if user.status == "not_found":
        return dataclasses.replace(facts, username_exists=False)
    return dataclasses.replace(facts, lookup_detail=user.detail or "unknown")


# --- the decision -------------------------------------------------------------------

_MENTION = re.compile(r"@(?=[A-Za-z0-9])")


def neutralize_mentions(text: str) -> str:
    """Stop ``@name`` in quoted user text from pinging anyone (a zero-width joiner after
    the @ keeps it readable but unlinkable)."""
    return _MENTION.sub("@\u200d", text)


def _problems(facts: Facts, support_email: str) -> list[str]:
    """One bullet per thing the reporter must fix, each saying how."""
    items: list[str] = []
    p = facts.username_problem
    if p == "missing":
        items.append(
            "**PyPI Username** is empty. Please enter the username you sign in to PyPI "
            "with (it is not your e-mail address), wrapped in backticks like `` `your-name` ``."
        )
    elif p == "looks_like_email":
        items.append(
            "**PyPI Username** holds an e-mail address. We need the account's *username* "
            "(it appears in your profile URL, `https://pypi.org/user/<username>/`). "
            "Please replace the address with the username."
        )
    elif p == "looks_like_url_only_other_host":
        items.append(
            "**PyPI Username** holds a link that is not a PyPI profile. Please enter your "
            "PyPI username (from `https://pypi.org/user/<username>/`)."
        )
    elif p == "multiple":
        items.append(
            "**PyPI Username** names more than one account. Please keep one username here "
            "and open a separate request for each other account."
        )
    elif p == "invalid":
        items.append(
            "**PyPI Username** is not a valid PyPI username. Usernames contain only letters, "
            "digits, `.`, `_` and `-`, and start and end with a letter or digit."
        )
    elif facts.username_exists is False and facts.lookup_name:
        items.append(
            f"**PyPI Username**: there is no account `{facts.lookup_name}` on pypi.org. "
            "Please check the spelling (`-`, `_` and `.` are different characters). If the "
            "account is on test.pypi.org, please say so in the reason."
        )
    for heading in facts.empty_required:
        if heading == REASON_HEADING:
            items.append(
                f"**{REASON_HEADING}** is empty. Please say what you lost: access to the "
                "account's e-mail address, your two-factor device, or both."
            )
        else:
            items.append(f"**{heading}** is empty. Please fill it in.")
    for heading in facts.unchecked_required:
        if heading == RECOVERY_CODES_HEADING and facts.mentions_having_recovery_codes:
            continue  # covered by the recovery-codes note below
        items.append(f"**{heading}**: please tick the box.")
    for heading in facts.missing_sections:
        items.append(
            f"**{heading}** is missing from the issue. Please edit the issue and add the "
            f"`### {heading}` section back."
        )
    return items


def render_comment(facts: Facts, support_email: str) -> str | None:
    """The triage comment's text, or None when nothing needs saying."""
    if not facts.is_recovery:
        if facts.body_empty and facts.has_form_label:
            return (
                "Thanks for reaching out. This issue is empty, so the PyPI team cannot start "
                "on it. Please edit the issue and fill in the account-recovery form: your "
                "PyPI username and why you need the recovery (lost e-mail access or a lost "
                "two-factor device)."
            )
        return None
    problems = _problems(facts, support_email)
    notes: list[str] = []
    if facts.mentions_having_recovery_codes:
        notes.append(
            "You mention that you still have recovery codes. You can use one to sign in "
            "instead of your two-factor device, then set up 2FA again: see "
            "https://pypi.org/help/#recoverycodes. If that works, please close this issue."
        )
    if facts.contains_email_address:
        notes.append(
            "This tracker is public and your issue contains an e-mail address. Please edit "
            "the issue to remove it; the PyPI team will ask for any address they need "
            f"privately, from {support_email}."
        )
    if not problems and not notes:
        return None
    lines = ["Thanks for your account recovery request."]
    if problems:
        lines += [
            "",
            "Before the PyPI team can start, please **edit this issue** (the `···` menu at "
            "the top right of the issue → *Edit*) and fix:",
            "",
            *[f"- {item}" for item in problems],
        ]
    for note in notes:
        lines += ["", note]
    lines += [
        "",
        "I check the issue again each time it is edited and will update this comment. "
        "Account recoveries are handled by a very small team, so a reply can take a week "
        "or more; there is no need to post updates.",
    ]
    return "\n".join(lines)


RESOLVED_TEXT = (
    "Thanks, your account recovery request now has everything the PyPI team needs to start. "
    "A maintainer will follow up here; there is no need to post updates."
)


def decide_labels(facts: Facts, labels: LabelsConfig) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(labels to add, managed labels to remove) for these facts."""
    want: list[str] = []
    if facts.is_recovery:
        unchecked = [
            h for h in facts.unchecked_required
            # Someone who still has codes is right not to tick "I have lost them": that
            # is the has-recovery-codes case, not missing information.
            if not (h == RECOVERY_CODES_HEADING and facts.mentions_having_recovery_codes)
        ]
        needs_info = bool(
            facts.username_problem
            or facts.username_exists is False
            or unchecked
            or facts.missing_sections
            or facts.empty_required
        )
        if needs_info:
            want.append(labels.needs_info)
        if facts.username_exists is False:
            want.append(labels.username_not_found)
        if facts.reason in ("lost_email", "both"):
            want.append(labels.lost_email)
        if facts.reason in ("lost_2fa", "both"):
            want.append(labels.lost_2fa)
        if facts.mentions_having_recovery_codes:
            want.append(labels.has_recovery_codes)
        if facts.contains_email_address:
            want.append(labels.email_posted)
        if facts.username_exists and facts.project_count == 0:
            want.append(labels.fast_lane)
    elif facts.body_empty and facts.has_form_label:
        want.append(labels.needs_info)
    else:
        # Not an account-recovery body: the bot claims nothing and removes nothing, so a
        # relabelled PEP 541 issue keeps whatever maintainers put on it.
        return (), ()
    # An unknown lookup must not remove a "username not found" set by an earlier,
    # definite answer: only a fresh answer may change it.
    keep_unknown = facts.lookup_name is not None and facts.username_exists is None
    remove = tuple(
        sorted(
            lbl
            for lbl in labels.managed() - set(want)
            if not (keep_unknown and lbl in (labels.username_not_found, labels.fast_lane))
        )
    )
    return tuple(want), remove


def decide(facts: Facts, config: AppConfig) -> Plan:
    """The whole triage decision: labels plus the one comment.

    When nothing needs saying the plan's action is ``resolve``: an existing bot comment is
    edited to say all is in order (kept, not deleted, so the thread still makes sense to
    anyone who read the earlier version), and no new comment is created.
    """
    add, remove = decide_labels(facts, config.labels)
    text = render_comment(facts, config.bot.support_email)
    if text is not None:
        return Plan(add_labels=add, remove_labels=remove, comment=text, comment_action="upsert")
    if facts.is_recovery:
        return Plan(
            add_labels=add, remove_labels=remove, comment=RESOLVED_TEXT, comment_action="resolve"
        )
    return Plan(add_labels=add, remove_labels=remove)


def inspect_report(facts: Facts, plan: Plan) -> dict[str, Any]:
    """The ``inspect`` JSON object (keys are part of the runtime contract)."""
    return {
        "form": facts.form,
        "generation": facts.generation,
        "username": facts.username,
        "username_problem": facts.username_problem,
        "username_exists": facts.username_exists,
        "canonical_username": facts.canonical_username,
        "project_count": facts.project_count,
        "unchecked_required": list(facts.unchecked_required),
        "missing_sections": list(facts.missing_sections),
        "empty_required": list(facts.empty_required),
        "reason": facts.reason,
        "mentions_having_recovery_codes": facts.mentions_having_recovery_codes,
        "contains_email_address": facts.contains_email_address,
        "labels": list(plan.add_labels),
        "labels_removed_if_set_by_bot": list(plan.remove_labels),
        "comment": plan.comment if plan.comment_action == "upsert" else None,
    }
