"""Bytes to text, and text repair: decode raw article bytes, then repair them with ftfy.

Two concerns, in the order the pipeline applies them:

1. ``decode(raw, declared=None) -> Decoded``: turn bytes into ``str``. In order: a byte
   order mark (UTF-8, UTF-16 LE/BE, UTF-32 LE/BE); a declared encoding (per source or per
   input), checked against the bytes; strict UTF-8; UTF-8 with a few stray single-byte
   characters, decoded segment by segment; then legacy-encoding detection, judged for news
   text (see ``_decode_legacy``). Binary or NUL-heavy input raises ``UndecodableError``.
2. ``repair(text) -> str``: ``ftfy.fix_text(text, config=CONFIG)``, with a fast path that
   skips the lines ftfy provably leaves unchanged (see "The fast path" below).

Names recorded in an article's ``fixes`` (``Decoded.steps`` and ``repair_and_explain``):

- ``bom``: a byte order mark was found and removed.
- ``decoded:<encoding>``: the bytes were not plain UTF-8 and were decoded as ``<encoding>``
  (``decoded:cp1252``, ``decoded:utf-16-le``, ``decoded:mixed:utf-8+cp1252``).
- ``declared-mismatch:<declared>``: the declared encoding did not fit the bytes (they do
  not decode in it, or decode to mojibake that another decoding avoids); another was used.
- ``declared-unknown:<declared>``: the declared encoding is not a codec Python knows.
- ftfy's own steps, named after its explanations: ``unescape_html``, ``fix_c1_controls``,
  ``fix_latin_ligatures``, ``fix_line_breaks``, ``fix_surrogates``,
  ``remove_terminal_escapes``, ``remove_control_chars``, ``decode_inconsistent_utf8``,
  ``restore_byte_a0``, ``replace_lossy_sequences``, ``normalize:NFC``, and the two halves
  of a mojibake repair, ``encode:<codec>`` then ``decode:<codec>`` (UTF-8 read as cp1252
  is repaired by ``encode:sloppy-windows-1252`` + ``decode:utf-8``; C1 controls for
  cp1252 punctuation by ``encode:latin-1`` + ``decode:windows-1252``).
- ``lost-entities`` (``LOST_ENTITIES_STEP``): ``fix_lost_entities`` changed the text.
"""

from __future__ import annotations

import codecs
import html
import itertools
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

import charset_normalizer
import ftfy
import ftfy.bad_codecs  # noqa: F401  (registers the "sloppy-windows-1252" codec)
from charset_normalizer.cd import coherence_ratio
from charset_normalizer.md import mess_ratio
from ftfy import chardata
from ftfy.badness import BADNESS_RE

__all__ = [
    "CONFIG",
    "LOST_ENTITIES_STEP",
    "Decoded",
    "UndecodableError",
    "config_description",
    "decode",
    "fix_lost_entities",
    "repair",
    "repair_and_explain",
    "repair_with",
]

# ---------------------------------------------------------------------------------------
# The repair configuration
# ---------------------------------------------------------------------------------------

CONFIG = ftfy.TextFixerConfig(
    # Decode entities such as "caf&#233;" (BBC has ~25 files with them); "auto" stops as
    # soon as a line contains "<", because then the text is real HTML and "&lt;" is
    # meant literally.
    unescape_html="auto",
    # ANSI colour codes are never article text.
    remove_terminal_escapes=True,
    # The point of the exercise: UTF-8 read as cp1252/Latin-1 ("Ã©" for "é"), once or twice.
    fix_encoding=True,
    # The four sub-options stay at ftfy's defaults on purpose: with explain=False ftfy's
    # fix_text ignores them and uses the defaults anyway, so any other value would make
    # repair() and repair_and_explain() disagree.
    restore_byte_a0=True,  # "Ã la" (NBSP turned into a space) is common in mojibake
    replace_lossy_sequences=True,  # "â€�" (a lost byte) becomes one "�", not three chars
    decode_inconsistent_utf8=True,  # mojibake embedded in otherwise good text
    fix_c1_controls=True,  # U+0092 etc. stand for cp1252 punctuation (U+0092 -> ’)
    # "ﬁ" from PDF copy-paste is a glitch, not style; ftfy leaves æ/œ alone.
    fix_latin_ligatures=True,
    # False: ftfy's width fix rewrites full-width CJK punctuation (，。！) to ASCII, which
    # is wrong for Chinese and Japanese (NeMo Curator issue #476).
    fix_character_width=False,
    # False: curly quotes are how the article was written; repairing is not restyling.
    uncurl_quotes=False,
    # CRLF, CR, U+2028/U+2029 and NEL become "\n" so paragraph splitting sees one kind.
    fix_line_breaks=True,
    # Lone or paired UTF-16 surrogates (from UCS-2 decoders) cannot even be written to Parquet.
    fix_surrogates=True,
    # NUL, BEL, U+FEFF and friends have no place in article text.
    remove_control_chars=True,
    # NFC: composed "é" and "e"+U+0301 must compare and hash equal downstream. Not NFKC,
    # which changes meaning ("10³" -> "103").
    normalization="NFC",
    # ftfy's default bound on one segment; lines longer than this are cut (see repair_with).
    max_decode_length=1_000_000,
    # Explanations cost time; repair_and_explain switches them on for itself.
    explain=False,
)


