"""Live executions page: the list, one execution's detail and its controls."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from streamlit.testing.v1 import AppTest

from engine.adapters import ProviderSet
from engine.models import ExecutionLog, ExecutionStatus, NodeExecution, NodeStatus
from engine.nodes.ai_model import SUPPORT_TAXONOMY
from engine.service import MailroomService
from engine.settings import Settings
from engine.store.base import Store
from engine.worker import Worker
from providers.ai.local import LocalAIProvider
from providers.errors import PermanentProviderError
from tests.engine.fakes import ScriptedAI
from ui.format import escape_markdown, short_id
from ui.timeline import timeline_frame


def _status(service: MailroomService, execution_id: str) -> ExecutionStatus:
    execution = service.store.get_execution(execution_id)
    assert execution is not None
    return execution.status


def test_lists_executions_with_their_progress(
    waiting_for_approval: Worker, open_page: Callable[..., AppTest]
) -> None:
    at = open_page("executions")
    assert not at.exception
    table = at.dataframe[0].value
    assert len(table) == 2
    assert set(table["status"]) == {"waiting"}
    # trigger, classify, is_urgent, (notify or skipped), draft done; approval and send not.
    assert set(table["progress"]) == {"5/7"}
    # The first execution is open, with each node run and its input and output.
    assert any("Classify" in expander.label for expander in at.expander)
    assert at.json


def test_filters_by_status(waiting_for_approval: Worker, open_page: Callable[..., AppTest]) -> None:
    at = open_page("executions")
    at.multiselect(key="executions-status").set_value([ExecutionStatus.COMPLETED]).run()
    assert not at.exception
    assert any("No executions match" in info.value for info in at.info)
    # No list of executions; the one open before the filter stays open (its node runs shown).
    assert not any("most recent executions" in c.value for c in at.caption)
    assert any("stays open although the filters" in c.value for c in at.caption)


def test_pause_resume_and_cancel_a_pending_execution(
    worker: Worker, service: MailroomService, open_page: Callable[..., AppTest]
) -> None:
    assert worker.poll_triggers() == 2
    at = open_page("executions")
    assert not at.exception
    selected = str(at.selectbox(key="executions-selected").value)
    assert _status(service, selected) == ExecutionStatus.PENDING
    assert not [b for b in at.button if b.key and b.key.startswith("resume-")]

    at.button(key=f"pause-{selected}").click().run()
    # Nothing happens before the confirmation, which names the execution it will act on.
    assert _status(service, selected) == ExecutionStatus.PENDING
    assert any(
        "**Pause** execution" in m.value and short_id(selected) in m.value for m in at.markdown
    )
    at.button(key=f"yes-pause-{selected}").click().run()
    assert not at.exception
    assert _status(service, selected) == ExecutionStatus.PAUSED
    assert at.success
    assert not [b for b in at.button if b.key == f"pause-{selected}"]

    at.button(key=f"resume-{selected}").click().run()
    assert _status(service, selected) == ExecutionStatus.PAUSED
    at.button(key=f"yes-resume-{selected}").click().run()
    assert _status(service, selected) == ExecutionStatus.PENDING
    assert any("Resume" in m.value and "pending" in m.value for m in at.success)

    # "No" asks nothing of the engine and brings the controls back.
    at.button(key=f"cancel-{selected}").click().run()
    at.button(key=f"no-cancel-{selected}").click().run()
    assert _status(service, selected) == ExecutionStatus.PENDING
    at.button(key=f"cancel-{selected}").click().run()
    at.button(key=f"yes-cancel-{selected}").click().run()
    assert not at.exception
    assert _status(service, selected) == ExecutionStatus.CANCELLED
    # Only the retries apply to a cancelled execution.
    keys = {b.key for b in at.button if b.key and b.key.endswith(selected)}
    assert keys == {f"retry-{mode}-{selected}" for mode in ("node", "start", "current")}

    at.button(key=f"retry-start-{selected}").click().run()
    at.button(key=f"yes-retry-start-{selected}").click().run()
    assert _status(service, selected) == ExecutionStatus.PENDING


def test_a_refused_control_is_explained(
    worker: Worker, service: MailroomService, open_page: Callable[..., AppTest]
) -> None:
    worker.poll_triggers()
    at = open_page("executions")
    selected = str(at.selectbox(key="executions-selected").value)
    at.button(key=f"pause-{selected}").click().run()
    # Someone else cancels it while this page asks to confirm the pause.
    service.store.update_execution_if(
        selected, statuses=[ExecutionStatus.PENDING], changes={"status": ExecutionStatus.CANCELLED}
    )
    at.button(key=f"yes-pause-{selected}").click().run()
    assert not at.exception
    assert any("cannot pause an execution that is cancelled" in w.value for w in at.warning)


def test_a_failed_execution_shows_its_error_and_retries_from_the_failed_node(
    store: Store,
    app_settings: Settings,
    make_providers: Callable[..., ProviderSet],
    local_ai: LocalAIProvider,
    service: MailroomService,
    open_page: Callable[..., AppTest],
) -> None:
    failing = ScriptedAI(local_ai, classify_errors=[PermanentProviderError("model unavailable")])
    worker = Worker(store, make_providers(failing), app_settings)
    worker.poll_triggers()
    worker.run_pending(max_executions=1)
    [failed] = service.store.list_executions(statuses=[ExecutionStatus.FAILED])

    at = open_page("executions")
    at.selectbox(key="executions-selected").set_value(failed.execution_id).run()
    assert not at.exception
    assert any("model unavailable" in code.value for code in at.code)
    assert not [b for b in at.button if b.key == f"pause-{failed.execution_id}"]

    at.button(key=f"retry-node-{failed.execution_id}").click().run()
    at.button(key=f"yes-retry-node-{failed.execution_id}").click().run()
    assert not at.exception
    assert _status(service, failed.execution_id) == ExecutionStatus.PENDING
    worker.run_pending()
    assert _status(service, failed.execution_id) == ExecutionStatus.WAITING


def test_filters_by_category_and_time_and_draws_a_timeline(
    waiting_for_approval: Worker, service: MailroomService, open_page: Callable[..., AppTest]
) -> None:
    executions = service.store.list_executions()
    category = executions[0].category
    assert category is not None
    at = open_page("executions", user="bea")
    assert len(at.get("plotly_chart")) == 1  # the open execution's node timeline
    at.selectbox(key="executions-category").set_value(category).run()
    assert not at.exception
    table = at.dataframe[0].value
    assert set(table["category"]) == {category}
    assert len(table) == sum(1 for e in executions if e.category == category)
    others = [c.name for c in SUPPORT_TAXONOMY if c.name not in {e.category for e in executions}]
    at.selectbox(key="executions-category").set_value(others[0]).run()
    assert any("No executions match" in info.value for info in at.info)
    at.selectbox(key="executions-category").set_value("").run()
    at.selectbox(key="executions-window").set_value("last hour").run()
    assert len(at.dataframe[0].value) == 2


def test_timeline_has_a_bar_per_started_node() -> None:
    start = datetime(2024, 5, 1, 12, tzinfo=UTC)
    execution = ExecutionLog(
        workflow_id="wf",
        workflow_version=1,
        node_executions=[
            NodeExecution(
                node_id="a",
                status=NodeStatus.COMPLETED,
                started_at=start,
                completed_at=start + timedelta(seconds=2),
                retry_count=1,
            ),
            NodeExecution(node_id="b", status=NodeStatus.RUNNING, started_at=start),
            NodeExecution(node_id="c"),
        ],
    )
    frame = timeline_frame(execution, {"a": "Classify"}, now=start + timedelta(seconds=5))
    assert list(frame["node"]) == ["Classify", "b"]
    assert list(frame["attempts"]) == [2, 1]
    assert frame["finish"].iloc[1] == start + timedelta(seconds=5)


def test_dead_letters_list_failures_with_retry(
    store: Store,
    app_settings: Settings,
    make_providers: Callable[..., ProviderSet],
    local_ai: LocalAIProvider,
    service: MailroomService,
    open_page: Callable[..., AppTest],
) -> None:
    failing = ScriptedAI(local_ai, classify_errors=[PermanentProviderError("model unavailable")])
    worker = Worker(store, make_providers(failing), app_settings)
    worker.poll_triggers()
    worker.run_pending(max_executions=1)
    [failed] = service.store.list_executions(statuses=[ExecutionStatus.FAILED])

    at = open_page("executions", user="maria")
    assert any("1 failed executions" in caption.value for caption in at.caption)
    at.button(key=f"dead-retry-current-{failed.execution_id}").click().run()
    assert not at.exception
    assert _status(service, failed.execution_id) == ExecutionStatus.PENDING
    assert service.store.list_audit()[0].action == "retry_start_current"


def test_rows_show_subject_and_customer_and_link_to_the_draft(
    waiting_for_approval: Worker, service: MailroomService, open_page: Callable[..., AppTest]
) -> None:
    at = open_page("executions")
    assert not at.exception
    table = at.dataframe[0].value
    executions = service.store.list_executions()
    emails = service.store.get_emails([e.email_id for e in executions if e.email_id])
    assert set(table["subject"]) == {email.subject for email in emails.values()}
    assert all(any(e.from_address in c for c in table["customer"]) for e in emails.values())
    selected = str(at.selectbox(key="executions-selected").value)
    [approval] = [a for a in service.store.list_approvals() if a.execution_id == selected]
    # Both ways: the execution links to its draft (the approvals page links back).
    assert any(f"/approvals?approval={approval.approval_id}" in m.value for m in at.markdown)
    subject = emails[approval.email_id].subject
    assert any(escape_markdown(subject) in m.value for m in at.markdown)
