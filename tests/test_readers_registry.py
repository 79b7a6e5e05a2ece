"""The format registry (flows/readers/registry.py): what derives from it."""

from __future__ import annotations

from flows.readers import FORMATS, layout_of
from flows.readers.layout import supported
from flows.readers.registry import extensions, formats_table
from tests.conftest import ROOT


def test_the_docs_table_of_formats_is_the_registry():
    doc = (ROOT / "docs" / "inputs.md").read_text(encoding="utf-8")
    assert formats_table() in doc


def test_every_registered_extension_selects_its_format():
    assert extensions() == {
        ".txt": "txt", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json", ".csv": "csv", ".tsv": "tsv",
        ".html": "html", ".htm": "html", ".warc": "warc",
    }
    for fmt in FORMATS.values():
        for ext in fmt.extensions:
            assert layout_of(f"dir/file{ext.upper()}.gz").format == fmt.name


def test_the_unsupported_format_message_lists_the_registry():
    assert supported() == "txt, jsonl, ndjson, json, csv, tsv, html, htm, warc; gz, bz2, xz, zst; zip, tar"
