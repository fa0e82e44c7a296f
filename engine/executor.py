"""Runs one claimed execution through its workflow graph.

Nodes whose inputs are decided run as soon as they are ready, so parallel branches run at the
same time (up to ``node_parallelism``); a node with several inputs waits for all of them or for
any, as its ``join`` says. Each node has a wall-clock budget, retries included. After every node
the execution is written back, fenced on (owner, attempt), while a ``LeaseKeeper`` renews the
lease in the background; pure nodes (``NodeType.inline``) run in the driving thread and are
written with the next boundary. Pause and cancel requests are honoured at node boundaries: no
new node starts, the ones in flight finish. An approval parks the execution without a lease.
"""

from __future__ import annotations

import contextvars
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from engine.adapters import ProviderSet
from engine.decisions import requeue_waiting
from engine.graph import DECIDED, WorkflowGraph, activation
from engine.lease import LeaseKeeper, LeaseLost, LeaseRenewer
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
from engine.node_attempts import NodeOutcome, attempt_node
from engine.nodes import get_node_type
from engine.nodes.base import NodeContext
from engine.ops import telemetry
from engine.ops.logs import correlation
from engine.rollups import (
    execution_category,
    hour_bucket,
    node_latency_increment,
    split_by_category,
)
from engine.settings import Settings
from engine.store.base import Store

log = logging.getLogger(__name__)

__all__ = ["Executor", "LeaseLost", "email_summary"]

WORKFLOW_VERSIONS_CACHED = 64


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


@dataclass
class _Flight:
    node: WorkflowNode
    deadline: float  # time.monotonic()
    abandon: threading.Event = field(default_factory=threading.Event)


class Executor:
    """Runs executions that this worker has claimed."""

    def __init__(
        self,
        store: Store,
        providers: ProviderSet,
        settings: Settings,
        clock: Callable[[], datetime] = utcnow,
        sleep: Callable[[float], None] = time.sleep,
        stopping: threading.Event | None = None,
    ) -> None:
        self.store = store
        self.providers = providers
        self.settings = settings
        self.clock = clock
        self.sleep = sleep
        self.stopping = stopping or threading.Event()
        self.renewer = LeaseRenewer(settings.worker_lease_seconds)
        # Shared by all executions of this executor; a node past its timeout is abandoned in it.
        self.pool = ThreadPoolExecutor(
            max_workers=settings.node_parallelism * settings.worker_concurrency + 2,
            thread_name_prefix="node",
        )
        self._versions: dict[tuple[str, int], tuple[Workflow, WorkflowGraph]] = {}
        self._versions_lock = threading.Lock()

    def run(self, execution: ExecutionLog) -> ExecutionLog:
        """Advance ``execution`` (claimed by its ``owner`` at its ``attempt``) as far as it goes.

        Returns the execution as last written. Raises ``LeaseLost`` if a write was refused.
        """
        keeper = LeaseKeeper(
            self.store,
            execution.execution_id,
            execution.owner or "",
            execution.attempt,
            self.settings.worker_lease_seconds,
            self.clock,
            self.renewer,
        )
        rollups: list[RollupIncrement] = []
        ids = correlation(
            execution_id=execution.execution_id,
            email_id=execution.email_id,
            workflow_id=execution.workflow_id,
        )
        try:
            with ids, keeper:
                return _Run(self, execution, keeper, self.pool, rollups).drive()
        finally:
            if rollups:
                self.store.increment_rollups(rollups)

    def workflow_version(self, workflow_id: str, version: int) -> tuple[Workflow, WorkflowGraph]:
        """The workflow at ``version`` and its graph, read once: a saved version never changes."""
        key = (workflow_id, version)
        with self._versions_lock:
            cached = self._versions.get(key)
        if cached is None:
            workflow = self.store.get_workflow(workflow_id, version)
            cached = (workflow, WorkflowGraph(workflow.visual_data))
            with self._versions_lock:
                if len(self._versions) >= WORKFLOW_VERSIONS_CACHED:
                    self._versions.pop(next(iter(self._versions)))
                self._versions[key] = cached
        return cached

    def close(self) -> None:
        """Let go of the node threads (a node still running past its timeout is not awaited)."""
        self.pool.shutdown(wait=False, cancel_futures=True)

    def requested_control(self, execution_id: str) -> str | None:
        return self.store.get_control_request(execution_id)


