"""Sign-in: local accounts (bcrypt hashes in the accounts file) and, when an identity provider
is configured in ``.streamlit/secrets.toml`` (``[auth]``), ``st.login`` (OpenID Connect).

Who is signed in is kept in this browser session's state, on the server: the account name for a
password sign-in, or Streamlit's ``st.user`` for the identity provider. The role is read from the
accounts file on every run, so a changed role or a removed account applies at once.
"""

from __future__ import annotations

import streamlit as st
from streamlit.errors import StreamlitSecretNotFoundError

from engine.service import AccountBook, Actor, MailroomService, Role, Settings
from ui.format import escape_markdown

SESSION_USER = "signed-in-user"
AUDITED_OIDC = "signed-in-oidc-audited"
SIGN_IN_ERROR = "sign-in-error"


def oidc_configured() -> bool:
    """Whether ``[auth]`` is set in Streamlit's secrets, so ``st.login`` can be offered."""
    try:
        return "auth" in st.secrets
    except (StreamlitSecretNotFoundError, FileNotFoundError):
        return False


def _oidc_actor(book: AccountBook, settings: Settings) -> Actor | None:
    if not oidc_configured() or not st.user.is_logged_in:
        return None
    email = str(st.user.get("email") or "") or None
    name = str(st.user.get("name") or "") or None
    account = book.find_identity(email, name)
    if account is not None:
        return Actor(name=account.name, role=account.role)
    if settings.oidc_default_role is not None and (email or name):
        return Actor(name=email or name or "", role=Role(settings.oidc_default_role))
    return None


def signed_in_actor(service: MailroomService, settings: Settings) -> Actor | None:
    """The person signed in in this browser session, with their current role; None if nobody."""
    book = AccountBook(settings.accounts_path)
    name = st.session_state.get(SESSION_USER)
    if isinstance(name, str):
        account = book.get(name)
        if account is not None and account.has_password:
            return Actor(name=account.name, role=account.role)
        del st.session_state[SESSION_USER]  # removed since: signed out
    actor = _oidc_actor(book, settings)
    if actor is not None and not st.session_state.get(AUDITED_OIDC):
        st.session_state[AUDITED_OIDC] = True
        service.record_sign_in(actor, "oidc")
    return actor


def _password_sign_in(service: MailroomService, book: AccountBook) -> None:
    name = str(st.session_state.get("sign-in-name", "")).strip()
    password = str(st.session_state.get("sign-in-password", ""))
    account = book.authenticate(name, password) if name and password else None
    st.session_state["sign-in-password"] = ""
    if account is None:
        st.session_state[SIGN_IN_ERROR] = "Wrong name or password."
        return
    st.session_state[SESSION_USER] = account.name
    service.record_sign_in(Actor(name=account.name, role=account.role), "password")


def sign_in_form(service: MailroomService, settings: Settings) -> None:
    """The sign-in page: the identity provider's button when configured, and the password form."""
    book = AccountBook(settings.accounts_path)
    st.title("Sign in to Mailroom")
    if oidc_configured():
        if st.user.is_logged_in:
            who = escape_markdown(str(st.user.get("email") or st.user.get("name") or ""))
            st.warning(
                f"{who} has no Mailroom account. Ask an admin to run "
                "`python -m engine users add EMAIL --role ROLE --sso-only`.",
                icon=":material/person_off:",
            )
            st.button("Sign out of the identity provider", on_click=st.logout)
            return
        st.button(
            "Sign in with your identity provider",
            type="primary",
            icon=":material/login:",
            on_click=st.login,
            key="sign-in-oidc",
        )
        st.caption("Or with a local account:")
    if not book.exists():
        st.info(
            "There are no accounts yet. Run `python -m engine setup` (or `make run`): it creates "
            "one account per role and prints their passwords once.",
            icon=":material/person_add:",
        )
    error = st.session_state.pop(SIGN_IN_ERROR, None)
    with st.form("sign-in", border=True, enter_to_submit=True):
        st.text_input("Name", key="sign-in-name", autocomplete="username")
        st.text_input(
            "Password", type="password", key="sign-in-password", autocomplete="current-password"
        )
        st.form_submit_button(
            "Sign in",
            type="primary",
            on_click=_password_sign_in,
            args=(service, book),
        )
    if error:
        st.error(error, icon=":material/lock:")


def sign_out(service: MailroomService, actor: Actor) -> None:
    """Button callback: audit, forget this session's sign-in, and leave the identity provider."""
    service.record_sign_out(actor)
    st.session_state.pop(SESSION_USER, None)
    st.session_state.pop(AUDITED_OIDC, None)
    if oidc_configured() and st.user.is_logged_in:
        st.logout()
