"""``python -m bench empty|pipeline``: throughput and latency figures on the embedded store.

Each benchmark builds a fresh store in a temporary folder, prints a short summary, and prints its
figures as one JSON object on the last line. Nothing here asserts anything: figures are read by
people and by ``make bench``.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from bench.mongo import drop_database
from engine.adapters import build_ai_provider, build_providers
from engine.mail.triggers import poll_trigger, trigger_nodes
from engine.models import (
    ApprovalStatus,
    ExecutionStatus,
    OutboxKind,
    OutboxStatus,
    VisualData,
    Workflow,
    WorkflowStatus,
)
from engine.seed import DEFAULT_WORKFLOW_ID, _link, _node, seed
from engine.service import Actor, MailroomService, Role
from engine.settings import Settings
from engine.store.base import Store
from engine.store.factory import open_store
from engine.store.sqlite import SQLiteStore
from engine.worker import Worker
from providers.ai.taxonomy import support_taxonomy
from providers.email.base import InboundEmail
from providers.email.demo import DemoEmailSource

BENCH_AGENT = Actor("bench-agent", Role.AGENT)


def peak_memory_mb() -> float:
    """The process's peak resident memory so far (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


@dataclass
class _Bench:
    folder: Path
    settings: Settings
    store: Store

    @classmethod
    def fresh(cls, base: Settings, concurrency: int) -> _Bench:
        """A fresh store: SQLite in a temporary folder, or a database of its own on the
        MongoDB of ``MONGODB_URI`` when it is set (dropped by ``close``)."""
        folder = Path(tempfile.mkdtemp(prefix="mailroom-bench-"))
        settings = Settings(
            data_dir=folder,
            models_dir=base.model_store_dir.resolve(),
            worker_concurrency=concurrency,
            mongodb_uri=base.mongodb_uri,
            mongodb_database=f"mailroom_bench_{uuid.uuid4().hex[:12]}",
        )
        store = open_store(settings)
        store.setup()
        seed(store)
        return cls(folder, settings, store)

    @property
    def backend(self) -> str:
        return "sqlite" if self.settings.mongodb_uri is None else "mongodb"

    def close(self) -> None:
        self.store.close()
        drop_database(self.settings)
        shutil.rmtree(self.folder, ignore_errors=True)


def _ingest(bench: _Bench, workflow_id: str, count: int) -> float:
    """Feed ``count`` demo emails through the workflow's trigger; return seconds taken."""
    providers = build_providers(bench.settings)
    workflow = bench.store.get_workflow(workflow_id)
    node = trigger_nodes(workflow)[0]
    node = node.model_copy(update={"config": {**node.config, "max_emails": None}})
    started = time.perf_counter()
    created = 0
    while created < count:
        result = poll_trigger(
            bench.store, providers, workflow, node, "bench", limit=min(500, count - created)
        )
        created += result.executions_created
    return time.perf_counter() - started


def _run_all(worker: Worker, threads: int, until: Callable[[], bool]) -> float:
    """Run pending executions on ``threads`` threads until ``until()``; return seconds."""
    stop = threading.Event()

    def loop() -> None:
        while not stop.is_set():
            if not worker.run_pending():
                time.sleep(0.002)

    runners = [threading.Thread(target=loop) for _ in range(threads)]
    started = time.perf_counter()
    for runner in runners:
        runner.start()
    while not until():
        time.sleep(0.01)
    elapsed = time.perf_counter() - started
    stop.set()
    for runner in runners:
        runner.join()
    return elapsed


