"""README's first command: ``recovery-bot demo`` runs the bot end to end on the sample
deliveries in fixtures/deliveries and reports what it did to each issue."""

from __future__ import annotations

import io
from pathlib import Path

from recovery_bot.app import parse_config
from recovery_bot.demo import default_fixtures, run

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
    assert comments[12406] == comments[12407] == []
    # The demo sweeps its backlog first, so every answer shows the reporter's place.
    queue = (
        "\n\n<!-- recovery-bot:queue bucket=10 -->\nThere are between 1 and 10 open "
        "account-recovery requests ahead of yours; recently the first reply came after "
        "about 5 days."
    )
    tag = "<!-- recovery-bot:triage -->\n"
    for n in (12401, 12402, 12403, 12404, 12405):
        [text] = comments[n]
        assert text.startswith(tag) and text.endswith(queue), n
    assert comments[12401][0].startswith(
        tag + "Thanks for your account recovery request: it has what the PyPI team needs to "
        "start.\n\n**What happens next.** When the PyPI admins reach your request"
    )
    # The edit replaced the address in the username field: the same comment, edited.
    assert (
        "**What happens next.** You lost access to the account's e-mail address."
        in (comments[12402][0])
    )
    assert "there is no account `carol-devv` on pypi.org" in comments[12403][0]
    assert "**You mention that you still have recovery codes.**" in comments[12404][0]
    assert "sandbox: swept the backlog: 7 requests waiting, typical first reply 5 days" in (
        out.getvalue()
    )
    report = out.getvalue()
    assert "→ 08-edit-fixes-username: issues.edited #12402 → HTTP 202 queued" in report
    assert "#12403 'Account recovery request' by @carol" in report
