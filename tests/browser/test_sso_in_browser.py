"""Single sign-on end to end in Debian's chromium (Playwright), against a loopback OpenID
Connect provider (``tests/oidc_provider.py``) that the app reaches through Streamlit's
``st.login`` (Authlib): discovery, the provider's sign-in page, the code exchange with the
client secret and PKCE, and the RS256-signed id_token checked against the provider's keys.

- A person whose email matches an SSO-only account lands in Mailroom as that account, with its
  role's pages and no other; the sign-in is audited once, however often the page is reloaded.
- An identity with no account (and no default role) is refused with a clear message: no page,
  no role, and the refusal is audited.
- Signing out signs out of Mailroom (and of the provider, which is told so).
- An SSO-only account cannot sign in with a password.
- A link to a draft, opened before signing in, is where the person lands after the provider.

Screenshots go to ``artifacts/screenshots/sso-*.png``.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from engine.accounts import AccountBook
from engine.models import AuditEntry, WorkflowStatus
from engine.roles import Role
from engine.seed import DEFAULT_WORKFLOW_ID
from engine.settings import Settings
from engine.store.sqlite import SQLiteStore
from tests.browser.streamlit_server import (
    CHROMIUM,
    CHROMIUM_ARGS,
    SCREENSHOTS,
    UI_TIMEOUT,
    app_env,
    engine_setup,
    free_port,
    streamlit_app,
    wait_until,
)
from tests.browser.test_sessions_in_browser import SIDEBAR_LINKS, Seeded, _seed_one
from tests.oidc_provider import OidcProvider, Person, oidc_provider

CLIENT_ID = "mailroom-test"
DORA = Person("dora@example.com", "Dora Agent", "dora-idp-password")
EVE = Person("eve@example.com", "Eve Stranger", "eve-idp-password")
SSO_BUTTON = "Sign in with your identity provider"
#: Streamlit's identity cookie (``streamlit.web.server.starlette``'s USER_COOKIE_NAME).
STREAMLIT_USER_COOKIE = "_streamlit_user"


@dataclass
class SsoApp:
    base: str
    provider: OidcProvider
    settings: Settings
    passwords: dict[str, str]
    draft: Seeded


def _secrets_toml(path: Path, redirect_uri: str, provider: OidcProvider, secret: str) -> Path:
    """Streamlit's ``[auth]`` section, as the README tells an operator to write it."""
    values = {
        "redirect_uri": redirect_uri,
        "cookie_secret": secrets.token_urlsafe(32),
        "client_id": CLIENT_ID,
        "client_secret": secret,
        "server_metadata_url": f"{provider.issuer}/.well-known/openid-configuration",
    }
    lines = ["[auth]"] + [f"{key} = {json.dumps(value)}" for key, value in values.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def sso_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SsoApp]:
    tmp_path = tmp_path_factory.mktemp("sso")
    env = app_env(tmp_path / "data", tmp_path / "models")
    env.pop("MAILROOM_OIDC_DEFAULT_ROLE", None)  # unknown identities are refused
    passwords = engine_setup(env)
    settings = Settings(data_dir=tmp_path / "data", models_dir=tmp_path / "models")
    AccountBook(settings.accounts_path, rounds=4).add(
        "dora", Role.AGENT, None, email="Dora@Example.com"
    )
    store = SQLiteStore(settings.database_file)
    try:
        workflow = store.get_workflow(DEFAULT_WORKFLOW_ID)
        store.save_workflow(workflow.model_copy(update={"status": WorkflowStatus.OFF}))
        _seed_one(store, "Invoice 3003 is wrong", "Mon, 07 Dec 2026 09:00:00 +0000", "<a@c.x>")
        draft = _seed_one(
            store, "Parcel 4004 is late", "Mon, 07 Dec 2026 10:00:00 +0000", "<b@c.x>"
        )
    finally:
        store.close()
    client_secret = secrets.token_urlsafe(24)
    with oidc_provider(CLIENT_ID, client_secret, [DORA, EVE]) as provider:
        port = free_port()
        redirect_uri = f"http://127.0.0.1:{port}/oauth2callback"
        provider.redirect_uris.add(redirect_uri)
        secrets_file = _secrets_toml(
            tmp_path / "secrets.toml", redirect_uri, provider, client_secret
        )
        with streamlit_app(
            env, tmp_path / "streamlit.log", port=port, args=["--secrets.files", str(secrets_file)]
        ) as base:
            yield SsoApp(base, provider, settings, passwords, draft)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    assert CHROMIUM.exists(), "Debian's chromium is missing: run `make test`, which installs it"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    made = browser.new_context(viewport={"width": 1400, "height": 1400})
    yield made
    made.close()