def _bench_env(bench: _Bench) -> dict[str, str]:
    """The environment a runner process finds the benchmark's store and models in."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAILROOM_")}
    env |= {
        "MAILROOM_DATA_DIR": str(bench.settings.data_dir),
        "MAILROOM_MODELS_DIR": str(bench.settings.model_store_dir),
        "MAILROOM_MONGODB_DATABASE": bench.settings.mongodb_database,
        "PYTHONPATH": str(Path(__file__).resolve().parents[1]),
    }
    if bench.settings.mongodb_uri is not None:
        env["MAILROOM_MONGODB_URI"] = bench.settings.mongodb_uri.get_secret_value()
    return env


def _run_all_processes(
    bench: _Bench, processes: int, threads: int, until: Callable[[], bool], warm: bool = False
) -> float:
    """Run pending executions in ``processes`` runner processes (``bench.runner``) of
    ``threads`` threads each until ``until()``; return seconds from when all were ready
    (``warm``: each has loaded the local AI by then)."""
    command = [sys.executable, "-m", "bench.runner", "--threads", str(threads)]
    command += ["--warm"] if warm else []
    runners = [
        subprocess.Popen(command, env=_bench_env(bench), stdout=subprocess.PIPE, text=True)
        for _ in range(processes)
    ]
    try:
        for runner in runners:  # each has loaded its models before the clock starts
            assert runner.stdout is not None
            if runner.stdout.readline().strip() != "ready":
                raise RuntimeError("a bench runner process did not start")
        started = time.perf_counter()
        while not until():
            time.sleep(0.01)
        return time.perf_counter() - started
    finally:
        for runner in runners:
            runner.terminate()
        for runner in runners:
            runner.wait(timeout=60)


def bench_empty(
    base: Settings, executions: int, concurrency: int = 2, processes: int = 0
) -> dict[str, Any]:
    """A trigger → no-op workflow: how many executions a worker finishes per second."""
    bench = _Bench.fresh(base, concurrency)
    try:
        bench.store.set_workflow_status(DEFAULT_WORKFLOW_ID, WorkflowStatus.OFF)
        nodes = [
            _node("trigger", "email_trigger", "Mail", 0, 0, batch_size=500),
            _node("noop", "transform", "No-op", 200, 0),
        ]
        bench.store.save_workflow(
            Workflow(
                workflow_id="empty",
                name="Empty",
                status=WorkflowStatus.ACTIVE,
                visual_data=VisualData(nodes=nodes, connections=[_link("trigger", "noop")]),
            )
        )
        ingest_seconds = _ingest(bench, "empty", executions)

        def finished() -> bool:
            counts = bench.store.count_executions_by_status("empty")
            return counts.get(ExecutionStatus.COMPLETED.value, 0) >= executions

        cpu_ms: float | None = None
        if processes:
            seconds = _run_all_processes(bench, processes, concurrency, finished)
        else:
            worker = Worker(bench.store, build_providers(bench.settings), bench.settings)
            cpu_started = time.process_time()
            seconds = _run_all(worker, concurrency, finished)
            cpu_ms = (time.process_time() - cpu_started) * 1000 / executions
            worker.executor.close()
        return {
            "benchmark": "empty",
            "backend": bench.backend,
            "executions": executions,
            "executions_per_second": round(executions / seconds, 1),
            # This process's CPU time per execution (threads only): on a shared machine the
            # wall-clock rate is the load's as much as the engine's; this is the engine's.
            "cpu_ms_per_execution": None if cpu_ms is None else round(cpu_ms, 3),
            "executions_per_cpu_second": None if not cpu_ms else round(1000 / cpu_ms, 1),
            "ingest_emails_per_second": round(executions / ingest_seconds, 1),
            "worker_threads": concurrency,
            "worker_processes": processes,
            "peak_memory_mb": round(peak_memory_mb(), 1),
        }
    finally:
        bench.close()


def bench_pipeline(
    base: Settings, emails: int, concurrency: int = 2, processes: int = 0
) -> dict[str, Any]:
    """The default workflow end to end, a bench agent approving every draft at once."""
    bench = _Bench.fresh(base, concurrency)
    try:
        providers = build_providers(bench.settings)
        ai = providers.ai
        taxonomy = support_taxonomy()
        # The CPU floor: the same AI work in a tight loop, no engine around it.
        source = DemoEmailSource(mailbox="floor@mailroom.example", seed=bench.settings.demo_seed)
        sample = source.fetch(None, emails).emails
        ai.classify(sample[0], taxonomy)  # load the model outside the timing

        floor_cpu: list[float] = []

        def floor() -> float:
            # On as many threads as the engine has: on a shared machine the scheduler gives a
            # process CPU by runnable threads, so a one-thread floor would flatter the engine.
            def work(share: list[InboundEmail]) -> None:
                for email in share:
                    ai.draft(email, ai.classify(email, taxonomy))

            threads = [
                threading.Thread(target=work, args=(sample[slot::concurrency],))
                for slot in range(concurrency)
            ]
            started, cpu_started = time.perf_counter(), time.process_time()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            floor_cpu.append(time.process_time() - cpu_started)
            return time.perf_counter() - started

        # Timed before and after the engine's run, on a shared machine the load changes.
        floor_before = floor()

        service = MailroomService(bench.store)
        stop = threading.Event()

        agent_cpu: list[float] = []  # the stand-in for a person: not the engine's CPU

        def agent() -> None:
            started = time.thread_time()
            while not stop.is_set():
                queue = service.approval_queue(BENCH_AGENT, limit=200)
                for approval in queue:
                    service.approve(BENCH_AGENT, approval.approval_id)
                if not queue:
                    time.sleep(0.005)
            agent_cpu.append(time.thread_time() - started)

        agent_thread = threading.Thread(target=agent)
        agent_thread.start()
        ingest_seconds = _ingest(bench, DEFAULT_WORKFLOW_ID, emails)

        def finished() -> bool:
            counts = bench.store.count_executions_by_status(DEFAULT_WORKFLOW_ID)
            return counts.get(ExecutionStatus.COMPLETED.value, 0) >= emails

        engine_cpu: float | None = None
        if processes:
            seconds = _run_all_processes(bench, processes, concurrency, finished, warm=True)
        else:
            worker = Worker(bench.store, providers, bench.settings)
            cpu_started = time.process_time()
            seconds = _run_all(worker, concurrency, finished)
            engine_cpu = time.process_time() - cpu_started
            worker.executor.close()
        stop.set()
        agent_thread.join()
        if engine_cpu is not None:  # less the bench agent's (the agent runs from the ingest on)
            engine_cpu = max(1e-9, engine_cpu - sum(agent_cpu))
        latencies = _latencies_without_human_wait(bench, emails)
        replies = bench.store.list_outbox(OutboxKind.REPLY, limit=emails * 2 + 10)
        sent = [r.email_id for r in replies if r.status == OutboxStatus.SENT]
        executions = bench.store.list_executions(limit=emails)
        nodes_run = statistics.mean(e.metrics.nodes_executed for e in executions)
        rate = emails / seconds
        floor_seconds = (floor_before + floor()) / 2
        floor_rate = emails / floor_seconds
        overhead_ms = max(0.0, (seconds - floor_seconds) / emails / nodes_run * 1000 * concurrency)
        return {
            "benchmark": "pipeline",
            "backend": bench.backend,
            "emails": emails,
            "emails_per_second": round(rate, 1),
            "ingest_emails_per_second": round(emails / ingest_seconds, 1),
            "latency_p50_ms": round(percentile(latencies, 0.5), 1),
            "latency_p95_ms": round(percentile(latencies, 0.95), 1),
            "cpu_floor_emails_per_second": round(floor_rate, 1),
            "share_of_cpu_floor": round(rate / floor_rate, 3),
            "engine_overhead_ms_per_node": round(overhead_ms, 2),
            # The same ratio in CPU time (this process's threads, less the bench agent's), which
            # the machine's load does not move: the AI work alone per email against the
            # engine's run per email.
            "floor_cpu_ms_per_email": round(statistics.mean(floor_cpu) * 1000 / emails, 2),
            "cpu_ms_per_email": None
            if engine_cpu is None
            else round(engine_cpu * 1000 / emails, 2),
            "cpu_share_of_cpu_floor": None
            if not engine_cpu
            else round(statistics.mean(floor_cpu) / engine_cpu, 3),
            "nodes_per_execution": round(nodes_run, 2),
            "worker_threads": concurrency,
            "worker_processes": processes,
            "replies_sent": len(list((bench.settings.demo_outbox_dir).glob("*.eml"))),
            "emails_replied": len(set(sent)),
            "duplicate_replies": len(sent) - len(set(sent)),
            "peak_memory_mb": round(peak_memory_mb(), 1),
        }
    finally:
        bench.close()


def _latencies_without_human_wait(bench: _Bench, emails: int) -> list[float]:
    """Per execution: from its first claim to its end, minus the wait for the human decision.

    Time queued before the first claim is left out: the benchmark ingests every email up front,
    so queueing measures the batch size, not the engine.
    """
    latencies = []
    for execution in bench.store.list_executions(limit=emails):
        if execution.completed_at is None or execution.started_at is None:
            continue
        total = (execution.completed_at - execution.started_at).total_seconds()
        approval = bench.store.find_approval(execution.execution_id, "approval")
        if approval is not None and approval.status == ApprovalStatus.APPROVED:
            assert approval.decided_at is not None
            total -= (approval.decided_at - approval.created_at).total_seconds()
        latencies.append(total * 1000)
    return latencies


def summary(figures: dict[str, Any]) -> str:
    """A short human line (or a few) above the JSON."""
    if figures["benchmark"] == "llm":
        share = figures["share_of_bound"]
        bound = "no bound at 0 ms" if share is None else f"{share:.0%} of the C / L bound of "
        bound += "" if share is None else f"{figures['bound_calls_per_second']}/s"
        return (
            f"llm: {figures['calls_per_second']} calls/s at {figures['concurrency']} concurrent, "
            f"{figures['latency_ms']:g} ms server latency ({bound}); "
            f"{figures['emails_drafted']} emails classified and drafted, {figures['errors']} "
            f"errors, call p50 {figures['call_p50_ms']} ms, p95 {figures['call_p95_ms']} ms"
        )
    if figures["benchmark"] == "ui":
        lines = [
            f"ui: {figures['emails']} emails of history, median of {figures['renders']} renders"
        ]
        lines += [f"  {page}: {ms} ms" for page, ms in figures["page_median_ms"].items()]
        actions = figures.get("action_median_ms", {})
        lines += [
            f"  action {name}: {ms} ms" if isinstance(ms, float) else f"  action {name}: {ms}"
            for name, ms in actions.items()
        ]
        return "\n".join(lines)
    if figures["benchmark"] == "empty":
        processes = figures.get("worker_processes", 0)
        where = (
            f"{processes} worker processes of {figures['worker_threads']} threads"
            if processes
            else f"{figures['worker_threads']} threads in this process"
        )
        cpu = figures.get("cpu_ms_per_execution")
        return (
            f"empty workflow: {figures['executions_per_second']} executions/s over "
            f"{figures['executions']} executions ({where}), peak {figures['peak_memory_mb']} MB"
            + ("" if cpu is None else f"; {cpu} ms of CPU per execution")
        )
    cpu_share = figures.get("cpu_share_of_cpu_floor")
    return (
        f"pipeline: {figures['emails_per_second']} emails/s "
        f"({figures['share_of_cpu_floor']:.0%} of the CPU floor of "
        f"{figures['cpu_floor_emails_per_second']}/s), p50 {figures['latency_p50_ms']} ms, "
        f"p95 {figures['latency_p95_ms']} ms, peak {figures['peak_memory_mb']} MB"
        + (
            ""
            if cpu_share is None
            else f"; CPU {figures['cpu_ms_per_email']} ms per email against "
            f"{figures['floor_cpu_ms_per_email']} ms for the AI alone ({cpu_share:.0%})"
        )
    )


@contextmanager
def delayed_openai_server(latency_ms: float) -> Iterator[str]:
    """Run ``bench.servers`` in its own process; yield its base URL."""
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.servers", "--latency-ms", str(latency_ms)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        if not url.startswith("http://127.0.0.1:"):
            raise RuntimeError(f"the bench server did not start (it printed {url!r})")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()


def _answered(url: str) -> int:
    with urllib.request.urlopen(f"{url}/bench/requests", timeout=5) as response:
        return int(json.load(response)["answered"])


def bench_llm(base: Settings, latency_ms: float, concurrency: int, emails: int) -> dict[str, Any]:
    """Classify and draft ``emails`` demo emails through the OpenAI provider (the real SDK, the
    engine's provider chain with its breaker and rate limiter) on ``concurrency`` threads,
    against a loopback server that answers after ``latency_ms``. Each email makes two calls in
    a row, so the bound is ``concurrency / latency`` calls per second."""
    with delayed_openai_server(latency_ms) as url:
        folder = Path(tempfile.mkdtemp(prefix="mailroom-bench-"))
        try:
            settings = Settings(
                data_dir=folder,
                models_dir=base.model_store_dir.resolve(),
                ai_classify_chain="openai",
                ai_draft_chain="openai",
                openai_api_key=SecretStr("bench-key"),
                openai_base_url=f"{url}/v1",
                openai_model="bench-model",
                ai_max_retries=0,
                ai_timeout_seconds=max(30.0, latency_ms / 1000 * 10),
                ai_rate_limit_per_minute=1e9,
            )
            SQLiteStore(settings.database_file).setup()
            ai = build_ai_provider(settings)
            taxonomy = support_taxonomy()
            source = DemoEmailSource(mailbox="llm@mailroom.example", seed=settings.demo_seed)
            sample = source.fetch(None, emails).emails
            ai.draft(sample[0], ai.classify(sample[0], taxonomy))  # connect outside the timing
            before = _answered(url)
            todo = iter(sample)
            todo_lock = threading.Lock()
            call_ms: list[float] = []
            drafted: list[str] = []
            errors: list[str] = []

            def run() -> None:
                while True:
                    with todo_lock:
                        email = next(todo, None)
                    if email is None:
                        return
                    try:
                        first = time.perf_counter()
                        classification = ai.classify(email, taxonomy)
                        second = time.perf_counter()
                        draft = ai.draft(email, classification)
                        third = time.perf_counter()
                    except Exception as exc:  # a figure, not a crash: reported below
                        errors.append(f"{type(exc).__name__}: {exc}")
                        continue
                    call_ms.extend([(second - first) * 1000, (third - second) * 1000])
                    drafted.append(draft.body)

            threads = [threading.Thread(target=run) for _ in range(concurrency)]
            started = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            seconds = time.perf_counter() - started
            calls = _answered(url) - before
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    rate = calls / seconds
    bound = concurrency / (latency_ms / 1000) if latency_ms > 0 else None
    return {
        "benchmark": "llm",
        "emails": emails,
        "latency_ms": latency_ms,
        "concurrency": concurrency,
        "calls": calls,
        "emails_drafted": len(drafted),
        "errors": len(errors),
        "first_error": errors[0] if errors else None,
        "calls_per_second": round(rate, 1),
        "bound_calls_per_second": None if bound is None else round(bound, 1),
        "share_of_bound": None if bound is None else round(rate / bound, 3),
        "emails_per_second": round(len(drafted) / seconds, 1),
        "call_p50_ms": round(percentile(call_ms, 0.5), 1),
        "call_p95_ms": round(percentile(call_ms, 0.95), 1),
        "peak_memory_mb": round(peak_memory_mb(), 1),
    }
