"""Prometheus metrics of one engine process (a worker or the intake service).

Counters and histograms are incremented where things happen (the executor, the trigger, the
intake, side effects, the AI node) through the small functions below, so the code that does the
work names what it observed in one line and never touches ``prometheus_client`` itself. What
is a state of the whole system rather than of this process — executions by status, approvals
waiting, breaker states, mailbox health — is read from the store at scrape time by
``StoreCollector`` (cheap count queries, cached for ``metrics_cache_seconds``).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from prometheus_client import Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from engine.models import ApprovalStatus
from engine.store.base import Store, StoreError

log = logging.getLogger(__name__)

EXECUTIONS_FINISHED = Counter(
    "mailroom_executions_finished",
    "Executions this process brought to an end, by final status.",
    ["status"],
)
NODE_DURATION_SECONDS = Histogram(
    "mailroom_node_duration_seconds",
    "Wall-clock time of one node run (retries included), by node type and outcome.",
    ["node_type", "outcome"],
    buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
)
EMAILS_INGESTED = Counter(
    "mailroom_emails_ingested",
    "Messages this process took in, by source and outcome (ingested, duplicate, quarantined).",
    ["source", "outcome"],
)
PROVIDER_CALLS = Counter(
    "mailroom_provider_calls",
    "Calls to outside providers: AI (classify, draft), email senders and notifiers.",
    ["kind", "provider", "operation", "outcome"],
)
ERRORS = Counter(
    "mailroom_errors",
    "Errors, by where they happened (node, poll, intake, or the logger of an ERROR record).",
    ["component"],
)
INTAKE_REQUESTS = Counter(
    "mailroom_intake_requests",
    "Requests to the intake service, by route and HTTP status.",
    ["route", "status"],
)
GUARD_HOLDS = Counter(
    "mailroom_guard_rail_holds",
    "Emails the guard rails sent to a person, by reason kind.",
    ["reason"],
)


_MUTED: ContextVar[bool] = ContextVar("telemetry_muted", default=False)
# The histogram's child per (node type, outcome); a lost race only makes labels() run twice.
_NODE_DURATION_CHILDREN: dict[tuple[str, str], Histogram] = {}


@contextmanager
def muted() -> Iterator[None]:
    """Count nothing of what runs in this context (node threads started from it included, as
    they run in a copy of it): a dry run's executions, nodes and sends did not happen."""
    token = _MUTED.set(True)
    try:
        yield
    finally:
        _MUTED.reset(token)


def execution_finished(status: str) -> None:
    if _MUTED.get():
        return
    EXECUTIONS_FINISHED.labels(status=str(status)).inc()


def node_finished(node_type: str, outcome: str, seconds: float) -> None:
    if _MUTED.get():
        return
    child = _NODE_DURATION_CHILDREN.get((node_type, outcome))
    if child is None:  # labels() takes a lock and builds a key each call: once per pair
        child = NODE_DURATION_SECONDS.labels(node_type=node_type, outcome=outcome)
        _NODE_DURATION_CHILDREN[(node_type, outcome)] = child
    child.observe(max(0.0, seconds))
    if outcome == "failed":
        ERRORS.labels(component="node").inc()


def emails_ingested(source: str, outcome: str, count: int = 1) -> None:
    if count:
        EMAILS_INGESTED.labels(source=source, outcome=outcome).inc(count)


def provider_call(kind: str, provider: str, operation: str, outcome: str) -> None:
    if _MUTED.get():
        return
    PROVIDER_CALLS.labels(kind=kind, provider=provider, operation=operation, outcome=outcome).inc()


def error(component: str) -> None:
    ERRORS.labels(component=component).inc()


def intake_request(route: str, status: int) -> None:
    INTAKE_REQUESTS.labels(route=route, status=str(status)).inc()


def guard_held(reasons: Iterable[str]) -> None:
    """Count one held email under each kind of reason ("tries to instruct the model", ...)."""
    if _MUTED.get():
        return
    for kind in dict.fromkeys(reason.split(":", 1)[0].strip() for reason in reasons):
        GUARD_HOLDS.labels(reason=kind[:60] or "flagged").inc()


