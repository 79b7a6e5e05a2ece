"""The DuckDB views over the lake, generated from the table schemas in ``schemas.tables``.

A run's files become visible only once its ``runs`` row exists: the ``runs`` row is
written last, so every view filters on committed run ids and a reader never sees a
half-written run.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from schemas.tables import TABLES


def duckdb_types(schema: pa.Schema) -> list[tuple[str, str]]:
    """``(column, DuckDB type)`` for each field, as DuckDB itself maps the Arrow type."""
    con = duckdb.connect()
    try:
        relation = con.from_arrow(schema.empty_table())
        return [(name, str(type_)) for name, type_ in zip(relation.columns, relation.types, strict=True)]
    finally:
        con.close()


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _empty_select(schema: pa.Schema) -> str:
    columns = ", ".join(f'CAST(NULL AS {t}) AS "{n}"' for n, t in duckdb_types(schema))
    return f"SELECT {columns} WHERE false"


def table_source(lake: str, table: str, has_files: bool) -> str:
    """SQL reading one physical table of the lake (all runs' files, committed or not)."""
    if not has_files:
        return _empty_select(TABLES[table])
    columns = ", ".join(f'"{f.name}"' for f in TABLES[table])
    glob = _quote(f"{lake.rstrip('/')}/{table}/*/*.parquet")
    return f"SELECT {columns} FROM read_parquet({glob}, hive_partitioning = false)"


def view_statements(lake: str, tables_with_files: set[str]) -> list[str]:
    """``CREATE VIEW`` statements for every table, committed runs only.

    ``lake`` is the lake's absolute path (or URL). ``tables_with_files`` names the tables
    that have at least one Parquet file; the others get a typed empty view.
    """
    sql = [
        f"CREATE OR REPLACE VIEW runs AS {table_source(lake, 'runs', 'runs' in tables_with_files)}"
    ]
    for table in TABLES:
        if table == "runs":
            continue
        source = table_source(lake, table, table in tables_with_files)
        sql.append(
            f"CREATE OR REPLACE VIEW {table} AS SELECT * FROM ({source}) "
            "WHERE run_id IN (SELECT run_id FROM runs)"
        )
    return sql
