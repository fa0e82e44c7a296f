"""``POST /api/v1/connections/test`` against real servers on loopback: dovecot (IMAP), an
aiosmtpd SMTP server that asks for a login, HTTP servers speaking Brevo's and OpenAI's wire
formats. Each failure names its stage, nothing is sent, and no secret is ever in the answer,
not even when the server's own error text repeats it."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from fastapi.testclient import TestClient
from pydantic import SecretStr

from engine.api import create_app
from engine.service import Mailroom, Role, compose
from engine.settings import Settings
from tests.engine.api.conftest import ADMIN, Bearer
from tests.loopback_http import Reply, Request, loopback_server
from tests.mail_servers import Dovecot, _Recorder, dovecot
from tests.providers.ai.loopback import LoopbackAPI, openai_completion, openai_error
from tests.providers.ai.loopback import Reply as AiReply
from tests.providers.ai.test_remote_providers import classification_json

__all__ = ["dovecot"]

PASSWORD_ENV = "MAILROOM_TEST_IMAP_PASSWORD"
SMTP_USER, SMTP_PASSWORD = "mailroom", "smtp-Pa55word-7f3c9e"
API_KEY = "xkeysib-0123456789abcdef-secret"


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port  # nothing listens on it once the socket is closed


def stages(answer: dict[str, Any]) -> list[tuple[str, bool]]:
    return [(step["stage"], step["ok"]) for step in answer["steps"]]


def answer_to(client: TestClient, headers: Bearer, secret: str, **body: Any) -> dict[str, Any]:
    """The answer to a connection test, which must not contain ``secret`` anywhere."""
    response = client.post("/api/v1/connections/test", json=body, headers=headers)
    assert response.status_code == 200, response.text
    assert secret not in response.text
    answer: dict[str, Any] = response.json()
    return answer


@pytest.fixture
def manager(token_for: Callable[[Role], Bearer]) -> Bearer:
    return token_for(Role.MANAGER)


def imap_config(dovecot: Dovecot, user: str, **extra: Any) -> dict[str, Any]:
    return {
        "source": "imap",
        "host": dovecot.host,
        "port": dovecot.port,
        "security": "none",
        "username": user,
        "password_env": PASSWORD_ENV,
        "mailbox": "support@mailroom.example",
        **extra,
    }


def test_a_mailbox_is_tried_stage_by_stage_without_its_password_shown(
    client: TestClient, manager: Bearer, dovecot: Dovecot, monkeypatch: pytest.MonkeyPatch
) -> None:
    user, password = dovecot.add_user()
    monkeypatch.setenv(PASSWORD_ENV, password)
    config = imap_config(dovecot, user)
    ok = answer_to(client, manager, password, kind="mailbox", config=config)
    assert ok["ok"] is True and ok["stage"] is None, ok
    assert stages(ok) == [
        ("config", True),
        ("dns", True),
        ("connect", True),
        ("greeting", True),
        ("auth", True),
        ("select", True),
    ]
    assert ok["detail"] == "INBOX: 0 messages" and ok["target"] == f"imap {user}@127.0.0.1"

    nope = {**config, "folder": "Nope"}
    missing = answer_to(client, manager, password, kind="mailbox", config=nope)
    assert (missing["ok"], missing["stage"]) == (False, "select")

    wrong = f"{password}-but-wrong"
    monkeypatch.setenv(PASSWORD_ENV, wrong)
    refused = answer_to(client, manager, wrong, kind="mailbox", config=config)
    assert (refused["ok"], refused["stage"]) == (False, "auth")
    assert f"the login as {user} was refused" in refused["detail"]
    assert password not in str(refused)

    closed = answer_to(
        client, manager, wrong, kind="mailbox", config={**config, "port": closed_port()}
    )
    assert (closed["stage"], stages(closed)[-1]) == ("connect", ("connect", False))
    assert "ConnectionRefusedError" in closed["detail"]
    unknown = answer_to(
        client, manager, wrong, kind="mailbox", config={**config, "host": "mail.example.invalid"}
    )
    assert stages(unknown) == [("config", True), ("dns", False)]
    tls = answer_to(client, manager, wrong, kind="mailbox", config={**config, "security": "ssl"})
    assert tls["stage"] == "tls"  # dovecot here speaks plain IMAP only

    monkeypatch.delenv(PASSWORD_ENV)
    unset = answer_to(client, manager, wrong, kind="mailbox", config=config)
    assert unset["stage"] == "config" and PASSWORD_ENV in unset["detail"]


def test_a_pop3_mailbox_is_tried_stage_by_stage_without_its_password_shown(
    client: TestClient, manager: Bearer, dovecot: Dovecot, monkeypatch: pytest.MonkeyPatch
) -> None:
    if dovecot.pop3 is None:
        pytest.skip("dovecot-pop3d is not installed (scripts/install-debian-packages.sh)")
    user, password = dovecot.add_user()
    dovecot.append(user, password, b"From: a@customer.example\r\nSubject: hi\r\n\r\nhello\r\n")
    monkeypatch.setenv("MAILROOM_TEST_POP3_PASSWORD", password)
    config = imap_config(
        dovecot,
        user,
        source="pop3",
        port=dovecot.pop3.plain,
        password_env="MAILROOM_TEST_POP3_PASSWORD",
    )
    ok = answer_to(client, manager, password, kind="mailbox", config=config)
    assert ok["ok"] is True and ok["target"] == f"pop3 {user}@127.0.0.1", ok
    assert stages(ok) == [
        ("config", True),
        ("dns", True),
        ("connect", True),
        ("greeting", True),
        ("auth", True),
        ("stat", True),
    ]
    assert ok["detail"].startswith("maildrop: 1 messages")

    monkeypatch.setenv("SSL_CERT_FILE", str(dovecot.pop3.ca_file))  # the test's own CA
    stls = answer_to(
        client, manager, password, kind="mailbox", config=config | {"security": "starttls"}
    )
    assert [stage for stage, _ in stages(stls)][3:] == ["greeting", "tls", "auth", "stat"]
    assert stls["ok"] is True, stls
    pop3s = {**config, "security": "ssl", "port": dovecot.pop3.ssl}
    secure = answer_to(client, manager, password, kind="mailbox", config=pop3s)
    assert [stage for stage, _ in stages(secure)][3:] == ["tls", "auth", "stat"]
    assert secure["ok"] is True, secure
    plain_as_tls = answer_to(
        client, manager, password, kind="mailbox", config=config | {"security": "ssl"}
    )
    assert (plain_as_tls["ok"], plain_as_tls["stage"]) == (False, "tls")

    wrong = f"{password}-but-wrong"
    monkeypatch.setenv("MAILROOM_TEST_POP3_PASSWORD", wrong)
    refused = answer_to(client, manager, wrong, kind="mailbox", config=config)
    assert (refused["ok"], refused["stage"]) == (False, "auth")
    assert f"the login as {user} was refused" in refused["detail"]
    assert password not in str(refused)
    closed = answer_to(
        client, manager, wrong, kind="mailbox", config={**config, "port": closed_port()}
    )
    assert (closed["stage"], stages(closed)[-1]) == ("connect", ("connect", False))
    monkeypatch.delenv("MAILROOM_TEST_POP3_PASSWORD")
    unset = answer_to(client, manager, wrong, kind="mailbox", config=config)
    assert unset["stage"] == "config" and "MAILROOM_TEST_POP3_PASSWORD" in unset["detail"]
    default = answer_to(
        client, manager, wrong, kind="mailbox", config=config | {"password_env": None}
    )
    assert default["stage"] == "config" and "MAILROOM_POP3_PASSWORD is not set" in default["detail"]


def test_a_mailbox_config_is_checked_and_a_password_in_it_refused(
    client: TestClient, manager: Bearer, token_for: Callable[[Role], Bearer]
) -> None:
    body = {"kind": "mailbox", "config": {"source": "imap", "host": "h", "password": "hunter22"}}
    response = client.post("/api/v1/connections/test", json=body, headers=manager)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in response.json()["errors"]] == ["body.config.password"]
    assert "hunter22" not in response.text
    bad_port = {"kind": "mailbox", "config": {"source": "imap", "port": 0}}
    answer = client.post("/api/v1/connections/test", json=bad_port, headers=manager).json()
    assert [e["field"] for e in answer["errors"]] == ["body.config.port"]
    # Another of Mailroom's secrets is never sent as a password to a host the caller names:
    # a variable that is not a mailbox password is refused by the trigger's settings...
    exfiltrate = {"source": "imap", "host": "127.0.0.1", "password_env": "MAILROOM_SESSION_SECRET"}
    refused = client.post(
        "/api/v1/connections/test", json={"kind": "mailbox", "config": exfiltrate}, headers=manager
    )
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == ["body.config.password_env"]
    # ... and one named like a mailbox password that holds another secret, before any connect.
    sent_folder = exfiltrate | {"password_env": "MAILROOM_SMTP_SENT_IMAP_PASSWORD"}
    answer = client.post(
        "/api/v1/connections/test", json={"kind": "mailbox", "config": sent_folder}, headers=manager
    ).json()
    assert (answer["ok"], answer["stage"]) == (False, "config")
    assert "holds another Mailroom secret" in answer["detail"]
    agent = token_for(Role.AGENT)
    demo = {"kind": "mailbox", "config": {"source": "demo"}}
    assert client.post("/api/v1/connections/test", json=demo, headers=agent).status_code == 403


class _Authenticator:
    """Accepts ``SMTP_USER`` with ``SMTP_PASSWORD``; records every attempt."""

    def __init__(self) -> None:
        self.attempts: list[str] = []

    def __call__(
        self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        assert isinstance(data, LoginPassword)
        self.attempts.append(data.login.decode())
        good = (data.login.decode(), data.password.decode()) == (SMTP_USER, SMTP_PASSWORD)
        return AuthResult(success=good, handled=False)


@pytest.fixture
def smtp_with_login() -> Iterator[tuple[int, _Recorder, _Authenticator]]:
    recorder, authenticator = _Recorder(), _Authenticator()
    controller = Controller(
        recorder,
        hostname="127.0.0.1",
        port=closed_port(),
        authenticator=authenticator,
        auth_require_tls=False,
    )
    controller.start()
    try:
        yield controller.port, recorder, authenticator
    finally:
        controller.stop()


@pytest.fixture
def client_on(
    settings: Settings, token_for: Callable[[Role], Bearer]
) -> Iterator[Callable[..., tuple[TestClient, Bearer]]]:
    """A client of an API whose settings differ from the suite's (a sender, AI keys), with
    a manager's token on its store."""
    opened: list[tuple[Mailroom, TestClient]] = []

    def make(**changes: Any) -> tuple[TestClient, Bearer]:
        changed = settings.model_copy(update=changes)
        mailroom = compose(changed)
        client = TestClient(create_app(mailroom.service, changed))
        opened.append((mailroom, client))
        _, secret = mailroom.service.create_token(ADMIN, f"manager-{len(opened)}", Role.MANAGER)
        return client, {"Authorization": f"Bearer {secret}"}

    yield make
    for mailroom, client in opened:
        client.close()
        mailroom.close()


