"""The shape of a workflow: order of nodes and their connections, validated."""

from __future__ import annotations

from collections import defaultdict, deque

from engine.models import Connection, ExecutionLog, NodeStatus, VisualData, WorkflowNode


class InvalidWorkflow(ValueError):
    """The workflow's graph cannot run; the message says which node or connection and why."""


class WorkflowGraph:
    """Nodes in a topological order, with the connections into and out of each."""

    def __init__(self, visual_data: VisualData) -> None:
        self.visual_data = visual_data
        node_ids = [node.node_id for node in visual_data.nodes]
        if len(set(node_ids)) != len(node_ids):
            raise InvalidWorkflow("two nodes share a node_id")
        self._incoming: dict[str, list[Connection]] = defaultdict(list)
        self._outgoing: dict[str, list[Connection]] = defaultdict(list)
        known = set(node_ids)
        for conn in visual_data.connections:
            for end in (conn.source_node_id, conn.target_node_id):
                if end not in known:
                    raise InvalidWorkflow(
                        f"connection {conn.connection_id!r} points at unknown node {end!r}"
                    )
            self._incoming[conn.target_node_id].append(conn)
            self._outgoing[conn.source_node_id].append(conn)
        self.order = self._topological_order(node_ids)

    def incoming(self, node_id: str) -> list[Connection]:
        return self._incoming.get(node_id, [])

    def outgoing(self, node_id: str) -> list[Connection]:
        return self._outgoing.get(node_id, [])

    def _topological_order(self, node_ids: list[str]) -> list[str]:
        indegree = {node_id: len(self.incoming(node_id)) for node_id in node_ids}
        ready = deque(node_id for node_id in node_ids if indegree[node_id] == 0)
        order: list[str] = []
        while ready:
            node_id = ready.popleft()
            order.append(node_id)
            for conn in self.outgoing(node_id):
                indegree[conn.target_node_id] -= 1
                if indegree[conn.target_node_id] == 0:
                    ready.append(conn.target_node_id)
        if len(order) != len(node_ids):
            stuck = sorted(set(node_ids) - set(order))
            raise InvalidWorkflow(f"the workflow has a cycle through {', '.join(stuck)}")
        return order


#: Node statuses that decide what a node's successors do.
DECIDED = (NodeStatus.COMPLETED, NodeStatus.SKIPPED)


def activation(graph: WorkflowGraph, execution: ExecutionLog, node: WorkflowNode) -> bool | None:
    """True if the node should run, False if it never will (skip), None if not yet known."""
    incoming = graph.incoming(node.node_id)
    if not incoming:
        return True
    fired = undecided = False
    for conn in incoming:
        source = execution.find_run(conn.source_node_id)
        if source is None or source.status not in DECIDED:
            undecided = True
        elif source.status == NodeStatus.COMPLETED and conn.source_output in source.active_outputs:
            fired = True
    if node.join == "any" and fired:
        return True
    return None if undecided else fired
