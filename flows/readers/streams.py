"""Byte streams: open, decompress, budget, guard and split the bytes of one input.

- ``decompress``: gzip, bz2, xz or zstd (``ZstdReader``, which notices a stream cut
  inside a frame) under one interface.
- ``Guarded``: a stream whose errors become ``ReadFailure`` (truncated, corrupt,
  unreadable) and whose decompressed size is counted by a ``Budget`` against the
  ``ReadLimits``; ``Head`` keeps the compressed bytes a truncated or corrupt reject carries.
- ``read_at_most``, ``read_sample``, ``Prefixed``: bounded reads, and a sample put back in
  front of the rest of its stream.
- ``iter_lines``: physical lines, streamed, with over-long lines cut and runs of blank
  lines as one value (``Line``).
"""

from __future__ import annotations

import bz2
import gzip
import io
import itertools
import lzma
import re
import zipfile
import zlib
from collections.abc import Iterator
from typing import IO, Any, NamedTuple

import zstandard

from flows.readers.limits import ReadLimits

__all__ = [
    "CHUNK",
    "SAMPLE",
    "Budget",
    "Guarded",
    "Head",
    "Line",
    "Prefixed",
    "ReadFailure",
    "ZstdReader",
    "decompress",
    "iter_lines",
    "read_at_most",
    "read_sample",
    "safe_read",
]

CHUNK = 1024**2  # bytes asked of a stream at a time
SAMPLE = 1024**2  # bytes of a structured file used to choose its encoding


class ReadFailure(Exception):
    """A failure that ends the reading of a stream; becomes one reject."""

    def __init__(self, reason: str, detail: str, raw: bytes = b"") -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail
        self.raw = raw  # the compressed bytes of a stream that ends early or is damaged


class Budget:
    """Counts decompressed bytes read from one input file against the limits."""

    def __init__(self, compressed_size: int, limits: ReadLimits) -> None:
        self.compressed = max(compressed_size, 1)
        self.limits = limits
        self.expanded = 0
        self.exhausted = False  # a limit was hit: stop reading this input altogether

    def add(self, n: int) -> None:
        self.expanded += n
        limits = self.limits
        if self.expanded > limits.max_expanded_bytes:
            self.exhausted = True
            raise ReadFailure(
                "archive-too-large",
                f"decompresses to more than {limits.max_expanded_bytes} bytes "
                "(ReadLimits.max_expanded_bytes); refused",
            )
        if (
            self.expanded > limits.ratio_floor_bytes
            and self.expanded / self.compressed > limits.max_expansion_ratio
        ):
            self.exhausted = True
            raise ReadFailure(
                "archive-too-large",
                f"expands more than {limits.max_expansion_ratio:g}x ({self.compressed} bytes "
                f"to over {self.expanded}); refused as a decompression bomb",
            )


class Head(io.RawIOBase):
    """Passes a stream through and keeps its first ``keep`` bytes: the compressed bytes a
    reject carries when the decompressed stream turns out truncated or damaged."""

    def __init__(self, inner: IO[bytes], keep: int) -> None:
        self.inner = inner
        self.keep = keep
        self.head = bytearray()

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        data = self.inner.read(n)
        if len(self.head) < self.keep and data:
            self.head += data[: self.keep - len(self.head)]
        return data

    def readinto(self, b: Any) -> int:
        data = self.read(len(b))
        b[: len(data)] = data
        return len(data)

    def fill(self) -> bytes:
        """The first ``keep`` bytes, read on from where the decompressor stopped: a stream
        refused at its header (a plain text named .gz) is kept whole, not its first bytes."""
        try:
            while len(self.head) < self.keep and (data := self.inner.read(min(CHUNK, self.keep - len(self.head)))):
                self.head += data
        except (ReadFailure, OSError, EOFError, ValueError):
            pass  # the bytes read so far are what there is
        return bytes(self.head)


