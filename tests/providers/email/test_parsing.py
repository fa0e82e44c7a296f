"""Parsing details the corpus does not pin down: size limits, subject normalisation."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest

from providers.email.parsing import ParseLimits, UnparseableMessage, decode_text, parse_message
from providers.email.threading_keys import thread_key

HEAD = b"From: a@customer.example\r\nSubject: files\r\nMessage-ID: <f@c>\r\nMIME-Version: 1.0\r\n"


def with_attachments(*sizes: int) -> bytes:
    parts = [b"--b\r\nContent-Type: text/plain\r\n\r\nsee files\r\n"]
    for index, size in enumerate(sizes):
        parts.append(
            f"--b\r\nContent-Type: application/octet-stream\r\n"
            f"Content-Disposition: attachment; filename=f{index}.bin\r\n"
            f"Content-Transfer-Encoding: base64\r\n\r\n".encode()
            + base64.encodebytes(b"x" * size).replace(b"\n", b"\r\n")
        )
    return (
        HEAD + b"Content-Type: multipart/mixed; boundary=b\r\n\r\n" + b"".join(parts) + b"--b--\r\n"
    )


def test_attachments_over_the_size_limit_are_flagged() -> None:
    limits = ParseLimits(max_attachment_bytes=1000, max_attachments=3)
    email = parse_message(with_attachments(10, 1001, 1000), mailbox="m", source="t", limits=limits)
    assert [(a.filename, a.size_bytes, a.over_size_limit) for a in email.attachments] == [
        ("f0.bin", 10, False),
        ("f1.bin", 1001, True),
        ("f2.bin", 1000, False),
    ]
    assert email.body_text == "see files"


def test_more_attachments_than_the_maximum_are_refused_not_dropped() -> None:
    limits = ParseLimits(max_attachments=3)
    with pytest.raises(UnparseableMessage, match="more than 3 attachments"):
        parse_message(with_attachments(10, 11, 12, 13), mailbox="m", source="t", limits=limits)


def test_a_message_over_the_size_limit_is_refused_with_the_reason() -> None:
    with pytest.raises(UnparseableMessage, match="larger than the limit of 100"):
        parse_message(
            with_attachments(500),
            mailbox="m",
            source="t",
            limits=ParseLimits(max_message_bytes=100),
        )


def test_the_thread_key_is_sender_and_subject() -> None:
    assert thread_key(" Anna@Customer.Example ", "Re: Hello") == "anna@customer.example|hello"


def test_decode_text_never_fails() -> None:
    assert decode_text("Grüße".encode("cp1252"), "utf-8") == "Grüße"  # declared wrongly, cp1252
    assert decode_text("Grüße".encode(), None) == "Grüße"
    assert decode_text(b"\xff\xfe\xfa", "bogus-charset").startswith("ÿ")


def _dated(date: str) -> bytes:
    return (
        f"From: a@customer.example\r\nSubject: when\r\nMessage-ID: <d@c>\r\nDate: {date}\r\n"
        "\r\nhello\r\n"
    ).encode()


@pytest.mark.parametrize(
    "date",
    ["Tue, 01 Jan 2019 09:00:00 +0000", "Fri, 01 Jun 2035 09:00:00 +0000", "not a date"],
)
def test_received_is_when_it_arrived_not_the_date_header(date: str) -> None:
    before = datetime.now(UTC)
    email = parse_message(_dated(date), mailbox="support@m.example", source="test")
    after = datetime.now(UTC)
    assert before <= email.received_at <= after
    if date[0].isdigit() or date.startswith(("Tue", "Fri")):
        assert email.date_header is not None
        assert email.date_header.year == int(date.split()[3])
    else:
        assert email.date_header is None


def test_a_mailbox_arrival_time_is_kept_but_never_in_the_future() -> None:
    arrived = datetime(2024, 5, 6, 10, 0, tzinfo=UTC)
    kept = parse_message(
        _dated("Fri, 01 Jun 2035 09:00:00 +0000"),
        mailbox="m",
        source="imap",
        received_at=arrived,
    )
    assert kept.received_at == arrived
    ahead = datetime.now(UTC) + timedelta(days=3)
    clamped = parse_message(_dated("x"), mailbox="m", source="imap", received_at=ahead)
    assert clamped.received_at <= datetime.now(UTC)