def config_description() -> dict[str, object]:
    """The repair configuration in force, as a plain dict (recorded in ``runs``).

    >>> config_description()["uncurl_quotes"]
    False
    """
    return dict(CONFIG._asdict())


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


# ---------------------------------------------------------------------------------------
# Text repair, with a fast path
# ---------------------------------------------------------------------------------------
#
# The fast path. ftfy.fix_text cuts the text into segments (each line with its "\n", or
# max_decode_length characters of a longer line) and runs fix_and_explain on each. That
# runs every enabled fixer in turn, then normalization, and stops when a round changes
# nothing. So a segment comes back unchanged when every fixer and the normalization leave
# it unchanged on the first round. Under a config, each has a cheap sufficient condition:
#
#   unescape_html             no match of ftfy's HTML_ENTITY_RE (needs "&")
#   fix_encoding              the segment is ASCII, or ftfy's BADNESS_RE does not match
#                             (ftfy returns such text unchanged before trying anything)
#   fix_c1_controls           no U+0080..U+009F
#   fix_latin_ligatures       no character of ftfy's LIGATURES table
#   fix_character_width       no character of ftfy's WIDTH_MAP table
#   uncurl_quotes             no character matched by ftfy's quote regexes
#   fix_line_breaks           no "\r", U+2028, U+2029, U+0085
#   fix_surrogates            no U+D800..U+DFFF
#   remove_terminal_escapes   no ESC
#   remove_control_chars      no character of ftfy's CONTROL_CHARS table
#   normalization             unicodedata.is_normalized(form, segment)
#
# `_Prefilter` collects, from ftfy's own tables, the characters the enabled fixers change.
# The ASCII ones (controls, "&") are found with bytes.translate, which runs at memory
# speed, the others with one character-class regex. BADNESS_RE, ftfy's mojibake
# heuristic, is its slowest part (~2 MB/s); every one of its matches contains one of a
# set of trigger characters (accented letters, "£", box drawing, ...; not ’ “ ” – …) and
# is at most 7 characters long, both read off the parsed regex at import (see
# `_badness_triggers`), so it is only searched in small windows around triggers.
# Lines that pass are copied; the others go through `_fix_segment`, ftfy.fix_and_explain's
# rounds run with ftfy's own fixers but skipping each fixer that cannot change the line
# (same conditions) and the final round that only confirms the fix. fix_text's one piece
# of state across segments is kept: unescape_html="auto" is off for the rest of the text
# from the first segment with "<".
#
# The whole text is tried first, at once. That is sound because (a) the character checks
# and HTML_ENTITY_RE (which cannot span "\n") are local, so none in the text means none
# in any line; (b) BADNESS_RE has no lookaround and one anchor, "^", compiled here with
# re.MULTILINE so it also matches at every line start: a match in a line is a match in
# the text; (c) normalization acts independently on either side of "\n" (a starter that
# composes with nothing), so a normalized text has normalized lines. (a)-(c) assume whole
# lines, so texts longer than max_decode_length skip the whole-text test.
# tests/test_encoding.py checks repair(x) == ftfy.fix_text(x, config=CONFIG) with
# hypothesis on adversarial alphabets, on every shared corpus and on generated mojibake.

_BADNESS_ANY_LINE_RE = re.compile(BADNESS_RE.pattern, BADNESS_RE.flags | re.MULTILINE)


# Printable ASCII plus TAB, LF and FF: no enabled fixer changes them ("&" is handled apart).
_SAFE_ASCII = bytes([0x09, 0x0A, 0x0C, *range(0x20, 0x7F)])


