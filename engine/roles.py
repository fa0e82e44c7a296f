"""Who acts: the four roles and an actor (a person's name and role)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    MANAGER = "manager"
    AGENT = "agent"
    ANALYST = "analyst"


@dataclass(frozen=True)
class Actor:
    """Who is acting: a person's name and role."""

    name: str
    role: Role
