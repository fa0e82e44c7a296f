"""Gmail: incremental sync by history id and replies on the Gmail thread, against a loopback
server that speaks the documented Gmail v1 REST and Google OAuth token formats."""

from __future__ import annotations

import base64
import itertools
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from urllib.parse import parse_qs, urlsplit

import pytest
from pydantic import SecretStr

from engine.adapters import build_providers
from engine.mail.inbound import store_email
from engine.mail.triggers import poll_trigger, trigger_nodes
from engine.seed import DEFAULT_WORKFLOW_ID
from engine.settings import Settings
from engine.store.base import Store
from providers.email.base import OutgoingEmail
from providers.email.gmail import GmailApi, GmailSender, GmailSource
from providers.errors import (
    AuthenticationError,
    BadRequestError,
    ProviderConfigError,
    RateLimitedError,
)
from tests.loopback_http import LoopbackServer, Reply, Request, loopback_server
from tests.providers.email.crash_window import (
    CrashAfterSend,
    CrashBeforeSend,
    crash_then_retry,
    customer_email,
)


def mail(n: int, sender: str = "anna@customer.example") -> bytes:
    return (
        f"From: {sender}\r\nTo: support@example.com\r\nSubject: Gmail {n}\r\n"
        f"Message-ID: <gmail-{n}@customer.example>\r\n\r\nBody {n}\r\n"
    ).encode()


