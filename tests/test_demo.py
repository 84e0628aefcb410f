"""README's first command: ``recovery-bot demo`` runs the bot end to end on the sample
deliveries in fixtures/deliveries and reports what it did to each issue."""

from __future__ import annotations

import io
from pathlib import Path

from recovery_bot.config import parse_config
from recovery_bot.demo import default_fixtures, run
from recovery_bot.recovery import RESOLVED_TEXT

BOT = "recovery-bot[bot]"


async def test_demo_triages_every_sample(tmp_path: Path) -> None:
    config = parse_config({"repositories": ["pypi/support"]})
    out = io.StringIO()
    result = await run(default_fixtures(), str(tmp_path / "demo.sqlite3"), out, config)
    labels = {n: r["labels"] for n, r in result.items()}
    assert labels == {
        12401: ["account-recovery", "lost 2fa"],
        12402: ["account-recovery", "lost email"],  # the edit fixed the username
        12403: ["account-recovery", "needs more info", "username not found", "lost 2fa"],
        12404: ["account-recovery", "lost 2fa", "has recovery codes"],
        12405: ["account-recovery", "lost email", "no projects"],
        12406: ["PEP 541"],
        12407: [],
    }
    comments = {n: [c["body"] for c in r["comments"]] for n, r in result.items()}
    assert comments[12401] == comments[12405] == comments[12406] == comments[12407] == []
    assert comments[12402] == [f"<!-- recovery-bot:triage -->\n{RESOLVED_TEXT}"]
    assert len(comments[12403]) == len(comments[12404]) == 1
    assert "there is no account `carol-devv` on pypi.org" in comments[12403][0]
    assert "You mention that you still have recovery codes." in comments[12404][0]
    report = out.getvalue()
    assert "→ 08-edit-fixes-username: issues.edited #12402 → HTTP 202 queued" in report
    assert "#12403 'Account recovery request' by @carol" in report
