"""The one HTML policy, through the parser that stores a customer's HTML and the text made of it."""

from __future__ import annotations

from providers.email.html_text import html_to_text
from providers.email.parsing import parse_message
from providers.email.sanitise import sanitise_html

HOSTILE = (
    "<html><head><style>p{color:red}</style><script>steal()</script></head><body>"
    '<p onclick="steal()">Please <b>refund</b> order 12</p>'
    '<img src="https://tracker.example/p.gif"><iframe src="https://evil.example"></iframe>'
    '<a href="javascript:alert(1)">click</a> <a href="https://help.example/refunds">help</a>'
    '<form action="https://evil.example"><input name="card"></form>'
    '<table><tr><td colspan="2" style="color:red">Total</td></tr></table></body></html>'
)
FORBIDDEN = ("<script", "steal()", "<style", "onclick", "<img", "tracker", "<iframe", "<form",
             "<input", "javascript:", "style=")  # fmt: skip


def _stored_html(markup: str) -> str:
    raw = (
        "From: anna@customer.example\r\nTo: support@mailroom.example\r\nSubject: html\r\n"
        "Message-ID: <html-1@customer.example>\r\nMIME-Version: 1.0\r\n"
        "Content-Type: text/html; charset=utf-8\r\n\r\n" + markup + "\r\n"
    ).encode()
    email = parse_message(raw, mailbox="support@mailroom.example", source="test")
    assert email.body_html is not None
    return email.body_html


def test_stored_html_keeps_formatting_and_loses_everything_active() -> None:
    stored = _stored_html(HOSTILE)
    for forbidden in FORBIDDEN:
        assert forbidden not in stored, forbidden
    assert "<b>refund</b>" in stored and '<td colspan="2">Total</td>' in stored
    assert 'href="https://help.example/refunds"' in stored
    assert 'rel="noopener noreferrer nofollow"' in stored


def test_sanitising_what_was_stored_changes_nothing() -> None:
    # The app sanitises again before rendering: the policy must agree with itself.
    stored = _stored_html(HOSTILE)
    assert sanitise_html(stored) == stored


def test_the_text_of_html_has_no_hidden_content() -> None:
    text = html_to_text(HOSTILE)
    assert "Please refund order 12" in text and "steal" not in text and "color:red" not in text
