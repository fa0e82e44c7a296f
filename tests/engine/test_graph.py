from __future__ import annotations

import pytest

from engine.graph import InvalidWorkflow, WorkflowGraph
from engine.models import Connection, Position, VisualData, WorkflowNode
from engine.seed import default_workflow


def _node(node_id: str) -> WorkflowNode:
    return WorkflowNode(
        node_id=node_id, node_type_id="transform", name=node_id, position=Position(x=0, y=0)
    )


def _conn(a: str, b: str) -> Connection:
    return Connection(connection_id=f"{a}-{b}", source_node_id=a, target_node_id=b)


def test_default_workflow_order_respects_every_connection() -> None:
    workflow = default_workflow()
    graph = WorkflowGraph(workflow.visual_data)
    position = {node_id: i for i, node_id in enumerate(graph.order)}
    assert len(position) == len(workflow.visual_data.nodes)
    for conn in workflow.visual_data.connections:
        assert position[conn.source_node_id] < position[conn.target_node_id]


def test_cycle_is_refused_with_the_nodes_named() -> None:
    data = VisualData(
        nodes=[_node("a"), _node("b")], connections=[_conn("a", "b"), _conn("b", "a")]
    )
    with pytest.raises(InvalidWorkflow, match="cycle through a, b"):
        WorkflowGraph(data)


def test_connection_to_unknown_node_is_refused() -> None:
    data = VisualData(nodes=[_node("a")], connections=[_conn("a", "ghost")])
    with pytest.raises(InvalidWorkflow, match="unknown node 'ghost'"):
        WorkflowGraph(data)
