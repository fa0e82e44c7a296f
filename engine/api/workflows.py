"""``/api/v1/workflows``: list, read, create, new versions, switch on and off, archive, run,
dry run."""

from __future__ import annotations

from fastapi import APIRouter, Request, status

from engine.api.auth import Caller, state
from engine.api.schemas import DryRunIn, WorkflowCreate, WorkflowUpdate
from engine.service import DryRunReport, EmailPayload, ExecutionLog, Workflow

router = APIRouter(prefix="/workflows", tags=["workflows"])


@router.get("")
def list_workflows(request: Request, actor: Caller) -> list[Workflow]:
    """Every workflow's current version, by name (archived ones included)."""
    return state(request).service.list_workflows(actor)


@router.post("", status_code=status.HTTP_201_CREATED)
def create_workflow(request: Request, actor: Caller, body: WorkflowCreate) -> Workflow:
    """Create a workflow as version 1, switched off (managers and admins)."""
    return state(request).service.create_workflow(actor, body.workflow(body.workflow_id))


@router.get("/{workflow_id}")
def get_workflow(request: Request, actor: Caller, workflow_id: str) -> Workflow:
    """The workflow's current version."""
    return state(request).service.get_workflow(actor, workflow_id)


@router.put("/{workflow_id}")
def update_workflow(
    request: Request, actor: Caller, workflow_id: str, body: WorkflowUpdate
) -> Workflow:
    """Save the definition as a new version. ``base_version`` is the version the edit
    started from: 409 if another was saved since. Executions already started keep the
    version they are pinned to."""
    service = state(request).service
    current = service.get_workflow(actor, workflow_id)
    edited = body.workflow(workflow_id).model_copy(update={"status": current.status})
    return service.save_workflow(actor, edited, body.change, base_version=body.base_version)


@router.get("/{workflow_id}/versions/{version}")
def get_workflow_version(
    request: Request, actor: Caller, workflow_id: str, version: int
) -> Workflow:
    """One version of the workflow, as executions pinned to it run it."""
    return state(request).service.get_workflow(actor, workflow_id, version)


@router.post("/{workflow_id}/activate")
def activate(request: Request, actor: Caller, workflow_id: str) -> Workflow:
    """Switch the workflow on: new email starts executions."""
    return state(request).service.set_workflow_active(actor, workflow_id, True)


@router.post("/{workflow_id}/deactivate")
def deactivate(request: Request, actor: Caller, workflow_id: str) -> Workflow:
    """Switch the workflow off: no new execution starts; running ones finish."""
    return state(request).service.set_workflow_active(actor, workflow_id, False)


@router.delete("/{workflow_id}")
def archive(request: Request, actor: Caller, workflow_id: str) -> Workflow:
    """Archive the workflow (nothing is deleted): no new execution starts, those already
    started finish on their pinned version, and every version stays readable."""
    return state(request).service.archive_workflow(actor, workflow_id)


@router.post("/{workflow_id}/run", status_code=status.HTTP_202_ACCEPTED)
def run_with_email(
    request: Request, actor: Caller, workflow_id: str, body: EmailPayload
) -> ExecutionLog:
    """Run the (switched-on) workflow now on this email; a worker picks the execution up.
    The same Message-ID twice runs once: the second call returns the first execution."""
    return state(request).service.run_with_email(actor, workflow_id, body)


@router.post("/{workflow_id}/dry-run")
def dry_run(request: Request, actor: Caller, workflow_id: str, body: DryRunIn) -> DryRunReport:
    """Run the workflow over stored emails with no side effect (managers and admins): nothing
    is sent or notified, no execution, approval, outbox row or metric is written (one audit
    entry is). Answers each email's path, what each condition read and decided and what would
    have been sent, and the totals per branch and per terminal node. AI nodes use the local
    models."""
    edited = body.definition.workflow(workflow_id) if body.definition is not None else None
    return state(request).service.dry_run_workflow(
        actor,
        workflow_id,
        body.choice(),
        version=body.version,
        edited=edited,
        approvals=body.approvals,
    )


__all__ = ["router"]
