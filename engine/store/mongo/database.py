"""The MongoDB database: its collections, how models become documents, index declarations.

Documents carry their natural key as ``_id`` where there is one and times as BSON datetimes.
Every conditional write is one single-document operation whose filter holds the condition, so
it needs no transaction (and no replica set).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel
from pymongo import MongoClient
from pymongo.collection import Collection
from pymongo.database import Database

from engine.encryption import FieldCipher
from engine.store import _codec as codec

Document = dict[str, Any]
ModelT = TypeVar("ModelT", bound=BaseModel)


@dataclass(frozen=True)
class Index:
    """One index an aggregate needs: its collection, its keys (field, direction), whether it is
    unique, and the filter of a partial index (the documents it covers)."""

    collection: str
    keys: list[tuple[str, int]]
    unique: bool = False
    partial: Document | None = None

    def options(self) -> dict[str, Any]:
        """The keyword arguments of ``create_index``."""
        options: dict[str, Any] = {"unique": True} if self.unique else {}
        if self.partial is not None:
            options["partialFilterExpression"] = self.partial
        return options


def limit_or_none(limit: int) -> int | None:
    """``limit`` for a cursor, or None when nothing may be returned (0 means "all" to Mongo)."""
    return limit if limit > 0 else None


class MongoDatabase:
    """The store's collections on one MongoDB database (pymongo client, or ``mongomock``)."""

    def __init__(
        self, client: MongoClient[Document] | Any, database: str, cipher: FieldCipher | None = None
    ) -> None:
        self.cipher = cipher
        self._client = client
        self._db: Database[Document] = client[database]
        self._workflows = self._collection("workflows")
        self._workflow_versions = self._collection("workflow_versions")
        self._emails = self._collection("emails")
        self._executions = self._collection("executions")
        self._approvals = self._collection("approvals")
        self._ai_corrections = self._collection("ai_corrections")
        self._outbox = self._collection("outbox")
        self._deliveries = self._collection("deliveries")
        self._rollups = self._collection("rollups")
        self._cursors = self._collection("cursors")
        self._leases = self._collection("leases")
        self._workers = self._collection("workers")
        self._audit = self._collection("audit")
        self._quarantine = self._collection("quarantine")
        self._source_health = self._collection("source_health")

    def _collection(self, name: str) -> Collection[Document]:
        return self._db[name]

    def close(self) -> None:
        self._client.close()

    def _document(self, model: BaseModel, key: str | None = None) -> Document:
        """``model`` as stored (protected fields encrypted), its field ``key`` as ``_id``."""
        doc = codec.stored_document(model, self.cipher)
        return doc if key is None else {"_id": doc[key], **doc}

    def _model(self, model_type: type[ModelT], doc: Mapping[str, Any]) -> ModelT:
        # plain() also makes the datetimes of a client without tz_aware=True aware UTC again.
        fields = codec.plain({k: v for k, v in doc.items() if k != "_id"})
        return model_type.model_validate(codec.open_document(model_type, fields, self.cipher))

    def _model_or_none(
        self, model_type: type[ModelT], doc: Mapping[str, Any] | None
    ) -> ModelT | None:
        return None if doc is None else self._model(model_type, doc)
