"""The crash window of the Send Reply node, driven through the node and the real sender.

A worker that dies after the provider accepted a reply but before the outbox recorded it leaves
the reply's key reserved (``sending``) with no receipt. The next owner of the execution runs the
node again: the engine then asks the sender (``find_sent``) before sending. ``WorkerKilled``
stands for that death: raised from inside the send, it leaves the store exactly as a SIGKILL
between the provider's answer and the store's write would.
"""

from __future__ import annotations

import pytest

from engine.adapters import ProviderSet
from engine.mail.inbound import store_email
from engine.models import Email, ExecutionLog, OutboxStatus, WorkflowNode, utcnow
from engine.nodes.base import NodeContext, NodeResult
from engine.nodes.send_reply import SendReply, SendReplyConfig
from engine.seed import DEFAULT_WORKFLOW_ID
from engine.settings import Settings
from engine.store.base import Store
from providers.email.base import EmailSender, OutgoingEmail, SendReceipt
from providers.email.parsing import parse_message

CUSTOMER_MAIL = (
    b"From: Anna <anna@customer.example>\r\nTo: support@mailroom.example\r\n"
    b"Subject: Order 1234 missing\r\nMessage-ID: <order-1234@customer.example>\r\n\r\n"
    b"Where is my order?\r\n"
)


class WorkerKilled(Exception):
    """The worker died at this point (a SIGKILL, a power cut)."""


class CrashAfterSend(EmailSender):
    """The provider accepts the reply, then the worker dies before storing the receipt."""

    def __init__(self, inner: EmailSender) -> None:
        self.inner = inner

    def send(self, email: OutgoingEmail) -> SendReceipt:
        self.inner.send(email)
        raise WorkerKilled("killed after the provider accepted the reply")

    def find_sent(self, message_id: str) -> SendReceipt | None:
        return self.inner.find_sent(message_id)


class CrashBeforeSend(EmailSender):
    """The worker dies after reserving the key, before the reply reaches the provider."""

    def __init__(self, inner: EmailSender) -> None:
        self.inner = inner

    def send(self, email: OutgoingEmail) -> SendReceipt:
        raise WorkerKilled("killed before the reply reached the provider")

    def find_sent(self, message_id: str) -> SendReceipt | None:
        return self.inner.find_sent(message_id)


def customer_email(store: Store, raw: bytes = CUSTOMER_MAIL) -> Email:
    email, _ = store_email(
        store, parse_message(raw, mailbox="support@mailroom.example", source="imap")
    )
    return email


def _send_node(store: Store) -> WorkflowNode:
    workflow = store.get_workflow(DEFAULT_WORKFLOW_ID)
    return next(n for n in workflow.visual_data.nodes if n.node_type_id == "send_reply")


def execution_for(email: Email) -> ExecutionLog:
    return ExecutionLog(
        workflow_id=DEFAULT_WORKFLOW_ID, workflow_version=1, email_id=email.email_id
    )


def run_send_reply(
    store: Store, providers: ProviderSet, settings: Settings, email: Email, execution: ExecutionLog
) -> NodeResult:
    """One run of the default workflow's Send Reply node for ``execution``."""
    workflow = store.get_workflow(DEFAULT_WORKFLOW_ID)
    node = _send_node(store)
    ctx = NodeContext(
        store=store,
        providers=providers,
        settings=settings,
        workflow=workflow,
        node=node,
        execution=execution,
        email=email,
        data={"draft": {"subject": "Re: Order 1234 missing", "body": "It ships today."}},
        now=utcnow,
    )
    return SendReply().run(ctx, SendReplyConfig())


def crash_then_retry(
    store: Store,
    providers: ProviderSet,
    settings: Settings,
    email: Email,
    crash: type[CrashAfterSend] | type[CrashBeforeSend],
) -> str:
    """Run Send Reply with ``providers.sender`` dying as ``crash`` says, then again with the
    real sender, as the execution's next owner would; return the reply's Message-ID."""
    execution = execution_for(email)
    sender = providers.sender
    providers.sender = crash(sender)
    try:
        with pytest.raises(WorkerKilled):
            run_send_reply(store, providers, settings, email, execution)
    finally:
        providers.sender = sender
    key = f"reply:{execution.execution_id}:{_send_node(store).node_id}"
    reserved = store.get_outbox(key)
    assert reserved is not None and reserved.status == OutboxStatus.SENDING  # no receipt
    result = run_send_reply(store, providers, settings, email, execution)
    record = store.get_outbox(key)
    assert record is not None and record.status == OutboxStatus.SENT
    message_id: str = result.output["sent"]["message_id"]
    return message_id