class _Run:
    """The state of driving one execution: nodes in flight, parked, failed."""

    def __init__(
        self,
        executor: Executor,
        execution: ExecutionLog,
        keeper: LeaseKeeper,
        pool: ThreadPoolExecutor,
        rollups: list[RollupIncrement],
    ) -> None:
        self.x = executor
        self.store = executor.store
        self.execution = execution
        self.keeper = keeper
        self.pool = pool
        self.rollups = rollups
        self.owner, self.attempt = execution.owner or "", execution.attempt
        self.workflow, self.graph = executor.workflow_version(
            execution.workflow_id, execution.workflow_version
        )
        self.email = self.store.get_email(execution.email_id) if execution.email_id else None
        self.email_fields = email_summary(self.email)  # the email does not change during a run
        self.in_flight: dict[Future[NodeOutcome], _Flight] = {}
        self.parked: list[str] = []
        self.failed = False
        self.control: str | None = None
        self.unwritten = False

    # --- the loop ------------------------------------------------------------------------
    def drive(self) -> ExecutionLog:
        for run in self.execution.node_executions:
            if run.status == NodeStatus.RUNNING:
                # The previous attempt died inside this node: it runs again (side effects
                # inside it are keyed, so nothing they did is done twice).
                run.status = NodeStatus.WAITING
                run.error = "interrupted: the worker running this node stopped"
        while True:
            if self.keeper.lost:
                raise LeaseLost(self.execution.execution_id)
            self._skip_unreachable()
            room = self.x.settings.node_parallelism - len(self.in_flight)
            if not self.failed and self.control is None and not self.x.stopping.is_set():
                ready = self._ready()[: max(0, room)]
                inline = [node for node in ready if get_node_type(node.node_type_id).inline]
                if inline:
                    for node in inline:
                        self._run_inline(node)
                    continue  # what they fired may make more nodes ready, or skip some
                if ready:
                    # A node boundary: read the control request once per batch of starts.
                    self.control = self.x.requested_control(self.execution.execution_id)
                    if self.control is None:
                        starts = [self._prepare(node) for node in ready]
                        # Fenced before any node starts: a worker that lost the lease (the
                        # write is refused) starts nothing another owner may also start.
                        self._write()
                        for start in starts:
                            self._start(*start)
            if not self.in_flight:
                break  # every way out of _conclude writes what _collect recorded
            if self.unwritten:
                self._write()  # nothing new started: record what finished before waiting on
            self._collect()
        return self._conclude()

    def _ready(self) -> list[WorkflowNode]:
        running = {flight.node.node_id for flight in self.in_flight.values()}
        ready = []
        for node_id in self.graph.order:
            if not self._unstarted(node_id, running):
                continue
            node = self.workflow.visual_data.node(node_id)
            if activation(self.graph, self.execution, node):
                ready.append(node)
        return ready

    def _skip_unreachable(self) -> None:
        # Topological order makes one pass enough: a skip only affects nodes further on.
        running = {flight.node.node_id for flight in self.in_flight.values()}
        for node_id in self.graph.order:
            if not self._unstarted(node_id, running):
                continue
            node = self.workflow.visual_data.node(node_id)
            if activation(self.graph, self.execution, node) is False:
                self.execution.node_run(node_id).status = NodeStatus.SKIPPED

    def _unstarted(self, node_id: str, running: set[str]) -> bool:
        """Not run yet (no record, or waiting), not in flight, not parked on a human."""
        run = self.execution.find_run(node_id)
        return (
            (run is None or run.status == NodeStatus.WAITING)
            and node_id not in running
            and node_id not in self.parked
        )

    def _data(self) -> dict[str, Any]:
        # A copy per node: a node may change what it is given.
        email = None if self.email_fields is None else dict(self.email_fields)
        data: dict[str, Any] = {"email": email}
        for node_id in self.graph.order:
            run = self.execution.find_run(node_id)
            if run is not None and run.status == NodeStatus.COMPLETED:
                data.update(run.output_data)
        return data

    def _inputs(self, node_id: str) -> dict[str, Any]:
        """What the nodes connected into ``node_id`` produced: the node's input as shown.

        Only the direct predecessors' outputs, not everything upstream (which the node may
        still read): copying all of it into every node run would grow the stored execution
        with the square of its length.
        """
        inputs: dict[str, Any] = {}
        for conn in self.graph.incoming(node_id):
            source = self.execution.find_run(conn.source_node_id)
            if source is not None and source.status == NodeStatus.COMPLETED:
                inputs.update(source.output_data)
        return inputs

    def _prepare(self, node: WorkflowNode) -> tuple[NodeContext, NodeExecution, _Flight]:
        """Mark ``node`` running and build what it runs with (it starts after the write)."""
        run = self.execution.node_run(node.node_id)
        data = self._data()
        run.status = NodeStatus.RUNNING
        run.started_at = self.x.clock()
        run.completed_at = None
        run.error = None
        run.input_data = self._inputs(node.node_id)
        budget = node.timeout_seconds or self.x.settings.node_timeout_seconds
        flight = _Flight(node=node, deadline=time.monotonic() + budget)
        ctx = NodeContext(
            store=self.store,
            providers=self.x.providers,
            settings=self.x.settings,
            workflow=self.workflow,
            node=node,
            execution=self.execution,
            email=self.email,
            data=data,
            now=self.x.clock,
            rollups=self.rollups,
            ensure_lease=self.keeper.ensure,
        )
        return ctx, run, flight

    def _run_inline(self, node: WorkflowNode) -> None:
        """Run a pure node here and now (see ``NodeType.inline``); written with what's next."""
        ctx, run, flight = self._prepare(node)
        self._record(node, self._observed_node(ctx, run, flight.abandon))
        self.unwritten = True

    def _start(self, ctx: NodeContext, run: NodeExecution, flight: _Flight) -> None:
        # The node thread carries this execution's log correlation ids.
        future = self.pool.submit(
            contextvars.copy_context().run, self._observed_node, ctx, run, flight.abandon
        )
        self.in_flight[future] = flight

    def _collect(self) -> None:
        """Wait for the next node to finish or run out of time, and record what happened."""
        nearest = min(flight.deadline for flight in self.in_flight.values())
        done, _ = wait(
            list(self.in_flight),
            timeout=max(0.0, nearest - time.monotonic()),
            return_when=FIRST_COMPLETED,
        )
        for future in done:
            flight = self.in_flight.pop(future)
            self._record(flight.node, future.result())
        now = time.monotonic()
        for future, flight in list(self.in_flight.items()):
            if future.done() or flight.deadline > now:
                continue
            del self.in_flight[future]
            flight.abandon.set()
            budget = flight.node.timeout_seconds or self.x.settings.node_timeout_seconds
            run = self.execution.node_run(flight.node.node_id)
            self._fail(run, f"TimeoutError: node {flight.node.name!r} ran past {budget:g}s")
            log.warning("node %s of %s timed out", flight.node.node_id, self.execution.execution_id)
        if done or self.failed:
            # Written with the next batch of starts (one write per node boundary, not two),
            # or before waiting on nodes still running, or by the conclusion. A crash before
            # that runs the finished nodes again: at-least-once per node, side effects keyed.
            self.unwritten = True

    def _record(self, node: WorkflowNode, outcome: NodeOutcome) -> None:
        run = self.execution.node_run(node.node_id)
        if outcome.lease_lost:
            raise LeaseLost(self.execution.execution_id)
        if outcome.result is None:
            self._fail(run, outcome.error or "the node failed")
            return
        result = outcome.result
        run.output_data = result.output
        if result.wait:
            run.status = NodeStatus.WAITING
            self.parked.append(node.node_id)
            return
        run.status = NodeStatus.COMPLETED
        run.completed_at = self.x.clock()
        run.active_outputs = list(result.fired_outputs)
        self.execution.metrics.total_runtime_ms += outcome.elapsed_ms
        runtime = RollupIncrement(
            bucket=hour_bucket(run.completed_at),
            metric="node_runtime_ms",
            key=node.node_id,
            total=outcome.elapsed_ms,
        )
        latency = node_latency_increment(node.node_id, run.completed_at, outcome.elapsed_ms)
        category = execution_category(self.execution)
        self.rollups.extend(split_by_category([runtime, latency], category))

    def _fail(self, run: NodeExecution, error: str) -> None:
        run.status = NodeStatus.FAILED
        run.completed_at = self.x.clock()
        run.error = error
        self.execution.error = error
        self.failed = True

    # --- one node, in a pool thread ----------------------------------------------------------
    def _observed_node(
        self, ctx: NodeContext, run: NodeExecution, abandon: threading.Event
    ) -> NodeOutcome:
        """The node's attempts, with its id in the log context and its duration measured."""
        started = time.perf_counter()
        with correlation(node_id=ctx.node.node_id):
            outcome = attempt_node(ctx, run, abandon, self.x.sleep)
        telemetry.node_finished(ctx.node.node_type_id, outcome.label, time.perf_counter() - started)
        return outcome

    # --- the end of this turn ------------------------------------------------------------
    def _conclude(self) -> ExecutionLog:
        if self.failed:
            return self._finish(ExecutionStatus.FAILED)
        if self.control == "cancel":
            return self._finish(ExecutionStatus.CANCELLED)
        if self.control == "pause":
            return self._release(ExecutionStatus.PAUSED)
        if self._ready():
            # Only a stop request leaves ready nodes behind: give the work back to the queue.
            return self._release(ExecutionStatus.PENDING)
        if self.parked:
            return self._park(self.parked[0])
        undecided = [
            node_id
            for node_id in self.graph.order
            if (run := self.execution.find_run(node_id)) is None or run.status not in DECIDED
        ]
        if undecided:  # never expected; refuse to call it completed
            run = self.execution.node_run(undecided[0])
            self._fail(run, f"node {undecided[0]!r} could not run: its inputs never settled")
            return self._finish(ExecutionStatus.FAILED)
        return self._finish(ExecutionStatus.COMPLETED)

    def _write(self) -> None:
        self.unwritten = False
        now = self.x.clock()
        self.execution.updated_at = now
        if self.execution.owner is not None:
            self.execution.lease_until = now + timedelta(
                seconds=self.x.settings.worker_lease_seconds
            )
        if not self.store.write_execution(self.execution, owner=self.owner, attempt=self.attempt):
            raise LeaseLost(self.execution.execution_id)

    def _write_last(self) -> None:
        """The run's last write, with the rollups of what it did in the same transaction."""
        self.execution.updated_at = self.x.clock()
        written = self.store.write_execution(
            self.execution, owner=self.owner, attempt=self.attempt, rollups=self.rollups
        )
        if not written:
            raise LeaseLost(self.execution.execution_id)
        self.rollups.clear()

    def _let_go(self, status: ExecutionStatus) -> None:
        self.keeper.stop()
        self.execution.status = status
        self.execution.owner = None
        self.execution.lease_until = None

    def _release(self, status: ExecutionStatus) -> ExecutionLog:
        self._let_go(status)
        self._write_last()
        return self.execution

    def _park(self, node_id: str) -> ExecutionLog:
        self._let_go(ExecutionStatus.WAITING)
        self.execution.waiting_on_node = node_id
        self._write_last()
        log.info("execution waits on node %s", node_id)
        # The decision may have landed between creating the approval and parking; the
        # deciding side only re-queues waiting executions, so re-queue it here.
        approval = self.store.find_approval(self.execution.execution_id, node_id)
        if approval is not None and approval.status != ApprovalStatus.PENDING:
            return requeue_waiting(self.store, self.execution.execution_id) or self.execution
        return self.execution

    def _finish(self, status: ExecutionStatus) -> ExecutionLog:
        now = self.x.clock()
        execution = self.execution
        self._let_go(status)
        execution.completed_at = now
        execution.waiting_on_node = None
        runs = execution.node_executions
        done = sum(1 for r in runs if r.status == NodeStatus.COMPLETED)
        failed = sum(1 for r in runs if r.status == NodeStatus.FAILED)
        execution.metrics.nodes_executed = done
        execution.metrics.emails_processed = 1 if execution.email_id else 0
        execution.metrics.success_rate = done / (done + failed) if done + failed else 0.0
        bucket = hour_bucket(now)
        finished = [
            RollupIncrement(bucket=bucket, metric="executions_by_status", key=status),
            RollupIncrement(
                bucket=bucket,
                metric="execution_runtime_ms",
                key=execution.workflow_id,
                total=execution.metrics.total_runtime_ms,
            ),
        ]
        self.rollups.extend(split_by_category(finished, execution_category(execution)))
        self._write_last()
        telemetry.execution_finished(status)
        log.info("execution %s after %d nodes (%d failed)", status, done, failed)
        return execution
