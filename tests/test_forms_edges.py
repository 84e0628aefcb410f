"""Edge cases of recovery_bot.intake.forms: fences, HTML comments, repeated sections,
setext lines and the 2020-template cues, each pinned by the parse result it changes.

Bodies are built from the T4 fixture (every section filled and ticked) with one change.
"""

from __future__ import annotations

import pytest

from fixtures_forms import ACK, BODIES, COC, COC_OPT, RC, RC_OPT, REASON, USER, summary, ticks
from recovery_bot.intake.forms import Field, ParsedForm, parse_body

T4 = (BODIES / "recovery-t4-ok.md").read_text(encoding="utf-8")

LAST_LINE = "My e-mail address on the account still works."
FIRST_LINE = "I lost my phone and with it the authenticator app I used for 2FA on PyPI."
T4_REASON = f"{FIRST_LINE}\n{LAST_LINE}"


def with_reason_tail(tail: str) -> ParsedForm:
    """T4 with ``tail`` put after the reason's last line."""
    return parse_body(T4.replace(LAST_LINE, LAST_LINE + "\n" + tail))


# --------------------------------------------------------------------------- fences

HIDDEN = "### Project URL\n\nhttps://pypi.org/project/x"

URL = "https://pypi.org/project/x"
HIDDEN = f"### Project URL\n\n{URL}"

FENCES = [
    # (id, text put after the reason's last line, text of the Project URL section or
    # None when its heading sits inside a fence)
    ("plain-fence", f"```\n{HIDDEN}\n```", None),
    ("backtick-in-info-is-no-fence", f"```a`b\n```\n{HIDDEN}\n```", None),
    ("backtick-in-info-opens-nothing", f"```a`b\n{HIDDEN}\n", URL),
    ("tilde-info-may-hold-backticks", f"~~~a`b\n{HIDDEN}\n~~~", None),
    ("other-char-does-not-close", f"```\n~~~\n{HIDDEN}\n```", None),
    ("shorter-run-does-not-close", f"````\n```\n{HIDDEN}\n````", None),
    ("closer-with-info-does-not-close", f"```\n```py\n{HIDDEN}\n```", None),
    ("heading-right-after-closer", f"```\ncode\n```\n{HIDDEN}", URL),
    ("failed-length-skipped-then-shorter-pair", f"`````\n``````x\n```\n{HIDDEN}\n```", None),
    ("failed-then-next-pair", f"~~~~\n```\n{HIDDEN}\n```", None),
    ("pair-failed-then-lone", f"```\nx\n```\n{HIDDEN}\n~~~~\n```", f"{URL}\n~~~~\n```"),
]


@pytest.mark.parametrize(("tail", "url"), [f[1:] for f in FENCES], ids=[f[0] for f in FENCES])
def test_fence_pairing(tail: str, url: str | None) -> None:
    """Which fence lines pair up decides whether a heading between them is structure."""
    parsed = with_reason_tail(tail)
    assert summary(parsed)[:5] == ("account-recovery", "current", (), (), ())
    assert parsed.extra_sections == (() if url is None else ("Project URL",))
    assert parsed.text("Project URL") == url
    if url is None:
        assert parsed.text(REASON) == f"{T4_REASON}\n{tail}"
    else:
        assert parsed.text(REASON) == f"{T4_REASON}\n{tail.split(HIDDEN)[0]}".rstrip("\n")


# --------------------------------------------------------------------------- HTML comments


@pytest.mark.parametrize(
    ("tail", "reason"),
    [
        ("<!-- a --><!-- b -->and more", f"{T4_REASON}\nand more"),
        ("<!---->and more", f"{T4_REASON}\nand more"),
        ("and more <!-- x <!-- y", f"{T4_REASON}\nand more"),
        (
            "```\n<!-- html in code\n```\nand more",
            f"{T4_REASON}\n```\n<!-- html in code\n```\nand more",
        ),
        (
            "```\n<!-- html in code\n```\nand more <!-- hidden\nstill hidden",
            f"{T4_REASON}\n```\n<!-- html in code\n```\nand more",
        ),
        (
            "```\n<!-- one\n```\nkept <!-- two\nhidden <!-- three\nhidden",
            f"{T4_REASON}\n```\n<!-- one\n```\nkept",
        ),
        (
            "```\n<!-- in code\n```\n```\n<!-- also code\n```\nend",
            f"{T4_REASON}\n```\n<!-- in code\n```\n```\n<!-- also code\n```\nend",
        ),
    ],
    ids=[
        "adjacent-comments",
        "empty-comment",
        "two-unclosed",
        "open-comment-in-fence",
        "in-fence-then-outside",
        "in-fence-then-two-outside",
        "two-fenced",
    ],
)
def test_comments_in_text(tail: str, reason: str) -> None:
    parsed = with_reason_tail(tail)
    assert summary(parsed) == ("account-recovery", "current", (), (), (), ())
    assert parsed.text(REASON) == reason


