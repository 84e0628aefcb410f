"""docs/comments.md is the spec a reviewer reads: it must be what the code posts today."""

from __future__ import annotations

import re
from pathlib import Path

from recovery_bot.gallery import EXAMPLES, render_gallery

DOC = Path(__file__).resolve().parents[1] / "docs" / "comments.md"


def test_gallery_is_current() -> None:
    assert DOC.read_text(encoding="utf-8") == render_gallery(), (
        "docs/comments.md is stale: run `python -m recovery_bot.gallery > docs/comments.md` "
        "and read the diff"
    )


def test_no_comment_in_the_gallery_repeats_a_reporters_address() -> None:
    text = render_gallery()
    comments = "\n".join(line for line in text.splitlines() if line.startswith(">"))
    addresses = set(re.findall(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", comments))
    assert addresses <= {"support@pypi.org", "security@pypi.org", "noreply@pypi.org"}
    assert any("@example.com" in ex.body for ex in EXAMPLES)  # the check has something to see
