"""Workflows: list, read, switch on and off, save a new version, run now."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from engine.mail.triggers import RUN_NOW_KEY
from engine.models import (
    NodeStatusCount,
    Workflow,
    WorkflowStatus,
)
from engine.nodes.base import NodeType
from engine.nodes.registry import all_node_types, get_node_type
from engine.roles import Actor
from engine.service.core import ServiceCore
from engine.service.permissions import ControlRefused, requires, unrestricted
from engine.workflow_edit import WorkflowRejected, unconfigured_ai_providers, validate_workflow


class WorkflowOperations(ServiceCore):
    """Workflows operations of the service."""

    @requires("view")
    def list_workflows(self, actor: Actor) -> list[Workflow]:
        return self.store.list_workflows()

    @requires("view")
    def get_workflow(self, actor: Actor, workflow_id: str, version: int | None = None) -> Workflow:
        """The current workflow, or the version an execution is pinned to."""
        return self.store.get_workflow(workflow_id, version)

    @requires("toggle_workflow")
    def set_workflow_active(self, actor: Actor, workflow_id: str, active: bool) -> Workflow:
        """Switch a workflow on (new executions start) or off (running ones finish)."""
        before = self.store.get_workflow(workflow_id).status
        status = WorkflowStatus.ACTIVE if active else WorkflowStatus.OFF
        workflow = self.store.set_workflow_status(workflow_id, status)
        self._audit(actor, "toggle_workflow", workflow_id, {"status": before}, {"status": status})
        return workflow

    @requires("view")
    def node_status_counts(
        self, actor: Actor, workflow_id: str, since: datetime
    ) -> list[NodeStatusCount]:
        return self.store.node_status_counts(workflow_id, since)

    @requires("edit_workflow")
    def save_workflow(self, actor: Actor, workflow: Workflow, change: str) -> Workflow:
        """Store an edited workflow as a new version, if every node's settings and the graph
        are valid (``WorkflowRejected`` says what is not). ``change`` describes the edit. An
        edit that changes nothing returns the current version: no new version, no audit."""
        validate_workflow(workflow)
        unconfigured = unconfigured_ai_providers(workflow, self.settings)
        if unconfigured:
            raise WorkflowRejected(unconfigured)
        before = self.store.get_workflow(workflow.workflow_id)
        if _definition(workflow) == _definition(before):
            return before  # nothing to version: the same graph and settings, saved again
        saved = self.store.save_workflow(workflow)
        self._audit(
            actor,
            "save_workflow",
            workflow.workflow_id,
            before={"version": before.version},
            after={"version": saved.version, "change": change},
        )
        return saved

    @requires("toggle_workflow")
    def run_now(self, actor: Actor, workflow_id: str) -> datetime:
        """Ask the workers to poll the workflow's triggers now rather than at their interval."""
        workflow = self.store.get_workflow(workflow_id)
        if workflow.status != WorkflowStatus.ACTIVE:
            raise ControlRefused(f"workflow {workflow.name!r} is off; switch it on to run it")
        requested_at = self.clock()
        self.store.set_cursor(RUN_NOW_KEY.format(workflow_id=workflow_id), requested_at.isoformat())
        self._audit(actor, "run_now", workflow_id)
        return requested_at

    @unrestricted("the catalogue of node types is the same for everyone")
    def node_types(self) -> list[NodeType[Any]]:
        """Every registered node type, with its config model and outputs."""
        return all_node_types()

    @requires("edit_workflow")
    def node_field_choices(self, actor: Actor, node_type_id: str) -> dict[str, list[str]]:
        """Settings of a node type whose choices depend on this engine's configuration (an AI
        node's provider: ``default``, ``local`` and the remote providers that are configured)."""
        if node_type_id == "ai_model":
            return {"provider": ["default", *self.settings.configured_ai_providers()]}
        return {}

    @unrestricted("the catalogue of node types is the same for everyone")
    def node_type(self, node_type_id: str) -> NodeType[Any]:
        """One node type (``UnknownNodeType`` when none has that id)."""
        return get_node_type(node_type_id)


def _definition(workflow: Workflow) -> dict[str, Any]:
    """What a version defines: its name, description, type, tags and graph, each node's
    settings as its config model reads them (a setting left at its default and one written out
    are the same); not its status, counters or times, which change without a new version."""
    definition = workflow.model_dump(
        mode="json", include={"name", "description", "workflow_type", "tags", "visual_data"}
    )
    for node, dumped in zip(
        workflow.visual_data.nodes, definition["visual_data"]["nodes"], strict=True
    ):
        model = get_node_type(node.node_type_id).config_model
        dumped["config"] = model.model_validate(node.config).model_dump(mode="json")
    return definition
