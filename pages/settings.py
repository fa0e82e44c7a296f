"""Settings and health (admins): database, workers, AI providers and mailboxes with their
health; which secrets are set (never their values); retention; users and roles; API tokens;
audit log."""

from __future__ import annotations

import json

import pandas as pd  # type: ignore[import-untyped]
import streamlit as st

from ui.api_tokens import tokens_panel
from ui.context import app_settings, current_actor, get_service
from ui.data_protection import render_encryption, render_retention
from ui.format import health_style, timestamp
from ui.long_work import backfill_panel, bulk_import_panel, retrain_panel
from ui.source_health import render_source_health
from ui.users_admin import users_panel

AUDIT_LIMIT = 200


def _details(values: dict[str, object] | None) -> str:
    return "" if values is None else json.dumps(values, ensure_ascii=False, default=str)


service = get_service()
actor = current_actor("settings")
settings = app_settings()

st.title("Settings")
health_tab, secrets_tab, users_tab, tokens_tab, work_tab, audit_tab = st.tabs(
    [
        "Health",
        "Secrets, encryption and retention",
        "Users and roles",
        "API tokens",
        "Long work",
        "Audit log",
    ]
)

with health_tab:
    checks = service.health(actor, settings)
    st.dataframe(
        pd.DataFrame(
            {
                "component": [c.component for c in checks],
                "name": [c.name for c in checks],
                "health": [c.health.value for c in checks],
                "detail": [c.detail for c in checks],
            }
        ).style.map(health_style, subset=["health"]),
        hide_index=True,
        width="stretch",
    )
    render_source_health(service, actor)

with secrets_tab:
    st.caption("Whether each secret is set, from the environment or `.streamlit/secrets.toml`.")
    rows = service.secrets_status(actor)
    st.dataframe(
        pd.DataFrame(
            {
                "secret": [name for name, _, _ in rows],
                "for": [purpose for _, purpose, _ in rows],
                "set": ["set" if present else "missing" for _, _, present in rows],
            }
        ),
        hide_index=True,
        width="stretch",
    )
    render_encryption(service, actor, settings)
    render_retention(service, actor, settings)

with users_tab:
    users_panel(service, actor)

with tokens_tab:
    tokens_panel(service, actor)

with work_tab:
    bulk_import_panel(service, actor)
    st.divider()
    retrain_panel(service, actor)
    st.divider()
    backfill_panel(service, actor)

with audit_tab:
    entries = service.audit_log(actor, limit=AUDIT_LIMIT)
    st.caption(f"The {AUDIT_LIMIT} most recent actions by people, newest first.")
    st.dataframe(
        pd.DataFrame(
            {
                "at": [timestamp(e.at) for e in entries],
                "who": [e.actor for e in entries],
                "role": [e.role for e in entries],
                "action": [e.action for e in entries],
                "target": [e.target for e in entries],
                "before": [_details(e.before) for e in entries],
                "after": [_details(e.after) for e in entries],
            }
        ),
        hide_index=True,
        width="stretch",
    )
