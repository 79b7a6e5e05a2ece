"""Input discovery and readers (flows/readers.py): every format, every bad input."""

from __future__ import annotations

import bz2
import csv
import gzip
import io
import json
import lzma
import os
import tarfile
import zipfile
from pathlib import Path

import pytest
import zstandard
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flows import readers
from flows.readers import (
    REJECT_REASONS,
    InputError,
    InputFile,
    ReadLimits,
    discover_inputs,
    iter_records,
    layout_of,
    record_format,
)
from flows.sources import load_sources
from tests.conftest import ROOT, corpus_path
from transforms.article import read_fields
from transforms.fields import SourceConfig, map_fields

JSONL = b'{"id": 1, "title": "One", "body": "First."}\n{"id": 2, "title": "Two", "body": "Second."}\n'
CSV = b'id,title,body\n1,One,"First,\nwith a line break"\n2,Two,Second.\n'


def read(path: Path, config: SourceConfig | None = None, limits: ReadLimits | None = None,
         relpath: str | None = None):
    file = InputFile(str(path), os.stat(path).st_size if os.path.exists(path) else 0,
                     relpath or path.name)
    return list(iter_records(file, config or SourceConfig(), limits or readers.DEFAULT_LIMITS))


def errors(records) -> list[str | None]:
    return [r.error[0] if r.error else None for r in records]


def compress(data: bytes, kind: str) -> bytes:
    return {
        "gz": gzip.compress,
        "bz2": bz2.compress,
        "xz": lzma.compress,
        "zst": lambda d: zstandard.ZstdCompressor().compress(d),
    }[kind](data)


# ---------------------------------------------------------------------------------------
# Discovery
# ---------------------------------------------------------------------------------------


def test_discover_single_file(tmp_path):
    p = tmp_path / "a.jsonl"
    p.write_bytes(JSONL)
    files = discover_inputs(str(p))
    assert files == [InputFile(str(p), len(JSONL), "a.jsonl")]


def test_discover_directory_recursive_sorted_skips_hidden_and_docs(tmp_path):
    for rel in ["b/2.txt", "a/1.txt", "a/z/3.csv", ".git/config", "a/.hidden.txt",
                "README.md", "LICENSE", "a/readme.txt", "notes.pdf"]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x")
    rels = [f.relpath for f in discover_inputs(str(tmp_path))]
    # Unsupported extensions are listed (they become rejects), docs and hidden are not.
    assert rels == ["a/1.txt", "a/z/3.csv", "b/2.txt", "notes.pdf"]
    assert all(os.path.isabs(f.path) for f in discover_inputs(str(tmp_path)))


def test_discover_exclude_patterns(tmp_path):
    (tmp_path / "ag").mkdir()
    (tmp_path / "ag" / "classes.txt").write_text("World")
    (tmp_path / "ag" / "test.csv").write_text("x")
    rels = [f.relpath for f in discover_inputs(str(tmp_path / "ag"), exclude=["ag/classes.txt"])]
    assert rels == ["test.csv"]


def test_discover_glob_relative_to_its_fixed_part(tmp_path):
    for rel in ["in/2024/a.jsonl", "in/2025/b.jsonl", "in/2025/c.csv"]:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("{}")
    files = discover_inputs(str(tmp_path / "in" / "**" / "*.jsonl"))
    assert [f.relpath for f in files] == ["2024/a.jsonl", "2025/b.jsonl"]


@pytest.mark.parametrize("make", ["missing", "empty-dir", "empty-glob"])
def test_discover_nothing_to_run_on_is_one_line_error(tmp_path, make):
    target = {
        "missing": tmp_path / "nope",
        "empty-dir": tmp_path,
        "empty-glob": tmp_path / "*.jsonl",
    }[make]
    with pytest.raises(InputError) as info:
        discover_inputs(str(target))
    assert "\n" not in str(info.value) and str(target) in str(info.value)


def test_discover_survives_symlink_loops(tmp_path):
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "a.txt").write_text("Title\n\nBody.")
    os.symlink("..", tmp_path / "d" / "up")  # a directory loop
    os.symlink("self", tmp_path / "d" / "self")  # a link to itself
    files = discover_inputs(str(tmp_path))
    rels = [f.relpath for f in files]
    assert rels == ["d/a.txt", "d/self"]
    loop = files[1]
    (record,) = iter_records(loop, SourceConfig())
    assert record.error[0] == "symlink-loop" and record.raw == b""
    assert record.error[1].startswith("no bytes could be read: symbolic link loop")


