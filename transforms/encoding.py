"""Bytes to text: decode raw article bytes (text repair is ``transforms.repair``).

``decode(raw, declared=None) -> Decoded`` turns bytes into ``str``. In order: a byte
order mark (UTF-8, UTF-16 LE/BE, UTF-32 LE/BE); a declared encoding (per source or per
input), checked against the bytes; strict UTF-8; UTF-8 with a few stray single-byte
characters, decoded segment by segment; then legacy-encoding detection, judged for news
text (see ``_decode_legacy``). Binary or NUL-heavy input raises ``UndecodableError``.

Names recorded in an article's ``fixes`` (``Decoded.steps``):

- ``bom``: a byte order mark was found and removed.
- ``decoded:<encoding>``: the bytes were not plain UTF-8 and were decoded as ``<encoding>``
  (``decoded:cp1252``, ``decoded:utf-16-le``, ``decoded:mixed:utf-8+cp1252``).
- ``declared-mismatch:<declared>``: the declared encoding did not fit the bytes (they do
  not decode in it, or decode to mojibake that another decoding avoids); another was used.
- ``declared-unknown:<declared>``: the declared encoding is not a codec Python knows.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

import charset_normalizer
import ftfy.bad_codecs  # noqa: F401  (registers the "sloppy-windows-1252" codec)
from charset_normalizer.cd import coherence_ratio
from charset_normalizer.md import mess_ratio
from ftfy.badness import BADNESS_RE

__all__ = ["Decoded", "UndecodableError", "decode"]

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

# Control characters that text files do not contain but binary files do (and U+FFFD, a
# decoder's "no idea"); TAB, LF, VT, FF, CR and ESC (terminal escapes, which repair
# removes) are left out.
_NOT_BINARY_CONTROL = bytes(b for b in range(256) if not (b <= 0x08 or 0x0E <= b <= 0x1A or 0x1C <= b <= 0x1F))
# More than this share of such characters (and more than 2 of them) means "not text".
_MAX_CONTROL_SHARE = 0.01
# A file with more NUL bytes than this share is binary unless it sniffs as UTF-16.
_MAX_NUL_SHARE = 0.05

# One well-formed UTF-8 multi-byte sequence (overlongs and surrogates aside: this only
# counts evidence, the decoder itself is strict).
_UTF8_SEQUENCE_RE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
_ASCII_BYTES = bytes(range(0x80))
_C1_BYTES_RE = re.compile(rb"[\x80-\x9f]")

_SLOPPY_CP1252 = "sloppy-windows-1252"
_MIXED_ERRORS = "copydesk-utf8-cp1252-fallback"


def _cp1252_fallback(exc: UnicodeError) -> tuple[str, int]:
    # Called by the UTF-8 decoder for each invalid stretch: decode just those bytes as
    # cp1252 (sloppily, so the five bytes cp1252 leaves undefined become C1 controls
    # instead of failing) and carry on with UTF-8 after them.
    assert isinstance(exc, UnicodeDecodeError)
    return exc.object[exc.start : exc.end].decode(_SLOPPY_CP1252), exc.end


codecs.register_error(_MIXED_ERRORS, _cp1252_fallback)


def _canonical(encoding: str) -> str:
    """Python's canonical codec name, "latin-1" for ISO-8859-1 (the name people use)."""
    name = codecs.lookup(encoding).name
    return {"iso8859-1": "latin-1", "utf-8-sig": "utf-8"}.get(name, name)


def _check_text(text: str, encoding: str) -> None:
    """Raise UndecodableError when decoded text is really binary (control-heavy)."""
    # Counted on the UTF-8 bytes (bytes.translate runs at memory speed): UTF-8 writes
    # every non-ASCII character with bytes >= 0x80, so only real controls remain.
    encoded = text.encode("utf-8", "surrogatepass")
    controls = len(encoded.translate(None, _NOT_BINARY_CONTROL)) + text.count("\ufffd")
    if controls > 2 and controls > _MAX_CONTROL_SHARE * len(text):
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


_ASCII_LETTERS = bytes(range(0x41, 0x5B)) + bytes(range(0x61, 0x7B))
_LONG_HIGH_RUN_RE = re.compile(rb"[\x80-\xff]{3,}")


