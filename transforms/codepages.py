"""Which legacy code page a text that is not UTF-8 was written in.

``decode_legacy(raw)`` reads bytes that are neither UTF-8 nor marked by a BOM: a
Western heuristic first (sparse non-ASCII letters among ASCII ones: cp1252 unless a
Central European, Turkish or Baltic page fits the letters better), then the most
plausible of the news encodings that decode the bytes strictly, ranked by
charset-normalizer's measures and by script mixtures no news text has. Used by
``transforms.decoding``, which owns the order of evidence; nothing here does I/O.

>>> decode_legacy("Zażółć gęślą jaźń, powiedział minister.".encode("cp1250"))
('Zażółć gęślą jaźń, powiedział minister.', 'cp1250')
"""

from __future__ import annotations

import codecs
import re

import charset_normalizer
import ftfy.bad_codecs  # noqa: F401  (registers the "sloppy-windows-1252" codec)
from charset_normalizer.cd import coherence_ratio
from charset_normalizer.md import mess_ratio

__all__ = ["SLOPPY_CP1252", "canonical_name", "count_high", "decode_legacy", "implausibility", "is_latin_script"]

# cp1252 that decodes its five undefined bytes as C1 controls instead of failing.
SLOPPY_CP1252 = "sloppy-windows-1252"

_ASCII_BYTES = bytes(range(0x80))
_C1_BYTES_RE = re.compile(rb"[\x80-\x9f]")


def canonical_name(encoding: str) -> str:
    """Python's canonical codec name, "latin-1" for ISO-8859-1 (the name people use).

    >>> canonical_name("ISO-8859-1"), canonical_name("utf-8-sig"), canonical_name("KOI8_R")
    ('latin-1', 'utf-8', 'koi8-r')
    """
    name = codecs.lookup(encoding).name
    return {"iso8859-1": "latin-1", "utf-8-sig": "utf-8"}.get(name, name)


_ASCII_LETTERS = bytes(range(0x41, 0x5B)) + bytes(range(0x61, 0x7B))
_LONG_HIGH_RUN_RE = re.compile(rb"[\x80-\xff]{3,}")


def count_high(raw: bytes) -> int:
    """How many bytes are 0x80 or above (bytes.translate runs at memory speed)."""
    return len(raw.translate(None, _ASCII_BYTES))


def is_latin_script(raw: bytes) -> bool:
    """True when the non-ASCII bytes look like a Latin-script single-byte text.

    In Latin-script text (English with a "£", French, Polish, Czech) the non-ASCII
    characters are sparse among ASCII letters, and mostly alone or in pairs; in Cyrillic,
    Greek, Hebrew or Arabic single-byte text and in every multi-byte CJK encoding nearly
    every letter is non-ASCII and they come in runs (whole words). This is the case
    charset-normalizer gets wrong: it reads short cp1252 news as cp850, cp775 or cp1250.
    """
    high = count_high(raw)
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
    return raw.decode(SLOPPY_CP1252), "cp1252"


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


def implausibility(text: str, encoding: str) -> float:
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


def decode_legacy(raw: bytes) -> tuple[str, str] | None:
    """Decode bytes that are not UTF-8: the Western heuristic first, then the most
    plausible of the news encodings that decode the bytes strictly; None when none does."""
    if is_latin_script(raw):
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
        scored.append((implausibility(text, candidate), rank, text, canonical_name(candidate)))
    if not scored:
        return None
    _score, _rank, text, encoding = min(scored)
    return text, encoding
