"""How a file name is read: its compression, archive kind and format (``layout_of``).

Names are matched case-insensitively: ``feed.jsonl.gz`` is gzip-compressed JSON Lines,
``dump.tgz`` a gzip-compressed tar of members whose own names decide their formats.
A source's ``format`` (sources.toml) overrides the extension. The format extensions
come from ``flows.readers.registry``.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from flows.readers.discovery import InputFile
from flows.readers.registry import extensions, locator_kinds
from transforms.fields import SourceConfig
from transforms.records import RawRecord

__all__ = ["COMPRESSIONS", "Layout", "ext_of", "layout_of", "record_format", "supported"]

COMPRESSIONS = {".gz": "gzip", ".bz2": "bz2", ".xz": "xz", ".zst": "zstd"}
_TAR_EXTS = {".tgz": "gzip", ".tbz2": "bz2", ".txz": "xz"}
_EXTENSIONS = extensions()
# The end of an archive member's locator: ":line:N", ":item:N" or ":row:N:line:M", after
# ":index:K" for a member whose name the archive holds twice (nothing at all for a .txt).
_LOCATOR_END = re.compile(rf"(?::index:\d+)?(?::(?:{'|'.join(locator_kinds())}):\d+(?::line:\d+)?)?$")


def supported() -> str:
    """What copydesk reads, for an ``unsupported-format`` reject.

    >>> supported()
    'txt, jsonl, ndjson, json, csv, tsv, html, htm, warc; gz, bz2, xz, zst; zip, tar'
    """
    formats = ", ".join(ext.lstrip(".") for ext in _EXTENSIONS)
    compressions = ", ".join(ext.lstrip(".") for ext in COMPRESSIONS)
    return f"{formats}; {compressions}; zip, tar"


def ext_of(name: str) -> str:
    """A member or file name's extension, for a reject.

    >>> ext_of("a/b.docx"), ext_of("Makefile")
    ('.docx', '(no extension)')
    """
    base = name.rsplit("/", 1)[-1]
    return os.path.splitext(base)[1] or "(no extension)"


@dataclass(frozen=True)
class Layout:
    """How a file name is read: compression, archive kind and data format (None: unsupported)."""

    compression: str | None
    archive: str | None  # "zip" or "tar"
    format: str | None


def layout_of(name: str, config: SourceConfig | None = None) -> Layout:
    """Decide compression, archive and format from a file name (and ``config.format``).

    >>> layout_of("2024/feed.jsonl.gz")
    Layout(compression='gzip', archive=None, format='jsonl')
    >>> layout_of("dump.tgz")
    Layout(compression='gzip', archive='tar', format=None)
    """
    lower = name.lower().rsplit("/", 1)[-1]
    root, ext = os.path.splitext(lower)
    if ext == ".zip":
        return Layout(None, "zip", config.format if config else None)
    if ext in _TAR_EXTS:
        return Layout(_TAR_EXTS[ext], "tar", config.format if config else None)
    compression = COMPRESSIONS.get(ext)
    if compression:
        root, ext = os.path.splitext(root)
    if ext == ".tar":
        return Layout(compression, "tar", config.format if config else None)
    fmt = config.format if config and config.format else _EXTENSIONS.get(ext)
    return Layout(compression, None, fmt)


def record_format(file: InputFile, record: RawRecord, config: SourceConfig) -> str:
    """The format a record was read as ("txt", "jsonl", ...), for the articles' input_format.

    For an archive member it is the member's format, named in the record's locator.
    """
    name = file.relpath
    if record.input_locator and record.input_locator.startswith("member:"):
        name = _member_of(record.input_locator)
    return layout_of(name, config).format or "unknown"


def _member_of(locator: str) -> str:
    body = locator[len("member:") :]
    # The member name may hold ":"; the locator continues with ":line:N" or ":row:N:line:M".
    m = _LOCATOR_END.search(body)
    return body[: m.start()] if m else body

