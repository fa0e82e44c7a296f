"""Pick the store backend the settings ask for."""

from __future__ import annotations

from typing import Any

import pymongo

from engine.settings import Settings
from engine.store.base import Store
from engine.store.mongo import MongoStore
from engine.store.sqlite import SQLiteStore

#: The client name the server sees (in its logs and ``currentOp``) for Mailroom's connections.
MONGODB_APP_NAME = "mailroom"


def mongo_client_options(settings: Settings) -> dict[str, Any]:
    """The ``MongoClient`` keyword arguments the settings give (beside the URI's own options).

    Retryable writes and reads are on: a single-document write or a read that meets a dropped
    connection or a stepping-down primary is retried once by the driver, safely, since the
    server recognises a write it already applied.
    """
    timeout_ms = int(settings.mongodb_timeout_seconds * 1000)
    options: dict[str, Any] = {
        "tz_aware": True,
        "appname": MONGODB_APP_NAME,
        "retryWrites": True,
        "retryReads": True,
        "w": int(settings.mongodb_write_concern)
        if settings.mongodb_write_concern.isdigit()
        else settings.mongodb_write_concern,
        "serverSelectionTimeoutMS": timeout_ms,
        # A retry after "not primary" or "shutting down" waits for the next look at the
        # server: every 5 s (the driver's 10 s would outlast a short server selection timeout).
        "heartbeatFrequencyMS": 5000,
        "connectTimeoutMS": timeout_ms,
    }
    if settings.mongodb_username is not None:
        options["username"] = settings.mongodb_username
    if settings.mongodb_password is not None:
        options["password"] = settings.mongodb_password.get_secret_value()
    if settings.mongodb_auth_source is not None:
        options["authSource"] = settings.mongodb_auth_source
    if settings.mongodb_tls is not None:
        options["tls"] = settings.mongodb_tls
    if settings.mongodb_tls_ca_file is not None:
        options["tlsCAFile"] = str(settings.mongodb_tls_ca_file)
    if settings.mongodb_tls_certificate_key_file is not None:
        options["tlsCertificateKeyFile"] = str(settings.mongodb_tls_certificate_key_file)
    return options


def open_store(settings: Settings) -> Store:
    """The MongoDB store when ``MONGODB_URI`` is set, else the SQLite file store, encrypting
    under the settings' keys (``store.cipher``).

    Nothing is created yet: call ``setup()`` on the result before first use.
    """
    cipher = settings.field_cipher()
    if settings.mongodb_uri is not None:
        client: pymongo.MongoClient[dict[str, Any]] = pymongo.MongoClient(
            settings.mongodb_uri.get_secret_value(), **mongo_client_options(settings)
        )
        return MongoStore(client, settings.mongodb_database, cipher)
    return SQLiteStore(settings.database_file, cipher)
