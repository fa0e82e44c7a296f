"""SendGrid (official library) and Brevo (documented HTTP API) against loopback servers that
answer as the real APIs document: 202 + X-Message-Id, 201 + messageId, 401, 429, 400."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from pydantic import SecretStr

from engine.adapters import build_providers
from engine.settings import Settings
from engine.store.base import Store
from providers.email.base import OutgoingEmail
from providers.email.brevo import BrevoSender, sent_tag
from providers.email.sendgrid import SendGridSender
from providers.errors import (
    AuthenticationError,
    BadRequestError,
    RateLimitedError,
    ServerError,
)
from tests.loopback_http import LoopbackServer, Reply, Request, loopback_server
from tests.providers.email.crash_window import (
    CrashAfterSend,
    CrashBeforeSend,
    crash_then_retry,
    customer_email,
)

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


# --- Brevo: a reply whose outcome a crash hid -----------------------------------------------------
@dataclass
class FakeBrevo:
    """The state behind the loopback Brevo: what was sent and the transactional email events
    (``GET /v3/smtp/statistics/events``) it records for each request it takes."""

    sent: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)

    def handle(self, request: Request) -> Reply:
        if request.headers.get("api-key") != "xkeysib-good":
            return Reply(401, {"code": "unauthorized", "message": "Key not found"})
        url = urlsplit(request.path)
        if url.path == "/v3/smtp/email" and request.method == "POST":
            body = request.json()
            self.sent.append(body)
            # Brevo gives the mail a Message-ID of its own.
            message_id = f"<20240506100{len(self.sent)}.1234@smtp-relay.mailin.fr>"
            for recipient in body["to"]:
                self.events.append(
                    {
                        "email": recipient["email"],
                        "date": "2024-05-06T12:00:01.000+02:00",
                        "subject": body["subject"],
                        "messageId": message_id,
                        "event": "requests",
                        "tag": ",".join(body.get("tags", [])),
                        "from": body["sender"]["email"],
                    }
                )
            return Reply(201, {"messageId": message_id})
        if url.path == "/v3/smtp/statistics/events" and request.method == "GET":
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            wanted = {t.strip() for t in query.get("tags", "").split(",") if t.strip()}
            found = [
                event
                for event in self.events
                if (not wanted or wanted & set(event["tag"].split(",")))
                and query.get("messageId", event["messageId"]) == event["messageId"]
                and query.get("event", event["event"]) == event["event"]
            ]
            return Reply(200, {"events": found} if found else {})
        return Reply(404, {"code": "not_found", "message": "Invalid route"})


@pytest.fixture
def brevo() -> Iterator[tuple[FakeBrevo, LoopbackServer]]:
    fake = FakeBrevo()
    with loopback_server(fake.handle) as running:
        yield fake, running


def test_brevo_find_sent_looks_up_the_reply_s_tag_in_the_events(
    brevo: tuple[FakeBrevo, LoopbackServer],
) -> None:
    fake, server = brevo
    sender = BrevoSender("xkeysib-good", base_url=f"{server.url}/v3")
    assert sender.find_sent(REPLY.message_id) is None
    receipt = sender.send(REPLY)
    assert fake.sent[0]["tags"] == [sent_tag(REPLY.message_id)]
    found = sender.find_sent(REPLY.message_id)
    assert found is not None and found.provider_message_id == receipt.provider_message_id
    assert found.accepted_at == datetime(2024, 5, 6, 10, 0, 1, tzinfo=UTC)
    (lookup, *_) = [r for r in server.requests if r.path.startswith("/v3/smtp/statistics")]
    assert parse_qs(urlsplit(lookup.path).query)["tags"] == [sent_tag(REPLY.message_id)]
    assert sender.find_sent("<another@mailroom.example>") is None

    fake.events[0]["event"] = "error"  # Brevo took the call but could not send
    assert sender.find_sent(REPLY.message_id) is None
    fake.events[0]["event"] = "delivered"
    assert sender.find_sent(REPLY.message_id) is not None
    server.answer(lambda request: Reply(503, {"code": "unavailable", "message": "later"}))
    with pytest.raises(ServerError, match="503"):
        sender.find_sent(REPLY.message_id)


def brevo_settings(settings: Settings, server: LoopbackServer) -> Settings:
    return settings.model_copy(
        update={
            "email_sender": "brevo",
            "brevo_api_key": SecretStr("xkeysib-good"),
            "brevo_api_base": f"{server.url}/v3",
        }
    )


def test_brevo_reply_sent_before_a_crash_is_found_and_not_sent_again(
    brevo: tuple[FakeBrevo, LoopbackServer], store: Store, settings: Settings
) -> None:
    fake, server = brevo
    providers = build_providers(brevo_settings(settings, server))
    message_id = crash_then_retry(store, providers, settings, customer_email(store), CrashAfterSend)
    assert len(fake.sent) == 1  # the customer got one reply
    assert fake.sent[0]["headers"]["Message-ID"] == message_id


def test_brevo_reply_that_never_left_is_sent_once_after_a_crash(
    brevo: tuple[FakeBrevo, LoopbackServer], store: Store, settings: Settings
) -> None:
    fake, server = brevo
    providers = build_providers(brevo_settings(settings, server))
    crash_then_retry(store, providers, settings, customer_email(store), CrashBeforeSend)
    assert len(fake.sent) == 1
    assert sum(r.path.startswith("/v3/smtp/statistics/events") for r in server.requests) == 1


# --- SendGrid: a reply whose outcome a crash hid ------------------------------------------------
_UNIQUE_ARG = re.compile(r"^\(unique_args\['(?P<name>[^']+)'\]=\"(?P<value>[^\"]*)\"\)$")


@dataclass
class FakeSendGrid:
    """The state behind the loopback SendGrid: Mail Send, and the Email Activity API
    (``GET /v3/messages?query=...``) for keys that have the add-on."""

    sent: list[dict[str, Any]] = field(default_factory=list)

    def handle(self, request: Request) -> Reply:
        key = request.headers.get("authorization", "").removeprefix("Bearer ")
        if key not in ("SG.activity", "SG.send-only"):
            return Reply(401, {"errors": [{"message": "authorization required", "field": None}]})
        url = urlsplit(request.path)
        if url.path == "/v3/mail/send" and request.method == "POST":
            self.sent.append(request.json())
            return Reply(202, b"", {"X-Message-Id": f"sg-msg-{len(self.sent)}"})
        if url.path == "/v3/messages" and request.method == "GET":
            if key != "SG.activity":
                return Reply(403, {"errors": [{"field": None, "message": "access forbidden"}]})
            query = parse_qs(url.query)
            matched = _UNIQUE_ARG.match(query["query"][0])
            assert matched, f"query not modelled: {query['query'][0]!r}"
            found = [
                {
                    "from_email": body["from"]["email"],
                    "msg_id": f"sg-msg-{n}.filterdrecv-5645d9c87f-7mk2h-1-62C4B1B6-1A.0",
                    "subject": body["subject"],
                    "to_email": body["personalizations"][0]["to"][0]["email"],
                    "status": "delivered",
                    "opens_count": 0,
                    "clicks_count": 0,
                    "last_event_time": "2024-05-06T10:00:02Z",
                }
                for n, body in enumerate(self.sent, start=1)
                if body.get("custom_args", {}).get(matched["name"]) == matched["value"]
            ]
            return Reply(200, {"messages": found[: int(query.get("limit", ["10"])[0])]})
        return Reply(404, {"errors": [{"message": "not found"}]})


@pytest.fixture
def sendgrid() -> Iterator[tuple[FakeSendGrid, LoopbackServer]]:
    fake = FakeSendGrid()
    with loopback_server(fake.handle) as running:
        yield fake, running


def test_sendgrid_find_sent_asks_the_email_activity_api_by_our_custom_arg(
    sendgrid: tuple[FakeSendGrid, LoopbackServer],
) -> None:
    _, server = sendgrid
    sender = SendGridSender("SG.activity", host=server.url, activity_lookup=True)
    assert sender.find_sent(REPLY.message_id) is None
    sender.send(REPLY)
    found = sender.find_sent(REPLY.message_id)
    assert found is not None and found.provider_message_id.startswith("sg-msg-1.")
    assert sender.find_sent("reply.9@mailroom.example") is not None  # brackets or not
    assert sender.find_sent("<reply.99@mailroom.example>") is None
    lookup = next(r for r in server.requests if r.path.startswith("/v3/messages"))
    assert parse_qs(urlsplit(lookup.path).query)["query"] == [
        "(unique_args['mailroom_message_id']=\"<reply.9@mailroom.example>\")"
    ]
    # Without the add-on the lookup is off, and no request is made.
    plain = SendGridSender("SG.activity", host=server.url)
    asked = len(server.requests)
    assert plain.find_sent(REPLY.message_id) is None and len(server.requests) == asked
    # Turned on for a key that may not read the activity: a clear error, nothing sent.
    with pytest.raises(AuthenticationError, match="403"):
        SendGridSender("SG.send-only", host=server.url, activity_lookup=True).find_sent(
            REPLY.message_id
        )


def sendgrid_settings(
    settings: Settings, server: LoopbackServer, key: str, lookup: bool
) -> Settings:
    return settings.model_copy(
        update={
            "email_sender": "sendgrid",
            "sendgrid_api_key": SecretStr(key),
            "sendgrid_api_base": server.url,
            "sendgrid_activity_lookup": lookup,
        }
    )


def test_sendgrid_reply_sent_before_a_crash_is_found_and_not_sent_again(
    sendgrid: tuple[FakeSendGrid, LoopbackServer], store: Store, settings: Settings
) -> None:
    fake, server = sendgrid
    providers = build_providers(sendgrid_settings(settings, server, "SG.activity", True))
    message_id = crash_then_retry(store, providers, settings, customer_email(store), CrashAfterSend)
    assert len(fake.sent) == 1  # the customer got one reply
    assert fake.sent[0]["custom_args"] == {"mailroom_message_id": message_id}


def test_sendgrid_reply_that_never_left_is_sent_once_after_a_crash(
    sendgrid: tuple[FakeSendGrid, LoopbackServer], store: Store, settings: Settings
) -> None:
    fake, server = sendgrid
    providers = build_providers(sendgrid_settings(settings, server, "SG.activity", True))
    crash_then_retry(store, providers, settings, customer_email(store), CrashBeforeSend)
    assert len(fake.sent) == 1
    assert sum(r.path.startswith("/v3/messages") for r in server.requests) == 1


def test_sendgrid_without_the_activity_api_is_at_least_once_in_the_crash_window(
    sendgrid: tuple[FakeSendGrid, LoopbackServer], store: Store, settings: Settings
) -> None:
    fake, server = sendgrid
    providers = build_providers(sendgrid_settings(settings, server, "SG.send-only", False))
    message_id = crash_then_retry(store, providers, settings, customer_email(store), CrashAfterSend)
    assert [body["custom_args"]["mailroom_message_id"] for body in fake.sent] == [
        message_id,
        message_id,
    ]
