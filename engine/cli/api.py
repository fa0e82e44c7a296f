"""``python -m engine api [--host 127.0.0.1] [--port 8503]``: serve the HTTP API."""

from __future__ import annotations

import argparse

from engine.api import create_app
from engine.cli.arguments import SubParsers
from engine.service import compose
from engine.settings import Settings


def cmd_api(settings: Settings, args: argparse.Namespace) -> int:
    """Serve the API until stopped."""
    import uvicorn

    mailroom = compose(settings, seed_defaults=False)
    try:
        uvicorn.run(
            create_app(mailroom.service, settings),
            host=args.host or settings.api_host,
            port=args.port or settings.api_port,
            # Through the root handler: JSON lines with secrets masked.
            log_config=None,
            log_level="info",
        )
    finally:
        mailroom.close()
    return 0


def add_parser(sub: SubParsers) -> None:
    """Register ``api`` on the engine's command line."""
    parser = sub.add_parser("api", help="serve the HTTP API (/api/v1, docs at /api/v1/docs)")
    parser.add_argument("--host", default=None, help="default MAILROOM_API_HOST or 127.0.0.1")
    parser.add_argument("--port", type=int, default=None, help="default MAILROOM_API_PORT or 8503")
    parser.set_defaults(func=cmd_api)
