"""The promises of every comment, checked on every real body of the corpus (fixtures/real):
no reporter's address repeated, nobody pinged, only the configured private channels, the
e-mail warning whenever an address is posted, and a recovery code suggested only when the
reporter lost the 2FA device alone."""

from __future__ import annotations

import re
from typing import Any

import pytest

import real_corpus
from recovery_bot.intake.decision import decide, situation_of

ENTRIES = real_corpus.load()
ADDRESS = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
CHANNELS = {"support@pypi.org", "security@pypi.org", "noreply@pypi.org"}


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: str(e["number"]))
def test_comment_keeps_its_promises(entry: dict[str, Any]) -> None:
    facts = real_corpus.facts(entry)
    plan = decide(facts, real_corpus.config())
    text = plan.comment
    if text is None:
        assert situation_of(facts) == "not_recovery"
        return
    assert set(ADDRESS.findall(text)) <= CHANNELS
    assert re.search(r"(?<![\w.])@\w", text) is None  # nobody pinged
    assert "security@pypi.org" not in text or situation_of(facts) == "compromised"
    if facts.contains_email_address:
        assert "remove" in text and "public" in text
    if "one of them signs you in" in text or "choose to use a recovery code" in text:
        assert facts.reason in ("lost_2fa", "unclear") and not facts.recovery_codes_fail
