"""Mailroom's Streamlit app: navigation between the pages, presentation only.

Run it with ``streamlit run app.py`` next to an engine worker (``python -m engine worker``).
"""

from __future__ import annotations

import streamlit as st

from ui.context import current_actor, get_service
from ui.layout import sidebar_status

st.set_page_config(page_title="Mailroom", page_icon=":material/mail:", layout="wide")

navigation = st.navigation(
    [
        st.Page(
            "pages/workflow.py",
            title="Workflow",
            icon=":material/account_tree:",
            url_path="workflow",
            default=True,
        ),
        st.Page(
            "pages/executions.py",
            title="Live executions",
            icon=":material/bolt:",
            url_path="executions",
        ),
        st.Page(
            "pages/approvals.py",
            title="Approvals",
            icon=":material/fact_check:",
            url_path="approvals",
        ),
        st.Page(
            "pages/metrics.py", title="Metrics", icon=":material/monitoring:", url_path="metrics"
        ),
    ]
)
sidebar_status(get_service(), current_actor())
navigation.run()
