"""Mailroom's Streamlit app: sign-in, then the pages of the signed-in person's role.

Run it with ``streamlit run app.py`` next to an engine worker (``python -m engine worker``).
"""

from __future__ import annotations

import streamlit as st

from ui.auth import sign_in_form
from ui.context import app_settings, get_service, signed_in
from ui.layout import sidebar_status
from ui.navigation import pages_for

st.set_page_config(page_title="Mailroom", page_icon=":material/mail:", layout="wide")

service = get_service()
actor = signed_in()
if actor is None:
    settings = app_settings()
    page = st.Page(
        lambda: sign_in_form(service, settings),
        title="Sign in",
        icon=":material/login:",
        url_path="sign-in",
    )
    st.navigation([page], position="hidden").run()
    st.stop()

navigation = st.navigation(
    [
        st.Page(spec.path, title=spec.title, icon=spec.icon, url_path=spec.name, default=i == 0)
        for i, spec in enumerate(pages_for(actor.role))
    ]
)
sidebar_status(service, actor)
navigation.run()
