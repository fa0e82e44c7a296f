"""Gmail push: ``users.watch`` set up at a worker's first poll and renewed when due, a Pub/Sub
push that syncs the mailbox by history id at once, and mail that comes both by push and by poll
stored and started once; against the loopback Gmail of ``test_gmail``, which here also answers
``POST users/me/watch`` as the Gmail API documents it."""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from pydantic import SecretStr, ValidationError
from starlette.testclient import TestClient

from engine.adapters import build_providers
from engine.http.intake import create_app, gmail_syncer
from engine.mail.push import push_state_key
from engine.mail.triggers import cursor_key, poll_trigger, trigger_nodes
from engine.models import Workflow, WorkflowNode, WorkflowStatus
from engine.seed import DEFAULT_WORKFLOW_ID
from engine.settings import Settings, SettingsError, load_settings
from engine.store.base import Store
from engine.worker import Worker
from providers.email.gmail import GmailWatch
from tests.loopback_http import LoopbackServer, Reply, Request, loopback_server
from tests.providers.email.test_gmail import FakeGmail, mail

TOPIC = "projects/acme-support/topics/mailroom-gmail"
MAILBOX = "support@example.com"
T0 = datetime(2024, 5, 6, 9, 0, tzinfo=UTC)


class FakeGmailWithWatch(FakeGmail):
    """``users.watch``: the topic must be a full Pub/Sub name; the answer carries the current
    historyId and the expiration in epoch milliseconds, ``lifetime`` after ``now``."""

    def __init__(self) -> None:
        super().__init__()
        self.watches: list[dict[str, Any]] = []
        self.now = T0
        self.lifetime = timedelta(days=7)
        self.watch_error: Reply | None = None
        self.stops = 0

    def handle(self, request: Request) -> Reply:
        path = urlsplit(request.path).path.removeprefix("/gmail/v1/users/me")
        if path not in ("/watch", "/stop") or request.method != "POST":
            return super().handle(request)
        if request.headers.get("authorization", "").removeprefix("Bearer ") not in self.tokens:
            return Reply(401, {"error": {"code": 401, "status": "UNAUTHENTICATED"}})
        if path == "/stop":  # users.stop: an empty answer
            self.stops += 1
            return Reply(204)
        if self.watch_error is not None:
            return self.watch_error
        body = request.json()
        if not str(body.get("topicName", "")).startswith("projects/"):
            return Reply(400, {"error": {"code": 400, "message": "Invalid topicName"}})
        self.watches.append(body)
        expiration = int((self.now + self.lifetime).timestamp() * 1000)
        return Reply(200, {"historyId": str(self.history_id), "expiration": str(expiration)})


@pytest.fixture
def gmail() -> Iterator[tuple[FakeGmailWithWatch, LoopbackServer]]:
    fake = FakeGmailWithWatch()
    with loopback_server(fake.handle) as server:
        yield fake, server


def push_settings(
    settings: Settings, server: LoopbackServer, topic: str | None = TOPIC
) -> Settings:
    return settings.model_copy(
        update={
            "gmail_client_id": "cid",
            "gmail_client_secret": SecretStr("cs"),
            "gmail_refresh_token": SecretStr("rt"),
            "gmail_api_base": f"{server.url}/gmail/v1",
            "gmail_token_url": f"{server.url}/token",
            "gmail_push_topic": topic,
        }
    )


def gmail_trigger(store: Store, label: str = "INBOX") -> tuple[Workflow, WorkflowNode]:
    workflow = store.get_workflow(DEFAULT_WORKFLOW_ID)
    assert workflow is not None
    node = trigger_nodes(workflow)[0]
    node.config = {**node.config, "source": "gmail", "mailbox": MAILBOX, "gmail_label": label}
    store.save_workflow(workflow)
    store.set_workflow_status(DEFAULT_WORKFLOW_ID, WorkflowStatus.ACTIVE)
    saved = store.get_workflow(DEFAULT_WORKFLOW_ID)
    assert saved is not None
    return saved, trigger_nodes(saved)[0]


def stored_watch(store: Store) -> GmailWatch | None:
    return GmailWatch.loads(store.get_cursor(push_state_key(MAILBOX)))


