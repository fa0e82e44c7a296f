"""Importing .eml and mbox files through the mailbox path (``python -m engine ingest``).

Every message ends as one JSON line (file, status, reason, email_id): ingested, duplicate, or
quarantined with its reason. Importing history starts no workflow: nothing old is answered.
"""

from __future__ import annotations

import mailbox
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from engine.mail.inbound import Outcome, accept_raw, quarantine
from engine.store.base import Store
from providers.email.base import RejectedMessage

SOURCE = "ingest"


@dataclass(frozen=True)
class _Item:
    label: str
    raw: bytes | None
    error: str | None = None


def _is_mbox(path: Path) -> bool:
    with path.open("rb") as file:
        return file.read(5) == b"From "


def _items(path: Path) -> Iterator[_Item]:
    """Each message in ``path``: one for an .eml file, one per message for an mbox."""
    try:
        if not _is_mbox(path):
            yield _Item(str(path), path.read_bytes())
            return
        box = mailbox.mbox(path, create=False)
        try:
            for index, key in enumerate(box.keys()):
                yield _Item(f"{path}#{index}", box.get_bytes(key))
        finally:
            box.close()
    except OSError as exc:
        yield _Item(str(path), None, f"unreadable file: {exc.strerror or exc}")


def _files(paths: Iterable[Path]) -> Iterator[Path]:
    for path in paths:
        if path.is_dir():
            for root, dirs, names in os.walk(path):
                dirs.sort()
                for name in sorted(names):
                    yield Path(root) / name
        else:
            yield path


def ingest_paths(
    store: Store, paths: Iterable[Path], mailbox_name: str
) -> Iterator[dict[str, object]]:
    """Ingest every message under ``paths``; yield one report per message, in file order."""
    for path in _files(paths):
        for item in _items(path):
            if item.raw is None:
                reason = item.error or "unreadable"
                quarantine(
                    store,
                    RejectedMessage(reason=reason, raw=b"", origin=item.label),
                    mailbox=mailbox_name,
                    source=SOURCE,
                )
                outcome = Outcome("quarantined", reason)
            else:
                outcome = accept_raw(
                    store, item.raw, mailbox=mailbox_name, source=SOURCE, origin=item.label
                )
            yield {
                "file": item.label,
                "status": outcome.status,
                "reason": outcome.reason,
                "email_id": outcome.email_id,
            }


__all__ = ["SOURCE", "ingest_paths"]
