"""``python -m engine setup``: create the tables or indexes, seed, warm the local model."""

from __future__ import annotations

import argparse
import json

from engine.accounts import print_default_accounts
from engine.adapters import build_providers
from engine.cli.arguments import SubParsers
from engine.seed import seed
from engine.settings import Settings
from engine.store.factory import open_store


def cmd_setup(settings: Settings, args: argparse.Namespace) -> int:
    store = open_store(settings)
    try:
        store.setup()
        created = seed(store)
    finally:
        store.close()
    if not args.skip_model:
        from providers.ai.local import LocalAIProvider

        ai = build_providers(settings).ai
        if isinstance(ai, LocalAIProvider):
            ai.warm_up()
    accounts_created = print_default_accounts(settings.accounts_path)
    print(
        json.dumps(
            {
                "setup": "ok",
                "default_workflow_created": created,
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
