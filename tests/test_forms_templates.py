"""Tests for the template loader of recovery_bot.intake.forms: what the parser knows
about each packaged issue form comes from its YAML (or the 2020 markdown) file.

The parser reads the templates once per process (``_registry`` is cached), so every test
here starts from a fresh load (the ``fresh_templates`` fixture): otherwise a test would
see whatever an earlier test loaded, and a broken loader would go unnoticed. The tables
below are the packaged templates as a reader of the YAML sees them.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from fixtures_forms import ACK, ACK_OPT, COC, COC_OPT, RC, RC_OPT, REASON, USER
from recovery_bot.intake import forms
from recovery_bot.intake.forms import CheckboxOption, Field, parse_body

TITLE_OPT = "I have updated the title."


@pytest.fixture(autouse=True)
def fresh_templates() -> Iterator[None]:
    forms._registry.cache_clear()
    yield
    forms._registry.cache_clear()


# (label, kind, required, ((option, required), ...) or dropdown option names)
T = tuple[str, str, bool, tuple[tuple[str, bool], ...]]
COC_F: T = (COC, "checkboxes", True, ((COC_OPT, True),))
INDEXES: T = ("Which indexes", "dropdown", True, (("PyPI", False), ("TestPyPI", False)))
EXISTS: T = ("Does this project already exist?", "checkboxes", True, (("Yes", True),))
TITLE: T = ("Update issue title", "checkboxes", True, ((TITLE_OPT, True),))

TEMPLATES: list[tuple[str, str, list[T]]] = [
    (
        "account-recovery",
        "current",
        [
            (USER, "input", True, ()),
            (REASON, "textarea", True, ()),
            (RC, "checkboxes", True, ((RC_OPT, True),)),
            COC_F,
            (ACK, "checkboxes", True, ((ACK_OPT, True),)),
        ],
    ),
    (
        "account-recovery",
        "2021-04",
        [
            (USER, "input", True, ()),
            (REASON, "textarea", True, ()),
            COC_F,
            (ACK, "checkboxes", True, ((ACK_OPT, True),)),
        ],
    ),
    # 2021-02 has the same headings (its reason was an input) and reads as 2021-03.
    (
        "account-recovery",
        "2021-03",
        [(USER, "input", True, ()), (REASON, "textarea", True, ()), COC_F],
    ),
    (
        "pep541",
        "current",
        [
            ("Project to be claimed", "input", True, ()),
            ("Your PyPI username", "input", True, ()),
            ("Reasons for the request", "textarea", True, ()),
            (
                "Maintenance or replacement?",
                "dropdown",
                False,
                (("Maintenance", False), ("Replacement", False)),
            ),
            ("Source code repositories URLs", "textarea", True, ()),
            ("Contact and additional research", "textarea", True, ()),
            COC_F,
        ],
    ),
    (
        "limit-request-file",
        "current",
        [
            ("Project URL", "input", True, ()),
            EXISTS,
            ("New Limit", "input", True, ()),
            TITLE,
            INDEXES,
            ("About the project", "textarea", True, ()),
            ("Reasons for the request", "textarea", True, ()),
            COC_F,
        ],
    ),
    (
        "limit-request-project",
        "current",
        [
            ("Project URL", "input", True, ()),
            EXISTS,
            ("New limit", "input", True, ()),
            TITLE,
            INDEXES,
            ("About the project", "textarea", True, ()),
            ("How large is each release?", "textarea", True, ()),
            ("How frequently do you make a release?", "textarea", True, ()),
            COC_F,
        ],
    ),
    (
        "network",
        "current",
        [
            ("My Platform", "textarea", True, ()),
            ("Fastly Debug", "textarea", False, ()),
            ("DNS Resolution", "textarea", True, ()),
            ("Traceroutes / IPv4", "textarea", True, ()),
            ("Traceroutes / IPv6 (If available)", "textarea", False, ()),
            ("HTTPS Requests / IPv4", "textarea", True, ()),
            ("HTTPS Requests / IPv6 (If available)", "textarea", False, ()),
            ("TLS Debug / IPv4", "textarea", True, ()),
            ("TLS Debug / IPv6 (If available)", "textarea", False, ()),
            COC_F,
        ],
    ),
    (
        "mass-name-squat",
        "current",
        [
            ("PyPI user performing the mass project name squatting", "input", True, ()),
            ("Additional information", "textarea", False, ()),
            COC_F,
        ],
    ),
    (
        "organizations",
        "2023-05",
        [
            (USER, "input", True, ()),
            ("PyPI Organization name", "input", False, ()),
            ("Description of issue", "textarea", True, ()),
            COC_F,
        ],
    ),
]


def _render(fields: list[T], filled: bool) -> str:
    """The body GitHub renders for a form: every field left empty (or filled: text
    ``value N``, every box ticked, every dropdown option chosen)."""
    parts = []
    for n, (label, kind, _, options) in enumerate(fields):
        if kind == "checkboxes":
            value = "\n".join(f"- [{'X' if filled else ' '}] {o}" for o, _ in options)
        elif kind == "dropdown":
            value = ", ".join(o.lower() for o, _ in options) if filled else "None"
        else:
            value = f"value {n}" if filled else "_No response_"
        parts.append(f"### {label}\n\n{value}")
    return "\n\n".join(parts)


@pytest.mark.parametrize(
    ("form", "generation", "fields"), TEMPLATES, ids=[f"{t[0]}-{t[1]}" for t in TEMPLATES]
)
def test_empty_form_reports_every_required_field(
    form: str, generation: str, fields: list[T]
) -> None:
    parsed = parse_body(_render(fields, filled=False))
    assert (parsed.form, parsed.generation) == (form, generation)
    assert parsed.missing_sections == parsed.extra_sections == ()
    assert parsed.unchecked_required == tuple(
        label for label, kind, req, _ in fields if req and kind == "checkboxes"
    )
    assert parsed.empty_required == tuple(
        label for label, kind, req, _ in fields if req and kind != "checkboxes"
    )
    expected = [
        Field(
            label,
            kind,  # type: ignore[arg-type]
            None,
            (),
            tuple(CheckboxOption(o, False, r) for o, r in opts) if kind == "checkboxes" else (),
            req,
            "\n".join(f"- [ ] {o}" for o, _ in opts)
            if kind == "checkboxes"
            else "None"
            if kind == "dropdown"
            else "_No response_",
        )
        for label, kind, req, opts in fields
    ]
    assert list(parsed.fields.values()) == expected


@pytest.mark.parametrize(
    ("form", "generation", "fields"), TEMPLATES, ids=[f"{t[0]}-{t[1]}" for t in TEMPLATES]
)
def test_filled_form_has_nothing_to_report(form: str, generation: str, fields: list[T]) -> None:
    parsed = parse_body(_render(fields, filled=True))
    assert (parsed.form, parsed.generation) == (form, generation)
    assert (
        parsed.unchecked_required,
        parsed.empty_required,
        parsed.missing_sections,
        parsed.extra_sections,
    ) == ((), (), (), ())
    for n, (label, kind, _, opts) in enumerate(fields):
        f = parsed.fields[label]
        if kind == "checkboxes":
            assert f.options == tuple(CheckboxOption(o, True, r) for o, r in opts)
        elif kind == "dropdown":
            # written in lower case, read back in the template's spelling
            assert f.choices == tuple(o for o, _ in opts)
        else:
            assert f.text == f"value {n}"


def test_markdown_template_2020() -> None:
    """The 2020 template is markdown: its headings are required, the kinds come from the
    form generations that share the heading, its comments and intro line are cues."""
    body = (
        "Request for account recovery.\n\n## PyPI Username\n\n"
        "<!-- Replace the following with your PyPI username -->\n`username`\n\n---\n\n"
        "##  Reason for request\n\n<!-- State the reason for your request\n"
        "  - Lost access to email address\n  - Lost 2FA authentication app or security token\n"
        "-->\n\nReason:"
    )
    parsed = parse_body(body)
    assert (parsed.form, parsed.generation, parsed.empty_required) == (
        "account-recovery",
        "2020-01",
        (REASON,),
    )
    assert list(parsed.fields.values()) == [
        Field(USER, "input", "`username`", (), (), True, "`username`\n\n---"),
        Field(REASON, "textarea", None, (), (), True, "Reason:"),
    ]


@pytest.mark.parametrize(
    ("cue", "generation"),
    [
        ("Request for account recovery.", "2020-01"),
        ("  request   FOR account recovery.  ", "2020-01"),
        ("Request for account recovery", "2021-03"),
        ("<!-- Replace the following with your PyPI username -->", "2020-01"),
        ("<!-- replace the following -->", "2020-01"),
        ("<!-- - Lost access to email address -->", "2020-01"),
        ("<!-- state your reason -->", "2021-03"),
        ("<!-- lost 2fa -->", "2021-03"),
        ("<!-- lost 2fa authentication app -->", "2020-01"),
        ("<!-- a note -->", "2021-03"),
    ],
)
def test_markdown_cues_come_from_the_2020_template(cue: str, generation: str) -> None:
    """The intro line counts whole; a comment counts when it holds (or is held by) one of
    the template's comments, case and spacing aside, and is at least 10 characters."""
    parsed = parse_body(f"{cue}\n\n### {USER}\n\nx\n\n### {REASON}\n\ny")
    assert (parsed.form, parsed.generation) == ("account-recovery", generation)


