"""The Workflow page's dry run: the saved version, or node settings not saved yet, run over the
last stored emails with no side effect; how many emails take each branch, and each one's path."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd  # type: ignore[import-untyped]
import streamlit as st

from engine.service import (
    MAX_DRY_RUN_EMAILS,
    Actor,
    ApprovalAssumption,
    ControlRefused,
    DryRunReport,
    EmailChoice,
    EmailTrace,
    MailroomService,
    StoreError,
    Workflow,
    WorkflowRejected,
)
from ui.format import code, escape_markdown, timestamp
from ui.workflow_actions import with_settings

EDIT_KEY = "dry-run-edit"
RESULT_KEY = "dry-run-result"
#: Traces drawn one expander each; the summary counts every email.
TRACES_SHOWN = 100
APPROVALS: dict[ApprovalAssumption, str] = {
    "wait": "stops there, as live",
    "approved": "counts as approved unchanged",
    "rejected": "counts as rejected",
}


def remember_edit(workflow: Workflow, node_id: str, name: str, config: dict[str, Any]) -> None:
    """Keep a node's unsaved settings as the edit the dry run section offers to run."""
    st.session_state[EDIT_KEY] = {
        "workflow_id": workflow.workflow_id,
        "version": workflow.version,
        "node_id": node_id,
        "name": name,
        "config": config,
    }
    # Runs before the section is drawn: the choice switches to the edit just made.
    st.session_state[_what_key(workflow.workflow_id)] = "edit"


def _what_key(workflow_id: str) -> str:
    return f"dry-run-what-{workflow_id}"


def _pending_edit(workflow: Workflow) -> dict[str, Any] | None:
    """The remembered edit if it was made on this workflow's current version."""
    edit: dict[str, Any] | None = st.session_state.get(EDIT_KEY)
    if edit and (edit["workflow_id"], edit["version"]) == (workflow.workflow_id, workflow.version):
        return edit
    return None


def render_dry_run(service: MailroomService, actor: Actor, workflow: Workflow) -> None:
    """The "Dry run" section: what to run, over how many emails, and the last result."""
    workflow_id = workflow.workflow_id
    edit = _pending_edit(workflow)
    result = st.session_state.get(RESULT_KEY)
    shown = result[1] if result and result[0] == workflow_id else None
    with st.expander("Dry run", icon=":material/science:", expanded=bool(edit or shown)):
        st.caption(
            "Runs the workflow over stored emails to show what it would do: nothing is sent, "
            "notified or stored. AI nodes use the local models."
        )
        options = ["edit", "saved"] if edit else ["saved"]
        labels = {"saved": "A saved version"}
        if edit:
            node_name = workflow.visual_data.node(edit["node_id"]).name
            labels["edit"] = f"The unsaved settings of {node_name}"
        what = st.radio("Run", options, format_func=labels.__getitem__, key=_what_key(workflow_id))
        columns = st.columns(3)
        version = workflow.version
        if what == "saved":
            version = columns[0].selectbox(
                "Version",
                list(range(workflow.version, 0, -1)),
                format_func=lambda v: (
                    f"version {v}" + (" (current)" if v == workflow.version else "")
                ),
                key=f"dry-run-version-{workflow_id}",
            )
        count = int(
            columns[1].number_input(
                "Last emails",
                min_value=1,
                max_value=MAX_DRY_RUN_EMAILS,
                value=50,
                key=f"dry-run-count-{workflow_id}",
                help="The most recently received stored emails.",
            )
        )
        approvals: ApprovalAssumption = columns[2].selectbox(
            "An Approval node",
            list(APPROVALS),
            format_func=APPROVALS.__getitem__,
            key=f"dry-run-approvals-{workflow_id}",
        )
        if st.button("Dry run", key=f"dry-run-start-{workflow_id}", icon=":material/science:"):
            edited = (
                with_settings(workflow, edit["node_id"], edit["name"], edit["config"])
                if what == "edit" and edit
                else None
            )
            try:
                with st.spinner(f"Running over the last {count} emails…"):
                    shown = service.dry_run_workflow(
                        actor,
                        workflow_id,
                        EmailChoice(limit=count),
                        version=None if edited else version,
                        edited=edited,
                        approvals=approvals,
                    )
            except WorkflowRejected as exc:
                st.error(escape_markdown(str(exc)), icon=":material/block:")
            except (PermissionError, ControlRefused, StoreError, ValueError) as exc:
                st.error(escape_markdown(str(exc)), icon=":material/block:")
            else:
                st.session_state[RESULT_KEY] = (workflow_id, shown)
        if shown is not None:
            _show(shown, {node.node_id: node.name for node in workflow.visual_data.nodes})


def _show(report: DryRunReport, names: dict[str, str]) -> None:
    summary = report.summary
    what = "the unsaved settings" if report.edited else f"version {report.workflow_version}"
    outcomes = ", ".join(f"{count} {outcome}" for outcome, count in summary.outcomes.items())
    sends = ", ".join(f"{count} {kind}" for kind, count in summary.would_send.items())
    st.markdown(
        f"**{summary.emails} emails through {what}:** {outcomes or 'none'}.  \n"
        f"**Would send:** {sends or 'nothing'}. **Node errors:** {summary.node_errors}."
    )
    rows = [
        {"node": names.get(node_id, node_id), "branch": branch, "emails": count}
        for node_id, branches in summary.branches.items()
        for branch, count in sorted(branches.items())
    ]
    if rows:
        st.markdown("**Branches taken**")
        table = pd.DataFrame(rows)
        st.dataframe(table, hide_index=True, width="stretch")
        st.bar_chart(table, x="branch", y="emails", color="node", horizontal=True)
    ends = pd.DataFrame(
        [
            {"ended at": names.get(node_id, node_id), "emails": count}
            for node_id, count in sorted(summary.terminals.items(), key=lambda kv: -kv[1])
        ]
    )
    st.markdown("**Where the paths ended**")
    st.dataframe(ends, hide_index=True, width="stretch")
    st.markdown("**Each email**")
    for trace in report.emails[:TRACES_SHOWN]:
        _trace(trace, names)
    if len(report.emails) > TRACES_SHOWN:
        st.caption(f"The first {TRACES_SHOWN} of {len(report.emails)} emails are shown.")


def _trace(trace: EmailTrace, names: dict[str, str]) -> None:
    path = " → ".join(names.get(node_id, node_id) for node_id in trace.path)
    label = f"{escape_markdown(trace.subject or '(no subject)')} · {trace.outcome}"
    with st.expander(label):
        st.markdown(
            f"From {code(trace.from_address)}, received {timestamp(trace.received_at)}  \n"
            f"**Path:** {escape_markdown(path)}"
        )
        if trace.conditions:
            st.dataframe(
                pd.DataFrame(
                    [
                        {
                            "condition": names.get(c.node_id, c.node_id),
                            "field": c.field,
                            "operator": c.operator,
                            "expected": json.dumps(c.expected),
                            "value read": json.dumps(c.value),
                            "branch": c.branch,
                        }
                        for c in trace.conditions
                    ]
                ),
                hide_index=True,
                width="stretch",
            )
        for item in trace.would_send:
            st.markdown(f"**Would send** a {item.kind} to {code(item.to)}: {code(item.subject)}")
            st.text(item.body[:2000])
        if trace.error:
            st.error(escape_markdown(trace.error), icon=":material/error:")
