"""Every default of the guard-rail thresholds is the one chosen in providers.ai.guard_defaults."""

from __future__ import annotations

import pytest

from engine.ai_guard import GuardThresholds
from engine.settings import Settings
from engine.store.ports.approvals import QueueQuery
from providers.ai import guard_defaults
from providers.ai.evaluate_support_sentiment import ANGRY_FRUSTRATION


def test_the_engine_defaults_are_the_measured_thresholds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MAILROOM_AI_REVIEW_MIN_CONFIDENCE", raising=False)
    monkeypatch.delenv("MAILROOM_AI_REVIEW_MAX_FRUSTRATION", raising=False)
    settings = Settings()
    assert settings.ai_review_min_confidence == guard_defaults.MIN_CONFIDENCE
    assert settings.ai_review_max_frustration == guard_defaults.MAX_FRUSTRATION
    assert GuardThresholds() == GuardThresholds(
        guard_defaults.MIN_CONFIDENCE, guard_defaults.MAX_FRUSTRATION
    )
    query = QueueQuery()
    assert (query.min_confidence, query.max_frustration) == (
        guard_defaults.MIN_CONFIDENCE,
        guard_defaults.MAX_FRUSTRATION,
    )
    assert ANGRY_FRUSTRATION == guard_defaults.MAX_FRUSTRATION