def test_discover_and_read_odd_names(tmp_path):
    names = ["with space.txt", "ünïcödé ñews.txt", "new\nline.txt"]
    for n in names:
        (tmp_path / n).write_bytes(b"Title\n\nBody text.")
    raw_name = os.fsencode(tmp_path) + b"/latin1-\xe9.txt"
    with open(raw_name, "wb") as f:
        f.write(b"Title\n\nBody text.")
    files = discover_inputs(str(tmp_path))
    assert len(files) == 4
    rels = {f.relpath for f in files}
    assert set(names) <= rels
    assert "latin1-\\xe9.txt" in rels  # a non-UTF-8 byte shown, storable in Parquet
    for f in files:
        f.relpath.encode("utf-8")
        (record,) = iter_records(f, SourceConfig())
        assert record.error is None and record.raw == b"Title\n\nBody text."
        # The absolute path, storable as UTF-8 (non-UTF-8 bytes shown as \xNN).
        assert record.input_path.endswith("/" + f.relpath) and record.input_path.startswith("/")
        record.input_path.encode("utf-8")


# ---------------------------------------------------------------------------------------
# Formats
# ---------------------------------------------------------------------------------------


def test_txt_is_one_text_record(tmp_path):
    p = tmp_path / "a.txt"
    p.write_bytes(b"Title\n\nPara one.\n\nPara two.\n")
    (record,) = read(p)
    assert record.kind == "text" and record.input_locator is None
    assert record.raw == p.read_bytes() and record.fields is None and record.error is None


def test_jsonl_records_keep_line_bytes_and_numbers(tmp_path):
    p = tmp_path / "a.ndjson"
    p.write_bytes(b'{"title": "A"}\r\n\n  \n{"title": "B", "x": [1, 2]}')
    records = read(p)
    assert [r.input_locator for r in records] == ["line:1", "line:4"]
    assert [r.raw for r in records] == [b'{"title": "A"}', b'{"title": "B", "x": [1, 2]}']
    assert records[1].fields == {"title": "B", "x": [1, 2]}
    assert all(r.kind == "fields" and r.encoding == "utf-8" for r in records)


@pytest.mark.parametrize(
    ("content", "locators", "titles"),
    [
        (b'[{"title": "A"}, {"title": "B"}]', ["item:1", "item:2"], ["A", "B"]),
        (b'{\n  "title": "Only"\n}\n', ["item:1"], ["Only"]),
        (b'{"title": "A"}\n{"title": "B"}\n', ["line:1", "line:2"], ["A", "B"]),
    ],
    ids=["array", "object", "json-lines-named-json"],
)
def test_json_shapes(tmp_path, content, locators, titles):
    p = tmp_path / "a.json"
    p.write_bytes(content)
    records = read(p)
    assert [r.input_locator for r in records] == locators
    assert [r.fields["title"] for r in records] == titles


def test_json_array_item_that_is_not_an_object_is_one_reject(tmp_path):
    p = tmp_path / "a.json"
    p.write_bytes(b'[{"title": "A"}, 3, {"title": "C"}]')
    assert errors(read(p)) == [None, "invalid-json", None]


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


def build_zip(path: Path, members: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)


def build_tar(path: Path, members: dict[str, bytes], mode: str = "w") -> None:
    with tarfile.open(path, mode) as t:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))


MEMBERS = {
    "inner/a.jsonl": JSONL,
    "inner/b.csv.gz": gzip.compress(CSV),
    "c.txt": b"Title\n\nBody.",
    "__MACOSX/._c.txt": b"junk",
    "notes.pdf": b"%PDF-1.4",
}


def expected_member_records():
    return [
        ("member:c.txt", None),
        ("member:inner/a.jsonl:line:1", None),
        ("member:inner/a.jsonl:line:2", None),
        ("member:inner/b.csv.gz:row:1:line:2", None),
        ("member:inner/b.csv.gz:row:2:line:4", None),
        ("member:notes.pdf", "unsupported-format"),
    ]


def test_zip_archive(tmp_path):
    p = tmp_path / "a.zip"
    build_zip(p, MEMBERS)
    records = read(p)
    assert [(r.input_locator, r.error and r.error[0]) for r in records] == expected_member_records()
    assert records[1].fields["title"] == "One" and records[1].input_path == str(p)


@pytest.mark.parametrize(("suffix", "mode"), [(".tar", "w"), (".tar.gz", "w:gz"), (".tgz", "w:gz"),
                                              (".tar.bz2", "w:bz2"), (".tar.xz", "w:xz")])