class Guarded(io.RawIOBase):
    """A binary stream whose errors become ``ReadFailure`` and whose size is budgeted.

    ``source``: the compressed bytes under a decompressor; a truncated or corrupt failure
    carries their start (the whole compressed input when it ended early) as its raw bytes.
    """

    def __init__(
        self, inner: IO[bytes], budget: Budget | None, what: str, source: Head | None = None
    ) -> None:
        self.inner = inner
        self.budget = budget
        self.what = what
        self.source = source

    def failure(self, reason: str, detail: str) -> ReadFailure:
        # Truncated: the decompressor read every byte there is; corrupt: the rest of the
        # compressed bytes are read on, up to the cap, so the reject keeps them all.
        raw = self.source.fill() if self.source is not None else b""
        if raw:
            detail = f"{detail} (raw: the compressed bytes)"
        return ReadFailure(reason, detail, raw)

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        try:
            # read1, not read: a buffered decompressor's read(n) gathers n bytes and, when
            # the stream ends early on the way, drops what it had gathered, so the records
            # before a break would go down with it. read1 returns them; the break comes on
            # the next call. (Callers loop until b"", so a short read is fine.)
            read1 = getattr(self.inner, "read1", None)
            data = read1(n) if read1 is not None and n >= 0 else self.inner.read(n)
        except ReadFailure:
            raise
        except EOFError as exc:
            raise self.failure("truncated", f"{self.what} ends early: {exc}") from exc
        except (OSError, lzma.LZMAError, zlib.error, zipfile.BadZipFile, ValueError) as exc:
            if isinstance(exc, OSError) and exc.errno is not None:
                raise ReadFailure("unreadable", f"{self.what}: {exc.strerror}") from exc
            raise self.failure("corrupt", f"{self.what} is damaged: {exc}") from exc
        except Exception as exc:  # zstandard.ZstdError, tarfile.ReadError, other codecs
            if "unexpected end of data" in str(exc):
                raise self.failure("truncated", f"{self.what} ends early: {exc}") from exc
            raise self.failure("corrupt", f"{self.what} is damaged: {exc}") from exc
        if self.budget is not None and data:
            self.budget.add(len(data))
        return data

    def readinto(self, b: Any) -> int:
        data = self.read(len(b))
        b[: len(data)] = data
        return len(data)


def decompress(raw: IO[bytes], compression: str | None) -> IO[bytes]:
    if compression is None:
        return raw
    if compression == "gzip":
        return gzip.GzipFile(fileobj=raw, mode="rb")
    if compression == "bz2":
        return bz2.BZ2File(raw, mode="rb")
    if compression == "xz":
        return lzma.LZMAFile(raw, mode="rb")
    return ZstdReader(raw)


class ZstdReader(io.RawIOBase):
    """Zstandard frames, one after another; unlike ``stream_reader`` it notices truncation
    (a stream that ends inside a frame), which must be a reject, not a short article."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.factory = zstandard.ZstdDecompressor
        self.dobj = self.factory().decompressobj()
        self.fed = False

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        while True:
            chunk = self.raw.read(CHUNK)
            if not chunk:
                if self.fed and not self.dobj.eof:
                    raise EOFError("zstd stream ended inside a frame")
                return b""
            out = self._feed(chunk)
            if out:
                return out

    def _feed(self, chunk: bytes) -> bytes:
        parts = []
        while chunk:
            if self.dobj.eof:
                self.dobj = self.factory().decompressobj()
            self.fed = True
            parts.append(self.dobj.decompress(chunk))
            chunk = self.dobj.unused_data if self.dobj.eof else b""
        return b"".join(parts)


def _chunks(stream: IO[bytes], n: int) -> Iterator[bytes]:
    """The stream's next ``n`` bytes (fewer at its end), ``CHUNK`` at a time."""
    got = 0
    while got < n:
        data = stream.read(min(CHUNK, n - got))
        if not data:
            return
        yield data
        got += len(data)


def read_at_most(stream: IO[bytes], n: int) -> bytes:
    return b"".join(_chunks(stream, n))


def safe_read(handle: IO[bytes], n: int, rewind: bool = False) -> bytes:
    try:
        if rewind:
            handle.seek(0)
        return handle.read(n)
    except OSError:
        return b""


class Line(NamedTuple):
    number: int  # 1-based physical line number
    raw: bytes  # the line without its "\n" (a "\r" stays); of an over-long line, its start
    size: int  # the line's full length in bytes, "\n" included
    quotes: int  # '"' bytes in an over-long line (its raw is cut); -1: count them in raw
    too_long: bool
    # Physical lines this value stands for: a run of empty lines (or lone "\r") is one
    # value, its raw their bytes without the last "\n" (so raws joined with "\n" give
    # the file's bytes back, and the run is blank: raw.strip() is empty).
    span: int = 1


# A line end and the empty lines right after it (those holding only "\r" too: CRLF
# files), captured as one run: a file of millions of blank lines is split in C, not line
# by line in Python. (A character class, not (?:\r?\n)*: that is 40x slower in re.)
_LINE_END = re.compile(rb"\n([\r\n]*\n)?")


