"""Missed deliveries (App mode): GitHub never retries a failed delivery by itself.

On start and every ``github.redeliver_interval``, list the App's deliveries of the last
``github.redeliver_window`` (GitHub keeps 3 days), group attempts by GUID (a
redelivery keeps its GUID), and ask GitHub to redeliver every GUID of an event we handle
that has no successful attempt and that the journal has never seen. A GUID the journal
holds is already ours to finish, whatever its state, so it is never redelivered.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from recovery_bot.platform.github import parse_github_time

if TYPE_CHECKING:
    from recovery_bot.platform.server import Bot

log = logging.getLogger(__name__)

MAX_REDELIVERIES_PER_RUN = 50


def choose_redeliveries(
    deliveries: list[dict[str, Any]],
    known: dict[str, str],
    handled: dict[str, frozenset[str]],
    since: datetime,
) -> list[dict[str, Any]]:
    """Pure: which delivery attempts to redeliver (newest attempt of each failed GUID)."""
    ok: set[str] = set()
    latest: dict[str, dict[str, Any]] = {}
    for d in deliveries:
        try:
            when = parse_github_time(str(d.get("delivered_at")))
        except ValueError:
            continue
        if when < since:
            continue
        guid = str(d.get("guid") or "")
        if not guid:
            continue
        code = int(d.get("status_code") or 0)
        if d.get("status") == "OK" or 200 <= code < 300:
            ok.add(guid)
            continue
        if guid not in latest or parse_github_time(str(latest[guid]["delivered_at"])) < when:
            latest[guid] = d
    chosen = []
    for guid, d in latest.items():
        if guid in ok or guid in known:
            continue
        if d.get("action") not in handled.get(str(d.get("event")), frozenset()):
            continue
        chosen.append(d)
    chosen.sort(key=lambda d: str(d.get("delivered_at")))
    return chosen[:MAX_REDELIVERIES_PER_RUN]


async def redeliver_missed(bot: Bot, *, now: datetime | None = None) -> int:
    """One pass; returns how many redeliveries were requested."""
    from recovery_bot.platform.server import HANDLED

    now = now or datetime.now(UTC)
    since = now - bot.config.github.redeliver_window
    gh = bot.factory.app_client()
    seen: list[dict[str, Any]] = []
    async for d in gh.getiter("/app/hook/deliveries{?per_page}", {"per_page": 100}):
        seen.append(d)
        try:
            if parse_github_time(str(d.get("delivered_at"))) < since:
                break  # newest first: everything after this is older still
        except ValueError:
            continue
    known = bot.journal.known_guids(since.timestamp())
    todo = choose_redeliveries(seen, known, dict(HANDLED), since)
    for d in todo:
        if bot.dry_run:
            log.info("dry-run: would redeliver %s (%s.%s)", d["guid"], d["event"], d["action"])
            continue
        await gh.post(
            "/app/hook/deliveries/{delivery_id}/attempts",
            {"delivery_id": d["id"]},
            data=b"",
        )
        log.info(
            "asked GitHub to redeliver %s (%s.%s, status %s)",
            d["guid"],
            d["event"],
            d["action"],
            d.get("status_code"),
        )
    return len(todo)


async def redeliver_loop(bot: Bot) -> None:
    interval = bot.config.github.redeliver_interval.total_seconds()
    while True:
        try:
            await redeliver_missed(bot)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("missed-delivery sweep failed")
        await asyncio.sleep(interval)


__all__ = ["choose_redeliveries", "redeliver_loop", "redeliver_missed"]
