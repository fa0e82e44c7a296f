"""Agents correct categories on the approval page; the next local model learns from them."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.adapters import ProviderSet
from engine.ai_guard import approval_follows
from engine.ops.retrain import encoder_training_texts, split_holdout
from engine.seed import default_workflow
from engine.service import Actor, ControlRefused, MailroomService, PermissionDenied, Role
from engine.settings import Settings
from engine.store.base import Store
from engine.worker import Worker
from providers.ai.local import LocalAIProvider
from providers.ai.training_data import LabelledExample, load_training_examples

AGENT = Actor("alice", Role.AGENT)
ANALYST = Actor("ann", Role.ANALYST)


def _first_approval(store: Store, providers: ProviderSet, settings: Settings) -> str:
    worker = Worker(store, providers, settings)
    worker.poll_triggers()
    worker.run_pending()
    return MailroomService(store).approval_queue(AGENT)[0].approval_id


def test_a_correction_is_role_checked_audited_and_stored(
    store: Store, providers: ProviderSet, settings: Settings
) -> None:
    service = MailroomService(store)
    approval_id = _first_approval(store, providers, settings)
    approval = service.get_approval(AGENT, approval_id)
    assert approval is not None
    other = (
        "feature_request" if approval.classification.category != "feature_request" else "billing"
    )
    with pytest.raises(PermissionDenied):
        service.record_correction(ANALYST, approval_id, other)
    with pytest.raises(ControlRefused, match="already classified"):
        service.record_correction(AGENT, approval_id, approval.classification.category)
    correction = service.record_correction(AGENT, approval_id, other)
    assert correction.corrected_category == other and correction.corrected_by == "alice"
    assert correction.text and store.list_corrections() == [correction]
    audit = store.list_audit()[0]
    assert (audit.action, audit.target, audit.after) == (
        "correct_category",
        approval_id,
        {"category": other},
    )


def test_corrections_change_the_next_model(tmp_path: Path) -> None:
    text = "Could the dashboard show a dark theme for night shifts?"
    corrections: list[LabelledExample] = []
    provider = LocalAIProvider(tmp_path / "models", corrections=lambda: list(corrections))
    before, _ = provider._ready_classifier()
    assert provider.retrain_if_corrected() is False  # nothing new
    corrections.append(LabelledExample(text, "complaint", "correction"))
    assert provider.retrain_if_corrected() is True
    after, _ = provider._ready_classifier()
    assert after.info.fingerprint != before.info.fingerprint
    assert after.info.n_examples == len(load_training_examples()) + 1
    p_before = before.predict_proba([text])[0]["complaint"]
    p_after = after.predict_proba([text])[0]["complaint"]
    assert p_after > p_before


def test_the_guard_needs_an_approval_downstream_of_the_draft() -> None:
    workflow = default_workflow()
    assert approval_follows(workflow, "draft")
    assert not approval_follows(workflow, "send")


def test_the_retrain_holdout_always_scores_some_corrections() -> None:
    shipped = [
        LabelledExample(f"invoice question {n}", "billing", "handwritten") for n in range(1500)
    ]
    corrections = [
        LabelledExample(f"pdf will not open {n}", "billing", "correction") for n in range(10)
    ]
    for seed in range(20):
        train, holdout = split_holdout(shipped + corrections, 0.1, seed=seed)
        held = [e for e in holdout if e.source == "correction"]
        assert len(held) == 1 and len(holdout) == 151
        assert len(train) + len(holdout) == 1510 and not set(map(id, train)) & set(map(id, holdout))


def test_queries_the_encoder_was_fine_tuned_on_are_never_held_out() -> None:
    shipped = [LabelledExample(f"card query {n}", "billing", "banking77") for n in range(1000)]
    seen = frozenset(e.text for e in shipped[:800])
    for seed in range(5):
        train, holdout = split_holdout(shipped, 0.1, seed=seed, never_held_out=seen)
        assert len(holdout) == 100 and not {e.text for e in holdout} & seen
        assert len(train) == 900
    assert len(encoder_training_texts()) == 8002  # the 80 % part of BANKING77's 10,003 queries
