"""MongoDB shared by several OS processes, each with its own client (as workers are): claims,
lease expiry and fencing, the send reservation and ingestion, raced on the session's server.
The whole-system version is ``tests/bench/test_chaos.py``'s MongoDB case."""

from __future__ import annotations

import multiprocessing
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import timedelta
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier
from typing import Any, TypeAlias

import pymongo
import pytest

from engine.models import Email, ExecutionLog, ExecutionStatus, OutboxKind, OutboxMessage, utcnow
from engine.settings import Settings
from engine.store.base import Store
from engine.store.factory import mongo_client_options
from engine.store.mongo import MongoStore

EXECUTIONS = 120
PROCESSES = 3
KEYS = 60
TIMEOUT = 120

Results: TypeAlias = "Queue[tuple[str, list[str] | str]]"
Work: TypeAlias = Callable[[Store, str], list[str]]


def _open(uri: str, database: str) -> MongoStore:
    client: pymongo.MongoClient[dict[str, Any]] = pymongo.MongoClient(
        uri, **mongo_client_options(Settings(mongodb_uri=uri))
    )
    return MongoStore(client, database)


def _process_main(
    work: Work, uri: str, database: str, name: str, barrier: Barrier, results: Results
) -> None:
    """Run ``work`` in a fresh process on a client of its own; report its result or error."""
    store = _open(uri, database)
    try:
        barrier.wait(TIMEOUT)
        results.put((name, work(store, name)))
    except BaseException as error:
        results.put((name, repr(error)))  # so the test fails at once, not on a timeout
        raise
    finally:
        store.close()


def _run_processes(work: Work, uri: str, database: str, names: list[str]) -> dict[str, list[str]]:
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(len(names))
    results: Results = context.Queue()
    processes = [
        context.Process(target=_process_main, args=(work, uri, database, name, barrier, results))
        for name in names
    ]
    for process in processes:
        process.start()
    try:
        collected = dict(results.get(timeout=TIMEOUT) for _ in names)
    finally:
        for process in processes:
            process.join(TIMEOUT)
    errors = {name: result for name, result in collected.items() if isinstance(result, str)}
    assert errors == {}
    assert [p.exitcode for p in processes] == [0] * len(names)
    return {name: result for name, result in collected.items() if isinstance(result, list)}


@pytest.fixture
def database(mongodb_uri: str) -> Iterator[str]:
    name = f"test_{uuid.uuid4().hex}"
    store = _open(mongodb_uri, name)
    store.setup()
    yield name
    store._client.drop_database(name)
    store.close()


def _claim_until_empty(store: Store, owner: str) -> list[str]:
    claimed: list[str] = []
    while True:
        now = utcnow()
        execution = store.claim_execution(owner, now + timedelta(seconds=60), now)
        if execution is None:
            return claimed
        claimed.append(execution.execution_id)
        done = execution.model_copy(update={"status": ExecutionStatus.COMPLETED})
        assert store.write_execution(done, owner=owner, attempt=execution.attempt)


def _reserve_every_key(store: Store, name: str) -> list[str]:
    """Try to reserve the same idempotency keys as the other processes; the ones this got."""
    got = []
    for n in range(KEYS):
        message = OutboxMessage(
            idempotency_key=f"reply:exe_{n}:send",
            kind=OutboxKind.REPLY,
            execution_id=f"exe_{n}",
            workflow_id="wf_1",
            channel="email",
            to="customer@example.com",
            subject="Re: hello",
            body=f"from {name}",
        )
        if store.reserve_outbox(message):
            got.append(message.idempotency_key)
    return got


def _insert_emails(store: Store, name: str) -> list[str]:
    got = []
    for n in range(KEYS):
        email = Email(
            message_id=f"<m{n}@example.com>",
            mailbox="support",
            from_address="customer@example.com",
            received_at=utcnow(),
            thread_id=f"thread_{n}",
        )
        if store.insert_email(email):
            got.append(email.message_id)
    return got


def test_processes_claim_each_execution_exactly_once(mongodb_uri: str, database: str) -> None:
    store = _open(mongodb_uri, database)
    created = utcnow()
    ids = []
    for n in range(EXECUTIONS):
        execution = ExecutionLog(
            workflow_id="wf_1", workflow_version=1, created_at=created + timedelta(milliseconds=n)
        )
        assert store.create_execution(execution)
        ids.append(execution.execution_id)

    results = _run_processes(
        _claim_until_empty, mongodb_uri, database, [f"worker_{n}" for n in range(PROCESSES)]
    )

    every_claim = [i for claimed in results.values() for i in claimed]
    assert [i for i, n in Counter(every_claim).items() if n > 1] == []
    assert sorted(every_claim) == sorted(ids)
    assert sum(1 for claimed in results.values() if claimed) > 1  # really concurrent
    assert store.count_executions_by_status() == {"completed": EXECUTIONS}
    assert {e.attempt for e in store.list_executions(limit=EXECUTIONS)} == {1}
    store.close()


def test_processes_racing_for_the_same_send_keys_reserve_each_once(
    mongodb_uri: str, database: str
) -> None:
    results = _run_processes(
        _reserve_every_key, mongodb_uri, database, [f"worker_{n}" for n in range(PROCESSES)]
    )

    every_reservation = [key for got in results.values() for key in got]
    assert sorted(every_reservation) == sorted(f"reply:exe_{n}:send" for n in range(KEYS))


def test_processes_racing_to_ingest_the_same_emails_store_each_once(
    mongodb_uri: str, database: str
) -> None:
    results = _run_processes(_insert_emails, mongodb_uri, database, ["a", "b"])

    inserted = results["a"] + results["b"]
    assert sorted(inserted) == sorted(f"<m{n}@example.com>" for n in range(KEYS))
    store = _open(mongodb_uri, database)
    assert store.count_emails() == KEYS
    store.close()


def test_an_expired_lease_moves_to_another_client_and_fences_the_first(
    mongodb_uri: str, database: str
) -> None:
    """Two clients (each process has its own) on one execution: the first's lease runs out,
    the second takes it over, and every write of the first is refused from then on."""
    first, second = _open(mongodb_uri, database), _open(mongodb_uri, database)
    execution = ExecutionLog(workflow_id="wf_1", workflow_version=1)
    first.create_execution(execution)
    now = utcnow()
    held = first.claim_execution("w1", now + timedelta(seconds=1), now)
    assert held is not None and held.attempt == 1

    later = now + timedelta(seconds=2)
    assert second.release_expired_leases(later) == 1
    taken = second.claim_execution("w2", later + timedelta(seconds=60), later)
    assert taken is not None and taken.execution_id == execution.execution_id
    assert taken.attempt == 2

    assert (
        first.renew_lease(execution.execution_id, owner="w1", attempt=1, lease_until=later) is False
    )
    stale = held.model_copy(update={"status": ExecutionStatus.COMPLETED})
    assert first.write_execution(stale, owner="w1", attempt=1) is False
    done = taken.model_copy(update={"status": ExecutionStatus.COMPLETED})
    assert second.write_execution(done, owner="w2", attempt=2) is True
    stored = first.get_execution(execution.execution_id)
    assert stored is not None and stored.owner == "w2" and stored.attempt == 2
    first.close()
    second.close()
