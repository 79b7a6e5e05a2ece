"""WARC archives as inputs (flows/readers/formats/warc.py): which records are pages, what
is skipped and counted, where each record is (its locator reads it again), and what a
malformed record, a truncated gzip member or an oversized record become."""

from __future__ import annotations

import gzip
import io
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from flows.readers import InputFile, ReadLimits, iter_records, record_format
from flows.shard import process_shard
from tests.conftest import corpus_path
from tests.html_cases import ARTICLE, SCRIPT_ONLY, news_page
from tests.warc_cases import SKIPPED_PER_FILE, SKIPPED_PER_PAGE, build_warc
from transforms.article import RecordContext, clean_record
from transforms.fields import SourceConfig
from transforms.records import Article, Reject

PAGES = [
    ("https://www.riversidepost.co.uk/news/library", news_page().encode("utf-8")),
    ("https://www.riversidepost.co.uk/news/ferry", news_page("Ferry timetable to change", [
        "The harbour ferry will run every twenty minutes from April, the operator said on Monday, "
        "after two years of complaints from commuters about crowded morning boats.",
        "A new boat joins the fleet in May, and the last crossing moves to half past eleven at night.",
    ]).encode("utf-8")),
    ("https://www.riversidepost.co.uk/app", SCRIPT_ONLY.encode("utf-8")),
]


def records(path: Path, limits: ReadLimits | None = None):
    file = InputFile(str(path), path.stat().st_size, path.name)
    return list(iter_records(file, SourceConfig(), limits) if limits else iter_records(file, SourceConfig()))


def cleaned(path: Path, recs):
    file = InputFile(str(path), path.stat().st_size, path.name)
    out = []
    for r in recs:
        if r.kind != "skipped":
            out.append(clean_record(r, RecordContext(None, record_format(file, r, SourceConfig()), SourceConfig(),
                                                     path.name)))
    return out


def expected_skipped(pages: int) -> dict[str, int]:
    return dict(Counter(SKIPPED_PER_FILE) + Counter({k: v * pages for k, v in SKIPPED_PER_PAGE.items()}))


@pytest.mark.parametrize("mode", ["record", "file", None])
def test_each_200_html_response_is_a_page_and_the_rest_is_skipped_by_kind(tmp_path, mode):
    path = build_warc(tmp_path / ("crawl.warc.gz" if mode else "crawl.warc"), PAGES, gzip=mode)
    recs = records(path)
    skipped = Counter(r.fields["kind"] for r in recs if r.kind == "skipped")
    assert dict(skipped) == expected_skipped(len(PAGES))
    pages = [r for r in recs if r.kind == "html"]
    assert [r.fields["target_uri"] for r in pages] == [u for u, _ in PAGES]
    assert all(r.error is None for r in recs)
    a1, a2, r3 = cleaned(path, recs)
    assert a1.values["body"] == "\n\n".join(ARTICLE)
    assert a1.values["url"] == PAGES[0][0] and a1.values["source"] == "riversidepost.co.uk"
    assert a1.values["crawled_at"] == datetime(2024, 3, 1, 10, tzinfo=UTC)
    assert a1.values["warc_record_id"].startswith("<urn:uuid:")
    assert a1.values["input_format"] == "warc"
    assert a2.values["title"] == "Ferry timetable to change"
    assert isinstance(r3, Reject) and r3.reason == "no-article-text"
    assert r3.raw.startswith(b"WARC/1.") and SCRIPT_ONLY.encode() in r3.raw  # the whole record


def test_a_locator_reads_its_record_again(tmp_path):
    per_record = build_warc(tmp_path / "a.warc.gz", PAGES, gzip="record")
    whole = build_warc(tmp_path / "b.warc.gz", PAGES, gzip="file")
    plain = build_warc(tmp_path / "c.warc", PAGES, gzip=None)
    for path in (per_record, plain):
        data = path.read_bytes()
        for r in records(path):
            kind, _, offset = r.input_locator.partition(":")
            assert kind == "offset"
            again = next(iter(ArchiveIterator(io.BytesIO(data[int(offset):]))))
            assert f"WARC-Type: {again.rec_headers.get_header('WARC-Type')}".encode() in r.raw
            assert r.raw.startswith(b"WARC/1.")
            if r.kind == "html":
                assert again.rec_headers.get_header("WARC-Record-ID") == r.fields["warc_record_id"]
    unzipped = gzip.decompress(whole.read_bytes())
    recs = records(whole)
    assert recs[0].input_locator == "offset:0"  # the first record starts the one member
    for r in recs[1:]:
        kind, _, offset = r.input_locator.partition(":")
        assert kind == "decompressed-offset"
        assert unzipped[int(offset):].startswith(r.raw)


