"""Find the input files and read them into ``RawRecord`` values.

Two entry points, both free of Prefect (the flow wraps them in tasks):

- ``discover_inputs(input)``: a file, a directory (recursive) or a glob → sorted
  ``InputFile`` list. Raises ``InputError`` only when there is nothing to run on.
- ``iter_records(file, config)``: one input file → ``RawRecord`` values. Never raises for
  bad content: an unreadable file, a truncated gzip, a malformed JSON line or CSV row each
  becomes a record with ``error=(reason, detail)`` and its raw bytes (``REJECT_REASONS``).

Formats (by extension, or ``SourceConfig.format``): ``.txt`` (one article), ``.jsonl`` /
``.ndjson``, ``.json`` (an array, an object, or concatenated objects), ``.csv``, ``.tsv``;
each optionally ``.gz``, ``.bz2``, ``.xz`` or ``.zst``; and ``.zip`` / ``.tar`` /
``.tar.gz`` / ``.tgz`` / ``.tar.bz2`` / ``.tar.xz`` / ``.tar.zst`` archives of them.

Memory is bounded: line-based formats (JSONL, CSV, TSV) are streamed line by line, and
every single record, decompressed file and archive is held to a limit (``ReadLimits``).
"""

from __future__ import annotations

import bz2
import codecs
import csv
import errno
import glob
import gzip
import io
import itertools
import json
import lzma
import os
import re
import stat
import tarfile
import zipfile
import zlib
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import IO, Any, NamedTuple

from transforms.fields import SourceConfig, UnmappableError, check_layout
from transforms.records import RawRecord

# ---------------------------------------------------------------------------------------
# Reasons and limits
# ---------------------------------------------------------------------------------------

REJECT_REASONS: dict[str, str] = {
    "unreadable": "the file or member cannot be opened or read (permissions, a dangling link)",
    "vanished": "the file was listed at discovery but was gone when it was read",
    "symlink-loop": "the path is a symbolic link that loops back on itself",
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
}


@dataclass(frozen=True)
class ReadLimits:
    """Size limits that keep one worker's memory bounded whatever the input holds."""

    # A news article is rarely over 100 KB; 16 MiB leaves room for a 10 MB outlier while a
    # 50 MB "line" (a dump glued into one line) is refused.
    max_record_bytes: int = 16 * 1024**2
    # Total decompressed bytes read from one input file (an archive counts all members):
    # far above any real shard, far below what fills a disk or memory.
    max_expanded_bytes: int = 2 * 1024**3
    # Decompressed/compressed ratio above which data is a bomb; text compresses 3-15x,
    # repetitive JSON up to ~50x, a zip bomb 1000x and more.
    max_expansion_ratio: float = 200.0
    # The ratio guard starts only after this many decompressed bytes: a 1 KB gzip of a
    # 300 KB blank-padded file is not a bomb worth refusing.
    ratio_floor_bytes: int = 64 * 1024**2
    # At most this much of an oversized or unsupported input is kept as a reject's raw bytes.
    max_reject_raw_bytes: int = 1024**2
    # A .json file is parsed whole (unlike JSONL): refuse larger ones; split them into JSONL.
    max_json_bytes: int = 512 * 1024**2


DEFAULT_LIMITS = ReadLimits()

# Files skipped when walking a directory or glob (never when named directly): the
# documentation corpora ship with, which would otherwise be read as one-article .txt
# files. Matched on the file name without extension, case-insensitively.
DOC_FILE_STEMS: frozenset[str] = frozenset(
    {"readme", "license", "licence", "copying", "notice", "changelog", "contributing"}
)

_COMPRESSIONS = {".gz": "gzip", ".bz2": "bz2", ".xz": "xz", ".zst": "zstd"}
_FORMAT_EXTS = {
    ".txt": "txt",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
    ".csv": "csv",
    ".tsv": "tsv",
}
_TAR_EXTS = {".tgz": "gzip", ".tbz2": "bz2", ".txz": "xz"}
_CHUNK = 1024**2
# Reasons whose reject has no raw bytes when none could be read; its detail starts _NO_BYTES.
_NO_BYTES_REASONS = frozenset({"unreadable", "vanished", "symlink-loop"})
_NO_BYTES = "no bytes could be read: "
_SAMPLE = 1024**2  # bytes of a structured file used to choose its encoding


# ---------------------------------------------------------------------------------------
# Discovery
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class InputFile:
    """One input file as discovered.

    ``relpath`` is relative to the INPUT root (the file name when INPUT is one file), with
    "/" separators and any byte that is not UTF-8 written as ``\\xNN``, so it can be stored
    and compared; ``path`` is the real path to open.
    """

    path: str
    size: int
    relpath: str


class InputError(Exception):
    """The run cannot start: the input is missing or holds no files. One-line message."""


def _safe_text(name: str) -> str:
    # Names with bytes that are not UTF-8 arrive as surrogate escapes, which Parquet
    # cannot store; show those bytes as \xNN instead.
    try:
        name.encode("utf-8")
        return name
    except UnicodeEncodeError:
        return os.fsencode(name).decode("utf-8", "backslashreplace")


safe_text = _safe_text  # the public name: flows.manifest stores input paths with it


def _is_doc_file(name: str) -> bool:
    stem = name.split(".", 1)[0].lower()
    return stem in DOC_FILE_STEMS


