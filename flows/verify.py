"""Checking a lake's committed files (``make verify``, ``copydesk verify``).

``verify(lake)`` reads every Parquet file of every committed run (whole, row group by
row group) and compares the row counts of the fact tables with the run's ``runs`` row,
where that row has them. Each problem is one line: the file, what is wrong, what to do.
Queries and runs that fail on a lake call it to turn a DuckDB or Arrow traceback into
those lines (``problems_or_none``).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq

from flows.lake import Lake
from schemas.manifest import MANIFEST

# runs column -> the fact table whose rows it counts.
COUNTED = {"articles": "articles", "rejects": "rejects", "paragraphs_read": "paragraphs"}
FACTS = ("articles", "paragraphs", "rejects", "signatures")
_PART = re.compile(r"part-(\d+)\.parquet")


def _what_to_do(lake: Lake, table: str, run_id: str, path: Path) -> str:
    """The remedy for a damaged committed file of ``table``."""
    if table == "runs":
        return (f"restore it from a copy (the PUBLISH_TO store), or remove every run={run_id} directory "
                f"under {lake.root} to drop that run; the next run reads its inputs again")
    shard = _PART.fullmatch(path.name)
    if table in (*FACTS, "manifest") and shard:
        return (f"restore it from a copy (the PUBLISH_TO store), or remove part-{shard.group(1)}.parquet of "
                f"run={run_id} from {', '.join((*FACTS, 'manifest'))}: the next run reads those inputs again")
    return ("restore it from a copy (the PUBLISH_TO store), or remove it and let the next run with new "
            "input recompute the decisions (copydesk run --recompute-decisions)")


def _summary(exc: Exception) -> str:
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[0]}" if lines else type(exc).__name__


def _read_rows(path: Path) -> int:
    """Read the whole file, row group by row group; return its rows (raise if damaged)."""
    parquet = pq.ParquetFile(path)
    rows = 0
    for group in range(parquet.num_row_groups):
        rows += parquet.read_row_group(group).num_rows
    return rows


def verify(lake: Lake) -> list[str]:
    """Every problem of the lake's committed files, one line each (empty: the lake is sound)."""
    committed = lake.committed_runs()
    problems: list[str] = []
    rows: Counter[tuple[str, str]] = Counter()
    runs_rows: dict[str, dict] = {}
    compacted: set[str] = set()  # runs whose rows are (partly) in compacted files
    for table_dir in sorted(lake.table_dirs()):
        table = table_dir.name
        for path in sorted(table_dir.glob("run=*/*.parquet")):
            run_id = path.parent.name.removeprefix("run=")
            if run_id not in committed:
                continue  # a crashed run's leftover: never read, swept by the next run
            try:
                rows[(table, run_id)] += _read_rows(path)
                if table == "runs":
                    runs_rows[run_id] = pq.read_table(path).to_pylist()[0]
                elif table == "manifest":
                    missing = set(MANIFEST.names) - set(pq.read_schema(path).names)
                    if missing:
                        raise ValueError(f"manifest columns missing: {', '.join(sorted(missing))}")
            except Exception as exc:
                problems.append(f"{path}: not a readable Parquet file ({_summary(exc)}); "
                                f"{_what_to_do(lake, table, run_id, path)}")
        for path in lake.compacted_files(table):
            try:
                data = pq.read_table(path)
                for run_id, n in Counter(data.column("run_id").to_pylist()).items():
                    rows[(table, run_id)] += n
                    compacted.add(run_id)
                if table == "runs":
                    runs_rows.update({r["run_id"]: r for r in data.to_pylist()})
            except Exception as exc:
                problems.append(f"{path}: not a readable Parquet file ({_summary(exc)}); restore it from a copy "
                                "(the PUBLISH_TO store): it holds the rows of several compacted runs")
    for run_id, row in sorted(runs_rows.items()):
        if run_id not in compacted and _shards_removed(lake, run_id, row):
            continue  # the remedy above was applied: those inputs are read again, counts move on
        for column, table in COUNTED.items():
            expected, found = row.get(column), rows[(table, run_id)]
            if expected is not None and expected != found:
                where = lake.table_dir(table) if run_id in compacted else lake.run_dir(table, run_id)
                problems.append(
                    f"{where}: {found} rows in {table} files, but the runs row of "
                    f"run {run_id} says {expected} rows ({column}): a part file is missing or foreign; "
                    "restore the directory from a copy (the PUBLISH_TO store)")
    return problems


def _shards_removed(lake: Lake, run_id: str, row: dict) -> bool:
    """True when some of the run's shards were removed (fewer manifest parts than shards)."""
    try:
        shards = json.loads(row.get("config") or "{}").get("shards")
    except ValueError:
        return False
    parts = len(list(lake.run_dir("manifest", run_id).glob("part-*.parquet")))
    return isinstance(shards, int) and parts < shards


def problems_or_none(location) -> list[str] | None:
    """The lake's problems when it is a local lake that has some, else None (for callers
    that met an error and want to say which file is at fault)."""
    lake = Lake(location)
    if not lake.exists():
        return None
    try:
        return verify(lake) or None
    except OSError:
        return None
