"""Compare two lakes view by view: do they answer every view identically?

    python -m bench.lake_diff LAKE_A LAKE_B [--current-views]

Each lake is answered by the views in its own catalog (``LAKE/copydesk.duckdb``, written
by the code that built it), so a lake built before a change is read by the views of that
time: the comparison covers the view SQL as well as the files. ``--current-views`` reads
both through today's view definitions instead.

Used to prove that a change is behaviour-preserving (a restructuring, a pure speed-up):
build a lake from the same input before and after, then compare. Columns that differ by
construction between two runs (run ids, timestamps, stage timings) are left out; every
other column of every view is compared row for row, as a multiset. Columns that only one
side has are listed, not compared. Exit status 0 when every view matches, 1 otherwise.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from collections import Counter

import duckdb

from flows.lake import DATABASE_NAME, Lake

# Differ between two runs of the same input by construction.
VOLATILE = frozenset(
    {"run_id", "ingested_at", "started_at", "finished_at", "stage_seconds", "first_run_id", "last_run_id",
     "examined_at", "mtime_ns", "ctime_ns", "ingested_run_id"}
)


def _views(con: duckdb.DuckDBPyConnection) -> list[str]:
    rows = con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal ORDER BY view_name").fetchall()
    return [r[0] for r in rows]


def _columns(con: duckdb.DuckDBPyConnection, view: str) -> list[str]:
    return [d[0] for d in con.execute(f'SELECT * FROM "{view}" LIMIT 0').description]


def _rows(con: duckdb.DuckDBPyConnection, view: str, columns: list[str]) -> Counter[str]:
    select = ", ".join(f'"{c}"' for c in columns)
    return Counter(repr(row) for row in con.execute(f'SELECT {select} FROM "{view}"').fetchall())


def _open(lake: str, current_views: bool) -> duckdb.DuckDBPyConnection:
    if current_views:
        return Lake(lake).connect()
    con = duckdb.connect(str(Lake(lake).root / DATABASE_NAME), read_only=True)
    con.execute("SET TimeZone = 'UTC'")
    return con


def compare(left: str, right: str, out=sys.stdout, current_views: bool = False) -> bool:
    """Print one line per view; True when every view answers identically."""
    a, b = _open(left, current_views), _open(right, current_views)
    same = True
    views_a, views_b = set(_views(a)), set(_views(b))
    for missing in sorted(views_a ^ views_b):
        print(f"  {missing}: only in {'the first' if missing in views_a else 'the second'} lake", file=out)
        same = False
    for view in sorted(views_a & views_b):
        cols_a, cols_b = _columns(a, view), _columns(b, view)
        shared = [c for c in cols_a if c in cols_b and c not in VOLATILE]
        extra = sorted(set(cols_a) ^ set(cols_b))
        rows_a, rows_b = _rows(a, view, shared), _rows(b, view, shared)
        digest = hashlib.sha256("\n".join(sorted(rows_a.elements())).encode()).hexdigest()[:12]
        note = f" (columns on one side only: {', '.join(extra)})" if extra else ""
        if shared != [c for c in cols_b if c in cols_a and c not in VOLATILE]:
            same = False
            note += " (COLUMN ORDER DIFFERS)"
        if rows_a == rows_b:
            print(f"  {view}: identical, {sum(rows_a.values())} rows x {len(shared)} columns, "
                  f"sha256 {digest}{note}", file=out)
        else:
            same = False
            only_a, only_b = rows_a - rows_b, rows_b - rows_a
            print(f"  {view}: DIFFERENT, {sum(rows_a.values())} vs {sum(rows_b.values())} rows; "
                  f"{sum(only_a.values())} only in the first, {sum(only_b.values())} only in the second{note}",
                  file=out)
            differing = [c for c in shared if _rows(a, view, [c]) != _rows(b, view, [c])]
            print(f"      columns whose values differ: {', '.join(differing) or 'none alone (rows pair differently)'}",
                  file=out)
            for row in list(only_a)[:2]:
                print(f"      first:  {row[:300]}", file=out)
            for row in list(only_b)[:2]:
                print(f"      second: {row[:300]}", file=out)
    a.close()
    b.close()
    return same


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("left")
    parser.add_argument("right")
    parser.add_argument("--current-views", action="store_true",
                        help="read both lakes through today's view definitions, not their own catalogs")
    args = parser.parse_args(argv)
    print(f"{args.left} vs {args.right} ({'today' if args.current_views else 'each lake'}'s views)")
    same = compare(args.left, args.right, current_views=args.current_views)
    print("every view identical" if same else "the lakes differ")
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
