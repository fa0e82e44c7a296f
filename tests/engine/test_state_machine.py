"""The execution state machine under random interleavings of commands (hypothesis).

Mail arrives, workers run, workers crash inside nodes, people pause, resume, cancel, retry (each
mode), approve and reject — in any order. After every step the stored state must be one the
design allows, and no reply may ever have been delivered twice or without an approval. At the
end everything is drained: each execution finishes, and every approved one was answered once.
"""

from __future__ import annotations

import shutil
import tempfile
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    rule,
    run_state_machine_as_test,
)

from engine.adapters import ProviderSet, build_providers
from engine.models import (
    FINAL_EXECUTION_STATUSES,
    ApprovalStatus,
    ExecutionLog,
    ExecutionStatus,
    NodeStatus,
    OutboxKind,
    OutboxStatus,
    utcnow,
)
from engine.seed import seed
from engine.service import RETRY_MODES, Actor, ControlRefused, MailroomService, Role
from engine.settings import Settings
from engine.store.sqlite import SQLiteStore
from engine.worker import Worker
from providers.ai.local import LocalAIProvider
from providers.email.demo_outbox import DemoOutbox

AGENT = Actor("alice", Role.AGENT)
CONTROLLABLE = {
    "pause": {ExecutionStatus.PENDING, ExecutionStatus.WAITING, ExecutionStatus.RUNNING},
    "resume": {ExecutionStatus.PAUSED},
    "cancel": {
        ExecutionStatus.PENDING,
        ExecutionStatus.WAITING,
        ExecutionStatus.RUNNING,
        ExecutionStatus.PAUSED,
    },
    "retry": {ExecutionStatus.FAILED, ExecutionStatus.CANCELLED},
}


