"""The workflow drawn for streamlit-agraph: nodes at their stored positions, coloured by health."""

from __future__ import annotations

import html
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
    """The node's name over its live counts: completed / waiting / failed."""
    done = counts.get(NodeStatus.COMPLETED, 0)
    waiting = counts.get(NodeStatus.WAITING, 0)
    failed = counts.get(NodeStatus.FAILED, 0)
    # One count per line keeps boxes narrow, hence legible once the graph is fitted.
    return f"{name}\n{done} done\n{waiting} waiting\n{failed} failed"


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
    are off so nothing moves. Hover titles are HTML in vis-network, hence the escaping.
    """
    nodes = []
    for node in workflow.visual_data.nodes:
        node_counts = counts.get(node.node_id, {})
        title = "\n".join(
            [f"{node.name} ({node.node_type_id})"]
            + [f"{status.value}: {count}" for status, count in sorted(node_counts.items())]
        )
        nodes.append(
            Node(
                id=node.node_id,
                label=node_label(node.name, node_counts),
                title=html.escape(title).replace("\n", "<br>"),
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
