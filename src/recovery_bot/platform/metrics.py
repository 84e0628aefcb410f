"""Prometheus metrics, in one registry of the bot's own (not the global default one) so
that several apps in one test process do not collide, and /metrics shows only ours."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

REGISTRY = CollectorRegistry(auto_describe=True)

DELIVERIES = Counter(
    "recovery_bot_deliveries_total",
    "Webhook deliveries by event and outcome",
    ["event", "outcome"],
    registry=REGISTRY,
)
PROCESSING_SECONDS = Histogram(
    "recovery_bot_processing_seconds",
    "Time from a delivery's acceptance to its plan being applied",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
    registry=REGISTRY,
)
GITHUB_CALLS = Counter(
    "recovery_bot_github_calls_total",
    "GitHub API calls by method and status",
    ["method", "status"],
    registry=REGISTRY,
)
PYPI_LOOKUPS = Counter(
    "recovery_bot_pypi_lookups_total",
    "PyPI user lookups by outcome (found, not_found, unknown, invalid)",
    ["outcome"],
    registry=REGISTRY,
)
PYPI_CACHE_HITS = Counter(
    "recovery_bot_pypi_cache_hits_total",
    "PyPI user lookups answered from the cache or a shared in-flight request",
    ["kind"],
    registry=REGISTRY,
)
QUEUE_DEPTH = Gauge(
    "recovery_bot_queue_depth",
    "Deliveries accepted but not yet done",
    registry=REGISTRY,
)
