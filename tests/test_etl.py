"""The whole path, for real: raw files → the ETL flow on Prefect → Parquet → DuckDB."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pyarrow.parquet as pq
import pytest

from schemas import all_tables
from tests.conftest import ROOT, SAMPLES, SEED
from tests.conftest import lake_rows as rows

SEED_TITLE = "\u2018Difficult\u2019 Russia-Ukraine peace talks end without breakthrough"


@pytest.fixture(scope="module")
def samples_lake(tmp_path_factory, prefect_api):
    from flows.etl import etl
    from flows.lake import Lake
    from flows.runners import make_task_runner

    lake = tmp_path_factory.mktemp("samples") / "lake"
    summary = etl.with_options(task_runner=make_task_runner("thread", 2))(
        input=str(SAMPLES), lake=str(lake)
    )
    return summary, Lake(lake)


def test_seed_golden(samples_lake):
    _, lake = samples_lake
    [a] = rows(lake, "select * from articles where input_path like '%000_4eeab82144f608e1.txt'")
    assert a["title"] == SEED_TITLE
    assert a["authors"] == ["Anthony Solly"]
    assert "By Anthony Solly" not in a["body"]
    assert a["body"].count("better come to the table, fast") == 1
    assert "Moscow\u2019s war" in a["body"]  # curly apostrophes kept, not uncurled
    raw_paragraphs = SEED.read_text(encoding="utf-8").split("\n\n")
    # 1 title, 1 byline, 1 repeat out of the raw blocks.
    assert a["paragraph_count"] == len([p for p in raw_paragraphs if p.strip()]) - 3
    assert a["paragraph_count"] == len(a["body"].split("\n\n"))
    assert a["word_count"] == len(a["body"].split())
    assert a["encoding"] == "utf-8"
    assert a["source"] == "samples"


def test_seed_paragraphs_explain_every_removal(samples_lake):
    _, lake = samples_lake
    ps = rows(
        lake,
        "select p.* from paragraphs p join articles a using (article_id) "
        "where a.input_path like '%000_4eeab82144f608e1.txt' order by position",
    )
    statuses = [p["status"] for p in ps]
    assert statuses.count("repeat") == 1 and statuses.count("byline") == 1
    repeat = next(p for p in ps if p["status"] == "repeat")
    original = ps[repeat["repeat_of"]]
    assert original["status"] == "kept" and original["position"] < repeat["position"]
    assert "better come to the table, fast" in original["text"]
    assert ps[-1]["status"] == "byline" and ps[-1]["text"] == "By Anthony Solly"
    kept = [p["text"] for p in ps if p["status"] == "kept"]
    [body] = [r["body"] for r in rows(lake, "select body from articles where input_path like '%000_%'")]
    assert body == "\n\n".join(kept)


def test_samples_cover_byline_first_repeat_and_latin1(samples_lake):
    summary, lake = samples_lake
    by_file = {os.path.basename(r["input_path"]): r for r in rows(lake, "select * from articles")}
    first = by_file["001_byline_first.txt"]
    assert first["authors"] == ["Maria Keane", "Tom Ellery"]
    assert not first["body"].startswith("By ")
    repeat = by_file["002_repeat.txt"]
    assert repeat["body"].count("open the central library on Sundays") == 1
    assert repeat["authors"] == ["Owen Pryce"]
    mojibake = by_file["004_mojibake.txt"]
    assert "city\u2019s transport board" in mojibake["body"] and "\u00e2\u20ac" not in mojibake["body"]
    assert "caf\u00e9 owners\u2019" in mojibake["body"] and "\u20ac25" in mojibake["body"]
    assert "encode:sloppy-windows-1252" in mojibake["fixes"] and mojibake["authors"] == ["Lena Brandt"]
    latin = by_file["003_latin1.txt"]
    assert "£2,000" in latin["body"] and "Renée Morel" in latin["body"]
    assert latin["encoding"] != "utf-8"
    assert summary.records_read == summary.articles + summary.rejects == len(by_file)


def test_runs_row_balances_and_records_config(samples_lake):
    summary, lake = samples_lake
    [run] = rows(lake, "select * from runs")
    assert run["run_id"] == summary.run_id and run["status"] == "completed"
    assert run["records_read"] == run["articles"] + run["rejects"]
    removed = dict(run["paragraphs_removed"])
    assert run["paragraphs_read"] == run["paragraphs_kept"] + sum(removed.values())
    assert removed == {"byline": 4, "repeat": 2}
    assert (run["files_read"], run["records_read"], run["articles"], run["rejects"]) == (5, 5, 5, 0)
    assert (run["paragraphs_read"], run["paragraphs_kept"], run["duplicates"]) == (38, 32, 0)
    assert '"uncurl_quotes": false' in run["config"]


def test_every_file_in_the_lake_has_the_declared_schema(samples_lake):
    _, lake = samples_lake
    files = list(lake.root.glob("*/run=*/*.parquet"))
    assert {f.parent.parent.name for f in files} >= {"articles", "paragraphs", "runs"}
    for f in files:
        schema = all_tables()[f.parent.parent.name]
        assert pq.read_schema(f).remove_metadata() == schema.remove_metadata(), f
        assert pq.ParquetFile(f).metadata.row_group(0).column(0).compression == "ZSTD"


def test_article_ids_are_stable_across_runs(samples_lake, run_etl, tmp_path):
    _, lake = samples_lake
    summary, other = run_etl(SAMPLES, lake=tmp_path / "again", runner="thread")
    first = {r["article_id"] for r in rows(lake, "select article_id from articles")}
    second = {r["article_id"] for r in rows(other, "select article_id from articles")}
    assert first == second and len(first) == summary.articles


def test_binary_and_empty_inputs_become_rejects_with_their_bytes(run_etl, tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(SEED, inbox / "good.txt")
    binary = bytes(range(256)) * 8 + b"\x00" * 512
    (inbox / "image.txt").write_bytes(binary)
    (inbox / "empty.txt").write_bytes(b"")
    summary, lake = run_etl(inbox, runner="thread")
    assert summary.articles == 1 and summary.rejects == 2
    rejects = {os.path.basename(r["input_path"]): r for r in rows(lake, "select * from rejects")}
    assert rejects["image.txt"]["raw"] == binary
    assert rejects["image.txt"]["reason"] == "undecodable"
    assert rejects["empty.txt"]["raw"] == b""
    assert rejects["empty.txt"]["reason"] == "empty"
    assert all(r["detail"] for r in rejects.values())


@pytest.mark.corpus
def test_bbc_corpus_end_to_end(bbc_lake):
    bbc, lake, summary = bbc_lake
    assert summary.records_read == 2225
    assert summary.articles == 2225 and summary.rejects == 0
    [latin] = rows(lake, "select * from articles_all where input_path like '%/sport/199.txt'")
    assert "£" in latin["body"] + latin["title"]
    assert "\ufffd" not in latin["body"] and "\u00a3" in (latin["body"] + latin["title"])
    assert latin["encoding"] != "utf-8"
    cafe = rows(lake, "select body from articles_all where body like '%caf&#233;%'")
    assert cafe == []
    assert rows(lake, "select count(*) n from articles_all where body like '%café%'")[0]["n"] > 0
    counts = rows(lake, "select source, count(*) n from articles_all group by source order by source")
    on_disk = {d.name: len(list(d.glob("*.txt"))) for d in bbc.iterdir() if d.is_dir()}
    assert {c["source"]: c["n"] for c in counts} == on_disk
    assert rows(lake, "select count(distinct article_id) n from articles_all")[0]["n"] == 2225
    # The canonical view holds each distinct story once: fewer rows, every id unique.
    canonical = rows(lake, "select count(*) n, count(distinct article_id) d from articles")[0]
    assert canonical["n"] == canonical["d"] < 2225


def cli(*args, cwd=ROOT, env=None):
    return subprocess.run(
        [sys.executable, "-m", "flows.cli", *args], cwd=cwd, capture_output=True, text=True,
        env={**os.environ, **(env or {})}, timeout=300,
    )


@pytest.mark.server  # starts a subprocess
def test_cli_missing_input_fails_with_one_line(tmp_path):
    result = cli("run", "--input", str(tmp_path / "nope"), "--lake", str(tmp_path / "lake"))
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "nope" in lines[0], result.stderr


@pytest.mark.server  # starts a subprocess
def test_cli_unwritable_lake_fails_with_one_line(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    result = cli("run", "--input", str(SAMPLES), "--lake", str(blocker / "lake"))
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "not writable" in lines[0], result.stderr


def test_cli_query_prints_csv_with_header(samples_lake):
    _, lake = samples_lake
    result = cli("query", "--lake", str(lake.root),
                 "select title, paragraph_count from articles order by title limit 2")
    assert result.returncode == 0, result.stderr
    header, *body = result.stdout.splitlines()
    assert header == "title,paragraph_count" and len(body) == 2


def test_duckdb_database_file_has_the_views(samples_lake):
    import duckdb

    _, lake = samples_lake
    con = duckdb.connect(str(lake.database), read_only=True)
    n = con.execute("select count(*) from articles").fetchone()[0]
    assert n == samples_lake[0].articles


def test_same_file_names_in_different_folders_are_different_articles(run_etl, tmp_path):
    inbox = tmp_path / "inbox"
    for year, story in (("2024", "Harbour reopens after storm repairs"), ("2025", "Library extends Sunday hours")):
        (inbox / year / "news").mkdir(parents=True)
        (inbox / year / "news" / "001.txt").write_text(f"{story}\n\nThe {story.lower()} today.\n")
    summary, lake = run_etl(inbox, runner="thread")
    found = rows(lake, "select article_id, title, source from articles_all order by title")
    assert [r["title"] for r in found] == ["Harbour reopens after storm repairs", "Library extends Sunday hours"]
    assert {r["source"] for r in found} == {"news"}
    assert len({r["article_id"] for r in found}) == 2


def test_every_run_that_ends_leaves_a_current_catalog(run_etl, tmp_path):
    import duckdb

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "a.txt").write_text("Harbour reopens\n\nThe harbour reopened today.\n")
    summary, lake = run_etl(inbox, runner="thread")
    # A kill -9 between the commit and the catalog: the lake is committed, the file is gone.
    lake.database.unlink()
    again, _ = run_etl(inbox, lake=lake.root, runner="thread")
    assert not again.committed
    con = duckdb.connect(str(lake.database), read_only=True)
    assert con.execute("select count(*) from articles").fetchone()[0] == summary.articles == 1
    assert not list(lake.root.glob(".copydesk.duckdb.tmp-*"))


def test_a_small_input_runs_its_shards_in_the_flow_process_and_writes_the_same_lake(run_etl, tmp_path, monkeypatch):
    """Under ``inline_mb`` the process pool starts no worker: every shard runs in this
    process (a wrapper set here sees each one), one ``process-shard`` task run each. With
    ``inline_mb=0`` the shards run in the pool's worker processes (fresh interpreters: the
    wrapper sees none). Either way the lake is the same."""
    import json

    import flows.stages

    seen: list[tuple[int, int]] = []
    real = flows.stages.process

    def spy(shard, *args, **kwargs):
        seen.append((shard, os.getpid()))
        return real(shard, *args, **kwargs)

    monkeypatch.setattr(flows.stages, "process", spy)
    inline, inline_lake = run_etl(SAMPLES, lake=tmp_path / "inline", runner="process")
    [config] = [json.loads(r["config"]) for r in rows(inline_lake, "select config from runs")]
    assert config["shards"] > 1  # several shards, all of them here, each once
    assert sorted(shard for shard, _ in seen) == list(range(config["shards"]))
    assert {pid for _, pid in seen} == {os.getpid()}

    seen.clear()
    pooled, pooled_lake = run_etl(SAMPLES, lake=tmp_path / "pooled", runner="process", inline_mb=0)
    assert seen == []  # on the workers
    queries = {
        "articles": "select * exclude (run_id, ingested_at) from articles_all order by article_id",
        "paragraphs": "select * exclude (run_id) from paragraphs order by article_id, position",
        "rejects": "select * exclude (run_id) from rejects order by input_path, input_locator",
    }
    for table, sql in queries.items():
        assert rows(inline_lake, sql) == rows(pooled_lake, sql), table
    assert inline.records_read == inline.articles + inline.rejects
    assert (inline.articles, inline.rejects, inline.paragraphs_removed) == (
        pooled.articles, pooled.rejects, pooled.paragraphs_removed)


def test_a_shard_that_fails_in_the_flow_process_fails_the_run_with_one_line(run_etl, tmp_path, monkeypatch):
    """An inline shard fails as a pooled one does: after its retry, one message naming the
    shard and that a rerun reads the inputs again; nothing committed."""
    import flows.etl
    import flows.stages
    from flows.etl import RunFailed

    calls = []

    def broken(shard, *args, **kwargs):
        calls.append(shard)
        raise ValueError("shard exploded")

    monkeypatch.setattr(flows.stages, "process", broken)
    monkeypatch.setattr(flows.etl.process_shard_task, "retry_delay_seconds", 0)
    with pytest.raises(RunFailed, match=r"shard 0 .* failed after its retry: ValueError: shard exploded.*rerun"):
        run_etl(SAMPLES, lake=tmp_path / "lake", runner="process")
    assert calls == [0, 0]  # the shard and its one retry; the run stopped there
    assert rows(tmp_path / "lake", "select count(*) n from runs")[0]["n"] == 0


def test_a_small_lake_is_consolidated_in_the_flow_process_a_larger_one_apart(run_etl, tmp_path, monkeypatch):
    """A lake of at most ``CONSOLIDATE_INLINE_MB`` is consolidated, and its catalog written,
    in the flow's process; past it (the limit set to 0 here), each in a forked process. The
    decisions are the same."""
    import flows.etl
    from flows.lake import Lake

    calls: list[tuple[str, int]] = []
    for name in ("consolidate", "consolidate_apart"):
        real = getattr(flows.etl, name)

        def spy(*args, _name=name, _real=real, **kwargs):
            calls.append((_name, os.getpid()))
            return _real(*args, **kwargs)

        monkeypatch.setattr(flows.etl, name, spy)
    # The catalog is written where the lake was consolidated: the process that wrote it
    # leaves its pid in a file (a forked child's list would not reach this one).
    # (the forked child runs the patched method it inherited).
    writers = tmp_path / "catalog-writers"
    real_catalog = Lake.ensure_database

    def catalog_spy(self):
        with open(writers, "a") as out:
            out.write(f"{os.getpid()}\n")
        return real_catalog(self)

    monkeypatch.setattr(Lake, "ensure_database", catalog_spy)
    small, small_lake = run_etl(SAMPLES, lake=tmp_path / "small", runner="process")
    assert calls == [("consolidate", os.getpid())]
    assert writers.read_text().split() == [str(os.getpid())]
    writers.unlink()

    calls.clear()
    monkeypatch.setattr(flows.etl, "CONSOLIDATE_INLINE_MB", 0.0)
    large, large_lake = run_etl(SAMPLES, lake=tmp_path / "large", runner="process")
    assert [name for name, _ in calls] == ["consolidate_apart"]
    (pid,) = writers.read_text().split()
    assert pid != str(os.getpid()) and large_lake.database.is_file()
    assert small.decisions == large.decisions
    sql = "select * exclude (run_id) from duplicates order by article_id"
    assert rows(small_lake, sql) == rows(large_lake, sql)


def test_lake_is_small_counts_parquet_files_everywhere_in_the_lake(tmp_path):
    from flows.etl import lake_is_small

    (tmp_path / "articles" / "run=a").mkdir(parents=True)
    (tmp_path / "_staging" / "r" / "signatures").mkdir(parents=True)
    (tmp_path / "articles" / "run=a" / "part-00000.parquet").write_bytes(b"x" * 600_000)
    (tmp_path / "copydesk.duckdb").write_bytes(b"x" * 5_000_000)  # not Parquet: not counted
    assert lake_is_small(str(tmp_path), 1.0)
    (tmp_path / "_staging" / "r" / "signatures" / "part-00000.parquet").write_bytes(b"x" * 600_000)
    assert not lake_is_small(str(tmp_path), 1.0)
    assert lake_is_small(str(tmp_path), 1.2)


@pytest.mark.parametrize("apart", [False, True], ids=["thread", "apart"])
def test_the_catalog_written_alongside_the_report_brings_its_error_back(tmp_path, monkeypatch, apart):
    """The flow writes the catalog in a thread, or a forked process, while the report goes
    out: its error reaches the flow once the block ends; the block's own error comes first."""
    from functools import partial

    from flows.etl import _catalog_alongside as alongside
    from flows.lake import Lake

    _catalog_alongside = partial(alongside, apart=apart)

    def full(self):
        raise OSError(28, "No space left on device", str(self.database))

    monkeypatch.setattr(Lake, "ensure_database", full)
    ran = []
    with pytest.raises(OSError, match="No space left"), _catalog_alongside(str(tmp_path)):
        ran.append("report")
    assert ran == ["report"]
    with pytest.raises(ValueError, match="report failed"), _catalog_alongside(str(tmp_path)):
        raise ValueError("report failed")

    monkeypatch.undo()
    Lake(tmp_path).ensure_writable()
    with _catalog_alongside(str(tmp_path)):
        pass
    assert Lake(tmp_path).database.is_file()
