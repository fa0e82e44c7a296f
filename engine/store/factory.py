"""Pick the store backend the settings ask for."""

from __future__ import annotations

from typing import Any

import pymongo

from engine.settings import Settings
from engine.store.base import Store
from engine.store.mongo import MongoStore
from engine.store.sqlite import SQLiteStore


def open_store(settings: Settings) -> Store:
    """The MongoDB store when ``MONGODB_URI`` is set, else the SQLite file store, encrypting
    under the settings' keys (``store.cipher``).

    Nothing is created yet: call ``setup()`` on the result before first use.
    """
    cipher = settings.field_cipher()
    if settings.mongodb_uri is not None:
        client: pymongo.MongoClient[dict[str, Any]] = pymongo.MongoClient(
            settings.mongodb_uri.get_secret_value(), tz_aware=True
        )
        return MongoStore(client, settings.mongodb_database, cipher)
    return SQLiteStore(settings.database_file, cipher)
