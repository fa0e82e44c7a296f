"""Session tokens: signed, expiring, revocable, and ended by any change to the account."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from pydantic import SecretStr

from engine.accounts import AccountBook
from engine.roles import Role
from engine.sessions import SessionKeeper, SessionSecretError, session_secret
from engine.settings import Settings

HOUR = 3600.0
NOW = 1_800_000_000.0


@pytest.fixture
def book(tmp_path: Path) -> AccountBook:
    accounts = AccountBook(tmp_path / "accounts.toml", rounds=4)
    accounts.add("admin", Role.ADMIN, "admin-password-1")
    accounts.add("bea", Role.AGENT, "bea-password-123")
    return accounts


@pytest.fixture
def keeper(tmp_path: Path) -> SessionKeeper:
    return SessionKeeper(b"k" * 32, tmp_path / "revoked", HOUR)


def _bea(book: AccountBook):  # type: ignore[no-untyped-def]
    account = book.get("bea")
    assert account is not None
    return account


def test_a_token_signs_its_account_in_until_it_expires(
    keeper: SessionKeeper, book: AccountBook
) -> None:
    session = keeper.issue(_bea(book), now=NOW)
    assert session.expires_at == NOW + HOUR
    assert keeper.resume(session.token, book, now=NOW + 10) == _bea(book)
    assert keeper.resume(session.token, book, now=NOW + HOUR + 1) is None


def test_a_changed_or_forged_token_is_refused(keeper: SessionKeeper, book: AccountBook) -> None:
    token = keeper.issue(_bea(book), now=NOW).token
    payload, _, signature = token.partition(".")
    other = SessionKeeper(b"x" * 32, keeper._revoked_dir, HOUR)
    for forged in (
        f"{payload}.{signature[:-2]}AA",
        f"{payload}A.{signature}",
        payload,
        "",
        "not a token at all",
        other.issue(_bea(book), now=NOW).token,  # signed with another secret
    ):
        assert keeper.resume(forged, book, now=NOW) is None, forged


def test_signing_out_revokes_the_token_for_good(
    keeper: SessionKeeper, book: AccountBook, tmp_path: Path
) -> None:
    first = keeper.issue(_bea(book), now=NOW)
    second = keeper.issue(_bea(book), now=NOW)
    assert keeper.revoke(first.token, now=NOW)
    assert keeper.resume(first.token, book, now=NOW) is None
    assert keeper.resume(second.token, book, now=NOW) is not None  # another browser stays in
    # A revocation is forgotten once the session would have expired anyway.
    assert keeper.revoke(second.token, now=NOW + HOUR - 1)
    later = keeper.issue(_bea(book), now=NOW + 2 * HOUR)
    assert keeper.revoke(later.token, now=NOW + 2 * HOUR)
    assert sorted(p.name for p in (tmp_path / "revoked").iterdir()) == [later.session_id]


@pytest.mark.parametrize("change", ["role", "removed", "password"])
def test_a_change_to_the_account_ends_its_sessions(
    keeper: SessionKeeper, book: AccountBook, change: str
) -> None:
    token = keeper.issue(_bea(book), now=NOW).token
    if change == "role":
        book.set_role("bea", Role.ANALYST)
    elif change == "removed":
        book.remove("bea")
    else:
        book.set_password("bea", "a-new-password-9")
    assert keeper.resume(token, book, now=NOW) is None
    if change == "removed":  # a new account of the same name is someone else
        book.add("bea", Role.AGENT, "bea-password-123")
        assert keeper.resume(token, book, now=NOW) is None


def test_the_secret_is_generated_once_with_mode_0600(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    first = session_secret(settings)
    assert len(first) >= 32
    assert stat.S_IMODE(settings.session_secret_path.stat().st_mode) == 0o600
    assert session_secret(Settings(data_dir=tmp_path / "data")) == first
    configured = Settings(data_dir=tmp_path / "data", session_secret=SecretStr("s" * 40))
    assert session_secret(configured) == b"s" * 40


def test_a_short_secret_is_refused_with_its_name(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="at least 32 characters"):
        Settings(data_dir=tmp_path, session_secret=SecretStr("short"))
    settings = Settings(data_dir=tmp_path / "data")
    settings.session_secret_path.parent.mkdir(parents=True)
    settings.session_secret_path.write_text("short")
    with pytest.raises(SessionSecretError, match="session-secret"):
        session_secret(settings)
