"""``python -m engine privacy export | erase | rotate-key | retention``.

Like ``users``, these act as the admin ``cli:<login>`` (whoever can reach the database and the
key is an administrator) and each is written to the audit log.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from engine.cli.arguments import SubParsers
from engine.cli.users import cli_actor
from engine.encryption import EncryptionError
from engine.ops.privacy import PrivacyError, run_retention
from engine.service import ControlRefused, MailroomService, compose
from engine.settings import Settings


def cmd_privacy(settings: Settings, args: argparse.Namespace) -> int:
    mailroom = compose(settings, seed_defaults=False, check_env=False)
    try:
        service = mailroom.service
        try:
            return _run(service, settings, args)
        except (PrivacyError, ControlRefused, EncryptionError) as exc:
            print(f"privacy {args.privacy_command}: {exc}", file=sys.stderr)
            return 1
    finally:
        mailroom.close()


def _run(service: MailroomService, settings: Settings, args: argparse.Namespace) -> int:
    actor = cli_actor()
    command = args.privacy_command
    if command == "export":
        text = service.export_customer(actor, args.customer)
        if args.output is None:
            print(text)
        else:
            Path(args.output).write_text(text + "\n", encoding="utf-8")
            print(f"wrote {args.output}", file=sys.stderr)
    elif command == "erase":
        counts = service.erase_customer(actor, args.customer)
        print(json.dumps({"erased": counts}, sort_keys=True))
    elif command == "rotate-key":
        rewritten = service.rotate_key(actor)
        print(json.dumps({"rewritten": rewritten}, sort_keys=True))
    elif command == "retention":
        deleted = run_retention(service.store, settings.retention_days(), service.clock())
        print(json.dumps({"deleted": deleted}, sort_keys=True))
    return 0


def add_parser(sub: SubParsers) -> None:
    """Register ``privacy`` and its subcommands on the engine's command line."""
    privacy = sub.add_parser("privacy", help="customer data export and erasure, key rotation")
    commands = privacy.add_subparsers(dest="privacy_command", required=True)
    export = commands.add_parser("export", help="everything held about a customer, as JSON")
    export.add_argument("--customer", required=True, metavar="ADDRESS")
    export.add_argument("--output", help="write to this file instead of standard output")
    erase = commands.add_parser(
        "erase", help="anonymise or delete everything held about a customer"
    )
    erase.add_argument("--customer", required=True, metavar="ADDRESS")
    commands.add_parser(
        "rotate-key",
        help="re-encrypt every row under MAILROOM_ENCRYPTION_KEY (old keys can then be retired)",
    )
    commands.add_parser("retention", help="apply the retention policy now")
    privacy.set_defaults(func=cmd_privacy)
