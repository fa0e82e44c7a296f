"""pymongo's failures as the store's own errors, so callers need not know the driver.

The driver has already retried what it can by then (``retryWrites`` and ``retryReads``: one
retry of a single-document write or a read after a dropped connection or a retryable error
such as a primary stepping down). What still fails reaches the caller as ``StoreUnavailable``
(nothing reachable) or ``StoreOperationFailed`` (the server refused); the message names the
failure but never the URI, which may hold a password.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from pymongo.errors import ConnectionFailure, OperationFailure

from engine.store.errors import StoreOperationFailed, StoreUnavailable

F = TypeVar("F", bound=Callable[..., Any])


def translated(method: F) -> F:
    """``method`` raising ``StoreUnavailable`` / ``StoreOperationFailed`` for pymongo's errors."""

    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return method(*args, **kwargs)
        except ConnectionFailure as exc:
            raise StoreUnavailable(
                f"MongoDB is unreachable ({type(exc).__name__}) during {method.__name__}"
            ) from exc
        except OperationFailure as exc:
            name = (exc.details or {}).get("codeName", "")
            raise StoreOperationFailed(
                f"MongoDB refused {method.__name__}: error {exc.code} {name}".rstrip(), exc.code
            ) from exc

    return wrapper  # type: ignore[return-value]


def translate_errors(cls: type[Any], names: frozenset[str]) -> None:
    """Wrap each of ``cls``'s methods called ``names`` (the Store interface) in ``translated``."""
    for name in sorted(names):
        setattr(cls, name, translated(getattr(cls, name)))
