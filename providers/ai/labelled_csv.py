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
    missing = [c for c in (text_column, label_column) if c not in header]
    if missing:
        raise LabelledDataError(
            f"{path}: no column named {', '.join(repr(c) for c in missing)}; "
            f"the header has {header} (choose with --text-col / --label-col)"
        )
    allowed = {label.lower() for label in allowed_labels} if allowed_labels is not None else None
    rows: list[LabelledRow] = []
    try:
        for row in reader:
            line = reader.line_num
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
            rows.append(LabelledRow(text, label, line))
    except csv.Error as exc:
        raise LabelledDataError(f"{path}, line {reader.line_num}: malformed CSV ({exc})") from exc
    if len(rows) < min_rows:
        raise LabelledDataError(f"{path}: {len(rows)} data row(s), at least {min_rows} needed")
    return rows
