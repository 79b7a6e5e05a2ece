"""Layouts (flows/readers/layout.py): compression, archive and format from a name."""

from __future__ import annotations

import pytest

from flows.readers import (
    InputFile,
    Layout,
    iter_records,
    layout_of,
    record_format,
)
from tests.reader_cases import CSV, JSONL, build_zip
from transforms.fields import SourceConfig
from transforms.records import RawRecord


def test_record_format_names_the_member_format(tmp_path):
    p = tmp_path / "a.zip"
    build_zip(p, {"x:y/b.csv": CSV, "n.jsonl": JSONL})
    file = InputFile(str(p), p.stat().st_size, "a.zip")
    formats = [record_format(file, r, SourceConfig()) for r in iter_records(file, SourceConfig())]
    assert formats == ["jsonl", "jsonl", "csv", "csv"]
    assert layout_of("x.JSONL.GZ").format == "jsonl"
    assert layout_of("x.dat", SourceConfig(format="csv")).format == "csv"


@pytest.mark.parametrize(
    ("locator", "expected"),
    [
        ("member:a:b/feed.json:item:3", "json"),
        ("member:a.csv:index:4:row:1:line:2", "csv"),
        ("member:a.jsonl:index:2:line:1", "jsonl"),
        ("member:b.txt:index:7", "txt"),
        ("member:a:b/feed.json:line:2", "json"),
        ("member:x.tsv:row:5:line:9", "tsv"),
        ("member:x.csv:line:1", "csv"),
        ("member:c.txt", "txt"),
    ],
)
def test_record_format_finds_the_member_name_before_any_locator_kind(locator, expected):
    file = InputFile("/in/a.zip", 10, "a.zip")
    record = RawRecord(file.path, locator, b"")
    assert record_format(file, record, SourceConfig()) == expected


def test_layouts():
    assert layout_of("2024/Feed.NDJSON.bz2") == Layout("bz2", None, "jsonl")
    assert layout_of("dump.tar.zst") == Layout("zstd", "tar", None)
    assert layout_of("dump.zip", SourceConfig(format="csv")) == Layout(None, "zip", "csv")
    assert layout_of("notes.pdf") == Layout(None, None, None)
