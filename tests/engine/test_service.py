"""Controls and role checks of the service layer, whatever the UI shows."""

from __future__ import annotations

import pytest

from engine.adapters import ProviderSet
from engine.models import ExecutionStatus, WorkflowStatus
from engine.seed import DEFAULT_WORKFLOW_ID
from engine.service import Actor, ControlRefused, MailroomService, PermissionDenied, Role
from engine.settings import Settings
from engine.store.base import Store
from engine.worker import Worker

ANALYST = Actor("ann", Role.ANALYST)
AGENT = Actor("alice", Role.AGENT)
MANAGER = Actor("maria", Role.MANAGER)


@pytest.fixture
def service(store: Store) -> MailroomService:
    return MailroomService(store)


def test_analyst_may_not_toggle_workflows_or_decide_approvals(
    service: MailroomService, store: Store, providers: ProviderSet, settings: Settings
) -> None:
    with pytest.raises(PermissionDenied, match="ann \\(analyst\\) may not toggle workflow"):
        service.set_workflow_active(ANALYST, DEFAULT_WORKFLOW_ID, False)
    assert store.get_workflow(DEFAULT_WORKFLOW_ID).status == WorkflowStatus.ACTIVE
    worker = Worker(store, providers, settings)
    worker.poll_triggers()
    worker.run_pending()
    approval = service.approval_queue(ANALYST)[0]
    with pytest.raises(PermissionDenied):
        service.approve(ANALYST, approval.approval_id)
    with pytest.raises(PermissionDenied):
        service.pause(ANALYST, approval.execution_id)


def test_workflow_switched_off_starts_no_executions(
    service: MailroomService, store: Store, providers: ProviderSet, settings: Settings
) -> None:
    service.set_workflow_active(MANAGER, DEFAULT_WORKFLOW_ID, False)
    assert Worker(store, providers, settings).poll_triggers() == 0
    service.set_workflow_active(MANAGER, DEFAULT_WORKFLOW_ID, True)
    assert Worker(store, providers, settings).poll_triggers() == 2
    actions = [entry.action for entry in store.list_audit()]
    assert actions == ["toggle_workflow", "toggle_workflow"]


def test_controls_on_a_pending_execution(
    service: MailroomService, store: Store, providers: ProviderSet, settings: Settings
) -> None:
    Worker(store, providers, settings).poll_triggers()
    execution_id = store.list_executions()[0].execution_id
    assert service.pause(AGENT, execution_id).status == ExecutionStatus.PAUSED
    with pytest.raises(ControlRefused, match="cannot pause an execution that is paused"):
        service.pause(AGENT, execution_id)
    assert service.resume(AGENT, execution_id).status == ExecutionStatus.PENDING
    assert service.cancel(AGENT, execution_id).status == ExecutionStatus.CANCELLED
    with pytest.raises(ControlRefused, match="cannot resume"):
        service.resume(AGENT, execution_id)
    assert service.retry(AGENT, execution_id, mode="start_pinned").status == ExecutionStatus.PENDING


def test_approval_is_decided_once(
    service: MailroomService, store: Store, providers: ProviderSet, settings: Settings
) -> None:
    worker = Worker(store, providers, settings)
    worker.poll_triggers()
    worker.run_pending()
    approval = service.approval_queue(AGENT)[0]
    with pytest.raises(ControlRefused, match="reason"):
        service.reject(AGENT, approval.approval_id, reason="  ")
    with pytest.raises(ControlRefused, match="empty"):
        service.approve(AGENT, approval.approval_id, body=" ")
    service.approve(AGENT, approval.approval_id)
    with pytest.raises(ControlRefused, match="already approved"):
        service.reject(AGENT, approval.approval_id, reason="too late")
    decided = store.get_approval(approval.approval_id)
    assert decided is not None and decided.decided_by == "alice" and not decided.edited


def test_cancelling_a_waiting_execution_withdraws_its_approval(
    service: MailroomService, store: Store, providers: ProviderSet, settings: Settings
) -> None:
    worker = Worker(store, providers, settings)
    worker.poll_triggers()
    worker.run_pending()
    approval = service.approval_queue(AGENT)[0]
    service.cancel(AGENT, approval.execution_id)
    assert approval.approval_id not in {a.approval_id for a in service.approval_queue(AGENT)}
    worker.run_pending()
    assert service.status_summary()["replies_sent"] == 0
