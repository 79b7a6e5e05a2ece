"""Each table's declared schema round-trips through Parquet and DuckDB unchanged."""

from datetime import UTC, datetime

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from flows import manifest
from flows.lake import Lake
from flows.parquet import write_parquet
from schemas.tables import ARTICLES, ARTICLES_VIEW, SCHEMA_VERSION, TABLES, RunCounts, describe
from schemas.views import duckdb_types, view_statements

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)

SAMPLE_VALUES = {
    pa.string(): "x",
    pa.binary(): b"\x00\xff",
    pa.int32(): 7,
    pa.int64(): 7,
    pa.float32(): 0.5,
    pa.float64(): 1.25,
}


def sample_row(schema: pa.Schema) -> dict:
    row = {}
    for f in schema:
        if f.type in SAMPLE_VALUES:
            row[f.name] = SAMPLE_VALUES[f.type]
        elif pa.types.is_timestamp(f.type):
            row[f.name] = NOW
        elif pa.types.is_list(f.type):
            row[f.name] = ["a", "b"]
        elif pa.types.is_map(f.type):
            value = 1.5 if pa.types.is_floating(f.type.item_type) else 3
            row[f.name] = [("k", value)]
        else:  # pragma: no cover - a new type needs a sample here
            raise AssertionError(f"no sample for {f.type}")
    return row


@pytest.mark.parametrize("name", sorted(TABLES))
def test_every_field_has_a_description_and_the_schema_a_version(name):
    schema = TABLES[name]
    assert schema.metadata[b"copydesk.schema_version"] == SCHEMA_VERSION.encode()
    for column, _type, _nullable, description in describe(schema):
        assert description, f"{name}.{column} has no description"


@pytest.mark.parametrize("name", sorted(TABLES))
def test_schema_round_trips_through_parquet_and_duckdb(name, tmp_path):
    schema = TABLES[name]
    path = tmp_path / f"{name}.parquet"
    write_parquet([sample_row(schema)], schema, path)
    back = pq.read_schema(path)
    assert back.remove_metadata() == schema.remove_metadata()
    assert pq.ParquetFile(path).metadata.row_group(0).column(0).compression == "ZSTD"
    con = duckdb.connect()
    rel = con.sql(f"select * from read_parquet('{path}')")
    assert [(c, str(t)) for c, t in zip(rel.columns, rel.types, strict=True)] == duckdb_types(schema)
    assert rel.fetchall()[0][0] is not None


def test_non_nullable_columns_are_enforced(tmp_path):
    row = sample_row(ARTICLES)
    row["article_id"] = None
    with pytest.raises((pa.ArrowInvalid, pa.ArrowTypeError, ValueError)):
        t = pa.Table.from_pylist([row], schema=ARTICLES)
        t.validate(full=True)
        write_parquet(t, ARTICLES, tmp_path / "x.parquet")


def test_views_on_an_empty_lake_are_typed_and_empty(tmp_path):
    con = duckdb.connect()
    for statement in view_statements(str(tmp_path), set(), manifest.view_statements):
        con.execute(statement)
    views = {**TABLES, "articles": ARTICLES_VIEW, "articles_all": ARTICLES_VIEW}
    for name, schema in views.items():
        rel = con.sql(f"select * from {name}")
        assert rel.fetchall() == []
        assert [(c, str(t)) for c, t in zip(rel.columns, rel.types, strict=True)] == duckdb_types(schema)


def test_uncommitted_run_is_invisible_until_its_runs_row_exists(tmp_path):
    lake = Lake(tmp_path / "lake")
    lake.ensure_writable()
    staged = lake.staged_file("r1", "rejects", 0)
    row = sample_row(TABLES["rejects"]) | {"run_id": "r1"}
    write_parquet([row], TABLES["rejects"], staged)
    # Simulate a crash after the table moved into place but before the runs row.
    lake.run_dir("rejects", "r1").parent.mkdir(parents=True)
    (staged.parent).rename(lake.run_dir("rejects", "r1"))
    con = lake.connect()
    assert con.execute("select count(*) from rejects").fetchone()[0] == 0
    lake.commit("r1", sample_row(TABLES["runs"]) | {"run_id": "r1"})
    con = lake.connect()
    assert con.execute("select count(*) from rejects").fetchone()[0] == 1
    assert con.execute("select raw from rejects").fetchone()[0] == b"\x00\xff"


