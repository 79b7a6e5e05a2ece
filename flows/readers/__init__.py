"""Find the input files and read them into ``RawRecord`` values.

Two entry points, both free of Prefect (the flow wraps them in tasks):

- ``discover_inputs(input)``: a file, a directory (recursive) or a glob → sorted
  ``InputFile`` list. Raises ``InputError`` only when there is nothing to run on.
- ``iter_records(file, config, limits)``: one input file → ``RawRecord`` values. Never
  raises for bad content: an unreadable file, a truncated gzip, a malformed JSON line or
  CSV row each becomes a record with ``error=(reason, detail)`` and its raw bytes
  (``REJECT_REASONS``).

The modules, in the order a file passes through them:

- ``discovery``: walking INPUT, globs, excludes (``match_pattern``), ``InputFile``.
- ``layout``: a name → compression, archive kind and format (``layout_of``).
- ``files``: one file opened and routed (``iter_records``).
- ``streams``: decompression (gzip, bz2, xz, zstd), the size ``Budget`` and guards
  against ``ReadLimits`` (``limits``), truncation, bounded reads, line splitting.
- ``archives``: zip and tar members.
- ``registry``: ``FORMATS``, one entry per format; ``formats/``: one module per format
  (``txt``, ``jsonl``, ``json``, ``csv`` for CSV and TSV); ``lines``: the shared front of
  the line-based ones.
- ``rejects``: the reject reasons and the per-file ``Reading`` state.

Bytes to text is ``transforms.decoding``'s: the readers call it to tell text from binary,
to choose a structured file's encoding and to decode each of its lines.

Memory is bounded: line-based formats (JSONL, CSV, TSV) are streamed line by line, and
every single record, decompressed file and archive is held to a limit (``ReadLimits``).
"""

from flows.readers.discovery import (
    DOC_FILE_STEMS,
    InputError,
    InputFile,
    discover_inputs,
    match_pattern,
    safe_text,
)
from flows.readers.files import iter_records
from flows.readers.layout import Layout, layout_of, record_format
from flows.readers.limits import DEFAULT_LIMITS, ReadLimits
from flows.readers.registry import FORMATS, Format
from flows.readers.rejects import REJECT_REASONS

__all__ = [
    "DEFAULT_LIMITS",
    "DOC_FILE_STEMS",
    "FORMATS",
    "REJECT_REASONS",
    "Format",
    "InputError",
    "InputFile",
    "Layout",
    "ReadLimits",
    "discover_inputs",
    "iter_records",
    "layout_of",
    "match_pattern",
    "record_format",
    "safe_text",
]
