"""SendGrid (official library) and Brevo (documented HTTP API) against loopback servers that
answer as the real APIs document: 202 + X-Message-Id, 201 + messageId, 401, 429, 400."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from providers.email.base import OutgoingEmail
from providers.email.brevo import BrevoSender
from providers.email.sendgrid import SendGridSender
from providers.errors import (
    AuthenticationError,
    BadRequestError,
    RateLimitedError,
    ServerError,
)
from tests.loopback_http import LoopbackServer, Reply, Request, loopback_server

REPLY = OutgoingEmail(
    message_id="<reply.9@mailroom.example>",
    from_address="Support <support@mailroom.example>",
    to_address="anna@customer.example",
    subject="Order 1234 missing",
    body_text="It ships today.",
    in_reply_to="<c2@customer.example>",
    references=["<c1@customer.example>", "<c2@customer.example>"],
)


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    with loopback_server(lambda request: Reply(404)) as running:
        yield running


def sendgrid_api(request: Request) -> Reply:
    if request.headers.get("authorization") != "Bearer SG.good":
        return Reply(
            401,
            {"errors": [{"message": "The provided authorization grant is invalid", "field": None}]},
        )
    body = request.json()
    if not body.get("personalizations"):
        return Reply(
            400, {"errors": [{"message": "personalizations required", "field": "personalizations"}]}
        )
    return Reply(202, b"", {"X-Message-Id": "sg-msg-1"})


def test_sendgrid_mail_send_carries_the_thread_headers(server: LoopbackServer) -> None:
    server.answer(sendgrid_api)
    receipt = SendGridSender("SG.good", host=server.url).send(REPLY)
    assert receipt.provider_message_id == "sg-msg-1"
    (request,) = server.requests
    assert request.path == "/v3/mail/send"
    body = request.json()
    assert body["subject"] == "Re: Order 1234 missing"
    assert body["from"] == {"email": "support@mailroom.example", "name": "Support"}
    assert body["personalizations"][0]["to"] == [{"email": "anna@customer.example"}]
    assert body["headers"] == {
        "In-Reply-To": "<c2@customer.example>",
        "References": "<c1@customer.example> <c2@customer.example>",
    }
    assert body["custom_args"] == {"mailroom_message_id": "<reply.9@mailroom.example>"}
    assert body["content"] == [{"type": "text/plain", "value": "It ships today."}]


def test_sendgrid_errors(server: LoopbackServer) -> None:
    server.answer(sendgrid_api)
    with pytest.raises(AuthenticationError, match="401"):
        SendGridSender("SG.bad", host=server.url).send(REPLY)
    server.answer(
        lambda request: Reply(
            429, {"errors": [{"message": "too many requests"}]}, {"Retry-After": "5"}
        )
    )
    with pytest.raises(RateLimitedError, match="429") as limited:
        SendGridSender("SG.good", host=server.url).send(REPLY)
    assert limited.value.retry_after == 5.0
    server.answer(lambda request: Reply(502, {"errors": [{"message": "bad gateway"}]}))
    with pytest.raises(ServerError, match="502"):
        SendGridSender("SG.good", host=server.url).send(REPLY)
    server.answer(lambda request: Reply(400, {"errors": [{"message": "bad"}]}))
    with pytest.raises(BadRequestError, match="400"):
        SendGridSender("SG.good", host=server.url).send(REPLY)


def brevo_api(request: Request) -> Reply:
    if request.headers.get("api-key") != "xkeysib-good":
        return Reply(401, {"code": "unauthorized", "message": "Key not found"})
    body = request.json()
    if "@" not in body["to"][0]["email"]:
        return Reply(400, {"code": "invalid_parameter", "message": "email is not valid in to"})
    return Reply(201, {"messageId": "<202405061000.123@smtp-relay.mailin.fr>"})


def test_brevo_transactional_email_carries_the_thread_headers(server: LoopbackServer) -> None:
    server.answer(brevo_api)
    receipt = BrevoSender("xkeysib-good", base_url=f"{server.url}/v3").send(REPLY)
    assert receipt.provider_message_id == "<202405061000.123@smtp-relay.mailin.fr>"
    (request,) = server.requests
    assert request.path == "/v3/smtp/email"
    body = request.json()
    assert body["sender"] == {"email": "support@mailroom.example", "name": "Support"}
    assert body["to"] == [{"email": "anna@customer.example"}]
    assert body["subject"] == "Re: Order 1234 missing"
    assert body["textContent"] == "It ships today."
    assert body["headers"] == {
        "Message-ID": "<reply.9@mailroom.example>",
        "In-Reply-To": "<c2@customer.example>",
        "References": "<c1@customer.example> <c2@customer.example>",
    }


def test_brevo_errors(server: LoopbackServer) -> None:
    server.answer(brevo_api)
    with pytest.raises(AuthenticationError, match="Key not found"):
        BrevoSender("nope", base_url=f"{server.url}/v3").send(REPLY)
    server.answer(
        lambda request: Reply(
            429, {"code": "too_many_requests", "message": "slow down"}, {"Retry-After": "3"}
        )
    )
    with pytest.raises(RateLimitedError) as limited:
        BrevoSender("xkeysib-good", base_url=f"{server.url}/v3").send(REPLY)
    assert limited.value.retry_after == 3.0
    server.answer(lambda request: Reply(503, {"code": "unavailable", "message": "later"}))
    with pytest.raises(ServerError, match="503"):
        BrevoSender("xkeysib-good", base_url=f"{server.url}/v3").send(REPLY)
    server.answer(lambda request: Reply(400, {"code": "invalid_parameter", "message": "bad"}))
    with pytest.raises(BadRequestError, match="400"):
        BrevoSender("xkeysib-good", base_url=f"{server.url}/v3").send(REPLY)
