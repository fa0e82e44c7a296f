"""The audit log: every human action, with who, when, what and before/after; admins read it;
nothing the app does changes or removes an entry (privacy erase aside, see test_privacy.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from engine.adapters import ProviderSet
from engine.models import ExecutionLog, TriggeredBy
from engine.seed import DEFAULT_WORKFLOW_ID
from engine.service import Actor, MailroomService, PermissionDenied, Role
from engine.settings import Settings
from engine.store.base import Store
from engine.worker import Worker
from engine.workflow_edit import with_node_config
from tests.engine.data_protection import ADMIN, AGENT

MANAGER = Actor("maria", Role.MANAGER)


def test_each_human_action_is_audited_with_actor_time_and_before_after(
    store: Store, providers: ProviderSet, settings: Settings
) -> None:
    service = MailroomService(store)
    worker = Worker(store, providers, settings)
    worker.poll_triggers()
    worker.run_pending()
    first, second = service.approval_queue(AGENT)[:2]

    service.record_sign_in(AGENT, "password")
    service.approve(AGENT, first.approval_id, body=first.draft.body + "\nEdited by Alice.")
    service.reject(AGENT, second.approval_id, reason="answered by phone")
    workflow = store.get_workflow(DEFAULT_WORKFLOW_ID)
    approval_node = workflow.visual_data.node("approval")
    service.save_workflow(
        MANAGER,
        with_node_config(workflow, "approval", {**approval_node.config, "sla_hours": 8}),
        "a longer SLA",
    )
    service.set_workflow_active(MANAGER, DEFAULT_WORKFLOW_ID, False)
    manual = ExecutionLog(
        workflow_id=DEFAULT_WORKFLOW_ID, workflow_version=1, triggered_by=TriggeredBy.MANUAL
    )
    store.create_execution(manual)
    early = store.list_audit()
    service.cancel(MANAGER, manual.execution_id)
    service.retry(MANAGER, manual.execution_id, "start_pinned")
    entries = {entry.action: entry for entry in service.audit_log(ADMIN, limit=1000)}
    customer = store.get_email(first.email_id)
    assert customer is not None
    service.erase_customer(ADMIN, customer.from_address)
    after_erase = {entry.audit_id: entry for entry in service.audit_log(ADMIN, limit=1000)}
    entries["privacy_erase"] = next(iter(after_erase.values()))
    expected: dict[str, tuple[Actor, dict[str, object] | None, dict[str, object]]] = {
        "sign_in": (AGENT, None, {"method": "password"}),
        "approval_approved": (AGENT, {"subject": first.draft.subject}, {"edited": True}),
        "approval_rejected": (AGENT, {"body": second.draft.body}, {"reason": "answered by phone"}),
        "save_workflow": (
            MANAGER,
            {"version": workflow.version},
            {"version": workflow.version + 1},
        ),
        "toggle_workflow": (MANAGER, {"status": "active"}, {"status": "off"}),
        "cancel": (MANAGER, {"status": "pending"}, {"status": "cancelled"}),
        "retry_start_pinned": (MANAGER, {"status": "cancelled"}, {"status": "pending"}),
        "privacy_erase": (ADMIN, {"emails": 1}, {}),
    }
    for action, (actor, before, after) in expected.items():
        entry = entries.get(action)
        assert entry is not None, f"{action} is not in the audit log"
        assert (entry.actor, entry.role) == (actor.name, actor.role.value), action
        assert entry.at.tzinfo is not None and entry.target, action
        if before is None:
            assert entry.before is None, action
        else:
            assert entry.before is not None and before.items() <= entry.before.items(), action
        assert entry.after is not None and after.items() <= entry.after.items(), action
    # The erased customer's approval entry keeps who, when and what, not the text.
    approved = after_erase[entries["approval_approved"].audit_id]
    assert approved.after == approved.before == {"erased": True}
    assert (approved.actor, approved.at) == (AGENT.name, entries["approval_approved"].at)
    # Every other earlier entry is unchanged by the later actions.
    for entry in early:
        if entry.target != first.approval_id:
            assert after_erase[entry.audit_id] == entry


def test_only_admins_read_the_audit_log(store: Store) -> None:
    service = MailroomService(store)
    for role in (Role.MANAGER, Role.AGENT, Role.ANALYST):
        with pytest.raises(PermissionDenied):
            service.audit_log(Actor("someone", role))
    assert service.audit_log(ADMIN) == []


def test_no_store_statement_changes_or_deletes_audit_rows_outside_erase_and_retention() -> None:
    """Append-only from the app's point of view: the only statements that touch stored audit
    entries are the privacy erase and the retention job (``MAILROOM_RETENTION_AUDIT_DAYS``)."""
    root = Path(__file__).parents[2] / "engine" / "store"
    sqlite_modules = [path.read_text() for path in sorted((root / "sqlite").glob("*.py"))]
    mongo = "".join(path.read_text() for path in sorted((root / "mongo").glob("*.py")))
    touching = {
        re.findall(r"\n    def (\w+)", module[: match.start()])[-1]
        for module in sqlite_modules
        for match in re.finditer(r"(UPDATE|DELETE FROM|REPLACE INTO) audit\b", module)
    }
    assert touching == {"erase_customer"}
    assert mongo.count("self._audit.replace_one") + mongo.count("self._audit.update") == 0
    assert mongo.count("self._audit.delete") == 0
