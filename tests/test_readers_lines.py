"""The line-based formats' shared front (flows/readers/lines.py): one encoding per file, lines on their own."""

from __future__ import annotations

from tests.reader_cases import CSV, errors, read
from transforms.fields import SourceConfig


def test_cp1252_jsonl_is_decoded(tmp_path):
    p = tmp_path / "a.jsonl"
    p.write_bytes('{"title": "Caf\u00e9 \u2013 \u00a35m"}\n'.encode("cp1252"))
    (record,) = read(p)
    assert record.fields["title"] == "Caf\u00e9 \u2013 \u00a35m"
    assert record.encoding == "cp1252"
    assert record.raw == '{"title": "Caf\u00e9 \u2013 \u00a35m"}'.encode("cp1252")


def test_one_cp1252_line_in_a_utf8_file_is_decoded_on_its_own(tmp_path):
    p = tmp_path / "a.jsonl"
    good = '{"title": "na\u00efve \u2014 ok"}\n'.encode()
    p.write_bytes(good * 3 + '{"title": "\u00a35m"}\n'.encode("cp1252"))
    records = read(p)
    assert errors(records) == [None] * 4
    assert [r.encoding for r in records[:3]] == ["utf-8"] * 3
    assert records[3].fields["title"] == "\u00a35m"
    assert records[3].encoding != "utf-8"


def test_utf8_bom_csv_header(tmp_path):
    p = tmp_path / "a.csv"
    p.write_bytes(b"\xef\xbb\xbf" + CSV)
    records = read(p)
    assert "id" in records[0].fields  # not "\ufeffid"
    assert records[0].encoding_steps == ("bom",)


def test_utf16_csv_with_bom(tmp_path):
    p = tmp_path / "a.csv"
    p.write_bytes(CSV.decode().replace("One", "\u00c9t\u00e9").encode("utf-16"))
    records = read(p)
    assert errors(records) == [None, None]
    assert records[0].fields["title"] == "\u00c9t\u00e9"
    assert records[0].encoding.startswith("utf-16")
    assert records[1].raw == "2,Two,Second.".encode("utf-16-le")


def test_declared_encoding_is_used(tmp_path):
    p = tmp_path / "a.csv"
    p.write_bytes("title,body\nK\u00f8benhavn,x\n".encode("latin-1"))
    (record,) = read(p, SourceConfig(encoding="latin-1"))
    assert record.fields["title"] == "K\u00f8benhavn"
    assert record.encoding == "latin-1"
