"""Network faults and write errors on MongoDB, injected with mongod's ``failCommand`` failpoint
on the session's server: the hot writes (claim, lease renewal, the send reservation, approval
decisions, ingestion) are retried by the driver once, or fail with the store's own error; in
both cases nothing is lost and nothing happens twice.

Codes: 11600 (InterruptedAtShutdown) is one a server sends while it stops, which the driver
retries; 2 (BadValue) is one it does not.
"""

from __future__ import annotations

from collections.abc import Iterator

import pymongo
import pytest

from engine.decisions import record_decision, sweep_decided_waits
from engine.models import Approval, ApprovalStatus, ExecutionStatus, OutboxStatus
from engine.settings import Settings
from engine.side_effects import perform_once
from engine.store.base import StoreOperationFailed, StoreUnavailable
from engine.store.factory import mongo_client_options
from engine.store.mongo import MongoStore
from engine.store.mongo.faults import translated
from tests.engine.store.test_contract import (
    T0,
    at,
    make_approval,
    make_email,
    make_execution,
    make_outbox,
)
from tests.mongo_server import EXTERNAL_MONGODB_URI, fail_command, mongodb_store

APP = "mailroom-fault-tests"
SHUTTING_DOWN = 11600
BAD_VALUE = 2

pytestmark = pytest.mark.skipif(
    bool(EXTERNAL_MONGODB_URI), reason="failpoints need the session's server (test commands on)"
)


@pytest.fixture
def store(mongodb_uri: str) -> Iterator[MongoStore]:
    """A store with the production client's options (retries, write concern, timeouts) whose
    client names itself ``APP``, so a failpoint hits it and nothing else."""
    options = mongo_client_options(Settings(mongodb_uri=mongodb_uri)) | {"appname": APP}
    yield from mongodb_store(mongodb_uri, **options)


# --- claim -------------------------------------------------------------------------------------
def test_a_claim_whose_connection_drops_is_retried_and_claims_once(
    store: MongoStore, mongodb_uri: str
) -> None:
    store.create_execution(make_execution(execution_id="exe_1"))
    store.create_execution(make_execution(execution_id="exe_2", created_at=at(1)))

    with fail_command(mongodb_uri, APP, ["findAndModify"], closeConnection=True):
        claimed = store.claim_execution("w1", at(1), T0)

    assert claimed is not None and claimed.execution_id == "exe_1" and claimed.attempt == 1
    # The retry did not take a second execution: exe_2 is still there for the next claim.
    assert store.count_executions_by_status() == {"running": 1, "pending": 1}


def test_a_claim_refused_by_the_server_fails_clearly_and_leaves_the_execution_queued(
    store: MongoStore, mongodb_uri: str
) -> None:
    store.create_execution(make_execution(execution_id="exe_1"))

    with (
        fail_command(mongodb_uri, APP, ["findAndModify"], errorCode=BAD_VALUE),
        pytest.raises(StoreOperationFailed, match="claim_execution: error 2"),
    ):
        store.claim_execution("w1", at(1), T0)

    execution = store.get_execution("exe_1")
    assert execution is not None and execution.status == ExecutionStatus.PENDING
    assert execution.attempt == 0
    claimed = store.claim_execution("w1", at(1), T0)
    assert claimed is not None and claimed.attempt == 1


def test_a_claim_during_a_shutdown_error_is_retried(store: MongoStore, mongodb_uri: str) -> None:
    store.create_execution(make_execution(execution_id="exe_1"))

    with fail_command(mongodb_uri, APP, ["findAndModify"], errorCode=SHUTTING_DOWN):
        claimed = store.claim_execution("w1", at(1), T0)

    assert claimed is not None and claimed.attempt == 1


def test_a_connection_that_drops_twice_fails_clearly_then_the_store_works_again(
    store: MongoStore, mongodb_uri: str
) -> None:
    store.create_execution(make_execution(execution_id="exe_1"))

    with (
        fail_command(mongodb_uri, APP, ["findAndModify"], times=2, closeConnection=True),
        pytest.raises(StoreUnavailable, match=r"unreachable .* during claim_execution"),
    ):
        store.claim_execution("w1", at(1), T0)

    claimed = store.claim_execution("w1", at(1), T0)
    assert claimed is not None and claimed.attempt == 1


