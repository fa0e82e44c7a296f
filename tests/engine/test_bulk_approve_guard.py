"""Bulk approval never sends a draft the guard rails hold for a person, whatever the caller asks:
the service refuses each flagged draft with its reasons, and approves the others."""

from __future__ import annotations

import pytest

from engine.adapters import ProviderSet
from engine.models import Approval, ApprovalStatus, OutboxKind
from engine.seed import DEFAULT_WORKFLOW_ID
from engine.service import Actor, MailroomService, Role
from engine.settings import Settings
from engine.store.base import Store
from engine.worker import Worker
from providers.ai.base import Classification, DraftReply
from tests.engine.test_injection_corpus import BENIGN, CORPUS, INJECTION_REASON, deliver

AGENT = Actor("bea", Role.AGENT)
ANALYST = Actor("ann", Role.ANALYST)


def _approval(name: str, **classification: object) -> Approval:
    fields: dict[str, object] = {
        "category": "billing",
        "category_confidence": 0.95,
        "priority": "normal",
        "priority_confidence": 0.9,
        "sentiment": "neutral",
        "sentiment_confidence": 0.9,
        "language": "en",
        "language_confidence": 0.9,
        "provider": "p",
        "model": "m",
    }
    fields.update(classification)
    return Approval(
        approval_id=name,
        execution_id=f"exe-{name}",
        workflow_id="wf",
        node_id="approval",
        email_id=f"email-{name}",
        classification=Classification.model_validate(fields),
        draft=DraftReply(subject="Re: hi", body="Hello.", confidence=0.99, provider="p", model="m"),
    )


def test_flagged_drafts_are_refused_with_their_reasons(store: Store) -> None:
    approvals = [
        _approval("clean"),
        _approval(
            "injection",
            needs_review=True,
            review_reasons=["tries to instruct the model: ignore previous instructions"],
        ),
        _approval(
            "angry",
            needs_review=True,
            review_reasons=["angry customer: frustration 0.91"],
            sentiment="negative",
            frustration=0.91,
        ),
        # Stored without a flag (an older engine, a hand-made record): the numbers still hold it.
        _approval("unsure", category_confidence=0.2),
        _approval("furious", sentiment="negative", frustration=0.95),
        _approval("flag only", needs_review=True),
    ]
    for approval in approvals:
        store.create_approval(approval)
    service = MailroomService(store)
    with pytest.raises(PermissionError):
        service.approve_many(ANALYST, ["clean"])

    asked = [a.approval_id for a in approvals] + ["clean", "missing"]
    result = service.approve_many(AGENT, asked)

    assert result.approved == ["clean"]
    assert set(result.refused) == set(asked) - {"clean"}
    assert "ignore previous instructions" in result.refused["injection"]
    assert "angry customer: frustration 0.91" in result.refused["angry"]
    assert "low confidence: 0.20" in result.refused["unsure"]
    assert "angry customer: frustration 0.95" in result.refused["furious"]
    assert "flagged by the guard rails" in result.refused["flag only"]
    assert "does not exist" in result.refused["missing"]
    for name in set(asked) - {"clean", "missing"}:
        assert result.refused[name].startswith("needs a person")
        stored = store.get_approval(name)
        assert stored is not None and stored.status == ApprovalStatus.PENDING
        assert service.held_for_person(AGENT, stored)
    decided = store.get_approval("clean")
    assert decided is not None and decided.status == ApprovalStatus.APPROVED
    assert [entry.action for entry in store.list_audit()] == ["approval_approved"]
    # One by one, with the draft open, a person may still approve a flagged draft.
    assert service.approve(AGENT, "angry").status == ApprovalStatus.APPROVED


def test_bulk_approving_the_whole_queue_after_an_injection_corpus_sends_no_flagged_draft(
    store: Store, providers: ProviderSet, settings: Settings
) -> None:
    injected = {deliver(store, DEFAULT_WORKFLOW_ID, record) for record in CORPUS}
    benign = {deliver(store, DEFAULT_WORKFLOW_ID, record) for record in BENIGN}
    worker = Worker(store, providers, settings)
    assert worker.run_pending() == len(injected) + len(benign)
    service = MailroomService(store, settings=settings)

    pending = service.approval_queue(AGENT, limit=10_000)
    assert len(pending) == len(injected) + len(benign)
    flagged = {a.approval_id for a in pending if service.held_for_person(AGENT, a)}
    # Everything, as a page with a stale or forged selection might send it.
    result = service.approve_many(AGENT, [a.approval_id for a in pending])
    worker.run_pending()

    assert set(result.approved).isdisjoint(flagged)
    assert set(result.refused) == flagged
    for approval in pending:
        if approval.execution_id in injected:
            assert approval.approval_id in flagged
            assert INJECTION_REASON in result.refused[approval.approval_id]
    sent = {m.execution_id for m in store.list_outbox(OutboxKind.REPLY)}
    by_execution = {a.execution_id: a.approval_id for a in pending}
    sent_flagged = [e for e in sent if by_execution.get(e) in flagged]
    print(
        f"bulk approve over {len(pending)} drafts ({len(injected)} injections): "
        f"{len(result.approved)} approved, {len(result.refused)} refused as flagged, "
        f"{len(sent_flagged)} flagged drafts sent"
    )
    assert sent_flagged == []
    assert sent.isdisjoint(injected)
    assert result.approved, "unflagged benign drafts are still approved in bulk"
    assert sent == {a.execution_id for a in pending if a.approval_id in result.approved}
