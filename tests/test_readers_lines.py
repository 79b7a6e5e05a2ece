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


def test_jsonl_with_cr_only_line_ends_is_split_into_records(tmp_path):
    p = tmp_path / "a.jsonl"
    p.write_bytes(b'{"title": "A"}\r{"title": "B"}\r\r{oops\r')
    records = read(p)
    assert [(r.input_locator, r.error and r.error[0], r.raw) for r in records] == [
        ("line:1", None, b'{"title": "A"}'), ("line:2", None, b'{"title": "B"}'),
        ("line:4", "invalid-json", b"{oops"),
    ]


def test_csv_with_cr_only_line_ends_is_split_into_rows(tmp_path):
    p = tmp_path / "a.csv"
    p.write_bytes(b'id,title,body\r1,One,"First,\rsecond line"\r2,Two,Second.\r')
    records = read(p)
    assert [(r.input_locator, r.error, r.raw) for r in records] == [
        ("row:1:line:2", None, b'1,One,"First,\rsecond line"'), ("row:2:line:4", None, b"2,Two,Second."),
    ]
    assert records[0].fields == {"id": "1", "title": "One", "body": "First,\nsecond line"}
