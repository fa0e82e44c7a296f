"""SMTP replies kept in a Sent folder over IMAP, and looked up there when a crash hid whether they
went out: a real SMTP server (aiosmtpd) and a real IMAP server (dovecot)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from pydantic import SecretStr

from engine.adapters import build_providers
from engine.adapters.email import sent_folder
from engine.settings import Settings
from engine.store.base import Store
from providers.email.base import OutgoingEmail
from providers.email.sent_folder import ImapSentFolder
from providers.email.smtp import SmtpSender
from providers.errors import TransientProviderError
from tests.mail_servers import Dovecot, SmtpServer, _free_port
from tests.providers.email.crash_window import (
    CrashAfterSend,
    CrashBeforeSend,
    WorkerKilled,
    crash_then_retry,
    customer_email,
    execution_for,
    run_send_reply,
)


def reply(message_id: str) -> OutgoingEmail:
    return OutgoingEmail(
        message_id=message_id,
        from_address="support@mailroom.example",
        to_address="anna@customer.example",
        subject="Order 1234",
        body_text="It ships today.",
        in_reply_to="<order-1234@customer.example>",
    )


def sent_copies(dovecot: Dovecot, account: tuple[str, str]) -> list[EmailMessage]:
    """The messages in the account's Sent folder, as a mail client would read them."""
    client = dovecot.client(*account)
    try:
        if not client.folder_exists("Sent"):
            return []
        client.select_folder("Sent", readonly=True)
        fetched = client.fetch(client.search(["ALL"]), ["RFC822"])
    finally:
        client.logout()
    copies = []
    for data in fetched.values():
        message = message_from_bytes(data[b"RFC822"], policy=policy.default)
        assert isinstance(message, EmailMessage)
        copies.append(message)
    return copies


def folder(dovecot: Dovecot, account: tuple[str, str]) -> ImapSentFolder:
    user, password = account
    return ImapSentFolder(
        host=dovecot.host, port=dovecot.port, security="none", username=user, password=password
    )


def test_a_reply_is_kept_in_the_sent_folder_and_found_there_by_its_exact_message_id(
    dovecot: Dovecot, smtp_server: SmtpServer
) -> None:
    account = dovecot.add_user()
    sender = SmtpSender(
        host=smtp_server.host,
        port=smtp_server.port,
        security="none",
        sent_folder=folder(dovecot, account),
    )
    assert sender.find_sent("<reply.1@mailroom.example>") is None  # no Sent folder yet
    receipt = sender.send(reply("<reply.10@mailroom.example>"))
    (copy,) = sent_copies(dovecot, account)
    assert copy["Message-ID"] == "<reply.10@mailroom.example>"
    assert copy["In-Reply-To"] == "<order-1234@customer.example>"
    assert copy.get_content().strip() == "It ships today."

    found = sender.find_sent("<reply.10@mailroom.example>")
    assert found is not None and found.provider_message_id == receipt.provider_message_id
    assert abs((found.accepted_at - receipt.accepted_at).total_seconds()) < 2
    assert sender.find_sent("reply.10@mailroom.example") is not None
    # Only the exact Message-ID counts, not one that shares a part with it.
    assert sender.find_sent("<ly.10@mailroom.example>") is None
    assert sender.find_sent("<reply.1@mailroom.example>") is None
    # Without a Sent folder the sender cannot tell.
    plain = SmtpSender(host=smtp_server.host, port=smtp_server.port, security="none")
    assert plain.find_sent("<reply.10@mailroom.example>") is None


def test_a_reply_that_went_out_stays_sent_when_its_copy_cannot_be_kept(
    smtp_server: SmtpServer, caplog: pytest.LogCaptureFixture
) -> None:
    unreachable = ImapSentFolder(
        host="127.0.0.1", port=_free_port(), security="none", username="u", password="hunter22"
    )
    sender = SmtpSender(
        host=smtp_server.host, port=smtp_server.port, security="none", sent_folder=unreachable
    )
    with caplog.at_level(logging.WARNING):
        receipt = sender.send(reply("<reply.2@mailroom.example>"))
    assert receipt.provider_message_id == "<reply.2@mailroom.example>"
    assert len(smtp_server.recorder.messages) == 1
    assert "not kept in the Sent folder" in caplog.text and "hunter22" not in caplog.text


def smtp_settings(
    settings: Settings,
    smtp_port: int,
    imap_port: int,
    account: tuple[str, str],
    **extra: object,
) -> Settings:
    user, password = account
    return settings.model_copy(
        update={
            "email_sender": "smtp",
            "smtp_host": "127.0.0.1",
            "smtp_port": smtp_port,
            "smtp_security": "none",
            "smtp_sent_folder": "Sent",
            "smtp_sent_imap_host": "127.0.0.1",
            "smtp_sent_imap_port": imap_port,
            "smtp_sent_imap_security": "none",
            "smtp_sent_imap_username": user,
            "smtp_sent_imap_password": SecretStr(password),
            **extra,
        }
    )