# --- lease renewal -----------------------------------------------------------------------------
def test_a_lease_renewal_whose_connection_drops_is_retried(
    store: MongoStore, mongodb_uri: str
) -> None:
    store.create_execution(make_execution(execution_id="exe_1"))
    claimed = store.claim_execution("w1", at(1), T0)
    assert claimed is not None

    with fail_command(mongodb_uri, APP, ["update"], closeConnection=True):
        held = store.renew_lease("exe_1", owner="w1", attempt=1, lease_until=at(5))

    assert held is True
    renewed = store.get_execution("exe_1")
    assert renewed is not None and renewed.lease_until == at(5)


def test_a_refused_lease_renewal_raises_and_keeps_the_old_lease(
    store: MongoStore, mongodb_uri: str
) -> None:
    store.create_execution(make_execution(execution_id="exe_1"))
    assert store.claim_execution("w1", at(1), T0) is not None

    with (
        fail_command(mongodb_uri, APP, ["update"], errorCode=BAD_VALUE),
        pytest.raises(StoreOperationFailed),
    ):
        store.renew_lease("exe_1", owner="w1", attempt=1, lease_until=at(5))

    kept = store.get_execution("exe_1")
    assert kept is not None and kept.lease_until == at(1) and kept.owner == "w1"
    # The lease keeper retries at its next round; the write is fenced as ever.
    assert store.renew_lease("exe_1", owner="w1", attempt=1, lease_until=at(5)) is True
    assert store.renew_lease("exe_1", owner="w2", attempt=1, lease_until=at(9)) is False


# --- the send reservation ----------------------------------------------------------------------
def test_a_send_reservation_whose_connection_drops_sends_once(
    store: MongoStore, mongodb_uri: str
) -> None:
    sent: list[str] = []

    def act() -> str:
        sent.append("reply")
        return f"<provider-{len(sent)}@example.com>"

    with fail_command(mongodb_uri, APP, ["insert"], closeConnection=True):
        record = perform_once(store, make_outbox(), act, lambda: at(2))

    assert record.status == OutboxStatus.SENT and sent == ["reply"]
    # The retried insert was not taken for someone else's reservation, and the key holds.
    again = perform_once(store, make_outbox(), act, lambda: at(3))
    assert sent == ["reply"] and again.provider_message_id == "<provider-1@example.com>"
    assert store.count_outbox() == 1


def test_a_refused_send_reservation_sends_nothing_and_the_retry_sends_once(
    store: MongoStore, mongodb_uri: str
) -> None:
    sent: list[str] = []

    def act() -> str:
        sent.append("reply")
        return "<provider-1@example.com>"

    with (
        fail_command(mongodb_uri, APP, ["insert"], errorCode=BAD_VALUE),
        pytest.raises(StoreOperationFailed, match="reserve_outbox"),
    ):
        perform_once(store, make_outbox(), act, lambda: at(2))

    assert sent == [] and store.count_outbox() == 0
    record = perform_once(store, make_outbox(), act, lambda: at(3))
    assert record.status == OutboxStatus.SENT and sent == ["reply"]


def test_marking_a_reply_sent_is_retried_after_a_dropped_connection(
    store: MongoStore, mongodb_uri: str
) -> None:
    assert store.reserve_outbox(make_outbox())

    with fail_command(mongodb_uri, APP, ["update"], closeConnection=True):
        store.mark_outbox(
            "reply:exe_1", status=OutboxStatus.SENT, provider_message_id="<p1>", sent_at=at(2)
        )

    marked = store.get_outbox("reply:exe_1")
    assert marked is not None and marked.status == OutboxStatus.SENT


