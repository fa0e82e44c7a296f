"""Retention: the worker's scheduled job deletes what the policy keeps no longer, once per
period cluster-wide (under a store lease), and records its run for the Settings page."""

from __future__ import annotations

from datetime import timedelta

import pytest

from engine.adapters import ProviderSet
from engine.delivery_log import DeliveryOutcome, DeliveryQuery, DeliveryRecord
from engine.models import ExecutionLog, ExecutionStatus, utcnow
from engine.ops.privacy import last_retention_run, run_retention
from engine.seed import DEFAULT_WORKFLOW_ID
from engine.service import MailroomService
from engine.settings import RETENTION_COLLECTIONS, Settings, SettingsError, load_settings
from engine.store.base import Store
from engine.worker import Worker
from tests.engine.data_protection import ADMIN


def old_execution(days: int, status: ExecutionStatus) -> ExecutionLog:
    created = utcnow() - timedelta(days=days)
    return ExecutionLog(
        workflow_id=DEFAULT_WORKFLOW_ID,
        workflow_version=1,
        status=status,
        created_at=created,
        updated_at=created,
    )


def test_the_retention_job_runs_once_per_period_across_workers(
    store: Store, providers: ProviderSet, settings: Settings
) -> None:
    settings = settings.model_copy(update={"retention_executions_days": 30})
    expired = old_execution(40, ExecutionStatus.COMPLETED)
    unfinished = old_execution(40, ExecutionStatus.PAUSED)
    recent = old_execution(5, ExecutionStatus.COMPLETED)
    for execution in (expired, unfinished, recent):
        store.create_execution(execution)
    first, second = Worker(store, providers, settings), Worker(store, providers, settings)

    assert first.apply_retention() == {
        "emails": 0,
        "executions": 1,
        "approvals": 0,
        "outbox": 0,
        "deliveries": 0,  # trimmed with the outbox
        "quarantine": 0,
    }
    assert second.apply_retention() is None  # the first worker's turn still holds
    assert store.get_execution(expired.execution_id) is None
    assert store.get_execution(unfinished.execution_id) is not None
    assert store.get_execution(recent.execution_id) is not None
    last = last_retention_run(store)
    assert last is not None and last["deleted"]["executions"] == 1

    shown = MailroomService(store).data_protection(ADMIN, settings)
    assert shown["retention_days"]["executions"] == 30
    assert shown["retention_days"]["audit"] == 0
    assert shown["last_retention_run"] == last
    assert shown["encrypted"] is False


def test_zero_days_keeps_a_collection_forever(store: Store) -> None:
    store.create_execution(old_execution(5000, ExecutionStatus.COMPLETED))
    assert run_retention(store, dict.fromkeys(RETENTION_COLLECTIONS, 0), utcnow()) == {}
    assert sum(store.count_executions_by_status().values()) == 1


def test_a_negative_retention_is_refused_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MAILROOM_RETENTION_EMAILS_DAYS", "-1")
    with pytest.raises(SettingsError, match="MAILROOM_RETENTION_EMAILS_DAYS"):
        load_settings()


def test_the_delivery_log_is_trimmed_at_the_outbox_age(store: Store) -> None:
    now = utcnow()
    for attempt, age in ((1, 40), (2, 5)):
        store.record_delivery(
            DeliveryRecord(
                outbox_id="notify:exe_1:tell",
                attempt=attempt,
                execution_id="exe_1",
                workflow_id="wf",
                channel="webhook",
                target="https://hooks.example/in",
                outcome=DeliveryOutcome.DELIVERED,
                at=now - timedelta(days=age),
            )
        )
    days = dict.fromkeys(RETENTION_COLLECTIONS, 0) | {"outbox": 30}
    assert run_retention(store, days, now) == {"outbox": 0, "deliveries": 1}
    left = store.list_deliveries(DeliveryQuery())
    assert [record.attempt for record in left.records] == [2]