def _count_high(raw: bytes) -> int:
    """How many bytes are 0x80 or above (bytes.translate runs at memory speed)."""
    return len(raw.translate(None, _ASCII_BYTES))


def _is_latin_script(raw: bytes) -> bool:
    """True when the non-ASCII bytes look like a Latin-script single-byte text.

    In Latin-script text (English with a "£", French, Polish, Czech) the non-ASCII
    characters are sparse among ASCII letters, and mostly alone or in pairs; in Cyrillic,
    Greek, Hebrew or Arabic single-byte text and in every multi-byte CJK encoding nearly
    every letter is non-ASCII and they come in runs (whole words). This is the case
    charset-normalizer gets wrong: it reads short cp1252 news as cp850, cp775 or cp1250.
    """
    high = _count_high(raw)
    if not high:
        return False
    in_long_runs = sum(len(run) for run in _LONG_HIGH_RUN_RE.findall(raw))
    letters = len(raw) - len(raw.translate(None, _ASCII_LETTERS))
    return in_long_runs <= 0.2 * high or high < 0.3 * (high + letters)


def _decode_cp1252(raw: bytes) -> tuple[str, str]:
    # Without bytes 0x80-0x9F, cp1252 and Latin-1 decode identically; name the smaller
    # claim. With them, cp1252 (what every browser does for "latin-1" too), sloppy so the
    # five undefined bytes become C1 controls that repair can still see.
    if not _C1_BYTES_RE.search(raw):
        return raw.decode("latin-1"), "latin-1"
    return raw.decode(_SLOPPY_CP1252), "cp1252"


# The letters of the languages each Latin-script single-byte encoding exists to write.
# A decoding's misfits are counted against its best-fitting language, so Turkish read as
# cp1250 (ţ next to ç, ü, ö) fits no cp1250 language, while Polish fits Polish. cp1252
# leaves out the Icelandic ð þ ý: in news they are far more often Turkish ğ ş ı read as
# Latin-1.
_LATIN_LETTERS: dict[str, tuple[str, ...]] = {
    "cp1252": (
        "àâæçéèêëîïôœùûüÿÀÂÆÇÉÈÊËÎÏÔŒÙÛÜŸ",  # French
        "äöüßÄÖÜ",  # German
        "áéíóúüñÁÉÍÓÚÜÑ",  # Spanish
        "áâãàçéêíóôõúÁÂÃÀÇÉÊÍÓÔÕÚ",  # Portuguese
        "àèéìíîòóùúÀÈÉÌÍÎÒÓÙÚ",  # Italian
        "àçèéíïòóúüÀÇÈÉÍÏÒÓÚÜ",  # Catalan
        "áéëïóöüÁÉËÏÓÖÜ",  # Dutch
        "æøåéÆØÅÉ",  # Danish, Norwegian
        "åäöšžÅÄÖŠŽ",  # Swedish, Finnish
    ),
    "cp1250": (
        "ĄąĆćĘęŁłŃńÓóŚśŹźŻż",  # Polish
        "ÁáČčĎďÉéĚěÍíŇňÓóŘřŠšŤťÚúŮůÝýŽž",  # Czech
        "ÁáÄäČčĎďÉéÍíĹĺĽľŇňÓóÔôŔŕŠšŤťÚúÝýŽž",  # Slovak
        "ÁáÉéÍíÓóÖöŐőÚúÜüŰű",  # Hungarian
        "ĂăÂâÎîŞşŢţ",  # Romanian (cedilla forms, as cp1250 has them)
        "ČčĆćĐđŠšŽž",  # Croatian, Bosnian, Slovene
        "ÄäÖöÜüß",  # German, the region's lingua franca
    ),
    "cp1254": ("ÇçĞğİıÖöŞşÜüÂâÎîÛû",),  # Turkish
    "cp1257": (
        "ĄąČčĘęĖėĮįŠšŲųŪūŽž",  # Lithuanian
        "ĀāČčĒēĢģĪīĶķĻļŅņŠšŪūŽž",  # Latvian
        "ÄäÕõÖöÜüŠšŽž",  # Estonian
    ),
}
_LATIN_LETTERS["iso8859-2"] = _LATIN_LETTERS["cp1250"]
# English news names people from everywhere ("Señor García met Müller"): any Western
# letter is plausible in it, so only a clean fit elsewhere can overrule cp1252.
_WESTERN_LETTERS = frozenset("".join(_LATIN_LETTERS["cp1252"]))
# Non-letters that news text puts next to letters: quotes, apostrophes, dashes, currency.
_NEWS_MARKS = frozenset("’‘“”„‚‹›«»–—…·•°£€¥¢§©®™¿¡´ªº±×÷½¼¾\u00a0\u00ad")
_NON_ASCII_CHAR_RE = re.compile(r"[^\x00-\x7f]")


