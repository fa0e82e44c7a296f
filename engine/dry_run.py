"""A dry run: a workflow version run over stored past emails with no side effect.

The real executor and the real node types run each email, so conditions, joins and branches
decide exactly as they would live. What they touch is replaced: the store by a ``Sandbox`` that
reads the live store only for the emails, keeps every write (executions, approvals, outbox,
rollups) in memory and refuses anything else, and the senders and notifiers by recorders that
send nothing. AI nodes run on the local models: a pure computation, no paid call. The report
gives, per email, the path taken, what each condition read and decided and what would have been
sent; and per node, how many emails took each of its branches.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from engine.adapters import ProviderSet
from engine.executor import Executor
from engine.graph import WorkflowGraph
from engine.lease import LeaseRenewer
from engine.models import (
    Email,
    ExecutionLog,
    ExecutionStatus,
    NodeStatus,
    TriggeredBy,
    Workflow,
    utcnow,
)
from engine.nodes import get_node_type
from engine.ops import telemetry
from engine.sandbox import (
    DRY_RUN_OWNER,
    ApprovalAssumption,
    DryRunRefused,
    Sandbox,
    sandbox_providers,
)
from engine.settings import Settings
from engine.store.base import Store

__all__ = [
    "MAX_DRY_RUN_EMAILS",
    "ApprovalAssumption",
    "DryRunRefused",
    "DryRunReport",
    "EmailChoice",
    "EmailTrace",
    "EmailsNotFound",
    "choose_emails",
    "dry_run",
]

#: The most emails one dry run takes.
MAX_DRY_RUN_EMAILS = 1000
#: How many past executions are read, at most, to find emails by category or workflow.
MAX_EXECUTIONS_SCANNED = 20_000


class EmailsNotFound(LookupError):
    """Some of the email ids asked for are not stored."""

    def __init__(self, missing: list[str]) -> None:
        super().__init__(f"no stored email with id {', '.join(missing)}")
        self.missing = missing


# --- the report ------------------------------------------------------------------------------
class ConditionTrace(BaseModel):
    """What one condition node read and decided for one email."""

    node_id: str
    name: str
    field: str
    operator: str
    expected: Any = None
    value: Any = None  # what the field held for this email (None: missing)
    result: bool
    branch: str


class WouldSend(BaseModel):
    """A reply or notification the run would have sent (recorded, never sent)."""

    node_id: str
    kind: str
    channel: str
    to: str
    subject: str
    body: str


class NodeTrace(BaseModel):
    node_id: str
    name: str
    node_type_id: str
    status: str
    fired_outputs: list[str] = Field(default_factory=list)
    output: dict[str, Any] = Field(default_factory=dict)
    error: str | None = None


class EmailTrace(BaseModel):
    """One email's dry run: the nodes it went through in order, and where it ended."""

    email_id: str
    subject: str
    from_address: str
    received_at: datetime
    outcome: str  # completed, waiting (for approval) or failed
    path: list[str]
    terminal_nodes: list[str]
    nodes: list[NodeTrace]
    conditions: list[ConditionTrace]
    would_send: list[WouldSend]
    error: str | None = None


class DryRunSummary(BaseModel):
    emails: int
    outcomes: dict[str, int]
    #: node id -> branch (output name, or ``not reached``) -> emails.
    branches: dict[str, dict[str, int]]
    #: node id -> emails whose path ended there.
    terminals: dict[str, int]
    #: kind (reply, notification) -> how many would have been sent.
    would_send: dict[str, int]
    node_errors: int


class DryRunReport(BaseModel):
    workflow_id: str
    workflow_version: int
    #: True when the definition run is an unsaved edit, not the stored version.
    edited: bool
    approvals: ApprovalAssumption
    summary: DryRunSummary
    emails: list[EmailTrace]


