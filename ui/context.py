"""The service the pages talk to, and who is acting.

The app never touches the store directly: every page gets a ``MailroomService`` from
``get_service`` and passes the signed-in actor to each call, which checks the role.
"""

from __future__ import annotations

import runpy
from pathlib import Path

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

from engine.service import (
    Actor,
    Mailroom,
    MailroomService,
    Settings,
    SettingsError,
    compose,
    load_settings,
)
from ui.auth import sign_in_form, signed_in_actor
from ui.navigation import PAGES

APP_SCRIPT = Path(__file__).resolve().parent.parent / "app.py"


def _close(mailroom: Mailroom) -> None:
    mailroom.close()


def app_settings() -> Settings:
    """The settings, or a page that says which setting is wrong and why (and stops)."""
    try:
        return load_settings()
    except SettingsError as exc:
        st.error(str(exc), icon=":material/error:")
        st.stop()


def get_service() -> MailroomService:
    """The one service of this app process, on the store the settings name.

    The first call creates the tables or indexes, the default workflow and (when there is no
    accounts file) the first accounts, all idempotent, so a fresh installation works without a
    separate setup step.
    """
    app_settings()  # a bad setting stops the page with its message, before anything opens
    try:
        return _open_mailroom().service
    except SettingsError as exc:  # MAILROOM_ENV=production refusing demo settings
        st.error(str(exc), icon=":material/error:")
        st.stop()


@st.cache_resource(show_spinner="Opening the Mailroom store…", on_release=_close)
def _open_mailroom() -> Mailroom:
    return compose(first_accounts=True)


def signed_in() -> Actor | None:
    """Who is signed in in this browser session, or None."""
    return signed_in_actor(get_service(), app_settings())


def current_actor(page: str | None = None) -> Actor:
    """The signed-in person; otherwise the sign-in form, and the page stops.

    With ``page``, a person whose role does not use that page is told so and the page stops
    (navigation does not offer it to them; the service refuses their actions anyway).
    """
    if page is not None:
        _run_the_app_instead_of_a_lone_page()
    actor = signed_in()
    if actor is None:
        sign_in_form(get_service(), app_settings())
        st.stop()
    if page is not None and actor.role not in PAGES[page].roles:
        st.error(
            f"The {PAGES[page].title} page is not part of the {actor.role.value} role.",
            icon=":material/block:",
        )
        st.stop()
    return actor


def _run_the_app_instead_of_a_lone_page() -> None:
    # When the very first request after a start is a page's address, Streamlit runs in its
    # older pages-folder mode and starts the page's script alone, without app.py: no sign-in
    # cookie check, no sidebar, file names as navigation. app.py's own st.navigation ends that
    # mode, so run it (it runs this page again, through its navigation) and stop this run.
    if PagesManager.uses_pages_directory:
        runpy.run_path(str(APP_SCRIPT), run_name="__main__")
        st.stop()


class NotSignedIn(PermissionError):
    """A button was pressed in a session that is no longer signed in."""

    def __init__(self) -> None:
        super().__init__("you are signed out; sign in again")


def callback_actor() -> Actor:
    """Who presses a button, read afresh in the callback (never the actor of the previous run,
    whose role may have changed since); ``NotSignedIn`` when nobody is signed in."""
    actor = signed_in()
    if actor is None:
        raise NotSignedIn
    return actor