def _char_class(codepoints: set[int]) -> str:
    """A regex character class for the code points, as compact ranges."""
    parts = []
    for _, group in itertools.groupby(enumerate(sorted(codepoints)), lambda p: p[1] - p[0]):
        run = [cp for _, cp in group]
        lo, hi = re.escape(chr(run[0])), re.escape(chr(run[-1]))
        parts.append(lo if lo == hi else f"{lo}-{hi}")
    return "[" + "".join(parts) + "]"


# Punctuation that clean edited news is full of; the trigger set avoids it where it can.
# (Accented letters, "£" and "€" cannot be avoided: some alternatives need them.)
_COMMON_IN_NEWS = frozenset(map(ord, "’‘“”„‚–—…«»‹›\u00a0°·"))


def _mandatory_sets(items: list, cost: Callable[[frozenset[int]], tuple[int, int]]) -> list[frozenset[int]]:  # type: ignore[type-arg]
    """For a parsed regex sequence, the character sets of its mandatory items made only of
    non-ASCII characters: every match contains a character of each set. (An alternation
    contributes the union of one set per alternative, chosen by ``cost``.)"""
    from re import _constants as c  # the parsed-regex opcodes (CPython 3.11+)

    sets: list[frozenset[int]] = []
    for op, av in items:
        if op is c.LITERAL and av >= 0x80:
            sets.append(frozenset({av}))
        elif op is c.IN:
            chars: set[int] = set()
            for kind, val in av:
                if kind is c.LITERAL and val >= 0x80:
                    chars.add(val)
                elif kind is c.RANGE and val[0] >= 0x80:
                    chars.update(range(val[0], val[1] + 1))
                else:
                    break  # an ASCII character, a category or a negation: not all non-ASCII
            else:
                sets.append(frozenset(chars))
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT) and av[0] >= 1:
            sets.extend(_mandatory_sets(list(av[2]), cost))
        elif op is c.SUBPATTERN:
            sets.extend(_mandatory_sets(list(av[-1]), cost))
        elif op is c.BRANCH:
            chosen = [min(_mandatory_sets(list(alt), cost), key=cost, default=None) for alt in av[1]]
            if all(s is not None for s in chosen):
                sets.append(frozenset().union(*chosen))  # type: ignore[arg-type]
    return sets


def _looks_outside(items: list) -> bool:  # type: ignore[type-arg]
    """True if the parsed regex has lookarounds, word boundaries, "$" or backreferences:
    constructs whose result depends on text outside a window (only "^" is allowed, and
    search(text, pos) matches it at real line starts only)."""
    from re import _constants as c

    for op, av in items:
        if op in (c.ASSERT, c.ASSERT_NOT, c.GROUPREF, c.GROUPREF_EXISTS):
            return True
        if op is c.AT and av not in (c.AT_BEGINNING, c.AT_BEGINNING_LINE, c.AT_BEGINNING_STRING):
            return True
        if op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT) and _looks_outside(list(av[2])):
            return True
        if op in (c.SUBPATTERN, c.ATOMIC_GROUP) and _looks_outside(list(av[-1] if op is c.SUBPATTERN else av)):
            return True
        if op is c.BRANCH and any(_looks_outside(list(alt)) for alt in av[1]):
            return True
    return False


def _trigger_cost(chars: frozenset[int]) -> tuple[int, int]:
    return len(chars & _COMMON_IN_NEWS), len(chars)


def _badness_triggers(pattern: re.Pattern[str] = BADNESS_RE) -> tuple[frozenset[int], int] | None:
    """Characters at least one of which is in every match of ftfy's mojibake regex, and
    the longest match: ``(triggers, width)``.

    Each alternative of the regex has some item that must match and holds only non-ASCII
    characters; one such item is picked per alternative, preferring items without the
    typographic characters of clean news (’ “ ” – …), so that a line of clean edited copy
    usually has no trigger at all. None (search every line in full) if that cannot be
    shown, e.g. after a change in ftfy or under IGNORECASE, where non-ASCII pattern
    characters match ASCII ones.
    """
    try:
        from re import _parser

        if pattern.flags & re.IGNORECASE:
            return None
        parsed = _parser.parse(pattern.pattern, pattern.flags)
        if _looks_outside(list(parsed)):
            return None
        _low, width = parsed.getwidth()
        top = _mandatory_sets(list(parsed), _trigger_cost)
        if not top:
            return None
        taken = min(top, key=_trigger_cost)
        return (taken, width) if width < 100 else None
    except Exception:  # a private module of a future Python: fall back, never guess
        return None


