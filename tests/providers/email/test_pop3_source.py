"""The POP3 source against Debian's dovecot-pop3d on loopback: each message once across polls
and restarts (remembered by UIDL, not by the store's duplicate check), poison quarantined,
deletion after ingest, POP3S and STLS with a checked certificate, retries, long lines."""

from __future__ import annotations

import poplib
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from engine.adapters import ProviderSet
from engine.mail.triggers import PollResult, cursor_key, poll_trigger, trigger_nodes
from engine.models import WorkflowNode
from engine.seed import DEFAULT_WORKFLOW_ID
from engine.store.base import Store
from providers.email.pop3 import Pop3Source, Security, parse_cursor
from providers.errors import ProviderConfigError, TransientProviderError
from tests.mail_servers import POP3_BINARY, Dovecot, Pop3Ports

PASSWORD_ENV = "MAILROOM_TEST_POP3_PASSWORD"


def message(n: int, body: str = "") -> bytes:
    return (
        f"From: Customer {n} <anna@customer.example>\r\nTo: support@mailroom.example\r\n"
        f"Subject: Order {n} is late\r\nMessage-ID: <pop3-{n}@customer.example>\r\n"
        f"Date: Mon, 6 May 2024 10:00:00 +0000\r\n\r\n{body or f'Where is order {n}?'}\r\n"
    ).encode()


POISON = b"To: support@mailroom.example\r\nSubject: no sender at all\r\n\r\nbody\r\n"


@pytest.fixture
def pop3(dovecot: Dovecot) -> Pop3Ports:
    if dovecot.pop3 is None:
        pytest.skip(
            f"dovecot-pop3d is not installed ({POP3_BINARY} is missing; "
            "scripts/install-debian-packages.sh installs it)"
        )
    return dovecot.pop3


@pytest.fixture
def account(dovecot: Dovecot, pop3: Pop3Ports, monkeypatch: pytest.MonkeyPatch) -> tuple[str, str]:
    user, password = dovecot.add_user()
    monkeypatch.setenv(PASSWORD_ENV, password)
    return user, password


def pop3_node(store: Store, dovecot: Dovecot, user: str, **extra: Any) -> WorkflowNode:
    assert dovecot.pop3 is not None
    node = trigger_nodes(store.get_workflow(DEFAULT_WORKFLOW_ID))[0]
    config = {
        "source": "pop3",
        "host": dovecot.host,
        "port": dovecot.pop3.plain,
        "security": "none",
        "username": user,
        "password_env": PASSWORD_ENV,
        "mailbox": "support@mailroom.example",
        "batch_size": 10,
        **extra,
    }
    return node.model_copy(update={"config": config})


def poll(store: Store, providers: ProviderSet, node: WorkflowNode) -> PollResult:
    workflow = store.get_workflow(DEFAULT_WORKFLOW_ID)
    return poll_trigger(store, providers, workflow, node, "w1")


def maildrop(dovecot: Dovecot, user: str, password: str) -> list[str]:
    """The UIDLs in the maildrop now, read in a POP3 session of the test's own."""
    assert dovecot.pop3 is not None
    session = poplib.POP3(dovecot.host, dovecot.pop3.plain, timeout=30)
    try:
        session.user(user)
        session.pass_(password)
        _, lines, _ = session.uidl()
        return [line.split()[1].decode() for line in lines]
    finally:
        session.quit()


def source(dovecot: Dovecot, user: str, password: str, **extra: Any) -> Pop3Source:
    assert dovecot.pop3 is not None
    settings: dict[str, Any] = {
        "host": dovecot.host,
        "port": dovecot.pop3.plain,
        "username": user,
        "password": password,
        "mailbox": "support@mailroom.example",
        "security": "none",
        **extra,
    }
    return Pop3Source(**settings)