def _excluded(path: str, exclude: Sequence[str]) -> bool:
    # Matched against the absolute path: a pattern matches any trailing part of it, so
    # "ag-news*/classes.txt" works whether INPUT is the corpus folder or its parent.
    if not exclude:
        return False
    from flows.sources import match_pattern  # local: sources imports this module

    return any(match_pattern(p, os.path.abspath(path)) for p in exclude)


def _file_entry(path: str, relpath: str) -> InputFile:
    try:
        size = os.stat(path).st_size
    except OSError:
        # A symlink loop or a dangling link: still listed, so reading it yields a reject.
        size = 0
    return InputFile(path=os.path.abspath(path), size=size, relpath=_safe_text(relpath))


def _walk(root: str, exclude: Sequence[str]) -> list[InputFile]:
    found: list[InputFile] = []
    seen_dirs: set[tuple[int, int]] = set()

    def visit(dirpath: str) -> None:
        try:
            st = os.stat(dirpath)
        except OSError:
            return
        key = (st.st_dev, st.st_ino)
        if key in seen_dirs:
            return  # a directory symlink back into the tree: its files are listed already
        seen_dirs.add(key)
        try:
            entries = sorted(os.scandir(dirpath), key=lambda e: e.name)
        except OSError:
            # A directory that cannot be listed becomes one reject instead of vanishing.
            rel = os.path.relpath(dirpath, root).replace(os.sep, "/")
            found.append(InputFile(os.path.abspath(dirpath), 0, _safe_text(rel) + "/"))
            return
        for entry in entries:
            if entry.name.startswith("."):
                continue  # hidden files and folders (.git, .DS_Store, editor swap files)
            rel = os.path.relpath(entry.path, root).replace(os.sep, "/")
            try:
                is_dir = entry.is_dir(follow_symlinks=True)
            except OSError:
                is_dir = False
            if is_dir:
                visit(entry.path)
                continue
            if _is_doc_file(entry.name) or _excluded(entry.path, exclude):
                continue
            found.append(_file_entry(entry.path, rel))

    visit(root)
    return found


_MAGIC = re.compile(r"[*?[]")


def discover_inputs(input: str, exclude: Sequence[str] = ()) -> list[InputFile]:
    """List the input files under ``input`` (a file, a directory or a glob), sorted by relpath.

    Directories are walked recursively, following symbolic links but never into a folder
    already seen (so a link loop ends). Hidden names (".git", ".DS_Store") and
    documentation files (``DOC_FILE_STEMS``: README, LICENSE, ...) are skipped, and so are
    paths matching ``exclude`` (patterns as in sources.toml). Every other file is listed,
    whatever its extension: one that cannot be read becomes a reject, never a silent gap.

    >>> discover_inputs("/no/such/dir")
    Traceback (most recent call last):
    ...
    flows.readers.InputError: input not found: /no/such/dir; pass an existing file, directory or glob
    """
    if not input:
        raise InputError("no input given; pass a file, a directory or a glob")
    if os.path.lexists(input) and not os.path.isdir(input):
        return [_file_entry(input, os.path.basename(input))]
    if os.path.isdir(input):
        files = _walk(input, exclude)
        if not files:
            raise InputError(f"input directory holds no files: {input}; check the path")
        return sorted(files, key=lambda f: f.relpath)
    if _MAGIC.search(input):
        parts = re.split(r"[/\\]", input)
        base_parts = []
        for part in parts:
            if _MAGIC.search(part):
                break
            base_parts.append(part)
        base = "/".join(base_parts) or "."
        files_by_rel: dict[str, InputFile] = {}
        for match in sorted(glob.glob(input, recursive=True)):
            rel_root = os.path.relpath(match, base).replace(os.sep, "/")
            if os.path.isdir(match):
                for f in _walk(match, exclude):
                    rel = f"{rel_root}/{f.relpath}" if rel_root != "." else f.relpath
                    files_by_rel[rel] = InputFile(f.path, f.size, rel)
            elif not (_is_doc_file(os.path.basename(match)) or _excluded(match, exclude)):
                files_by_rel[_safe_text(rel_root)] = _file_entry(match, rel_root)
        if not files_by_rel:
            raise InputError(f"no files match the glob {input}; check the pattern and quoting")
        return sorted(files_by_rel.values(), key=lambda f: f.relpath)
    raise InputError(f"input not found: {input}; pass an existing file, directory or glob")


# ---------------------------------------------------------------------------------------
# Formats
# ---------------------------------------------------------------------------------------


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
    compression = _COMPRESSIONS.get(ext)
    if compression:
        root, ext = os.path.splitext(root)
    if ext == ".tar":
        return Layout(compression, "tar", config.format if config else None)
    fmt = config.format if config and config.format else _FORMAT_EXTS.get(ext)
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
    m = re.search(r":(?:line|row|item):\d+(?::line:\d+)?$", body)
    return body[: m.start()] if m else body


# ---------------------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------------------


class _ReadFailure(Exception):
    """A failure that ends the reading of a stream; becomes one reject."""

    def __init__(self, reason: str, detail: str, raw: bytes = b"") -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail
        self.raw = raw  # the compressed bytes of a stream that ends early or is damaged


class _Budget:
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
            raise _ReadFailure(
                "archive-too-large",
                f"decompresses to more than {limits.max_expanded_bytes} bytes "
                "(ReadLimits.max_expanded_bytes); refused",
            )
        if (
            self.expanded > limits.ratio_floor_bytes
            and self.expanded / self.compressed > limits.max_expansion_ratio
        ):
            self.exhausted = True
            raise _ReadFailure(
                "archive-too-large",
                f"expands more than {limits.max_expansion_ratio:g}x ({self.compressed} bytes "
                f"to over {self.expanded}); refused as a decompression bomb",
            )


