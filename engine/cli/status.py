"""``python -m engine status``: counts of executions, approvals and workers as one JSON object."""

from __future__ import annotations

import argparse
import json

from engine.cli.arguments import SubParsers
from engine.service import compose
from engine.settings import Settings


def cmd_status(settings: Settings, args: argparse.Namespace) -> int:
    mailroom = compose(settings, seed_defaults=False, check_env=False)
    try:
        print(json.dumps(mailroom.service.status_summary(), sort_keys=True))
    finally:
        mailroom.close()
    return 0


def add_parser(sub: SubParsers) -> None:
    """Register ``status``."""
    sub.add_parser("status", help="print counts as one JSON object").set_defaults(func=cmd_status)
