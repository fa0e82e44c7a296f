"""Customer history beside a draft: the other emails of its thread and of its sender, newest
first, each with the reply sent to it; and merging this thread into another of the customer's."""

from __future__ import annotations

import streamlit as st

from engine.service import (
    Actor,
    ControlRefused,
    CustomerHistory,
    HistoryEntry,
    MailroomService,
    allowed,
)
from ui.context import callback_actor
from ui.format import code, escape_markdown, short_id, timestamp

#: Where the outcome of the last merge waits for the next run of the page.
MERGE_RESULT_KEY = "history-merge-result"
#: How much of an email or a reply the history shows.
EXCERPT = 300


def _excerpt(text: str) -> str:
    text = text.strip()
    return text if len(text) <= EXCERPT else text[:EXCERPT].rstrip() + " …"


def _thread_label(history: CustomerHistory, thread_id: str) -> str:
    subject = history.other_threads.get(thread_id, "")
    return f"{subject} · thread {short_id(thread_id)}"


def _render_entry(entry: HistoryEntry, address: str) -> None:
    email = entry.email
    where = "this thread" if entry.in_thread else f"thread {short_id(email.thread_id)}"
    who = "" if email.from_address == address else f" · from {escape_markdown(email.from_address)}"
    with st.container(border=True):
        st.markdown(
            f"**{escape_markdown(email.subject or '(no subject)')}**  \n"
            f"Received {timestamp(email.received_at)} · {where}{who}"
        )
        # Customer text as plain text: never Markdown, never HTML.
        if email.body_text.strip():
            st.text(_excerpt(email.body_text))
        if not entry.replies:
            st.caption("No reply was sent to this email.")
        for reply in entry.replies:
            when = timestamp(reply.sent_at or reply.created_at)
            st.markdown(
                f":material/reply: Reply {escape_markdown(reply.status.value)} {when}: "
                f"**{escape_markdown(reply.subject)}**"
            )
            st.text(_excerpt(reply.body))


def _merge(service: MailroomService, source_thread_id: str, key: str) -> None:
    target = st.session_state.get(f"{key}-target")
    if not st.session_state.get(f"{key}-confirm") or not target:
        st.session_state[MERGE_RESULT_KEY] = ("warning", "Tick the confirmation to merge.")
        return
    try:
        moved = service.merge_threads(callback_actor(), source_thread_id, target)
    except (PermissionError, ControlRefused) as exc:
        st.session_state[MERGE_RESULT_KEY] = ("warning", f"Nothing was merged: {exc}.")
        return
    st.session_state[MERGE_RESULT_KEY] = (
        "success",
        f"Merged: {moved} email{'s' if moved != 1 else ''} moved into thread {target}.",
    )
    st.session_state[f"{key}-confirm"] = False


def _render_merge(service: MailroomService, history: CustomerHistory, key: str) -> None:
    st.markdown("**Merge into another thread**")
    targets = list(history.other_threads)
    if not targets:
        st.caption("This customer has no other thread in the history to merge into.")
        return
    st.caption(
        f"Moves every email of this thread ({code(history.thread_id)}) into the chosen thread "
        "of the same customer, when they are one case."
    )
    st.selectbox(
        "Target thread",
        targets,
        format_func=lambda thread_id: _thread_label(history, thread_id),
        key=f"{key}-target",
    )
    confirmed = st.checkbox("Yes, merge this thread into the chosen one", key=f"{key}-confirm")
    st.button(
        "Merge threads",
        key=f"{key}-merge",
        icon=":material/merge:",
        disabled=not confirmed,
        on_click=_merge,
        args=(service, history.thread_id, key),
    )


def render_customer_history(service: MailroomService, actor: Actor, email_id: str) -> None:
    """The history of ``email_id``'s customer in an expander, with the thread merge for the
    roles the service lets merge."""
    result = st.session_state.pop(MERGE_RESULT_KEY, None)
    try:
        history = service.customer_history(actor, email_id)
    except ControlRefused as exc:
        st.caption(escape_markdown(str(exc)))
        return
    count = len(history.entries)
    label = f"Customer history ({count}{'+' if history.limited else ''})"
    with st.expander(label, icon=":material/history:", expanded=result is not None):
        if result is not None:
            level, message = result
            if level == "success":
                st.success(escape_markdown(message), icon=":material/merge:")
            else:
                st.warning(escape_markdown(message), icon=":material/warning:")
        if not history.entries:
            st.caption(f"No other email from {escape_markdown(history.address)} or in this thread.")
        else:
            more = " (the latest only; there are more)" if history.limited else ""
            st.caption(
                f"Other emails of this thread and from {escape_markdown(history.address)}, "
                f"newest first{more}."
            )
            for entry in history.entries:
                _render_entry(entry, history.address)
        if allowed(actor, "merge_threads"):
            _render_merge(service, history, f"history-{email_id}")
