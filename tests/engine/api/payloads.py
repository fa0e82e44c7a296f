"""Request bodies the API tests send."""

from __future__ import annotations

from typing import Any


def support_workflow(workflow_id: str = "wf_api", **fields: Any) -> dict[str, Any]:
    """Trigger → classify → draft → approval → send reply: a workflow made through the API."""
    body: dict[str, Any] = {
        "workflow_id": workflow_id,
        "name": "API support flow",
        "description": "made over HTTP",
        "nodes": [
            {
                "node_id": "trigger",
                "node_type_id": "email_trigger",
                "name": "Support email",
                "config": {"source": "sendgrid", "mailbox": "support@mailroom.example"},
            },
            {
                "node_id": "classify",
                "node_type_id": "ai_model",
                "name": "Classify",
                "config": {"operation": "classify"},
            },
            {
                "node_id": "draft",
                "node_type_id": "ai_model",
                "name": "Draft",
                "config": {"operation": "draft"},
            },
            {
                "node_id": "approval",
                "node_type_id": "approval",
                "name": "Agent approval",
                "config": {"sla_hours": 4},
            },
            {"node_id": "send", "node_type_id": "send_reply", "name": "Send reply"},
        ],
        "connections": [
            {"connection_id": "c1", "source_node_id": "trigger", "target_node_id": "classify"},
            {"connection_id": "c2", "source_node_id": "classify", "target_node_id": "draft"},
            {"connection_id": "c3", "source_node_id": "draft", "target_node_id": "approval"},
            {
                "connection_id": "c4",
                "source_node_id": "approval",
                "target_node_id": "send",
                "source_output": "approved",
            },
        ],
    }
    return body | fields


CUSTOMER_EMAIL = {
    "from_address": "dana@example.com",
    "from_name": "Dana",
    "subject": "Refund for order 1234",
    "body_text": "Hello, I was charged twice for order 1234. Please refund the second charge.",
    "message_id": "<order-1234@example.com>",
}
