"""Editing a workflow: pure functions returning a changed copy, and the validation a new
version must pass before it is stored (every node's config against its model, the graph)."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from pydantic_core import to_jsonable_python

from engine.graph import InvalidWorkflow, WorkflowGraph
from engine.models import Connection, Position, Workflow, WorkflowNode, new_id
from engine.nodes import get_node_type
from engine.nodes.base import NodeCategory
from engine.nodes.registry import UnknownNodeType
from engine.settings import Settings

#: Horizontal distance between nodes added at the end of the graph.
NEW_NODE_SPACING = 250.0
#: Vertical distance of a node added after another, below what is right of it.
NEW_NODE_ROW_SPACING = 150.0


class WorkflowRejected(ValueError):
    """A workflow that cannot be saved; ``fields`` holds, per node id, each bad setting and
    why (``""`` for the node as a whole), ``problems`` the graph-level reasons."""

    def __init__(
        self, fields: dict[str, dict[str, str]] | None = None, problems: list[str] | None = None
    ) -> None:
        self.fields = fields or {}
        self.problems = problems or []
        parts = list(self.problems) + [
            f"{node_id}.{name}: {message}" if name else f"{node_id}: {message}"
            for node_id, errors in self.fields.items()
            for name, message in errors.items()
        ]
        super().__init__("the workflow cannot be saved: " + "; ".join(parts))


def config_errors(node_type_id: str, config: dict[str, Any]) -> dict[str, str]:
    """Each setting of ``config`` its node type refuses, and why ({} when valid)."""
    try:
        node_type = get_node_type(node_type_id)
    except UnknownNodeType as exc:
        return {"": str(exc)}
    try:
        node_type.parse_config(config)
    except ValidationError as exc:
        errors: dict[str, str] = {}
        for error in exc.errors():
            field = str(error["loc"][0]) if error["loc"] else ""
            errors.setdefault(field, error["msg"])
        return errors
    return {}


def validate_workflow(workflow: Workflow) -> None:
    """Raise ``WorkflowRejected`` unless every node's config is valid and the graph can run."""
    fields = {
        node.node_id: errors
        for node in workflow.visual_data.nodes
        if (errors := config_errors(node.node_type_id, node.config))
    }
    problems: list[str] = []
    try:
        WorkflowGraph(workflow.visual_data)
    except InvalidWorkflow as exc:
        problems.append(str(exc))
    problems += _wiring_problems(workflow, fields)
    outputs_known = {
        node.node_id: get_node_type(node.node_type_id).outputs
        for node in workflow.visual_data.nodes
        if node.node_id not in fields
    }
    for link in workflow.visual_data.connections:
        outputs = outputs_known.get(link.source_node_id)
        if outputs is not None and link.source_output not in outputs:
            problems.append(
                f"connection {link.connection_id!r}: node {link.source_node_id!r} has no output "
                f"{link.source_output!r} (it has {', '.join(outputs)})"
            )
    if fields or problems:
        raise WorkflowRejected(fields, problems)


def _wiring_problems(workflow: Workflow, fields: dict[str, dict[str, str]]) -> list[str]:
    """Why the nodes cannot all run from a trigger: a node with no input would run for every
    email on its own, and a trigger is where an execution starts, so nothing may lead into it."""
    targets = {link.target_node_id for link in workflow.visual_data.connections}
    problems = []
    triggers = 0
    for node in workflow.visual_data.nodes:
        if node.node_id in fields:
            continue  # its type is unknown or its settings are wrong: reported already
        is_trigger = get_node_type(node.node_type_id).category == NodeCategory.TRIGGER
        triggers += is_trigger
        if is_trigger and node.node_id in targets:
            problems.append(f"node {node.name!r} is a trigger: no connection may lead into it")
        elif not is_trigger and node.node_id not in targets:
            problems.append(
                f"node {node.name!r} has no input: connect another node to it, or remove it"
            )
    if workflow.visual_data.nodes and not triggers and not fields:
        problems.append("the workflow has no trigger node, so no email would ever start it")
    return problems


