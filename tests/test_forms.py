"""Tests for recovery_bot.intake.forms: form/generation detection and typed field values.

Fixture bodies live in fixtures/bodies/ (see its README); variations are derived from
them here so each test states exactly what it changes.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fixtures_forms import (
    ACK,
    ACK_OPT,
    BODIES,
    COC,
    COC_OPT,
    RC,
    RC_OPT,
    REASON,
    USER,
    body,
    summary,
    ticks,
)
from recovery_bot.intake.forms import (
    FORM_IDS,
    CheckboxOption,
    Field,
    ParsedForm,
    detect_form,
    normalize_heading,
    parse_body,
)

T4 = body("recovery-t4-ok.md")
T4_REASON = (
    "I lost my phone and with it the authenticator app I used for 2FA on PyPI.\n"
    "My e-mail address on the account still works."
)
OK_T4 = ("account-recovery", "current", (), (), (), ())


# --------------------------------------------------------------------------- every fixture

FIXTURES = [
    # file, (form, generation, unchecked, empty, missing, extra), {heading: text}
    ("recovery-t4-ok.md", OK_T4, {USER: "`alice-dev`", REASON: T4_REASON}),
    (
        "recovery-t4-upper-x.md",
        OK_T4,
        {
            USER: "bob_smith",
            REASON: "Lost access to email address\n\n"
            "The company domain I signed up with no longer exists.",
        },
    ),
    (
        "recovery-t4-codes-unticked.md",
        ("account-recovery", "current", (RC,), (), (), ()),
        {USER: "carol"},
    ),
    (
        "recovery-t4-fake-block.md",
        ("account-recovery", "current", (RC,), (), (), ()),
        {
            USER: "dave.lee",
            REASON: "I lost my security key.\n\n### PyPI Username\n\n"
            "dave-lee-old (my second account)",
        },
    ),
    (
        "recovery-t4-own-headings.md",
        OK_T4,
        {
            USER: "erin",
            REASON: "### What happened\n\nMy phone was stolen on a trip.\n\n### What I tried\n\n"
            "* the recovery codes: never saved them\n* **Email:** still reachable\n\n"
            "```text\n### Code of Conduct\n- [x] this is a pasted log, not a form section\n```",
        },
    ),
    (
        "recovery-t3-2022.md",
        ("account-recovery", "2021-04", (), (), (), ()),
        {USER: "`frank99`", REASON: "Lost 2FA authentication app or security token"},
    ),
    (
        "recovery-t3-nobox-2021-04.md",
        ("account-recovery", "2021-04", (), (), (), ()),
        {USER: "grace", REASON: "Lost access to email address"},
    ),
    (
        "recovery-t2-2021-03.md",
        ("account-recovery", "2021-03", (), (), (), ()),
        {USER: "`heidi`", REASON: "I changed jobs and the old mailbox was deleted."},
    ),
    (
        "recovery-t1-2020.md",
        ("account-recovery", "2020-01", (), (), (), ()),
        {
            USER: "ivan-k",
            REASON: "Lost 2FA authentication app or security token. Phone was reset.",
        },
    ),
    (
        "recovery-t1-placeholder.md",
        ("account-recovery", "2020-01", (), (), (), ()),
        {
            USER: "`username`",
            REASON: "I cannot log in, my email is gone (account is judy-p)",
        },
    ),
    (
        "organizations-2023.md",
        ("organizations", "2023-05", (), (), (), ()),
        {
            USER: "`kim-admin`",
            "PyPI Organization name": "`kim-labs`",
            "Description of issue": "The organization request has been pending for two months.",
        },
    ),
    (
        "pep541-placeholders.md",
        ("pep541", "current", (), (), (), ()),
        {
            "Project to be claimed": "`PROJECT_NAME`: https://pypi.org/project/PROJECT_NAME",
            "Your PyPI username": "`USER_NAME`: https://pypi.org/user/USER_NAME",
            "Maintenance or replacement?": None,
            "Source code repositories URLs": "https://example.org/old/repo",
        },
    ),
    (
        "limit-file.md",
        ("limit-request-file", "current", (), (), (), ()),
        {
            "Project URL": "https://pypi.org/project/bigwheel",
            "New Limit": "200 MiB",
            "Reasons for the request": "CUDA kernels make each wheel about 150 MiB.",
        },
    ),
    (
        "limit-project.md",
        ("limit-request-project", "current", (), (), (), ()),
        {
            "New limit": "50 GiB",
            "How large is each release?": "~400 MiB total: 4 wheels of ~100 MiB.",
            "How frequently do you make a release?": "Roughly once a month.",
        },
    ),
    (
        "network.md",
        ("network", "current", (), (), (), ()),
        {
            "My Platform": "Ubuntu 24.04, pip 24.2, behind a corporate proxy.",
            "Fastly Debug": None,
            "Traceroutes / IPv6 (If available)": None,
        },
    ),
    (
        "mass-name-squat.md",
        ("mass-name-squat", "current", (), (), (), ()),
        {
            "PyPI user performing the mass project name squatting": "https://pypi.org/user/squatter123"
        },
    ),
    ("solved.md", (None, None, (), (), (), ()), {}),
]


@pytest.mark.parametrize(("name", "expected", "texts"), FIXTURES, ids=[f[0] for f in FIXTURES])
def test_fixture_bodies(name: str, expected: tuple, texts: dict[str, str | None]) -> None:
    parsed = parse_body(body(name))
    assert summary(parsed) == expected
    for heading, text in texts.items():
        assert heading in parsed.fields
        assert parsed.text(heading) == text
    assert detect_form(body(name)) == expected[0]


def test_every_fixture_file_is_covered() -> None:
    on_disk = {p.name for p in BODIES.glob("*.md")} - {"README.md"}
    assert on_disk == {f[0] for f in FIXTURES}


def test_t4_fields_are_typed_exactly() -> None:
    parsed = parse_body(T4)
    assert list(parsed.fields) == [USER, REASON, RC, COC, ACK]
    assert parsed.fields[USER] == Field(
        heading=USER, kind="input", text="`alice-dev`", required=True, raw="`alice-dev`"
    )
    assert parsed.fields[REASON].kind == "textarea"
    assert parsed.fields[RC] == Field(
        heading=RC,
        kind="checkboxes",
        text=None,
        options=(CheckboxOption(RC_OPT, True, True),),
        required=True,
        raw=f"- [x] {RC_OPT}",
    )
    assert ticks(parsed, COC) == [(COC_OPT, True, True)]
    assert ticks(parsed, ACK) == [(ACK_OPT, True, True)]


def test_limit_request_dropdown_and_checkboxes() -> None:
    parsed = parse_body(body("limit-file.md"))
    indexes = parsed.fields["Which indexes"]
    assert (indexes.kind, indexes.choices, indexes.required) == (
        "dropdown",
        ("PyPI", "TestPyPI"),
        True,
    )
    assert ticks(parsed, "Does this project already exist?") == [("Yes", True, True)]
    assert ticks(parsed, "Update issue title") == [("I have updated the title.", True, True)]


def test_pep541_none_dropdown_is_empty_and_optional() -> None:
    f = parse_body(body("pep541-placeholders.md")).fields["Maintenance or replacement?"]
    assert (f.kind, f.text, f.choices, f.required, f.raw) == ("dropdown", None, (), False, "None")


def test_network_fences_are_text_not_structure() -> None:
    parsed = parse_body(body("network.md"))
    dns = parsed.text("DNS Resolution")
    assert dns is not None and "### not a heading: this is dig output" in dns
    https = parsed.text("HTTPS Requests / IPv4")
    assert https is not None and "- [x] not a checkbox inside a fence" in https
    assert ticks(parsed, COC) == [(COC_OPT, True, True)]


# --------------------------------------------------------------------------- empty bodies


@pytest.mark.parametrize(
    "text",
    [None, "", "   \n\n", "solved", ".", "cancelled", "del", "Loading…", "### What happened\n\nx"],
)
def test_no_form(text: str | None) -> None:
    parsed = parse_body(text)
    assert summary(parsed) == (None, None, (), (), (), ())
    assert dict(parsed.fields) == {}
    assert parsed.text(USER) is None
    assert detect_form(text) is None


def test_only_code_of_conduct_is_no_form() -> None:
    assert detect_form(f"### Code of Conduct\n\n- [x] {COC_OPT}") is None


# --------------------------------------------------------------------------- form detection

DETECT = [
    ("only-username", f"### {USER}\n\nfoo", "account-recovery"),
    ("only-reason", f"### {REASON}\n\nlost", "account-recovery"),
    (
        "org-headings",
        f"### {USER}\n\nfoo\n\n### PyPI Organization name\n\nbar\n\n### Description of issue\n\nz",
        "organizations",
    ),
    (
        "org-name-with-reason-is-recovery",
        f"### {USER}\n\nfoo\n\n### {REASON}\n\nr\n\n### PyPI Organization name\n\nbar\n\n"
        "### Description of issue\n\nz",
        "account-recovery",
    ),
    ("file-New-Limit-case", "### Project URL\n\nx\n\n### New Limit\n\n1", "limit-request-file"),
    (
        "project-New-limit-case",
        "### Project URL\n\nx\n\n### New limit\n\n1",
        "limit-request-project",
    ),
    (
        "file-by-reasons",
        "### Project URL\n\nx\n\n### new limit\n\n1\n\n### Reasons for the request\n\ny",
        "limit-request-file",
    ),
    (
        "project-by-release-size",
        "### Project URL\n\nx\n\n### NEW LIMIT\n\n1\n\n### How large is each release?\n\n1 GiB",
        "limit-request-project",
    ),
    ("pep541-claim", "### Project to be claimed\n\nfoo", "pep541"),
    ("network-platform", "### My Platform\n\nWindows 11", "network"),
    (
        "mass-squat",
        "### PyPI user performing the mass project name squatting\n\nhttps://pypi.org/user/x",
        "mass-name-squat",
    ),
]


@pytest.mark.parametrize(("text", "form"), [d[1:] for d in DETECT], ids=[d[0] for d in DETECT])
def test_detect_form_from_headings(text: str, form: str) -> None:
    assert detect_form(text) == form


def test_labels_are_ignored_for_detection() -> None:
    """A PEP 541 body stays PEP 541 even if it talks about account recovery."""
    text = body("pep541-placeholders.md").replace(
        "The project has had", "Account recovery request: lost 2FA. The project has had"
    )
    assert detect_form(text) == "pep541"


# --------------------------------------------------------------------------- generations


def _sections(*parts: str) -> str:
    chunks = {
        USER: f"### {USER}\n\nmallory",
        REASON: f"### {REASON}\n\nLost 2FA authentication app or security token",
        RC: f"### {RC}\n\n- [X] {RC_OPT}",
        COC: f"### {COC}\n\n- [X] {COC_OPT}",
        ACK: f"### {ACK}\n\n- [X] {ACK_OPT}",
    }
    return "\n\n".join(chunks[p] for p in parts)


GENERATIONS = [
    ("t4", (USER, REASON, RC, COC, ACK), "current", (), ()),
    ("t3", (USER, REASON, COC, ACK), "2021-04", (), ()),
    ("t2", (USER, REASON, COC), "2021-03", (), ()),
    ("t4-without-ack", (USER, REASON, RC, COC), "current", (ACK,), ()),
    ("t4-without-coc", (USER, REASON, RC, ACK), "current", (COC,), ()),
    ("username-only-form-era", (USER,), "2021-03", (REASON, COC), ()),
    ("username-reason-form-era", (USER, REASON), "2021-03", (COC,), ()),
    ("reordered-t4", (ACK, COC, RC, REASON, USER), "current", (), ()),
    ("reordered-t3", (COC, USER, ACK, REASON), "2021-04", (), ()),
]


@pytest.mark.parametrize(
    ("parts", "generation", "missing", "extra"),
    [g[1:] for g in GENERATIONS],
    ids=[g[0] for g in GENERATIONS],
)
def test_generation_by_heading_set(
    parts: tuple[str, ...], generation: str, missing: tuple[str, ...], extra: tuple[str, ...]
) -> None:
    parsed = parse_body(_sections(*parts))
    assert parsed.form == "account-recovery"
    assert (parsed.generation, parsed.missing_sections, parsed.extra_sections) == (
        generation,
        missing,
        extra,
    )
    assert parsed.text(USER) == "mallory"
    assert parsed.unchecked_required == ()


T1_BASE = body("recovery-t1-2020.md")

T1_CUES = [
    ("intro-only", f"Request for account recovery.\n\n### {USER}\n\nx\n\n### {REASON}\n\ny"),
    ("level-2", f"## {USER}\n\nx\n\n## {REASON}\n\ny"),
    ("reason-prefix", f"### {USER}\n\nx\n\n### {REASON}\n\nReason: y"),
    ("rule-between", f"### {USER}\n\nx\n\n---\n\n### {REASON}\n\ny"),
    (
        "template-comment",
        f"### {USER}\n\n<!-- Replace the following with your PyPI username -->\nx\n\n"
        f"### {REASON}\n\ny",
    ),
]


@pytest.mark.parametrize("text", [c[1] for c in T1_CUES], ids=[c[0] for c in T1_CUES])
def test_markdown_template_cues(text: str) -> None:
    parsed = parse_body(text)
    assert summary(parsed) == ("account-recovery", "2020-01", (), (), (), ())
    assert (parsed.text(USER), parsed.text(REASON)) == ("x", "y")


def test_markdown_cues_ignored_when_checkbox_sections_exist() -> None:
    text = T1_BASE + f"\n\n### {COC}\n\n- [x] {COC_OPT}\n"
    parsed = parse_body(text)
    assert (parsed.generation, parsed.missing_sections) == ("2021-03", ())
    assert parsed.text(REASON) == (
        "Lost 2FA authentication app or security token. Phone was reset."
    )


def test_t1_fields_and_comment_removal() -> None:
    parsed = parse_body(T1_BASE)
    assert list(parsed.fields) == [USER, REASON]
    assert parsed.fields[USER].kind == "input"
    assert parsed.fields[USER].raw == "ivan-k\n\n---"
    assert parsed.fields[REASON].kind == "textarea"
    assert parsed.fields[REASON].required is True


@pytest.mark.parametrize(
    ("reason", "text", "empty"),
    [
        ("Reason:", None, (REASON,)),
        ("Reason:   \n", None, (REASON,)),
        ("reason : lost email", "lost email", ()),
        ("Reason: lost email\nand 2FA", "lost email\nand 2FA", ()),
        ("Reasonable request", "Reasonable request", ()),
    ],
)
def test_t1_reason_prefix(reason: str, text: str | None, empty: tuple[str, ...]) -> None:
    original = "Reason: Lost 2FA authentication app or security token. Phone was reset."
    parsed = parse_body(T1_BASE.replace(original, reason))
    assert parsed.generation == "2020-01"
    assert (parsed.text(REASON), parsed.empty_required) == (text, empty)


def test_t1_untouched_template() -> None:
    """The template submitted as is: placeholder kept as the value, reason empty."""
    text = body("recovery-t1-placeholder.md").replace(
        "Reason: I cannot log in, my email is gone (account is judy-p)", "Reason:"
    )
    parsed = parse_body(text)
    assert summary(parsed) == ("account-recovery", "2020-01", (), (REASON,), (), ())
    assert parsed.text(USER) == "`username`"


def test_t1_renamed_username_heading() -> None:
    """#1835-like: heading replaced; the rest still reads as the 2020 template."""
    text = T1_BASE.replace("## PyPI Username", "## TestPyPI account")
    parsed = parse_body(text)
    assert summary(parsed) == ("account-recovery", "2020-01", (), (), (USER,), ())


