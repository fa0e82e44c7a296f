"""Approvals (agents): one queue across workflows, most urgent first; read the email and its
draft side by side, then approve and send, reject or reassign; approve confident drafts in bulk."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd  # type: ignore[import-untyped]
import streamlit as st

from engine.service import (
    Approval,
    ApprovalStatus,
    Conflict,
    ControlRefused,
    Email,
    QueueFilters,
)
from ui.bulk_approve import render_bulk_approve, render_bulk_result
from ui.collisions import keep_edit, render_kept_edit, render_viewers
from ui.context import callback_actor, current_actor, get_service
from ui.corrections import render_correction, render_review_reasons
from ui.customer_history import render_customer_history
from ui.deep_links import APPROVAL, EXECUTION, link_to, newly_linked, show_in_address
from ui.emails import render_email, sender
from ui.format import code, escape_markdown, priority_badge, time_left, timestamp
from ui.queue import PER_PAGE, render_controls, render_paging

CURRENT_KEY = "approval-current"
FLASH_KEY = "approvals-flash"
SENT_LIMIT = 8

service = get_service()
actor = current_actor("approvals")

st.title("Approvals")

flash = st.session_state.pop(FLASH_KEY, None)
if flash is not None:
    level, message = flash if isinstance(flash, tuple) else ("success", flash)
    if level == "success":
        st.success(escape_markdown(message), icon=":material/check_circle:")
        st.toast(escape_markdown(message), icon=":material/check_circle:")
    else:
        st.warning(escape_markdown(message), icon=":material/warning:")
render_bulk_result()
render_kept_edit()


@st.fragment(run_every=3)
def sent_replies() -> None:
    """The latest replies and whether each went out, refreshed in place."""
    replies = service.sent_replies(actor, limit=SENT_LIMIT)
    st.subheader("Recent replies")
    if not replies:
        st.caption("No reply has been sent yet.")
        return
    st.dataframe(
        pd.DataFrame(
            {
                "to": [r.to for r in replies],
                "subject": [r.subject for r in replies],
                "status": [r.status.value for r in replies],
                "sent": [timestamp(r.sent_at) for r in replies],
            }
        ),
        hide_index=True,
        width="stretch",
        key="sent-replies",
    )


heading = st.empty()
request = render_controls(service, actor)
unfiltered = request.filters == QueueFilters(order=request.filters.order)
try:
    page = service.queue_page(actor, request.filters, page=request.page, per_page=PER_PAGE)
except ControlRefused as exc:
    st.warning(escape_markdown(str(exc)), icon=":material/warning:")
    page, unfiltered = service.queue_page(actor, per_page=PER_PAGE), True
# Without a filter the page's total is the pending total: one count, not two.
pending_total = page.total if unfiltered else service.queue_page(actor, per_page=1).total
heading.markdown(f"### {pending_total} pending")
queue = list(page.items)
linked = newly_linked(APPROVAL)
if linked is not None:
    if linked not in {approval.approval_id for approval in queue}:
        found = service.get_approval(actor, linked)
        if found is not None and found.status == ApprovalStatus.PENDING:
            queue = [found, *queue]  # beyond the list or outside the filter: open it anyway
        elif found is not None:
            by = f" by {found.decided_by}" if found.decided_by else ""
            st.info(
                f"The draft {code(linked)} you were linked to is no longer waiting: it was "
                f"{found.status.value}{escape_markdown(by)}.",
                icon=":material/link:",
            )
        else:
            st.warning(f"There is no draft {code(linked)}.", icon=":material/link_off:")
    if linked in {approval.approval_id for approval in queue}:
        st.session_state[CURRENT_KEY] = linked
submitted = st.session_state.get(CURRENT_KEY)
if (
    submitted
    and submitted not in {approval.approval_id for approval in queue}
    and (
        st.session_state.get(f"approve-{submitted}") or st.session_state.get(f"reject-{submitted}")
    )
):
    # The open draft was decided by someone else before this click arrived: its form is drawn
    # once more so the click is answered (the service refuses it, the agent's text is kept).
    decided = service.get_approval(actor, submitted)
    if decided is not None:
        queue = [decided, *queue]
if not queue:
    if pending_total:
        st.info(
            f"No pending draft matches these filters ({pending_total} pending in all).",
            icon=":material/filter_alt_off:",
        )
    else:
        st.info(
            "Nothing waiting — every draft has been handled. New drafts appear here as emails "
            "arrive.",
            icon=":material/inbox:",
        )
    show_in_address(APPROVAL, None)
    sent_replies()
    st.stop()

ids = [approval.approval_id for approval in queue]
emails: dict[str, Email | None] = {
    approval.email_id: service.get_email(actor, approval.email_id) for approval in queue
}
if st.session_state.get(CURRENT_KEY) not in ids:
    st.session_state[CURRENT_KEY] = ids[0]
current: Approval = queue[ids.index(st.session_state[CURRENT_KEY])]
show_in_address(APPROVAL, current.approval_id)


def _select(approval_id: str) -> None:
    st.session_state[CURRENT_KEY] = approval_id


def _customer(email: Email | None) -> str:
    return sender(email) if email else "(email missing)"


def _customer_name(email: Email | None) -> str:
    return (email.from_name or email.from_address) if email else "(email missing)"


def _subject(approval: Approval, email: Email | None) -> str:
    return (email.subject if email else "") or approval.draft.subject or "(no subject)"


def _neighbour(approval_id: str) -> str | None:
    """The item to show after ``approval_id``: the next one, else the previous."""
    index = ids.index(approval_id)
    rest = ids[index + 1 :] + ids[:index][::-1]
    return rest[0] if rest else None


def _reassign(approval_id: str) -> None:
    assignee = st.session_state.get(f"assign-{approval_id}") or None
    try:
        service.reassign(callback_actor(), approval_id, assignee)
    except (PermissionError, ControlRefused) as exc:
        st.session_state[FLASH_KEY] = ("warning", str(exc))
        return
    who = assignee or "the whole queue"
    st.session_state[FLASH_KEY] = ("success", f"Reassigned to {who}.")
    st.session_state[CURRENT_KEY] = _neighbour(approval_id)


def _bulk_label(approval: Approval) -> str:
    email = emails.get(approval.email_id)
    return (
        f"{approval.priority} · {_subject(approval, email)} · {_customer_name(email)} · "
        f"draft {approval.draft.confidence:.0%}"
    )


now = datetime.now(UTC)
with st.expander("Approve confident drafts in bulk", icon=":material/done_all:"):
    render_bulk_approve(service, actor, queue, _bulk_label)

first = page.offset + 1
shown = f"{first} to {page.offset + len(page.items)}" if page.items else "none"
matching = "match the filters" if page.total != pending_total else "pending"
st.caption(f"{page.total} {matching} · showing {shown} · {request.filters.order.value} first")
with st.container(height=min(64 * len(queue) + 24, 480), border=True):
    for approval in queue:
        email = emails.get(approval.email_id)
        is_current = approval.approval_id == current.approval_id
        row = st.columns([0.8, 3.2, 2.0, 1.6, 1.6, 1.0], vertical_alignment="center")
        row[0].markdown(priority_badge(approval.priority))
        subject = escape_markdown(_subject(approval, email))
        if approval.assigned_to:
            subject += f" · for {escape_markdown(approval.assigned_to)}"
        if service.held_for_person(actor, approval):
            subject = f":material/front_hand: {subject}"
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
render_paging(page)


def _classification_table(approval: Approval) -> pd.DataFrame:
    c = approval.classification
    return pd.DataFrame(
        {
            "": ["category", "priority", "sentiment", "language"],
            "value": [
                c.category,
                _with_reasons(c.priority, c.priority_reasons),
                c.sentiment,
                c.language,
            ],
            "confidence": [
                100 * c.category_confidence,
                100 * c.priority_confidence,
                100 * c.sentiment_confidence,
                100 * c.language_confidence,
            ],
        }
    )


def _with_reasons(priority: str, reasons: list[str]) -> str:
    return f"{priority} ({'; '.join(reasons)})" if reasons else priority


def _entities_table(approval: Approval) -> pd.DataFrame:
    found = approval.classification.entities.model_dump()
    rows = [(kind.replace("_", " "), value) for kind, values in found.items() for value in values]
    return pd.DataFrame(rows, columns=["entity", "value"])


def _decided(approval_id: str, message: str) -> None:
    st.session_state[FLASH_KEY] = ("success", message)
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
        formatted = bool(email.body_html) and st.toggle(
            "Formatted (sanitised HTML)",
            key=f"formatted-{aid}",
            help="Scripts, styles, images and unsafe links are removed before showing it.",
        )
        render_email(email, formatted=formatted)
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
    link_to(
        "executions",
        EXECUTION,
        current.execution_id,
        "Open its execution (every step it took)",
        ":material/bolt:",
    )
    render_review_reasons(current)
    render_correction(service, actor, current)

with right_column:
    st.subheader("Draft reply")
    assigned = (
        f" · assigned to {escape_markdown(current.assigned_to)}" if current.assigned_to else ""
    )
    st.markdown(
        f"{priority_badge(current.priority)} · due {timestamp(current.due_at)} "
        f"({time_left(current.due_at, now)}){assigned}"
    )
    render_viewers(service, actor, aid)
    draft = current.draft
    with st.form(key=f"decide-{aid}", border=True):
        subject = st.text_input("Subject", value=draft.subject, key=f"subject-{aid}")
        body = st.text_area("Reply", value=draft.body, height=320, key=f"body-{aid}")
        if draft.article_ids:
            st.markdown("**Cites:** " + " ".join(code(article) for article in draft.article_ids))
        else:
            st.warning(
                "No article matched: no knowledge-base article answers this email, so the "
                "draft is a holding reply. Answer it yourself or reject it.",
                icon=":material/search_off:",
            )
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
    except PermissionError as exc:
        st.error(escape_markdown(str(exc)), icon=":material/block:")
    except Conflict as exc:
        # Decided first by someone else: the agent's text is kept, and the page moves on.
        if approve:
            keep_edit(aid, subject, body, str(exc))
        else:
            st.session_state[FLASH_KEY] = ("warning", f"Nothing was recorded: {exc}.")
        st.session_state[CURRENT_KEY] = _neighbour(aid)
        st.rerun()
    except ControlRefused as exc:
        st.warning(escape_markdown(str(exc)), icon=":material/warning:")

    more = st.container(horizontal=True, vertical_alignment="bottom")
    people = ["", *service.assignees(actor)]
    more.selectbox(
        "Reassign to",
        people,
        index=people.index(current.assigned_to) if current.assigned_to in people else 0,
        format_func=lambda name: name or "anyone (the whole queue)",
        key=f"assign-{aid}",
    )
    more.button("Reassign", key=f"reassign-{aid}", on_click=_reassign, args=(aid,))
    next_id = _neighbour(aid)
    more.button(
        "Next draft",
        key="approvals-next",
        icon=":material/skip_next:",
        on_click=_select,
        args=(next_id or aid,),
        disabled=next_id is None,
    )
    if email is not None:
        render_customer_history(service, actor, email.email_id)

st.divider()
sent_replies()
