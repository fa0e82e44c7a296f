"""Metrics: rollups for the charts, replies sent, workers alive, the status summary."""

from __future__ import annotations

from collections.abc import Sequence
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
    CATEGORY_KEYED,
    GUARD_HELD,
    NEEDS_REVIEW,
    NODE_LATENCY_HISTOGRAM,
    SLA,
    by_category,
    histogram_percentiles,
    split_category_key,
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
class SlaCompliance:
    """Replies sent by their due time (``met``) or after it (``breached``), and drafts still
    waiting whose due time has passed (``open_overdue``: a breach already). Drafts waiting and
    not yet due are not counted: they may still meet it."""

    met: int
    breached: int
    open_overdue: int

    @property
    def counted(self) -> int:
        return self.met + self.breached + self.open_overdue

    @property
    def rate(self) -> float | None:
        """The share met, or None when nothing counts."""
        return self.met / self.counted if self.counted else None


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
        self,
        actor: Actor,
        metric: str,
        since: datetime,
        until: datetime | None = None,
        categories: Sequence[str] = (),
    ) -> list[RollupRow]:
        """The hourly rows of ``metric`` in ``[since, until)``; with ``categories``, only what
        emails of those categories account for (from the rollups split by category, so rows
        written before that split existed are not included)."""
        return self._rows(metric, since, until, categories)

    def _rows(
        self, metric: str, since: datetime, until: datetime | None, categories: Sequence[str]
    ) -> list[RollupRow]:
        if not categories:
            return self.store.query_rollups(metric, since, until)
        wanted = set(categories)
        if metric in CATEGORY_KEYED:
            return [r for r in self.store.query_rollups(metric, since, until) if r.key in wanted]
        merged: dict[tuple[datetime, str], RollupRow] = {}
        for row in self.store.query_rollups(by_category(metric), since, until):
            category, key = split_category_key(row.key)
            if category not in wanted:
                continue
            found = merged.get((row.bucket, key))
            if found is None:
                merged[(row.bucket, key)] = row.model_copy(update={"metric": metric, "key": key})
            else:
                found.count += row.count
                found.total += row.total
        return list(merged.values())

    @requires("view_metrics")
    def sla_compliance(
        self,
        actor: Actor,
        since: datetime,
        until: datetime,
        categories: Sequence[str] = (),
    ) -> SlaCompliance:
        """SLA compliance in ``[since, until)``: replies sent in it by their due time or late
        (from the rollups), and drafts still waiting whose due time in it has passed."""
        sent: dict[str, int] = {}
        for row in self._rows(SLA, since, until, categories):
            sent[row.key] = sent.get(row.key, 0) + row.count
        now = self.clock()
        wanted = set(categories)
        pending = self.store.list_approvals(
            ApprovalStatus.PENDING, limit=self.store.count_approvals(ApprovalStatus.PENDING)
        )
        overdue = sum(
            1
            for approval in pending
            if approval.due_at is not None
            and since <= approval.due_at < until
            and approval.due_at <= now
            and (not wanted or approval.classification.category in wanted)
        )
        return SlaCompliance(
            met=sent.get("met", 0), breached=sent.get("breached", 0), open_overdue=overdue
        )

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
        self,
        actor: Actor,
        since: datetime,
        until: datetime | None = None,
        categories: Sequence[str] = (),
    ) -> list[NodeLatency]:
        """Each node's runs, p50 and p95 processing time in ``[since, until)``, slowest p95
        first, read from the hourly latency histograms (never from the executions); with
        ``categories``, runs for emails of those categories only (a node that ran before the
        email was classified counts as uncategorised)."""
        counts: dict[str, int] = {}
        for row in self._rows(NODE_LATENCY_HISTOGRAM, since, until, categories):
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
