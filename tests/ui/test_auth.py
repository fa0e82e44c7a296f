"""Sign-in through the identity provider (st.login): who gets which role."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from engine.accounts import AccountBook
from engine.roles import Role
from engine.service import MailroomService
from engine.settings import Settings
from tests.ui.conftest import ROOT
from ui import auth


@dataclass
class FakeUser:
    """What ``st.user`` holds after the identity provider signed someone in."""

    claims: dict[str, str] = field(default_factory=dict)

    @property
    def is_logged_in(self) -> bool:
        return bool(self.claims)

    def get(self, key: str) -> str | None:
        return self.claims.get(key)


@pytest.fixture
def oidc(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeUser]:
    user = FakeUser()
    monkeypatch.setattr(auth, "oidc_configured", lambda: True)
    monkeypatch.setattr(st, "user", user)
    yield user


def _actor_in_app() -> AppTest:
    """Who ``signed_in_actor`` finds, in a script run by AppTest (so ``st.session_state``
    exists)."""

    def script() -> None:
        import streamlit as st

        from engine.service import MailroomService as Service
        from engine.settings import load_settings
        from engine.store.factory import open_store
        from ui.auth import signed_in_actor

        settings = load_settings()
        store = open_store(settings)
        try:
            actor = signed_in_actor(Service(store), settings)
        finally:
            store.close()
        st.write(f"{actor.name}:{actor.role.value}" if actor else "nobody")

    return AppTest.from_function(script).run()


def test_an_identity_matches_an_account_by_email(
    oidc: FakeUser, accounts: AccountBook, service: MailroomService, app_settings: Settings
) -> None:
    accounts.add("dora", Role.AGENT, None, email="Dora@Example.com")
    oidc.claims = {"email": "dora@example.com", "name": "Dora"}
    at = _actor_in_app()
    assert at.markdown[0].value == "dora:agent"
    at.run()  # the sign-in is audited once per session
    assert [e.action for e in service.store.list_audit()] == ["sign_in"]
    assert service.store.list_audit()[0].after == {"method": "oidc"}


def test_an_unknown_identity_is_refused_unless_a_default_role_is_set(
    oidc: FakeUser,
    accounts: AccountBook,
    service: MailroomService,
    app_settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    oidc.claims = {"email": "eve@example.com"}
    assert _actor_in_app().markdown[0].value == "nobody"
    monkeypatch.setenv("MAILROOM_OIDC_DEFAULT_ROLE", "analyst")
    assert _actor_in_app().markdown[0].value == "eve@example.com:analyst"


def test_the_sign_in_page_offers_the_identity_provider(
    oidc: FakeUser, accounts: AccountBook, app_settings: Settings
) -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30).run()
    assert not at.exception
    assert at.button(key="sign-in-oidc").label == "Sign in with your identity provider"


def test_a_provider_sign_in_is_audited_once_across_reloads_and_tabs(
    oidc: FakeUser, accounts: AccountBook, service: MailroomService, app_settings: Settings
) -> None:
    accounts.add("dora", Role.AGENT, None, email="dora@example.com")
    claims = {"email": "dora@example.com", "iss": "https://idp", "sub": "d1", "nonce": "n1"}
    oidc.claims = {**claims, "iat": "1000"}
    # Each AppTest is a new browser session, as a reload or a new tab is.
    assert _actor_in_app().markdown[0].value == "dora:agent"
    assert _actor_in_app().markdown[0].value == "dora:agent"
    assert [e.action for e in service.store.list_audit()] == ["sign_in"]
    oidc.claims = {**claims, "iat": "2000", "nonce": "n2"}  # signed in again at the provider
    _actor_in_app()
    assert [e.action for e in service.store.list_audit()] == ["sign_in", "sign_in"]


def test_a_refused_identity_is_audited_once(
    oidc: FakeUser, accounts: AccountBook, service: MailroomService, app_settings: Settings
) -> None:
    oidc.claims = {"email": "eve@example.com", "iss": "https://idp", "sub": "e1", "iat": "1"}
    assert _actor_in_app().markdown[0].value == "nobody"
    assert _actor_in_app().markdown[0].value == "nobody"
    entries = service.store.list_audit()
    assert [(e.action, e.actor, e.role) for e in entries] == [
        ("sign_in_failed", "eve@example.com", "")
    ]
    assert entries[0].after == {"method": "oidc", "reason": "no account"}
