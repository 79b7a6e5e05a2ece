"""Parquet files as the lake writes them: exactly the declared schema, zstd, atomically."""

from __future__ import annotations

import os
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

PARQUET_COMPRESSION = "zstd"


def write_parquet(rows_or_table: list[dict] | pa.Table, schema: pa.Schema, path: str | Path) -> int:
    """Write rows with exactly ``schema`` (zstd), atomically: a temporary file, then rename.

    Returns the number of rows written.
    """
    table = (
        rows_or_table
        if isinstance(rows_or_table, pa.Table)
        else pa.Table.from_pylist(rows_or_table, schema=schema)
    )
    if table.schema != schema:
        table = table.select(schema.names).cast(schema)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    pq.write_table(table, tmp, compression=PARQUET_COMPRESSION)
    os.replace(tmp, path)
    return table.num_rows
