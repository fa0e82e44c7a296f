"""``python -m engine intake``: serve the webhooks providers deliver mail to."""

from __future__ import annotations

import argparse
import logging

from engine.cli.arguments import SubParsers
from engine.http.intake import create_app, gmail_syncer
from engine.service import compose
from engine.settings import Settings

log = logging.getLogger("engine.intake")


def cmd_intake(settings: Settings, args: argparse.Namespace) -> int:
    """Serve the intake until stopped."""
    import uvicorn

    mailroom = compose(settings, seed_defaults=False)
    store = mailroom.store
    token = settings.intake_token.get_secret_value() if settings.intake_token else None
    if token is None:
        log.warning("MAILROOM_INTAKE_TOKEN is not set: every webhook will be refused")
    try:
        uvicorn.run(
            create_app(store, token, gmail_syncer(store, settings), settings=settings),
            host=args.host or settings.intake_host,
            port=args.port or settings.intake_port,
            # Through the root handler: JSON lines with secrets (a ?token=) masked.
            log_config=None,
            log_level="info",
        )
    finally:
        mailroom.close()
    return 0


def add_parser(sub: SubParsers) -> None:
    """Register ``intake`` on the engine's command line."""
    parser = sub.add_parser("intake", help="serve the webhooks providers deliver mail to")
    parser.add_argument("--host", default=None)
    parser.add_argument("--port", type=int, default=None)
    parser.set_defaults(func=cmd_intake)
