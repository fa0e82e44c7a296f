"""The API's application: its routers under ``/api/v1``, its error documents, its limits."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

from engine.api import (
    approvals,
    catalogue,
    connections,
    deliveries,
    executions,
    problems,
    stream,
    workflows,
)
from engine.api.auth import ApiState
from engine.api.limits import BodySizeLimit
from engine.api.problems import ProblemDetails
from engine.service import MailroomService, Settings
from providers.rate_limit import KeyedTokenBucket

PREFIX = "/api/v1"

#: The problem documents an authenticated endpoint may answer, for the OpenAPI schema.
PROBLEMS = {
    status: {"model": ProblemDetails, "content": {problems.MEDIA_TYPE: {}}}
    for status in (401, 403, 404, 409, 413, 422, 429)
}


def create_app(
    service: MailroomService,
    settings: Settings,
    *,
    limiter: KeyedTokenBucket | None = None,
    stream_poll_seconds: float = 1.0,
    stream_max_seconds: float | None = None,
) -> FastAPI:
    """The API on ``service``: tokens' rate limit and body size limit from ``settings``
    (``limiter`` replaces the rate limit), docs at ``/api/v1/docs``."""
    app = FastAPI(
        title="Mailroom API",
        version="1",
        description=(
            "Workflows, executions, approvals and their live status. Every call presents an"
            " API token (`Authorization: Bearer ...`; `python -m engine tokens create`) and"
            " acts with its role. Errors are `application/problem+json` (RFC 9457)."
        ),
        openapi_url=f"{PREFIX}/openapi.json",
        docs_url=f"{PREFIX}/docs",
        redoc_url=None,
    )
    app.state.api = ApiState(
        service=service,
        limiter=limiter or KeyedTokenBucket(settings.api_rate_per_minute, settings.api_rate_burst),
        stream_poll_seconds=stream_poll_seconds,
        stream_max_seconds=stream_max_seconds,
    )
    problems.install(app)
    app.add_middleware(BodySizeLimit, max_bytes=settings.api_max_body_bytes)
    v1 = APIRouter(prefix=PREFIX, responses=PROBLEMS)  # type: ignore[arg-type]
    for module in (workflows, executions, approvals, deliveries, catalogue, connections, stream):
        v1.include_router(module.router)
    app.include_router(v1)
    return app