class ErrorCountingHandler(logging.Handler):
    """Counts ERROR (and worse) log records in ``mailroom_errors_total{component=<logger>}``."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)

    def emit(self, record: logging.LogRecord) -> None:
        ERRORS.labels(component=record.name).inc()


@dataclass(frozen=True)
class BreakerReading:
    provider: str
    state: str  # closed, open, half_open
    failures: int


BREAKER_STATES = {"closed": 0.0, "half_open": 1.0, "open": 2.0}


def breaker_readings(
    store: Store, providers: Iterable[str], threshold: int, now: float | None = None
) -> list[BreakerReading]:
    """The shared circuit-breaker state of each remote AI provider, as the store holds it."""
    now = time.time() if now is None else now
    readings = []
    for name in providers:
        raw = store.get_cursor(f"ai-circuit:{name}")
        failures, open_until = 0, 0.0
        if raw:
            try:
                data = json.loads(raw)
                failures, open_until = int(data["failures"]), float(data["open_until"])
            except (ValueError, KeyError, TypeError):
                pass
        if open_until > now:
            state = "open"
        elif failures >= threshold and open_until:
            state = "half_open"  # the cool-down is over: the next call is the trial
        else:
            state = "closed"
        readings.append(BreakerReading(name, state, failures))
    return readings


class StoreCollector(Collector):
    """Gauges read from the store at scrape time, cached for ``cache_seconds``."""

    def __init__(
        self,
        store: Store,
        remote_ai_providers: Iterable[str] = (),
        breaker_threshold: int = 5,
        cache_seconds: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.remote_ai_providers = tuple(remote_ai_providers)
        self.breaker_threshold = breaker_threshold
        self.cache_seconds = cache_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._cached: list[Metric] | None = None
        self._cached_at = 0.0

    def collect(self) -> Iterator[Metric]:
        with self._lock:
            now = self._clock()
            if self._cached is None or now - self._cached_at >= self.cache_seconds:
                self._cached = self._read()
                self._cached_at = now
            yield from self._cached

    def _read(self) -> list[Metric]:
        up = GaugeMetricFamily(
            "mailroom_store_up", "1 when the last scrape could read the store, else 0."
        )
        try:
            by_status = self.store.count_executions_by_status()
            waiting = self.store.count_approvals(ApprovalStatus.PENDING)
            quarantined = self.store.count_quarantine()
            breakers = breaker_readings(
                self.store, self.remote_ai_providers, self.breaker_threshold
            )
            sources = self.store.list_source_health()
        except (StoreError, OSError) as exc:
            log.warning("metrics: cannot read the store: %s", type(exc).__name__)
            up.add_metric([], 0.0)
            return [up]
        up.add_metric([], 1.0)
        executions = GaugeMetricFamily(
            "mailroom_executions", "Executions in the store, by status.", labels=["status"]
        )
        for status, count in sorted(by_status.items()):
            executions.add_metric([str(status)], float(count))
        approvals = GaugeMetricFamily(
            "mailroom_approvals_waiting", "Drafts waiting for a person to decide."
        )
        approvals.add_metric([], float(waiting))
        quarantine = GaugeMetricFamily(
            "mailroom_quarantined_messages", "Messages kept in quarantine with their reason."
        )
        quarantine.add_metric([], float(quarantined))
        breaker = GaugeMetricFamily(
            "mailroom_circuit_breaker_state",
            "Circuit breaker of each remote AI provider: 0 closed, 1 half-open, 2 open.",
            labels=["provider"],
        )
        breaker_failures = GaugeMetricFamily(
            "mailroom_circuit_breaker_failures",
            "Consecutive failures counted by each remote AI provider's breaker.",
            labels=["provider"],
        )
        for reading in breakers:
            breaker.add_metric([reading.provider], BREAKER_STATES[reading.state])
            breaker_failures.add_metric([reading.provider], float(reading.failures))
        errors = GaugeMetricFamily(
            "mailroom_mailbox_consecutive_errors",
            "Failed polls in a row of each mailbox.",
            labels=["source", "mailbox"],
        )
        lag = GaugeMetricFamily(
            "mailroom_mailbox_lag_seconds",
            "Age of the newest message at the last successful poll of each mailbox.",
            labels=["source", "mailbox"],
        )
        for health in sources:
            errors.add_metric([health.source, health.mailbox], float(health.consecutive_errors))
            lag.add_metric([health.source, health.mailbox], float(health.lag_seconds or 0.0))
        return [up, executions, approvals, quarantine, breaker, breaker_failures, errors, lag]


__all__ = [
    "BreakerReading",
    "ErrorCountingHandler",
    "StoreCollector",
    "breaker_readings",
    "emails_ingested",
    "error",
    "execution_finished",
    "guard_held",
    "intake_request",
    "node_finished",
    "provider_call",
]
