"""The workflow every new installation starts with."""

from __future__ import annotations

from typing import Any

from engine.models import (
    Connection,
    Position,
    VisualData,
    Workflow,
    WorkflowNode,
    WorkflowStatus,
)
from engine.store.base import Store, WorkflowNotFound

DEFAULT_WORKFLOW_ID = "customer-support"


def _node(node_id: str, type_id: str, name: str, x: float, y: float, **config: Any) -> WorkflowNode:
    return WorkflowNode(
        node_id=node_id, node_type_id=type_id, name=name, position=Position(x=x, y=y), config=config
    )


def _link(source: str, target: str, output: str = "main") -> Connection:
    return Connection(
        connection_id=f"{source}->{target}",
        source_node_id=source,
        target_node_id=target,
        source_output=output,
    )


def default_workflow() -> Workflow:
    """Email trigger → classify → urgent? (notify) → draft → approval → send reply."""
    nodes = [
        _node(
            "trigger",
            "email_trigger",
            "New support email",
            0,
            0,
            source="demo",
            mailbox="support@mailroom.example",
            check_interval_seconds=10,
            batch_size=2,
            max_emails=2000,
        ),
        _node("classify", "ai_model", "Classify", 200, 0, operation="classify"),
        _node(
            "is_urgent",
            "condition",
            "Urgent?",
            400,
            0,
            field="classification.priority",
            operator="equals",
            value="urgent",
        ),
        _node(
            "notify_urgent",
            "notification",
            "Alert #support-urgent",
            600,
            -120,
            channel="#support-urgent",
            title="Urgent customer email",
            severity="urgent",
        ),
        _node("draft", "ai_model", "Draft reply", 800, 0, operation="draft"),
        _node("approval", "approval", "Agent approval", 1000, 0, sla_hours=4, urgent_sla_hours=1),
        _node("send", "send_reply", "Send reply", 1200, 0),
    ]
    connections = [
        _link("trigger", "classify"),
        _link("classify", "is_urgent"),
        _link("is_urgent", "notify_urgent", "true"),
        _link("notify_urgent", "draft"),
        _link("is_urgent", "draft", "false"),
        _link("draft", "approval"),
        _link("approval", "send", "approved"),
    ]
    return Workflow(
        workflow_id=DEFAULT_WORKFLOW_ID,
        name="Customer Support Email Automation",
        description=(
            "Classifies every support email, alerts the team about urgent ones, drafts a reply "
            "from the knowledge base and sends it once an agent approves."
        ),
        workflow_type="email_automation",
        status=WorkflowStatus.ACTIVE,
        tags=["support", "default"],
        visual_data=VisualData(nodes=nodes, connections=connections),
    )


def seed(store: Store) -> bool:
    """Create the default workflow unless it exists. Returns whether it was created."""
    try:
        store.get_workflow(DEFAULT_WORKFLOW_ID)
    except WorkflowNotFound:
        store.save_workflow(default_workflow())
        return True
    return False