def _profile(text: str) -> tuple[list[str], int]:
    """The non-ASCII letters of the text, and how many non-ASCII symbols are stuck to a
    letter ("³" in "powiedzia³": Polish "ł" read as cp1252)."""
    letters = []
    symbols = 0
    for match in _NON_ASCII_CHAR_RE.finditer(text, 0, _SCORE_SAMPLE):
        char, i = match.group(), match.start()
        if char.isalpha():
            letters.append(char)
        elif char not in _NEWS_MARKS:
            before = text[i - 1] if i else " "
            after = text[i + 1 : i + 2] or " "
            symbols += before.isalpha() or after.isalpha()
    return letters, symbols


def _misfits(text: str, encoding: str) -> int:
    """Non-ASCII characters that do not fit the encoding's best-fitting language."""
    letters, symbols = _profile(text)
    languages = _LATIN_LETTERS[encoding]
    return symbols + min(sum(c not in language for c in letters) for language in languages)


def _decode_western(raw: bytes) -> tuple[str, str, float]:
    """cp1252/Latin-1, unless a Central European, Turkish or Baltic code page fits better.

    Returns (text, encoding, misfits). English with a "£", an NBSP or curly quotes reads
    the same everywhere, and names from several Western languages are normal in it, so
    cp1252 stays unless it shows misfits: symbols inside words (Polish "ł" as "³") or
    non-Western letters (Turkish "ş" as "þ"), or, with only Western letters, a mixture no
    single language has (Czech "ř", "č", "ě" as "ø", "è", "ì") while another code page
    fits one language exactly.
    """
    text, name = _decode_cp1252(raw)
    letters, symbols = _profile(text)
    if not symbols and all(c in _WESTERN_LETTERS for c in letters):
        by_language = min(sum(c not in language for c in letters) for language in _LATIN_LETTERS["cp1252"])
        if by_language < 2:
            return text, name, 0
        western = (0.5, 0, text, name)  # clean, but mixed: loses only to a clean fit
    else:
        western = (symbols + sum(c not in _WESTERN_LETTERS for c in letters), 0, text, name)
    best = western
    for rank, candidate in enumerate(("cp1250", "iso8859-2", "cp1254", "cp1257"), start=1):
        try:
            decoded = raw.decode(candidate)
        except UnicodeDecodeError:
            continue
        misfits = _misfits(decoded, candidate)
        if western[0] < 1 and misfits > 0:
            continue
        best = min(best, (misfits, rank, decoded, candidate))
    return best[2], best[3], best[0]


# Legacy encodings plausible for news, in order of preference when two read equally well
# (the order breaks ties such as cp1251 vs mac-cyrillic, where the texts are identical or
# both clean). charset-normalizer's own best guess is added last, for coverage.
_LEGACY_CANDIDATES = (
    "cp1251",
    "koi8-r",
    "koi8-u",
    "iso8859-5",
    "cp866",
    "mac-cyrillic",
    "gb18030",
    "big5",
    "shift_jis",
    "cp932",
    "euc_jp",
    "euc_kr",
    "cp949",
    "cp1253",
    "iso8859-7",
    "cp1255",
    "cp1256",
    "cp1254",
    "cp1250",
    "iso8859-2",
    "cp1257",
    "cp874",
    "cp1258",
)
# How much text the plausibility scores read (they run in Python, character by character).
_SCORE_SAMPLE = 20_000
_KANA_RE = re.compile("[\u3040-\u30ff]")
_HANGUL_RE = re.compile("[\uac00-\ud7a3]")
_CJK_LETTER_RE = re.compile("[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7a3\uf900-\ufaff]")
_HALFWIDTH_KANA_RE = re.compile("[\uff61-\uff9f]")


