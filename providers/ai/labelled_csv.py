"""Read a team's labelled export: any CSV with a text column and a label column.

Bad input is refused with a message that says what is wrong and where, never a traceback: a
missing file, a file that is not UTF-8 text, a header without the named columns, rows with an
empty text or label, or too few rows to mean anything.
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from providers.ai.base import Category

# Whole emails in one cell exceed csv's default 128 KiB field limit now and then.
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


class LabelledDataError(ValueError):
    """A labelled CSV cannot be used; the message names the file and the problem."""


@dataclass(frozen=True)
class LabelledRow:
    """One text and its label, with the line it came from."""

    text: str
    label: str
    line: int


def read_labelled_csv(
    path: Path,
    text_column: str,
    label_column: str,
    *,
    allowed_labels: Collection[str] | None = None,
    min_rows: int = 1,
) -> list[LabelledRow]:
    """The rows of ``path``; raise :class:`LabelledDataError` naming the first problem found.

    ``allowed_labels``, when given, is the closed set of labels (case-insensitive; returned in
    lower case).
    """
    rows = _read_rows(path, (text_column, label_column), "--text-col / --label-col")
    allowed = {label.lower() for label in allowed_labels} if allowed_labels is not None else None
    labelled: list[LabelledRow] = []
    for line, row in rows:
        text = (row.get(text_column) or "").strip()
        label = (row.get(label_column) or "").strip()
        if not text:
            raise LabelledDataError(f"{path}, line {line}: the {text_column!r} cell is empty")
        if not label:
            raise LabelledDataError(f"{path}, line {line}: the {label_column!r} cell is empty")
        if allowed is not None:
            label = label.lower()
            if label not in allowed:
                raise LabelledDataError(
                    f"{path}, line {line}: label {label!r} is not one of {sorted(allowed)}"
                )
        labelled.append(LabelledRow(text, label, line))
    if len(labelled) < min_rows:
        raise LabelledDataError(f"{path}: {len(labelled)} data row(s), at least {min_rows} needed")
    return labelled


def _read_rows(
    path: Path, columns: tuple[str, ...], hint: str
) -> list[tuple[int, dict[str | None, Any]]]:
    """The data rows of ``path`` with their line numbers, after checking the file is readable
    UTF-8 CSV whose header has ``columns`` (``hint`` says how to choose them)."""
    if not path.is_file():
        raise LabelledDataError(f"{path}: no such file")
    try:
        content = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LabelledDataError(
            f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})"
        ) from exc
    if not content.strip():
        raise LabelledDataError(f"{path}: the file is empty")
    reader = csv.DictReader(content.splitlines(keepends=True))
    header = reader.fieldnames or []
    missing = [c for c in columns if c not in header]
    if missing:
        raise LabelledDataError(
            f"{path}: no column named {', '.join(repr(c) for c in missing)}; "
            f"the header has {header} (choose with {hint})"
        )
    rows: list[tuple[int, dict[str | None, Any]]] = []
    try:
        for row in reader:
            rows.append((reader.line_num, dict(row)))
    except csv.Error as exc:
        raise LabelledDataError(f"{path}, line {reader.line_num}: malformed CSV ({exc})") from exc
    return rows


def read_taxonomy_csv(path: Path) -> list[Category]:
    """The categories of a taxonomy file (columns ``name`` and ``description``, one category a
    row); raise :class:`LabelledDataError` naming the first problem found.

    A name must be non-empty and unique; a description may be empty (the name alone is then
    what the zero-shot classifier reads). At least two categories are needed to choose between.
    """
    rows = _read_rows(path, ("name", "description"), "columns name,description")
    categories: list[Category] = []
    seen: dict[str, int] = {}
    for line, row in rows:
        if None in row:
            raise LabelledDataError(
                f"{path}, line {line}: more cells than the header's columns "
                "(quote a description that contains a comma)"
            )
        name = (row.get("name") or "").strip()
        if not name:
            raise LabelledDataError(f"{path}, line {line}: the 'name' cell is empty")
        if name in seen:
            raise LabelledDataError(
                f"{path}, line {line}: category {name!r} is already named on line {seen[name]}"
            )
        seen[name] = line
        categories.append(Category(name=name, description=(row.get("description") or "").strip()))
    if len(categories) < 2:
        raise LabelledDataError(
            f"{path}: {len(categories)} categor{'y' if len(categories) == 1 else 'ies'}, "
            "at least two needed"
        )
    return categories