def test_option_lines_come_from_every_generation() -> None:
    """Checkbox labels of any generation of the form are dropped from text values."""
    body = (
        f"### {USER}\n\nx\n\n### {REASON}\n\nlost it\n- [x] {RC_OPT}\n{ACK_OPT}\n"
        f"[ ] {COC_OPT}\nYes\n- [x] Yes\n- [x] {TITLE_OPT}\n\n### {COC}\n\n- [x] {COC_OPT}"
    )
    parsed = parse_body(body)
    assert parsed.generation == "2021-03"
    assert parsed.text(REASON) == f"lost it\nYes\n- [x] Yes\n- [x] {TITLE_OPT}"


def test_limit_option_lines_short_and_long() -> None:
    """A short option (``Yes``) is dropped from text only with a box; a long one also bare."""
    body = (
        "### Project URL\n\nx\n\n### New Limit\n\n1\n\n### Reasons for the request\n\n"
        f"Yes\n- [x] Yes\n{TITLE_OPT}\n* [ ] i have updated the title\nbig wheels\n"
        f"{COC_OPT}!"
    )
    parsed = parse_body(body)
    assert parsed.form == "limit-request-file"
    assert parsed.text("Reasons for the request") == "Yes\nbig wheels"


def test_heading_of_two_forms_uses_the_matching_spelling() -> None:
    """A recovery body with a limit-request heading: the extra field is typed by the form
    whose spelling matches (``New limit`` is project-wide, ``New Limit`` per file)."""
    base = f"### {USER}\n\nx\n\n### {REASON}\n\ny\n\n"
    project = parse_body(base + "### New limit\n\n5 GiB")
    assert project.extra_sections == ("New limit",)
    assert project.fields["New limit"] == Field(
        "New limit", "input", "5 GiB", (), (), False, "5 GiB"
    )
    other = parse_body(base + "### NEW LIMIT\n\n5 GiB")
    assert other.extra_sections == ("New Limit",)
    assert other.text("New Limit") == "5 GiB"


