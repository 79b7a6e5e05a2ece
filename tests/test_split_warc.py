"""A large WARC is read in pieces cut at records that start a gzip member (or at any
record when it is not compressed): flows.readers.formats.warc.record_cuts,
flows.readers.files.split_file. The records, their locators and the lake are those of
the file read whole."""

from __future__ import annotations

import gzip
import io

import pytest

from bench.lake_diff import compare
from flows import stages
from flows.readers import InputFile, iter_records
from flows.readers.files import split_file
from tests.html_cases import news_page
from tests.test_split import WORDS, _run
from tests.warc_cases import build_warc
from transforms.fields import SourceConfig


def _pages(n: int) -> list[tuple[str, bytes]]:
    pages = []
    for i in range(n):
        words = [WORDS[(i * 5 + k) % len(WORDS)] for k in range(60)]
        paragraphs = [" ".join(words[:30]).capitalize() + f", story {i}.",
                      " ".join(words[30:]).capitalize() + f", the {i}th of the day."]
        pages.append((f"https://www.riversidepost.co.uk/news/{i}",
                      news_page(f"{WORDS[i % len(WORDS)].title()} news {i}", paragraphs).encode("utf-8")))
    return pages


def _file(path) -> InputFile:
    return InputFile(str(path), path.stat().st_size, path.name)


def _records(files) -> list:
    return [r for f in files for r in iter_records(f, SourceConfig())]


@pytest.mark.parametrize(("name", "mode"), [("a.warc.gz", "record"), ("a.warc", None)])
def test_records_of_the_pieces_are_the_records_of_the_file(tmp_path, name, mode):
    path = build_warc(tmp_path / name, _pages(60), gzip=mode)
    whole = list(iter_records(_file(path), SourceConfig()))
    assert sum(r.kind == "html" for r in whole) == 60
    size = path.stat().st_size
    for piece in (size // 9, size // 4):
        files = split_file(_file(path), SourceConfig(), piece)
        assert len(files) >= 3, piece
        assert [f.part.index for f in files] == list(range(len(files)))
        assert files[0].part.start == 0 and files[-1].part.end == size
        assert all(a.part.end == b.part.start for a, b in zip(files, files[1:], strict=False))
        # The same records, with the whole file's offsets as locators.
        assert _records(files) == whole
    data = path.read_bytes()
    for f in files[1:]:
        if mode == "record":
            assert data[f.part.start:f.part.start + 2] == b"\x1f\x8b"  # a member starts there
            assert gzip.GzipFile(fileobj=io.BytesIO(data[f.part.start:])).read(8) == b"WARC/1.0"
        else:
            assert data[f.part.start:f.part.start + 8] == b"WARC/1.0" and f.part.first_offset == f.part.start


def test_a_warc_that_is_one_gzip_member_or_damaged_is_read_whole(tmp_path):
    one = build_warc(tmp_path / "one.warc.gz", _pages(40), gzip="file")
    assert split_file(_file(one), SourceConfig(), 1_000) == [_file(one)]
    good = build_warc(tmp_path / "good.warc.gz", _pages(40), gzip="record").read_bytes()
    cut = tmp_path / "cut.warc.gz"
    cut.write_bytes(good[:-30])  # a truncated last member
    assert split_file(_file(cut), SourceConfig(), 1_000) == [_file(cut)]


def test_pieces_over_any_workers_give_the_same_lake(tmp_path, monkeypatch):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    build_warc(inbox / "crawl.warc.gz", _pages(300), gzip="record")
    build_warc(inbox / "plain.warc", _pages(50), gzip=None)
    monkeypatch.setattr(stages, "MIN_PIECE_BYTES", 10**12)
    whole, parts = _run(inbox, tmp_path / "whole", workers=1)
    assert parts == [None, None]
    out = io.StringIO()
    for workers in (2, 3):
        monkeypatch.setattr(stages, "MIN_PIECE_BYTES", 5_000)
        lake = tmp_path / f"cut-{workers}"
        counts, parts = _run(inbox, lake, workers=workers)
        assert sum(p is not None and p.first_offset != p.start for p in parts) >= 1, parts  # the gzip one
        assert sum(p is not None for p in parts) >= 3, parts
        assert (counts.files_read, counts.records_read, counts.articles, counts.rejects,
                counts.records_skipped) == (whole.files_read, whole.records_read, whole.articles,
                                            whole.rejects, whole.records_skipped)
        assert compare(str(tmp_path / "whole"), str(lake), out=out, current_views=True), out.getvalue()