# --- which emails ----------------------------------------------------------------------------
@dataclass(frozen=True)
class EmailChoice:
    """Which stored emails to run: ``email_ids``, or the newest ``limit`` received in a range,
    optionally only those a past execution (of ``past_workflow_id``) classified as ``category``."""

    email_ids: tuple[str, ...] = ()
    received_from: datetime | None = None
    received_before: datetime | None = None
    category: str | None = None
    past_workflow_id: str | None = None
    limit: int = 100

    def __post_init__(self) -> None:
        if not 1 <= self.limit <= MAX_DRY_RUN_EMAILS:
            raise ValueError(f"a dry run takes 1 to {MAX_DRY_RUN_EMAILS} emails, not {self.limit}")
        if len(self.email_ids) > MAX_DRY_RUN_EMAILS:
            raise ValueError(f"a dry run takes at most {MAX_DRY_RUN_EMAILS} emails")


def choose_emails(store: Store, choice: EmailChoice) -> list[Email]:
    """The stored emails ``choice`` names, newest first unless ids are given (their order)."""
    if choice.email_ids:
        ids = list(dict.fromkeys(choice.email_ids))
        found = {email_id: store.get_email(email_id) for email_id in ids}
        missing = [email_id for email_id, email in found.items() if email is None]
        if missing:
            raise EmailsNotFound(missing)
        return [email for email in found.values() if email is not None]
    if choice.category is None and choice.past_workflow_id is None:
        return store.list_emails(
            received_from=choice.received_from,
            received_before=choice.received_before,
            limit=choice.limit,
        )
    return _emails_of_past_executions(store, choice)


def _emails_of_past_executions(store: Store, choice: EmailChoice) -> list[Email]:
    chosen: dict[str, Email] = {}
    cursor: tuple[datetime, str] | None = None
    scanned = 0
    while len(chosen) < choice.limit and scanned < MAX_EXECUTIONS_SCANNED:
        page = store.list_executions(
            workflow_id=choice.past_workflow_id,
            category=choice.category,
            limit=500,
            before=cursor,
        )
        if not page:
            break
        scanned += len(page)
        cursor = (page[-1].created_at, page[-1].execution_id)
        for execution in page:
            if execution.email_id is None or execution.email_id in chosen:
                continue
            email = store.get_email(execution.email_id)
            if email is not None and _received_within(email, choice):
                chosen[email.email_id] = email
                if len(chosen) >= choice.limit:
                    break
    return sorted(chosen.values(), key=lambda e: (e.received_at, e.email_id), reverse=True)


def _received_within(email: Email, choice: EmailChoice) -> bool:
    if choice.received_from is not None and email.received_at < choice.received_from:
        return False
    return choice.received_before is None or email.received_at < choice.received_before


# --- the run ---------------------------------------------------------------------------------
def dry_run(
    store: Store,
    providers: ProviderSet,
    settings: Settings,
    workflow: Workflow,
    emails: list[Email],
    *,
    edited: bool = False,
    approvals: ApprovalAssumption = "wait",
    clock: Callable[[], datetime] = utcnow,
) -> DryRunReport:
    """Run ``workflow`` over ``emails`` in a sandbox and report each email's path and the totals.

    ``store`` is read for the emails only; ``providers`` lends its local AI. Nothing is
    written to ``store`` and nothing is sent.
    """
    graph = WorkflowGraph(workflow.visual_data)  # InvalidWorkflow before anything runs
    sandbox = Sandbox(store, workflow, approvals, clock)
    sandbox.emails = {email.email_id: email for email in emails}
    executor = Executor(sandbox.as_store(), sandbox_providers(providers), settings, clock=clock)
    # Every dry run shares one renewer thread (each executor would start its own, for good).
    executor.renewer = _RENEWER
    traces: list[EmailTrace] = []
    try:
        for email in emails:
            execution = ExecutionLog(
                execution_id=f"dry_{uuid.uuid4().hex}",
                workflow_id=workflow.workflow_id,
                workflow_version=workflow.version,
                email_id=email.email_id,
                status=ExecutionStatus.RUNNING,
                triggered_by=TriggeredBy.MANUAL,
                started_at=clock(),
                owner=DRY_RUN_OWNER,
                attempt=1,
            )
            try:
                with telemetry.muted():
                    finished = executor.run(execution)
            except DryRunRefused as exc:
                execution.status, execution.error = ExecutionStatus.FAILED, str(exc)
                finished = execution
            traces.append(_trace(workflow, graph, email, finished, sandbox))
    finally:
        executor.close()
    return DryRunReport(
        workflow_id=workflow.workflow_id,
        workflow_version=workflow.version,
        edited=edited,
        approvals=approvals,
        summary=summarise(workflow, traces),
        emails=traces,
    )


