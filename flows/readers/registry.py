"""The input formats copydesk reads: one ``Format`` entry each, in ``FORMATS``.

Everything that depends on the set of formats derives from this table: the extensions
``layout_of`` recognises, the names sources.toml's ``format`` accepts, the list an
``unsupported-format`` reject names, and the table of formats in docs/inputs.md
(``formats_table``; a test checks the page). ``read_stream`` hands a decompressed
stream to its format's reader.

To add a format: write ``flows/readers/formats/<name>.py`` with a reader
``read_<name>(reading, stream, prefix) -> Iterator[RawRecord]``, and add one ``Format``
entry below (name, extensions, reader, the three docs columns, the locator kinds); then
paste ``formats_table()`` into docs/inputs.md (tests/test_readers_registry.py says so).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO

from flows.readers.formats.csv import read_csv, read_tsv
from flows.readers.formats.html import read_html
from flows.readers.formats.json import read_json
from flows.readers.formats.jsonl import read_jsonl
from flows.readers.formats.txt import read_txt
from flows.readers.formats.warc import read_warc
from flows.readers.rejects import Reading
from flows.readers.streams import ReadFailure
from transforms.records import RawRecord

__all__ = ["FORMATS", "Format", "decompresses_itself", "extensions", "formats_table", "locator_kinds", "read_stream"]

# (reading, decompressed stream, locator prefix) -> records; never raises for content.
Reader = Callable[[Reading, IO[bytes], str], Iterator[RawRecord]]


@dataclass(frozen=True)
class Format:
    """One input format: its name, the extensions that select it, its reader, its docs."""

    name: str  # what sources.toml's format = "..." takes and articles.input_format records
    extensions: tuple[str, ...]  # lower case, with the dot; matched case-insensitively
    read: Reader
    read_as: str  # docs: how a file is read
    record: str  # docs: what one record is
    locator: str  # docs: the record's input_locator
    # The "<kind>:<N>" parts its locators use: how record_format finds where an archive
    # member's name ends in "member:<name>:<kind>:<N>".
    locator_kinds: tuple[str, ...] = ()
    # The reader takes a gzip-compressed stream as stored and decompresses it itself (WARC:
    # a record's offset in the file as stored is its address).
    reads_gzip: bool = False


FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format("txt", (".txt",), read_txt,
               "one article: title on the first line, paragraphs separated by blank lines",
               "the whole file", "none"),
        Format("jsonl", (".jsonl", ".ndjson"), read_jsonl,
               "JSON Lines: one JSON object per line; blank lines are skipped",
               "one line", "`line:12` (1-based physical line)", ("line",)),
        Format("json", (".json",), read_json,
               "an array of objects, one object, or objects one after another",
               "one array item", "`item:3` (or `line:N` for objects one after another)", ("item", "line")),
        Format("csv", (".csv",), read_csv,
               "comma-separated, RFC 4180 quoting, a header row unless configured otherwise",
               "one row (quoted fields may span lines)",
               "`row:5:line:9` (5th data row, starting on line 9)", ("row", "line")),
        Format("tsv", (".tsv",), read_tsv, "the same with tabs", "one row", "`row:5:line:9`", ("row", "line")),
        Format("html", (".html", ".htm"), read_html,
               "one saved web page: its article is extracted (main text, title, authors, date, canonical URL)",
               "the whole file", "none"),
        Format("warc", (".warc",), read_warc,
               "a web archive (WARC/1.0, 1.1; gzip per record or whole): each HTTP 200 HTML response is a page; "
               "other records are counted as skipped",
               "one response record",
               "`offset:1234` (the record's or its gzip member's byte offset in the file as stored; "
               "`decompressed-offset:N` inside a member holding several)", ("offset", "decompressed-offset"),
               reads_gzip=True),
    )
}


def extensions() -> dict[str, str]:
    """Extension → format name, for every format.

    >>> extensions()[".ndjson"]
    'jsonl'
    """
    return {ext: f.name for f in FORMATS.values() for ext in f.extensions}


def locator_kinds() -> tuple[str, ...]:
    """Every ``<kind>`` a format's locators use, in registry order.

    >>> locator_kinds()
    ('line', 'item', 'row', 'offset', 'decompressed-offset')
    """
    return tuple(dict.fromkeys(kind for f in FORMATS.values() for kind in f.locator_kinds))


def formats_table() -> str:
    """The table of formats in docs/inputs.md, as Markdown."""
    rows = ["| extension | read as | one record is | locator |", "|---|---|---|---|"]
    for f in FORMATS.values():
        exts = ", ".join(f"`{ext}`" for ext in f.extensions)
        rows.append(f"| {exts} | {f.read_as} | {f.record} | {f.locator} |")
    return "\n".join(rows) + "\n"


def decompresses_itself(fmt: str | None, compression: str | None) -> bool:
    """Whether format ``fmt`` takes its ``compression`` stream as stored (see ``reads_gzip``).

    >>> decompresses_itself("warc", "gzip"), decompresses_itself("jsonl", "gzip")
    (True, False)
    """
    return compression == "gzip" and fmt is not None and FORMATS[fmt].reads_gzip


def read_stream(reading: Reading, stream: IO[bytes], fmt: str, prefix: str) -> Iterator[RawRecord]:
    """The records of one decompressed stream in format ``fmt`` (a key of ``FORMATS``);
    a stream that breaks ends in one reject after the records read before the break."""
    try:
        yield from FORMATS[fmt].read(reading, stream, prefix)
    except ReadFailure as exc:
        yield reading.reject(prefix[:-1] or None, exc.reason, exc.detail, exc.raw)
