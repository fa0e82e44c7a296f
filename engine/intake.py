"""``python -m engine intake``: the web service provider webhooks deliver mail to.

Each route checks the shared intake token (HTTP Basic password, ``Authorization: Bearer`` or
``?token=``), writes every message to the store through the mailbox path, and answers 200 only
after that; any failure answers 5xx so the provider retries (duplicates are no-ops).

- ``POST /intake/sendgrid/{mailbox}``: SendGrid Inbound Parse (multipart form; raw or parsed)
- ``POST /intake/brevo/{mailbox}``: Brevo inbound parsing (JSON ``{"items": [...]}``)
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hmac
import json
import logging
from collections.abc import Callable
from dataclasses import asdict

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from engine.inbound import Outcome, accept_raw, start_executions
from engine.settings import Settings
from engine.store.base import Store
from engine.store.factory import open_store
from providers.email.webhook_formats import brevo_raw, sendgrid_raw
from providers.errors import PermanentProviderError

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


def create_app(store: Store, token: str | None) -> Starlette:
    """The intake service on ``store``; with no ``token`` every webhook is refused (503)."""

    def ingest(raw: bytes, mailbox: str, source: str, origin: str) -> Outcome:
        outcome = accept_raw(store, raw, mailbox=mailbox, source=source, origin=origin)
        if outcome.status == "ingested" and outcome.email_id:
            start_executions(store, outcome.email_id, source=source)
        return outcome

    def guarded(
        handler: Callable[[Request, str], object],
    ) -> Callable[[Request], object]:
        async def endpoint(request: Request) -> JSONResponse:
            if token is None:
                return JSONResponse({"error": "MAILROOM_INTAKE_TOKEN is not set"}, 503)
            if not _authorised(request, token):
                return JSONResponse(
                    {"error": "unauthorised"}, 401, headers={"WWW-Authenticate": "Basic"}
                )
            length = int(request.headers.get("content-length") or 0)
            if length > MAX_BODY_BYTES:
                return JSONResponse({"error": "payload too large"}, 413)
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
            for name, value in form.multi_items():
                if isinstance(value, UploadFile):
                    if name == "email":
                        fields[name] = (await value.read()).decode("utf-8", "surrogateescape")
                    continue
                fields[name] = value
        raw = sendgrid_raw(fields)
        outcome = await run_in_threadpool(ingest, raw, mailbox, "sendgrid", "sendgrid webhook")
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
            raw = brevo_raw(item)
            outcome = await run_in_threadpool(ingest, raw, mailbox, "brevo", f"brevo item {index}")
            results.append(asdict(outcome))
        return results

    async def health(request: Request) -> JSONResponse:
        return JSONResponse({"ok": True})

    return Starlette(
        routes=[
            Route("/intake/sendgrid/{mailbox}", guarded(sendgrid), methods=["POST"]),
            Route("/intake/brevo/{mailbox}", guarded(brevo), methods=["POST"]),
            Route("/healthz", health, methods=["GET"]),
        ]
    )


def cmd_intake(settings: Settings, args: argparse.Namespace) -> int:
    """Serve the intake until stopped."""
    import uvicorn

    store = open_store(settings)
    store.setup()
    token = settings.intake_token.get_secret_value() if settings.intake_token else None
    if token is None:
        log.warning("MAILROOM_INTAKE_TOKEN is not set: every webhook will be refused")
    try:
        uvicorn.run(
            create_app(store, token),
            host=args.host or settings.intake_host,
            port=args.port or settings.intake_port,
            log_level="info",
        )
    finally:
        store.close()
    return 0


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``intake`` on the engine's command line."""
    parser = sub.add_parser("intake", help="serve the webhooks providers deliver mail to")
    parser.add_argument("--host", default=None)
    parser.add_argument("--port", type=int, default=None)
    parser.set_defaults(func=cmd_intake)


__all__ = ["add_parser", "cmd_intake", "create_app"]
