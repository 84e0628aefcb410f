"""``recovery-bot sandbox``: the real server against the packaged fakes, until Ctrl-C.

``demo`` posts every sample and exits; this keeps the same stack (``demo.sandbox_stack``)
running so a newcomer can post deliveries themselves and look at ``/healthz``,
``/metrics`` and the fake GitHub's state. It prints the URLs, the fake's token and a
ready ``curl`` line that posts a signed sample delivery (the sample's JSON is written to
a temporary folder, since a signature covers exact bytes). Nothing leaves 127.0.0.1
unless ``--host`` says otherwise.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shlex
import signal
import sys
import tempfile
import uuid
from pathlib import Path
from typing import Any, TextIO

#: The sample the printed ``curl`` line posts: a username that does not exist on PyPI,
#: so the bot's answer is visible (labels and a comment).
CURL_SAMPLE = "03-username-not-found"


def curl_line(url: str, secret: str, body_file: Path, body: bytes, event: str = "issues") -> str:
    """A shell line that posts ``body_file`` (holding exactly ``body``) as a signed
    delivery."""
    from recovery_bot.demo import signed_headers

    headers = signed_headers(secret, body, event, delivery=str(uuid.uuid4()))
    parts = ["curl", "-sS", "-X", "POST", f"{url}/webhook"]
    for name in ("Content-Type", "X-GitHub-Event", "X-GitHub-Delivery", "X-Hub-Signature-256"):
        parts += ["-H", f"{name}: {headers[name]}"]
    parts += ["--data-binary", f"@{body_file}"]
    return shlex.join(parts)


async def serve_sandbox(
    config: Any,
    folder: Path,
    workdir: Path,
    out: TextIO,
    *,
    host: str,
    port: int,
    stop: asyncio.Event | None = None,
) -> None:
    """Run until ``stop`` is set (SIGINT/SIGTERM set it when run from the command)."""
    from recovery_bot.demo import REPO, load_samples, sandbox_stack, seed_issue

    samples, users = load_samples(folder)
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        async with sandbox_stack(
            config,
            str(workdir / "journal.sqlite3"),
            users,
            host=host,
            port=port,
            token="sandbox",
        ) as stack:
            seeded = []
            for _, payload in samples:
                if payload.get("action") == "opened":
                    seed_issue(stack.github, payload)
                    seeded.append(f"#{payload['issue']['number']}")
            chosen = dict(samples).get(CURL_SAMPLE) or samples[0][1]
            body = json.dumps(chosen).encode()
            body_file = workdir / "delivery.json"
            body_file.write_bytes(body)
            number = chosen["issue"]["number"]
            gh = stack.github.url
            lines = [
                "recovery-bot sandbox: the real server against local stand-ins of GitHub and PyPI",
                f"  bot:    {stack.url}  (POST /webhook, GET /healthz, GET /metrics)",
                f"  GitHub: {gh}  (fake; token 'sandbox'; {REPO} issues {' '.join(seeded)})",
                f"  PyPI:   {stack.pypi.url}  (fake; users {', '.join(sorted(users))})",
                f"  journal: {stack.db_path}; webhook secret: {stack.secret}",
                f"Post a signed sample delivery (issues.opened #{number}):",
                curl_line(stack.url, stack.secret, body_file, body),
                "Then see what the bot did:",
                shlex.join(
                    [
                        "curl",
                        "-sS",
                        "-H",
                        "Authorization: token sandbox",
                        f"{gh}/repos/{REPO}/issues/{number}/comments",
                    ]
                ),
                "Ctrl-C stops it.",
            ]
            for line in lines:
                print(line, file=out, flush=True)
            await stop.wait()
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
    print("recovery-bot sandbox: stopped", file=out, flush=True)


def cmd_sandbox(args: argparse.Namespace) -> int:
    from recovery_bot.app import config_or_default
    from recovery_bot.demo import default_fixtures

    config = config_or_default(args.config)
    folder = Path(args.fixtures) if args.fixtures else default_fixtures()
    with tempfile.TemporaryDirectory(prefix="recovery-bot-sandbox-") as tmp:
        asyncio.run(
            serve_sandbox(config, folder, Path(tmp), sys.stdout, host=args.host, port=args.port)
        )
    return 0


def add_commands(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "sandbox",
        help="run the real server against local fakes of GitHub and PyPI until Ctrl-C",
        description=(
            "Start the packaged fake GitHub and PyPI and the real webhook server on "
            "127.0.0.1; print the URLs and a curl line posting a signed sample delivery."
        ),
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on")
    p.add_argument("--port", type=int, default=8080, help="the bot's port (0: any free one)")
    p.add_argument("--config", default=None, help="app.yaml (default: ./app.yaml or built-in)")
    p.add_argument("--fixtures", default=None, help="folder of sample deliveries")
    from recovery_bot.platform.logs import add_log_format

    add_log_format(p)
    p.set_defaults(func=cmd_sandbox)
