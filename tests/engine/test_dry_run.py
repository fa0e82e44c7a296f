"""A dry run runs the real executor and node types over stored emails and changes nothing live."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import REGISTRY

from engine.adapters import ProviderSet
from engine.mail.triggers import poll_trigger, trigger_nodes
from engine.models import TriggeredBy, Workflow
from engine.seed import DEFAULT_WORKFLOW_ID
from engine.service import (
    Actor,
    EmailChoice,
    MailroomService,
    NotFound,
    PermissionDenied,
    Role,
)
from engine.settings import Settings
from engine.store.base import Store
from engine.worker import Worker
from engine.workflow_edit import with_node_config
from providers.email.base import EmailSender, OutgoingEmail, SendReceipt
from providers.notify.base import (
    AttemptListener,
    DeliveryReceipt,
    Notification,
    Notifier,
    ignore_attempt,
)

MANAGER = Actor("maria", Role.MANAGER)
AGENT = Actor("alice", Role.AGENT)
MONEY = ["billing", "refund"]
LIVE_TABLES = ("executions", "approvals", "outbox", "rollups")


class RefusingSender(EmailSender):
    """The live sender: a dry run must never reach it."""

    def __init__(self) -> None:
        self.calls = 0

    def send(self, email: OutgoingEmail) -> SendReceipt:
        self.calls += 1
        raise AssertionError("a dry run sent an email")

    def find_sent(self, message_id: str) -> SendReceipt | None:
        self.calls += 1
        raise AssertionError("a dry run asked the live sender")


class RefusingNotifier(Notifier):
    channel = "#live"

    def __init__(self) -> None:
        self.calls = 0

    def notify(
        self, notification: Notification, on_attempt: AttemptListener = ignore_attempt
    ) -> DeliveryReceipt:
        self.calls += 1
        raise AssertionError("a dry run notified a channel")


@pytest.fixture
def live(providers: ProviderSet) -> ProviderSet:
    providers.sender = RefusingSender()
    providers.notifier = RefusingNotifier()
    return providers


@pytest.fixture
def service(store: Store, settings: Settings, live: ProviderSet) -> MailroomService:
    return MailroomService(store, settings=settings, providers=lambda: live)


def ingest_demo_emails(store: Store, providers: ProviderSet, count: int) -> None:
    """``count`` demo emails stored as the trigger stores them (each with a pending execution)."""
    workflow = store.get_workflow(DEFAULT_WORKFLOW_ID)
    node = trigger_nodes(workflow)[0]
    result = poll_trigger(
        store,
        providers,
        workflow,
        node.model_copy(update={"config": {**node.config, "max_emails": None}}),
        owner="test",
        limit=count,
        triggered_by=TriggeredBy.MANUAL,
    )
    assert result.ingested == count


def snapshot(database: Path) -> dict[str, list[Any]]:
    """Every row of the live tables a dry run must not write."""
    with sqlite3.connect(database) as db:
        return {
            table: sorted(db.execute(f"SELECT * FROM {table}").fetchall(), key=repr)
            for table in LIVE_TABLES
        }


def counted() -> dict[str, float]:
    """This process's Prometheus samples of executions, node runs and provider calls."""
    return {
        f"{sample.name}{sorted(sample.labels.items())}": sample.value
        for metric in REGISTRY.collect()
        if metric.name
        in (
            "mailroom_executions_finished",
            "mailroom_provider_calls",
            "mailroom_node_duration_seconds",
        )
        for sample in metric.samples
    }


def money_condition(workflow: Workflow) -> Workflow:
    """The default workflow with its 'Urgent?' condition changed to billing or refund emails."""
    return with_node_config(
        workflow,
        "is_urgent",
        {"field": "classification.category", "operator": "in", "value": MONEY},
    )


def test_a_changed_condition_over_200_emails_counts_its_branches_and_changes_nothing(
    service: MailroomService, store: Store, live: ProviderSet, settings: Settings
) -> None:
    ingest_demo_emails(store, live, 200)
    stored = store.get_workflow(DEFAULT_WORKFLOW_ID)
    before = snapshot(settings.database_file)
    audit_before = len(store.list_audit(limit=1000))
    files_before = sorted(p.name for p in settings.data_dir.rglob("*") if p.is_file())

    report = service.dry_run_workflow(
        MANAGER, DEFAULT_WORKFLOW_ID, EmailChoice(limit=200), edited=money_condition(stored)
    )

    assert report.edited and report.summary.emails == len(report.emails) == 200
    categories = []
    for trace in report.emails:
        classified = next(n for n in trace.nodes if n.node_id == "classify")
        category = classified.output["classification"]["category"]
        categories.append(category)
        (condition,) = trace.conditions
        assert (condition.field, condition.value) == ("classification.category", category)
        assert condition.result is (category in MONEY)
        assert condition.branch == ("true" if category in MONEY else "false")
        alerted = "notify_urgent" in trace.path
        assert alerted is (category in MONEY)
        assert [w.kind for w in trace.would_send] == (["notification"] if alerted else [])
        assert trace.path[-1] == "approval" and trace.outcome == "waiting"
    money = sum(1 for c in categories if c in MONEY)
    assert 0 < money < 200  # the demo mix has both, so both branches are exercised
    summary = report.summary
    assert summary.branches["is_urgent"] == {"true": money, "false": 200 - money}
    assert summary.branches["approval"] == {"waiting": 200}
    assert summary.terminals == {"approval": 200}
    assert summary.would_send == {"notification": money}
    assert summary.outcomes == {"waiting": 200} and summary.node_errors == 0

    # Nothing live changed: no row, no file, no provider call, the stored version as it was.
    assert snapshot(settings.database_file) == before
    assert sorted(p.name for p in settings.data_dir.rglob("*") if p.is_file()) == files_before
    assert isinstance(live.sender, RefusingSender) and live.sender.calls == 0
    assert isinstance(live.notifier, RefusingNotifier) and live.notifier.calls == 0
    assert store.get_workflow(DEFAULT_WORKFLOW_ID) == stored
    audit = store.list_audit(limit=1000)
    assert len(audit) == audit_before + 1
    assert audit[0].action == "dry_run_workflow" and audit[0].actor == "maria"


