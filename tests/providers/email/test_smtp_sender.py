"""Replies through a real SMTP server (aiosmtpd) carry the headers that thread them, and a
reply to mail read from IMAP lands on the customer's thread."""

from __future__ import annotations

import pytest

from engine.mail.inbound import store_email
from engine.store.base import Store
from providers.email.base import OutgoingEmail
from providers.email.parsing import parse_message
from providers.email.smtp import SmtpSender
from providers.errors import PermanentProviderError, TransientProviderError
from tests.mail_servers import SmtpServer

CUSTOMER = (
    b"From: Anna <anna@customer.example>\r\nTo: support@mailroom.example\r\n"
    b"Subject: RE: Order 1234 missing\r\nMessage-ID: <c2@customer.example>\r\n"
    b"In-Reply-To: <c1@customer.example>\r\nReferences: <c1@customer.example>\r\n\r\nHello?\r\n"
)


def test_a_reply_carries_message_id_in_reply_to_references_and_re_subject(
    smtp_server: SmtpServer, store: Store
) -> None:
    inbound = parse_message(CUSTOMER, mailbox="support@mailroom.example", source="imap")
    email, _ = store_email(store, inbound)
    sender = SmtpSender(host=smtp_server.host, port=smtp_server.port, security="none")
    receipt = sender.send(
        OutgoingEmail(
            message_id="<reply.1@mailroom.example>",
            from_address="support@mailroom.example",
            to_address=email.from_address,
            subject=email.subject,
            body_text="We are on it.",
            in_reply_to=email.message_id,
            references=[*email.references, email.message_id],
        )
    )
    assert receipt.provider_message_id == "<reply.1@mailroom.example>"
    (sent,) = smtp_server.recorder.messages
    assert sent["Message-ID"] == "<reply.1@mailroom.example>"
    assert sent["In-Reply-To"] == "<c2@customer.example>"
    assert sent["References"] == "<c1@customer.example> <c2@customer.example>"
    assert sent["Subject"] == "RE: Order 1234 missing"
    assert sent.get_content().strip() == "We are on it."
    assert smtp_server.recorder.envelopes == [
        ("support@mailroom.example", ["anna@customer.example"])
    ]

    # The customer's answer to our reply threads with the conversation by its headers.
    answer = CUSTOMER.replace(
        b"<c2@customer.example>\r\nIn-Reply-To: <c1@customer.example>",
        b"<c3@customer.example>\r\nIn-Reply-To: <reply.1@mailroom.example>",
    )
    answer = answer.replace(
        b"References: <c1@customer.example>",
        b"References: " + sent["References"].encode() + b" <reply.1@mailroom.example>",
    )
    follow_up, inserted = store_email(
        store, parse_message(answer, mailbox="support@mailroom.example", source="imap")
    )
    assert inserted and follow_up.thread_id == email.thread_id


def test_subject_gets_one_re_prefix_only_on_replies(smtp_server: SmtpServer) -> None:
    sender = SmtpSender(host=smtp_server.host, port=smtp_server.port, security="none")
    base = {
        "from_address": "s@mailroom.example",
        "to_address": "a@customer.example",
        "body_text": "x",
    }
    sender.send(OutgoingEmail(message_id="<a@m>", subject="Order", in_reply_to="<p@c>", **base))
    sender.send(OutgoingEmail(message_id="<b@m>", subject="Re: Order", in_reply_to="p@c", **base))
    sender.send(OutgoingEmail(message_id="<c@m>", subject="Fresh start", **base))
    sender.send(
        OutgoingEmail(message_id="<d@m>", subject="AW: Bestellung", in_reply_to="p", **base)
    )
    sender.send(OutgoingEmail(message_id="<e@m>", subject="Fwd: Invoice", in_reply_to="p", **base))
    subjects = [m["Subject"] for m in smtp_server.recorder.messages]
    assert subjects == [
        "Re: Order",
        "Re: Order",
        "Fresh start",
        "AW: Bestellung",
        "Re: Fwd: Invoice",
    ]
    assert smtp_server.recorder.messages[1]["In-Reply-To"] == "<p@c>"
    assert smtp_server.recorder.messages[2]["In-Reply-To"] is None


def test_errors_are_split_by_what_a_retry_can_do(smtp_server: SmtpServer) -> None:
    with pytest.raises(TransientProviderError):
        SmtpSender(host="127.0.0.1", port=1, security="none").send(
            OutgoingEmail(
                message_id="<a@m>",
                from_address="s@m.example",
                to_address="a@c.example",
                subject="s",
                body_text="b",
            )
        )
    with pytest.raises(PermanentProviderError):
        SmtpSender(host=smtp_server.host, port=smtp_server.port, security="none").send(
            OutgoingEmail(
                message_id="<a@m>",
                from_address="s@m.example",
                to_address="not-an-address",
                subject="s",
                body_text="b",
            )
        )


def test_email_notifications_go_through_smtp(smtp_server: SmtpServer) -> None:
    from providers.notify.base import Notification
    from providers.notify.email import EmailNotifier

    sender = SmtpSender(host=smtp_server.host, port=smtp_server.port, security="none")
    notifier = EmailNotifier(sender, "mailroom@mailroom.example", "oncall@team.example")
    receipt = notifier.notify(
        Notification(title="Mailbox stalled", text="3 polls failed", fields={"Source": "imap"})
    )
    (sent,) = smtp_server.recorder.messages
    assert sent["Subject"] == "[info] Mailbox stalled" and sent["To"] == "oncall@team.example"
    assert "Source: imap" in sent.get_content()
    assert receipt.delivery_id == sent["Message-ID"]
