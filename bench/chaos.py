"""``python -m bench chaos``: kill workers at random moments and count what was lost or doubled.

It starts N real worker processes on a fresh store, feeds M demo emails through a workflow that
replies without approval, SIGKILLs a random worker at K random moments (restarting it at once),
waits until every email is answered or the time is up, and reports what the outbox — the
"customer's mailbox" — actually received. Duplicates are counted from that mailbox, not from the
engine's own records, so a reply sent twice cannot hide.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO

from bench.mongo import drop_database
from engine.models import (
    FINAL_EXECUTION_STATUSES,
    ExecutionStatus,
    VisualData,
    Workflow,
    WorkflowStatus,
)
from engine.seed import DEFAULT_WORKFLOW_ID, _link, _node, seed
from engine.service import Actor, ControlRefused, MailroomService, Role
from engine.settings import Settings
from engine.store.base import Store
from engine.store.factory import open_store
from providers.email.demo_outbox import DemoOutbox

log = logging.getLogger(__name__)

CHAOS_WORKFLOW_ID = "chaos-auto-reply"
CHAOS_AGENT = Actor("chaos-agent", Role.AGENT)
# Short leases so a killed worker's executions move on quickly; everything else is real.
WORKER_ENV = {
    "MAILROOM_WORKER_LEASE_SECONDS": "3",
    "MAILROOM_WORKER_HEARTBEAT_SECONDS": "1",
    "MAILROOM_WORKER_RUN_INTERVAL_SECONDS": "0.2",
    "MAILROOM_WORKER_RELOAD_SECONDS": "2",
    "MAILROOM_WORKER_SHUTDOWN_GRACE_SECONDS": "5",
}

#: The workers' lease on MongoDB (see run_chaos).
MONGODB_LEASE_SECONDS = "10"


@dataclass
class ChaosReport:
    """The one JSON line the command prints."""

    emails: int
    executions_completed: int
    replies_sent: int
    duplicate_replies: int
    lost_emails: int
    kills: int
    workers: int
    backend: str
    seconds: float
    executions_failed: int = 0
    held_by_guard_rails: int = 0
    timed_out: bool = False
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.duplicate_replies == 0 and self.lost_emails == 0 and not self.timed_out


def chaos_workflow(emails: int, seed: int) -> Workflow:
    """Trigger → classify → draft → send with no human in the way, except where the guard
    rails demand one (low confidence, anger, injection): those go through an approval, which
    the chaos run's own agent decides at once."""
    nodes = [
        _node(
            "trigger",
            "email_trigger",
            "Chaos mailbox",
            0,
            0,
            source="demo",
            mailbox="chaos@mailroom.example",
            check_interval_seconds=1,
            batch_size=25,
            max_emails=emails,
            demo_seed=seed,
        ),
        _node("classify", "ai_model", "Classify", 200, 0, operation="classify"),
        _node(
            "guarded",
            "condition",
            "Needs a person?",
            400,
            0,
            field="classification.needs_review",
            operator="equals",
            value=True,
        ),
        _node("draft", "ai_model", "Draft reply", 600, 0, operation="draft"),
        _node("draft_reviewed", "ai_model", "Draft for review", 600, 150, operation="draft"),
        _node("approval", "approval", "Guard-rail approval", 800, 150),
        _node("send", "send_reply", "Send reply", 1000, 0),
    ]
    links = [
        _link("trigger", "classify"),
        _link("classify", "guarded"),
        _link("guarded", "draft", "false"),
        _link("guarded", "draft_reviewed", "true"),
        _link("draft_reviewed", "approval"),
        _link("draft", "send"),
        _link("approval", "send", "approved"),
    ]
    return Workflow(
        workflow_id=CHAOS_WORKFLOW_ID,
        name="Chaos: auto-reply without approval",
        status=WorkflowStatus.ACTIVE,
        tags=["chaos"],
        visual_data=VisualData(nodes=nodes, connections=links),
    )


def _approve_guarded(store: Store, stop: threading.Event) -> None:
    """The chaos run's agent: approves every draft the guard rails held back, as drafted."""
    service = MailroomService(store)
    while not stop.is_set():
        queue = service.approval_queue(CHAOS_AGENT, limit=100)
        for approval in queue:
            with contextlib.suppress(ControlRefused):  # decided meanwhile
                service.approve(CHAOS_AGENT, approval.approval_id)
        stop.wait(0.2)


class _Fleet:
    """The worker processes, each restartable, with their output in log files."""

    def __init__(self, count: int, env: dict[str, str], logs: Path) -> None:
        self.env = env
        self.logs = logs
        self.processes: list[subprocess.Popen[bytes]] = []
        self._files: list[IO[bytes]] = []
        for slot in range(count):
            self.processes.append(self._start(slot))

    def _start(self, slot: int) -> subprocess.Popen[bytes]:
        out = (self.logs / f"worker-{slot}.log").open("ab")
        self._files.append(out)
        return subprocess.Popen(
            [sys.executable, "-m", "engine", "worker"],
            env=self.env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )

    def kill_and_restart(self, slot: int) -> None:
        process = self.processes[slot]
        process.send_signal(signal.SIGKILL)
        process.wait()
        self.processes[slot] = self._start(slot)

    def crashed(self) -> list[int]:
        """Slots whose process died on its own (not by our kill): restart them, report them."""
        dead = [slot for slot, p in enumerate(self.processes) if p.poll() is not None]
        for slot in dead:
            self.processes[slot] = self._start(slot)
        return dead

    def stop(self, grace: float = 20.0) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + grace
        for process in self.processes:
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for file in self._files:
            file.close()


