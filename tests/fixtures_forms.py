"""Names and helpers the form parser's tests share (test_forms, test_forms_edges,
test_forms_templates): the current form's headings and checkbox options as the template
spells them, the sample bodies in fixtures/bodies, and compact views of a parse result
that a table row can state in one line."""

from __future__ import annotations

import pathlib

from recovery_bot.intake.forms import ParsedForm

BODIES = pathlib.Path(__file__).resolve().parent.parent / "fixtures" / "bodies"

USER = "PyPI Username"
REASON = "Reason for request"
RC = "Recovery Codes"
COC = "Code of Conduct"
ACK = "Acknowledgement"
RC_OPT = "I never generated or have lost access to the recovery codes for my account"
COC_OPT = "I agree to follow the PSF Code of Conduct"
ACK_OPT = (
    "I understand that it may take a significant amount of time to process my account "
    "recovery request."
)


def body(name: str) -> str:
    """A sample body from fixtures/bodies, verbatim."""
    return (BODIES / name).read_text(encoding="utf-8")


def summary(p: ParsedForm) -> tuple[object, ...]:
    """What a parse says is wrong or unusual, in one tuple."""
    return (
        p.form,
        p.generation,
        p.unchecked_required,
        p.empty_required,
        p.missing_sections,
        p.extra_sections,
    )


def ticks(p: ParsedForm, heading: str) -> list[tuple[str, bool, bool]]:
    """(label, ticked, required) of each option of a checkbox field."""
    return [(o.label, o.ticked, o.required) for o in p.fields[heading].options]