def test_new_mail_is_taken_once_across_polls_and_restarts(
    dovecot: Dovecot,
    account: tuple[str, str],
    make_store: Callable[[], Store],
    store: Store,
    make_providers: Callable[..., ProviderSet],
) -> None:
    user, password = account
    dovecot.append(user, password, *(message(n) for n in range(3)))
    node = pop3_node(store, dovecot, user)
    first = poll(store, make_providers(), node)
    assert (first.fetched, first.ingested, first.executions_created) == (3, 3, 3)
    assert {e.source for e in store.list_emails(limit=10)} == {"pop3"}
    # Nothing new: the UIDLs are remembered, so nothing is even fetched again.
    again = poll(store, make_providers(), node)
    assert (again.fetched, again.ingested, again.duplicates) == (0, 0, 0)

    restarted = make_store()  # a new worker process: new store connection, new providers
    after_restart = poll(restarted, make_providers(), node)
    assert (after_restart.fetched, after_restart.ingested) == (0, 0)

    dovecot.append(user, password, message(3), message(4))
    newer = poll(restarted, make_providers(), node)
    assert (newer.fetched, newer.ingested, newer.duplicates) == (2, 2, 0)
    assert restarted.count_emails() == 5
    kept = maildrop(dovecot, user, password)
    assert len(kept) == 5  # kept on the server by default
    cursor = restarted.get_cursor(cursor_key(DEFAULT_WORKFLOW_ID, node.node_id))
    assert parse_cursor(cursor) == set(kept)


def test_a_batch_takes_the_oldest_and_the_rest_follow(
    dovecot: Dovecot,
    account: tuple[str, str],
    store: Store,
    make_providers: Callable[..., ProviderSet],
) -> None:
    user, password = account
    dovecot.append(user, password, *(message(n) for n in range(5)))
    node = pop3_node(store, dovecot, user, batch_size=2)
    fetched = [poll(store, make_providers(), node).fetched for _ in range(4)]
    assert fetched == [2, 2, 1, 0]
    emails = store.list_emails(limit=10)
    assert sorted(e.message_id for e in emails) == [
        f"<pop3-{n}@customer.example>" for n in range(5)
    ]


@pytest.mark.parametrize("delete", [False, True])
def test_two_workers_polling_while_mail_arrives_take_each_message_once(
    dovecot: Dovecot,
    account: tuple[str, str],
    make_store: Callable[[], Store],
    store: Store,
    make_providers: Callable[..., ProviderSet],
    delete: bool,
) -> None:
    user, password = account
    node = pop3_node(store, dovecot, user, batch_size=3, delete_after_ingest=delete)
    total = 16
    results: dict[str, list[PollResult]] = {"a": [], "b": []}
    errors: list[BaseException] = []
    appended = threading.Event()

    def deliver() -> None:
        try:
            for start in range(0, total, 4):
                dovecot.append(user, password, *(message(n) for n in range(start, start + 4)))
        except BaseException as exc:
            errors.append(exc)
        finally:
            appended.set()

    def worker(owner: str) -> None:
        own_store, providers = make_store(), make_providers()
        workflow = own_store.get_workflow(DEFAULT_WORKFLOW_ID)
        try:
            idle_rounds = 0
            for _ in range(500):  # bounded: a broken poller fails the test, it never hangs
                if idle_rounds >= 3:
                    break
                result = poll_trigger(own_store, providers, workflow, node, owner)
                results[owner].append(result)
                done = appended.is_set() and result.polled and result.fetched == 0
                idle_rounds = idle_rounds + 1 if done else 0
        except BaseException as exc:  # reported to the test thread below
            errors.append(exc)

    threads = [threading.Thread(target=deliver)] + [
        threading.Thread(target=worker, args=(owner,)) for owner in results
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=240)
    assert not errors, errors
    assert sum(r.ingested for rs in results.values() for r in rs) == total
    assert sum(r.duplicates for rs in results.values() for r in rs) == 0
    assert sum(r.executions_created for rs in results.values() for r in rs) == total
    assert store.count_emails() == total
    assert len(maildrop(dovecot, user, password)) == (0 if delete else total)


def test_a_malformed_message_is_quarantined_with_its_reason_once(
    dovecot: Dovecot,
    account: tuple[str, str],
    store: Store,
    make_providers: Callable[..., ProviderSet],
) -> None:
    user, password = account
    dovecot.append(user, password, message(1), POISON, message(2))
    node = pop3_node(store, dovecot, user)
    result = poll(store, make_providers(), node)
    assert (result.ingested, result.quarantined) == (2, 1)
    (item,) = store.list_quarantine()
    assert "no sender" in item.reason and item.source == "pop3"
    assert "pop3 127.0.0.1" in item.origin and "uidl" in item.origin
    again = poll(store, make_providers(), node)
    assert (again.fetched, again.quarantined) == (0, 0)
    assert store.count_quarantine() == 1


