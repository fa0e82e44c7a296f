"""Sign-ins that survive a reload: a signed, expiring session token the app keeps in a cookie.

A token is ``base64url(claims) "." base64url(HMAC-SHA256(secret, claims))``; the claims name the
account, its role, a fingerprint of its password hash, a random session id and the expiry. A
token is honoured only while its signature holds, it has not expired, it was not revoked (signing
out revokes it) and the account still exists with the same role and the same password: removing
an account, changing its role or resetting its password ends every session of it at once.

The secret is ``MAILROOM_SESSION_SECRET`` (the environment or ``.streamlit/secrets.toml``) when
set; otherwise 32 random bytes generated once into ``DATA_DIR/session-secret`` (mode 0600), so
every app process on the data folder shares it and sessions outlive a restart. Revoked session
ids are kept as files in ``DATA_DIR/revoked-sessions`` until the session would have expired.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import hmac
import json
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from engine.accounts import Account, AccountBook
from engine.roles import Role
from engine.settings import Settings
from providers.files import atomic_write_bytes

#: The name of the cookie the app keeps the token in.
COOKIE_NAME = "mailroom_session"
MIN_SECRET_CHARS = 32
_SSO = "sso"


class SessionSecretError(ValueError):
    """The generated session secret file cannot be used; the message says why."""


@dataclass(frozen=True)
class Session:
    """One signed-in browser: its token, whose it is and until when (Unix seconds)."""

    token: str
    name: str
    role: Role
    session_id: str
    expires_at: float
    #: Of the account's password hash when the session began (see ``_fingerprint``).
    fingerprint: str


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _fingerprint(account: Account) -> str:
    """Changes whenever the account's password does, without revealing anything of it."""
    if account.password_hash is None:
        return _SSO
    return hashlib.sha256(account.password_hash.encode("utf-8")).hexdigest()[:32]


def session_secret(settings: Settings) -> bytes:
    """The configured secret, or the one generated once into the data folder."""
    if settings.session_secret is not None:
        return settings.session_secret.get_secret_value().encode("utf-8")
    path = settings.session_secret_path
    if not path.exists():
        with contextlib.suppress(FileExistsError):  # another process made it first: use theirs
            atomic_write_bytes(path, secrets.token_hex(32).encode("ascii"), overwrite=False)
    secret = path.read_bytes().strip()
    if len(secret) < MIN_SECRET_CHARS:
        raise SessionSecretError(
            f"{path} holds fewer than {MIN_SECRET_CHARS} characters: delete it to make a new one "
            "(everyone signs in again) or set MAILROOM_SESSION_SECRET"
        )
    return secret


class SessionKeeper:
    """Issues, checks and revokes session tokens."""

    def __init__(self, secret: bytes, revoked_dir: Path, lifetime_seconds: float) -> None:
        self._secret = secret
        self._revoked_dir = revoked_dir
        self.lifetime_seconds = lifetime_seconds

    @classmethod
    def from_settings(cls, settings: Settings) -> SessionKeeper:
        return cls(
            session_secret(settings), settings.revoked_sessions_dir, settings.session_hours * 3600
        )

    def _sign(self, payload: str) -> str:
        return _b64(hmac.new(self._secret, payload.encode("ascii"), hashlib.sha256).digest())

    def issue(self, account: Account, *, now: float | None = None) -> Session:
        """A new session for ``account``, valid for the configured lifetime."""
        issued = time.time() if now is None else now
        session_id = secrets.token_urlsafe(18)
        expires = issued + self.lifetime_seconds
        claims = {
            "n": account.name,
            "r": account.role.value,
            "c": _fingerprint(account),
            "s": session_id,
            "e": int(expires),
        }
        payload = _b64(json.dumps(claims, separators=(",", ":")).encode("utf-8"))
        token = f"{payload}.{self._sign(payload)}"
        return Session(token, account.name, account.role, session_id, expires, str(claims["c"]))

    def read(self, token: str, *, now: float | None = None) -> Session | None:
        """The session a token stands for if its signature holds and it has neither expired
        nor been revoked; None for anything else (a forged, damaged or stale cookie)."""
        payload, _, signature = token.partition(".")
        if not payload or not hmac.compare_digest(signature, self._sign(payload)):
            return None
        try:
            claims = json.loads(_unb64(payload))
            session = Session(
                token,
                str(claims["n"]),
                Role(claims["r"]),
                str(claims["s"]),
                float(claims["e"]),
                str(claims["c"]),
            )
        except (ValueError, KeyError, TypeError, binascii.Error):
            return None
        if session.expires_at <= (time.time() if now is None else now):
            return None
        if self._revoked_path(session.session_id).exists():
            return None
        return session

    def resume(self, token: str, book: AccountBook, *, now: float | None = None) -> Account | None:
        """The account a valid token signs in, if it still exists with the same role and
        password; None otherwise."""
        session = self.read(token, now=now)
        if session is None:
            return None
        account = book.get(session.name)
        if account is None or account.role != session.role or account.password_hash is None:
            return None
        if not hmac.compare_digest(session.fingerprint, _fingerprint(account)):
            return None
        return account

    def revoke(self, token: str, *, now: float | None = None) -> bool:
        """End the session of ``token`` for good (sign-out); False if it was not valid."""
        at = time.time() if now is None else now
        session = self.read(token, now=at)
        if session is None:
            return False
        atomic_write_bytes(
            self._revoked_path(session.session_id),
            str(int(session.expires_at)).encode("ascii"),
            durable=False,
        )
        self._forget_expired(at)
        return True

    def _revoked_path(self, session_id: str) -> Path:
        # Session ids are URL-safe base64 we made; anything else never reaches the disk.
        if not session_id or not all(ch.isalnum() or ch in "-_" for ch in session_id):
            return self._revoked_dir / "invalid"
        return self._revoked_dir / session_id

    def _forget_expired(self, now: float) -> None:
        """Revocations of sessions that have expired anyway are no longer needed."""
        for entry in self._revoked_dir.iterdir():
            if entry.name.startswith("."):
                continue
            try:
                expired = float(entry.read_text(encoding="ascii")) <= now
            except (OSError, ValueError):
                continue
            if expired:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(entry)


__all__ = [
    "COOKIE_NAME",
    "Session",
    "SessionKeeper",
    "SessionSecretError",
    "session_secret",
]
