"""The API tokens panel of the Settings page (admins): list, create, revoke.

A new token's secret is shown once, right after it is made, in a code block (which has a copy
button); only its hash is stored, so it can never be shown again. Revoking asks first.
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd  # type: ignore[import-untyped]
import streamlit as st

from engine.service import Actor, ApiToken, ControlRefused, MailroomService, Role, utcnow
from ui import confirm
from ui.context import callback_actor
from ui.format import code, escape_markdown, timestamp

FLASH_KEY = "tokens-flash"
SECRET_KEY = "tokens-secret"
REVOKE_KEY = "token-revoke-pending"
#: Least privileged first, so a new token starts with the least.
ROLES = [Role.ANALYST, Role.AGENT, Role.MANAGER, Role.ADMIN]


def token_state(token: ApiToken, now: datetime) -> str:
    """``active``, ``expired`` or ``revoked`` (revoked wins: it was done on purpose)."""
    if token.revoked_at is not None:
        return "revoked"
    if token.expires_at is not None and token.expires_at <= now:
        return "expired"
    return "active"


def _flash(level: str, message: str) -> None:
    st.session_state[FLASH_KEY] = (level, message)


def _create(service: MailroomService) -> None:
    name = str(st.session_state.get("token-name", "")).strip()
    role = Role(st.session_state["token-role"])
    days = int(st.session_state.get("token-expires") or 0)
    try:
        token, secret = service.create_token(callback_actor(), name, role, days or None)
    except (ControlRefused, PermissionError) as exc:
        _flash("error", str(exc))
        return
    st.session_state["token-name"] = ""
    expiry = f"expires {timestamp(token.expires_at)}" if token.expires_at else "no expiry"
    _flash(
        "secret",
        f"Created {code(token.name)} ({token.role}, {expiry}). Copy the token now with the copy "
        "button: it is shown only this once and cannot be shown again.",
    )
    st.session_state[SECRET_KEY] = secret


def _ask_revoke() -> None:
    confirm.ask(REVOKE_KEY, st.session_state.get("token-pick"))


def _revoke(service: MailroomService) -> None:
    name = st.session_state.get("token-pick")
    if name is None or not confirm.answered(REVOKE_KEY, name):
        return  # the confirmation was for another token: ask again
    try:
        service.revoke_token(callback_actor(), str(name))
    except (ControlRefused, PermissionError) as exc:
        _flash("error", str(exc))
        return
    _flash("success", f"Revoked {code(str(name))}: every later call with it gets 401.")


def _show_flash() -> None:
    flash = st.session_state.pop(FLASH_KEY, None)
    secret = st.session_state.pop(SECRET_KEY, None)
    if flash is None:
        return
    level, message = flash
    if level == "error":
        st.error(escape_markdown(message), icon=":material/block:")
    elif level == "secret" and secret is not None:
        # Made here from a validated name, a role and a time: nothing to escape.
        st.success(message, icon=":material/key:")
        st.code(str(secret), language=None)
        st.caption("Send it as `Authorization: Bearer <token>` to the API (`/api/v1`).")
    else:
        st.success(message, icon=":material/check_circle:")


def tokens_panel(service: MailroomService, actor: Actor) -> None:
    """Every API token (never a secret), with the forms to create and revoke one."""
    _show_flash()
    tokens = service.list_tokens(actor)
    now = utcnow()
    st.dataframe(
        pd.DataFrame(
            {
                "name": [t.name for t in tokens],
                "role": [t.role for t in tokens],
                "state": [token_state(t, now) for t in tokens],
                "created": [timestamp(t.created_at) for t in tokens],
                "created by": [t.created_by for t in tokens],
                "expires": [timestamp(t.expires_at) if t.expires_at else "never" for t in tokens],
                "last used": [
                    timestamp(t.last_used_at) if t.last_used_at else "never" for t in tokens
                ],
                "revoked": [timestamp(t.revoked_at) if t.revoked_at else "" for t in tokens],
            }
        ),
        hide_index=True,
        width="stretch",
    )
    st.caption(
        "Each call is audited as `token:NAME` (see the audit log); the last use is recorded "
        "once a minute at most."
    )
    create, revoke = st.columns(2, gap="large")
    with create, st.form("token-create", border=True):
        st.markdown("**Create a token**")
        st.text_input("Name (letters, digits, '.', '_', '-')", key="token-name")
        st.selectbox("Role", ROLES, format_func=lambda r: r.value, key="token-role")
        st.number_input(
            "Expires after (days; 0: never)",
            min_value=0,
            max_value=3650,
            value=90,
            step=1,
            key="token-expires",
        )
        st.form_submit_button("Create", on_click=_create, args=(service,))
    with revoke, st.container(border=True):
        st.markdown("**Revoke a token**")
        in_force = [t.name for t in tokens if t.revoked_at is None]
        if not in_force:
            st.caption("No token is in force.")
            return
        st.selectbox("Token", in_force, key="token-pick")
        st.button("Revoke", key="token-revoke", on_click=_ask_revoke)
        pending = confirm.still_asked(REVOKE_KEY, st.session_state.get("token-pick"))
        if pending is not None:
            st.warning(
                f"Revoke {code(str(pending))}? Every program using it is refused from now on;"
                " this cannot be undone (create a new token instead).",
                icon=":material/key_off:",
            )
            confirm.yes_or_cancel(
                REVOKE_KEY,
                f"Yes, revoke {pending}",
                _revoke,
                (service,),
                yes_key="token-revoke-confirm",
                no_key="token-revoke-cancel",
            )
