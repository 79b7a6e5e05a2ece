"""The DuckDB views over the lake: facts joined with the current decisions.

A run's files become visible only once its ``runs`` row exists: the ``runs`` row is
written last, so every view filters on committed run ids and a reader never sees a
half-written run.

Facts (``articles``, ``paragraphs``, ``signatures``) are append-only; decisions
(``duplicates``, ``similar_pairs``, ``boilerplate``) are a complete snapshot per run, and
the views use the snapshot of the **latest committed run** only. The views, not the
physical rows, are the truth about decisions:

- ``paragraphs``: every paragraph of the current version of every article; a ``kept``
  paragraph whose (source, key) is boilerplate now shows ``status = 'boilerplate'``.
- ``articles_all``: every article (its newest version when an input was re-ingested) with
  ``duplicate_of`` and ``cluster_id`` from the decisions; ``body``, ``paragraph_count``,
  ``word_count``, ``char_count`` and ``content_hash`` are re-derived from the kept
  paragraphs for articles that hold boilerplate, so a body never disagrees with its
  paragraphs' statuses, whichever run wrote it.
- ``articles``: canonical articles only (no cluster, or the canonical of their cluster).
- ``boilerplate``: the paragraphs taken out, per source, with their counts.
- ``duplicates``, ``similar_pairs``: the latest decisions as they are.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import lru_cache

import duckdb
import pyarrow as pa

from schemas.decisions import DECISIONS, DEDUP_FACTS
from schemas.manifest import MANIFEST
from schemas.tables import ARTICLES_VIEW, TABLES

# Tables that gained a column since lakes were first written (paragraphs.word_count;
# in version 3 articles.dateline, crawled_at, warc_record_id, language_hint, language_raw,
# language_reason and runs.records_skipped).
_GREW = frozenset({"paragraphs", "articles", "runs"})
ManifestViews = Callable[[str, str], tuple[list[str], str]]
# Every physical table a view reads, facts and decisions.
_PHYSICAL: dict[str, pa.Schema] = {**TABLES, **DEDUP_FACTS, **DECISIONS, "manifest": MANIFEST}


def duckdb_types(schema: pa.Schema) -> list[tuple[str, str]]:
    """``(column, DuckDB type)`` for each field, as DuckDB itself maps the Arrow type."""
    return list(_duckdb_types(schema))


@lru_cache(maxsize=1)
def _types_database() -> duckdb.DuckDBPyConnection:
    """One in-memory database for ``duckdb_types``: a new one costs ~30 ms, a cursor on it ~0."""
    return duckdb.connect()


@lru_cache(maxsize=64)  # the views ask for the same few schemas every time
def _duckdb_types(schema: pa.Schema) -> tuple[tuple[str, str], ...]:
    con = _types_database().cursor()  # a cursor per call: safe from several threads
    try:
        relation = con.from_arrow(schema.empty_table())
        return tuple((name, str(type_)) for name, type_ in zip(relation.columns, relation.types, strict=True))
    finally:
        con.close()


def sql_string(text: str) -> str:
    """``text`` as a SQL string literal.

    >>> sql_string("it's")
    "'it''s'"
    """
    return "'" + text.replace("'", "''") + "'"


def empty_select(schema: pa.Schema) -> str:
    """A typed, empty SELECT with ``schema``'s columns: lets a view exist before any file."""
    columns = ", ".join(f'CAST(NULL AS {t}) AS "{n}"' for n, t in duckdb_types(schema))
    return f"SELECT {columns} WHERE false"


# articles_all's columns that are not the facts' own: re-derived from the kept paragraphs
# for articles holding boilerplate (``rederived``), and the decisions (``duplicates``).
_ARTICLES_ALL = {
    "content_hash": "CASE WHEN r.article_id IS NULL THEN a.content_hash ELSE r.content_hash END AS content_hash",
    "body": "CASE WHEN r.article_id IS NULL THEN a.body ELSE r.body END AS body",
    "paragraph_count":
        "CASE WHEN r.article_id IS NULL THEN a.paragraph_count ELSE r.paragraph_count END::INTEGER AS paragraph_count",
    "word_count": "CASE WHEN r.article_id IS NULL THEN a.word_count ELSE r.word_count END::INTEGER AS word_count",
    "char_count": "CASE WHEN r.article_id IS NULL THEN a.char_count ELSE length(r.body) END::INTEGER AS char_count",
    "duplicate_of": "d.duplicate_of",
    "cluster_id": "d.cluster_id",
}


# articles_current has the views' columns in their order, as it always had: its decision
# columns stay null (the facts hold none); articles_all fills them from ``duplicates``.
_ARTICLES_CURRENT = {
    "duplicate_of": "CAST(NULL AS VARCHAR) AS duplicate_of",
    "cluster_id": "CAST(NULL AS VARCHAR) AS cluster_id",
}


def table_source(lake: str, table: str, has_files: bool) -> str:
    """SQL reading one physical table of the lake (all runs' files, committed or not)."""
    schema = _PHYSICAL[table]
    if not has_files:
        return empty_select(schema)
    columns = ", ".join(f'"{f.name}"' for f in schema)
    pattern = sql_string(f"{lake.rstrip('/')}/{table}/*/*.parquet")
    if table in _GREW:
        # Files written before a column was added lack it: read them by name, beside a
        # typed empty select, so that the column is NULL there instead of failing the view.
        return (f"SELECT {columns} FROM ({empty_select(schema)} UNION ALL BY NAME "
                f"SELECT * FROM read_parquet({pattern}, hive_partitioning = false, union_by_name = true))")
    return f"SELECT {columns} FROM read_parquet({pattern}, hive_partitioning = false)"


