"""The CSV/TSV formats (flows/readers/formats/csv.py), on made-up and real files."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flows.readers import (
    InputFile,
    discover_inputs,
    iter_records,
)
from flows.sources import load_sources
from tests.conftest import ROOT, corpus_path
from tests.reader_cases import CSV, SMALL, errors, read
from transforms.article import read_fields
from transforms.fields import SourceConfig, map_fields


def test_csv_rows_keep_original_bytes_across_quoted_newlines(tmp_path):
    p = tmp_path / "a.csv"
    p.write_bytes(CSV)
    records = read(p)
    assert [r.input_locator for r in records] == ["row:1:line:2", "row:2:line:4"]
    assert records[0].fields == {"id": "1", "title": "One", "body": "First,\nwith a line break"}
    assert records[0].raw == b'1,One,"First,\nwith a line break"'
    assert records[1].raw == b"2,Two,Second."


def test_tsv_and_explicit_columns_without_header(tmp_path):
    p = tmp_path / "a.tsv"
    p.write_bytes(b"3\tTitle one\tBody one\n4\tTitle two\tBody two\n")
    config = SourceConfig(columns=("class", "title", "description"), header=False)
    records = read(p, config)
    assert [r.fields for r in records] == [
        {"class": "3", "title": "Title one", "description": "Body one"},
        {"class": "4", "title": "Title two", "description": "Body two"},
    ]
    assert [r.input_locator for r in records] == ["row:1:line:1", "row:2:line:2"]


def test_csv_header_names_empty_and_repeated_columns(tmp_path):
    p = tmp_path / "a.csv"
    p.write_bytes(b",title,title\n0,A,B\n")
    (record,) = read(p)
    assert record.fields == {"column_1": "0", "title": "A", "title_2": "B"}


def test_csv_broken_quoting_costs_one_row(tmp_path):
    p = tmp_path / "a.csv"
    p.write_bytes(
        b'id,title,body\n'
        b'1,"Stray quote,body one\n'  # opens a quote that never closes
        b'2,Two,"body, two"\n'
        b'3,"Three"x,body three\n'  # text after a closing quote
        b'4,Four,body four\n'
    )
    records = read(p)
    assert errors(records) == ["invalid-csv", None, "invalid-csv", None]
    assert records[0].raw == b'1,"Stray quote,body one'
    assert records[0].input_locator == "row:1:line:2"
    assert records[1].fields == {"id": "2", "title": "Two", "body": "body, two"}
    assert records[3].fields["title"] == "Four"


def test_literal_quote_in_unquoted_field(tmp_path):
    p = tmp_path / "a.tsv"
    p.write_bytes(b'title\tbody\nA 5"10 screen\tBody one\nB\t"quoted\ttab"\n')
    records = read(p)
    assert errors(records) == [None, None]
    assert records[0].fields == {"title": 'A 5"10 screen', "body": "Body one"}
    assert records[1].fields == {"title": "B", "body": "quoted\ttab"}


def test_csv_wrong_field_count(tmp_path):
    p = tmp_path / "a.csv"
    p.write_bytes(b"id,title\n1,One\n2,Two,extra\n3\n")
    records = read(p)
    assert errors(records) == [None, "invalid-csv", "invalid-csv"]
    assert "3 fields" in records[1].error[1]


def test_unmappable_csv_is_one_reject_naming_columns(tmp_path):
    p = tmp_path / "websites.csv"
    p.write_bytes(b",url,type\n0,a.com,bias\n1,b.com,fake\n")
    (record,) = read(p)
    assert record.error[0] == "unmappable"
    assert "'url', 'type'" in record.error[1]


def test_crlf_csv_keeps_original_row_bytes(tmp_path):
    p = tmp_path / "a.csv"
    p.write_bytes(b'title,body\r\nOne,"line one\r\nline two"\r\nTwo,x\r\n')
    records = read(p)
    assert records[0].raw == b'One,"line one\r\nline two"'
    assert records[0].fields == {"title": "One", "body": "line one\r\nline two"}
    assert records[1].raw == b"Two,x" and records[1].input_locator == "row:2:line:4"


def test_oversized_csv_row(tmp_path):
    p = tmp_path / "a.csv"
    p.write_bytes(b'title,body\nA,"' + b"y\n" * 1000 + b'"\nB,short\n')
    records = read(p, limits=SMALL)
    # The quote does not close within the record limit: that line is one reject, and
    # reading goes on from the next, where each "y" line is a row of one field.
    assert records[0].error == (
        "invalid-csv", "unbalanced quote: the quoted field does not close within 1000 bytes"
    )
    assert [r.error for r in records[1:1000]] == [("invalid-csv", "row has 1 fields, the header has 2")] * 999
    # The closing quote's line opens a quote of its own, which the end of the file leaves open.
    assert records[1000].input_locator == "row:1001:line:1002" and records[1000].error == (
        "invalid-csv", "unbalanced quote: the quoted field does not close before the end of the file"
    )
    assert len(records) == 1002
    assert records[-1].fields == {"title": "B", "body": "short"}


@pytest.mark.corpus
def test_fakenewscorpus_sample():
    path = corpus_path("fakenewscorpus-sample", "news_sample.csv")
    registry = load_sources(str(ROOT / "sources.example.toml"))
    config = registry.for_input(InputFile(str(path), 0, path.name))
    file = InputFile(str(path), path.stat().st_size, "news_sample.csv")
    records = list(iter_records(file, config))
    assert len(records) == 250 and errors(records) == [None] * 250
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert [r.fields["id"] for r in records] == [row[1] for row in rows[1:]]
    first = map_fields(records[0].fields, config)
    assert first.source_id == "141" and first.source == "awm.com"
    assert first.title.startswith("Church Congregation Brings Gift to Waitresses")
    assert first.authors == "Ruth Harris"
    assert "\n\n" in first.body  # multi-line quoted content survives
    assert set(first.extra) >= {"column_1", "type", "scraped_at", "meta_description"}
    # Each record's raw bytes are exactly its row in the file.
    data = path.read_bytes()
    assert all(r.raw in data for r in records[:20])
    assert records[1].input_locator.startswith("row:2:line:")


@pytest.mark.corpus
def test_fakenewscorpus_directory_with_example_sources():
    folder = corpus_path("fakenewscorpus-sample")
    registry = load_sources(str(ROOT / "sources.example.toml"))
    files = discover_inputs(str(folder), registry.exclude)
    assert [f.relpath for f in files] == ["news_sample.csv"]  # README, LICENSE, websites.csv skipped
    websites = InputFile(str(folder / "websites.csv"), 0, "websites.csv")
    (record,) = iter_records(websites, SourceConfig())
    assert record.error[0] == "unmappable" and "'url'" in record.error[1]


@pytest.mark.corpus
def test_ag_news_test_split():
    path = corpus_path("ag-news-test", "test.csv")
    registry = load_sources(str(ROOT / "sources.example.toml"))
    config = registry.for_input(InputFile(str(path), 0, path.name))
    assert config.name == "ag-news"
    (file,) = discover_inputs(str(path.parent), registry.exclude)  # classes.txt, readme.txt skipped
    records = list(iter_records(file, config))
    assert len(records) == 7600 and errors(records) == [None] * 7600
    first = map_fields(records[0].fields, config)
    assert first.title == "Fears for T N pension after talks"
    assert first.body.startswith("Unions representing workers at Turner   Newall")
    assert first.extra == {"class": "3"} and first.source == "ag-news"
    second = read_fields(records[1], config)  # the text steps join the lone "\" line breaks
    assert "A second team of rocketeers" in second.fields.body
    assert "backslash-line-breaks" in second.fixes
    assert records[7599].input_locator == "row:7600:line:7600"
    classes = {r.fields["class"] for r in records}
    assert classes == {"1", "2", "3", "4"}


CELL = st.text(alphabet=st.sampled_from(list('ab ,"\n\r\té€')), max_size=12)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(CELL, min_size=3, max_size=3), min_size=1, max_size=8),
       delimiter=st.sampled_from([",", "\t"]))
def test_any_written_csv_reads_back_row_for_row(tmp_path, rows, delimiter):
    # A row that writes as a blank line (empty cells, or cells of spaces: "\t\t \r\n")
    # reads as one, which CSV cannot tell from no row: the reader skips blank lines.
    def written(row: list[str]) -> str:
        out = io.StringIO()
        csv.writer(out, delimiter=delimiter).writerow(row)
        return out.getvalue()

    rows = [r for r in rows if written(r).strip()]
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter)
    writer.writerow(["title", "body", "x"])
    writer.writerows(rows)
    data = buf.getvalue().encode("utf-8")
    p = tmp_path / ("a.tsv" if delimiter == "\t" else "a.csv")
    p.write_bytes(data)
    records = read(p)
    if not rows:
        assert errors(records) == ["empty"]
        return
    assert errors(records) == [None] * len(rows)
    assert [list(r.fields.values()) for r in records] == rows
    # The rows' raw bytes, with the header, rebuild the file.
    assert b"\r\n".join([b"title,body,x".replace(b",", delimiter.encode())]
                        + [r.raw for r in records]) + b"\r\n" == data
