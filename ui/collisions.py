"""Approvals page: two people on one draft.

While a draft is open the page tells the engine so every few seconds and shows who else has it
open. When someone decided it first, the agent's edited reply is not lost: it is kept in the
session and shown at the top of the page with what happened, to copy, until dismissed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import streamlit as st

from engine.service import Actor, MailroomService
from ui.format import escape_markdown

KEPT_KEY = "approvals-kept-edit"
#: How often an open draft says so (the engine counts a page as gone after 30 s of silence).
VIEWING_EVERY_SECONDS = 10


@dataclass(frozen=True)
class KeptEdit:
    """A reply that was not sent because the draft was decided first, and why."""

    approval_id: str
    subject: str
    body: str
    message: str


def keep_edit(approval_id: str, subject: str, body: str, message: str) -> None:
    """Keep the reply the agent tried to send; the page shows it until dismissed."""
    st.session_state[KEPT_KEY] = KeptEdit(approval_id, subject, body, message)


def _dismiss() -> None:
    st.session_state.pop(KEPT_KEY, None)


def render_kept_edit() -> None:
    """The kept reply, if any: what happened, and the text to copy."""
    kept = st.session_state.get(KEPT_KEY)
    if not isinstance(kept, KeptEdit):
        return
    with st.container(border=True, key="kept-edit"):
        st.warning(
            f"Your reply was **not sent**: {escape_markdown(kept.message)}. "
            "Your text is kept here; copy it if the customer still needs it.",
            icon=":material/sync_problem:",
        )
        st.code(f"Subject: {kept.subject}\n\n{kept.body}", language=None, wrap_lines=True)
        st.button("Dismiss", key="kept-edit-dismiss", on_click=_dismiss)


def others_label(viewers: dict[str, datetime], now: datetime) -> str:
    """ "Also open for maria (5 s ago)" and the like; empty when nobody else has it open."""
    if not viewers:
        return ""
    seen = [
        f"{escape_markdown(person)} ({max(0, int((now - at).total_seconds()))} s ago)"
        for person, at in viewers.items()
    ]
    return "Also open for " + ", ".join(seen) + ": whoever decides first wins."


def render_viewers(service: MailroomService, actor: Actor, approval_id: str) -> None:
    """Who else has ``approval_id`` open, refreshed in place while it is open here."""

    @st.fragment(run_every=VIEWING_EVERY_SECONDS)
    def others() -> None:
        label = others_label(service.viewing(actor, approval_id), datetime.now(UTC))
        if label:
            st.info(label, icon=":material/group:")

    others()
