"""Tests for transforms.codepages: which legacy code page bytes that are not UTF-8 are in.

``decode`` (tests/test_decoding.py) exercises these through the order of evidence; here
the pieces are checked on their own.
"""

from __future__ import annotations

from transforms.codepages import canonical_name, count_high, decode_legacy, implausibility, is_latin_script


def test_canonical_names_are_the_ones_people_use():
    assert canonical_name("ISO-8859-1") == "latin-1"
    assert canonical_name("utf-8-sig") == "utf-8"
    assert canonical_name("Windows-1252") == "cp1252"


def test_count_high_counts_bytes_from_0x80():
    assert count_high(b"caf\xe9 \xa35m") == 2
    assert count_high(b"plain ASCII") == 0


def test_latin_script_is_sparse_non_ascii_among_ascii_letters():
    assert is_latin_script("Chelsea paid \u00a35m for the striker".encode("cp1252"))
    assert not is_latin_script("Президент заявил в среду".encode("cp1251"))
    assert not is_latin_script(b"no high bytes at all")


def test_decode_legacy_reads_western_and_cyrillic_news():
    assert decode_legacy("Chelsea paid \u00a35m".encode("cp1252")) == ("Chelsea paid \u00a35m", "latin-1")
    assert decode_legacy("Shares rose \u2013 again".encode("cp1252")) == ("Shares rose \u2013 again", "cp1252")
    text = "Президент заявил в среду, что переговоры продолжатся."
    assert decode_legacy(text.encode("koi8-r")) == (text, "koi8-r")


def test_a_plausible_reading_scores_lower_than_mojibake():
    text = "Президент заявил в среду, что переговоры продолжатся."
    raw = text.encode("koi8-r")
    assert implausibility(text, "koi8-r") < implausibility(raw.decode("cp1251"), "cp1251")
