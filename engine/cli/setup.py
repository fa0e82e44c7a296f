"""``python -m engine setup``: create the tables or indexes, seed, warm the local model."""

from __future__ import annotations

import argparse
import json

from engine.accounts import print_default_accounts
from engine.cli.arguments import SubParsers
from engine.service import compose
from engine.settings import Settings


def cmd_setup(settings: Settings, args: argparse.Namespace) -> int:
    mailroom = compose(settings)
    try:
        if not args.skip_model:
            from providers.ai.local import LocalAIProvider

            ai = mailroom.providers.ai
            if isinstance(ai, LocalAIProvider):
                ai.warm_up()
    finally:
        mailroom.close()
    accounts_created = print_default_accounts(settings.accounts_path)
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
    setup = sub.add_parser("setup", help="create indexes, seed the default workflow, train")
    setup.add_argument("--skip-model", action="store_true", help="do not train the local model")
    setup.set_defaults(func=cmd_setup)
