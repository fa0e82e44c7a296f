"""API tokens: made, listed and revoked by admins; presented by the HTTP API's callers.

A token is 32 random bytes (``secrets.token_urlsafe``), shown once and stored only as its
SHA-256. A fast unsalted hash is enough here, unlike for passwords: the secret has 256 bits of
entropy, so nobody can guess it or search a dictionary for it from a stolen hash, and the hash
lets the API find the token with one indexed lookup on every call.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta

from engine.models import ApiToken
from engine.roles import Actor, Role
from engine.service.core import ServiceCore
from engine.service.permissions import (
    Conflict,
    ControlRefused,
    NotFound,
    TokenRefused,
    requires,
    unrestricted,
)

#: What every token starts with, so a secret scanner (or a person) recognises one.
TOKEN_PREFIX = "mrt_"
#: How stale a token's ``last_used_at`` may be: a busy token is written once a minute at most.
LAST_USED_EVERY = timedelta(minutes=1)
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


def token_hash(secret: str) -> str:
    """The SHA-256 (hex) a token is stored and looked up by."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def token_actor(token: ApiToken) -> Actor:
    """Who a call made with ``token`` acts as: the audit log shows ``token:<name>``."""
    return Actor(name=f"token:{token.name}", role=Role(token.role))


class TokenOperations(ServiceCore):
    """API token operations of the service."""

    @requires("manage_tokens")
    def create_token(
        self, actor: Actor, name: str, role: Role, expires_days: int | None = None
    ) -> tuple[ApiToken, str]:
        """Make a token acting as ``role``; return it and its secret, which is never stored
        and cannot be shown again. ``expires_days`` None: it lasts until revoked."""
        if not _NAME.fullmatch(name):
            raise ControlRefused(
                "a token's name is 1 to 64 letters, digits, '.', '_' or '-', starting with a"
                " letter or digit"
            )
        if expires_days is not None and expires_days < 1:
            raise ControlRefused("a token expires after at least 1 day")
        now = self.clock()
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        token = ApiToken(
            name=name,
            role=Role(role).value,
            token_hash=token_hash(secret),
            created_at=now,
            created_by=actor.name,
            expires_at=None if expires_days is None else now + timedelta(days=expires_days),
        )
        if not self.store.create_api_token(token):
            raise Conflict(f"a token named {name!r} already exists")
        self._audit(
            actor,
            "create_token",
            name,
            after={"role": token.role, "expires_at": _iso(token)},
        )
        return token, secret

    @requires("manage_tokens")
    def list_tokens(self, actor: Actor) -> list[ApiToken]:
        """Every token (never a secret), revoked ones included, by name."""
        return self.store.list_api_tokens()

    @requires("manage_tokens")
    def revoke_token(self, actor: Actor, name: str) -> ApiToken:
        """Revoke the token ``name``: every later call with it is refused."""
        revoked = self.store.revoke_api_token(name, self.clock())
        if revoked is None:
            raise NotFound(f"no token named {name!r} is in force")
        self._audit(actor, "revoke_token", name, after={"revoked_at": str(revoked.revoked_at)})
        return revoked

    @unrestricted("authentication: the token is what says who the actor is")
    def authenticate_token(self, secret: str) -> Actor:
        """The actor a call presenting ``secret`` acts as; ``TokenRefused`` says why not."""
        token = self.store.find_api_token(token_hash(secret))
        if token is None:
            raise TokenRefused("the token is not valid")
        if token.revoked_at is not None:
            raise TokenRefused(f"the token {token.name!r} was revoked")
        now = self.clock()
        if token.expires_at is not None and token.expires_at <= now:
            raise TokenRefused(f"the token {token.name!r} has expired")
        self.store.mark_api_token_used(token.token_hash, now, now - LAST_USED_EVERY)
        return token_actor(token)

    @unrestricted("every authenticated API call is recorded, whatever the role")
    def record_api_call(self, actor: Actor, method: str, path: str) -> None:
        """Audit one call of the HTTP API by the token ``actor`` stands for."""
        self._audit(actor, "api_call", f"{method} {path}")


def _iso(token: ApiToken) -> str | None:
    return None if token.expires_at is None else token.expires_at.isoformat()