def test_tar_archives(tmp_path, suffix, mode):
    p = tmp_path / f"a{suffix}"
    build_tar(p, dict(sorted(MEMBERS.items(), key=lambda kv: kv[0].replace("inner", "b"))), mode)
    got = sorted((r.input_locator, r.error and r.error[0]) for r in read(p))
    assert got == sorted(expected_member_records())


def test_tar_zst_archive(tmp_path):
    raw = tmp_path / "a.tar"
    build_tar(raw, {"x.jsonl": JSONL})
    p = tmp_path / "a.tar.zst"
    p.write_bytes(compress(raw.read_bytes(), "zst"))
    assert [r.input_locator for r in read(p)] == ["member:x.jsonl:line:1", "member:x.jsonl:line:2"]


def test_record_format_names_the_member_format(tmp_path):
    p = tmp_path / "a.zip"
    build_zip(p, {"x:y/b.csv": CSV, "n.jsonl": JSONL})
    file = InputFile(str(p), p.stat().st_size, "a.zip")
    formats = [record_format(file, r, SourceConfig()) for r in iter_records(file, SourceConfig())]
    assert formats == ["jsonl", "jsonl", "csv", "csv"]
    assert layout_of("x.JSONL.GZ").format == "jsonl"
    assert layout_of("x.dat", SourceConfig(format="csv")).format == "csv"


def test_mixed_directory(tmp_path):
    (tmp_path / "txt").mkdir()
    (tmp_path / "txt" / "1.txt").write_bytes(b"T1\n\nB1")
    (tmp_path / "txt" / "2.txt.gz").write_bytes(gzip.compress(b"T2\n\nB2"))
    (tmp_path / "feed.jsonl.zst").write_bytes(compress(JSONL, "zst"))
    (tmp_path / "dump.csv.bz2").write_bytes(compress(CSV, "bz2"))
    build_zip(tmp_path / "arch.zip", {"x.json": b'[{"title": "Z"}]'})
    (tmp_path / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 10)
    files = discover_inputs(str(tmp_path))
    counts = {f.relpath: errors(iter_records(f, SourceConfig())) for f in files}
    assert counts == {
        "arch.zip": [None],
        "dump.csv.bz2": [None, None],
        "feed.jsonl.zst": [None, None],
        "image.png": ["unsupported-format"],
        "txt/1.txt": [None],
        "txt/2.txt.gz": [None],
    }


# ---------------------------------------------------------------------------------------
# Encodings
# ---------------------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------------------
# Bad input: each becomes a reject with its reason (and raw bytes), never a lost file
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("a.txt", b"", "empty"),
        ("a.jsonl", b"", "empty"),
        ("a.txt", b"  \n\t\r\n  ", "blank"),
        ("a.csv", b"\n\n   \n", "blank"),
        ("a.jsonl", b"\n\n", "blank"),
        ("a.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200), "undecodable"),
        ("a.jsonl", bytes(range(256)) * 50, "undecodable"),
        ("a.txt", b"Title\n\nBody with a \x00 NUL byte.", "nul-bytes"),
        ("a.html", b"<html>Title</html>", "unsupported-format"),
        ("noext", b"Title\n\nBody", "unsupported-format"),
        ("a.csv", b"id,title\n", "empty"),
        ("a.json", b"[]", "empty"),
    ],
)
def test_bad_whole_files(tmp_path, name, content, reason):
    p = tmp_path / name
    p.write_bytes(content)
    (record,) = read(p)
    assert record.error[0] == reason, record.error
    assert reason in REJECT_REASONS
    assert record.raw == content.strip() or record.raw == content or reason in ("empty", "blank")


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


def test_invalid_json_file(tmp_path):
    p = tmp_path / "a.json"
    p.write_bytes(b'[{"title": "A"},\n {"title": }]')
    (record,) = read(p)
    assert record.error[0] == "invalid-json" and record.input_locator == "line:2"


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


