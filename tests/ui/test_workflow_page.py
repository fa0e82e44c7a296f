"""Workflow page: the graph, the on/off switch and node settings."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from streamlit.testing.v1 import AppTest

from engine.accounts import AccountBook
from engine.models import WorkflowStatus
from engine.nodes.registry import get_node_type
from engine.roles import Role
from engine.seed import DEFAULT_WORKFLOW_ID
from engine.service import MailroomService
from engine.worker import Worker
from ui.graph import IDLE_NODE_COLOUR, X_SCALE, build_graph, counts_by_node
from ui.node_form import specs_for

WORKFLOW_NAME = "Customer Support Email Automation"


def test_shows_the_workflow_and_its_graph(
    open_page: Callable[..., AppTest], service: MailroomService
) -> None:
    at = open_page("workflow")
    assert not at.exception
    assert any(WORKFLOW_NAME in header.value for header in at.subheader)
    assert at.selectbox(key="workflow-pick").value == DEFAULT_WORKFLOW_ID
    assert at.toggle(key=f"workflow-active-{DEFAULT_WORKFLOW_ID}").value is True
    assert at.get("component_instance") or at.get("iframe"), "the agraph component is drawn"
    # The node picker shows the selected node's type and settings.
    assert at.selectbox(key=f"node-pick-{DEFAULT_WORKFLOW_ID}").value == "trigger"
    assert any("email_trigger" in md.value for md in at.markdown)
    # The trigger's settings form, generated from its config model.
    form = f"node-form-{DEFAULT_WORKFLOW_ID}-trigger-v1"
    assert at.text_input(key=f"{form}-mailbox").value == "support@mailroom.example"
    source = at.selectbox(key=f"{form}-source")
    choices = next(
        spec.choices for spec in specs_for(get_node_type("email_trigger")) if spec.name == "source"
    )
    assert source.value == "demo" and source.options == list(choices) and len(choices) > 1
    trigger = service.store.get_workflow(DEFAULT_WORKFLOW_ID).visual_data.node("trigger")
    assert at.number_input(key=f"{form}-batch_size").value == trigger.config["batch_size"]


def test_toggling_off_and_on_changes_the_stored_status(
    open_page: Callable[..., AppTest], service: MailroomService
) -> None:
    at = open_page("workflow")
    at.toggle(key=f"workflow-active-{DEFAULT_WORKFLOW_ID}").set_value(False).run()
    assert not at.exception
    assert service.store.get_workflow(DEFAULT_WORKFLOW_ID).status == WorkflowStatus.OFF
    assert at.toggle(key=f"workflow-active-{DEFAULT_WORKFLOW_ID}").value is False
    assert at.success
    # Off is shown and audited as "off", not as "draft".
    [status] = [md.value for md in at.markdown if md.value.startswith("**Status**")]
    assert "[off]" in status and "draft" not in status
    [toggled] = [e for e in service.store.list_audit() if e.action == "toggle_workflow"]
    assert toggled.before == {"status": "active"} and toggled.after == {"status": "off"}

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


def _drawn(at: AppTest) -> tuple[str, dict[str, dict[str, Any]]]:
    """The agraph component on the page: its element id and its nodes by id."""
    [component] = at.get("component_instance")
    data = json.loads(json.loads(component.proto.json_args)["data"])
    return component.proto.id, {node["id"]: node for node in data["nodes"]}


def test_node_counts_and_colours_follow_the_runs(
    waiting_for_approval: Worker, service: MailroomService, open_page: Callable[..., AppTest]
) -> None:
    at = open_page("workflow")
    assert not at.exception
    workflow = service.store.get_workflow(DEFAULT_WORKFLOW_ID)
    counts = counts_by_node(
        service.store.node_status_counts(DEFAULT_WORKFLOW_ID, workflow.created_at)
    )
    nodes, edges, config = build_graph(workflow, counts)
    by_id = {node.id: node for node in nodes}
    assert by_id["classify"].label == "Classify\nall done"
    assert by_id["classify"].color["background"] == "#43a047"  # completed: green
    assert by_id["approval"].label == "Agent approval\nwaiting"
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
    table = at.dataframe[0].value.set_index("node")
    assert table.loc["Classify", "done"] == 2
    assert table.loc["Agent approval", "waiting"] == 2


def test_the_graph_is_drawn_again_only_when_what_it_shows_changes(
    waiting_for_approval: Worker, service: MailroomService, open_page: Callable[..., AppTest]
) -> None:
    at = open_page("workflow")
    drawn_id, drawn = _drawn(at)
    # Tooltips are plain text in vis-network: lines split by newlines, never a literal <br>.
    for node in drawn.values():
        assert "<br>" not in node["title"] and "&" not in node["title"]
        assert "\n" in node["title"]
    assert drawn["approval"]["title"] == "Agent approval (approval)\nwaiting in the last hour"

    # Two more emails run: the counts change, every node's health stays; the component gets
    # the very same arguments, so Streamlit keeps its iframe (zoom, clicks) as it is.
    assert waiting_for_approval.poll_triggers() == 2
    assert waiting_for_approval.run_pending() == 2
    at.run()
    assert not at.exception
    assert _drawn(at) == (drawn_id, drawn)
    assert at.dataframe[0].value.set_index("node").loc["Agent approval", "waiting"] == 4

    # A new version is drawn anew.
    at.selectbox(key=f"node-pick-{DEFAULT_WORKFLOW_ID}").set_value("approval").run()
    form = f"node-form-{DEFAULT_WORKFLOW_ID}-approval-v1"
    at.text_input(key=f"{form}-name").input("Human approval")
    at.button(key=f"FormSubmitter:{form}-Save as a new version").click().run()
    assert not at.exception
    assert service.store.get_workflow(DEFAULT_WORKFLOW_ID).version == 2
    new_id, redrawn = _drawn(at)
    assert new_id != drawn_id and redrawn["approval"]["label"] == "Human approval\nwaiting"


def _form(at: AppTest, node_id: str, version: int) -> str:
    at.selectbox(key=f"node-pick-{DEFAULT_WORKFLOW_ID}").set_value(node_id).run()
    return f"node-form-{DEFAULT_WORKFLOW_ID}-{node_id}-v{version}"


def test_editing_a_node_setting_saves_a_new_version(
    open_page: Callable[..., AppTest], service: MailroomService
) -> None:
    at = open_page("workflow", user="maria")
    form = _form(at, "approval", 1)
    at.number_input(key=f"{form}-sla_hours").set_value(8.0)
    at.button(key=f"FormSubmitter:{form}-Save as a new version").click().run()
    assert not at.exception
    stored = service.store.get_workflow(DEFAULT_WORKFLOW_ID)
    assert stored.version == 2
    assert stored.visual_data.node("approval").config["sla_hours"] == 8.0
    assert any("version 2" in s.value for s in at.success)
    assert service.store.list_audit()[0].action == "save_workflow"
    # Both versions can be read back on the page.
    versions = at.selectbox(key=f"workflow-version-{DEFAULT_WORKFLOW_ID}")
    assert versions.options == ["version 2 (current)", "version 1"]
    at.selectbox(key=f"workflow-version-{DEFAULT_WORKFLOW_ID}").set_value(1).run()
    settings = at.dataframe[-1].value
    approval_row = settings[settings["type"] == "approval"].iloc[0]
    assert json.loads(approval_row["settings"])["sla_hours"] == 4


def test_saving_unchanged_settings_makes_no_new_version(
    open_page: Callable[..., AppTest], service: MailroomService
) -> None:
    at = open_page("workflow", user="maria")
    form = _form(at, "approval", 1)
    at.button(key=f"FormSubmitter:{form}-Save as a new version").click().run()
    assert not at.exception
    assert service.store.get_workflow(DEFAULT_WORKFLOW_ID).version == 1
    assert any("Nothing changed" in i.value for i in at.info)
    assert {m.label: m.value for m in at.metric}["Version"] == "1"
    assert not any(e.action == "save_workflow" for e in service.store.list_audit())


def test_an_invalid_setting_shows_its_message_next_to_the_field(
    open_page: Callable[..., AppTest], service: MailroomService
) -> None:
    at = open_page("workflow", user="maria")
    form = _form(at, "approval", 1)
    at.number_input(key=f"{form}-sla_hours").set_value(-2.0)
    at.button(key=f"FormSubmitter:{form}-Save as a new version").click().run()
    assert not at.exception
    assert any("sla hours: Input should be greater than 0" in e.value for e in at.error)
    assert service.store.get_workflow(DEFAULT_WORKFLOW_ID).version == 1

    form = _form(at, "classify", 1)
    at.text_area(key=f"{form}-taxonomy").input("[not json")
    at.button(key=f"FormSubmitter:{form}-Save as a new version").click().run()
    assert any("taxonomy: not valid JSON" in e.value for e in at.error)
    assert service.store.get_workflow(DEFAULT_WORKFLOW_ID).version == 1


def test_adding_connecting_and_removing_a_node(
    open_page: Callable[..., AppTest], service: MailroomService
) -> None:
    at = open_page("workflow", user="maria")
    assert "email_trigger" not in at.selectbox(key="graph-add-type").options
    at.selectbox(key="graph-add-type").set_value("notification")
    at.text_input(key="graph-add-name").input("Tell billing")
    at.selectbox(key="graph-add-after").set_value("is_urgent").run()
    assert at.selectbox(key="graph-add-output").options == ["true", "false"]
    at.selectbox(key="graph-add-output").set_value("true")
    at.button(key="graph-add").click().run()
    assert not at.exception
    workflow = service.store.get_workflow(DEFAULT_WORKFLOW_ID)
    added = workflow.visual_data.nodes[-1]
    assert (workflow.version, added.name) == (2, "Tell billing")
    link = workflow.visual_data.connections[-1]
    assert (link.source_node_id, link.source_output, link.target_node_id) == (
        "is_urgent",
        "true",
        added.node_id,
    )
    assert any("saved as version 2" in s.value for s in at.success)

    at.selectbox(key="graph-link-from").set_value("send").run()
    at.selectbox(key="graph-link-to").set_value(added.node_id)
    at.button(key="graph-connect").click().run()
    workflow = service.store.get_workflow(DEFAULT_WORKFLOW_ID)
    assert workflow.visual_data.connections[-1].target_node_id == added.node_id
    assert workflow.version == 3

    # Removing the connection into the classifier would leave it without input: refused.
    into_classify = next(
        c.connection_id for c in workflow.visual_data.connections if c.target_node_id == "classify"
    )
    at.selectbox(key="graph-unlink").set_value(into_classify)
    at.button(key="graph-disconnect").click().run()
    assert any("Classify" in e.value and "has no input" in e.value for e in at.error)
    assert service.store.get_workflow(DEFAULT_WORKFLOW_ID).version == 3

    # A cycle is refused with its reason; nothing is saved.
    at.selectbox(key="graph-link-from").set_value(added.node_id).run()
    at.selectbox(key="graph-link-to").set_value("send")
    at.button(key="graph-connect").click().run()
    assert any("cycle" in e.value for e in at.error)
    assert service.store.get_workflow(DEFAULT_WORKFLOW_ID).version == 3

    at.selectbox(key=f"node-pick-{DEFAULT_WORKFLOW_ID}").set_value(added.node_id).run()
    at.button(key="graph-remove-node").click().run()
    workflow = service.store.get_workflow(DEFAULT_WORKFLOW_ID)
    assert added.node_id not in {n.node_id for n in workflow.visual_data.nodes}
    assert all(c.target_node_id != added.node_id for c in workflow.visual_data.connections)


def test_run_now_and_pause_all(
    open_page: Callable[..., AppTest], service: MailroomService, worker: Worker
) -> None:
    worker.poll_triggers()
    at = open_page("workflow", user="maria")
    at.button(key="workflow-pause-all").click().run()
    assert not at.exception
    assert any("Paused 2 executions" in s.value for s in at.success)
    assert service.store.count_executions_by_status()["paused"] == 2
    at.button(key="workflow-resume-all").click().run()
    assert service.store.count_executions_by_status()["pending"] == 2
    at.button(key="workflow-run-now").click().run()
    assert any("Run requested" in s.value for s in at.success)
    assert [e.action for e in service.store.list_audit()[:3]] == [
        "run_now",
        "resume_all",
        "pause_all",
    ]


def test_the_ai_node_offers_only_the_configured_providers(
    open_page: Callable[..., AppTest], service: MailroomService
) -> None:
    at = open_page("workflow", user="maria")
    form = _form(at, "classify", 1)
    provider = at.selectbox(key=f"{form}-provider")
    # No remote provider has its settings here: the engine's default chain or the local models.
    assert provider.value == "default" and provider.options == ["default", "local"]
    provider.set_value("local")
    at.button(key=f"FormSubmitter:{form}-Save as a new version").click().run()
    assert not at.exception
    stored = service.store.get_workflow(DEFAULT_WORKFLOW_ID)
    assert stored.version == 2 and stored.visual_data.node("classify").config["provider"] == "local"


def _settings_shown(at: AppTest, form: str) -> set[str]:
    widgets = [*at.text_input, *at.number_input, *at.selectbox, *at.text_area, *at.checkbox]
    prefix = f"{form}-"
    return {w.key.removeprefix(prefix) for w in widgets if w.key and w.key.startswith(prefix)}


POLLED = {"name", "source", "mailbox", "check_interval_seconds", "batch_size"}
DEMO = {"max_emails", "demo_seed", "demo_category_mix", "demo_priority_mix", "demo_sentiment_mix"}
IMAP = {"host", "port", "security", "username", "password_env", "folder", "after_processing"}
POP3 = {"host", "port", "security", "username", "password_env", "delete_after_ingest"}


def test_the_trigger_form_shows_only_the_settings_of_its_source(
    open_page: Callable[..., AppTest], service: MailroomService
) -> None:
    at = open_page("workflow", user="maria")
    form = _form(at, "trigger", 1)
    assert _settings_shown(at, form) == POLLED | DEMO

    at.selectbox(key=f"{form}-source").set_value("imap").run()
    assert not at.exception
    assert _settings_shown(at, form) == POLLED | IMAP | {"move_to", "alert_after_failures"}
    at.selectbox(key=f"{form}-source").set_value("pop3").run()
    assert not at.exception
    assert _settings_shown(at, form) == POLLED | POP3 | {"alert_after_failures"}
    at.selectbox(key=f"{form}-source").set_value("gmail").run()
    assert _settings_shown(at, form) == POLLED | {
        "gmail_user",
        "gmail_label",
        "alert_after_failures",
    }
    # SendGrid and Brevo push mail to the intake: only the mailbox it is addressed to matters.
    at.selectbox(key=f"{form}-source").set_value("sendgrid").run()
    assert _settings_shown(at, form) == {"name", "source", "mailbox"}

    at.selectbox(key=f"{form}-source").set_value("imap").run()
    at.text_input(key=f"{form}-host").input("imap.example.org")
    at.text_input(key=f"{form}-username").input("support")
    at.button(key=f"FormSubmitter:{form}-Save as a new version").click().run()
    assert not at.exception
    stored = service.store.get_workflow(DEFAULT_WORKFLOW_ID)
    assert stored.version == 2
    config = stored.visual_data.node("trigger").config
    assert config["source"] == "imap" and config["host"] == "imap.example.org"
    assert config["alert_after_failures"] == 3  # shown with its default, not 0
    assert config["max_emails"] == 2000  # a demo setting not shown is kept, not erased


def test_a_pop3_trigger_is_saved_with_its_settings(
    open_page: Callable[..., AppTest], service: MailroomService
) -> None:
    at = open_page("workflow", user="maria")
    form = _form(at, "trigger", 1)
    at.selectbox(key=f"{form}-source").set_value("pop3").run()
    at.text_input(key=f"{form}-host").input("pop.example.org")
    at.text_input(key=f"{form}-username").input("support")
    at.selectbox(key=f"{form}-security").set_value("starttls")
    at.text_input(key=f"{form}-password_env").input("MAILROOM_SUPPORT_POP3_PASSWORD")
    at.checkbox(key=f"{form}-delete_after_ingest").check()
    at.button(key=f"FormSubmitter:{form}-Save as a new version").click().run()
    assert not at.exception
    config = service.store.get_workflow(DEFAULT_WORKFLOW_ID).visual_data.node("trigger").config
    assert {key: config[key] for key in ("source", "host", "security", "delete_after_ingest")} == {
        "source": "pop3",
        "host": "pop.example.org",
        "security": "starttls",
        "delete_after_ingest": True,
    }
    assert config["password_env"] == "MAILROOM_SUPPORT_POP3_PASSWORD"
