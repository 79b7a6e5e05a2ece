"""``.warc`` / ``.warc.gz``: web archives (WARC/1.0 and 1.1), one page per HTML response.

The rule (docs/inputs.md): every ``response`` record whose HTTP status is 200 and whose
payload is HTML (``Content-Type`` ``text/html`` or ``application/xhtml+xml``; sniffed when
the header is missing) is a page: a ``kind="html"`` record whose ``raw`` is the whole
WARC record and whose ``fields`` carry the payload (de-chunked and decompressed when the
HTTP headers say so) with the record's charset, Content-Language, target URI, date and
record id. Every other record is not an article: a ``kind="skipped"`` record counted by
kind (``warcinfo``, ``request``, ``metadata``, ``revisit``, ``resource``, ...,
``response-not-200``, ``response-not-html``) in ``runs.records_skipped``. A record whose
WARC or HTTP head does not parse is an ``invalid-warc`` reject with its bytes, and
reading resumes at the next ``WARC/1.`` line.

A gzip-compressed WARC (one member per record, as crawlers write it, or one member for the
whole file) is decompressed here, member by member, so that the locator can say where a
record is in the file as stored: ``offset:N`` is the byte offset of the record, or of the
gzip member it starts (``tail -c +$((N+1)) f.warc.gz | zcat | head`` reads it again);
``decompressed-offset:N`` the offset in the decompressed bytes, for a record inside a
member that holds several. A truncated member keeps the records before it; the rest is
one ``truncated`` reject.

A large WARC is read in pieces (``flows.readers.files.split_file``): ``record_cuts``
reads it once and cuts it at records that start a gzip member (or, uncompressed, at any
record), so each piece seeks to its start in the file as stored; a piece starts its
offsets there, so its locators are the whole file's.
"""

from __future__ import annotations

import bisect
import re
import zlib
from collections.abc import Iterator
from typing import IO, Any

from flows.readers.rejects import Reading
from flows.readers.streams import CHUNK, ReadFailure
from transforms.records import RawRecord

__all__ = ["read_warc", "record_cuts"]

_GZIP_MAGIC = b"\x1f\x8b"
_MAX_HEAD = 64 * 1024  # bytes of a WARC or HTTP head; far above real ones (a few hundred)
_VERSION = re.compile(rb"^WARC/1\.[01]\r?$")
_HTTP_STATUS = re.compile(rb"^HTTP/\d(?:\.\d)?\s+(\d{3})")
_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9._:\-]+)", re.IGNORECASE)
_HTML_TYPES = ("text/html", "application/xhtml+xml")


