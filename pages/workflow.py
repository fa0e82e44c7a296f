"""Workflow (managers): the graph with live per-node counts, the on/off switch, node settings."""

from __future__ import annotations

from datetime import timedelta

import streamlit as st
from streamlit_agraph import agraph

from engine.models import ExecutionStatus, WorkflowStatus, utcnow
from ui.context import callback_actor, current_actor, get_service
from ui.format import ago, code, escape_markdown, workflow_status_badge
from ui.graph import build_graph, counts_by_node

LIVE_WINDOW = timedelta(hours=1)
FLASH_KEY = "workflow-flash"

service = get_service()
actor = current_actor("workflow")

st.title("Workflow")

workflows = service.list_workflows(actor)
if not workflows:
    st.info("There is no workflow yet. Run `python -m engine setup` to create the default one.")
    st.stop()

names = {workflow.workflow_id: workflow.name for workflow in workflows}
workflow_id: str = st.selectbox(
    "Workflow",
    options=list(names),
    format_func=lambda wid: names.get(wid, wid),
    key="workflow-pick",
)


def _set_active(workflow_id: str, key: str) -> None:
    wanted = bool(st.session_state[key])
    try:
        service.set_workflow_active(callback_actor(), workflow_id, wanted)
    except PermissionError as exc:
        st.session_state[FLASH_KEY] = ("error", str(exc))
    else:
        state = "on: new emails start executions" if wanted else "off: running executions finish"
        st.session_state[FLASH_KEY] = ("success", f"Workflow switched {state}.")


workflow = service.get_workflow(actor, workflow_id)

header, switch = st.columns([4, 1], vertical_alignment="center")
with header:
    st.subheader(escape_markdown(workflow.name))
    if workflow.description:
        st.caption(escape_markdown(workflow.description))
with switch:
    toggle_key = f"workflow-active-{workflow_id}"
    # The toggle mirrors the store (which another manager may have changed); the callback
    # above has already written this run's change, or refused it.
    st.session_state[toggle_key] = workflow.status == WorkflowStatus.ACTIVE
    st.toggle(
        "Active",
        key=toggle_key,
        on_change=_set_active,
        args=(workflow_id, toggle_key),
        help="When on, new emails start executions. Switching off lets running ones finish.",
    )

flash = st.session_state.pop(FLASH_KEY, None)
if flash is not None:
    level, message = flash
    if level == "error":
        st.error(escape_markdown(message), icon=":material/block:")
    else:
        st.success(escape_markdown(message), icon=":material/check_circle:")

facts = st.columns(4)
facts[0].markdown(f"**Status**  \n{workflow_status_badge(workflow.status.value)}")
facts[1].metric("Version", workflow.version)
facts[2].metric("Executions", workflow.execution_count)
facts[3].metric("Last executed", ago(workflow.last_executed_at))


@st.fragment(run_every=5)
def live_view(workflow_id: str) -> None:
    """The graph, node details and execution counts, refreshed every few seconds."""
    workflow = service.get_workflow(actor, workflow_id)
    counts = counts_by_node(
        service.node_status_counts(actor, workflow_id, since=utcnow() - LIVE_WINDOW)
    )
    st.caption("Node runs started in the last hour. Click a node to see its settings.")
    nodes, edges, config = build_graph(workflow, counts)
    # Drawn at full width: the graph is fitted to its frame, so a narrow frame means tiny labels.
    clicked = agraph(nodes=nodes, edges=edges, config=config)

    if not workflow.visual_data.nodes:
        st.info("This workflow has no nodes.")
    else:
        node_ids = [node.node_id for node in workflow.visual_data.nodes]
        pick_key = f"node-pick-{workflow_id}"
        click_key = f"node-clicked-{workflow_id}"
        # A click on the graph selects that node, once per click.
        if clicked in node_ids and clicked != st.session_state.get(click_key):
            st.session_state[click_key] = clicked
            st.session_state[pick_key] = clicked
        node_names = {node.node_id: node.name for node in workflow.visual_data.nodes}
        picker, settings = st.columns([1, 2])
        with picker:
            node_id: str = st.selectbox(
                "Node",
                options=node_ids,
                format_func=lambda nid: node_names.get(nid, nid),
                key=pick_key,
            )
            node = workflow.visual_data.node(node_id)
            st.markdown(f"**Type:** {code(node.node_type_id)}  \n**Id:** {code(node.node_id)}")
            node_counts = counts.get(node_id, {})
            st.caption(
                "Last hour: "
                + (
                    ", ".join(f"{status.value} {n}" for status, n in sorted(node_counts.items()))
                    or "no runs"
                )
            )
        with settings:
            st.markdown("**Settings**")
            st.json(node.config, expanded=True)

    st.markdown("**Executions by status**")
    by_status = service.execution_counts(actor, workflow_id)
    columns = st.columns(len(ExecutionStatus))
    for column, status in zip(columns, ExecutionStatus, strict=True):
        column.metric(status.value.capitalize(), by_status.get(status.value, 0))


live_view(workflow_id)
