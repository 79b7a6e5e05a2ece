"""``.html`` / ``.htm``: one saved web page is one record (``kind="html"``).

The bytes are kept whole; the article builder decodes the page (BOM, ``<meta charset>``,
detection) and extracts its article (``transforms.html``). Here they are only checked to
be a page at all: not empty, blank, binary or NUL-laden, not over the record limit.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO

from flows.readers.rejects import Reading
from flows.readers.streams import read_at_most
from transforms.decoding import text_problem
from transforms.records import RawRecord

__all__ = ["read_html"]


def read_html(reading: Reading, stream: IO[bytes], prefix: str) -> Iterator[RawRecord]:
    """The whole stream as one ``kind="html"`` record, or one reject."""
    locator = prefix[:-1] or None
    limit = reading.limits.max_record_bytes
    raw = read_at_most(stream, limit + 1)
    if len(raw) > limit:
        yield reading.reject(
            locator, "record-too-large", f"page of more than {limit} bytes (ReadLimits.max_record_bytes)", raw,
        )
        return
    problem = text_problem(raw)
    if problem is not None:
        yield reading.reject(locator, *problem, raw)
        return
    yield reading.record(locator, raw, kind="html")
