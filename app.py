"""Mailroom's Streamlit app: sign-in, then the pages of the signed-in person's role.

Run it with ``streamlit run app.py`` next to an engine worker (``python -m engine worker``).

Every page has its own address (``/approvals``, ``/executions?execution=…``), and an address
works before signing in too: the sign-in form is shown there, and once signed in the person is
on the page (and the draft or execution) they asked for.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

if PagesManager.uses_pages_directory:
    # The first run after a start is Streamlit's older multipage mode (there is a pages/
    # folder), which lists the raw files of pages/ in the sidebar until this script declares
    # its own navigation, and the imports below take seconds: declare a hidden one first,
    # under every address the app answers to (so none is "not found").
    page_files = (Path(__file__).parent / "pages").glob("*.py")
    addresses = ["home", "sign-in", *(page_file.stem for page_file in page_files)]
    st.navigation(
        [
            st.Page(lambda: None, title="Mailroom", url_path=path, default=path == "home")
            for path in addresses
        ],
        position="hidden",
    )

from ui.auth import oidc_configured, sign_in_form, sync_session_cookie
from ui.context import app_settings, get_service, signed_in
from ui.layout import sidebar_status
from ui.navigation import PAGES, pages_for
from ui.return_address import forget, remember, wanted

st.set_page_config(page_title="Mailroom", page_icon=":material/mail:", layout="wide")

service = get_service()
settings = app_settings()
actor = signed_in()
sync_session_cookie(settings)
if actor is None:
    # One sign-in page under every page's address, so a link to /approvals?approval=… shows
    # the form there (not "Page not found"), and the same run after signing in opens it.
    sign_in_pages = [
        st.Page(
            lambda: sign_in_form(service, settings),
            title="Sign in",
            icon=":material/login:",
            url_path=url_path,
            default=url_path == "sign-in",
        )
        for url_path in ("sign-in", *PAGES)
    ]
    current = st.navigation(sign_in_pages, position="hidden")
    if oidc_configured():
        # The identity provider comes back to the root address: keep this one for after.
        remember(current.url_path)
    current.run()
    st.stop()

forget()

mine = pages_for(actor.role)
pages = {
    spec.name: st.Page(
        spec.path,
        title=spec.title,
        icon=spec.icon,
        url_path=spec.name,
        # The other pages stay reachable by address, hidden, so a link to one says it is not
        # part of this role instead of "Page not found".
        visibility="visible" if spec in mine else "hidden",
    )
    for spec in PAGES.values()
}
home = pages[mine[0].name]


def land() -> None:
    """The root address: the page asked for before the identity provider, or home."""
    asked = wanted()
    if asked is not None:
        st.switch_page(pages[asked[0]], query_params=asked[1])
    st.switch_page(home)


# The root address leads to the role's home page under its own name, so every page, the home
# page included, has one address (``/approvals`` works for an agent as for a manager).
landing = st.Page(
    land,
    title=home.title,
    icon=mine[0].icon,
    url_path="home",
    default=True,
    visibility="hidden",
)
navigation = st.navigation(
    [landing, *(pages[spec.name] for spec in mine)]
    + [page for page in pages.values() if page.visibility == "hidden"]
)
sidebar_status(service, actor, settings)
navigation.run()
