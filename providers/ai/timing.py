"""Honest timing of the local provider's ``classify()`` and ``draft()`` on emails it never saw.

The sentence encoder remembers the vectors of texts it was trained on and of the last few it
scored; timing on such texts measures a dictionary lookup, not the networks. Here every email is
new to the process: generated demo emails (a seed the tests and the demo do not use), each timed
once, at two lengths — a one-line message (the first sentence of the body) and the whole email
as a customer writes it (greeting, a few sentences, signature) — one at a time, as a worker
scores them. Evaluation only.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import mean

from providers.ai.local import LocalAIProvider
from providers.ai.taxonomy import support_taxonomy
from providers.email.base import InboundEmail
from providers.email.demo import DemoEmailSource

#: A seed no test, benchmark or demo run uses, so no vector of these emails is cached anywhere.
UNSEEN_SEED = 90_210


@dataclass(frozen=True)
class Timing:
    """Mean milliseconds per email (wall clock and this process's CPU time) of one call."""

    emails: int
    mean_chars: float
    classify_ms: float
    classify_cpu_ms: float
    draft_ms: float
    draft_cpu_ms: float


def unseen_emails(count: int, short: bool) -> list[InboundEmail]:
    """``count`` generated emails no encoder has seen; ``short``: only the body's first line."""
    source = DemoEmailSource(seed=UNSEEN_SEED, follow_up_rate=0.0)
    emails = []
    for index in range(count):
        email, _labels = source.generate_labelled(index)
        if short:
            lines = [line for line in email.body_text.splitlines() if len(line.split()) >= 4]
            first = lines[0] if lines else email.subject
            email = email.model_copy(update={"subject": "", "body_text": first})
        emails.append(email)
    return emails


def time_calls(provider: LocalAIProvider, emails: Sequence[InboundEmail]) -> Timing:
    """Classify and draft each email once, timing each call (the provider is warmed up first,
    on another text)."""
    provider.warm_up()
    taxonomy = support_taxonomy()
    classify_wall: list[float] = []
    classify_cpu: list[float] = []
    draft_wall: list[float] = []
    draft_cpu: list[float] = []
    for email in emails:
        wall, cpu = time.perf_counter(), time.process_time()
        classification = provider.classify(email, taxonomy)
        classify_wall.append(time.perf_counter() - wall)
        classify_cpu.append(time.process_time() - cpu)
        wall, cpu = time.perf_counter(), time.process_time()
        provider.draft(email, classification)
        draft_wall.append(time.perf_counter() - wall)
        draft_cpu.append(time.process_time() - cpu)
    return Timing(
        emails=len(emails),
        mean_chars=round(mean(len(e.subject) + len(e.body_text) for e in emails), 1),
        classify_ms=round(mean(classify_wall) * 1000, 2),
        classify_cpu_ms=round(mean(classify_cpu) * 1000, 2),
        draft_ms=round(mean(draft_wall) * 1000, 2),
        draft_cpu_ms=round(mean(draft_cpu) * 1000, 2),
    )
