"""Tests for transforms.encoding: decoding bytes."""

from __future__ import annotations

import random

import pytest

from transforms import encoding
from transforms.encoding import Decoded, UndecodableError, decode
from transforms.repair import repair

# ---------------------------------------------------------------------------------------
# Bytes to text
# ---------------------------------------------------------------------------------------

ARTICLE = "Chelsea paid \u00a35m \u2013 \u201ca bargain\u201d, said the caf\u00e9\u2019s owner."


@pytest.mark.parametrize(
    ("bom", "codec", "encoding_name"),
    [
        (b"\xef\xbb\xbf", "utf-8", "utf-8"),
        (b"\xff\xfe", "utf-16-le", "utf-16-le"),
        (b"\xfe\xff", "utf-16-be", "utf-16-be"),
        (b"\xff\xfe\x00\x00", "utf-32-le", "utf-32-le"),
        (b"\x00\x00\xfe\xff", "utf-32-be", "utf-32-be"),
    ],
)
def test_decode_reads_and_removes_each_bom(bom: bytes, codec: str, encoding_name: str) -> None:
    decoded = decode(bom + ARTICLE.encode(codec))
    assert decoded.text == ARTICLE  # no U+FEFF left at the start
    assert (decoded.encoding, decoded.method) == (encoding_name, "bom")
    assert decoded.steps[0] == "bom"
    assert ("decoded:" + encoding_name in decoded.steps) == (encoding_name != "utf-8")


def test_decode_bom_outranks_a_declared_encoding_and_says_so() -> None:
    raw = b"\xff\xfe" + ARTICLE.encode("utf-16-le")
    assert decode(raw, declared="utf-16").steps == ("bom", "decoded:utf-16-le")
    overruled = decode(raw, declared="cp1252")
    assert overruled.text == ARTICLE
    assert overruled.steps == ("bom", "decoded:utf-16-le", "declared-mismatch:cp1252")
    assert decode(b"\xef\xbb\xbf" + ARTICLE.encode(), declared="utf-8-sig").steps == ("bom",)


def test_decode_strict_utf8_records_no_step() -> None:
    assert decode(ARTICLE.encode()) == Decoded(ARTICLE, "utf-8", "utf-8", ())


# Short English news text with one or two non-ASCII characters: the case where
# charset-normalizer's best guess is cp1250, cp850 or cp775 rather than cp1252.
SHORT_WESTERN = [
    "Chelsea paid \u00a35m for the striker, the club confirmed.",
    "Shares rose 3%\u00a0on Monday in London.",
    "The minister\u2019s plan \u2013 costing \u20ac2bn \u2013 was \u201cdead\u201d, he said.",
    "Ren\u00e9e Zellweger won the award in Z\u00fcrich.",
    "Profits hit \u00a31.2bn\u2026 up from \u00a3900m.",
    "Se\u00f1or Garc\u00eda and M\u00fcller met in K\u00f6ln for the \u00a34m deal.",
]


def _encodable(text: str, codec: str) -> bool:
    try:
        text.encode(codec)
    except UnicodeEncodeError:
        return False
    return True


@pytest.mark.parametrize(
    ("text", "codec"),
    [(t, c) for t in SHORT_WESTERN for c in ("cp1252", "latin-1") if _encodable(t, c)],
)
def test_decode_short_western_articles(text: str, codec: str) -> None:
    raw = text.encode(codec)
    decoded = decode(raw)
    assert decoded.text == text
    assert decoded.method == "detected"
    # Bytes 0x80-0x9F exist only in cp1252; without them both read the same and the
    # smaller claim, Latin-1, is recorded.
    has_c1_bytes = any(0x80 <= b <= 0x9F for b in raw)
    assert decoded.encoding == ("cp1252" if has_c1_bytes else "latin-1")
    assert decoded.steps == (f"decoded:{decoded.encoding}",)


# Sparse non-ASCII Latin-script text: cp1252 unless another code page fits the letters.
LATIN_PAGES = [
    ("cp1250", "Premier powiedział w środę, że rozmowy będą kontynuowane w przyszłym tygodniu."),
    ("iso8859-2", "Premier powiedział w środę, że rozmowy będą kontynuowane."),
    ("cp1250", "Vláda ve středu schválila rozpočet na příští rok, řekl mluvčí."),
    ("cp1254", "Başbakan çarşamba günü görüşmelerin gelecek hafta devam edeceğini söyledi."),
    ("cp1257", "Ministras trečiadienį pareiškė, kad derybos bus tęsiamos kitą savaitę."),
]


@pytest.mark.parametrize(("codec", "text"), LATIN_PAGES)
def test_decode_picks_the_latin_code_page_whose_letters_fit(codec: str, text: str) -> None:
    decoded = decode(text.encode(codec))
    assert (decoded.text, decoded.encoding) == (text, codec)


LEGACY = {
    "cp1251": "Президент России заявил в среду, что переговоры продолжатся на следующей неделе.",
    "koi8-r": "Президент России заявил в среду, что переговоры продолжатся на следующей неделе.",
    "shift_jis": "東京証券取引所の株価は水曜日に大きく値上がりし、投資家の間に安心感が広がった。",
    "gb18030": "中国国家统计局周三公布的数据显示，十月份工业生产增长速度有所加快。",
    "cp1253": "Ο πρωθυπουργός δήλωσε την Τετάρτη ότι οι διαπραγματεύσεις θα συνεχιστούν.",
    "big5": "台灣的經濟成長率在第三季度超出預期，政府官員表示。",
}
# charset-normalizer names the superset Microsoft code page for Shift-JIS; same text.
SAME_TEXT = {"shift_jis": {"shift_jis", "cp932"}}


