"""The workflow drawn for streamlit-agraph: nodes at their stored positions, coloured by health.

The drawing depends only on the workflow version and each node's health, not on its counts, so
the same workflow in the same state gives the very same component arguments (``graph_digest``)
and the page redraws the graph only when one of those changes; the counts go in a table.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from streamlit_agraph import Config, Edge, Node

from engine.service import NodeStatus, NodeStatusCount, Workflow
from ui.format import status_colour

NodeCounts = dict[str, dict[NodeStatus, int]]
# The editor spaces nodes widely; drawing them a little closer keeps labels legible once the
# graph is fitted to the page's width.
X_SCALE = 0.85
# Darker than the idle status grey so the white label stays readable.
IDLE_NODE_COLOUR = "#8a8a8a"
HEALTH_WORDS = {
    NodeStatus.FAILED.value: "failures",
    NodeStatus.WAITING.value: "waiting",
    NodeStatus.COMPLETED.value: "all done",
    None: "idle",
}


def counts_by_node(rows: Iterable[NodeStatusCount]) -> NodeCounts:
    """``{node_id: {status: count}}`` from the service's flat rows."""
    counts: defaultdict[str, dict[NodeStatus, int]] = defaultdict(dict)
    for row in rows:
        counts[row.node_id][row.status] = counts[row.node_id].get(row.status, 0) + row.count
    return dict(counts)


def node_health(counts: dict[NodeStatus, int]) -> str | None:
    """The status a node is coloured by: failed, then waiting, then completed; None if idle."""
    for status in (NodeStatus.FAILED, NodeStatus.WAITING, NodeStatus.COMPLETED):
        if counts.get(status, 0) > 0:
            return status.value
    return None


def node_label(name: str, counts: dict[NodeStatus, int]) -> str:
    """The node's name over its health in a word (the counts are in the table below)."""
    return f"{name}\n{HEALTH_WORDS[node_health(counts)]}"


def node_count_rows(workflow: Workflow, counts: NodeCounts) -> list[dict[str, Any]]:
    """One row per node: its name and its done, waiting and failed runs."""
    return [
        {
            "node": node.name,
            "done": counts.get(node.node_id, {}).get(NodeStatus.COMPLETED, 0),
            "waiting": counts.get(node.node_id, {}).get(NodeStatus.WAITING, 0),
            "failed": counts.get(node.node_id, {}).get(NodeStatus.FAILED, 0),
        }
        for node in workflow.visual_data.nodes
    ]


def graph_digest(nodes: list[Node], edges: list[Edge], config: Config) -> str:
    """A digest of exactly what ``agraph`` is given: equal digests, an unchanged drawing."""
    drawn = {
        "nodes": [node.to_dict() for node in nodes],
        "edges": [edge.to_dict() for edge in edges],
        "config": config.__dict__,
    }
    return hashlib.sha256(json.dumps(drawn, sort_keys=True).encode()).hexdigest()


def _node_colour(counts: dict[NodeStatus, int]) -> dict[str, Any]:
    health = node_health(counts)
    colour = status_colour(health).hex if health else IDLE_NODE_COLOUR
    return {
        "background": colour,
        "border": colour,
        "highlight": {"background": colour, "border": "#212121"},
        "hover": {"background": colour, "border": "#212121"},
    }


def build_graph(
    workflow: Workflow, counts: NodeCounts, *, height: int = 300
) -> tuple[list[Node], list[Edge], Config]:
    """agraph nodes, edges and config for ``workflow`` with the given per-node counts.

    Nodes sit at their stored positions (left to right); physics and the hierarchical layout
    are off so nothing moves. vis-network shows a string title as plain text (``innerText``),
    so its lines are split by newlines, not ``<br>``.
    """
    nodes = []
    for node in workflow.visual_data.nodes:
        node_counts = counts.get(node.node_id, {})
        title = (
            f"{node.name} ({node.node_type_id})\n"
            f"{HEALTH_WORDS[node_health(node_counts)]} in the last hour"
        )
        nodes.append(
            Node(
                id=node.node_id,
                label=node_label(node.name, node_counts),
                title=title,
                x=node.position.x * X_SCALE,
                y=node.position.y,
                shape="box",
                color=_node_colour(node_counts),
                font={"color": "#ffffff", "size": 16, "face": "sans-serif"},
                margin=12,
                widthConstraint={"maximum": 130},
                fixed=True,
            )
        )
    edges = []
    for link in workflow.visual_data.connections:
        extra: dict[str, Any] = {}
        if link.source_output != "main":
            extra["label"] = link.source_output
        edges.append(
            Edge(
                source=link.source_node_id,
                target=link.target_node_id,
                color="#9e9e9e",
                font={"size": 12, "align": "top", "color": "#616161", "strokeWidth": 0},
                arrows="to",
                **extra,
            )
        )
    config = Config(
        height=height,
        width=1000,
        directed=True,
        physics=False,
        hierarchical=False,
        interaction={"dragNodes": False, "hover": True, "zoomView": True, "dragView": True},
        edges={
            "smooth": {
                "enabled": True,
                "type": "cubicBezier",
                "forceDirection": "horizontal",
                "roundness": 0.4,
            }
        },
    )
    # agraph formats the width in pixels; vis-network also takes a percentage.
    config.width = "100%"
    return nodes, edges, config
