"""Webhook mail keeps its Cc and its attachments: Brevo's fetched by their DownloadToken from a
loopback server speaking Brevo's documented attachment endpoint, SendGrid's taken from the
Inbound Parse form (parsed or raw). A download that fails records the attachment as missing,
with the reason, and keeps the email."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest
from pydantic import SecretStr
from starlette.testclient import TestClient

from engine.encryption import FieldCipher, new_key, parse_key
from engine.http.intake import create_app
from engine.models import Email
from engine.settings import Settings
from engine.store.base import Store
from engine.store.sqlite import SQLiteStore
from providers.email.brevo import BrevoInboundAttachments
from providers.errors import AuthenticationError, ServerError
from providers.notify.retry import Backoff
from tests.engine.data_protection import raw_database_bytes
from tests.loopback_http import LoopbackServer, Reply, Request, loopback_server

TOKEN = "intake-s3cret"
API_KEY = "xkeysib-test"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
PDF = b"%PDF-1.4\n" + bytes(range(256)) * 40 + b"\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x01\x02" * 500


class FakeBrevo:
    """``GET /v3/inbound/attachments/{downloadToken}`` as Brevo documents it: the file's bytes
    with the ``api-key`` header, a JSON error otherwise. ``failures[token]`` answers that many
    503s first; a token in ``gone`` answers 404 ``document_not_found``."""

    def __init__(self) -> None:
        self.files = {"dl-invoice": PDF, "dl-photo": PNG}
        self.failures: dict[str, int] = {}
        self.gone: set[str] = set()
        self.fetched: list[str] = []

    def handle(self, request: Request) -> Reply:
        prefix = "/v3/inbound/attachments/"
        if request.method != "GET" or not request.path.startswith(prefix):
            return Reply(404, {"code": "not_found", "message": "no such route"})
        if request.headers.get("api-key") != API_KEY:
            return Reply(401, {"code": "unauthorized", "message": "Key not found"})
        token = request.path.removeprefix(prefix)
        self.fetched.append(token)
        if self.failures.get(token, 0) > 0:
            self.failures[token] -= 1
            return Reply(503, {"code": "internal_error", "message": "try later"})
        if token in self.gone or token not in self.files:
            return Reply(404, {"code": "document_not_found", "message": "Attachment not found"})
        return Reply(200, self.files[token], {"Content-Type": "application/octet-stream"})


@pytest.fixture
def brevo() -> Iterator[tuple[FakeBrevo, LoopbackServer]]:
    fake = FakeBrevo()
    with loopback_server(fake.handle) as server:
        yield fake, server


def brevo_settings(settings: Settings, server: LoopbackServer) -> Settings:
    return settings.model_copy(
        update={"brevo_api_key": SecretStr(API_KEY), "brevo_api_base": f"{server.url}/v3"}
    )


def brevo_item(*attachments: dict[str, object]) -> dict[str, object]:
    return {
        "Uuid": ["4cf6ea1b-3b5c-4cd6-9e0f-b1a5e4f1c001"],
        "MessageId": "<br-att-1@customer.example>",
        "InReplyTo": None,
        "From": {"Name": "Céline Dupont", "Address": "celine@customer.example"},
        "To": [{"Name": None, "Address": "support@mailroom.example"}],
        "Cc": [
            {"Name": "Marc Dupont", "Address": "marc@customer.example"},
            {"Name": None, "Address": "compta@customer.example"},
        ],
        "Subject": "Facture et photo du colis",
        "RawTextBody": "Voici la facture et la photo.",
        "RawHtmlBody": "<p>Voici la facture et la photo.</p>",
        "SentAtDate": "Mon, 6 May 2024 10:00:00 +0000",
        "Attachments": list(attachments),
    }


def attachment(name: str, content_type: str, length: int, token: str) -> dict[str, object]:
    return {
        "Name": name,
        "ContentType": content_type,
        "ContentLength": length,
        "ContentID": None,
        "DownloadToken": token,
    }


def stored(store: Store, response: object) -> Email:
    results = response.json()["results"]  # type: ignore[attr-defined]
    email = store.get_email(results[0]["email_id"])
    assert email is not None
    return email


def post_brevo(client: TestClient, item: dict[str, object]) -> object:
    response = client.post(
        "/intake/brevo/support@mailroom.example", json={"items": [item]}, headers=AUTH
    )
    assert response.status_code == 200, response.text
    return response


def test_brevo_attachments_are_fetched_by_token_and_cc_is_kept(
    brevo: tuple[FakeBrevo, LoopbackServer], store: Store, settings: Settings
) -> None:
    fake, server = brevo
    client = TestClient(create_app(store, TOKEN, settings=brevo_settings(settings, server)))
    item = brevo_item(
        attachment("facture.pdf", "application/pdf", len(PDF), "dl-invoice"),
        attachment("colis.png", "image/png", len(PNG), "dl-photo"),
    )
    email = stored(store, post_brevo(client, item))
    assert email.cc_address == "marc@customer.example, compta@customer.example"
    kept = [
        (a.filename, a.content_type, a.size_bytes, a.sha256, a.missing) for a in email.attachments
    ]
    assert kept == [
        ("facture.pdf", "application/pdf", len(PDF), hashlib.sha256(PDF).hexdigest(), None),
        ("colis.png", "image/png", len(PNG), hashlib.sha256(PNG).hexdigest(), None),
    ]
    assert email.body_text == "Voici la facture et la photo."
    assert sorted(fake.fetched) == ["dl-invoice", "dl-photo"]
    assert all(r.headers.get("api-key") == API_KEY for r in server.requests)


def test_a_failed_download_keeps_the_email_and_records_the_missing_attachment(
    brevo: tuple[FakeBrevo, LoopbackServer], store: Store, settings: Settings
) -> None:
    fake, server = brevo
    fake.gone.add("dl-photo")  # Brevo no longer has it: 404, not worth a retry
    client = TestClient(create_app(store, TOKEN, settings=brevo_settings(settings, server)))
    item = brevo_item(
        attachment("facture.pdf", "application/pdf", len(PDF), "dl-invoice"),
        attachment("colis.png", "image/png", len(PNG), "dl-photo"),
    )
    email = stored(store, post_brevo(client, item))
    invoice, photo = email.attachments
    assert invoice.missing is None and invoice.sha256 == hashlib.sha256(PDF).hexdigest()
    assert (photo.filename, photo.content_type, photo.size_bytes, photo.sha256) == (
        "colis.png",
        "image/png",
        len(PNG),
        "",
    )
    assert photo.missing is not None and "404" in photo.missing
    assert "document_not_found" in photo.missing
    assert fake.fetched.count("dl-photo") == 1
    assert store.count_emails() == 1 and store.count_quarantine() == 0


def test_without_an_api_key_brevo_attachments_are_recorded_missing(
    store: Store, settings: Settings
) -> None:
    client = TestClient(create_app(store, TOKEN, settings=settings))
    item = brevo_item(attachment("facture.pdf", "application/pdf", len(PDF), "dl-invoice"))
    (only,) = stored(store, post_brevo(client, item)).attachments
    assert only.filename == "facture.pdf" and only.size_bytes == len(PDF)
    assert only.missing is not None and "MAILROOM_BREVO_API_KEY" in only.missing


def test_brevo_downloads_are_retried_on_transient_failures(
    brevo: tuple[FakeBrevo, LoopbackServer],
) -> None:
    fake, server = brevo
    waits: list[float] = []
    client = BrevoInboundAttachments(
        API_KEY, f"{server.url}/v3", backoff=Backoff(attempts=3), sleep=waits.append
    )
    fake.failures["dl-invoice"] = 2
    assert client.download("dl-invoice") == PDF
    assert fake.fetched == ["dl-invoice"] * 3 and len(waits) == 2
    fake.failures["dl-photo"] = 3  # more failures than attempts: the error surfaces
    with pytest.raises(ServerError, match="503"):
        client.download("dl-photo")
    assert fake.fetched.count("dl-photo") == 3
    with pytest.raises(AuthenticationError):
        BrevoInboundAttachments("wrong", f"{server.url}/v3", sleep=waits.append).download(
            "dl-invoice"
        )
    client.close()


def test_a_redelivered_brevo_webhook_stores_the_email_once(
    brevo: tuple[FakeBrevo, LoopbackServer], store: Store, settings: Settings
) -> None:
    fake, server = brevo
    client = TestClient(create_app(store, TOKEN, settings=brevo_settings(settings, server)))
    item = brevo_item(attachment("facture.pdf", "application/pdf", len(PDF), "dl-invoice"))
    first = post_brevo(client, item).json()["results"][0]  # type: ignore[attr-defined]
    again = post_brevo(client, item).json()["results"][0]  # type: ignore[attr-defined]
    assert (first["status"], again["status"]) == ("ingested", "duplicate")
    assert first["email_id"] == again["email_id"] and store.count_emails() == 1
    assert fake.fetched == ["dl-invoice"], "the redelivery downloaded its attachment again"


def sendgrid_form(count: int) -> dict[str, str]:
    headers = (
        "Received: by mx.sendgrid.net\nFrom: Bob <bob@customer.example>\n"
        "To: support@mailroom.example\nCc: Alice <alice@customer.example>, ops@customer.example\n"
        "Subject: Broken item\nMessage-ID: <sg-att-1@customer.example>\n"
        "Content-Type: multipart/mixed; boundary=xYzZY\n"
    )
    pdf = {"filename": "receipt.pdf", "name": "receipt.pdf", "type": "application/pdf"}
    png = {"filename": "damage.png", "name": "damage.png", "type": "image/png", "content-id": "i1"}
    info = {"attachment1": pdf, "attachment2": png}
    return {
        "headers": headers,
        "text": "The item arrived broken, photo and receipt attached.",
        "from": "Bob <bob@customer.example>",
        "to": "support@mailroom.example",
        "cc": "Alice <alice@customer.example>, ops@customer.example",
        "subject": "Broken item",
        "envelope": json.dumps(
            {"to": ["support@mailroom.example"], "from": "bob@customer.example"}
        ),
        "charsets": json.dumps({"text": "utf-8", "subject": "UTF-8"}),
        "attachments": str(count),
        "attachment-info": json.dumps(info),
    }


def test_sendgrid_parsed_form_keeps_two_attachments_and_cc(store: Store) -> None:
    client = TestClient(create_app(store, TOKEN))
    response = client.post(
        "/intake/sendgrid/support@mailroom.example",
        data=sendgrid_form(2),
        files={
            "attachment1": ("receipt.pdf", PDF, "application/pdf"),
            "attachment2": ("damage.png", PNG, "image/png"),
        },
        headers=AUTH,
    )
    assert response.status_code == 200, response.text
    email = stored(store, response)
    assert email.cc_address == "alice@customer.example, ops@customer.example"
    assert [(a.filename, a.content_type, a.size_bytes, a.sha256) for a in email.attachments] == [
        ("receipt.pdf", "application/pdf", len(PDF), hashlib.sha256(PDF).hexdigest()),
        ("damage.png", "image/png", len(PNG), hashlib.sha256(PNG).hexdigest()),
    ]
    assert email.body_text == "The item arrived broken, photo and receipt attached."


def test_a_sendgrid_attachment_announced_but_absent_is_recorded_missing(store: Store) -> None:
    client = TestClient(create_app(store, TOKEN))
    response = client.post(
        "/intake/sendgrid/support@mailroom.example",
        data=sendgrid_form(2),
        files={"attachment1": ("receipt.pdf", PDF, "application/pdf")},
        headers=AUTH,
    )
    assert response.status_code == 200, response.text
    receipt, damage = stored(store, response).attachments
    assert receipt.missing is None and receipt.size_bytes == len(PDF)
    assert (damage.filename, damage.content_type) == ("damage.png", "image/png")
    assert damage.missing is not None and "attachment2" in damage.missing


def test_sendgrid_raw_mime_keeps_its_attachments_and_cc(store: Store) -> None:
    message = EmailMessage()
    message["From"] = "Bob <bob@customer.example>"
    message["To"] = "support@mailroom.example"
    message["Cc"] = "Alice <alice@customer.example>"
    message["Subject"] = "Raw with files"
    message["Message-ID"] = "<sg-raw-att@customer.example>"
    message.set_content("See attached.")
    message.add_attachment(PDF, maintype="application", subtype="pdf", filename="receipt.pdf")
    message.add_attachment(PNG, maintype="image", subtype="png", filename="damage.png")
    client = TestClient(create_app(store, TOKEN))
    response = client.post(
        "/intake/sendgrid/support@mailroom.example",
        data={"email": message.as_bytes().decode(), "to": "support@mailroom.example"},
        headers=AUTH,
    )
    email = stored(store, response)
    assert email.cc_address == "alice@customer.example"
    assert [(a.filename, a.size_bytes) for a in email.attachments] == [
        ("receipt.pdf", len(PDF)),
        ("damage.png", len(PNG)),
    ]


def test_cc_and_attachment_names_are_encrypted_at_rest(
    brevo: tuple[FakeBrevo, LoopbackServer], tmp_path: Path, settings: Settings
) -> None:
    _, server = brevo
    path = tmp_path / "sealed.db"
    store = SQLiteStore(path, FieldCipher(parse_key(new_key()), []))
    store.setup()
    try:
        client = TestClient(create_app(store, TOKEN, settings=brevo_settings(settings, server)))
        item = brevo_item(attachment("Quillingtonfacture.pdf", "application/pdf", 9, "dl-invoice"))
        item["Cc"] = [{"Name": "Marc", "Address": "wobblefritzmarc@customer.example"}]
        email = stored(store, post_brevo(client, item))
        assert email.cc_address == "wobblefritzmarc@customer.example"
        assert email.attachments[0].filename == "Quillingtonfacture.pdf"
    finally:
        store.close()
    on_disk = raw_database_bytes(path)
    assert b"wobblefritzmarc" not in on_disk and b"quillingtonfacture" not in on_disk
