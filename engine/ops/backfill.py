"""Backfill: rebuild the execution metrics' hourly rollups from the stored executions.

The rollups are written as things happen (``engine/rollups.py``). When they are missing or
wrong for some hours (restored from a backup, a store moved, rows lost), this recomputes them
from what the executions themselves record, hour by hour, and replaces those hours' rows.

Only closed hours are rebuilt: every rollup is bucketed by the moment its event happens, so
an hour that has ended gets no new increments and a rebuild cannot race a worker.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from engine.models import (
    FINAL_EXECUTION_STATUSES,
    ExecutionLog,
    NodeExecution,
    NodeStatus,
    RollupIncrement,
    Workflow,
)
from engine.rollups import (
    CATEGORY_KEYED,
    ai_usage_increments,
    by_category,
    classification_increments,
    execution_category,
    hour_bucket,
    split_by_category,
)
from engine.store.base import Store
from providers.ai.base import Classification, DraftReply

#: The metrics this rebuilds: what an execution's own record holds exactly. Node latencies
#: (each attempt's duration is not kept), execution runtimes (a cancel does not record one),
#: approvals and replies are left as they are.
_REBUILT: tuple[str, ...] = (
    "executions_by_status",
    "emails_by_category",
    "emails_by_priority",
    "emails_by_sentiment",
    "ai_needs_review",
    "guard_held",
    "ai_calls",
    "ai_tokens",
    "ai_cost_usd",
)
#: Those metrics, and their split by category (emails_by_category has none: it is keyed so).
REBUILT_METRICS: tuple[str, ...] = _REBUILT + tuple(
    by_category(metric) for metric in _REBUILT if metric not in CATEGORY_KEYED
)
#: An execution created this long before the range can still have events inside it (an
#: approval may wait for days); older ones are not read.
LOOKBACK = timedelta(days=30)
#: Executions read for one rebuild, at most; a larger history is refused, not cut short.
MAX_EXECUTIONS = 500_000
#: Progress is reported after this many executions.
PROGRESS_EVERY = 200
AI_NODE_TYPE = "ai_model"


class BackfillRefused(ValueError):
    """The rebuild cannot run as asked; the message says why."""


@dataclass(frozen=True)
class BackfillProgress:
    """How far a rebuild is: executions read of those found, rollup rows written (at the end)."""

    read: int
    total: int
    rows_written: int | None = None

    @property
    def fraction(self) -> float:
        done = self.read / self.total if self.total else 1.0
        # The last step (replacing the rows) is the final tenth.
        return 1.0 if self.rows_written is not None else 0.9 * done


def closed_range(since: datetime, until: datetime, now: datetime) -> tuple[datetime, datetime]:
    """``[since, until)`` rounded out to whole hours, refused unless it holds a closed hour."""
    start = hour_bucket(since)
    end = hour_bucket(until)
    if end < until:
        end += timedelta(hours=1)
    end = min(end, hour_bucket(now))
    if end <= start:
        raise BackfillRefused(
            "the range holds no hour that has ended yet: only closed hours can be rebuilt"
        )
    return start, end


def _ai_increments(run: NodeExecution, category: str) -> list[RollupIncrement]:
    at = run.started_at or run.completed_at
    if at is None:
        return []
    bucket = hour_bucket(at)
    if "classification" in run.output_data:
        result = Classification.model_validate(run.output_data["classification"])
        return classification_increments(bucket, result)
    if "draft" in run.output_data:
        draft = DraftReply.model_validate(run.output_data["draft"])
        usage = ai_usage_increments(bucket, draft.provider, "draft", draft.usage)
        return split_by_category(usage, category)
    return []


def execution_increments(execution: ExecutionLog, workflow: Workflow) -> list[RollupIncrement]:
    """The rollup increments ``execution``'s record accounts for (``workflow`` is the version
    it ran on, to know which nodes are AI nodes)."""
    ai_nodes = {n.node_id for n in workflow.visual_data.nodes if n.node_type_id == AI_NODE_TYPE}
    increments: list[RollupIncrement] = []
    category = execution_category(execution)
    for run in execution.node_executions:
        if run.node_id in ai_nodes and run.status == NodeStatus.COMPLETED:
            increments += _ai_increments(run, category)
    if execution.status in FINAL_EXECUTION_STATUSES and execution.completed_at is not None:
        finished = RollupIncrement(
            bucket=hour_bucket(execution.completed_at),
            metric="executions_by_status",
            key=execution.status.value,
        )
        increments += split_by_category([finished], category)
    return increments


def _in_range(
    increments: Iterable[RollupIncrement], start: datetime, end: datetime
) -> list[RollupIncrement]:
    return [i for i in increments if start <= i.bucket < end]


def rebuild_rollups(
    store: Store, since: datetime, until: datetime, now: datetime
) -> Iterator[BackfillProgress]:
    """Recompute ``REBUILT_METRICS`` for the closed hours of ``[since, until)`` from the stored
    executions and replace those hours' rows, yielding progress as executions are read."""
    start, end = closed_range(since, until, now)
    executions = [
        e
        for e in store.list_executions(since=start - LOOKBACK, limit=MAX_EXECUTIONS + 1)
        if e.created_at < end
    ]
    if len(executions) > MAX_EXECUTIONS:
        raise BackfillRefused(
            f"more than {MAX_EXECUTIONS:,} executions fall in the range: rebuild a shorter one"
        )
    workflows: dict[tuple[str, int], Workflow] = {}
    increments: list[RollupIncrement] = []
    yield BackfillProgress(read=0, total=len(executions))
    for index, execution in enumerate(executions, start=1):
        version = (execution.workflow_id, execution.workflow_version)
        if version not in workflows:
            workflows[version] = store.get_workflow(*version)
        increments += _in_range(execution_increments(execution, workflows[version]), start, end)
        if index % PROGRESS_EVERY == 0:
            yield BackfillProgress(read=index, total=len(executions))
    written = store.replace_rollups(REBUILT_METRICS, start, end, increments)
    yield BackfillProgress(read=len(executions), total=len(executions), rows_written=written)
