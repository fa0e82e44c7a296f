"""API tokens on SQLite: unique on name and on the hash of the secret."""

from __future__ import annotations

import sqlite3
from datetime import datetime

from engine.models import ApiToken
from engine.store import _codec as codec
from engine.store.ports.tokens import ApiTokenStore
from engine.store.sqlite.connection import SQLiteDatabase


class SQLiteApiTokenStore(SQLiteDatabase, ApiTokenStore):
    def create_api_token(self, token: ApiToken) -> bool:
        with self._locked() as db:
            try:
                db.execute(
                    "INSERT INTO api_tokens (token_id, name, token_hash, doc) VALUES (?, ?, ?, ?)",
                    (token.token_id, token.name, token.token_hash, self._dump(token)),
                )
            except sqlite3.IntegrityError:
                return False
        return True

    def find_api_token(self, token_hash: str) -> ApiToken | None:
        return self._one(ApiToken, "SELECT doc FROM api_tokens WHERE token_hash = ?", token_hash)

    def list_api_tokens(self) -> list[ApiToken]:
        return self._all(ApiToken, "SELECT doc FROM api_tokens ORDER BY name")

    def revoke_api_token(self, name: str, at: datetime) -> ApiToken | None:
        with self._write() as db:
            row = db.execute(
                "SELECT doc FROM api_tokens WHERE name = ?"
                " AND json_extract(doc, '$.revoked_at') IS NULL",
                (name,),
            ).fetchone()
            if row is None:
                return None
            revoked = self._load(ApiToken, row[0]).model_copy(update={"revoked_at": at})
            db.execute("UPDATE api_tokens SET doc = ? WHERE name = ?", (self._dump(revoked), name))
        return codec.normalized(revoked)

    def mark_api_token_used(self, token_hash: str, at: datetime, unless_since: datetime) -> bool:
        with self._write() as db:
            row = db.execute(
                "SELECT doc FROM api_tokens WHERE token_hash = ?", (token_hash,)
            ).fetchone()
            if row is None:
                return False
            token = self._load(ApiToken, row[0])
            if token.last_used_at is not None and token.last_used_at >= unless_since:
                return False
            used = token.model_copy(update={"last_used_at": at})
            db.execute(
                "UPDATE api_tokens SET doc = ? WHERE token_hash = ?", (self._dump(used), token_hash)
            )
        return True
