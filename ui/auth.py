"""Sign-in: local accounts (bcrypt hashes in the accounts file) and, when an identity provider
is configured in ``.streamlit/secrets.toml`` (``[auth]``), ``st.login`` (OpenID Connect).

Who is signed in is kept in this browser session's state, on the server: the account name for a
password sign-in, or Streamlit's ``st.user`` for the identity provider. The role is read from the
accounts file on every run, so a changed role or a removed account applies at once.

A password sign-in also gets a signed, expiring session token (``engine.sessions``), kept in a
cookie, so a reload, a bookmark or a typed URL finds the person still signed in. The token is
checked on every run: signing out revokes it, and removing the account, changing its role or
resetting its password ends it. (The identity provider's sign-in already has its own cookie.)
"""

from __future__ import annotations

import json
import time

import streamlit as st
from streamlit.errors import StreamlitSecretNotFoundError

from engine.service import (
    COOKIE_NAME,
    AccountBook,
    Actor,
    MailroomService,
    Role,
    SessionKeeper,
    Settings,
)
from ui.format import escape_markdown
from ui.session_cookie import delete_cookie, write_cookie

SESSION_USER = "signed-in-user"
#: The session token of a password sign-in, and the seconds its cookie lives.
SESSION_TOKEN = "signed-in-token"
#: Set once the cookie the browser opened the page with has been looked at.
COOKIE_CHECKED = "session-cookie-checked"
#: Set when the browser still holds a cookie that must go (signed out, expired, revoked).
CLEAR_COOKIE = "session-cookie-clear"
AUDITED_OIDC = "signed-in-oidc-audited"
SIGN_IN_ERROR = "sign-in-error"


def oidc_configured() -> bool:
    """Whether ``[auth]`` is set in Streamlit's secrets, so ``st.login`` can be offered."""
    try:
        return "auth" in st.secrets
    except (StreamlitSecretNotFoundError, FileNotFoundError):
        return False


def _oidc_identity() -> str | None:
    """The email (or name) the identity provider signed in, if it signed anyone in."""
    if not oidc_configured() or not st.user.is_logged_in:
        return None
    return str(st.user.get("email") or st.user.get("name") or "") or None


def _oidc_sign_in_id() -> str | None:
    """What tells this identity-provider sign-in from the next: the id token's issuer,
    subject, issue time and nonce (Streamlit keeps its claims in ``st.user``)."""
    claims = [st.user.get(claim) for claim in ("iss", "sub", "iat", "nonce")]
    if claims[2] is None and claims[3] is None:
        return None  # nothing per sign-in: audited once per browser session instead
    return json.dumps([str(claim) for claim in claims])


def _oidc_actor(book: AccountBook, settings: Settings) -> Actor | None:
    email = str(st.user.get("email") or "") or None
    name = str(st.user.get("name") or "") or None
    account = book.find_identity(email, name)
    if account is not None:
        return Actor(name=account.name, role=account.role)
    if settings.oidc_default_role is not None and (email or name):
        return Actor(name=email or name or "", role=Role(settings.oidc_default_role))
    return None


def _oidc_sign_in(service: MailroomService, book: AccountBook, settings: Settings) -> Actor | None:
    """The person the identity provider signed in, with their role; None if nobody or refused.
    The sign-in or the refusal is audited once, not on each reload or tab."""
    identity = _oidc_identity()
    if identity is None:
        return None
    actor = _oidc_actor(book, settings)
    if not st.session_state.get(AUDITED_OIDC):
        st.session_state[AUDITED_OIDC] = True
        if actor is not None:
            service.record_sign_in(actor, "oidc", sign_in_id=_oidc_sign_in_id())
        else:
            service.record_refused_identity(identity, "no account", sign_in_id=_oidc_sign_in_id())
    return actor


def _keeper(settings: Settings) -> SessionKeeper:
    return SessionKeeper.from_settings(settings)


def _drop_session() -> None:
    st.session_state.pop(SESSION_USER, None)
    st.session_state.pop(SESSION_TOKEN, None)
    st.session_state[CLEAR_COOKIE] = True


def _resume_from_cookie(book: AccountBook, settings: Settings) -> None:
    """Sign in from the cookie the browser opened the page with: once per browser session."""
    if st.session_state.get(COOKIE_CHECKED):
        return
    st.session_state[COOKIE_CHECKED] = True
    token = st.context.cookies.get(COOKIE_NAME)
    if not isinstance(token, str) or not token or SESSION_USER in st.session_state:
        return
    account = _keeper(settings).resume(token, book)
    if account is None:
        st.session_state[CLEAR_COOKIE] = True  # forged, expired or revoked: forget it
        return
    st.session_state[SESSION_USER] = account.name
    st.session_state[SESSION_TOKEN] = token


def signed_in_actor(service: MailroomService, settings: Settings) -> Actor | None:
    """The person signed in in this browser session, with their current role; None if nobody."""
    book = AccountBook(settings.accounts_path)
    _resume_from_cookie(book, settings)
    token = st.session_state.get(SESSION_TOKEN)
    if isinstance(token, str) and _keeper(settings).resume(token, book) is None:
        _drop_session()  # signed out elsewhere, expired, or the account changed
    name = st.session_state.get(SESSION_USER)
    if isinstance(name, str):
        account = book.get(name)
        if account is not None and account.has_password:
            return Actor(name=account.name, role=account.role)
        del st.session_state[SESSION_USER]  # removed since: signed out
    return _oidc_sign_in(service, book, settings)


def _password_sign_in(service: MailroomService, settings: Settings) -> None:
    name = str(st.session_state.get("sign-in-name", "")).strip()
    password = str(st.session_state.get("sign-in-password", ""))
    st.session_state["sign-in-password"] = ""
    if not name or not password:
        st.session_state[SIGN_IN_ERROR] = "Enter your name and password."
        return
    # The service throttles failures, locks the name after too many and audits each attempt.
    result = service.sign_in(name, password)
    account = result.account
    if account is None:
        st.session_state[SIGN_IN_ERROR] = result.message or "Wrong name or password."
        return
    st.session_state[SESSION_USER] = account.name
    st.session_state[SESSION_TOKEN] = _keeper(settings).issue(account).token
    st.session_state.pop(CLEAR_COOKIE, None)


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
            args=(service, settings),
        )
    if error:
        st.error(error, icon=":material/lock:")


def sync_session_cookie(settings: Settings) -> None:
    """Keep the browser's cookie in step with this session: write the token of a password
    sign-in (the same script each run, so the browser runs it once), or delete a stale one."""
    token = st.session_state.get(SESSION_TOKEN)
    if isinstance(token, str):
        session = _keeper(settings).read(token)
        if session is not None:
            write_cookie(token, max(0, int(session.expires_at - time.time())))
            return
    if st.session_state.get(CLEAR_COOKIE):
        delete_cookie()


def sign_out(service: MailroomService, actor: Actor, settings: Settings) -> None:
    """Button callback: audit, end this session for good (its cookie no longer signs anyone
    in, even if copied), and leave the identity provider."""
    service.record_sign_out(actor)
    token = st.session_state.get(SESSION_TOKEN)
    if isinstance(token, str):
        _keeper(settings).revoke(token)
    _drop_session()
    st.session_state.pop(AUDITED_OIDC, None)
    if oidc_configured() and st.user.is_logged_in:
        st.logout()