def _shot(page: Page, name: str) -> None:
    page.screenshot(path=SCREENSHOTS / f"sso-{name}.png", full_page=True)


def _audit(app: SsoApp) -> list[AuditEntry]:
    store = SQLiteStore(app.settings.database_file)
    try:
        return store.list_audit(1000)
    finally:
        store.close()


def _through_provider(page: Page, app: SsoApp, person: Person, shot: str = "") -> None:
    """From Mailroom's sign-in form, through the provider's page, and back."""
    expect(page.get_by_text("Sign in to Mailroom")).to_be_visible(timeout=UI_TIMEOUT)
    page.get_by_role("button", name=SSO_BUTTON).click()
    page.wait_for_url(f"{app.provider.issuer}/authorize**", timeout=UI_TIMEOUT)
    expect(page.get_by_text("Loopback identity provider").first).to_be_visible()
    page.get_by_label("Email").fill(person.email)
    page.get_by_label("Password").fill(person.password)
    if shot:
        _shot(page, shot)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"{app.base}/**", timeout=UI_TIMEOUT)


def _sidebar_pages(page: Page) -> list[str]:
    return list(page.evaluate(SIDEBAR_LINKS))


def _sign_ins(app: SsoApp, actor: str) -> list[AuditEntry]:
    return [e for e in _audit(app) if e.action == "sign_in" and e.actor == actor]


def test_an_sso_account_signs_in_with_its_role(sso_app: SsoApp, context: BrowserContext) -> None:
    before = len(sso_app.provider.requests_to("/token"))
    page = context.new_page()
    page.goto(sso_app.base)
    _shot(page, "sign-in-page")
    _through_provider(page, sso_app, DORA, shot="provider-page")
    expect(page.get_by_text("Signed in as dora · agent")).to_be_visible(timeout=UI_TIMEOUT)
    expect(page.get_by_role("heading", name="Approvals")).to_be_visible(timeout=UI_TIMEOUT)
    assert _sidebar_pages(page) == ["Approvals", "Live executions"]
    _shot(page, "signed-in-as-agent")

    # The app's client did the flow properly: one code exchange, with PKCE (S256) and the
    # client secret (the provider refuses anything else), for the registered redirect URI.
    exchanges = sso_app.provider.requests_to("/token")[before:]
    assert [e.status for e in exchanges] == [200]
    authorize = sso_app.provider.requests_to("/authorize")[-1]
    assert authorize.form["code_challenge_method"] == "S256"
    assert authorize.form["nonce"] and authorize.form["state"]

    # Pages outside the agent's role stay closed, by address too.
    page.goto(f"{sso_app.base}/settings")
    expect(page.get_by_text("is not part of the agent role")).to_be_visible(timeout=UI_TIMEOUT)

    # Audited once as an identity-provider sign-in, not again on a reload or in a new tab.
    wait_until(lambda: len(_sign_ins(sso_app, "dora")) >= 1, 15, "the sign-in's audit entry")
    page.reload()
    expect(page.get_by_text("Signed in as dora · agent")).to_be_visible(timeout=UI_TIMEOUT)
    tab = context.new_page()
    tab.goto(f"{sso_app.base}/executions")
    # Shown only after the run has decided whether to audit.
    expect(tab.get_by_text("Signed in as dora · agent")).to_be_visible(timeout=UI_TIMEOUT)
    expect(tab.get_by_role("heading", name="Live executions")).to_be_visible(timeout=UI_TIMEOUT)
    entries = _sign_ins(sso_app, "dora")
    assert len(entries) == 1, entries
    assert entries[0].role == "agent" and entries[0].after == {"method": "oidc"}