def test_generations_newest_first() -> None:
    reg = forms._registry()
    assert [t.generation for t in reg.by_form["account-recovery"]] == [
        "current",
        "2021-04",
        "2021-03",
        "2021-02",
        "2020-01",
    ]
    assert {form: len(ts) for form, ts in reg.by_form.items()} == {
        "account-recovery": 5,
        "pep541": 1,
        "limit-request-file": 1,
        "limit-request-project": 1,
        "network": 1,
        "mass-name-squat": 1,
        "organizations": 1,
    }


# --------------------------------------------------------------------------- YAML shapes

YAML_SHAPES = [
    ("not-a-form", "- a list", []),
    ("no-body", "name: x", []),
    ("empty-body", "body:", []),
    (
        "skipped-elements",
        "body:\n- just text\n- type: markdown\n  attributes: {value: hi}\n"
        "- type: input\n- type: input\n  attributes: {label: '  '}\n"
        "- type: input\n  attributes: {label: '  Spaced   label '}\n",
        [("Spaced label", "input", False, ())],
    ),
    (
        "required-text",
        "body:\n- type: textarea\n  attributes: {label: A}\n  validations: {required: true}\n"
        "- type: input\n  attributes: {label: B}\n  validations: {required: false}\n"
        "- type: input\n  attributes: {label: C}\n  validations:\n",
        [("A", "textarea", True, ()), ("B", "input", False, ()), ("C", "input", False, ())],
    ),
    (
        "unquoted-yes-no",
        "body:\n- type: checkboxes\n  attributes:\n    label: Box\n    options:\n"
        "    - label: Yes\n      required: true\n    - label: No\n    - plain string\n"
        "    - label: 12\n",
        [("Box", "checkboxes", True, (("Yes", True), ("No", False), ("12", False)))],
    ),
    (
        "optional-boxes",
        "body:\n- type: checkboxes\n  attributes:\n    label: Box\n    options:\n"
        "    - label: a\n- type: checkboxes\n  attributes:\n    label: Empty\n",
        [("Box", "checkboxes", False, (("a", False),)), ("Empty", "checkboxes", False, ())],
    ),
    (
        "dropdown",
        "body:\n- type: dropdown\n  attributes:\n    label: Pick\n    options: [One, 2]\n"
        "  validations: {required: true}\n- type: dropdown\n  attributes: {label: None}\n",
        [
            ("Pick", "dropdown", True, (("One", False), ("2", False))),
            ("None", "dropdown", False, ()),
        ],
    ),
]


