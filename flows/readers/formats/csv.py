"""``.csv`` / ``.tsv``: RFC 4180 rows, a header row unless configured otherwise.

Streamed line by line (``flows.readers.lines``). ``_split_rows`` gathers the physical
lines of one row (a quoted field may span lines; a quote that never closes costs the
line it opened on, not the rest of the file); ``_parse_row`` checks and parses one row;
``_Table`` turns parsed rows into records under the header (or configured columns).
Locators: ``line:N`` for the header, ``row:R:line:N`` for data row R starting on line N.
"""

from __future__ import annotations

import csv
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from typing import IO

from flows.readers.lines import Original, read_lines
from flows.readers.rejects import Reading
from flows.readers.streams import Line, ReadFailure
from transforms.decoding import LineDecoder
from transforms.fields import UnmappableError, check_layout
from transforms.records import RawRecord

__all__ = ["read_csv", "read_tsv"]


def read_csv(reading: Reading, stream: IO[bytes], prefix: str) -> Iterator[RawRecord]:
    """One record per comma-separated data row."""
    return read_lines(reading, stream, prefix, partial(_csv_rows, fmt="csv"))


def read_tsv(reading: Reading, stream: IO[bytes], prefix: str) -> Iterator[RawRecord]:
    """One record per tab-separated data row."""
    return read_lines(reading, stream, prefix, partial(_csv_rows, fmt="tsv"))


# ---------------------------------------------------------------------------------------
# Physical lines into rows
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Row:
    """The physical lines of one row, as far as its quotes say."""

    lines: list[Line]
    size: int  # bytes, line ends included
    closed: bool  # False: a quote never closes (within the size limit or the file)

    @property
    def first(self) -> int:
        return self.lines[0].number

    @property
    def raw(self) -> bytes:
        """The row's bytes: its lines joined by b"\\n", without a final "\\r"."""
        row = self.lines[0].raw if len(self.lines) == 1 else b"\n".join(p.raw for p in self.lines)
        return row[:-1] if row.endswith(b"\r") else row


def _quotes(line: Line) -> int:
    return line.quotes if line.too_long else line.raw.count(b'"')


def _split_rows(lines: Iterable[Line], decoder: LineDecoder, delimiter: str, limit: int) -> Iterator[_Row]:
    """Rows from physical lines: a row ends at a line end outside quotes, i.e. when its
    lines hold an even number of quote characters. Empty lines between rows are skipped.
    After a row that does not close, reading goes on from its second line."""
    source = iter(lines)
    replay: deque[Line] = deque()

    def next_line() -> Line | None:
        if replay:
            return replay.popleft()
        return next(source, None)

    while (line := next_line()) is not None:
        if not line.too_long and not line.raw.strip():
            continue  # an empty line between rows
        pending = [line]
        quotes = _quotes(line)
        size = line.size
        # An odd count may still be a whole row: a quote inside an unquoted field is
        # literal (5"10 in a TSV); ask the csv module about that one line.
        closed = quotes % 2 == 0 or (not line.too_long and _parses_alone(line.raw, decoder, delimiter))
        while not closed and size <= limit and (nxt := next_line()) is not None:
            pending.append(nxt)
            quotes += _quotes(nxt)
            size += nxt.size
            closed = quotes % 2 == 0
        yield _Row(pending, size, closed)
        if not closed:
            replay.extendleft(reversed(pending[1:]))


def _parses_alone(raw: bytes, decoder: LineDecoder, delimiter: str) -> bool:
    """Whether one physical line is a complete CSV row by itself (strict parsing)."""
    text = decoder.decode(raw)[0]
    if text is None:
        return False
    try:
        return len(list(csv.reader([text], delimiter=delimiter, strict=True))) == 1
    except csv.Error:
        return False


# ---------------------------------------------------------------------------------------
# One row: checked and parsed
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Parsed:
    values: list[str]
    encoding: str
    steps: tuple[str, ...]


@dataclass(frozen=True)
class _Refused:
    reason: str
    detail: str
    raw: bytes
    # Whether a header row refused this way ends the file (a row that does not decode,
    # or parses as several rows, is skipped and the next row is taken as the header).
    ends_header: bool = True


def _parse_row(row: _Row, decoder: LineDecoder, delimiter: str, limit: int, original: Original) -> _Parsed | _Refused:
    raw = original(row.raw)
    if not row.closed:
        # Reject the line the quote opened on (reading goes on from the next line), so
        # one stray quote costs one row, not the rest of the file.
        where = "before the end of the file" if row.size <= limit else f"within {limit} bytes"
        return _Refused("invalid-csv", f"unbalanced quote: the quoted field does not close {where}",
                        original(row.lines[0].raw.rstrip(b"\r")))
    if any(p.too_long for p in row.lines) or row.size > limit:
        return _Refused("record-too-large",
                        f"row of {row.size} bytes passes the {limit}-byte limit (ReadLimits.max_record_bytes)", raw)
    if b"\x00" in row.raw:
        return _Refused("nul-bytes", "NUL bytes in the row", raw)
    text, enc, steps = decoder.decode(row.raw)
    if text is None:
        return _Refused("undecodable", enc, raw, ends_header=False)
    try:
        # One string, newlines inside quotes included: the row was cut at a line end
        # outside quotes, so it parses as exactly one row or fails.
        parsed = list(csv.reader([text], delimiter=delimiter, strict=True))
    except csv.Error as exc:
        return _Refused("invalid-csv", f"broken quoting: {exc}", raw)
    if len(parsed) != 1:
        return _Refused("invalid-csv", f"expected one row, parsed {len(parsed)}", raw, ends_header=False)
    return _Parsed(parsed[0], enc, steps)


