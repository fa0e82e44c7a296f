"""The AI Model node applies the guard rails, whatever the provider answered."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from engine.adapters import ProviderSet
from engine.executor import Executor
from engine.models import ExecutionStatus, utcnow
from engine.settings import Settings
from engine.store.base import Store
from engine.worker import Worker
from providers.ai.local import LocalAIProvider
from providers.errors import InvalidModelOutputError
from tests.engine.fakes import ScriptedAI


def test_invalid_model_output_sends_the_email_to_a_person(
    store: Store,
    make_providers: Callable[..., ProviderSet],
    settings: Settings,
    local_ai: LocalAIProvider,
) -> None:
    ai = ScriptedAI(
        local_ai, classify_errors=[InvalidModelOutputError("openai named category 'lost_parcel'")]
    )
    providers = make_providers(ai)
    Worker(store, providers, settings).poll_triggers()
    now = utcnow()
    claimed = store.claim_execution("w1", now + timedelta(seconds=30), now)
    assert claimed is not None
    result = Executor(store, providers, settings, sleep=lambda _: None).run(claimed)
    assert result.status == ExecutionStatus.WAITING  # parked on the approval, not failed
    assert ai.classify_calls == 1  # invalid output is not retried as if it were transient
    classification = result.node_run("classify").output_data["classification"]
    assert classification["category"] == "needs_review" and classification["needs_review"]
    assert "lost_parcel" in classification["review_reasons"][0]
    approval = store.find_approval(result.execution_id, "approval")
    assert approval is not None and approval.classification.needs_review
