"""``GET /api/v1/stream``: execution and approval changes as Server-Sent Events.

Why SSE rather than WebSocket: the changes flow one way, server to client; SSE is plain HTTP
(curl reads it, proxies pass it, the same bearer token authenticates it), and its
``Last-Event-ID`` is the standard way to resume after a reconnect, which a WebSocket would
need a protocol of our own for.

The events come from the store, not from this process: the stream reads the executions
changed since its cursor (``updated_at``, then id) every ``stream_poll_seconds``, so it shows
what every worker and app on the same store does. Each event's id is that cursor; a client
that reconnects with ``Last-Event-ID`` gets every change after it. Two writers may stamp the
same millisecond, or commit a little out of time order, so each read looks back a few seconds
and skips the changes already sent.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from engine.api.auth import ApiState, Caller, state
from engine.api.problems import FieldError, Problem
from engine.service import Actor, ExecutionLog, ExecutionStatus, utcnow

router = APIRouter(tags=["stream"])

#: How far back each read looks for changes committed late or stamped in the same millisecond.
LOOK_BACK = timedelta(seconds=2)
KEEP_ALIVE_SECONDS = 15.0
PAGE = 500

Key = tuple[datetime, str]


def event_id(key: Key) -> str:
    """The SSE id of a change: its time and execution id (what ``Last-Event-ID`` resumes)."""
    return f"{key[0].isoformat(timespec='milliseconds')}~{key[1]}"


def parse_event_id(value: str) -> Key:
    when, _, execution_id = value.partition("~")
    try:
        at = datetime.fromisoformat(when)
    except ValueError as exc:
        raise Problem(
            422,
            "Last-Event-ID is not an id this stream sent",
            kind="validation",
            errors=[FieldError(field="header.last-event-id", message=str(exc))],
        ) from exc
    if not execution_id or at.tzinfo is None:
        raise Problem(422, "Last-Event-ID is not an id this stream sent", kind="validation")
    return at, execution_id


def sse(event: str, key: Key, data: dict[str, Any]) -> str:
    """One event in the text/event-stream format."""
    return f"id: {event_id(key)}\nevent: {event}\ndata: {json.dumps(data, default=str)}\n\n"


def execution_data(execution: ExecutionLog) -> dict[str, Any]:
    return {
        "execution_id": execution.execution_id,
        "workflow_id": execution.workflow_id,
        "workflow_version": execution.workflow_version,
        "status": execution.status.value,
        "updated_at": execution.updated_at.isoformat(),
        "waiting_on_node": execution.waiting_on_node,
        "category": execution.category,
        "error": execution.error,
    }


class ChangeFeed:
    """The changes one stream has not sent yet, read from the store."""

    def __init__(
        self,
        api: ApiState,
        actor: Actor,
        workflow_id: str | None,
        after: Key | None,
        start: datetime,
    ) -> None:
        self.api = api
        self.actor = actor
        self.workflow_id = workflow_id
        self.after = after  # the resume point: only changes after it are sent
        self.since = after[0] if after else start
        self.sent: dict[Key, None] = {}

    def read(self) -> list[str]:
        """The events of every change since the last read (blocking: the store is read)."""
        events: list[str] = []
        while True:
            changed = self.api.service.execution_changes(
                self.actor, self.since - LOOK_BACK, self.workflow_id, PAGE
            )
            fresh = [e for e in changed if self._is_new((e.updated_at, e.execution_id))]
            for execution in fresh:
                events += self._events(execution)
            if changed:
                self.since = max(self.since, changed[-1].updated_at)
            if len(changed) < PAGE or not fresh:
                break
        horizon = self.since - LOOK_BACK * 2
        self.sent = {key: None for key in self.sent if key[0] >= horizon}
        return events

    def _is_new(self, key: Key) -> bool:
        if key in self.sent or (self.after is not None and key <= self.after):
            return False
        self.sent[key] = None
        return True

    def _events(self, execution: ExecutionLog) -> list[str]:
        key = (execution.updated_at, execution.execution_id)
        events = [sse("execution", key, execution_data(execution))]
        if execution.status == ExecutionStatus.WAITING and execution.waiting_on_node:
            approval = self.api.service.approval_for(
                self.actor, execution.execution_id, execution.waiting_on_node
            )
            if approval is not None:
                data = {
                    "approval_id": approval.approval_id,
                    "execution_id": approval.execution_id,
                    "workflow_id": approval.workflow_id,
                    "status": approval.status.value,
                    "priority": approval.priority,
                    "category": approval.classification.category,
                    "subject": approval.draft.subject,
                    "assigned_to": approval.assigned_to,
                }
                events.append(sse("approval", key, data))
        return events


@router.get(
    "/stream",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
)
async def stream(
    request: Request,
    actor: Caller,
    workflow_id: str | None = None,
    since: Annotated[
        datetime | None, Query(description="Start from changes at or after this time (now).")
    ] = None,
    last_event_id: Annotated[str | None, Header()] = None,
) -> StreamingResponse:
    """Execution changes (``event: execution``) and drafts waiting for approval (``event:
    approval``), optionally of one workflow. Reconnect with ``Last-Event-ID`` to get every
    change after the last event received."""
    api = state(request)
    after = parse_event_id(last_event_id) if last_event_id else None
    if since is not None and since.tzinfo is None:
        raise Problem(422, "since needs a time zone (e.g. Z)", kind="validation")
    feed = ChangeFeed(api, actor, workflow_id, after, since or utcnow())

    async def events() -> AsyncIterator[str]:
        started = last_sent = time.monotonic()
        yield f"retry: {int(api.stream_poll_seconds * 1000) + 1000}\n\n"
        while True:
            for event in await run_in_threadpool(feed.read):
                last_sent = time.monotonic()
                yield event
            now = time.monotonic()
            if api.stream_max_seconds is not None and now - started >= api.stream_max_seconds:
                return
            if now - last_sent >= KEEP_ALIVE_SECONDS:
                last_sent = now
                yield ": keep-alive\n\n"
            await asyncio.sleep(api.stream_poll_seconds)

    return StreamingResponse(
        events(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
