"""Archives: the members of a zip or tar file, each read by its own name's layout.

Members are read in name order (zip) or archive order (tar), in memory: nothing is ever
extracted to disk, so a name with ``..`` or a leading "/" is read as data like any other.
Hidden members and ``__MACOSX/`` are skipped; a name seen twice gets ``index:<N>`` (its
place in the archive) in its locator; an archive inside an archive is a reject. A zip whose declared
sizes pass the limits is refused before a byte is read; every member's decompressed
bytes count against the input's one ``Budget``. A tar is read as a stream, once, front
to back, so memory stays flat whatever its size.
"""

from __future__ import annotations

import tarfile
import zipfile
from collections.abc import Iterator
from typing import IO

from flows.readers.discovery import safe_text
from flows.readers.layout import ext_of, layout_of
from flows.readers.registry import decompresses_itself, read_stream
from flows.readers.rejects import Reading
from flows.readers.streams import Budget, Guarded, Head, ReadFailure, decompress, read_at_most, safe_read
from transforms.records import RawRecord

__all__ = ["tar_records", "zip_records"]


def zip_records(reading: Reading, handle: IO[bytes], budget: Budget) -> Iterator[RawRecord]:
    try:
        archive = zipfile.ZipFile(handle)
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        # A zip starts with a local header and ends with its directory: a file that
        # starts right but has no directory was cut short.
        head = safe_read(handle, 4, rewind=True)
        reason = "truncated" if head == b"PK\x03\x04" else "corrupt"
        yield reading.reject(None, reason, f"not a readable zip archive: {exc}",
                          safe_read(handle, reading.limits.max_reject_raw_bytes, rewind=True))
        return
    with archive:
        # The member's 1-based place in the archive: the locator of a repeated name.
        index = {id(info): n for n, info in enumerate(archive.infolist(), 1)}
        members = [
            i for i in archive.infolist() if not i.is_dir() and not _hidden_member(i.filename)
        ]
        # Refuse a bomb before reading a byte of it: the declared sizes are checked
        # here, the real ones (which can lie) by the budget while reading.
        declared = sum(i.file_size for i in members)
        limits = reading.limits
        if declared > limits.max_expanded_bytes or (
            declared > limits.ratio_floor_bytes
            and declared / max(reading.file.size, 1) > limits.max_expansion_ratio
        ):
            yield reading.reject(
                None,
                "archive-too-large",
                f"zip declares {declared} bytes in {len(members)} members from "
                f"{reading.file.size} compressed (limits: {limits.max_expanded_bytes} bytes, "
                f"{limits.max_expansion_ratio:g}x); refused",
            )
            return
        if not members:
            yield reading.reject(None, "empty", "the zip archive holds no files")
            return
        seen: set[str] = set()
        for info in sorted(members, key=lambda i: (i.filename, index[id(i)])):
            prefix = _member_prefix(info.filename, index[id(info)], seen)
            try:
                inner = archive.open(info)
            except (RuntimeError, NotImplementedError, zipfile.BadZipFile, OSError) as exc:
                reason = "unreadable" if isinstance(exc, RuntimeError) else "corrupt"
                if isinstance(exc, NotImplementedError):
                    reason = "unsupported-format"
                yield reading.reject(prefix[:-1], reason, f"cannot open zip member: {exc}")
                continue
            with inner:
                stream = Guarded(inner, budget, f"zip member {info.filename}")
                yield from _member_records(reading, stream, info.filename, prefix)
            if budget.exhausted:
                return

def tar_records(reading: Reading, stream: IO[bytes], head: Head) -> Iterator[RawRecord]:
    count = 0
    seen: set[str] = set()
    try:
        # "r|": a stream, read once front to back; memory stays flat for any size.
        with tarfile.open(fileobj=stream, mode="r|") as archive:
            for position, member in enumerate(archive, 1):
                name = member.name
                if _hidden_member(name) or member.isdir():
                    continue
                count += 1
                prefix = _member_prefix(name, position, seen)
                if not member.isfile():
                    yield reading.reject(
                        prefix[:-1], "unsupported-format",
                        "tar member is a link or device, not a regular file",
                    )
                    continue
                inner = archive.extractfile(member)
                if inner is None:
                    continue
                guarded = Guarded(inner, None, f"tar member {name}")
                yield from _member_records(reading, guarded, name, prefix)
                if reading.budget.exhausted:
                    return
    except ReadFailure as exc:
        yield reading.reject(None, exc.reason, f"{exc.detail} (after {count} tar members)",
                          exc.raw)
        return
    except (tarfile.TarError, EOFError, OSError) as exc:
        text = str(exc)
        reason = "truncated" if ("unexpected end" in text or isinstance(exc, EOFError)) else "corrupt"
        # The tar was read to its break: its head is the file's bytes.
        yield reading.reject(None, reason, f"tar archive: {exc} (after {count} members)",
                          bytes(head.head))
        return
    if count == 0:
        yield reading.reject(None, "empty", "the tar archive holds no files")

def _member_records(reading: Reading, stream: IO[bytes], name: str, prefix: str) -> Iterator[RawRecord]:
    layout = layout_of(name, reading.config)
    if layout.archive is not None:
        yield reading.reject(
            prefix[:-1], "unsupported-format", "an archive inside an archive is not read; unpack it"
        )
        return
    if layout.format is None:
        try:
            head = read_at_most(stream, reading.limits.max_reject_raw_bytes)
        except ReadFailure as exc:
            yield reading.reject(prefix[:-1], exc.reason, exc.detail, exc.raw)
            return
        yield reading.reject(
            prefix[:-1], "unsupported-format",
            f"{ext_of(name)!r} is not a format copydesk reads", head,
        )
        return
    if layout.compression and not decompresses_itself(layout.format, layout.compression):
        head = Head(stream, reading.limits.max_reject_raw_bytes + 1)
        stream = Guarded(decompress(head, layout.compression), reading.budget, name, head)
    yield from read_stream(reading, stream, layout.format, prefix)


def _member_prefix(name: str, position: int, seen: set[str]) -> str:
    """The locator prefix of a member: ``member:<name>:``, and for a name already seen in
    this archive (a zip or tar may hold one name twice) ``member:<name>:index:<position>:``,
    so the two never share a locator or an article id.

    >>> seen = set()
    >>> _member_prefix("a.txt", 1, seen), _member_prefix("a.txt", 3, seen)
    ('member:a.txt:', 'member:a.txt:index:3:')
    """
    prefix = f"member:{safe_text(name)}:"
    if name in seen:
        return f"{prefix}index:{position}:"
    seen.add(name)
    return prefix


def _hidden_member(name: str) -> bool:
    """Whether a member is skipped as hidden: a part of its path starts with "." (but is
    not "." or "..", which a name may hold: members are read, never extracted, so a
    climbing name is data like any other) or is ``__MACOSX``.

    >>> _hidden_member("a/.DS_Store"), _hidden_member("../../x.jsonl"), _hidden_member("./x.txt")
    (True, False, False)
    """
    parts = [p for p in name.split("/") if p not in ("", ".", "..")]
    return any(p.startswith(".") or p == "__MACOSX" for p in parts)

