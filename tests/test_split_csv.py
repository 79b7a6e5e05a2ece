"""A large CSV/TSV file is read in pieces cut at record boundaries
(flows.readers.formats.csv.row_cuts, flows.readers.files.split_file): the records, their
locators and rejects, and the lake are those of the file read whole."""

from __future__ import annotations

import codecs
import csv
import gzip
import hashlib
import io
from unittest import mock

import pytest
import zstandard
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.lake_diff import compare
from flows import stages
from flows.readers import InputFile, iter_records
from flows.readers.files import split_file
from flows.readers.formats import csv as csv_format
from flows.readers.formats.csv import _split_rows, row_cuts
from flows.readers.limits import ReadLimits
from flows.readers.streams import iter_lines
from flows.sources import load_sources
from tests.conftest import ROOT, corpus_path
from tests.conftest import lake_rows as rows
from tests.test_split import SAME_ACROSS_FILES, WORDS, _run, assert_one_file_as_many
from transforms.decoding import LineDecoder
from transforms.fields import SourceConfig


def _rows(n: int) -> list[list[str]]:
    """Rows whose quoted fields hold what a cut must not fall inside: line breaks (blank
    lines between paragraphs, CRLF ones), doubled quotes, commas, tabs."""
    out = []
    for i in range(n):
        words = [WORDS[(i * 7 + k * 3) % len(WORDS)] for k in range(30 + i % 40)]
        code = hashlib.sha512(str(i).encode()).hexdigest()
        paragraphs = [" ".join(words[:15]) + ".", f'"{words[3]}," she said, story {i // 3}.',
                      " ".join(words[15:]) + f" code {code}."]
        sep = "\r\n\r\n" if i % 7 == 0 else "\n\n"
        title = f"{WORDS[i % len(WORDS)].title()} news {i}" + (', "quoted"' if i % 5 == 0 else "")
        out.append([f"r{i}", title, sep.join(paragraphs)])
    return out


def _csv(rows: list[list[str]], *, bom: bool = False, crlf: bool = False, delimiter: str = ",",
         broken: bool = True) -> bytes:
    """The rows written by the csv module, header first; with ``broken``, rows a reader
    must refuse the same way wherever the cuts fall (too many or too few fields, NULs),
    a cp1252 byte, blank lines between rows, and no final line end."""
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n" if crlf else "\n")
    writer.writerow(["id", "title", "text"])
    for i, row in enumerate(rows):
        if broken and i % 53 == 3:
            row = [*row, "extra"]  # a row of 4 fields
        elif broken and i % 61 == 4:
            row = row[:2]  # and of 2
        writer.writerow(row)
        if broken and i % 41 == 0:
            buf.write("\n\n  \n")
    data = buf.getvalue().encode("utf-8")
    if broken:
        data = data.replace(b"news 77", b"n\x00ws 77").replace(b"news 88", b"caf\xe9 88")
        data = data.rstrip(b"\r\n")
    return (codecs.BOM_UTF8 if bom else b"") + data


def _file(path) -> InputFile:
    return InputFile(str(path), path.stat().st_size, path.name)


DEFAULT = SourceConfig()


def _pieces(path, piece: int, config: SourceConfig = DEFAULT) -> list[InputFile]:
    return split_file(_file(path), config, piece)


def _records(files, config: SourceConfig = DEFAULT) -> list:
    return [r for f in files for r in iter_records(f, config)]


