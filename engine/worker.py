"""One engine process: an APScheduler loop that polls triggers and runs executions.

Jobs are in memory only and rebuilt from the workflows in the store; processes coordinate
through the store alone (claims with leases, unique indexes), never through a shared job store.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial
from types import FrameType

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler

from engine.adapters import ProviderSet
from engine.decisions import SWEEP_INTERVAL_SECONDS, sweep_decided_waits
from engine.encryption import GENERATE_KEY_COMMAND
from engine.escalation import escalate_due_approvals
from engine.executor import Executor, LeaseLost
from engine.http.probes import Liveness, ProbeServer
from engine.mail.triggers import RUN_NOW_KEY, poll_trigger, trigger_nodes
from engine.mail.watch import MailWatcher
from engine.models import ExecutionLog, WorkerInfo, WorkflowStatus, new_id, utcnow
from engine.nodes.email_trigger import EmailTriggerConfig
from engine.ops.privacy import run_retention
from engine.settings import Settings
from engine.store.base import Store

log = logging.getLogger(__name__)
#: The lease that makes the retention job run once cluster-wide per period.
RETENTION_LEASE = "retention"
#: A worker claims at once as many executions as it lately finished in this time (see
#: ``Worker.claim_size``): the longest any of them waits in its hand.
CLAIM_WINDOW_SECONDS = 0.02
#: The most executions one claim takes for a runner thread.
CLAIM_BATCH_MAX = 8


class Worker:
    """Polls active workflows' triggers and runs pending executions until stopped."""

    def __init__(
        self,
        store: Store,
        providers: ProviderSet,
        settings: Settings,
        worker_id: str | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.store = store
        self.providers = providers
        self.settings = settings
        self.clock = clock
        self.worker_id = worker_id or new_id(f"wrk_{socket.gethostname()}_{os.getpid()}")
        self._stopping = threading.Event()
        self.executor = Executor(store, providers, settings, clock=clock, stopping=self._stopping)
        self.started_at = clock()
        self._busy = 0
        self._busy_lock = threading.Condition()
        self._run_requests_seen: dict[str, str] = {}
        self._seconds_per_execution = 0.0  # see claim_size
        self._runners: list[threading.Thread] = []
        self._watchers: dict[str, MailWatcher] = {}
        self._probes: ProbeServer | None = None
        self._scheduler = BackgroundScheduler(
            executors={"default": ThreadPoolExecutor(6)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 30},
            timezone="UTC",
        )

    # --- work units, also called directly by tests and the CLI ---------------------------
    def run_pending(self, max_executions: int | None = None) -> int:
        """Claim and run pending executions until none is left (or ``max_executions``).

        Short executions are claimed several at a time (see ``claim_size``); the ones in hand
        when the worker is asked to stop still go through the executor, which gives them
        back to the queue at once.
        """
        done = 0
        while not self._stopping.is_set() and (max_executions is None or done < max_executions):
            # Busy from the claim until the last execution in hand is done: stop() waits for
            # the ones given back too.
            with self._busy_lock:
                self._busy += 1
            try:
                left = None if max_executions is None else max_executions - done
                now = self.clock()
                lease_until = now + timedelta(seconds=self.settings.worker_lease_seconds)
                in_hand = deque(
                    self.store.claim_executions(
                        self.worker_id, lease_until, now, self.claim_size(left)
                    )
                )
                if not in_hand:
                    break
                while in_hand:
                    self._run_one(in_hand.popleft())
                    done += 1
            finally:
                with self._busy_lock:
                    self._busy -= 1
                    self._busy_lock.notify_all()
        return done

    def claim_size(self, left: int | None = None) -> int:
        """How many executions to claim at once: as many as this worker has lately finished
        in ``CLAIM_WINDOW_SECONDS`` (at most ``CLAIM_BATCH_MAX``, at most ``left``).

        One claim statement and commit for several short executions; a long one (an AI
        node, a reply to send) is claimed alone, so none waits in a worker's hand while
        another worker is free, and its latency is not lengthened by the ones before it.
        """
        size = CLAIM_BATCH_MAX
        if self._seconds_per_execution > 0:
            size = min(size, int(CLAIM_WINDOW_SECONDS / self._seconds_per_execution))
        else:
            size = 1  # nothing measured yet
        return max(1, size if left is None else min(size, left))

    def _run_one(self, execution: ExecutionLog) -> None:
        started = time.perf_counter()
        try:
            self.executor.run(execution)
        except LeaseLost as exc:
            log.warning("%s", exc)
        except Exception:
            log.exception("execution %s crashed the executor", execution.execution_id)
        elapsed = time.perf_counter() - started
        # A moving average over the last few executions (racy between threads: an estimate).
        previous = self._seconds_per_execution or elapsed
        self._seconds_per_execution = previous + (elapsed - previous) * 0.2

    def poll_triggers(self, workflow_id: str | None = None) -> int:
        """Poll the triggers of every active workflow (or one); return executions created."""
        created = 0
        for workflow in self.store.list_workflows(WorkflowStatus.ACTIVE):
            if workflow_id is not None and workflow.workflow_id != workflow_id:
                continue
            for node in trigger_nodes(workflow):
                try:
                    created += poll_trigger(
                        self.store, self.providers, workflow, node, self.worker_id, clock=self.clock
                    ).executions_created
                except Exception:
                    log.exception("polling %s/%s failed", workflow.workflow_id, node.node_id)
        return created

    def heartbeat(self) -> None:
        self.store.record_heartbeat(
            WorkerInfo(
                worker_id=self.worker_id,
                hostname=socket.gethostname(),
                pid=os.getpid(),
                started_at=self.started_at,
                heartbeat_at=self.clock(),
            )
        )

    def check_run_requests(self) -> int:
        """Poll now the workflows someone asked to run now (``service.run_now``)."""
        created = 0
        for workflow in self.store.list_workflows(WorkflowStatus.ACTIVE):
            requested = self.store.get_cursor(RUN_NOW_KEY.format(workflow_id=workflow.workflow_id))
            if requested is None or self._run_requests_seen.get(workflow.workflow_id) == requested:
                continue
            self._run_requests_seen[workflow.workflow_id] = requested
            created += self.poll_triggers(workflow.workflow_id)
        return created

    def escalate_approvals(self) -> int:
        """Escalate approvals nobody decided in time (one worker at a time does it)."""
        return escalate_due_approvals(
            self.store, self.providers.notifier, self.worker_id, self.clock
        )

    def sweep_decisions(self) -> int:
        """Re-queue executions left waiting on an already decided approval (a process died
        between the decision and the re-queue)."""
        resumed = sweep_decided_waits(self.store)
        if resumed:
            log.warning("re-queued %d executions whose approval was decided", resumed)
        return resumed

    def apply_retention(self) -> dict[str, int] | None:
        """Delete what the retention policy keeps no longer, if no other worker did it within
        the last ``retention_check_seconds``; None when another worker holds the turn."""
        now = self.clock()
        # The lease is left to expire rather than released: it marks this period as done.
        turn = now + timedelta(seconds=self.settings.retention_check_seconds * 0.9)
        if not self.store.acquire_lease(RETENTION_LEASE, self.worker_id, turn, now):
            return None
        deleted = run_retention(self.store, self.settings.retention_days(), now)
        if any(deleted.values()):
            log.info("retention deleted %s", deleted)
        return deleted

    def reap(self) -> int:
        released = self.store.release_expired_leases(self.clock())
        if released:
            log.warning("released %d executions whose lease expired", released)
        return released

    # --- scheduling -----------------------------------------------------------------------
    def sync_trigger_jobs(self) -> None:
        """Make one polling job per active workflow, at its trigger's check interval."""
        wanted: dict[str, float] = {}
        for workflow in self.store.list_workflows(WorkflowStatus.ACTIVE):
            for node in trigger_nodes(workflow):
                config = EmailTriggerConfig.model_validate(node.config)
                wanted[f"poll:{workflow.workflow_id}"] = config.check_interval_seconds
        for job in self._scheduler.get_jobs():
            if job.id.startswith("poll:") and job.id not in wanted:
                job.remove()
        for job_id, interval in wanted.items():
            workflow_id = job_id.removeprefix("poll:")
            existing = self._scheduler.get_job(job_id)
            if existing is not None and existing.trigger.interval.total_seconds() == interval:
                continue
            self._scheduler.add_job(
                self.poll_triggers,
                "interval",
                seconds=interval,
                id=job_id,
                args=[workflow_id],
                replace_existing=True,
                next_run_time=self.clock(),
            )

    def sync_mail_watchers(self) -> None:
        """Keep one IDLE watcher per active IMAP trigger (restarted when its config changes)."""
        wanted: dict[str, tuple[str, dict[str, object]]] = {}
        if self.settings.imap_idle_seconds > 0 and not self._stopping.is_set():
            for workflow in self.store.list_workflows(WorkflowStatus.ACTIVE):
                for node in trigger_nodes(workflow):
                    if node.config.get("source") != "imap":
                        continue
                    config = dict(node.config)
                    key = f"{workflow.workflow_id}/{node.node_id}:{sorted(config.items())!r}"
                    wanted[key] = (workflow.workflow_id, config)
        for key in [k for k in self._watchers if k not in wanted or not self._watchers[k].alive]:
            self._watchers.pop(key).stop()
        for key, (workflow_id, config) in wanted.items():
            if key in self._watchers:
                continue
            watcher = MailWatcher(
                name=f"{workflow_id}/{config.get('mailbox')}",
                open_source=partial(self.providers.email_source, config),
                on_mail=partial(self.poll_triggers, workflow_id),
                wait_seconds=self.settings.imap_idle_seconds,
            )
            self._watchers[key] = watcher
            watcher.start()

    def start(self) -> None:
        """Start the background scheduler (returns at once)."""
        if self.store.cipher is None:
            log.warning(
                "MAILROOM_ENCRYPTION_KEY is not set: customer data is stored in clear; "
                "generate a key with %s",
                GENERATE_KEY_COMMAND,
            )
        self.heartbeat()
        s = self.settings
        add = self._scheduler.add_job
        add(self.heartbeat, "interval", seconds=s.worker_heartbeat_seconds, id="heartbeat")
        add(self.check_run_requests, "interval", seconds=1.0, id="run-now")
        add(self.escalate_approvals, "interval", seconds=s.approval_check_seconds, id="escalate")
        add(self.sweep_decisions, "interval", seconds=SWEEP_INTERVAL_SECONDS, id="sweep")
        add(self.reap, "interval", seconds=max(1.0, s.worker_lease_seconds / 3), id="reap")
        add(
            self.apply_retention,
            "interval",
            seconds=s.retention_check_seconds,
            id="retention",
            next_run_time=self.clock() + timedelta(seconds=60),
        )
        add(
            self.sync_mail_watchers,
            "interval",
            seconds=s.worker_reload_seconds,
            id="watch",
            next_run_time=self.clock(),
        )
        add(
            self.sync_trigger_jobs,
            "interval",
            seconds=s.worker_reload_seconds,
            id="sync",
            next_run_time=self.clock(),
        )
        self._scheduler.start()
        self._runners = [
            threading.Thread(target=self._run_loop, name=f"runner-{slot}", daemon=True)
            for slot in range(s.worker_concurrency)
        ]
        for runner in self._runners:
            runner.start()
        if s.worker_metrics_port:
            self._probes = ProbeServer(
                self.store,
                s,
                Liveness("worker", self.scheduler_running),
                s.worker_metrics_host,
                s.worker_metrics_port,
            )
            self._probes.start()
        log.info("worker %s started", self.worker_id)

    def scheduler_running(self) -> bool:
        """True while the scheduler runs its jobs and the worker is not stopping."""
        return bool(self._scheduler.running) and not self._stopping.is_set()

    def _run_loop(self) -> None:
        """One execution slot: run what is pending, then wait a moment when nothing is."""
        while not self._stopping.is_set():
            try:
                ran = self.run_pending()
            except Exception:  # the store may be briefly unavailable; keep the slot alive
                log.exception("claiming work failed")
                ran = 0
            if not ran:
                self._stopping.wait(self.settings.worker_run_interval_seconds)

    def stop(self) -> None:
        """Stop taking work, let nodes in flight finish, and give back what is left.

        Executions in hand stop at their next node boundary and go back to the queue. Nodes
        still running after ``worker_shutdown_grace_seconds`` are left to their lease: it
        expires and another worker takes the execution over.
        """
        self._stopping.set()
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)
        for watcher in self._watchers.values():
            watcher.stop()
        self._watchers.clear()
        deadline = time.monotonic() + self.settings.worker_shutdown_grace_seconds
        with self._busy_lock:
            while self._busy and (left := deadline - time.monotonic()) > 0:
                self._busy_lock.wait(left)
            if self._busy:
                log.warning(
                    "stopping with %d executions still running; their leases expire", self._busy
                )
        self.executor.close()
        if self._probes is not None:
            self._probes.stop()
        self.store.remove_worker(self.worker_id)
        log.info("worker %s stopped", self.worker_id)

    def run_forever(self) -> None:
        """Run until SIGINT or SIGTERM, then stop cleanly."""
        stop = threading.Event()

        def on_signal(signum: int, frame: FrameType | None) -> None:
            stop.set()

        signal.signal(signal.SIGINT, on_signal)
        signal.signal(signal.SIGTERM, on_signal)
        self.start()
        stop.wait()
        self.stop()
