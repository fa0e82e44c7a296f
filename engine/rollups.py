"""Helpers for pre-aggregated metrics (rollups are hourly buckets)."""

from __future__ import annotations

from datetime import UTC, datetime


def hour_bucket(at: datetime) -> datetime:
    """The start of the UTC hour containing ``at``."""
    return at.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
