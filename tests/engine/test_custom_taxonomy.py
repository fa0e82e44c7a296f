"""A workflow whose AI node lists categories the shipped model never saw runs its mail."""

from __future__ import annotations

from engine.adapters import ProviderSet
from engine.models import ExecutionStatus, NodeStatus
from engine.seed import DEFAULT_WORKFLOW_ID
from engine.settings import Settings
from engine.store.base import Store
from engine.worker import Worker

CUSTOM = [
    {
        "name": "warranty_claim",
        "description": "A product broke or is defective; repair or replacement under warranty.",
    },
    {
        "name": "product_question",
        "description": "Questions about what a product does, its sizes and compatibility.",
    },
    {"name": "delivery_issue", "description": "A parcel is late, lost or damaged in transit."},
    # A built-in category beside new ones: it learns from the shipped refund examples.
    {"name": "refund", "description": "Money back, returns, cancellations with refund."},
]


def test_a_custom_taxonomy_classifies_every_email(
    store: Store, providers: ProviderSet, settings: Settings
) -> None:
    workflow = store.get_workflow(DEFAULT_WORKFLOW_ID)
    for node in workflow.visual_data.nodes:
        if node.node_id == "classify":
            node.config["taxonomy"] = CUSTOM
    store.save_workflow(workflow)
    worker = Worker(store, providers, settings)
    assert worker.poll_triggers() == 2
    assert worker.run_pending() == 2

    names = {c["name"] for c in CUSTOM}
    executions = store.list_executions(workflow_id=DEFAULT_WORKFLOW_ID)
    assert len(executions) == 2
    for execution in executions:
        assert execution.status == ExecutionStatus.WAITING, execution.error
        classify = execution.node_run("classify")
        assert classify.status == NodeStatus.COMPLETED
        classification = classify.output_data["classification"]
        assert classification["category"] in names
        assert 0.0 <= classification["category_confidence"] <= 1.0
        assert classification["model"].startswith("few-shot-")  # refund learnt from shipped data
        assert execution.node_run("draft").output_data["draft"]["body"]
