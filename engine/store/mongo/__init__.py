"""The MongoDB backend: one module per aggregate, each declaring the indexes it needs."""

from engine.store.mongo.store import MongoStore

__all__ = ["MongoStore"]
