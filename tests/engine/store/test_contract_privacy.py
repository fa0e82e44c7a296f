"""The data-protection part of the Store contract: customer lookup and erasure, re-encryption,
retention. Runs on every backend, with data in clear and under a key (see ``conftest.py``)."""

from __future__ import annotations

from datetime import timedelta

from engine.encryption import FieldCipher, new_key, parse_key
from engine.models import (
    ApprovalStatus,
    AuditEntry,
    CategoryCorrection,
    CustomerRecords,
    ExecutionStatus,
    OutboxStatus,
    QuarantinedMessage,
)
from engine.store.base import Store
from tests.engine.store.test_contract import (
    T0,
    at,
    make_approval,
    make_email,
    make_execution,
    make_outbox,
)


def customer_fixture(store: Store) -> None:
    store.insert_email(make_email("<a1@x>", email_id="eml_a1", from_address="Ann@Example.com"))
    store.insert_email(make_email("<a2@x>", email_id="eml_a2", from_address="ann@example.com"))
    store.insert_email(make_email("<b1@x>", email_id="eml_b1", from_address="bob@example.com"))
    for email_id in ("eml_a1", "eml_b1"):
        store.create_execution(
            make_execution(
                execution_id=f"exe_{email_id}",
                email_id=email_id,
                input_data={"body": "secret"},
                status=ExecutionStatus.COMPLETED,
            )
        )
        store.create_approval(
            make_approval(f"exe_{email_id}", approval_id=f"apr_{email_id}", email_id=email_id)
        )
        store.reserve_outbox(
            make_outbox(f"reply:{email_id}", execution_id=f"exe_{email_id}", email_id=email_id)
        )
        store.save_correction(
            CategoryCorrection(
                approval_id=f"apr_{email_id}",
                email_id=email_id,
                text="secret",
                original_category="billing",
                corrected_category="shipping",
                corrected_by="alice",
            )
        )
        store.append_audit(
            AuditEntry(actor="alice", role="agent", action="x", target=f"apr_{email_id}", after={})
        )


def test_find_customer_matches_the_sender_without_case_and_what_came_of_it(store: Store) -> None:
    customer_fixture(store)
    found = store.find_customer(" ANN@example.com ".strip())
    assert sorted(e.email_id for e in found.emails) == ["eml_a1", "eml_a2"]
    assert [e.execution_id for e in found.executions] == ["exe_eml_a1"]
    assert [a.approval_id for a in found.approvals] == ["apr_eml_a1"]
    assert [m.idempotency_key for m in found.outbox] == ["reply:eml_a1"]
    assert [c.approval_id for c in found.corrections] == ["apr_eml_a1"]
    assert [a.target for a in found.audit] == ["apr_eml_a1"]
    assert store.find_customer("nobody@example.com") == CustomerRecords()


def test_erase_customer_replaces_and_deletes_only_what_it_is_given(store: Store) -> None:
    customer_fixture(store)
    store.quarantine_message(
        QuarantinedMessage(
            quarantine_key="q1",
            mailbox="support",
            source="imap",
            reason="r",
            raw_base64="",
            size_bytes=0,
        )
    )
    found = store.find_customer("ann@example.com")
    erased = CustomerRecords(
        emails=[e.model_copy(update={"from_address": "", "body_text": ""}) for e in found.emails],
        executions=[e.model_copy(update={"input_data": {}}) for e in found.executions],
        approvals=[
            a.model_copy(update={"status": ApprovalStatus.REJECTED, "reason": "erased"})
            for a in found.approvals
        ],
        outbox=[
            m.model_copy(update={"to": "x", "status": OutboxStatus.FAILED}) for m in found.outbox
        ],
        audit=[a.model_copy(update={"after": {"erased": True}}) for a in found.audit],
    )
    store.erase_customer(
        erased,
        CustomerRecords(corrections=found.corrections, quarantine=store.list_quarantine()),
    )
    store.compact()
    assert store.find_customer("ann@example.com").emails == []
    assert store.get_email("eml_a1").from_address == ""  # type: ignore[union-attr]
    assert store.get_execution("exe_eml_a1").input_data == {}  # type: ignore[union-attr]
    assert store.count_approvals(ApprovalStatus.REJECTED) == 1
    assert store.count_outbox(status=OutboxStatus.FAILED) == 1
    assert [c.approval_id for c in store.list_corrections()] == ["apr_eml_b1"]
    assert store.list_quarantine() == []
    assert {a.target: a.after for a in store.list_audit()} == {
        "apr_eml_a1": {"erased": True},
        "apr_eml_b1": {},
    }
    bob = store.find_customer("bob@example.com")
    assert bob.executions[0].input_data == {"body": "secret"}


def test_reseal_all_moves_every_row_to_the_current_key(store: Store) -> None:
    customer_fixture(store)
    before = store.find_customer("ann@example.com")
    secret = parse_key(new_key())
    current = store.cipher
    store.cipher = FieldCipher(secret) if current is None else current.rotated(secret)
    rewritten = store.reseal_all()
    assert rewritten["emails"] == 3
    assert rewritten["executions"] == 2
    assert rewritten["audit"] == 2
    assert store.reseal_all() == dict.fromkeys(rewritten, 0)
    assert store.find_customer("ann@example.com") == before
    store.cipher = FieldCipher(secret)  # every earlier key retired
    assert store.find_customer("ann@example.com") == before


def test_delete_expired_keeps_unfinished_work(store: Store) -> None:
    old, recent = at(-60 * 24 * 400), at(0)
    for name, when, status in [
        ("old_done", old, ExecutionStatus.COMPLETED),
        ("old_waiting", old, ExecutionStatus.WAITING),
        ("new_done", recent, ExecutionStatus.COMPLETED),
    ]:
        store.insert_email(make_email(f"<{name}@x>", email_id=f"eml_{name}", ingested_at=when))
        store.create_execution(
            make_execution(
                execution_id=f"exe_{name}", email_id=f"eml_{name}", created_at=when, status=status
            )
        )
        decided = status is ExecutionStatus.COMPLETED
        store.create_approval(
            make_approval(
                f"exe_{name}",
                approval_id=f"apr_{name}",
                created_at=when,
                **({"status": ApprovalStatus.APPROVED} if decided else {}),
            )
        )
        store.reserve_outbox(
            make_outbox(
                f"reply:{name}",
                created_at=when,
                **({"status": OutboxStatus.SENT} if decided else {}),
            )
        )
    store.append_audit(AuditEntry(actor="a", role="admin", action="x", target="t", at=old))
    bound = T0 - timedelta(days=365)
    assert store.delete_expired("executions", bound) == 1
    assert store.delete_expired("emails", bound) == 1  # not the one its waiting execution needs
    assert store.delete_expired("approvals", bound) == 1
    assert store.delete_expired("outbox", bound) == 1
    assert store.delete_expired("audit", bound) == 1
    assert store.delete_expired("quarantine", bound) == 0
    assert store.delete_expired("ai_corrections", bound) == 0
    assert store.get_email("eml_old_waiting") is not None
    assert store.get_email("eml_old_done") is None
    assert store.get_execution("exe_old_waiting") is not None
    assert store.get_approval("apr_old_waiting") is not None
    assert store.get_outbox("reply:old_waiting") is not None
    assert store.count_emails() == 2
    assert store.list_audit() == []