class _Head(io.RawIOBase):
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


class _Guarded(io.RawIOBase):
    """A binary stream whose errors become ``_ReadFailure`` and whose size is budgeted.

    ``source``: the compressed bytes under a decompressor; a truncated or corrupt failure
    carries their start (the whole compressed input when it ended early) as its raw bytes.
    """

    def __init__(
        self, inner: IO[bytes], budget: _Budget | None, what: str, source: _Head | None = None
    ) -> None:
        self.inner = inner
        self.budget = budget
        self.what = what
        self.source = source

    def failure(self, reason: str, detail: str) -> _ReadFailure:
        raw = bytes(self.source.head) if self.source is not None else b""
        if raw:
            # Truncated: the decompressor read every byte there is; corrupt: up to the damage.
            what = "the compressed bytes" if reason == "truncated" else "the compressed bytes read"
            detail = f"{detail} (raw: {what})"
        return _ReadFailure(reason, detail, raw)

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
        except _ReadFailure:
            raise
        except EOFError as exc:
            raise self.failure("truncated", f"{self.what} ends early: {exc}") from exc
        except (OSError, lzma.LZMAError, zlib.error, zipfile.BadZipFile, ValueError) as exc:
            if isinstance(exc, OSError) and exc.errno is not None:
                raise _ReadFailure("unreadable", f"{self.what}: {exc.strerror}") from exc
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


def _decompress(raw: IO[bytes], compression: str | None) -> IO[bytes]:
    if compression is None:
        return raw
    if compression == "gzip":
        return gzip.GzipFile(fileobj=raw, mode="rb")
    if compression == "bz2":
        return bz2.BZ2File(raw, mode="rb")
    if compression == "xz":
        return lzma.LZMAFile(raw, mode="rb")
    return _ZstdReader(raw)


class _ZstdReader(io.RawIOBase):
    """Zstandard frames, one after another; unlike ``stream_reader`` it notices truncation
    (a stream that ends inside a frame), which must be a reject, not a short article."""

    def __init__(self, raw: IO[bytes]) -> None:
        import zstandard

        self.raw = raw
        self.factory = zstandard.ZstdDecompressor
        self.dobj = self.factory().decompressobj()
        self.fed = False

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        while True:
            chunk = self.raw.read(_CHUNK)
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


def _read_at_most(stream: IO[bytes], n: int) -> bytes:
    parts = []
    got = 0
    while got < n:
        data = stream.read(min(_CHUNK, n - got))
        if not data:
            break
        parts.append(data)
        got += len(data)
    return b"".join(parts)


