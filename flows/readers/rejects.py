"""Reject reasons, and the state every format and archive reader shares for one input.

``REJECT_REASONS`` is the closed list of reasons a reader gives (docs/inputs.md lists
them; a test checks). ``Reading`` is one input file being read: its config, its limits,
its decompression budget, and the two ways a reader ends a record: ``record`` for a good
one, ``reject`` for a bad one (raw bytes capped at ``max_reject_raw_bytes``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flows.readers.discovery import InputFile, safe_text
from flows.readers.limits import ReadLimits
from flows.readers.streams import Budget
from transforms.fields import SourceConfig
from transforms.records import RawRecord

__all__ = ["REJECT_REASONS", "Reading"]

REJECT_REASONS: dict[str, str] = {
    "unreadable": "the file or member cannot be opened or read (permissions, a dangling link)",
    "vanished": "the file was listed at discovery but was gone when it was read",
    "symlink-loop": "the path is a symbolic link that loops back on itself",
    "not-a-regular-file": "the path (after following links) is a FIFO, a device or a socket: never opened or read",
    "unsupported-format": "the extension (or the archive member's) is not a format copydesk reads",
    "empty": "the file holds no bytes, or a structured file holds no records",
    "blank": "the file holds only white space",
    "nul-bytes": "a text record contains NUL bytes",
    "undecodable": "the bytes are not text (binary, NUL-heavy) or decode in no trusted encoding",
    "truncated": "a compressed stream or archive ends early (an interrupted download)",
    "corrupt": "a compressed stream or archive is damaged (bad header, bad checksum)",
    "archive-too-large": "the decompressed data passes the size or expansion-ratio limit",
    "record-too-large": "one record (a .txt file, a JSON line, a CSV row) passes the record size limit",
    "invalid-json": "a JSON line (or .json file) does not parse, or is not a JSON object",
    "invalid-csv": "a CSV/TSV row does not parse (broken quoting) or has the wrong number of fields",
    "unmappable": "a CSV/TSV header has no title and no body column (names the columns seen)",
    "invalid-warc": "a WARC record's head (or its HTTP head) does not parse; reading resumes at the next record",
    "no-article-text": "a web page holds no article text (an index page, a login wall, a script-only page)",
    "internal-error": "reading or cleaning this record raised an unexpected error (the detail names it); "
    "the rest of the input was read",
}

# Reasons whose reject has no raw bytes when none could be read; its detail starts _NO_BYTES.
_NO_BYTES_REASONS = frozenset({"unreadable", "vanished", "symlink-loop", "not-a-regular-file"})
_NO_BYTES = "no bytes could be read: "


@dataclass
class Reading:
    """One input file being read; every reader yields its records through it."""

    file: InputFile
    config: SourceConfig
    limits: ReadLimits
    # Reset when the file is opened: the expansion ratio is measured against its size then.
    budget: Budget

    def record(self, locator: str | None, raw: bytes, **fields: Any) -> RawRecord:
        """A good record of this file (``fields``: ``kind``, ``fields``, ``encoding``, ...)."""
        return RawRecord(safe_text(self.file.path), locator, raw, **fields)

    def reject(
        self, locator: str | None, reason: str, detail: str, raw: bytes = b""
    ) -> RawRecord:
        """A reject of this file, its raw bytes cut to ``max_reject_raw_bytes``."""
        if not raw and reason in _NO_BYTES_REASONS and not detail.startswith(_NO_BYTES):
            # raw is empty because nothing could be read, not because the file is empty.
            detail = f"{_NO_BYTES}{detail}"
        cap = self.limits.max_reject_raw_bytes
        if len(raw) > cap:
            detail = f"{detail} (raw bytes cut to the first {cap})"
            raw = raw[:cap]
        return RawRecord(safe_text(self.file.path), locator, raw, error=(reason, detail))
