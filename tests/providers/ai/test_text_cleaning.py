"""What the classifier sees of an email: new text only, no quotes or signature."""

from __future__ import annotations

from collections.abc import Callable

from providers.ai.text_cleaning import (
    classification_text,
    email_classification_text,
    strip_reply_noise,
)
from providers.email.base import InboundEmail

EmailFactory = Callable[..., InboundEmail]


def test_quoted_lines_and_reply_header_are_dropped() -> None:
    body = (
        "My parcel still has not arrived.\n\n"
        "On Mon, 3 Jun 2024 at 09:12, Mailroom Support <support@example.com> wrote:\n"
        "> Your invoice is attached.\n"
        "> Kind regards"
    )
    assert strip_reply_noise(body) == "My parcel still has not arrived."


def test_wrapped_reply_header_and_bottom_posting() -> None:
    body = (
        "On Mon, 3 Jun 2024 at 09:12, Mailroom Support\n"
        "<support@example.com> wrote:\n"
        "> Could you send a screenshot?\n\n"
        "Here it is, the app still crashes."
    )
    assert strip_reply_noise(body) == "Here it is, the app still crashes."


def test_signature_and_outlook_blocks_end_the_message() -> None:
    assert strip_reply_noise("Refund please.\n-- \nJane Doe\nACME Ltd") == "Refund please."
    assert strip_reply_noise("Refund please.\n--\nJane") == "Refund please."
    outlook = "Where is my order?\n\nFrom: Support\nSent: Monday\nTo: Jane\nSubject: Invoice"
    assert strip_reply_noise(outlook) == "Where is my order?"
    forwarded = "See below.\n-----Original Message-----\nYou were charged twice."
    assert strip_reply_noise(forwarded) == "See below."


def test_french_and_german_reply_headers() -> None:
    assert strip_reply_noise("Merci.\nLe 3 juin 2024, Support a écrit :\n> Bonjour") == "Merci."
    assert strip_reply_noise("Danke.\nAm 3. Juni 2024 schrieb Support:\n> Hallo") == "Danke."


def test_subject_is_part_of_the_text(make_email: EmailFactory) -> None:
    assert classification_text("Refund", "Hello\n> old") == "Refund\nHello"
    email = make_email("Help", "")
    assert email_classification_text(email) == "Help"


def test_html_only_email_is_read(make_email: EmailFactory) -> None:
    email = make_email("Order", "").model_copy(
        update={"body_html": "<p>Where is my <b>parcel</b>?</p><style>p{}</style>"}
    )
    assert "Where is my  parcel ?" in email_classification_text(email)
