"""Password sign-ins: throttled per name, locked after repeated failures, every failure audited."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import mongomock
import pytest

from engine.accounts import AccountBook
from engine.roles import Role
from engine.service import MailroomService
from engine.sign_in_guard import FAILURE_WINDOW, LOCKOUT, MAX_FAILURES, SignInGuard
from engine.store.base import Store
from engine.store.mongo.store import MongoStore
from engine.store.sqlite.store import SQLiteStore

PASSWORD = "dora-secret-password"
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture(params=["sqlite", "mongomock"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """An empty store on each backend (the failures live in its cursor table)."""
    store: Store
    if request.param == "sqlite":
        store = SQLiteStore(tmp_path / "mailroom.db")
    else:
        store = MongoStore(mongomock.MongoClient(tz_aware=True), f"test_{uuid.uuid4().hex}")
    store.setup()
    yield store
    store.close()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def book(tmp_path: Path) -> AccountBook:
    accounts = AccountBook(tmp_path / "accounts.toml", rounds=4)
    accounts.add("dora", Role.AGENT, PASSWORD)
    return accounts


@pytest.fixture
def service(backend: Store, clock: Clock, book: AccountBook) -> MailroomService:
    return MailroomService(backend, clock=clock, accounts=book)


def _fail(service: MailroomService, times: int, name: str = "dora") -> None:
    for _ in range(times):
        assert service.sign_in(name, "wrong-password").account is None


def test_the_right_password_signs_in_and_clears_earlier_failures(
    service: MailroomService, backend: Store
) -> None:
    _fail(service, MAX_FAILURES - 1)
    result = service.sign_in("dora", PASSWORD)
    assert result.account is not None and result.account.name == "dora"
    # The count started again: as many failures again do not lock the name.
    _fail(service, MAX_FAILURES - 1)
    assert service.sign_in("dora", PASSWORD).account is not None
    assert SignInGuard(backend).state("dora").failures == ()


def test_repeated_failures_lock_the_name_even_for_the_right_password(
    service: MailroomService, clock: Clock
) -> None:
    _fail(service, MAX_FAILURES - 1)
    clock.now += timedelta(minutes=1)
    last = service.sign_in("dora", "wrong-password")
    assert last.locked_until == clock.now + LOCKOUT
    refused = service.sign_in("dora", PASSWORD)
    assert refused.account is None
    assert refused.locked_until == START + timedelta(minutes=1) + LOCKOUT
    assert refused.message is not None
    assert "Try again after 09:16 UTC (in 15 minutes)" in refused.message


def test_the_lockout_ends_after_its_time(service: MailroomService, clock: Clock) -> None:
    _fail(service, MAX_FAILURES)
    clock.now += LOCKOUT - timedelta(seconds=1)
    refused = service.sign_in("dora", PASSWORD)
    assert refused.account is None
    assert refused.message is not None and "(in 1 minute)" in refused.message
    clock.now += timedelta(seconds=1)
    assert service.sign_in("dora", PASSWORD).account is not None


def test_failures_outside_the_window_do_not_count(service: MailroomService, clock: Clock) -> None:
    _fail(service, MAX_FAILURES - 1)
    clock.now += FAILURE_WINDOW
    _fail(service, MAX_FAILURES - 1)
    assert service.sign_in("dora", PASSWORD).account is not None


def test_processes_on_one_store_share_the_count(
    backend: Store, clock: Clock, book: AccountBook
) -> None:
    first = MailroomService(backend, clock=clock, accounts=book)
    second = MailroomService(backend, clock=clock, accounts=book)
    _fail(first, MAX_FAILURES - 1)
    assert second.sign_in("dora", "wrong-password").locked_until is not None
    assert first.sign_in("dora", PASSWORD).locked_until is not None


def test_an_unknown_name_is_locked_like_a_known_one(service: MailroomService) -> None:
    """So a lockout does not tell which names exist; other names are not affected."""
    _fail(service, MAX_FAILURES, name="nobody")
    assert service.sign_in("nobody", "anything-at-all").locked_until is not None
    assert service.sign_in("dora", PASSWORD).account is not None


def test_every_failed_sign_in_is_audited_without_the_password(
    service: MailroomService, backend: Store, clock: Clock
) -> None:
    attempts = [("nobody", "guess-one-password")] + [("dora", "wrong-password")] * MAX_FAILURES
    for name, password in [*attempts, ("dora", PASSWORD)]:  # the last one refused: locked
        clock.now += timedelta(seconds=1)  # the audit log is ordered by time
        assert service.sign_in(name, password).account is None
    entries = list(reversed(backend.list_audit()))
    assert [(e.action, e.actor, e.role, e.after["reason"]) for e in entries if e.after] == [
        ("sign_in_failed", "nobody", "", "wrong name or password"),
        *[("sign_in_failed", "dora", "", "wrong name or password")] * MAX_FAILURES,
        ("sign_in_failed", "dora", "", "locked"),
    ]
    locked_until = (clock.now - timedelta(seconds=1) + LOCKOUT).isoformat()
    assert entries[-2].after is not None and entries[-2].after["locked_until"] == locked_until
    assert entries[-1].after is not None and entries[-1].after["locked_until"] == locked_until
    for entry in entries:
        dumped = entry.model_dump_json()
        assert "wrong-password" not in dumped and "guess-one" not in dumped
        assert PASSWORD not in dumped


def test_a_success_is_audited_as_a_sign_in(service: MailroomService, backend: Store) -> None:
    service.sign_in("dora", PASSWORD)
    [entry] = backend.list_audit()
    assert (entry.actor, entry.role, entry.action, entry.after) == (
        "dora",
        "agent",
        "sign_in",
        {"method": "password"},
    )


def test_an_unreadable_entry_counts_as_no_failures(backend: Store, clock: Clock) -> None:
    backend.set_cursor("sign-in-failures:dora", "not json")
    guard = SignInGuard(backend)
    assert guard.locked_until("dora", clock.now) is None
    assert guard.record_failure("dora", clock.now) is None
    assert len(guard.state("dora").failures) == 1


class RacingStore:
    """The store, except that another process records a failure for the same name right after
    this one has read the count (the moment a read-then-write would lose it)."""

    def __init__(self, store: Store, other: SignInGuard, name: str) -> None:
        self.store = store
        self.other = other
        self.name = name
        self.raced = False

    def get_cursor(self, key: str) -> str | None:
        value = self.store.get_cursor(key)
        if not self.raced:
            self.raced = True
            self.other.record_failure(self.name, START)
        return value

    def __getattr__(self, attribute: str) -> object:
        return getattr(self.store, attribute)


def test_failures_counted_at_the_same_moment_by_two_processes_both_count(backend: Store) -> None:
    other = SignInGuard(backend)
    racing = SignInGuard(RacingStore(backend, other, "dora"))  # type: ignore[arg-type]
    racing.record_failure("dora", START + timedelta(seconds=1))
    assert len(SignInGuard(backend).state("dora").failures) == 2