@pytest.mark.parametrize(("name", "pack", "options"), [
    ("a.csv", bytes, {}),
    ("a.csv", bytes, {"bom": True}),
    ("a.csv", bytes, {"crlf": True}),
    ("a.tsv", bytes, {"delimiter": "\t"}),
    ("a.csv.gz", gzip.compress, {"bom": True}),
    ("a.csv.zst", zstandard.ZstdCompressor().compress, {"crlf": True}),
])
def test_records_of_the_pieces_are_the_records_of_the_file(tmp_path, monkeypatch, name, pack, options):
    # Scanned in buffers far smaller than a row: fields and doubled quotes cross their ends.
    monkeypatch.setattr(csv_format, "CHUNK", 777)
    path = tmp_path / name
    path.write_bytes(pack(_csv(_rows(600), **options)))
    whole = list(iter_records(_file(path), SourceConfig()))
    assert sum(r.error is None for r in whole) > 500
    reasons = {r.error[0] for r in whole if r.error}
    assert "invalid-csv" in reasons and "nul-bytes" in reasons  # the broken rows are there
    for piece in (5_000, 17_000, 60_000):
        files = _pieces(path, piece)
        assert len(files) > 2, piece
        assert [f.part.index for f in files] == list(range(len(files)))
        # Locators (row numbers, lines), raw bytes, fields, encodings and rejects alike.
        assert _records(files) == whole


def test_cuts_fall_between_records_never_inside_a_quoted_field(tmp_path):
    path = tmp_path / "a.csv"
    data = _csv(_rows(400), bom=True)
    path.write_bytes(data)
    files = _pieces(path, 3_000)
    assert len(files) > 20
    assert files[0].part.start == 3  # after the BOM
    records = list(iter_records(_file(path), SourceConfig()))
    starts = {int(r.input_locator.rsplit(":", 1)[1]) for r in records if r.input_locator}
    crossing = 0
    for f in files[1:]:
        p = f.part
        assert data[p.start - 1:p.start] == b"\n"
        assert p.first_line == data[:p.start].count(b"\n") + 1
        # A record starts there, or after blank lines between rows.
        nxt = min(n for n in starts if n >= p.first_line)
        assert not b"".join(data.split(b"\n")[p.first_line - 1:nxt - 1]).strip()
        # The cut would have fallen inside a multi-line field had it been at the first line end.
        crossing += data.find(b"\n", p.start - 3_000) + 1 != p.start
    assert crossing > 5


@pytest.mark.parametrize("piece", [4_000, 9_000])
def test_pieces_of_any_size_over_any_workers_give_the_same_lake(tmp_path, monkeypatch, piece):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "big.csv").write_bytes(_csv(_rows(700)))
    (inbox / "crlf.csv.gz").write_bytes(gzip.compress(_csv(_rows(500), crlf=True, bom=True)))
    monkeypatch.setattr(stages, "MIN_PIECE_BYTES", 10**12)
    whole, parts = _run(inbox, tmp_path / "whole", workers=1)
    assert parts == [None, None]
    out = io.StringIO()
    for workers in (2, 3, 4):
        monkeypatch.setattr(stages, "MIN_PIECE_BYTES", piece)
        lake = tmp_path / f"cut-{workers}"
        counts, parts = _run(inbox, lake, workers=workers)
        assert sum(p is not None and p.compression is None for p in parts) >= 2, parts
        assert sum(p is not None and p.compression is not None for p in parts) >= 2, parts
        assert (counts.files_read, counts.records_read, counts.articles, counts.rejects) == (
            whole.files_read, whole.records_read, whole.articles, whole.rejects)
        assert compare(str(tmp_path / "whole"), str(lake), out=out, current_views=True), out.getvalue()
    assert [r["n"] for r in rows(str(tmp_path / "cut-2"), "select count(*) n from manifest")] == [2]
    # The row number and line of a record far into the file are the whole file's.
    [late] = rows(str(tmp_path / "cut-4"), "select input_locator from articles_all "
                  "where source_id = 'r658' and input_path like '%big.csv'")
    data = (inbox / "big.csv").read_bytes()
    line = data[:data.index(b"\nr658,")].count(b"\n") + 2
    assert late["input_locator"] == f"row:659:line:{line}"  # refused rows count as rows too