def test_unclosed_comment_outside_fence_in_other_section() -> None:
    """A fence in the reason does not keep an unclosed comment in the username alive."""
    text = T4.replace("`alice-dev`", "`alice-dev` <!-- todo").replace(
        LAST_LINE, LAST_LINE + "\n```\ncode\n```"
    )
    parsed = parse_body(text)
    assert parsed.text(USER) == "`alice-dev`"


# --------------------------------------------------------------------------- 2020 template cues

BARE = f"### {USER}\n\nx\n\n### {REASON}\n\ny"


@pytest.mark.parametrize(
    ("text", "generation"),
    [
        (f"<!-- Replace the following with your PyPI username -->\n{BARE}", "2020-01"),
        (f"<!---replace the following-->\n{BARE}", "2021-03"),
        (f"<!-- the reason -->\n{BARE}", "2020-01"),
        (f"<!-- your pypi -->\n{BARE}", "2021-03"),
        (f"Hi team,\nRequest for account recovery.\n\n{BARE}", "2020-01"),
        (f"<!--\nRequest for account recovery.\n\n{BARE}", "2021-03"),
        (f"{BARE}\n\n---\n\n### Project URL\n\nz", "2020-01"),
        (f"{BARE} <!-- c -->", "2021-03"),
        (f"```\n<!-- in code\n```\nRequest for account recovery.\n\n{BARE}", "2020-01"),
        (f"```\ncode\n```\n<!--\nRequest for account recovery.\n\n{BARE}", "2021-03"),
    ],
    ids=[
        "comment-at-start",
        "comment-text-starts-after-marker",
        "ten-characters",
        "nine-characters",
        "intro-after-a-greeting",
        "intro-in-unclosed-comment",
        "rule-closing-a-later-section",
        "comment-after-first-heading",
        "intro-after-open-comment-in-code",
        "intro-in-unclosed-comment-after-code",
    ],
)
def test_markdown_cues(text: str, generation: str) -> None:
    parsed = parse_body(text)
    assert (parsed.form, parsed.generation) == ("account-recovery", generation)
    assert parsed.text(USER) == "x"
    assert parsed.text(REASON) == "y"


@pytest.mark.parametrize(
    ("text", "empty"),
    [
        (f"### {USER}\n\n### {REASON}\n\ny", (USER,)),
        (f"### {USER}\n\nx\n\n### {REASON}\n\n   \n", (REASON,)),
        (f"### {USER}\n\n\n### {REASON}\n\n\n### Project URL\n\nz", (USER, REASON)),
    ],
    ids=["empty-username", "blank-reason", "both-empty-with-extra"],
)
def test_empty_sections_without_boxes(text: str, empty: tuple[str, ...]) -> None:
    parsed = parse_body(text)
    assert (parsed.generation, parsed.empty_required) == ("2021-03", empty)
    assert parsed.missing_sections == (COC,)


# --------------------------------------------------------------------------- repeats


def test_prose_checkbox_heading_before_last_section() -> None:
    """A reporter's ``### Recovery codes`` with prose, second to last: it holds no box
    (the next section's box does not count for it), so the real box still wins."""
    text = T4.replace(
        f"### {ACK}", "### Recovery codes\n\nI never saved them.\n\n### Acknowledgement"
    )
    parsed = parse_body(text)
    assert ticks(parsed, RC) == [(RC_OPT, True, True)]
    assert parsed.unchecked_required == ()
    coc = parsed.fields[COC]
    assert ticks(parsed, COC) == [(COC_OPT, True, True)]
    assert coc.raw == f"- [x] {COC_OPT}\n\n### Recovery codes\n\nI never saved them."


def test_repeated_extra_checkbox_section_last_box_wins() -> None:
    """A checkbox heading of another form typed twice: the last one with a box counts."""
    text = (
        T4.replace(
            LAST_LINE,
            LAST_LINE + "\n\n### Does this project already exist?\n\n- [x] Yes",
        )
        + "\n\n### Does this project already exist?\n\n- [ ] Yes\n"
    )
    parsed = parse_body(text)
    assert parsed.extra_sections == ("Does this project already exist?",)
    assert ticks(parsed, "Does this project already exist?") == [("Yes", False, True)]
    assert parsed.text(REASON) == T4_REASON


# --------------------------------------------------------------------------- setext


@pytest.mark.parametrize(
    "tail",
    ["Details\n=======\nlost phone", "some words\n---\nmore", "Notes\n-----\n\nmore"],
)
def test_unknown_setext_heading_stays_text(tail: str) -> None:
    parsed = with_reason_tail(tail)
    assert summary(parsed) == ("account-recovery", "current", (), (), (), ())
    assert parsed.text(REASON) == f"{T4_REASON}\n{tail}"


