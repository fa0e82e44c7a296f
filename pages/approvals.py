"""Approvals (agents): one queue, most urgent first; read the email and its draft, then decide."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd  # type: ignore[import-untyped]
import streamlit as st

from engine.models import Approval, Email
from engine.service import ControlRefused, PermissionDenied
from ui.context import current_actor, get_service
from ui.corrections import render_correction, render_review_reasons
from ui.emails import render_email, sender
from ui.format import code, escape_markdown, priority_badge, time_left, timestamp

QUEUE_LIMIT = 100
CURRENT_KEY = "approval-current"
FLASH_KEY = "approvals-flash"

service = get_service()
actor = current_actor()

st.title("Approvals")

flash = st.session_state.pop(FLASH_KEY, None)
if flash is not None:
    st.success(escape_markdown(flash), icon=":material/check_circle:")
    st.toast(escape_markdown(flash), icon=":material/check_circle:")

queue = service.approval_queue(actor, limit=QUEUE_LIMIT)
if not queue:
    st.info(
        "Nothing waiting — every draft has been handled. New drafts appear here as emails arrive.",
        icon=":material/inbox:",
    )
    st.stop()

ids = [approval.approval_id for approval in queue]
emails: dict[str, Email | None] = {
    approval.email_id: service.get_email(actor, approval.email_id) for approval in queue
}
if st.session_state.get(CURRENT_KEY) not in ids:
    st.session_state[CURRENT_KEY] = ids[0]
current: Approval = queue[ids.index(st.session_state[CURRENT_KEY])]


def _select(approval_id: str) -> None:
    st.session_state[CURRENT_KEY] = approval_id


def _customer(email: Email | None) -> str:
    return sender(email) if email else "(email missing)"


def _customer_name(email: Email | None) -> str:
    return (email.from_name or email.from_address) if email else "(email missing)"


def _subject(approval: Approval, email: Email | None) -> str:
    return (email.subject if email else "") or approval.draft.subject or "(no subject)"


now = datetime.now(UTC)
shown = f"the {QUEUE_LIMIT} most urgent" if len(queue) == QUEUE_LIMIT else f"{len(queue)}"
st.caption(f"{shown} drafts waiting, most urgent first")
with st.container(height=min(64 * len(queue) + 24, 330), border=True):
    for approval in queue:
        email = emails.get(approval.email_id)
        is_current = approval.approval_id == current.approval_id
        row = st.columns([0.8, 3.4, 2.2, 1.7, 1.5, 1.0], vertical_alignment="center")
        row[0].markdown(priority_badge(approval.priority))
        subject = escape_markdown(_subject(approval, email))
        row[1].markdown(f"**{subject}**" if is_current else subject)
        row[2].caption(escape_markdown(_customer_name(email)))
        row[3].markdown(code(approval.classification.category))
        left = time_left(approval.due_at, now)
        row[4].caption(f":red[{left}]" if left.startswith("overdue") else left)
        row[5].button(
            "Open",
            key=f"open-{approval.approval_id}",
            on_click=_select,
            args=(approval.approval_id,),
            disabled=is_current,
            type="primary" if is_current else "secondary",
        )


def _classification_table(approval: Approval) -> pd.DataFrame:
    c = approval.classification
    return pd.DataFrame(
        {
            "": ["category", "priority", "sentiment", "language"],
            "value": [c.category, c.priority, c.sentiment, c.language],
            "confidence": [
                100 * c.category_confidence,
                100 * c.priority_confidence,
                100 * c.sentiment_confidence,
                100 * c.language_confidence,
            ],
        }
    )


def _entities_table(approval: Approval) -> pd.DataFrame:
    found = approval.classification.entities.model_dump()
    rows = [(kind.replace("_", " "), value) for kind, values in found.items() for value in values]
    return pd.DataFrame(rows, columns=["entity", "value"])


def _neighbour(approval_id: str) -> str | None:
    """The item to show after ``approval_id`` is decided: the next one, else the previous."""
    index = ids.index(approval_id)
    rest = ids[index + 1 :] + ids[:index][::-1]
    return rest[0] if rest else None


def _decided(approval_id: str, message: str) -> None:
    st.session_state[FLASH_KEY] = message
    st.session_state[CURRENT_KEY] = _neighbour(approval_id)
    st.rerun()


email = emails.get(current.email_id)
aid = current.approval_id
left_column, right_column = st.columns(2, gap="large")

with left_column:
    st.subheader("Email")
    if email is None:
        st.warning(f"The email {code(current.email_id)} of this approval is missing.")
    else:
        render_email(email)
    st.markdown("**Classification**")
    st.dataframe(
        _classification_table(current),
        hide_index=True,
        width="stretch",
        column_config={
            "confidence": st.column_config.ProgressColumn(
                "confidence", min_value=0, max_value=100, format="%.0f%%"
            )
        },
    )
    entities = _entities_table(current)
    if entities.empty:
        st.caption("No entities found.")
    else:
        st.dataframe(entities, hide_index=True, width="stretch")
    st.caption(
        f"Classified by {escape_markdown(current.classification.provider)} / "
        f"{escape_markdown(current.classification.model)}"
    )
    render_review_reasons(current)
    render_correction(service, actor, current)

with right_column:
    st.subheader("Draft reply")
    st.markdown(
        f"{priority_badge(current.priority)} · due {timestamp(current.due_at)} "
        f"({time_left(current.due_at, now)})"
    )
    draft = current.draft
    with st.form(key=f"decide-{aid}", border=True):
        subject = st.text_input("Subject", value=draft.subject, key=f"subject-{aid}")
        body = st.text_area("Reply", value=draft.body, height=320, key=f"body-{aid}")
        if draft.article_ids:
            st.markdown("**Cites:** " + " ".join(code(article) for article in draft.article_ids))
        else:
            st.caption("The draft cites no knowledge-base article.")
        st.caption(
            f"Draft confidence {draft.confidence:.0%} · {escape_markdown(draft.provider)} / "
            f"{escape_markdown(draft.model)}"
        )
        approve = st.form_submit_button(
            "Approve and send",
            type="primary",
            key=f"approve-{aid}",
            icon=":material/send:",
        )
        st.divider()
        reason = st.text_input(
            "Reason for rejecting",
            key=f"reason-{aid}",
            placeholder="Required to reject, e.g. wrong category",
        )
        reject = st.form_submit_button("Reject", key=f"reject-{aid}", icon=":material/block:")

    customer = _customer(email)
    try:
        if approve:
            service.approve(actor, aid, subject=subject, body=body)
            _decided(aid, f"Approved — the reply to {customer} is queued to send.")
        elif reject:
            service.reject(actor, aid, reason)
            _decided(aid, f"Rejected the draft for {customer}; nothing is sent.")
    except PermissionDenied as exc:
        st.error(escape_markdown(str(exc)), icon=":material/block:")
    except ControlRefused as exc:
        st.warning(escape_markdown(str(exc)), icon=":material/warning:")