# --------------------------------------------------------------------------- variations

VARIANTS = [
    ("crlf", T4.replace("\n", "\r\n")),
    ("lone-cr", T4.replace("\n", "\r")),
    ("upper-X", T4.replace("[x]", "[X]")),
    ("mixed-x", T4.replace("- [x] I agree", "- [X] I agree")),
    ("star-bullet", T4.replace("- [x]", "* [X]")),
    ("plus-bullet", T4.replace("- [x]", "+ [x]")),
    ("no-space-after-box", T4.replace("- [x] ", "- [x]")),
    ("h2", T4.replace("### ", "## ")),
    ("h6", T4.replace("### ", "###### ")),
    ("no-space-after-hashes", T4.replace("### ", "###")),
    ("closing-hashes", T4.replace(f"### {USER}", f"### {USER} ###")),
    ("trailing-colon", T4.replace(f"### {USER}", f"### {USER}:")),
    ("upper-case", T4.replace(f"### {USER}", "### PYPI USERNAME")),
    ("extra-spaces", T4.replace(f"### {REASON}", "###    Reason   for  request  ")),
    ("indented-heading", T4.replace(f"### {USER}", f"   ### {USER}")),
    ("bold-heading", T4.replace(f"### {USER}", f"**{USER}**")),
    ("bold-heading-colon", T4.replace(f"### {USER}", f"**{USER}:**")),
    ("trailing-newlines", T4 + "\n\n\n"),
    ("option-case-and-punct", T4.replace(COC_OPT, COC_OPT.upper() + ".")),
    ("option-no-period", T4.replace(ACK_OPT, ACK_OPT.rstrip("."))),
    ("option-spacing", T4.replace("lost access to the", "lost  access\tto the")),
    (
        "comment-before-value",
        T4.replace("`alice-dev`", "<!-- your name -->\n`alice-dev`"),
    ),
    (
        "multiline-comment-hiding-a-heading",
        T4.replace(
            "\n### Recovery Codes", "<!--\n### Code of Conduct\n- [ ] x\n-->\n### Recovery Codes"
        ),
    ),
    (
        "reordered",
        "\n\n".join(
            T4.split("\n\n### ")[i] if i == 0 else "### " + T4.split("\n\n### ")[i]
            for i in (0, 4, 3, 2, 1)
        ),
    ),
]


