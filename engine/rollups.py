"""Pre-aggregated metrics: hourly buckets of (metric, key) → count and total.

Emitted where the event happens (a node run, an approval decided, a reply sent) so the metrics
page reads a few rows per hour however long the history grows. Percentiles come from latency
histograms: a fixed set of log-spaced buckets, one rollup key per (node, bucket).
"""

from __future__ import annotations

import bisect
import difflib
import math
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime

from engine.models import (
    SYSTEM_ACTOR,
    Approval,
    ApprovalStatus,
    ExecutionLog,
    NodeStatus,
    RollupIncrement,
    guard_reason_kind,
)
from providers.ai.base import Classification, Usage

#: Upper bounds (ms, inclusive) of the latency histogram's buckets; the last one is open.
LATENCY_BUCKETS_MS: tuple[float, ...] = (
    1,
    2,
    5,
    10,
    20,
    50,
    100,
    200,
    500,
    1_000,
    2_000,
    5_000,
    10_000,
    30_000,
    60_000,
    300_000,
    math.inf,
)
NODE_LATENCY_HISTOGRAM = "node_latency_hist"
FIRST_RESPONSE = "first_response_s"
SLA = "sla"
DRAFT_EDIT_SHARE = "draft_edit_share"
#: Replies sent, keyed ``automatic`` (no person decided: no approval node, or approved by the
#: system) or ``person``: the automation rate.
REPLIES_SENT = "replies_sent"
AUTOMATIC, BY_PERSON = "automatic", "person"
#: Emails the guard rails held for a person, keyed by the kind of reason (an email held for
#: two kinds of reason counts once in each); ``ai_needs_review`` counts each email once.
GUARD_HELD = "guard_held"
NEEDS_REVIEW = "ai_needs_review"
KEY_SEPARATOR = "|"
#: Metrics whose key is already the email's category.
CATEGORY_KEYED = frozenset({"emails_by_category", DRAFT_EDIT_SHARE, FIRST_RESPONSE})
#: Every other metric is also written split by category: ``<metric>@category`` with keys
#: ``<category>|<key>``, so any figure can be filtered by category from the rollups alone.
CATEGORY_SPLIT_SUFFIX = "@category"
#: The category of an email not (yet) classified: nodes that ran before classification, an
#: execution that failed or was cancelled before it.
UNCATEGORISED = "uncategorised"


def hour_bucket(at: datetime) -> datetime:
    """The start of the UTC hour containing ``at``."""
    return at.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def by_category(metric: str) -> str:
    """The name of ``metric`` split by category."""
    return f"{metric}{CATEGORY_SPLIT_SUFFIX}"


def split_by_category(
    increments: Iterable[RollupIncrement], category: str
) -> list[RollupIncrement]:
    """``increments`` and, for each one whose metric is not keyed by category already, its twin
    in the metric split by category (key ``category|key``)."""
    kept = list(increments)
    # A new increment rather than model_copy(update=...), which costs twice as much.
    twins = [
        RollupIncrement(
            bucket=increment.bucket,
            metric=by_category(increment.metric),
            key=f"{category}{KEY_SEPARATOR}{increment.key}",
            count=increment.count,
            total=increment.total,
        )
        for increment in kept
        if increment.metric not in CATEGORY_KEYED
    ]
    return kept + twins


def split_category_key(key: str) -> tuple[str, str]:
    """``("billing", "urgent")`` from the split key ``"billing|urgent"``."""
    category, _, rest = key.partition(KEY_SEPARATOR)
    return category, rest


def execution_category(execution: ExecutionLog) -> str:
    """The category the execution's email was classified in (its latest classification), or
    ``UNCATEGORISED`` before that."""
    category = UNCATEGORISED
    for run in execution.node_executions:
        found = (
            run.output_data.get("classification") if run.status == NodeStatus.COMPLETED else None
        )
        if isinstance(found, dict) and found.get("category"):
            category = str(found["category"])
    return category


def _bound_key(bound: float) -> str:
    return "inf" if math.isinf(bound) else f"{bound:g}"


def latency_bucket(elapsed_ms: float) -> float:
    """The upper bound of the histogram bucket ``elapsed_ms`` falls in."""
    return LATENCY_BUCKETS_MS[bisect.bisect_left(LATENCY_BUCKETS_MS, elapsed_ms)]


def node_latency_increment(node_id: str, at: datetime, elapsed_ms: float) -> RollupIncrement:
    """One node run in the per-node latency histogram (key ``node_id|upper bound``)."""
    bound = _bound_key(latency_bucket(elapsed_ms))
    return RollupIncrement(
        bucket=hour_bucket(at),
        metric=NODE_LATENCY_HISTOGRAM,
        key=f"{node_id}{KEY_SEPARATOR}{bound}",
        total=elapsed_ms,
    )


def split_histogram_key(key: str) -> tuple[str, float]:
    """``("classify", 50.0)`` from ``"classify|50"``."""
    name, _, bound = key.rpartition(KEY_SEPARATOR)
    return name, math.inf if bound == "inf" else float(bound)


def bucket_lower_bound(bound: float) -> float:
    """The lower bound of the histogram bucket whose upper bound is ``bound``."""
    index = bisect.bisect_left(LATENCY_BUCKETS_MS, bound)
    return float(LATENCY_BUCKETS_MS[index - 1]) if index > 0 else 0.0


