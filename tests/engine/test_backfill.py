"""Backfill: the execution metrics' rollups rebuilt from stored executions match the ones the
engine wrote as it ran, for closed hours only, by admins only."""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import pairwise

import pytest

from engine.adapters import ProviderSet
from engine.models import ExecutionStatus, RollupIncrement, utcnow
from engine.ops.backfill import REBUILT_METRICS, BackfillRefused, closed_range
from engine.rollups import hour_bucket
from engine.seed import DEFAULT_WORKFLOW_ID
from engine.service import Actor, MailroomService, PermissionDenied, Role
from engine.settings import Settings
from engine.store.base import Store
from engine.worker import Worker

ADMIN = Actor("root", Role.ADMIN)
MANAGER = Actor("maria", Role.MANAGER)
ANALYST = Actor("ann", Role.ANALYST)

Row = tuple[datetime, str, str, int, float]


def _rows(store: Store, since: datetime) -> list[Row]:
    return [
        (r.bucket, r.metric, r.key, r.count, round(r.total, 6))
        for metric in REBUILT_METRICS
        for r in store.query_rollups(metric, since)
    ]


@pytest.fixture
def history(store: Store, providers: ProviderSet, settings: Settings) -> list[Row]:
    """Real executions: two answered through approvals, one rejected, one cancelled while
    pending; returns the rollups the engine wrote for the rebuilt metrics."""
    service = MailroomService(store)
    worker = Worker(store, providers, settings)
    list(service.import_emails(ADMIN, providers, DEFAULT_WORKFLOW_ID, 4))
    pending = store.list_executions(statuses=[ExecutionStatus.PENDING])
    service.cancel(ADMIN, pending[0].execution_id)
    worker.run_pending()
    queue = service.approval_queue(ADMIN)
    assert len(queue) == 3
    service.approve(ADMIN, queue[0].approval_id)
    service.approve(ADMIN, queue[1].approval_id, body="Edited by a person.\n")
    service.reject(ADMIN, queue[2].approval_id, "not for us")
    worker.run_pending()
    statuses = store.count_executions_by_status()
    assert statuses == {"completed": 3, "cancelled": 1}, statuses
    rows = _rows(store, utcnow() - timedelta(days=1))
    metrics = {metric for _, metric, _, _, _ in rows}
    assert {"executions_by_status", "emails_by_category", "ai_calls"} <= metrics
    return rows


def test_rebuilt_rollups_equal_the_ones_written_live(store: Store, history: list[Row]) -> None:
    start = hour_bucket(utcnow()) - timedelta(hours=2)
    end = hour_bucket(utcnow()) + timedelta(hours=2)
    store.replace_rollups(REBUILT_METRICS, start, end, [])  # the rows are lost
    assert _rows(store, start) == []
    approvals_before = store.query_rollups("approvals", start)
    later = utcnow() + timedelta(hours=2)  # every hour of the history has closed
    service = MailroomService(store, clock=lambda: later)

    steps = list(service.rebuild_rollups(ADMIN, later - timedelta(days=1), later))

    assert _rows(store, start) == history
    assert store.query_rollups("approvals", start) == approvals_before, "other metrics kept"
    assert steps[0].read == 0 and steps[-1].read == steps[-1].total == 4
    assert steps[-1].rows_written == len(history) and steps[-1].fraction == 1.0
    assert all(a.fraction <= b.fraction for a, b in pairwise(steps))
    entry = store.list_audit()[0]
    assert (entry.action, entry.actor) == ("rebuild_rollups", "root")
    assert entry.after is not None and entry.after["rows_written"] == len(history)

    # Rebuilding again changes nothing: it replaces, never adds.
    list(service.rebuild_rollups(ADMIN, later - timedelta(days=1), later))
    assert _rows(store, start) == history


def test_the_current_hour_is_never_rebuilt(store: Store) -> None:
    now = utcnow()
    live = RollupIncrement(bucket=hour_bucket(now), metric="executions_by_status", key="failed")
    store.increment_rollups([live])
    with pytest.raises(BackfillRefused, match="no hour that has ended"):
        next(MailroomService(store).rebuild_rollups(ADMIN, hour_bucket(now), now))
    assert [r.count for r in store.query_rollups("executions_by_status", hour_bucket(now))] == [1]
    start, end = closed_range(now - timedelta(hours=5), now + timedelta(hours=5), now)
    assert (start, end) == (hour_bucket(now) - timedelta(hours=5), hour_bucket(now))


def test_only_admins_may_rebuild(store: Store, history: list[Row]) -> None:
    later = utcnow() + timedelta(hours=2)
    service = MailroomService(store, clock=lambda: later)
    for actor in (MANAGER, ANALYST, Actor("bea", Role.AGENT)):
        with pytest.raises(PermissionDenied, match="may not run maintenance"):
            next(service.rebuild_rollups(actor, later - timedelta(days=1), later))
    assert _rows(store, later - timedelta(days=1)) == history, "nothing was replaced"
    assert all(entry.action != "rebuild_rollups" for entry in store.list_audit())


def test_hours_older_than_the_executions_retention_are_refused(store: Store) -> None:
    now = utcnow()
    service = MailroomService(store)
    with pytest.raises(BackfillRefused, match="MAILROOM_RETENTION_EXECUTIONS_DAYS"):
        next(service.rebuild_rollups(ADMIN, now - timedelta(days=31), now, executions_kept_days=30))
    assert all(entry.action != "rebuild_rollups" for entry in store.list_audit())
    rebuilt = service.rebuild_rollups(ADMIN, now - timedelta(days=29), now, executions_kept_days=30)
    assert list(rebuilt)[-1].rows_written is not None
