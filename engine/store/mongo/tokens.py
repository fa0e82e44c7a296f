"""API tokens on MongoDB (``_id`` = token id, unique on name and on the hash of the secret)."""

from __future__ import annotations

from datetime import datetime

from pymongo import ASCENDING, ReturnDocument
from pymongo.errors import DuplicateKeyError

from engine.models import ApiToken
from engine.store import _codec as codec
from engine.store.mongo.database import Index, MongoDatabase
from engine.store.ports.tokens import ApiTokenStore

INDEXES = [
    Index("api_tokens", [("name", ASCENDING)], unique=True),
    Index("api_tokens", [("token_hash", ASCENDING)], unique=True),
]


class MongoApiTokenStore(MongoDatabase, ApiTokenStore):
    def create_api_token(self, token: ApiToken) -> bool:
        try:
            self._collection("api_tokens").insert_one(self._document(token, "token_id"))
        except DuplicateKeyError:
            return False
        return True

    def find_api_token(self, token_hash: str) -> ApiToken | None:
        doc = self._collection("api_tokens").find_one({"token_hash": token_hash})
        return self._model_or_none(ApiToken, doc)

    def list_api_tokens(self) -> list[ApiToken]:
        cursor = self._collection("api_tokens").find().sort([("name", ASCENDING)])
        return [self._model(ApiToken, doc) for doc in cursor]

    def revoke_api_token(self, name: str, at: datetime) -> ApiToken | None:
        doc = self._collection("api_tokens").find_one_and_update(
            {"name": name, "revoked_at": None},
            {"$set": {"revoked_at": codec.store_time(at)}},
            return_document=ReturnDocument.AFTER,
        )
        return self._model_or_none(ApiToken, doc)

    def mark_api_token_used(self, token_hash: str, at: datetime, unless_since: datetime) -> bool:
        stale = [{"last_used_at": None}, {"last_used_at": {"$lt": codec.store_time(unless_since)}}]
        result = self._collection("api_tokens").update_one(
            {"token_hash": token_hash, "$or": stale},
            {"$set": {"last_used_at": codec.store_time(at)}},
        )
        return result.modified_count == 1
