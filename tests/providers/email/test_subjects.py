"""The one subject rule: what a reply's subject is, and the bare subject a thread is found by."""

from __future__ import annotations

import pytest

from providers.email.subjects import normalise_subject, reply_subject


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("Charged twice", "Re: Charged twice"),
        ("RE: Charged twice", "RE: Charged twice"),
        ("re:x", "re:x"),
        ("  Re: padded  ", "Re: padded"),
        ("Re[2]: Order 12", "Re[2]: Order 12"),
        ("AW: Bestellung", "AW: Bestellung"),
        ("Antwort: Bestellung", "Antwort: Bestellung"),
        ("SV: Beställning", "SV: Beställning"),
        ("Réf : commande", "Réf : commande"),
        ("Fwd: Invoice", "Re: Fwd: Invoice"),
        ("WG: Rechnung", "Re: WG: Rechnung"),
        ("Regarding my order", "Re: Regarding my order"),
        ("Order 12: Re: not a prefix", "Re: Order 12: Re: not a prefix"),
        ("  ", "Re: your message"),
        ("", "Re: your message"),
    ],
)
def test_a_reply_gets_one_reply_prefix(subject: str, expected: str) -> None:
    assert reply_subject(subject) == expected


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("Re: Order 12", "order 12"),
        ("RE: AW: Fwd:  Order   12", "order 12"),
        ("Re[2]: [Ticket #991] Order 12", "order 12"),
        ("SV: VS: Antw: order 12", "order 12"),
        ("Réf: TR: Order 12", "order 12"),
        ("Order 12: Re: not a prefix", "order 12: re: not a prefix"),
        ("", ""),
    ],
)
def test_subjects_are_normalised(subject: str, expected: str) -> None:
    assert normalise_subject(subject) == expected


@pytest.mark.parametrize("subject", ["Order 12", "Fwd: Invoice", "", "AW: Bestellung"])
def test_a_reply_subject_is_the_same_thread_and_adds_nothing_twice(subject: str) -> None:
    once = reply_subject(subject)
    assert reply_subject(once) == once
    if subject:
        assert normalise_subject(once) == normalise_subject(subject)