def view_statements(lake: str, tables_with_files: set[str], manifest_views: ManifestViews) -> list[str]:
    """``CREATE VIEW`` statements for every table, committed runs only.

    ``lake`` is the lake's absolute path (or URL). ``tables_with_files`` names the tables
    that have at least one Parquet file; the others get a typed empty view.
    ``manifest_views`` is the manifest's rule (``flows.manifest.view_statements``): given
    SQL reading the manifest files and the committed-runs condition, its views and the
    condition a fact row meets when it belongs to the live version of its input.
    """

    def source(table: str) -> str:
        return table_source(lake, table, table in tables_with_files)

    committed = "run_id IN (SELECT run_id FROM runs)"
    latest = "run_id = (SELECT max(run_id) FROM runs)"  # run ids sort by start time
    sql = [f"CREATE OR REPLACE VIEW runs AS {source('runs')}"]
    # manifest, current_inputs and the rule that hides rows of a superseded input version.
    manifest_sql, live = manifest_views(source("manifest"), committed)
    sql += manifest_sql
    for table in TABLES:
        if table not in ("runs", "articles", "paragraphs"):
            sql.append(
                f"CREATE OR REPLACE VIEW {table} AS SELECT * FROM ({source(table)}) WHERE {committed} AND {live}"
            )
    for table in DEDUP_FACTS:
        sql.append(f"CREATE OR REPLACE VIEW {table} AS SELECT * FROM ({source(table)}) WHERE {committed}")
    for table in DECISIONS:
        sql.append(f"CREATE OR REPLACE VIEW {table} AS SELECT * FROM ({source(table)}) WHERE {latest}")
    # The current version of each article: a changed input re-ingests it under the same
    # id, and the newest committed run's row wins.
    sql.append(
        f"""CREATE OR REPLACE VIEW articles_current AS
        SELECT {", ".join(_ARTICLES_CURRENT.get(name, f'"{name}"') for name in ARTICLES_VIEW.names)}
        FROM ({source('articles')}) WHERE {committed} AND {live}
        QUALIFY row_number() OVER (
            PARTITION BY article_id ORDER BY run_id DESC, input_path, input_locator) = 1"""
    )
    sql.append(
        f"""CREATE OR REPLACE VIEW paragraphs AS
        SELECT p.article_id, p.position, p.text,
               CASE WHEN p.status = 'kept' AND b.key IS NOT NULL THEN 'boilerplate' ELSE p.status END AS status,
               p.repeat_of,
               CASE WHEN p.status = 'kept' AND b.key IS NOT NULL
                    THEN 'boilerplate: recurs in ' || b.stories || ' stories of ' || b.source
                    ELSE p.reason END AS reason,
               p.key,
               -- NULL in files written before the column: the same count, from the text
               -- (one space between words, as every paragraph is written).
               coalesce(p.word_count, len(string_split(p.text, ' ')))::INTEGER AS word_count,
               p.run_id
        FROM ({source('paragraphs')}) p
        JOIN articles_current a ON a.article_id = p.article_id AND a.run_id = p.run_id
        LEFT JOIN boilerplate b ON b.source = a.source AND b.key = p.key"""
    )
    # Bodies are re-derived only for articles holding boilerplate: the others' stored
    # body already is their kept paragraphs joined (the shard wrote both from one list).
    sql.append(
        f"""CREATE OR REPLACE VIEW articles_all AS
        WITH rederived AS (
            SELECT article_id,
                   coalesce(string_agg(text, chr(10) || chr(10) ORDER BY position)
                            FILTER (WHERE status = 'kept'), '') AS body,
                   md5(coalesce(string_agg(key, chr(10) ORDER BY position) FILTER (WHERE status = 'kept'), ''))
                       AS content_hash,
                   count(*) FILTER (WHERE status = 'kept') AS paragraph_count,
                   coalesce(sum(word_count) FILTER (WHERE status = 'kept'), 0) AS word_count
            FROM paragraphs
            WHERE article_id IN (SELECT article_id FROM paragraphs WHERE status = 'boilerplate')
            GROUP BY article_id
        )
        SELECT {", ".join(_ARTICLES_ALL.get(name, f'a."{name}"') for name in ARTICLES_VIEW.names)}
        FROM articles_current a
        LEFT JOIN rederived r ON r.article_id = a.article_id
        LEFT JOIN duplicates d ON d.article_id = a.article_id"""
    )
    sql.append(
        """CREATE OR REPLACE VIEW articles AS
        SELECT * FROM articles_all WHERE cluster_id IS NULL OR cluster_id = article_id"""
    )
    return sql


def view_name(statement: str) -> str:
    """The name of the view a ``CREATE OR REPLACE VIEW`` statement creates.

    >>> view_name("CREATE OR REPLACE VIEW runs AS SELECT 1")
    'runs'
    """
    return statement.split(" VIEW ", 1)[1].split()[0]


def catalog_fingerprint(statements: list[str]) -> str:
    """A digest of what a catalog built from ``statements`` holds: the statements, the
    physical tables' schemas (a view stores the column types it was created with, which a
    statement naming the columns only does not show) and the DuckDB version that binds them.

    >>> a = catalog_fingerprint(["CREATE OR REPLACE VIEW runs AS SELECT 1"])
    >>> a == catalog_fingerprint(["CREATE OR REPLACE VIEW runs AS SELECT 2"]), len(a)
    (False, 64)
    """
    digest = hashlib.sha256(f"duckdb {duckdb.__version__}\n".encode())
    for table, schema in sorted(_PHYSICAL.items()):
        digest.update(f"{table}: {schema}\n".encode())
    for statement in statements:
        digest.update(statement.encode() + b"\0")
    return digest.hexdigest()
