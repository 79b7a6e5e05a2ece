"""Print a DuckDB cursor's rows as CSV, JSON or an aligned table (``copydesk query --format``).

Every format prints control characters escaped (``transforms.printable``): a title holding
an OSC sequence cannot retitle or rewrite the user's terminal. Lists and structs print as
JSON in CSV and in the table, so a cell is one unambiguous value another tool can parse.
"""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import json
import uuid
from collections.abc import Iterator
from typing import Any, TextIO

from transforms.printable import escape_controls

FORMATS = ("csv", "json", "table")
# A table cell longer than this is cut, with an ellipsis: a screenful stays a screenful.
TABLE_CELL_CHARS = 48
BATCH_ROWS = 10_000


def json_value(value: Any) -> Any:
    """A value as JSON would hold it: dates as ISO strings, bytes as escaped text.

    >>> json_value({"a": [1, dt.date(2024, 1, 2)], "b": b"\\x00x"})
    {'a': [1, '2024-01-02'], 'b': '\\\\x00x'}
    """
    if isinstance(value, str):
        return escape_controls(value)
    if isinstance(value, dict):
        return {escape_controls(str(k)): json_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_value(v) for v in value]
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        return escape_controls(bytes(value).decode("latin-1"))
    if isinstance(value, decimal.Decimal | uuid.UUID | dt.timedelta):
        return str(value)
    return value


def cell(value: Any) -> str:
    """One value as a CSV or table cell: nested values as JSON, None as empty.

    >>> cell(["Maria Keane", "Tom Ellery"]), cell(None), cell(3), cell({"byline": 4})
    ('["Maria Keane", "Tom Ellery"]', '', '3', '{"byline": 4}')
    """
    if value is None:
        return ""
    if isinstance(value, list | tuple | dict):
        return json.dumps(json_value(value), ensure_ascii=False)
    if isinstance(value, str):
        return escape_controls(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return escape_controls(bytes(value).decode("latin-1"))
    return str(value)


def _rows(cursor) -> Iterator[tuple]:
    while rows := cursor.fetchmany(BATCH_ROWS):
        yield from rows


def write_rows(cursor, fmt: str, out: TextIO) -> int:
    """Print every row of ``cursor`` in ``fmt`` (one of ``FORMATS``) to ``out``; return the rows."""
    if cursor.description is None:
        return 0
    names = [escape_controls(d[0]) for d in cursor.description]
    count = 0
    if fmt == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(names)
        for row in _rows(cursor):
            writer.writerow([cell(v) for v in row])
            count += 1
    elif fmt == "json":
        # One JSON array of objects, streamed: the first row prints before the last is read.
        out.write("[")
        for row in _rows(cursor):
            out.write(",\n" if count else "\n")
            out.write(json.dumps(dict(zip(names, (json_value(v) for v in row), strict=True)), ensure_ascii=False))
            count += 1
        out.write("\n]\n" if count else "]\n")
    elif fmt == "table":
        rows = [[_cut(cell(v)) for v in row] for row in _rows(cursor)]
        count = len(rows)
        out.write(format_table(names, rows))
    else:
        raise ValueError(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}")
    return count


def _cut(text: str) -> str:
    text = text.replace("\n", " ").replace("\t", " ")
    return text if len(text) <= TABLE_CELL_CHARS else text[: TABLE_CELL_CHARS - 1] + "…"


def format_table(names: list[str], rows: list[list[str]]) -> str:
    """Columns aligned under their names, numbers to the right.

    >>> print(format_table(["title", "n"], [["Tory backing", "3"], ["ID", "12"]]), end="")
    title         n
    ------------ --
    Tory backing  3
    ID           12
    (2 rows)
    """
    widths = [max([len(n)] + [len(r[i]) for r in rows]) for i, n in enumerate(names)]
    numeric = [bool(rows) and all(_is_number(r[i]) for r in rows) for i in range(len(names))]

    def line(values: list[str]) -> str:
        cells = [v.rjust(w) if num else v.ljust(w) for v, w, num in zip(values, widths, numeric, strict=True)]
        return " ".join(cells).rstrip() + "\n"

    text = line(names) + " ".join("-" * w for w in widths) + "\n"
    text += "".join(line(r) for r in rows)
    return text + f"({len(rows)} row{'s' if len(rows) != 1 else ''})\n"


def _is_number(text: str) -> bool:
    if text == "":
        return True
    try:
        float(text)
    except ValueError:
        return False
    return True