@pytest.mark.parametrize("codec", sorted(LEGACY))
def test_decode_detects_non_western_legacy_encodings(codec: str) -> None:
    text = LEGACY[codec]
    decoded = decode(text.encode(codec))
    assert decoded.text == text
    assert decoded.method == "detected"
    assert decoded.encoding in SAME_TEXT.get(codec, {codec})


def test_decode_honours_a_declared_encoding() -> None:
    # Five bytes of KOI8-R decode to *something* in many code pages; the declaration decides.
    raw = "Мир".encode("koi8-r")
    decoded = decode(raw, declared="KOI8-R")
    assert decoded == Decoded("Мир", "koi8-r", "declared", ("decoded:koi8-r",))
    assert decode("Мир".encode("cp1251"), declared="windows-1251").text == "Мир"


def test_decode_reports_a_declared_encoding_the_bytes_do_not_fit() -> None:
    raw = ARTICLE.encode("cp1252")
    decoded = decode(raw, declared="utf-8")
    assert decoded.text == ARTICLE
    assert decoded.steps[0] == "declared-mismatch:utf-8"
    assert decoded.encoding == "cp1252"


def test_decode_notices_a_declared_encoding_that_gives_mojibake() -> None:
    # A UTF-8 file in a source configured as Latin-1: read as declared it says "Ã©".
    decoded = decode(ARTICLE.encode("utf-8"), declared="latin-1")
    assert decoded.text == ARTICLE
    assert decoded.steps == ("declared-mismatch:latin-1",)
    assert (decoded.encoding, decoded.method) == ("utf-8", "utf-8")


@pytest.mark.parametrize(("codec", "declared"), [("koi8-r", "cp1251"), ("cp1251", "latin-1"), ("cp1251", "koi8-r")])
def test_decode_notices_a_wrong_declared_code_page_for_non_latin_text(codec: str, declared: str) -> None:
    # Every byte decodes in every single-byte code page, so only plausibility can tell.
    text = LEGACY["cp1251"]
    decoded = decode(text.encode(codec), declared=declared)
    assert decoded.text == text
    assert decoded.steps[0] == f"declared-mismatch:{encoding._canonical(declared)}"
    assert (decoded.encoding, decoded.method) == (codec, "detected")
    # ... and the right declaration is simply honoured.
    assert decode(text.encode(codec), declared=codec).method == "declared"


def test_decode_keeps_a_declared_encoding_when_nothing_contradicts_it() -> None:
    # Pure ASCII is the same in every declared Western encoding: no mismatch to report.
    decoded = decode(b"Talks ended late.", declared="cp1252")
    assert decoded == Decoded("Talks ended late.", "cp1252", "declared", ("decoded:cp1252",))


def test_decode_reports_an_unknown_declared_encoding() -> None:
    decoded = decode(ARTICLE.encode(), declared="no-such-codec")
    assert decoded.text == ARTICLE
    assert decoded.steps == ("declared-unknown:no-such-codec",)


def test_decode_mixed_utf8_with_stray_cp1252_bytes_keeps_the_article() -> None:
    # Reuters-21578 style: UTF-8 text with a stray single-byte character.
    raw = "Caf\u00e9 sales \u2013 up 5% \u2013 showed growth.".encode() + b"\xfc More \xe9"
    decoded = decode(raw)
    assert decoded.text == "Caf\u00e9 sales \u2013 up 5% \u2013 showed growth.\u00fc More \u00e9"
    assert (decoded.encoding, decoded.method) == ("mixed:utf-8+cp1252", "mixed")
    assert decoded.steps == ("decoded:mixed:utf-8+cp1252",)


def test_decode_ascii_with_one_stray_byte_is_latin_1() -> None:
    decoded = decode(b"The economy showed growth.\xfc\nExports fell.")
    assert decoded.text == "The economy showed growth.\u00fc\nExports fell."
    assert decoded.encoding == "latin-1"


def test_decode_utf16_without_bom_is_sniffed() -> None:
    decoded = decode(ARTICLE.encode("utf-16-be"))
    assert (decoded.text, decoded.encoding, decoded.method) == (ARTICLE, "utf-16-be", "detected")


@pytest.mark.parametrize(
    "raw",
    [
        b"\x89PNG\r\n\x1a\n" + random.Random(1).randbytes(2000),
        b"\x00" * 300 + b"text" + b"\x00\x01\x02" * 100,
        b"PK\x03\x04" + bytes(range(256)) * 8,
        b"abc\x00def\x00ghi\x00" * 50,
    ],
    ids=["png", "nul-heavy", "zip-like", "nul-separated"],
)
def test_decode_rejects_binary_as_undecodable(raw: bytes) -> None:
    with pytest.raises(UndecodableError) as info:
        decode(raw)
    assert info.value.reason == "undecodable"
    assert info.value.detail


def test_decode_rejects_empty_input() -> None:
    with pytest.raises(UndecodableError) as info:
        decode(b"")
    assert info.value.reason == "empty"


def test_decode_keeps_a_text_with_a_single_stray_nul() -> None:
    # One NUL in an article is a glitch for repair to remove, not a reason to reject.
    text = "A long enough article about talks that ended late on Monday.\n" * 3 + "End.\x00\n"
    assert decode(text.encode()).text == text
    assert "\x00" not in repair(text)
