"""``/api/v1/executions``: list (filters, cursor pages), read with node runs, and control."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request

from engine.api.auth import Caller, state
from engine.api.problems import FieldError, Problem
from engine.api.schemas import ExecutionPage, RetryIn
from engine.service import ExecutionLog, ExecutionStatus, NotFound

router = APIRouter(prefix="/executions", tags=["executions"])


def encode_cursor(execution: ExecutionLog) -> str:
    """The opaque cursor of the page that follows ``execution``."""
    text = f"{execution.created_at.isoformat()}|{execution.execution_id}"
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    """The (created_at, execution_id) a cursor names; 422 for one this API did not make."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        created, _, execution_id = text.partition("|")
        at = datetime.fromisoformat(created)
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise Problem(
            422,
            "the cursor is not one this API gave",
            kind="validation",
            errors=[FieldError(field="query.cursor", message="not a cursor from next_cursor")],
        ) from exc
    if not execution_id or at.tzinfo is None:
        raise Problem(422, "the cursor is not one this API gave", kind="validation")
    return at, execution_id


@router.get("")
def list_executions(
    request: Request,
    actor: Caller,
    workflow_id: str | None = None,
    status: Annotated[list[ExecutionStatus] | None, Query()] = None,
    category: str | None = None,
    since: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: str | None = None,
) -> ExecutionPage:
    """Executions newest first, filtered by workflow, status (repeatable), category and
    creation time; ``next_cursor`` continues where the page ended."""
    before = decode_cursor(cursor) if cursor else None
    items = state(request).service.list_executions(
        actor,
        workflow_id=workflow_id,
        statuses=status,
        category=category,
        since=since,
        limit=limit + 1,
        before=before,
    )
    more = len(items) > limit
    items = items[:limit]
    return ExecutionPage(
        items=items, next_cursor=encode_cursor(items[-1]) if more and items else None
    )


@router.get("/dead-letters")
def dead_letters(
    request: Request,
    actor: Caller,
    workflow_id: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[ExecutionLog]:
    """Executions that failed after their last attempt, newest first, with their error."""
    return state(request).service.dead_letters(actor, workflow_id, limit)


@router.get("/{execution_id}")
def get_execution(request: Request, actor: Caller, execution_id: str) -> ExecutionLog:
    """The execution with each node's run (input, output, timing, attempts, error)."""
    execution = state(request).service.get_execution(actor, execution_id)
    if execution is None:
        raise NotFound(f"execution {execution_id} does not exist")
    return execution


@router.post("/{execution_id}/pause")
def pause(request: Request, actor: Caller, execution_id: str) -> ExecutionLog:
    """Pause now, or at the next node if a worker runs it."""
    return state(request).service.pause(actor, execution_id)


@router.post("/{execution_id}/resume")
def resume(request: Request, actor: Caller, execution_id: str) -> ExecutionLog:
    """Put a paused execution back in the queue; it continues from its next node."""
    return state(request).service.resume(actor, execution_id)


@router.post("/{execution_id}/cancel")
def cancel(request: Request, actor: Caller, execution_id: str) -> ExecutionLog:
    """Cancel now, or at the next node if a worker runs it; a pending draft is withdrawn."""
    return state(request).service.cancel(actor, execution_id)


@router.post("/{execution_id}/retry")
def retry(
    request: Request, actor: Caller, execution_id: str, body: RetryIn | None = None
) -> ExecutionLog:
    """Re-queue a failed or cancelled execution from the failed node (``failed_node``) or
    from the start on its pinned (``start_pinned``) or the current version
    (``start_current``). Replies already sent are not sent again."""
    mode = body.mode if body is not None else "failed_node"
    return state(request).service.retry(actor, execution_id, mode)
