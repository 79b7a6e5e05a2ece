"""Read one input file: check what it is, open it, and hand it to an archive or a format.

``iter_records(file, config, limits)`` is the readers' entry point for one file. The
file's layout (``layout_of``) decides the path: a zip or a tar goes to
``flows.readers.archives``; anything else, decompressed if its name says so, to its
format's reader (``flows.readers.registry``). A file that cannot be opened, is not a
regular file or has an unknown extension becomes one reject, never an exception.
"""

from __future__ import annotations

import codecs
import errno
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import IO

from flows.readers.archives import tar_records, zip_records
from flows.readers.discovery import ByteRange, InputFile, safe_text
from flows.readers.formats.csv import row_cuts
from flows.readers.formats.warc import record_cuts
from flows.readers.layout import Layout, ext_of, layout_of, supported
from flows.readers.limits import DEFAULT_LIMITS, ReadLimits
from flows.readers.registry import decompresses_itself, read_stream
from flows.readers.rejects import Reading
from flows.readers.streams import (
    CHUNK,
    Budget,
    Guarded,
    Head,
    ReadFailure,
    Window,
    decompress,
    read_sample,
    safe_read,
)
from transforms.decoding import looks_binary, wide_encoding
from transforms.fields import SourceConfig
from transforms.records import RawRecord

__all__ = ["iter_records", "split_file"]

# Formats a large file of which is cut into pieces: JSON Lines at any line end, CSV/TSV at
# line ends outside quoted fields (``flows.readers.formats.csv.row_cuts``).
SPLITTABLE = frozenset({"jsonl", "csv", "tsv"})
# And a WARC, plain or gzip per record, at records that start a gzip member.


def iter_records(
    file: InputFile, config: SourceConfig, limits: ReadLimits = DEFAULT_LIMITS
) -> Iterator[RawRecord]:
    """Read one input file into records; bad content becomes records with ``error`` set.

    Locators: ``None`` for a .txt file, ``line:N`` (JSONL, 1-based physical line),
    ``row:R:line:N`` (CSV/TSV data row R starting on line N), ``item:N`` (.json array),
    each prefixed by ``member:<name>:`` inside an archive.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.jsonl"
    >>> _ = p.write_bytes(b'{"title": "T"}\\n{oops\\n')
    >>> [(r.input_locator, r.error and r.error[0]) for r in iter_records(
    ...     InputFile(str(p), p.stat().st_size, "a.jsonl"), SourceConfig())]
    [('line:1', None), ('line:2', 'invalid-json')]
    """
    reading = Reading(file, config, limits, Budget(file.size, limits))
    try:
        yield from _file_records(reading)
    except ReadFailure as exc:
        yield reading.reject(None, exc.reason, exc.detail, exc.raw)
    except OSError as exc:
        # A file that vanished or became unreadable between two reads.
        yield reading.reject(None, *_open_error(file.path, exc))


def _file_records(reading: Reading) -> Iterator[RawRecord]:
    path = reading.file.path
    layout = layout_of(reading.file.relpath, reading.config)
    try:
        st = os.stat(path)
    except OSError as exc:
        yield reading.reject(None, *_open_error(path, exc))
        return
    mode = st.st_mode
    # The size now, not at discovery: the expansion ratio is measured against it.
    reading.budget = Budget(st.st_size, reading.limits)
    if stat.S_ISDIR(mode):
        yield reading.reject(None, "unreadable", "a directory that cannot be listed")
        return
    if not stat.S_ISREG(mode):
        # Opening a FIFO would block the worker forever; reading a device may never end.
        yield reading.reject(None, "not-a-regular-file", f"{_file_kind(mode)} is not read")
        return
    try:
        # O_NONBLOCK: a FIFO put in the file's place since the stat does not block the open.
        handle = open(path, "rb", opener=_open_nonblocking)  # noqa: SIM115 (closed below; generators need it open)
    except OSError as exc:
        yield reading.reject(None, *_open_error(path, exc))
        return
    with handle:
        yield from _opened_records(reading, handle, layout)


