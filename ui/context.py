"""The service the pages talk to, and who is acting.

The app never touches the store directly: every page gets a ``MailroomService`` from
``get_service`` and passes ``current_actor()`` to each call, which checks the role.
"""

from __future__ import annotations

import streamlit as st

from engine.seed import seed
from engine.service import Actor, MailroomService, Role
from engine.settings import Settings, SettingsError, load_settings
from engine.store.factory import open_store


def _close(service: MailroomService) -> None:
    service.store.close()


def app_settings() -> Settings:
    """The settings, or a page that says which setting is wrong and why (and stops)."""
    try:
        return load_settings()
    except SettingsError as exc:
        st.error(str(exc), icon=":material/error:")
        st.stop()


def get_service() -> MailroomService:
    """The one service of this app process, on the store the settings name.

    The first call creates the tables or indexes and the default workflow (both idempotent),
    so a fresh installation works without a separate setup step.
    """
    app_settings()  # a bad setting stops the page with its message, before anything opens
    return _open_service()


@st.cache_resource(show_spinner="Opening the Mailroom store…", on_release=_close)
def _open_service() -> MailroomService:
    settings = load_settings()
    store = open_store(settings)
    store.setup()
    seed(store)
    return MailroomService(store)


def current_actor() -> Actor:
    """Who is using the app. Until sign-in exists this is the user named in the settings."""
    settings = app_settings()
    return Actor(name=settings.default_user, role=Role(settings.default_role))