def test_truncated_archives_keep_their_compressed_bytes(tmp_path):
    t = tmp_path / "a.tar.gz"
    build_tar(t, {"a.txt": os.urandom(50000)}, "w:gz")
    cut = t.read_bytes()[:20000]
    t.write_bytes(cut)
    whole = read(t)[-1]
    assert whole.error[0] == "truncated" and whole.input_locator is None and whole.raw == cut
    # A compressed member cut short inside a sound archive keeps the member's bytes.
    member = gzip.compress(JSONL * 500)
    member = member[: len(member) // 2]
    for path, build in ((tmp_path / "b.tar", build_tar), (tmp_path / "b.zip", build_zip)):
        build(path, {"m.jsonl.gz": member})
        last = read(path)[-1]
        assert last.error[0] == "truncated" and last.input_locator.startswith("member:m.jsonl.gz:")
        assert last.raw == member


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


def test_truncated_zip_and_tar(tmp_path):
    z = tmp_path / "a.zip"
    build_zip(z, {"a.jsonl": JSONL})
    z.write_bytes(z.read_bytes()[:-30])
    assert errors(read(z)) == ["truncated"]
    t = tmp_path / "a.tar.gz"
    build_tar(t, {"a.txt": os.urandom(50000)}, "w:gz")
    t.write_bytes(t.read_bytes()[:20000])
    assert errors(read(t))[-1] == "truncated"


SMALL = ReadLimits(max_record_bytes=1000, max_expanded_bytes=100_000, max_expansion_ratio=50,
                   ratio_floor_bytes=10_000, max_reject_raw_bytes=200)


def test_zip_bomb_refused_before_reading(tmp_path):
    p = tmp_path / "bomb.zip"
    build_zip(p, {"a.jsonl": b" " * 200_000})
    (record,) = read(p, limits=SMALL)
    assert record.error[0] == "archive-too-large"
    assert "refused" in record.error[1]


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
    assert records[-1].error[0] == "archive-too-large"
    assert len(records) < 50_000


@pytest.mark.parametrize("chunk", [7, 1024**2])
def test_runs_of_blank_lines_keep_physical_line_numbers(tmp_path, monkeypatch, chunk):
    # Runs of empty lines are skipped in bulk; a small chunk puts runs across chunk edges.
    monkeypatch.setattr(readers, "_CHUNK", chunk)
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
    monkeypatch.setattr(readers, "_CHUNK", chunk)
    lines = list(readers._iter_lines(io.BytesIO(data), ReadLimits()))
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
    line = int(record.input_locator.split(":")[1])
    assert 1024**2 < line <= 2 * 1024**2 + 1


def test_default_limits_are_documented_values():
    limits = readers.DEFAULT_LIMITS
    assert limits.max_expanded_bytes == 2 * 1024**3
    assert limits.max_record_bytes == 16 * 1024**2


def test_50mb_single_line_is_one_reject_and_the_rest_is_read(tmp_path):
    p = tmp_path / "a.jsonl"
    with open(p, "wb") as f:
        f.write(b'{"title": "before"}\n')
        f.write(b'{"title": "huge", "body": "' + b"x" * (50 * 1024**2) + b'"}\n')
        f.write(b'{"title": "after"}\n')
    records = read(p)
    assert errors(records) == [None, "record-too-large", None]
    assert records[1].input_locator == "line:2"
    assert len(records[1].raw) == readers.DEFAULT_LIMITS.max_reject_raw_bytes
    assert str(50 * 1024**2) in records[1].error[1] or "5242" in records[1].error[1]
    assert records[2].fields["title"] == "after"


def test_oversized_csv_row_and_txt(tmp_path):
    p = tmp_path / "a.csv"
    p.write_bytes(b'title,body\nA,"' + b"y\n" * 1000 + b'"\nB,short\n')
    records = read(p, limits=SMALL)
    assert errors(records)[0] in ("invalid-csv", "record-too-large")
    assert records[-1].fields == {"title": "B", "body": "short"}
    t = tmp_path / "big.txt"
    t.write_bytes(b"T\n\n" + b"z" * 5000)
    (record,) = read(t, limits=SMALL)
    assert record.error[0] == "record-too-large" and len(record.raw) == 200


def test_10mb_article_is_read_whole(tmp_path):
    body = b"\n\n".join(b"Paragraph %d. " % i + b"word " * 200 for i in range(10_000))
    p = tmp_path / "big.txt"
    p.write_bytes(b"A very long article\n\n" + body)
    assert p.stat().st_size > 10_000_000
    (record,) = read(p)
    assert record.error is None and record.raw == p.read_bytes()


def test_unreadable_file(tmp_path, monkeypatch):
    p = tmp_path / "secret.jsonl"
    p.write_bytes(JSONL)
    real_open = open

    def fake_open(path, *args, **kwargs):
        if str(path) == str(p):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    # readers calls open() by its module-global name: this exercises the real except path
    # even as root, who can read a chmod 000 file.
    monkeypatch.setattr(readers, "open", fake_open, raising=False)
    (record,) = read(p)
    assert record.error[0] == "unreadable" and record.raw == b""
    assert record.error[1].startswith("no bytes could be read: permission denied")


def test_file_that_vanishes_after_discovery(tmp_path):
    p = tmp_path / "a.jsonl"
    p.write_bytes(JSONL)
    (file,) = discover_inputs(str(tmp_path))
    p.unlink()
    (record,) = iter_records(file, SourceConfig())
    assert record.error[0] == "vanished" and record.raw == b""
    assert record.error[1] == "no bytes could be read: the file was listed but is gone"


def test_file_error_mid_read_is_a_reject(tmp_path, monkeypatch):
    p = tmp_path / "a.jsonl"
    p.write_bytes(JSONL * 10)

    class Failing(io.BytesIO):
        def read(self, n=-1):
            raise OSError(5, "Input/output error")

        read1 = read  # a disk error fails every way of reading

    monkeypatch.setattr(readers, "open", lambda *a, **k: Failing(), raising=False)
    (record,) = read(p)
    assert record.error[0] == "unreadable" and record.raw == b""
    assert record.error[1].startswith("no bytes could be read: ")
    assert "Input/output error" in record.error[1]


def test_fifo_is_a_reject_not_a_hang(tmp_path):
    os.mkfifo(tmp_path / "pipe.txt")
    (file,) = discover_inputs(str(tmp_path))
    (record,) = iter_records(file, SourceConfig())
    assert record.error[0] == "unreadable" and "regular file" in record.error[1]


def test_crlf_csv_keeps_original_row_bytes(tmp_path):
    p = tmp_path / "a.csv"
    p.write_bytes(b'title,body\r\nOne,"line one\r\nline two"\r\nTwo,x\r\n')
    records = read(p)
    assert records[0].raw == b'One,"line one\r\nline two"'
    assert records[0].fields == {"title": "One", "body": "line one\r\nline two"}
    assert records[1].raw == b"Two,x" and records[1].input_locator == "row:2:line:4"


def test_dangling_symlink(tmp_path):
    os.symlink(tmp_path / "gone.txt", tmp_path / "link.txt")
    (file,) = discover_inputs(str(tmp_path))
    (record,) = iter_records(file, SourceConfig())
    assert record.error[0] == "unreadable" and record.raw == b""
    assert record.error[1].startswith("no bytes could be read: dangling symbolic link")


def test_reject_reasons_are_documented():
    doc = (ROOT / "docs" / "inputs.md").read_text(encoding="utf-8")
    for reason, description in REJECT_REASONS.items():
        assert reason == reason.lower() and " " not in reason
        assert description
        assert f"`{reason}`" in doc


# ---------------------------------------------------------------------------------------
# Real corpora
# ---------------------------------------------------------------------------------------


@pytest.mark.corpus
def test_fakenewscorpus_sample():
    path = corpus_path("fakenewscorpus-sample", "news_sample.csv")
    registry = load_sources(str(ROOT / "sources.example.toml"))
    config = registry.for_path(str(path))
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
    config = registry.for_path(str(path))
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


# ---------------------------------------------------------------------------------------
# Properties: whatever a CSV writer or JSON encoder produces reads back exactly
# ---------------------------------------------------------------------------------------

CELL = st.text(alphabet=st.sampled_from(list('ab ,"\n\r\té€')), max_size=12)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(CELL, min_size=3, max_size=3), min_size=1, max_size=8),
       delimiter=st.sampled_from([",", "\t"]))
def test_any_written_csv_reads_back_row_for_row(tmp_path, rows, delimiter):
    # A row of empty cells writes as an empty line, which CSV cannot tell from no row.
    rows = [r for r in rows if any(r)]
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


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(objs=st.lists(st.dictionaries(st.text(max_size=5), st.text(max_size=20) | st.integers(),
                                     max_size=4), min_size=1, max_size=8))
def test_any_jsonl_reads_back(tmp_path, objs):
    objs = [{"title": "t", **o} for o in objs]
    lines = [json.dumps(o, ensure_ascii=False).encode() for o in objs]
    p = tmp_path / "a.jsonl"
    p.write_bytes(b"\n".join(lines) + b"\n")
    records = read(p)
    assert [r.fields for r in records] == objs
    assert [r.raw for r in records] == lines


def test_archive_limit_stops_the_whole_archive(tmp_path):
    members = {f"m{i}.jsonl": b'{"title": "x"}\n' * 2000 for i in range(5)}
    p = tmp_path / "a.tar.gz"
    build_tar(p, members, "w:gz")
    records = read(p, limits=SMALL)
    reasons = errors(records)
    assert reasons.count("archive-too-large") == 1 and reasons[-1] == "archive-too-large"
    assert len(records) < 10_000
