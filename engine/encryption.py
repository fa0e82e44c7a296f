"""Encryption at rest: AES-256-GCM for the fields that identify people, HMAC tokens to find them.

A key is 32 random bytes, given base64-encoded in ``MAILROOM_ENCRYPTION_KEY``; earlier keys that
may still have encrypted some rows go in ``MAILROOM_ENCRYPTION_OLD_KEYS`` (comma-separated).
Each key is known by a short id derived from it (not secret: a fingerprint), written into every
ciphertext, so reading knows which key opens it and ``rotate-key`` knows what to re-encrypt.

Two subkeys are derived from each key with HKDF (one per job): one encrypts
(``enc:v1:<key id>:<base64 nonce + ciphertext + tag>``), the other makes blind-index tokens
(``hk:v1:<key id>:<hex HMAC-SHA256>``) so an equality lookup (a thread key, a customer address)
works without decrypting every row. Each ciphertext is bound to the field it was written for
(associated data), so a value cannot be moved into another field and still open.

A cipher belongs to a store: ``open_store`` builds it from the settings and gives it to the
backend, which seals and opens every protected field with it (``Store.cipher``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

SEALED_PREFIX = "enc:v1:"
TOKEN_PREFIX = "hk:v1:"
KEY_BYTES = 32
NONCE_BYTES = 12
GENERATE_KEY_COMMAND = (
    'python -c "import base64,os;print(base64.b64encode(os.urandom(32)).decode())"'
)


class EncryptionError(Exception):
    """Stored data cannot be encrypted or decrypted with the configured keys."""


class KeyFormatError(EncryptionError, ValueError):
    """A configured key is not base64 of exactly 32 bytes."""


class MissingKeyError(EncryptionError):
    """A value was encrypted under a key that is not configured."""

    def __init__(self, key_id: str) -> None:
        super().__init__(
            f"stored data is encrypted under key {key_id}, which is not configured: set it as "
            "MAILROOM_ENCRYPTION_KEY or add it to MAILROOM_ENCRYPTION_OLD_KEYS"
        )
        self.key_id = key_id


def parse_key(text: str, *, setting: str = "MAILROOM_ENCRYPTION_KEY") -> bytes:
    """The 32 key bytes of base64 ``text``; ``KeyFormatError`` naming ``setting`` otherwise."""
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise KeyFormatError(f"{setting} is not valid base64 ({exc})") from exc
    if len(raw) != KEY_BYTES:
        raise KeyFormatError(
            f"{setting} must be base64 of {KEY_BYTES} random bytes, not {len(raw)}; "
            f"generate one with {GENERATE_KEY_COMMAND}"
        )
    return raw


def new_key() -> str:
    """A fresh random key, base64-encoded as the settings expect it."""
    return base64.b64encode(os.urandom(KEY_BYTES)).decode()


def _subkey(secret: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=purpose).derive(secret)


@dataclass(frozen=True)
class DataKey:
    """One key and what is derived from it."""

    key_id: str
    aead: AESGCM
    index_key: bytes

    @classmethod
    def from_secret(cls, secret: bytes) -> DataKey:
        key_id = hashlib.sha256(b"mailroom key id\x00" + secret).hexdigest()[:12]
        return cls(
            key_id=key_id,
            aead=AESGCM(_subkey(secret, b"mailroom field encryption v1")),
            index_key=_subkey(secret, b"mailroom blind index v1"),
        )


class FieldCipher:
    """Encrypts field values under the current key; decrypts under any configured key."""

    def __init__(self, current: bytes, old: Sequence[bytes] = ()) -> None:
        self.current = DataKey.from_secret(current)
        self._keys: dict[str, DataKey] = {self.current.key_id: self.current}
        for secret in old:
            key = DataKey.from_secret(secret)
            self._keys.setdefault(key.key_id, key)

    def rotated(self, new_current: bytes) -> FieldCipher:
        """This cipher with ``new_current`` as its current key and every key it has as old."""
        cipher = FieldCipher(new_current)
        for key_id, key in self._keys.items():
            cipher._keys.setdefault(key_id, key)
        return cipher

    @property
    def key_ids(self) -> list[str]:
        """The current key id first, then the old ones."""
        return list(self._keys)

    def seal(self, plaintext: str, context: str) -> str:
        """``plaintext`` encrypted under the current key, bound to ``context`` (the field)."""
        nonce = os.urandom(NONCE_BYTES)
        sealed = self.current.aead.encrypt(nonce, plaintext.encode(), context.encode())
        payload = base64.b64encode(nonce + sealed).decode()
        return f"{SEALED_PREFIX}{self.current.key_id}:{payload}"

    def open(self, token: str, context: str) -> str:
        """The plaintext of ``token``; ``MissingKeyError`` if its key is not configured."""
        key_id, payload = split_sealed(token)
        key = self._keys.get(key_id)
        if key is None:
            raise MissingKeyError(key_id)
        raw = base64.b64decode(payload)
        try:
            return key.aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], context.encode()).decode()
        except InvalidTag as exc:
            raise EncryptionError(
                f"a stored {context} value under key {key_id} failed authentication "
                "(changed in the database, or moved from another field)"
            ) from exc

    def token(self, value: str, context: str) -> str:
        """The blind-index token of ``value`` under the current key."""
        return self._token(self.current, value, context)

    def tokens(self, value: str, context: str) -> list[str]:
        """Tokens of ``value`` under every configured key: what a lookup must match."""
        return [self._token(key, value, context) for key in self._keys.values()]

    @staticmethod
    def _token(key: DataKey, value: str, context: str) -> str:
        digest = hmac.new(key.index_key, f"{context}\x00{value}".encode(), "sha256").hexdigest()
        return f"{TOKEN_PREFIX}{key.key_id}:{digest}"


def split_sealed(token: str) -> tuple[str, str]:
    """(key id, base64 payload) of a sealed value."""
    key_id, _, payload = token.removeprefix(SEALED_PREFIX).partition(":")
    if not token.startswith(SEALED_PREFIX) or not key_id or not payload:
        raise EncryptionError("not an encrypted value")
    return key_id, payload


def is_sealed(value: object) -> bool:
    return isinstance(value, str) and value.startswith(SEALED_PREFIX)


def is_token(value: object) -> bool:
    return isinstance(value, str) and value.startswith(TOKEN_PREFIX)


def key_id_of(value: str) -> str:
    """The key id a sealed value or token was made under."""
    prefix = SEALED_PREFIX if is_sealed(value) else TOKEN_PREFIX
    return value.removeprefix(prefix).partition(":")[0]