@pytest.mark.parametrize("text", [v[1] for v in VARIANTS], ids=[v[0] for v in VARIANTS])
def test_t4_variants_parse_the_same(text: str) -> None:
    parsed = parse_body(text)
    assert summary(parsed) == OK_T4
    assert parsed.text(USER) == "`alice-dev`"
    assert parsed.text(REASON) == T4_REASON
    assert ticks(parsed, RC) == [(RC_OPT, True, True)]
    assert ticks(parsed, COC) == [(COC_OPT, True, True)]
    assert ticks(parsed, ACK) == [(ACK_OPT, True, True)]


def test_canonical_heading_spelling_is_used() -> None:
    parsed = parse_body(T4.replace(f"### {USER}", "#### pypi USERNAME:"))
    assert next(iter(parsed.fields)) == USER
    assert parsed.fields[USER].heading == USER


@pytest.mark.parametrize(
    ("old", "new", "heading", "text", "empty"),
    [
        ("`alice-dev`", "_No response_", USER, None, (USER,)),
        ("`alice-dev`", "", USER, None, (USER,)),
        ("`alice-dev`", "<!-- nothing here -->", USER, None, (USER,)),
        ("`alice-dev`", "<!--\nmulti\nline\n-->\n", USER, None, (USER,)),
        (T4_REASON, "_No response_", REASON, None, (REASON,)),
        (T4_REASON, "  \n\n  ", REASON, None, (REASON,)),
    ],
    ids=["no-response", "blank", "comment-only", "multiline-comment", "reason-none", "ws"],
)
def test_empty_required_text(
    old: str, new: str, heading: str, text: str | None, empty: tuple[str, ...]
) -> None:
    parsed = parse_body(T4.replace(old, new))
    assert parsed.text(heading) == text
    assert parsed.empty_required == empty
    assert parsed.missing_sections == ()