_TRIGGERS = _badness_triggers()


def _cluster_pattern(triggers: frozenset[int], width: int) -> re.Pattern[str]:
    # Runs of trigger characters less than `width` apart, found in one C-level scan.
    cls = _char_class(set(triggers))
    return re.compile(f"{cls}(?:[^{cls[1:-1]}]{{0,{width - 1}}}{cls})*")


_TRIGGER_CLUSTER_RE = _cluster_pattern(*_TRIGGERS) if _TRIGGERS else None


def _badness_search(text: str, badness_re: re.Pattern[str]) -> bool:
    """``badness_re.search(text)`` is truthy, searching only around trigger characters.

    A match holds a trigger at some i and spans at most `width` characters, so it lies in
    [i - width + 1, i + width); a cluster's window covers that for each of its triggers.
    search(text, pos, endpos) keeps "^" from matching at pos (only at real line starts).
    """
    if _TRIGGER_CLUSTER_RE is None or _TRIGGERS is None:
        return bool(badness_re.search(text))
    width = _TRIGGERS[1]
    for cluster in _TRIGGER_CLUSTER_RE.finditer(text):
        start = max(0, cluster.start() - width + 1)
        if badness_re.search(text, start, cluster.end() + width - 1):
            return True
    return False


@dataclass(frozen=True)
class _Prefilter:
    """What can make ftfy change a segment under one config (see the comment above)."""

    keep_bytes: bytes  # ASCII bytes no enabled fixer changes, and all bytes >= 0x80
    entities: bool  # unescape_html is on: "&" needs a look with HTML_ENTITY_RE
    non_ascii: re.Pattern[str] | None  # non-ASCII characters an enabled fixer changes
    badness: bool  # fix_encoding is on
    normalization: str | None

    @classmethod
    def for_config(cls, config: ftfy.TextFixerConfig) -> _Prefilter:
        cps: set[int] = set()
        if config.fix_c1_controls or config.fix_encoding:
            cps.update(range(0x80, 0xA0))
        if config.fix_latin_ligatures:
            cps.update(chardata.LIGATURES)
        if config.fix_character_width:
            cps.update(chardata.WIDTH_MAP)
        if config.uncurl_quotes:
            quotes = (chardata.SINGLE_QUOTE_RE, chardata.DOUBLE_QUOTE_RE)
            cps.update(cp for cp in range(0x10000) for q in quotes if q.match(chr(cp)))
        if config.fix_line_breaks:
            cps.update((0x0D, 0x85, 0x2028, 0x2029))
        if config.fix_surrogates:
            cps.update(range(0xD800, 0xE000))
        if config.remove_terminal_escapes:
            cps.add(0x1B)
        if config.remove_control_chars:
            cps.update(chardata.CONTROL_CHARS)
        keep = set(_SAFE_ASCII) - {ord("&")} - cps
        keep.update(range(0x80, 0x100))  # non-ASCII is checked on the str, not on bytes
        high = {cp for cp in cps if cp >= 0x80}
        return cls(
            keep_bytes=bytes(sorted(keep)),
            entities=bool(config.unescape_html),  # True or "auto" (the caller tracks "<")
            non_ascii=re.compile(_char_class(high)) if high else None,
            badness=bool(config.fix_encoding),
            normalization=config.normalization,
        )

    def unchanged(self, text: str, badness_re: re.Pattern[str]) -> bool:
        """True only if ftfy leaves ``text`` (a segment, or whole lines) unchanged."""
        encoded = text.encode("utf-8", "surrogatepass")
        rest = encoded.translate(None, self.keep_bytes)
        if rest:
            if rest.count(b"&") != len(rest):
                return False  # a control character, CR or ESC
            if self.entities and chardata.HTML_ENTITY_RE.search(text):
                return False
        if len(encoded) == len(text):
            return True  # ASCII: the encoding fix skips it, every normal form keeps it
        if self.non_ascii is not None and self.non_ascii.search(text):
            return False
        if self.badness and _badness_search(text, badness_re):
            return False
        return self.normalization is None or unicodedata.is_normalized(self.normalization, text)


_PREFILTERS: dict[ftfy.TextFixerConfig, _Prefilter] = {}


def _prefilter(config: ftfy.TextFixerConfig) -> _Prefilter:
    found = _PREFILTERS.get(config)
    if found is None:
        found = _PREFILTERS[config] = _Prefilter.for_config(config)
    return found


