"""Page furniture shared by the app: the sidebar's actor and worker notes."""

from __future__ import annotations

import streamlit as st

from engine.service import Actor, MailroomService
from ui.format import escape_markdown

NO_WORKER_NOTE = (
    "No engine worker is running — start one with `python -m engine worker` "
    "(`make run` starts one)."
)


def sidebar_status(service: MailroomService, actor: Actor) -> None:
    """Who is acting, and a warning when no engine worker has a recent heartbeat."""
    with st.sidebar:
        st.caption(f"Acting as **{escape_markdown(actor.name)}** · {actor.role.value}")
        if not service.live_workers():
            st.warning(NO_WORKER_NOTE, icon=":material/warning:")
