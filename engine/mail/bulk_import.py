"""Bulk import: pull many emails through a workflow's trigger in batches, reporting progress
after each batch so a page (or the command line) can show how far it got."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from engine.adapters import ProviderSet
from engine.mail.triggers import poll_trigger, trigger_nodes
from engine.models import TriggeredBy, Workflow
from engine.store.base import Store

#: How often to try again while a worker holds the mailbox's polling lease.
LEASE_TRIES = 40


class ImportRefused(ValueError):
    """The import cannot start or continue; the message says why."""


@dataclass(frozen=True)
class ImportProgress:
    """How far an import is: emails fetched of those asked for, and what became of them."""

    fetched: int
    wanted: int
    ingested: int
    duplicates: int
    executions_created: int

    @property
    def fraction(self) -> float:
        return min(self.fetched / self.wanted, 1.0) if self.wanted else 1.0


def import_emails(
    store: Store,
    providers: ProviderSet,
    workflow: Workflow,
    wanted: int,
    *,
    batch: int = 50,
    owner: str = "bulk-import",
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[ImportProgress]:
    """Fetch up to ``wanted`` emails through ``workflow``'s first trigger, ``batch`` at a time
    (ignoring the trigger's demo ``max_emails``), yielding the progress after each batch.

    Stops early when the source has no more mail. Each email is stored once and gets one
    execution, exactly as when a worker polls.
    """
    triggers = trigger_nodes(workflow)
    if not triggers:
        raise ImportRefused(f"workflow {workflow.name!r} has no email trigger")
    node = triggers[0].model_copy(update={"config": {**triggers[0].config, "max_emails": None}})
    fetched = ingested = duplicates = created = 0
    tries = 0
    while fetched < wanted:
        result = poll_trigger(
            store,
            providers,
            workflow,
            node,
            owner=owner,
            limit=min(batch, wanted - fetched),
            triggered_by=TriggeredBy.MANUAL,
        )
        if not result.polled:  # a worker is polling this mailbox right now
            tries += 1
            if tries >= LEASE_TRIES:
                raise ImportRefused("the mailbox stayed busy; try again in a moment")
            sleep(0.25)
            continue
        tries = 0
        if result.fetched == 0:
            break
        fetched += result.fetched
        ingested += result.ingested
        duplicates += result.duplicates
        created += result.executions_created
        yield ImportProgress(fetched, wanted, ingested, duplicates, created)