def test_unchecked_required_boxes_in_template_order() -> None:
    text = T4.replace(f"- [x] {ACK_OPT}", f"- [ ] {ACK_OPT}").replace(
        f"- [x] {RC_OPT}", f"- [ ] {RC_OPT}"
    )
    parsed = parse_body(text)
    assert parsed.unchecked_required == (RC, ACK)
    assert ticks(parsed, RC) == [(RC_OPT, False, True)]


def test_checkbox_section_emptied_counts_as_unchecked() -> None:
    parsed = parse_body(T4.replace(f"- [x] {COC_OPT}", ""))
    assert (parsed.unchecked_required, parsed.missing_sections) == ((COC,), ())
    assert parsed.fields[COC].options == ()


def test_unknown_option_kept_not_required() -> None:
    text = T4.replace(f"- [x] {RC_OPT}", f"- [x] {RC_OPT}\n- [ ] I have them on paper")
    parsed = parse_body(text)
    assert ticks(parsed, RC) == [(RC_OPT, True, True), ("I have them on paper", False, False)]
    assert parsed.unchecked_required == ()


def test_unknown_option_does_not_satisfy_required() -> None:
    parsed = parse_body(T4.replace(f"- [x] {ACK_OPT}", "- [x] I understand"))
    assert ticks(parsed, ACK) == [("I understand", True, False)]
    assert parsed.unchecked_required == (ACK,)


