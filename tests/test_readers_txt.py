"""The .txt format (flows/readers/formats/txt.py)."""

from __future__ import annotations

from tests.reader_cases import SMALL, read


def test_txt_is_one_text_record(tmp_path):
    p = tmp_path / "a.txt"
    p.write_bytes(b"Title\n\nPara one.\n\nPara two.\n")
    (record,) = read(p)
    assert record.kind == "text" and record.input_locator is None
    assert record.raw == p.read_bytes() and record.fields is None and record.error is None


def test_10mb_article_is_read_whole(tmp_path):
    body = b"\n\n".join(b"Paragraph %d. " % i + b"word " * 200 for i in range(10_000))
    p = tmp_path / "big.txt"
    p.write_bytes(b"A very long article\n\n" + body)
    assert p.stat().st_size > 10_000_000
    (record,) = read(p)
    assert record.error is None and record.raw == p.read_bytes()


def test_oversized_txt_is_one_reject_with_its_start(tmp_path):
    t = tmp_path / "big.txt"
    t.write_bytes(b"T\n\n" + b"z" * 5000)
    (record,) = read(t, limits=SMALL)
    assert record.error == (
        "record-too-large",
        "article of more than 1000 bytes (ReadLimits.max_record_bytes) (raw bytes cut to the first 200)",
    )
    assert record.raw == (b"T\n\n" + b"z" * 5000)[:200]