_RENEWER = LeaseRenewer(lease_seconds=60.0)  # renews sandbox leases: a no-op
_RAN = (NodeStatus.COMPLETED, NodeStatus.WAITING, NodeStatus.FAILED)


def _trace(
    workflow: Workflow, graph: WorkflowGraph, email: Email, run: ExecutionLog, sandbox: Sandbox
) -> EmailTrace:
    nodes = {node.node_id: node for node in workflow.visual_data.nodes}
    ran = [r for r in run.node_executions if r.status in _RAN]
    ran_ids = {r.node_id for r in ran}
    node_traces = [
        NodeTrace(
            node_id=r.node_id,
            name=nodes[r.node_id].name,
            node_type_id=nodes[r.node_id].node_type_id,
            status=r.status.value,
            fired_outputs=list(r.active_outputs),
            output=r.output_data,
            error=r.error,
        )
        for r in ran
    ]
    conditions = []
    for r in ran:
        node = nodes[r.node_id]
        read = r.output_data.get("condition")
        if node.node_type_id == "condition" and r.status == NodeStatus.COMPLETED and read:
            conditions.append(
                ConditionTrace(
                    node_id=node.node_id,
                    name=node.name,
                    field=str(read.get("field")),
                    operator=str(node.config.get("operator", "equals")),
                    expected=node.config.get("value"),
                    value=read.get("value"),
                    result=bool(read.get("result")),
                    branch=",".join(r.active_outputs),
                )
            )
    terminals = [
        r.node_id
        for r in ran
        if not any(c.target_node_id in ran_ids for c in graph.outgoing(r.node_id))
    ]
    would_send = [
        WouldSend(
            node_id=m.idempotency_key.rsplit(":", 1)[-1],
            kind=str(m.kind),
            channel=m.channel,
            to=m.to,
            subject=m.subject,
            body=m.body,
        )
        for m in sandbox.outbox_of(run.execution_id)
    ]
    return EmailTrace(
        email_id=email.email_id,
        subject=email.subject,
        from_address=email.from_address,
        received_at=email.received_at,
        outcome=run.status.value,
        path=[r.node_id for r in ran],
        terminal_nodes=terminals,
        nodes=node_traces,
        conditions=conditions,
        would_send=would_send,
        error=run.error,
    )


def summarise(workflow: Workflow, traces: list[EmailTrace]) -> DryRunSummary:
    """The totals of ``traces``: outcomes, each branching node's branches, where paths ended."""
    branching = [
        node.node_id
        for node in workflow.visual_data.nodes
        if len(get_node_type(node.node_type_id).outputs) > 1
    ]
    branches: dict[str, Counter[str]] = {node_id: Counter() for node_id in branching}
    terminals: Counter[str] = Counter()
    would_send: Counter[str] = Counter()
    for trace in traces:
        fired = {n.node_id: n for n in trace.nodes}
        for node_id in branching:
            node = fired.get(node_id)
            if node is None:
                branches[node_id]["not reached"] += 1
            elif node.status == NodeStatus.COMPLETED.value:
                branches[node_id][",".join(node.fired_outputs) or "none"] += 1
            else:
                branches[node_id][node.status] += 1
        terminals.update(trace.terminal_nodes)
        would_send.update(item.kind for item in trace.would_send)
    return DryRunSummary(
        emails=len(traces),
        outcomes=dict(Counter(trace.outcome for trace in traces)),
        branches={node_id: dict(counts) for node_id, counts in branches.items()},
        terminals=dict(terminals),
        would_send=dict(would_send),
        node_errors=sum(1 for t in traces for n in t.nodes if n.error),
    )
