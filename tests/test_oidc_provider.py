"""The loopback OpenID Connect provider refuses what a real one refuses, so the browser test's
single sign-on passing means the app's client did the flow right."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from authlib.oidc.core import CodeIDToken  # type: ignore[import-untyped]
from joserfc import jwt
from joserfc.jwk import KeySet

from tests.oidc_provider import OidcProvider, Person, oidc_provider

CALLBACK = "http://127.0.0.1:9/oauth2callback"
DORA = Person("dora@example.com", "Dora Agent", "dora-password-1")


@pytest.fixture
def provider() -> Iterator[OidcProvider]:
    with oidc_provider("mailroom", "client-secret-1", [DORA]) as running:
        running.redirect_uris.add(CALLBACK)
        yield running


def _challenge(verifier: str) -> str:
    return (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    )


def _code(provider: OidcProvider, verifier: str, *, password: str = DORA.password) -> str | None:
    """Sign Dora in on the provider's form; the code it redirects back with, if any."""
    query = {
        "response_type": "code",
        "client_id": "mailroom",
        "redirect_uri": CALLBACK,
        "scope": "openid email profile",
        "state": "state-1",
        "nonce": "nonce-1",
        "code_challenge": _challenge(verifier),
        "code_challenge_method": "S256",
    }
    form = httpx.get(f"{provider.issuer}/authorize", params=query)
    assert form.status_code == 200 and 'name="password"' in form.text
    answer = httpx.post(
        f"{provider.issuer}/authorize", data={**query, "email": DORA.email, "password": password}
    )
    if answer.status_code != 302:
        return None
    back = urlsplit(answer.headers["location"])
    assert f"{back.scheme}://{back.netloc}{back.path}" == CALLBACK
    params = parse_qs(back.query)
    assert params["state"] == ["state-1"]
    return params["code"][0]


def _token(provider: OidcProvider, code: str, verifier: str, secret: str) -> httpx.Response:
    return httpx.post(
        f"{provider.issuer}/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": CALLBACK,
            "code_verifier": verifier,
        },
        auth=("mailroom", secret),
    )


def test_the_code_flow_gives_a_signed_id_token(provider: OidcProvider) -> None:
    metadata = httpx.get(f"{provider.issuer}/.well-known/openid-configuration").json()
    assert metadata["issuer"] == provider.issuer
    verifier = secrets.token_urlsafe(48)
    code = _code(provider, verifier)
    assert code
    token = _token(provider, code, verifier, "client-secret-1").json()
    keys = KeySet.import_key_set(httpx.get(metadata["jwks_uri"]).json())
    decoded = jwt.decode(token["id_token"], keys, algorithms=["RS256"])
    # Authlib's own checks: issuer, audience, expiry, nonce and the access token's hash.
    claims = CodeIDToken(
        decoded.claims,
        decoded.header,
        {"iss": {"values": [provider.issuer]}},
        {"nonce": "nonce-1", "client_id": "mailroom", "access_token": token["access_token"]},
    )
    claims.validate()
    assert (claims["email"], claims["name"]) == (DORA.email, DORA.name)
    info = httpx.get(
        metadata["userinfo_endpoint"],
        headers={"Authorization": f"Bearer {token['access_token']}"},
    )
    assert info.json()["email"] == DORA.email


def test_what_a_real_provider_refuses_is_refused(provider: OidcProvider) -> None:
    assert _code(provider, "v" * 43, password="wrong-password") is None
    verifier = secrets.token_urlsafe(48)
    code = _code(provider, verifier)
    assert code
    assert _token(provider, code, verifier, "wrong-secret").status_code == 401
    wrong_verifier = _token(provider, code, secrets.token_urlsafe(48), "client-secret-1")
    assert wrong_verifier.json()["error_description"] == "PKCE verification failed"
    # The refused attempt used the code up: not even the right verifier redeems it now.
    assert _token(provider, code, verifier, "client-secret-1").json()["error"] == "invalid_grant"

    code = _code(provider, verifier)
    assert code
    assert _token(provider, code, verifier, "client-secret-1").status_code == 200
    assert _token(provider, code, verifier, "client-secret-1").status_code == 400  # used once

    elsewhere = httpx.get(
        f"{provider.issuer}/authorize",
        params={"client_id": "mailroom", "redirect_uri": "http://evil.example/cb"},
    )
    assert elsewhere.status_code == 400
    assert re.search("is not registered", elsewhere.text)
