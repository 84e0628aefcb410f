"""The mandatory steps of acknowledging a delivery, one at a time, for bench_server.py.

What must happen before a 202, whatever else the bot does: read the body, verify the
signature, parse the JSON, and commit the delivery to the journal. Each step here uses
the bot's own function for it and nothing else (no metrics, no routing checks), so the
printed ratios show what each step costs next to the bare handler, and how close the
bot's real ack path comes to the cheapest ack that does the same work.

Run: python bench/floor_server.py PORT STEP DB, with STEP one of verify, parse, journal.
"""

import sys

from aiohttp import web

from recovery_bot.platform.journal import Journal
from recovery_bot.platform.server import GroupCommit, parse_payload, valid_signature

SECRET = b"bench-secret"
ACK = b'{"status": "queued"}'
port, step, db = int(sys.argv[1]), sys.argv[2], sys.argv[3]
assert step in ("verify", "parse", "journal"), step
commit = GroupCommit(Journal(db)) if step == "journal" else None


async def handle(request: web.Request) -> web.Response:
    raw = await request.read()
    if not valid_signature(SECRET, raw, request.headers.get("X-Hub-Signature-256")):
        return web.Response(status=401)
    if step != "verify":
        data, text = parse_payload(request.headers.get("Content-Type", ""), raw)
        if commit is not None:
            await commit.record(
                (
                    request.headers["X-GitHub-Delivery"],
                    "issues",
                    data.get("action"),
                    data["repository"]["full_name"],
                    data["issue"]["number"],
                    text,
                )
            )
    return web.Response(body=ACK, status=202, headers={"Content-Type": "application/json"})


app = web.Application(client_max_size=5 * 1024 * 1024)
app.router.add_post("/webhook", handle)
web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)
