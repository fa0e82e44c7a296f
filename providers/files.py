"""Files that appear complete or not at all: written beside their target, then moved in place.

A reader never sees half a file, and a crash leaves the old content or the new one, never a mix:
the data goes to a temporary file in the target's folder, which is then renamed over the target
(or hard-linked to it when an existing file must not be replaced; both are atomic).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO


@contextlib.contextmanager
def atomic_writer(
    path: Path, *, mode: int = 0o600, durable: bool = True, overwrite: bool = True
) -> Iterator[BinaryIO]:
    """A binary file to write; its content appears at ``path`` when the block ends, and nothing
    changes at ``path`` when the block raises. The folder is created if missing.

    ``mode``: the permission bits, set before any byte is written (0600: only the owner reads).
    ``durable``: flush the file and the folder entry to disk, so that a power cut keeps the new
    content once this returns. ``overwrite=False``: raise :class:`FileExistsError` instead of
    replacing a file already at ``path``.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"
    )
    try:
        with os.fdopen(descriptor, "wb") as file:
            os.fchmod(file.fileno(), mode)
            yield file
            file.flush()
            if durable:
                os.fsync(file.fileno())
        if overwrite:
            os.replace(temporary, path)
        else:
            os.link(temporary, path)
        if durable:
            _sync_folder(path.parent)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)


def atomic_write_bytes(
    path: Path, data: bytes, *, mode: int = 0o600, durable: bool = True, overwrite: bool = True
) -> None:
    """Write ``data`` to ``path`` atomically (see :func:`atomic_writer` for the options)."""
    with atomic_writer(path, mode=mode, durable=durable, overwrite=overwrite) as file:
        file.write(data)


def _sync_folder(folder: Path) -> None:
    # The rename lives in the folder's entry: without this a power cut may forget it.
    descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


__all__ = ["atomic_write_bytes", "atomic_writer"]
