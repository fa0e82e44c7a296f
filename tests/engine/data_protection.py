"""Helpers of the data-protection tests: the raw bytes of a SQLite store, a full run of the
default workflow (demo emails to a sent, edited reply), and the words that must not leak."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from engine.adapters import ProviderSet
from engine.models import Email, OutboxKind, OutboxMessage
from engine.service import Actor, MailroomService, Role
from engine.settings import Settings
from engine.store.base import Store
from engine.worker import Worker

AGENT = Actor("alice", Role.AGENT)
ADMIN = Actor("root", Role.ADMIN)
EDIT = "P.S. Zanzibar-Quokka refund 7731 approved."


def raw_database_bytes(database: Path) -> bytes:
    """The SQLite file and its write-ahead log, as bytes on disk (lower-cased)."""
    parts = [database, database.with_name(database.name + "-wal")]
    return b"".join(path.read_bytes() for path in parts if path.exists()).lower()


def distinctive_words(text: str, background: bytes) -> set[str]:
    """Words of ``text`` (7 letters or more) that ``background`` does not already hold."""
    words = {w.lower() for w in re.findall(r"[A-Za-z]{7,}", text)}
    return {w for w in words if w.encode() not in background}


@dataclass
class Run:
    emails: list[Email]
    reply: OutboxMessage


def run_to_sent_reply(store: Store, providers: ProviderSet, settings: Settings) -> Run:
    """Poll the demo mailbox, run everything, approve one draft with an edit, send it."""
    worker = Worker(store, providers, settings)
    service = MailroomService(store)
    assert worker.poll_triggers() > 0
    worker.run_pending()
    chosen = service.approval_queue(AGENT)[0]
    service.approve(AGENT, chosen.approval_id, body=chosen.draft.body + "\n" + EDIT)
    worker.run_pending()
    [reply] = store.list_outbox(OutboxKind.REPLY)
    ids = [execution.email_id for execution in store.list_executions() if execution.email_id]
    emails = [email for email in map(store.get_email, ids) if email is not None]
    return Run(emails=emails, reply=reply)