def test_april_2021_no_box_options_count_as_ticked() -> None:
    parsed = parse_body(body("recovery-t3-nobox-2021-04.md"))
    assert ticks(parsed, COC) == [(COC_OPT, True, True)]
    assert ticks(parsed, ACK) == [(ACK_OPT, True, True)]
    bulleted = T4.replace(f"- [x] {COC_OPT}", f"- {COC_OPT}")
    assert ticks(parse_body(bulleted), COC) == [(COC_OPT, True, True)]


def test_missing_checkbox_section() -> None:
    text = T4.replace(f"### {RC}\n\n- [x] {RC_OPT}\n\n", "")
    parsed = parse_body(text)
    assert (parsed.generation, parsed.missing_sections) == ("2021-04", ())
    text = T4.replace(f"### {ACK}\n\n- [x] {ACK_OPT}\n", "")
    parsed = parse_body(text)
    assert (parsed.generation, parsed.missing_sections) == ("current", (ACK,))


def test_missing_reason_heading_keeps_text_in_username() -> None:
    """#925-like: the Reason heading deleted; its text stays under the username."""
    parsed = parse_body(T4.replace(f"### {REASON}\n\n", ""))
    assert parsed.missing_sections == (REASON,)
    assert parsed.text(USER) == f"`alice-dev`\n\n{T4_REASON}"


