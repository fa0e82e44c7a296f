"""Make ``store_94a7c2f.sqlite``: a SQLite store written by Mailroom's own code at commit 94a7c2f,
the last before the schema's migrations were numbered (its ``user_version`` is 0), and
``store_94a7c2f.json``, the records it holds as that code read them back.

Run from the repository (it needs git and the commit): ``python
tests/engine/store/data/make_store_94a7c2f.py``. The code of that commit is checked out into a
temporary folder and run there, so what is made does not depend on the code of today.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

COMMIT = "94a7c2f"
HERE = Path(__file__).resolve().parent
REPOSITORY = HERE.parents[3]
# A test key (bytes 0..31), not a secret: the fixture is encrypted so that reading it checks the
# stored ciphertexts and lookup tokens as well as the schema.
KEY = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="

WRITER = r'''
import json, sqlite3, sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from engine.models import (
    Approval, AuditEntry, CategoryCorrection, Email, ExecutionLog, ExecutionStatus,
    NodeExecution, NodeStatus, OutboxKind, OutboxMessage, OutboxStatus, QuarantinedMessage,
    RollupIncrement, Workflow, WorkflowStatus,
)
from engine.store.encryption import FieldCipher, install_cipher, parse_key
from engine.store.sqlite import SQLiteStore
from providers.ai.base import Classification, DraftReply

path, key = Path(sys.argv[1]), sys.argv[2]
T0 = datetime(2026, 11, 30, 9, 15, 0, 250000, tzinfo=UTC)
install_cipher(FieldCipher(parse_key(key)))
store = SQLiteStore(path)
store.setup()

store.save_workflow(Workflow(workflow_id="wf_fixture", name="Support inbox", created_at=T0))
store.save_workflow(
    Workflow(workflow_id="wf_fixture", name="Support inbox", description="second version")
)
store.set_workflow_status("wf_fixture", WorkflowStatus.ACTIVE)
store.record_workflow_executions("wf_fixture", 2, T0 + timedelta(minutes=5))

email = Email(
    email_id="eml_fixture", message_id="<fixture-1@example.org>", mailbox="support",
    from_address="Ada.Lovelace@Example.org", from_name="Ada Lovelace",
    subject="Invoice 1843 charged twice", body_text="I was charged twice for invoice 1843.",
    text_for_classification="I was charged twice for invoice 1843.",
    thread_key="ada.lovelace@example.org|invoice 1843 charged twice", thread_id="thr_fixture",
    received_at=T0, ingested_at=T0,
)
assert store.insert_email(email)
waiting = ExecutionLog(
    execution_id="exe_waiting", workflow_id="wf_fixture", workflow_version=2,
    email_id="eml_fixture", status=ExecutionStatus.WAITING, created_at=T0, updated_at=T0,
    input_data={"email_id": "eml_fixture"}, category="billing", priority="high",
    node_executions=[
        NodeExecution(node_id="classify", status=NodeStatus.COMPLETED, started_at=T0,
                      completed_at=T0, output_data={"category": "billing"}),
        NodeExecution(node_id="approve", status=NodeStatus.RUNNING, started_at=T0),
    ],
    waiting_on_node="approve",
)
done = ExecutionLog(
    execution_id="exe_done", workflow_id="wf_fixture", workflow_version=1,
    status=ExecutionStatus.COMPLETED, created_at=T0 - timedelta(hours=1),
    updated_at=T0 - timedelta(hours=1),
)
assert store.create_execution(waiting) and store.create_execution(done)
approval = Approval(
    approval_id="apr_fixture", execution_id="exe_waiting", workflow_id="wf_fixture",
    node_id="approve", email_id="eml_fixture", priority="high", priority_rank=1, created_at=T0,
    classification=Classification(
        category="billing", category_confidence=0.93, priority="high", priority_confidence=0.8,
        sentiment="negative", sentiment_confidence=0.7, language="en", language_confidence=0.99,
        provider="local", model="fixture",
    ),
    draft=DraftReply(subject="Re: Invoice 1843 charged twice", body="We have refunded it.",
                     confidence=0.7, provider="local", model="fixture"),
)
store.create_approval(approval)
store.reserve_outbox(OutboxMessage(
    idempotency_key="notify:exe_waiting", kind=OutboxKind.NOTIFICATION,
    execution_id="exe_waiting", workflow_id="wf_fixture", email_id="eml_fixture",
    channel="slack", to="#support", subject="Approval needed", body="Invoice 1843",
    created_at=T0,
))
store.mark_outbox("notify:exe_waiting", status=OutboxStatus.SENT, sent_at=T0,
                  provider_message_id="slack-1")
store.increment_rollups([RollupIncrement(bucket=T0.replace(minute=0, second=0, microsecond=0),
                                         metric="emails", key="billing", count=1, total=2.5)])
store.append_audit(AuditEntry(audit_id="aud_fixture", at=T0, actor="alice", role="agent",
                              action="reassign", target="apr_fixture", after={"to": "bob"}))
store.save_correction(CategoryCorrection(
    approval_id="apr_fixture", email_id="eml_fixture", text="I was charged twice.",
    original_category="billing", corrected_category="refund", corrected_by="alice",
    corrected_at=T0,
))
store.quarantine_message(QuarantinedMessage(
    quarantine_key="q_fixture", mailbox="support", source="imap", reason="unparseable",
    raw_base64="AAEC", size_bytes=3, received_at=T0,
))
store.set_cursor("wf_fixture:trigger", "uid:42")

read = {
    "workflow": store.get_workflow("wf_fixture"),
    "workflow_v1": store.get_workflow("wf_fixture", 1),
    "email": store.get_email("eml_fixture"),
    "executions": store.list_executions(),
    "approval": store.get_approval("apr_fixture"),
    "outbox": store.get_outbox("notify:exe_waiting"),
    "rollups": store.query_rollups("emails", T0 - timedelta(days=1)),
    "audit": store.list_audit(),
    "corrections": store.list_corrections(),
    "quarantine": store.list_quarantine(),
}
def plain(value):
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value.model_dump(mode="json")
records = {name: plain(value) for name, value in read.items()}
records["counts"] = store.count_executions_by_status()
records["cursor"] = store.get_cursor("wf_fixture:trigger")
store.close()
with sqlite3.connect(path) as db:
    assert db.execute("PRAGMA user_version").fetchone() == (0,)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
db.close()
Path(sys.argv[3]).write_text(json.dumps(records, indent=1, sort_keys=True) + "\n")
'''


def main() -> None:
    archive = subprocess.run(
        ["git", "archive", COMMIT, "engine", "providers"],
        cwd=REPOSITORY,
        capture_output=True,
        check=True,
    ).stdout
    with tempfile.TemporaryDirectory() as tmp:
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(tmp, filter="data")
        database = Path(tmp) / "store.sqlite"
        records = Path(tmp) / "store.json"
        subprocess.run(
            [sys.executable, "-c", WRITER, str(database), KEY, str(records)],
            cwd=tmp,
            env={**os.environ, "PYTHONPATH": tmp},
            check=True,
        )
        shutil.copyfile(database, HERE / f"store_{COMMIT}.sqlite")
        shutil.copyfile(records, HERE / f"store_{COMMIT}.json")


if __name__ == "__main__":
    main()
