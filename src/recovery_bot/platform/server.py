"""The aiohttp webhook server: verify, journal, answer 202, then work in the background.

Flow of one delivery (see DESIGN.md):
    POST /webhook → size limit (413) → signature (401) → headers (400) → JSON (400)
    → ping 200 / irrelevant event 202-ignored → journal insert (SQLite, WAL) → 202
    → dispatcher claims it from the journal → a worker runs it under the issue's lock
    → plan applied → journal: done.
The journal is the queue: the dispatcher is the only reader, so a delivery is never
run twice at once, and whatever was not done when the process died (even ``kill -9``)
is claimed again at the next start. Failures are retried with backoff from the journal.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gc
import hmac
import json
import logging
import os
import random
import time
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import gidgethub
import orjson
from aiohttp import web
from cachetools import LRUCache
from gidgethub import routing, sansio
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from recovery_bot.core.config import AppConfig
from recovery_bot.core.errors import ConfigError
from recovery_bot.platform import metrics
from recovery_bot.platform.applier import TriageOutcome
from recovery_bot.platform.github import (
    GitHubUnavailable,
    auth_from_env,
    webhook_signature,
)
from recovery_bot.platform.guards import ByteBudget, LogGate, shown
from recovery_bot.platform.health import GitHubHealth, GitHubProblem, assess
from recovery_bot.platform.journal import Delivery, Journal
from recovery_bot.platform.runtime import Runtime, open_runtime

log = logging.getLogger(__name__)

# Events and actions the bot acts on; everything else is answered 202 and dropped.
HANDLED: Mapping[str, frozenset[str]] = {
    "issues": frozenset({"opened", "reopened", "edited", "labeled"}),
    "issue_comment": frozenset({"created", "edited"}),
}


def screen(
    event_name: str, data: Mapping[str, Any], repositories: frozenset[str]
) -> tuple[str, str] | None:
    """Why an event is no work for the bot: ``("ignored" | "bad_request", reason)``, or
    ``None`` to go ahead. ``repositories`` are casefolded. Shared by the webhook and the
    Actions mode (``recovery-bot action``), so both drop exactly the same events."""
    action = data.get("action")
    if not isinstance(action, str) or action not in HANDLED.get(event_name, ()):
        return "ignored", f"{event_name}.{shown(str(action))} is not handled"
    repo = (data.get("repository") or {}).get("full_name")
    if not isinstance(repo, str) or repo.casefold() not in repositories:
        return "ignored", "repository not configured"
    if not isinstance(data.get("issue"), dict) or "number" not in data["issue"]:
        return "bad_request", "payload has no issue"
    return None


#: The periodic jobs a running bot starts beside its workers: ``(name, coroutine)`` pairs
#: built for one Bot. Which jobs exist is composition (``app.scheduled_jobs``).
Jobs = Callable[["Bot"], list[tuple[str, Any]]]


@dataclass
class Settings:
    """Runtime settings that come from the environment, not app.yaml."""

    webhook_secret: str = ""
    github_api_url: str = "https://api.github.com"
    pypi_url: str = "https://pypi.org"
    db_path: str = "recovery-bot.sqlite3"
    sandbox: bool = False
    auth: Any = None

    @classmethod
    def from_env(
        cls, env: Mapping[str, str], *, sandbox: bool = False, require_secret: bool = True
    ) -> Settings:
        """Read the environment; ``require_secret=False`` for commands that receive no
        webhooks (``sweep``, ``sla``, ``digest``) and only need credentials and URLs."""
        secret = env.get("GITHUB_WEBHOOK_SECRET", "")
        if require_secret and not secret and not sandbox:
            raise ConfigError(
                "environment",
                "GITHUB_WEBHOOK_SECRET",
                "is required: without it anyone could send the bot forged events",
            )
        auth = auth_from_env(env)
        if auth is None and not sandbox:
            raise ConfigError(
                "environment",
                "GITHUB_TOKEN",
                "no GitHub credentials: set GITHUB_TOKEN, or GITHUB_APP_ID with "
                "GITHUB_PRIVATE_KEY or GITHUB_PRIVATE_KEY_PATH",
            )
        return cls(
            webhook_secret=secret,
            github_api_url=env.get("GITHUB_API_URL") or "https://api.github.com",
            pypi_url=env.get("PYPI_URL") or "https://pypi.org",
            db_path=env.get("RECOVERY_BOT_DB") or "recovery-bot.sqlite3",
            sandbox=sandbox,
            auth=auth,
        )


def loads(text: bytes) -> Any:
    """``json.loads``, through orjson first.

    Why: parsing is the largest step of acknowledging a delivery after the journal write
    (measured on a 3.3 KB ``issues`` payload: 20 us with json, 7 us with orjson). What
    orjson refuses (NaN, a byte-order mark, lone surrogates) goes to the standard library,
    which gives the verdict, so what is accepted is exactly what json accepts. One value
    differs: an integer beyond 64 bits becomes a float (GitHub's ids are far below that).
    """
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


MALFORMED = "malformed payload"


def parse_payload(content_type: str, raw: bytes) -> tuple[dict[str, Any], bytes]:
    """The delivery's JSON object and its JSON text, which is what the journal keeps
    (GitHub sends JSON, or a form whose ``payload`` field holds the JSON).

    Parsed here rather than by ``gidgethub.sansio.Event.from_http`` so a malformed body
    is a clear 400 (gidgethub answers some of these with 415 or a bare KeyError). Every
    refusal says "malformed payload" and why in our words, never the parser's: a JSON
    text nested 100,000 deep makes the standard library raise ``RecursionError``, and a
    5,000-digit number a ``ValueError`` about ``sys.set_int_max_str_digits``.
    """
    text = raw
    if content_type.split(";")[0].strip().lower() == "application/x-www-form-urlencoded":
        from urllib.parse import parse_qs

        fields = parse_qs(raw.decode("utf-8", "replace"))
        if "payload" not in fields:
            raise ValueError(f"{MALFORMED}: form-encoded delivery has no payload field")
        text = fields["payload"][0].encode()
    try:
        data = loads(text)
    except (ValueError, RecursionError):  # JSONDecodeError and UnicodeDecodeError included
        raise ValueError(f"{MALFORMED}: body is not valid JSON") from None
    if not isinstance(data, dict):
        raise ValueError(f"{MALFORMED}: payload must be a JSON object")
    return data, text


MAX_DELIVERY_ID_CHARS = 128
_SQLITE_INT_MAX = 2**63 - 1


def journal_fields(
    delivery_id: str, event: str, data: dict[str, Any], text: bytes
) -> tuple[str, str, str | None, str | None, int | None, bytes]:
    """The row ``Journal.record`` stores for one delivery, checked *before* it joins a
    group commit: a value SQLite cannot store (an issue number of 2**63 raised
    ``OverflowError`` inside the batch and failed every delivery committed with it)
    is refused with a 400 for its own delivery only. Raises ``ValueError``."""
    if len(delivery_id) > MAX_DELIVERY_ID_CHARS or not delivery_id.isprintable():
        raise ValueError(
            f"{MALFORMED}: X-GitHub-Delivery must be at most {MAX_DELIVERY_ID_CHARS} "
            "printable characters"
        )
    issue = data.get("issue")
    number = issue.get("number") if isinstance(issue, dict) else None
    # type() is int: True is an int to isinstance, and no issue is number True.
    if type(number) is not int or not 0 < number <= _SQLITE_INT_MAX:
        raise ValueError(f"{MALFORMED}: issue.number must be a positive 64-bit integer")
    repo = (data.get("repository") or {}).get("full_name")
    action = data.get("action")
    return delivery_id, event, action, repo, number, text


def valid_signature(secret: str | bytes, body: bytes, header: str | None) -> bool:
    """Constant-time check of ``X-Hub-Signature-256`` (sha256 only; sha1 is refused)."""
    if not header or not header.startswith("sha256="):
        return False
    return hmac.compare_digest(webhook_signature(secret, body), header.strip())


@dataclass
class DeliveryContext:
    """Per-delivery state handed to router callbacks (the server's Bot, or in the
    Actions mode a plain Runtime: handlers use only the Runtime's parts)."""

    bot: Runtime
    delivery: Delivery
    first_attempt: bool
    installation_id: int | None
    outcome: TriageOutcome | None = None
    # True when this delivery may have run before (a retry, or claimed again after a
    # restart): handlers must then not trust the payload's view of what exists.
    resumed: bool = False
    _gh: Any = None

    async def github(self) -> Any:
        if self._gh is None:
            self._gh = await self.bot.factory.for_installation(self.installation_id)
        return self._gh


class GroupCommit:
    """Journals deliveries in groups: every one that arrives in the same event-loop turn
    shares one SQLite transaction, so a burst of 64 costs one commit, not 64. Each
    caller still gets its verdict only after its own row is committed.

    One row must not sink the others: when the shared transaction fails, each row is
    tried again in a transaction of its own, so only the row (or rows) at fault gets
    the error. On a full disk they all fail, one by one, and each caller answers 503.
    """

    def __init__(self, journal: Journal) -> None:
        self._journal = journal
        self._pending: list[tuple[tuple[Any, ...], asyncio.Future[str]]] = []

    async def record(self, item: tuple[Any, ...]) -> str:
        """``Journal.record`` for one item, committed with the others of this turn."""
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[str] = loop.create_future()
        self._pending.append((item, fut))
        if len(self._pending) == 1:
            loop.call_soon(self._flush)
        return await fut

    def _flush(self) -> None:
        batch, self._pending = self._pending, []
        try:
            results = self._journal.record_many([item for item, _ in batch])
        except Exception as exc:
            if len(batch) == 1:
                log.error(
                    "journal write failed for delivery %s: %s", shown(str(batch[0][0][0])), exc
                )
                _settle(batch[0][1], exc=exc)
                return
            log.error(
                "journal write failed for a group of %d deliveries (%s); recording them one by one",
                len(batch),
                exc,
            )
            for item, fut in batch:
                try:
                    (verdict,) = self._journal.record_many([item])
                except Exception as one:
                    log.error("journal write failed for delivery %s: %s", shown(str(item[0])), one)
                    _settle(fut, exc=one)
                else:
                    _settle(fut, result=verdict)
            return
        for (_, fut), verdict in zip(batch, results, strict=True):
            _settle(fut, result=verdict)


def _settle(
    fut: asyncio.Future[str], *, result: str = "", exc: BaseException | None = None
) -> None:
    if fut.done():  # its request was cancelled (the client went away)
        return
    if exc is not None:
        fut.set_exception(exc)
    else:
        fut.set_result(result)


@dataclass(kw_only=True)
class Bot(Runtime):
    """The server's Runtime: the clients (``runtime.Runtime``) plus journal and workers."""

    journal: Journal
    #: The features' routers composed into one (``app.compose_router``); none by default.
    router: routing.Router = field(default_factory=routing.Router)
    run_jobs: bool = True  # periodic jobs (redelivery, sweep, digest); tests turn them off
    jobs: Jobs | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        # Looked up on every delivery: prepared once.
        self.secret = self.settings.webhook_secret.encode()
        self.repositories = frozenset(r.casefold() for r in self.config.repositories)
        self.dry_run = self.dry_run or self.config.bot.dry_run
        self._queue: asyncio.Queue[Delivery] = asyncio.Queue(maxsize=self.config.server.workers * 4)
        self._wake = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()
        self._locks: dict[tuple[str, int], asyncio.Lock] = {}
        self._lock_users: dict[tuple[str, int], int] = {}
        self._recorded_here: LRUCache[str, bool] = LRUCache(maxsize=100_000)
        self._touched: LRUCache[tuple[str, int], bool] = LRUCache(maxsize=100_000)
        self._in_flight = 0
        self._depth_at = 0.0
        self._last_intake = 0.0
        self._group_commit = GroupCommit(self.journal)
        self._core: dict[str, asyncio.Task[None]] = {}  # dispatcher and workers
        # Deliveries whose worker could not record how they ended (journal unwritable):
        # the dispatcher makes them claimable again once the journal takes writes.
        self._parked: dict[str, Delivery] = {}
        self.github_health = GitHubHealth()
        self.unverified = ByteBudget(self.config.server.max_unverified_bytes)
        self.bad_signature_log = LogGate(BAD_SIGNATURE_LOG_INTERVAL)

    # --- intake ---------------------------------------------------------------------

    async def accept(
        self, delivery_id: str, event: str, payload: dict[str, Any], raw: bytes
    ) -> str:
        """Journal one delivery (durably, before the 202); returns the journal's verdict
        ("new", "duplicate_done", "duplicate_pending"). ``ValueError`` when a field
        cannot be stored (see ``journal_fields``); the journal's error when it failed."""
        return await self.accept_row(journal_fields(delivery_id, event, payload, raw))

    async def accept_row(
        self, row: tuple[str, str, str | None, str | None, int | None, bytes]
    ) -> str:
        """``accept`` for a row already checked by ``journal_fields``."""
        self._last_intake = time.monotonic()
        verdict = await self._group_commit.record(row)
        if verdict == "new":
            self._recorded_here[row[0]] = True
            self._wake.set()
        self._update_depth()
        return verdict

    async def _yield_to_intake(self) -> None:
        """Acknowledging deliveries comes before working on them (GitHub gives us 10 s
        to answer; the work itself can wait): while deliveries are streaming in, a worker
        waits for a quiet moment, but never more than 100 ms, so work goes on under
        sustained load too."""
        deadline = time.monotonic() + 0.1
        # A short poll, not an Event: "quiet for 2 ms" is a timing condition, not a signal.
        while time.monotonic() - self._last_intake < 0.002 and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.002)

    def _update_depth(self, *, force: bool = False) -> None:
        """Refresh the queue-depth gauge, at most every 0.5 s (it is a SQL count); /metrics
        forces it, so a scrape always matches /healthz. Never raises: it runs in the
        workers' cleanup, which must survive a broken journal."""
        now = time.monotonic()
        if not force and now - self._depth_at < 0.5:
            return
        self._depth_at = now
        try:
            metrics.QUEUE_DEPTH.set(sum(self.journal.open_counts().values()))
        except Exception as exc:
            log.debug("queue depth not refreshed: %s", exc)

    # --- background work ------------------------------------------------------------

    def start(self) -> None:
        self._core["dispatcher"] = self._spawn(self._dispatcher(), "dispatcher")
        for i in range(self.config.server.workers):
            self._core[f"worker-{i}"] = self._spawn(self._worker(), f"worker-{i}")
        for name, coro in self._extra_tasks():
            self._spawn(coro, name)

    def dead_tasks(self) -> list[str]:
        """The dispatcher and workers that were started and are no longer running."""
        return [name for name, task in self._core.items() if task.done()]

    def _extra_tasks(self) -> list[tuple[str, Any]]:
        tasks: list[tuple[str, Any]] = []
        if not self.run_jobs:
            return tasks
        if self.jobs is not None:
            tasks.extend(self.jobs(self))
        return tasks

    def _spawn(self, coro: Any, name: str) -> asyncio.Task[None]:
        task = asyncio.create_task(coro, name=name)
        self._tasks.add(task)

        def done(t: asyncio.Task[None]) -> None:
            self._tasks.discard(t)
            if not t.cancelled() and t.exception() is not None:
                log.error("background task %s died", name, exc_info=t.exception())

        task.add_done_callback(done)
        return task

    async def stop(self, timeout: float = 10.0) -> None:
        """Cancel the loops; a delivery cut off mid-way stays 'running' in the journal and
        is claimed again at the next start (the applier is idempotent)."""
        for t in list(self._tasks):
            t.cancel()
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=timeout)

    async def _dispatcher(self) -> None:
        """The journal's only reader of due rows. Outlives any journal error: logs it,
        backs off (0.5 s doubling to 30 s) and tries again, so work resumes by itself
        once the disk has room again."""
        # Retries become due in the journal without anyone waking us: poll for them.
        poll = min(1.0, self.config.server.retry_failed_after.total_seconds())
        failures = 0
        while True:
            self._wake.clear()
            try:
                self._requeue_parked()
                free = self._queue.maxsize - self._queue.qsize()
                rows = self.journal.claim_ready(limit=max(free, 0)) if free > 0 else []
            except Exception as exc:
                failures += 1
                wait = _journal_backoff(failures)
                log.error(
                    "dispatcher: journal unavailable (%s: %s); trying again in %.1fs",
                    type(exc).__name__,
                    exc,
                    wait,
                )
                await asyncio.sleep(wait)
                continue
            if failures:
                log.info("dispatcher: journal available again after %d failed tries", failures)
                failures = 0
            for row in rows:
                self._in_flight += 1
                await self._queue.put(row)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=poll if not rows else 0.05)

    def _requeue_parked(self) -> None:
        if not self._parked:
            return
        parked = list(self._parked)
        self.journal.requeue(parked)
        for delivery_id in parked:
            self._parked.pop(delivery_id, None)
        log.info("requeued %d deliveries whose end could not be recorded", len(parked))

    async def _worker(self) -> None:
        """Runs deliveries until cancelled, whatever they raise. A delivery whose end
        cannot be recorded (the journal refused the write) is parked for the dispatcher
        to requeue and the worker backs off before taking the next one."""
        failures = 0
        while True:
            d = await self._queue.get()
            try:
                await self._yield_to_intake()
                await self.run_delivery(d)
                failures = 0
            except Exception as exc:
                failures += 1
                log.error(
                    "delivery=%s could not be finished (%s: %s); it will run again once "
                    "the journal takes writes",
                    d.id,
                    type(exc).__name__,
                    exc,
                    exc_info=failures == 1,
                )
                self._park(d)
            finally:
                self._in_flight -= 1
                self._queue.task_done()
                self._update_depth()
                self._wake.set()
            if failures:
                await asyncio.sleep(_journal_backoff(failures))

    def _park(self, d: Delivery) -> None:
        self._parked[d.id] = d
        # Its effects may be on GitHub already: the next run must not trust the payload
        # (``resumed``), and the applier finds what was done by the comment's marker.
        self._recorded_here.pop(d.id, None)

    async def wait_idle(self, timeout: float = 30.0) -> None:
        """Wait until no delivery is pending, running or waiting for a retry (tests, demo)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self._wake.set()
            await asyncio.sleep(0.01)
            busy = sum(self.journal.open_counts().values())
            if busy == 0 and self._in_flight == 0 and not self._parked:
                return
        raise TimeoutError(f"deliveries still pending: {self.journal.counts()}")

    @contextlib.asynccontextmanager
    async def issue_lock(self, key: tuple[str, int] | None) -> AsyncIterator[None]:
        """Serialize all work on one issue (two racing deliveries must not both comment)."""
        if key is None:
            yield
            return
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._lock_users[key] = self._lock_users.get(key, 0) + 1
        try:
            async with lock:
                yield
        finally:
            self._lock_users[key] -= 1
            if self._lock_users[key] == 0:
                del self._lock_users[key]
                self._locks.pop(key, None)

    async def run_delivery(self, d: Delivery) -> None:
        """Run one claimed delivery and record how it ended. Raises only when the
        journal cannot record that (the worker then parks the delivery)."""
        started = time.perf_counter()
        key = (d.repo, d.issue_number) if d.repo and d.issue_number else None
        installation: int | None = None
        try:
            payload = loads(d.payload)
            event = sansio.Event(payload, event=d.event, delivery_id=d.id)
            installation = (payload.get("installation") or {}).get("id")
            async with self.issue_lock(key):
                # Decided under the lock: a delivery that waited for it may find the
                # issue touched by the one before.
                resumed = d.attempts > 0 or d.id not in self._recorded_here
                first = not resumed and key not in self._touched
                ctx = DeliveryContext(self, d, first, installation, resumed=resumed)
                await self.router.dispatch(event, self, ctx)
                if key is not None:
                    self._touched[key] = True
        except GitHubUnavailable as exc:
            self._fail(d, f"GitHub unavailable: {exc}", exc.retry_after)
            return
        except Exception as exc:
            status = github_refusal(exc)
            if status is not None:
                self._refused(d, status, exc, installation, started)
                return
            log.exception("delivery %s (%s) failed", d.id, d.event)
            self._fail(d, f"{type(exc).__name__}: {exc}", None)
            return
        outcome = ctx.outcome
        name = outcome.outcome if outcome else "ignored"
        if name == "pypi_unknown" and d.attempts + 1 < self.config.server.max_attempts:
            # PyPI did not answer: labels that do not depend on it are applied; try the
            # lookup again later instead of ever claiming "not found".
            self._fail(d, f"PyPI lookup unknown: {outcome.why if outcome else ''}", None)
            metrics.DELIVERIES.labels(d.event, "retry_pypi").inc()
            return
        if name in ("applied", "unchanged"):
            self.github_health.succeeded()
        self._done(d, name, outcome.why if outcome else "", started)

    def _done(self, d: Delivery, name: str, why: str, started: float) -> None:
        self.journal.mark_done(d.id, outcome=name)
        metrics.DELIVERIES.labels(d.event, name).inc()
        metrics.PROCESSING_SECONDS.observe(max(0.0, self.clock() - d.received_at))
        log.info(
            "delivery=%s event=%s.%s issue=%s outcome=%s why=%s took=%.1fms",
            d.id,
            d.event,
            d.action,
            d.issue_number,
            name,
            why,
            (time.perf_counter() - started) * 1000,
            extra={
                "delivery": d.id,
                "event": f"{d.event}.{d.action}",
                "issue": d.issue_number,
                "outcome": name,
            },
        )

    def _refused(
        self,
        d: Delivery,
        status: int,
        exc: Exception,
        installation: int | None,
        started: float,
    ) -> None:
        """GitHub answered a 4xx that repeating the request will not change.

        404/410: the issue (or what the delivery is about) is gone: done, ``gone``.
        401/403: the credentials or the App's permissions are refused: a problem of the
        whole bot that an operator can fix, so the delivery stays and is retried, but
        each failure is an error in the log and /healthz says "degraded" until a
        delivery succeeds. App mode also drops the cached installation token.
        Other 4xx (422, 400...): this request will never be accepted: done,
        ``rejected``, logged as an error and counted in /healthz.
        """
        message = shown(str(exc), 200)
        problem = GitHubProblem(status, message, d.id, self.clock())
        if status in (404, 410):
            self.github_health.refused(problem, permanent=True)
            self._done(d, "gone", f"GitHub answered {status}: {message}", started)
            return
        if status in (401, 403):
            self.github_health.refused(problem, permanent=False)
            forget = getattr(self.settings.auth, "forget", None)
            if installation is not None and callable(forget):
                forget(installation)
            log.error(
                "delivery=%s issue=%s: GitHub refused the bot's credentials or "
                "permissions (%d: %s)",
                d.id,
                d.issue_number,
                status,
                message,
            )
            self._fail(d, f"GitHub answered {status}: {message}", None)
            return
        self.github_health.refused(problem, permanent=True)
        log.error(
            "delivery=%s event=%s.%s issue=%s rejected by GitHub (%d: %s); not retried",
            d.id,
            d.event,
            d.action,
            d.issue_number,
            status,
            message,
        )
        self._done(d, "rejected", f"GitHub answered {status}: {message}", started)

    def _fail(self, d: Delivery, error: str, retry_after: float | None) -> None:
        attempts = d.attempts + 1
        if attempts >= self.config.server.max_attempts:
            log.error(
                "delivery=%s gave up after %d attempts: %s",
                d.id,
                attempts,
                error,
                extra={
                    "delivery": d.id,
                    "event": d.event,
                    "issue": d.issue_number,
                    "outcome": "gave_up",
                },
            )
            self.journal.mark_done(d.id, outcome="gave_up")
            metrics.DELIVERIES.labels(d.event, "gave_up").inc()
            return
        backoff = retry_delay(
            attempts,
            self.config.server.retry_failed_after.total_seconds(),
            retry_after=retry_after,
        )
        self.journal.mark_failed(d.id, error, retry_at=self.clock() + backoff)
        metrics.DELIVERIES.labels(d.event, "failed").inc()
        log.warning(
            "delivery=%s event=%s issue=%s failed (attempt %d), retry in %.0fs: %s",
            d.id,
            d.event,
            d.issue_number,
            attempts,
            backoff,
            error,
            extra={
                "delivery": d.id,
                "event": d.event,
                "issue": d.issue_number,
                "outcome": "failed",
            },
        )


RETRY_CAP_SECONDS = 6 * 3600


def retry_delay(
    attempts: int,
    first: float,
    *,
    retry_after: float | None = None,
    rng: Callable[[], float] = random.random,
) -> float:
    """Seconds until the next try of a delivery that failed ``attempts`` times.

    ``first`` (``server.retry_failed_after``, 10 s) doubles with each failure, with
    +-20% jitter so deliveries that failed together do not all come back together,
    capped at 6 h. Why seconds, not minutes: most failures are a one-second blip, and a
    reporter should not wait 5 minutes for it; a long outage still backs off to hours
    (20 attempts span about two days). ``retry_after`` (GitHub's Retry-After, or the
    wait for the write budget) is a floor.
    """
    delay = min(first * 2 ** min(attempts - 1, 40), RETRY_CAP_SECONDS) * (0.8 + 0.4 * rng())
    if retry_after is not None:
        delay = max(delay, retry_after)
    return delay


def _journal_backoff(failures: int) -> float:
    """The pause after the journal refused a write: 0.5 s, doubling, at most 30 s."""
    return min(30.0, 0.5 * 2 ** min(failures - 1, 10))


def github_refusal(exc: BaseException) -> int | None:
    """The HTTP status of a GitHub answer that repeating the request will not change
    (a 4xx), or None. Rate limits (429, ``RateLimitExceeded``) are not refusals: the
    client turns them into ``GitHubUnavailable`` with a wait."""
    if isinstance(exc, gidgethub.RateLimitExceeded):
        return None
    if not isinstance(
        exc,
        gidgethub.BadRequest | gidgethub.GraphQLAuthorizationFailure | gidgethub.BadGraphQLRequest,
    ):
        return None
    try:
        status = int(exc.status_code)
    except (TypeError, ValueError):
        return None
    return status if 400 <= status < 500 and status != 429 else None


# --- HTTP handlers --------------------------------------------------------------------

BOT_KEY = web.AppKey("bot", Bot)


# The 202 answers are constant: pre-encoded, they cost nothing to serialize per delivery.
_ACK_BODIES = {
    "new": b'{"status": "queued"}',
    "duplicate_done": b'{"status": "duplicate_done"}',
    "duplicate_pending": b'{"status": "duplicate_pending"}',
}


_ACK_HEADERS = {"Content-Type": "application/json"}


def _json(code: int, **body: Any) -> web.Response:
    return web.json_response(body, status=code)


@functools.lru_cache(maxsize=256)
def _counter(event: str, outcome: str) -> Any:
    return metrics.DELIVERIES.labels(event, outcome)


def _count(event: str, outcome: str) -> None:
    """Count a delivery. The labelled child is looked up once per (event, outcome) pair:
    ``labels()`` takes a lock and builds a key on each call. Event names reach here only
    from signed deliveries (a bad signature counts as "unknown"), so they are GitHub's."""
    _counter(event, outcome).inc()


