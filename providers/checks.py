"""Connection checks: a provider's connection tried stage by stage (dns, connect, tls, auth,
select...), without sending or changing anything, each stage recorded with what it found.

A check runs its stages through :class:`Probe`; the first that fails raises
:class:`CheckFailed` naming the stage, and the stages before it stay recorded. Details are the
provider's own words; the caller removes any secret from them before showing them.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from providers.errors import ProviderError


@dataclass(frozen=True)
class Step:
    """One stage of a check: its name, whether it passed, and what it found or why not."""

    stage: str
    ok: bool
    detail: str


class CheckFailed(ProviderError):
    """The check stopped at ``stage`` (``detail`` says why)."""

    def __init__(self, stage: str, detail: str) -> None:
        super().__init__(f"{stage}: {detail}")
        self.stage = stage
        self.detail = detail


def describe(exc: BaseException) -> str:
    """An exception as one line: its type and message (``TimeoutError`` alone if silent)."""
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


@dataclass
class Probe:
    """The stages of one check, in the order they ran."""

    steps: list[Step] = field(default_factory=list)

    def run(self, stage: str, action: Callable[[], str]) -> None:
        """Run ``action`` (it returns what it found) as ``stage``; on any error record the
        failure and raise :class:`CheckFailed`."""
        try:
            detail = action()
        except CheckFailed as exc:
            self.steps.append(Step(exc.stage, False, exc.detail))
            raise
        except Exception as exc:  # every failure of a stage is the check's answer
            self.steps.append(Step(stage, False, describe(exc)))
            raise CheckFailed(stage, describe(exc)) from exc
        self.steps.append(Step(stage, True, detail))

    def network(self, host: str, port: int, timeout: float) -> None:
        """The ``dns`` and ``connect`` stages: the name resolves, a TCP connection opens."""

        def resolve() -> str:
            found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
            addresses = sorted({str(entry[4][0]) for entry in found})
            return f"{host} is {', '.join(addresses[:3])}"

        def connect() -> str:
            with socket.create_connection((host, port), timeout=timeout):
                return f"TCP connection to {host}:{port} opened"

        self.run("dns", resolve)
        self.run("connect", connect)

    def url(self, url: str, timeout: float) -> None:
        """``network`` for the host and port of an HTTP(S) ``url``."""
        parts = urlsplit(url)
        if not parts.hostname:
            self.run("config", _refuse(f"{url!r} is not an http(s) URL"))
        port = parts.port or (443 if parts.scheme == "https" else 80)
        self.network(str(parts.hostname), port, timeout)


def _refuse(why: str) -> Callable[[], str]:
    def refuse() -> str:
        raise CheckFailed("config", why)

    return refuse


def http_status(stage: str, status: int, body: str, wanted: str) -> str:
    """The detail of an HTTP answer in ``stage``: ``wanted`` when 2xx, else CheckFailed (401
    and 403 are the ``auth`` stage, whatever ``stage`` was)."""
    if 200 <= status < 300:
        return wanted
    short = " ".join(body.split())[:200]
    if status in (401, 403):
        raise CheckFailed("auth", f"HTTP {status}: the credentials were refused ({short})")
    raise CheckFailed(stage, f"HTTP {status}: {short}")


__all__ = ["CheckFailed", "Probe", "Step", "describe", "http_status"]