def test_the_watch_is_set_up_at_worker_start_and_renewed_when_due(
    gmail: tuple[FakeGmailWithWatch, LoopbackServer], store: Store, settings: Settings
) -> None:
    fake, server = gmail
    configured = push_settings(settings, server)
    providers = build_providers(configured)
    workflow, node = gmail_trigger(store, label="Label_7")
    clock = [T0]
    worker = Worker(store, providers, configured, worker_id="w1", clock=lambda: clock[0])
    worker.poll_triggers()  # a worker's first poll runs as it starts
    assert fake.watches == [
        {"topicName": TOPIC, "labelIds": ["Label_7"], "labelFilterBehavior": "include"}
    ]
    watch = stored_watch(store)
    assert watch is not None and watch.history_id == str(fake.history_id)
    assert watch.expiration == T0 + timedelta(days=7) and watch.renewed_at == T0

    def poll_at(moment: datetime) -> None:
        clock[0] = fake.now = moment
        poll_trigger(store, providers, workflow, node, "w1", clock=lambda: moment)

    poll_at(T0 + timedelta(hours=23))
    assert len(fake.watches) == 1  # not due: less than a day old, days from expiring
    poll_at(T0 + timedelta(days=1))
    assert len(fake.watches) == 2  # Google recommends renewing daily
    renewed = stored_watch(store)
    assert renewed is not None and renewed.expiration == T0 + timedelta(days=8)

    fake.lifetime = timedelta(hours=20)  # a watch that expires sooner than a day
    poll_at(T0 + timedelta(days=2))
    assert len(fake.watches) == 3
    poll_at(T0 + timedelta(days=2, hours=1))
    assert len(fake.watches) == 4  # within a day of its expiration: renewed at once


def test_a_changed_label_is_watched_again_and_no_topic_means_no_watch(
    gmail: tuple[FakeGmailWithWatch, LoopbackServer], store: Store, settings: Settings
) -> None:
    fake, server = gmail
    providers = build_providers(push_settings(settings, server))
    workflow, node = gmail_trigger(store)
    poll_trigger(store, providers, workflow, node, "w1", clock=lambda: T0)
    workflow, node = gmail_trigger(store, label="Label_9")
    poll_trigger(store, providers, workflow, node, "w1", clock=lambda: T0 + timedelta(minutes=1))
    assert [w["labelIds"] for w in fake.watches] == [["INBOX"], ["Label_9"]]

    unpushed = build_providers(push_settings(settings, server, topic=None))
    poll_trigger(store, unpushed, workflow, node, "w1", clock=lambda: T0 + timedelta(days=3))
    assert len(fake.watches) == 2
    # The topic unset: the watch on record is stopped (users.stop) once, and forgotten.
    assert fake.stops == 1 and stored_watch(store) is None
    poll_trigger(store, unpushed, workflow, node, "w1", clock=lambda: T0 + timedelta(days=4))
    assert fake.stops == 1 and len(fake.watches) == 2