# --- approval decisions ------------------------------------------------------------------------
def _waiting_on_approval(store: MongoStore) -> None:
    store.create_execution(
        make_execution(
            execution_id="exe_1", status=ExecutionStatus.WAITING, waiting_on_node="approve"
        )
    )
    store.create_approval(make_approval(approval_id="apr_1"))


def _approved(store: MongoStore) -> Approval:
    pending = store.get_approval("apr_1")
    assert pending is not None
    return pending.model_copy(
        update={"status": ApprovalStatus.APPROVED, "decided_at": at(5), "decided_by": "ann"}
    )


def test_a_decision_whose_connection_drops_is_recorded_once_and_requeues(
    store: MongoStore, mongodb_uri: str
) -> None:
    _waiting_on_approval(store)
    decided = _approved(store)

    with fail_command(mongodb_uri, APP, ["update", "findAndModify"], closeConnection=True):
        assert record_decision(store, decided, at(5)) is True

    assert store.count_approvals(ApprovalStatus.APPROVED) == 1
    execution = store.get_execution("exe_1")
    assert execution is not None and execution.status == ExecutionStatus.PENDING
    # A second decision (a double click, another agent) is refused: decided once.
    assert record_decision(store, decided, at(6)) is False


def test_a_decision_whose_requeue_is_refused_is_resumed_by_the_sweep(
    store: MongoStore, mongodb_uri: str
) -> None:
    _waiting_on_approval(store)

    with (
        fail_command(mongodb_uri, APP, ["findAndModify"], errorCode=BAD_VALUE),
        pytest.raises(StoreOperationFailed, match="update_execution_if"),
    ):
        record_decision(store, _approved(store), at(5))

    # The decision stands; the execution still waits, until a worker's sweep re-queues it.
    assert store.count_approvals(ApprovalStatus.APPROVED) == 1
    waiting = store.get_execution("exe_1")
    assert waiting is not None and waiting.status == ExecutionStatus.WAITING
    assert sweep_decided_waits(store) == 1
    resumed = store.get_execution("exe_1")
    assert resumed is not None and resumed.status == ExecutionStatus.PENDING


# --- ingestion ---------------------------------------------------------------------------------
def test_an_email_stored_over_a_dropped_connection_is_stored_once(
    store: MongoStore, mongodb_uri: str
) -> None:
    with fail_command(mongodb_uri, APP, ["insert"], closeConnection=True):
        assert store.insert_email(make_email(email_id="eml_1")) is True

    # The next poll of the mailbox sees the same message again: it is recognised.
    assert store.insert_email(make_email(email_id="eml_2")) is False
    assert store.count_emails() == 1


def test_an_email_refused_by_the_server_fails_clearly_and_the_next_poll_stores_it(
    store: MongoStore, mongodb_uri: str
) -> None:
    with (
        fail_command(mongodb_uri, APP, ["insert"], errorCode=BAD_VALUE),
        pytest.raises(StoreOperationFailed, match="insert_email"),
    ):
        store.insert_email(make_email(email_id="eml_1"))

    assert store.count_emails() == 0
    assert store.insert_email(make_email(email_id="eml_1")) is True


def test_reads_are_retried_after_a_dropped_connection(store: MongoStore, mongodb_uri: str) -> None:
    store.insert_email(make_email(email_id="eml_1"))

    with fail_command(mongodb_uri, APP, ["aggregate", "find"], closeConnection=True):
        assert store.count_emails() == 1
        assert store.get_email("eml_1") is not None


# --- what the error says -----------------------------------------------------------------------
def test_an_unreachable_server_is_reported_without_its_uri() -> None:
    secret_uri = "mongodb://mailroom:s3cret-pass@127.0.0.1:1/"

    @translated
    def count_emails() -> int:
        client: pymongo.MongoClient[dict[str, object]] = pymongo.MongoClient(
            secret_uri, serverSelectionTimeoutMS=200, connectTimeoutMS=200
        )
        try:
            return client.db.emails.count_documents({})
        finally:
            client.close()

    with pytest.raises(StoreUnavailable) as raised:
        count_emails()

    assert "s3cret" not in str(raised.value) and "count_emails" in str(raised.value)