def test_an_identity_without_an_account_is_refused(
    sso_app: SsoApp, context: BrowserContext
) -> None:
    page = context.new_page()
    page.goto(sso_app.base)
    _through_provider(page, sso_app, EVE)
    expect(page.get_by_text("eve@example.com has no Mailroom account")).to_be_visible(
        timeout=UI_TIMEOUT
    )
    expect(page.get_by_text("Signed in as")).to_have_count(0)
    assert _sidebar_pages(page) == []
    _shot(page, "unknown-identity-refused")
    page.goto(f"{sso_app.base}/approvals")
    expect(page.get_by_text("has no Mailroom account")).to_be_visible(timeout=UI_TIMEOUT)
    expect(page.get_by_role("heading", name="Approvals")).to_have_count(0)

    entries = _audit(sso_app)
    assert not [e for e in entries if e.action == "sign_in" and "eve" in e.actor]
    refused = [e for e in entries if e.action == "sign_in_failed" and e.target == EVE.email]
    assert len(refused) == 1, refused  # once, though two pages were opened
    assert refused[0].after == {"method": "oidc", "reason": "no account"}

    page.get_by_role("button", name="Sign out of the identity provider").click()
    expect(page.get_by_role("button", name=SSO_BUTTON)).to_be_visible(timeout=UI_TIMEOUT)
    expect(page.get_by_text("has no Mailroom account")).to_have_count(0)


def test_signing_out_signs_out_of_mailroom(sso_app: SsoApp, context: BrowserContext) -> None:
    page = context.new_page()
    page.goto(sso_app.base)
    _through_provider(page, sso_app, DORA)
    expect(page.get_by_text("Signed in as dora")).to_be_visible(timeout=UI_TIMEOUT)
    assert any(c["name"] == STREAMLIT_USER_COOKIE for c in context.cookies())
    logouts = len(sso_app.provider.requests_to("/logout"))

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("button", name=SSO_BUTTON)).to_be_visible(timeout=UI_TIMEOUT)
    expect(page.get_by_text("Signed in as")).to_have_count(0)
    assert not any(c["name"] == STREAMLIT_USER_COOKIE for c in context.cookies())
    # The provider was told (RP-initiated logout, with the id_token as the hint).
    ended = sso_app.provider.requests_to("/logout")[logouts:]
    assert len(ended) == 1 and ended[0].query.get("id_token_hint")
    page.reload()
    expect(page.get_by_role("button", name=SSO_BUTTON)).to_be_visible(timeout=UI_TIMEOUT)
    expect(page.get_by_text("Signed in as")).to_have_count(0)
    _shot(page, "signed-out")
    assert [e for e in _audit(sso_app) if e.action == "sign_out" and e.actor == "dora"]


def test_an_sso_only_account_cannot_use_a_password(
    sso_app: SsoApp, context: BrowserContext
) -> None:
    page = context.new_page()
    page.goto(sso_app.base)
    expect(page.get_by_text("Sign in to Mailroom")).to_be_visible(timeout=UI_TIMEOUT)
    page.get_by_role("textbox", name="Name").fill("dora")
    page.get_by_role("textbox", name="Password").fill(DORA.password)  # even the provider's
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_text("Wrong name or password.")).to_be_visible(timeout=UI_TIMEOUT)
    expect(page.get_by_text("Signed in as")).to_have_count(0)
    failed = [e for e in _audit(sso_app) if e.action == "sign_in_failed" and e.target == "dora"]
    assert failed and failed[0].after is not None and failed[0].after["method"] == "password"
    _shot(page, "sso-only-password-refused")


def test_a_link_to_a_draft_survives_the_provider(sso_app: SsoApp, context: BrowserContext) -> None:
    wanted = sso_app.draft
    page = context.new_page()
    page.goto(f"{sso_app.base}/approvals?approval={wanted.approval_id}")
    _through_provider(page, sso_app, DORA)
    expect(page.get_by_text("Signed in as dora")).to_be_visible(timeout=UI_TIMEOUT)
    expect(page.get_by_role("textbox", name="Subject")).to_have_value(
        f"Re: {wanted.subject}", timeout=UI_TIMEOUT
    )
    assert f"approval={wanted.approval_id}" in page.url
    _shot(page, "link-to-draft-after-provider")
    # Followed once: the home address afterwards is the home page, not that draft again.
    other = context.new_page()
    other.goto(sso_app.base)
    expect(other.get_by_role("heading", name="Approvals")).to_be_visible(timeout=UI_TIMEOUT)
    other.wait_for_timeout(2000)
    assert "approval=" not in other.url or wanted.approval_id not in other.url