BAD_SIGNATURE_LOG_INTERVAL = 10.0


async def webhook(request: web.Request) -> web.Response:
    bot = request.app[BOT_KEY]
    limit = bot.config.server.max_body_bytes
    declared = request.content_length
    if declared is not None and declared > limit:
        _count("unknown", "too_large")
        return _json(413, error=f"payload larger than {limit} bytes")
    # Reserved before one byte is read, released once the signature is checked: what
    # unauthenticated clients can make the server hold is bounded by the budget. A
    # body without Content-Length (chunked) may grow to the limit, so it reserves that.
    reserved = declared if declared is not None else limit
    if not bot.unverified.try_reserve(reserved):
        _count("unknown", "busy")
        return web.json_response(
            {"error": "too many unverified request bytes in flight; try again"},
            status=503,
            headers={"Retry-After": "1"},
        )
    try:
        try:
            raw = await request.read()
        except web.HTTPRequestEntityTooLarge:
            _count("unknown", "too_large")
            return _json(413, error=f"payload larger than {limit} bytes")
        headers = request.headers
        signed = valid_signature(bot.secret, raw, headers.get("X-Hub-Signature-256"))
    finally:
        bot.unverified.release(reserved)
    if not signed:
        _count("unknown", "bad_signature")
        held = bot.bad_signature_log.allow()
        if held is not None:
            log.warning(
                "rejected delivery %s: bad or missing signature%s",
                shown(headers.get("X-GitHub-Delivery")),
                f" ({held} more since the last such line)" if held else "",
            )
        return _json(401, error="bad or missing X-Hub-Signature-256")
    event_name = headers.get("X-GitHub-Event")
    delivery_id = headers.get("X-GitHub-Delivery")
    if not event_name or not delivery_id:
        _count("unknown", "bad_request")
        return _json(400, error="missing X-GitHub-Event or X-GitHub-Delivery header")
    try:
        data, text = parse_payload(headers.get("Content-Type", ""), raw)
    except ValueError as exc:
        _count(event_name, "bad_request")
        return _json(400, error=str(exc))
    if event_name == "ping":
        _count("ping", "pong")
        return _json(200, ok=True, zen=data.get("zen"))
    verdict = screen(event_name, data, bot.repositories)
    if verdict is not None:
        kind, reason = verdict
        _count(event_name, kind)
        if kind == "ignored":
            return _json(202, status="ignored", reason=reason)
        return _json(400, error=reason)
    try:
        row = journal_fields(delivery_id, event_name, data, text)
    except ValueError as exc:
        _count(event_name, "bad_request")
        return _json(400, error=str(exc))
    try:
        accepted = await bot.accept_row(row)
    except Exception:
        _count(event_name, "journal_error")
        return _json(503, error="could not record the delivery; please redeliver")
    _count(event_name, "accepted" if accepted == "new" else accepted)
    return web.Response(
        body=_ACK_BODIES.get(accepted) or json.dumps({"status": accepted}).encode(),
        status=202,
        headers=_ACK_HEADERS,
    )


