"""Condition: route on a property of the email or of an upstream result."""

from __future__ import annotations

from typing import Any, Literal

from engine.nodes.base import NodeCategory, NodeConfig, NodeContext, NodeResult, NodeType
from engine.nodes.paths import MissingPath, resolve_path
from engine.nodes.registry import register

Operator = Literal[
    "equals", "not_equals", "in", "not_in", "contains", "greater_than", "less_than", "exists"
]


class ConditionConfig(NodeConfig):
    field: str
    operator: Operator = "equals"
    value: Any = None


def evaluate(operator: Operator, actual: Any, expected: Any) -> bool:
    """Whether ``actual <operator> expected`` holds."""
    if operator == "equals":
        return bool(actual == expected)
    if operator == "not_equals":
        return bool(actual != expected)
    if operator == "in":
        return actual in expected
    if operator == "not_in":
        return actual not in expected
    if operator == "contains":
        return str(expected).lower() in str(actual).lower()
    if operator == "greater_than":
        return float(actual) > float(expected)
    if operator == "less_than":
        return float(actual) < float(expected)
    return actual is not None  # exists


@register
class Condition(NodeType[ConditionConfig]):
    type_id = "condition"
    display_name = "Condition"
    category = NodeCategory.LOGIC
    description = "Sends the execution down its 'true' or 'false' output."
    config_model = ConditionConfig
    inline = True
    outputs = ("true", "false")

    def run(self, ctx: NodeContext, config: ConditionConfig) -> NodeResult:
        try:
            actual = resolve_path(ctx.data, config.field)
        except MissingPath:
            actual = None
        # A missing value never matches, whatever the operator.
        outcome = actual is not None and evaluate(config.operator, actual, config.value)
        branch = "true" if outcome else "false"
        return NodeResult(
            output={"condition": {"field": config.field, "value": actual, "result": outcome}},
            fired_outputs=[branch],
        )
