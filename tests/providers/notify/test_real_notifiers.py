"""Slack (official SDK: incoming webhook and chat.postMessage), signed webhooks and email
notifications against loopback servers that speak the documented formats."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator

import pytest

from providers.errors import (
    AuthenticationError,
    PermanentProviderError,
    TransientProviderError,
)
from providers.notify.base import Notification
from providers.notify.retry import Backoff
from providers.notify.slack import SlackBotNotifier, SlackWebhookNotifier
from providers.notify.webhook import WebhookNotifier, signature
from tests.loopback_http import LoopbackServer, Reply, Request, loopback_server

NOTE = Notification(
    title="Urgent customer email",
    text="Card charged twice",
    severity="urgent",
    fields={"From": "anna@customer.example"},
)


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    with loopback_server(lambda request: Reply(404)) as running:
        yield running


def scripted(*replies: Reply) -> object:
    queue = list(replies)
    return lambda request: queue.pop(0) if len(queue) > 1 else queue[0]


def test_slack_webhook_posts_block_kit_and_waits_out_a_429(server: LoopbackServer) -> None:
    server.answer(scripted(Reply(429, "rate_limited", {"Retry-After": "7"}), Reply(200, "ok")))  # type: ignore[arg-type]
    waits: list[float] = []
    notifier = SlackWebhookNotifier(f"{server.url}/services/T000/B000/XXXX", sleep=waits.append)
    receipt = notifier.notify(NOTE)
    assert waits == [7.0] and receipt.channel == "#support-urgent"
    assert [r.path for r in server.requests] == ["/services/T000/B000/XXXX"] * 2
    payload = server.requests[-1].json()
    assert payload["text"].startswith("Urgent customer email")
    assert payload["blocks"][0]["type"] == "header"


def test_slack_webhook_bad_url_is_permanent(server: LoopbackServer) -> None:
    server.answer(lambda request: Reply(404, "no_service"))
    with pytest.raises(PermanentProviderError, match="404"):
        SlackWebhookNotifier(f"{server.url}/services/x").notify(NOTE)


def test_chat_post_message_with_a_bot_token(server: LoopbackServer) -> None:
    def slack_api(request: Request) -> Reply:
        if request.headers.get("authorization") != "Bearer xoxb-test":
            return Reply(200, {"ok": False, "error": "invalid_auth"})
        body = json.loads(request.body) if request.body.startswith(b"{") else {}
        return Reply(
            200,
            {
                "ok": True,
                "channel": "C123",
                "ts": "1715000000.000100",
                "message": {"text": body.get("text")},
            },
        )

    server.answer(slack_api)
    notifier = SlackBotNotifier("xoxb-test", "#support-urgent", base_url=f"{server.url}/api/")
    receipt = notifier.notify(NOTE)
    assert receipt.delivery_id == "C123:1715000000.000100"
    (request,) = server.requests
    assert request.path == "/api/chat.postMessage"
    sent = request.json()
    assert sent["channel"] == "#support-urgent" and sent["blocks"][0]["type"] == "header"
    with pytest.raises(AuthenticationError, match="invalid_auth"):
        SlackBotNotifier("xoxb-wrong", "#x", base_url=f"{server.url}/api/").notify(NOTE)


def test_chat_post_message_ratelimited_is_retried(server: LoopbackServer) -> None:
    server.answer(
        scripted(  # type: ignore[arg-type]
            Reply(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": "3"}),
            Reply(200, {"ok": True, "channel": "C1", "ts": "1.2"}),
        )
    )
    waits: list[float] = []
    notifier = SlackBotNotifier("xoxb-t", "#c", base_url=f"{server.url}/api/", sleep=waits.append)
    assert notifier.notify(NOTE).delivery_id == "C1:1.2"
    assert waits == [3.0]


def test_webhooks_are_signed_and_retried_with_backoff(server: LoopbackServer) -> None:
    limited = Reply(429, "", {"Retry-After": "4"})
    server.answer(scripted(limited, Reply(503), Reply(408), Reply(204)))  # type: ignore[arg-type]
    waits: list[float] = []
    notifier = WebhookNotifier(
        f"{server.url}/hook",
        "s3cret",
        backoff=Backoff(attempts=4, initial_seconds=0.5),
        sleep=waits.append,
        clock=lambda: 1715000000.0,
    )
    receipt = notifier.notify(NOTE)
    assert waits == [4.0, 1.0, 2.0]  # the wait a 429 asked for, then the backoff
    assert len(server.requests) == 4
    deliveries = {r.headers["x-mailroom-delivery"] for r in server.requests}
    assert deliveries == {receipt.delivery_id}
    for request in server.requests:
        expected = hmac.new(b"s3cret", b"1715000000." + request.body, hashlib.sha256).hexdigest()
        assert request.headers["x-mailroom-signature"] == f"sha256={expected}"
        assert request.headers["x-mailroom-signature"] == signature(
            "s3cret", "1715000000", request.body
        )
    assert server.requests[0].json()["title"] == "Urgent customer email"
    notifier.close()


def test_webhook_gives_up_after_its_attempts_and_a_4xx_is_permanent(server: LoopbackServer) -> None:
    server.answer(lambda request: Reply(502))
    notifier = WebhookNotifier(
        f"{server.url}/hook", "k", backoff=Backoff(attempts=3), sleep=lambda s: None
    )
    with pytest.raises(TransientProviderError):
        notifier.notify(NOTE)
    assert len(server.requests) == 3
    server.answer(lambda request: Reply(410))
    with pytest.raises(PermanentProviderError):
        notifier.notify(NOTE)
    server.answer(lambda request: Reply(401))
    with pytest.raises(AuthenticationError):
        notifier.notify(NOTE)
    assert len(server.requests) == 5
    notifier.close()


def test_slack_notifiers_post_to_the_channel_the_notification_names(
    server: LoopbackServer,
) -> None:
    server.answer(lambda request: Reply(200, {"ok": True, "channel": "C9", "ts": "9.1"}))
    billing = NOTE.model_copy(update={"channel": "#billing-team"})
    bot = SlackBotNotifier("xoxb-t", "#support-urgent", base_url=f"{server.url}/api/")
    assert bot.notify(billing).channel == "#billing-team"
    assert bot.notify(NOTE).channel == "#support-urgent"  # none named: the notifier's own
    server.answer(lambda request: Reply(200, "ok"))
    hook = SlackWebhookNotifier(f"{server.url}/services/T/B/X", channel="#support-urgent")
    assert hook.notify(billing).channel == "#billing-team"
    sent = [request.json()["channel"] for request in server.requests]
    assert sent == ["#billing-team", "#support-urgent", "#billing-team"]


def test_a_secret_in_the_webhook_address_is_neither_logged_nor_raised(
    caplog: pytest.LogCaptureFixture,
) -> None:
    import socket

    with socket.socket() as closed:  # a port nothing listens on: every attempt fails to connect
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    url = f"http://user:pa55word@127.0.0.1:{port}/hook?token=s3cret-token"
    notifier = WebhookNotifier(url, "k", backoff=Backoff(attempts=2), sleep=lambda s: None)
    with (
        caplog.at_level("INFO", logger="providers.notify"),
        pytest.raises(TransientProviderError) as raised,
    ):
        notifier.notify(NOTE)
    notifier.close()
    said = caplog.text + str(raised.value)
    assert "attempt 1 failed" in caplog.text
    assert "s3cret-token" not in said and "pa55word" not in said, said
