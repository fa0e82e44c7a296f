"""A fallback chain: try providers in order, per feature (classify, draft), each guarded.

Each link has its own circuit breaker and rate limit. A link is skipped when its breaker is open
or its rate limit is spent; a transient error or an invalid output moves on to the next link
(and counts against the breaker); a permanent configuration or authentication error moves on too
(another provider may work) but is reported if nothing works. When every link fails, the last
transient error is raised if there was one (the engine retries the node later), else the last
permanent one. Every attempt is recorded in :attr:`FallbackChain.attempts` of the result's
thread for the metrics and the execution log.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from providers.ai.base import AIProvider, Category, Classification, DraftReply
from providers.ai.resilience import CircuitBreaker, RateLimiter
from providers.email.base import InboundEmail
from providers.errors import (
    InvalidModelOutputError,
    PermanentProviderError,
    ProviderError,
    TransientProviderError,
)

ResultT = TypeVar("ResultT")


@dataclass
class Link:
    """One provider of a chain with its guards."""

    provider: AIProvider
    breaker: CircuitBreaker | None = None
    limiter: RateLimiter | None = None


@dataclass(frozen=True)
class Attempt:
    """What happened when one link was tried."""

    provider: str
    outcome: str  # "ok", "skipped", "transient", "invalid", "permanent"
    detail: str = ""


@dataclass
class _Local(threading.local):
    attempts: list[Attempt] = field(default_factory=list)


class FallbackChain(AIProvider):
    """Classifies with ``classify_links`` and drafts with ``draft_links``, first success wins."""

    name = "chain"

    def __init__(self, classify_links: Sequence[Link], draft_links: Sequence[Link]) -> None:
        if not classify_links or not draft_links:
            raise ValueError("a fallback chain needs at least one provider per feature")
        self.classify_links = tuple(classify_links)
        self.draft_links = tuple(draft_links)
        self._local = _Local()

    @property
    def attempts(self) -> list[Attempt]:
        """The attempts of this thread's last call."""
        return list(self._local.attempts)

    def _run(self, links: Sequence[Link], call: Callable[[AIProvider], ResultT]) -> ResultT:
        attempts: list[Attempt] = []
        self._local.attempts = attempts
        last_transient: ProviderError | None = None
        last_permanent: ProviderError | None = None
        for link in links:
            name = link.provider.name
            try:
                if link.breaker is not None:
                    link.breaker.check()
                if link.limiter is not None:
                    link.limiter.acquire()
            except TransientProviderError as exc:
                attempts.append(Attempt(name, "skipped", str(exc)))
                last_transient = exc
                continue
            error: ProviderError
            try:
                result = call(link.provider)
            except InvalidModelOutputError as exc:
                outcome, error = "invalid", exc
                last_permanent = exc
            except TransientProviderError as exc:
                outcome, error = "transient", exc
                last_transient = exc
            except PermanentProviderError as exc:
                outcome, error = "permanent", exc
                last_permanent = exc
            else:
                if link.breaker is not None:
                    link.breaker.record_success()
                attempts.append(Attempt(name, "ok"))
                return result
            if link.breaker is not None and outcome != "permanent":
                link.breaker.record_failure()
            attempts.append(Attempt(name, outcome, str(error)))
        summary = "; ".join(f"{a.provider}: {a.outcome} {a.detail}".strip() for a in attempts)
        if last_transient is not None:
            raise TransientProviderError(f"every provider failed ({summary})") from last_transient
        if isinstance(last_permanent, InvalidModelOutputError):
            raise InvalidModelOutputError(f"every provider failed ({summary})") from last_permanent
        raise PermanentProviderError(f"every provider failed ({summary})") from last_permanent

    def classify(self, email: InboundEmail, taxonomy: list[Category]) -> Classification:
        """The first link's valid classification."""
        return self._run(self.classify_links, lambda p: p.classify(email, taxonomy))

    def draft(self, email: InboundEmail, classification: Classification) -> DraftReply:
        """The first link's valid draft."""
        return self._run(self.draft_links, lambda p: p.draft(email, classification))
