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

from recovery_bot.core.config import AppConfig, LabelsConfig
from recovery_bot.core.lazy_re import LazyPattern
from recovery_bot.core.plans import Plan
from recovery_bot.core.pypi_user import PyPIUser
from recovery_bot.intake import answers
from recovery_bot.intake.answers import Situation
from recovery_bot.intake.forms import ParsedForm, parse_body
from recovery_bot.intake.reason import (
    classify_reason,
    contains_email_address,
    detect_topics,
    mentions_having_recovery_codes,
    says_recovery_codes_fail,
)
from recovery_bot.intake.username import normalize_username

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
    recovery_codes_fail: bool = False
    topics: tuple[str, ...] = ()
    # No form headings, but the title or the form label says it is a recovery request.
    free_text: bool = False

    @property
    def is_recovery(self) -> bool:
        return self.form == RECOVERY_FORM

    @property
    def lookup_name(self) -> str | None:
        """The username when it is a valid PyPI name: the only one that may be looked
        up, put into a URL or quoted in a comment."""
        return self.username if self.username_problem is None else None

    @property
    def pypi_lookup_name(self) -> str | None:
        """The name to look up on pypi.org: none for a TestPyPI account, whose name
        pypi.org knows nothing about (a "not found" there would be noise)."""
        return None if "testpypi" in self.topics else self.lookup_name


#: The facts of a body that is not the recovery form: no username, no sections, nothing
#: said (``gather_facts`` fills in what it does know).
_NO_FORM = Facts(
    form=None,
    generation=None,
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
)


def gather_facts(
    body: str | None,
    *,
    title: str | None = None,
    labels: Iterable[str] = (),
    form_label: str = "account-recovery",
    parsed: ParsedForm | None = None,
) -> Facts:
    """Read an issue body (no I/O). ``username_exists`` stays None until ``with_lookup``.

    The form is judged from the body's headings only. The title and the labels tell
    two things the headings can't: that a body without the form is still meant as a
    recovery request (``free_text``: it gets a pointer to the form), and that the
    account is on TestPyPI ("TestPyPI account recovery").
    """
    parsed = parsed if parsed is not None else parse_body(body)
    label_set = {lbl.casefold() for lbl in labels}
    body_empty = not (body or "").strip()
    has_label = form_label.casefold() in label_set
    if parsed.form is None and not body_empty and _means_recovery(body or "", title, has_label):
        text = body or ""
        codes_fail = says_recovery_codes_fail(text)
        return dataclasses.replace(
            _NO_FORM,
            # Read like a reason, for inspect and the labels; the comment itself only
            # points to the form.
            reason=classify_reason(text),
            mentions_having_recovery_codes=not codes_fail and mentions_having_recovery_codes(text),
            recovery_codes_fail=codes_fail,
            contains_email_address=contains_email_address(text),
            has_form_label=has_label,
            topics=detect_topics(text, title=title),
            free_text=True,
        )
    if parsed.form != RECOVERY_FORM:
        return dataclasses.replace(
            _NO_FORM,
            form=parsed.form,
            generation=parsed.generation,
            body_empty=body_empty,
            has_form_label=has_label,
        )
    uname = normalize_username(parsed.text(USERNAME_HEADING))
    reason_text = _free_text(parsed)
    codes_fail = says_recovery_codes_fail(reason_text)
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
        mentions_having_recovery_codes=(
            not codes_fail and mentions_having_recovery_codes(reason_text)
        ),
        contains_email_address=contains_email_address(body),
        body_empty=body_empty,
        has_form_label=has_label,
        recovery_codes_fail=codes_fail,
        topics=detect_topics(reason_text, title=title, test_pypi=uname.test_pypi),
    )


_RECOVERY_TITLE = LazyPattern(r"account[\s_-]*recover", re.I)
# A body edited down to "solved" (or withdrawn) after filing is no request to answer.
_SOLVED = LazyPattern(
    r"\b(?:solved|resolved|fixed|never\s*mind|found (?:my|the) (?:recovery )?codes?|"
    r"please close|can be closed|no action (?:is )?needed|cancell?ed|please ignore)\b",
    re.I,
)


