"""Who calls: the API token in ``Authorization: Bearer``, its rate limit, and the audit entry
every authenticated call leaves."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from engine.api.problems import Problem
from engine.service import Actor, MailroomService
from providers.rate_limit import KeyedTokenBucket

bearer = HTTPBearer(auto_error=False, description="An API token: python -m engine tokens create")


@dataclass
class ApiState:
    """What every request of one app shares: the service, each token's rate limit, and how
    often the live stream reads the store."""

    service: MailroomService
    limiter: KeyedTokenBucket
    stream_poll_seconds: float = 1.0
    #: The live stream ends after this many seconds (the client reconnects with
    #: Last-Event-ID); None: it runs until the client goes.
    stream_max_seconds: float | None = None


def state(request: Request) -> ApiState:
    found: ApiState = request.app.state.api
    return found


def caller(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Actor:
    """The actor the presented token stands for (401 without a valid one, 429 over its rate).

    Each call that gets through is written to the audit log with the token's name.
    """
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Problem(
            401,
            "an API token is required: Authorization: Bearer <token>",
            kind="missing-token",
            headers={"WWW-Authenticate": "Bearer"},
        )
    api = state(request)
    actor = api.service.authenticate_token(credentials.credentials)
    wait = api.limiter.take(actor.name)
    if wait is not None:
        seconds = max(1, math.ceil(wait))
        raise Problem(
            429,
            f"the rate limit of {actor.name} is reached; retry in {seconds} s",
            kind="rate-limited",
            headers={"Retry-After": str(seconds)},
        )
    api.service.record_api_call(actor, request.method, request.url.path)
    return actor


Caller = Annotated[Actor, Depends(caller)]
"""An endpoint's parameter: the authenticated actor."""
