"""Periodic jobs the server runs beside the webhook workers: journal pruning (at
start-up, then hourly), the SLA sweep and the weekly digest. Each loop owns its own
timing and error handling; this module only composes them so ``server.Bot`` has one
place to ask."""

from __future__ import annotations

from typing import Any


def scheduled_tasks(bot: Any) -> list[tuple[str, Any]]:
    from recovery_bot.journal_upkeep import prune_loop

    # Journal housekeeping runs in every mode: it touches only the local file.
    tasks: list[tuple[str, Any]] = [("journal-prune", prune_loop(bot))]
    if bot.settings.sandbox:
        return tasks  # the demo drives everything itself
    if getattr(bot.config, "sla", None) is not None:
        from recovery_bot.sweep import sweep_loop

        tasks.append(("sla-sweep", sweep_loop(bot)))
    digest = getattr(bot.config, "digest", None)
    if digest is not None and digest.enabled:
        from recovery_bot.digest_post import digest_loop

        tasks.append(("digest", digest_loop(bot)))
    return tasks
