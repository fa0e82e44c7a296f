"""``python -m engine ingest`` over a folder of hostile input, in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from engine.settings import Settings
from engine.store.sqlite import SQLiteStore
from tests.ingest.corpus import CASES, MBOX, MBOX_EXPECT

ROOT = Path(__file__).resolve().parents[2]


def run_ingest(settings: Settings, *paths: Path) -> tuple[int, list[dict[str, object]], str]:
    env = {**os.environ, "MAILROOM_DATA_DIR": str(settings.data_dir)}
    done = subprocess.run(
        [sys.executable, "-m", "engine", "ingest", *map(str, paths)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        timeout=300,
        check=False,
    )
    lines = [json.loads(line) for line in done.stdout.decode().splitlines()]
    return done.returncode, lines, done.stderr.decode()


def test_ingest_accounts_for_every_file_of_a_hostile_folder(
    tmp_path: Path, settings: Settings
) -> None:
    folder = tmp_path / "import"
    folder.mkdir()
    expected: dict[str, str] = {}
    for index, case in enumerate(CASES):
        path = folder / f"{index:03d}-{case.name}.eml"
        path.write_bytes(case.raw)
        expected[str(path)] = case.expect["status"]
    mbox = folder / "history.mbox"
    mbox.write_bytes(MBOX)
    for index, status in enumerate(MBOX_EXPECT):
        expected[f"{mbox}#{index}"] = status
    nested = folder / "zz-nested"
    nested.mkdir()
    (nested / "again.eml").write_bytes(CASES[0].raw)
    expected[str(nested / "again.eml")] = "duplicate"
    dangling = folder / "zz-dangling.eml"
    dangling.symlink_to(folder / "does-not-exist")
    expected[str(dangling)] = "quarantined"

    code, lines, stderr = run_ingest(settings, folder)

    assert code == 0, stderr
    assert {line["file"]: line["status"] for line in lines} == expected
    assert len(lines) == len(expected)
    for line in lines:
        assert set(line) == {"file", "status", "reason", "email_id"}
        assert (line["email_id"] is None) == (line["status"] == "quarantined")
        if line["status"] == "quarantined":
            assert line["reason"]
    store = SQLiteStore(settings.database_file)
    try:
        quarantined = sum(status == "quarantined" for status in expected.values())
        assert store.count_quarantine() == quarantined
        ingested = sum(status == "ingested" for status in expected.values())
        assert store.count_emails() == ingested
    finally:
        store.close()

    code, again, _ = run_ingest(settings, folder)
    assert code == 0
    assert {line["status"] for line in again} == {"duplicate", "quarantined"}
    assert len(again) == len(expected)