# --------------------------------------------------------------------------- values


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("alice_", "alice_"),
        ("alice-", "alice-"),
        ("alice\n***", "alice"),
        ("alice\n\n---\n\n* * *", "alice"),
        ("---", None),
        ("---\n___", None),
        ("- - -", None),
    ],
)
def test_trailing_rules_dropped_from_text(value: str, text: str | None) -> None:
    """Trailing ``---`` rules go (the 2020 template put one after the username); a value
    that merely ends in ``-`` or ``_`` stays whole, and a value of rules only is empty."""
    parsed = parse_body(T4.replace("`alice-dev`", value))
    assert parsed.text(USER) == text
    assert parsed.empty_required == (() if text else (USER,))


def test_box_line_without_label_is_skipped() -> None:
    parsed = parse_body(T4.replace(f"- [x] {RC_OPT}", f"- [x]\n- [ ]   \n- [x] {RC_OPT}"))
    assert ticks(parsed, RC) == [(RC_OPT, True, True)]
    assert parsed.unchecked_required == ()


# --------------------------------------------------------------------------- length bounds


@pytest.mark.parametrize(("length", "known"), [(400, True), (401, False)])
def test_option_text_length_bound(length: int, known: bool) -> None:
    """Box text up to 400 characters is matched against the options (spacing aside);
    longer text matches none (documented bound: the longest option is ~100)."""
    head, tail = "I agree to follow the PSF Code of", "Conduct"
    label = head + " " * (length - len(head) - len(tail)) + tail
    parsed = parse_body(T4.replace(f"- [x] {COC_OPT}", f"- [x] {label}"))
    expected = (COC_OPT, True, True) if known else (label, True, False)
    assert ticks(parsed, COC) == [expected]
    assert parsed.unchecked_required == (() if known else (COC,))


@pytest.mark.parametrize(("length", "known"), [(240, True), (241, False)])
def test_heading_line_length_bound(length: int, known: bool) -> None:
    """A heading line up to 240 characters (trailing blanks included) can name a
    section; a longer one is text (the longest label is ~55 characters)."""
    heading = f"### {USER}".ljust(length)
    parsed = parse_body(T4.replace(f"### {USER}", heading))
    assert parsed.missing_sections == (() if known else (USER,))
    assert parsed.text(USER) == ("`alice-dev`" if known else None)


# --------------------------------------------------------------------------- dropdowns

LIMIT = (BODIES / "limit-file.md").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("value", "choices", "empty"),
    [
        ("PyPI, TestPyPI", ("PyPI", "TestPyPI"), ()),
        ("testpypi,PYPI", ("TestPyPI", "PyPI"), ()),
        ("PyPI, Warehouse", ("PyPI", "Warehouse"), ()),
        (" , ", (), ("Which indexes",)),
    ],
)
def test_dropdown_choices(value: str, choices: tuple[str, ...], empty: tuple[str, ...]) -> None:
    """Comma-separated choices in the template's spelling (unknown ones kept as written);
    a value naming no choice is empty."""
    parsed = parse_body(LIMIT.replace("PyPI, TestPyPI", value))
    text = value.strip()
    assert parsed.fields["Which indexes"] == Field(
        "Which indexes", "dropdown", text, choices, (), True, text
    )
    assert parsed.empty_required == empty


# --------------------------------------------------------------------------- heading-like lines


@pytest.mark.parametrize(
    "line", ["**Note**: my phone was stolen", "####### seven hashes", "#hashtag", "__init__.py"]
)
def test_heading_like_lines_in_text(line: str) -> None:
    """Lines that look like headings but name no section stay text, and the scan goes on."""
    parsed = with_reason_tail(line)
    assert summary(parsed) == ("account-recovery", "current", (), (), (), ())
    assert parsed.text(REASON) == f"{T4_REASON}\n{line}"
    assert ticks(parsed, ACK)[0][1] is True


def test_setext_headings_underlined_with_equals() -> None:
    text = (
        "PyPI Username\n=============\n\nalice\n\nReason for request\n==\n\nlost 2FA\n\n"
        f"Code of Conduct\n---------------\n\n- [x] {COC_OPT}\n"
    )
    parsed = parse_body(text)
    assert summary(parsed) == ("account-recovery", "2021-03", (), (), (), ())
    assert (parsed.text(USER), parsed.text(REASON)) == ("alice", "lost 2FA")
    # Only "=" underlines and no "---" anywhere: still read as headings (the 2020
    # template's two sections).
    only_equals = parse_body(
        "PyPI Username\n=============\n\nalice\n\nReason for request\n==================\n\n"
        "lost 2FA\n"
    )
    assert summary(only_equals) == ("account-recovery", "2020-01", (), (), (), ())
    assert (only_equals.text(USER), only_equals.text(REASON)) == ("alice", "lost 2FA")


def test_extra_section_drops_its_own_forms_box_lines() -> None:
    """An extra section's text loses the checkbox lines of the form it belongs to."""
    parsed = with_reason_tail(
        "\n### About the project\n\nbig wheels\n- [x] I have updated the title."
    )
    assert parsed.extra_sections == ("About the project",)
    assert parsed.text("About the project") == "big wheels"
