"""Long work on the Settings page, with its progress shown as it goes: bulk import of emails
and retraining the local classifier."""

from __future__ import annotations

import streamlit as st

from engine.adapters import ProviderSet, build_providers
from engine.bulk_import import ImportRefused
from engine.retrain import RetrainReport
from engine.roles import Actor
from engine.service import MailroomService
from ui.context import app_settings
from ui.format import escape_markdown

MAX_IMPORT = 10_000


@st.cache_resource(show_spinner=False)
def _providers() -> ProviderSet:
    """The app's providers, for work an admin starts here (the mailbox the triggers read)."""
    return build_providers(app_settings())


def bulk_import_panel(service: MailroomService, actor: Actor) -> None:
    """Import many emails through a workflow's trigger, with a progress bar per batch."""
    st.markdown("**Bulk import**")
    st.caption(
        "Pulls emails through the workflow's trigger now, in batches; each gets one execution "
        "that the workers then run. With the demo mailbox this is a load test."
    )
    workflows = {w.workflow_id: w.name for w in service.list_workflows(actor)}
    with st.form("bulk-import", border=True):
        workflow_id = st.selectbox(
            "Workflow", list(workflows), format_func=workflows.__getitem__, key="import-workflow"
        )
        wanted = st.number_input(
            "Emails", min_value=1, max_value=MAX_IMPORT, value=100, step=50, key="import-count"
        )
        batch = st.number_input(
            "Batch size", min_value=1, max_value=1000, value=50, step=10, key="import-batch"
        )
        start = st.form_submit_button("Import", icon=":material/download:")
    if not start or workflow_id is None:
        return
    bar = st.progress(0.0, text="Starting…")
    last = None
    try:
        for progress in service.import_emails(
            actor, _providers(), workflow_id, int(wanted), int(batch)
        ):
            last = progress
            bar.progress(
                progress.fraction,
                text=f"{progress.fetched} of {progress.wanted} emails fetched",
            )
    except ImportRefused as exc:
        st.warning(escape_markdown(str(exc)), icon=":material/warning:")
        return
    if last is None:
        bar.progress(1.0, text="The mailbox had no more email.")
        return
    bar.progress(1.0, text=f"Done: {last.fetched} of {last.wanted} emails fetched")
    st.success(
        f"Imported {last.ingested} new emails ({last.duplicates} already stored); "
        f"{last.executions_created} executions queued for the workers.",
        icon=":material/check_circle:",
    )


def retrain_panel(service: MailroomService, actor: Actor) -> None:
    """Retrain the local classifier on the shipped data and agents' corrections, step by step."""
    st.markdown("**Retrain the local classifier**")
    st.caption(
        "Workers retrain by themselves within a minute of new corrections. This does it now, "
        "scores the new model on examples it did not see, and saves it for every process."
    )
    if not st.button("Retrain now", key="retrain", icon=":material/model_training:"):
        return
    bar = st.progress(0.0, text="Reading the training data…")
    report: RetrainReport | None = None
    for step in service.retrain_model(actor, app_settings().model_store_dir):
        if isinstance(step, RetrainReport):
            report = step
        else:
            bar.progress(step.fraction, text=escape_markdown(step.step))
    if report is None:
        return
    on_corrections = (
        "no corrections were held out"
        if report.corrections_holdout_accuracy is None
        else f"{report.corrections_holdout_accuracy:.1%} on held-out corrections"
    )
    st.success(
        f"Retrained on {report.examples:,} examples ({report.corrections:,} corrections) in "
        f"{report.train_seconds:.1f} s: {report.holdout_accuracy:.1%} accuracy on "
        f"{report.holdout:,} held-out examples, {on_corrections}.",
        icon=":material/check_circle:",
    )
