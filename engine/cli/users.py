"""``python -m engine users list | add | set-role | reset-password | remove``.

Whoever can write the accounts file is an administrator, so these commands act as the admin
``cli:<login>`` and every change is written to the audit log like one made in the app.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from engine.cli.arguments import SubParsers
from engine.roles import Actor, Role
from engine.service import ControlRefused, MailroomService, compose
from engine.settings import Settings

ROLES = [role.value for role in Role]


def cli_actor() -> Actor:
    try:
        login = getpass.getuser()
    except (KeyError, OSError):
        login = "unknown"
    return Actor(name=f"cli:{login}", role=Role.ADMIN)


def cmd_users(settings: Settings, args: argparse.Namespace) -> int:
    mailroom = compose(settings, seed_defaults=False, check_env=False)
    try:
        service = mailroom.service
        actor = cli_actor()
        try:
            return _run(service, actor, args)
        except ControlRefused as exc:
            print(f"users {args.users_command}: {exc}", file=sys.stderr)
            return 1
    finally:
        mailroom.close()


def _run(service: MailroomService, actor: Actor, args: argparse.Namespace) -> int:
    command = args.users_command
    if command == "list":
        for account in service.list_accounts(actor):
            how = "password" if account.has_password else "identity provider"
            email = f"  {account.email}" if account.email else ""
            print(f"{account.name}\t{account.role.value}\t{how}{email}")
    elif command == "add":
        password = service.add_account(
            actor, args.name, Role(args.role), email=args.email, password=not args.sso_only
        )
        if password is None:
            print(f"added {args.name} ({args.role}); signs in through the identity provider")
        else:
            print(f"added {args.name} ({args.role}); password (shown once): {password}")
    elif command == "set-role":
        service.set_account_role(actor, args.name, Role(args.role))
        print(f"{args.name} is now {args.role}")
    elif command == "reset-password":
        password = service.reset_password(actor, args.name)
        print(f"new password for {args.name} (shown once): {password}")
    elif command == "remove":
        service.remove_account(actor, args.name)
        print(f"removed {args.name}")
    return 0


def add_parser(sub: SubParsers) -> None:
    """Register ``users`` and its subcommands on the engine's command line."""
    users = sub.add_parser("users", help="manage sign-in accounts and roles")
    commands = users.add_subparsers(dest="users_command", required=True)
    commands.add_parser("list", help="accounts and their roles (never passwords)")
    add = commands.add_parser("add", help="create an account; prints its generated password")
    add.add_argument("name")
    add.add_argument("--role", choices=ROLES, required=True)
    add.add_argument("--email", help="matched against the identity provider's email")
    add.add_argument(
        "--sso-only", action="store_true", help="no password: sign in through st.login only"
    )
    role = commands.add_parser("set-role", help="change an account's role")
    role.add_argument("name")
    role.add_argument("role", choices=ROLES)
    reset = commands.add_parser("reset-password", help="generate and print a new password")
    reset.add_argument("name")
    remove = commands.add_parser("remove", help="delete an account")
    remove.add_argument("name")
    users.set_defaults(func=cmd_users)
