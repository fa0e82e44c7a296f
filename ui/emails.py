"""Showing customer email safely: as plain text, never as HTML or Markdown."""

from __future__ import annotations

from typing import Literal

import streamlit as st

from engine.models import Email
from ui.format import timestamp


def sender(email: Email) -> str:
    """``Name <address>`` or just the address."""
    return f"{email.from_name} <{email.from_address}>" if email.from_name else email.from_address


def render_email(email: Email, *, max_body_height: int = 420) -> None:
    """Headers and the plain-text body of ``email``.

    The HTML part is never rendered: it may carry scripts, tracking pixels or content that
    looks different from the text part the classifier read.
    """
    rows = {
        "From": sender(email),
        "To": email.to_address or email.mailbox,
        "Subject": email.subject or "(no subject)",
        "Received": timestamp(email.received_at),
    }
    # Plain text, not Markdown: no escaping subtleties, and addresses are not turned into links.
    st.text("\n".join(f"{label}: {value}" for label, value in rows.items()))
    long = len(email.body_text) > 1200 or email.body_text.count("\n") > 20
    height: int | Literal["content"] = max_body_height if long else "content"
    with st.container(border=True, height=height):
        if email.body_text.strip():
            st.text(email.body_text)
        elif email.body_html:
            st.caption("This email has only an HTML part, which is not shown for safety.")
        else:
            st.caption("(empty body)")