def test_one_csv_or_many_csvs_give_the_same_articles(tmp_path, monkeypatch):
    """The same rows as one CSV read in pieces or as several CSVs: the same articles,
    signatures and duplicates; only where each came from differs."""
    rows_ = _rows(900)
    rows_ += [[f"copy{r[0]}", r[1], r[2]] for r in rows_[:200:10]]  # exact duplicates
    one, many = tmp_path / "one" / "inbox", tmp_path / "many" / "inbox"
    one.mkdir(parents=True)
    many.mkdir(parents=True)
    (one / "all.csv").write_bytes(_csv(rows_, broken=False))
    for k in range(4):
        (many / f"part-{k}.csv").write_bytes(_csv(rows_[k::4], broken=False))
    queries = {name: SAME_ACROSS_FILES[name] for name in ("articles_all", "signatures", "duplicates")}
    assert_one_file_as_many(tmp_path, one, many, monkeypatch, queries)


def test_header_only_and_headerless_files(tmp_path):
    # A header and nothing else: one piece, the file's "empty" reject.
    path = tmp_path / "h.csv"
    path.write_bytes(b"id,title,text\n" + b"\n" * 50_000)
    assert _pieces(path, 1_000) == [_file(path)]
    [reject] = iter_records(_file(path), SourceConfig())
    assert reject.error[0] == "empty"
    # No header, columns named by position from the first row: every piece names them so.
    path = tmp_path / "n.csv"
    path.write_bytes(_csv(_rows(300), broken=False).split(b"\n", 1)[1])
    config = SourceConfig(header=False, mapping={"title": "column_2", "body": "column_3"})
    files = _pieces(path, 5_000, config)
    assert len(files) > 3
    whole = list(iter_records(_file(path), config))
    assert _records(files, config) == whole
    assert set(whole[-1].fields) == {"column_1", "column_2", "column_3"}
    assert whole[-1].input_locator.startswith("row:300:")


def test_a_header_that_ends_the_file_is_one_reject_from_the_first_piece(tmp_path):
    path = tmp_path / "u.csv"
    path.write_bytes(_csv(_rows(300), broken=False).replace(b"id,title,text", b"a,b,c", 1))
    files = _pieces(path, 5_000)
    assert len(files) > 3
    whole = list(iter_records(_file(path), SourceConfig()))
    assert [r.error[0] for r in whole] == ["unmappable"]
    assert _records(files) == whole


@pytest.mark.parametrize("data", [
    _csv(_rows(300), broken=False).replace(b"news 100", b'news 5"10', 1),  # a quote inside a field
    _csv(_rows(300), broken=False).replace(b'"\nr200,', b'"x\nr200,', 1),  # text after a closing quote
    _csv(_rows(300), broken=False) + b'\nr9,"never closes,x\n',  # a quote open at the end
    _csv(_rows(300), broken=False).replace(b"\n", b"\r"),  # old Mac line ends
    _csv(_rows(300), broken=False).decode().encode("utf-16"),  # UTF-16 is not cut at b"\n"
])
def test_files_whose_quoting_is_not_safe_to_cut_are_read_whole(tmp_path, data):
    path = tmp_path / "a.csv"
    path.write_bytes(data)
    assert _pieces(path, 2_000) == [_file(path)]


def test_a_row_near_the_record_limit_keeps_the_file_whole(tmp_path):
    rows_ = _rows(300)
    rows_[150][2] = "a long paragraph\n" * 150_000  # a 2.5 MB field of many lines
    path = tmp_path / "a.csv"
    path.write_bytes(_csv(rows_, broken=False))
    assert len(_pieces(path, 60_000)) >= 3
    # Under a 3 MiB record limit the reader could give that row up where the cuts would
    # not: read whole.
    small = ReadLimits(max_record_bytes=3 * 1024**2)
    assert split_file(_file(path), SourceConfig(), 60_000, small) == [_file(path)]


CELL = st.text(alphabet=st.sampled_from(list('ab ,"\n\r\t')), max_size=10)


@settings(max_examples=150, deadline=None)
@given(rows_=st.lists(st.lists(CELL, min_size=2, max_size=2), min_size=1, max_size=30),
       piece=st.integers(1, 60), crlf=st.booleans(), chunk=st.integers(1, 40))