def _opened_records(reading: Reading, handle: IO[bytes], layout: Layout) -> Iterator[RawRecord]:
    if layout.archive is None and layout.format is None:
        head = safe_read(handle, reading.limits.max_reject_raw_bytes)
        yield reading.reject(
            None,
            "unsupported-format",
            f"{ext_of(reading.file.relpath)!r} is not a format copydesk reads ({supported()}); "
            "set format in sources.toml if the content is one of them",
            head,
        )
        return
    budget = reading.budget
    if layout.archive == "zip":
        yield from zip_records(reading, handle, budget)
        return
    part = reading.file.part
    if part is not None and layout.archive is None:
        if part.compression is None:  # a plain file, or a WARC as stored
            stream = Guarded(Window(handle, part.start, part.end), None, "file")
        else:
            source = Head(handle, reading.limits.max_reject_raw_bytes + 1)
            whole = Guarded(decompress(source, layout.compression), budget, f"{layout.compression} stream", source)
            stream = Window(whole, part.start, part.end, seek=False)
        yield from read_stream(reading, stream, layout.format or "txt", "")
        return
    head = Head(handle, reading.limits.max_reject_raw_bytes + 1)
    if layout.compression and not decompresses_itself(layout.format, layout.compression):
        stream = Guarded(decompress(head, layout.compression), budget, f"{layout.compression} stream", head)
    else:
        stream = Guarded(head, None, "file")
    if layout.archive == "tar":
        yield from tar_records(reading, stream, head)
        return
    yield from read_stream(reading, stream, layout.format or "txt", "")


def _open_nonblocking(path: str, flags: int) -> int:
    return os.open(path, flags | os.O_NONBLOCK)


def _file_kind(mode: int) -> str:
    """What a path that is not a regular file is, for a reject's detail.

    >>> _file_kind(stat.S_IFIFO)
    'a named pipe (FIFO)'
    """
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a file of unknown kind"


def _open_error(path: str, exc: OSError) -> tuple[str, str]:
    """The reject ``(reason, detail)`` for a file that cannot be opened or read."""
    if exc.errno == errno.ELOOP:
        return ("symlink-loop", f"symbolic link loop at {safe_text(path)}")
    if isinstance(exc, FileNotFoundError):
        if os.path.islink(path):
            return ("unreadable", f"dangling symbolic link to {safe_text(os.readlink(path))}")
        return ("vanished", "the file was listed but is gone")
    if isinstance(exc, PermissionError):
        return ("unreadable", f"permission denied: {safe_text(path)}")
    return ("unreadable", f"{exc.strerror or exc}")


