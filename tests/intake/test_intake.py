"""The intake web service: provider webhooks are authenticated, stored once, answered 2xx only
after the store has them, and start the workflows that listen to that provider."""

from __future__ import annotations

import base64
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from starlette.testclient import TestClient

from engine.http.intake import create_app
from engine.mail.triggers import trigger_nodes
from engine.seed import DEFAULT_WORKFLOW_ID
from engine.settings import Settings
from engine.store.base import Store
from engine.store.sqlite import SQLiteStore

TOKEN = "intake-s3cret"
RAW = (
    b"From: Anna <anna@customer.example>\r\nTo: support@mailroom.example\r\n"
    b"Subject: Refund please\r\nMessage-ID: <sg-1@customer.example>\r\n\r\nI want a refund.\r\n"
)


def basic(password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"sendgrid:{password}".encode()).decode()}


def listen_on(store: Store, source: str) -> None:
    """Point the default workflow's trigger at a pushed source."""
    workflow = store.get_workflow(DEFAULT_WORKFLOW_ID)
    node = trigger_nodes(workflow)[0]
    node.config = {**node.config, "source": source, "mailbox": "support@mailroom.example"}
    store.save_workflow(workflow)
    from engine.models import WorkflowStatus

    store.set_workflow_status(DEFAULT_WORKFLOW_ID, WorkflowStatus.ACTIVE)


def test_without_a_token_setting_every_webhook_is_refused(store: Store) -> None:
    client = TestClient(create_app(store, None))
    response = client.post(
        "/intake/sendgrid/support@mailroom.example", files={"email": (None, RAW)}
    )
    assert response.status_code == 503
    assert store.count_emails() == 0


def test_a_wrong_or_missing_token_is_refused(store: Store) -> None:
    client = TestClient(create_app(store, TOKEN))
    url = "/intake/sendgrid/support@mailroom.example"
    assert client.post(url, files={"email": (None, RAW)}).status_code == 401
    assert client.post(url, files={"email": (None, RAW)}, headers=basic("nope")).status_code == 401
    assert client.post(url + "?token=nope", files={"email": (None, RAW)}).status_code == 401
    assert store.count_emails() == 0


def test_sendgrid_raw_mime_is_stored_once_and_starts_the_workflow(store: Store) -> None:
    listen_on(store, "sendgrid")
    client = TestClient(create_app(store, TOKEN))
    url = "/intake/sendgrid/support@mailroom.example"
    first = client.post(
        url, data={"email": RAW.decode(), "to": "support@mailroom.example"}, headers=basic(TOKEN)
    )
    assert first.status_code == 200
    (result,) = first.json()["results"]
    assert result["status"] == "ingested"
    email = store.get_email(result["email_id"])
    assert email is not None and email.source == "sendgrid" and email.subject == "Refund please"
    again = client.post(url + f"?token={TOKEN}", data={"email": RAW.decode()})
    assert again.json()["results"][0]["status"] == "duplicate"
    assert store.count_emails() == 1
    assert sum(store.count_executions_by_status().values()) == 1


def test_sendgrid_parsed_fields_are_rebuilt_into_a_message(store: Store) -> None:
    client = TestClient(create_app(store, TOKEN))
    headers = (
        "Received: by mx.sendgrid.net\nFrom: Bob <bob@customer.example>\n"
        "To: support@mailroom.example\n"
        "Subject: Login broken\nMessage-ID: <sg-2@customer.example>\nIn-Reply-To: <x@y>\n"
        "Content-Type: multipart/alternative; boundary=zzz\n"
    )
    response = client.post(
        "/intake/sendgrid/support@mailroom.example",
        data={
            "headers": headers,
            "text": "I cannot log in.",
            "html": "<p>I cannot <b>log in</b>.</p><script>x()</script>",
            "from": "Bob <bob@customer.example>",
            "subject": "Login broken",
            "charsets": '{"text":"utf-8"}',
        },
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert response.status_code == 200, response.text
    email = store.get_email(response.json()["results"][0]["email_id"])
    assert email is not None
    assert (email.from_address, email.message_id, email.in_reply_to) == (
        "bob@customer.example",
        "<sg-2@customer.example>",
        "<x@y>",
    )
    assert email.body_text == "I cannot log in."
    assert email.body_html is not None and "script" not in email.body_html


def test_brevo_items_are_each_accounted_for(store: Store) -> None:
    listen_on(store, "brevo")
    client = TestClient(create_app(store, TOKEN))
    payload = {
        "items": [
            {
                "Uuid": ["a"],
                "MessageId": "<br-1@customer.example>",
                "InReplyTo": None,
                "From": {"Name": "Céline", "Address": "celine@customer.example"},
                "To": [{"Name": None, "Address": "support@mailroom.example"}],
                "Subject": "Colis abîmé",
                "RawHtmlBody": "<p>Le colis est abîmé</p>",
                "RawTextBody": "Le colis est abîmé",
                "SentAtDate": "Mon, 6 May 2024 10:00:00 +0000",
                "Headers": {"X-Mailer": "Thunderbird"},
            },
            {
                "Uuid": ["b"],
                "MessageId": "<br-2@customer.example>",
                "From": {"Name": "", "Address": ""},
                "To": [],
                "Subject": "no sender",
                "RawTextBody": "?",
            },
            {
                "Uuid": ["c"],
                "MessageId": "<br-3@customer.example>",
                "From": {"Address": "mailer-daemon@mx.example"},
                "Subject": "Undeliverable: hi",
                "RawTextBody": "failed",
                "Headers": {"Auto-Submitted": "auto-replied"},
            },
        ]
    }
    response = client.post(
        "/intake/brevo/support@mailroom.example",
        json=payload,
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert response.status_code == 200, response.text
    statuses = [r["status"] for r in response.json()["results"]]
    assert statuses == ["ingested", "quarantined", "ingested"]
    assert store.count_quarantine() == 1
    # The bounce is stored but starts nothing: it must never be answered.
    assert sum(store.count_executions_by_status().values()) == 1
    bad = client.post(
        "/intake/brevo/support@mailroom.example",
        content=b"not json",
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert bad.status_code == 400


def test_python_m_engine_intake_serves_over_http(tmp_path: Path, settings: Settings) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **os.environ,
        "MAILROOM_DATA_DIR": str(settings.data_dir),
        "MAILROOM_INTAKE_TOKEN": TOKEN,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "engine", "intake", "--port", str(port)],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            for _ in range(300):
                try:
                    if client.get("/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.1)
            else:
                pytest.fail("the intake service did not start")
            response = client.post(
                "/intake/sendgrid/support@mailroom.example",
                data={"email": RAW.decode()},
                auth=("sendgrid", TOKEN),
            )
            assert response.status_code == 200
            assert response.json()["results"][0]["status"] == "ingested"
    finally:
        process.terminate()
        process.wait(timeout=20)
    store = SQLiteStore(settings.database_file)
    try:
        assert store.count_emails() == 1
    finally:
        store.close()
