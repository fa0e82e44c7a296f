"""Runs one claimed execution through its workflow graph, node by node.

Each node's status, input, output, timing and error are written back after the node, fenced on
(owner, attempt) so a worker that lost its lease cannot overwrite the new owner. Pause and cancel
requests are honoured at node boundaries; an approval parks the execution without a lease.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential_jitter,
)

from engine.adapters import ProviderSet
from engine.graph import WorkflowGraph
from engine.models import (
    ApprovalStatus,
    Email,
    ExecutionLog,
    ExecutionStatus,
    NodeExecution,
    NodeStatus,
    RollupIncrement,
    Workflow,
    WorkflowNode,
    utcnow,
)
from engine.nodes import get_node_type
from engine.nodes.base import NodeContext, NodeResult
from engine.rollups import hour_bucket, node_latency_increment
from engine.settings import Settings
from engine.store.base import Store
from providers.errors import TransientProviderError

log = logging.getLogger(__name__)


class LeaseLost(Exception):
    """Another worker owns the execution now; this worker must drop it."""

    def __init__(self, execution_id: str) -> None:
        super().__init__(f"lost the lease on execution {execution_id}")
        self.execution_id = execution_id


def email_summary(email: Email | None) -> dict[str, Any] | None:
    """The fields of an email that conditions and transforms may route on (no body)."""
    if email is None:
        return None
    return email.model_dump(
        mode="json",
        include={
            "email_id",
            "mailbox",
            "message_id",
            "thread_id",
            "from_address",
            "from_name",
            "to_address",
            "subject",
            "received_at",
        },
    )


class Executor:
    """Runs executions that this worker has claimed."""

    def __init__(
        self,
        store: Store,
        providers: ProviderSet,
        settings: Settings,
        clock: Callable[[], datetime] = utcnow,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.store = store
        self.providers = providers
        self.settings = settings
        self.clock = clock
        self.sleep = sleep

    def run(self, execution: ExecutionLog) -> ExecutionLog:
        """Advance ``execution`` (claimed by its ``owner`` at its ``attempt``) as far as it goes.

        Returns the execution as last written. Raises ``LeaseLost`` if a write was refused.
        """
        owner, attempt = execution.owner or "", execution.attempt
        workflow = self.store.get_workflow(execution.workflow_id, execution.workflow_version)
        graph = WorkflowGraph(workflow.visual_data)
        email = self.store.get_email(execution.email_id) if execution.email_id else None
        data: dict[str, Any] = {"email": email_summary(email)}
        rollups: list[RollupIncrement] = []
        try:
            for node_id in graph.order:
                run = execution.node_run(node_id)
                if run.status == NodeStatus.COMPLETED:
                    data.update(run.output_data)
                    continue
                if run.status == NodeStatus.SKIPPED:
                    continue
                control = self._requested_control(execution.execution_id)
                if control is not None:
                    return self._honour(execution, control, owner, attempt, rollups)
                active = self._is_active(graph, execution, node_id)
                if active is None:
                    continue
                if not active:
                    run.status = NodeStatus.SKIPPED
                    continue
                node = workflow.visual_data.node(node_id)
                result = self._run_node(workflow, node, execution, email, data, run, rollups)
                if result is None:
                    return self._finish(execution, ExecutionStatus.FAILED, owner, attempt, rollups)
                if result.wait:
                    return self._park(execution, node_id, owner, attempt, rollups)
                data.update(result.output)
                self._write(execution, owner, attempt)
            return self._finish(execution, ExecutionStatus.COMPLETED, owner, attempt, rollups)
        finally:
            if rollups:
                self.store.increment_rollups(rollups)

    def _requested_control(self, execution_id: str) -> str | None:
        stored = self.store.get_execution(execution_id)
        return stored.control_request if stored is not None else None

    @staticmethod
    def _is_active(graph: WorkflowGraph, execution: ExecutionLog, node_id: str) -> bool | None:
        """True if an incoming connection fired, False if none can, None if not yet known."""
        incoming = graph.incoming(node_id)
        if not incoming:
            return True
        fired = False
        for conn in incoming:
            source = execution.node_run(conn.source_node_id)
            if source.status not in (NodeStatus.COMPLETED, NodeStatus.SKIPPED):
                return None
            if (
                source.status == NodeStatus.COMPLETED
                and conn.source_output in source.active_outputs
            ):
                fired = True
        return fired

    def _run_node(
        self,
        workflow: Workflow,
        node: WorkflowNode,
        execution: ExecutionLog,
        email: Email | None,
        data: dict[str, Any],
        run: NodeExecution,
        rollups: list[RollupIncrement],
    ) -> NodeResult | None:
        node_type = get_node_type(node.node_type_id)
        run.status = NodeStatus.RUNNING
        run.started_at = self.clock()
        run.error = None
        run.input_data = {k: v for k, v in data.items() if k != "email"}
        ctx = NodeContext(
            store=self.store,
            providers=self.providers,
            settings=self.settings,
            workflow=workflow,
            node=node,
            execution=execution,
            email=email,
            data=data,
            now=self.clock,
            rollups=rollups,
        )
        policy = node_type.retry_policy

        def count_retry(state: RetryCallState) -> None:
            run.retry_count += 1
            log.warning(
                "node %s of %s: transient error, retry %d",
                node.node_id,
                execution.execution_id,
                state.attempt_number,
            )

        started = time.perf_counter()
        try:
            config = node_type.parse_config(node.config)
            retrying = Retrying(
                stop=stop_after_attempt(policy.max_attempts),
                wait=wait_exponential_jitter(
                    multiplier=policy.initial_wait_seconds,
                    max=policy.max_wait_seconds,
                    jitter=policy.initial_wait_seconds,
                ),
                retry=retry_if_exception_type(TransientProviderError),
                before_sleep=count_retry,
                sleep=self.sleep,
                reraise=True,
            )
            result: NodeResult = retrying(node_type.run, ctx, config)
        except ValidationError as exc:
            self._fail(execution, run, f"invalid config of node {node.name!r}: {exc}")
            return None
        except Exception as exc:  # any error of a node fails that node, with its message
            log.warning("node %s of %s failed: %s", node.node_id, execution.execution_id, exc)
            self._fail(execution, run, f"{type(exc).__name__}: {exc}")
            return None
        elapsed_ms = (time.perf_counter() - started) * 1000
        run.output_data = result.output
        if result.wait:
            run.status = NodeStatus.WAITING
            return result
        run.status = NodeStatus.COMPLETED
        run.completed_at = self.clock()
        run.active_outputs = list(result.fired_outputs)
        execution.metrics.total_runtime_ms += elapsed_ms
        rollups.append(
            RollupIncrement(
                bucket=hour_bucket(run.completed_at),
                metric="node_runtime_ms",
                key=node.node_id,
                total=elapsed_ms,
            )
        )
        rollups.append(node_latency_increment(node.node_id, run.completed_at, elapsed_ms))
        return result

    def _fail(self, execution: ExecutionLog, run: NodeExecution, error: str) -> None:
        run.status = NodeStatus.FAILED
        run.completed_at = self.clock()
        run.error = error
        execution.error = error

    def _write(self, execution: ExecutionLog, owner: str, attempt: int) -> None:
        now = self.clock()
        execution.updated_at = now
        if execution.owner is not None:
            execution.lease_until = now + timedelta(seconds=self.settings.worker_lease_seconds)
        if not self.store.write_execution(execution, owner=owner, attempt=attempt):
            raise LeaseLost(execution.execution_id)

    def _park(
        self,
        execution: ExecutionLog,
        node_id: str,
        owner: str,
        attempt: int,
        rollups: list[RollupIncrement],
    ) -> ExecutionLog:
        execution.status = ExecutionStatus.WAITING
        execution.waiting_on_node = node_id
        execution.owner = None
        execution.lease_until = None
        self._write(execution, owner, attempt)
        # The decision may have landed between creating the approval and parking; the
        # deciding side only re-queues waiting executions, so re-queue it here.
        approval = self.store.find_approval(execution.execution_id, node_id)
        if approval is not None and approval.status != ApprovalStatus.PENDING:
            resumed = self.store.update_execution_if(
                execution.execution_id,
                statuses=[ExecutionStatus.WAITING],
                changes={"status": ExecutionStatus.PENDING, "waiting_on_node": None},
            )
            return resumed or execution
        return execution

    def _honour(
        self,
        execution: ExecutionLog,
        control: str,
        owner: str,
        attempt: int,
        rollups: list[RollupIncrement],
    ) -> ExecutionLog:
        if control == "cancel":
            return self._finish(execution, ExecutionStatus.CANCELLED, owner, attempt, rollups)
        execution.status = ExecutionStatus.PAUSED
        execution.owner = None
        execution.lease_until = None
        self._write(execution, owner, attempt)
        return execution

    def _finish(
        self,
        execution: ExecutionLog,
        status: ExecutionStatus,
        owner: str,
        attempt: int,
        rollups: list[RollupIncrement],
    ) -> ExecutionLog:
        now = self.clock()
        execution.status = status
        execution.completed_at = now
        execution.owner = None
        execution.lease_until = None
        execution.waiting_on_node = None
        runs = execution.node_executions
        done = sum(1 for r in runs if r.status == NodeStatus.COMPLETED)
        failed = sum(1 for r in runs if r.status == NodeStatus.FAILED)
        execution.metrics.nodes_executed = done
        execution.metrics.emails_processed = 1 if execution.email_id else 0
        execution.metrics.success_rate = done / (done + failed) if done + failed else 0.0
        self._write(execution, owner, attempt)
        bucket = hour_bucket(now)
        rollups.append(RollupIncrement(bucket=bucket, metric="executions_by_status", key=status))
        rollups.append(
            RollupIncrement(
                bucket=bucket,
                metric="execution_runtime_ms",
                key=execution.workflow_id,
                total=execution.metrics.total_runtime_ms,
            )
        )
        return execution