# --------------------------------------------------------------------------- repeats, extras


def test_fake_ticked_block_in_reason_loses_to_real_box() -> None:
    parsed = parse_body(body("recovery-t4-fake-block.md"))
    assert ticks(parsed, RC) == [(RC_OPT, False, True)]
    assert parsed.unchecked_required == (RC,)
    assert parsed.text(USER) == "dave.lee"
    assert RC_OPT not in (parsed.text(REASON) or "")


def test_prose_under_repeated_checkbox_heading_stays_in_reason() -> None:
    text = T4.replace(
        "I lost my phone", "### Recovery codes\n\nNever saved them.\n\nI lost my phone"
    )
    parsed = parse_body(text)
    assert parsed.text(REASON) == f"### Recovery codes\n\nNever saved them.\n\n{T4_REASON}"
    assert ticks(parsed, RC) == [(RC_OPT, True, True)]
    trailing = parse_body(T4 + "\n### Recovery codes\n\nI never saved any.\n")
    assert ticks(trailing, RC) == [(RC_OPT, True, True)]
    assert trailing.unchecked_required == ()


def test_checkbox_label_never_leaks_into_text() -> None:
    """The Recovery Codes heading deleted: its box line lands in the reason but is not
    read as the reporter's words."""
    text = T4.replace(f"### {RC}\n\n", "")
    parsed = parse_body(text)
    assert parsed.text(REASON) == T4_REASON
    assert RC_OPT in parsed.fields[REASON].raw
    bare = T4.replace(f"### {RC}\n\n- [x] {RC_OPT}", RC_OPT)
    assert parse_body(bare).text(REASON) == T4_REASON


def test_reason_bullets_are_kept() -> None:
    """The description's bullet texts are the reporter's answer, not checkbox labels."""
    text = T4.replace(T4_REASON, "- Lost 2FA authentication app or security token")
    assert parse_body(text).text(REASON) == "- Lost 2FA authentication app or security token"


