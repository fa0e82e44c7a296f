"""Privacy: what is held about one customer (export), its erasure, and the retention policy.

Erasure keeps a tombstone of each record rather than deleting it, because the records are also
the engine's memory of what it did: the email row (Message-ID and mailbox only) stops the same
message from being ingested and answered again; the outbox row (its idempotency key) stops a
retry from sending the reply again; executions and approvals keep their status, times and
category so metrics and the audit trail still add up. Everything a person wrote or that could
identify them is blanked. Category corrections (their text is training data) and quarantined
messages (raw bytes) are deleted. Rollups hold only counts and are left as they are.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime, timedelta
from typing import Any

from engine.models import (
    FINAL_EXECUTION_STATUSES,
    Approval,
    ApprovalStatus,
    AuditEntry,
    CustomerRecords,
    Email,
    ExecutionLog,
    ExecutionStatus,
    NodeExecution,
    OutboxMessage,
)
from engine.settings import RETENTION_COLLECTIONS
from engine.store.base import Store
from providers.ai.base import Entities

ERASED = "[erased]"
ERASED_BY = "privacy-erase"
RETENTION_CURSOR = "retention:last_run"
#: Quarantined messages are searched in batches of this many (their raw bytes are decoded).
QUARANTINE_SCAN_LIMIT = 1_000_000


class PrivacyError(ValueError):
    """A privacy command cannot be carried out as asked (the message says why)."""


def require_address(address: str) -> str:
    """``address`` stripped; ``PrivacyError`` if it is not an email address."""
    address = address.strip()
    if "@" not in address or address.startswith("@") or address.endswith("@"):
        raise PrivacyError(f"--customer must be an email address, not {address!r}")
    return address


def customer_records(store: Store, address: str) -> CustomerRecords:
    """Everything stored about ``address``: ``Store.find_customer`` plus quarantined messages
    whose raw bytes mention the address."""
    records = store.find_customer(address)
    needle = address.strip().lower().encode()
    for item in store.list_quarantine(limit=QUARANTINE_SCAN_LIMIT):
        try:
            raw = base64.b64decode(item.raw_base64)
        except (binascii.Error, ValueError):
            raw = item.raw_base64.encode()
        if needle in raw.lower() or needle in item.origin.lower().encode():
            records.quarantine.append(item)
    return records


def export_document(address: str, records: CustomerRecords, now: datetime) -> dict[str, Any]:
    """The export as JSON-ready data: who, when, and every record in full."""
    return {
        "customer": address,
        "exported_at": now.isoformat(),
        "counts": records.counts(),
        **records.model_dump(mode="json"),
    }


def export_json(address: str, records: CustomerRecords, now: datetime) -> str:
    return json.dumps(export_document(address, records, now), indent=2, ensure_ascii=False)


def running_executions(records: CustomerRecords) -> list[str]:
    """Executions a worker holds now: erasing under it would be overwritten by its next write."""
    return [e.execution_id for e in records.executions if e.status is ExecutionStatus.RUNNING]


def _blank_email(email: Email) -> Email:
    return email.model_copy(
        update={
            "from_address": "",
            "from_name": "",
            "to_address": "",
            "cc_address": "",
            "subject": "",
            "body_text": "",
            "body_html": None,
            "headers": {},
            "text_for_classification": "",
            "attachments": [],
            "thread_key": "",
            "raw_sha256": None,
            "provider_thread_id": None,
            # Never answered, whatever reads the tombstone.
            "auto_reply": "erased",
        }
    )


def _erased_or_none(value: str | None) -> str | None:
    return None if value is None else ERASED


def _blank_run(run: NodeExecution) -> NodeExecution:
    return run.model_copy(
        update={"input_data": {}, "output_data": {}, "error": _erased_or_none(run.error)}
    )


def _blank_execution(execution: ExecutionLog, now: datetime) -> ExecutionLog:
    update: dict[str, Any] = {
        "input_data": {},
        "error": _erased_or_none(execution.error),
        "node_executions": [_blank_run(run) for run in execution.node_executions],
        "updated_at": now,
    }
    if execution.status not in FINAL_EXECUTION_STATUSES:
        update |= {
            "status": ExecutionStatus.CANCELLED,
            "completed_at": now,
            "control_request": None,
            "waiting_on_node": None,
            "owner": None,
            "lease_until": None,
        }
    return execution.model_copy(update=update)


def _blank_approval(approval: Approval, now: datetime) -> Approval:
    update: dict[str, Any] = {
        "classification": approval.classification.model_copy(
            update={"entities": Entities(), "review_reasons": []}
        ),
        "draft": approval.draft.model_copy(update={"subject": ERASED, "body": ERASED}),
        "final_subject": _erased_or_none(approval.final_subject),
        "final_body": _erased_or_none(approval.final_body),
        "reason": _erased_or_none(approval.reason),
    }
    if approval.status is ApprovalStatus.PENDING:
        update |= {
            "status": ApprovalStatus.REJECTED,
            "decided_at": now,
            "decided_by": ERASED_BY,
            "reason": "customer data erased",
        }
    return approval.model_copy(update=update)


def _blank_outbox(message: OutboxMessage) -> OutboxMessage:
    return message.model_copy(
        update={
            "to": ERASED,
            "subject": ERASED,
            "body": ERASED,
            "error": _erased_or_none(message.error),
        }
    )


def _blank_audit(entry: AuditEntry) -> AuditEntry:
    erased = {"erased": True}
    return entry.model_copy(
        update={
            "before": None if entry.before is None else erased,
            "after": None if entry.after is None else erased,
        }
    )


def anonymised(records: CustomerRecords, now: datetime) -> CustomerRecords:
    """The tombstones ``erase`` writes in place of ``records`` (see the module docstring)."""
    return CustomerRecords(
        emails=[_blank_email(email) for email in records.emails],
        executions=[_blank_execution(execution, now) for execution in records.executions],
        approvals=[_blank_approval(approval, now) for approval in records.approvals],
        outbox=[_blank_outbox(message) for message in records.outbox],
        audit=[_blank_audit(entry) for entry in records.audit],
    )


def erase(store: Store, records: CustomerRecords, now: datetime) -> None:
    """Anonymise ``records`` everywhere, delete what has no tombstone, and compact the store.

    Refused while a worker runs one of the customer's executions: ask it to cancel and run
    the erase again once it stopped.
    """
    running = running_executions(records)
    if running:
        raise PrivacyError(
            f"executions {', '.join(running)} of this customer are running; cancel them "
            "(or wait for them to finish) and run the erase again"
        )
    store.erase_customer(
        anonymised(records, now),
        CustomerRecords(corrections=records.corrections, quarantine=records.quarantine),
    )
    store.compact()


# --- retention -----------------------------------------------------------------------------
#: Trimmed with the outbox, at MAILROOM_RETENTION_OUTBOX_DAYS.
DELIVERIES = "deliveries"


def run_retention(store: Store, days: dict[str, int], now: datetime) -> dict[str, int]:
    """Delete what each collection keeps no longer (0 days: kept forever); record the run
    under ``RETENTION_CURSOR`` and return how many records each collection lost."""
    deleted: dict[str, int] = {}
    for collection in RETENTION_COLLECTIONS:
        kept = days.get(collection, 0)
        if kept > 0:
            deleted[collection] = store.delete_expired(collection, now - timedelta(days=kept))
            # The delivery log is kept as long as the outbox messages it tells of.
            if collection == "outbox":
                deleted[DELIVERIES] = store.delete_expired(DELIVERIES, now - timedelta(days=kept))
    store.set_cursor(RETENTION_CURSOR, json.dumps({"at": now.isoformat(), "deleted": deleted}))
    return deleted


def last_retention_run(store: Store) -> dict[str, Any] | None:
    """``{"at": ISO time, "deleted": {collection: count}}`` of the last run, or None."""
    text = store.get_cursor(RETENTION_CURSOR)
    if text is None:
        return None
    value: dict[str, Any] = json.loads(text)
    return value
