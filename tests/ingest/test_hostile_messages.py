"""Oversized messages and attachment bombs are refused and kept in quarantine with the reason;
an ordinary archive goes through."""

from __future__ import annotations

import base64
import gzip
import io
import zipfile

from engine.mail.inbound import accept_raw
from engine.store.base import Store

HEAD = (
    b"From: a@customer.example\r\nTo: support@mailroom.example\r\nSubject: files\r\n"
    b"MIME-Version: 1.0\r\n"
)


def with_attachment(name: str, data: bytes, message_id: str) -> bytes:
    encoded = base64.encodebytes(data).replace(b"\n", b"\r\n")
    return (
        HEAD
        + f"Message-ID: <{message_id}@c>\r\n".encode()
        + b"Content-Type: multipart/mixed; boundary=b\r\n\r\n"
        + b"--b\r\nContent-Type: text/plain\r\n\r\nsee the file\r\n"
        + f"--b\r\nContent-Type: application/octet-stream\r\n"
        f"Content-Disposition: attachment; filename={name}\r\n"
        f"Content-Transfer-Encoding: base64\r\n\r\n".encode()
        + encoded
        + b"--b--\r\n"
    )


def zip_of(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def quarantined_reason(store: Store, raw: bytes, reason_part: str) -> None:
    outcome = accept_raw(store, raw, mailbox="support@mailroom.example", source="test")
    assert outcome.status == "quarantined", outcome
    assert outcome.reason is not None and reason_part in outcome.reason, outcome.reason
    kept = [q for q in store.list_quarantine() if q.reason == outcome.reason]
    assert len(kept) == 1 and base64.b64decode(kept[0].raw_base64) == raw
    assert store.count_emails() == 0


def test_a_zip_bomb_is_quarantined_with_its_ratio(store: Store) -> None:
    bomb = zip_of({"data.bin": bytes(64 * 1024 * 1024)})  # 64 MB of zeros, ~64 KB zipped
    assert len(bomb) < 200_000
    quarantined_reason(store, with_attachment("report.zip", bomb, "zip"), "compression bomb")


def test_a_zip_of_many_archives_is_quarantined(store: Store) -> None:
    inner = zip_of({"a.txt": b"x"})
    nested = zip_of({f"layer{i}.zip": inner for i in range(40)})
    quarantined_reason(store, with_attachment("42.zip", nested, "nested"), "holds 40 archives")


def test_a_gzip_bomb_is_quarantined(store: Store) -> None:
    bomb = gzip.compress(bytes(32 * 1024 * 1024), compresslevel=9)
    quarantined_reason(store, with_attachment("logs.gz", bomb, "gz"), "compression bomb")


def test_an_ordinary_zip_is_stored_as_an_attachment(store: Store) -> None:
    text = "\n".join(f"line {i}: order {i * 37 % 1000}" for i in range(5000)).encode()
    raw = with_attachment("orders.zip", zip_of({"orders.txt": text}), "ok")
    outcome = accept_raw(store, raw, mailbox="support@mailroom.example", source="test")
    assert outcome.status == "ingested"
    assert outcome.email_id is not None
    email = store.get_email(outcome.email_id)
    assert email is not None and [a.filename for a in email.attachments] == ["orders.zip"]


def test_a_message_of_thousands_of_parts_is_quarantined(store: Store) -> None:
    parts = b"".join(b"--b\r\nContent-Type: text/plain\r\n\r\nx\r\n" for _ in range(2000))
    raw = (
        HEAD
        + b"Message-ID: <parts@c>\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
        + parts
        + b"--b--\r\n"
    )
    quarantined_reason(store, raw, "more than 500 MIME parts")


def test_too_many_attachments_are_quarantined_not_dropped(store: Store) -> None:
    parts = b"".join(
        f"--b\r\nContent-Type: image/png\r\nContent-Disposition: attachment; "
        f"filename=p{i}.png\r\n\r\nx\r\n".encode()
        for i in range(150)
    )
    raw = (
        HEAD
        + b"Message-ID: <many@c>\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
        + b"--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n"
        + parts
        + b"--b--\r\n"
    )
    quarantined_reason(store, raw, "more than 100 attachments")


def test_deeply_nested_mime_is_quarantined(store: Store) -> None:
    body = b"Content-Type: text/plain\r\n\r\ndeep\r\n"
    for level in range(30):
        boundary = f"n{level}".encode()
        body = (
            b"Content-Type: multipart/mixed; boundary=" + boundary + b"\r\n\r\n--" + boundary
            + b"\r\n" + body + b"--" + boundary + b"--\r\n"
        )  # fmt: skip
    raw = HEAD + b"Message-ID: <deep@c>\r\n" + body
    quarantined_reason(store, raw, "nested deeper than 12 levels")


def test_an_oversized_message_is_quarantined_with_its_size(store: Store) -> None:
    raw = with_attachment("big.bin", b"\x00" * (31 * 1024 * 1024), "big")  # base64: ~42 MB
    quarantined_reason(store, raw, "larger than the limit of 41943040")
