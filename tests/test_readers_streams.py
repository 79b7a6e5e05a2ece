"""Streams (flows/readers/streams.py): decompression, truncation, budgets, line splitting."""

from __future__ import annotations

import gzip
import io
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flows.readers import (
    ReadLimits,
    streams,
)
from tests.reader_cases import CSV, JSONL, SMALL, compress, errors, read


@pytest.mark.parametrize("kind", ["gz", "bz2", "xz", "zst"])
@pytest.mark.parametrize(("fmt", "data", "count"), [("jsonl", JSONL, 2), ("csv", CSV, 2),
                                                      ("txt", b"T\n\nBody.", 1)])
def test_compressed_files(tmp_path, kind, fmt, data, count):
    p = tmp_path / f"a.{fmt}.{kind}"
    p.write_bytes(compress(data, kind))
    records = read(p)
    assert errors(records) == [None] * count
    if fmt == "txt":
        assert records[0].raw == data
    else:
        assert records[-1].fields["title"] == "Two"


def test_truncated_gzip_keeps_what_was_read(tmp_path):
    data = b"".join(b'{"title": "T%d", "body": "%s"}\n' % (i, os.urandom(30).hex().encode())
                    for i in range(30000))
    p = tmp_path / "a.jsonl.gz"
    full = gzip.compress(data)
    p.write_bytes(full[: len(full) // 2])
    records = read(p)
    assert records[-1].error[0] == "truncated"
    good = [r for r in records if r.error is None]
    assert 0 < len(good) < 30000
    assert good[0].fields["title"] == "T0"


@pytest.mark.parametrize(("kind", "fmt"), [("gz", "jsonl"), ("gz", "csv"), ("xz", "jsonl")])
def test_small_truncated_stream_keeps_the_records_before_the_break(tmp_path, kind, fmt):
    # The break falls inside the first MiB, the sample read to choose the encoding. (bz2
    # and zstd decode whole blocks: half of a one-block file has nothing to keep.)
    rows = [(i, os.urandom(20).hex()) for i in range(50)]
    if fmt == "jsonl":
        data = b"".join(b'{"title": "T%d", "body": "%s"}\n' % (i, b.encode()) for i, b in rows)
    else:
        data = b"title,body\n" + b"".join(b"T%d,%s\n" % (i, b.encode()) for i, b in rows)
    full = compress(data, kind)
    p = tmp_path / f"a.{fmt}.{kind}"
    p.write_bytes(full[: len(full) // 2])
    records = read(p)
    good, last = records[:-1], records[-1]
    assert last.error[0] == "truncated" and len(records) > 2
    assert errors(good) == [None] * len(good)
    # The records kept are the first ones, in order, each with its own line's bytes.
    assert [r.fields["title"] for r in good] == [f"T{i}" for i in range(len(good))]
    assert [r.raw for r in good] == data.splitlines()[1 if fmt == "csv" else 0:][: len(good)]
    assert f"after {len(good)} " in last.error[1]
    # The reject keeps the file's bytes as stored (compressed), not nothing.
    assert last.raw == full[: len(full) // 2]


def test_truncated_reject_keeps_compressed_bytes_up_to_the_cap(tmp_path):
    data = b"".join(b'{"title": "T%d", "body": "%s"}\n' % (i, os.urandom(40).hex().encode())
                    for i in range(200))
    full = gzip.compress(data)
    p = tmp_path / "a.jsonl.gz"
    p.write_bytes(full[: len(full) // 2])
    assert len(full) // 2 > SMALL.max_reject_raw_bytes
    last = read(p, limits=SMALL)[-1]
    assert last.error[0] == "truncated"
    assert last.raw == full[: SMALL.max_reject_raw_bytes]
    assert f"cut to the first {SMALL.max_reject_raw_bytes}" in last.error[1]


@pytest.mark.parametrize("kind", ["gz", "bz2", "xz", "zst"])
def test_truncated_compressed_txt(tmp_path, kind):
    p = tmp_path / f"a.txt.{kind}"
    text = b"\n\n".join(b"Paragraph %d says %s." % (i, os.urandom(8).hex().encode())
                         for i in range(2000))
    full = compress(b"Title\n\n" + text, kind)
    p.write_bytes(full[: len(full) // 2])
    (record,) = read(p)
    assert record.error[0] == "truncated"


def test_corrupt_gzip(tmp_path):
    p = tmp_path / "a.jsonl.gz"
    p.write_bytes(b"this is not gzip at all")
    (record,) = read(p)
    assert record.error[0] == "corrupt"
    assert record.raw == b"this is not gzip at all"


@pytest.mark.parametrize("kind", ["gz", "bz2", "xz", "zst"])
def test_fake_compressed_file_keeps_all_its_bytes(tmp_path, kind):
    content = b"".join(b'{"id": %d, "title": "Plain text under a compressed name"}\n' % i for i in range(4))
    p = tmp_path / f"a.jsonl.{kind}"
    p.write_bytes(content)
    (record,) = read(p)
    assert record.error[0] == "corrupt" and record.error[1].endswith("(raw: the compressed bytes)")
    assert record.raw == content


def test_fake_compressed_file_past_the_cap_keeps_its_start(tmp_path):
    content = b"not gzip " * 1000
    p = tmp_path / "a.txt.gz"
    p.write_bytes(content)
    (record,) = read(p, limits=ReadLimits(max_reject_raw_bytes=100))
    assert record.raw == content[:100] and record.error[1].endswith("(raw bytes cut to the first 100)")


def test_gzip_bomb_refused_while_reading(tmp_path):
    p = tmp_path / "bomb.txt.gz"
    p.write_bytes(gzip.compress(b"a" * 500_000))
    (record,) = read(p, limits=ReadLimits(max_record_bytes=10**7, max_expanded_bytes=10**8,
                                          max_expansion_ratio=50, ratio_floor_bytes=10_000))
    assert record.error[0] == "archive-too-large"
    assert "50x" in record.error[1]
    # With a small record limit, the record limit stops reading first.
    (record,) = read(p, limits=SMALL)
    assert record.error[0] == "record-too-large"
    p = tmp_path / "bomb.jsonl.gz"
    p.write_bytes(gzip.compress(b'{"title": "x"}\n' * 50_000))
    records = read(p, limits=SMALL)
    # The first decompressed chunk already passes the 100 kB budget: nothing is kept.
    assert [(r.input_locator, r.error) for r in records] == [(None, (
        "archive-too-large", "decompresses to more than 100000 bytes (ReadLimits.max_expanded_bytes); refused"
    ))]


@pytest.mark.parametrize("chunk", [7, 1024**2])
def test_runs_of_blank_lines_keep_physical_line_numbers(tmp_path, monkeypatch, chunk):
    # Runs of empty lines are skipped in bulk; a small chunk puts runs across chunk edges.
    monkeypatch.setattr(streams, "CHUNK", chunk)
    p = tmp_path / "a.jsonl"
    p.write_bytes(b'{"title": "A"}\n\n\n\r\n\r\r\n{"title": "B"}\r\n' + b"\n" * 30 + b'{"title": "C"}')
    records = read(p)
    assert [(r.input_locator, r.fields["title"]) for r in records] == [
        ("line:1", "A"), ("line:6", "B"), ("line:37", "C")]
    assert records[1].raw == b'{"title": "B"}'
    q = tmp_path / "b.csv"
    data = b'title,body\r\n\r\nA,"x\r\n\r\n\n\r\ny"\r\n\n\n\r\nB,"p\n\nq"\n'
    q.write_bytes(data)
    rows = read(q)
    # Blank lines inside a quoted field are data, kept byte for byte.
    assert [r.raw for r in rows] == [b'A,"x\r\n\r\n\n\r\ny"', b'B,"p\n\nq"']
    assert [r.fields["body"] for r in rows] == ["x\r\n\r\n\n\r\ny", "p\n\nq"]
    assert [r.input_locator for r in rows] == ["row:1:line:3", "row:2:line:11"]


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.lists(st.sampled_from([b"a", b"\n", b"\n", b"\r", b'"'])).map(b"".join),
       chunk=st.integers(1, 9))
def test_line_splitting_gives_every_byte_and_line_back(monkeypatch, data, chunk):
    monkeypatch.setattr(streams, "CHUNK", chunk)
    lines = list(streams.iter_lines(io.BytesIO(data), ReadLimits()))
    assert b"\n".join(line.raw for line in lines) == (data[:-1] if data.endswith(b"\n") else data)
    assert sum(line.size for line in lines) == len(data)
    physical = data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)
    numbers = [line.number for line in lines]
    assert numbers == [1 + sum(x.span for x in lines[:i]) for i in range(len(lines))]
    assert sum(line.span for line in lines) == physical
    # Only a run of blank lines stands for several lines, and it is blank.
    assert all(line.span == 1 or not line.raw.strip() for line in lines)


def test_megabytes_of_newlines_are_read_in_bulk(tmp_path):
    # Millions of blank lines, gzipped: once split one by one in Python (minutes for 80 MB).
    p = tmp_path / "a.jsonl.gz"
    p.write_bytes(gzip.compress(b"\n" * (3 * 1024**2) + b'{"title": "T"}\n' + b"\r\n" * 1024**2))
    (record,) = read(p)
    assert record.error is None and record.input_locator == f"line:{3 * 1024**2 + 1}"
    p.write_bytes(gzip.compress(b"\n" * (4 * 1024**2)))
    (record,) = read(p)
    assert record.error[0] == "blank"
    # Past the limits, refused as a bomb at the physical line where it stopped.
    limits = ReadLimits(ratio_floor_bytes=2 * 1024**2, max_expansion_ratio=50)
    (record,) = read(p, limits=limits)
    assert record.error[0] == "archive-too-large" and "after 0 records" in record.error[1]
    # Each newline is a line: the locator is the line after the last one handed out
    # before the 2 MiB floor was passed (past the first MiB, not past the floor).
    # (The first MiB is the encoding sample; the next chunk passes the floor.)
    assert record.input_locator == f"line:{1024**2 + 2}"
