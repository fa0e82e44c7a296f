"""``python -m bench ui``: each page's render time, and each action's server time
(``bench.ui_actions``), over a store holding N emails of history.

The history is made the way it would be, then multiplied: a few demo emails go through the
default workflow on the real engine (classified, drafted, approved by a bench agent, sent), so
every kind of record exists as the engine writes it; SQL then clones those records, with fresh
ids and times spread over ``HISTORY_DAYS``, up to N emails (emails, executions, approvals,
sent replies, audit entries, corrections) and copies the hourly rollups across the same hours.
A few executions are left waiting on an agent, so the approval queue has cards to show.

Each page is then rendered with Streamlit's AppTest, signed in as an admin, once to warm up and
``renders`` times timed; the median is reported. Nothing here asserts anything.
"""

from __future__ import annotations

import logging
import os
import statistics
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.benchmarks import BENCH_AGENT, _Bench, _ingest, _run_all, peak_memory_mb
from bench.ui_actions import time_actions
from engine.accounts import AccountBook
from engine.adapters import build_providers
from engine.models import CategoryCorrection, ExecutionStatus, utcnow
from engine.roles import Role
from engine.seed import DEFAULT_WORKFLOW_ID
from engine.service import MailroomService
from engine.settings import Settings
from engine.store._codec import time_text
from engine.store.sqlite import SQLiteStore
from engine.worker import Worker

ROOT = Path(__file__).resolve().parents[1]
PAGES = ("app", "approvals", "executions", "metrics", "settings", "workflow")
HISTORY_DAYS = 90
TEMPLATE_EMAILS = 20
#: Drafts left waiting: enough for ``bench.ui_actions`` to approve and reject with 5 repeats.
WAITING_EMAILS = 14
BENCH_USER = "bench-admin"
#: AppTest's own limit per run; a page slower than this is reported as an error, not a time.
RENDER_TIMEOUT_SECONDS = 120.0


def _make_templates(bench: _Bench) -> None:
    """Run TEMPLATE_EMAILS through the default workflow, approved; WAITING_EMAILS left waiting."""
    providers = build_providers(bench.settings)
    service = MailroomService(bench.store)
    worker = Worker(bench.store, providers, bench.settings)
    stop = threading.Event()

    def agent() -> None:
        while not stop.is_set():
            for approval in service.approval_queue(BENCH_AGENT, limit=200):
                service.approve(BENCH_AGENT, approval.approval_id)
            time.sleep(0.01)

    def completed() -> int:
        counts = bench.store.count_executions_by_status(DEFAULT_WORKFLOW_ID)
        return counts.get(ExecutionStatus.COMPLETED.value, 0)

    agent_thread = threading.Thread(target=agent)
    agent_thread.start()
    _ingest(bench, DEFAULT_WORKFLOW_ID, TEMPLATE_EMAILS)
    _run_all(worker, 2, lambda: completed() >= TEMPLATE_EMAILS)
    stop.set()
    agent_thread.join()
    # Corrections, as agents make them on decided approvals (training signal for the model).
    for approval in bench.store.list_approvals(status=None, limit=TEMPLATE_EMAILS):
        bench.store.save_correction(
            CategoryCorrection(
                approval_id=approval.approval_id,
                email_id=approval.email_id,
                text=approval.classification.category,
                original_category=approval.classification.category,
                corrected_category="other",
                corrected_by=BENCH_AGENT.name,
            )
        )
    _ingest(bench, DEFAULT_WORKFLOW_ID, WAITING_EMAILS)
    while worker.run_pending():
        pass
    worker.executor.close()


# One statement per table: row i of the history is a clone of template (i % templates), with its
# ids suffixed by i and its time i steps back from now. ``:n`` is the number of clones, ``:step``
# the seconds between two of them, ``:now`` the Julian day of now.
_SEQ = (
    "WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < :n), "
    "clone AS (SELECT i, strftime('%Y-%m-%dT%H:%M:%f', :now - i * :step / 86400.0) || '+00:00'"
    " AS at, i % (SELECT COUNT(*) FROM {template}) AS k FROM seq) "
)

