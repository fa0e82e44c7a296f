"""``engine status`` with workers on several machines: how many are alive, and where."""

from __future__ import annotations

from datetime import timedelta

from engine.models import WorkerInfo, utcnow
from engine.service import MailroomService
from engine.store.base import Store


def _heartbeat(store: Store, worker_id: str, hostname: str, pid: int, age_seconds: float) -> None:
    at = utcnow() - timedelta(seconds=age_seconds)
    store.record_heartbeat(
        WorkerInfo(worker_id=worker_id, hostname=hostname, pid=pid, started_at=at, heartbeat_at=at)
    )


def test_status_lists_the_live_workers_by_host(store: Store) -> None:
    _heartbeat(store, "w1", "engine-a", 101, 1)
    _heartbeat(store, "w2", "engine-a", 102, 2)
    _heartbeat(store, "w3", "engine-b", 201, 1)
    _heartbeat(store, "w4", "engine-c", 301, 600)  # silent for ten minutes: not alive

    summary = MailroomService(store).status_summary()

    assert summary["workers_alive"] == 3
    assert summary["workers_by_host"] == {"engine-a": [101, 102], "engine-b": [201]}
