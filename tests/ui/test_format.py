"""Formatting helpers and the safe rendering of customer email."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from streamlit.testing.v1 import AppTest

from ui.format import ago, escape_markdown, short_id, time_left

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def test_relative_times() -> None:
    assert ago(NOW - timedelta(minutes=3), NOW) == "3 min ago"
    assert ago(NOW - timedelta(seconds=2), NOW) == "just now"
    assert ago(NOW - timedelta(hours=2, minutes=5), NOW) == "2 h 5 min ago"
    assert ago(NOW - timedelta(days=3), NOW) == "3 days ago"
    assert ago(None, NOW) == "—"
    assert time_left(NOW + timedelta(minutes=90), NOW) == "1 h 30 min left"
    assert time_left(NOW - timedelta(minutes=10), NOW) == "overdue by 10 min"


def test_short_ids() -> None:
    assert short_id("exe_0123456789abcdef") == "exe_01234567"


def test_markdown_is_neutralised() -> None:
    escaped = escape_markdown("![x](http://evil.example/p.png) **hi** <b>\n# title")
    assert "![" not in escaped and "**" not in escaped and "<b>" not in escaped
    assert "\n" not in escaped


def _render_hostile_email() -> None:
    from datetime import UTC, datetime

    from engine.models import Email
    from ui.emails import render_email

    render_email(
        Email(
            message_id="<m1@example.com>",
            mailbox="support@mailroom.example",
            from_address="eve@example.com",
            from_name="Eve ![p](http://evil.example/p.png)",
            subject="**Refund** <img src=x onerror=alert(1)>",
            body_text="Hello *world*\n<script>alert(1)</script>",
            body_html="<p onclick='alert(1)'>HTML part</p>",
            received_at=datetime(2024, 5, 1, tzinfo=UTC),
            thread_id="t1",
        )
    )


def test_email_is_rendered_as_text_never_html() -> None:
    at = AppTest.from_function(_render_hostile_email).run()
    assert not at.exception
    headers, body = (text.value for text in at.text)
    assert "Subject: **Refund** <img src=x onerror=alert(1)>" in headers
    assert body == "Hello *world*\n<script>alert(1)</script>"
    assert all("HTML part" not in md.value for md in at.markdown)
    assert all("HTML part" not in caption.value for caption in at.caption)
    assert not at.markdown or all("![" not in md.value for md in at.markdown)
    assert not at.get("html")


def _render_email_with_cc_and_attachments() -> None:
    from datetime import UTC, datetime

    from engine.models import Email
    from providers.email.base import AttachmentInfo
    from ui.emails import render_email

    render_email(
        Email(
            message_id="<m2@example.com>",
            mailbox="support@mailroom.example",
            from_address="celine@customer.example",
            to_address="support@mailroom.example",
            cc_address="marc@customer.example, compta@customer.example",
            subject="Facture",
            body_text="Voici la facture.",
            received_at=datetime(2024, 5, 1, tzinfo=UTC),
            thread_id="t2",
            attachments=[
                AttachmentInfo(filename="facture.pdf", content_type="application/pdf",
                               size_bytes=10_700, sha256="ab"),
                AttachmentInfo(filename="colis.png", content_type="image/png", size_bytes=1500,
                               missing="download failed: Brevo attachment answered 404"),
            ],
        )
    )  # fmt: skip


def test_cc_and_attachments_are_shown_with_what_could_not_be_received() -> None:
    at = AppTest.from_function(_render_email_with_cc_and_attachments).run()
    assert not at.exception
    headers = at.text[0].value
    assert "Cc: marc@customer.example, compta@customer.example" in headers
    assert "facture.pdf (application/pdf, 10.4 KB)" in headers
    assert "colis.png (image/png, 1.5 KB) — not received: download failed" in headers
