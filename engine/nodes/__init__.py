"""Node types. Importing this package registers every built-in type."""

from engine.nodes import (  # noqa: F401  (imported for their registration)
    ai_model,
    approval,
    condition,
    email_trigger,
    notification,
    send_reply,
    transform,
)
from engine.nodes.registry import all_node_types, get_node_type

__all__ = ["all_node_types", "get_node_type"]
