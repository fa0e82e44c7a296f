"""Page furniture shared by the app: who is signed in, sign out, and the worker note."""

from __future__ import annotations

import streamlit as st

from engine.service import Actor, MailroomService, Settings
from ui.auth import sign_out
from ui.format import escape_markdown

NO_WORKER_NOTE = (
    "No engine worker is running — start one with `python -m engine worker` "
    "(`make run` starts one)."
)


def sidebar_status(service: MailroomService, actor: Actor, settings: Settings) -> None:
    """Who is signed in (with a sign-out button), and a warning when no engine worker has a
    recent heartbeat."""
    with st.sidebar:
        st.caption(f"Signed in as **{escape_markdown(actor.name)}** · {actor.role.value}")
        st.button(
            "Sign out",
            icon=":material/logout:",
            key="sign-out",
            on_click=sign_out,
            args=(service, actor, settings),
        )
        if not service.live_workers():
            st.warning(NO_WORKER_NOTE, icon=":material/warning:")
