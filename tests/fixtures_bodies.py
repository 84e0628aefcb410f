"""Issue bodies as GitHub renders today's account-recovery form, for tests that need a
realistic body with one thing changed (the form parser's own tests use fixtures/bodies)."""

from __future__ import annotations


def recovery_body(
    username: str = "`alice`",
    reason: str = "I lost my phone with the authenticator app.",
    *,
    codes: bool = True,
    box: str = "x",
) -> str:
    """A current-generation (T4) body; ``codes=False`` leaves Recovery Codes unticked."""
    tick = f"[{box}]"
    codes_box = tick if codes else "[ ]"
    return (
        f"### PyPI Username\n\n{username}\n\n### Reason for request\n\n{reason}\n\n"
        f"### Recovery Codes\n\n- {codes_box} I never generated or have lost access to the "
        f"recovery codes for my account\n\n### Code of Conduct\n\n- {tick} I agree to follow "
        f"the PSF Code of Conduct\n\n### Acknowledgement\n\n- {tick} I understand that it may "
        "take a significant amount of time to process my account recovery request."
    )


def triage_text(body: str, *, title: str | None = None, user: object = None) -> str:
    """The comment the pure decision gives ``body`` (with ``user`` a PyPIUser lookup), for
    tests of the plumbing: that the server, sweep or demo posts exactly what the decision
    says. The texts themselves are pinned word for word in tests/test_answers.py."""
    from recovery_bot.config import parse_config
    from recovery_bot.recovery import decide, gather_facts, with_lookup

    facts = gather_facts(body, title=title)
    if user is not None:
        facts = with_lookup(facts, user)  # type: ignore[arg-type]
    comment = decide(facts, parse_config({"repositories": ["pypi/support"]})).comment
    assert comment is not None
    return comment
