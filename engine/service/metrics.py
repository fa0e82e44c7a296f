"""Metrics: rollups for the charts, replies sent, workers alive, the status summary."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
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
        workers = self.live_workers()
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
            "workers_alive": len(workers),
            # Where they run: one entry per host, with the worker processes alive there.
            "workers_by_host": {
                host: sorted(w.pid for w in workers if w.hostname == host)
                for host in sorted({w.hostname for w in workers})
            },
        }

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