class _Reader:
    """Reads one input file; every method yields records and never raises for content."""

    def __init__(self, file: InputFile, config: SourceConfig, limits: ReadLimits) -> None:
        self.file = file
        self.config = config
        self.limits = limits
        self.budget = _Budget(file.size, limits)

    def reject(
        self, locator: str | None, reason: str, detail: str, raw: bytes = b""
    ) -> RawRecord:
        if not raw and reason in _NO_BYTES_REASONS and not detail.startswith(_NO_BYTES):
            # raw is empty because nothing could be read, not because the file is empty.
            detail = f"{_NO_BYTES}{detail}"
        cap = self.limits.max_reject_raw_bytes
        if len(raw) > cap:
            detail = f"{detail} (raw bytes cut to the first {cap})"
            raw = raw[:cap]
        return RawRecord(_safe_text(self.file.path), locator, raw, error=(reason, detail))

    # -- the file ------------------------------------------------------------------------

    def records(self) -> Iterator[RawRecord]:
        path = self.file.path
        layout = layout_of(self.file.relpath, self.config)
        try:
            st = os.stat(path)
        except OSError as exc:
            yield self.reject(None, *_open_error(path, exc))
            return
        mode = st.st_mode
        # The size now, not at discovery: the expansion ratio is measured against it.
        self.budget = _Budget(st.st_size, self.limits)
        if stat.S_ISDIR(mode):
            yield self.reject(None, "unreadable", "a directory that cannot be listed")
            return
        if not stat.S_ISREG(mode):
            # Opening a FIFO would block the worker forever; a device is not a corpus.
            yield self.reject(None, "unreadable", "not a regular file (a pipe, socket or device)")
            return
        try:
            handle = open(path, "rb")  # noqa: SIM115 (closed below; generators need it open)
        except OSError as exc:
            yield self.reject(None, *_open_error(path, exc))
            return
        with handle:
            if layout.archive is None and layout.format is None:
                head = _safe_read(handle, self.limits.max_reject_raw_bytes)
                yield self.reject(
                    None,
                    "unsupported-format",
                    f"{_ext_of(self.file.relpath)!r} is not a format copydesk reads "
                    "(txt, jsonl, ndjson, json, csv, tsv; gz, bz2, xz, zst; zip, tar); "
                    "set format in sources.toml if the content is one of them",
                    head,
                )
                return
            budget = self.budget
            if layout.archive == "zip":
                yield from self.zip_records(handle, budget)
                return
            stream: IO[bytes] = handle
            head = _Head(handle, self.limits.max_reject_raw_bytes + 1)
            if layout.compression:
                stream = _Guarded(
                    _decompress(head, layout.compression), budget,
                    f"{layout.compression} stream", head,
                )
            else:
                stream = _Guarded(head, None, "file")
            if layout.archive == "tar":
                yield from self.tar_records(stream, head)
                return
            yield from self.stream_records(stream, layout.format or "txt", "")

    # -- archives ------------------------------------------------------------------------

    def zip_records(self, handle: IO[bytes], budget: _Budget) -> Iterator[RawRecord]:
        try:
            archive = zipfile.ZipFile(handle)
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            # A zip starts with a local header and ends with its directory: a file that
            # starts right but has no directory was cut short.
            head = _safe_read(handle, 4, rewind=True)
            reason = "truncated" if head == b"PK\x03\x04" else "corrupt"
            yield self.reject(None, reason, f"not a readable zip archive: {exc}",
                              _safe_read(handle, self.limits.max_reject_raw_bytes, rewind=True))
            return
        with archive:
            members = [
                i for i in archive.infolist() if not i.is_dir() and not _hidden_member(i.filename)
            ]
            # Refuse a bomb before reading a byte of it: the declared sizes are checked
            # here, the real ones (which can lie) by the budget while reading.
            declared = sum(i.file_size for i in members)
            limits = self.limits
            if declared > limits.max_expanded_bytes or (
                declared > limits.ratio_floor_bytes
                and declared / max(self.file.size, 1) > limits.max_expansion_ratio
            ):
                yield self.reject(
                    None,
                    "archive-too-large",
                    f"zip declares {declared} bytes in {len(members)} members from "
                    f"{self.file.size} compressed (limits: {limits.max_expanded_bytes} bytes, "
                    f"{limits.max_expansion_ratio:g}x); refused",
                )
                return
            if not members:
                yield self.reject(None, "empty", "the zip archive holds no files")
                return
            for info in sorted(members, key=lambda i: i.filename):
                prefix = f"member:{_safe_text(info.filename)}:"
                try:
                    inner = archive.open(info)
                except (RuntimeError, NotImplementedError, zipfile.BadZipFile, OSError) as exc:
                    reason = "unreadable" if isinstance(exc, RuntimeError) else "corrupt"
                    if isinstance(exc, NotImplementedError):
                        reason = "unsupported-format"
                    yield self.reject(prefix[:-1], reason, f"cannot open zip member: {exc}")
                    continue
                with inner:
                    stream = _Guarded(inner, budget, f"zip member {info.filename}")
                    yield from self.member_records(stream, info.filename, prefix)
                if budget.exhausted:
                    return

    def tar_records(self, stream: IO[bytes], head: _Head) -> Iterator[RawRecord]:
        count = 0
        try:
            # "r|": a stream, read once front to back; memory stays flat for any size.
            with tarfile.open(fileobj=stream, mode="r|") as archive:
                for member in archive:
                    name = member.name
                    if _hidden_member(name) or member.isdir():
                        continue
                    count += 1
                    prefix = f"member:{_safe_text(name)}:"
                    if not member.isfile():
                        yield self.reject(
                            prefix[:-1], "unsupported-format",
                            "tar member is a link or device, not a regular file",
                        )
                        continue
                    inner = archive.extractfile(member)
                    if inner is None:
                        continue
                    guarded = _Guarded(inner, None, f"tar member {name}")
                    yield from self.member_records(guarded, name, prefix)
                    if self.budget.exhausted:
                        return
        except _ReadFailure as exc:
            yield self.reject(None, exc.reason, f"{exc.detail} (after {count} tar members)",
                              exc.raw)
            return
        except (tarfile.TarError, EOFError, OSError) as exc:
            text = str(exc)
            reason = "truncated" if ("unexpected end" in text or isinstance(exc, EOFError)) else "corrupt"
            # The tar was read to its break: its head is the file's bytes.
            yield self.reject(None, reason, f"tar archive: {exc} (after {count} members)",
                              bytes(head.head))
            return
        if count == 0:
            yield self.reject(None, "empty", "the tar archive holds no files")

    def member_records(self, stream: IO[bytes], name: str, prefix: str) -> Iterator[RawRecord]:
        layout = layout_of(name, self.config)
        if layout.archive is not None:
            yield self.reject(
                prefix[:-1], "unsupported-format", "an archive inside an archive is not read; unpack it"
            )
            return
        if layout.format is None:
            try:
                head = _read_at_most(stream, self.limits.max_reject_raw_bytes)
            except _ReadFailure as exc:
                yield self.reject(prefix[:-1], exc.reason, exc.detail, exc.raw)
                return
            yield self.reject(
                prefix[:-1], "unsupported-format",
                f"{_ext_of(name)!r} is not a format copydesk reads", head,
            )
            return
        if layout.compression:
            head = _Head(stream, self.limits.max_reject_raw_bytes + 1)
            stream = _Guarded(_decompress(head, layout.compression), self.budget, name, head)
        yield from self.stream_records(stream, layout.format, prefix)

    # -- one decompressed stream ---------------------------------------------------------

    def stream_records(self, stream: IO[bytes], fmt: str, prefix: str) -> Iterator[RawRecord]:
        try:
            if fmt == "txt":
                yield from self.text_records(stream, prefix)
            elif fmt == "json":
                yield from self.json_records(stream, prefix)
            else:
                yield from self.line_records(stream, fmt, prefix)
        except _ReadFailure as exc:
            yield self.reject(prefix[:-1] or None, exc.reason, exc.detail, exc.raw)

    def text_records(self, stream: IO[bytes], prefix: str) -> Iterator[RawRecord]:
        locator = prefix[:-1] or None
        limit = self.limits.max_record_bytes
        raw = _read_at_most(stream, limit + 1)
        if len(raw) > limit:
            # Not read to the end just to say how big it is: the limit is what matters.
            yield self.reject(
                locator, "record-too-large",
                f"article of more than {limit} bytes (ReadLimits.max_record_bytes)", raw,
            )
            return
        problem = _text_problem(raw)
        if problem is not None:
            yield self.reject(locator, *problem, raw)
            return
        yield RawRecord(_safe_text(self.file.path), locator, raw, kind="text")

    def json_records(self, stream: IO[bytes], prefix: str) -> Iterator[RawRecord]:
        where = prefix[:-1] or None
        limit = self.limits.max_json_bytes
        raw = _read_at_most(stream, limit + 1)
        if len(raw) > limit:
            yield self.reject(
                where, "record-too-large",
                f".json file over {limit} bytes (ReadLimits.max_json_bytes) is not parsed whole; "
                "write it as JSON Lines (.jsonl) instead",
                raw,
            )
            return
        problem = _text_problem(raw)
        if problem is not None:
            yield self.reject(where, *problem, raw)
            return
        decoded = _decode(raw, self.config.encoding)
        if isinstance(decoded, tuple):
            yield self.reject(where, *decoded, raw)
            return
        text = decoded.text
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            if exc.msg == "Extra data" and text.lstrip().startswith("{"):
                # Several objects one after another: JSON Lines under a .json name.
                yield from self.line_records(io.BytesIO(raw), "jsonl", prefix)
                return
            yield self.reject(
                f"{prefix}line:{exc.lineno}", "invalid-json",
                f"{exc.msg} at line {exc.lineno} column {exc.colno}", raw,
            )
            return
        items: list[Any] = value if isinstance(value, list) else [value]
        if not items:
            yield self.reject(where, "empty", "the JSON array holds no records", raw)
            return
        codec = _codec_for(decoded.encoding)
        for number, item in enumerate(items, 1):
            locator = f"{prefix}item:{number}"
            # A parsed .json has no byte offsets per item: raw is the item written back
            # as compact JSON in the file's encoding.
            item_raw = json.dumps(item, ensure_ascii=False).encode(codec or "utf-8", "replace")
            if not isinstance(item, dict):
                yield self.reject(
                    locator, "invalid-json", f"expected a JSON object, got {_json_kind(item)}",
                    item_raw,
                )
                continue
            yield RawRecord(
                _safe_text(self.file.path), locator, item_raw, kind="fields", fields=item,
                encoding=decoded.encoding, encoding_steps=decoded.steps,
            )

    # -- line-based formats ---------------------------------------------------------------

    def line_records(self, stream: IO[bytes], fmt: str, prefix: str) -> Iterator[RawRecord]:
        limits = self.limits
        sample, failure = _read_sample(stream)
        where = prefix[:-1] or None
        if failure is not None and not sample.strip():
            raise failure
        if not sample:
            yield self.reject(where, "empty", "the file holds no bytes")
            return
        if not sample.strip():
            rest = _read_at_most(stream, 1)
            if not rest:
                yield self.reject(where, "blank", "the file holds only white space", sample)
                return
            sample += rest
        if _looks_binary(sample):
            yield self.reject(where, "undecodable", _binary_detail(sample), sample)
            return
        lines: Iterator[_Line]
        wide = _wide_encoding(sample, self.config.encoding)
        if wide is not None:
            if failure is not None:
                raise failure
            # UTF-16/32 cannot be split on b"\n": decode whole (bounded), re-encode as UTF-8,
            # and give each record its original bytes back in the file's encoding.
            whole = sample + _read_at_most(stream, limits.max_json_bytes)
            if _read_at_most(stream, 1):
                yield self.reject(where, "record-too-large",
                                  f"{wide} file over {limits.max_json_bytes} bytes is not read",
                                  sample)
                return
            decoded = _decode(whole, self.config.encoding or wide)
            if isinstance(decoded, tuple):
                yield self.reject(where, *decoded, sample)
                return
            encoding, steps = decoded.encoding, decoded.steps
            out_codec = _codec_for(encoding) or "utf-8"
            lines = _iter_lines(io.BytesIO(decoded.text.encode("utf-8")), limits)
            line_codec = "utf-8"

            def original(b: bytes) -> bytes:
                return b.decode("utf-8").encode(out_codec, "replace")
        else:
            steps: tuple[str, ...] = ()
            if sample.startswith(codecs.BOM_UTF8):
                sample = sample[len(codecs.BOM_UTF8):]
                steps = ("bom",)
            probe = sample if len(sample) < _SAMPLE else sample[: sample.rfind(b"\n") + 1] or sample
            decoded = _decode(probe.replace(b"\x00", b""), self.config.encoding)
            if isinstance(decoded, tuple):
                yield self.reject(where, *decoded, sample)
                return
            encoding = decoded.encoding
            file_steps = decoded.steps
            if encoding.startswith("mixed:utf-8"):
                # Mostly UTF-8: lines that are clean UTF-8 say so; only the others are
                # decoded on their own (and say how).
                encoding, file_steps = "utf-8", ()
            steps = steps + tuple(s for s in file_steps if s not in steps)
            line_codec = _codec_for(encoding)
            lines = _iter_lines(_Prefixed(sample, stream, failure), limits)

            def original(b: bytes) -> bytes:
                return b

        decoder = _LineDecoder(line_codec, encoding, steps, self.config.encoding)
        if fmt == "jsonl":
            yield from self.jsonl_rows(lines, decoder, original, prefix)
        else:
            yield from self.csv_rows(lines, decoder, original, prefix, fmt)

    def jsonl_rows(
        self, lines: Iterable[_Line], decoder: _LineDecoder,
        original: Callable[[bytes], bytes], prefix: str,
    ) -> Iterator[RawRecord]:
        count = 0
        last = 0
        try:
            for line in lines:
                last = line.number + line.span - 1
                line_raw = line.raw[:-1] if line.raw.endswith(b"\r") else line.raw
                raw = original(line_raw)
                if not line.too_long and not raw.strip():
                    continue  # blank lines separate nothing in JSON Lines
                count += 1
                locator = f"{prefix}line:{line.number}"
                if line.too_long:
                    yield self.reject(
                        locator, "record-too-large",
                        f"line of {line.size} bytes passes the {self.limits.max_record_bytes}-byte "
                        "limit (ReadLimits.max_record_bytes)", raw,
                    )
                    continue
                if b"\x00" in line.raw:
                    yield self.reject(locator, "nul-bytes",
                                      f"{line.raw.count(0)} NUL bytes in the line", raw)
                    continue
                text, enc, steps = decoder.decode(line_raw)
                if text is None:
                    yield self.reject(locator, "undecodable", enc, raw)
                    continue
                try:
                    value = json.loads(text)
                except json.JSONDecodeError as exc:
                    yield self.reject(locator, "invalid-json", f"{exc.msg} at column {exc.colno}", raw)
                    continue
                if not isinstance(value, dict):
                    yield self.reject(locator, "invalid-json",
                                      f"expected a JSON object, got {_json_kind(value)}", raw)
                    continue
                yield RawRecord(_safe_text(self.file.path), locator, raw, kind="fields", fields=value,
                                encoding=enc, encoding_steps=steps)
        except _ReadFailure as exc:
            yield self.reject(f"{prefix}line:{last + 1}", exc.reason,
                              f"{exc.detail} (after {count} records)", exc.raw)
            return
        if count == 0:
            yield self.reject(prefix[:-1] or None, "blank", "the file holds only blank lines")

    def csv_rows(
        self, lines: Iterable[_Line], decoder: _LineDecoder,
        original: Callable[[bytes], bytes], prefix: str, fmt: str,
    ) -> Iterator[RawRecord]:
        config = self.config
        limit = self.limits.max_record_bytes
        # The csv module refuses fields over 128 KiB by default; our own limit applies.
        csv.field_size_limit(max(limit, csv.field_size_limit()))
        delimiter = config.delimiter or ("\t" if fmt == "tsv" else ",")
        columns: list[str] | None = list(config.columns) if config.columns else None
        need_header = config.header
        source = iter(lines)
        replay: deque[_Line] = deque()
        row_number = 0
        rows_seen = 0
        where = prefix[:-1] or None
        if columns is not None:
            try:
                check_layout(columns, config)
            except UnmappableError as exc:
                yield self.reject(where, "unmappable", str(exc))
                return

        def next_line() -> _Line | None:
            if replay:
                return replay.popleft()
            return next(source, None)

        try:
            while True:
                line = next_line()
                if line is None:
                    break
                if not line.too_long and not line.raw.strip():
                    continue  # an empty line between rows
                # Collect the physical lines of one row: it ends at a line end outside
                # quotes, i.e. when the row has an even number of quote characters.
                pending = [line]
                quotes = line.quotes if line.too_long else line.raw.count(b'"')
                size = line.size
                # An odd count may still be a whole row: a quote inside an unquoted field
                # is literal (5"10 in a TSV); ask the csv module about that one line.
                closed = quotes % 2 == 0 or (
                    not line.too_long and _parses_alone(line.raw, decoder, delimiter)
                )
                while not closed and size <= limit:
                    nxt = next_line()
                    if nxt is None:
                        break
                    pending.append(nxt)
                    quotes += nxt.quotes if nxt.too_long else nxt.raw.count(b'"')
                    size += nxt.size
                    closed = quotes % 2 == 0
                first = pending[0].number
                row = pending[0].raw if len(pending) == 1 else b"\n".join(p.raw for p in pending)
                if row.endswith(b"\r"):
                    row = row[:-1]
                raw = original(row)
                is_header = need_header
                if not is_header:
                    row_number += 1
                locator = (
                    f"{prefix}line:{first}" if is_header else f"{prefix}row:{row_number}:line:{first}"
                )
                rows_seen += 1
                if not closed:
                    # A quote that never closes (within the size limit or before the end of
                    # the file): reject the line it opened on, and read on from the next line,
                    # so one stray quote costs one row, not the rest of the file.
                    replay.extendleft(reversed(pending[1:]))
                    yield self.reject(
                        locator, "invalid-csv",
                        "unbalanced quote: the quoted field does not close "
                        + ("before the end of the file" if size <= limit else f"within {limit} bytes"),
                        original(pending[0].raw.rstrip(b"\r")),
                    )
                    if is_header:
                        return
                    continue
                if any(p.too_long for p in pending) or size > limit:
                    yield self.reject(
                        locator, "record-too-large",
                        f"row of {size} bytes passes the {limit}-byte limit (ReadLimits.max_record_bytes)",
                        raw,
                    )
                    if is_header:
                        return
                    continue
                if b"\x00" in row:
                    yield self.reject(locator, "nul-bytes", "NUL bytes in the row", raw)
                    if is_header:
                        return
                    continue
                text, enc, steps = decoder.decode(row)
                if text is None:
                    yield self.reject(locator, "undecodable", enc, raw)
                    continue
                try:
                    # One string, newlines inside quotes included: the row was cut at a
                    # line end outside quotes, so it parses as exactly one row or fails.
                    parsed = list(csv.reader([text], delimiter=delimiter, strict=True))
                except csv.Error as exc:
                    yield self.reject(locator, "invalid-csv", f"broken quoting: {exc}", raw)
                    if is_header:
                        return
                    continue
                if len(parsed) != 1:
                    yield self.reject(locator, "invalid-csv",
                                      f"expected one row, parsed {len(parsed)}", raw)
                    continue
                values = parsed[0]
                if is_header:
                    need_header = False
                    if columns is None:
                        columns = _column_names(values)
                        try:
                            check_layout(columns, config)
                        except UnmappableError as exc:
                            yield self.reject(locator, "unmappable", str(exc), raw)
                            return
                    continue
                if columns is None:
                    # header = false and no column list: name them by position.
                    columns = [f"column_{i}" for i in range(1, len(values) + 1)]
                    try:
                        check_layout(columns, config)
                    except UnmappableError as exc:
                        yield self.reject(where, "unmappable", str(exc))
                        return
                if len(values) != len(columns):
                    yield self.reject(
                        locator, "invalid-csv",
                        f"row has {len(values)} fields, the header has {len(columns)}", raw,
                    )
                    continue
                yield RawRecord(
                    _safe_text(self.file.path), locator, raw, kind="fields",
                    fields=dict(zip(columns, values, strict=True)),
                    encoding=enc, encoding_steps=steps,
                )
        except _ReadFailure as exc:
            yield self.reject(
                f"{prefix}row:{row_number + 1}" if row_number else where,
                exc.reason, f"{exc.detail} (after {row_number} rows)", exc.raw,
            )
            return
        if row_number == 0:
            what = "only a header row" if rows_seen else "no rows"
            yield self.reject(where, "empty", f"the {fmt} file holds {what}")


