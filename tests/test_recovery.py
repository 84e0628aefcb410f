"""The pure triage decision: facts → labels and the one comment (no I/O)."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fixtures_bodies import recovery_body
from recovery_bot.app import parse_config
from recovery_bot.core.pypi_user import PyPIUser
from recovery_bot.intake.decision import (
    Facts,
    decide,
    gather_facts,
    inspect_report,
    neutralize_mentions,
    render_comment,
    with_lookup,
)

CFG = parse_config({"repositories": ["pypi/support"]})

OK_FACTS = Facts(
    form="account-recovery",
    generation="current",
    username="alice",
    username_problem=None,
    username_exists=True,
    canonical_username="alice",
    project_count=3,
    unchecked_required=(),
    missing_sections=(),
    empty_required=(),
    reason="lost_2fa",
    mentions_having_recovery_codes=False,
    contains_email_address=False,
)


def facts(**kw) -> Facts:
    return dataclasses.replace(OK_FACTS, **kw)


@pytest.mark.parametrize(
    ("changes", "labels"),
    [
        ({}, ["lost 2fa"]),
        ({"reason": "lost_email"}, ["lost email"]),
        ({"reason": "both"}, ["lost email", "lost 2fa"]),
        ({"reason": "unclear"}, []),
        (
            {"username_problem": "missing", "username": None, "username_exists": None},
            ["needs more info", "lost 2fa"],
        ),
        (
            {"username_exists": False, "canonical_username": None, "project_count": None},
            ["needs more info", "username not found", "lost 2fa"],
        ),
        (
            {"username_exists": None, "canonical_username": None, "project_count": None},
            ["lost 2fa"],
        ),
        ({"project_count": 0}, ["lost 2fa", "no projects"]),
        ({"project_count": None}, ["lost 2fa"]),
        ({"unchecked_required": ("Code of Conduct",)}, ["needs more info", "lost 2fa"]),
        ({"missing_sections": ("Acknowledgement",)}, ["needs more info", "lost 2fa"]),
        ({"empty_required": ("Reason for request",), "reason": "unclear"}, ["needs more info"]),
        (
            {"mentions_having_recovery_codes": True, "unchecked_required": ("Recovery Codes",)},
            ["lost 2fa", "has recovery codes"],
        ),
        ({"contains_email_address": True}, ["lost 2fa", "email address posted"]),
    ],
)
def test_labels(changes, labels):
    plan = decide(facts(**changes), CFG)
    assert list(plan.add_labels) == labels
    # Everything the bot manages and does not want now is up for removal (if it set it),
    # except that an unanswered lookup of a valid name keeps the lookup's labels.
    lookup_unknown = changes.get("username_exists", 1) is None and "username" not in changes
    kept = {"username not found", "no projects"} if lookup_unknown else set()
    assert set(plan.remove_labels) == CFG.labels.managed() - set(labels) - kept


def test_complete_request_gets_the_next_step_not_a_now_has_everything():
    plan = decide(OK_FACTS, CFG)
    assert plan.comment_action == "upsert"
    assert plan.comment.startswith(
        "Thanks for your account recovery request: it has what the PyPI team needs to "
        "start.\n\n**What happens next.** When the PyPI admins reach your request"
    )
    assert " now " not in plan.comment
    assert inspect_report(OK_FACTS, plan)["comment"] == plan.comment


def test_comment_lists_each_problem_with_its_fix_and_never_repeats_the_address():
    f = gather_facts(recovery_body("`bob`", "Mail bob@example.com is gone", codes=False))
    plan = decide(f, CFG)
    assert plan.comment_action == "upsert"
    assert plan.comment == (
        "Thanks for your account recovery request.\n\n"
        "Before the PyPI team can start, please **edit this issue** (the `···` menu at the "
        "top right of the issue → *Edit*) and fix:\n\n"
        '- **Recovery Codes**: please tick the box "I never generated or have lost access '
        'to the recovery codes for my account" (in the issue text, change `- [ ]` to '
        "`- [x]`).\n\n"
        "**What happens next.** You lost access to the account's e-mail address. The PyPI "
        "admins will need the address you'd like on the account: please send an e-mail to "
        "support@pypi.org **from that address**, with a link to this issue, and don't post "
        "the address here. It must not already belong to another PyPI account. They then "
        "send a verification message to that address; please answer it.\n\n"
        "This tracker is public and your issue contains an e-mail address. Please edit the "
        "issue to remove it; the PyPI admins ask for any address they need privately, at "
        "support@pypi.org.\n\n"
        "Requests are handled in the order they arrive by a very small team, so a reply can "
        "take a week or more; there is no need to post updates. I check the issue again each "
        "time it is edited and keep this comment up to date."
    )
    assert "bob@example.com" not in plan.comment


def test_codes_and_address_paragraphs_are_separate():
    plan = decide(facts(mentions_having_recovery_codes=True, contains_email_address=True), CFG)
    paragraphs = plan.comment.split("\n\n")
    assert paragraphs[1].startswith("**You mention that you still have recovery codes.**")
    assert paragraphs[2].startswith("This tracker is public and your issue contains")


def test_not_found_names_the_valid_username_only():
    f = with_lookup(
        gather_facts(recovery_body("`carol-devv`")), PyPIUser("not_found", "carol-devv")
    )
    plan = decide(f, CFG)
    assert "- **PyPI Username**: there is no account `carol-devv` on pypi.org." in plan.comment


def test_invalid_username_is_reported_but_never_looked_up_or_echoed():
    f = gather_facts(recovery_body("<img src=x onerror=alert(1)> @everyone"))
    # inspect shows what the reporter gave; only a valid name may reach PyPI or a comment.
    assert (f.username, f.username_problem, f.lookup_name) == (
        "<img src=x onerror=alert(1)> @everyone",
        "invalid",
        None,
    )
    assert with_lookup(f, PyPIUser("not_found", "x")).username_exists is None
    plan = decide(f, CFG)
    assert "<img" not in plan.comment and "@everyone" not in plan.comment


@pytest.mark.parametrize(
    ("typed", "username", "problem"),
    [
        ("phoenix _labs", "phoenix _labs", "invalid"),
        ("../admin", "../admin", "invalid"),
        ("bob@example.com", None, "looks_like_email"),
        ("alice, bob", None, "multiple"),
        ("https://github.com/alice", None, "looks_like_url_only_other_host"),
        ("_No response_", None, "missing"),
        ("`username`", None, "missing"),
        ("I don't remember", None, "unknown"),
    ],
)
def test_username_field_in_the_report(typed, username, problem):
    f = gather_facts(recovery_body(typed))
    assert (f.username, f.username_problem, f.username_exists) == (username, problem, None)


def test_unknown_lookup_never_claims_not_found():
    f = with_lookup(gather_facts(recovery_body()), PyPIUser("unknown", "alice", detail="HTTP 503"))
    assert f.username_exists is None and f.lookup_detail == "HTTP 503"
    plan = decide(f, CFG)
    assert "username not found" not in plan.add_labels
    # ...and does not take away a "not found" an earlier definite answer set.
    assert "username not found" not in plan.remove_labels


def test_case_redirect_reports_canonical_name():
    f = with_lookup(
        gather_facts(recovery_body("`ALICE`")),
        PyPIUser("found", "ALICE", canonical="alice", project_count=0),
    )
    assert (f.username, f.canonical_username, f.project_count) == ("ALICE", "alice", 0)
    assert decide(f, CFG).add_labels == ("lost 2fa", "no projects")


def test_other_forms_get_nothing():
    pep = (
        "### Project to be claimed\n\n`foo`: https://pypi.org/project/foo\n\n"
        "### Your PyPI username\n\nbob@example.com\n\n### Reasons for the request\n\nI have "
        "my recovery codes"
    )
    f = gather_facts(pep, labels=["account-recovery"])
    assert (f.form, f.username, f.reason, f.contains_email_address) == (
        "pep541",
        None,
        "unclear",
        False,
    )
    plan = decide(f, CFG)
    assert plan.is_empty


def test_empty_body_with_the_form_label_asks_for_the_form():
    plan = decide(gather_facts("", labels=["account-recovery"]), CFG)
    assert plan.add_labels == ("needs more info",)
    assert plan.comment == (
        "Thanks for reaching out. This issue is empty, so the PyPI team can't start on it. "
        "Please fill in the account-recovery form instead (your PyPI username and what you "
        "lost): https://github.com/pypi/support/issues/new?template=account-recovery.yml"
    )
    assert decide(gather_facts("", labels=[]), CFG).is_empty


def test_reason_text_only_feeds_recovery_code_mentions():
    # The checkbox option itself says "recovery codes": it must not count as a mention.
    assert gather_facts(recovery_body()).mentions_having_recovery_codes is False
    f = gather_facts(recovery_body(reason="I lost my phone but I still have my recovery codes."))
    assert f.mentions_having_recovery_codes is True


def test_labels_follow_config_names():
    cfg = parse_config({"repositories": ["pypi/support"], "labels": {"lost_2fa": "2FA lost"}})
    assert decide(OK_FACTS, cfg).add_labels == ("2FA lost",)


def test_neutralize_mentions():
    assert neutralize_mentions("ping @octocat and a@b.co") == "ping @\u200doctocat and a@\u200db.co"


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=2000), st.lists(st.text(max_size=20), max_size=3))
def test_decision_never_raises(text, labels):
    f = gather_facts(text, labels=labels)
    report = inspect_report(f, decide(f, CFG))
    assert set(report) >= {
        "form",
        "username",
        "username_problem",
        "username_exists",
        "canonical_username",
        "project_count",
        "unchecked_required",
        "missing_sections",
        "reason",
        "mentions_having_recovery_codes",
        "contains_email_address",
        "labels",
        "comment",
    }


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=300), st.text(max_size=600))
def test_decision_never_raises_on_form_shaped_text(username, reason):
    f = gather_facts(recovery_body(username, reason))
    decide(f, CFG)
    assert f.form == "account-recovery"


def test_free_text_request_is_read_like_a_reason_and_pointed_to_the_form():
    body = "Hi, I lost my phone with the authenticator and can't sign in. Mail me at a@b.example"
    f = gather_facts(body, title="Account recovery request")
    assert (f.free_text, f.reason, f.contains_email_address) == (True, "lost_2fa", True)
    plan = decide(f, CFG)
    assert plan.add_labels == ("needs more info", "lost 2fa", "email address posted")
    assert plan.comment is not None and plan.comment.startswith(
        "Thanks for reaching out. Account recoveries on PyPI start from the account-recovery form"
    )
    assert "a@b.example" not in plan.comment


@pytest.mark.parametrize(
    "body", ["cancelled", "please ignore this request.", "No action needed. Thank you!"]
)
def test_a_withdrawn_note_gets_no_answer(body):
    plan = decide(gather_facts(body, labels=["account-recovery"]), CFG)
    assert plan.is_empty


# --------------------------------------------------------------------------- pinned edges
# Rules a mutation test found unchecked (tools/mutation_scores.py): whole Facts, the
# situation labels, the free-text labels and every inspect key.

EXTRA = "\n\n### Anything else\n\n{}\n"


def test_facts_of_a_full_body_with_an_extra_section() -> None:
    body = recovery_body(
        "https://test.pypi.org/user/alice/", "I lost my phone. My recovery codes do not work."
    ) + EXTRA.format("I still have my recovery codes, I think. Mail a@b.example")
    assert gather_facts(body, title="TestPyPI account recovery") == Facts(
        form="account-recovery",
        generation="current",
        username="alice",
        username_problem=None,
        username_exists=None,
        canonical_username=None,
        project_count=None,
        unchecked_required=(),
        missing_sections=(),
        empty_required=(),
        reason="lost_2fa",
        mentions_having_recovery_codes=False,
        contains_email_address=True,
        body_empty=False,
        has_form_label=False,
        recovery_codes_fail=True,
        topics=("testpypi",),
        free_text=False,
    )


def test_facts_of_a_free_text_request() -> None:
    body = "I lost my phone and the codes do not work; I still have my recovery codes. a@b.example"
    assert gather_facts(body, labels=["Account-Recovery"]) == Facts(
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
        reason="lost_2fa",
        mentions_having_recovery_codes=False,
        contains_email_address=True,
        body_empty=False,
        has_form_label=True,
        recovery_codes_fail=True,
        topics=(),
        free_text=True,
    )


@pytest.mark.parametrize(
    ("body", "title", "labels", "free_text"),
    [
        ("solved " + "x" * 293, None, ["account-recovery"], True),  # 300 chars: not a short note
        ("solved " + "x" * 292, None, ["account-recovery"], False),
        ("I lost my phone", "Help me", [], False),  # neither title nor label says recovery
        ("I lost my phone", "Account_Recovery please", [], True),
    ],
)
def test_what_makes_form_less_text_a_request(body, title, labels, free_text):
    assert gather_facts(body, title=title, labels=labels).free_text is free_text


@pytest.mark.parametrize(
    ("changes", "labels"),
    [
        ({"topics": ("compromised",)}, ["lost 2fa", "security issue"]),
        ({"topics": ("testpypi",), "reason": "unclear"}, ["test pypi issue"]),
        (
            {"topics": ("compromised", "testpypi")},
            ["lost 2fa", "security issue", "test pypi issue"],
        ),
        ({"topics": ("unverified_email",), "reason": "unclear"}, ["unverified email"]),
        ({"topics": ("new_device",)}, ["lost 2fa", "confirmation email not received"]),
        # Unticked Code of Conduct is missing information even when codes are mentioned.
        (
            {"mentions_having_recovery_codes": True, "unchecked_required": ("Code of Conduct",)},
            ["needs more info", "lost 2fa", "has recovery codes"],
        ),
    ],
)
def test_situation_labels(changes, labels):
    assert list(decide(facts(**changes), CFG).add_labels) == labels


@pytest.mark.parametrize(
    ("reason", "email", "labels"),
    [
        ("lost_email", False, ["needs more info", "lost email"]),
        ("both", True, ["needs more info", "lost email", "lost 2fa", "email address posted"]),
        ("unclear", False, ["needs more info"]),
    ],
)
def test_free_text_labels(reason, email, labels):
    f = facts(
        form=None,
        generation=None,
        username=None,
        free_text=True,
        reason=reason,
        contains_email_address=email,
        username_exists=None,
        project_count=None,
    )
    assert list(decide(f, CFG).add_labels) == labels


def test_the_security_address_in_the_compromised_comment() -> None:
    cfg = parse_config(
        {"repositories": ["pypi/support"], "bot": {"security_email": "sec@example.org"}}
    )
    f = facts(topics=("compromised",))
    assert "sec@example.org" in (decide(f, cfg).comment or "")
    assert "security@pypi.org" in (render_comment(f, "support@pypi.org") or "")
    assert "security@pypi.org" not in (decide(f, cfg).comment or "")


def test_an_unknown_lookup_without_detail_says_unknown() -> None:
    f = with_lookup(facts(username_exists=None), PyPIUser("unknown", "alice"))
    assert f.lookup_detail == "unknown"


def test_inspect_report_has_every_key() -> None:
    f = facts(
        empty_required=("Reason for request",), recovery_codes_fail=True, topics=("new_device",)
    )
    plan = decide(f, CFG)
    assert inspect_report(f, plan) == {
        "form": "account-recovery",
        "generation": "current",
        "username": "alice",
        "username_problem": None,
        "username_exists": True,
        "canonical_username": "alice",
        "project_count": 3,
        "unchecked_required": [],
        "missing_sections": [],
        "empty_required": ["Reason for request"],
        "reason": "lost_2fa",
        "mentions_having_recovery_codes": False,
        "recovery_codes_fail": True,
        "contains_email_address": False,
        "topics": ["new_device"],
        "situation": "new_device",
        "labels": list(plan.add_labels),
        "labels_removed_if_set_by_bot": list(plan.remove_labels),
        "comment": plan.comment,
    }
    assert plan.comment is not None
    assert inspect_report(f, dataclasses.replace(plan, comment_action="none"))["comment"] is None


def test_facts_of_a_free_text_request_with_codes_and_topics() -> None:
    body = "My account was hacked. I still have my recovery codes."
    assert gather_facts(body, title="TestPyPI account recovery") == Facts(
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
        mentions_having_recovery_codes=True,
        contains_email_address=False,
        body_empty=False,
        has_form_label=False,
        recovery_codes_fail=False,
        topics=("compromised", "testpypi"),
        free_text=True,
    )
    # The default form label is "account-recovery".
    assert gather_facts(body, labels=["account-recovery"]).free_text is True


def test_facts_of_another_form_say_nothing_about_recovery() -> None:
    pep = (
        "### Project to be claimed\n\n`foo`: https://pypi.org/project/foo\n\n"
        "### Your PyPI username\n\nbob@example.com\n\n### Reasons for the request\n\nI have "
        "my recovery codes"
    )
    assert gather_facts(pep, labels=["account-recovery"]) == Facts(
        form="pep541",
        generation="current",
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
        body_empty=False,
        has_form_label=True,
    )