def test_an_smtp_sender_is_tried_up_to_the_login_and_sends_nothing(
    client_on: Callable[..., tuple[TestClient, Bearer]],
    smtp_with_login: tuple[int, _Recorder, _Authenticator],
) -> None:
    port, recorder, authenticator = smtp_with_login
    smtp = {
        "email_sender": "smtp",
        "smtp_host": "127.0.0.1",
        "smtp_port": port,
        "smtp_security": "none",
        "smtp_username": SMTP_USER,
    }
    client, headers = client_on(**smtp, smtp_password=SecretStr(SMTP_PASSWORD))
    ok = answer_to(client, headers, SMTP_PASSWORD, kind="sender")
    assert ok["ok"] is True, ok
    assert stages(ok) == [
        ("config", True),
        ("dns", True),
        ("connect", True),
        ("greeting", True),
        ("ehlo", True),
        ("auth", True),
    ]
    assert "AUTH" in ok["steps"][4]["detail"].upper()
    assert ok["detail"] == f"logged in as {SMTP_USER}"

    intruder = answer_to(client, headers, SMTP_PASSWORD, kind="sender", smtp_username="intruder")
    assert (intruder["ok"], intruder["stage"]) == (False, "auth")
    starttls = answer_to(client, headers, SMTP_PASSWORD, kind="sender", smtp_security="starttls")
    assert starttls["stage"] == "tls"  # the server offers no STARTTLS
    elsewhere = answer_to(client, headers, SMTP_PASSWORD, kind="sender", smtp_port=closed_port())
    assert elsewhere["stage"] == "connect"
    # smtplib tries each mechanism the server offers before it gives up on a login.
    assert set(authenticator.attempts) == {SMTP_USER, "intruder"}
    assert recorder.messages == []  # nothing was sent

    wrong = "not-the-smtp-password"
    client, headers = client_on(**smtp, smtp_password=SecretStr(wrong))
    refused = answer_to(client, headers, wrong, kind="sender")
    assert refused["stage"] == "auth" and "refused" in refused["detail"]