async def healthz(request: web.Request) -> web.Response:
    """200 when deliveries can be journaled and worked on, 503 when not (see
    ``recovery_bot.platform.health``). The journal is probed with a one-row write on each call,
    so a full disk shows here even while no delivery arrives, and its end as soon as
    there is room again."""
    bot = request.app[BOT_KEY]
    journal_error = (
        None if bot.journal.probe_write() else (bot.journal.write_error or "write failed")
    )
    try:
        counts: dict[str, int] | None = bot.journal.counts()
    except Exception as exc:  # a corrupt file fails reads too
        counts = None
        journal_error = journal_error or f"cannot be read: {exc}"
    code, verdict = assess(
        journal_error=journal_error, dead_tasks=bot.dead_tasks(), github=bot.github_health
    )
    return _json(
        code,
        **verdict,
        mode="sandbox" if bot.settings.sandbox else type(bot.settings.auth).__name__,
        dry_run=bot.dry_run,
        journal=counts,
        repositories=list(bot.config.repositories),
    )


async def metrics_view(request: web.Request) -> web.Response:
    # Refreshed now: the gauge is otherwise updated at most every 0.5 s, and its last
    # update may have come just before the journal drained.
    request.app[BOT_KEY]._update_depth(force=True)
    body = generate_latest(metrics.REGISTRY)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


