"""One mapping of HTTP statuses to provider errors, split by what a retry can do."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from providers.errors import (
    AuthenticationError,
    BadRequestError,
    PermanentProviderError,
    ProviderConfigError,
    ProviderError,
    ProviderTimeoutError,
    RateLimitedError,
    ServerError,
    TransientProviderError,
    error_for_status,
    retry_after_seconds,
)


@pytest.mark.parametrize(
    ("status", "error", "transient"),
    [
        (400, BadRequestError, False),
        (401, AuthenticationError, False),
        (403, AuthenticationError, False),
        (404, BadRequestError, False),
        (408, ProviderTimeoutError, True),
        (409, TransientProviderError, True),
        (410, BadRequestError, False),
        (422, BadRequestError, False),
        (429, RateLimitedError, True),
        (500, ServerError, True),
        (502, ServerError, True),
        (503, ServerError, True),
        (529, ServerError, True),
        (302, PermanentProviderError, False),
        (201, PermanentProviderError, False),
    ],
)
def test_each_status_maps_to_the_error_a_caller_can_act_on(
    status: int, error: type[ProviderError], transient: bool
) -> None:
    mapped = error_for_status(status, f"answered {status}")
    assert type(mapped) is error and str(mapped) == f"answered {status}"
    assert isinstance(mapped, TransientProviderError) is transient
    assert isinstance(mapped, PermanentProviderError) is not transient


def test_refused_credentials_are_a_setting_to_fix_and_a_429_keeps_its_wait() -> None:
    assert isinstance(error_for_status(401, "no"), ProviderConfigError)
    limited = error_for_status(429, "slow down", retry_after=7.0)
    assert isinstance(limited, RateLimitedError) and limited.retry_after == 7.0


def test_retry_after_in_every_form_a_server_sends() -> None:
    assert retry_after_seconds({"Retry-After": "7"}) == 7.0
    assert retry_after_seconds({"retry-after": "1.5"}) == 1.5
    assert retry_after_seconds({"retry-after-ms": "50", "retry-after": "9"}) == 0.05
    assert retry_after_seconds({"retry-after-ms": "soon", "retry-after": "9"}) == 9.0
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=120), usegmt=True)
    wait = retry_after_seconds({"Retry-After": later})
    assert wait is not None and 100 < wait <= 120
    past = format_datetime(datetime.now(UTC) - timedelta(days=1), usegmt=True)
    assert retry_after_seconds({"Retry-After": past}) == 0.0


@pytest.mark.parametrize(
    "headers",
    [None, {}, {"retry-after": ""}, {"retry-after": "soon"}, {"retry-after": "-3"},
     {"retry-after": "Wed, 21 Oct 2015 07:28:00 -0000"}],
)  # fmt: skip
def test_an_absent_or_unreadable_retry_after_is_none(headers: dict[str, str] | None) -> None:
    assert retry_after_seconds(headers) is None
