"""The shared front of the line-based formats (JSON Lines, CSV/TSV).

``read_lines(reading, stream, prefix, rows)`` reads a sample of the stream, refuses a
file that is empty, blank or binary, chooses the file's encoding once
(``transforms.decoding``), and hands ``rows`` the physical lines with their decoder. A
UTF-16/32 file cannot be split on b"\\n": it is decoded whole (up to ``max_json_bytes``),
split as UTF-8, and each record gets its original bytes back in the file's encoding. A
file whose sample has "\\r" line ends and no "\\n" (old Mac files) is split at "\\r".
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Iterator
from typing import IO

from flows.readers.rejects import Reading
from flows.readers.streams import SAMPLE, Guarded, Line, Prefixed, decompress, iter_lines, read_at_most, read_sample
from transforms.decoding import (
    LineDecoder,
    UndecodableError,
    binary_detail,
    codec_for,
    decode_or_reason,
    line_decoder_for,
    looks_binary,
    strip_utf8_bom,
    wide_encoding,
)
from transforms.records import RawRecord

__all__ = ["Original", "RowReader", "read_lines"]

# A record's raw bytes from the bytes of its lines (the identity, but for UTF-16/32).
Original = Callable[[bytes], bytes]
# Turns the lines of one file into records: (reading, lines, decoder, original, prefix).
RowReader = Callable[[Reading, Iterable[Line], LineDecoder, Original, str], Iterator[RawRecord]]


def _same(raw: bytes) -> bytes:
    return raw


def read_lines(reading: Reading, stream: IO[bytes], prefix: str, rows: RowReader) -> Iterator[RawRecord]:
    """Records of a line-based file: ``rows`` over its decoded lines, or one reject."""
    limits = reading.limits
    declared = reading.config.encoding
    part = reading.file.part
    if part is not None:
        # One piece of a large file (``flows.readers.files.split_file`` checked the file
        # is text, not UTF-16/32, with "\n" line ends): the decoder is chosen on the file's
        # own first bytes, as when the file is read whole, and the lines are numbered on.
        with open(reading.file.path, "rb") as handle:
            # The same reads as the whole file's (a zstd read may give more than asked).
            head, _ = read_sample(Guarded(decompress(handle, part.compression), None, "stream"))
        head, bom = strip_utf8_bom(head)
        decoder = line_decoder_for(head, declared, whole=len(head) < SAMPLE, steps=bom)
        yield from rows(reading, iter_lines(stream, limits, part.first_line), decoder, _same, prefix)
        return
    sample, failure = read_sample(stream)
    where = prefix[:-1] or None
    if failure is not None and not sample.strip():
        raise failure
    if not sample:
        yield reading.reject(where, "empty", "the file holds no bytes")
        return
    if not sample.strip():
        rest = read_at_most(stream, 1)
        if not rest:
            yield reading.reject(where, "blank", "the file holds only white space", sample)
            return
        sample += rest
    if looks_binary(sample):
        yield reading.reject(where, "undecodable", binary_detail(sample), sample)
        return
    wide = wide_encoding(sample, declared)
    if wide is not None:
        if failure is not None:
            raise failure
        whole = sample + read_at_most(stream, limits.max_json_bytes)
        if read_at_most(stream, 1):
            yield reading.reject(where, "record-too-large",
                                 f"{wide} file over {limits.max_json_bytes} bytes is not read", sample)
            return
        decoded = decode_or_reason(whole, declared or wide)
        if isinstance(decoded, tuple):
            yield reading.reject(where, *decoded, sample)
            return
        out_codec = codec_for(decoded.encoding) or "utf-8"
        decoder = LineDecoder("utf-8", decoded.encoding, decoded.steps, declared)
        lines = iter_lines(io.BytesIO(decoded.text.encode("utf-8")), limits)

        def original(b: bytes) -> bytes:
            return b.decode("utf-8").encode(out_codec, "replace")

        yield from rows(reading, lines, decoder, original, prefix)
        return
    sample, bom = strip_utf8_bom(sample)
    try:
        decoder = line_decoder_for(sample, declared, whole=len(sample) < SAMPLE, steps=bom)
    except UndecodableError as exc:
        yield reading.reject(where, exc.reason, exc.detail, sample)
        return
    source: IO[bytes] = Prefixed(sample, stream, failure)
    original = _same
    if b"\r" in sample and b"\n" not in sample:
        # Old Mac line ends ("\r" only): split there; each record keeps its own bytes.
        source, original = _CrLines(source), _cr_original
    yield from rows(reading, iter_lines(source, limits), decoder, original, prefix)


def _cr_original(raw: bytes) -> bytes:
    return raw.replace(b"\n", b"\r")


class _CrLines(io.RawIOBase):
    """A stream whose "\r" line ends read as "\n" (byte for byte, so offsets hold)."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        return self.stream.read(n).replace(b"\r", b"\n")
