"""The Settings page's data-protection panel: encryption at rest, retention and its last run."""

from __future__ import annotations

from datetime import datetime

import pandas as pd  # type: ignore[import-untyped]
import streamlit as st

from engine.service import GENERATE_KEY_COMMAND, Actor, MailroomService, Settings
from ui.format import timestamp


def render_encryption(service: MailroomService, actor: Actor, settings: Settings) -> None:
    """Whether data is encrypted at rest and under which key; how to turn it on when off."""
    state = service.data_protection(actor, settings)
    st.subheader("Encryption at rest")
    if state["encrypted"]:
        old = ", ".join(state["old_key_ids"]) or "none"
        st.success(
            f"Email bodies, attachments' names, drafts, replies and audit details are stored "
            f"encrypted (AES-256-GCM) under key `{state['key_id']}`. Old keys still read: {old}.",
            icon=":material/lock:",
        )
        if state["old_key_ids"]:
            st.caption(
                "Run `python -m engine privacy rotate-key` to re-encrypt everything under the "
                "current key, then remove MAILROOM_ENCRYPTION_OLD_KEYS."
            )
        return
    st.warning(
        "Customer data is stored in clear: anyone who can read the database file or "
        "collections can read every email. Set MAILROOM_ENCRYPTION_KEY to base64 of 32 random "
        "bytes, generated with:",
        icon=":material/lock_open:",
    )
    st.code(GENERATE_KEY_COMMAND, language="bash")
    st.caption(
        "Then restart the app and the workers, and run `python -m engine privacy rotate-key` "
        "to encrypt what is already stored. Keep the key safe: data cannot be read without it."
    )


def render_retention(service: MailroomService, actor: Actor, settings: Settings) -> None:
    """The retention policy per collection and what its last run deleted."""
    state = service.data_protection(actor, settings)
    st.subheader("Retention")
    last = state["last_retention_run"] or {"deleted": {}}
    deleted: dict[str, int] = last["deleted"]
    days: dict[str, int] = state["retention_days"]
    st.dataframe(
        pd.DataFrame(
            {
                "collection": list(days),
                "kept": [f"{d} days" if d else "forever" for d in days.values()],
                "setting": [f"MAILROOM_RETENTION_{name.upper()}_DAYS" for name in days],
                "deleted at last run": [str(deleted.get(name, "-")) for name in days],
            }
        ),
        hide_index=True,
        width="stretch",
    )
    if "at" in last:
        when = timestamp(datetime.fromisoformat(last["at"]))
        st.caption(f"Last retention run: {when}. Unfinished work is never deleted.")
    else:
        st.caption(
            "The retention job has not run yet: a worker runs it every "
            f"{settings.retention_check_seconds:g} s (or `python -m engine privacy retention`)."
        )
