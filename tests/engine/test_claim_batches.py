"""A worker claims short executions several at a time, and gives back what it holds on stop."""

from __future__ import annotations

from engine.adapters import build_providers
from engine.mail.triggers import poll_trigger, trigger_nodes
from engine.models import ExecutionLog, ExecutionStatus, VisualData, Workflow, WorkflowStatus
from engine.seed import DEFAULT_WORKFLOW_ID, _link, _node
from engine.settings import Settings
from engine.store.base import Store
from engine.worker import CLAIM_BATCH_MAX, CLAIM_WINDOW_SECONDS, Worker


def _pending_empty_executions(store: Store, settings: Settings, count: int) -> Worker:
    """``count`` pending executions of a trigger → no-op workflow; a worker for them."""
    store.set_workflow_status(DEFAULT_WORKFLOW_ID, WorkflowStatus.OFF)
    nodes = [
        _node("trigger", "email_trigger", "Mail", 0, 0, batch_size=count, max_emails=None),
        _node("noop", "transform", "No-op", 200, 0),
    ]
    workflow = Workflow(
        workflow_id="empty",
        name="Empty",
        status=WorkflowStatus.ACTIVE,
        visual_data=VisualData(nodes=nodes, connections=[_link("trigger", "noop")]),
    )
    store.save_workflow(workflow)
    workflow = store.get_workflow("empty")
    providers = build_providers(settings)
    created = poll_trigger(store, providers, workflow, trigger_nodes(workflow)[0], "test")
    assert created.executions_created == count
    return Worker(store, providers, settings, worker_id="w1")


def test_claim_size_follows_how_long_executions_take(store: Store, settings: Settings) -> None:
    worker = Worker(store, build_providers(settings), settings)
    batch = CLAIM_BATCH_MAX

    assert worker.claim_size() == 1  # nothing measured yet
    worker._seconds_per_execution = CLAIM_WINDOW_SECONDS / 100  # short: the most allowed
    assert worker.claim_size() == batch
    assert worker.claim_size(left=2) == min(2, batch)
    worker._seconds_per_execution = CLAIM_WINDOW_SECONDS / 3
    assert worker.claim_size() == min(3, batch)
    worker._seconds_per_execution = CLAIM_WINDOW_SECONDS * 5  # long: one at a time
    assert worker.claim_size() == 1


def test_a_batch_runs_every_execution_once(store: Store, settings: Settings) -> None:
    worker = _pending_empty_executions(store, settings, 20)
    worker._seconds_per_execution = CLAIM_WINDOW_SECONDS / 100

    assert worker.run_pending() == 20

    executions = store.list_executions(workflow_id="empty", limit=50)
    assert len(executions) == 20
    assert {e.status for e in executions} == {ExecutionStatus.COMPLETED}
    assert {(e.owner, e.attempt) for e in executions} == {(None, 1)}


def test_executions_in_hand_go_back_to_the_queue_when_the_worker_stops(
    store: Store, settings: Settings
) -> None:
    worker = _pending_empty_executions(store, settings, 12)
    worker._seconds_per_execution = CLAIM_WINDOW_SECONDS / 100
    batch = worker.claim_size()
    assert batch > 1
    real_run = worker.executor.run
    ran: list[str] = []
    running_when_idle: list[int] = []  # what stop() would leave behind if it returned then
    notify = worker._busy_lock.notify_all

    def notify_and_record() -> None:
        if worker._busy == 0:
            counts = store.count_executions_by_status("empty")
            running_when_idle.append(counts.get(ExecutionStatus.RUNNING.value, 0))
        notify()

    worker._busy_lock.notify_all = notify_and_record  # type: ignore[method-assign]

    def run_then_stop(execution: ExecutionLog) -> ExecutionLog:
        ran.append(execution.execution_id)
        result = real_run(execution)
        worker._stopping.set()  # asked to stop during the first execution of the batch
        return result

    worker.executor.run = run_then_stop  # type: ignore[method-assign]

    handled = worker.run_pending()

    assert handled == batch  # the first ran, the rest of the batch was given back
    # The worker is idle (stop() may return) only once the ones in hand were given back.
    assert running_when_idle == [0]
    statuses = [e.status for e in store.list_executions(workflow_id="empty", limit=50)]
    assert statuses.count(ExecutionStatus.COMPLETED) == 1
    assert statuses.count(ExecutionStatus.PENDING) == 11
    assert ExecutionStatus.RUNNING not in statuses
    released = [store.get_execution(execution_id) for execution_id in ran[1:]]
    assert [(e.owner, e.attempt) for e in released if e is not None] == [(None, 1)] * (batch - 1)
    # Another worker takes them up.
    other = Worker(store, worker.providers, settings, worker_id="w2")
    assert other.run_pending() == 11
    assert store.count_executions_by_status("empty") == {"completed": 12}
