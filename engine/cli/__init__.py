"""``python -m engine``: one small module per command, each registering itself with ``add_parser``.

Commands: setup, worker, status, demo, ingest, intake, api, tokens, users, privacy, eval.
Benchmarks and the chaos test live outside the engine: ``python -m bench``.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from engine.cli import api, demo, ingest, intake, privacy, setup, status, tokens, users, worker
from engine.cli import eval as evaluation
from engine.ops.logs import configure_logging
from engine.ops.telemetry import ErrorCountingHandler
from engine.settings import SettingsError, load_settings
from engine.store.base import StoreError
from providers.errors import ProviderError

COMMANDS = (setup, worker, status, demo, ingest, intake, api, tokens, users, privacy, evaluation)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m engine", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    for command in COMMANDS:
        command.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    return run(build_parser().parse_args(argv))


def run(args: argparse.Namespace) -> int:
    """Run the parsed command ``args.func(settings, args)`` on the settings of the environment:
    a bad setting exits 2 with its message, a store or provider failure exits 1 with it."""
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        return 2
    # JSON lines with correlation ids, every configured secret masked; ERRORs are counted.
    configure_logging(settings)
    logging.getLogger().addHandler(ErrorCountingHandler())
    try:
        result: int = args.func(settings, args)
    except (StoreError, ProviderError) as exc:
        print(f"{args.command} failed: {exc}", file=sys.stderr)
        return 1
    except SettingsError as exc:  # MAILROOM_ENV=production refusing demo settings
        print(exc, file=sys.stderr)
        return 2
    return result