def test_the_sent_folder_defaults_to_the_smtp_server_and_login(settings: Settings) -> None:
    configured = settings.model_copy(
        update={
            "smtp_host": "mail.example.com",
            "smtp_username": "support",
            "smtp_password": SecretStr("s3cret-pass"),
        }
    )
    assert sent_folder(configured) is None
    chosen = sent_folder(configured.model_copy(update={"smtp_sent_folder": "Sent Items"}))
    assert chosen is not None
    assert (chosen.host, chosen.port, chosen.folder) == ("mail.example.com", 993, "Sent Items")
    assert chosen._username == "support" and chosen._password == "s3cret-pass"


def test_smtp_reply_sent_before_a_crash_is_found_in_the_sent_folder_and_not_sent_again(
    dovecot: Dovecot, smtp_server: SmtpServer, store: Store, settings: Settings
) -> None:
    account = dovecot.add_user()
    configured = smtp_settings(settings, smtp_server.port, dovecot.port, account)
    providers = build_providers(configured)
    message_id = crash_then_retry(store, providers, settings, customer_email(store), CrashAfterSend)
    (sent,) = smtp_server.recorder.messages  # the customer got one reply
    assert sent["Message-ID"] == message_id
    assert [copy["Message-ID"] for copy in sent_copies(dovecot, account)] == [message_id]


def test_smtp_reply_that_never_left_is_sent_once_after_a_crash(
    dovecot: Dovecot, smtp_server: SmtpServer, store: Store, settings: Settings
) -> None:
    account = dovecot.add_user()
    providers = build_providers(smtp_settings(settings, smtp_server.port, dovecot.port, account))
    message_id = crash_then_retry(
        store, providers, settings, customer_email(store), CrashBeforeSend
    )
    assert [m["Message-ID"] for m in smtp_server.recorder.messages] == [message_id]
    assert [copy["Message-ID"] for copy in sent_copies(dovecot, account)] == [message_id]


class _FilingServer:
    """An SMTP submission server that files what it accepts in the sender's Sent folder itself,
    as Gmail's and Microsoft 365's do."""

    def __init__(self, dovecot: Dovecot, account: tuple[str, str]) -> None:
        self.dovecot, self.account = dovecot, account
        self.accepted: list[bytes] = []
        self.port = _free_port()

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        self.accepted.append(content)
        self.dovecot.append(*self.account, content, folder="Sent")
        return "250 Message accepted for delivery"


@pytest.fixture
def filing_server(dovecot: Dovecot) -> Iterator[_FilingServer]:
    account = dovecot.add_user()
    client = dovecot.client(*account)
    try:
        client.create_folder("Sent")
    finally:
        client.logout()
    handler = _FilingServer(dovecot, account)
    controller = Controller(handler, hostname="127.0.0.1", port=handler.port)
    controller.start()
    try:
        yield handler
    finally:
        controller.stop()


def test_a_server_that_files_sent_mail_itself_is_only_searched(
    filing_server: _FilingServer, store: Store, settings: Settings
) -> None:
    handler = filing_server
    configured = smtp_settings(
        settings, handler.port, handler.dovecot.port, handler.account, smtp_sent_append=False
    )
    providers = build_providers(configured)
    message_id = crash_then_retry(store, providers, settings, customer_email(store), CrashAfterSend)
    assert len(handler.accepted) == 1  # one reply
    # One copy, the server's: Mailroom appended none of its own.
    assert [c["Message-ID"] for c in sent_copies(handler.dovecot, handler.account)] == [message_id]


def test_without_a_sent_folder_smtp_is_at_least_once_in_the_crash_window(
    smtp_server: SmtpServer, store: Store, settings: Settings
) -> None:
    """What the README promises for SMTP without a Sent folder: the reply is sent again, with
    the same Message-ID, so the receiving side can recognise the repeat."""
    configured = settings.model_copy(
        update={
            "email_sender": "smtp",
            "smtp_host": smtp_server.host,
            "smtp_port": smtp_server.port,
            "smtp_security": "none",
        }
    )
    providers = build_providers(configured)
    message_id = crash_then_retry(store, providers, settings, customer_email(store), CrashAfterSend)
    assert [m["Message-ID"] for m in smtp_server.recorder.messages] == [message_id, message_id]


def test_a_sent_folder_that_cannot_be_searched_sends_nothing_and_the_node_retries(
    smtp_server: SmtpServer, store: Store, settings: Settings
) -> None:
    nothing_listens = _free_port()
    configured = smtp_settings(settings, smtp_server.port, nothing_listens, ("support", "pw"))
    providers = build_providers(configured)
    email = customer_email(store)
    execution = execution_for(email)
    real = providers.sender
    providers.sender = CrashBeforeSend(real)
    with pytest.raises(WorkerKilled):
        run_send_reply(store, providers, settings, email, execution)
    providers.sender = real
    with pytest.raises(TransientProviderError, match="IMAP"):
        run_send_reply(store, providers, settings, email, execution)
    assert smtp_server.recorder.messages == []  # unsure, so nothing was sent
