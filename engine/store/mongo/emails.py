"""Emails and threads on MongoDB: ``_id`` = email id, unique on (message_id, mailbox)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pymongo import ASCENDING, DESCENDING
from pymongo.errors import DuplicateKeyError

from engine.models import Email
from engine.store import _codec as codec
from engine.store.mongo.database import Index, MongoDatabase, limit_or_none
from engine.store.ports.emails import EmailStore

INDEXES = [
    # message_id first so find_email_by_message_id uses the same index.
    Index("emails", [("message_id", ASCENDING), ("mailbox", ASCENDING)], unique=True),
    Index(
        "emails", [("mailbox", ASCENDING), ("thread_key", ASCENDING), ("received_at", DESCENDING)]
    ),
    Index("emails", [("thread_id", ASCENDING)]),
    # A customer's history: list_emails_from.
    Index("emails", [("from_address", ASCENDING), ("received_at", DESCENDING)]),
    Index("emails", [("received_at", DESCENDING), ("_id", DESCENDING)]),
]


class MongoEmailStore(MongoDatabase, EmailStore):
    def insert_email(self, email: Email) -> bool:
        try:
            self._emails.insert_one(self._document(email, "email_id"))
        except DuplicateKeyError:
            if self._emails.count_documents(
                {"message_id": email.message_id, "mailbox": email.mailbox}, limit=1
            ):
                return False
            raise
        return True

    def get_email(self, email_id: str) -> Email | None:
        return self._model_or_none(Email, self._emails.find_one({"_id": email_id}))

    def get_emails(self, email_ids: Sequence[str]) -> dict[str, Email]:
        docs = self._emails.find({"_id": {"$in": list(dict.fromkeys(email_ids))}})
        return {email.email_id: email for email in (self._model(Email, d) for d in docs)}

    def find_email_by_message_id(self, message_id: str) -> Email | None:
        doc = self._emails.find_one({"message_id": message_id}, sort=[("mailbox", ASCENDING)])
        return self._model_or_none(Email, doc)

    def find_email_in_mailbox(self, mailbox: str, message_id: str) -> Email | None:
        doc = self._emails.find_one({"message_id": message_id, "mailbox": mailbox})
        return self._model_or_none(Email, doc)

    def list_emails(
        self,
        *,
        received_from: datetime | None = None,
        received_before: datetime | None = None,
        limit: int = 100,
    ) -> list[Email]:
        received: dict[str, object] = {}
        if received_from is not None:
            received["$gte"] = codec.store_time(received_from)
        if received_before is not None:
            received["$lt"] = codec.store_time(received_before)
        limit_ = limit_or_none(limit)
        if limit_ is None:
            return []
        docs = self._emails.find({"received_at": received} if received else {}).sort(
            [("received_at", DESCENDING), ("_id", DESCENDING)]
        )
        return [self._model(Email, doc) for doc in docs.limit(limit_)]

    def count_emails(self) -> int:
        return self._emails.count_documents({})

    def find_thread_by_key(self, mailbox: str, thread_key: str, since: datetime) -> Email | None:
        doc = self._emails.find_one(
            {
                "mailbox": mailbox,
                "thread_key": {
                    "$in": codec.lookup_values(Email, "thread_key", thread_key, self.cipher)
                },
                "received_at": {"$gte": codec.store_time(since)},
            },
            sort=[("received_at", DESCENDING)],
        )
        return self._model_or_none(Email, doc)

    def list_thread_emails(self, thread_id: str, limit: int = 20) -> list[Email]:
        return self._newest({"thread_id": thread_id}, limit)

    def list_emails_from(self, address: str, limit: int = 20) -> list[Email]:
        values = codec.lookup_values(Email, "from_address", address, self.cipher)
        values += codec.lookup_values(Email, "from_address", address.strip().lower(), self.cipher)
        return self._newest({"from_address": {"$in": list(dict.fromkeys(values))}}, limit)

    def _newest(self, query: dict[str, object], limit: int) -> list[Email]:
        limit_ = limit_or_none(limit)
        if limit_ is None:
            return []
        docs = self._emails.find(query).sort([("received_at", DESCENDING), ("_id", DESCENDING)])
        return [self._model(Email, doc) for doc in docs.limit(limit_)]

    def merge_threads(self, source_thread_id: str, target_thread_id: str) -> int:
        result = self._emails.update_many(
            {"thread_id": source_thread_id}, {"$set": {"thread_id": target_thread_id}}
        )
        return int(result.modified_count)
