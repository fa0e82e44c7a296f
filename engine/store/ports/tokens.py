"""API tokens: what the HTTP API authenticates a call with, stored as hashes."""

from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import datetime

from engine.models import ApiToken


class ApiTokenStore(ABC):
    """API tokens, unique on name and on the hash of their secret; revoked, never deleted."""

    @abstractmethod
    def create_api_token(self, token: ApiToken) -> bool:
        """Insert; return False (and change nothing) if a token with ``token.name`` (or the
        same ``token_hash``) already exists."""

    @abstractmethod
    def find_api_token(self, token_hash: str) -> ApiToken | None:
        """The token whose secret hashes to ``token_hash``, revoked or not, or None."""

    @abstractmethod
    def list_api_tokens(self) -> list[ApiToken]:
        """Every token, revoked ones included, ordered by name."""

    @abstractmethod
    def revoke_api_token(self, name: str, at: datetime) -> ApiToken | None:
        """Set ``revoked_at`` = ``at`` on the token ``name`` unless it is already revoked.
        Return the revoked token, or None when no unrevoked token has that name."""

    @abstractmethod
    def mark_api_token_used(self, token_hash: str, at: datetime, unless_since: datetime) -> bool:
        """Set ``last_used_at`` = ``at`` on the token with ``token_hash`` unless it was already
        used at or after ``unless_since`` (so a busy token is written once in a while, not on
        every call). Return whether it was written."""
