"""The delivery log on the pages: every attempt at a notification or webhook, as a table
(when, channel, where, attempt, status code, outcome, next retry, error)."""

from __future__ import annotations

import math

import pandas as pd  # type: ignore[import-untyped]
import streamlit as st

from engine.service import (
    DELIVERY_PAGE_LIMIT,
    Actor,
    DeliveryOutcome,
    DeliveryRecord,
    MailroomService,
    allowed,
)

PAGE_SIZE = 50
ANY = ""
CHANNELS = ("slack", "webhook", "email", "demo")
OUTCOME_ICONS = {
    DeliveryOutcome.DELIVERED: "✅ delivered",
    DeliveryOutcome.FAILED: "🔁 failed",
    DeliveryOutcome.PARKED: "⛔ parked",
}
COLUMNS = {
    "when": st.column_config.DatetimeColumn("When (UTC)", format="YYYY-MM-DD HH:mm:ss"),
    "next retry": st.column_config.DatetimeColumn("Next retry (UTC)", format="HH:mm:ss"),
    "attempt": st.column_config.NumberColumn("Attempt", format="%d"),
    "error": st.column_config.TextColumn(width="medium"),
}


def may_view(actor: Actor) -> bool:
    """Whether ``actor`` may read the delivery log (the service refuses the others anyway)."""
    return allowed(actor, "view_deliveries")


def delivery_frame(records: list[DeliveryRecord]) -> pd.DataFrame:
    """One row per attempt, newest first, as the tables show them."""
    return pd.DataFrame(
        [
            {
                "when": record.at,
                "channel": record.channel,
                "target": record.target,
                "attempt": record.attempt,
                "status code": "—" if record.status_code is None else str(record.status_code),
                "outcome": OUTCOME_ICONS[record.outcome],
                "next retry": record.next_retry_at,
                "error": " ".join(filter(None, (record.error_class, record.error))) or "",
            }
            for record in records
        ],
        columns=[
            "when",
            "channel",
            "target",
            "attempt",
            "status code",
            "outcome",
            "next retry",
            "error",
        ],
    )


def execution_deliveries(service: MailroomService, actor: Actor, execution_id: str) -> None:
    """The attempts at this execution's notifications, for those who may see the log."""
    if not may_view(actor):
        return
    page = service.list_deliveries(actor, execution_id=execution_id, limit=DELIVERY_PAGE_LIMIT)
    st.markdown("**Deliveries**")
    if not page.records:
        st.caption("No notification or webhook has been sent for this execution.")
        return
    st.dataframe(
        delivery_frame(page.records),
        hide_index=True,
        width="stretch",
        column_config=COLUMNS,
        key=f"deliveries-{execution_id}",
    )
    if page.total > len(page.records):
        st.caption(f"The newest {len(page.records)} of {page.total} attempts.")


def delivery_log(service: MailroomService, actor: Actor) -> None:
    """Every attempt, newest first: filters by outcome, channel and execution, and pages."""
    filters = st.columns([1, 1, 2, 1])
    outcome: str = filters[0].selectbox(
        "Outcome",
        options=[ANY, *(o.value for o in DeliveryOutcome)],
        format_func=lambda value: value or "All outcomes",
        key="deliveries-outcome",
    )
    channel: str = filters[1].selectbox(
        "Channel",
        options=[ANY, *CHANNELS],
        format_func=lambda value: value or "All channels",
        key="deliveries-channel",
    )
    execution: str = filters[2].text_input(
        "Execution id", key="deliveries-execution", placeholder="exe_…"
    )
    count = service.list_deliveries(
        actor, outcome=outcome, channel=channel, execution_id=execution.strip(), limit=0
    ).total
    pages = max(1, math.ceil(count / PAGE_SIZE))
    # No max_value: a page kept from wider filters is brought back in range below instead.
    asked = int(filters[3].number_input("Page", min_value=1, step=1, key="deliveries-page"))
    number = min(asked, pages)
    page = service.list_deliveries(
        actor,
        outcome=outcome,
        channel=channel,
        execution_id=execution.strip(),
        offset=(number - 1) * PAGE_SIZE,
        limit=PAGE_SIZE,
    )
    if not page.records:
        st.info(
            "No delivery attempts match." if outcome or channel or execution.strip() else
            "No notification or webhook has been sent yet.",
            icon=":material/outbox:",
        )  # fmt: skip
        return
    first = (number - 1) * PAGE_SIZE + 1
    st.caption(
        f"Attempts {first} to {first + len(page.records) - 1} of {page.total}, newest first"
        f" (page {number} of {pages}). Failed: the notifier tries again at the next retry time."
        " Parked: the notifier gave up; the message waits until the engine tries it again (a"
        " retried execution, the next escalation sweep)."
    )
    st.dataframe(
        delivery_frame(page.records),
        hide_index=True,
        width="stretch",
        column_config=COLUMNS,
        key="deliveries-table",
    )
