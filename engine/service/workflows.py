"""Workflows: list, read, create, switch on and off, save a new version, archive, run now (on
the mailboxes, or on one email the caller gives)."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from engine.dry_run import (
    ApprovalAssumption,
    DryRunReport,
    EmailChoice,
    EmailsNotFound,
    choose_emails,
    dry_run,
)
from engine.mail.inbound import accept_raw
from engine.mail.triggers import RUN_NOW_KEY
from engine.models import (
    ExecutionLog,
    NodeStatusCount,
    TriggeredBy,
    Workflow,
    WorkflowStatus,
)
from engine.nodes.base import NodeType
from engine.nodes.email_trigger import EmailTriggerConfig
from engine.nodes.registry import all_node_types, get_node_type
from engine.roles import Actor
from engine.service.core import ServiceCore
from engine.service.message import EmailPayload, raw_message
from engine.service.permissions import (
    Conflict,
    ControlRefused,
    NotFound,
    requires,
    unrestricted,
)
from engine.store.base import WorkflowNotFound
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
    def create_workflow(self, actor: Actor, workflow: Workflow) -> Workflow:
        """Store a new workflow as version 1, off until it is switched on.

        ``Conflict`` if its id is taken; ``WorkflowRejected`` if a node's settings or the
        graph are not valid.
        """
        validate_workflow(workflow)
        self._refuse_unconfigured_ai(workflow)
        try:
            self.store.get_workflow(workflow.workflow_id)
        except WorkflowNotFound:
            pass
        else:
            raise Conflict(f"a workflow with id {workflow.workflow_id!r} already exists")
        now = self.clock()
        draft = workflow.model_copy(
            update={
                "status": WorkflowStatus.OFF,
                "created_at": now,
                "updated_at": now,
                "execution_count": 0,
                "last_executed_at": None,
            }
        )
        saved = self.store.save_workflow(draft)
        self._audit(actor, "create_workflow", saved.workflow_id, after={"name": saved.name})
        return saved

    @requires("edit_workflow")
    def archive_workflow(self, actor: Actor, workflow_id: str) -> Workflow:
        """Archive a workflow: no new execution starts; those already started finish on the
        version they are pinned to, and every version stays readable."""
        before = self.store.get_workflow(workflow_id).status
        workflow = self.store.set_workflow_status(workflow_id, WorkflowStatus.ARCHIVED)
        self._audit(
            actor, "archive_workflow", workflow_id, {"status": before}, {"status": "archived"}
        )
        return workflow

    @requires("edit_workflow")
    def save_workflow(
        self, actor: Actor, workflow: Workflow, change: str, *, base_version: int | None = None
    ) -> Workflow:
        """Store an edited workflow as a new version, if every node's settings and the graph
        are valid (``WorkflowRejected`` says what is not). ``change`` describes the edit. An
        edit that changes nothing returns the current version: no new version, no audit.
        ``base_version``, when given, is the version the edit started from: ``Conflict`` if
        another was saved since."""
        validate_workflow(workflow)
        self._refuse_unconfigured_ai(workflow)
        before = self.store.get_workflow(workflow.workflow_id)
        if base_version is not None and base_version != before.version:
            raise Conflict(
                f"workflow {workflow.workflow_id} is at version {before.version}, not"
                f" {base_version}: read it again and redo the edit"
            )
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

    def _refuse_unconfigured_ai(self, workflow: Workflow) -> None:
        """``WorkflowRejected`` if an AI node chose a provider this engine has no settings for
        (a service built without settings, as in some tests, has none to check against)."""
        if self._settings is not None:
            unconfigured = unconfigured_ai_providers(workflow, self._settings)
            if unconfigured:
                raise WorkflowRejected(unconfigured)

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

    @requires("toggle_workflow")
    def run_with_email(self, actor: Actor, workflow_id: str, email: EmailPayload) -> ExecutionLog:
        """Run a switched-on workflow now on one email the caller gives (the API).

        The email takes the path of any inbound mail (parsed, stored once by Message-ID,
        threaded) and starts one execution of this workflow only; giving the same email again
        returns the execution it started the first time.
        """
        workflow = self.store.get_workflow(workflow_id)
        if workflow.status != WorkflowStatus.ACTIVE:
            raise Conflict(f"workflow {workflow.name!r} is off; switch it on to run it")
        outcome = accept_raw(
            self.store,
            raw_message(email, self.clock()),
            mailbox=email.mailbox or _trigger_mailbox(workflow),
            source="api",
            origin=f"API call by {actor.name}",
        )
        if outcome.email_id is None:
            raise ControlRefused(f"the email cannot be read: {outcome.reason}")
        # One id per (workflow, email): a second call finds the first call's execution.
        key = hashlib.sha256(f"{workflow_id}|{outcome.email_id}".encode()).hexdigest()[:32]
        execution = ExecutionLog(
            execution_id=f"exe_{key}",
            workflow_id=workflow_id,
            workflow_version=workflow.version,
            email_id=outcome.email_id,
            triggered_by=TriggeredBy.API,
            input_data={"email_id": outcome.email_id, "message_id": email.message_id},
        )
        if not self.store.create_execution(execution):
            found = self.store.get_execution(execution.execution_id)
            if found is not None:
                return found  # the same email again: nothing runs twice
            raise Conflict(f"the email {email.message_id} already started workflow {workflow_id}")
        self.store.record_workflow_executions(workflow_id, 1, self.clock())
        self._audit(
            actor, "run_with_email", workflow_id, after={"execution_id": execution.execution_id}
        )
        return execution

    @requires("edit_workflow")
    def dry_run_workflow(
        self,
        actor: Actor,
        workflow_id: str,
        emails: EmailChoice,
        *,
        version: int | None = None,
        edited: Workflow | None = None,
        approvals: ApprovalAssumption = "wait",
    ) -> DryRunReport:
        """Run the workflow over stored emails with no side effect and report what it would do.

        Runs ``edited`` (an unsaved edit, validated like a save) when given, else ``version``
        or the current version. Nothing is sent or notified and nothing is written but one
        audit entry; ``approvals`` says whether an Approval node stops the run (as live) or
        counts as approved or rejected. ``NotFound`` for email ids that are not stored.
        """
        current = self.store.get_workflow(workflow_id)
        if edited is not None:
            workflow = edited.model_copy(
                update={"workflow_id": workflow_id, "version": current.version}
            )
            validate_workflow(workflow)
        elif version is not None:
            workflow = self.store.get_workflow(workflow_id, version)
        else:
            workflow = current
        try:
            chosen = choose_emails(self.store, emails)
        except EmailsNotFound as exc:
            raise NotFound(str(exc)) from exc
        report = dry_run(
            self.store,
            self.providers,
            self.settings,
            workflow,
            chosen,
            edited=edited is not None,
            approvals=approvals,
            clock=self.clock,
        )
        self._audit(
            actor,
            "dry_run_workflow",
            workflow_id,
            after={
                "version": workflow.version,
                "edited": edited is not None,
                "emails": report.summary.emails,
                "outcomes": report.summary.outcomes,
            },
        )
        return report

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


def _trigger_mailbox(workflow: Workflow) -> str:
    """The mailbox the workflow's email trigger reads (the trigger's default when unset)."""
    for node in workflow.visual_data.nodes:
        if node.node_type_id == "email_trigger":
            return EmailTriggerConfig.model_validate(node.config).mailbox
    return EmailTriggerConfig().mailbox


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
