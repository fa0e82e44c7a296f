"""The Store contract of the AI additions (category corrections, breaker state), every backend."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from engine.circuit import StoreBreakerState
from engine.models import CategoryCorrection
from engine.store.base import Store
from providers.ai.resilience import CircuitBreaker

T0 = datetime(2024, 6, 3, 9, 0, tzinfo=UTC)


def _correction(approval_id: str, category: str, minutes: int) -> CategoryCorrection:
    return CategoryCorrection(
        approval_id=approval_id,
        email_id=f"eml-{approval_id}",
        text=f"text of {approval_id}",
        original_category="general_inquiry",
        corrected_category=category,
        corrected_by="agent",
        corrected_at=T0 + timedelta(minutes=minutes),
    )


def test_corrections_are_listed_oldest_first(store: Store) -> None:
    assert store.list_corrections() == []
    store.save_correction(_correction("apr-2", "refund", 5))
    store.save_correction(_correction("apr-1", "billing", 1))
    listed = store.list_corrections()
    assert [c.approval_id for c in listed] == ["apr-1", "apr-2"]
    assert listed[0] == _correction("apr-1", "billing", 1)
    assert [c.approval_id for c in store.list_corrections(limit=1)] == ["apr-1"]
    assert store.list_corrections(limit=0) == []


def test_a_second_correction_of_an_approval_replaces_the_first(store: Store) -> None:
    store.save_correction(_correction("apr-1", "billing", 1))
    store.save_correction(_correction("apr-1", "refund", 9))
    listed = store.list_corrections()
    assert len(listed) == 1 and listed[0].corrected_category == "refund"


def test_breaker_state_is_shared_through_the_store(store: Store) -> None:
    now = [1000.0]
    first = CircuitBreaker(
        "openai",
        StoreBreakerState(store),
        failure_threshold=2,
        cooldown_seconds=30,
        clock=lambda: now[0],
    )
    second = CircuitBreaker(
        "openai",
        StoreBreakerState(store),
        failure_threshold=2,
        cooldown_seconds=30,
        clock=lambda: now[0],
    )
    first.record_failure()
    assert not second.is_open()
    second.record_failure()
    assert first.is_open() and second.is_open()
    now[0] += 31
    assert not first.is_open()
    first.record_success()
    assert second.state().failures == 0
