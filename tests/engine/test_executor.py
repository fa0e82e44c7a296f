"""The executor on the real SQLite store: retries, failures, controls, fencing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from engine.adapters import ProviderSet
from engine.executor import Executor, LeaseLost
from engine.models import ExecutionLog, ExecutionStatus, NodeStatus, utcnow
from engine.service import Actor, MailroomService, Role
from engine.settings import Settings
from engine.store.base import Store
from engine.worker import Worker
from providers.ai.local import LocalAIProvider
from providers.errors import PermanentProviderError, TransientProviderError
from tests.engine.fakes import ScriptedAI

MANAGER = Actor("maria", Role.MANAGER)


def _ingest_one(store: Store, providers: ProviderSet, settings: Settings) -> ExecutionLog:
    worker = Worker(store, providers, settings)
    worker.poll_triggers()
    return store.list_executions()[-1]  # the oldest: the one a claim takes first


def _claim(store: Store, owner: str = "w1") -> ExecutionLog:
    now = utcnow()
    claimed = store.claim_execution(owner, now + timedelta(seconds=30), now)
    assert claimed is not None
    return claimed


def _executor(store: Store, providers: ProviderSet, settings: Settings) -> Executor:
    return Executor(store, providers, settings, sleep=lambda _: None)


def test_transient_errors_are_retried_then_succeed(
    store: Store,
    make_providers: Callable[..., ProviderSet],
    settings: Settings,
    local_ai: LocalAIProvider,
) -> None:
    ai = ScriptedAI(
        local_ai, classify_errors=[TransientProviderError("503"), TransientProviderError("timeout")]
    )
    providers = make_providers(ai)
    _ingest_one(store, providers, settings)
    result = _executor(store, providers, settings).run(_claim(store))
    assert result.status == ExecutionStatus.WAITING
    assert result.node_run("classify").retry_count == 2
    assert ai.classify_calls == 3


def test_transient_errors_past_the_policy_fail_the_execution(
    store: Store,
    make_providers: Callable[..., ProviderSet],
    settings: Settings,
    local_ai: LocalAIProvider,
) -> None:
    ai = ScriptedAI(local_ai, classify_errors=[TransientProviderError("503")] * 10)
    providers = make_providers(ai)
    _ingest_one(store, providers, settings)
    result = _executor(store, providers, settings).run(_claim(store))
    assert result.status == ExecutionStatus.FAILED
    assert ai.classify_calls == 4  # the AI Model node's policy: 4 attempts
    run = result.node_run("classify")
    assert run.status == NodeStatus.FAILED and "503" in (run.error or "")
    assert result.node_run("draft").status == NodeStatus.WAITING  # never reached


def test_permanent_error_fails_at_once_and_retry_resumes_from_the_failed_node(
    store: Store,
    make_providers: Callable[..., ProviderSet],
    settings: Settings,
    local_ai: LocalAIProvider,
) -> None:
    ai = ScriptedAI(local_ai, classify_errors=[PermanentProviderError("bad request")])
    providers = make_providers(ai)
    execution = _ingest_one(store, providers, settings)
    failed = _executor(store, providers, settings).run(_claim(store))
    assert failed.status == ExecutionStatus.FAILED and ai.classify_calls == 1
    assert failed.node_run("trigger").status == NodeStatus.COMPLETED
    trigger_done_at = failed.node_run("trigger").completed_at

    MailroomService(store).retry(MANAGER, execution.execution_id)
    resumed = _executor(store, providers, settings).run(_claim(store))
    assert resumed.status == ExecutionStatus.WAITING
    assert ai.classify_calls == 2
    assert resumed.node_run("trigger").completed_at == trigger_done_at  # not run again


def test_pause_requested_while_running_is_honoured_at_the_next_node(
    store: Store,
    make_providers: Callable[..., ProviderSet],
    settings: Settings,
    local_ai: LocalAIProvider,
) -> None:
    service = MailroomService(store)
    holder: dict[str, str] = {}

    def pause_now() -> None:
        service.pause(MANAGER, holder["id"])

    ai = ScriptedAI(local_ai, on_draft=pause_now)
    providers = make_providers(ai)
    execution = _ingest_one(store, providers, settings)
    holder["id"] = execution.execution_id
    paused = _executor(store, providers, settings).run(_claim(store))
    assert paused.status == ExecutionStatus.PAUSED
    assert paused.node_run("draft").status == NodeStatus.COMPLETED
    assert paused.node_run("approval").status == NodeStatus.WAITING
    stored = store.get_execution(execution.execution_id)
    assert stored is not None and stored.status == ExecutionStatus.PAUSED
    other = store.claim_execution("w2", utcnow() + timedelta(seconds=5), utcnow())
    assert other is not None and other.execution_id != execution.execution_id  # paused: skipped
    assert store.claim_execution("w2", utcnow() + timedelta(seconds=5), utcnow()) is None

    service.resume(MANAGER, execution.execution_id)
    resumed = _executor(store, providers, settings).run(_claim(store))
    assert resumed.status == ExecutionStatus.WAITING
    assert ai.draft_calls == 1  # the draft is not made again


def test_cancel_requested_while_running_stops_at_the_next_node(
    store: Store,
    make_providers: Callable[..., ProviderSet],
    settings: Settings,
    local_ai: LocalAIProvider,
) -> None:
    service = MailroomService(store)
    holder: dict[str, str] = {}

    def cancel_now() -> None:
        service.cancel(MANAGER, holder["id"])

    ai = ScriptedAI(local_ai, on_draft=cancel_now)
    providers = make_providers(ai)
    execution = _ingest_one(store, providers, settings)
    holder["id"] = execution.execution_id
    cancelled = _executor(store, providers, settings).run(_claim(store))
    assert cancelled.status == ExecutionStatus.CANCELLED
    assert store.count_approvals() == 0


def test_a_worker_whose_lease_expired_cannot_write(
    store: Store, providers: ProviderSet, settings: Settings
) -> None:
    _ingest_one(store, providers, settings)
    now = utcnow()
    stale = store.claim_execution("w1", now - timedelta(seconds=1), now - timedelta(seconds=2))
    assert stale is not None
    assert store.release_expired_leases(utcnow()) == 1
    fresh = _claim(store, owner="w2")
    assert fresh.execution_id == stale.execution_id and fresh.attempt == stale.attempt + 1
    with pytest.raises(LeaseLost):
        _executor(store, providers, settings).run(stale)
    stored = store.get_execution(stale.execution_id)
    assert stored is not None and stored.owner == "w2"
