"""Workflow (managers): the graph with live per-node counts, the on/off switch, run now, pause
all, node settings in a generated form, and adding or removing nodes and connections."""

from __future__ import annotations

import json
from datetime import timedelta

import pandas as pd  # type: ignore[import-untyped]
import streamlit as st
from streamlit_agraph import Config, Edge, Node, agraph

from engine.service import ExecutionStatus, NodeCategory, Workflow, WorkflowStatus, utcnow
from ui import dry_run
from ui import workflow_actions as actions
from ui.context import current_actor, get_service
from ui.format import ago, code, escape_markdown, timestamp, workflow_status_badge
from ui.graph import NodeCounts, build_graph, counts_by_node, graph_digest, node_count_rows
from ui.node_form import collect, narrowed, render_node_form, specs_for

LIVE_WINDOW = timedelta(hours=1)
ERRORS_KEY = "node-form-errors"

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
workflow = service.get_workflow(actor, workflow_id)

header, switch = st.columns([3, 2], vertical_alignment="center")
with header:
    st.subheader(escape_markdown(workflow.name))
    if workflow.description:
        st.caption(escape_markdown(workflow.description))
with switch:
    toggle_key = f"workflow-active-{workflow_id}"
    # The toggle mirrors the store (which another manager may have changed); the callback
    # has already written this run's change, or refused it.
    st.session_state[toggle_key] = workflow.status == WorkflowStatus.ACTIVE
    controls = st.container(horizontal=True, vertical_alignment="center")
    with controls:
        st.toggle(
            "Active",
            key=toggle_key,
            on_change=actions.set_active,
            args=(service, workflow_id, toggle_key),
            help="When on, new emails start executions. Switching off lets running ones finish.",
        )
        st.button(
            "Run now",
            key="workflow-run-now",
            icon=":material/play_arrow:",
            on_click=actions.run_now,
            args=(service, workflow_id),
            disabled=workflow.status != WorkflowStatus.ACTIVE,
            help="Poll the mailbox now instead of at the next interval.",
        )
        st.button(
            "Pause all",
            key="workflow-pause-all",
            icon=":material/pause:",
            on_click=actions.pause_all,
            args=(service, workflow_id),
            help="Pause every unfinished execution of this workflow.",
        )
        st.button(
            "Resume all",
            key="workflow-resume-all",
            icon=":material/resume:",
            on_click=actions.resume_all,
            args=(service, workflow_id),
        )

flash = st.session_state.pop(actions.FLASH_KEY, None)
if flash is not None:
    level, message = flash
    if level == "error":
        st.error(escape_markdown(message), icon=":material/block:")
    elif level == "info":
        st.info(escape_markdown(message), icon=":material/info:")
    else:
        st.success(escape_markdown(message), icon=":material/check_circle:")
        st.toast(escape_markdown(message), icon=":material/check_circle:")

facts = st.columns(4)
facts[0].markdown(f"**Status**  \n{workflow_status_badge(workflow.status.value)}")
facts[1].metric("Version", workflow.version)
facts[2].metric("Executions", workflow.execution_count)
facts[3].metric("Last executed", ago(workflow.last_executed_at))

node_ids = [node.node_id for node in workflow.visual_data.nodes]
node_names = {node.node_id: node.name for node in workflow.visual_data.nodes}
pick_key = f"node-pick-{workflow_id}"
drawn_key = f"graph-drawn-{workflow_id}"


def live_graph(workflow: Workflow) -> tuple[list[Node], list[Edge], Config, NodeCounts]:
    """The graph of ``workflow`` as its nodes ran in the last hour, and their counts."""
    counts = counts_by_node(
        service.node_status_counts(actor, workflow.workflow_id, since=utcnow() - LIVE_WINDOW)
    )
    return (*build_graph(workflow, counts), counts)


st.caption(
    "Green: all done; amber: waiting on people; red: failures, in the last hour. Click a node, "
    "or pick it below, to edit its settings."
)
# Drawn outside the timed fragment, so the component keeps its iframe (zoom, clicks) until
# what it shows changes; the fragment below reruns the page when it does.
nodes, edges, config, _ = live_graph(workflow)
st.session_state[drawn_key] = graph_digest(nodes, edges, config)
# Drawn at full width: the graph is fitted to its frame, so a narrow frame means tiny labels.
clicked = agraph(nodes=nodes, edges=edges, config=config)
click_key = f"node-clicked-{workflow_id}"
# A click on the graph selects that node, once per click: the component keeps returning it.
if clicked in node_ids and clicked != st.session_state.get(click_key):
    st.session_state[click_key] = clicked
    st.session_state[pick_key] = clicked


@st.fragment(run_every=5)
def live_counts(workflow_id: str) -> None:
    """Node and execution counts, refreshed every few seconds; the whole page reruns when
    the graph would be drawn differently (a new version, a node's health changed)."""
    current = service.get_workflow(actor, workflow_id)
    nodes, edges, config, counts = live_graph(current)
    if graph_digest(nodes, edges, config) != st.session_state.get(drawn_key):
        st.rerun(scope="app")
    st.caption("Node runs started in the last hour")
    st.dataframe(pd.DataFrame(node_count_rows(current, counts)), hide_index=True, width="stretch")
    by_status = service.execution_counts(actor, workflow_id)
    columns = st.columns(len(ExecutionStatus))
    for column, status in zip(columns, ExecutionStatus, strict=True):
        column.metric(status.value.capitalize(), by_status.get(status.value, 0))


live_counts(workflow_id)

if not node_ids:
    st.info("This workflow has no nodes yet: add one below.")
