"""Button callbacks of the Workflow page: each acts as the person signed in now, through the
service, and leaves a message for the next run to show."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from engine.service import (
    Actor,
    ControlRefused,
    MailroomService,
    StoreError,
    Workflow,
    WorkflowRejected,
    with_connection,
    with_node_added,
    with_node_added_after,
    without_connection,
    without_node,
)
from ui.context import callback_actor

FLASH_KEY = "workflow-flash"


def flash(level: str, message: str) -> None:
    st.session_state[FLASH_KEY] = (level, message)


def act(command: Callable[[Actor], str]) -> None:
    """Run ``command`` as the signed-in person; show its message, or why it was refused."""
    try:
        message = command(callback_actor())
    except WorkflowRejected as exc:
        flash("error", "; ".join([*exc.problems, *_field_messages(exc)]))
    except (PermissionError, ControlRefused, StoreError, KeyError, ValueError) as exc:
        flash("error", str(exc))
    else:
        flash("success", message)


def _field_messages(exc: WorkflowRejected) -> list[str]:
    return [
        f"{node}.{field}: {msg}" for node, errs in exc.fields.items() for field, msg in errs.items()
    ]


def set_active(service: MailroomService, workflow_id: str, key: str) -> None:
    wanted = bool(st.session_state[key])

    def command(actor: Actor) -> str:
        service.set_workflow_active(actor, workflow_id, wanted)
        return "Workflow switched " + (
            "on: new emails start executions" if wanted else "off: running executions finish"
        )

    act(command)


def run_now(service: MailroomService, workflow_id: str) -> None:
    def command(actor: Actor) -> str:
        service.run_now(actor, workflow_id)
        return "Run requested: a worker polls the mailbox now."

    act(command)


def pause_all(service: MailroomService, workflow_id: str) -> None:
    act(lambda actor: f"Paused {service.pause_all(actor, workflow_id)} executions.")


def resume_all(service: MailroomService, workflow_id: str) -> None:
    act(lambda actor: f"Resumed {service.resume_all(actor, workflow_id)} executions.")


def _save(
    service: MailroomService, workflow_id: str, edit: Callable[[Workflow], Workflow], change: str
) -> Callable[[Actor], str]:
    def command(actor: Actor) -> str:
        current = service.get_workflow(actor, workflow_id)
        saved = service.save_workflow(actor, edit(current), change)
        return f"{change[0].upper()}{change[1:]}: saved as version {saved.version}."

    return command


def add_node(service: MailroomService, workflow_id: str) -> None:
    type_id = str(st.session_state.get("graph-add-type"))
    name = str(st.session_state.get("graph-add-name") or "")
    after = st.session_state.get("graph-add-after")
    output = str(st.session_state.get("graph-add-output") or "main")

    def edit(workflow: Workflow) -> Workflow:
        if after is None or not workflow.visual_data.nodes:
            return with_node_added(workflow, type_id, name)
        return with_node_added_after(workflow, type_id, name, str(after), output)

    change = f"added a {type_id} node" + (f" after {after} ({output})" if after else "")
    act(_save(service, workflow_id, edit, change))


def remove_node(service: MailroomService, workflow_id: str, node_id: str) -> None:
    act(_save(service, workflow_id, lambda w: without_node(w, node_id), f"removed node {node_id}"))


def add_connection(service: MailroomService, workflow_id: str) -> None:
    source = str(st.session_state.get("graph-link-from"))
    output = str(st.session_state.get("graph-link-output"))
    target = str(st.session_state.get("graph-link-to"))
    act(
        _save(
            service,
            workflow_id,
            lambda w: with_connection(w, source, output, target),
            f"connected {source} ({output}) to {target}",
        )
    )


def remove_connection(service: MailroomService, workflow_id: str) -> None:
    connection_id = str(st.session_state.get("graph-unlink"))
    act(
        _save(
            service,
            workflow_id,
            lambda w: without_connection(w, connection_id),
            "removed a connection",
        )
    )


def with_settings(workflow: Workflow, node_id: str, name: str, config: dict[str, Any]) -> Workflow:
    """``workflow`` with node ``node_id`` renamed (unless ``name`` is blank) and configured."""
    nodes = [
        node.model_copy(update={"config": config, "name": name.strip() or node.name})
        if node.node_id == node_id
        else node
        for node in workflow.visual_data.nodes
    ]
    return workflow.model_copy(
        update={"visual_data": workflow.visual_data.model_copy(update={"nodes": nodes})}
    )


def save_node(
    service: MailroomService, workflow_id: str, node_id: str, name: str, config: dict[str, Any]
) -> tuple[int | None, dict[str, str]]:
    """Save a node's settings as a new version; (version, {}) or (None, errors by field)."""
    try:
        actor = callback_actor()
        edited = with_settings(service.get_workflow(actor, workflow_id), node_id, name, config)
        saved = service.save_workflow(actor, edited, f"edited the settings of {node_id}")
    except WorkflowRejected as exc:
        errors = dict(exc.fields.get(node_id, {}))
        if exc.problems:
            errors[""] = "; ".join(exc.problems)
        return None, errors
    except (PermissionError, ControlRefused) as exc:
        return None, {"": str(exc)}
    return saved.version, {}
