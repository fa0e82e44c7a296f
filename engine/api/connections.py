"""``/api/v1/connections/test``: try a mailbox config, the reply sender or an AI provider."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import ValidationError

from engine.api.auth import Caller, state
from engine.api.problems import Problem, field_errors
from engine.api.schemas import (
    AiTestIn,
    ConnectionTestIn,
    ConnectionTestOut,
    MailboxTestIn,
    StepOut,
)
from engine.service import ConnectionReport

router = APIRouter(prefix="/connections", tags=["connections"])


@router.post("/test")
def test_connection(request: Request, actor: Caller, body: ConnectionTestIn) -> ConnectionTestOut:
    """Try a connection without sending or changing anything (managers and admins): a
    mailbox (IMAP: dns, connect, tls, auth, select; POP3: dns, connect, tls, auth, stat), the
    reply sender (SMTP: dns, connect, greeting, ehlo, tls, auth; HTTP senders: an
    authenticated read) or an AI provider (one short classification). 200 whether it worked
    or not: ``ok`` and the failed ``stage`` say which. No secret is taken from the request or
    shown in the answer."""
    service = state(request).service
    if isinstance(body, MailboxTestIn):
        try:
            report = service.check_mailbox_connection(actor, body.config)
        except ValidationError as exc:
            errors = field_errors(exc.errors())
            for error in errors:
                error.field = f"body.config.{error.field}"
            named = ", ".join(error.field for error in errors)
            raise Problem(
                422, f"the mailbox config is not valid: {named}", kind="validation", errors=errors
            ) from exc
    elif isinstance(body, AiTestIn):
        report = service.check_ai_connection(actor, body.provider, body.model)
    else:
        overrides = body.model_dump(exclude={"kind"}, exclude_none=True)
        report = service.check_sender_connection(actor, overrides)
    return _out(report)


def _out(report: ConnectionReport) -> ConnectionTestOut:
    return ConnectionTestOut(
        kind=report.kind,
        target=report.target,
        ok=report.ok,
        stage=report.stage,
        detail=report.detail,
        steps=[StepOut(stage=s.stage, ok=s.ok, detail=s.detail) for s in report.steps],
    )
