"""Gmail / Google Workspace through the Gmail REST API (v1): incremental sync by history id,
and replies sent on the Gmail thread.

Push: with a Pub/Sub topic, ``renew_push`` calls ``users.watch`` (the trigger's label,
``labelFilterBehavior: include``) and again once a day, as Google recommends, or when the watch
is within a day of its expiration; Gmail then publishes ``{emailAddress, historyId}`` to the
topic on each change, and the intake's push endpoint syncs the mailbox at once.

The cursor is ``gmail:v1:<historyId>``. The first poll starts at the mailbox's current history
id (mail already there can be imported with ``python -m engine ingest``); later polls read
``users.history.list`` for messages added to the label. When Gmail no longer has that history
(HTTP 404), the source starts again from the current history id after reading the newest
messages of the label: the store's Message-ID index turns what it already had into no-ops.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from providers.checks import CheckFailed, Probe
from providers.email.base import (
    EmailSender,
    EmailSource,
    FetchResult,
    InboundEmail,
    OutgoingEmail,
    RejectedMessage,
    SendReceipt,
)
from providers.email.mime import bracketed, build_mime
from providers.email.parsing import UnparseableMessage, parse_message
from providers.errors import (
    PermanentProviderError,
    ProviderConfigError,
    TransientProviderError,
    error_for_status,
    retry_after_seconds,
)

_CURSOR_PREFIX = "gmail:v1:"
#: Google recommends calling watch once a day; a watch lasts about 7 days.
RENEW_EVERY = timedelta(days=1)


@dataclass(frozen=True)
class GmailWatch:
    """A ``users.watch`` in force: what it watches, and until when (``expiration``)."""

    topic: str
    label: str
    history_id: str
    expiration: datetime
    renewed_at: datetime

    def due(self, topic: str, label: str, now: datetime) -> bool:
        """Whether it must be (re)made now: another topic or label, a day old, or within a
        day of expiring."""
        return (
            (self.topic, self.label) != (topic, label)
            or now - self.renewed_at >= RENEW_EVERY
            or self.expiration - now <= RENEW_EVERY
        )

    def dumps(self) -> str:
        return json.dumps(
            {
                "topic": self.topic,
                "label": self.label,
                "historyId": self.history_id,
                "expiration": self.expiration.isoformat(),
                "renewedAt": self.renewed_at.isoformat(),
            }
        )

    @classmethod
    def loads(cls, text: str | None) -> GmailWatch | None:
        """The watch ``dumps`` wrote, or None for nothing or anything unreadable."""
        try:
            data = json.loads(text or "")
            return cls(
                topic=str(data["topic"]),
                label=str(data["label"]),
                history_id=str(data["historyId"]),
                expiration=datetime.fromisoformat(data["expiration"]),
                renewed_at=datetime.fromisoformat(data["renewedAt"]),
            )
        except (ValueError, KeyError, TypeError):
            return None


class GmailApi:
    """A small client of the documented REST API, with OAuth refresh-token access."""

    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        refresh_token: str,
        user: str = "me",
        api_base: str = "https://gmail.googleapis.com/gmail/v1",
        token_url: str = "https://oauth2.googleapis.com/token",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not (client_id and client_secret and refresh_token):
            raise ProviderConfigError(
                "MAILROOM_GMAIL_CLIENT_ID, MAILROOM_GMAIL_CLIENT_SECRET and "
                "MAILROOM_GMAIL_REFRESH_TOKEN are required for Gmail"
            )
        self._credentials = (client_id, client_secret, refresh_token)
        self._base = f"{api_base.rstrip('/')}/users/{user}"
        self._token_url = token_url
        self._clock = clock
        self._token: tuple[str, float] | None = None
        self._lock = threading.Lock()
        self._http = httpx.Client(timeout=30)

    def _access_token(self, renew: bool = False) -> str:
        with self._lock:
            if self._token and not renew and self._token[1] > self._clock():
                return self._token[0]
            client_id, client_secret, refresh_token = self._credentials
            try:
                response = self._http.post(
                    self._token_url,
                    data={
                        "client_id": client_id,
                        "client_secret": client_secret,
                        "refresh_token": refresh_token,
                        "grant_type": "refresh_token",
                    },
                )
            except httpx.HTTPError as exc:
                raise TransientProviderError(f"Google token endpoint: {exc}") from exc
            if response.status_code != 200:
                # OAuth answers a revoked or wrong refresh token with 400 "invalid_grant".
                status = 401 if response.status_code == 400 else response.status_code
                raise error_for_status(
                    status,
                    f"Google token endpoint answered {response.status_code}: {response.text[:200]}",
                    retry_after_seconds(response.headers),
                )
            body = response.json()
            lifetime = float(body.get("expires_in", 3600))
            self._token = (str(body["access_token"]), self._clock() + max(0.0, lifetime - 60))
            return self._token[0]

    def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """One API call; renews the token once on 401; maps errors to provider errors.

        A 404 is returned to the caller (history too old); other 4xx are permanent.
        """
        for renew in (False, True):
            headers = {"Authorization": f"Bearer {self._access_token(renew)}"}
            try:
                response = self._http.request(method, self._base + path, headers=headers, **kwargs)
            except httpx.HTTPError as exc:
                raise TransientProviderError(f"Gmail API: {exc}") from exc
            if response.status_code != 401:
                break
        if response.status_code in (200, 204, 404):  # 204: users.stop answers no content
            return response
        status = response.status_code
        if status == 403 and "ratelimitexceeded" in response.text.lower():
            status = 429  # Gmail reports its usage limits as 403 (user)rateLimitExceeded
        raise error_for_status(
            status,
            f"Gmail API {method} {path}: {response.status_code} {response.text[:200]}",
            retry_after_seconds(response.headers),
        )

    def verify(self, probe: Probe) -> None:
        """Resolve and connect to the token endpoint, renew an access token (``auth``), then
        read the mailbox's profile (``read``). Nothing is sent or changed."""
        probe.url(self._token_url, 30)

        def token() -> str:
            self._access_token(renew=True)
            return "the refresh token was exchanged for an access token"

        def profile() -> str:
            found = self.call("GET", "/profile")
            if found.status_code != 200:
                raise CheckFailed("read", f"GET /profile answered {found.status_code}")
            return f"GET /profile: {found.json().get('emailAddress', '?')}"

        probe.run("auth", token)
        probe.run("read", profile)

    def close(self) -> None:
        self._http.close()