class ExecutionMachine(RuleBasedStateMachine):
    def __init__(self, local_ai: LocalAIProvider, models_dir: Path) -> None:
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="mailroom-sm-"))
        self.settings = Settings(
            data_dir=self.folder, models_dir=models_dir, worker_lease_seconds=30
        )
        self.store = SQLiteStore(self.settings.database_file)
        self.store.setup()
        seed(self.store)
        base = build_providers(self.settings)
        self.providers = ProviderSet(
            ai_factory=lambda: local_ai,
            sender=base.sender,
            notifier=base.notifier,
            source_factory=base.source_factory,
        )
        self.worker = Worker(self.store, self.providers, self.settings, worker_id="w1")
        self.service = MailroomService(self.store)
        self.outbox = DemoOutbox(self.settings.demo_outbox_dir)

    def teardown(self) -> None:
        try:
            self._drain_and_check()
        finally:
            self.store.close()
            shutil.rmtree(self.folder, ignore_errors=True)

    # --- helpers ---------------------------------------------------------------------------
    def _executions(self) -> list[ExecutionLog]:
        return self.store.list_executions(limit=10_000)

    def _pick(self, index: int) -> ExecutionLog | None:
        executions = sorted(self._executions(), key=lambda e: e.execution_id)
        return executions[index % len(executions)] if executions else None

    def _control(self, name: str, index: int, call: object) -> None:
        execution = self._pick(index)
        if execution is None:
            return
        try:
            call(AGENT, execution.execution_id)  # type: ignore[operator]
        except ControlRefused:
            assert execution.status not in CONTROLLABLE[name], (name, execution.status)
        else:
            assert execution.status in CONTROLLABLE[name], (name, execution.status)

    # --- commands --------------------------------------------------------------------------
    @rule()
    def mail_arrives(self) -> None:
        self.worker.poll_triggers()

    @rule(count=st.integers(min_value=1, max_value=3))
    def worker_runs(self, count: int) -> None:
        self.worker.run_pending(max_executions=count)

    @rule(node=st.sampled_from(["classify", "draft", "send", "approval"]))
    def worker_dies_inside_a_node(self, node: str) -> None:
        now = utcnow()
        claimed = self.store.claim_execution("ghost", now - timedelta(seconds=1), now)
        if claimed is None:
            return
        claimed.node_run(node).status = NodeStatus.RUNNING
        assert self.store.write_execution(claimed, owner="ghost", attempt=claimed.attempt)
        assert self.store.release_expired_leases(utcnow()) == 1

    @rule(index=st.integers(min_value=0))
    def pause(self, index: int) -> None:
        self._control("pause", index, self.service.pause)

    @rule(index=st.integers(min_value=0))
    def resume(self, index: int) -> None:
        self._control("resume", index, self.service.resume)

    @rule(index=st.integers(min_value=0))
    def cancel(self, index: int) -> None:
        self._control("cancel", index, self.service.cancel)

    @rule(index=st.integers(min_value=0), mode=st.sampled_from(RETRY_MODES))
    def retry(self, index: int, mode: str) -> None:
        self._control(
            "retry",
            index,
            lambda actor, eid: self.service.retry(actor, eid, mode),  # type: ignore[arg-type]
        )

    @rule(index=st.integers(min_value=0), approve=st.booleans())
    def decide(self, index: int, approve: bool) -> None:
        queue = self.service.approval_queue(AGENT)
        if not queue:
            return
        approval = queue[index % len(queue)]
        if approve:
            self.service.approve(AGENT, approval.approval_id, body="Thanks, it is sorted.")
        else:
            self.service.reject(AGENT, approval.approval_id, reason="not right")

    # --- what must always hold ---------------------------------------------------------------
    @invariant()
    def states_are_consistent(self) -> None:
        for execution in self._executions():
            status = execution.status
            assert status != ExecutionStatus.RUNNING  # every run here ends before the next step
            assert execution.owner is None and execution.lease_until is None
            runs = {run.node_id: run.status for run in execution.node_executions}
            if status == ExecutionStatus.COMPLETED:
                assert all(s in (NodeStatus.COMPLETED, NodeStatus.SKIPPED) for s in runs.values())
            if status == ExecutionStatus.FAILED:
                assert execution.error and NodeStatus.FAILED in runs.values()
            if status == ExecutionStatus.WAITING:
                approval = self.store.find_approval(
                    execution.execution_id, execution.waiting_on_node or ""
                )
                assert approval is not None
            if status == ExecutionStatus.CANCELLED:
                approval = self.store.find_approval(execution.execution_id, "approval")
                assert approval is None or approval.status != ApprovalStatus.PENDING

    @invariant()
    def replies_only_once_and_only_when_approved(self) -> None:
        assert self.outbox.duplicates() == []
        sent = self.store.list_outbox(OutboxKind.REPLY, limit=10_000)
        delivered = [m for m in sent if m.status == OutboxStatus.SENT]
        assert len(self.outbox.list_sent()) == len(delivered)
        for message in delivered:
            approval = self.store.find_approval(message.execution_id, "approval")
            assert approval is not None and approval.status == ApprovalStatus.APPROVED

    # --- the end -------------------------------------------------------------------------------
    def _drain_and_check(self) -> None:
        for _ in range(20):
            for execution in self._executions():
                if execution.status == ExecutionStatus.PAUSED:
                    self.service.resume(AGENT, execution.execution_id)
            for approval in self.service.approval_queue(AGENT, limit=1000):
                self.service.approve(AGENT, approval.approval_id)
            if not self.worker.run_pending():
                break
        executions = self._executions()
        assert all(e.status in FINAL_EXECUTION_STATUSES for e in executions), [
            (e.execution_id, e.status) for e in executions
        ]
        self.replies_only_once_and_only_when_approved()
        for execution in executions:
            decided = self.store.find_approval(execution.execution_id, "approval")
            if execution.status == ExecutionStatus.COMPLETED and decided is not None:
                key = f"reply:{execution.execution_id}:send"
                record = self.store.get_outbox(key)
                if decided.status == ApprovalStatus.APPROVED:
                    assert record is not None and record.status == OutboxStatus.SENT
                else:
                    assert record is None


@pytest.mark.filterwarnings("ignore::hypothesis.errors.NonInteractiveExampleWarning")
def test_random_interleavings_leave_valid_states(
    local_ai: LocalAIProvider, models_dir: Path
) -> None:
    run_state_machine_as_test(
        lambda: ExecutionMachine(local_ai, models_dir),  # type: ignore[arg-type]
        settings=settings(
            max_examples=20,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
            database=None,
        ),
    )
