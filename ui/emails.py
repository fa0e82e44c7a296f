"""Showing customer email safely: as plain text, or HTML sanitised with nh3 on request;
never as Markdown or raw HTML."""

from __future__ import annotations

from typing import Literal

import streamlit as st

from engine.service import Email
from ui.approvals import sanitised_html
from ui.format import timestamp


def sender(email: Email) -> str:
    """``Name <address>`` or just the address."""
    return f"{email.from_name} <{email.from_address}>" if email.from_name else email.from_address


def _size(size_bytes: int) -> str:
    if size_bytes < 1024:
        return f"{size_bytes} bytes"
    if size_bytes < 1024 * 1024:
        return f"{size_bytes / 1024:.1f} KB"
    return f"{size_bytes / 1024 / 1024:.1f} MB"


def attachment_lines(email: Email) -> list[str]:
    """One line per attachment: name, type and size; one whose content could not be had
    (a webhook's download that failed) says so, with the reason."""
    lines = []
    for attached in email.attachments:
        line = f"{attached.filename or '(no name)'} ({attached.content_type}, "
        line += f"{_size(attached.size_bytes)})"
        if attached.missing:
            line += f" — not received: {attached.missing}"
        lines.append(line)
    return lines


def render_email(email: Email, *, max_body_height: int = 420, formatted: bool = False) -> None:
    """Headers and the body of ``email``: the plain-text part, or with ``formatted`` the HTML
    part after sanitising (no scripts, styles, event handlers, images or unsafe links)."""
    rows = {
        "From": sender(email),
        "To": email.to_address or email.mailbox,
        **({"Cc": email.cc_address} if email.cc_address else {}),
        "Subject": email.subject or "(no subject)",
        # When it reached us: the SLA counts from here. The Date header is the sender's word.
        "Received": timestamp(email.received_at),
    }
    if email.date_header is not None:
        rows["Date header"] = f"{timestamp(email.date_header)} (as the sender wrote it)"
    if email.attachments:
        rows["Attachments"] = "\n  ".join(["", *attachment_lines(email)])
    # Plain text, not Markdown: no escaping subtleties, and addresses are not turned into links.
    st.text("\n".join(f"{label}: {value}" for label, value in rows.items()))
    long = len(email.body_text) > 1200 or email.body_text.count("\n") > 20
    height: int | Literal["content"] = max_body_height if long else "content"
    with st.container(border=True, height=height):
        if formatted and email.body_html:
            st.html(sanitised_html(email.body_html))
        elif email.body_text.strip():
            st.text(email.body_text)
        elif email.body_html:
            st.caption("This email has only an HTML part: switch on Formatted to read it.")
        else:
            st.caption("(empty body)")
