"""The delivery log's part of the Store contract: one record per attempt, listed newest first
with filters and pages. Runs on every backend (see ``conftest.py``)."""

from __future__ import annotations

from typing import Any

from engine.delivery_log import DeliveryOutcome, DeliveryQuery, DeliveryRecord
from engine.store.base import Store
from tests.engine.store.test_contract import at


def make_record(
    outbox_id: str = "notify:exe_1:tell", attempt: int = 1, **fields: Any
) -> DeliveryRecord:
    defaults: dict[str, Any] = {
        "execution_id": "exe_1",
        "workflow_id": "wf_1",
        "channel": "webhook",
        "target": "https://hooks.example/in",
        "outcome": DeliveryOutcome.DELIVERED,
        "at": at(attempt),
        "status_code": 200,
    }
    return DeliveryRecord(outbox_id=outbox_id, attempt=attempt, **(defaults | fields))


def test_an_attempt_is_recorded_once_and_reads_back_whole(store: Store) -> None:
    failed = make_record(
        attempt=1,
        outcome=DeliveryOutcome.FAILED,
        status_code=500,
        error_class="ServerError",
        error="webhook answered 500",
        next_retry_at=at(1.5),
    )
    assert store.record_delivery(failed)
    assert not store.record_delivery(make_record(attempt=1))  # the same attempt again
    assert store.record_delivery(make_record(attempt=2))
    page = store.list_deliveries(DeliveryQuery())
    assert page.total == 2
    assert page.records == [make_record(attempt=2), failed]


def test_deliveries_are_filtered_by_outcome_channel_execution_and_message(store: Store) -> None:
    rows = [
        make_record("notify:exe_1:tell", 1, outcome=DeliveryOutcome.FAILED, at=at(1)),
        make_record("notify:exe_1:tell", 2, at=at(2)),
        make_record("notify:exe_2:tell", 1, execution_id="exe_2", channel="slack", at=at(3)),
        make_record(
            "escalation:apr_1", 1, execution_id="exe_2", outcome=DeliveryOutcome.PARKED, at=at(4)
        ),
    ]
    for row in rows:
        assert store.record_delivery(row)

    def keys(**query: Any) -> list[tuple[str, int]]:
        page = store.list_deliveries(DeliveryQuery(**query))
        assert page.total == len(page.records)
        return [(r.outbox_id, r.attempt) for r in page.records]

    assert keys() == [
        ("escalation:apr_1", 1),
        ("notify:exe_2:tell", 1),
        ("notify:exe_1:tell", 2),
        ("notify:exe_1:tell", 1),
    ]
    assert keys(outcome=DeliveryOutcome.PARKED) == [("escalation:apr_1", 1)]
    assert keys(outcome=DeliveryOutcome.FAILED) == [("notify:exe_1:tell", 1)]
    assert keys(channel="slack") == [("notify:exe_2:tell", 1)]
    assert keys(execution_id="exe_2") == [("escalation:apr_1", 1), ("notify:exe_2:tell", 1)]
    assert keys(outbox_id="notify:exe_1:tell") == [
        ("notify:exe_1:tell", 2),
        ("notify:exe_1:tell", 1),
    ]
    assert keys(channel="webhook", execution_id="exe_2") == [("escalation:apr_1", 1)]
    assert keys(channel="email") == []


def test_deliveries_come_in_pages_with_the_total(store: Store) -> None:
    for attempt in range(1, 8):
        store.record_delivery(make_record(attempt=attempt))
    first = store.list_deliveries(DeliveryQuery(limit=3))
    second = store.list_deliveries(DeliveryQuery(offset=3, limit=3))
    last = store.list_deliveries(DeliveryQuery(offset=6, limit=3))
    assert (first.total, second.total, last.total) == (7, 7, 7)
    assert [r.attempt for r in first.records + second.records + last.records] == [
        7,
        6,
        5,
        4,
        3,
        2,
        1,
    ]
    counted = store.list_deliveries(DeliveryQuery(limit=0))
    assert counted.records == [] and counted.total == 7
    assert store.list_deliveries(DeliveryQuery(offset=10)).records == []


def test_attempts_at_the_same_time_come_highest_attempt_first(store: Store) -> None:
    for attempt in (1, 3, 2):
        store.record_delivery(make_record(attempt=attempt, at=at(0)))
    page = store.list_deliveries(DeliveryQuery())
    assert [r.attempt for r in page.records] == [3, 2, 1]


def test_retention_deletes_the_attempts_older_than_its_bound(store: Store) -> None:
    for attempt in (1, 2, 3):
        store.record_delivery(make_record(attempt=attempt, at=at(attempt * 10)))
    assert store.delete_expired("deliveries", at(20)) == 1
    assert [r.attempt for r in store.list_deliveries(DeliveryQuery()).records] == [3, 2]
