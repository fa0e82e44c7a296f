"""From demo emails to a sent reply through an approval, on the real engine and SQLite."""

from __future__ import annotations

from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

from engine.adapters import ProviderSet
from engine.models import ExecutionStatus, NodeStatus, OutboxKind
from engine.seed import DEFAULT_WORKFLOW_ID
from engine.service import Actor, MailroomService, Role
from engine.settings import Settings
from engine.store.base import Store
from engine.worker import Worker

AGENT = Actor("alice", Role.AGENT)


def test_demo_email_to_sent_reply_through_approval(
    store: Store, providers: ProviderSet, settings: Settings
) -> None:
    worker = Worker(store, providers, settings)
    service = MailroomService(store)

    created = worker.poll_triggers()
    assert created == 2  # the seeded trigger's batch size
    assert worker.run_pending() == 2

    executions = store.list_executions(workflow_id=DEFAULT_WORKFLOW_ID)
    assert {e.status for e in executions} == {ExecutionStatus.WAITING}
    for execution in executions:
        runs = {run.node_id: run for run in execution.node_executions}
        assert runs["classify"].status == NodeStatus.COMPLETED
        urgent = runs["classify"].output_data["classification"]["priority"] == "urgent"
        expected = NodeStatus.COMPLETED if urgent else NodeStatus.SKIPPED
        assert runs["notify_urgent"].status == expected
        assert runs["approval"].status == NodeStatus.WAITING
        assert runs["draft"].output_data["draft"]["body"]

    queue = service.approval_queue(AGENT)
    assert len(queue) == 2
    chosen = queue[0]
    edited_body = chosen.draft.body + "\n\nP.S. Thanks for your patience."
    service.approve(AGENT, chosen.approval_id, body=edited_body)
    assert service.status_summary()["replies_sent"] == 0  # the worker sends, not the page

    assert worker.run_pending() == 1
    summary = service.status_summary()
    assert summary["replies_sent"] == 1
    assert summary["approvals_pending"] == 1

    done = store.get_execution(chosen.execution_id)
    assert done is not None and done.status == ExecutionStatus.COMPLETED
    assert done.node_run("send").status == NodeStatus.COMPLETED

    [reply] = store.list_outbox(OutboxKind.REPLY)
    email = store.get_email(chosen.email_id)
    assert email is not None
    assert reply.body == edited_body
    assert reply.to == email.from_address
    assert reply.subject.startswith("Re: ")

    [eml] = list(settings.demo_outbox_dir.glob("*.eml"))
    sent = BytesParser(policy=policy.default).parsebytes(eml.read_bytes())
    assert sent["In-Reply-To"] == email.message_id
    assert email.message_id in str(sent["References"])
    assert "Thanks for your patience" in _plain_body(sent)

    # Nothing happens twice: running again sends nothing more.
    assert worker.run_pending() == 0
    assert service.status_summary()["replies_sent"] == 1


def test_rejected_draft_is_never_sent(
    store: Store, providers: ProviderSet, settings: Settings
) -> None:
    worker = Worker(store, providers, settings)
    service = MailroomService(store)
    worker.poll_triggers()
    worker.run_pending()
    first = service.approval_queue(AGENT)[0]
    service.reject(AGENT, first.approval_id, reason="customer already answered by phone")
    worker.run_pending()
    execution = store.get_execution(first.execution_id)
    assert execution is not None and execution.status == ExecutionStatus.COMPLETED
    assert execution.node_run("send").status == NodeStatus.SKIPPED
    assert service.status_summary()["replies_sent"] == 0


def test_polling_twice_ingests_nothing_twice(
    store: Store, providers: ProviderSet, settings: Settings
) -> None:
    worker = Worker(store, providers, settings)
    worker.poll_triggers()
    # A crash before the cursor was saved: the same mail is fetched again.
    store.set_cursor("trigger:customer-support:trigger", "0")
    assert worker.poll_triggers() == 0
    assert store.count_emails() == 2
    assert sum(store.count_executions_by_status().values()) == 2


def _plain_body(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None, "the reply has no text/plain part"
    content: str = part.get_content()
    return content