class _Bytes:
    """The WARC's decompressed bytes, read on demand, with where each gzip member began."""

    def __init__(self, reading: Reading, stream: IO[bytes]) -> None:
        self.reading = reading
        self.stream = stream
        self.buf = bytearray()
        part = reading.file.part
        # A piece of a large file starts further in: at a record (and gzip member) start,
        # its decompressed position ``first_offset``, its offset in the file ``start``.
        self.base = part.first_offset if part is not None else 0  # decompressed position of buf[0]
        self.eof = False
        self.failure: ReadFailure | None = None
        first = stream.read(CHUNK)
        self.gzip = first.startswith(_GZIP_MAGIC)
        self.members: list[tuple[int, int]] = []  # (decompressed start, compressed offset)
        self.member_starts: list[int] = []  # their decompressed starts, for bisect
        self.consumed = part.start if part is not None else 0  # compressed bytes fed to finished members
        self.pending = first
        self.inflater: Any = None  # the zlib decompressor of the current member

    def fill(self) -> bool:
        """Add decompressed bytes to ``buf``; False at the end of the data (or a failure)."""
        while not self.eof:
            data = self._next()
            if data:
                if self.gzip:  # an uncompressed WARC expands nothing: no budget to count
                    self.reading.budget.add(len(data))
                self.buf += data
                return True
        return False

    def _next(self) -> bytes:
        if not self.gzip:
            data, self.pending = self.pending or self.stream.read(CHUNK), b""
            if not data:
                self.eof = True
            return data
        if self.inflater is None:
            if not self.pending:
                self.pending = self.stream.read(CHUNK)
            if not self.pending:
                self.eof = True
                return b""
            self.members.append((self.base + len(self.buf), self.consumed))
            self.member_starts.append(self.base + len(self.buf))
            self.inflater = zlib.decompressobj(wbits=31)
        chunk, self.pending = self.pending or self.stream.read(CHUNK), b""
        if not chunk:
            self.eof = True
            self.failure = ReadFailure("truncated", "the gzip stream ends inside a member (an interrupted download)")
            return b""
        try:
            data = self.inflater.decompress(chunk)
        except zlib.error as exc:
            self.eof = True
            self.failure = ReadFailure("corrupt", f"gzip member at offset {self.consumed} is damaged: {exc}")
            return b""
        if self.inflater.eof:
            rest = self.inflater.unused_data
            self.consumed += len(chunk) - len(rest)
            self.pending = rest
            self.inflater = None
        else:
            self.consumed += len(chunk)
        return data

    def locator(self, pos: int) -> str:
        """Where the record at decompressed position ``pos`` is (see the module docstring)."""
        if not self.gzip:
            return f"offset:{pos}"
        offset = self.member_at(pos)
        return f"offset:{offset}" if offset is not None else f"decompressed-offset:{pos}"

    def member_at(self, pos: int) -> int | None:
        """The offset in the file of the gzip member that starts at decompressed ``pos``, if one does."""
        i = bisect.bisect_right(self.member_starts, pos) - 1
        return self.members[i][1] if i >= 0 and self.members[i][0] == pos else None

    def ensure(self, pos: int) -> bool:
        """Fill until ``pos`` (decompressed) is in ``buf``; False if the data ends before."""
        while self.base + len(self.buf) <= pos:
            if not self.fill():
                return False
        return True

    def find(self, needle: bytes, start: int, limit: int) -> int:
        """The decompressed position of ``needle`` at or after ``start``, within ``limit``
        bytes; -1 if not there."""
        while True:
            i = self.buf.find(needle, start - self.base, start - self.base + limit + len(needle))
            if i >= 0:
                return self.base + i
            if self.base + len(self.buf) - start > limit + len(needle) or not self.fill():
                return -1

    def take(self, start: int, end: int) -> bytes:
        return bytes(self.buf[start - self.base : end - self.base])

    def drop(self, pos: int) -> None:
        """Forget everything before ``pos``: memory stays bounded by one record."""
        cut = min(pos - self.base, len(self.buf))
        if cut > 0:
            del self.buf[:cut]
            self.base += cut


def read_warc(reading: Reading, stream: IO[bytes], prefix: str) -> Iterator[RawRecord]:
    """The records of one WARC stream (see the module docstring)."""
    data = _Bytes(reading, stream)
    for _, record in _walk(reading, data, prefix):
        yield record


def _walk(reading: Reading, data: _Bytes, prefix: str, classify: bool = True) -> Iterator[tuple[int, RawRecord]]:
    """Each record with its decompressed start; ``classify=False``: only where records
    are, as placeholders (what a record is does not change where the next one starts)."""
    pos = data.base
    count = 0
    while True:
        pos = _skip_blank(data, pos)
        if not data.ensure(pos):
            break
        data.drop(pos)
        count += 1
        locator = f"{prefix}{data.locator(pos)}"
        start = pos
        record, pos = _read_record(reading, data, pos, locator, classify)
        yield start, record
        if record.error is not None and record.error[0] in ("truncated", "corrupt"):
            return
    if data.failure is not None:
        yield pos, reading.reject(f"{prefix}{data.locator(pos)}", data.failure.reason,
                                  f"{data.failure.detail} (after {count} records)",
                                  data.take(pos, pos + len(data.buf)))
    elif count == 0 and reading.file.part is None:  # a piece always holds records
        yield pos, reading.reject(prefix[:-1] or None, "empty", "the WARC file holds no records")