def _column_names(values: Sequence[str]) -> list[str]:
    """Header names as given; an empty one becomes column_N, a repeated one name_2, ...

    >>> _column_names(["id", "", "title", "title"])
    ['id', 'column_2', 'title', 'title_2']
    """
    names: list[str] = []
    for i, value in enumerate(values, 1):
        name = value.strip() or f"column_{i}"
        base, n = name, 2
        while name in names:
            name = f"{base}_{n}"
            n += 1
        names.append(name)
    return names


# ---------------------------------------------------------------------------------------
# Rows into records
# ---------------------------------------------------------------------------------------


class _Unmappable(Exception):
    """The columns have no title and no body: one reject ends the file."""

    def __init__(self, reject: RawRecord) -> None:
        super().__init__(reject.error)
        self.reject = reject


class _Table:
    """The columns of one file and the records its rows become."""

    def __init__(self, reading: Reading, prefix: str) -> None:
        self.reading = reading
        self.prefix = prefix
        config = reading.config
        self.columns: list[str] | None = list(config.columns) if config.columns else None
        self.need_header = config.header
        self.data_rows = 0  # data rows seen (the header aside)
        if self.columns is not None:
            self._check(self.columns, prefix[:-1] or None)

    def _check(self, columns: list[str], locator: str | None, raw: bytes = b"") -> None:
        try:
            check_layout(columns, self.reading.config)
        except UnmappableError as exc:
            raise _Unmappable(self.reading.reject(locator, "unmappable", str(exc), raw)) from None

    def locator(self) -> str:
        """Where the next row sits: the header's line, or the data row's number and line."""
        return f"{self.prefix}row:{self.data_rows}:line:" if not self.need_header else f"{self.prefix}line:"

    def take_header(self, values: list[str], locator: str, raw: bytes) -> None:
        self.need_header = False
        if self.columns is None:
            self.columns = _column_names(values)
            self._check(self.columns, locator, raw)

    def record(self, parsed: _Parsed, locator: str, raw: bytes) -> RawRecord:
        if self.columns is None:
            # header = false and no column list: name them by position.
            self.columns = [f"column_{i}" for i in range(1, len(parsed.values) + 1)]
            self._check(self.columns, self.prefix[:-1] or None)
        if len(parsed.values) != len(self.columns):
            return self.reading.reject(
                locator, "invalid-csv",
                f"row has {len(parsed.values)} fields, the header has {len(self.columns)}", raw,
            )
        return self.reading.record(
            locator, raw, kind="fields", fields=dict(zip(self.columns, parsed.values, strict=True)),
            encoding=parsed.encoding, encoding_steps=parsed.steps,
        )


def _csv_rows(
    reading: Reading, lines: Iterable[Line], decoder: LineDecoder, original: Original, prefix: str,
    fmt: str,
) -> Iterator[RawRecord]:
    limit = reading.limits.max_record_bytes
    # The csv module refuses fields over 128 KiB by default; our own limit applies.
    csv.field_size_limit(max(limit, csv.field_size_limit()))
    delimiter = reading.config.delimiter or ("\t" if fmt == "tsv" else ",")
    where = prefix[:-1] or None
    rows_seen = 0
    try:
        table = _Table(reading, prefix)
        for row in _split_rows(lines, decoder, delimiter, limit):
            rows_seen += 1
            is_header = table.need_header
            if not is_header:
                table.data_rows += 1
            locator = f"{table.locator()}{row.first}"
            outcome = _parse_row(row, decoder, delimiter, limit, original)
            if isinstance(outcome, _Refused):
                yield reading.reject(locator, outcome.reason, outcome.detail, outcome.raw)
                if is_header and outcome.ends_header:
                    return
            elif is_header:
                table.take_header(outcome.values, locator, original(row.raw))
            else:
                yield table.record(outcome, locator, original(row.raw))
    except _Unmappable as exc:
        yield exc.reject
        return
    except ReadFailure as exc:
        done = table.data_rows
        yield reading.reject(
            f"{prefix}row:{done + 1}" if done else where,
            exc.reason, f"{exc.detail} (after {done} rows)", exc.raw,
        )
        return
    if table.data_rows == 0:
        what = "only a header row" if rows_seen else "no rows"
        yield reading.reject(where, "empty", f"the {fmt} file holds {what}")
