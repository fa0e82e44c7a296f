"""Privacy export and erase: everything about one customer out, then nothing of them left."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from engine.adapters import ProviderSet
from engine.cli import main
from engine.encryption import FieldCipher, new_key, parse_key
from engine.models import ApprovalStatus, Email, ExecutionStatus, QuarantinedMessage
from engine.ops.privacy import PrivacyError
from engine.service import MailroomService, PermissionDenied
from engine.settings import Settings
from engine.store.base import Store
from engine.store.sqlite import SQLiteStore
from engine.worker import Worker
from providers.email.base import InboundEmail
from tests.engine.data_protection import (
    ADMIN,
    AGENT,
    EDIT,
    raw_database_bytes,
    run_to_sent_reply,
)


@pytest.fixture(params=["clear", "encrypted"])
def key_mode(request: pytest.FixtureRequest, store: Store) -> Iterator[str]:
    """The suite's ``store`` stores in clear, then encrypted."""
    mode = str(request.param)
    store.cipher = FieldCipher(parse_key(new_key())) if mode == "encrypted" else None
    yield mode


def every_stored_text(store: SQLiteStore) -> str:
    """Every row of every table, raw and (where protected) decrypted through the store."""
    parts: list[str] = []
    with store._locked() as db:
        tables = [n for (n,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for table in tables:
            parts += [repr(row) for row in db.execute(f"SELECT * FROM {table}")]
        email_ids = [i for (i,) in db.execute("SELECT email_id FROM emails")]
    parts += [repr(store.get_email(i)) for i in email_ids]
    parts += [repr(x) for x in store.list_executions(limit=10_000)]
    parts += [repr(x) for x in store.list_approvals(None, limit=10_000)]
    parts += [repr(x) for x in store.list_outbox(limit=10_000)]
    parts += [repr(x) for x in store.list_audit(limit=10_000)]
    parts += [repr(x) for x in store.list_corrections()]
    parts += [repr(x) for x in store.list_quarantine(limit=10_000)]
    return "\n".join(parts).lower()


def test_export_then_erase_leaves_nothing_of_the_customer(
    key_mode: str, store: Store, providers: ProviderSet, settings: Settings
) -> None:
    assert isinstance(store, SQLiteStore)
    run = run_to_sent_reply(store, providers, settings)
    service = MailroomService(store)
    customer = next(e for e in run.emails if e.email_id == run.reply.email_id)
    others = [e for e in run.emails if e.from_address != customer.from_address]
    assert others, "the demo batch should hold another customer"
    address = customer.from_address
    [approval] = [a for a in store.list_approvals(None) if a.email_id == customer.email_id]
    service.record_correction(AGENT, approval.approval_id, "billing")
    raw_mail = f"From: {address}\r\nSubject: ???\r\n\r\n\xff broken".encode("latin-1")
    store.quarantine_message(
        QuarantinedMessage(
            quarantine_key="q1",
            mailbox="support",
            source="imap",
            reason="unparseable",
            raw_base64=base64.b64encode(raw_mail).decode(),
            size_bytes=len(raw_mail),
        )
    )

    exported = json.loads(service.export_customer(ADMIN, address.upper()))
    assert exported["customer"] == address.upper()
    assert exported["counts"] == {
        "emails": 1,
        "executions": 1,
        "approvals": 1,
        "outbox": 1,
        "corrections": 1,
        "quarantine": 1,
        "audit": 2,  # the approval and the correction
    }
    assert exported["emails"][0]["body_text"] == customer.body_text
    assert exported["outbox"][0]["body"].endswith(EDIT)
    assert exported["executions"][0]["node_executions"]

    body_words = [customer.body_text.lower(), customer.subject.lower(), EDIT.lower()]
    assert address.lower() in every_stored_text(store)

    erased = service.erase_customer(ADMIN, address)
    assert erased == exported["counts"]

    text = every_stored_text(store)
    raw = raw_database_bytes(settings.database_file)
    for needle in [address.lower(), *body_words, run.reply.body.lower()]:
        assert needle not in text
        assert needle.encode() not in raw
    assert store.find_customer(address).emails == []
    # The others are untouched.
    for other in others:
        kept = store.get_email(other.email_id)
        assert kept is not None and kept.body_text == other.body_text
    # Tombstones: the execution, approval and reply keep their state and key.
    execution = store.get_execution(run.reply.execution_id)
    assert execution is not None and execution.status is ExecutionStatus.COMPLETED
    assert execution.input_data == {} and all(not r.input_data for r in execution.node_executions)
    assert store.get_outbox(run.reply.idempotency_key) is not None
    assert store.get_approval(approval.approval_id).status is ApprovalStatus.APPROVED  # type: ignore[union-attr]
    # The erasure itself is audited, by counts and without the address.
    entry = store.list_audit(1)[0]
    assert entry.action == "privacy_erase" and entry.actor == ADMIN.name
    assert entry.before == erased and entry.at is not None
    assert address.lower() not in repr(entry).lower()
    # Nothing happens twice: fetching the same message again ingests nothing.
    assert store.insert_email(customer.model_copy(update={"email_id": "eml_again"})) is False
    assert Worker(store, providers, settings).run_pending() == 0


def test_erase_cancels_what_waits_on_the_customer(
    key_mode: str, store: Store, providers: ProviderSet, settings: Settings
) -> None:
    worker = Worker(store, providers, settings)
    worker.poll_triggers()
    worker.run_pending()
    service = MailroomService(store)
    pending = service.approval_queue(AGENT)[0]
    email = store.get_email(pending.email_id)
    assert email is not None
    service.erase_customer(ADMIN, email.from_address)
    approval = store.get_approval(pending.approval_id)
    assert approval is not None and approval.status is ApprovalStatus.REJECTED
    assert approval.draft.body == "[erased]"
    execution = store.get_execution(pending.execution_id)
    assert execution is not None and execution.status is ExecutionStatus.CANCELLED
    assert worker.run_pending() == 0
    assert store.list_outbox() == [] or all(m.kind != "reply" for m in store.list_outbox())


def test_erase_refuses_while_an_execution_of_the_customer_runs(
    store: Store, providers: ProviderSet, settings: Settings
) -> None:
    worker = Worker(store, providers, settings)
    worker.poll_triggers()
    now = store.list_executions()[0].created_at
    claimed = store.claim_execution("w1", now.replace(year=2999), now)
    assert claimed is not None and claimed.email_id is not None
    email = store.get_email(claimed.email_id)
    assert email is not None
    with pytest.raises(PrivacyError, match="running"):
        MailroomService(store).erase_customer(ADMIN, email.from_address)
    assert store.get_email(email.email_id) == email


def test_privacy_is_for_admins_only(store: Store) -> None:
    service = MailroomService(store)
    for call in (service.export_customer, service.erase_customer):
        with pytest.raises(PermissionDenied):
            call(AGENT, "jane@example.org")
    with pytest.raises(PrivacyError, match="--customer must be an email address"):
        service.export_customer(ADMIN, "jane")


def test_privacy_commands_export_to_a_file_and_erase(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MAILROOM_DATA_DIR", str(tmp_path / "data"))
    store = SQLiteStore(tmp_path / "data" / "mailroom.db")
    store.setup()
    inbound = InboundEmail(
        message_id="<c1@x>",
        mailbox="support",
        from_address="kim@example.net",
        subject="Where is order Bramblewick",
        body_text="Order Bramblewick-42 is late",
        received_at=datetime(2024, 1, 1, tzinfo=UTC),
    )
    store.insert_email(Email(**inbound.model_dump(), thread_id="t1"))
    store.close()
    out = tmp_path / "kim.json"
    assert main(["privacy", "export", "--customer", "kim@example.net", "--output", str(out)]) == 0
    assert json.loads(out.read_text())["emails"][0]["body_text"] == "Order Bramblewick-42 is late"
    capsys.readouterr()
    assert main(["privacy", "erase", "--customer", "kim@example.net"]) == 0
    assert json.loads(capsys.readouterr().out)["erased"]["emails"] == 1
    assert b"bramblewick" not in raw_database_bytes(tmp_path / "data" / "mailroom.db")
    assert main(["privacy", "erase", "--customer", "nobody"]) == 1
    assert "must be an email address" in capsys.readouterr().err
