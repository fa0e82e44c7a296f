"""``python -m engine status``: counts of executions, approvals and workers as one JSON object."""

from __future__ import annotations

import argparse
import json

from engine.cli.arguments import SubParsers
from engine.service import MailroomService
from engine.settings import Settings
from engine.store.factory import open_store


def cmd_status(settings: Settings, args: argparse.Namespace) -> int:
    store = open_store(settings)
    try:
        store.setup()
        print(json.dumps(MailroomService(store).status_summary(), sort_keys=True))
    finally:
        store.close()
    return 0


def add_parser(sub: SubParsers) -> None:
    """Register ``status``."""
    sub.add_parser("status", help="print counts as one JSON object").set_defaults(func=cmd_status)
