"""The one atomic file write: all of the new content or none of it, with the asked permissions."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from providers.files import atomic_write_bytes, atomic_writer


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_write_creates_the_folder_and_is_private_by_default(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "file.bin"
    atomic_write_bytes(target, b"one")
    assert target.read_bytes() == b"one" and _mode(target) == 0o600
    atomic_write_bytes(target, b"two", mode=0o644)
    assert target.read_bytes() == b"two" and _mode(target) == 0o644
    assert os.listdir(target.parent) == ["file.bin"]  # no temporary file left


def test_a_failed_write_leaves_the_old_content_and_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "model.joblib"
    atomic_write_bytes(target, b"old")
    with pytest.raises(RuntimeError), atomic_writer(target) as file:
        file.write(b"half of the n")
        raise RuntimeError("disk full, say")
    assert target.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["model.joblib"]


def test_without_overwrite_an_existing_file_is_kept(tmp_path: Path) -> None:
    target = tmp_path / "accounts.toml"
    atomic_write_bytes(target, b"first", overwrite=False)
    with pytest.raises(FileExistsError):
        atomic_write_bytes(target, b"second", overwrite=False)
    assert target.read_bytes() == b"first"
    assert os.listdir(tmp_path) == ["accounts.toml"]


@pytest.mark.parametrize("durable", [True, False])
def test_a_durable_write_reaches_the_disk_before_it_returns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, durable: bool
) -> None:
    synced: list[int] = []
    real_fsync = os.fsync

    def fsync(descriptor: int) -> None:
        synced.append(descriptor)
        real_fsync(descriptor)

    monkeypatch.setattr(os, "fsync", fsync)
    atomic_write_bytes(tmp_path / "f", b"x", durable=durable)
    assert len(synced) == (2 if durable else 0)  # the file, then the folder's entry