def test_assumed_approvals_show_the_replies_that_would_be_sent(
    service: MailroomService, store: Store, live: ProviderSet, settings: Settings
) -> None:
    ingest_demo_emails(store, live, 6)
    chosen = [email.email_id for email in store.list_emails(limit=3)]
    before = snapshot(settings.database_file)
    counted_before = counted()

    approved = service.dry_run_workflow(
        MANAGER, DEFAULT_WORKFLOW_ID, EmailChoice(email_ids=tuple(chosen)), approvals="approved"
    )
    rejected = service.dry_run_workflow(
        MANAGER, DEFAULT_WORKFLOW_ID, EmailChoice(email_ids=tuple(chosen)), approvals="rejected"
    )

    assert [t.email_id for t in approved.emails] == chosen
    assert not approved.edited and approved.workflow_version == 1
    for email_id, trace in zip(chosen, approved.emails, strict=True):
        email = store.get_email(email_id)
        assert email is not None
        (reply,) = [w for w in trace.would_send if w.kind == "reply"]
        assert reply.to == email.from_address and reply.node_id == "send"
        assert (
            reply.body
            == trace.nodes[[n.node_id for n in trace.nodes].index("draft")].output["draft"]["body"]
        )
        assert trace.outcome == "completed" and trace.terminal_nodes == ["send"]
    assert approved.summary.branches["approval"] == {"approved": 3}
    assert approved.summary.would_send.get("reply") == 3
    assert rejected.summary.branches["approval"] == {"rejected": 3}
    assert rejected.summary.terminals == {"approval": 3}
    assert "reply" not in rejected.summary.would_send
    assert snapshot(settings.database_file) == before
    assert counted() == counted_before  # the process's metrics saw no send, node or execution


def test_a_saved_version_runs_as_stored_and_a_condition_on_a_missing_field_goes_false(
    service: MailroomService, store: Store, live: ProviderSet
) -> None:
    ingest_demo_emails(store, live, 4)
    stored = store.get_workflow(DEFAULT_WORKFLOW_ID)
    missing = with_node_config(
        stored, "is_urgent", {"field": "classification.nothing", "operator": "exists"}
    )
    report = service.dry_run_workflow(
        MANAGER, DEFAULT_WORKFLOW_ID, EmailChoice(limit=4), edited=missing
    )
    assert report.summary.branches["is_urgent"] == {"false": 4}
    assert all(t.conditions[0].value is None for t in report.emails)


def test_only_workflow_editors_may_dry_run_and_unknown_emails_are_named(
    service: MailroomService, store: Store, live: ProviderSet
) -> None:
    with pytest.raises(PermissionDenied):
        service.dry_run_workflow(AGENT, DEFAULT_WORKFLOW_ID, EmailChoice(limit=5))
    with pytest.raises(NotFound, match="eml_nope"):
        service.dry_run_workflow(MANAGER, DEFAULT_WORKFLOW_ID, EmailChoice(email_ids=("eml_nope",)))
    with pytest.raises(ValueError, match="1 to 1000"):
        EmailChoice(limit=1001)


def test_emails_are_chosen_by_what_past_executions_classified(
    service: MailroomService, store: Store, live: ProviderSet, settings: Settings
) -> None:
    ingest_demo_emails(store, live, 8)
    Worker(store, live, settings).run_pending()
    ran = store.list_executions(limit=100)
    category = next(e.category for e in ran if e.category)
    expected = {e.email_id for e in ran if e.category == category}

    report = service.dry_run_workflow(
        MANAGER,
        DEFAULT_WORKFLOW_ID,
        EmailChoice(category=category, past_workflow_id=DEFAULT_WORKFLOW_ID, limit=100),
    )
    assert {t.email_id for t in report.emails} == expected
    one = service.dry_run_workflow(
        MANAGER, DEFAULT_WORKFLOW_ID, EmailChoice(category=category, limit=1)
    )
    assert len(one.emails) == 1
