"""A notification goes to the channel its node (or its escalation) names, not the notifier's
default: checked on the wire, against a loopback Slack Web API spoken to by the official SDK."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from pydantic import SecretStr

from engine.adapters import build_providers
from engine.escalation import escalate_due_approvals
from engine.executor import Executor
from engine.models import (
    Approval,
    ExecutionStatus,
    OutboxKind,
    OutboxStatus,
    VisualData,
    Workflow,
    WorkflowStatus,
    utcnow,
)
from engine.seed import DEFAULT_WORKFLOW_ID, _link, _node
from engine.settings import Settings
from engine.store.base import Store
from engine.store.sqlite import SQLiteStore
from engine.worker import Worker
from providers.ai.base import Classification, DraftReply
from tests.loopback_http import LoopbackServer, Reply, Request, loopback_server

DEFAULT_CHANNEL = "#support-urgent"


def _slack_api(request: Request) -> Reply:
    if request.headers.get("authorization") != "Bearer xoxb-test":
        return Reply(200, {"ok": False, "error": "invalid_auth"})
    sent = json.loads(request.body)
    return Reply(200, {"ok": True, "channel": sent["channel"], "ts": "1715000000.000100"})


@pytest.fixture
def slack() -> Iterator[LoopbackServer]:
    with loopback_server(_slack_api) as server:
        yield server


@pytest.fixture
def slack_settings(tmp_path: Path, slack: LoopbackServer) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        models_dir=tmp_path / "models",
        worker_lease_seconds=5,
        notifier="slack",
        slack_bot_token=SecretStr("xoxb-test"),
        slack_channel=DEFAULT_CHANNEL,
        slack_api_base=f"{slack.url}/api/",
    )


@pytest.fixture
def slack_store(slack_settings: Settings) -> Iterator[Store]:
    store = SQLiteStore(slack_settings.database_file)
    store.setup()
    yield store
    store.close()


def _posted_channels(slack: LoopbackServer) -> list[str]:
    return [
        request.json()["channel"]
        for request in slack.requests
        if request.path == "/api/chat.postMessage"
    ]


def test_a_notification_node_posts_to_its_own_channel(
    slack: LoopbackServer, slack_settings: Settings, slack_store: Store
) -> None:
    trigger = _node(
        "trigger", "email_trigger", "Mail", 0, 0, mailbox="billing@x.example", batch_size=1,
        max_emails=1,
    )  # fmt: skip
    notify = _node("tell", "notification", "Tell billing", 0, 0, channel="#billing-team")
    slack_store.save_workflow(
        Workflow(
            workflow_id="billing",
            name="Billing",
            status=WorkflowStatus.ACTIVE,
            visual_data=VisualData(nodes=[trigger, notify], connections=[_link("trigger", "tell")]),
        )
    )
    providers = build_providers(slack_settings)
    Worker(slack_store, providers, slack_settings).poll_triggers()
    now = utcnow()
    claimed = slack_store.claim_execution("w1", now + timedelta(seconds=30), now)
    assert claimed is not None
    result = Executor(slack_store, providers, slack_settings, sleep=lambda _: None).run(claimed)

    assert result.status == ExecutionStatus.COMPLETED
    assert _posted_channels(slack) == ["#billing-team"]
    [recorded] = slack_store.list_outbox(OutboxKind.NOTIFICATION)
    assert recorded.channel == "#billing-team" and recorded.status == OutboxStatus.SENT


def test_an_escalation_posts_to_the_channel_it_names(
    slack: LoopbackServer, slack_settings: Settings, slack_store: Store
) -> None:
    created = utcnow() - timedelta(hours=2)
    slack_store.create_approval(
        Approval(
            execution_id="exe_1",
            workflow_id=DEFAULT_WORKFLOW_ID,
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
    )
    notifier = build_providers(slack_settings).notifier
    assert escalate_due_approvals(slack_store, notifier, "w1", utcnow) == 1

    assert _posted_channels(slack) == ["#billing-leads"]
    [recorded] = slack_store.list_outbox(OutboxKind.NOTIFICATION)
    assert recorded.channel == "#billing-leads" and recorded.status == OutboxStatus.SENT
