"""process_shard (flows.shard): any exception while reading or cleaning one record is a
reject of that record (``internal-error``) and the shard goes on; every string the
writer stores is valid UTF-8. The property test runs the real flow over hostile files."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime

import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flows import shard as shard_module
from flows.lake import Lake
from flows.readers import InputFile
from flows.shard import process_shard
from schemas.tables import REJECTS
from tests.conftest import lake_rows as rows

GOOD = b'{"title": "Council votes", "text": "The council voted on the budget today."}\n'
STARTED = datetime(2026, 1, 1, tzinfo=UTC)


def _inputs(folder, files: dict[str, bytes]) -> list[InputFile]:
    folder.mkdir(exist_ok=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return [InputFile(str(folder / n), len(d), n) for n, d in files.items()]


def _staged(lake_root, table):
    path = Lake(lake_root).staged_file("r1", table, 0)
    return pq.read_table(path).to_pylist() if path.exists() else []


def test_an_exception_while_cleaning_one_record_rejects_that_record_only(tmp_path, monkeypatch):
    files = _inputs(tmp_path / "in", {"a.jsonl": GOOD + b'{"title": "boom", "text": "x y z"}\n' + GOOD})
    real = shard_module.clean_record

    def flaky(record, context):
        if b"boom" in record.raw:
            raise RecursionError("maximum recursion depth exceeded\nwhile cleaning")
        return real(record, context)

    monkeypatch.setattr(shard_module, "clean_record", flaky)
    counts = process_shard(0, files, "r1", STARTED, str(tmp_path / "lake"))
    counts.check_balance()
    assert (counts.records_read, counts.articles, counts.rejects) == (3, 2, 1)
    assert counts.rejects_by_reason == {"internal-error": 1}
    [reject] = _staged(tmp_path / "lake", "rejects")
    assert reject["reason"] == "internal-error"
    assert reject["detail"] == "RecursionError: maximum recursion depth exceeded"
    assert reject["input_locator"] == "line:2"
    assert reject["raw"] == b'{"title": "boom", "text": "x y z"}'


def test_an_exception_inside_a_reader_rejects_the_rest_of_that_file_only(tmp_path, monkeypatch):
    files = _inputs(tmp_path / "in", {"a.jsonl": GOOD + GOOD, "b.jsonl": GOOD})
    real = shard_module.iter_records

    def breaks(file, config, limits):
        records = real(file, config, limits)
        yield next(records)
        if file.relpath == "a.jsonl":
            raise ValueError("reader bug")
        yield from records

    monkeypatch.setattr(shard_module, "iter_records", breaks)
    counts = process_shard(0, files, "r1", STARTED, str(tmp_path / "lake"))
    counts.check_balance()
    assert (counts.files_read, counts.records_read, counts.articles, counts.rejects) == (2, 3, 2, 1)
    [reject] = _staged(tmp_path / "lake", "rejects")
    assert (reject["reason"], reject["detail"]) == ("internal-error", "ValueError: reader bug")
    assert reject["input_path"] == files[0].path
    assert reject["input_locator"] == "after:line:1"


def test_the_writer_replaces_lone_surrogates_and_counts_them(tmp_path):
    path = tmp_path / "rejects.parquet"
    writer = shard_module.TableWriter(path, REJECTS)
    good = {"run_id": "r", "input_path": "p", "input_locator": None, "reason": "empty", "detail": "d", "raw": b""}
    writer.add(good)
    writer.add({**good, "input_path": "bad\ud800name", "detail": "k\udcff"})
    writer.close()
    assert writer.replaced == 1
    assert [r["input_path"] for r in pq.read_table(path).to_pylist()] == ["p", "bad\ufffdname"]
    assert pq.read_table(path).to_pylist()[1]["detail"] == "k\ufffd"


def test_a_surrogate_in_an_article_does_not_fail_the_shard(tmp_path, monkeypatch):
    files = _inputs(tmp_path / "in", {"a.jsonl": GOOD})
    real = shard_module.clean_record

    def with_surrogate(record, context):
        article = real(record, context)
        article.values["title"] = "T\ud800"
        return article

    monkeypatch.setattr(shard_module, "clean_record", with_surrogate)
    counts = process_shard(0, files, "r1", STARTED, str(tmp_path / "lake"))
    assert counts.articles == 1
    assert counts.fixes_applied == {**counts.fixes_applied, shard_module.SURROGATES_REPLACED: 1}
    [article] = _staged(tmp_path / "lake", "articles")
    assert article["title"] == "T\ufffd"


# ---- the property: hostile files beside good ones, through the real flow ----------------

HOSTILE_BYTES = st.one_of(
    st.binary(max_size=300),
    st.text(max_size=200).map(lambda t: t.encode("utf-8", "surrogatepass")),
    st.integers(1, 3000).map(lambda n: b"[" * n + b"]" * n),  # deep JSON nesting
    st.integers(1, 3000).map(lambda n: b'{"a":' * n + b"1" + b"}" * n),
    st.just(b'{"\\ud800k": "v", "title": "T\\udfff", "text": "body \\ud800 here"}\n'),
    st.just(b'{"title": "a", "title": "b", "text": "\\u001b]0;owned\\u0007 text"}\n'),
    st.just(b"line one\rline two\r"),
)
HOSTILE_NAMES = st.sampled_from(["h.jsonl", "h.json", "h.csv", "h.tsv", "h.txt", "h.jsonl.gz", "h.bin", "h.zip"])


@pytest.fixture
def hostile_root(tmp_path_factory):
    return tmp_path_factory.mktemp("hostile")


@settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck))
@given(files=st.lists(st.tuples(HOSTILE_NAMES, HOSTILE_BYTES), min_size=1, max_size=4))
def test_hostile_files_beside_good_ones_never_stop_the_run(run_etl, hostile_root, files):
    run = f"r{len(os.listdir(hostile_root))}"
    inbox = hostile_root / run / "inbox"
    inbox.mkdir(parents=True)
    good = {f"good{i}.jsonl": json.dumps({"title": f"Good {i}", "text": f"Story {i} body."}).encode() + b"\n"
            for i in range(2)}
    for name, data in good.items():
        (inbox / name).write_bytes(data)
    for i, (name, data) in enumerate(files):
        (inbox / f"{i}{name}").write_bytes(data)
    summary, lake = run_etl(inbox, lake=hostile_root / run / "lake", runner="thread", workers=1)
    assert summary.committed
    assert summary.records_read == summary.articles + summary.rejects
    stored = rows(lake, "select (select count(*) from articles_all) + (select count(*) from rejects) n")
    assert stored == [{"n": summary.records_read}]
    for name in good:
        found = rows(lake, "select title from articles_all where input_path = ?", [str(inbox / name)])
        assert len(found) == 1, name
