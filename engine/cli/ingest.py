"""``python -m engine ingest PATH...``: import .eml and mbox files; one JSON line per message."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from engine.cli.arguments import SubParsers
from engine.mail.files import ingest_paths
from engine.service import compose
from engine.settings import Settings


def cmd_ingest(settings: Settings, args: argparse.Namespace) -> int:
    """Print one JSON line per message; exit 0 whatever the messages were."""
    mailroom = compose(settings, seed_defaults=False)
    store = mailroom.store
    try:
        for report in ingest_paths(store, [Path(p) for p in args.paths], args.mailbox):
            print(json.dumps(report, ensure_ascii=False), flush=True)
    finally:
        mailroom.close()
    return 0


def add_parser(sub: SubParsers) -> None:
    """Register ``ingest`` on the engine's command line."""
    parser = sub.add_parser("ingest", help="import .eml / mbox files into the store")
    parser.add_argument("paths", nargs="+", help=".eml files, mbox files or folders of them")
    parser.add_argument(
        "--mailbox",
        default="support@mailroom.example",
        help="the mailbox the messages are stored under (default: %(default)s)",
    )
    parser.set_defaults(func=cmd_ingest)