_CLONES = [
    (
        "t_emails",
        "SELECT row_number() OVER (ORDER BY x.execution_id) - 1 AS k, e.* FROM emails e"
        " JOIN executions x ON x.email_id = e.email_id WHERE x.status = 'completed'",
        "INSERT INTO emails (email_id, mailbox, message_id, doc) SELECT"
        " t.email_id || '-h' || c.i, t.mailbox, t.message_id || '-h' || c.i,"
        " json_set(t.doc, '$.email_id', t.email_id || '-h' || c.i,"
        " '$.message_id', t.message_id || '-h' || c.i, '$.received_at', c.at,"
        " '$.thread_id', json_extract(t.doc, '$.thread_id') || '-h' || c.i)"
        " FROM clone c JOIN t_emails t ON t.k = c.k",
    ),
    (
        "t_executions",
        "SELECT row_number() OVER (ORDER BY execution_id) - 1 AS k, * FROM executions"
        " WHERE status = 'completed'",
        "INSERT INTO executions (execution_id, workflow_id, email_id, status, owner, attempt,"
        " lease_until, created_at, category, control_request, doc) SELECT"
        " t.execution_id || '-h' || c.i, t.workflow_id, t.email_id || '-h' || c.i, t.status,"
        " NULL, t.attempt, NULL, c.at, t.category, NULL,"
        " json_set(t.doc, '$.execution_id', t.execution_id || '-h' || c.i,"
        " '$.email_id', t.email_id || '-h' || c.i, '$.created_at', c.at,"
        " '$.started_at', c.at, '$.updated_at', c.at, '$.completed_at', c.at)"
        " FROM clone c JOIN t_executions t ON t.k = c.k",
    ),
    (
        "t_approvals",
        "SELECT row_number() OVER (ORDER BY execution_id) - 1 AS k, * FROM approvals"
        " WHERE status != 'pending'",
        # The queue's copied fields too (as the store writes them), so the app does not
        # fill them for the whole history when it opens the store.
        "INSERT INTO approvals (approval_id, execution_id, node_id, status, priority_rank,"
        " created_at, queue_category, assigned_to, due_sort, received_at, flags, confidence,"
        " frustration, negative, search, doc) SELECT t.approval_id || '-h' || c.i,"
        " t.execution_id || '-h' || c.i, t.node_id, t.status, t.priority_rank, c.at,"
        " t.queue_category, t.assigned_to, c.at, c.at, t.flags, t.confidence, t.frustration,"
        " t.negative, t.search,"
        " json_set(t.doc, '$.approval_id', t.approval_id || '-h' || c.i,"
        " '$.execution_id', t.execution_id || '-h' || c.i,"
        " '$.email_id', json_extract(t.doc, '$.email_id') || '-h' || c.i,"
        " '$.created_at', c.at, '$.decided_at', c.at)"
        " FROM clone c JOIN t_approvals t ON t.k = c.k",
    ),
    (
        "t_outbox",
        "SELECT row_number() OVER (ORDER BY json_extract(doc, '$.execution_id')) - 1 AS k, *"
        " FROM outbox WHERE kind = 'reply'",
        "INSERT INTO outbox (idempotency_key, kind, status, created_at, doc) SELECT"
        " t.idempotency_key || '-h' || c.i, t.kind, t.status, c.at,"
        " json_set(t.doc, '$.idempotency_key', t.idempotency_key || '-h' || c.i,"
        " '$.execution_id', json_extract(t.doc, '$.execution_id') || '-h' || c.i,"
        " '$.email_id', json_extract(t.doc, '$.email_id') || '-h' || c.i,"
        " '$.created_at', c.at, '$.sent_at', c.at)"
        " FROM clone c JOIN t_outbox t ON t.k = c.k",
    ),
    (
        "t_audit",
        "SELECT row_number() OVER (ORDER BY seq) - 1 AS k, * FROM audit",
        "INSERT INTO audit (audit_id, at, doc) SELECT t.audit_id || '-h' || c.i, c.at,"
        " json_set(t.doc, '$.audit_id', t.audit_id || '-h' || c.i, '$.at', c.at)"
        " FROM clone c JOIN t_audit t ON t.k = c.k",
    ),
    (
        "t_corrections",
        "SELECT row_number() OVER (ORDER BY approval_id) - 1 AS k, * FROM ai_corrections",
        "INSERT INTO ai_corrections (approval_id, corrected_at, doc) SELECT"
        " t.approval_id || '-h' || c.i, c.at,"
        " json_set(t.doc, '$.approval_id', t.approval_id || '-h' || c.i, '$.corrected_at', c.at)"
        " FROM clone c JOIN t_corrections t ON t.k = c.k",
    ),
]

#: Of every hundred emails of history, how many an agent corrected.
CORRECTIONS_PER_HUNDRED = 1


