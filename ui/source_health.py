"""The mailboxes' health, for the Settings page: last successful poll, lag, errors, and the
messages that were quarantined. Call ``render_source_health(service, actor)`` from the page."""

from __future__ import annotations

import pandas as pd  # type: ignore[import-untyped]
import streamlit as st

from engine.service import Actor, MailroomService, SourceHealthRow
from ui.format import health_style


def _seconds(value: float | None) -> str:
    if value is None:
        return "—"
    if value < 120:
        return f"{value:.0f} s"
    if value < 7200:
        return f"{value / 60:.0f} min"
    return f"{value / 3600:.1f} h"


def health_table(rows: list[SourceHealthRow]) -> list[dict[str, object]]:
    """One display row per mailbox (plain values, so it is testable without Streamlit)."""
    return [
        {
            "mailbox": row.mailbox,
            "source": row.source,
            "status": row.status,
            "last successful poll": row.last_success_at.isoformat(timespec="seconds")
            if row.last_success_at
            else "never",
            "since": _seconds(row.seconds_since_success),
            "lag": _seconds(row.lag_seconds),
            "errors in a row": row.consecutive_errors,
            "errors": row.total_errors,
            "stored": row.total_ingested,
            "quarantined": row.total_quarantined,
            "last error": row.last_error or "",
        }
        for row in rows
    ]


def render_source_health(service: MailroomService, actor: Actor) -> None:
    """The mailbox health table and the latest quarantined messages."""
    st.subheader("Mailboxes")
    rows = service.source_health(actor)
    if not rows:
        st.info("No mailbox has been polled yet.")
    else:
        table = pd.DataFrame(health_table(rows)).style.map(health_style, subset=["status"])
        st.dataframe(table, hide_index=True, width="stretch")
    quarantined = service.quarantine(actor, limit=50)
    if quarantined:
        st.subheader("Quarantined messages")
        st.dataframe(
            [
                {
                    "received": item.received_at.isoformat(timespec="seconds"),
                    "mailbox": item.mailbox,
                    "source": item.source,
                    "reason": item.reason,
                    "where": item.origin,
                    "bytes": item.size_bytes,
                }
                for item in quarantined
            ],
            hide_index=True,
            width="stretch",
        )


__all__ = ["health_table", "render_source_health"]
