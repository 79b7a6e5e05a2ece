"""Compaction: a table's many small per-run files rewritten into few large ones, atomically.

Each run adds a directory per table (``LAKE/<table>/run=<run_id>/part-*.parquet``); an
hourly schedule piles up thousands of small files and every view, which reads them all,
gets slower. ``compact(lake)`` rewrites, table by table, the files of every committed run
but the latest into ``LAKE/<table>/compact=<stamp>/part-NNNNN.parquet`` (the rows as they
were, ``run_id`` included, with the declared schema), so every view answers as before.

- **The latest run stays as it is**: the next run's dedup continues from its decision
  files (``flows.consolidate``), and the manifest's live rule needs nothing new.
- **Decision snapshots of older runs are dropped**: ``duplicates``, ``similar_pairs`` and
  ``boilerplate`` are complete snapshots per run and the views read the latest one only.
- **Atomic, per table**: the new table directory is built under ``LAKE/_staging/``
  (the latest run's files hard-linked into it), then exchanged with the live one in one
  ``renameat2(RENAME_EXCHANGE)`` call. Before and after the exchange the table holds the
  same rows, so a reader sees the old table or the new one, whatever the other tables
  are at. A compaction killed at any moment leaves a lake that answers the same; the
  next run or compaction sweeps the staging it left.
- **Locked**: it holds the lake's write lock, so no run writes meanwhile.

Where ``renameat2`` is missing (not Linux, or a filesystem without it), the exchange is two
renames, and a reader listing the table in between sees it empty for that instant.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import os
import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from flows.lake import Lake, pause_point
from flows.parquet import PARQUET_COMPRESSION, lake_io
from schemas.decisions import DECISIONS, DEDUP_FACTS
from schemas.manifest import MANIFEST
from schemas.tables import TABLES

SCHEMAS: dict[str, pa.Schema] = {**TABLES, **DEDUP_FACTS, **DECISIONS, "manifest": MANIFEST}
# A compacted file rolls over to the next part past this many bytes of input: few files,
# none too large to read in one go.
TARGET_BYTES = 256 * 1024 * 1024
COMPACT_PREFIX = "compact="


@dataclass
class Compaction:
    """What ``compact`` did: files before and after, per table, and the runs it folded."""

    runs: int = 0
    files_before: dict[str, int] = field(default_factory=dict)
    files_after: dict[str, int] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return self.files_before != self.files_after


def stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")


def uncompacted_runs(lake: Lake) -> list[str]:
    """Committed runs whose files are still in directories of their own (``run=``)."""
    runs = lake.table_dir("runs")
    if not runs.is_dir():
        return []
    committed = lake.committed_runs()
    return sorted(d.name.removeprefix("run=") for d in runs.glob("run=*") if d.name.removeprefix("run=") in committed)


def compact(lake: Lake, lock_wait: float = 0.0) -> Compaction:
    """Rewrite the small files of every committed run but the latest into few large ones."""
    result = Compaction()
    with lake.lock(wait_seconds=lock_wait):
        lake.sweep()
        committed = lake.committed_runs()
        if not committed:
            return result
        latest = max(committed)
        result.runs = len([r for r in uncompacted_runs(lake) if r != latest])
        staging = lake.root / "_staging" / f"compact-{stamp()}"
        tables = sorted(t.name for t in lake.table_dirs() if t.name in SCHEMAS)
        for table in tables:
            result.files_before[table] = len(_files(lake.table_dir(table)))
        for i, table in enumerate(tables):
            built = _build_table(lake, table, latest, staging / table)
            if built is None:
                result.files_after[table] = result.files_before[table]
                continue
            pause_point("compact" if i == 0 else "compact-next")
            _exchange(built, lake.table_dir(table))
            shutil.rmtree(built, ignore_errors=True)  # the old files, now under staging
            result.files_after[table] = len(_files(lake.table_dir(table)))
        shutil.rmtree(staging, ignore_errors=True)
    return result


def _files(table_dir: Path) -> list[Path]:
    return sorted(table_dir.glob("*/*.parquet"))


def _build_table(lake: Lake, table: str, latest: str, target: Path) -> Path | None:
    """Build the table's compacted directory at ``target``; None when nothing would change."""
    tdir = lake.table_dir(table)
    keep = [d for d in tdir.iterdir() if d.is_dir() and d.name == f"run={latest}"]
    fold = sorted(p for p in _files(tdir) if p.parent.name != f"run={latest}")
    if len(fold) <= 1 and not any(p.parent.name.startswith("run=") for p in fold):
        return None  # at most one compacted file and the latest run: already compact
    target.mkdir(parents=True)
    out_dir = target / f"{COMPACT_PREFIX}{stamp()}"
    out_dir.mkdir()
    schema = SCHEMAS[table]
    writer, part, written = None, 0, 0
    try:
        for path in fold:
            data = _conform(pq.read_table(path), schema)
            if table in DECISIONS:
                data = data.filter(pc.equal(data["run_id"], latest))
            if data.num_rows == 0:
                continue
            if writer is not None and written >= TARGET_BYTES:
                writer.close()
                writer, part, written = None, part + 1, 0
            if writer is None:
                out = out_dir / f"part-{part:05d}.parquet"
                with lake_io(out):
                    writer = pq.ParquetWriter(out, schema, compression=PARQUET_COMPRESSION)
            with lake_io(out_dir):
                writer.write_table(data)
            written += path.stat().st_size
    finally:
        if writer is not None:
            writer.close()
    if not any(out_dir.iterdir()):
        out_dir.rmdir()
    for d in keep:  # the latest run, as it is: hard links, no copy
        shutil.copytree(d, target / d.name, copy_function=os.link)
    _fsync_tree(target)
    return target


def _conform(table: pa.Table, schema: pa.Schema) -> pa.Table:
    """``table`` with exactly ``schema``: columns a file written before they existed lacks
    become nulls (as the views show them), in the declared order and types."""
    for f in schema:
        if f.name not in table.column_names:
            table = table.append_column(f.name, pa.nulls(table.num_rows, f.type))
    return table.select(schema.names).cast(schema)


def _fsync_tree(root: Path) -> None:
    """Flush the built files and directories before they go live (a crash after the
    exchange must not leave an empty file where the rows were)."""
    for path in [*root.rglob("*"), root]:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(new: Path, live: Path) -> None:
    """Swap the directories ``new`` and ``live`` atomically (``live`` then holds the new
    files, ``new`` the old ones); two renames where the kernel cannot exchange."""
    libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is not None:
        rc = renameat2(_AT_FDCWD, os.fsencode(new), _AT_FDCWD, os.fsencode(live), _RENAME_EXCHANGE)
        if rc == 0:
            return
        code = ctypes.get_errno()
        if code not in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
            raise OSError(code, os.strerror(code), str(live))
    aside = new.with_name(new.name + ".old")
    os.rename(live, aside)
    os.rename(new, live)
    os.rename(aside, new)
