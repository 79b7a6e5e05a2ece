"""Consolidate: the decisions that need the whole lake (duplicates, boilerplate).

Runs after every shard of a run is staged and before the run is committed. It reads the
staged run plus the committed lake with DuckDB and stages small decision tables next to
the run's facts, so that the commit publishes facts and decisions together.
"""

from __future__ import annotations


def consolidate(lake_root: str, run_id: str) -> dict[str, int]:
    """Stage this run's decision tables; return counts for the ``runs`` row."""
    return {}
