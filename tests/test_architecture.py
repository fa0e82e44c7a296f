"""The layer rule, checked as `make lint` checks it, plus what import-linter cannot see."""

from __future__ import annotations

import ast
import logging
import os
from pathlib import Path

import pytest
from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parents[1]
#: Above this an engine module should be split by what it does (the orchestration core may be
#: larger; nothing else needs to be).
MAX_ENGINE_MODULE_LINES = 500


def test_the_import_contracts_hold(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    # import-linter configures logging with disable_existing_loggers, which would silence the
    # loggers later tests read (caplog): put every logger back as it was.
    loggers = [
        logger
        for logger in logging.Logger.manager.loggerDict.values()
        if isinstance(logger, logging.Logger) and not logger.disabled
    ]
    try:
        assert lint_imports(no_cache=True) == 0
    finally:
        for logger in loggers:
            logger.disabled = False


def _engine_imports(path: Path) -> list[str]:
    imported = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            imported.append(node.module)
        elif isinstance(node, ast.Import):
            imported.extend(alias.name for alias in node.names)
    return [m for m in imported if m.split(".")[0] in {"engine", "providers", "bench"}]


def test_pages_reach_the_engine_only_through_the_service() -> None:
    """pages/ and app.py are scripts, not a package, so import-linter does not see them."""
    scripts = [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py"))]
    past_the_door = {
        str(path.relative_to(ROOT)): [m for m in _engine_imports(path) if m != "engine.service"]
        for path in scripts
    }
    assert {path: found for path, found in past_the_door.items() if found} == {}


def test_the_contract_check_sees_a_page_that_reaches_past_the_door(tmp_path: Path) -> None:
    page = tmp_path / "page.py"
    page.write_text("from engine.service import Actor\nfrom engine.models import Email\n")
    assert _engine_imports(page) == ["engine.service", "engine.models"]


def test_no_engine_module_is_too_long_to_read() -> None:
    long = {}
    for directory, _, names in os.walk(ROOT / "engine"):
        for name in names:
            if name.endswith(".py"):
                path = Path(directory) / name
                lines = len(path.read_text().splitlines())
                if lines > MAX_ENGINE_MODULE_LINES:
                    long[str(path.relative_to(ROOT))] = lines
    assert long == {}