def test_a_truncated_gzip_member_keeps_the_records_before_it(tmp_path):
    path = build_warc(tmp_path / "crawl.warc.gz", PAGES, gzip="record")
    data = path.read_bytes()
    members = [int(r.input_locator.split(":")[1]) for r in records(path)]
    last_page = [int(r.input_locator.split(":")[1]) for r in records(path) if r.kind == "html"][1]
    cut = tmp_path / "cut.warc.gz"
    cut.write_bytes(data[: last_page + 200])  # inside the second page's member
    recs = records(cut)
    before = [r for r in recs if int(r.input_locator.split(":")[1]) < last_page]
    assert len(before) == members.index(last_page)
    assert all(r.error is None for r in before)
    *_, last = recs
    assert last.error[0] == "truncated" and last.input_locator == f"offset:{last_page}"
    assert len(recs) == len(before) + 1


def test_a_malformed_record_is_a_reject_with_its_bytes_and_reading_goes_on(tmp_path):
    good = build_warc(tmp_path / "good.warc", PAGES[:1], gzip=None).read_bytes()
    garbage = b"WARC/1.0\r\nWARC-Type: response\r\nContent-Length: lots\r\n\r\nnot a record\r\n\r\n"
    bad_http = (b"WARC/1.1\r\nWARC-Type: response\r\nContent-Length: 14\r\n\r\nnot http at al\r\n\r\n")
    path = tmp_path / "mixed.warc"
    path.write_bytes(garbage + bad_http + good)
    recs = records(path)
    assert [r.error[0] for r in recs if r.error] == ["invalid-warc", "invalid-warc"]
    assert recs[0].raw == garbage and recs[1].raw == bad_http.rstrip(b"\r\n")
    assert recs[0].input_locator == "offset:0"
    assert sum(r.kind == "html" for r in recs) == 1
    assert isinstance(cleaned(path, recs)[-1], Article)


def test_a_record_over_the_limit_and_content_encodings(tmp_path):
    path = build_warc(tmp_path / "crawl.warc.gz", PAGES[:1], gzip="record")
    recs = records(path, ReadLimits(max_record_bytes=1000))
    [big] = [r for r in recs if r.error]
    assert big.error[0] == "record-too-large" and big.raw.startswith(b"WARC/1.")
    page = gzip.compress(PAGES[0][1])
    http = (b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Encoding: gzip\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n" + f"{len(page):x}\r\n".encode() + page + b"\r\n0\r\n\r\n")
    rec = (b"WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: https://riversidepost.co.uk/z\r\n"
           b"Content-Type: application/http; msgtype=response\r\nContent-Length: " + str(len(http)).encode()
           + b"\r\n\r\n" + http + b"\r\n\r\n")
    raw = tmp_path / "enc.warc.gz"
    raw.write_bytes(gzip.compress(rec))
    [r] = records(raw)
    assert r.kind == "html" and r.fields["payload"] == PAGES[0][1] and r.fields["http_charset"] == "utf-8"
    [a] = cleaned(raw, [r])
    assert a.values["encoding_method"] == "http-header" and a.values["body"] == "\n\n".join(ARTICLE)


def test_a_shard_counts_skipped_records_apart_and_records_read_balance(tmp_path):
    inputs = tmp_path / "in"
    inputs.mkdir()
    path = build_warc(inputs / "crawl.warc.gz", PAGES, gzip="record")
    counts = process_shard(0, [InputFile(str(path), path.stat().st_size, path.name)], "r1",
                           datetime.now(UTC), str(tmp_path / "lake"))
    assert counts.records_skipped == dict(sorted(expected_skipped(len(PAGES)).items()))
    assert (counts.records_read, counts.articles, counts.rejects) == (3, 2, 1)
    counts.check_balance()
    assert counts.rejects_by_reason == {"no-article-text": 1}


@pytest.mark.corpus
def test_a_warc_of_the_benchmark_pages_gives_the_articles_the_html_files_give(tmp_path):
    from bench.extraction import load_pages

    corpus_path("article-extraction-benchmark", "ground-truth.json")
    truth, pages = load_pages()
    keys = list(pages)[:40]
    path = build_warc(tmp_path / "pages.warc.gz", [(truth[k]["url"], pages[k]) for k in keys], gzip="record")
    recs = records(path)
    assert sum(r.kind == "html" for r in recs) == len(keys)
    from_warc = cleaned(path, recs)
    html_dir = tmp_path / "html"
    html_dir.mkdir()
    bodies = []
    for k in keys:
        p = html_dir / f"{k}.html"
        p.write_bytes(pages[k])
        [a] = cleaned(p, records(p))
        bodies.append(a.values["body"] if isinstance(a, Article) else a.reason)
    assert [a.values["body"] if isinstance(a, Article) else a.reason for a in from_warc] == bodies
    assert all(isinstance(a, Article) for a in from_warc)


def test_a_warc_inside_a_tar_keeps_its_member_offsets(tmp_path):
    import tarfile

    warc = build_warc(tmp_path / "in.warc.gz", PAGES, gzip="record")
    path = tmp_path / "crawl.tar"
    with tarfile.open(path, "w") as t:
        t.add(warc, arcname="2024/in.warc.gz")
    inner = [r.input_locator for r in records(warc)]
    outer = records(path)
    assert [r.input_locator for r in outer] == [f"member:2024/in.warc.gz:{loc}" for loc in inner]
    file = InputFile(str(path), path.stat().st_size, path.name)
    assert {record_format(file, r, SourceConfig()) for r in outer} == {"warc"}
