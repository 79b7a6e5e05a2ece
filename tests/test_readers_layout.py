"""Layouts (flows/readers/layout.py): compression, archive and format from a name."""

from __future__ import annotations

from flows.readers import (
    InputFile,
    iter_records,
    layout_of,
    record_format,
)
from tests.reader_cases import CSV, JSONL, build_zip
from transforms.fields import SourceConfig


def test_record_format_names_the_member_format(tmp_path):
    p = tmp_path / "a.zip"
    build_zip(p, {"x:y/b.csv": CSV, "n.jsonl": JSONL})
    file = InputFile(str(p), p.stat().st_size, "a.zip")
    formats = [record_format(file, r, SourceConfig()) for r in iter_records(file, SourceConfig())]
    assert formats == ["jsonl", "jsonl", "csv", "csv"]
    assert layout_of("x.JSONL.GZ").format == "jsonl"
    assert layout_of("x.dat", SourceConfig(format="csv")).format == "csv"