def create_app(
    config: AppConfig,
    settings: Settings,
    *,
    clock: Callable[[], float] = time.time,
    dry_run: bool = False,
    start_workers: bool = True,
    run_jobs: bool = True,
    github_options: Mapping[str, Any] | None = None,
    router: routing.Router | None = None,
    jobs: Jobs | None = None,
    journal: Journal | None = None,
) -> web.Application:
    """Build the aiohttp application; clients and workers start in its cleanup context.

    ``github_options`` go to ``GitHubFactory`` (tests shrink retry waits with them).
    ``router`` and ``jobs`` are the features (``app.create_app`` passes them): this module
    imports none. ``journal``: one opened already (``serve`` opens it before anything
    starts, so an unusable file is one line, not a traceback); else ``settings.db_path``
    is opened here. Either way the app closes it.
    """
    given = journal
    app = web.Application(client_max_size=config.server.max_body_bytes)
    app.router.add_post("/webhook", webhook)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics_view)

    async def lifecycle(app: web.Application) -> AsyncIterator[None]:
        # The journal first: if it cannot be opened, no client session is left unclosed.
        journal = given if given is not None else Journal(settings.db_path, clock=clock)
        try:
            async with open_runtime(
                config,
                settings,
                kind=Bot,
                github_options=github_options,
                journal=journal,
                clock=clock,
                dry_run=dry_run,
                run_jobs=run_jobs,
                jobs=jobs,
                router=router if router is not None else routing.Router(),
            ) as bot:
                app[BOT_KEY] = bot
                log.info(
                    "recovery-bot starting: repos=%s mode=%s dry_run=%s journal=%s",
                    ",".join(config.repositories),
                    "sandbox" if settings.sandbox else type(settings.auth).__name__,
                    bot.dry_run,
                    journal.counts(),
                )
                if start_workers:
                    bot.start()
                try:
                    yield
                finally:
                    await bot.stop()
        finally:
            journal.close()

    app.cleanup_ctx.append(lifecycle)
    return app


GC_GEN0_THRESHOLD = 10_000


def tune_gc() -> None:
    """Fewer, cheaper garbage collections for the long-running server (``serve``).

    Why: a delivery's parsed payload is a few hundred containers that live until its
    202, so the default generation-0 threshold (700 allocations) collects every couple
    of deliveries and walks everything in flight. Measured with gc callbacks under wrk
    on the ack path: 215 ms of 5 s in the collector with the defaults, 11 ms with
    generation 0 at 10,000. ``freeze()`` also keeps the objects made at start-up out of
    every later full collection. Payloads are freed by reference counting, not by the
    collector, so memory is not what this trades.
    """
    gc.freeze()
    gc.set_threshold(GC_GEN0_THRESHOLD, *gc.get_threshold()[1:])


def settings_from_environ(*, sandbox: bool = False) -> Settings:
    return Settings.from_env(os.environ, sandbox=sandbox)