# ---------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------


class _Line(NamedTuple):
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


def _iter_lines(stream: IO[bytes], limits: ReadLimits) -> Iterator[_Line]:
    """Physical lines (split at b"\n"), streamed; an over-long line is skipped, not held;
    a run of empty lines is one value (``_Line.span``)."""
    max_line = limits.max_record_bytes
    keep = limits.max_reject_raw_bytes
    number = 0
    carry: list[bytes] = []  # the start of a line that continues in the next chunk
    carry_size = 0
    carry_quotes = 0  # counted only once the line is over-long (then carry holds its start)
    too_long = False
    while True:
        chunk = stream.read(_CHUNK)
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
                    yield _Line(number, carry[0], size, carry_quotes + piece.count(b'"'), True)
                else:
                    line = b"".join(carry) + piece
                    if size > max_line:
                        yield _Line(number, line[:keep], size, line.count(b'"'), True)
                    else:
                        yield _Line(number, line, size, -1, False)
                carry, carry_size, carry_quotes, too_long = [], 0, 0, False
            elif len(piece) >= max_line:
                yield _Line(number, piece[:keep], len(piece) + 1, piece.count(b'"'), True)
            else:
                yield _Line(number, piece, len(piece) + 1, -1, False)
            if run:  # the empty lines after this one, as one value
                span = run.count(b"\n")
                yield _Line(number + 1, run[:-1], len(run), -1, False, span)
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
            yield _Line(number, carry[0], carry_size, carry_quotes, True)
        else:
            yield _Line(number, b"".join(carry), carry_size, -1, False)


