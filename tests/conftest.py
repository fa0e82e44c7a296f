"""Factories shared by the whole suite: settings on a temporary folder, a real SQLite store,
the default providers (the shipped local models, loaded once per session; trained only if stale),
and the session's MongoDB server."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from engine.adapters import ProviderSet, build_providers
from engine.seed import seed
from engine.settings import Settings
from engine.store.base import Store
from engine.store.sqlite import SQLiteStore
from providers.ai.base import AIProvider
from providers.ai.local import LocalAIProvider
from providers.ai.sentence_encoder import shared_encoder
from tests.mongo_server import EXTERNAL_MONGODB_URI, secantus_server


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test reads the developer's MONGODB_URI, data folder or secrets file by accident."""
    for name in ("MONGODB_URI", "MAILROOM_MONGODB_URI", "MAILROOM_DATA_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MAILROOM_SECRETS_FILE", str(tmp_path / "no-secrets.toml"))


@pytest.fixture(scope="session", autouse=True)
def _sentence_vectors_kept_between_runs(pytestconfig: pytest.Config) -> Iterator[None]:
    """Sentence vectors of the texts tests train on are kept in pytest's cache folder between
    runs (as a worker keeps them in its models folder)."""
    cache = getattr(pytestconfig, "cache", None)  # absent under ``-p no:cacheprovider``
    if cache is None:
        yield
        return
    folder = Path(cache.mkdir("sentence-vectors"))
    shared_encoder().load_cache(folder)
    yield
    shared_encoder().save_cache(folder)


@pytest.fixture(scope="session")
def models_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("models")


@pytest.fixture(scope="session")
def local_ai(models_dir: Path) -> LocalAIProvider:
    provider = LocalAIProvider(models_dir=models_dir)
    provider.warm_up()
    return provider


@pytest.fixture
def settings(tmp_path: Path, models_dir: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", models_dir=models_dir, worker_lease_seconds=5)


@pytest.fixture
def make_store(settings: Settings) -> Iterator[Callable[[], Store]]:
    """Opens SQLite stores on the test's database file (several may be open at once)."""
    opened: list[Store] = []

    def make() -> Store:
        store = SQLiteStore(settings.database_file)
        store.setup()
        opened.append(store)
        return store

    yield make
    for store in opened:
        store.close()


@pytest.fixture
def store(make_store: Callable[[], Store]) -> Store:
    """A set-up SQLite store with the default workflow seeded."""
    store = make_store()
    seed(store)
    return store


@pytest.fixture
def make_providers(settings: Settings, local_ai: LocalAIProvider) -> Callable[..., ProviderSet]:
    """The default providers, optionally with another AI provider."""

    def make(ai: AIProvider | None = None) -> ProviderSet:
        providers = build_providers(settings)
        chosen: AIProvider = ai or local_ai
        providers.ai_factory = lambda: chosen
        return providers

    return make


@pytest.fixture
def providers(make_providers: Callable[..., ProviderSet]) -> ProviderSet:
    return make_providers()


@pytest.fixture(scope="session")
def mongodb_uri(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The MongoDB the ``mongodb`` cases run on: MONGODB_URI when set, otherwise a secantusdb
    wire-protocol server started for the session (and stopped at its end)."""
    if EXTERNAL_MONGODB_URI:
        yield EXTERNAL_MONGODB_URI
        return
    with secantus_server(tmp_path_factory.mktemp("secantusdb")) as uri:
        yield uri
