"""Workflow page, Dry run section: unsaved node settings or a saved version over stored emails."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd  # type: ignore[import-untyped]
from streamlit.testing.v1 import AppTest

from engine.seed import DEFAULT_WORKFLOW_ID
from engine.service import MailroomService
from engine.worker import Worker

WHAT = f"dry-run-what-{DEFAULT_WORKFLOW_ID}"
COUNT = f"dry-run-count-{DEFAULT_WORKFLOW_ID}"
START = f"dry-run-start-{DEFAULT_WORKFLOW_ID}"


def table(at: AppTest, *columns: str) -> pd.DataFrame:
    """The last data frame drawn with exactly these columns."""
    return next(d.value for d in reversed(at.dataframe) if list(d.value.columns) == list(columns))


def live_state(service: MailroomService) -> tuple[object, ...]:
    store = service.store
    return (
        store.get_workflow(DEFAULT_WORKFLOW_ID).version,
        store.count_executions_by_status(),
        store.count_approvals(),
        store.count_outbox(),
    )


def test_unsaved_settings_are_dry_run_and_shown_without_saving_or_sending(
    waiting_for_approval: Worker,
    open_page: Callable[..., AppTest],
    service: MailroomService,
) -> None:
    before = live_state(service)
    at = open_page("workflow", user="maria")
    at.selectbox(key=f"node-pick-{DEFAULT_WORKFLOW_ID}").set_value("is_urgent").run()
    form = f"node-form-{DEFAULT_WORKFLOW_ID}-is_urgent-v1"
    at.text_input(key=f"{form}-field").input("classification.category")
    at.selectbox(key=f"{form}-operator").set_value("exists")
    at.button(key=f"FormSubmitter:{form}-Dry run these settings").click().run()
    assert not at.exception
    assert at.radio(key=WHAT).value == "edit"
    assert "Urgent?" in at.radio(key=WHAT).options[0]

    at.number_input(key=COUNT).set_value(2)
    at.button(key=START).click().run()
    assert not at.exception, at.exception
    assert any("2 emails through the unsaved settings" in md.value for md in at.markdown)
    branches = table(at, "node", "branch", "emails")
    urgent = branches[branches["node"] == "Urgent?"]
    assert dict(zip(urgent["branch"], urgent["emails"], strict=True)) == {"true": 2}
    assert any("2 notification" in md.value for md in at.markdown)
    ends = table(at, "ended at", "emails")
    assert list(ends["emails"]) == [2]
    traces = [e for e in at.expander if "· waiting" in e.label]
    assert len(traces) == 2
    assert live_state(service) == before  # no version saved, nothing run or sent

    at.radio(key=WHAT).set_value("saved").run()
    at.button(key=START).click().run()
    assert not at.exception
    assert any("2 emails through version 1" in md.value for md in at.markdown)
    stored = service.store.list_executions()
    urgent_live = sum(1 for e in stored if e.priority == "urgent")
    branches = table(at, "node", "branch", "emails")
    urgent = branches[branches["node"] == "Urgent?"]
    counts = dict(zip(urgent["branch"], urgent["emails"], strict=True))
    assert counts.get("true", 0) == urgent_live and sum(counts.values()) == 2
    assert live_state(service) == before
