"""The one composition of settings, store, providers and service, for every process.

The app, the workers, the HTTP services and the command line all start here, so they open the
same store the same way, with the same encryption keys, seed the same default workflow and make
the same first accounts.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.accounts import AccountBook, print_default_accounts
from engine.adapters import ProviderSet, build_providers
from engine.profiles import check_profile
from engine.seed import seed
from engine.service.mailroom import MailroomService
from engine.settings import Settings, load_settings
from engine.store.base import Store
from engine.store.factory import open_store


@dataclass
class Mailroom:
    """One process's composed Mailroom: its settings, its store and the service on them."""

    settings: Settings
    store: Store
    service: MailroomService
    #: Whether composing created the default workflow (a new installation).
    seeded: bool = False

    @property
    def providers(self) -> ProviderSet:
        """The email, AI and notification providers the settings name (AI built on first use)."""
        return self.service.providers

    def close(self) -> None:
        """Close the store (the process is done with it)."""
        self.store.close()


def compose(
    settings: Settings | None = None,
    *,
    seed_defaults: bool = True,
    first_accounts: bool = False,
    check_env: bool = True,
) -> Mailroom:
    """Open the store the settings name, set it up and build the service on it.

    ``settings`` defaults to :func:`engine.settings.load_settings` (``SettingsError`` says which
    setting is wrong). Setting up is idempotent: tables or indexes and migrations, then, with
    ``seed_defaults``, the default workflow; with ``first_accounts``, one account per role when
    there is no accounts file yet, their passwords printed once to stderr (never in production).

    With ``check_env``, the profile ``MAILROOM_ENV`` names is checked last
    (:mod:`engine.profiles`): in production, ``ProductionRefused`` (a ``SettingsError``) lists
    each setting to change. The administration commands that fix those (users, tokens, privacy,
    status, setup) pass ``check_env=False``.
    """
    settings = settings or load_settings()
    store = open_store(settings)
    try:
        store.setup()
        seeded = seed(store) if seed_defaults else False
        if first_accounts and settings.env != "production":
            print_default_accounts(settings.accounts_path)
        if check_env:
            check_profile(settings, store)
    except BaseException:
        store.close()
        raise
    service = MailroomService(
        store,
        accounts=AccountBook(settings.accounts_path),
        settings=settings,
        providers=lambda: build_providers(settings),
    )
    return Mailroom(settings=settings, store=store, service=service, seeded=seeded)
