"""The IMAP source against a real dovecot: each message once, across restarts and concurrent
pollers; poison quarantined while the rest flows; UIDVALIDITY changes; flags, moves, IDLE."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from engine.adapters import ProviderSet
from engine.mail.triggers import PollResult, poll_trigger, trigger_nodes
from engine.mail.watch import MailWatcher
from engine.models import WorkflowNode, WorkflowStatus
from engine.seed import DEFAULT_WORKFLOW_ID
from engine.settings import Settings
from engine.store.base import Store
from engine.worker import Worker
from providers.email.imap import ImapSource, parse_cursor
from providers.errors import ProviderConfigError, TransientProviderError
from tests.mail_servers import Dovecot


def message(n: int, sender: str = "anna@customer.example") -> bytes:
    return (
        f"From: Customer {n} <{sender}>\r\nTo: support@mailroom.example\r\n"
        f"Subject: Order {n} is late\r\nMessage-ID: <imap-{n}@customer.example>\r\n"
        f"Date: Mon, 6 May 2024 10:00:00 +0000\r\n\r\nWhere is order {n}?\r\n"
    ).encode()


POISON = b"To: support@mailroom.example\r\nSubject: no sender at all\r\n\r\nbody\r\n"


@pytest.fixture
def account(dovecot: Dovecot, monkeypatch: pytest.MonkeyPatch) -> tuple[str, str]:
    user, password = dovecot.add_user()
    monkeypatch.setenv("MAILROOM_TEST_IMAP_PASSWORD", password)
    return user, password


def imap_node(store: Store, dovecot: Dovecot, user: str, **extra: Any) -> WorkflowNode:
    workflow = store.get_workflow(DEFAULT_WORKFLOW_ID)
    node = trigger_nodes(workflow)[0]
    config = {
        "source": "imap",
        "host": dovecot.host,
        "port": dovecot.port,
        "security": "none",
        "username": user,
        "password_env": "MAILROOM_TEST_IMAP_PASSWORD",
        "mailbox": "support@mailroom.example",
        "batch_size": 10,
        **extra,
    }
    return node.model_copy(update={"config": config})


def poll(store: Store, providers: ProviderSet, node: WorkflowNode, owner: str = "w1") -> PollResult:
    workflow = store.get_workflow(DEFAULT_WORKFLOW_ID)
    return poll_trigger(store, providers, workflow, node, owner)


def test_new_mail_is_ingested_once_across_restarts(
    dovecot: Dovecot,
    account: tuple[str, str],
    make_store: Callable[[], Store],
    store: Store,
    make_providers: Callable[..., ProviderSet],
) -> None:
    user, password = account
    dovecot.append(user, password, *(message(n) for n in range(3)))
    node = imap_node(store, dovecot, user)
    first = poll(store, make_providers(), node)
    assert (first.fetched, first.ingested, first.executions_created) == (3, 3, 3)

    restarted = make_store()  # a new process: new store connection, new providers
    again = poll(restarted, make_providers(), node)
    assert (again.fetched, again.ingested) == (0, 0)

    dovecot.append(user, password, message(3), message(4))
    later = poll(restarted, make_providers(), node)
    assert (later.fetched, later.ingested, later.executions_created) == (2, 2, 2)
    assert restarted.count_emails() == 5
    cursor = restarted.get_cursor(f"trigger:{DEFAULT_WORKFLOW_ID}:{node.node_id}")
    position = parse_cursor(cursor)
    assert position is not None and position[1] == 5
    # Read with BODY.PEEK: nothing was flagged \Seen by reading.
    client = dovecot.client(user, password)
    try:
        client.select_folder("INBOX", readonly=True)
        assert client.search(["UNSEEN"]) == client.search(["ALL"])
    finally:
        client.logout()


def test_two_concurrent_pollers_ingest_each_message_once(
    dovecot: Dovecot,
    account: tuple[str, str],
    make_store: Callable[[], Store],
    store: Store,
    make_providers: Callable[..., ProviderSet],
) -> None:
    user, password = account
    node = imap_node(store, dovecot, user, batch_size=3)
    total = 24
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
        try:
            idle_rounds = 0
            for _ in range(500):  # bounded: a broken poller fails the test, it never hangs
                if idle_rounds >= 3:
                    break
                result = poll(own_store, providers, node, owner=owner)
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
    ingested = sum(r.ingested for rs in results.values() for r in rs)
    created = sum(r.executions_created for rs in results.values() for r in rs)
    assert ingested == total and created == total
    assert store.count_emails() == total
    counts = store.count_executions_by_status()
    assert sum(counts.values()) == total


def test_a_poison_message_is_quarantined_while_the_rest_flows(
    dovecot: Dovecot,
    account: tuple[str, str],
    store: Store,
    make_providers: Callable[..., ProviderSet],
) -> None:
    user, password = account
    dovecot.append(user, password, message(1), POISON, message(2))
    node = imap_node(store, dovecot, user)
    result = poll(store, make_providers(), node)
    assert (result.ingested, result.quarantined) == (2, 1)
    (item,) = store.list_quarantine()
    assert "no sender" in item.reason and "uid 2" in item.origin
    again = poll(store, make_providers(), node)
    assert (again.fetched, again.quarantined) == (0, 0)
    assert store.count_quarantine() == 1
    health = store.list_source_health()
    assert health[0].total_ingested == 2 and health[0].total_quarantined == 1
    assert health[0].last_success_at is not None and health[0].consecutive_errors == 0


def test_a_new_uidvalidity_rereads_the_folder_without_duplicates(
    dovecot: Dovecot,
    account: tuple[str, str],
    store: Store,
    make_providers: Callable[..., ProviderSet],
) -> None:
    user, password = account
    dovecot.append(user, password, message(1), folder="INBOX")
    client = dovecot.client(user, password)
    client.create_folder("Support")
    client.logout()
    dovecot.append(user, password, message(1), message(2), folder="Support")
    node = imap_node(store, dovecot, user, folder="Support")
    assert poll(store, make_providers(), node).ingested == 2
    client = dovecot.client(user, password)
    client.delete_folder("Support")
    client.create_folder("Support")
    client.logout()
    dovecot.append(user, password, message(2), message(3), folder="Support")
    result = poll(store, make_providers(), node)
    assert (result.fetched, result.ingested, result.duplicates) == (2, 1, 1)
    assert store.count_emails() == 3


def test_stored_mail_can_be_flagged_seen_or_moved(
    dovecot: Dovecot,
    account: tuple[str, str],
    store: Store,
    make_providers: Callable[..., ProviderSet],
) -> None:
    user, password = account
    client = dovecot.client(user, password)
    client.create_folder("Done")
    client.logout()
    dovecot.append(user, password, message(1), POISON, message(2))
    node = imap_node(store, dovecot, user, after_processing="move", move_to="Done")
    assert poll(store, make_providers(), node).ingested == 2
    client = dovecot.client(user, password)
    try:
        assert client.select_folder("Done")[b"EXISTS"] == 2
        # The quarantined message stays where a person will look for it.
        assert client.select_folder("INBOX")[b"EXISTS"] == 1
    finally:
        client.logout()
    dovecot.append(user, password, message(3))
    seen_node = imap_node(store, dovecot, user, after_processing="seen")
    source = ImapSource(
        host=dovecot.host,
        port=dovecot.port,
        username=user,
        password=password,
        mailbox="m@x.example",
        security="none",
        after_processing="seen",
    )
    try:
        result = source.fetch(None, 10)
        assert [e.message_id for e in result.emails] == ["<imap-3@customer.example>"]
        source.processed(result)
    finally:
        source.close()
    client = dovecot.client(user, password)
    try:
        client.select_folder("INBOX", readonly=True)
        assert len(client.search(["SEEN"])) == 1
    finally:
        client.logout()
    assert seen_node.config["after_processing"] == "seen"


def test_idle_wakes_up_when_mail_arrives(dovecot: Dovecot, account: tuple[str, str]) -> None:
    user, password = account
    source = ImapSource(
        host=dovecot.host,
        port=dovecot.port,
        username=user,
        password=password,
        mailbox="m@x.example",
        security="none",
    )
    arrived: list[bool | None] = []
    try:
        waiter = threading.Thread(target=lambda: arrived.append(source.wait_for_mail(60)))
        waiter.start()
        while not arrived:
            dovecot.append(user, password, message(len(arrived) + 100))
            waiter.join(timeout=0.5)
        assert arrived == [True]
    finally:
        source.close()


def test_a_wrong_password_is_a_config_error_and_a_dead_server_transient(
    dovecot: Dovecot, account: tuple[str, str]
) -> None:
    user, _ = account
    bad = ImapSource(
        host=dovecot.host,
        port=dovecot.port,
        username=user,
        password="wrong",
        mailbox="m@x.example",
        security="none",
    )
    with pytest.raises(ProviderConfigError, match="refused"):
        bad.fetch(None, 5)
    waits: list[float] = []
    dead = ImapSource(
        host="127.0.0.1",
        port=1,
        username=user,
        password="x",
        mailbox="m@x.example",
        security="none",
        connect_attempts=4,
        sleep=waits.append,
    )
    with pytest.raises(TransientProviderError, match="after 4 attempts"):
        dead.fetch(None, 5)
    assert waits == [0.5, 1.0, 2.0]


def test_a_stalled_mailbox_raises_one_alert(
    dovecot: Dovecot,
    account: tuple[str, str],
    store: Store,
    make_providers: Callable[..., ProviderSet],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import json

    import providers.email.imap as imap_module

    monkeypatch.setattr(imap_module, "pause", lambda seconds: None)
    user, _ = account
    providers = make_providers()
    node = imap_node(store, dovecot, user, port=1, alert_after_failures=3)
    for _ in range(5):
        with pytest.raises(TransientProviderError):
            poll(store, providers, node)
    (health,) = store.list_source_health()
    assert health.consecutive_errors == 5 and health.alerted_at is not None
    assert health.last_success_at is None and "cannot connect" in (health.last_error or "")
    notifier_file = providers.notifier.path  # type: ignore[attr-defined]
    lines = notifier_file.read_text().splitlines()
    assert len(lines) == 1
    assert "is not being read" in json.loads(lines[0])["payload"]["text"]


def test_a_worker_waits_on_imap_idle_and_ingests_new_mail_without_waiting_for_its_interval(
    dovecot: Dovecot,
    account: tuple[str, str],
    store: Store,
    providers: ProviderSet,
    settings: Settings,
) -> None:
    user, password = account
    workflow = store.get_workflow(DEFAULT_WORKFLOW_ID)
    trigger = trigger_nodes(workflow)[0]
    # An hour between polls: only IDLE can bring the second message in during this test.
    trigger.config = {**imap_node(store, dovecot, user).config, "check_interval_seconds": 3600}
    store.save_workflow(workflow)
    store.set_workflow_status(DEFAULT_WORKFLOW_ID, WorkflowStatus.ACTIVE)
    dovecot.append(user, password, message(1))
    worker = Worker(store, providers, settings.model_copy(update={"imap_idle_seconds": 60}))
    worker.start()
    try:
        assert wait_until(lambda: store.count_emails() == 1), "the first poll ran"
        dovecot.append(user, password, message(2))
        assert wait_until(lambda: store.count_emails() == 2), "IDLE woke the worker"
        assert sum(w.wakeups for w in worker._watchers.values()) >= 1
    finally:
        worker.stop()
    assert not any(w.alive for w in worker._watchers.values())


def test_a_source_without_idle_is_only_polled(store: Store, providers: ProviderSet) -> None:
    woke: list[object] = []
    watcher = MailWatcher(
        "demo",
        open_source=lambda: providers.email_source({"source": "demo"}),
        on_mail=lambda: woke.append(1),
        wait_seconds=1,
    )
    watcher.start()
    assert wait_until(lambda: not watcher.alive), "the watcher ends on its own"
    assert woke == []


def wait_until(predicate: Callable[[], bool], seconds: float = 60.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False
