"""``python -m engine intake``: the web service provider webhooks deliver mail to.

Each route checks the shared intake token (HTTP Basic password, ``Authorization: Bearer`` or
``?token=``), writes every message to the store through the mailbox path, and answers 200 only
after that; any failure answers 5xx so the provider retries (duplicates are no-ops).

- ``POST /intake/sendgrid/{mailbox}``: SendGrid Inbound Parse (multipart form; raw or parsed)
- ``POST /intake/brevo/{mailbox}``: Brevo inbound parsing (JSON ``{"items": [...]}``)
- ``POST /intake/gmail``: Gmail push notifications (Pub/Sub push); each one syncs the Gmail
  triggers of that mailbox by history id at once, instead of waiting for their next poll
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import logging
import math
import threading
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from engine.http.probes import Liveness, probe_routes
from engine.mail.inbound import Outcome, accept_raw, start_executions
from engine.ops import telemetry
from engine.settings import Settings
from engine.store.base import Store
from providers.email.parsing import UnparseableMessage, parse_message
from providers.email.webhook_formats import (
    Download,
    WebhookFile,
    WebhookMessage,
    brevo_message,
    sendgrid_message,
)
from providers.errors import PermanentProviderError, ProviderError, TransientProviderError
from providers.rate_limit import KeyedTokenBucket

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 40 * 1024 * 1024


def _presented_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value:
        return value.strip()
    if scheme.lower() == "basic" and value:
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
        return decoded.partition(":")[2]
    return request.query_params.get("token")


def _authorised(request: Request, token: str) -> bool:
    presented = _presented_token(request)
    return presented is not None and hmac.compare_digest(
        presented.encode("utf-8"), token.encode("utf-8")
    )


GmailSync = Callable[[str], int]
"""Syncs the Gmail triggers of a mailbox address now; returns how many emails it stored."""


Endpoint = Callable[[Request], Awaitable[JSONResponse]]


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def limited(route: str, limiter: KeyedTokenBucket, endpoint: Endpoint) -> Endpoint:
    """``endpoint`` behind a token bucket per client address and route (429 with
    Retry-After when empty, before the token is even looked at), with each answer counted."""

    async def wrapped(request: Request) -> JSONResponse:
        wait = limiter.take(f"{route}|{_client(request)}")
        if wait is not None:
            response = JSONResponse(
                {"error": f"rate limit of the {route} intake reached; retry in {wait:.1f} s"},
                429,
                headers={"Retry-After": str(max(1, math.ceil(wait)))},
            )
        else:
            response = await endpoint(request)
        if response.status_code in (401, 429):
            log.warning(
                "intake %s refused a request from %s: %d",
                route,
                _client(request),
                response.status_code,
            )
        telemetry.intake_request(route, response.status_code)
        return response

    return wrapped


def create_app(
    store: Store,
    token: str | None,
    gmail_sync: GmailSync | None = None,
    *,
    settings: Settings | None = None,
    limiter: KeyedTokenBucket | None = None,
    brevo_download: Download | None = None,
) -> Starlette:
    """The intake service on ``store``; with no ``token`` every webhook is refused (503).

    ``brevo_download`` fetches a Brevo attachment by its download token (by default through
    the API with ``MAILROOM_BREVO_API_KEY``; without a key attachments are recorded missing).

    Each route is rate-limited per client (``limiter``, by default from the settings'
    ``intake_rate_per_minute`` and ``intake_rate_burst``); ``/metrics``, ``/healthz`` and
    ``/readyz`` are served beside the webhooks.
    """
    settings = settings or Settings()
    limiter = limiter or KeyedTokenBucket(
        settings.intake_rate_per_minute, settings.intake_rate_burst
    )
    download = brevo_download or brevo_downloader(settings)

    def ingest(message: WebhookMessage, mailbox: str, source: str, origin: str) -> Outcome:
        outcome = accept_raw(
            store,
            message.raw,
            mailbox=mailbox,
            source=source,
            origin=origin,
            missing=message.missing,
        )
        if outcome.status == "ingested" and outcome.email_id:
            start_executions(store, outcome.email_id, source=source)
        return outcome

    def guarded(handler: Callable[[Request, str], object]) -> Endpoint:
        async def endpoint(request: Request) -> JSONResponse:
            if token is None:
                return JSONResponse({"error": "MAILROOM_INTAKE_TOKEN is not set"}, 503)
            if not _authorised(request, token):
                return JSONResponse(
                    {"error": "unauthorised"}, 401, headers={"WWW-Authenticate": "Basic"}
                )
            length = int(request.headers.get("content-length") or 0)
            if length > MAX_BODY_BYTES:
                log.warning(
                    "intake refused a payload of %d bytes from %s (the limit is %d)",
                    length,
                    _client(request),
                    MAX_BODY_BYTES,
                )
                return JSONResponse(
                    {"error": f"payload of {length} bytes is over the limit of {MAX_BODY_BYTES}"},
                    413,
                )
            mailbox = request.path_params["mailbox"]
            try:
                results = await handler(request, mailbox)  # type: ignore[misc]
            except PermanentProviderError as exc:
                return JSONResponse({"error": str(exc)}, 400)
            return JSONResponse({"results": results})

        return endpoint

    async def sendgrid(request: Request, mailbox: str) -> list[dict[str, object]]:
        async with request.form(max_part_size=MAX_BODY_BYTES) as form:
            fields: dict[str, str] = {}
            files: dict[str, WebhookFile] = {}
            for name, value in form.multi_items():
                if isinstance(value, UploadFile):
                    content = await value.read()
                    if name == "email":
                        fields[name] = content.decode("utf-8", "surrogateescape")
                    else:
                        files[name] = WebhookFile(
                            value.filename or "", value.content_type or "", content
                        )
                    continue
                fields[name] = value
        message = sendgrid_message(fields, files)
        outcome = await run_in_threadpool(ingest, message, mailbox, "sendgrid", "sendgrid webhook")
        return [asdict(outcome)]

    async def brevo(request: Request, mailbox: str) -> list[dict[str, object]]:
        try:
            payload = json.loads(await request.body())
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise PermanentProviderError(f"the body is not JSON: {exc}") from exc
        items = payload.get("items") if isinstance(payload, dict) else None
        if not isinstance(items, list):
            raise PermanentProviderError("a Brevo inbound payload has an 'items' list")
        results = []
        for index, item in enumerate(items):
            known = await run_in_threadpool(stored_already, store, item, mailbox)
            if known is not None:  # Brevo delivered it again: nothing to download or store
                results.append(asdict(known))
                continue
            message = await run_in_threadpool(brevo_message, item, download)
            origin = f"brevo item {index}"
            outcome = await run_in_threadpool(ingest, message, mailbox, "brevo", origin)
            results.append(asdict(outcome))
        return results

    async def gmail(request: Request) -> JSONResponse:
        if token is None or not _authorised(request, token):
            return JSONResponse({"error": "unauthorised"}, 401 if token else 503)
        try:
            envelope = json.loads(await request.body())
            data = json.loads(base64.b64decode(envelope["message"]["data"]))
            address = str(data["emailAddress"])
        except (ValueError, KeyError, TypeError, binascii.Error) as exc:
            return JSONResponse({"error": f"not a Gmail push notification: {exc}"}, 400)
        if gmail_sync is None:
            return JSONResponse({"error": "Gmail is not configured"}, 503)
        try:
            stored = await run_in_threadpool(gmail_sync, address)
        except ProviderError as exc:
            # Pub/Sub redelivers on any non-2xx: the sync is tried again.
            return JSONResponse({"error": str(exc)}, 503)
        return JSONResponse({"stored": stored})

    return Starlette(
        routes=[
            Route(
                "/intake/sendgrid/{mailbox}",
                limited("sendgrid", limiter, guarded(sendgrid)),
                methods=["POST"],
            ),
            Route(
                "/intake/brevo/{mailbox}",
                limited("brevo", limiter, guarded(brevo)),
                methods=["POST"],
            ),
            Route("/intake/gmail", limited("gmail", limiter, gmail), methods=["POST"]),
            *probe_routes(store, settings, Liveness("intake")),
        ]
    )


def stored_already(store: Store, item: Any, mailbox: str) -> Outcome | None:
    """The outcome of a Brevo item whose message this mailbox already holds (a redelivery),
    found by its Message-ID before any attachment is downloaded; None for a new message (or
    one with nothing to download: the store's own Message-ID check then suffices)."""
    if not isinstance(item, dict) or not item.get("Attachments"):
        return None
    try:
        raw = brevo_message(item, None).raw
        inbound = parse_message(raw, mailbox=mailbox, source="brevo")
    except (PermanentProviderError, UnparseableMessage):
        return None  # the full path refuses or quarantines it, with its reason
    existing = store.find_email_in_mailbox(mailbox, inbound.message_id)
    if existing is None:
        return None
    telemetry.emails_ingested("brevo", "duplicate")
    return Outcome("duplicate", existing.auto_reply, existing.email_id)


def brevo_downloader(settings: Settings) -> Download | None:
    """Brevo's attachment download through its API, or None without an API key."""
    if settings.brevo_api_key is None:
        return None
    from providers.email.brevo import BrevoInboundAttachments

    client = BrevoInboundAttachments(
        settings.brevo_api_key.get_secret_value(), settings.brevo_api_base
    )
    return client.download


def gmail_syncer(store: Store, settings: Settings) -> GmailSync:
    """Poll every active Gmail trigger of a mailbox by history id, under the same lease as
    the workers; one sync of a mailbox at a time in this process.

    When a worker holds a trigger's lease (it is polling that mailbox right now), the mail
    this notification announces may have arrived after its fetch: a ``TransientProviderError``
    makes the endpoint answer 503, so Pub/Sub delivers the notification again. Mail already
    stored is never stored twice (the cursor, and the mailbox's Message-ID index).
    """
    from engine.adapters import build_providers
    from engine.mail.triggers import poll_trigger, trigger_nodes
    from engine.models import TriggeredBy, WorkflowStatus

    providers = build_providers(settings)
    locks: dict[str, threading.Lock] = {}
    guard = threading.Lock()

    def sync(address: str) -> int:
        with guard:
            lock = locks.setdefault(address.casefold(), threading.Lock())
        stored, busy = 0, False
        with lock:
            for workflow in store.list_workflows(WorkflowStatus.ACTIVE):
                for node in trigger_nodes(workflow):
                    config = node.config
                    mailbox = str(config.get("mailbox") or "")
                    if config.get("source") != "gmail" or mailbox.casefold() != address.casefold():
                        continue
                    result = poll_trigger(
                        store, providers, workflow, node, "intake", triggered_by=TriggeredBy.API
                    )
                    stored += result.ingested
                    busy = busy or not result.polled
        if busy:
            raise TransientProviderError(
                f"a worker is polling {address} right now; deliver the notification again"
            )
        return stored

    return sync


__all__ = ["brevo_downloader", "create_app", "gmail_syncer"]
