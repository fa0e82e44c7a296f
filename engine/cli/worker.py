"""``python -m engine worker``: run one engine process until stopped."""

from __future__ import annotations

import argparse

from engine.adapters import build_providers
from engine.cli.arguments import SubParsers
from engine.seed import seed
from engine.settings import Settings
from engine.store.factory import open_store
from engine.worker import Worker


def cmd_worker(settings: Settings, args: argparse.Namespace) -> int:
    store = open_store(settings)
    store.setup()
    seed(store)
    worker = Worker(store, build_providers(settings), settings)
    try:
        worker.run_forever()
    finally:
        store.close()
    return 0


def add_parser(sub: SubParsers) -> None:
    """Register ``worker``."""
    sub.add_parser("worker", help="run an engine process").set_defaults(func=cmd_worker)
