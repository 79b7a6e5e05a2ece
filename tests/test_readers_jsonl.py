"""The JSON Lines format (flows/readers/formats/jsonl.py)."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flows.readers import (
    DEFAULT_LIMITS,
)
from tests.reader_cases import errors, read
from transforms.article import RecordContext, clean_record
from transforms.fields import SourceConfig


def test_jsonl_records_keep_line_bytes_and_numbers(tmp_path):
    p = tmp_path / "a.ndjson"
    p.write_bytes(b'{"title": "A"}\r\n\n  \n{"title": "B", "x": [1, 2]}')
    records = read(p)
    assert [r.input_locator for r in records] == ["line:1", "line:4"]
    assert [r.raw for r in records] == [b'{"title": "A"}', b'{"title": "B", "x": [1, 2]}']
    assert records[1].fields == {"title": "B", "x": [1, 2]}
    assert all(r.kind == "fields" and r.encoding == "utf-8" for r in records)


def test_undecodable_jsonl(tmp_path):
    p = tmp_path / "a.jsonl"
    # Control characters a text never holds, too few for "binary", too many for text.
    p.write_bytes(b'{"title": "some words \x01 and \x02 more words", "body": "text"}\n' * 20)
    (record,) = read(p)
    assert record.error[0] == "undecodable"
    assert record.raw.startswith(b'{"title"')


def test_nul_bytes_in_one_jsonl_line(tmp_path):
    p = tmp_path / "a.jsonl"
    p.write_bytes(b'{"title": "A"}\n{"title": "B\x00"}\n{"title": "C"}\n')
    records = read(p)
    assert errors(records) == [None, "nul-bytes", None]
    assert records[1].raw == b'{"title": "B\x00"}' and records[1].input_locator == "line:2"


def test_invalid_json_line_is_one_reject_with_bytes_and_line(tmp_path):
    p = tmp_path / "a.jsonl"
    p.write_bytes(b'{"title": "A"}\n{"title": "B",,}\n[1, 2]\n{"title": "D"}\n')
    records = read(p)
    assert errors(records) == [None, "invalid-json", "invalid-json", None]
    assert records[1].raw == b'{"title": "B",,}' and records[1].input_locator == "line:2"
    assert "column" in records[1].error[1]
    assert "array" in records[2].error[1]


def test_50mb_single_line_is_one_reject_and_the_rest_is_read(tmp_path):
    p = tmp_path / "a.jsonl"
    with open(p, "wb") as f:
        f.write(b'{"title": "before"}\n')
        f.write(b'{"title": "huge", "body": "' + b"x" * (50 * 1024**2) + b'"}\n')
        f.write(b'{"title": "after"}\n')
    records = read(p)
    assert errors(records) == [None, "record-too-large", None]
    assert records[1].input_locator == "line:2"
    assert len(records[1].raw) == DEFAULT_LIMITS.max_reject_raw_bytes
    size = len(b'{"title": "huge", "body": "') + 50 * 1024**2 + len(b'"}\n')
    assert records[1].error[1] == (
        f"line of {size} bytes passes the {16 * 1024**2}-byte limit (ReadLimits.max_record_bytes)"
    )
    assert records[2].fields["title"] == "after"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
# Keys without control characters: those become U+FFFD (tests/test_jsonvalues.py).
@given(objs=st.lists(st.dictionaries(st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=5),
                                     st.text(max_size=20) | st.integers(),
                                     max_size=4), min_size=1, max_size=8))
def test_any_jsonl_reads_back(tmp_path, objs):
    objs = [{"title": "t", **o} for o in objs]
    lines = [json.dumps(o, ensure_ascii=False).encode() for o in objs]
    p = tmp_path / "a.jsonl"
    p.write_bytes(b"\n".join(lines) + b"\n")
    records = read(p)
    assert [r.fields for r in records] == objs
    assert [r.raw for r in records] == lines


def test_deeply_nested_line_is_one_reject_and_the_rest_is_read(tmp_path):
    deep = b'{"title": "Deep", "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    p = tmp_path / "a.jsonl"
    p.write_bytes(b'{"title": "A"}\n' + deep + b'\n{"title": "B"}\n')
    first, bad, last = read(p)
    assert (first.fields, last.fields) == ({"title": "A"}, {"title": "B"})
    assert bad.error == ("invalid-json", "nested more than 100 levels deep (the JSON nesting limit)")
    assert (bad.input_locator, bad.raw) == ("line:2", deep)


def test_lone_surrogates_in_keys_and_values_become_replacement_characters(tmp_path):
    line = rb'{"title": "T\ud800", "k\udfff": ["v\ud800"], "\u001b]0;x\u0007": 1, "text": "ok \ud83d\ude00"}'
    p = tmp_path / "a.jsonl"
    p.write_bytes(line + b"\n")
    (record,) = read(p)
    assert record.error is None and record.raw == line
    assert record.fields == {"title": "T\ufffd", "k\ufffd": ["v\ufffd"], "\ufffd]0;x\ufffd": 1, "text": "ok \U0001f600"}
    assert record.encoding_steps == ("control-in-key", "lone-surrogate")
    json.dumps(record.fields, ensure_ascii=False).encode("utf-8")  # Parquet can store every string


def test_a_record_with_a_lone_surrogate_key_becomes_an_article(tmp_path):
    p = tmp_path / "a.jsonl"
    p.write_bytes(rb'{"title": "Council votes", "text": "The council voted.", "\ud800k": "x"}' + b"\n")
    (record,) = read(p)
    article = clean_record(record, RecordContext(None, "jsonl", SourceConfig()))
    assert "lone-surrogate" in article.values["fixes"]
    assert json.loads(article.values["extra"]) == {"\ufffdk": "x"}


def test_duplicate_keys_the_last_wins_the_earlier_are_kept(tmp_path):
    p = tmp_path / "a.jsonl"
    p.write_bytes(b'{"title": "First", "body": "B", "title": "Second", "title": "Third"}\n')
    (record,) = read(p)
    assert record.fields == {"title": "Third", "body": "B",
                             "copydesk:duplicate_keys": {"title": ["First", "Second"]}}