def test_delete_after_ingest_empties_the_maildrop(
    dovecot: Dovecot,
    account: tuple[str, str],
    store: Store,
    make_providers: Callable[..., ProviderSet],
) -> None:
    user, password = account
    dovecot.append(user, password, message(1), POISON, message(2))
    node = pop3_node(store, dovecot, user, delete_after_ingest=True)
    result = poll(store, make_providers(), node)
    assert (result.ingested, result.quarantined) == (2, 1)
    # The quarantine keeps the poison's bytes, so it leaves the server too.
    assert maildrop(dovecot, user, password) == []
    assert store.count_emails() == 2 and store.count_quarantine() == 1
    dovecot.append(user, password, message(3))
    later = poll(store, make_providers(), node)
    assert (later.fetched, later.ingested) == (1, 1)
    assert maildrop(dovecot, user, password) == []
    # Deleted messages are forgotten: the cursor does not grow with what left the server.
    cursor = store.get_cursor(cursor_key(DEFAULT_WORKFLOW_ID, node.node_id))
    assert len(parse_cursor(cursor)) <= 1


def test_mail_stored_before_delete_was_turned_on_is_deleted_without_a_second_copy(
    dovecot: Dovecot,
    account: tuple[str, str],
    store: Store,
    make_providers: Callable[..., ProviderSet],
) -> None:
    user, password = account
    dovecot.append(user, password, message(1), message(2))
    keep = pop3_node(store, dovecot, user)
    assert poll(store, make_providers(), keep).ingested == 2
    assert len(maildrop(dovecot, user, password)) == 2
    delete = pop3_node(store, dovecot, user, delete_after_ingest=True)
    result = poll(store, make_providers(), delete)
    assert (result.fetched, result.ingested) == (0, 0)
    assert maildrop(dovecot, user, password) == []
    assert store.count_emails() == 2


def test_a_deletion_lost_with_its_connection_is_made_on_the_next_poll(
    dovecot: Dovecot, account: tuple[str, str]
) -> None:
    user, password = account
    dovecot.append(user, password, message(1), message(2))
    first = source(dovecot, user, password, delete_after_ingest=True)
    taken = first.fetch(None, 10)
    assert len(taken.emails) == 2
    # The worker dies after saving the cursor, before QUIT: the server forgets the DELEs.
    first._abandon()
    assert len(maildrop(dovecot, user, password)) == 2
    second = source(dovecot, user, password, delete_after_ingest=True)
    again = second.fetch(taken.next_cursor, 10)
    assert again.emails == []
    second.processed(again)
    second.close()
    assert maildrop(dovecot, user, password) == []


def test_a_line_longer_than_poplibs_limit_is_read(
    dovecot: Dovecot, account: tuple[str, str]
) -> None:
    user, password = account
    long_line = "x" * 5000  # poplib alone refuses lines over 2048 bytes
    dovecot.append(user, password, message(1, body=long_line))
    pop = source(dovecot, user, password)
    try:
        (email,) = pop.fetch(None, 10).emails
    finally:
        pop.close()
    assert long_line in email.body_text


@pytest.mark.parametrize(("security", "port"), [("ssl", "ssl"), ("starttls", "plain")])
def test_pop3s_and_stls_check_the_certificate(
    dovecot: Dovecot,
    pop3: Pop3Ports,
    account: tuple[str, str],
    monkeypatch: pytest.MonkeyPatch,
    security: Security,
    port: str,
) -> None:
    user, password = account
    dovecot.append(user, password, message(1))
    secure = {"security": security, "port": getattr(pop3, port)}
    untrusted = source(dovecot, user, password, connect_attempts=1, **secure)
    with pytest.raises(TransientProviderError, match="CERTIFICATE_VERIFY_FAILED"):
        untrusted.fetch(None, 10)
    monkeypatch.setenv("SSL_CERT_FILE", str(Path(pop3.ca_file)))  # trust the test's CA
    trusted = source(dovecot, user, password, **secure)
    try:
        (email,) = trusted.fetch(None, 10).emails
    finally:
        trusted.close()
    assert email.message_id == "<pop3-1@customer.example>"


def test_a_wrong_password_is_a_config_error_and_a_dead_server_transient(
    dovecot: Dovecot, account: tuple[str, str]
) -> None:
    user, password = account
    bad = source(dovecot, user, f"{password}-wrong")
    with pytest.raises(ProviderConfigError, match=f"POP3 login to 127.0.0.1 as {user}") as refused:
        bad.fetch(None, 5)
    assert password not in str(refused.value)
    waits: list[float] = []
    dead = source(dovecot, user, password, port=1, connect_attempts=4, sleep=waits.append)
    with pytest.raises(TransientProviderError, match="after 4 attempts"):
        dead.fetch(None, 5)
    assert waits == [0.5, 1.0, 2.0]  # the IMAP source's backoff