def _segments(text: str, max_length: int):
    """Yield fix_text's segments: each line with its "\\n", cut at max_length characters."""
    pos = 0
    n = len(text)
    while pos < n:
        end = text.find("\n", pos) + 1 or n
        if end - pos > max_length:
            end = pos + max_length
        yield text[pos:end]
        pos = end


# fix_and_explain for one segment, mirrored from ftfy 6.3 so that each fixer runs only
# when it can change the text and the mojibake heuristic is searched near non-ASCII
# characters only (ftfy searches every line in full three or four times per repair).
# It calls ftfy's own fixers and its one-step encoding fix, so only the control flow is
# copied; for any other ftfy version `_fix_segment` defers to ftfy.fix_and_explain.
_MIRRORS_FTFY = ftfy.__version__.startswith("6.3.")
_FIXER_ORDER = (
    "fix_c1_controls",
    "fix_latin_ligatures",
    "fix_character_width",
    "uncurl_quotes",
    "fix_line_breaks",
    "fix_surrogates",
    "remove_terminal_escapes",
    "remove_control_chars",
)
_LINE_BREAK_RE = re.compile("[\r\x85\u2028\u2029]")
# For each fixer, a search that finds something whenever the fixer could change the text.
_COULD_CHANGE: dict[str, re.Pattern[str]] = {
    "fix_c1_controls": chardata.C1_CONTROL_RE,
    "fix_latin_ligatures": re.compile(_char_class(set(chardata.LIGATURES))),
    "fix_character_width": re.compile(_char_class(set(chardata.WIDTH_MAP))),
    "uncurl_quotes": re.compile(f"{chardata.SINGLE_QUOTE_RE.pattern}|{chardata.DOUBLE_QUOTE_RE.pattern}"),
    "fix_line_breaks": _LINE_BREAK_RE,
    "fix_surrogates": re.compile("[\ud800-\udfff]"),
    "remove_terminal_escapes": re.compile("\x1b"),
    "remove_control_chars": re.compile(_char_class(set(chardata.CONTROL_CHARS))),
}


def _fix_encoding(text: str, config: ftfy.TextFixerConfig, steps: list[ftfy.ExplanationStep] | None) -> str:
    # ftfy.fix_and_explain calls fix_encoding(text) (ftfy's default config) when it does
    # not explain, and fix_encoding_and_explain(text, config) when it does.
    enc_config = config if steps is not None else ftfy.TextFixerConfig(explain=False)
    if not enc_config.fix_encoding:
        return text
    while True:
        # The one-step fix returns ASCII and text without mojibake unchanged, which ends
        # ftfy's loop; decide that here, quickly, before calling it.
        if not text or text.isascii() or not _badness_search(text, BADNESS_RE):
            return text
        fixed, plan = ftfy._fix_encoding_one_step_and_explain(text, enc_config)
        if steps is not None and plan:
            steps.extend(plan)
        if fixed == text:
            return text
        text = fixed


def _fix_segment(text: str, config: ftfy.TextFixerConfig, steps: list[ftfy.ExplanationStep] | None) -> str:
    """``ftfy.fix_and_explain(text, config)`` for one segment, appending its explanation."""
    if config.unescape_html == "auto" and "<" in text:
        config = config._replace(unescape_html=False)
    prefilter = _prefilter(config)
    if prefilter.unchanged(text, BADNESS_RE):
        return text
    if not _MIRRORS_FTFY:
        fixed, explanation = ftfy.fix_and_explain(text, config._replace(explain=steps is not None))
        if steps is not None and explanation:
            steps.extend(explanation)
        return fixed
    while True:  # ftfy's rounds: every fixer in order, until a round changes nothing
        original = text
        if config.unescape_html and "&" in text:
            text = _apply("unescape_html", ftfy.fixes.unescape_html, text, steps)
        if config.fix_encoding:
            text = _fix_encoding(text, config, steps)
        for name in _FIXER_ORDER:
            if getattr(config, name) and _COULD_CHANGE[name].search(text):
                text = _apply(name, ftfy.FIXERS[name], text, steps)
        if config.normalization is not None and not unicodedata.is_normalized(config.normalization, text):
            text = unicodedata.normalize(config.normalization, text)
            if steps is not None:
                steps.append(ftfy.ExplanationStep("normalize", config.normalization))
        # The second test spares ftfy's last round, the one that only confirms the fix.
        if text == original or prefilter.unchanged(text, BADNESS_RE):
            return text


