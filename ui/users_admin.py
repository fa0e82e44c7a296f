"""The users-and-roles panel of the Settings page (admins): list, add, change role, reset
password, remove. A generated password is shown once, right after it is made."""

from __future__ import annotations

import pandas as pd  # type: ignore[import-untyped]
import streamlit as st

from engine.service import PERMISSIONS, Actor, ControlRefused, MailroomService, Role
from ui import confirm
from ui.context import callback_actor
from ui.format import code, escape_markdown

FLASH_KEY = "users-flash"
REMOVE_KEY = "user-remove-pending"
#: Least privileged first (fewest actions allowed), so a new person starts with the least.
ROLES = sorted(Role, key=lambda role: sum(role in roles for roles in PERMISSIONS.values()))


def _flash(level: str, message: str) -> None:
    st.session_state[FLASH_KEY] = (level, message)


def _add(service: MailroomService) -> None:
    name = str(st.session_state.get("user-add-name", "")).strip()
    role = Role(st.session_state["user-add-role"])
    email = str(st.session_state.get("user-add-email", "")).strip() or None
    sso_only = bool(st.session_state.get("user-add-sso"))
    try:
        password = service.add_account(
            callback_actor(), name, role, email=email, password=not sso_only
        )
    except (ControlRefused, PermissionError) as exc:
        _flash("error", str(exc))
        return
    st.session_state["user-add-name"] = ""
    st.session_state["user-add-email"] = ""
    if password is None:
        _flash("success", f"Added {name} ({role.value}); signs in through the identity provider.")
    else:
        _flash("password", f"Added {name} ({role.value}). Their password, shown only now: ")
        st.session_state["users-password"] = password


def _change(service: MailroomService, what: str) -> None:
    name = str(st.session_state.get("user-pick", ""))
    try:
        actor = callback_actor()
        if what == "role":
            role = Role(st.session_state["user-new-role"])
            service.set_account_role(actor, name, role)
            _flash("success", f"{name} is now {role.value}.")
        elif what == "password":
            st.session_state["users-password"] = service.reset_password(actor, name)
            _flash("password", f"New password for {name}, shown only now: ")
        elif what == "remove":
            if not confirm.answered(REMOVE_KEY, name):
                return  # the confirmation was for someone else: ask again
            service.remove_account(actor, name)
            _flash("success", f"Removed {name}; their sessions have ended.")
    except (ControlRefused, PermissionError) as exc:
        _flash("error", str(exc))


def _ask_remove() -> None:
    confirm.ask(REMOVE_KEY, str(st.session_state.get("user-pick", "")))


def users_panel(service: MailroomService, actor: Actor) -> None:
    """Accounts and roles, with the forms to change them."""
    flash = st.session_state.pop(FLASH_KEY, None)
    password = st.session_state.pop("users-password", None)
    if flash is not None:
        level, message = flash
        if level == "error":
            st.error(escape_markdown(message), icon=":material/block:")
        elif level == "password":
            st.success(escape_markdown(message) + code(str(password)), icon=":material/key:")
        else:
            st.success(escape_markdown(message), icon=":material/check_circle:")
    accounts = service.list_accounts(actor)
    st.dataframe(
        pd.DataFrame(
            {
                "name": [a.name for a in accounts],
                "role": [a.role.value for a in accounts],
                "signs in with": [
                    "password" if a.has_password else "identity provider" for a in accounts
                ],
                "email": [a.email or "" for a in accounts],
            }
        ),
        hide_index=True,
        width="stretch",
    )
    add, change = st.columns(2, gap="large")
    with add, st.form("user-add", border=True):
        st.markdown("**Add a person**")
        st.text_input("Name", key="user-add-name")
        st.selectbox("Role", ROLES, format_func=lambda r: r.value, key="user-add-role")
        st.text_input("Email (for the identity provider)", key="user-add-email")
        st.checkbox("No password: identity provider only", key="user-add-sso")
        st.form_submit_button("Add", on_click=_add, args=(service,))
    with change, st.container(border=True):
        st.markdown("**Change someone**")
        names = [a.name for a in accounts]
        st.selectbox("Person", names, key="user-pick")
        st.selectbox("New role", ROLES, format_func=lambda r: r.value, key="user-new-role")
        buttons = st.container(horizontal=True)
        buttons.button(
            "Change role", key="user-change-role", on_click=_change, args=(service, "role")
        )
        buttons.button(
            "Reset password",
            key="user-reset-password",
            on_click=_change,
            args=(service, "password"),
        )
        buttons.button("Remove", key="user-remove", on_click=_ask_remove)
        pending = confirm.still_asked(REMOVE_KEY, st.session_state.get("user-pick"))
        if pending is not None:
            st.warning(
                f"Remove {code(str(pending))}? They can no longer sign in, and any session they "
                "have open ends now.",
                icon=":material/person_remove:",
            )
            confirm.yes_or_cancel(
                REMOVE_KEY,
                f"Yes, remove {pending}",
                _change,
                (service, "remove"),
                yes_key="user-remove-confirm",
                no_key="user-remove-cancel",
            )
