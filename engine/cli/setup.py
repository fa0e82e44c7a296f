"""``python -m engine setup``: create the tables or indexes, seed, warm the local model."""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable

from engine.accounts import print_default_accounts
from engine.cli.arguments import SubParsers
from engine.service import compose
from engine.settings import Settings


def _progress() -> Callable[[str], None]:
    started = time.perf_counter()

    def report(message: str) -> None:
        print(f"setup [{time.perf_counter() - started:6.1f} s] {message}", flush=True)

    return report


def cmd_setup(settings: Settings, args: argparse.Namespace) -> int:
    report = _progress()
    report("opening the store")
    mailroom = compose(settings, check_env=False)
    try:
        if not args.skip_model:
            from providers.ai.local import LocalAIProvider

            ai = mailroom.providers.ai
            if isinstance(ai, LocalAIProvider):
                report("preparing the local AI models")
                ai.warm_up(report)
    finally:
        mailroom.close()
    # Production never gets the default accounts (engine/profiles.py refuses them).
    accounts_created = settings.env != "production" and print_default_accounts(
        settings.accounts_path
    )
    print(
        json.dumps(
            {
                "setup": "ok",
                "default_workflow_created": mailroom.seeded,
                "default_accounts_created": accounts_created,
            }
        )
    )
    return 0


def add_parser(sub: SubParsers) -> None:
    """Register ``setup``."""
    setup = sub.add_parser(
        "setup", help="create indexes, seed the default workflow, load the local models"
    )
    setup.add_argument(
        "--skip-model", action="store_true", help="do not load (or train) the local models"
    )
    setup.set_defaults(func=cmd_setup)
