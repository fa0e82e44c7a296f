"""Every metric can be read for chosen categories (from the rollups split by category); SLA
compliance counts drafts still waiting past their due time; the automation rate's rollup."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from engine.models import (
    SYSTEM_ACTOR,
    Approval,
    ApprovalStatus,
    RollupIncrement,
    RollupRow,
    utcnow,
)
from engine.rollups import (
    AUTOMATIC,
    BY_PERSON,
    REPLIES_SENT,
    SLA,
    decision_increments,
    node_latency_increment,
    reply_sent_increments,
    split_by_category,
)
from engine.service import Actor, MailroomService, Role
from engine.store.base import Store
from providers.ai.base import Classification, DraftReply

ANALYST = Actor("ann", Role.ANALYST)
HOUR = datetime(2024, 5, 1, 14, tzinfo=UTC)


def _approval(category: str, **fields: object) -> Approval:
    return Approval(
        execution_id=f"exe_{category}_{fields.get('node_id', 'approval')}",
        workflow_id="wf",
        node_id=str(fields.pop("node_id", "approval")),
        email_id="eml_1",
        classification=Classification(
            category=category,
            category_confidence=0.9,
            priority="normal",
            priority_confidence=0.9,
            sentiment="neutral",
            sentiment_confidence=0.9,
            language="en",
            language_confidence=0.9,
            provider="test",
            model="test",
        ),
        draft=DraftReply(subject="Re: x", body="Hello", confidence=0.8, provider="t", model="t"),
        **fields,
    )


def _sums(rows: list[RollupRow]) -> dict[str, int]:
    sums: dict[str, int] = {}
    for row in rows:
        sums[row.key] = sums.get(row.key, 0) + row.count
    return sums


def test_figures_not_keyed_by_category_are_filtered_through_the_category_split(
    store: Store,
) -> None:
    approved = _approval("billing", status=ApprovalStatus.APPROVED, decided_by="bea")
    rejected = _approval("shipping", status=ApprovalStatus.REJECTED, decided_by="bea")
    store.increment_rollups(decision_increments(approved, HOUR))
    store.increment_rollups(decision_increments(rejected, HOUR))
    store.increment_rollups(
        split_by_category([node_latency_increment("classify", HOUR, 40.0)], "billing")
        + split_by_category([node_latency_increment("classify", HOUR, 4000.0)], "shipping")
        + split_by_category(
            [RollupIncrement(bucket=HOUR, metric="executions_by_status", key="failed")],
            "uncategorised",
        )
    )
    service = MailroomService(store)
    until = HOUR + timedelta(hours=1)

    assert _sums(service.rollups(ANALYST, "approvals", HOUR, until)) == {
        "approved": 1,
        "rejected": 1,
    }
    billing = service.rollups(ANALYST, "approvals", HOUR, until, ["billing"])
    assert _sums(billing) == {"approved": 1}
    assert {row.metric for row in billing} == {"approvals"}  # read as the metric itself
    both = service.rollups(ANALYST, "approvals", HOUR, until, ["billing", "shipping"])
    assert _sums(both) == {"approved": 1, "rejected": 1}
    assert service.rollups(ANALYST, "executions_by_status", HOUR, until, ["billing"]) == []
    # The category-keyed metrics filter on their own key.
    edits = service.rollups(ANALYST, "draft_edit_share", HOUR, until, ["shipping"])
    assert edits == []

    [only_billing] = service.node_latency(ANALYST, HOUR, until, ["billing"])
    assert only_billing.runs == 1 and only_billing.p95_ms is not None
    assert only_billing.p95_ms <= 50
    [everything] = service.node_latency(ANALYST, HOUR, until)
    assert everything.runs == 2


def test_automation_counts_replies_no_person_decided() -> None:
    def handled(decided_by: str | None) -> list[str]:
        increments = reply_sent_increments(
            received_at=HOUR,
            sent_at=HOUR + timedelta(minutes=5),
            category="billing",
            due_at=None,
            decided_by=decided_by,
        )
        return [i.key for i in increments if i.metric == REPLIES_SENT]

    assert handled(None) == [AUTOMATIC]  # no approval step in the graph
    assert handled(SYSTEM_ACTOR) == [AUTOMATIC]
    assert handled("bea") == [BY_PERSON]


def test_sla_compliance_counts_drafts_waiting_past_their_due_time(store: Store) -> None:
    now = utcnow()
    since, until = now - timedelta(days=1), now + timedelta(days=1)
    sent = [
        *reply_sent_increments(
            received_at=now - timedelta(hours=3),
            sent_at=now - timedelta(hours=2),
            category="billing",
            due_at=now - timedelta(hours=1),
        ),
        *reply_sent_increments(
            received_at=now - timedelta(hours=9),
            sent_at=now - timedelta(hours=2),
            category="shipping",
            due_at=now - timedelta(hours=5),
        ),
    ]
    store.increment_rollups(sent)
    store.create_approval(_approval("billing", node_id="a1", due_at=now - timedelta(hours=1)))
    store.create_approval(_approval("shipping", node_id="a2", due_at=now - timedelta(minutes=5)))
    store.create_approval(_approval("billing", node_id="a3", due_at=now + timedelta(hours=2)))
    decided = _approval(
        "billing", node_id="a4", due_at=now - timedelta(hours=4), status=ApprovalStatus.REJECTED
    )
    store.create_approval(decided)
    service = MailroomService(store)

    everything = service.sla_compliance(ANALYST, since, until)
    # Sent: one met, one breached; waiting: two past due (breaches), one not yet due (ignored).
    assert (everything.met, everything.breached, everything.open_overdue) == (1, 1, 2)
    assert everything.rate == 1 / 4
    billing = service.sla_compliance(ANALYST, since, until, ["billing"])
    assert (billing.met, billing.breached, billing.open_overdue) == (1, 0, 1)
    assert billing.rate == 1 / 2
    # The range is about due times: drafts due before it are not counted in it.
    later = service.sla_compliance(ANALYST, now - timedelta(minutes=30), until)
    assert later.open_overdue == 1
    assert _sums(service.rollups(ANALYST, SLA, since, until, ["shipping"])) == {"breached": 1}