def test_an_http_sender_makes_an_authenticated_read_and_never_echoes_the_key(
    client_on: Callable[..., tuple[TestClient, Bearer]],
) -> None:
    def brevo(request: Request) -> Reply:
        assert request.method == "GET" and request.path == "/v3/account"
        if request.headers.get("api-key") == API_KEY:
            return Reply(200, {"email": "ops@example.com", "companyName": "Acme"})
        # A server that repeats the key it was given in its error text.
        key = request.headers.get("api-key")
        return Reply(401, {"code": "unauthorized", "message": f"Key not found: {key}"})

    with loopback_server(brevo) as server:
        client, headers = client_on(
            email_sender="brevo",
            brevo_api_key=SecretStr(API_KEY),
            brevo_api_base=f"{server.url}/v3",
        )
        ok = answer_to(client, headers, API_KEY, kind="sender")
        assert ok["ok"] is True and ok["detail"] == "GET /account accepted the key (Acme)"
        wrong = "xkeysib-wrong-key-0000"
        client, headers = client_on(
            email_sender="brevo",
            brevo_api_key=SecretStr(wrong),
            brevo_api_base=f"{server.url}/v3",
        )
        refused = answer_to(client, headers, wrong, kind="sender")
        assert (refused["ok"], refused["stage"]) == (False, "auth")
        assert "Key not found: [secret]" in refused["detail"]
        assert [r.method for r in server.requests] == ["GET", "GET"]  # nothing was sent

    unset = answer_to(client, headers, wrong, kind="sender", email_sender="sendgrid")
    assert unset["stage"] == "config" and "MAILROOM_SENDGRID_API_KEY" in unset["detail"]