def _progress(store: Store) -> tuple[int, int, int]:
    """(emails stored, executions finished, executions completed)."""
    counts = store.count_executions_by_status(CHAOS_WORKFLOW_ID)
    finished = sum(counts.get(s.value, 0) for s in FINAL_EXECUTION_STATUSES)
    return store.count_emails(), finished, counts.get(ExecutionStatus.COMPLETED.value, 0)


def run_chaos(
    workers: int,
    emails: int,
    kills: int,
    *,
    base: Settings,
    seed: int = 1,
    timeout_seconds: float = 900.0,
    workdir: Path | None = None,
) -> ChaosReport:
    """Run the experiment on a fresh store and report what the customer's mailbox received."""
    rng = random.Random(seed)
    folder = workdir or Path(tempfile.mkdtemp(prefix="mailroom-chaos-"))
    folder.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env.update(WORKER_ENV)
    env["MAILROOM_DATA_DIR"] = str(folder / "data")
    env["MAILROOM_MODELS_DIR"] = str(base.model_store_dir.resolve())
    env.pop("MAILROOM_SQLITE_PATH", None)
    env.pop("MAILROOM_OUTBOX_DIR", None)
    if base.mongodb_uri is not None:
        # Every worker on the same server as this process (the URI may come from secrets.toml).
        env["MONGODB_URI"] = base.mongodb_uri.get_secret_value()
        # Every renewal is a round trip to the server; on a loaded machine (or secantusdb)
        # one can take a second, and a 3 s lease is then lost to another worker over and over.
        env["MAILROOM_WORKER_LEASE_SECONDS"] = MONGODB_LEASE_SECONDS
        env["MAILROOM_MONGODB_DATABASE"] = f"mailroom_chaos_{uuid.uuid4().hex[:12]}"
    settings = Settings(
        data_dir=folder / "data",
        models_dir=base.model_store_dir.resolve(),
        mongodb_uri=base.mongodb_uri,
        mongodb_database=env.get("MAILROOM_MONGODB_DATABASE", base.mongodb_database),
    )
    backend = "mongodb" if settings.mongodb_uri is not None else "sqlite"
    store = open_store(settings)
    store.setup()
    seed_store(store, emails, seed)
    log.info("chaos: %d workers, %d emails, %d kills, in %s", workers, emails, kills, folder)

    # Kill at random points of progress, so kills land in polling, running and sending alike.
    moments = sorted(rng.uniform(0.02, 0.9) * emails for _ in range(kills))
    started = time.monotonic()
    fleet = _Fleet(workers, env, folder)
    stop_agent = threading.Event()
    agent = threading.Thread(target=_approve_guarded, args=(store, stop_agent), daemon=True)
    agent.start()
    done_kills = 0
    problems: list[str] = []
    timed_out = False
    try:
        while True:
            stored, finished, _ = _progress(store)
            while done_kills < kills and finished >= moments[done_kills]:
                # A short random delay puts the kill anywhere inside a node, not at a boundary.
                time.sleep(rng.uniform(0.0, 0.3))
                fleet.kill_and_restart(rng.randrange(workers))
                done_kills += 1
            for slot in fleet.crashed():
                problems.append(f"worker {slot} exited on its own; see {folder}/worker-{slot}.log")
            if stored >= emails and finished >= emails and done_kills >= kills:
                break
            if time.monotonic() - started > timeout_seconds:
                timed_out = True
                break
            time.sleep(0.2)
    finally:
        stop_agent.set()
        agent.join()
        fleet.stop()
    report = _count(store, settings, emails, done_kills, workers, backend, started)
    report.timed_out = timed_out
    report.problems = problems
    store.close()
    if report.ok and workdir is None:
        shutil.rmtree(folder, ignore_errors=True)
        if settings.mongodb_uri is not None:
            drop_database(settings)
    else:
        report.problems.append(f"the store, outbox and worker logs are kept in {folder}")
    return report


def seed_store(store: Store, emails: int, seed_value: int) -> None:
    """The chaos workflow on, the default one off (workers seed it when they start)."""
    seed(store)
    store.set_workflow_status(DEFAULT_WORKFLOW_ID, WorkflowStatus.OFF)
    store.save_workflow(chaos_workflow(emails, seed_value))


def _count(
    store: Store,
    settings: Settings,
    emails: int,
    kills: int,
    workers: int,
    backend: str,
    started: float,
) -> ChaosReport:
    outbox = DemoOutbox(settings.demo_outbox_dir)
    deliveries = outbox.list_sent()
    duplicates = len(outbox.duplicates())
    replies = len(deliveries) - duplicates
    counts = store.count_executions_by_status(CHAOS_WORKFLOW_ID)
    return ChaosReport(
        emails=store.count_emails(),
        executions_completed=counts.get(ExecutionStatus.COMPLETED.value, 0),
        executions_failed=counts.get(ExecutionStatus.FAILED.value, 0),
        held_by_guard_rails=store.count_approvals(),
        replies_sent=replies,
        duplicate_replies=duplicates,
        # Every generated email must end answered: one distinct reply per email.
        lost_emails=max(0, emails - replies),
        kills=kills,
        workers=workers,
        backend=backend,
        seconds=round(time.monotonic() - started, 1),
    )


def report_line(report: ChaosReport) -> str:
    """The JSON line: the issue's six fields first, then the context."""
    data = asdict(report)
    first = ("emails", "executions_completed", "replies_sent", "duplicate_replies")
    ordered = {key: data.pop(key) for key in (*first, "lost_emails", "kills")}
    return json.dumps(ordered | data)