def test_a_refused_watch_never_stops_the_polling(
    gmail: tuple[FakeGmailWithWatch, LoopbackServer],
    store: Store,
    settings: Settings,
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake, server = gmail
    fake.watch_error = Reply(
        403,
        {"error": {"code": 403, "message": "User not authorized to perform this action.",
                   "status": "PERMISSION_DENIED"}},
    )  # fmt: skip
    providers = build_providers(push_settings(settings, server))
    workflow, node = gmail_trigger(store)
    poll_trigger(store, providers, workflow, node, "w1", clock=lambda: T0)
    fake.deliver(mail(1))
    with caplog.at_level(logging.WARNING, logger="engine.mail.push"):
        result = poll_trigger(store, providers, workflow, node, "w1", clock=lambda: T0)
    assert result.ingested == 1
    assert stored_watch(store) is None
    assert "not renewed" in caplog.text and "not authorized" in caplog.text
    fake.watch_error = None
    poll_trigger(store, providers, workflow, node, "w1", clock=lambda: T0)
    assert stored_watch(store) is not None  # tried again at the next poll


def pubsub_push(fake: FakeGmail, address: str = MAILBOX) -> dict[str, Any]:
    """The JSON Pub/Sub POSTs to a push endpoint: ``message.data`` is base64 of Gmail's
    ``{"emailAddress", "historyId"}``."""
    data = json.dumps({"emailAddress": address, "historyId": fake.history_id}).encode()
    return {
        "message": {
            "data": base64.b64encode(data).decode(),
            "messageId": "2070443601311540",
            "message_id": "2070443601311540",
            "publishTime": "2024-05-06T10:00:00.123Z",
            "publish_time": "2024-05-06T10:00:00.123Z",
        },
        "subscription": "projects/acme-support/subscriptions/mailroom-push",
    }


def test_a_push_fetches_the_history_since_the_stored_history_id_and_mail_arrives_once(
    gmail: tuple[FakeGmailWithWatch, LoopbackServer], store: Store, settings: Settings
) -> None:
    fake, server = gmail
    configured = push_settings(settings, server)
    providers = build_providers(configured)
    workflow, node = gmail_trigger(store)
    worker = Worker(store, providers, configured, worker_id="w1", clock=lambda: T0)
    worker.poll_triggers()  # the cursor starts at the mailbox's current history id
    start = store.get_cursor(cursor_key(workflow.workflow_id, node.node_id))
    client = TestClient(create_app(store, "tok", gmail_syncer(store, configured)))

    fake.deliver(mail(1))
    response = client.post("/intake/gmail?token=tok", json=pubsub_push(fake))
    assert response.status_code == 200 and response.json() == {"stored": 1}
    histories = [r.path for r in server.requests if urlsplit(r.path).path.endswith("/history")]
    history = histories[-1]
    assert parse_qs(urlsplit(history).query)["startHistoryId"] == [str(start).rpartition(":")[2]]

    # Pub/Sub delivers at least once, and the worker polls at its interval as well.
    again = client.post("/intake/gmail?token=tok", json=pubsub_push(fake))
    assert again.status_code == 200 and again.json() == {"stored": 0}
    worker.poll_triggers()
    # A crash before the cursor was saved: the same history is read again.
    store.set_cursor(cursor_key(workflow.workflow_id, node.node_id), str(start))
    assert client.post("/intake/gmail?token=tok", json=pubsub_push(fake)).json() == {"stored": 0}
    assert store.count_emails() == 1
    assert sum(store.count_executions_by_status().values()) == 1


def test_a_push_while_a_worker_polls_is_delivered_again_and_stored_once(
    gmail: tuple[FakeGmailWithWatch, LoopbackServer], store: Store, settings: Settings
) -> None:
    fake, server = gmail
    configured = push_settings(settings, server)
    providers = build_providers(configured)
    workflow, node = gmail_trigger(store)
    poll_trigger(store, providers, workflow, node, "w1", clock=lambda: T0)
    client = TestClient(create_app(store, "tok", gmail_syncer(store, configured)))
    fake.deliver(mail(2))
    lease = f"poll:{workflow.workflow_id}:{node.node_id}"
    now = datetime.now(UTC)
    assert store.acquire_lease(lease, "w1", now + timedelta(minutes=5), now)
    busy = client.post("/intake/gmail?token=tok", json=pubsub_push(fake))
    assert busy.status_code == 503  # Pub/Sub redelivers: the worker's fetch may predate it
    assert "polling" in busy.json()["error"]
    store.release_lease(lease, "w1")
    redelivered = client.post("/intake/gmail?token=tok", json=pubsub_push(fake))
    assert redelivered.json() == {"stored": 1}
    assert poll_trigger(store, providers, workflow, node, "w1").ingested == 0
    assert store.count_emails() == 1
    assert sum(store.count_executions_by_status().values()) == 1


def test_a_malformed_topic_is_refused_with_the_expected_form(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for bad in ("mailroom-gmail", "projects/Acme/topics/x", "projects/acme-support/topics/goog1"):
        with pytest.raises(ValidationError, match=r"projects/<project-id>/topics/<topic>"):
            Settings(gmail_push_topic=bad)
    monkeypatch.setenv("MAILROOM_GMAIL_PUSH_TOPIC", "topics/mailroom")
    with pytest.raises(SettingsError, match=r"MAILROOM_GMAIL_PUSH_TOPIC: .*projects/<project-id>"):
        load_settings()
    monkeypatch.setenv("MAILROOM_GMAIL_PUSH_TOPIC", TOPIC)
    assert load_settings().gmail_push_topic == TOPIC
    assert Settings(gmail_push_topic="").gmail_push_topic is None