def test_heading_of_other_form_is_extra_section() -> None:
    text = T4.replace(
        "My e-mail address on the account still works.",
        "My e-mail address on the account still works.\n\n### Project URL\n\n"
        "https://pypi.org/project/alice-tools",
    )
    parsed = parse_body(text)
    assert summary(parsed) == ("account-recovery", "current", (), (), (), ("Project URL",))
    assert parsed.text("Project URL") == "https://pypi.org/project/alice-tools"
    assert parsed.fields["Project URL"].required is False
    assert parsed.text(REASON) == T4_REASON
    assert list(parsed.fields)[-1] == "Project URL"


def test_unknown_heading_before_form_is_ignored() -> None:
    parsed = parse_body("## Please help\n\nurgent!\n\n" + T4)
    assert summary(parsed) == OK_T4
    assert parsed.text(USER) == "`alice-dev`"


# --------------------------------------------------------------------------- fences, comments


def test_heading_and_checkbox_inside_fence_are_text() -> None:
    fenced = f"```\n### {RC}\n- [ ] {RC_OPT}\n### Project URL\n```"
    parsed = parse_body(T4.replace("My e-mail address", fenced + "\nMy e-mail address"))
    assert summary(parsed) == OK_T4
    reason = parsed.text(REASON)
    assert reason is not None and "### Project URL" in reason
    assert ticks(parsed, RC) == [(RC_OPT, True, True)]


def test_tilde_fence_and_longer_closer() -> None:
    fenced = f"~~~~\n### {USER}\nmallory\n~~~~~\n"
    parsed = parse_body(T4.replace("I lost my phone", fenced + "I lost my phone"))
    assert parsed.text(USER) == "`alice-dev`"
    assert summary(parsed) == OK_T4


def test_unclosed_fence_does_not_swallow_sections() -> None:
    parsed = parse_body(T4.replace("My e-mail address", "```\nMy e-mail address"))
    assert summary(parsed) == OK_T4
    assert parsed.text(REASON) == T4_REASON.replace("My e-mail", "```\nMy e-mail")


def test_unterminated_comment_hides_rest_of_its_section_only() -> None:
    parsed = parse_body(T4.replace("My e-mail address", "<!-- My e-mail address"))
    assert summary(parsed) == OK_T4
    assert parsed.text(REASON) == (
        "I lost my phone and with it the authenticator app I used for 2FA on PyPI."
    )


def test_commented_out_heading_is_ignored() -> None:
    text = T4.replace("My e-mail", f"<!-- ### Acknowledgement\n- [ ] {ACK_OPT} -->My e-mail")
    parsed = parse_body(text)
    assert summary(parsed) == OK_T4
    assert parsed.text(REASON) == T4_REASON


# --------------------------------------------------------------------------- other forms


def test_limit_dropdown_none_is_empty_required() -> None:
    parsed = parse_body(body("limit-file.md").replace("PyPI, TestPyPI", "None"))
    assert parsed.empty_required == ("Which indexes",)
    assert parsed.fields["Which indexes"].choices == ()


def test_limit_option_without_period_and_unticked() -> None:
    text = body("limit-file.md").replace(
        "- [X] I have updated the title.", "- [ ] I have updated the title"
    )
    parsed = parse_body(text)
    assert parsed.unchecked_required == ("Update issue title",)
    assert ticks(parsed, "Update issue title") == [("I have updated the title.", False, True)]


def test_mass_squat_optional_section_absent_is_not_missing() -> None:
    parsed = parse_body(body("mass-name-squat.md"))
    assert parsed.missing_sections == ()
    assert "Additional information" not in parsed.fields


def test_network_missing_required_sections() -> None:
    text = "### My Platform\n\nmacOS\n\n### Code of Conduct\n\n- [x] " + COC_OPT
    parsed = parse_body(text)
    assert parsed.missing_sections == (
        "DNS Resolution",
        "Traceroutes / IPv4",
        "HTTPS Requests / IPv4",
        "TLS Debug / IPv4",
    )


# --------------------------------------------------------------------------- helpers


def test_text_accepts_any_spelling() -> None:
    parsed = parse_body(T4)
    assert parsed.text("pypi username") == "`alice-dev`"
    assert parsed.text("PyPI  Username:") == "`alice-dev`"
    assert parsed.text("Project URL") is None


