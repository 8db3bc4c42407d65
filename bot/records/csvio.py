"""CSV files from row dataclasses, and back: one file per record kind, for spreadsheets.

A row type is a frozen dataclass whose fields are str, int, float, bool, date or datetime
(or None of those). Writing and reading are driven by the field types, so every table
round-trips without a hand-written parser, and a file read back equals the rows written.
Empty cells are None; booleans are `true`/`false`; times are ISO 8601 with their offset.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import types
import typing
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, TypeVar

R = TypeVar("R")

_PARSERS: dict[type, Callable[[str], Any]] = {
    str: str,
    int: int,
    float: float,
    bool: lambda text: {"true": True, "false": False}[text],
    dt.date: dt.date.fromisoformat,
    dt.datetime: dt.datetime.fromisoformat,
}


def _format(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return str(value)


def _parser(hint: Any) -> tuple[Callable[[str], Any], bool]:
    """(parse, optional) for a field's type hint."""
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        inner = [a for a in typing.get_args(hint) if a is not type(None)]
        return _PARSERS[inner[0]], True
    return _PARSERS[hint], False


def columns(row_type: type[Any]) -> list[str]:
    return [f.name for f in dataclasses.fields(row_type)]


def write_rows(path: Path, row_type: type[R], rows: Iterable[R]) -> int:
    """Write `rows` with a header; return how many were written."""
    names = columns(row_type)
    count = 0
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(names)
        for row in rows:
            writer.writerow([_format(getattr(row, name)) for name in names])
            count += 1
    return count


def read_rows(path: Path, row_type: type[R]) -> list[R]:
    """Read a file written by `write_rows` back into rows; the header must match."""
    hints = typing.get_type_hints(row_type)
    names = columns(row_type)
    parsers = {name: _parser(hints[name]) for name in names}
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        if header != names:
            raise ValueError(f"{path.name}: columns {header} are not {names}")
        rows: list[R] = []
        for line in reader:
            values: dict[str, Any] = {}
            for name, text in zip(names, line, strict=True):
                parse, optional = parsers[name]
                if text == "" and optional:
                    values[name] = None
                else:
                    values[name] = parse(text)
            rows.append(row_type(**values))
    return rows


def write_tables(
    directory: Path, tables: Sequence[tuple[str, type[Any], Sequence[Any]]]
) -> list[Path]:
    """Write each (file name, row type, rows) into `directory`; return the paths written."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, row_type, rows in tables:
        path = directory / name
        write_rows(path, row_type, rows)
        written.append(path)
    return written
