"""``.txt``: one file is one article (title on the first line, paragraphs by blank lines).

The bytes are kept whole and decoded by the article builder; here they are only checked
to be an article at all (not empty, blank, binary or NUL-laden, not over the limit).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO

from flows.readers.rejects import Reading
from flows.readers.streams import read_at_most
from transforms.decoding import text_problem
from transforms.records import RawRecord

__all__ = ["read_txt", "read_whole"]


def read_txt(reading: Reading, stream: IO[bytes], prefix: str) -> Iterator[RawRecord]:
    """The whole stream as one ``kind="text"`` record, or one reject."""
    return read_whole(reading, stream, prefix, kind="text", what="article")


def read_whole(reading: Reading, stream: IO[bytes], prefix: str, *, kind: str, what: str) -> Iterator[RawRecord]:
    """The whole stream as one record of ``kind``, or one reject (``what`` names the
    record in the reason: "article", "page")."""
    locator = prefix[:-1] or None
    limit = reading.limits.max_record_bytes
    raw = read_at_most(stream, limit + 1)
    if len(raw) > limit:
        # Not read to the end just to say how big it is: the limit is what matters.
        yield reading.reject(
            locator, "record-too-large",
            f"{what} of more than {limit} bytes (ReadLimits.max_record_bytes)", raw,
        )
        return
    problem = text_problem(raw)
    if problem is not None:
        yield reading.reject(locator, *problem, raw)
        return
    yield reading.record(locator, raw, kind=kind)