else:
    if st.session_state.get(pick_key) not in node_ids:
        st.session_state[pick_key] = node_ids[0]
    picker, settings = st.columns([1, 2], gap="large")
    with picker:
        node_id: str = st.selectbox(
            "Node",
            options=node_ids,
            format_func=lambda nid: node_names.get(nid, nid),
            key=pick_key,
        )
        node = workflow.visual_data.node(node_id)
        node_type = service.node_type(node.node_type_id)
        st.markdown(
            f"**Type:** {escape_markdown(node_type.display_name)} {code(node.node_type_id)}  \n"
            f"**Id:** {code(node.node_id)}  \n**Outputs:** "
            + ", ".join(code(output) for output in node_type.outputs)
        )
        st.caption(escape_markdown(node_type.description))
        st.button(
            "Remove this node",
            key="graph-remove-node",
            icon=":material/delete:",
            on_click=actions.remove_node,
            args=(service, workflow_id, node_id),
            help="Removes the node and its connections, as a new version.",
        )
    with settings:
        st.markdown(f"**Settings** (version {workflow.version})")
        form_key = f"node-form-{workflow_id}-{node_id}-v{workflow.version}"
        errors: dict[str, str] = st.session_state.get(ERRORS_KEY, {}).get(form_key, {})
        specs = narrowed(
            specs_for(service.node_type(node.node_type_id)),
            service.node_field_choices(actor, node.node_type_id),
        )
        pressed, name, raw = render_node_form(node, specs, form_key, errors)
        if pressed == "dry_run":
            config, problems = collect(specs, raw, node.config)
            if problems:
                st.session_state[ERRORS_KEY] = {form_key: problems}
                st.rerun()
            st.session_state.pop(ERRORS_KEY, None)
            dry_run.remember_edit(workflow, node_id, name, config)
        if pressed == "save":
            config, problems = collect(specs, raw, node.config)
            version, problems = (
                (None, problems)
                if problems
                else actions.save_node(service, workflow_id, node_id, name, config)
            )
            if version is None:
                st.session_state[ERRORS_KEY] = {form_key: problems}
            else:
                st.session_state.pop(ERRORS_KEY, None)
                if version == workflow.version:
                    actions.flash("info", f"Nothing changed: the workflow stays version {version}.")
                else:
                    actions.flash(
                        "success", f"Saved {name}: the workflow is now version {version}."
                    )
            st.rerun()

with st.expander("Add or remove nodes and connections", icon=":material/edit:"):
    add, link, unlink = st.columns(3, gap="large")
    with add:
        st.markdown("**Add a node**")
        # A trigger starts executions and nothing leads into it: it is not added after a node.
        types = {
            t.type_id: t.display_name
            for t in service.node_types()
            if t.category != NodeCategory.TRIGGER or not node_ids
        }
        st.selectbox("Type", list(types), format_func=types.__getitem__, key="graph-add-type")
        st.text_input("Name", key="graph-add-name", placeholder="e.g. Notify billing")
        if node_ids:
            after = st.selectbox(
                "After", node_ids, format_func=node_names.__getitem__, key="graph-add-after"
            )
            after_type = service.node_type(workflow.visual_data.node(after).node_type_id)
            st.selectbox(
                "On its output",
                list(after_type.outputs),
                key="graph-add-output",
                help="The new node runs when this output of the node before it fires.",
            )
        st.button(
            "Add node", key="graph-add", on_click=actions.add_node, args=(service, workflow_id)
        )
    with link:
        st.markdown("**Connect two nodes**")
        if node_ids:
            source = st.selectbox(
                "From", node_ids, format_func=node_names.__getitem__, key="graph-link-from"
            )
            source_type = service.node_type(workflow.visual_data.node(source).node_type_id)
            st.selectbox("Output", list(source_type.outputs), key="graph-link-output")
            st.selectbox("To", node_ids, format_func=node_names.__getitem__, key="graph-link-to")
            st.button(
                "Connect",
                key="graph-connect",
                on_click=actions.add_connection,
                args=(service, workflow_id),
            )
    with unlink:
        st.markdown("**Remove a connection**")
        links = {
            c.connection_id: f"{node_names.get(c.source_node_id, c.source_node_id)} "
            f"({c.source_output}) → {node_names.get(c.target_node_id, c.target_node_id)}"
            for c in workflow.visual_data.connections
        }
        if links:
            st.selectbox(
                "Connection", list(links), format_func=links.__getitem__, key="graph-unlink"
            )
            st.button(
                "Remove connection",
                key="graph-disconnect",
                on_click=actions.remove_connection,
                args=(service, workflow_id),
            )
        else:
            st.caption("No connections.")

dry_run.render_dry_run(service, actor, workflow)

with st.expander("Versions", icon=":material/history:"):
    st.caption(
        "Every save makes a new version; executions keep the version they started on. "
        "Pick one to see its nodes and settings."
    )
    shown_version: int = st.selectbox(
        "Version",
        options=list(range(workflow.version, 0, -1)),
        format_func=lambda v: f"version {v}" + (" (current)" if v == workflow.version else ""),
        key=f"workflow-version-{workflow_id}",
    )
    old = service.get_workflow(actor, workflow_id, shown_version)
    st.caption(f"Saved {timestamp(old.updated_at)}")
    st.dataframe(
        pd.DataFrame(
            {
                "node": [n.name for n in old.visual_data.nodes],
                "type": [n.node_type_id for n in old.visual_data.nodes],
                "settings": [json.dumps(n.config, sort_keys=True) for n in old.visual_data.nodes],
            }
        ),
        hide_index=True,
        width="stretch",
    )