def split_file(file: InputFile, config: SourceConfig, piece_bytes: int,
               limits: ReadLimits = DEFAULT_LIMITS) -> list[InputFile]:
    """``file`` as pieces of about ``piece_bytes`` (of its decompressed bytes) cut at record
    boundaries, each read by its own shard; ``[file]`` when it is not worth it or cannot be cut.

    Only a file of a line format (``SPLITTABLE``), plain or compressed as a whole (gzip,
    bz2, xz, zstd; not an archive), whose first bytes are text with "\\n" line ends, not
    UTF-16/32, is cut: JSON Lines at line ends, CSV/TSV at line ends outside quoted
    fields, and only when every quote is part of a well-formed quoted field and no row
    comes near the record limit (``row_cuts``; otherwise it is read whole). One pass over
    its (decompressed) bytes finds the cuts, the number of the line each piece starts on
    and (CSV/TSV) of the rows before it, so locators (and article ids made from them)
    are those of the whole file: how a file was split never shows in the lake. A piece of
    a plain file seeks to its start; a piece of a compressed one decompresses from the
    beginning and skips to it (decompressing is fast next to cleaning). A stream that is
    damaged, truncated or over the limits is not cut: read whole, it gives its rejects.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a.jsonl"
    >>> _ = p.write_bytes(b'{"title": "a"}\\n' * 10)
    >>> [f.part[:4] for f in split_file(InputFile(str(p), p.stat().st_size, "a.jsonl"), SourceConfig(), 60)]
    [(0, 0, 60, 1), (1, 60, 120, 5), (2, 120, 150, 9)]
    """
    if file.part is not None or not file.regular or piece_bytes <= 0:
        return [file]
    layout = layout_of(file.relpath, config)
    if layout.format == "warc" and layout.archive is None and layout.compression in (None, "gzip"):
        return _split_warc(file, config, piece_bytes, limits)
    if layout.archive is not None or layout.format not in SPLITTABLE:
        return [file]
    compression = layout.compression
    # A compressed file holds several times its size: worth one pass when it may hold two pieces.
    if file.size < (piece_bytes // 8 if compression else 2 * piece_bytes):
        return [file]
    try:
        with _open_regular(file.path) as (handle, size):
            if handle is None:
                return [file]
            stream = Guarded(decompress(handle, compression), Budget(size, limits), "stream") if compression \
                else handle
            head, failure = read_sample(stream)
            if (failure is not None or not head.strip() or looks_binary(head) or b"\n" not in head
                    or wide_encoding(head, config.encoding) is not None):
                return [file]
            first = len(codecs.BOM_UTF8) if head.startswith(codecs.BOM_UTF8) else 0
            if layout.format == "jsonl":
                cuts, firsts, total = _scan(head, stream, piece_bytes, first)
                rows = [0] * len(cuts)
            else:
                delimiter = config.delimiter or ("\t" if layout.format == "tsv" else ",")
                found = row_cuts(head, stream, piece_bytes, first, delimiter, limits.max_record_bytes)
                if found is None:
                    return [file]
                cuts, firsts, rows, total = found
    except Exception:  # OSError, ReadFailure, a decompressor's own error: read whole, it says so
        return [file]
    if len(cuts) < 2:
        return [file]
    ends = [*cuts[1:], total]
    return [replace(file, part=ByteRange(i, start, end, first_line, compression, total, first_row))
            for i, (start, end, first_line, first_row) in enumerate(zip(cuts, ends, firsts, rows, strict=True))]


@contextmanager
def _open_regular(path: str) -> Iterator[tuple[IO[bytes] | None, int]]:
    """``path`` opened for reading without blocking, and its size; ``(None, 0)`` when what
    it names now is not a regular file (a FIFO or a device must not be read to be cut)."""
    with open(path, "rb", opener=_open_nonblocking) as handle:
        st = os.fstat(handle.fileno())
        yield (handle, st.st_size) if stat.S_ISREG(st.st_mode) else (None, 0)


def _split_warc(file: InputFile, config: SourceConfig, piece_bytes: int, limits: ReadLimits) -> list[InputFile]:
    """A WARC as pieces of about ``piece_bytes`` of the file as stored, each starting at a
    record that starts a gzip member (``flows.readers.formats.warc.record_cuts``)."""
    if file.size < 2 * piece_bytes:
        return [file]
    try:
        with _open_regular(file.path) as (handle, size):
            if handle is None:
                return [file]
            reading = Reading(file, config, limits, Budget(size, limits))
            cuts = record_cuts(reading, Guarded(handle, None, "file"), piece_bytes)
    except Exception:  # OSError, ReadFailure (over the limits): read whole, it says so
        return [file]
    if cuts is None:
        return [file]
    # No piece much smaller than the others at the end.
    while len(cuts) > 1 and size - cuts[-1][0] < piece_bytes // 2:
        cuts.pop()
    if len(cuts) < 2:
        return [file]
    ends = [c[0] for c in cuts[1:]] + [size]
    return [replace(file, part=ByteRange(i, start, end, 1, None, 0, 0, first_offset))
            for i, ((start, first_offset), end) in enumerate(zip(cuts, ends, strict=True))]


def _scan(head: bytes, stream: IO[bytes], piece_bytes: int, first: int) -> tuple[list[int], list[int], int]:
    """One pass over the bytes (``head``, then the rest of ``stream``): the offsets where
    pieces start (at line starts, about ``piece_bytes`` apart), the physical line number
    each starts on, and the total bytes."""
    cuts, firsts = [first], [1]
    pos = lines = 0
    target = first + piece_bytes
    chunk = head
    while chunk:
        n = len(chunk)
        while target < pos + n:
            # The first line end at or after target - 1: the piece starts right after it.
            i = chunk.find(b"\n", max(target - pos - 1, 0))
            if i < 0:
                break  # in a later chunk: it is searched from its start
            cuts.append(pos + i + 1)
            firsts.append(lines + chunk.count(b"\n", 0, i + 1) + 1)
            target = pos + i + 1 + piece_bytes
        lines += chunk.count(b"\n")
        pos += n
        chunk = stream.read(CHUNK)
    # No empty piece at the end, and none much smaller than the others.
    while len(cuts) > 1 and pos - cuts[-1] < piece_bytes // 2:
        cuts.pop()
        firsts.pop()
    return cuts, firsts, pos
