"""Senders checked without sending: SendGrid's scopes and Gmail's token and profile, against
loopback servers speaking their documented formats; each failure names its stage."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from providers.checks import CheckFailed, Probe
from providers.email.gmail import GmailSender
from providers.email.sendgrid import SendGridSender
from tests.loopback_http import Handler, LoopbackServer, Reply, Request, loopback_server
from tests.providers.email.test_gmail import FakeGmail, api


def scopes(granted: list[str]) -> Handler:
    def answer(request: Request) -> Reply:
        assert (request.method, request.path) == ("GET", "/v3/scopes")
        if request.headers.get("authorization") != "Bearer SG.good":
            return Reply(401, {"errors": [{"field": None, "message": "authorization required"}]})
        return Reply(200, {"scopes": granted})

    return answer


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    with loopback_server(lambda request: Reply(404)) as running:
        yield running


def verified(sender: SendGridSender | GmailSender) -> Probe:
    probe = Probe()
    sender.verify(probe)
    return probe


def failed_stage(sender: SendGridSender | GmailSender) -> tuple[str, list[str]]:
    probe = Probe()
    with pytest.raises(CheckFailed) as failure:
        sender.verify(probe)
    return failure.value.stage, [step.stage for step in probe.steps if step.ok]


def test_sendgrid_reads_its_scopes_and_needs_mail_send(server: LoopbackServer) -> None:
    server.answer(scopes(["mail.send", "user.profile.read"]))
    probe = verified(SendGridSender("SG.good", host=server.url))
    assert [step.stage for step in probe.steps] == ["dns", "connect", "auth"]
    assert "mail.send among them" in probe.steps[-1].detail
    assert failed_stage(SendGridSender("SG.bad", host=server.url)) == ("auth", ["dns", "connect"])
    server.answer(scopes(["user.profile.read"]))
    assert failed_stage(SendGridSender("SG.good", host=server.url))[0] == "scope"
    assert all(request.method == "GET" for request in server.requests)  # nothing sent


def test_gmail_renews_a_token_and_reads_the_profile() -> None:
    fake = FakeGmail()
    with loopback_server(fake.handle) as gmail:
        probe = verified(GmailSender(api(gmail)))
        assert [step.stage for step in probe.steps] == ["dns", "connect", "auth", "read"]
        assert probe.steps[-1].detail == "GET /profile: support@example.com"
        stage, passed = failed_stage(GmailSender(api(gmail, refresh_token="revoked")))
        assert (stage, passed) == ("auth", ["dns", "connect"])
        assert not any(r.path.endswith("/messages/send") for r in gmail.requests)
