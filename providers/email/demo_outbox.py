"""The demo outbox: replies are "sent" by writing them as .eml files into a folder.

Each file is the RFC 5322 message the SMTP sender would send, which any mail client can open
(:func:`providers.email.mime.build_mime`). The file name is derived
from the Message-ID and each file appears complete or not at all (written to a temporary name,
then linked into place). Like a real recipient's mailbox, the outbox keeps every delivery: a
second delivery of the same Message-ID is kept beside the first as ``<hash>.dup-<n>.eml``, so
duplicates can be counted (``duplicates()``) rather than hidden. ``find_sent`` tells whether a
Message-ID was delivered, which lets the engine settle a send whose outcome a crash hid.
"""

from __future__ import annotations

import hashlib
import itertools
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from providers.checks import Probe
from providers.email.base import EmailSender, OutgoingEmail, SendReceipt
from providers.email.mime import build_mime
from providers.errors import TransientProviderError
from providers.files import atomic_write_bytes


class DemoOutbox(EmailSender):
    """Writes each outgoing email to ``folder`` as ``<hash of Message-ID>.eml``."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def path_for(self, message_id: str) -> Path:
        """Where the message with ``message_id`` is (or would be) written."""
        digest = hashlib.sha256(message_id.encode("utf-8")).hexdigest()[:32]
        return self.folder / f"{digest}.eml"

    def verify(self, probe: Probe) -> None:
        """The ``folder`` stage: the outbox folder exists (or can be made) and is writable."""

        def writable() -> str:
            self.folder.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=self.folder, prefix=".check-"):
                pass
            return f"replies are written as .eml files to {self.folder}"

        probe.run("folder", writable)

    def send(self, email: OutgoingEmail) -> SendReceipt:
        """Write ``email`` as an .eml file; a repeat delivery is kept as a ``.dup-`` file."""
        accepted_at = datetime.now(UTC)
        data = build_mime(email, accepted_at).as_bytes()
        try:
            self._deliver(self.path_for(email.message_id), data)
        except OSError as exc:
            raise TransientProviderError(f"could not write to the demo outbox: {exc}") from exc
        return SendReceipt(provider_message_id=email.message_id, accepted_at=accepted_at)

    def find_sent(self, message_id: str) -> SendReceipt | None:
        """The receipt of the delivery of ``message_id``, or None if it was never delivered."""
        path = self.path_for(message_id)
        try:
            mtime = path.stat().st_mtime
        except FileNotFoundError:
            return None
        return SendReceipt(
            provider_message_id=message_id, accepted_at=datetime.fromtimestamp(mtime, UTC)
        )

    def duplicates(self) -> list[Path]:
        """Deliveries of a Message-ID that had been delivered before."""
        return [path for path in self.list_sent() if ".dup-" in path.name]

    def list_sent(self) -> list[Path]:
        """The .eml files written so far (duplicate deliveries included), oldest first."""
        if not self.folder.is_dir():
            return []
        files = [path for path in self.folder.glob("*.eml") if path.is_file()]
        return sorted(files, key=lambda path: (path.stat().st_mtime_ns, path.name))

    @staticmethod
    def _deliver(target: Path, data: bytes) -> None:
        for attempt in itertools.count(1):
            name = target if attempt == 1 else target.with_suffix(f".dup-{attempt}.eml")
            try:
                # Not durable: a demo outbox need not survive a power cut, and bulk demo runs
                # would pay for an fsync per message.
                atomic_write_bytes(name, data, durable=False, overwrite=False)
                return
            except FileExistsError:
                continue


__all__ = ["DemoOutbox"]
