"""Live executions (managers, agents): watch executions move node by node and control them."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable

import pandas as pd  # type: ignore[import-untyped]
import streamlit as st

from engine.service import (
    SUPPORT_TAXONOMY,
    Actor,
    ControlRefused,
    Email,
    ExecutionLog,
    ExecutionStatus,
    NodeStatus,
    Workflow,
    WorkflowNode,
    utcnow,
)
from ui import confirm
from ui.context import callback_actor, current_actor, get_service
from ui.deep_links import APPROVAL, EXECUTION, link_to, newly_linked, show_in_address
from ui.deliveries import delivery_log, execution_deliveries, may_view
from ui.format import (
    ago,
    code,
    escape_markdown,
    short_id,
    status_badge,
    status_colour,
    timestamp,
)
from ui.timeline import WINDOWS, timeline_figure, timeline_frame

ALL_WORKFLOWS = ""
ALL_CATEGORIES = ""
SELECTED_KEY = "executions-selected"
TABLE_KEY = "executions-table"
#: (execution id, action name) of a control clicked once and waiting for its confirmation.
CONFIRM_KEY = "executions-confirm"
FLASH_KEY = "executions-flash"
TOAST_KEY = "executions-toast"
LIST_LIMIT = 200

# Which controls apply to which status (the service refuses the others anyway).
CAN_PAUSE = {ExecutionStatus.PENDING, ExecutionStatus.RUNNING, ExecutionStatus.WAITING}
CAN_RESUME = {ExecutionStatus.PAUSED}
CAN_CANCEL = CAN_PAUSE | {ExecutionStatus.PAUSED}
CAN_RETRY = {ExecutionStatus.FAILED, ExecutionStatus.CANCELLED}

service = get_service()
actor = current_actor("executions")

st.title("Live executions")

workflows = {workflow.workflow_id: workflow for workflow in service.list_workflows(actor)}
filters = st.columns([2, 1.3, 1, 1])
statuses: list[ExecutionStatus] = filters[0].multiselect(
    "Status",
    options=list(ExecutionStatus),
    format_func=lambda s: s.value,
    placeholder="All statuses",
    key="executions-status",
)
workflow_filter: str = filters[1].selectbox(
    "Workflow",
    options=[ALL_WORKFLOWS, *workflows],
    format_func=lambda wid: workflows[wid].name if wid in workflows else "All workflows",
    key="executions-workflow",
)
category_filter: str = filters[2].selectbox(
    "Category",
    options=[ALL_CATEGORIES, *(category.name for category in SUPPORT_TAXONOMY)],
    format_func=lambda c: c or "All categories",
    key="executions-category",
)
window: str = filters[3].selectbox(
    "Created", options=list(WINDOWS), index=1, key="executions-window"
)


def _progress(execution: ExecutionLog, node_total: int) -> str:
    done = sum(
        1
        for run in execution.node_executions
        if run.status in (NodeStatus.COMPLETED, NodeStatus.SKIPPED)
    )
    return f"{done}/{node_total}"


def _customer(email: Email | None) -> str:
    if email is None:
        return ""
    return f"{email.from_name} <{email.from_address}>" if email.from_name else email.from_address


def _table(
    executions: list[ExecutionLog], node_totals: dict[str, int], emails: dict[str, Email]
) -> pd.DataFrame:
    def email_of(execution: ExecutionLog) -> Email | None:
        return emails.get(execution.email_id) if execution.email_id else None

    return pd.DataFrame(
        {
            "id": [short_id(e.execution_id) for e in executions],
            "subject": [(m.subject if (m := email_of(e)) else "") or "" for e in executions],
            "customer": [_customer(email_of(e)) for e in executions],
            "created": [e.created_at for e in executions],
            "status": [e.status.value for e in executions],
            "category": [e.category or "" for e in executions],
            "priority": [e.priority or "" for e in executions],
            "progress": [_progress(e, node_totals.get(e.workflow_id, 0)) for e in executions],
            "error": [e.error or "" for e in executions],
        }
    )


def _status_style(status: str) -> str:
    return f"color: {status_colour(status).hex}; font-weight: 600"


def _requested(execution: ExecutionLog) -> str | None:
    """A pause or cancel its worker has yet to honour (only a running execution has one)."""
    return execution.control_request if execution.status == ExecutionStatus.RUNNING else None


def _control(execution_id: str, label: str, command: Callable[[Actor], ExecutionLog]) -> None:
    """Button callback: runs before the rerun, so the page then shows the new state. It acts
    as whoever is signed in now (their role may have changed since the page was drawn)."""
    try:
        changed = command(callback_actor())
    except PermissionError as exc:
        st.session_state[FLASH_KEY] = (execution_id, "error", str(exc))
    except ControlRefused as exc:
        st.session_state[FLASH_KEY] = (execution_id, "warning", str(exc))
    else:
        message = f"{label}: execution {short_id(execution_id)} is now {changed.status.value}"
        if _requested(changed):
            message += f" ({changed.control_request} requested; its worker stops at the next node)"
        st.session_state[FLASH_KEY] = (execution_id, "success", message)
        st.session_state[TOAST_KEY] = message


def _retry_actions(eid: str) -> list[tuple[str, str, Callable[[Actor], ExecutionLog]]]:
    return [
        (
            "Retry from failed node",
            "retry-node",
            lambda who: service.retry(who, eid, "failed_node"),
        ),
        (
            "Retry from start (same version)",
            "retry-start",
            lambda who: service.retry(who, eid, "start_pinned"),
        ),
        (
            "Retry from start (current version)",
            "retry-current",
            lambda who: service.retry(who, eid, "start_current"),
        ),
    ]


def _confirmed(execution_id: str, label: str, command: Callable[[Actor], ExecutionLog]) -> None:
    confirm.forget(CONFIRM_KEY)
    _control(execution_id, label, command)


def _controls(execution: ExecutionLog, subject: str) -> None:
    """The controls that apply, each asking for a confirmation that names the execution it
    will act on (bound to its id, whatever the list shows by then)."""
    eid = execution.execution_id
    status = execution.status
    actions: list[tuple[str, str, Callable[[Actor], ExecutionLog]]] = []
    if status in CAN_PAUSE and _requested(execution) != "pause":
        actions.append(("Pause", "pause", lambda who: service.pause(who, eid)))
    if status in CAN_RESUME:
        actions.append(("Resume", "resume", lambda who: service.resume(who, eid)))
    if status in CAN_CANCEL and _requested(execution) != "cancel":
        actions.append(("Cancel", "cancel", lambda who: service.cancel(who, eid)))
    if status in CAN_RETRY:
        actions.extend(_retry_actions(eid))
    if not actions:
        st.caption(f"No controls apply to a {status.value} execution.")
        return
    asked = confirm.asked(CONFIRM_KEY)
    for label, name, command in actions:
        if asked == (eid, name):
            about = f" ({escape_markdown(subject)})" if subject else ""
            with st.container(border=True):
                st.markdown(f"**{label}** execution {code(short_id(eid))}{about}?")
                confirm.yes_or_cancel(
                    CONFIRM_KEY,
                    f"Yes, {label.lower()}",
                    _confirmed,
                    (eid, label, command),
                    yes_key=f"yes-{name}-{eid}",
                    no_key=f"no-{name}-{eid}",
                    no_label="No",
                )
            return
    buttons = st.container(horizontal=True)
    for label, name, _command in actions:
        buttons.button(
            label, key=f"{name}-{eid}", on_click=confirm.ask, args=(CONFIRM_KEY, (eid, name))
        )


def _approval_links(execution: ExecutionLog, workflow: Workflow | None) -> None:
    """Links to the drafts this execution asked a person to decide."""
    if workflow is None:
        return
    approval_nodes = {n.node_id for n in workflow.visual_data.nodes if n.node_type_id == "approval"}
    for run in execution.node_executions:
        if run.node_id not in approval_nodes:
            continue
        approval = service.approval_for(actor, execution.execution_id, run.node_id)
        if approval is not None:
            link_to(
                "approvals",
                APPROVAL,
                approval.approval_id,
                f"Open its draft ({approval.status.value})",
                ":material/fact_check:",
            )


def _node_run_rows(execution: ExecutionLog, nodes: dict[str, WorkflowNode]) -> pd.DataFrame:
    rows = []
    for run in execution.node_executions:
        duration = (
            (run.completed_at - run.started_at).total_seconds() * 1000
            if run.started_at and run.completed_at
            else None
        )
        rows.append(
            {
                "node": nodes[run.node_id].name if run.node_id in nodes else run.node_id,
                "node id": run.node_id,
                "status": run.status.value,
                "started": run.started_at,
                "completed": run.completed_at,
                "ms": duration,
                "attempts": run.retry_count + 1 if run.started_at else 0,
                "error": run.error or "",
            }
        )
    return pd.DataFrame(rows)


def _detail(execution: ExecutionLog, workflow: Workflow | None, email: Email | None) -> None:
    eid = execution.execution_id
    toast = st.session_state.pop(TOAST_KEY, None)
    if toast is not None:
        st.toast(escape_markdown(toast), icon=":material/check_circle:")
    flash = st.session_state.get(FLASH_KEY)
    if flash is not None and flash[0] == eid:
        _, level, message = flash
        text = escape_markdown(message)
        if level == "error":
            st.error(text, icon=":material/block:")
        elif level == "warning":
            st.warning(text, icon=":material/warning:")
        else:
            st.success(text, icon=":material/check_circle:")

    st.markdown(f"#### Execution {code(eid)} {status_badge(execution.status.value)}")
    notes = [
        f"workflow **{escape_markdown(workflow.name if workflow else execution.workflow_id)}**"
        f" v{execution.workflow_version}",
        f"triggered by {execution.triggered_by.value}",
    ]
    if _requested(execution):
        notes.append(f":orange[{execution.control_request} requested]")
    if execution.waiting_on_node:
        notes.append(f"waiting on {code(execution.waiting_on_node)}")
    if execution.owner:
        notes.append(f"run by {code(execution.owner)} (attempt {execution.attempt})")
    st.caption(" · ".join(notes))
    if email is not None:
        st.markdown(
            f"**{escape_markdown(email.subject or '(no subject)')}** from "
            f"{escape_markdown(_customer(email))}"
        )
    _approval_links(execution, workflow)
    _controls(execution, email.subject if email is not None else "")

    st.markdown(
        " · ".join(
            f"**{label}** {ago(at)}" + (f" ({timestamp(at)})" if at else "")
            for label, at in [
                ("Created", execution.created_at),
                ("Started", execution.started_at),
                ("Completed", execution.completed_at),
            ]
        )
    )
    # Counted from the node runs, so an execution still under way shows how far it got.
    failed = sum(1 for run in execution.node_executions if run.status == NodeStatus.FAILED)
    node_total = len(workflow.visual_data.nodes) if workflow else len(execution.node_executions)
    metrics = st.columns([1, 1, 1, 1.6, 1])
    metrics[0].metric("Progress", _progress(execution, node_total), help="Nodes done of total")
    metrics[1].metric("Runtime", f"{execution.metrics.total_runtime_ms:.0f} ms")
    metrics[2].metric("Failed nodes", failed)
    metrics[3].metric("Category", execution.category or "—")
    metrics[4].metric("Priority", execution.priority or "—")
    if execution.error:
        st.error("Execution error")
        st.code(execution.error, language=None, wrap_lines=True)

    nodes = {node.node_id: node for node in workflow.visual_data.nodes} if workflow else {}
    if not execution.node_executions:
        st.info("No node has run yet.")
        return
    names = {node_id: node.name for node_id, node in nodes.items()}
    timeline = timeline_frame(execution, names)
    if not timeline.empty:
        st.plotly_chart(timeline_figure(timeline), key=f"timeline-{eid}")
    st.dataframe(
        _node_run_rows(execution, nodes),
        hide_index=True,
        width="stretch",
        column_config={
            "started": st.column_config.DatetimeColumn(format="HH:mm:ss"),
            "completed": st.column_config.DatetimeColumn(format="HH:mm:ss"),
            "ms": st.column_config.NumberColumn("ms", format="%.0f"),
        },
    )
    eid = execution.execution_id
    for run in execution.node_executions:
        name = nodes[run.node_id].name if run.node_id in nodes else run.node_id
        label = f"{name} · {run.status.value}"
        if run.retry_count:
            label += f" · {run.retry_count} retries"
        # Keyed, so an open expander stays open while its label changes with the status.
        with st.expander(
            escape_markdown(label), icon=_node_icon(run.status), key=f"run-{eid}-{run.node_id}"
        ):
            cells = st.columns(4)
            cells[0].markdown(f"**Node**  \n{code(run.node_id)}")
            cells[1].markdown(f"**Started**  \n{timestamp(run.started_at)}")
            cells[2].markdown(f"**Completed**  \n{timestamp(run.completed_at)}")
            cells[3].markdown(f"**Attempts**  \n{run.retry_count + 1 if run.started_at else 0}")
            if run.error:
                st.code(run.error, language=None, wrap_lines=True)
            inputs, outputs = st.columns(2)
            with inputs:
                st.markdown("**Input**")
                st.json(run.input_data, expanded=1)
            with outputs:
                st.markdown("**Output**")
                st.json(run.output_data, expanded=1)


def _node_icon(status: NodeStatus) -> str:
    return {
        NodeStatus.COMPLETED: ":material/check_circle:",
        NodeStatus.FAILED: ":material/error:",
        NodeStatus.RUNNING: ":material/progress_activity:",
        NodeStatus.SKIPPED: ":material/skip_next:",
    }.get(status, ":material/hourglass_empty:")


@st.fragment(run_every=2)
def live_list(
    statuses: list[ExecutionStatus], workflow_id: str, category: str, window: str
) -> None:
    """The executions table and the selected execution, refreshed every two seconds in place
    (a fragment: only this part reruns, so the page does not flicker)."""
    back = WINDOWS[window]
    executions = service.list_executions(
        actor,
        workflow_id=workflow_id or None,
        statuses=statuses or None,
        category=category or None,
        since=utcnow() - back if back else None,
        limit=LIST_LIMIT,
    )
    by_id = {execution.execution_id: execution for execution in executions}
    matching = list(executions)
    linked = newly_linked(EXECUTION)
    if linked is not None:
        st.session_state[SELECTED_KEY] = linked
    chosen = st.session_state.get(SELECTED_KEY)
    if isinstance(chosen, str) and chosen not in by_id:
        # Linked to, or outside the filters now: it stays open rather than another one.
        found = service.get_execution(actor, chosen)
        if found is not None:
            by_id = {chosen: found, **by_id}
            executions = [found, *executions]
        else:
            del st.session_state[SELECTED_KEY]
            if chosen == linked:
                st.warning(f"There is no execution {code(chosen)}.", icon=":material/link_off:")
    if not matching:
        st.info("No executions match. New emails start executions while a workflow is active.")
    if not executions:
        show_in_address(EXECUTION, None)
        return
    node_totals: dict[str, int] = {}
    for execution in executions:
        if execution.workflow_id not in node_totals:
            workflow = workflows.get(execution.workflow_id)
            node_totals[execution.workflow_id] = (
                len(workflow.visual_data.nodes) if workflow else len(execution.node_executions)
            )
    emails = service.get_emails(actor, [e.email_id for e in executions if e.email_id])
    if matching:
        st.caption(
            f"{len(matching)} most recent executions · refreshes every 2 s · click a row to open it"
        )
        shown = tuple(e.execution_id for e in matching)
        current = st.session_state.get(SELECTED_KEY)
        # A click names a row by its position, and new executions arrive at the top every
        # 2 s: the table is a new widget whenever its rows change (so its highlighted row is
        # redrawn from the open execution), and each click is read against the rows it saw.
        rows_digest = hashlib.blake2b("".join(shown).encode(), digest_size=6).hexdigest()
        table_key = f"{TABLE_KEY}-{rows_digest}"
        st.dataframe(
            _table(matching, node_totals, emails).style.map(_status_style, subset=["status"]),
            hide_index=True,
            width="stretch",
            height=320,
            key=table_key,
            on_select=functools.partial(_row_clicked, table_key, shown),
            selection_mode="single-row",
            selection_default={"selection": {"rows": [shown.index(current)]}}
            if current in shown
            else None,
            column_config={
                "subject": st.column_config.TextColumn(width="large"),
                "created": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm:ss"),
                "error": st.column_config.TextColumn(width="medium"),
            },
        )
    if len(executions) > len(matching):
        st.caption("The open execution stays open although the filters no longer list it.")
    selected: str = st.selectbox(
        "Execution",
        options=list(by_id),
        format_func=lambda eid: _option_label(by_id.get(eid), emails, eid),
        key=SELECTED_KEY,
    )
    show_in_address(EXECUTION, selected)
    execution = service.get_execution(actor, selected) or by_id[selected]
    email = emails.get(execution.email_id) if execution.email_id else None
    with st.container(border=True):
        _detail(execution, workflows.get(execution.workflow_id), email)
        execution_deliveries(service, actor, execution.execution_id)


def _row_clicked(table_key: str, shown: tuple[str, ...]) -> None:
    """A row was clicked: open the execution that row showed when it was clicked."""
    state = st.session_state.get(table_key)
    rows = state.selection.rows if state is not None else []
    if rows and rows[0] < len(shown):
        st.session_state[SELECTED_KEY] = shown[rows[0]]
        confirm.forget(CONFIRM_KEY)


def _option_label(execution: ExecutionLog | None, emails: dict[str, Email], eid: str) -> str:
    if execution is None:
        return eid
    email = emails.get(execution.email_id) if execution.email_id else None
    about = f" · {email.subject}" if email is not None and email.subject else ""
    return f"{short_id(eid)} · {timestamp(execution.created_at)}{about}"


def _dead_letters(workflow_id: str) -> None:
    """Executions that failed after their last attempt, with the error and retry buttons."""
    failed = service.dead_letters(actor, workflow_id or None, limit=LIST_LIMIT)
    if not failed:
        st.success("No failed executions.", icon=":material/check_circle:")
        return
    st.caption(f"{len(failed)} failed executions, newest first")
    for execution in failed:
        eid = execution.execution_id
        with st.container(border=True):
            head = st.columns([2, 2, 1.5], vertical_alignment="center")
            head[0].markdown(f"{code(short_id(eid))} {status_badge(execution.status.value)}")
            head[1].caption(f"{timestamp(execution.completed_at)} · {execution.category or '—'}")
            head[2].caption(f"workflow v{execution.workflow_version}")
            st.code(execution.error or "(no error recorded)", language=None, wrap_lines=True)
            buttons = st.container(horizontal=True)
            for label, name, command in _retry_actions(eid):
                buttons.button(
                    label,
                    key=f"dead-{name}-{eid}",
                    on_click=_control,
                    args=(eid, label, command),
                )


# Managers and admins also see every notification's delivery attempts; agents do not.
tabs = st.tabs(["Executions", "Dead letters"] + (["Deliveries"] if may_view(actor) else []))
with tabs[0]:
    live_list(statuses, workflow_filter, category_filter, window)
with tabs[1]:
    _dead_letters(workflow_filter)
if len(tabs) > 2:
    with tabs[2]:
        delivery_log(service, actor)