@pytest.mark.parametrize(
    ("yaml_text", "expected"), [s[1:] for s in YAML_SHAPES], ids=[s[0] for s in YAML_SHAPES]
)
def test_yaml_fields_of_a_copied_template(yaml_text: str, expected: list[T]) -> None:
    """A YAML file copied in from pypi/support (the whole change when a form changes):
    what the loader makes of each element shape GitHub allows."""
    fields = forms._yaml_fields(forms._load_yaml(yaml_text))
    assert [
        (f.label, f.kind, f.required, tuple((o.label, o.required) for o in f.options))
        for f in fields
    ] == expected
    for f in fields:
        assert f.norm == forms.normalize_heading(f.label)
        assert dict(f.option_map) == {o.norm: o for o in f.options}


# --------------------------------------------------------------------------- markdown shapes

MARKDOWN_SHAPES = [
    (
        "front-matter-crlf",
        "---\r\nname: x\r\nabout: y\r\n---\r\n\r\nIntro  Line.\r\n\r\n## First\r\n\r\n"
        "<!-- a\r\n  b -->\r\n\r\n##  Second   one\r\n<!---->\r\n",
        [("First", "input"), ("Second one", "textarea")],
        ("a b",),
        ("intro line.",),
    ),
    ("empty-front-matter", "---\n---\nIntro\n## H", [("H", "textarea")], (), ("intro",)),
    ("unclosed-front-matter", "---\nname: x\n## H", [("H", "textarea")], (), ("name: x",)),
    (
        "no-front-matter",
        "Intro\n\n# H\ntext\n## First",
        [("H", "textarea"), ("First", "input")],
        (),
        ("intro",),
    ),
]


@pytest.mark.parametrize(
    ("text", "fields", "comments", "intro"),
    [s[1:] for s in MARKDOWN_SHAPES],
    ids=[s[0] for s in MARKDOWN_SHAPES],
)
def test_markdown_template_shapes(
    text: str,
    fields: list[tuple[str, str]],
    comments: tuple[str, ...],
    intro: tuple[str, ...],
) -> None:
    """A classic markdown template: its headings (all required; kinds from the YAML
    generations, else textarea), its comments and intro lines, front matter skipped."""
    got, got_comments, got_intro = forms._markdown_fields(text, {"first": "input"})
    assert [(f.label, f.kind, f.required) for f in got] == [(lb, k, True) for lb, k in fields]
    assert (got_comments, got_intro) == (comments, intro)


def test_front_matter_lines_are_no_cue() -> None:
    """The 2020 template's front matter never reaches a body, so its lines are no cue;
    a comment cue may span the template comment's lines."""
    base = f"### {USER}\n\nx\n\n### {REASON}\n\ny"
    for line in ("labels: account-recovery", "title: Account recovery request", "---"):
        assert parse_body(f"{line}\n\n{base}").generation == "2021-03"
    spanning = "<!-- lost access to email address - lost 2fa -->"
    assert parse_body(f"{spanning}\n{base}").generation == "2020-01"


def test_option_lines_of_unusual_labels() -> None:
    """Option labels are matched without their quotes and trailing punctuation; a bare
    line counts only for labels of 20 characters or more."""
    pattern = forms._option_line_re(
        [
            '"Quoted option text."',
            "Xylophone lessons for all",
            "A box named after OS X",
            "Twenty chars exactly",
            "Nineteen chars here",
        ]
    )
    text = (
        "keep\nQuoted option text\nXylophone lessons for all\nA box named after OS X\n"
        "Twenty chars exactly\nNineteen chars here\n- [x] nineteen chars here!"
    )
    assert forms._text_value(text, pattern) == "keep\nNineteen chars here"
