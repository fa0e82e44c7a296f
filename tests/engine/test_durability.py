"""Durable execution on the real SQLite store: parallel branches, joins, timeouts, crashes,
keyed side effects, retry modes, bulk controls, run-now, approval escalation, shutdown."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

import tests.engine.probe_nodes as probes
from engine.adapters import ProviderSet
from engine.escalation import escalate_due_approvals
from engine.executor import Executor
from engine.lease import LeaseLost
from engine.models import (
    ApprovalStatus,
    Connection,
    ExecutionLog,
    ExecutionStatus,
    NodeStatus,
    OutboxKind,
    OutboxMessage,
    OutboxStatus,
    VisualData,
    Workflow,
    WorkflowNode,
    WorkflowStatus,
    utcnow,
)
from engine.nodes.approval import ApprovalConfig
from engine.seed import DEFAULT_WORKFLOW_ID, _link, _node
from engine.service import Actor, ControlRefused, MailroomService, Role
from engine.settings import Settings
from engine.side_effects import perform_once
from engine.store.base import Store
from engine.worker import Worker
from providers.ai.local import LocalAIProvider
from providers.email.base import EmailSender, OutgoingEmail, SendReceipt
from providers.email.demo_outbox import DemoOutbox
from providers.errors import PermanentProviderError
from tests.engine.fakes import ScriptedAI

MANAGER = Actor("maria", Role.MANAGER)


def _probe(node_id: str, **config: Any) -> WorkflowNode:
    extra: dict[str, Any] = {k: config.pop(k) for k in ("join", "timeout_seconds") if k in config}
    return _node(node_id, "test_probe", node_id, 0, 0, **config).model_copy(update=extra)


def _install(store: Store, nodes: list[WorkflowNode], links: list[Connection]) -> Workflow:
    """A workflow of probes after a demo trigger that delivers one email; the default off."""
    store.set_workflow_status(DEFAULT_WORKFLOW_ID, WorkflowStatus.OFF)
    trigger = _node(
        "trigger", "email_trigger", "Mail", 0, 0, mailbox="probe@x.example", batch_size=1,
        max_emails=1,
    )  # fmt: skip
    workflow = Workflow(
        workflow_id="probe",
        name="Probe",
        status=WorkflowStatus.ACTIVE,
        visual_data=VisualData(nodes=[trigger, *nodes], connections=links),
    )
    return store.save_workflow(workflow)


def _claim(store: Store, owner: str = "w1", seconds: float = 30) -> ExecutionLog:
    now = utcnow()
    claimed = store.claim_execution(owner, now + timedelta(seconds=seconds), now)
    assert claimed is not None
    return claimed


def _run_one(store: Store, providers: ProviderSet, settings: Settings) -> ExecutionLog:
    Worker(store, providers, settings).poll_triggers()
    return Executor(store, providers, settings, sleep=lambda _: None).run(_claim(store))


# --- graph semantics ---------------------------------------------------------------------------
def _diamond(join: str = "all") -> tuple[list[WorkflowNode], list[Connection]]:
    nodes = [_probe("a", gate="g"), _probe("b", gate="g"), _probe("j", join=join)]
    links = [_link("trigger", "a"), _link("trigger", "b"), _link("a", "j"), _link("b", "j")]
    return nodes, links


def test_parallel_branches_run_at_the_same_time_and_join_once(
    store: Store, providers: ProviderSet, settings: Settings
) -> None:
    probes.GATES.clear()
    _install(store, *_diamond())
    result = _run_one(store, providers, settings)
    assert result.status == ExecutionStatus.COMPLETED, result.error
    assert probes.RUNS[result.execution_id] in (["a", "b", "j"], ["b", "a", "j"])


def test_with_one_node_at_a_time_the_branches_cannot_meet(
    store: Store, providers: ProviderSet, settings: Settings
) -> None:
    """The control for the test above: the gate really needs both branches at once."""
    probes.GATES.clear()
    _install(store, *_diamond())
    result = _run_one(store, providers, settings.model_copy(update={"node_parallelism": 1}))
    assert result.status == ExecutionStatus.FAILED
    assert "did not run at the same time" in (result.error or "")


@pytest.mark.parametrize("join", ["all", "any"])
def test_join_all_waits_for_every_input_and_any_for_the_first(
    join: str, store: Store, providers: ProviderSet, settings: Settings
) -> None:
    nodes = [_probe("fast"), _probe("slow", sleep_seconds=0.4), _probe("j", join=join)]
    links = [
        _link("trigger", "fast"),
        _link("trigger", "slow"),
        _link("fast", "j"),
        _link("slow", "j"),
    ]
    _install(store, nodes, links)
    result = _run_one(store, providers, settings)
    assert result.status == ExecutionStatus.COMPLETED
    joined, slow = result.node_run("j"), result.node_run("slow")
    assert joined.started_at is not None and slow.completed_at is not None
    if join == "all":
        assert joined.started_at >= slow.completed_at
    else:
        assert joined.started_at < slow.completed_at
    assert probes.RUNS[result.execution_id].count("j") == 1


def test_a_branch_that_does_not_fire_is_skipped_and_the_join_still_runs(
    store: Store, providers: ProviderSet, settings: Settings
) -> None:
    nodes = [_probe("choose", fire=["other"]), _probe("a"), _probe("b"), _probe("j")]
    links = [
        _link("trigger", "choose"),
        _link("choose", "a", "main"),
        _link("choose", "b", "other"),
        _link("a", "j"),
        _link("b", "j"),
    ]
    _install(store, nodes, links)
    result = _run_one(store, providers, settings)
    assert result.status == ExecutionStatus.COMPLETED
    assert result.node_run("a").status == NodeStatus.SKIPPED
    assert result.node_run("b").status == NodeStatus.COMPLETED
    assert result.node_run("j").status == NodeStatus.COMPLETED


def test_a_node_past_its_timeout_fails_the_execution_into_the_dead_letters(
    store: Store, providers: ProviderSet, settings: Settings
) -> None:
    nodes = [_probe("sleepy", sleep_seconds=3, timeout_seconds=0.2), _probe("after")]
    _install(store, nodes, [_link("trigger", "sleepy"), _link("sleepy", "after")])
    result = _run_one(store, providers, settings)
    assert result.status == ExecutionStatus.FAILED
    run = result.node_run("sleepy")
    assert run.status == NodeStatus.FAILED and "TimeoutError" in (run.error or "")
    assert "0.2s" in (run.error or "")
    assert result.node_run("after").status == NodeStatus.WAITING
    [dead] = MailroomService(store).dead_letters(MANAGER)
    assert dead.execution_id == result.execution_id and dead.error == run.error


# --- crashes and leases ------------------------------------------------------------------------
def test_a_node_left_running_by_a_dead_worker_runs_again_on_the_next_claim(
    store: Store, providers: ProviderSet, settings: Settings
) -> None:
    Worker(store, providers, settings).poll_triggers()
    dying = _claim(store, owner="dead", seconds=-1)
    trigger = dying.node_run("trigger")
    trigger.status, trigger.active_outputs = NodeStatus.COMPLETED, ["main"]
    dying.node_run("classify").status = NodeStatus.RUNNING  # it died inside classify
    assert store.write_execution(dying, owner="dead", attempt=dying.attempt)
    assert store.release_expired_leases(utcnow()) == 1

    taken = _claim(store, owner="alive")
    assert taken.execution_id == dying.execution_id and taken.attempt == dying.attempt + 1
    result = Executor(store, providers, settings).run(taken)
    assert result.status == ExecutionStatus.WAITING  # on to the approval, not "completed"
    assert result.node_run("classify").status == NodeStatus.COMPLETED
    assert result.node_run("draft").status == NodeStatus.COMPLETED


def test_a_worker_that_lost_its_lease_sends_nothing(
    store: Store,
    make_providers: Callable[..., ProviderSet],
    settings: Settings,
    local_ai: LocalAIProvider,
) -> None:
    holder: dict[str, ExecutionLog] = {}

    def lose_the_lease() -> None:
        # While this worker drafts, its lease expires and another worker claims the execution.
        store.update_execution_if(
            holder["x"].execution_id,
            statuses=[ExecutionStatus.RUNNING],
            changes={"lease_until": utcnow() - timedelta(seconds=1)},
        )
        store.release_expired_leases(utcnow())
        _claim(store, owner="thief")

    providers = make_providers(ScriptedAI(local_ai, on_draft=lose_the_lease))
    store.set_workflow_status(DEFAULT_WORKFLOW_ID, WorkflowStatus.OFF)
    from bench.chaos import chaos_workflow  # the same graph without approval

    store.save_workflow(chaos_workflow(emails=1, seed=3))
    Worker(store, providers, settings).poll_triggers()
    holder["x"] = _claim(store)
    with pytest.raises(LeaseLost):
        Executor(store, providers, settings).run(holder["x"])
    assert DemoOutbox(settings.demo_outbox_dir).list_sent() == []
    assert store.count_outbox(OutboxKind.REPLY) == 0


# --- keyed side effects ------------------------------------------------------------------------
class _BlindSender(EmailSender):
    """A sender that cannot look messages up (as plain SMTP cannot)."""

    def __init__(self, inner: DemoOutbox) -> None:
        self.inner = inner

    def send(self, email: OutgoingEmail) -> SendReceipt:
        return self.inner.send(email)


def _reply(message_id: str = "<r1@mailroom.example>") -> OutgoingEmail:
    return OutgoingEmail(
        message_id=message_id,
        from_address="support@mailroom.example",
        to_address="customer@example.com",
        subject="Re: hello",
        body_text="Hello",
    )


def _outbox_record(key: str = "reply:exe_1:send") -> OutboxMessage:
    return OutboxMessage(
        idempotency_key=key,
        kind=OutboxKind.REPLY,
        execution_id="exe_1",
        workflow_id="wf",
        channel="email",
        to="customer@example.com",
        subject="Re: hello",
        body="Hello",
    )


@pytest.mark.parametrize("delivered_before_crash", [True, False])
def test_a_send_whose_outcome_a_crash_hid_is_settled_by_asking_the_provider(
    delivered_before_crash: bool, store: Store, tmp_path: Path
) -> None:
    outbox = DemoOutbox(tmp_path / "outbox")
    message, email = _outbox_record(), _reply()
    assert store.reserve_outbox(message)  # the crashed attempt reserved the key ...
    if delivered_before_crash:
        outbox.send(email)  # ... and maybe reached the provider, then died
    calls: list[str] = []

    def send() -> str:
        calls.append("send")
        return outbox.send(email).provider_message_id

    def confirm() -> str | None:
        receipt = outbox.find_sent(email.message_id)
        return receipt.provider_message_id if receipt else None

    record = perform_once(store, message, send, utcnow, confirm=confirm)
    assert record.status == OutboxStatus.SENT
    assert calls == ([] if delivered_before_crash else ["send"])
    assert len(outbox.list_sent()) == 1 and outbox.duplicates() == []
    stored = store.get_outbox(message.idempotency_key)
    assert stored is not None and stored.status == OutboxStatus.SENT
    # Done is done: a later retry does nothing.
    perform_once(store, message, send, utcnow, confirm=confirm)
    assert len(outbox.list_sent()) == 1


def test_a_sender_that_cannot_look_up_resends_and_the_outbox_counts_the_duplicate(
    store: Store, tmp_path: Path
) -> None:
    """Shows the chaos measure is real: without a lookup, the crash window doubles a reply."""
    outbox = DemoOutbox(tmp_path / "outbox")
    blind = _BlindSender(outbox)
    message, email = _outbox_record(), _reply()
    assert store.reserve_outbox(message)
    blind.send(email)  # delivered, then the worker died before recording it
    assert blind.find_sent(email.message_id) is None
    perform_once(
        store,
        message,
        lambda: blind.send(email).provider_message_id,
        utcnow,
        confirm=lambda: None,
    )
    assert len(outbox.duplicates()) == 1


def test_no_side_effect_without_the_lease(store: Store) -> None:
    def refuse() -> None:
        raise LeaseLost("exe_1")

    def act() -> str:
        raise AssertionError("must not be called")

    with pytest.raises(LeaseLost):
        perform_once(store, _outbox_record(), act, utcnow, ensure_lease=refuse)


# --- controls ------------------------------------------------------------------------------------
def _failing_at_classify(
    store: Store,
    make_providers: Callable[..., ProviderSet],
    settings: Settings,
    local_ai: LocalAIProvider,
) -> tuple[ExecutionLog, ScriptedAI, ProviderSet]:
    ai = ScriptedAI(local_ai, classify_errors=[PermanentProviderError("bad request")])
    providers = make_providers(ai)
    Worker(store, providers, settings).poll_triggers()
    failed = Executor(store, providers, settings).run(_claim(store))
    assert failed.status == ExecutionStatus.FAILED
    return failed, ai, providers


def test_retry_from_the_start_on_the_pinned_version(
    store: Store,
    make_providers: Callable[..., ProviderSet],
    settings: Settings,
    local_ai: LocalAIProvider,
) -> None:
    failed, _ai, providers = _failing_at_classify(store, make_providers, settings, local_ai)
    trigger_done = failed.node_run("trigger").completed_at
    current = store.get_workflow(DEFAULT_WORKFLOW_ID)
    store.save_workflow(current.model_copy(update={"description": "version 2"}))

    retried = MailroomService(store).retry(MANAGER, failed.execution_id, "start_pinned")
    assert retried.workflow_version == failed.workflow_version == 1
    assert retried.node_executions == []
    result = Executor(store, providers, settings).run(_claim(store))
    assert result.status == ExecutionStatus.WAITING
    assert result.node_run("trigger").completed_at != trigger_done  # ran again


def test_retry_from_the_start_on_the_current_version(
    store: Store,
    make_providers: Callable[..., ProviderSet],
    settings: Settings,
    local_ai: LocalAIProvider,
) -> None:
    failed, _ai, providers = _failing_at_classify(store, make_providers, settings, local_ai)
    current = store.get_workflow(DEFAULT_WORKFLOW_ID)
    # Version 2 adds a branch: only an execution on version 2 runs it.
    nodes = [*current.visual_data.nodes, _node("tag", "transform", "Tag", 200, 200)]
    links = [*current.visual_data.connections, _link("trigger", "tag")]
    version2 = store.save_workflow(
        current.model_copy(update={"visual_data": VisualData(nodes=nodes, connections=links)})
    )
    retried = MailroomService(store).retry(MANAGER, failed.execution_id, "start_current")
    assert retried.workflow_version == version2.version == 2
    result = Executor(store, providers, settings).run(_claim(store))
    assert result.status == ExecutionStatus.WAITING  # on to the approval
    assert result.node_run("tag").status == NodeStatus.COMPLETED


def test_retry_refuses_unknown_modes_and_running_executions(
    store: Store, providers: ProviderSet, settings: Settings
) -> None:
    Worker(store, providers, settings).poll_triggers()
    execution = store.list_executions()[0]
    service = MailroomService(store)
    with pytest.raises(ControlRefused, match="unknown retry mode"):
        service.retry(MANAGER, execution.execution_id, "sideways")  # type: ignore[arg-type]
    with pytest.raises(ControlRefused, match="cannot retry failed node an execution that is"):
        service.retry(MANAGER, execution.execution_id, "failed_node")


def test_pause_all_and_resume_all(store: Store, providers: ProviderSet, settings: Settings) -> None:
    service = MailroomService(store)
    Worker(store, providers, settings).poll_triggers()  # two pending executions
    running = _claim(store)
    assert service.pause_all(MANAGER, DEFAULT_WORKFLOW_ID) == 2
    assert store.claim_execution("w2", utcnow() + timedelta(seconds=5), utcnow()) is None
    paused = Executor(store, providers, settings).run(running)  # the running one stops too
    assert paused.status == ExecutionStatus.PAUSED
    counts = store.count_executions_by_status(DEFAULT_WORKFLOW_ID)
    assert counts == {"paused": 2}
    assert service.resume_all(MANAGER, DEFAULT_WORKFLOW_ID) == 2
    assert store.count_executions_by_status(DEFAULT_WORKFLOW_ID) == {"pending": 2}
    actions = [entry.action for entry in store.list_audit()]
    assert actions[:2] == ["resume_all", "pause_all"]


def test_run_now_polls_at_once_and_only_once_per_request(
    store: Store, providers: ProviderSet, settings: Settings
) -> None:
    service = MailroomService(store)
    worker = Worker(store, providers, settings)
    assert worker.check_run_requests() == 0  # nobody asked
    service.run_now(MANAGER, DEFAULT_WORKFLOW_ID)
    assert worker.check_run_requests() == 2  # the trigger's batch of two
    assert worker.check_run_requests() == 0
    service.set_workflow_active(MANAGER, DEFAULT_WORKFLOW_ID, False)
    with pytest.raises(ControlRefused, match="is off"):
        service.run_now(MANAGER, DEFAULT_WORKFLOW_ID)


# --- approval timeouts -------------------------------------------------------------------------
def _waiting_on_approval(
    store: Store, providers: ProviderSet, settings: Settings, **approval_config: Any
) -> ExecutionLog:
    workflow = store.get_workflow(DEFAULT_WORKFLOW_ID)
    nodes = [
        n.model_copy(update={"config": {**n.config, **approval_config}})
        if n.node_id == "approval"
        else n
        for n in workflow.visual_data.nodes
    ]
    store.save_workflow(
        workflow.model_copy(
            update={"visual_data": workflow.visual_data.model_copy(update={"nodes": nodes})}
        )
    )
    result = _run_one(store, providers, settings)
    assert result.status == ExecutionStatus.WAITING
    return result


def _later(minutes: float) -> Callable[[], Any]:
    at = utcnow() + timedelta(minutes=minutes)
    return lambda: at


def test_approval_timeout_notifies_once(
    store: Store, providers: ProviderSet, settings: Settings
) -> None:
    waiting = _waiting_on_approval(
        store, providers, settings, timeout_minutes=30, escalate_to="#leads"
    )
    notifier = providers.notifier
    assert escalate_due_approvals(store, notifier, "w1", _later(10)) == 0  # not yet
    assert escalate_due_approvals(store, notifier, "w1", _later(31)) == 1
    assert escalate_due_approvals(store, notifier, "w2", _later(40)) == 0  # once
    [sent] = [m for m in store.list_outbox(OutboxKind.NOTIFICATION) if m.channel == "#leads"]
    assert sent.status == OutboxStatus.SENT and sent.execution_id == waiting.execution_id
    approval = store.find_approval(waiting.execution_id, "approval")
    assert approval is not None and approval.status == ApprovalStatus.PENDING
    assert approval.escalated_at is not None


def test_an_sla_breach_escalates_when_the_workflow_asks_for_it(
    store: Store, providers: ProviderSet, settings: Settings
) -> None:
    half_hour = {f"{p}sla_hours": 0.5 for p in ("", "urgent_", "high_", "low_")}
    waiting = _waiting_on_approval(
        store, providers, settings, escalate_on_sla_breach=True, escalate_to="#leads", **half_hour
    )
    approval = store.find_approval(waiting.execution_id, "approval")
    assert approval is not None and approval.escalate_at == approval.due_at
    notifier = providers.notifier
    assert escalate_due_approvals(store, notifier, "w1", _later(20)) == 0  # within the SLA
    assert escalate_due_approvals(store, notifier, "w1", _later(31)) == 1  # breached
    assert [m.channel for m in store.list_outbox(OutboxKind.NOTIFICATION)] == ["#leads"]


def test_sla_per_priority_and_the_earlier_of_timeout_and_breach() -> None:
    config = ApprovalConfig(
        sla_hours=4, urgent_sla_hours=1, high_sla_hours=2, escalate_on_sla_breach=True
    )
    received = utcnow()
    assert [config.sla_for(p) for p in ("urgent", "high", "normal", "low")] == [1, 2, 4, 4]
    assert config.due_at("high", received) == received + timedelta(hours=2)
    due = config.due_at("normal", received)
    assert config.escalate_at(received, due) == due
    with_timeout = config.model_copy(update={"timeout_minutes": 30})
    assert with_timeout.escalate_at(received, due) == received + timedelta(minutes=30)
    assert ApprovalConfig().escalate_at(received, due) is None  # neither asked for


def test_approval_timeout_reassigns(
    store: Store, providers: ProviderSet, settings: Settings
) -> None:
    waiting = _waiting_on_approval(
        store, providers, settings, timeout_minutes=5, on_timeout="reassign", escalate_to="lead"
    )
    before = store.get_execution(waiting.execution_id)
    assert before is not None
    assert escalate_due_approvals(store, providers.notifier, "w1", _later(6)) == 1
    approval = store.find_approval(waiting.execution_id, "approval")
    assert approval is not None and approval.assigned_to == "lead"
    assert approval.status == ApprovalStatus.PENDING
    # The execution is marked changed (still waiting), so the API's live stream shows it.
    after = store.list_executions_changed(before.updated_at, waiting.workflow_id, 10)
    [changed] = [e for e in after if e.execution_id == waiting.execution_id]
    assert changed.status == ExecutionStatus.WAITING and changed.updated_at > before.updated_at


def test_approval_timeout_rejects_and_nothing_is_sent(
    store: Store, providers: ProviderSet, settings: Settings
) -> None:
    waiting = _waiting_on_approval(
        store, providers, settings, timeout_minutes=5, on_timeout="reject"
    )
    assert escalate_due_approvals(store, providers.notifier, "w1", _later(6)) == 1
    approval = store.find_approval(waiting.execution_id, "approval")
    assert approval is not None and approval.status == ApprovalStatus.REJECTED
    assert approval.decided_by == "mailroom"
    result = Executor(store, providers, settings).run(_claim(store))
    assert result.status == ExecutionStatus.COMPLETED
    assert result.node_run("send").status == NodeStatus.SKIPPED
    assert store.count_outbox(OutboxKind.REPLY) == 0
    assert any(e.action == "approval_escalated_reject" for e in store.list_audit())


def test_a_human_decision_beats_the_timeout(
    store: Store, providers: ProviderSet, settings: Settings
) -> None:
    waiting = _waiting_on_approval(
        store, providers, settings, timeout_minutes=5, on_timeout="reject"
    )
    approval = store.find_approval(waiting.execution_id, "approval")
    assert approval is not None
    MailroomService(store).approve(MANAGER, approval.approval_id)
    assert escalate_due_approvals(store, providers.notifier, "w1", _later(6)) == 0


def test_an_execution_whose_approval_was_decided_while_its_worker_died_finishes_after_the_sweep(
    store: Store, providers: ProviderSet, settings: Settings
) -> None:
    waiting = _waiting_on_approval(store, providers, settings)
    approval = store.find_approval(waiting.execution_id, "approval")
    assert approval is not None
    # The deciding process stores the decision, then dies before re-queueing the execution.
    decided = approval.model_copy(
        update={
            "status": ApprovalStatus.APPROVED,
            "final_subject": approval.draft.subject,
            "final_body": approval.draft.body,
            "decided_at": utcnow(),
            "decided_by": "bea",
        }
    )
    assert store.decide_approval(decided)
    worker = Worker(store, providers, settings)

    def status() -> ExecutionStatus | None:
        execution = store.get_execution(waiting.execution_id)
        return None if execution is None else execution.status

    worker.run_pending()
    assert status() == ExecutionStatus.WAITING  # nothing would ever run it again
    assert worker.sweep_decisions() == 1
    worker.run_pending()
    assert status() == ExecutionStatus.COMPLETED
    replies = store.list_outbox(OutboxKind.REPLY)
    assert [m.execution_id for m in replies].count(waiting.execution_id) == 1
    assert worker.sweep_decisions() == 0


def test_reassign_needs_someone_to_reassign_to() -> None:
    from engine.nodes.approval import ApprovalConfig

    with pytest.raises(ValueError, match="escalate_to must name the person"):
        ApprovalConfig(timeout_minutes=5, on_timeout="reassign")


# --- shutdown ----------------------------------------------------------------------------------
def test_stopping_lets_the_node_in_flight_finish_and_gives_the_rest_back(
    store: Store, providers: ProviderSet, settings: Settings
) -> None:
    nodes = [_probe("slow", sleep_seconds=0.5), _probe("after")]
    _install(store, nodes, [_link("trigger", "slow"), _link("slow", "after")])
    worker = Worker(store, providers, settings)
    worker.poll_triggers()
    runner = threading.Thread(target=worker.run_pending)
    runner.start()
    deadline = time.monotonic() + 10
    while not any(store.list_executions(statuses=[ExecutionStatus.RUNNING])):
        assert time.monotonic() < deadline
        time.sleep(0.01)
    time.sleep(0.1)  # inside the slow node
    worker.stop()
    runner.join()
    [execution] = store.list_executions(workflow_id="probe")
    assert execution.status == ExecutionStatus.PENDING and execution.owner is None
    assert execution.node_run("slow").status == NodeStatus.COMPLETED
    assert execution.node_run("after").status == NodeStatus.WAITING
