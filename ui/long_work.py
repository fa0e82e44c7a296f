"""Long work on the Settings page, with its progress shown as it goes: bulk import of emails,
retraining the local classifier, and rebuilding metrics from stored executions (a backfill)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import streamlit as st

from engine.service import (
    Actor,
    BackfillProgress,
    BackfillRefused,
    ImportRefused,
    MailroomService,
    RetrainReport,
)
from ui.format import escape_markdown

MAX_IMPORT = 10_000
BACKFILL_DEFAULT_DAYS = 7


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
            actor, service.providers, workflow_id, int(wanted), int(batch)
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
    for step in service.retrain_model(actor, service.settings.model_store_dir):
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


def backfill_panel(service: MailroomService, actor: Actor) -> None:
    """Rebuild the execution metrics' hourly rollups for a date range, with a progress bar."""
    st.markdown("**Rebuild metrics from stored executions**")
    st.caption(
        "A backfill: recomputes emails by category, priority and sentiment, emails sent to a "
        "person by the guard rails, executions by status, and AI calls, tokens and cost, for "
        "every hour of the range that has ended, from what the stored executions record, and "
        "replaces those hours' figures. Use it after restoring a backup or when figures are "
        "missing. Approvals, replies and node latencies are kept as they are. Days older than "
        "the executions' retention are refused: their executions may have been deleted."
    )
    today = datetime.now(UTC).date()
    with st.form("backfill", border=True):
        chosen = st.date_input(
            "Days (UTC)",
            value=(today - timedelta(days=BACKFILL_DEFAULT_DAYS - 1), today),
            max_value=today,
            key="backfill-range",
        )
        start = st.form_submit_button("Rebuild", icon=":material/replay:")
    if not start:
        return
    days = [d for d in (chosen if isinstance(chosen, tuple) else (chosen,)) if d is not None]
    if not days:
        st.warning("Pick the first and last day to rebuild.", icon=":material/warning:")
        return
    first: date = days[0]
    last: date = days[-1]
    since = datetime.combine(first, time(), UTC)
    until = datetime.combine(last + timedelta(days=1), time(), UTC)
    bar = st.progress(0.0, text="Reading executions…")
    done: BackfillProgress | None = None
    try:
        kept = service.settings.retention_days()["executions"]
        for progress in service.rebuild_rollups(actor, since, until, kept):
            done = progress
            bar.progress(
                progress.fraction, text=f"{progress.read:,} of {progress.total:,} executions read"
            )
    except BackfillRefused as exc:
        bar.empty()
        st.warning(escape_markdown(str(exc)), icon=":material/warning:")
        return
    if done is None or done.rows_written is None:
        return
    bar.progress(1.0, text=f"Done: {done.read:,} executions read")
    st.success(
        f"Rebuilt the metrics of {first} to {last} (hours that have ended) from "
        f"{done.read:,} executions: {done.rows_written:,} hourly figures written.",
        icon=":material/check_circle:",
    )
