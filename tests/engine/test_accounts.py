"""Local accounts: bcrypt hashes only, roles, the last admin, the first-run accounts."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from engine.accounts import AccountBook, AccountError, ensure_default_accounts
from engine.roles import Role


@pytest.fixture
def book(tmp_path: Path) -> AccountBook:
    return AccountBook(tmp_path / "accounts.toml", rounds=4)


def test_a_password_signs_in_and_only_its_hash_is_stored(book: AccountBook) -> None:
    book.add("bea", Role.AGENT, "correct horse", email="bea@example.com")
    account = book.authenticate("bea", "correct horse")
    assert account is not None and account.role == Role.AGENT
    assert book.authenticate("bea", "wrong horse!") is None
    assert book.authenticate("nobody", "correct horse") is None
    text = book.path.read_text()
    assert "correct horse" not in text and "$2b$04$" in text
    assert book.find_identity("BEA@example.com") == account


def test_refuses_short_long_and_duplicate(book: AccountBook) -> None:
    with pytest.raises(AccountError, match="at least 8"):
        book.add("bea", Role.AGENT, "short")
    with pytest.raises(AccountError, match="at most 72 bytes"):
        book.add("bea", Role.AGENT, "é" * 40)
    with pytest.raises(AccountError, match="not a valid account name"):
        book.add("b ea", Role.AGENT, "long enough")
    book.add("bea", Role.AGENT, "long enough")
    with pytest.raises(AccountError, match="already exists"):
        book.add("bea", Role.ADMIN, "long enough")


def test_an_identity_provider_account_has_no_password(book: AccountBook) -> None:
    book.add("cy@example.com", Role.ANALYST, None)
    assert book.authenticate("cy@example.com", "") is None
    found = book.find_identity("cy@example.com")
    assert found is not None and not found.has_password


def test_the_last_admin_stays(book: AccountBook) -> None:
    book.add("root", Role.ADMIN, "long enough")
    with pytest.raises(AccountError, match="last admin"):
        book.set_role("root", Role.AGENT)
    with pytest.raises(AccountError, match="last admin"):
        book.remove("root")
    book.add("second", Role.ADMIN, "long enough")
    assert book.set_role("root", Role.AGENT).role == Role.AGENT
    assert book.get("root") is not None and book.get("root").role == Role.AGENT  # type: ignore[union-attr]


def test_default_accounts_are_created_once(book: AccountBook) -> None:
    created = ensure_default_accounts(book)
    assert set(created) == {"admin", "manager", "agent", "analyst"}
    for name, password in created.items():
        account = book.authenticate(name, password)
        assert account is not None and account.role == Role(name)
    assert ensure_default_accounts(book) == {}
    assert book.authenticate("admin", created["admin"]) is not None


def test_the_accounts_file_is_private_and_never_left_half_written(
    book: AccountBook, monkeypatch: pytest.MonkeyPatch
) -> None:
    created = ensure_default_accounts(book)
    assert stat.S_IMODE(book.path.stat().st_mode) == 0o600
    book.path.chmod(0o644)  # widened by hand: the next write makes it private again
    book.add("bea", Role.AGENT, "correct horse")
    assert stat.S_IMODE(book.path.stat().st_mode) == 0o600
    assert [p.name for p in book.path.parent.iterdir()] == ["accounts.toml"]
    assert book.authenticate("admin", created["admin"]) is not None
    # Another process created the file between the check and the write: it is kept.
    before = book.path.read_bytes()
    monkeypatch.setattr(book, "exists", lambda: False)
    assert ensure_default_accounts(book) == {}
    assert book.path.read_bytes() == before