def test_normalize_heading() -> None:
    assert normalize_heading("  Reason   for request: ") == "reason for request"
    assert normalize_heading("**Does this project already exist?**") == (
        "does this project already exist"
    )


def test_form_ids_all_have_templates() -> None:
    from recovery_bot.intake.forms import _registry

    reg = _registry()
    assert set(reg.by_form) == set(FORM_IDS)
    assert [t.generation for t in reg.by_form["account-recovery"]] == [
        "current",
        "2021-04",
        "2021-03",
        "2021-02",
        "2020-01",
    ]


# --------------------------------------------------------------------------- never raises

FRAGMENTS = [
    f"### {USER}",
    f"## {REASON}",
    "##  Reason for request",
    f"### {RC}",
    f"### {COC}",
    f"**{ACK}**",
    "### Project URL",
    "### New limit",
    "### Which indexes",
    "### PyPI Organization name",
    f"- [x] {RC_OPT}",
    f"- [ ] {COC_OPT}",
    f"* [X] {ACK_OPT}",
    "- [",
    "[x]",
    "_No response_",
    "None",
    "Reason:",
    "```",
    "~~~",
    "````console",
    "<!--",
    "-->",
    "---",
    "\r",
    "\r\n",
    "\n",
    "#",
    "**",
    "`username`",
]


@settings(max_examples=150, deadline=None)
@given(st.text())
def test_never_raises_on_text(text: str) -> None:
    parsed = parse_body(text)
    assert isinstance(parsed, ParsedForm)


@settings(max_examples=250, deadline=None)
@given(
    st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=12)), max_size=40).map(
        "\n".join
    )
)
def test_never_raises_on_form_fragments(text: str) -> None:
    parsed = parse_body(text)
    assert isinstance(parsed, ParsedForm)
    if parsed.form is None:
        assert summary(parsed) == (None, None, (), (), (), ())
    for heading in parsed.unchecked_required + parsed.empty_required:
        assert heading in parsed.fields
    for heading in parsed.missing_sections:
        assert heading not in parsed.fields


# --------------------------------------------------------------------------- adversarial

ADVERSARIAL = [
    ("spaces", f"### {REASON}\n" + " " * 20000 + "x"),
    ("box-spaces", f"### {REASON}\n- [x]" + " " * 20000 + "x"),
    ("label-then-spaces", f"### {REASON}\nI agree to follow the PSF Code of" + " " * 20000 + "x"),
    ("tail-punct", f"### {REASON}\n{COC_OPT}" + " .'" * 7000 + "x"),
    ("unclosed-comments", "<!--" * 10000 + f"\n### {USER}\nx"),
    ("unclosed-fences", "\n".join("`" * k for k in range(300, 3, -1)) + "\n```x\n" * 2000),
    ("repeated-headings", f"### {RC}\n- [x] a\n" * 3000),
    ("long-heading-line", "#" + " " * 30000 + "x"),
]


@pytest.mark.parametrize("text", [a[1] for a in ADVERSARIAL], ids=[a[0] for a in ADVERSARIAL])
def test_adversarial_bodies_parse(text: str) -> None:
    """Pathological bodies parse without raising. Each took seconds in a naive (quadratic)
    version; speed itself is measured by bench/bench_core.py, not asserted here."""
    parsed = parse_body(text)
    assert parsed.form in (None, "account-recovery")


def test_setext_headings_typed_by_hand_are_headings() -> None:
    # pypi/support#852 (2021): the template retyped with underlined headings.
    body = (
        "Request for account recovery.\n\nPyPI Username\n----------------\n\n`alice`\n\n---\n\n"
        "Reason for request\n---------------------\n\n  - Lost access to email address\n"
    )
    parsed = parse_body(body)
    assert (parsed.form, parsed.text("PyPI Username")) == ("account-recovery", "`alice`")
    assert parsed.text("Reason for request") == "- Lost access to email address"
    # An underlined line that is no section name stays text; a rule after a blank line
    # is no heading.
    assert parse_body("Hello there\n-----\n\nNot a form.\n\n---\n").form is None
