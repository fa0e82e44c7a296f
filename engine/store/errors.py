"""The store's own errors, named for the failure."""

from __future__ import annotations


class StoreError(Exception):
    """Base class of the store's own errors."""


class WorkflowNotFound(StoreError):
    """No workflow with this id (or no such version of it) is stored."""

    def __init__(self, workflow_id: str, version: int | None = None) -> None:
        suffix = f" version {version}" if version is not None else ""
        super().__init__(f"workflow {workflow_id!r}{suffix} not found")
        self.workflow_id = workflow_id
        self.version = version


class SchemaTooNew(StoreError):
    """The database was migrated by a newer Mailroom than this one: its schema is unknown here."""

    def __init__(self, found: int, known: int) -> None:
        super().__init__(
            f"the database schema is version {found}, newer than this code knows ({known}): "
            "upgrade Mailroom before opening it"
        )
        self.found = found
        self.known = known


class StoreUnavailable(StoreError):
    """The database cannot be reached (down, restarting, network cut) after the driver's own
    retry: nothing was changed that the caller can rely on; try again later."""


class StoreOperationFailed(StoreError):
    """The database answered with an error the driver does not retry (``code`` when it gave
    one): the operation was not applied."""

    def __init__(self, message: str, code: int | None = None) -> None:
        super().__init__(message)
        self.code = code