def iter_lines(stream: IO[bytes], limits: ReadLimits, first: int = 1) -> Iterator[Line]:
    """Physical lines (split at b"\n"), streamed; an over-long line is skipped, not held;
    a run of empty lines is one value (``Line.span``). ``first``: the number of the first
    line (a piece of a file starts further in)."""
    max_line = limits.max_record_bytes
    keep = limits.max_reject_raw_bytes
    number = first - 1
    carry: list[bytes] = []  # the start of a line that continues in the next chunk
    carry_size = 0
    carry_quotes = 0  # counted only once the line is over-long (then carry holds its start)
    too_long = False
    while True:
        chunk = stream.read(CHUNK)
        if not chunk:
            break
        if b"\n\n" in chunk or b"\n\r" in chunk:
            parts = _LINE_END.split(chunk)  # line, run after it (or None), line, ...
            pieces, runs = parts[0::2], parts[1::2]
        else:
            pieces, runs = chunk.split(b"\n"), []  # no empty line: the plain split is faster
        tail = pieces.pop()  # the unfinished last line (b"" when the chunk ends with "\n")
        for piece, run in itertools.zip_longest(pieces, runs):
            number += 1
            if carry or too_long:
                size = carry_size + len(piece) + 1
                if too_long:
                    yield Line(number, carry[0], size, carry_quotes + piece.count(b'"'), True)
                else:
                    line = b"".join(carry) + piece
                    if size > max_line:
                        yield Line(number, line[:keep], size, line.count(b'"'), True)
                    else:
                        yield Line(number, line, size, -1, False)
                carry, carry_size, carry_quotes, too_long = [], 0, 0, False
            elif len(piece) >= max_line:
                yield Line(number, piece[:keep], len(piece) + 1, piece.count(b'"'), True)
            else:
                yield Line(number, piece, len(piece) + 1, -1, False)
            if run:  # the empty lines after this one, as one value
                span = run.count(b"\n")
                yield Line(number + 1, run[:-1], len(run), -1, False, span)
                number += span
        if tail:
            carry_size += len(tail)
            if too_long:
                carry_quotes += tail.count(b'"')
            else:
                carry.append(tail)
                if carry_size > max_line:
                    # Keep the start for the reject; drop the rest as it streams past.
                    joined = b"".join(carry)
                    carry, carry_quotes, too_long = [joined[:keep]], joined.count(b'"'), True
    if carry_size:
        number += 1
        if too_long:
            yield Line(number, carry[0], carry_size, carry_quotes, True)
        else:
            yield Line(number, b"".join(carry), carry_size, -1, False)


class Prefixed(io.RawIOBase):
    """``prefix`` then the rest of ``stream``: the sample read to choose the encoding.

    ``failure``: the stream already failed while the sample was read; the records in the
    sample are still yielded, then the failure is raised where the stream broke.
    """

    def __init__(self, prefix: bytes, stream: IO[bytes], failure: Exception | None = None) -> None:
        self.prefix = prefix
        self.stream = stream
        self.failure = failure

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        if self.prefix:
            out, self.prefix = self.prefix, b""
            return out
        if self.failure is not None:
            raise self.failure
        return self.stream.read(n)


def read_sample(stream: IO[bytes]) -> tuple[bytes, ReadFailure | None]:
    """The first ``SAMPLE`` bytes, and the failure if the stream broke inside them."""
    parts: list[bytes] = []
    try:
        for data in _chunks(stream, SAMPLE):
            parts.append(data)  # kept when the stream breaks at the next read
    except ReadFailure as exc:
        return b"".join(parts), exc
    return b"".join(parts), None


class Window(io.RawIOBase):
    """Bytes ``[start, end)`` of a binary stream, as a stream of their own: sought to in a
    file, read past (``seek=False``) in a decompressed stream, whose reads may return
    more than was asked."""

    def __init__(self, handle: IO[bytes], start: int, end: int, seek: bool = True) -> None:
        self.handle, self.left, self.pending = handle, end - start, b""
        if seek:
            handle.seek(start)
            return
        skip = start
        while skip > 0 and (data := handle.read(min(skip, CHUNK))):
            if len(data) > skip:
                self.pending = data[skip:]
            skip -= min(skip, len(data))

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        if self.left <= 0:
            return b""
        want = self.left if n is None or n < 0 else min(n, self.left)
        if self.pending:
            data, self.pending = self.pending, b""
        else:
            data = self.handle.read(want)
        if len(data) > want:
            data, self.pending = data[:want], data[want:]
        self.left -= len(data)
        return data
