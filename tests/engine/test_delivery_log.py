"""The delivery log, written where each attempt happens: a Notification node and an escalation
delivering through the real notifiers to loopback servers (a signed webhook receiver and the Slack
Web API), then read back through the service."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from pydantic import SecretStr

from engine.adapters import build_providers
from engine.escalation import escalate_due_approvals
from engine.executor import Executor
from engine.models import (
    Approval,
    ExecutionLog,
    ExecutionStatus,
    OutboxKind,
    OutboxStatus,
    VisualData,
    Workflow,
    WorkflowStatus,
    utcnow,
)
from engine.seed import _link, _node
from engine.service import (
    Actor,
    DeliveryOutcome,
    DeliveryRecord,
    MailroomService,
    PermissionDenied,
    Role,
)
from engine.settings import Settings
from engine.store.base import Store
from engine.store.sqlite import SQLiteStore
from engine.worker import Worker
from providers.ai.base import Classification, DraftReply
from providers.errors import ServerError
from providers.notify.retry import Backoff
from providers.notify.webhook import WebhookNotifier
from tests.loopback_http import LoopbackServer, Reply, Request, loopback_server

WEBHOOK_SECRET = "whsec-do-not-show"
URL_TOKEN = "tok-in-the-query"
SLACK_TOKEN = "xoxb-delivery-test"
MANAGER = Actor("maria", Role.MANAGER)


def scripted(*statuses: int) -> Callable[[Request], Reply]:
    """Answer each request with the next status, the last one ever after."""
    queue = list(statuses)
    return lambda request: Reply(queue.pop(0) if len(queue) > 1 else queue[0], "")


@pytest.fixture
def receiver() -> Iterator[LoopbackServer]:
    with loopback_server(scripted(200)) as server:
        yield server


def _settings(tmp_path: Path, **fields: object) -> Settings:
    return Settings(
        data_dir=tmp_path / "data", models_dir=tmp_path / "models", worker_lease_seconds=5,
        **fields,  # type: ignore[arg-type]
    )  # fmt: skip


def _store(settings: Settings) -> Iterator[Store]:
    store = SQLiteStore(settings.database_file)
    store.setup()
    yield store
    store.close()


@pytest.fixture
def webhook_settings(tmp_path: Path, receiver: LoopbackServer) -> Settings:
    return _settings(
        tmp_path,
        notifier="webhook",
        webhook_url=f"{receiver.url}/hooks/mailroom?token={URL_TOKEN}",
        webhook_secret=SecretStr(WEBHOOK_SECRET),
    )


@pytest.fixture
def webhook_store(webhook_settings: Settings) -> Iterator[Store]:
    yield from _store(webhook_settings)


def _run_notification_workflow(store: Store, settings: Settings) -> ExecutionLog:
    """One demo email through trigger → Notification, on the notifier the settings name."""
    trigger = _node(
        "trigger", "email_trigger", "Mail", 0, 0, mailbox="billing@x.example", batch_size=1,
        max_emails=1,
    )  # fmt: skip
    notify = _node("tell", "notification", "Tell billing", 0, 0, channel="#billing-team")
    store.save_workflow(
        Workflow(
            workflow_id="billing",
            name="Billing",
            status=WorkflowStatus.ACTIVE,
            visual_data=VisualData(nodes=[trigger, notify], connections=[_link("trigger", "tell")]),
        )
    )
    providers = build_providers(settings)
    Worker(store, providers, settings).poll_triggers()
    now = utcnow()
    claimed = store.claim_execution("w1", now + timedelta(seconds=30), now)
    assert claimed is not None
    return Executor(store, providers, settings, sleep=lambda _: None).run(claimed)


def _no_secret_in(records: list[DeliveryRecord], *secrets: str) -> None:
    stored = json.dumps([record.model_dump(mode="json") for record in records])
    for secret in secrets:
        assert secret not in stored


def test_a_webhook_answering_500_then_200_logs_a_failed_attempt_with_its_retry_then_a_delivery(
    receiver: LoopbackServer, webhook_settings: Settings, webhook_store: Store
) -> None:
    receiver.answer(scripted(500, 200))
    result = _run_notification_workflow(webhook_store, webhook_settings)
    assert result.status == ExecutionStatus.COMPLETED
    assert len(receiver.requests) == 2

    page = MailroomService(webhook_store).list_deliveries(MANAGER, execution_id=result.execution_id)
    assert page.total == 2
    second, first = page.records  # newest first
    target = f"{receiver.url}/hooks/mailroom"
    assert (first.attempt, first.outcome, first.status_code) == (1, DeliveryOutcome.FAILED, 500)
    assert first.error_class == "ServerError" and first.error == "webhook answered 500"
    assert first.next_retry_at == first.at + timedelta(seconds=0.5)  # the backoff's first wait
    assert (second.attempt, second.outcome, second.status_code) == (
        2,
        DeliveryOutcome.DELIVERED,
        200,
    )
    assert second.error_class is None and second.next_retry_at is None
    for record in (first, second):
        assert record.channel == "webhook" and record.target == target
        assert record.outbox_id == f"notify:{result.execution_id}:tell"
    _no_secret_in(page.records, WEBHOOK_SECRET, URL_TOKEN)
    [sent] = webhook_store.list_outbox(OutboxKind.NOTIFICATION)
    assert sent.status == OutboxStatus.SENT


def _approval(created_hours_ago: float) -> Approval:
    created = utcnow() - timedelta(hours=created_hours_ago)
    return Approval(
        execution_id="exe_esc",
        workflow_id="billing",
        node_id="approval",
        email_id="eml_1",
        priority="high",
        created_at=created,
        escalate_at=created + timedelta(minutes=30),
        on_timeout="notify",
        escalate_to="#billing-leads",
        classification=Classification(
            category="billing",
            category_confidence=0.9,
            priority="high",
            priority_confidence=0.9,
            sentiment="negative",
            sentiment_confidence=0.9,
            language="en",
            language_confidence=0.9,
            provider="test",
            model="test",
        ),
        draft=DraftReply(
            subject="Re: charged twice", body="…", confidence=0.8, provider="t", model="t"
        ),
    )


def test_an_escalation_parked_when_its_retries_run_out_and_delivered_on_the_next_sweep(
    receiver: LoopbackServer, webhook_settings: Settings, webhook_store: Store
) -> None:
    receiver.answer(scripted(500))
    webhook_store.create_approval(_approval(created_hours_ago=2))
    notifier = WebhookNotifier(
        f"{receiver.url}/hooks/mailroom?token={URL_TOKEN}",
        WEBHOOK_SECRET,
        backoff=Backoff(attempts=2, initial_seconds=0.25),
        sleep=lambda _: None,
    )
    with pytest.raises(ServerError):
        escalate_due_approvals(webhook_store, notifier, "w1", utcnow)

    service = MailroomService(webhook_store)
    parked = service.list_deliveries(MANAGER, outcome="parked")
    assert parked.total == 1
    [last] = parked.records
    assert (last.attempt, last.status_code, last.next_retry_at) == (2, 500, None)
    assert last.outbox_id.startswith("escalation:") and last.execution_id == "exe_esc"
    [first] = service.list_deliveries(MANAGER, outcome=DeliveryOutcome.FAILED).records
    assert first.attempt == 1 and first.next_retry_at == first.at + timedelta(seconds=0.25)

    # The next sweep tries the same message again: its attempts number on from the log.
    receiver.answer(scripted(200))
    assert escalate_due_approvals(webhook_store, notifier, "w1", utcnow) == 1
    page = service.list_deliveries(MANAGER, execution_id="exe_esc")
    assert [(r.attempt, r.outcome) for r in page.records] == [
        (3, DeliveryOutcome.DELIVERED),
        (2, DeliveryOutcome.PARKED),
        (1, DeliveryOutcome.FAILED),
    ]
    _no_secret_in(page.records, WEBHOOK_SECRET, URL_TOKEN)


def test_slack_rate_limit_then_delivery_is_logged_without_the_token(tmp_path: Path) -> None:
    answers = [Reply(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "0"})]

    def slack_api(request: Request) -> Reply:
        if request.headers.get("authorization") != f"Bearer {SLACK_TOKEN}":
            return Reply(200, {"ok": False, "error": "invalid_auth"})
        if answers:
            return answers.pop(0)
        return Reply(200, {"ok": True, "channel": "C1", "ts": "1715000000.000100"})

    with loopback_server(slack_api) as slack:
        settings = _settings(
            tmp_path,
            notifier="slack",
            slack_bot_token=SecretStr(SLACK_TOKEN),
            slack_channel="#support-urgent",
            slack_api_base=f"{slack.url}/api/",
        )
        for store in _store(settings):
            result = _run_notification_workflow(store, settings)
            assert result.status == ExecutionStatus.COMPLETED
            page = MailroomService(store).list_deliveries(MANAGER, channel="slack")
    second, first = page.records
    assert (first.attempt, first.outcome, first.status_code) == (1, DeliveryOutcome.FAILED, 429)
    assert first.next_retry_at is not None and first.target == "#billing-team"
    assert (second.attempt, second.outcome, second.status_code) == (
        2,
        DeliveryOutcome.DELIVERED,
        200,
    )
    _no_secret_in(page.records, SLACK_TOKEN)


def test_agents_and_analysts_may_not_read_the_delivery_log(webhook_store: Store) -> None:
    service = MailroomService(webhook_store)
    for role in (Role.AGENT, Role.ANALYST):
        with pytest.raises(PermissionDenied):
            service.list_deliveries(Actor("someone", role))
    assert service.list_deliveries(Actor("alice", Role.ADMIN)).total == 0
    with pytest.raises(ValueError):
        service.list_deliveries(MANAGER, outcome="lost")
