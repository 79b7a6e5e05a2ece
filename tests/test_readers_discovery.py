"""Discovery (flows/readers/discovery.py): walking INPUT, globs, excludes, odd names."""

from __future__ import annotations

import os

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flows.readers import (
    InputError,
    InputFile,
    discover_inputs,
    iter_records,
    match_pattern,
    safe_text,
)
from tests.reader_cases import JSONL
from transforms.fields import SourceConfig


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
    assert set(names[:2]) <= rels
    assert "new\\x0aline.txt" in rels  # a control character shown, never stored raw
    assert "latin1-\\xe9.txt" in rels  # a non-UTF-8 byte shown, storable in Parquet
    for f in files:
        f.relpath.encode("utf-8")
        (record,) = iter_records(f, SourceConfig())
        assert record.error is None and record.raw == b"Title\n\nBody text."
        # The absolute path, storable as UTF-8 (non-UTF-8 bytes shown as \xNN).
        assert record.input_path.endswith("/" + f.relpath) and record.input_path.startswith("/")
        record.input_path.encode("utf-8")


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        ("*.csv", "a/b/test.csv", True),
        ("*.csv", "a/b/test.csv.gz", False),
        ("ag-news*/*.csv", "ag-news-test/test.csv", True),
        ("ag-news*/*.csv", "/abs/path/ag-news-test/test.csv", True),
        ("ag-news*/*.csv", "ag-news-test/sub/test.csv", False),
        ("news/**/*.jsonl", "news/a.jsonl", True),
        ("news/**/*.jsonl", "news/2024/01/a.jsonl", True),
        ("news/*.csv", "old-news/a.csv", False),
        ("data/file?.txt", "data/file1.txt", True),
        ("data/file[0-9].txt", "data/filex.txt", False),
        ("*", "anything/at/all.bin", True),
    ],
)
def test_match_pattern(pattern, path, expected):
    assert match_pattern(pattern, path) is expected


def test_undecodable_name_never_collides_with_its_escape_written_literally(tmp_path):
    raw_name = os.fsdecode(b"bad\xffname.txt")
    literal = "bad\\xffname.txt"  # a backslash, "x", "f", "f": valid UTF-8
    (tmp_path / raw_name).write_bytes(b"Raw\n\nBody.")
    (tmp_path / literal).write_bytes(b"Literal\n\nBody.")
    files = discover_inputs(str(tmp_path))
    assert sorted(f.relpath for f in files) == ["bad\\\\xffname.txt", "bad\\xffname.txt"]
    paths = {f.relpath: next(iter_records(f, SourceConfig())).input_path for f in files}
    assert paths["bad\\xffname.txt"].endswith("/bad\\xffname.txt")
    assert paths["bad\\\\xffname.txt"].endswith("/bad\\\\xffname.txt")


@given(st.lists(st.lists(st.sampled_from(list(b"\\xf\xff\xe9a")), min_size=1, max_size=6).map(bytes),
                min_size=2, max_size=2, unique=True))
def test_safe_text_is_unambiguous_and_storable(names):
    texts = [safe_text(os.fsdecode(n)) for n in names]
    assert texts[0] != texts[1]
    for text in texts:
        text.encode("utf-8")
