"""``/metrics``, ``/healthz`` and ``/readyz``: what operators and Prometheus ask a process.

- ``/metrics``: the Prometheus text format — this process's counters and histograms, the
  Python runtime's, and the store-backed gauges of ``engine.ops.telemetry.StoreCollector``.
- ``/healthz`` (liveness): the process answers and, for a worker, its scheduler is running;
  503 otherwise (restart it).
- ``/readyz`` (readiness): the database answers, each AI chain has a provider whose circuit is
  not open, and no mailbox has stalled (failed polls in a row at its alert threshold). Each
  check is reported in detail; 503 when any of them is not ready.

A worker serves them on ``MAILROOM_WORKER_METRICS_HOST:MAILROOM_WORKER_METRICS_PORT`` (a
uvicorn server in a daemon thread); the intake service mounts the same routes beside its
webhooks.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import uvicorn
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from engine.mail.source_health import mailbox_state, source_key
from engine.models import WorkflowStatus, utcnow
from engine.nodes.email_trigger import EmailTriggerConfig
from engine.ops.telemetry import StoreCollector, breaker_readings
from engine.settings import Settings
from engine.store.base import Store, StoreError

log = logging.getLogger(__name__)


def remote_ai_providers(settings: Settings) -> list[str]:
    """The remote providers named in either AI chain (those with a circuit breaker)."""
    names = settings.ai_classify_chain.split(",") + settings.ai_draft_chain.split(",")
    return [name for name in dict.fromkeys(names) if name != "local"]


def database_status(store: Store) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        emails = store.count_emails()
    except (StoreError, OSError) as exc:
        return {"ready": False, "error": type(exc).__name__}
    return {
        "ready": True,
        "emails": emails,
        "latency_ms": round((time.perf_counter() - started) * 1000, 2),
    }


def ai_status(store: Store, settings: Settings) -> dict[str, Any]:
    """Each chain with each provider's breaker; a chain is ready while one link is not open."""
    remote = remote_ai_providers(settings)
    try:
        readings = {
            r.provider: r for r in breaker_readings(store, remote, settings.ai_circuit_failures)
        }
    except (StoreError, OSError) as exc:
        return {"ready": False, "error": type(exc).__name__}
    chains: dict[str, Any] = {}
    ready = True
    for operation, chain in (
        ("classify", settings.ai_classify_chain),
        ("draft", settings.ai_draft_chain),
    ):
        links = []
        for name in chain.split(","):
            if name == "local":
                links.append({"provider": "local", "breaker": "none", "usable": True})
                continue
            reading = readings[name]
            links.append(
                {
                    "provider": name,
                    "breaker": reading.state,
                    "consecutive_failures": reading.failures,
                    "usable": reading.state != "open",
                }
            )
        chain_ready = any(link["usable"] for link in links)
        ready = ready and chain_ready
        chains[operation] = {"ready": chain_ready, "providers": links}
    return {"ready": ready, "chains": chains}


def mailbox_status(store: Store) -> dict[str, Any]:
    """Each active workflow's mailbox with its polling health; stalled ones make it not ready."""
    try:
        healths = {h.source_key: h for h in store.list_source_health()}
        workflows = store.list_workflows(WorkflowStatus.ACTIVE)
    except (StoreError, OSError) as exc:
        return {"ready": False, "error": type(exc).__name__}
    mailboxes = []
    for workflow in workflows:
        for node in workflow.visual_data.nodes:
            if node.node_type_id != "email_trigger":
                continue
            config = EmailTriggerConfig.model_validate(node.config)
            health = healths.get(source_key(workflow.workflow_id, node.node_id))
            errors = health.consecutive_errors if health else 0
            state = mailbox_state(
                health,
                alert_after_failures=config.alert_after_failures,
                check_interval_seconds=config.check_interval_seconds,
                now=utcnow(),
            )
            stalled = state == "stalled"
            mailboxes.append(
                {
                    "mailbox": config.mailbox,
                    "source": config.source,
                    "workflow_id": workflow.workflow_id,
                    "ready": not stalled,
                    "state": state,
                    "consecutive_errors": errors,
                    "last_success_at": (
                        health.last_success_at.isoformat()
                        if health and health.last_success_at
                        else None
                    ),
                    "lag_seconds": health.lag_seconds if health else None,
                }
            )
    return {"ready": all(m["ready"] for m in mailboxes), "mailboxes": mailboxes}


def readiness(store: Store, settings: Settings) -> dict[str, Any]:
    """``{"ready": bool, "checks": {"database", "ai_providers", "mailboxes"}}``."""
    database = database_status(store)
    if not database["ready"]:
        checks: dict[str, Any] = {
            "database": database,
            "ai_providers": {"ready": False, "error": "the database is not reachable"},
            "mailboxes": {"ready": False, "error": "the database is not reachable"},
        }
    else:
        checks = {
            "database": database,
            "ai_providers": ai_status(store, settings),
            "mailboxes": mailbox_status(store),
        }
    return {"ready": all(check["ready"] for check in checks.values()), "checks": checks}


@dataclass
class Liveness:
    """What ``/healthz`` reports: the process, and whether its scheduler runs (if it has one)."""

    role: str
    scheduler_running: Callable[[], bool] | None = None
    started: float = 0.0

    def document(self) -> tuple[bool, dict[str, Any]]:
        alive = self.scheduler_running() if self.scheduler_running is not None else True
        body: dict[str, Any] = {
            "status": "ok" if alive else "scheduler stopped",
            "role": self.role,
            "pid": os.getpid(),
            "uptime_seconds": round(time.monotonic() - self.started, 1),
        }
        if self.scheduler_running is not None:
            body["scheduler_running"] = alive
        return alive, body


def probe_routes(store: Store, settings: Settings, liveness: Liveness) -> list[Route]:
    """The three routes, on ``store``; the store-backed gauges get their own registry."""
    if not liveness.started:
        liveness.started = time.monotonic()
    gauges = CollectorRegistry(auto_describe=False)
    gauges.register(
        StoreCollector(
            store,
            remote_ai_providers(settings),
            settings.ai_circuit_failures,
            settings.metrics_cache_seconds,
        )
    )

    def exposition() -> bytes:
        return generate_latest(REGISTRY) + generate_latest(gauges)

    async def metrics(request: Request) -> Response:
        return Response(await run_in_threadpool(exposition), media_type=CONTENT_TYPE_LATEST)

    async def healthz(request: Request) -> JSONResponse:
        alive, body = liveness.document()
        return JSONResponse(body, 200 if alive else 503)

    async def readyz(request: Request) -> JSONResponse:
        body = await run_in_threadpool(readiness, store, settings)
        return JSONResponse(body, 200 if body["ready"] else 503)

    return [
        Route("/metrics", metrics, methods=["GET"]),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
    ]


class ProbeServer:
    """Serves the probe routes from a daemon thread (for a worker)."""

    def __init__(
        self, store: Store, settings: Settings, liveness: Liveness, host: str, port: int
    ) -> None:
        app = Starlette(routes=probe_routes(store, settings, liveness))
        config = uvicorn.Config(app, host=host, port=port, log_config=None, access_log=False)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="probes", daemon=True)
        self.host, self.port = host, port

    def start(self) -> None:
        self._thread.start()
        log.info("metrics and health on http://%s:%d (/metrics, /healthz, /readyz)", *self.address)

    @property
    def address(self) -> tuple[str, int]:
        return self.host, self.port

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=5)


__all__ = [
    "Liveness",
    "ProbeServer",
    "probe_routes",
    "readiness",
    "remote_ai_providers",
]
