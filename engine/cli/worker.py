"""``python -m engine worker``: run one engine process until stopped."""

from __future__ import annotations

import argparse

from engine.cli.arguments import SubParsers
from engine.service import compose
from engine.settings import Settings
from engine.worker import Worker


def cmd_worker(settings: Settings, args: argparse.Namespace) -> int:
    mailroom = compose(settings)
    worker = Worker(mailroom.store, mailroom.providers, settings)
    try:
        worker.run_forever()
    finally:
        mailroom.close()
    return 0


def add_parser(sub: SubParsers) -> None:
    """Register ``worker``."""
    sub.add_parser("worker", help="run an engine process").set_defaults(func=cmd_worker)
