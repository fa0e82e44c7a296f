"""Workflow page: the graph, the on/off switch and node settings."""

from __future__ import annotations

from collections.abc import Callable

from streamlit.testing.v1 import AppTest

from engine.accounts import AccountBook
from engine.models import WorkflowStatus
from engine.roles import Role
from engine.seed import DEFAULT_WORKFLOW_ID
from engine.service import MailroomService
from engine.worker import Worker
from ui.graph import IDLE_NODE_COLOUR, X_SCALE, build_graph, counts_by_node

WORKFLOW_NAME = "Customer Support Email Automation"


def test_shows_the_workflow_and_its_graph(open_page: Callable[[str], AppTest]) -> None:
    at = open_page("workflow")
    assert not at.exception
    assert any(WORKFLOW_NAME in header.value for header in at.subheader)
    assert at.selectbox(key="workflow-pick").value == DEFAULT_WORKFLOW_ID
    assert at.toggle(key=f"workflow-active-{DEFAULT_WORKFLOW_ID}").value is True
    assert at.get("component_instance") or at.get("iframe"), "the agraph component is drawn"
    # The node picker shows the selected node's type and settings.
    assert at.selectbox(key=f"node-pick-{DEFAULT_WORKFLOW_ID}").value == "trigger"
    assert any("email_trigger" in md.value for md in at.markdown)
    assert at.json


def test_toggling_off_and_on_changes_the_stored_status(
    open_page: Callable[[str], AppTest], service: MailroomService
) -> None:
    at = open_page("workflow")
    at.toggle(key=f"workflow-active-{DEFAULT_WORKFLOW_ID}").set_value(False).run()
    assert not at.exception
    assert service.store.get_workflow(DEFAULT_WORKFLOW_ID).status == WorkflowStatus.DRAFT
    assert at.toggle(key=f"workflow-active-{DEFAULT_WORKFLOW_ID}").value is False
    assert at.success

    at.toggle(key=f"workflow-active-{DEFAULT_WORKFLOW_ID}").set_value(True).run()
    assert service.store.get_workflow(DEFAULT_WORKFLOW_ID).status == WorkflowStatus.ACTIVE


def test_a_role_taken_away_while_the_page_is_open_changes_nothing(
    open_page: Callable[..., AppTest], service: MailroomService, accounts: AccountBook
) -> None:
    at = open_page("workflow", user="maria")
    accounts.set_role("maria", Role.AGENT)
    at.toggle(key=f"workflow-active-{DEFAULT_WORKFLOW_ID}").set_value(False).run()
    assert not at.exception
    assert any("not part of the agent role" in error.value for error in at.error)
    assert service.store.get_workflow(DEFAULT_WORKFLOW_ID).status == WorkflowStatus.ACTIVE


def test_node_counts_and_colours_follow_the_runs(
    waiting_for_approval: Worker, service: MailroomService, open_page: Callable[[str], AppTest]
) -> None:
    at = open_page("workflow")
    assert not at.exception
    workflow = service.store.get_workflow(DEFAULT_WORKFLOW_ID)
    counts = counts_by_node(
        service.store.node_status_counts(DEFAULT_WORKFLOW_ID, workflow.created_at)
    )
    nodes, edges, config = build_graph(workflow, counts)
    by_id = {node.id: node for node in nodes}
    assert "2 done" in by_id["classify"].label
    assert by_id["classify"].color["background"] == "#43a047"  # completed: green
    assert "2 waiting" in by_id["approval"].label
    assert by_id["approval"].color["background"] == "#f5a623"  # waiting: amber
    assert by_id["send"].color["background"] == IDLE_NODE_COLOUR
    assert (by_id["draft"].x, by_id["draft"].y) == (800 * X_SCALE, 0)
    assert by_id["draft"].x > by_id["classify"].x
    assert {edge.to_dict().get("label") for edge in edges} >= {"true", "false", "approved"}
    assert config.physics["enabled"] is False
    assert config.layout["hierarchical"]["enabled"] is False
    metrics = {metric.label: metric.value for metric in at.metric}
    assert metrics["Waiting"] == "2"
    assert metrics["Executions"] == "2"
