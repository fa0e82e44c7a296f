"""The one HTML policy, through the parser that stores a customer's HTML and the text made of it."""

from __future__ import annotations

from providers.email.html_text import html_to_text
from providers.email.parsing import parse_message
from providers.email.sanitise import sanitise_for_display, sanitise_html

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


def test_links_open_in_a_new_tab_and_relative_ones_are_dropped() -> None:
    stored = _stored_html('<a href="https://help.example/x" target="_self">help</a>'
                          '<a href="/settings">into the app</a>')  # fmt: skip
    assert 'href="https://help.example/x" target="_blank"' in stored
    assert "_self" not in stored and "/settings" not in stored


def test_for_display_each_link_shows_where_it_really_goes() -> None:
    shown = sanitise_for_display(
        '<p><a href="https://evil.example/login?a=1&amp;b=2">https://bank.example/login</a>'
        ' and <a href="https://help.example/">https://help.example/</a>'
        ' and <a href="javascript:alert(1)">js</a></p>'
    )
    target = "<code>⟨https://evil.example/login?a=1&amp;b=2⟩</code>"
    assert f"https://bank.example/login</a> {target}" in shown
    # A link whose text is its target, or that has no target left, gets nothing added.
    assert shown.count("<code>") == 1
    assert "javascript" not in shown
    assert sanitise_for_display(HOSTILE).count("<code>") == 1  # the help link
    for forbidden in FORBIDDEN:
        assert forbidden not in sanitise_for_display(HOSTILE), forbidden


def test_a_target_cannot_smuggle_markup_into_the_page() -> None:
    shown = sanitise_for_display('<a href="https://e.example/&quot;&gt;&lt;script&gt;x">t</a>')
    assert "<script" not in shown
    assert sanitise_for_display(shown).count("<code>") == 2  # display is for display only
