"""The API on a real SQLite store (the suite's ``settings``), through Starlette's TestClient."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from engine.api import create_app
from engine.service import Actor, Mailroom, Role, compose
from engine.settings import Settings
from providers.rate_limit import KeyedTokenBucket

ADMIN = Actor("cli:admin", Role.ADMIN)

Bearer = dict[str, str]


@pytest.fixture
def mailroom(settings: Settings) -> Iterator[Mailroom]:
    """The composed engine on the test's SQLite file, the default workflow seeded."""
    composed = compose(settings)
    yield composed
    composed.close()


@pytest.fixture
def make_client(mailroom: Mailroom, settings: Settings) -> Iterator[Callable[..., TestClient]]:
    clients: list[TestClient] = []

    def make(limiter: KeyedTokenBucket | None = None, **options: float) -> TestClient:
        app = create_app(mailroom.service, settings, limiter=limiter, **options)
        client = TestClient(app)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def client(make_client: Callable[..., TestClient]) -> TestClient:
    return make_client(stream_poll_seconds=0.05, stream_max_seconds=1.0)


@pytest.fixture
def token_for(mailroom: Mailroom) -> Callable[[Role], Bearer]:
    """The Authorization header of a new token with ``role`` (named after the role)."""
    made: dict[Role, Bearer] = {}

    def make(role: Role) -> Bearer:
        if role not in made:
            _, secret = mailroom.service.create_token(ADMIN, f"{role.value}-bot", role)
            made[role] = {"Authorization": f"Bearer {secret}"}
        return made[role]

    return make