def _means_recovery(body: str, title: str | None, has_label: bool) -> bool:
    """A form-less body that is nonetheless a recovery request: titled or labelled so,
    and not a short "solved, thanks" left after the reporter fixed it themselves."""
    if not (has_label or (title and _RECOVERY_TITLE.search(title))):
        return False
    return not (len(body) < 300 and _SOLVED.search(body))


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
    if user is None or facts.pypi_lookup_name is None:
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

_MENTION = LazyPattern(r"@(?=[A-Za-z0-9])")


def neutralize_mentions(text: str) -> str:
    """Stop ``@name`` in quoted user text from pinging anyone (a zero-width joiner after
    the @ keeps it readable but unlinkable)."""
    return _MENTION.sub("@\u200d", text)


def situation_of(facts: Facts) -> Situation:
    """The row of the situation table (``docs/situations.md``) these facts fall in."""
    return answers.pick(
        is_recovery=facts.is_recovery,
        body_empty=facts.body_empty and facts.has_form_label,
        free_text=facts.free_text,
        reason=facts.reason,
        username_problem=facts.username_problem,
        mentions_having_recovery_codes=facts.mentions_having_recovery_codes,
        topics=facts.topics,
    )


def _reader(facts: Facts) -> answers.Reader:
    return answers.Reader(
        situation=situation_of(facts),
        reason=facts.reason,
        username_problem=facts.username_problem,
        username=facts.lookup_name,
        username_exists=facts.username_exists,
        project_count=facts.project_count,
        unchecked_required=facts.unchecked_required,
        missing_sections=facts.missing_sections,
        empty_required=facts.empty_required,
        mentions_having_recovery_codes=facts.mentions_having_recovery_codes,
        recovery_codes_fail=facts.recovery_codes_fail,
        contains_email_address=facts.contains_email_address,
        topics=facts.topics,
    )


def render_comment(
    facts: Facts, support_email: str, security_email: str = "security@pypi.org"
) -> str | None:
    """The triage comment's text, or None when the bot says nothing (other forms)."""
    return answers.render(_reader(facts), support_email, security_email)


#: Labels the admins themselves use for a situation (FIELD-NOTES §2), by LabelsConfig field.
_SITUATION_LABELS: dict[str, str] = {
    "compromised": "security",
    "testpypi": "test_pypi",
    "unverified_email": "unverified_email",
    "new_device": "new_device",
}


def decide_labels(facts: Facts, labels: LabelsConfig) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(labels to add, managed labels to remove) for these facts."""
    want: list[str] = []
    if facts.is_recovery:
        unchecked = [
            h
            for h in facts.unchecked_required
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
        situation = situation_of(facts)
        extra = _SITUATION_LABELS.get(situation)
        if extra:
            want.append(getattr(labels, extra))
        if "testpypi" in facts.topics and situation != "testpypi":
            want.append(labels.test_pypi)
    elif (facts.body_empty and facts.has_form_label) or facts.free_text:
        want.append(labels.needs_info)
        # What a free-text request says it lost is worth a label even before the form.
        if facts.reason in ("lost_email", "both"):
            want.append(labels.lost_email)
        if facts.reason in ("lost_2fa", "both"):
            want.append(labels.lost_2fa)
        if facts.contains_email_address:
            want.append(labels.email_posted)
    else:
        # Not an account-recovery body: the bot claims nothing and removes nothing, so a
        # relabelled PEP 541 issue keeps whatever maintainers put on it.
        return (), ()
    # An unknown lookup must not remove a "username not found" set by an earlier,
    # definite answer: only a fresh answer may change it.
    keep_unknown = facts.pypi_lookup_name is not None and facts.username_exists is None
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

    Every recovery request gets the comment, complete or not: what happens next differs
    by situation (write to the support inbox now, or wait for the recovery mail, or try
    a recovery code), and saying it on day one is the point of the bot. Other forms get
    nothing.
    """
    add, remove = decide_labels(facts, config.labels)
    text = render_comment(facts, config.bot.support_email, config.bot.security_email)
    if text is not None:
        return Plan(add_labels=add, remove_labels=remove, comment=text, comment_action="upsert")
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
        "recovery_codes_fail": facts.recovery_codes_fail,
        "contains_email_address": facts.contains_email_address,
        "topics": list(facts.topics),
        "situation": situation_of(facts),
        "labels": list(plan.add_labels),
        "labels_removed_if_set_by_bot": list(plan.remove_labels),
        "comment": plan.comment if plan.comment_action == "upsert" else None,
    }
