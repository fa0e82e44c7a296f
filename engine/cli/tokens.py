"""``python -m engine tokens create NAME --role ROLE [--expires DAYS] | list | revoke NAME``.

Whoever can read the database is an administrator here, as for ``users``: these commands act
as the admin ``cli:<login>`` and every change is audited. A token is printed once, when it is
made; only its hash is stored.
"""

from __future__ import annotations

import argparse
import sys

from engine.cli.arguments import SubParsers
from engine.cli.users import ROLES, cli_actor
from engine.service import ControlRefused, MailroomService, Role, compose, utcnow
from engine.settings import Settings


def cmd_tokens(settings: Settings, args: argparse.Namespace) -> int:
    mailroom = compose(settings, seed_defaults=False, check_env=False)
    try:
        try:
            return _run(mailroom.service, args)
        except ControlRefused as exc:
            print(f"tokens {args.tokens_command}: {exc}", file=sys.stderr)
            return 1
    finally:
        mailroom.close()


def _run(service: MailroomService, args: argparse.Namespace) -> int:
    actor = cli_actor()
    command = args.tokens_command
    if command == "create":
        token, secret = service.create_token(actor, args.name, Role(args.role), args.expires)
        expiry = token.expires_at.isoformat() if token.expires_at else "never"
        print(f"created token {token.name} ({token.role}); expires: {expiry}", file=sys.stderr)
        print("the token (shown once; keep it secret):", file=sys.stderr)
        print(secret)
    elif command == "list":
        now = utcnow()
        for token in service.list_tokens(actor):
            if token.revoked_at is not None:
                state = f"revoked {token.revoked_at.isoformat()}"
            elif token.expires_at is not None and token.expires_at <= now:
                state = f"expired {token.expires_at.isoformat()}"
            elif token.expires_at is not None:
                state = f"expires {token.expires_at.isoformat()}"
            else:
                state = "no expiry"
            made = f"created {token.created_at.isoformat()} by {token.created_by}"
            used = token.last_used_at.isoformat() if token.last_used_at else "never"
            print(f"{token.name}\t{token.role}\t{state}\t{made}\tlast used {used}")
    elif command == "revoke":
        service.revoke_token(actor, args.name)
        print(f"revoked {args.name}")
    return 0


def add_parser(sub: SubParsers) -> None:
    """Register ``tokens`` and its subcommands on the engine's command line."""
    tokens = sub.add_parser("tokens", help="API tokens: create (printed once), list, revoke")
    commands = tokens.add_subparsers(dest="tokens_command", required=True)
    create = commands.add_parser("create", help="make a token acting with a role")
    create.add_argument("name", help="shown in the audit log as token:NAME")
    create.add_argument("--role", choices=ROLES, required=True)
    create.add_argument("--expires", type=int, metavar="DAYS", help="days until it expires")
    commands.add_parser("list", help="every token, its role and state (never the secret)")
    revoke = commands.add_parser("revoke", help="refuse every later call with the token")
    revoke.add_argument("name")
    tokens.set_defaults(func=cmd_tokens)