class _Prefixed(io.RawIOBase):
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


def _read_sample(stream: IO[bytes]) -> tuple[bytes, _ReadFailure | None]:
    """The first ``_SAMPLE`` bytes, and the failure if the stream broke inside them."""
    parts: list[bytes] = []
    got = 0
    try:
        while got < _SAMPLE:
            data = stream.read(min(_CHUNK, _SAMPLE - got))
            if not data:
                break
            parts.append(data)
            got += len(data)
    except _ReadFailure as exc:
        return b"".join(parts), exc
    return b"".join(parts), None


class _LineDecoder:
    """Decodes each line in the encoding chosen for the file; a line that does not fit it
    (a cp1252 byte deep in a UTF-8 dump) is decoded on its own."""

    def __init__(
        self, codec: str | None, encoding: str, steps: tuple[str, ...], declared: str | None
    ) -> None:
        self.codec = codec
        self.encoding = encoding
        self.steps = steps
        self.declared = declared

    def decode(self, raw: bytes) -> tuple[str | None, str, tuple[str, ...]]:
        if self.codec is not None:
            try:
                return raw.decode(self.codec), self.encoding, self.steps
            except UnicodeDecodeError:
                pass
        if not raw.strip():
            return raw.decode("latin-1"), self.encoding, self.steps
        decoded = _decode(raw, self.declared)
        if isinstance(decoded, tuple):
            return None, decoded[1], ()
        return decoded.text, decoded.encoding, decoded.steps


