"""What notifiers report after each attempt (the engine's delivery log is made of it): the
outcome, the HTTP status, the wait before the next try, and never a secret."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from providers.errors import TransientProviderError
from providers.notify.base import DeliveryAttempt, Notification, shown_url
from providers.notify.demo import DemoNotifier
from providers.notify.retry import Backoff
from providers.notify.slack import SlackWebhookNotifier
from providers.notify.webhook import WebhookNotifier

NOTE = Notification(title="Urgent customer email", text="Card charged twice", channel="#billing")


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_shown_url_drops_credentials_query_and_fragment() -> None:
    assert shown_url("https://bot:pw@hooks.example:8443/in/x?token=t#frag") == (
        "https://hooks.example:8443/in/x"
    )
    assert shown_url("http://[::1]/hook?sig=1") == "http://[::1]/hook"


def test_a_refused_webhook_reports_each_attempt_without_its_url_secrets() -> None:
    port = _closed_port()
    url = f"http://ops:hunter2@127.0.0.1:{port}/in?token=tok-secret"
    reports: list[DeliveryAttempt] = []
    waits: list[float] = []
    notifier = WebhookNotifier(
        url, "whsec-1", backoff=Backoff(attempts=3, initial_seconds=0.2), sleep=waits.append
    )
    with pytest.raises(TransientProviderError):
        notifier.notify(NOTE, reports.append)
    assert [r.attempt for r in reports] == [1, 2, 3]
    assert [r.retry_in for r in reports] == [0.2, 0.4, None] and waits == [0.2, 0.4]
    for report in reports:
        assert report.kind == "webhook" and not report.delivered
        assert report.target == f"http://127.0.0.1:{port}/in"
        assert report.error_class == "ConnectError" and report.status_code is None
        assert report.error is not None
        assert report.error.startswith(f"webhook {report.target}: "), report.error
        for secret in ("hunter2", "tok-secret", "whsec-1"):
            assert secret not in report.model_dump_json()


def test_a_slack_webhook_failure_never_reports_the_webhook_path() -> None:
    url = f"http://127.0.0.1:{_closed_port()}/services/T000/B000/SECRETPATH"
    reports: list[DeliveryAttempt] = []
    notifier = SlackWebhookNotifier(url, backoff=Backoff(attempts=1), sleep=lambda _: None)
    with pytest.raises(TransientProviderError):
        notifier.notify(NOTE, reports.append)
    [report] = reports
    assert report.kind == "slack" and report.target == "#billing" and report.retry_in is None
    assert "SECRETPATH" not in report.model_dump_json()


def test_the_demo_notifier_reports_one_delivered_attempt(tmp_path: Path) -> None:
    reports: list[DeliveryAttempt] = []
    DemoNotifier(tmp_path / "notifications.jsonl").notify(NOTE, reports.append)
    [report] = reports
    assert (report.kind, report.target, report.attempt, report.delivered) == (
        "demo",
        "#billing",
        1,
        True,
    )
