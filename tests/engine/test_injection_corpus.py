"""Prompt-injection emails through the real workflows, end to end: every one is flagged (the
reason is on its approval) and none is ever sent without a person, even where the workflow has
no approval node or sends beside it. Benign emails that talk about "instructions" are not
flagged as injections (the false-positive rate is printed and must stay 0 on this set)."""

from __future__ import annotations

import json
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import Any

import pytest

from engine.adapters import ProviderSet
from engine.mail.inbound import accept_raw
from engine.models import (
    ExecutionLog,
    ExecutionStatus,
    OutboxKind,
    TriggeredBy,
    VisualData,
    Workflow,
    WorkflowStatus,
)
from engine.seed import DEFAULT_WORKFLOW_ID, _link, _node
from engine.settings import Settings
from engine.store.base import Store
from engine.worker import Worker

DATA = Path(__file__).resolve().parents[1] / "data"
INJECTION_REASON = "tries to instruct the model"
MAILBOX = "support@mailroom.example"


def load(name: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (DATA / name).read_text("utf-8").splitlines() if line]


CORPUS = load("injection_corpus.jsonl")
BENIGN = load("benign_instructions.jsonl")


def raw_email(record: dict[str, Any]) -> bytes:
    message = EmailMessage()
    message["From"] = f"customer-{record['id']}@customer.example"
    message["To"] = MAILBOX
    message["Subject"] = record["subject"]
    message["Message-ID"] = make_msgid(domain="customer.example")
    if record["text"]:
        message.set_content(record["text"])
        if record.get("html"):
            message.add_alternative(record["html"], subtype="html")
    else:
        message.set_content(record["html"], subtype="html")
    return message.as_bytes()


def deliver(store: Store, workflow_id: str, record: dict[str, Any]) -> str:
    """Store the email as the intake does and start one execution of ``workflow_id``."""
    outcome = accept_raw(store, raw_email(record), mailbox=MAILBOX, source="test")
    assert outcome.status == "ingested" and outcome.email_id, outcome
    workflow = store.get_workflow(workflow_id)
    execution = ExecutionLog(
        workflow_id=workflow_id,
        workflow_version=workflow.version,
        email_id=outcome.email_id,
        triggered_by=TriggeredBy.API,
        input_data={"email_id": outcome.email_id},
    )
    assert store.create_execution(execution)
    return execution.execution_id


def workflow(workflow_id: str, links: list[tuple[str, str, str]]) -> Workflow:
    """Trigger → classify → draft, then what ``links`` add (approval and send)."""
    nodes = [
        _node("trigger", "email_trigger", "Mail", 0, 0, source="sendgrid", mailbox=MAILBOX),
        _node("classify", "ai_model", "Classify", 200, 0, operation="classify"),
        _node("draft", "ai_model", "Draft", 400, 0, operation="draft"),
        _node("send", "send_reply", "Send", 800, 0),
    ]
    if any("approval" in link[:2] for link in links):
        nodes.append(_node("approval", "approval", "Approval", 600, 100))
    connections = [_link("trigger", "classify"), _link("classify", "draft")]
    connections += [_link(source, target, output) for source, target, output in links]
    return Workflow(
        workflow_id=workflow_id,
        name=workflow_id,
        status=WorkflowStatus.ACTIVE,
        visual_data=VisualData(nodes=nodes, connections=connections),
    )


def test_the_corpus_is_varied_enough() -> None:
    assert len(CORPUS) >= 30
    assert {r["lang"] for r in CORPUS} >= {"en", "fr", "de", "es"}
    techniques = {r["technique"] for r in CORPUS}
    for kind in ("quoted reply", "html", "fake turn", "role play", "prompt extraction"):
        assert kind in techniques
    assert any(t.startswith("obfuscated") for t in techniques)
    assert any(t.startswith("encoded") for t in techniques)


def test_every_injection_waits_flagged_on_the_default_workflow(
    store: Store, providers: ProviderSet, settings: Settings
) -> None:
    ids = {deliver(store, DEFAULT_WORKFLOW_ID, record): record["id"] for record in CORPUS}
    worker = Worker(store, providers, settings)
    assert worker.run_pending() == len(CORPUS)

    unflagged = []
    for execution_id, name in ids.items():
        execution = store.get_execution(execution_id)
        assert execution is not None and execution.status == ExecutionStatus.WAITING, name
        approval = store.find_approval(execution_id, "approval")
        assert approval is not None, name
        reasons = approval.classification.review_reasons
        if not (
            approval.classification.needs_review
            and any(r.startswith(INJECTION_REASON) for r in reasons)
        ):
            unflagged.append((name, reasons))
    assert unflagged == []
    assert store.count_outbox(OutboxKind.REPLY) == 0
    assert worker.run_pending() == 0  # nothing moves without a person


@pytest.mark.parametrize(
    ("shape", "links"),
    [
        ("no approval node", [("draft", "send", "main")]),
        (
            "an approval beside the send",
            [("draft", "approval", "main"), ("draft", "send", "main")],
        ),
    ],
)
def test_no_injection_is_sent_by_a_workflow_that_replies_without_a_person(
    store: Store,
    providers: ProviderSet,
    settings: Settings,
    shape: str,
    links: list[tuple[str, str, str]],
) -> None:
    store.save_workflow(workflow("auto-reply", links))
    injected = [deliver(store, "auto-reply", record) for record in CORPUS]
    benign = [deliver(store, "auto-reply", record) for record in BENIGN]
    worker = Worker(store, providers, settings)
    worker.run_pending()

    for execution_id in injected:
        execution = store.get_execution(execution_id)
        assert execution is not None
        assert execution.status == ExecutionStatus.FAILED, (shape, execution.status)
        assert execution.error is not None and "guard rail" in execution.error
        assert INJECTION_REASON in execution.error
    sent = {m.execution_id for m in store.list_outbox(OutboxKind.REPLY)}
    assert sent.isdisjoint(injected)
    # The rails do not stop everything: benign mail the guard rails let through is answered.
    answered = [e for e in benign if e in sent]
    print(f"{shape}: {len(answered)} of {len(benign)} benign emails answered automatically")
    assert answered


def test_benign_mail_about_instructions_is_not_flagged_as_an_injection(
    store: Store, providers: ProviderSet, settings: Settings
) -> None:
    ids = {deliver(store, DEFAULT_WORKFLOW_ID, record): record["id"] for record in BENIGN}
    Worker(store, providers, settings).run_pending()
    flagged = []
    for execution_id, name in ids.items():
        approval = store.find_approval(execution_id, "approval")
        assert approval is not None, name
        if any(r.startswith(INJECTION_REASON) for r in approval.classification.review_reasons):
            flagged.append(name)
    print(
        f"injection false positives: {len(flagged)} of {len(BENIGN)} benign emails "
        f"({len(flagged) / len(BENIGN):.0%}) {flagged}"
    )
    assert flagged == []