def test_an_ai_provider_classifies_one_email_and_a_refused_key_is_the_auth_stage(
    client: TestClient,
    manager: Bearer,
    client_on: Callable[..., tuple[TestClient, Bearer]],
) -> None:
    local = answer_to(client, manager, API_KEY, kind="ai", provider="local")
    assert local["ok"] is True and local["stage"] is None, local
    assert local["detail"].startswith("classified a test email as ")
    unset = answer_to(client, manager, API_KEY, kind="ai", provider="openai")
    assert unset["stage"] == "config" and "MAILROOM_OPENAI_API_KEY" in unset["detail"]

    server = LoopbackAPI().start()
    try:
        remote, headers = client_on(
            openai_api_key=SecretStr(API_KEY),
            openai_base_url=f"{server.base_url}/v1",
            ai_max_retries=0,
        )
        server.script(AiReply(200, openai_completion(classification_json("refund"))))
        ok = answer_to(remote, headers, API_KEY, kind="ai", provider="openai", model="gpt-test")
        assert ok["ok"] is True, ok
        assert [stage for stage, passed in stages(ok) if passed] == [
            "config",
            "dns",
            "connect",
            "classify",
        ]
        assert "as refund" in ok["detail"]
        assert server.requests[-1].body["model"] == "gpt-test"
        echoed = openai_error(401, f"Incorrect API key provided: {API_KEY}", "invalid_request")
        server.script(AiReply(401, echoed))
        refused = answer_to(remote, headers, API_KEY, kind="ai", provider="openai")
        assert (refused["ok"], refused["stage"]) == (False, "auth")
        assert "[secret]" in refused["detail"]
    finally:
        server.stop()
