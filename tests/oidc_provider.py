"""A loopback OpenID Connect provider for the tests: a real HTTP server on 127.0.0.1 speaking
the authorization code flow as OpenID Connect Core 1.0 and RFC 7636 (PKCE) describe it.

- ``/.well-known/openid-configuration``: the discovery document (RS256, S256 PKCE,
  ``client_secret_basic`` and ``client_secret_post``, an ``end_session_endpoint``).
- ``/authorize``: a sign-in form for the configured people (email and password); on success
  a redirect back to the client's registered ``redirect_uri`` with ``code`` and ``state``.
- ``/token``: the ``authorization_code`` grant; checks the client's id and secret, that the
  code is this client's, unused and unexpired, the ``redirect_uri`` and the PKCE verifier, and
  answers an RS256-signed ``id_token`` (iss, sub, aud, exp, iat, auth_time, nonce, at_hash,
  email, email_verified, name) with an access token.
- ``/jwks``: the public key; ``/userinfo``: the claims for a bearer access token;
  ``/logout``: RP-initiated logout back to ``post_logout_redirect_uri``.

Signing is joserfc's (the JOSE library Authlib and Streamlit use). Every request is recorded
so a test can check what the client sent.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

CODE_SECONDS = 60
TOKEN_SECONDS = 300


@dataclass(frozen=True)
class Person:
    """Someone the provider can sign in."""

    email: str
    name: str
    password: str


@dataclass
class Grant:
    """An authorization code, and what it was issued for."""

    client_id: str
    redirect_uri: str
    person: Person
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    issued_at: float
    used: bool = False


@dataclass
class Seen:
    """One request the provider answered."""

    method: str
    path: str
    query: dict[str, str]
    form: dict[str, str]
    headers: dict[str, str]
    status: int = 0


@dataclass
class OidcProvider:
    """The provider's state: its client, people, key, codes and what it has seen."""

    client_id: str
    client_secret: str
    people: dict[str, Person]
    #: The client's registered redirect URIs (a test adds the app's once its port is known).
    redirect_uris: set[str] = field(default_factory=set)
    issuer: str = ""
    key: RSAKey = field(
        default_factory=lambda: RSAKey.generate_key(
            2048, parameters={"kid": secrets.token_hex(8), "use": "sig", "alg": "RS256"}
        )
    )
    codes: dict[str, Grant] = field(default_factory=dict)
    tokens: dict[str, Person] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def requests_to(self, path: str) -> list[Seen]:
        return [request for request in self.seen if request.path == path]

    def metadata(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "userinfo_endpoint": f"{self.issuer}/userinfo",
            "jwks_uri": f"{self.issuer}/jwks",
            "end_session_endpoint": f"{self.issuer}/logout",
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "email", "profile"],
            "token_endpoint_auth_methods_supported": [
                "client_secret_basic",
                "client_secret_post",
            ],
            "code_challenge_methods_supported": ["S256"],
            "claims_supported": ["sub", "iss", "aud", "exp", "iat", "nonce", "email", "name"],
        }

    def jwks(self) -> dict[str, Any]:
        return dict(KeySet([self.key]).as_dict(private=False))

    def id_token(self, grant: Grant, access_token: str) -> str:
        now = int(time.time())
        digest = hashlib.sha256(access_token.encode("ascii")).digest()
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "sub": hashlib.sha256(grant.person.email.encode()).hexdigest()[:24],
            "aud": grant.client_id,
            "exp": now + TOKEN_SECONDS,
            "iat": now,
            "auth_time": int(grant.issued_at),
            "at_hash": _b64(digest[: len(digest) // 2]),
            "email": grant.person.email,
            "email_verified": True,
            "name": grant.person.name,
        }
        if grant.nonce:
            claims["nonce"] = grant.nonce
        header = {"alg": "RS256", "kid": self.key.kid, "typ": "JWT"}
        return jwt.encode(header, claims, self.key)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _flat(values: dict[str, list[str]]) -> dict[str, str]:
    return {key: items[0] for key, items in values.items() if items}


_FORM = """<!doctype html>
<html><head><title>Loopback identity provider</title></head>
<body>
<h1>Loopback identity provider</h1>
<p>Signing in to <b>{client}</b></p>
{error}
<form method="post" action="/authorize">
{hidden}
<label>Email <input name="email" type="email" autocomplete="username"></label>
<label>Password <input name="password" type="password"></label>
<button type="submit">Continue</button>
</form>
</body></html>"""


class _Handler(BaseHTTPRequestHandler):
    provider: OidcProvider  # set on the subclass made per server

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _send(
        self,
        status: int,
        body: bytes | str | dict[str, Any],
        headers: dict[str, str] | None = None,
    ) -> None:
        content_type = "text/html; charset=utf-8"
        if isinstance(body, dict):
            body, content_type = json.dumps(body).encode(), "application/json"
        elif isinstance(body, str):
            body = body.encode("utf-8")
        self.provider.seen[-1].status = status
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _redirect(self, url: str) -> None:
        self._send(302, b"", {"Location": url})

    def _oauth_error(self, status: int, error: str, description: str) -> None:
        self._send(status, {"error": error, "error_description": description})

    def _record(self) -> Seen:
        parts = urlsplit(self.path)
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length).decode("utf-8") if length else ""
        seen = Seen(
            self.command,
            parts.path,
            _flat(parse_qs(parts.query)),
            _flat(parse_qs(body)) if body else {},
            {k.lower(): v for k, v in self.headers.items()},
        )
        with self.provider.lock:
            self.provider.seen.append(seen)
        return seen

    def do_GET(self) -> None:
        seen = self._record()
        if seen.path == "/.well-known/openid-configuration":
            self._send(200, self.provider.metadata())
        elif seen.path == "/jwks":
            self._send(200, self.provider.jwks())
        elif seen.path == "/authorize":
            self._authorize_form(seen.query)
        elif seen.path == "/userinfo":
            self._userinfo()
        elif seen.path == "/logout":
            self._logout(seen.query)
        else:
            self._send(404, "not found")

    def do_POST(self) -> None:
        seen = self._record()
        if seen.path == "/authorize":
            self._authorize_submit(seen.form)
        elif seen.path == "/token":
            self._token(seen.form)
        else:
            self._send(404, "not found")

    def _request_error(self, query: dict[str, str]) -> str | None:
        """Why an authorization request cannot even be answered to the client, if so."""
        if query.get("client_id") != self.provider.client_id:
            return "unknown client_id"
        if query.get("redirect_uri") not in self.provider.redirect_uris:
            return f"redirect_uri {query.get('redirect_uri')!r} is not registered"
        return None

    def _authorize_form(self, query: dict[str, str], error: str = "") -> None:
        problem = self._request_error(query)
        if problem:
            self._send(400, f"<h1>Bad request</h1><p>{html.escape(problem)}</p>")
            return
        redirect_uri = query["redirect_uri"]
        if query.get("response_type") != "code":
            self._redirect_error(redirect_uri, query, "unsupported_response_type")
            return
        if "openid" not in query.get("scope", "").split():
            self._redirect_error(redirect_uri, query, "invalid_scope")
            return
        if query.get("code_challenge") and query.get("code_challenge_method") != "S256":
            self._redirect_error(redirect_uri, query, "invalid_request")
            return
        hidden = "\n".join(
            f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
            for k, v in query.items()
            if k != "password"
        )
        shown = f'<p role="alert">{html.escape(error)}</p>' if error else ""
        self._send(
            401 if error else 200,
            _FORM.format(client=html.escape(query["client_id"]), hidden=hidden, error=shown),
        )

    def _redirect_error(self, redirect_uri: str, query: dict[str, str], error: str) -> None:
        params = {"error": error}
        if query.get("state"):
            params["state"] = query["state"]
        self._redirect(f"{redirect_uri}?{urlencode(params)}")

    def _authorize_submit(self, form: dict[str, str]) -> None:
        request = {k: v for k, v in form.items() if k not in ("email", "password")}
        if self._request_error(request):
            self._authorize_form(request)
            return
        person = self.provider.people.get(form.get("email", "").lower())
        if person is None or not secrets.compare_digest(
            person.password.encode(), form.get("password", "").encode()
        ):
            self._authorize_form(request, "Wrong email or password.")
            return
        code = secrets.token_urlsafe(24)
        with self.provider.lock:
            self.provider.codes[code] = Grant(
                client_id=request["client_id"],
                redirect_uri=request["redirect_uri"],
                person=person,
                nonce=request.get("nonce"),
                code_challenge=request.get("code_challenge"),
                code_challenge_method=request.get("code_challenge_method"),
                issued_at=time.time(),
            )
        params = {"code": code}
        if request.get("state"):
            params["state"] = request["state"]
        self._redirect(f"{request['redirect_uri']}?{urlencode(params)}")

    def _client_credentials(self, form: dict[str, str]) -> tuple[str, str] | None:
        header = self.headers.get("Authorization", "")
        if header.startswith("Basic "):
            try:
                decoded = base64.b64decode(header[6:]).decode("utf-8")
            except ValueError:
                return None
            client_id, _, client_secret = decoded.partition(":")
            return client_id, client_secret
        if "client_id" in form and "client_secret" in form:
            return form["client_id"], form["client_secret"]
        return None

    def _token(self, form: dict[str, str]) -> None:
        provider = self.provider
        credentials = self._client_credentials(form)
        if credentials is None or not (
            secrets.compare_digest(credentials[0].encode(), provider.client_id.encode())
            and secrets.compare_digest(credentials[1].encode(), provider.client_secret.encode())
        ):
            self._oauth_error(401, "invalid_client", "client authentication failed")
            return
        if form.get("grant_type") != "authorization_code":
            self._oauth_error(400, "unsupported_grant_type", "only authorization_code")
            return
        with provider.lock:
            grant = provider.codes.get(form.get("code", ""))
            fresh = grant is not None and not grant.used
            if grant is not None:
                grant.used = True  # a code is good once, whatever happens next
        if grant is None or not fresh or time.time() - grant.issued_at > CODE_SECONDS:
            self._oauth_error(400, "invalid_grant", "unknown, used or expired code")
            return
        if grant.client_id != credentials[0] or form.get("redirect_uri") != grant.redirect_uri:
            self._oauth_error(400, "invalid_grant", "code issued to another client or uri")
            return
        if grant.code_challenge is not None:
            verifier = form.get("code_verifier", "")
            expected = _b64(hashlib.sha256(verifier.encode("ascii")).digest())
            if not verifier or not secrets.compare_digest(expected, grant.code_challenge):
                self._oauth_error(400, "invalid_grant", "PKCE verification failed")
                return
        access_token = secrets.token_urlsafe(32)
        with provider.lock:
            provider.tokens[access_token] = grant.person
        self._send(
            200,
            {
                "access_token": access_token,
                "token_type": "Bearer",
                "expires_in": TOKEN_SECONDS,
                "scope": "openid email profile",
                "id_token": provider.id_token(grant, access_token),
            },
        )

    def _userinfo(self) -> None:
        header = self.headers.get("Authorization", "")
        person = self.provider.tokens.get(header.removeprefix("Bearer ").strip())
        if not header.startswith("Bearer ") or person is None:
            self._send(401, {"error": "invalid_token"}, {"WWW-Authenticate": "Bearer"})
            return
        self._send(
            200,
            {
                "sub": hashlib.sha256(person.email.encode()).hexdigest()[:24],
                "email": person.email,
                "email_verified": True,
                "name": person.name,
            },
        )

    def _logout(self, query: dict[str, str]) -> None:
        target = query.get("post_logout_redirect_uri", "")
        if target and target in self.provider.redirect_uris:
            self._redirect(target)
        else:
            self._send(200, "<h1>Signed out of the loopback identity provider</h1>")


@contextmanager
def oidc_provider(
    client_id: str, client_secret: str, people: list[Person]
) -> Iterator[OidcProvider]:
    """The provider on a free loopback port until the block ends."""
    provider = OidcProvider(
        client_id=client_id,
        client_secret=client_secret,
        people={person.email.lower(): person for person in people},
    )
    handler = type("OidcHandler", (_Handler,), {"provider": provider})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    provider.issuer = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield provider
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