class GmailSource(EmailSource):
    """Messages added to one label of a Gmail mailbox; with ``push_topic`` (a Pub/Sub topic,
    ``projects/<project>/topics/<topic>``), push notifications of that label too."""

    def __init__(
        self,
        api: GmailApi,
        *,
        mailbox: str,
        label: str = "INBOX",
        push_topic: str | None = None,
    ) -> None:
        self.mailbox = mailbox
        self._api = api
        self._label = label
        self._push_topic = push_topic
        self.pushes = bool(push_topic)

    def watch(self, now: datetime) -> GmailWatch:
        """``POST users/{user}/watch`` on the label: set up or renew the push notifications."""
        if not self._push_topic:
            raise ProviderConfigError("MAILROOM_GMAIL_PUSH_TOPIC is not set")
        body = {
            "topicName": self._push_topic,
            "labelIds": [self._label],
            "labelFilterBehavior": "include",
        }
        response = self._api.call("POST", "/watch", json=body)
        if response.status_code != 200:
            raise PermanentProviderError(f"Gmail watch: {response.status_code} {response.text}")
        answer = response.json()
        try:
            expiration = datetime.fromtimestamp(int(answer["expiration"]) / 1000, UTC)
            history_id = str(answer["historyId"])
        except (KeyError, TypeError, ValueError) as exc:
            raise PermanentProviderError(f"Gmail watch answered {answer!r}") from exc
        return GmailWatch(self._push_topic, self._label, history_id, expiration, now)

    def renew_push(self, state: str | None, now: datetime) -> str | None:
        """A new watch when the one in ``state`` is due (see ``GmailWatch.due``), else None."""
        if not self._push_topic:
            return None
        current = GmailWatch.loads(state)
        if current is not None and not current.due(self._push_topic, self._label, now):
            return None
        return self.watch(now).dumps()

    def stop_push(self) -> bool:
        """``POST users/{user}/stop``: Gmail stops publishing this mailbox's changes."""
        self._api.call("POST", "/stop")
        return True

    def verify(self, probe: Probe) -> None:
        """The API's check: token renewal and a profile read; nothing is read or changed."""
        self._api.verify(probe)

    def _current_history_id(self) -> str:
        return str(self._api.call("GET", "/profile").json()["historyId"])

    def fetch(self, cursor: str | None, limit: int) -> FetchResult:
        if not cursor or not cursor.startswith(_CURSOR_PREFIX):
            return FetchResult(emails=[], next_cursor=_CURSOR_PREFIX + self._current_history_id())
        start = cursor.removeprefix(_CURSOR_PREFIX)
        ids: list[tuple[str, str]] = []  # (message id, history id that added it)
        page: str | None = None
        latest = start
        while len(ids) < limit:
            params: dict[str, Any] = {
                "startHistoryId": start,
                "historyTypes": "messageAdded",
                "labelId": self._label,
                "maxResults": 500,
            }
            if page:
                params["pageToken"] = page
            response = self._api.call("GET", "/history", params=params)
            if response.status_code == 404:
                return self._resync(limit)
            body = response.json()
            for record in body.get("history", []):
                for added in record.get("messagesAdded", []):
                    ids.append((str(added["message"]["id"]), str(record["id"])))
            latest = str(body.get("historyId", latest))
            page = body.get("nextPageToken")
            if not page:
                break
        if len(ids) > limit:
            # Stop after the history record of the last message taken: nothing is skipped.
            ids = ids[:limit]
            latest = ids[-1][1]
        elif page:
            latest = ids[-1][1] if ids else start
        result = self._read([message_id for message_id, _ in ids])
        return result.model_copy(update={"next_cursor": _CURSOR_PREFIX + latest})

    def _resync(self, limit: int) -> FetchResult:
        history_id = self._current_history_id()
        listed = self._api.call(
            "GET", "/messages", params={"labelIds": self._label, "maxResults": min(limit, 500)}
        ).json()
        ids = [str(m["id"]) for m in listed.get("messages", [])]
        result = self._read(list(reversed(ids)))
        return result.model_copy(update={"next_cursor": _CURSOR_PREFIX + history_id})

    def _read(self, message_ids: list[str]) -> FetchResult:
        emails: list[InboundEmail] = []
        rejected: list[RejectedMessage] = []
        for message_id in dict.fromkeys(message_ids):
            response = self._api.call("GET", f"/messages/{message_id}", params={"format": "raw"})
            if response.status_code == 404:
                continue  # deleted before we read it: there is nothing left to keep
            body = response.json()
            origin = f"gmail message {message_id}"
            try:
                raw = base64.urlsafe_b64decode(str(body.get("raw", "")) + "==")
            except ValueError:
                rejected.append(
                    RejectedMessage(reason="raw is not base64url", raw=b"", origin=origin)
                )
                continue
            received = None
            if str(body.get("internalDate", "")).isdecimal():
                received = datetime.fromtimestamp(int(body["internalDate"]) / 1000, UTC)
            try:
                parsed = parse_message(
                    raw, mailbox=self.mailbox, source="gmail", received_at=received
                )
            except UnparseableMessage as exc:
                rejected.append(RejectedMessage(reason=exc.reason, raw=raw, origin=origin))
                continue
            emails.append(parsed.model_copy(update={"provider_thread_id": body.get("threadId")}))
        return FetchResult(emails=emails, next_cursor=None, rejected=rejected)

    def close(self) -> None:
        self._api.close()


