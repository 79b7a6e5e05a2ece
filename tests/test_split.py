"""A large JSON Lines file is read in pieces (flows.readers.files.split_file, planned by
flows.stages): how it was cut, and over how many workers, never shows in the lake."""

from __future__ import annotations

import codecs
import gzip
import hashlib
import io
import json

import pytest
import zstandard

from bench.lake_diff import compare
from flows import stages
from flows.consolidate import DEFAULT_DEDUP, consolidate
from flows.lake import Lake
from flows.readers import InputFile, iter_records
from flows.readers.files import split_file
from schemas.tables import RunCounts
from tests.conftest import lake_rows as rows
from transforms.fields import SourceConfig

WORDS = ("council ferry harbour market river station budget school library museum bridge tram "
         "garden festival orchestra election weather bakery").split()


def _corpus(n: int = 1500, bom: bool = False) -> bytes:
    """JSON Lines with what a reader must get right wherever a cut falls: runs of blank
    lines, CRLF ends, bad JSON, a non-object, NULs, a cp1252 byte, duplicates, no final newline."""
    out = io.BytesIO()
    if bom:
        out.write(codecs.BOM_UTF8)
    for i in range(n):
        words = [WORDS[(i * 7 + k * 3) % len(WORDS)] for k in range(40 + i % 30)]
        # Every third repeats a story; the codes keep the compressed files from shrinking 30 times.
        code = hashlib.sha512(str(i // 3).encode()).hexdigest() + hashlib.sha512(str(i).encode()).hexdigest()
        body = " ".join(words) + f". Story {i // 3} of the day, code {code}."
        record = {"id": f"r{i}", "title": f"{WORDS[i % len(WORDS)].title()} news {i}", "text": body}
        line = json.dumps(record).encode()
        if i % 97 == 5:
            line = b'{"id": "broken' + str(i).encode()
        elif i % 131 == 7:
            line = b"[1, 2, 3]"
        elif i % 151 == 9:
            line = line.replace(b"news", b"n\x00ws", 1)
        elif i % 89 == 3:
            line = line.replace(b"news", b"caf\xe9", 1)
        out.write(line + (b"\r\n" if i % 5 == 0 else b"\n"))
        if i % 41 == 0:
            out.write(b"\n\n   \n")
    return out.getvalue().rstrip(b"\n")


def _run(inbox, lake, workers: int) -> tuple[RunCounts, list]:
    root = str(Lake(lake).root)
    Lake(root).ensure_writable()
    plan = stages.discover(str(inbox), root, shard_mb=16.0, workers=workers)
    outcomes = [stages.process(i, s, plan.run_id, plan.started_at, root, None) for i, s in enumerate(plan.shards)]
    counts = plan.counts + sum((o.counts for o in outcomes), RunCounts())
    counts.check_balance()
    counts += consolidate(root, plan.run_id, DEFAULT_DEDUP).counts()
    stages.commit(root, plan, str(inbox), counts, {"test": True})
    return counts, [c.file.part for shard in plan.shards for c in shard]


@pytest.fixture
def inbox(tmp_path):
    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "big.jsonl").write_bytes(_corpus())
    (folder / "bom.jsonl").write_bytes(_corpus(700, bom=True))
    (folder / "small.jsonl").write_bytes(_corpus(30))
    # Compressed as a whole: pieces of the decompressed stream.
    (folder / "big.jsonl.zst").write_bytes(zstandard.ZstdCompressor().compress(_corpus(1200, bom=True)))
    (folder / "big.ndjson.gz").write_bytes(gzip.compress(_corpus(900)))
    return folder


def test_pieces_of_any_size_over_any_workers_give_the_same_lake(tmp_path, inbox, monkeypatch):
    monkeypatch.setattr(stages, "MIN_PIECE_BYTES", 10**12)
    whole, parts = _run(inbox, tmp_path / "whole", workers=1)
    assert parts == [None] * 5  # nothing cut

    lakes, cuts = [], set()
    for name, piece, workers in (("cut-2", 40_000, 2), ("cut-3", 23_456, 3), ("cut-4", 60_000, 4),
                                 ("cut-5", 50_000, 5)):
        monkeypatch.setattr(stages, "MIN_PIECE_BYTES", piece)
        counts, parts = _run(inbox, tmp_path / name, workers=workers)
        assert sum(p is not None and p.compression is None for p in parts) >= 2, parts  # the big file was cut
        assert sum(p is not None and p.compression is not None for p in parts) >= 2, parts  # and the streams
        cuts.add(tuple(parts))
        # Same counts: a split file is one file read, its records read once each.
        assert (counts.files_read, counts.records_read, counts.articles, counts.rejects) == (
            whole.files_read, whole.records_read, whole.articles, whole.rejects)
        lakes.append(tmp_path / name)
    assert len(cuts) == 4  # four different ways of cutting
    out = io.StringIO()
    for lake in lakes:
        assert compare(str(tmp_path / "whole"), str(lake), out=out, current_views=True), out.getvalue()
    # One manifest row per file, as when it is read whole.
    assert [r["n"] for r in rows(str(lakes[0]), "select count(*) n from manifest")] == [5]
    # The locators are the whole file's physical lines: a record of the second half says so.
    [late] = rows(str(lakes[0]), "select input_locator from articles_all where source_id = 'r1400'")
    text = (inbox / "big.jsonl").read_bytes()
    line = text.split(b"\n").index(next(x for x in text.split(b"\n") if b'"r1400"' in x)) + 1
    assert late["input_locator"] == f"line:{line}"


def _file(path) -> InputFile:
    return InputFile(str(path), path.stat().st_size, path.name)


def test_pieces_cover_the_file_at_line_starts_with_their_line_numbers(tmp_path):
    path = tmp_path / "a.jsonl"
    data = _corpus(800, bom=True)
    path.write_bytes(data)
    pieces = split_file(_file(path), SourceConfig(), 9_000)
    assert len(pieces) > 10
    assert pieces[0].part.start == 3  # after the BOM
    assert [p.part.index for p in pieces] == list(range(len(pieces)))
    assert pieces[-1].part.end == len(data)
    for a, b in zip(pieces, pieces[1:], strict=False):
        assert a.part.end == b.part.start and data[b.part.start - 1:b.part.start] == b"\n"
    for p in pieces:
        assert p.part.first_line == data[:p.part.start].count(b"\n") + 1


@pytest.mark.parametrize(("name", "pack"), [
    ("a.jsonl", bytes), ("a.jsonl.gz", gzip.compress), ("a.jsonl.zst", zstandard.ZstdCompressor().compress)])
def test_records_of_the_pieces_are_the_records_of_the_file(tmp_path, name, pack):
    path = tmp_path / name
    path.write_bytes(pack(_corpus(900)))
    whole = list(iter_records(_file(path), SourceConfig()))
    files = split_file(_file(path), SourceConfig(), 7_000)
    assert len(files) > 5
    assert [r for f in files for r in iter_records(f, SourceConfig())] == whole


@pytest.mark.parametrize(("name", "data"), [
    ("a.jsonl.gz", gzip.compress(_corpus(300))[:-20]),  # truncated: read whole, it gives its reject
    ("a.jsonl.zst", zstandard.ZstdCompressor().compress(_corpus(300))[:-7]),
    ("a.jsonl.gz", b"\x1f\x8b" + b"not gzip" * 300),
    ("a.json", _corpus(300)),
    ("a.jsonl", _corpus(300).decode("latin-1").encode("utf-16")),  # UTF-16 cannot be cut at b"\n"
    ("a.jsonl", _corpus(300).replace(b"\n", b"\r")),  # old Mac line ends
    ("a.jsonl", b" " * 100_000),
])
def test_files_that_cannot_be_cut_are_read_whole(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    assert split_file(_file(path), SourceConfig(), 1_000) == [_file(path)]


def test_one_file_or_many_files_give_the_same_articles_and_decisions(tmp_path, monkeypatch):
    """The same records as one file read in pieces, or as several files: the same articles
    (ids, hashes, bodies, languages), signatures, duplicates and pairs; only where each
    record came from (input_path, input_locator) differs."""
    data = _corpus(1500)
    # Exact duplicates under other ids, and near ones (one word more), for the decisions.
    copies = [x for x in data.split(b"\n") if x.startswith(b'{"id": "r') and b'"text": "' in x][:300:10]
    data += b"\n" + b"\n".join(x.replace(b'"id": "r', b'"id": "copy') for x in copies)
    data += b"\n" + b"\n".join(x.replace(b'"id": "r', b'"id": "near').replace(b'"text": "', b'"text": "Update ')
                               for x in copies)
    # The same folder name: it is the records' source, part of their article ids.
    one, many = tmp_path / "one" / "inbox", tmp_path / "many" / "inbox"
    one.mkdir(parents=True)
    many.mkdir(parents=True)
    (one / "all.jsonl").write_bytes(data)
    lines = [x for x in data.split(b"\n") if x.strip() and x.strip().startswith(b'{"id"')]
    for k in range(4):
        (many / f"part-{k}.jsonl").write_bytes(b"\n".join(lines[k::4]) + b"\n")
    assert_one_file_as_many(tmp_path, one, many, monkeypatch, SAME_ACROSS_FILES)


# What one file read in pieces and the same records in several files must agree on: all
# but where each record came from (input_path, input_locator) and the run's own columns.
SAME_ACROSS_FILES = {
    "articles_all": "select * exclude (input_path, input_locator, run_id, ingested_at) from articles_all",
    "signatures": "select article_id, minhash, bands from signatures",
    "duplicates": "select * exclude (run_id) from duplicates",
    "similar_pairs": "select * exclude (run_id) from similar_pairs",
}


def assert_one_file_as_many(tmp_path, one, many, monkeypatch, queries: dict[str, str]) -> None:
    """Ingest the folder ``one`` (one file, cut into at least 3 pieces over 3 workers) and
    ``many`` (the same records in several files, 2 workers); each query gives the same
    rows (at least 20) from both lakes."""
    monkeypatch.setattr(stages, "MIN_PIECE_BYTES", 30_000)
    _, parts = _run(one, tmp_path / "lake-one", workers=3)
    assert sum(p is not None for p in parts) >= 3
    _run(many, tmp_path / "lake-many", workers=2)
    for name, sql in queries.items():
        left = sorted(map(repr, rows(str(tmp_path / "lake-one"), sql)))
        right = sorted(map(repr, rows(str(tmp_path / "lake-many"), sql)))
        assert len(left) >= 20 and left == right, name
