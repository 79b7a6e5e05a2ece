"""Parquet files as the lake writes them: exactly the declared schema, zstd, atomically;
and ``lake_io``, which makes any failure to write one an ``OSError`` naming the file."""

from __future__ import annotations

import contextlib
import errno
import os
from collections.abc import Iterator
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
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with lake_io(path):
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            pq.write_table(table, tmp, compression=PARQUET_COMPRESSION)
            os.replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
    return table.num_rows


@contextlib.contextmanager
def lake_io(path: str | Path) -> Iterator[None]:
    """Turn an I/O failure while writing ``path`` (an ``OSError``, or Arrow's own I/O
    error on a full disk) into an ``OSError`` whose ``filename`` is the file and whose
    ``strerror`` says why, so the run can say it in one line.

    >>> with lake_io("/lake/x.parquet"):
    ...     raise OSError(28, "No space left on device")
    Traceback (most recent call last):
    OSError: [Errno 28] No space left on device: '/lake/x.parquet'
    """
    try:
        yield
    except OSError as exc:
        if exc.filename:
            raise
        reason = exc.strerror or (str(exc).strip().splitlines() or ["I/O error"])[0]
        raise OSError(exc.errno or errno.EIO, reason, str(path)) from exc
