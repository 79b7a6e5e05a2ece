"""``.csv`` / ``.tsv``: RFC 4180 rows, a header row unless configured otherwise.

Streamed line by line (``flows.readers.lines``). ``_split_rows`` gathers the physical
lines of one row (a quoted field may span lines; a quote that never closes costs the
line it opened on, not the rest of the file); ``_parse_row`` checks and parses one row;
``_Table`` turns parsed rows into records under the header (or configured columns).
Locators: ``line:N`` for the header, ``row:R:line:N`` for data row R starting on line N.

A large file is read in pieces (``flows.readers.files.split_file``): ``row_cuts`` finds
record boundaries in one pass at C speed (a line end is one iff the quotes before it are
even, which holds when every quote belongs to a well-formed quoted field) and counts the
rows before each; a piece after the first reads the file's own header row first
(``_take_head``) and numbers its rows on from there, so its records are the whole file's.
"""

from __future__ import annotations

import bisect
import csv
import re
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from typing import IO, NamedTuple

from flows.readers.lines import Original, read_lines
from flows.readers.rejects import Reading
from flows.readers.streams import CHUNK, Guarded, Line, Prefixed, ReadFailure, decompress, iter_lines, read_sample
from transforms.decoding import LineDecoder, strip_utf8_bom
from transforms.fields import UnmappableError, check_layout
from transforms.records import RawRecord

__all__ = ["RowCuts", "read_csv", "read_tsv", "row_cuts"]


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
        self.head_rows = 0  # rows read before the data: the header, and rows refused in its place
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

    def by_position(self, parsed: _Parsed) -> None:
        """header = false and no column list: the first row read names them by position."""
        self.columns = [f"column_{i}" for i in range(1, len(parsed.values) + 1)]
        self._check(self.columns, self.prefix[:-1] or None)

    def record(self, parsed: _Parsed, locator: str, raw: bytes) -> RawRecord:
        if self.columns is None:
            self.by_position(parsed)
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
    part = reading.file.part
    later = part is not None and part.index > 0
    try:
        table = _Table(reading, prefix)
        if later and not _take_head(reading, table, decoder, delimiter, limit, original):
            return  # the file's header ends it: the first piece says so
        if later:
            table.data_rows = part.first_row - table.head_rows
        for row in _split_rows(lines, decoder, delimiter, limit):
            rows_seen += 1
            is_header = table.need_header
            if is_header:
                table.head_rows += 1
            else:
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
        if not later:  # the first piece gives the file's one reject
            yield exc.reject
        return
    except ReadFailure as exc:
        done = table.data_rows
        yield reading.reject(
            f"{prefix}row:{done + 1}" if done else where,
            exc.reason, f"{exc.detail} (after {done} rows)", exc.raw,
        )
        return
    if table.data_rows == 0 and part is None:  # a file is cut only where each piece holds rows
        what = "only a header row" if rows_seen else "no rows"
        yield reading.reject(where, "empty", f"the {fmt} file holds {what}")


def _take_head(reading: Reading, table: _Table, decoder: LineDecoder, delimiter: str, limit: int,
               original: Original) -> bool:
    """For a piece after the first: the file's columns, read from its start as when it is
    read whole (the header row, the rows refused in its place before it, or the first
    data row naming the columns by position); ``table.head_rows`` counts the rows before
    the data. False when the header ends the file (the first piece gives its reject)."""
    if not table.need_header and table.columns is not None:
        return True
    part = reading.file.part
    with open(reading.file.path, "rb") as handle:
        stream = Guarded(decompress(handle, part.compression if part else None), None, "stream")
        head, failure = read_sample(stream)
        head, _ = strip_utf8_bom(head)
        lines = iter_lines(Prefixed(head, stream, failure), reading.limits)
        for row in _split_rows(lines, decoder, delimiter, limit):
            outcome = _parse_row(row, decoder, delimiter, limit, original)
            if table.need_header:
                table.head_rows += 1
                if isinstance(outcome, _Refused):
                    if outcome.ends_header:
                        return False
                    continue
                table.take_header(outcome.values, "", original(row.raw))
                if table.columns is not None:
                    return True
            elif isinstance(outcome, _Parsed):
                table.by_position(outcome)
                return True
    return False


# ---------------------------------------------------------------------------------------
# Record boundaries of a large file, for reading it in pieces
# ---------------------------------------------------------------------------------------

# One quoted field: a quote, then anything but quotes or doubled quotes, then a quote.
# Possessive: a doubled quote is never given back to close the field early, so a field
# that goes on past the end of a buffer does not match at all.
_QUOTED = re.compile(rb'"[^"]*+(?:""[^"]*+)*+"')


class _Unsafe(Exception):
    """The file's quoting is not one the parity rule reads as the reader does."""


class RowCuts(NamedTuple):
    """Where the pieces of a CSV/TSV file start (record boundaries), the physical line
    and the number of rows (header and refused rows included) before each, and the
    file's bytes in all."""

    starts: list[int]
    lines: list[int]
    rows: list[int]
    total: int


