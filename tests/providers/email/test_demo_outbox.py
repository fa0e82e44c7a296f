"""The demo outbox writes real, threaded .eml files, once per Message-ID."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest

from providers.email.base import OutgoingEmail
from providers.email.demo_outbox import DemoOutbox
from providers.errors import PermanentProviderError, TransientProviderError


def _reply(**changes: object) -> OutgoingEmail:
    fields: dict[str, object] = {
        "message_id": "<reply-1@mailroom.example>",
        "from_address": "support@mailroom.example",
        "to_address": "lea.dubois@courriel.example",
        "subject": "Re: Où est ma commande ORD-483920 ?",
        "body_text": "Bonjour Léa,\n\nVotre colis est en route.\n\nL'équipe Mailroom\n",
        "in_reply_to": "<demo-7-12@customers.mailroom.example>",
        "references": [
            "<demo-7-3@customers.mailroom.example>",
            "<demo-7-12@customers.mailroom.example>",
        ],
    }
    fields.update(changes)
    return OutgoingEmail.model_validate(fields)


def _parse(path: Path) -> EmailMessage:
    message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
    assert isinstance(message, EmailMessage)
    return message


def test_send_writes_a_parseable_threaded_message(tmp_path: Path) -> None:
    outbox = DemoOutbox(tmp_path / "outbox" / "nested")  # created on first send
    email = _reply()
    before = datetime.now(UTC)
    receipt = outbox.send(email)

    assert receipt.provider_message_id == email.message_id
    assert before <= receipt.accepted_at <= datetime.now(UTC)
    assert receipt.accepted_at.tzinfo is not None
    [path] = outbox.list_sent()
    assert path.suffix == ".eml" and path == outbox.path_for(email.message_id)

    sent = _parse(path)
    assert sent["From"] == email.from_address
    assert sent["To"] == email.to_address
    assert sent["Subject"] == email.subject
    assert sent["Message-ID"] == email.message_id
    assert sent["In-Reply-To"] == email.in_reply_to
    assert str(sent["References"]).split() == email.references
    assert abs(parsedate_to_datetime(str(sent["Date"])) - receipt.accepted_at) < timedelta(
        seconds=1
    )
    body = sent.get_body(preferencelist=("plain",))
    assert body is not None
    raw = path.read_bytes()
    assert b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b"")  # RFC 5322 line ends
    assert body.get_content().replace("\r\n", "\n") == email.body_text


def test_a_first_message_has_no_threading_headers(tmp_path: Path) -> None:
    outbox = DemoOutbox(tmp_path)
    outbox.send(_reply(in_reply_to=None, references=[], subject="Hello"))
    sent = _parse(outbox.list_sent()[0])
    assert sent["In-Reply-To"] is None and sent["References"] is None


@pytest.mark.parametrize(
    ("subject", "expected"),
    [("Order 12", "Re: Order 12"), ("AW: Bestellung", "AW: Bestellung"), ("", "Re: your message")],
)
def test_a_reply_is_written_with_the_reply_subject_every_sender_uses(
    tmp_path: Path, subject: str, expected: str
) -> None:
    outbox = DemoOutbox(tmp_path)
    outbox.send(_reply(subject=subject))
    assert _parse(outbox.list_sent()[0])["Subject"] == expected


def test_a_second_delivery_of_a_message_id_is_kept_and_counted(tmp_path: Path) -> None:
    outbox = DemoOutbox(tmp_path)
    assert outbox.find_sent("<reply-1@mailroom.example>") is None
    outbox.send(_reply(body_text="first attempt"))
    assert outbox.duplicates() == []
    receipt = outbox.find_sent("<reply-1@mailroom.example>")
    assert receipt is not None and receipt.provider_message_id == "<reply-1@mailroom.example>"
    outbox.send(_reply(body_text="second attempt"))
    first, second = outbox.list_sent()
    assert first == outbox.path_for("<reply-1@mailroom.example>")
    assert outbox.duplicates() == [second]
    bodies = [_parse(p).get_body(preferencelist=("plain",)) for p in (first, second)]
    assert [b.get_content().strip() for b in bodies if b is not None] == [
        "first attempt",
        "second attempt",
    ]

    outbox.send(_reply(message_id="<reply-2@mailroom.example>"))
    assert len(outbox.list_sent()) == 3 and len(outbox.duplicates()) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        p.name for p in outbox.list_sent()
    )  # no temporary files left behind


def test_list_sent_is_empty_before_anything_is_sent(tmp_path: Path) -> None:
    assert DemoOutbox(tmp_path / "missing").list_sent() == []


@pytest.mark.parametrize(
    "changes",
    [
        {"to_address": "not-an-address"},
        {"from_address": "support"},
        {"to_address": "@mailroom.example"},
        {"subject": "Injected\r\nBcc: victim@example.com"},
        {"message_id": "   "},
    ],
)
def test_invalid_messages_are_refused_permanently(
    tmp_path: Path, changes: dict[str, object]
) -> None:
    outbox = DemoOutbox(tmp_path)
    with pytest.raises(PermanentProviderError):
        outbox.send(_reply(**changes))
    assert outbox.list_sent() == []


def test_a_disk_problem_is_transient(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the outbox folder should be")
    with pytest.raises(TransientProviderError) as caught:
        DemoOutbox(blocker / "outbox").send(_reply())
    assert isinstance(caught.value.__cause__, OSError)
