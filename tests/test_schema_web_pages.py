"""Schema version 3 (web pages): a lake written before it, whose articles and runs files
lack crawled_at, warc_record_id, language_hint and records_skipped, reads as before with
those columns null."""

from __future__ import annotations

import pyarrow as pa

from flows.lake import Lake
from flows.parquet import write_parquet
from schemas.tables import ARTICLES, TABLES
from tests.test_schemas import sample_row

NEW_ARTICLE_COLUMNS = ("crawled_at", "warc_record_id", "language_hint")


def _without(schema: pa.Schema, names) -> pa.Schema:
    return pa.schema([f for f in schema if f.name not in names], metadata=schema.metadata)


def test_a_version_2_lake_reads_with_the_new_columns_null(tmp_path):
    lake = Lake(tmp_path / "lake")
    lake.ensure_writable()
    old_articles = _without(ARTICLES, NEW_ARTICLE_COLUMNS)
    old_runs = _without(TABLES["runs"], ("records_skipped",))
    row = {k: v for k, v in sample_row(ARTICLES).items() if k not in NEW_ARTICLE_COLUMNS}
    write_parquet([row | {"run_id": "r1"}], old_articles, lake.staged_file("r1", "articles", 0))
    lake.commit("r1", sample_row(TABLES["runs"]) | {"run_id": "r1"})
    # Rewrite the committed runs file as an older lake holds it: without records_skipped.
    [runs_file] = lake.run_dir("runs", "r1").glob("*.parquet")
    run = {k: v for k, v in sample_row(TABLES["runs"]).items() if k != "records_skipped"}
    write_parquet([run | {"run_id": "r1"}], old_runs, runs_file)
    con = lake.connect()
    assert con.sql("select crawled_at, warc_record_id, language_hint from articles").fetchall() == [(None,) * 3]
    assert con.sql("select records_skipped from runs").fetchall() == [(None,)]

