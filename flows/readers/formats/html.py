"""``.html`` / ``.htm``: one saved web page is one record (``kind="html"``).

The bytes are kept whole; the article builder decodes the page (BOM, ``<meta charset>``,
detection) and extracts its article (``transforms.html``). Here they are only checked to
be a page at all: not empty, blank, binary or NUL-laden, not over the record limit.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO

from flows.readers.formats.txt import read_whole
from flows.readers.rejects import Reading
from transforms.records import RawRecord

__all__ = ["read_html"]


def read_html(reading: Reading, stream: IO[bytes], prefix: str) -> Iterator[RawRecord]:
    """The whole stream as one ``kind="html"`` record, or one reject."""
    return read_whole(reading, stream, prefix, kind="html", what="page")