class GmailSender(EmailSender):
    """``users.messages.send`` with the reply's MIME and, when known, the Gmail threadId."""

    def __init__(self, api: GmailApi) -> None:
        self._api = api

    def verify(self, probe: Probe) -> None:
        """The API's own check: token renewal and a profile read; nothing is sent."""
        self._api.verify(probe)

    def send(self, email: OutgoingEmail) -> SendReceipt:
        accepted_at = datetime.now(UTC)
        raw = base64.urlsafe_b64encode(build_mime(email, accepted_at).as_bytes()).decode("ascii")
        body: dict[str, Any] = {"raw": raw}
        if email.provider_thread_id:
            body["threadId"] = email.provider_thread_id
        response = self._api.call("POST", "/messages/send", json=body)
        if response.status_code != 200:
            raise PermanentProviderError(
                f"Gmail send: {response.status_code} {response.text[:200]}"
            )
        return SendReceipt(provider_message_id=str(response.json()["id"]), accepted_at=accepted_at)

    def find_sent(self, message_id: str) -> SendReceipt | None:
        """The sent message whose Message-ID header is ``message_id``, or None.

        Searches the whole mailbox, trash included (a reply someone deleted was still sent),
        with Gmail's ``rfc822msgid:`` operator, and counts only a message labelled SENT: a
        draft carrying the same Message-ID never left.
        """
        listed = self._api.call(
            "GET",
            "/messages",
            params={
                "q": f"rfc822msgid:{bracketed(message_id)}",
                "includeSpamTrash": "true",
                "maxResults": 10,
            },
        )
        if listed.status_code == 404:
            return None
        for found in listed.json().get("messages", []):
            gmail_id = str(found["id"])
            response = self._api.call("GET", f"/messages/{gmail_id}", params={"format": "minimal"})
            if response.status_code == 404:
                continue  # deleted for good between the search and this read
            body = response.json()
            if "SENT" not in body.get("labelIds", []):
                continue
            accepted_at = datetime.now(UTC)
            if str(body.get("internalDate", "")).isdecimal():
                accepted_at = datetime.fromtimestamp(int(body["internalDate"]) / 1000, UTC)
            return SendReceipt(provider_message_id=gmail_id, accepted_at=accepted_at)
        return None


__all__ = ["RENEW_EVERY", "GmailApi", "GmailSender", "GmailSource", "GmailWatch"]