def _decode(raw: bytes, declared: str | None) -> Any:
    """``transforms.encoding.decode``, or ``(reason, detail)`` when the bytes are not text."""
    from transforms.encoding import UndecodableError, decode

    try:
        return decode(raw, declared)
    except UndecodableError as exc:
        return (exc.reason, exc.detail)


def _codec_for(encoding: str) -> str | None:
    """A Python codec for the encoding ``decode`` named, None when it names a mixture."""
    name = {"cp1252": "sloppy-windows-1252"}.get(encoding, encoding)
    try:
        codecs.lookup(name)
    except LookupError:
        return None
    return name


def _wide_encoding(sample: bytes, declared: str | None) -> str | None:
    """UTF-16/32 (by BOM, declaration or NUL pattern): lines cannot be split on b"\\n"."""
    if declared:
        try:
            name = codecs.lookup(declared).name
        except LookupError:
            name = ""
        if name.startswith(("utf-16", "utf-32")):
            return name
    for bom, name in (
        (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if sample.startswith(bom):
            return name
    even, odd = sample[0::2], sample[1::2]
    half = max(len(sample) // 2, 1)
    if odd.count(0) > 0.6 * half and even.count(0) < 0.02 * half:
        return "utf-16-le"
    if even.count(0) > 0.6 * half and odd.count(0) < 0.02 * half:
        return "utf-16-be"
    return None


_BINARY_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "a PDF document"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"PK\x03\x04", "a zip archive (name it .zip)"),
    (b"\x1f\x8b", "gzip data (name it .gz)"),
    (b"BZh", "bzip2 data (name it .bz2)"),
    (b"\xfd7zXZ\x00", "xz data (name it .xz)"),
    (b"\x28\xb5\x2f\xfd", "zstd data (name it .zst)"),
    (b"\x7fELF", "an executable"),
    (b"SQLite format 3\x00", "an SQLite database"),
    (b"PAR1", "a Parquet file"),
)


def _binary_detail(sample: bytes) -> str:
    for magic, what in _BINARY_MAGIC:
        if sample.startswith(magic):
            return f"the bytes are {what}, not text"
    controls = sum(sample.count(bytes([c])) for c in _CONTROL_BYTES)
    return f"{controls} control bytes in the first {len(sample)}: binary, not text"


# Bytes that text does not contain (TAB, LF, VT, FF, CR and ESC left out); NUL counts.
_CONTROL_BYTES = bytes([*range(0, 9), *range(14, 27), *range(28, 32)])


def _looks_binary(sample: bytes) -> bool:
    if any(sample.startswith(m) for m, _ in _BINARY_MAGIC):
        return True
    if _wide_encoding(sample, None) is not None:
        return False
    head = sample[:65536]
    controls = len(head) - len(head.translate(None, _CONTROL_BYTES))
    # A few stray NULs or controls make a damaged text (rejected per record); many make
    # binary data. 10% is far above any text and far below any image or executable.
    return controls > 0.10 * len(head)


def _text_problem(raw: bytes) -> tuple[str, str] | None:
    """Why a whole .txt (or .json) file cannot be an article, or None."""
    if not raw:
        return ("empty", "the file holds no bytes")
    if not raw.strip(b" \t\r\n\x0b\x0c") or raw.strip() == codecs.BOM_UTF8:
        return ("blank", "the file holds only white space")
    if _looks_binary(raw[:65536]):
        return ("undecodable", _binary_detail(raw[:65536]))
    if b"\x00" in raw and _wide_encoding(raw[:65536], None) is None and not raw.startswith(
        (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
    ):
        return ("nul-bytes", f"{raw.count(0)} NUL bytes in a text file")
    return None


def _parses_alone(raw: bytes, decoder: _LineDecoder, delimiter: str) -> bool:
    """Whether one physical line is a complete CSV row by itself (strict parsing)."""
    text = decoder.decode(raw)[0]
    if text is None:
        return False
    try:
        return len(list(csv.reader([text], delimiter=delimiter, strict=True))) == 1
    except csv.Error:
        return False


def _column_names(values: Sequence[str]) -> list[str]:
    """Header names as given; an empty one becomes column_N, a repeated one name_2, ..."""
    names: list[str] = []
    for i, value in enumerate(values, 1):
        name = value.strip() or f"column_{i}"
        base, n = name, 2
        while name in names:
            name = f"{base}_{n}"
            n += 1
        names.append(name)
    return names


def _json_kind(value: Any) -> str:
    return {list: "an array", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(value), "a number"
    )


def _hidden_member(name: str) -> bool:
    parts = [p for p in name.split("/") if p]
    return any(p.startswith(".") or p == "__MACOSX" for p in parts)


def _ext_of(name: str) -> str:
    base = name.rsplit("/", 1)[-1]
    return os.path.splitext(base)[1] or "(no extension)"


def _safe_read(handle: IO[bytes], n: int, rewind: bool = False) -> bytes:
    try:
        if rewind:
            handle.seek(0)
        return handle.read(n)
    except OSError:
        return b""


def _open_error(path: str, exc: OSError) -> tuple[str, str]:
    if exc.errno == errno.ELOOP:
        return ("symlink-loop", f"symbolic link loop at {_safe_text(path)}")
    if isinstance(exc, FileNotFoundError):
        if os.path.islink(path):
            return ("unreadable", f"dangling symbolic link to {_safe_text(os.readlink(path))}")
        return ("vanished", "the file was listed but is gone")
    if isinstance(exc, PermissionError):
        return ("unreadable", f"permission denied: {_safe_text(path)}")
    return ("unreadable", f"{exc.strerror or exc}")


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
    reader = _Reader(file, config, limits)
    try:
        yield from reader.records()
    except _ReadFailure as exc:
        yield reader.reject(None, exc.reason, exc.detail, exc.raw)
    except OSError as exc:
        # A file that vanished or became unreadable between two reads.
        yield reader.reject(None, *_open_error(file.path, exc))


__all__ = [
    "DEFAULT_LIMITS",
    "DOC_FILE_STEMS",
    "REJECT_REASONS",
    "InputError",
    "InputFile",
    "Layout",
    "ReadLimits",
    "discover_inputs",
    "iter_records",
    "layout_of",
    "record_format",
]
