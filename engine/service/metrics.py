"""Metrics: rollups for the charts, replies sent, workers alive, the status summary."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from engine.models import (
    FINAL_EXECUTION_STATUSES,
    ApprovalStatus,
    ExecutionStatus,
    OutboxKind,
    OutboxMessage,
    OutboxStatus,
    RollupRow,
    WorkerInfo,
)
from engine.roles import Actor
from engine.rollups import (
    GUARD_HELD,
    NEEDS_REVIEW,
    NODE_LATENCY_HISTOGRAM,
    histogram_percentiles,
    split_histogram_key,
)
from engine.service.core import ServiceCore
from engine.service.permissions import requires, unrestricted


@dataclass(frozen=True)
class NodeLatency:
    """A node's processing time over a period, from the latency histogram rollups."""

    node_id: str
    runs: int
    p50_ms: float | None
    p95_ms: float | None


@dataclass(frozen=True)
class HeldForPerson:
    """Emails the guard rails held for a person, and how many for each kind of reason (an email
    held for two kinds of reason counts in both)."""

    emails: int
    by_reason: dict[str, int] = field(default_factory=dict)


#: The start of "all time" for the status summary's counts.
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class MetricsOperations(ServiceCore):
    """Metrics operations of the service."""

    @requires("view")
    def sent_replies(self, actor: Actor, limit: int = 100) -> list[OutboxMessage]:
        return self.store.list_outbox(OutboxKind.REPLY, limit=limit)

    @requires("view_metrics")
    def rollups(
        self, actor: Actor, metric: str, since: datetime, until: datetime | None = None
    ) -> list[RollupRow]:
        return self.store.query_rollups(metric, since, until)

    @unrestricted("a page warns everyone, signed in or not, when no worker is alive")
    def live_workers(self, within_seconds: float = 30.0) -> list[WorkerInfo]:
        """Workers whose heartbeat is recent; pages warn when there is none."""
        return self.store.list_workers(alive_since=self.clock() - timedelta(seconds=within_seconds))

    @unrestricted("the command line, run by whoever can read the database")
    def status_summary(self) -> dict[str, Any]:
        """Counts for ``python -m engine status``: emails, executions, approvals, replies."""
        by_status = self.store.count_executions_by_status()
        return {
            "emails": self.store.count_emails(),
            "executions": {
                status.value: by_status.get(status.value, 0) for status in ExecutionStatus
            },
            "executions_total": sum(by_status.values()),
            "executions_finished": sum(by_status.get(s.value, 0) for s in FINAL_EXECUTION_STATUSES),
            "approvals_pending": self.store.count_approvals(ApprovalStatus.PENDING),
            "replies_sent": self.store.count_outbox(OutboxKind.REPLY, OutboxStatus.SENT),
            "notifications_sent": self.store.count_outbox(
                OutboxKind.NOTIFICATION, OutboxStatus.SENT
            ),
            "workers_alive": len(self.live_workers()),
            "held_for_person": asdict(self._held_for_person(EPOCH, None)),
        }

    @requires("view_metrics")
    def held_for_person_counts(
        self, actor: Actor, since: datetime, until: datetime | None = None
    ) -> HeldForPerson:
        """Emails classified in ``[since, until)`` that the guard rails held for a person (low
        confidence, an angry customer, a prompt injection, no valid model output), from the
        rollups written as each email is classified."""
        return self._held_for_person(since, until)

    def _held_for_person(self, since: datetime, until: datetime | None) -> HeldForPerson:
        emails = sum(row.count for row in self.store.query_rollups(NEEDS_REVIEW, since, until))
        by_reason: dict[str, int] = {}
        for row in self.store.query_rollups(GUARD_HELD, since, until):
            by_reason[row.key] = by_reason.get(row.key, 0) + row.count
        return HeldForPerson(emails=emails, by_reason=dict(sorted(by_reason.items())))

    @requires("view_metrics")
    def node_latency(
        self, actor: Actor, since: datetime, until: datetime | None = None
    ) -> list[NodeLatency]:
        """Each node's runs, p50 and p95 processing time in ``[since, until)``, slowest p95
        first, read from the hourly latency histograms (never from the executions)."""
        counts: dict[str, int] = {}
        for row in self.store.query_rollups(NODE_LATENCY_HISTOGRAM, since, until):
            counts[row.key] = counts.get(row.key, 0) + row.count
        percentiles = histogram_percentiles(counts.items(), (50, 95))
        runs: dict[str, int] = {}
        for key, count in counts.items():
            node_id, _ = split_histogram_key(key)
            runs[node_id] = runs.get(node_id, 0) + count
        latencies = [
            NodeLatency(node_id=node_id, runs=runs[node_id], p50_ms=found[50], p95_ms=found[95])
            for node_id, found in percentiles.items()
        ]
        return sorted(latencies, key=lambda n: (-(n.p95_ms or 0.0), n.node_id))