def record_cuts(reading: Reading, stream: IO[bytes], piece_bytes: int) -> list[tuple[int, int]] | None:
    """Where pieces of about ``piece_bytes`` (of the file as stored) of a WARC may start:
    ``(offset in the file, decompressed offset)`` of records that start a gzip member (any
    record of an uncompressed WARC), the first at 0. ``None`` when the file is to be read
    whole: it ends in a damaged or truncated stream. One member for the whole file gives
    one piece.

    >>> import io, tempfile, gzip
    >>> from flows.readers.discovery import InputFile
    >>> from flows.readers.limits import DEFAULT_LIMITS
    >>> from flows.readers.streams import Budget
    >>> from transforms.fields import SourceConfig
    >>> rec = b"WARC/1.0\\r\\nWARC-Type: metadata\\r\\nContent-Length: 2\\r\\n\\r\\nok\\r\\n\\r\\n"
    >>> data = b"".join(gzip.compress(rec, mtime=0) for _ in range(5))
    >>> r = Reading(InputFile("x.warc.gz", len(data), "x.warc.gz"), SourceConfig(), DEFAULT_LIMITS,
    ...             Budget(len(data), DEFAULT_LIMITS))
    >>> size = len(gzip.compress(rec, mtime=0))
    >>> record_cuts(r, io.BytesIO(data), 2 * size) == [(0, 0), (2 * size, 2 * len(rec)), (4 * size, 4 * len(rec))]
    True
    """
    data = _Bytes(reading, stream)
    cuts = [(0, 0)]
    target = piece_bytes
    for pos, record in _walk(reading, data, "", classify=False):
        if record.error is not None and record.error[0] in ("truncated", "corrupt"):
            return None
        offset = data.member_at(pos) if data.gzip else pos
        if offset is not None and offset >= target and pos > 0:
            cuts.append((offset, pos))
            target = offset + piece_bytes
    if data.failure is not None:
        return None
    return cuts


def _skip_blank(data: _Bytes, pos: int) -> int:
    while data.ensure(pos) and data.buf[pos - data.base] in b"\r\n":
        pos += 1
    return pos


def _read_record(reading: Reading, data: _Bytes, start: int, locator: str,
                 classify: bool = True) -> tuple[RawRecord, int]:
    """One record from ``start``; returns it and where the next one may begin."""
    head_end = _head_end(data, start)
    if head_end < 0:
        raw = data.take(start, data.base + len(data.buf))
        if data.failure is not None:
            return reading.reject(locator, data.failure.reason, f"{data.failure.detail}: a WARC head cut off",
                                  raw), data.base + len(data.buf)
        return _invalid(reading, data, start, locator, "no end of the WARC head (a blank line) found")
    head = data.take(start, head_end)
    lines = head.split(b"\n")
    if not _VERSION.match(lines[0].rstrip()):
        return _invalid(reading, data, start, locator, f"does not start with WARC/1.0 or WARC/1.1: {lines[0][:40]!r}")
    headers = _headers(lines[1:])
    try:
        length = int(headers.get("content-length", ""))
        if length < 0:
            raise ValueError
    except ValueError:
        return _invalid(reading, data, start, locator, "no valid Content-Length")
    end = head_end + length
    limit = reading.limits.max_record_bytes
    if length > limit:
        data.ensure(start + min(end - start, reading.limits.max_reject_raw_bytes))
        raw = data.take(start, start + reading.limits.max_reject_raw_bytes)
        while data.base + len(data.buf) < end and data.fill():
            data.drop(min(end, data.base + len(data.buf)))
        return reading.reject(locator, "record-too-large",
                              f"WARC record of {length} bytes passes the {limit}-byte limit "
                              "(ReadLimits.max_record_bytes)", raw), end
    if not data.ensure(end - 1) and length:
        raw = data.take(start, data.base + len(data.buf))
        failure = data.failure or ReadFailure("truncated", "the WARC file ends inside a record")
        return reading.reject(locator, failure.reason, f"{failure.detail}: record of {length} bytes cut off",
                              raw), data.base + len(data.buf)
    if not classify:
        return RawRecord("", locator, b"", kind="skipped"), end
    raw = data.take(start, end)
    return _classify(reading, locator, raw, headers, raw[head_end - start :]), end


def _head_end(data: _Bytes, start: int) -> int:
    """Where the content after a head (ended by a blank line) begins; -1 if not found."""
    i = data.find(b"\r\n\r\n", start, _MAX_HEAD)
    j = data.find(b"\n\n", start, _MAX_HEAD) if i < 0 else -1
    return i + 4 if i >= 0 else j + 2 if j >= 0 else -1


def _invalid(reading: Reading, data: _Bytes, start: int, locator: str, why: str) -> tuple[RawRecord, int]:
    """An ``invalid-warc`` reject of the bytes up to the next ``WARC/1.`` line."""
    nxt = data.find(b"\nWARC/1.", start + 1, reading.limits.max_record_bytes)
    end = nxt + 1 if nxt >= 0 else data.base + len(data.buf)
    if nxt < 0:
        while data.fill():  # the rest of the data is this reject: read to its end
            end = data.base + len(data.buf)
            if end - start > reading.limits.max_record_bytes:
                break
    return reading.reject(locator, "invalid-warc", f"malformed WARC record: {why}", data.take(start, end)), end


