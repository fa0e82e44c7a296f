"""Local accounts: names, roles and bcrypt password hashes in one TOML file.

The file (``DATA_DIR/accounts.toml`` by default) never holds a password, only its bcrypt hash.
An account without a hash signs in only through the identity provider (``st.login``), matched by
its name or email. ``python -m engine users`` manages the file; the app only reads it.
"""

from __future__ import annotations

import json
import secrets
import sys
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path

import bcrypt

from engine.roles import Role
from providers.files import atomic_write_bytes

#: Accounts created on first setup when there is no accounts file, one per role.
DEFAULT_ACCOUNTS: tuple[tuple[str, Role], ...] = (
    ("admin", Role.ADMIN),
    ("manager", Role.MANAGER),
    ("agent", Role.AGENT),
    ("analyst", Role.ANALYST),
)
MIN_PASSWORD_LENGTH = 8
#: bcrypt reads only the first 72 bytes; longer passwords are refused rather than truncated.
MAX_PASSWORD_BYTES = 72
HEADER = (
    "# Mailroom accounts: names, roles and bcrypt password hashes (never passwords).\n"
    "# Manage them with `python -m engine users`.\n"
)


class AccountError(ValueError):
    """An account operation that cannot be done; the message says why."""


@dataclass(frozen=True)
class Account:
    """One person who may sign in, and their role."""

    name: str
    role: Role
    password_hash: str | None = None
    email: str | None = None

    @property
    def has_password(self) -> bool:
        return self.password_hash is not None


def generate_password() -> str:
    """A random password of 16 URL-safe characters (96 bits)."""
    return secrets.token_urlsafe(12)


def _check_password(password: str) -> bytes:
    raw = password.encode("utf-8")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    if len(raw) > MAX_PASSWORD_BYTES:
        raise AccountError(f"a password may have at most {MAX_PASSWORD_BYTES} bytes")
    return raw


def _check_name(name: str) -> str:
    cleaned = name.strip()
    if not cleaned or any(ch.isspace() or not ch.isprintable() for ch in cleaned):
        raise AccountError(f"{name!r} is not a valid account name (no spaces, not empty)")
    return cleaned


def _toml_string(value: str) -> str:
    # A JSON string (ASCII, escaped) is a valid TOML basic string.
    return json.dumps(value, ensure_ascii=True)