def _implausibility(text: str, encoding: str) -> float:
    """Lower is more plausible: charset-normalizer's mess ratio minus its language
    coherence, plus penalties for script mixtures no news text has.

    charset-normalizer's measures cannot tell CJK encodings apart (coherence is 0 for all
    of them) and happily read KOI8-R as Shift-JIS half-width katakana, so: Japanese text
    has kana, Korean text is mostly Hangul, Chinese text has neither, and half-width
    katakana is a mojibake sign.
    """
    sample = text[:_SCORE_SAMPLE]
    score = mess_ratio(sample, 1.0)
    coherence = coherence_ratio(sample)
    if coherence:
        score -= coherence[0][1]
    cjk = len(_CJK_LETTER_RE.findall(sample))
    if _HALFWIDTH_KANA_RE.search(sample):
        score += 1.0
    if cjk:
        kana = len(_KANA_RE.findall(sample))
        hangul = len(_HANGUL_RE.findall(sample))
        family = {"shift_jis": "ja", "cp932": "ja", "euc_jp": "ja", "euc_kr": "ko", "cp949": "ko"}
        expected = family.get(encoding, "zh")
        if expected == "ja" and kana < 0.05 * cjk:
            score += 0.5
        if expected == "ko" and hangul < 0.5 * cjk:
            score += 0.5
        if expected == "zh" and (kana > 0.05 * cjk or hangul > 0.05 * cjk):
            score += 0.5
    return score


def _decode_legacy(raw: bytes) -> tuple[str, str]:
    """Decode bytes that are not UTF-8: the Western heuristic first, then the most
    plausible of the news encodings that decode the bytes strictly."""
    if _is_latin_script(raw):
        text, encoding, misfits = _decode_western(raw)
        # A Latin page that leaves a quarter of the non-ASCII characters misfitting is a
        # guess, not a reading (Shift-JIS names in English text): rank all encodings.
        if misfits <= 0.25 * len(_NON_ASCII_CHAR_RE.findall(text, 0, _SCORE_SAMPLE)):
            return text, encoding
    candidates = list(_LEGACY_CANDIDATES)
    guess = charset_normalizer.from_bytes(raw[: 4 * _SCORE_SAMPLE]).best()
    if guess is not None:
        candidates.append(guess.encoding)
    scored: list[tuple[float, int, str, str]] = []
    for rank, candidate in enumerate(candidates):
        try:
            text = raw.decode(candidate)
        except (UnicodeDecodeError, LookupError):
            continue
        scored.append((_implausibility(text, candidate), rank, text, _canonical(candidate)))
    if not scored:
        raise UndecodableError("undecodable", "no encoding decodes these bytes into plausible text")
    _score, _rank, text, encoding = min(scored)
    return text, encoding


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
    stray = _count_high(raw) - sum(len(s) for s in sequences)
    if sequences and len(sequences) >= stray:
        enc = "mixed:utf-8+cp1252"
        return Decoded(raw.decode("utf-8", errors=_MIXED_ERRORS), enc, "mixed", (f"decoded:{enc}",))
    text, encoding = _decode_legacy(raw)
    return Decoded(text, encoding, "detected", (f"decoded:{encoding}",))


# How much more plausible a detected reading must be to overrule a declared encoding.
_DECLARED_MARGIN = 0.3


def _decode_declared(raw: bytes, declared: str) -> tuple[Decoded | None, tuple[str, ...]]:
    """Decode in the declared encoding unless the bytes contradict it.

    Returns ``(decoded, ())`` when the declaration holds, ``(None, steps)`` when it does
    not (the caller then decodes automatically and records ``steps``).
    """
    try:
        encoding = _canonical(declared)
    except LookupError:
        return None, (f"declared-unknown:{declared}",)
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError:
        return None, (f"declared-mismatch:{encoding}",)
    if text.isascii():
        return Decoded(text, encoding, "declared", _steps_for(encoding)), ()
    mojibake = bool(BADNESS_RE.search(text))
    dense = not _is_latin_script(raw)
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
            if dense and _implausibility(alternative.text, alternative.encoding) + _DECLARED_MARGIN < (
                _implausibility(text, encoding)
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
                label = _canonical(declared)
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
