"""Read one input file: check what it is, open it, and hand it to an archive or a format.

``iter_records(file, config, limits)`` is the readers' entry point for one file. The
file's layout (``layout_of``) decides the path: a zip or a tar goes to
``flows.readers.archives``; anything else, decompressed if its name says so, to its
format's reader (``flows.readers.registry``). A file that cannot be opened, is not a
regular file or has an unknown extension becomes one reject, never an exception.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from typing import IO

from flows.readers.archives import tar_records, zip_records
from flows.readers.discovery import InputFile, safe_text
from flows.readers.layout import Layout, ext_of, layout_of, supported
from flows.readers.limits import DEFAULT_LIMITS, ReadLimits
from flows.readers.registry import decompresses_itself, read_stream
from flows.readers.rejects import Reading
from flows.readers.streams import Budget, Guarded, Head, ReadFailure, decompress, safe_read
from transforms.fields import SourceConfig
from transforms.records import RawRecord

__all__ = ["iter_records"]


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