def _apply(name: str, fixer: Callable[[str], str], text: str, steps: list[ftfy.ExplanationStep] | None) -> str:
    fixed = fixer(text)
    if steps is not None and fixed != text:
        steps.append(ftfy.ExplanationStep("apply", name))
    return fixed


def _repair(text: str, config: ftfy.TextFixerConfig, steps: list[ftfy.ExplanationStep] | None) -> str:
    if len(text) <= config.max_decode_length and _prefilter(config).unchanged(text, _BADNESS_ANY_LINE_RE):
        return text
    out = []
    for segment in _segments(text, config.max_decode_length):
        if config.unescape_html == "auto" and "<" in segment:
            # Same switch as ftfy.fix_text: from the first line with "<" on, the text is
            # treated as HTML and entities are kept.
            config = config._replace(unescape_html=False)
        out.append(_fix_segment(segment, config, steps))
    return "".join(out)


def repair_with(text: str, config: ftfy.TextFixerConfig) -> str:
    """``ftfy.fix_text(text, config=config)``, skipping lines it provably leaves unchanged.

    >>> repair_with("caf&#233; \\u00e2\\u20ac\\u201d ok", CONFIG)
    'café — ok'
    """
    return _repair(text, config, None)


def repair(text: str) -> str:
    """Repair text under ``CONFIG``; always equal to ``ftfy.fix_text(text, config=CONFIG)``.

    >>> repair("The BBC\\u00e2\\u20ac\\u2122s report costs \\u00c2\\u00a35")
    'The BBC’s report costs £5'
    """
    return _repair(text, CONFIG, None)


def _step_name(step: ftfy.ExplanationStep) -> str:
    action, parameter = step
    if action in ("encode", "decode", "normalize"):
        return f"{action}:{parameter}"
    return parameter  # "apply"/"transcode": the fixer's name


def repair_and_explain(text: str) -> tuple[str, list[str]]:
    """``repair(text)`` plus the names of the steps it applied, in first-use order.

    >>> repair_and_explain("caf&#233;\\r\\n")
    ('café\\n', ['unescape_html', 'fix_line_breaks'])
    """
    explanation: list[ftfy.ExplanationStep] = []
    fixed = _repair(text, CONFIG._replace(explain=True), explanation)
    return fixed, list(dict.fromkeys(_step_name(step) for step in explanation))


# ---------------------------------------------------------------------------------------
# Lost-ampersand entities (opt-in, per source)
# ---------------------------------------------------------------------------------------

LOST_ENTITIES_STEP = "lost-entities"

# Only the entities seen without their "&" in AG News, all punctuation or currency: a
# literal "#39;" or "quot;" is implausible in news prose, whereas "#1;" could be anything.
_LOST_NUMERIC = (
    "39",
    "36",
    "38",
    "038",
    "34",
    "133",
    "145",
    "146",
    "147",
    "148",
    "150",
    "151",
    "160",
    "8211",
    "8212",
    "8216",
    "8217",
    "8220",
    "8221",
)
_LOST_NAMED = ("quot", "amp", "lt", "gt")
# AG News replaced the "&" with a space ("Oracle #39;s", "the  #36;10 million"): consume
# that one space after a word character, otherwise accept the entity after anything but
# "&" (a real entity, left to repair) or a word character ("camp;" is not "c&amp;").
_LOST_ENTITY_RE = re.compile(
    r"(?:(?<=\w) |(?<![&\w#]) ?)"
    r"(?:#(" + "|".join(sorted(_LOST_NUMERIC, key=len, reverse=True)) + r")|(" + "|".join(_LOST_NAMED) + r"));"
)


def _lost_entity(match: re.Match[str]) -> str:
    number, name = match.groups()
    # html.unescape maps &#151; to "—" the way HTML5 does (cp1252 meaning of 0x80-0x9F).
    return html.unescape(f"&#{number};" if number else f"&{name};")


def fix_lost_entities(text: str) -> str:
    """Restore entities that lost their "&" ("Oracle #39;s" -> "Oracle's"). Opt-in.

    Apply only to sources known to have lost ampersands (AG News): in other text a
    "#39;" could be literal. Only the punctuation and currency entities listed in
    ``_LOST_NUMERIC``/``_LOST_NAMED`` are restored, and the space that stood in for the
    "&" is dropped.

    >>> fix_lost_entities("Oracle #39;s chief, the  #36;10 million prize #151; and more")
    "Oracle's chief, the $10 million prize— and more"
    """
    return _LOST_ENTITY_RE.sub(_lost_entity, text)