def percentile(histogram: Mapping[float, int], q: float) -> float | None:
    """The ``q``-th percentile (0-100) of a latency histogram ``{bucket upper bound: count}``.

    Interpolated linearly inside the bucket the rank falls in; a rank in the open last bucket
    is reported as that bucket's lower bound. None for an empty histogram.
    """
    total = sum(histogram.values())
    if total <= 0:
        return None
    rank = q / 100 * total
    seen = 0
    for bound in sorted(histogram):
        count = histogram[bound]
        if count > 0 and seen + count >= rank:
            lower = bucket_lower_bound(bound)
            if math.isinf(bound):
                return lower
            return lower + (bound - lower) * max(rank - seen, 0) / count
        seen += count
    return None


def histogram_percentiles(
    rows: Iterable[tuple[str, int]], qs: Iterable[float]
) -> dict[str, dict[float, float | None]]:
    """Per name, the requested percentiles of the histogram rows ``(key, count)``."""
    histograms: dict[str, dict[float, int]] = {}
    for key, count in rows:
        name, bound = split_histogram_key(key)
        histogram = histograms.setdefault(name, {})
        histogram[bound] = histogram.get(bound, 0) + count
    wanted = list(qs)
    return {
        name: {q: percentile(histogram, q) for q in wanted}
        for name, histogram in histograms.items()
    }


def edit_share(draft: str, final: str) -> float:
    """How much of the draft the agent changed: 0 (sent as drafted) to 1 (rewritten)."""
    if draft == final:
        return 0.0
    return 1.0 - difflib.SequenceMatcher(None, draft, final, autojunk=False).ratio()


def decision_increments(decided: Approval, at: datetime) -> list[RollupIncrement]:
    """What an approval decision adds: the decision, and for an approval whether and how much
    the draft was edited (keyed by category, so the page can filter)."""
    bucket = hour_bucket(at)
    increments = [RollupIncrement(bucket=bucket, metric="approvals", key=decided.status.value)]
    if decided.status == ApprovalStatus.APPROVED:
        key = "edited" if decided.edited else "unedited"
        increments.append(RollupIncrement(bucket=bucket, metric="approval_edits", key=key))
        draft = f"{decided.draft.subject}\n{decided.draft.body}"
        final = f"{decided.final_subject or ''}\n{decided.final_body or ''}"
        increments.append(
            RollupIncrement(
                bucket=bucket,
                metric=DRAFT_EDIT_SHARE,
                key=decided.classification.category,
                total=edit_share(draft, final),
            )
        )
    return split_by_category(increments, decided.classification.category)


def answered_automatically(decided_by: str | None) -> bool:
    """Whether a reply went out without a person: no approval decided it (none in the graph), or
    the system did."""
    return decided_by is None or decided_by == SYSTEM_ACTOR


def reply_sent_increments(
    *,
    received_at: datetime,
    sent_at: datetime,
    category: str,
    due_at: datetime | None,
    decided_by: str | None = None,
) -> list[RollupIncrement]:
    """A first reply sent: time from receiving the email (by category), the SLA kept or
    breached when the reply had a deadline, and whether a person decided it (``decided_by``)."""
    bucket = hour_bucket(sent_at)
    seconds = max((sent_at - received_at).total_seconds(), 0.0)
    handled = AUTOMATIC if answered_automatically(decided_by) else BY_PERSON
    increments = [
        RollupIncrement(bucket=bucket, metric=FIRST_RESPONSE, key=category, total=seconds),
        RollupIncrement(bucket=bucket, metric=REPLIES_SENT, key=handled),
    ]
    if due_at is not None:
        key = "met" if sent_at <= due_at else "breached"
        increments.append(RollupIncrement(bucket=bucket, metric=SLA, key=key))
    return split_by_category(increments, category)


def ai_usage_increments(
    bucket: datetime, provider: str, operation: str, usage: Usage | None
) -> list[RollupIncrement]:
    """Calls, tokens and cost of one AI call, per provider and operation, for the metrics."""
    key = f"{provider}:{operation}"
    if usage is None:
        return [RollupIncrement(bucket=bucket, metric="ai_calls", key=key)]
    return [
        RollupIncrement(bucket=bucket, metric="ai_calls", key=key, total=usage.latency_ms),
        RollupIncrement(
            bucket=bucket,
            metric="ai_tokens",
            key=key,
            total=float(usage.input_tokens + usage.output_tokens),
        ),
        RollupIncrement(bucket=bucket, metric="ai_cost_usd", key=key, total=usage.cost_usd),
    ]


def classification_increments(bucket: datetime, result: Classification) -> list[RollupIncrement]:
    """What one classified email adds: its category, priority and sentiment, the AI call's
    usage, and whether the guard rails held it for a person. Written by the AI node as it
    classifies and by the backfill from stored runs, so both count alike."""
    increments = [
        RollupIncrement(bucket=bucket, metric="emails_by_category", key=result.category),
        RollupIncrement(bucket=bucket, metric="emails_by_priority", key=result.priority),
        RollupIncrement(bucket=bucket, metric="emails_by_sentiment", key=result.sentiment),
        *ai_usage_increments(bucket, result.provider, "classify", result.usage),
    ]
    if result.needs_review:
        increments.append(RollupIncrement(bucket=bucket, metric=NEEDS_REVIEW, key=result.provider))
        kinds = dict.fromkeys(guard_reason_kind(r) for r in result.review_reasons or ["flagged"])
        increments += [RollupIncrement(bucket=bucket, metric=GUARD_HELD, key=k) for k in kinds]
    return split_by_category(increments, result.category)
