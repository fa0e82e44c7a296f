"""The delivery log on the Live executions page: each execution's attempts under it, and the
whole log in a Deliveries tab with filters and pages, for managers and admins only."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pandas as pd  # type: ignore[import-untyped]
from streamlit.testing.v1 import AppTest

from engine.service import DeliveryOutcome, DeliveryRecord, MailroomService
from engine.worker import Worker

T0 = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)


def _record(
    execution_id: str, attempt: int, outcome: DeliveryOutcome, **fields: object
) -> DeliveryRecord:
    values: dict[str, object] = {
        "outbox_id": f"notify:{execution_id}:notify",
        "attempt": attempt,
        "execution_id": execution_id,
        "workflow_id": "wf",
        "channel": "webhook",
        "target": "https://hooks.example/in",
        "outcome": outcome,
        "at": T0 + timedelta(seconds=attempt),
    }
    return DeliveryRecord(**(values | fields))


def _deliveries(at: AppTest, tab: str) -> list[pd.DataFrame]:
    """The delivery tables shown in the tab labelled ``tab``."""
    [block] = [t for t in at.tabs if t.label == tab]
    return [frame.value for frame in block.dataframe if "outcome" in frame.value.columns]


def test_a_manager_sees_an_executions_attempts_and_the_whole_log(
    waiting_for_approval: Worker, service: MailroomService, open_page: Callable[..., AppTest]
) -> None:
    at = open_page("executions", user="maria")
    assert not at.exception
    selected = str(at.selectbox(key="executions-selected").value)
    other = next(
        e.execution_id for e in service.store.list_executions() if e.execution_id != selected
    )
    store = service.store
    store.record_delivery(
        _record(
            selected, 1, DeliveryOutcome.FAILED, status_code=500, error_class="ServerError",
            error="webhook answered 500", next_retry_at=T0 + timedelta(seconds=1.5),
        )
    )  # fmt: skip
    store.record_delivery(_record(selected, 2, DeliveryOutcome.DELIVERED, status_code=200))
    store.record_delivery(
        _record(other, 1, DeliveryOutcome.PARKED, channel="slack", target="#billing-team",
                status_code=404, error_class="BadRequestError", error="channel_not_found")
    )  # fmt: skip
    at.run()
    assert not at.exception

    [rows] = _deliveries(at, "Executions")
    assert list(rows["attempt"]) == [2, 1]
    assert list(rows["status code"]) == ["200", "500"]
    assert list(rows["outcome"]) == ["✅ delivered", "🔁 failed"]
    assert rows["next retry"].isna().tolist() == [True, False]
    assert rows["error"].iloc[1] == "ServerError webhook answered 500"

    [log] = _deliveries(at, "Deliveries")
    assert len(log) == 3
    assert any("Attempts 1 to 3 of 3" in caption.value for caption in at.caption)

    at.selectbox(key="deliveries-outcome").set_value("parked").run()
    assert not at.exception
    [parked] = _deliveries(at, "Deliveries")
    assert list(parked["outcome"]) == ["⛔ parked"]
    assert list(parked["status code"]) == ["404"] and list(parked["channel"]) == ["slack"]

    at.selectbox(key="deliveries-outcome").set_value("").run()
    at.text_input(key="deliveries-execution").set_value(selected).run()
    [log] = _deliveries(at, "Deliveries")
    assert list(log["attempt"]) == [2, 1]
    at.selectbox(key="deliveries-channel").set_value("email").run()
    assert not _deliveries(at, "Deliveries")
    assert any("No delivery attempts match" in info.value for info in at.info)


def test_the_log_comes_in_pages(
    waiting_for_approval: Worker, service: MailroomService, open_page: Callable[..., AppTest]
) -> None:
    for attempt in range(1, 61):
        service.store.record_delivery(_record("exe_many", attempt, DeliveryOutcome.FAILED))
    at = open_page("executions", user="alice")
    [log] = _deliveries(at, "Deliveries")
    assert len(log) == 50 and log["attempt"].iloc[0] == 60
    at.number_input(key="deliveries-page").set_value(2).run()
    assert not at.exception
    [log] = _deliveries(at, "Deliveries")
    assert list(log["attempt"]) == list(range(10, 0, -1))
    assert any("Attempts 51 to 60 of 60" in caption.value for caption in at.caption)


def test_agents_see_no_delivery_log(
    waiting_for_approval: Worker, service: MailroomService, open_page: Callable[..., AppTest]
) -> None:
    execution = service.store.list_executions()[0].execution_id
    service.store.record_delivery(_record(execution, 1, DeliveryOutcome.DELIVERED))
    at = open_page("executions", user="bea")
    assert not at.exception
    assert [tab.label for tab in at.tabs] == ["Executions", "Dead letters"]
    assert not [frame for frame in at.dataframe if "outcome" in frame.value.columns]