def _headers(lines: list[bytes]) -> dict[str, str]:
    """Header name (lower case) → value; the first of a name wins; folded lines joined."""
    out: dict[str, str] = {}
    last = None
    for line in lines:
        text = line.decode("utf-8", "replace").rstrip("\r")
        if not text.strip():
            continue
        if text[0] in " \t" and last is not None:
            out[last] += " " + text.strip()
            continue
        name, sep, value = text.partition(":")
        if sep:
            last = name.strip().lower()
            out.setdefault(last, value.strip())
    return out


def _classify(reading: Reading, locator: str, raw: bytes, warc: dict[str, str], content: bytes) -> RawRecord:
    kind = warc.get("warc-type", "").strip().lower() or "untyped"
    if kind != "response":
        return reading.record(locator, raw, kind="skipped", fields={"kind": kind})
    head_end = content.find(b"\r\n\r\n")
    sep = 4
    if head_end < 0:
        head_end, sep = content.find(b"\n\n"), 2
    status = _HTTP_STATUS.match(content)
    if status is None or head_end < 0:
        return reading.reject(locator, "invalid-warc", "malformed WARC record: a response without an HTTP head", raw)
    if status.group(1) != b"200":
        return reading.record(locator, raw, kind="skipped", fields={"kind": "response-not-200"})
    http = _headers(content[:head_end].split(b"\n")[1:])
    payload = content[head_end + sep :]
    ctype = http.get("content-type", "").lower()
    if not (any(t in ctype for t in _HTML_TYPES) or (not ctype and _looks_html(payload))):
        return reading.record(locator, raw, kind="skipped", fields={"kind": "response-not-html"})
    try:
        payload = _decoded_payload(payload, http, reading.limits.max_record_bytes)
    except ValueError as exc:
        return reading.reject(locator, "invalid-warc", f"malformed WARC record: {exc}", raw)
    charset = _CHARSET.search(http.get("content-type", ""))
    return reading.record(locator, raw, kind="html", fields={
        "payload": payload,
        "http_charset": charset.group(1) if charset else None,
        "content_language": http.get("content-language") or None,
        "target_uri": warc.get("warc-target-uri", "").strip("<> ") or None,
        "warc_date": warc.get("warc-date") or None,
        "warc_record_id": warc.get("warc-record-id") or None,
    })


def _looks_html(payload: bytes) -> bool:
    head = payload[:1024].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html")) or b"<html" in head


def _decoded_payload(payload: bytes, http: dict[str, str], limit: int) -> bytes:
    """The payload as the page: de-chunked, and gunzipped/inflated when the HTTP headers
    say it is (crawlers usually store it decoded and rename the headers)."""
    if "chunked" in http.get("transfer-encoding", "").lower():
        payload = _dechunk(payload)
    encoding = http.get("content-encoding", "").strip().lower()
    if encoding in ("gzip", "x-gzip", "deflate"):
        inflater = zlib.decompressobj(wbits=47 if encoding != "deflate" else 15)
        try:
            out = inflater.decompress(payload, limit + 1)
        except zlib.error as exc:
            if encoding == "deflate":
                try:
                    out = zlib.decompressobj(wbits=-15).decompress(payload, limit + 1)
                except zlib.error:
                    raise ValueError(f"a {encoding} payload that does not decompress ({exc})") from exc
            else:
                raise ValueError(f"a {encoding} payload that does not decompress ({exc})") from exc
        if len(out) > limit:
            raise ValueError(f"a payload that decompresses to more than {limit} bytes")
        payload = out
    return payload


def _dechunk(payload: bytes) -> bytes:
    """HTTP chunked transfer coding undone; the payload as it is when it is not chunked."""
    out = bytearray()
    pos = 0
    while True:
        eol = payload.find(b"\r\n", pos)
        if eol < 0:
            return payload
        size_text = payload[pos:eol].split(b";")[0].strip()
        try:
            size = int(size_text, 16)
        except ValueError:
            return payload
        if size == 0:
            return bytes(out)
        out += payload[eol + 2 : eol + 2 + size]
        pos = eol + 2 + size + 2