def _with(workflow: Workflow, **changes: Any) -> Workflow:
    visual = workflow.visual_data.model_copy(update=changes, deep=True)
    return workflow.model_copy(update={"visual_data": visual}, deep=True)


def with_node_config(workflow: Workflow, node_id: str, config: dict[str, Any]) -> Workflow:
    """``workflow`` with ``node_id``'s settings replaced by ``config``."""
    workflow.visual_data.node(node_id)  # KeyError for an unknown node
    nodes = [
        node.model_copy(update={"config": config}) if node.node_id == node_id else node
        for node in workflow.visual_data.nodes
    ]
    return _with(workflow, nodes=nodes)


def with_node_added(workflow: Workflow, node_type_id: str, name: str) -> Workflow:
    """``workflow`` with a new node of ``node_type_id`` (default settings) right of the rest."""
    node_type = get_node_type(node_type_id)
    fields = node_type.config_model.model_fields
    config = {
        field: info.get_default(call_default_factory=True)
        for field, info in fields.items()
        if not info.is_required()
    }
    nodes = workflow.visual_data.nodes
    x = max((node.position.x for node in nodes), default=-NEW_NODE_SPACING) + NEW_NODE_SPACING
    node = WorkflowNode(
        node_id=new_id(node_type_id),
        node_type_id=node_type_id,
        name=name.strip() or node_type.display_name,
        position=Position(x=x, y=0),
        config=to_jsonable_python(config),
    )
    return _with(workflow, nodes=[*nodes, node])


def with_node_added_after(
    workflow: Workflow, node_type_id: str, name: str, source: str, output: str
) -> Workflow:
    """``workflow`` with a new node of ``node_type_id`` fed by ``source``'s ``output``, placed
    right of and below ``source``."""
    anchor = workflow.visual_data.node(source)  # KeyError for an unknown node
    added = with_node_added(workflow, node_type_id, name)
    node = added.visual_data.nodes[-1]
    below = [n.position.y for n in workflow.visual_data.nodes if n.position.x > anchor.position.x]
    y = max([anchor.position.y, *below]) + NEW_NODE_ROW_SPACING
    placed = node.model_copy(
        update={"position": Position(x=anchor.position.x + NEW_NODE_SPACING, y=y)}
    )
    added = _with(added, nodes=[*added.visual_data.nodes[:-1], placed])
    return with_connection(added, source, output, node.node_id)


def without_node(workflow: Workflow, node_id: str) -> Workflow:
    """``workflow`` without ``node_id`` and every connection to or from it."""
    workflow.visual_data.node(node_id)
    return _with(
        workflow,
        nodes=[node for node in workflow.visual_data.nodes if node.node_id != node_id],
        connections=[
            link
            for link in workflow.visual_data.connections
            if node_id not in (link.source_node_id, link.target_node_id)
        ],
    )


def with_connection(workflow: Workflow, source: str, output: str, target: str) -> Workflow:
    """``workflow`` with a connection from ``source``'s ``output`` to ``target``."""
    link = Connection(
        connection_id=new_id("conn"),
        source_node_id=source,
        target_node_id=target,
        source_output=output,
    )
    return _with(workflow, connections=[*workflow.visual_data.connections, link])


def without_connection(workflow: Workflow, connection_id: str) -> Workflow:
    """``workflow`` without the connection ``connection_id``."""
    kept = [c for c in workflow.visual_data.connections if c.connection_id != connection_id]
    if len(kept) == len(workflow.visual_data.connections):
        raise KeyError(connection_id)
    return _with(workflow, connections=kept)


def unconfigured_ai_providers(workflow: Workflow, settings: Settings) -> dict[str, dict[str, str]]:
    """Per AI node that chose a remote provider this engine has no settings for, why."""
    fields: dict[str, dict[str, str]] = {}
    for node in workflow.visual_data.nodes:
        if node.node_type_id != "ai_model":
            continue
        choice = str(node.config.get("provider", "default"))
        problems = settings.ai_provider_problems(choice)
        if problems:
            fields[node.node_id] = {
                "provider": f"{choice} is not configured ({'; '.join(problems)}); choose one of "
                + ", ".join(["default", *settings.configured_ai_providers()])
            }
    return fields
