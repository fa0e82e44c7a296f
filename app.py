"""Mailroom's Streamlit app: sign-in, then the pages of the signed-in person's role.

Run it with ``streamlit run app.py`` next to an engine worker (``python -m engine worker``).

Every page has its own address (``/approvals``, ``/executions?execution=…``), and an address
works before signing in too: the sign-in form is shown there, and once signed in the person is
on the page (and the draft or execution) they asked for.
"""

from __future__ import annotations

import streamlit as st

from ui.auth import sign_in_form, sync_session_cookie
from ui.context import app_settings, get_service, signed_in
from ui.layout import sidebar_status
from ui.navigation import PAGES, pages_for

st.set_page_config(page_title="Mailroom", page_icon=":material/mail:", layout="wide")

service = get_service()
settings = app_settings()
actor = signed_in()
sync_session_cookie(settings)
if actor is None:
    # One sign-in page under every page's address, so a link to /approvals?approval=… shows
    # the form there (not "Page not found"), and the same run after signing in opens it.
    pages = [
        st.Page(
            lambda: sign_in_form(service, settings),
            title="Sign in",
            icon=":material/login:",
            url_path=url_path,
            default=url_path == "sign-in",
        )
        for url_path in ("sign-in", *PAGES)
    ]
    st.navigation(pages, position="hidden").run()
    st.stop()

mine = pages_for(actor.role)
navigation = st.navigation(
    [
        st.Page(spec.path, title=spec.title, icon=spec.icon, url_path=spec.name, default=i == 0)
        for i, spec in enumerate(mine)
    ]
    # The other pages stay reachable by address, hidden, so a link to one says it is not part
    # of this role instead of "Page not found".
    + [
        st.Page(
            spec.path, title=spec.title, icon=spec.icon, url_path=spec.name, visibility="hidden"
        )
        for spec in PAGES.values()
        if spec not in mine
    ]
)
sidebar_status(service, actor, settings)
navigation.run()
