"""``/api/v1/approvals``: the queue, one approval, and the decisions on it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from engine.api.auth import Caller, state
from engine.api.schemas import ApproveIn, CorrectIn, ReassignIn, RejectIn
from engine.service import Approval, NotFound

router = APIRouter(prefix="/approvals", tags=["approvals"])


@router.get("")
def queue(
    request: Request, actor: Caller, limit: Annotated[int, Query(ge=1, le=500)] = 100
) -> list[Approval]:
    """Pending approvals, most urgent first."""
    return state(request).service.approval_queue(actor, limit)


@router.get("/{approval_id}")
def get_approval(request: Request, actor: Caller, approval_id: str) -> Approval:
    """One approval: its classification, draft and, once decided, the decision."""
    approval = state(request).service.get_approval(actor, approval_id)
    if approval is None:
        raise NotFound(f"approval {approval_id} does not exist")
    return approval


@router.post("/{approval_id}/approve")
def approve(
    request: Request, actor: Caller, approval_id: str, body: ApproveIn | None = None
) -> Approval:
    """Approve the draft, as edited if ``subject``/``body`` are given; a worker sends it
    once. 409 if it was already decided."""
    edit = body or ApproveIn()
    return state(request).service.approve(actor, approval_id, subject=edit.subject, body=edit.body)


@router.post("/{approval_id}/reject")
def reject(request: Request, actor: Caller, approval_id: str, body: RejectIn) -> Approval:
    """Reject the draft with a reason; nothing is sent. 409 if it was already decided."""
    return state(request).service.reject(actor, approval_id, body.reason)


@router.post("/{approval_id}/reassign")
def reassign(request: Request, actor: Caller, approval_id: str, body: ReassignIn) -> Approval:
    """Give the pending approval to someone who may decide it (null: the whole queue)."""
    return state(request).service.reassign(actor, approval_id, body.assignee)


@router.post("/{approval_id}/correct-category")
def correct_category(
    request: Request, actor: Caller, approval_id: str, body: CorrectIn
) -> dict[str, str]:
    """Correct the email's category; the next local model learns from it."""
    correction = state(request).service.record_correction(actor, approval_id, body.category)
    return {
        "approval_id": correction.approval_id,
        "original_category": correction.original_category,
        "corrected_category": correction.corrected_category,
    }