def test_boundaries_are_the_readers_rows(rows_, piece, crlf, chunk):
    """Any rows the csv module writes, scanned in buffers of any size: each cut is where
    a row of the reader starts, and the rows before it are counted as the reader counts them."""
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n" if crlf else "\n").writerows([["title", "body"], *rows_])
    data = buf.getvalue().encode()
    with mock.patch.object(csv_format, "CHUNK", chunk):
        found = row_cuts(data[:chunk], io.BytesIO(data[chunk:]), piece, 0, ",", 10**8)
    assert found is not None  # what the csv module writes is always safe to cut
    lines = iter_lines(io.BytesIO(data), ReadLimits())
    reader_rows = list(_split_rows(lines, LineDecoder("utf-8", "utf-8", (), None), ",", 10**8))
    line_starts = [0] + [i + 1 for i, b in enumerate(data) if b == 10]  # of line N at [N - 1]
    offsets = {line_starts[row.first - 1]: k for k, row in enumerate(reader_rows)}  # row start: rows before
    assert found.total == len(data)
    for start, line, before in zip(found.starts[1:], found.lines[1:], found.rows[1:], strict=True):
        assert offsets[start] == before  # a row starts there, after `before` rows
        assert line_starts[line - 1] == start


@pytest.mark.corpus
@pytest.mark.parametrize(("folder", "name"), [("fakenewscorpus-sample", "news_sample.csv"),
                                              ("ag-news-test", "test.csv")])
def test_real_corpus_csvs_split_read_as_whole(tmp_path, folder, name):
    path = corpus_path(folder, name)
    registry = load_sources(str(ROOT / "sources.example.toml"))
    config = registry.for_input(InputFile(str(path), 0, path.name))
    file = InputFile(str(path), path.stat().st_size, name)
    whole = list(iter_records(file, config))
    for piece in (50_000, 300_000):
        files = split_file(file, config, piece)
        assert len(files) > 2, (name, piece)
        assert _records(files, config) == whole
    # Compressed as a whole, too.
    packed = tmp_path / f"{name}.zst"
    packed.write_bytes(zstandard.ZstdCompressor().compress(path.read_bytes()))
    files = split_file(InputFile(str(packed), packed.stat().st_size, name + ".zst"), config, 100_000)
    assert len(files) > 2
    assert [r.input_locator for r in _records(files, config)] == [r.input_locator for r in whole]


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet=st.sampled_from(list('a ,"\n\r')), max_size=80), piece=st.integers(1, 20),
       chunk=st.integers(1, 30))
def test_boundaries_of_any_bytes_are_the_readers_rows_or_none(text, piece, chunk):
    """Any bytes at all (stray quotes, quotes in unquoted fields, text after a closing
    quote, quotes left open), in buffers of any size: ``row_cuts`` either refuses to cut
    or cuts where the reader's rows start, with the reader's row count before each cut."""
    data = b"title,body\n" + text.encode()
    with mock.patch.object(csv_format, "CHUNK", chunk):
        found = row_cuts(data[:chunk], io.BytesIO(data[chunk:]), piece, 0, ",", 10**8)
    if found is None:
        return
    lines = iter_lines(io.BytesIO(data), ReadLimits())
    reader_rows = list(_split_rows(lines, LineDecoder("utf-8", "utf-8", (), None), ",", 10**8))
    assert all(row.closed for row in reader_rows)
    line_starts = [0] + [i + 1 for i, b in enumerate(data) if b == 10]
    row_starts = [line_starts[row.first - 1] for row in reader_rows]
    for start, line, before in zip(found.starts[1:], found.lines[1:], found.rows[1:], strict=True):
        assert line_starts[line - 1] == start
        assert sum(s < start for s in row_starts) == before  # the rows before the cut
        # and no row of the reader runs across it
        for s, r in zip(row_starts, reader_rows, strict=True):
            after = line_starts[min(r.first - 1 + sum(x.span for x in r.lines), len(line_starts) - 1)]
            assert not s < start < after