class AccountBook:
    """The accounts file: read on every call, so changes by the CLI apply at once."""

    def __init__(self, path: Path, *, rounds: int = 12) -> None:
        self.path = path
        self.rounds = rounds
        # Compared against when a name is unknown, so a wrong name costs as long as a wrong
        # password and does not reveal which names exist.
        self._dummy_hash = bcrypt.hashpw(b"not-a-password", bcrypt.gensalt(rounds=4))

    def exists(self) -> bool:
        return self.path.is_file()

    def accounts(self) -> dict[str, Account]:
        """Every account by name (empty when the file does not exist)."""
        if not self.path.is_file():
            return {}
        data = tomllib.loads(self.path.read_text(encoding="utf-8"))
        found: dict[str, Account] = {}
        for name, entry in data.get("users", {}).items():
            try:
                role = Role(entry["role"])
            except (KeyError, ValueError) as exc:
                raise AccountError(f"account {name!r} in {self.path} has no valid role") from exc
            found[name] = Account(
                name=name,
                role=role,
                password_hash=entry.get("password_hash"),
                email=entry.get("email"),
            )
        return found

    def get(self, name: str) -> Account | None:
        return self.accounts().get(name)

    def find_identity(self, email: str | None, name: str | None = None) -> Account | None:
        """The account of a person signed in through the identity provider: by email, then name."""
        accounts = self.accounts()
        if email:
            for account in accounts.values():
                if account.email and account.email.lower() == email.lower():
                    return account
            if email in accounts:
                return accounts[email]
        return accounts.get(name) if name else None

    def authenticate(self, name: str, password: str) -> Account | None:
        """The account if ``password`` is its password; None otherwise (whatever was wrong)."""
        account = self.accounts().get(name.strip())
        raw = password.encode("utf-8")[:MAX_PASSWORD_BYTES]
        if account is None or account.password_hash is None:
            bcrypt.checkpw(raw, self._dummy_hash)
            return None
        if bcrypt.checkpw(raw, account.password_hash.encode("ascii")):
            return account
        return None

    def hash_password(self, password: str) -> str:
        return bcrypt.hashpw(_check_password(password), bcrypt.gensalt(self.rounds)).decode()

    def add(
        self, name: str, role: Role, password: str | None, *, email: str | None = None
    ) -> Account:
        """Create an account; ``password`` None makes it sign in through the identity provider."""
        name = _check_name(name)
        accounts = self.accounts()
        if name in accounts:
            raise AccountError(f"account {name!r} already exists")
        hashed = self.hash_password(password) if password is not None else None
        account = Account(name=name, role=role, password_hash=hashed, email=email or None)
        self._write({**accounts, name: account})
        return account

    def set_password(self, name: str, password: str) -> Account:
        return self._change(name, password_hash=self.hash_password(password))

    def set_role(self, name: str, role: Role) -> Account:
        return self._change(name, role=role)

    def remove(self, name: str) -> Account:
        accounts = self.accounts()
        if name not in accounts:
            raise AccountError(f"there is no account {name!r}")
        removed = accounts.pop(name)
        if removed.role == Role.ADMIN and not any(a.role == Role.ADMIN for a in accounts.values()):
            raise AccountError(f"{name!r} is the last admin; make someone else admin first")
        self._write(accounts)
        return removed

    def _change(
        self, name: str, *, role: Role | None = None, password_hash: str | None = None
    ) -> Account:
        accounts = self.accounts()
        if name not in accounts:
            raise AccountError(f"there is no account {name!r}")
        current = accounts[name]
        if (
            role is not None
            and current.role == Role.ADMIN
            and role != Role.ADMIN
            and not any(a.role == Role.ADMIN for n, a in accounts.items() if n != name)
        ):
            raise AccountError(f"{name!r} is the last admin; make someone else admin first")
        changed = replace(
            current,
            role=role if role is not None else current.role,
            password_hash=password_hash if password_hash is not None else current.password_hash,
        )
        accounts[name] = changed
        self._write(accounts)
        return changed

    def _write(self, accounts: dict[str, Account], *, exclusive: bool = False) -> bool:
        """Replace the file atomically (mode 0600); with ``exclusive``, only create it, and
        return False if it already exists (another process created it first)."""
        lines = [HEADER]
        for account in sorted(accounts.values(), key=lambda a: a.name):
            lines.append(f"\n[users.{_toml_string(account.name)}]\n")
            lines.append(f"role = {_toml_string(account.role.value)}\n")
            if account.password_hash is not None:
                lines.append(f"password_hash = {_toml_string(account.password_hash)}\n")
            if account.email:
                lines.append(f"email = {_toml_string(account.email)}\n")
        try:
            atomic_write_bytes(self.path, "".join(lines).encode("utf-8"), overwrite=not exclusive)
        except FileExistsError:
            return False
        return True


def ensure_default_accounts(book: AccountBook) -> dict[str, str]:
    """Create one account per role with a generated password when there is no accounts file.

    Returns ``{name: password}`` of the accounts created (empty when the file existed): the
    only time those passwords exist outside a person's head, so the caller shows them once.
    """
    if book.exists():
        return {}
    passwords = {name: generate_password() for name, _ in DEFAULT_ACCOUNTS}
    accounts = {
        name: Account(name=name, role=role, password_hash=book.hash_password(passwords[name]))
        for name, role in DEFAULT_ACCOUNTS
    }
    return passwords if book._write(accounts, exclusive=True) else {}


def print_default_accounts(accounts_path: Path) -> bool:
    """Create one account per role on first setup and print their passwords, once (to stderr)."""
    created = ensure_default_accounts(AccountBook(accounts_path))
    if not created:
        return False
    width = max(len(name) for name in created)
    print(f"Created the first Mailroom accounts in {accounts_path}.", file=sys.stderr)
    print("Sign in with one of these; the passwords are shown only now:", file=sys.stderr)
    for name, password in created.items():
        print(f"  {name:<{width}}  {password}", file=sys.stderr)
    print(
        "Change them with `python -m engine users reset-password NAME`.",
        file=sys.stderr,
    )
    return True


def read_printed_accounts(printed: str) -> dict[str, str]:
    """The names and passwords ``print_default_accounts`` wrote, read back from its output (for
    scripts that drive a fresh installation, such as the benchmarks and the browser tests)."""
    accounts = {}
    for line in printed.splitlines():
        parts = line.split()
        if line.startswith("  ") and len(parts) == 2:
            accounts[parts[0]] = parts[1]
    return accounts
