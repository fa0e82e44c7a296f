"""SQLite under contention: several OS processes (and threads) on one database file.

Only SQLite is tested here: mongomock is not thread-safe, and MongoDB's atomicity is the
server's single-document operations, covered by the contract suite.
"""

from __future__ import annotations

import multiprocessing
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier
from pathlib import Path
from typing import TypeAlias

import pytest

from engine.models import Email, ExecutionLog, ExecutionStatus, utcnow
from engine.store.base import Store
from engine.store.sqlite import SQLiteStore

EXECUTIONS = 200
PROCESSES = 4
MESSAGES = 300
TIMEOUT = 60


def _claim_until_empty(store: Store, owner: str) -> list[str]:
    """Claim and complete executions until none is left; the ids this owner got."""
    claimed: list[str] = []
    while True:
        now = utcnow()
        execution = store.claim_execution(owner, now + timedelta(seconds=60), now)
        if execution is None:
            return claimed
        claimed.append(execution.execution_id)
        done = execution.model_copy(update={"status": ExecutionStatus.COMPLETED})
        assert store.write_execution(done, owner=owner, attempt=execution.attempt)
        # A worker works between claims. Without this pause one process can hold the write
        # lock in a tight loop while SQLite's busy handler keeps the others asleep.
        time.sleep(0.002)


def _claim_batches_until_empty(store: Store, owner: str) -> list[str]:
    """As ``_claim_until_empty``, claiming up to 5 executions per statement."""
    claimed: list[str] = []
    while True:
        now = utcnow()
        batch = store.claim_executions(owner, now + timedelta(seconds=60), now, 5)
        if not batch:
            return claimed
        for execution in batch:
            claimed.append(execution.execution_id)
            done = execution.model_copy(update={"status": ExecutionStatus.COMPLETED})
            assert store.write_execution(done, owner=owner, attempt=execution.attempt)
        time.sleep(0.002)


Results: TypeAlias = "Queue[tuple[str, list[str] | str]]"


def _process_main(
    work: Callable[[Store, str], list[str]],
    path: Path,
    name: str,
    barrier: Barrier,
    results: Results,
) -> None:
    """Run ``work`` in a fresh process on its own store; report its result or its error."""
    store = SQLiteStore(path)
    try:
        barrier.wait(TIMEOUT)
        results.put((name, work(store, name)))
    except BaseException as error:
        results.put((name, repr(error)))  # so the test fails at once, not on a timeout
        raise
    finally:
        store.close()


def _insert_emails(store: Store, name: str) -> list[str]:
    """Insert the same messages as the other process; the Message-IDs this one inserted."""
    # Each process has its own email_ids; "b" goes backwards so the two meet mid-way.
    emails = [_email(n) for n in range(MESSAGES)][:: -1 if name == "b" else 1]
    return [e.message_id for e in emails if store.insert_email(e)]


def _email(n: int) -> Email:
    return Email(
        message_id=f"<m{n}@example.com>",
        mailbox="support",
        from_address="customer@example.com",
        received_at=utcnow(),
        thread_id=f"thread_{n}",
    )


def _run_processes(
    work: Callable[[Store, str], list[str]], path: Path, names: list[str]
) -> dict[str, list[str]]:
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(len(names))
    results: Results = context.Queue()
    processes = [
        context.Process(target=_process_main, args=(work, path, name, barrier, results))
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
def database(tmp_path: Path) -> Path:
    path = tmp_path / "mailroom.db"
    store = SQLiteStore(path)
    store.setup()
    store.close()
    return path


def _add_pending(path: Path) -> list[str]:
    store = SQLiteStore(path)
    created = utcnow()
    ids = []
    for n in range(EXECUTIONS):
        execution = ExecutionLog(
            workflow_id="wf_1", workflow_version=1, created_at=created + timedelta(milliseconds=n)
        )
        assert store.create_execution(execution)
        ids.append(execution.execution_id)
    store.close()
    return ids


def _assert_each_claimed_once(path: Path, ids: list[str], claimed: list[list[str]]) -> None:
    every_claim = [execution_id for owner in claimed for execution_id in owner]
    duplicates = [i for i, n in Counter(every_claim).items() if n > 1]
    assert duplicates == []
    assert sorted(every_claim) == sorted(ids)
    store = SQLiteStore(path)
    assert store.count_executions_by_status() == {"completed": EXECUTIONS}
    assert {e.attempt for e in store.list_executions(limit=EXECUTIONS)} == {1}
    store.close()


@pytest.mark.parametrize(
    "work", [_claim_until_empty, _claim_batches_until_empty], ids=["one", "batches"]
)
def test_processes_claim_each_execution_exactly_once(
    database: Path, work: Callable[[Store, str], list[str]]
) -> None:
    ids = _add_pending(database)

    results = _run_processes(work, database, [f"worker_{n}" for n in range(PROCESSES)])

    _assert_each_claimed_once(database, ids, list(results.values()))
    assert sum(1 for got in results.values() if got) > 1  # the claims really were concurrent


def test_processes_racing_to_insert_the_same_emails_insert_each_once(database: Path) -> None:
    results = _run_processes(_insert_emails, database, ["a", "b"])

    inserted = results["a"] + results["b"]
    assert sorted(inserted) == sorted(f"<m{n}@example.com>" for n in range(MESSAGES))
    store = SQLiteStore(database)
    assert store.count_emails() == MESSAGES
    store.close()


@pytest.mark.parametrize("shared", [True, False], ids=["shared_store", "store_per_thread"])
def test_threads_claim_each_execution_exactly_once(database: Path, shared: bool) -> None:
    ids = _add_pending(database)
    threads_count = 8
    shared_store = SQLiteStore(database)
    barrier = threading.Barrier(threads_count)
    claimed: list[list[str]] = [[] for _ in range(threads_count)]
    errors: list[BaseException] = []

    def work(n: int) -> None:
        store = shared_store if shared else SQLiteStore(database)
        try:
            barrier.wait(TIMEOUT)
            claimed[n] = _claim_until_empty(store, f"thread_{n}")
        except BaseException as error:  # reported by the main thread
            errors.append(error)
        finally:
            if not shared:
                store.close()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT)
    shared_store.close()

    assert errors == []
    _assert_each_claimed_once(database, ids, claimed)
    assert sum(1 for owner in claimed if owner) > 1  # the claims really were concurrent
