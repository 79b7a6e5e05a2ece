"""Bytes to text, and the evidence for how: the one place copydesk decodes.

``decode(raw, declared=None) -> Decoded`` turns an article's bytes into ``str``. In
order: a byte order mark (UTF-8, UTF-16 LE/BE, UTF-32 LE/BE); a declared encoding (per
source), checked against the bytes; strict UTF-8; UTF-8 with a few stray single-byte
characters, decoded segment by segment (mixed); a UTF-16 sniff for NUL-heavy bytes; then
legacy-encoding detection judged for news text (``transforms.codepages``). Binary or
NUL-heavy input raises ``UndecodableError``.

For structured files (JSON Lines, CSV/TSV), which the readers split into lines before
decoding, the same evidence is offered in pieces: ``looks_binary`` / ``binary_detail``
and ``text_problem`` (is a file text at all), ``wide_encoding`` (UTF-16/32, which cannot
be split on b"\\n"), ``strip_utf8_bom``, ``line_decoder_for`` (the file's encoding,
chosen once from a sample) and ``LineDecoder`` (each line in it, or on its own when it
does not fit), ``codec_for`` (the Python codec for an encoding ``decode`` named).

Names recorded in an article's ``fixes`` (``Decoded.steps``, ``LineDecoder.decode``):

- ``bom``: a byte order mark was found and removed.
- ``decoded:<encoding>``: the bytes were not plain UTF-8 and were decoded as ``<encoding>``
  (``decoded:cp1252``, ``decoded:utf-16-le``, ``decoded:mixed:utf-8+cp1252``).
- ``declared-mismatch:<declared>``: the declared encoding did not fit the bytes (they do
  not decode in it, or decode to mojibake that another decoding avoids); another was used.
- ``declared-unknown:<declared>``: the declared encoding is not a codec Python knows.

Pure functions on bytes and strings: no I/O.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from ftfy.badness import BADNESS_RE

from transforms.codepages import (
    SLOPPY_CP1252,
    canonical_name,
    count_high,
    decode_legacy,
    implausibility,
    is_latin_script,
)

__all__ = [
    "BINARY_CONTROL_BYTES",
    "FILE_CONTROL_SHARE",
    "TEXT_CONTROL_SHARE",
    "Decoded",
    "LineDecoder",
    "UndecodableError",
    "binary_detail",
    "codec_for",
    "count_control_bytes",
    "decode",
    "decode_or_reason",
    "line_decoder_for",
    "looks_binary",
    "strip_utf8_bom",
    "text_problem",
    "wide_encoding",
]

# ---------------------------------------------------------------------------------------
# Bytes to text
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Decoded:
    """Text decoded from bytes, with how it was decoded.

    ``method`` is ``"bom"``, ``"utf-8"``, ``"declared"``, ``"detected"`` or ``"mixed"``.
    """

    text: str
    encoding: str
    method: str
    steps: tuple[str, ...]


class UndecodableError(ValueError):
    """The bytes are not text in any encoding we can trust (binary, NUL-heavy) or empty.

    ``reason`` is a short code (``"undecodable"`` or ``"empty"``), ``detail`` is readable.
    """

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


# UTF-32 before UTF-16: the UTF-32 LE mark FF FE 00 00 starts with the UTF-16 LE mark.
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

# Control bytes that text does not contain but binary data does: 0x00-0x08, 0x0E-0x1A,
# 0x1C-0x1F. TAB, LF, VT, FF, CR and ESC (terminal escapes, which repair removes) are left
# out; NUL counts. One set, judged at two thresholds:
BINARY_CONTROL_BYTES = bytes([*range(0x00, 0x09), *range(0x0E, 0x1B), *range(0x1C, 0x20)])
# - a decoded text (one article, one record): more than 1% control characters (and more
#   than 2; U+FFFD, a decoder's "no idea", counts too) means it is not text
#   (``decode``, hence every article);
TEXT_CONTROL_SHARE = 0.01
# - the raw first 64 KiB of a whole file, before any encoding is chosen: more than 10%
#   means the file is binary data and is refused whole (``looks_binary``). Lower shares
#   are a damaged text, whose records are then judged one by one at the 1% above. 10% is
#   far above any text and far below any image or executable.
FILE_CONTROL_SHARE = 0.10
# A file with more NUL bytes than this share is binary unless it sniffs as UTF-16.
_MAX_NUL_SHARE = 0.05

# One well-formed UTF-8 multi-byte sequence (overlongs and surrogates aside: this only
# counts evidence, the decoder itself is strict).
_UTF8_SEQUENCE_RE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")

_MIXED_ERRORS = "copydesk-utf8-cp1252-fallback"


def _cp1252_fallback(exc: UnicodeError) -> tuple[str, int]:
    # Called by the UTF-8 decoder for each invalid stretch: decode just those bytes as
    # cp1252 (sloppily, so the five bytes cp1252 leaves undefined become C1 controls
    # instead of failing) and carry on with UTF-8 after them.
    assert isinstance(exc, UnicodeDecodeError)
    return exc.object[exc.start : exc.end].decode(SLOPPY_CP1252), exc.end


codecs.register_error(_MIXED_ERRORS, _cp1252_fallback)


def count_control_bytes(data: bytes) -> int:
    """How many of ``BINARY_CONTROL_BYTES`` the data holds (bytes.translate: memory speed).

    >>> count_control_bytes(b"ok\\tfine\\r\\n\\x00\\x07")
    2
    """
    return len(data) - len(data.translate(None, BINARY_CONTROL_BYTES))


def _check_text(text: str, encoding: str) -> None:
    """Raise UndecodableError when decoded text is really binary (control-heavy)."""
    # Counted on the UTF-8 bytes (bytes.translate runs at memory speed): UTF-8 writes
    # every non-ASCII character with bytes >= 0x80, so only real controls remain.
    controls = count_control_bytes(text.encode("utf-8", "surrogatepass")) + text.count("\ufffd")
    if controls > 2 and controls > TEXT_CONTROL_SHARE * len(text):
        raise UndecodableError(
            "undecodable",
            f"{controls} control characters in {len(text)} (as {encoding}): binary, not text",
        )


def _steps_for(encoding: str, *prefix: str) -> tuple[str, ...]:
    return (*prefix, f"decoded:{encoding}") if encoding != "utf-8" else tuple(prefix)


def _decode_bom(raw: bytes) -> Decoded | None:
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            body = raw[len(bom) :]
            if encoding == "utf-8":
                try:
                    return Decoded(body.decode("utf-8"), "utf-8", "bom", ("bom",))
                except UnicodeDecodeError:
                    # A UTF-8 mark on a file edited later in a legacy editor: keep the
                    # UTF-8 parts and decode the stray bytes as cp1252.
                    enc = "mixed:utf-8+cp1252"
                    text = body.decode("utf-8", errors=_MIXED_ERRORS)
                    return Decoded(text, enc, "mixed", ("bom", f"decoded:{enc}"))
            try:
                return Decoded(body.decode(encoding), encoding, "bom", ("bom", f"decoded:{encoding}"))
            except UnicodeDecodeError:
                # FF FE followed by something that is not UTF-16 (odd length, lone
                # surrogates): the "mark" was two cp1252 characters ("ÿþ"); go on.
                continue
    return None


def _sniff_utf16(raw: bytes) -> Decoded | None:
    """UTF-16 without a BOM: Latin-script text has a NUL in every other byte."""
    half = len(raw) // 2
    if half < 2 or len(raw) % 2:
        return None
    nul_even = raw[0::2].count(0)
    nul_odd = raw[1::2].count(0)
    for encoding, nul_high, nul_low in (
        ("utf-16-le", nul_odd, nul_even),
        ("utf-16-be", nul_even, nul_odd),
    ):
        if nul_high > 0.6 * half and nul_low < 0.02 * half:
            try:
                text = raw.decode(encoding)
            except UnicodeDecodeError:
                return None
            return Decoded(text, encoding, "detected", (f"decoded:{encoding}",))
    return None


def _decode_auto(raw: bytes) -> Decoded:
    """Everything after BOM and declared encoding: UTF-8, mixed, UTF-16 sniff, legacy."""
    try:
        return Decoded(raw.decode("utf-8"), "utf-8", "utf-8", ())
    except UnicodeDecodeError:
        pass
    # Mostly UTF-8 with a few stray single-byte characters (Reuters-21578's "growth.\xfc"):
    # when well-formed UTF-8 sequences outnumber the bytes that are not part of one, keep
    # them and decode only the strays as cp1252, rather than throwing the article away.
    sequences = _UTF8_SEQUENCE_RE.findall(raw)
    stray = count_high(raw) - sum(len(s) for s in sequences)
    if sequences and len(sequences) >= stray:
        enc = "mixed:utf-8+cp1252"
        return Decoded(raw.decode("utf-8", errors=_MIXED_ERRORS), enc, "mixed", (f"decoded:{enc}",))
    legacy = decode_legacy(raw)
    if legacy is None:
        raise UndecodableError("undecodable", "no encoding decodes these bytes into plausible text")
    text, encoding = legacy
    return Decoded(text, encoding, "detected", (f"decoded:{encoding}",))


# How much more plausible a detected reading must be to overrule a declared encoding.
_DECLARED_MARGIN = 0.3


def _decode_declared(raw: bytes, declared: str) -> tuple[Decoded | None, tuple[str, ...]]:
    """Decode in the declared encoding unless the bytes contradict it.

    Returns ``(decoded, ())`` when the declaration holds, ``(None, steps)`` when it does
    not (the caller then decodes automatically and records ``steps``).
    """
    try:
        encoding = canonical_name(declared)
    except LookupError:
        return None, (f"declared-unknown:{declared}",)
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError:
        return None, (f"declared-mismatch:{encoding}",)
    if text.isascii():
        return Decoded(text, encoding, "declared", _steps_for(encoding)), ()
    mojibake = bool(BADNESS_RE.search(text))
    dense = not is_latin_script(raw)
    if mojibake or dense:
        try:
            alternative = _decode_auto(raw)
        except UndecodableError:
            alternative = None
        if alternative is not None and alternative.text != text:
            # It decodes, but to mojibake ("Ã©") that an automatic decoding avoids (a UTF-8
            # file in a cp1252 source); or, for text that is mostly non-ASCII (Cyrillic,
            # Greek, CJK), to something far less plausible than the detected reading
            # (KOI8-R declared as cp1251 reads "рТЕЪЙДЕОФ" for "Президент").
            if mojibake and not BADNESS_RE.search(alternative.text):
                return None, (f"declared-mismatch:{encoding}",)
            if dense and implausibility(alternative.text, alternative.encoding) + _DECLARED_MARGIN < (
                implausibility(text, encoding)
            ):
                return None, (f"declared-mismatch:{encoding}",)
    return Decoded(text, encoding, "declared", _steps_for(encoding)), ()


def decode(raw: bytes, declared: str | None = None) -> Decoded:
    """Decode raw article bytes; see the module docstring for the order of evidence.

    >>> decode(b"Chelsea paid \\xa35m").text, decode(b"Chelsea paid \\xa35m").encoding
    ('Chelsea paid £5m', 'latin-1')
    """
    if not raw:
        raise UndecodableError("empty", "no bytes")
    extra: tuple[str, ...] = ()

    decoded = _decode_bom(raw)
    if decoded is not None:
        if declared is not None:
            try:
                # "utf-16" (no byte order) agrees with either UTF-16 mark; "utf-8-sig" is utf-8.
                label = canonical_name(declared)
                compatible = decoded.encoding == label or decoded.encoding.startswith(f"{label}-")
            except LookupError:
                compatible = False
            if not compatible:
                # The BOM is stronger evidence than a configured label; say we overrode it.
                decoded = Decoded(
                    decoded.text,
                    decoded.encoding,
                    decoded.method,
                    (*decoded.steps, f"declared-mismatch:{declared}"),
                )
        _check_text(decoded.text, decoded.encoding)
        return decoded

    if declared is not None:
        declared_result, extra = _decode_declared(raw, declared)
        if declared_result is not None:
            _check_text(declared_result.text, declared_result.encoding)
            return declared_result

    if raw.count(0) > _MAX_NUL_SHARE * len(raw):
        decoded = _sniff_utf16(raw)
        if decoded is None:
            raise UndecodableError("undecodable", f"{raw.count(0)} NUL bytes in {len(raw)}: binary, not text")
    else:
        decoded = _decode_auto(raw)
    _check_text(decoded.text, decoded.encoding)
    if extra:
        decoded = Decoded(decoded.text, decoded.encoding, decoded.method, (*extra, *decoded.steps))
    return decoded


def decode_or_reason(raw: bytes, declared: str | None) -> Decoded | tuple[str, str]:
    """``decode``, or ``(reason, detail)`` for a reject when the bytes are not text.

    >>> decode_or_reason(b"", None)
    ('empty', 'no bytes')
    """
    try:
        return decode(raw, declared)
    except UndecodableError as exc:
        return (exc.reason, exc.detail)


# ---------------------------------------------------------------------------------------
# Structured files: is it text, which encoding, line by line
# ---------------------------------------------------------------------------------------

# How much of a file the binary checks read.
_HEAD = 65536

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


def wide_encoding(sample: bytes, declared: str | None) -> str | None:
    """UTF-16/32 (by BOM, declaration or NUL pattern): lines cannot be split on b"\\n".

    >>> wide_encoding("a,b\\n".encode("utf-16-le"), None), wide_encoding(b"a,b\\n", None)
    ('utf-16-le', None)
    """
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


def binary_detail(sample: bytes) -> str:
    """What binary data is, for an ``undecodable`` reject.

    >>> binary_detail(b"%PDF-1.7 ...")
    'the bytes are a PDF document, not text'
    """
    for magic, what in _BINARY_MAGIC:
        if sample.startswith(magic):
            return f"the bytes are {what}, not text"
    return f"{count_control_bytes(sample)} control bytes in the first {len(sample)}: binary, not text"


def looks_binary(sample: bytes) -> bool:
    """Whether a file's first bytes are binary data: a known magic number, or more than
    ``FILE_CONTROL_SHARE`` control bytes in the first 64 KiB (UTF-16/32 is text).

    >>> looks_binary(b"\\x89PNG\\r\\n\\x1a\\n..."), looks_binary(b"plain text\\x00 with a NUL")
    (True, False)
    """
    if any(sample.startswith(m) for m, _ in _BINARY_MAGIC):
        return True
    if wide_encoding(sample, None) is not None:
        return False
    head = sample[:_HEAD]
    return count_control_bytes(head) > FILE_CONTROL_SHARE * len(head)


def text_problem(raw: bytes) -> tuple[str, str] | None:
    """Why a whole .txt (or .json) file cannot be an article, as ``(reason, detail)``, or None.

    >>> text_problem(b" \\r\\n"), text_problem(b"Title\\n\\nBody.")
    (('blank', 'the file holds only white space'), None)
    """
    if not raw:
        return ("empty", "the file holds no bytes")
    if not raw.strip(b" \t\r\n\x0b\x0c") or raw.strip() == codecs.BOM_UTF8:
        return ("blank", "the file holds only white space")
    if looks_binary(raw[:_HEAD]):
        return ("undecodable", binary_detail(raw[:_HEAD]))
    if b"\x00" in raw and wide_encoding(raw[:_HEAD], None) is None and not raw.startswith(
        (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
    ):
        return ("nul-bytes", f"{raw.count(0)} NUL bytes in a text file")
    return None


def strip_utf8_bom(sample: bytes) -> tuple[bytes, tuple[str, ...]]:
    """The sample without a UTF-8 byte order mark, and ``("bom",)`` if it had one.

    >>> strip_utf8_bom(b"\\xef\\xbb\\xbfid,title")
    (b'id,title', ('bom',))
    """
    if sample.startswith(codecs.BOM_UTF8):
        return sample[len(codecs.BOM_UTF8) :], ("bom",)
    return sample, ()


def codec_for(encoding: str) -> str | None:
    """A Python codec for the encoding ``decode`` named, None when it names a mixture.

    >>> codec_for("cp1252"), codec_for("utf-8"), codec_for("mixed:utf-8+cp1252")
    ('sloppy-windows-1252', 'utf-8', None)
    """
    name = {"cp1252": SLOPPY_CP1252}.get(encoding, encoding)
    try:
        codecs.lookup(name)
    except LookupError:
        return None
    return name


class LineDecoder:
    """Decodes each line in the encoding chosen for the file; a line that does not fit it
    (a cp1252 byte deep in a UTF-8 dump) is decoded on its own.

    >>> LineDecoder("utf-8", "utf-8", (), None).decode(b"caf\\xe9")
    ('café', 'latin-1', ('decoded:latin-1',))
    """

    def __init__(
        self, codec: str | None, encoding: str, steps: tuple[str, ...], declared: str | None
    ) -> None:
        self.codec = codec
        self.encoding = encoding
        self.steps = steps
        self.declared = declared

    def decode(self, raw: bytes) -> tuple[str | None, str, tuple[str, ...]]:
        """``(text, encoding, steps)``; ``(None, detail, ())`` when the line is not text."""
        if self.codec is not None:
            try:
                return raw.decode(self.codec), self.encoding, self.steps
            except UnicodeDecodeError:
                pass
        if not raw.strip():
            return raw.decode("latin-1"), self.encoding, self.steps
        decoded = decode_or_reason(raw, self.declared)
        if isinstance(decoded, tuple):
            return None, decoded[1], ()
        return decoded.text, decoded.encoding, decoded.steps


def line_decoder_for(
    sample: bytes, declared: str | None, whole: bool, steps: tuple[str, ...] = ()
) -> LineDecoder:
    """The decoder for a line-based file whose first bytes are ``sample`` (BOM removed,
    recorded in ``steps``); ``whole``: the sample is the whole file. Raises
    ``UndecodableError`` when the sample is not text.

    The encoding is chosen on the sample cut at its last line end (a multi-byte character
    is not split); NULs are left out (they are rejected per line). A mostly-UTF-8 file
    decodes as UTF-8, and only the lines that are not decode on their own and say how.

    >>> d = line_decoder_for(b"id,title\\n1,Caf\\xe9\\n", None, whole=True)
    >>> d.encoding, d.steps
    ('latin-1', ('decoded:latin-1',))
    """
    probe = sample if whole else sample[: sample.rfind(b"\n") + 1] or sample
    decoded = decode(probe.replace(b"\x00", b""), declared)
    encoding = decoded.encoding
    file_steps = decoded.steps
    if encoding.startswith("mixed:utf-8"):
        encoding, file_steps = "utf-8", ()
    steps = steps + tuple(s for s in file_steps if s not in steps)
    return LineDecoder(codec_for(encoding), encoding, steps, declared)