def test_sweep_removes_leftovers_of_a_crashed_run(tmp_path):
    lake = Lake(tmp_path / "lake")
    lake.ensure_writable()
    write_parquet([sample_row(TABLES["rejects"])], TABLES["rejects"], lake.staged_file("r2", "rejects", 0))
    orphan = lake.run_dir("articles", "r2")
    orphan.mkdir(parents=True)
    removed = lake.sweep()
    assert orphan in removed and not orphan.exists()
    assert not lake.staging_dir("r2").exists()


def test_docs_tables_md_is_generated_from_the_current_schemas():
    from pathlib import Path

    from schemas.doc import markdown

    committed = (Path(__file__).resolve().parent.parent / "docs" / "tables.md").read_text(encoding="utf-8")
    assert committed.strip() == markdown().strip(), "docs/tables.md is stale: run `make schema`"


def test_articles_files_carry_no_decision_columns_and_the_views_keep_their_place():
    assert {"duplicate_of", "cluster_id"}.isdisjoint(ARTICLES.names)
    at = ARTICLES_VIEW.names.index("input_format") + 1
    assert ARTICLES_VIEW.names[at : at + 2] == ["duplicate_of", "cluster_id"]
    assert [n for n in ARTICLES_VIEW.names if n not in ("duplicate_of", "cluster_id")] == ARTICLES.names


def test_views_read_old_articles_files_that_still_hold_the_decision_columns(tmp_path):
    lake = Lake(tmp_path / "lake")
    lake.ensure_writable()
    old = pa.schema([*ARTICLES_VIEW])  # an older lake's file: the decision columns, always null
    write_parquet([sample_row(ARTICLES) | {"run_id": "r1", "duplicate_of": None, "cluster_id": None}], old,
                  lake.staged_file("r1", "articles", 0))
    write_parquet([sample_row(ARTICLES) | {"run_id": "r2", "article_id": "y"}], ARTICLES,
                  lake.staged_file("r2", "articles", 0))
    lake.commit("r1", sample_row(TABLES["runs"]) | {"run_id": "r1"})
    lake.commit("r2", sample_row(TABLES["runs"]) | {"run_id": "r2"})
    rel = lake.connect().sql("select * from articles order by article_id")
    assert rel.columns == ARTICLES_VIEW.names
    assert [(r[0], r[ARTICLES_VIEW.names.index("cluster_id")]) for r in rel.fetchall()] == [("x", None), ("y", None)]


def test_run_counts_are_the_count_columns_of_runs():
    names = [f.name for f in TABLES["runs"]]
    counted = list(RunCounts().columns())
    start = names.index(counted[0])
    assert names[start : start + len(counted)] == counted
    assert names[:start] == ["run_id", "started_at", "finished_at", "status", "input"]
    assert names[start + len(counted):] == ["config", "copydesk_version", "schema_version"]


def test_run_counts_add_up_and_balance():
    a = RunCounts(files_read=1, records_read=3, articles=2, rejects=1, rejects_by_reason={"empty": 1},
                  paragraphs_removed={"repeat": 2}, decisions={"b": 1, "a": 2}, stage_seconds={"discover": 0.5})
    b = RunCounts(files_read=1, records_read=1, articles=1, rejects_by_reason={"binary": 1, "empty": 1},
                  paragraphs_removed={"byline": 1}, stage_seconds={"process": 1.0})
    total = a + b
    assert (total.files_read, total.records_read, total.articles, total.rejects) == (2, 4, 3, 1)
    # Maps by name stay sorted by name; stages and decisions keep the order they came in.
    assert list(total.rejects_by_reason.items()) == [("binary", 1), ("empty", 2)]
    assert list(total.paragraphs_removed) == ["byline", "repeat"]
    assert list(total.decisions) == ["b", "a"] and list(total.stage_seconds) == ["discover", "process"]
    assert a + RunCounts() == a
    total.check_balance()
    with pytest.raises(RuntimeError, match="a record was lost"):
        (total + RunCounts(records_read=1)).check_balance()
    row = total.columns()
    assert row["rejects_by_reason"] == [("binary", 1), ("empty", 2)] and row["articles"] == 3
