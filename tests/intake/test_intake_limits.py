"""The intake service under abuse: a token bucket per client (429 with Retry-After), 401 for
calls without the token, and its /metrics, /healthz and /readyz."""

from __future__ import annotations

import io
import logging

import pytest
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr
from starlette.testclient import TestClient

from engine.http.intake import create_app
from engine.ops.logs import configure_logging
from engine.settings import Settings
from engine.store.base import Store
from providers.rate_limit import KeyedTokenBucket
from tests.intake.test_intake import RAW, TOKEN, basic

URL = "/intake/sendgrid/support@mailroom.example"


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_client_past_its_burst_gets_429_with_retry_after(store: Store) -> None:
    clock = Clock()
    limiter = KeyedTokenBucket(per_minute=60, burst=3, clock=clock)
    app = create_app(store, TOKEN, limiter=limiter)
    flooding = TestClient(app, client=("203.0.113.9", 4000))
    other = TestClient(app, client=("198.51.100.7", 4000))
    answers = [
        flooding.post(URL, files={"email": (None, RAW)}, headers=basic(TOKEN)).status_code
        for _ in range(5)
    ]
    assert answers == [200, 200, 200, 429, 429]
    refused = flooding.post(URL, files={"email": (None, RAW)}, headers=basic(TOKEN))
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "1"
    assert "rate limit" in refused.json()["error"]
    # Another client is not held back by the first one's flood.
    assert other.post(URL, files={"email": (None, RAW)}, headers=basic(TOKEN)).status_code == 200
    clock.now += 1.0  # a token a second comes back
    assert flooding.post(URL, files={"email": (None, RAW)}, headers=basic(TOKEN)).status_code == 200
    assert store.count_emails() == 1  # the same message every time: stored once


def test_unauthenticated_floods_are_limited_too(store: Store) -> None:
    limiter = KeyedTokenBucket(per_minute=60, burst=2, clock=Clock())
    client = TestClient(create_app(store, TOKEN, limiter=limiter))
    answers = [client.post(URL, files={"email": (None, RAW)}).status_code for _ in range(4)]
    assert answers == [401, 401, 429, 429]
    gmail = [client.post("/intake/gmail", json={}).status_code for _ in range(3)]
    assert gmail == [401, 401, 429]  # each route has its own bucket
    assert store.count_emails() == 0


def test_intake_metrics_and_probes(store: Store, settings: Settings) -> None:
    client = TestClient(create_app(store, TOKEN, settings=settings))
    client.post(URL, files={"email": (None, RAW)}, headers=basic(TOKEN))
    client.post(URL, files={"email": (None, RAW)})
    text = client.get("/metrics").text
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }
    assert samples[("mailroom_intake_requests_total", (("route", "sendgrid"), ("status", "401")))]
    assert samples[("mailroom_intake_requests_total", (("route", "sendgrid"), ("status", "200")))]
    assert samples[
        ("mailroom_emails_ingested_total", (("outcome", "ingested"), ("source", "sendgrid")))
    ]
    assert samples[("mailroom_approvals_waiting", ())] == 0
    health = client.get("/healthz")
    assert health.status_code == 200 and health.json()["role"] == "intake"
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"]["database"]["emails"] == 1


def test_a_token_in_the_url_never_reaches_the_log(store: Store, settings: Settings) -> None:
    stream = io.StringIO()
    configured = settings.model_copy(update={"intake_token": SecretStr(TOKEN)})
    handler = configure_logging(configured, stream=stream, replace=False)
    try:
        client = TestClient(create_app(store, TOKEN, settings=configured))
        wrong = f"{TOKEN}-guessed"
        assert client.post(f"{URL}?token={wrong}", files={"email": (None, RAW)}).status_code == 401
        # What uvicorn's access log writes for a request authenticated by ?token=.
        logging.getLogger("uvicorn.access").info('"POST %s?token=%s HTTP/1.1" 200', URL, TOKEN)
    finally:
        logging.getLogger().removeHandler(handler)
    output = stream.getvalue()
    assert "refused a request" in output
    assert TOKEN not in output
    assert "?token=[redacted]" in output


def test_an_oversized_payload_is_refused_with_its_size(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    import engine.http.intake

    monkeypatch.setattr(engine.http.intake, "MAX_BODY_BYTES", 1000)
    client = TestClient(create_app(store, TOKEN))
    big = RAW + b"x" * 2000
    response = client.post(URL, files={"email": (None, big)}, headers=basic(TOKEN))
    assert response.status_code == 413
    assert "over the limit of 1000" in response.json()["error"]
    assert store.count_emails() == 0
