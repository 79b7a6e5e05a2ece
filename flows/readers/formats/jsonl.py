"""``.jsonl`` / ``.ndjson``: JSON Lines, one JSON object per line; blank lines are skipped.

Streamed line by line (``flows.readers.lines``): a record is one physical line, its
locator ``line:N``; a line that does not parse, is not an object, holds NULs or passes
``max_record_bytes`` is one reject and the next line is read.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import IO, Any

from flows.readers.lines import Original, read_lines
from flows.readers.rejects import Reading
from flows.readers.streams import Line, ReadFailure
from transforms.decoding import LineDecoder
from transforms.jsonvalues import JsonRefused, parse_json
from transforms.records import RawRecord

__all__ = ["json_kind", "read_jsonl"]


def read_jsonl(reading: Reading, stream: IO[bytes], prefix: str) -> Iterator[RawRecord]:
    """One record per non-blank line of the stream."""
    return read_lines(reading, stream, prefix, _jsonl_rows)


def json_kind(value: Any) -> str:
    """What a JSON value that should have been an object is, for a reject.

    >>> json_kind([1]), json_kind(None), json_kind(2.5)
    ('an array', 'null', 'a number')
    """
    return {list: "an array", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(value), "a number"
    )


def _jsonl_rows(
    reading: Reading, lines: Iterable[Line], decoder: LineDecoder, original: Original, prefix: str,
) -> Iterator[RawRecord]:
    count = 0
    last = 0
    try:
        for line in lines:
            last = line.number + line.span - 1
            line_raw = line.raw[:-1] if line.raw.endswith(b"\r") else line.raw
            raw = original(line_raw)
            if not line.too_long and not raw.strip():
                continue  # blank lines separate nothing in JSON Lines
            count += 1
            yield _line_record(reading, line, line_raw, raw, decoder, f"{prefix}line:{line.number}")
    except ReadFailure as exc:
        yield reading.reject(f"{prefix}line:{last + 1}", exc.reason,
                             f"{exc.detail} (after {count} records)", exc.raw)
        return
    if count == 0 and reading.file.part is None:  # a piece of a file may hold only blank lines
        yield reading.reject(prefix[:-1] or None, "blank", "the file holds only blank lines")


def _line_record(
    reading: Reading, line: Line, line_raw: bytes, raw: bytes, decoder: LineDecoder, locator: str
) -> RawRecord:
    """One non-blank line as a record or a reject (``raw``: its original bytes)."""
    if line.too_long:
        return reading.reject(
            locator, "record-too-large",
            f"line of {line.size} bytes passes the {reading.limits.max_record_bytes}-byte "
            "limit (ReadLimits.max_record_bytes)", raw,
        )
    if b"\x00" in line.raw:
        return reading.reject(locator, "nul-bytes", f"{line.raw.count(0)} NUL bytes in the line", raw)
    text, enc, steps = decoder.decode(line_raw)
    if text is None:
        return reading.reject(locator, "undecodable", enc, raw)
    try:
        value, fixes = parse_json(text)
    except json.JSONDecodeError as exc:
        return reading.reject(locator, "invalid-json", f"{exc.msg} at column {exc.colno}", raw)
    except JsonRefused as exc:
        return reading.reject(locator, "invalid-json", str(exc), raw)
    if not isinstance(value, dict):
        return reading.reject(locator, "invalid-json", f"expected a JSON object, got {json_kind(value)}", raw)
    return reading.record(locator, raw, kind="fields", fields=value, encoding=enc, encoding_steps=steps + fixes)