@dataclass
class FakeGmail:
    """The state behind the loopback Gmail: messages, history records, tokens."""

    messages: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    history: list[tuple[int, str]] = field(default_factory=list)
    history_id: int = 1000
    oldest_history: int = 0
    tokens: set[str] = field(default_factory=set)
    sent: list[dict[str, str]] = field(default_factory=list)
    issued: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    #: Labels of the messages that have other labels than INBOX (SENT, DRAFT, TRASH).
    labels: dict[str, list[str]] = field(default_factory=dict)

    def search(self, q: str, include_spam_trash: bool) -> dict[str, object]:
        """``users.messages.list`` with ``q``: only the ``rfc822msgid:`` operator is modelled."""
        term, _, wanted = q.partition(":")
        assert term == "rfc822msgid" and " " not in wanted, f"query not modelled: {q!r}"
        found = []
        for message_id, (raw, thread) in self.messages.items():
            header = message_from_bytes(raw, policy=policy.default)["Message-ID"] or ""
            if header.strip("<> ") != wanted.strip("<> "):
                continue
            if "TRASH" in self.labels.get(message_id, []) and not include_spam_trash:
                continue
            found.append({"id": message_id, "threadId": thread})
        return (
            {"messages": found, "resultSizeEstimate": len(found)}
            if found
            else {"resultSizeEstimate": 0}
        )

    def deliver(self, raw: bytes, thread_id: str | None = None) -> str:
        self.history_id += 7
        message_id = f"m{self.history_id:x}"
        self.messages[message_id] = (raw, thread_id or f"t{self.history_id:x}")
        self.history.append((self.history_id, message_id))
        return message_id

    def handle(self, request: Request) -> Reply:
        url = urlsplit(request.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        if url.path == "/token":
            form = {k: v[0] for k, v in parse_qs(request.body.decode()).items()}
            if form.get("refresh_token") != "rt" or form.get("grant_type") != "refresh_token":
                return Reply(400, {"error": "invalid_grant", "error_description": "Bad Request"})
            token = f"at-{next(self.issued)}"
            self.tokens.add(token)
            return Reply(200, {"access_token": token, "expires_in": 3599, "token_type": "Bearer"})
        if request.headers.get("authorization", "").removeprefix("Bearer ") not in self.tokens:
            return Reply(
                401,
                {
                    "error": {
                        "code": 401,
                        "message": "Invalid Credentials",
                        "status": "UNAUTHENTICATED",
                    }
                },
            )
        path = url.path.removeprefix("/gmail/v1/users/me")
        if path == "/profile":
            return Reply(
                200,
                {
                    "emailAddress": "support@example.com",
                    "messagesTotal": len(self.messages),
                    "threadsTotal": len(self.messages),
                    "historyId": str(self.history_id),
                },
            )
        if path == "/history":
            start = int(query["startHistoryId"])
            if start < self.oldest_history:
                return Reply(
                    404,
                    {
                        "error": {
                            "code": 404,
                            "message": "Requested entity was not found.",
                            "status": "NOT_FOUND",
                        }
                    },
                )
            records = [(h, m) for h, m in self.history if h > start]
            offset, size = int(query.get("pageToken", 0)), int(query.get("maxResults", 100))
            page = records[offset : offset + size]
            body: dict[str, object] = {"historyId": str(self.history_id)}
            if page:
                body["history"] = [
                    {
                        "id": str(h),
                        "messages": [{"id": m, "threadId": self.messages[m][1]}],
                        "messagesAdded": [
                            {
                                "message": {
                                    "id": m,
                                    "threadId": self.messages[m][1],
                                    "labelIds": ["INBOX", "UNREAD"],
                                }
                            }
                        ],
                    }
                    for h, m in page
                ]
            if offset + size < len(records):
                body["nextPageToken"] = str(offset + size)
            return Reply(200, body)
        if path == "/messages" and request.method == "GET" and "q" in query:
            return Reply(200, self.search(query["q"], query.get("includeSpamTrash") == "true"))
        if path == "/messages" and request.method == "GET":
            newest = sorted(self.history, reverse=True)[: int(query.get("maxResults", 100))]
            return Reply(
                200,
                {
                    "messages": [{"id": m, "threadId": self.messages[m][1]} for _, m in newest],
                    "resultSizeEstimate": len(newest),
                },
            )
        if path.startswith("/messages/") and request.method == "GET":
            message_id = path.removeprefix("/messages/")
            if message_id not in self.messages:
                return Reply(
                    404, {"error": {"code": 404, "message": "Requested entity was not found."}}
                )
            raw, thread = self.messages[message_id]
            resource = {
                "id": message_id,
                "threadId": thread,
                "labelIds": self.labels.get(message_id, ["INBOX"]),
                "snippet": "",
                "internalDate": "1715000000000",
                "sizeEstimate": len(raw),
            }
            if query.get("format") == "raw":
                resource["raw"] = base64.urlsafe_b64encode(raw).decode().rstrip("=")
            return Reply(200, resource)
        if path == "/messages/send" and request.method == "POST":
            sent = json.loads(request.body)
            self.sent.append(sent)
            # What was sent is kept in the mailbox, labelled SENT, as Gmail does.
            sent_id = f"s{len(self.sent)}"
            raw = base64.urlsafe_b64decode(sent["raw"] + "==")
            self.messages[sent_id] = (raw, sent.get("threadId", f"t{sent_id}"))
            self.labels[sent_id] = ["SENT"]
            return Reply(
                200,
                {
                    "id": sent_id,
                    "threadId": sent.get("threadId", "tnew"),
                    "labelIds": ["SENT"],
                },
            )
        return Reply(404, {"error": {"code": 404}})


@pytest.fixture
def gmail() -> Iterator[tuple[FakeGmail, LoopbackServer]]:
    fake = FakeGmail()
    with loopback_server(fake.handle) as server:
        yield fake, server


def api(server: LoopbackServer, refresh_token: str = "rt") -> GmailApi:
    return GmailApi(
        client_id="cid",
        client_secret="cs",
        refresh_token=refresh_token,
        api_base=f"{server.url}/gmail/v1",
        token_url=f"{server.url}/token",
    )


def test_incremental_sync_by_history_id(gmail: tuple[FakeGmail, LoopbackServer]) -> None:
    fake, server = gmail
    fake.deliver(mail(0))  # before Mailroom was connected: left to `ingest`
    source = GmailSource(api(server), mailbox="support@example.com")
    first = source.fetch(None, 10)
    assert first.emails == [] and first.next_cursor == f"gmail:v1:{fake.history_id}"
    for n in range(1, 6):
        fake.deliver(mail(n))
    fake.deliver(b"Subject: no sender\r\n\r\nx\r\n")
    batches: list[tuple[list[str], int]] = []
    cursor: str | None = first.next_cursor
    for _ in range(5):
        result = source.fetch(cursor, 2)
        batches.append(([e.message_id for e in result.emails], len(result.rejected)))
        cursor = result.next_cursor
    assert batches == [
        (["<gmail-1@customer.example>", "<gmail-2@customer.example>"], 0),
        (["<gmail-3@customer.example>", "<gmail-4@customer.example>"], 0),
        (["<gmail-5@customer.example>"], 1),
        ([], 0),
        ([], 0),
    ]
    assert cursor == f"gmail:v1:{fake.history_id}"
    source.close()


def test_expired_history_resyncs_from_the_newest_messages(
    gmail: tuple[FakeGmail, LoopbackServer], store: Store
) -> None:
    fake, server = gmail
    source = GmailSource(api(server), mailbox="support@example.com")
    cursor = source.fetch(None, 10).next_cursor
    fake.deliver(mail(1))
    for email in source.fetch(cursor, 10).emails:
        store_email(store, email)
    fake.deliver(mail(2))
    fake.oldest_history = fake.history_id + 1  # Gmail forgot everything before now
    result = source.fetch(cursor, 10)
    stored = [store_email(store, e)[1] for e in result.emails]
    assert sorted(e.message_id for e in result.emails) == [
        "<gmail-1@customer.example>",
        "<gmail-2@customer.example>",
    ]
    assert sorted(stored) == [False, True]
    assert result.next_cursor == f"gmail:v1:{fake.history_id}"
    source.close()


def test_replies_are_sent_on_the_gmail_thread(
    gmail: tuple[FakeGmail, LoopbackServer], store: Store
) -> None:
    fake, server = gmail
    source = GmailSource(api(server), mailbox="support@example.com")
    cursor = source.fetch(None, 10).next_cursor
    fake.deliver(mail(7), thread_id="thread-abc")
    (inbound,) = source.fetch(cursor, 10).emails
    email, _ = store_email(store, inbound)
    assert email.provider_thread_id == "thread-abc"
    receipt = GmailSender(api(server)).send(
        OutgoingEmail(
            message_id="<r1@example.com>",
            from_address="support@example.com",
            to_address=email.from_address,
            subject=email.subject,
            body_text="On it.",
            in_reply_to=email.message_id,
            references=[email.message_id],
            provider_thread_id=email.provider_thread_id,
        )
    )
    assert receipt.provider_message_id == "s1"
    (sent,) = fake.sent
    assert sent["threadId"] == "thread-abc"
    message = message_from_bytes(base64.urlsafe_b64decode(sent["raw"]), policy=policy.default)
    assert message["In-Reply-To"] == "<gmail-7@customer.example>"
    assert message["Subject"] == "Re: Gmail 7"
    source.close()


def test_tokens_are_renewed_on_401_and_bad_credentials_are_a_config_error(
    gmail: tuple[FakeGmail, LoopbackServer],
) -> None:
    fake, server = gmail
    client = api(server)
    assert client.call("GET", "/profile").status_code == 200
    fake.tokens.clear()  # revoked
    assert client.call("GET", "/profile").status_code == 200
    assert len(fake.tokens) == 1
    with pytest.raises(ProviderConfigError, match="invalid_grant"):
        api(server, refresh_token="wrong").call("GET", "/profile")
    client.close()


@pytest.mark.parametrize(
    ("reply", "error"),
    [
        (Reply(403, {"error": {"code": 403, "errors": [{"reason": "rateLimitExceeded"}]}}),
         RateLimitedError),
        (Reply(403, {"error": {"code": 403, "errors": [{"reason": "userRateLimitExceeded"}]}}),
         RateLimitedError),
        (Reply(429, {"error": {"code": 429}}, {"Retry-After": "2"}), RateLimitedError),
        (Reply(403, {"error": {"code": 403, "errors": [{"reason": "insufficientPermissions"}]}}),
         AuthenticationError),
        (Reply(400, {"error": {"code": 400, "message": "Invalid label"}}), BadRequestError),
    ],
)  # fmt: skip
def test_gmail_errors_are_mapped_by_what_a_retry_can_do(
    gmail: tuple[FakeGmail, LoopbackServer], reply: Reply, error: type[Exception]
) -> None:
    fake, server = gmail
    server.answer(lambda request: fake.handle(request) if request.path == "/token" else reply)
    client = api(server)
    with pytest.raises(error):
        client.call("GET", "/profile")
    client.close()


def test_a_gmail_trigger_polls_through_the_engine(
    gmail: tuple[FakeGmail, LoopbackServer], store: Store, settings: Settings
) -> None:
    fake, server = gmail
    configured = settings.model_copy(
        update={
            "gmail_client_id": "cid",
            "gmail_client_secret": SecretStr("cs"),
            "gmail_refresh_token": SecretStr("rt"),
            "gmail_api_base": f"{server.url}/gmail/v1",
            "gmail_token_url": f"{server.url}/token",
        }
    )
    providers = build_providers(configured)
    workflow = store.get_workflow(DEFAULT_WORKFLOW_ID)
    node = trigger_nodes(workflow)[0]
    node = node.model_copy(
        update={"config": {**node.config, "source": "gmail", "mailbox": "support@example.com"}}
    )
    assert poll_trigger(store, providers, workflow, node, "w1").fetched == 0
    fake.deliver(mail(1))
    fake.deliver(mail(2))
    result = poll_trigger(store, providers, workflow, node, "w1")
    assert (result.ingested, result.executions_created) == (2, 2)
    assert poll_trigger(store, providers, workflow, node, "w1").fetched == 0


def test_a_gmail_push_notification_syncs_the_mailbox_at_once(
    gmail: tuple[FakeGmail, LoopbackServer], store: Store, settings: Settings
) -> None:
    from starlette.testclient import TestClient

    from engine.http.intake import create_app, gmail_syncer
    from engine.models import WorkflowStatus

    fake, server = gmail
    configured = settings.model_copy(
        update={
            "gmail_client_id": "cid",
            "gmail_client_secret": SecretStr("cs"),
            "gmail_refresh_token": SecretStr("rt"),
            "gmail_api_base": f"{server.url}/gmail/v1",
            "gmail_token_url": f"{server.url}/token",
        }
    )
    workflow = store.get_workflow(DEFAULT_WORKFLOW_ID)
    node = trigger_nodes(workflow)[0]
    node.config = {**node.config, "source": "gmail", "mailbox": "support@example.com"}
    store.save_workflow(workflow)
    store.set_workflow_status(DEFAULT_WORKFLOW_ID, WorkflowStatus.ACTIVE)
    client = TestClient(create_app(store, "tok", gmail_syncer(store, configured)))

    def push(address: str, token: str = "tok") -> tuple[int, dict[str, object]]:
        data = base64.b64encode(
            json.dumps({"emailAddress": address, "historyId": fake.history_id}).encode()
        ).decode()
        envelope = {
            "message": {
                "data": data,
                "messageId": "136969346945",
                "publishTime": "2024-05-06T10:00:00Z",
            },
            "subscription": "projects/p/subscriptions/mailroom",
        }
        response = client.post(f"/intake/gmail?token={token}", json=envelope)
        return response.status_code, response.json()

    assert push("support@example.com") == (200, {"stored": 0})  # first sync: sets the cursor
    fake.deliver(mail(1))
    fake.deliver(mail(2))
    assert push("support@example.com") == (200, {"stored": 2})
    assert push("other@example.com") == (200, {"stored": 0})
    assert push("support@example.com", token="bad")[0] == 401
    assert client.post("/intake/gmail?token=tok", json={"message": {}}).status_code == 400
    assert store.count_emails() == 2


# --- a reply whose outcome a crash hid ----------------------------------------------------------
def gmail_settings(settings: Settings, server: LoopbackServer) -> Settings:
    return settings.model_copy(
        update={
            "email_sender": "gmail",
            "gmail_client_id": "cid",
            "gmail_client_secret": SecretStr("cs"),
            "gmail_refresh_token": SecretStr("rt"),
            "gmail_api_base": f"{server.url}/gmail/v1",
            "gmail_token_url": f"{server.url}/token",
        }
    )


def test_find_sent_searches_rfc822msgid_and_counts_only_sent_mail(
    gmail: tuple[FakeGmail, LoopbackServer],
) -> None:
    fake, server = gmail
    sender = GmailSender(api(server))
    assert sender.find_sent("<r1@example.com>") is None
    receipt = sender.send(
        OutgoingEmail(
            message_id="<r1@example.com>",
            from_address="support@example.com",
            to_address="anna@customer.example",
            subject="Hello",
            body_text="On it.",
        )
    )
    found = sender.find_sent("<r1@example.com>")
    assert found is not None and found.provider_message_id == receipt.provider_message_id
    assert sender.find_sent("r1@example.com") is not None  # brackets or not, the same id
    searches = [r.path for r in server.requests if "q=" in r.path]
    assert "q=rfc822msgid%3A%3Cr1%40example.com%3E" in searches[0]
    assert "includeSpamTrash=true" in searches[0]

    fake.labels[receipt.provider_message_id] = ["SENT", "TRASH"]  # deleted after sending
    assert sender.find_sent("<r1@example.com>") is not None
    fake.labels[receipt.provider_message_id] = ["DRAFT"]  # a draft never left
    assert sender.find_sent("<r1@example.com>") is None
    # Mail that arrived with that Message-ID is not ours to count either.
    fake.deliver(b"From: a@b.example\r\nMessage-ID: <r2@example.com>\r\nSubject: x\r\n\r\nx\r\n")
    assert sender.find_sent("<r2@example.com>") is None


def test_a_reply_sent_before_a_crash_is_found_and_not_sent_again(
    gmail: tuple[FakeGmail, LoopbackServer], store: Store, settings: Settings
) -> None:
    fake, server = gmail
    providers = build_providers(gmail_settings(settings, server))
    email = customer_email(store)
    message_id = crash_then_retry(store, providers, settings, email, CrashAfterSend)
    assert len(fake.sent) == 1  # the customer got one reply
    message = message_from_bytes(
        base64.urlsafe_b64decode(fake.sent[0]["raw"]), policy=policy.default
    )
    assert message["Message-ID"] == message_id


def test_a_reply_that_never_left_is_sent_once_after_a_crash(
    gmail: tuple[FakeGmail, LoopbackServer], store: Store, settings: Settings
) -> None:
    fake, server = gmail
    providers = build_providers(gmail_settings(settings, server))
    email = customer_email(store)
    crash_then_retry(store, providers, settings, email, CrashBeforeSend)
    assert len(fake.sent) == 1
    assert sum("rfc822msgid" in r.path for r in server.requests) == 1  # asked before sending