class _Segments(NamedTuple):
    """A buffer that starts at a record boundary, as the bytes outside its quoted fields
    (``outside[k]`` starting at ``starts[k]``; a quoted field between each two) and how
    far it is whole records (``done``: just past its last line end outside quotes)."""

    outside: list[bytes]
    starts: list[int]
    done: int

    def _segment(self, pos: int) -> int:
        return bisect.bisect_right(self.starts, pos) - 1

    def boundary_after(self, pos: int) -> int:
        """Just past the first line end outside quotes at or after ``pos`` (``done`` when none before it)."""
        for k in range(max(self._segment(pos), 0), len(self.outside)):
            i = self.outside[k].find(b"\n", max(pos - self.starts[k], 0))
            if i >= 0:
                return min(self.starts[k] + i + 1, self.done)
        return self.done

    def rows(self, a: int, b: int) -> int:
        """Non-blank rows between two record boundaries: each quoted field stands as "Q"
        (never blank), and a row is a non-blank line of what is left."""
        if b <= a:
            return 0
        k0, k1 = self._segment(a), self._segment(b)
        skeleton = b"Q".join(self.outside[k][max(a - self.starts[k], 0): b - self.starts[k]]
                             for k in range(k0, k1 + 1))
        return sum(1 for row in skeleton.split(b"\n") if row.strip())


def _segments(buf: bytes, delimiter: int, final: bool) -> _Segments:
    """``buf`` (which starts at a record boundary) cut around its quoted fields; all of it
    is whole records when ``final``. Raises ``_Unsafe`` when a quote is not part of a
    quoted field standing as a whole field (``5"10``, ``"a"b``), or one is left open at
    the end: there the reader's rows may differ from the parity rule's."""
    outside: list[bytes] = []
    starts: list[int] = []
    pos = 0
    n = len(buf)
    before = (delimiter, 10)  # a quoted field opens at a field's start ...
    after = (delimiter, 10, 13)  # ... and closes at its end
    open_at = -1
    while (s := buf.find(b'"', pos)) >= 0:
        m = _QUOTED.match(buf, s)
        if m is None:
            if final:
                raise _Unsafe  # a quote that never closes
            open_at = s  # a quoted field that goes on in the next buffer
            break
        e = m.end()
        if (s and buf[s - 1] not in before) or (e < n and buf[e] not in after):
            raise _Unsafe
        outside.append(buf[pos:s])
        starts.append(pos)
        pos = e
    outside.append(buf[pos:open_at] if open_at >= 0 else buf[pos:])
    starts.append(pos)
    if final:
        return _Segments(outside, starts, n)
    for k in range(len(outside) - 1, -1, -1):
        i = outside[k].rfind(b"\n")
        if i >= 0:
            return _Segments(outside, starts, starts[k] + i + 1)
    return _Segments(outside, starts, 0)


def row_cuts(head: bytes, stream: IO[bytes], piece_bytes: int, first: int, delimiter: str,
             limit: int) -> RowCuts | None:
    """Pieces of about ``piece_bytes`` of a CSV/TSV stream (``head``, then the rest of
    ``stream``; records start at offset ``first``), cut at record boundaries; ``None``
    when the file must be read whole: its quoting is not the standard one throughout, or
    a row comes near ``limit`` bytes (the reader gives such a row up where the parity
    rule would not).

    >>> import io
    >>> data = b'id,body\\n1,"a\\nb"\\n2,c\\n\\n3,"d ""e"" f"\\n4,g\\n'
    >>> row_cuts(data, io.BytesIO(), 8, 0, ",", 10**8)
    RowCuts(starts=[0, 8, 16, 35], lines=[1, 2, 4, 7], rows=[0, 1, 2, 4], total=39)
    >>> row_cuts(b'id,body\\n1,5"10\\n2,c\\n', io.BytesIO(), 6, 0, ",", 10**8) is None
    True
    """
    code = delimiter.encode("utf-8")
    if len(code) != 1 or code in b'"\r\n':
        return None
    delim = code[0]
    starts, lines, rows = [first], [1], [0]
    base, line_count, row_count = first, head.count(b"\n", 0, first), 0
    target = first + piece_bytes
    carry = b""
    try:
        for chunk in _slices(head[first:], stream):
            buf = carry + chunk if carry else chunk
            seg = _segments(buf, delim, not chunk)
            pos = 0
            while chunk and target - base <= seg.done:
                cut = seg.boundary_after(max(target - base - 1, pos))
                if cut <= pos:
                    break
                row_count += seg.rows(pos, cut)
                line_count += buf.count(b"\n", pos, cut)
                pos = cut
                starts.append(base + cut)
                lines.append(line_count + 1)
                rows.append(row_count)
                target = base + cut + piece_bytes
            row_count += seg.rows(pos, seg.done)
            line_count += buf.count(b"\n", pos, seg.done)
            base += seg.done
            carry = buf[seg.done:]
            # Every row seen so far fits in one buffer of at most the limit: the reader
            # takes each whole, as the parity rule does.
            if len(carry) > limit - 2 * CHUNK:
                return None
    except _Unsafe:
        return None
    total = base
    # No piece without a row, none empty at the end, none much smaller than the others.
    while len(starts) > 1 and (total - starts[-1] < piece_bytes // 2 or rows[-1] >= row_count):
        starts.pop()
        lines.pop()
        rows.pop()
    keep = [0] + [i for i in range(1, len(starts)) if rows[i] > rows[i - 1]]
    return RowCuts([starts[i] for i in keep], [lines[i] for i in keep], [rows[i] for i in keep], total)


def _slices(head: bytes, stream: IO[bytes]) -> Iterator[bytes]:
    """``head`` then the rest of ``stream`` in slices of at most ``CHUNK`` bytes (a
    decompressor may return more at once), then one ``b""``."""
    data = head
    while data:
        for i in range(0, len(data), CHUNK):
            yield data[i:i + CHUNK]
        data = stream.read(CHUNK)
    yield b""