def fill_history(bench: _Bench, emails: int) -> dict[str, int]:
    """Clone the templates up to ``emails`` emails of history; return the rows per table."""
    clones = max(0, emails - TEMPLATE_EMAILS - WAITING_EMAILS)
    span = HISTORY_DAYS * 86400.0
    now = utcnow()
    store = bench.store
    if not isinstance(store, SQLiteStore):
        raise TypeError("the history is filled with bulk SQL: bench ui runs on SQLite")
    db = store._connection()  # the bench owns this store; bulk SQL, not the Store port
    with store._lock:
        julian_now = db.execute("SELECT julianday(?)", (time_text(now)[:23],)).fetchone()[0]
        if julian_now is None:
            raise ValueError(f"SQLite could not read the time {time_text(now)!r}")
        params: dict[str, Any] = {"now": julian_now, "step": span / max(1, clones)}
        hour_rows = db.execute("SELECT bucket, metric, key, count, total FROM rollups").fetchall()
        db.execute("BEGIN IMMEDIATE")
        try:
            for template, select, insert in _CLONES:
                db.execute(f"CREATE TEMP TABLE {template} AS {select}")
                n = clones
                if template == "t_corrections":
                    n = clones * CORRECTIONS_PER_HUNDRED // 100
                db.execute(_SEQ.format(template=template) + insert, {**params, "n": n})
                db.execute(f"DROP TABLE {template}")
            # The rollups: the template hour's figures, scaled to the clones, in every hour.
            hours = int(span // 3600)
            scale = clones / TEMPLATE_EMAILS / max(1, hours)
            db.executemany(
                "INSERT INTO rollups (bucket, metric, key, count, total)"
                " SELECT strftime('%Y-%m-%dT%H:00:00.000', julianday(?) - h / 24.0) || '+00:00',"
                " ?, ?, max(1, CAST(? * ? AS INTEGER)), ? * ?"
                " FROM (WITH RECURSIVE hs(h) AS (SELECT 1 UNION ALL SELECT h + 1 FROM hs"
                " WHERE h < ?) SELECT h FROM hs) WHERE 1"
                " ON CONFLICT (bucket, metric, key) DO UPDATE SET"
                " count = count + excluded.count, total = total + excluded.total",
                [
                    (bucket[:19], metric, key, count, scale, total, scale, hours)
                    for bucket, metric, key, count, total in hour_rows
                ],
            )
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("ANALYZE")
        tables = ("emails", "executions", "approvals", "outbox", "audit", "ai_corrections")
        counts = {t: db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in tables}
        unindexed = "SELECT COUNT(*) FROM approvals WHERE queue_category IS NULL"
        return {**counts, "approvals_unindexed": db.execute(unindexed).fetchone()[0]}


@contextmanager
def _app_environment(settings: Settings) -> Iterator[None]:
    """The app reads its settings from the environment: point it at the bench store."""
    wanted = {
        "MAILROOM_DATA_DIR": str(settings.data_dir),
        "MAILROOM_MODELS_DIR": str(settings.model_store_dir),
    }
    saved = {name: os.environ.get(name) for name in wanted}
    os.environ.update(wanted)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def render_page(name: str) -> tuple[float, list[str]]:
    """Render one page as the bench admin; return (milliseconds, exception messages)."""
    from streamlit.testing.v1 import AppTest

    from ui.auth import SESSION_USER

    path = ROOT / "app.py" if name == "app" else ROOT / "pages" / f"{name}.py"
    # Streamlit runs the page as the module __main__ and leaves it there: a process started
    # later with multiprocessing's spawn would run the page again to import its main module.
    main = sys.modules["__main__"]
    started = time.perf_counter()
    try:
        at = AppTest.from_file(str(path), default_timeout=RENDER_TIMEOUT_SECONDS)
        at.session_state[SESSION_USER] = BENCH_USER
        at.run()
    finally:
        sys.modules["__main__"] = main
    elapsed = (time.perf_counter() - started) * 1000
    return elapsed, [str(e.message) for e in at.exception]


def bench_ui(base: Settings, emails: int, renders: int = 5) -> dict[str, Any]:
    """Each page's median render time over ``emails`` emails of history."""
    import streamlit as st

    # AppTest outside a script run logs a warning per cache access; the figures are what matter.
    for name in logging.root.manager.loggerDict:
        if name.startswith("streamlit"):
            logging.getLogger(name).setLevel(logging.ERROR)
    bench = _Bench.fresh(base.model_copy(update={"mongodb_uri": None}), 2)  # SQLite only
    try:
        _make_templates(bench)
        started = time.perf_counter()
        rows = fill_history(bench, emails)
        fill_seconds = time.perf_counter() - started
        AccountBook(bench.settings.accounts_path, rounds=4).add(
            BENCH_USER, Role.ADMIN, "bench-admin-password"
        )
        medians: dict[str, float] = {}
        errors: dict[str, list[str]] = {}
        with _app_environment(bench.settings):
            st.cache_resource.clear()
            for page in PAGES:
                _, problems = render_page(page)  # warm: imports, the store, the model
                times = []
                for _ in range(renders):
                    elapsed, problems = render_page(page)
                    times.append(elapsed)
                medians[page] = round(statistics.median(times), 1)
                if problems:
                    errors[page] = problems
            actions = time_actions(bench.settings.accounts_path, BENCH_USER, renders)
            st.cache_resource.clear()
        return {
            "benchmark": "ui",
            "emails": rows["emails"],
            "rows": rows,
            "history_days": HISTORY_DAYS,
            "fill_seconds": round(fill_seconds, 1),
            "renders": renders,
            "page_median_ms": medians,
            "slowest_page_ms": max(medians.values()),
            "action_median_ms": actions,
            "page_errors": errors,
            "database_mb": round(bench.settings.database_file.stat().st_size / 2**20, 1),
            "peak_memory_mb": round(peak_memory_mb(), 1),
        }
    finally:
        bench.close()


__all__ = ["bench_ui", "fill_history"]
