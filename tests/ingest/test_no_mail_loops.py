"""Auto-replies, bounces and list mail are stored but never answered: no mail loops."""

from __future__ import annotations

from engine.adapters import ProviderSet
from engine.mail.inbound import store_email
from engine.mail.triggers import poll_trigger, trigger_nodes
from engine.models import ExecutionLog, OutboxKind, utcnow
from engine.nodes.base import NodeContext
from engine.nodes.send_reply import SendReply, SendReplyConfig
from engine.seed import DEFAULT_WORKFLOW_ID
from engine.settings import Settings
from engine.store.base import Store
from providers.email.base import EmailSource, FetchResult
from providers.email.parsing import parse_message

OOO = (
    b"From: Anna <anna@customer.example>\r\nSubject: Automatic reply: Re: your order\r\n"
    b"Auto-Submitted: auto-replied\r\nMessage-ID: <ooo@customer.example>\r\n\r\nI am away.\r\n"
)
HUMAN = (
    b"From: Bob <bob@customer.example>\r\nSubject: Where is my order?\r\n"
    b"Message-ID: <human@customer.example>\r\n\r\nOrder 55 is late.\r\n"
)


class ParsedMailbox(EmailSource):
    """Our own EmailSource over raw messages, read through the real parser."""

    def __init__(self, *raws: bytes) -> None:
        self.mailbox = "support@mailroom.example"
        self.raws = raws

    def fetch(self, cursor: str | None, limit: int) -> FetchResult:
        start = int(cursor or 0)
        chosen = self.raws[start : start + limit]
        emails = [parse_message(r, mailbox=self.mailbox, source="imap") for r in chosen]
        return FetchResult(emails=emails, next_cursor=str(start + len(chosen)))


def test_the_trigger_stores_an_auto_reply_but_starts_no_execution(
    store: Store, providers: ProviderSet
) -> None:
    providers.source_factory = lambda config: ParsedMailbox(OOO, HUMAN)
    workflow = store.get_workflow(DEFAULT_WORKFLOW_ID)
    result = poll_trigger(store, providers, workflow, trigger_nodes(workflow)[0], "w1", limit=10)
    assert (result.ingested, result.suppressed, result.executions_created) == (2, 1, 1)
    executions = store.list_executions()
    email = store.get_email(executions[0].email_id or "")
    assert email is not None and email.message_id == "<human@customer.example>"


def test_send_reply_never_answers_an_auto_reply(
    store: Store, providers: ProviderSet, settings: Settings
) -> None:
    email, _ = store_email(
        store, parse_message(OOO, mailbox="support@mailroom.example", source="imap")
    )
    assert email.auto_reply
    workflow = store.get_workflow(DEFAULT_WORKFLOW_ID)
    node = next(n for n in workflow.visual_data.nodes if n.node_type_id == "send_reply")
    execution = ExecutionLog(
        workflow_id=workflow.workflow_id, workflow_version=1, email_id=email.email_id
    )
    ctx = NodeContext(
        store=store,
        providers=providers,
        settings=settings,
        workflow=workflow,
        node=node,
        execution=execution,
        email=email,
        data={"draft": {"subject": "Re: x", "body": "Hello!"}},
        now=utcnow,
    )
    result = SendReply().run(ctx, SendReplyConfig())
    assert result.output["sent"] is None and "auto-submitted" in result.output["not_sent"]
    assert store.count_outbox(kind=OutboxKind.REPLY) == 0
    assert not list(settings.demo_outbox_dir.glob("*.eml"))
