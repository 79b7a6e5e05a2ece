"""Every table's Arrow schema, declared once (``tables`` for facts and runs,
``decisions`` for what consolidate recomputes, ``manifest`` for the inputs ingested)."""

from __future__ import annotations

import pyarrow as pa

from schemas import decisions, manifest, tables


def all_tables() -> dict[str, pa.Schema]:
    """Every table the lake may hold, by directory name."""
    return {**tables.TABLES, "manifest": manifest.MANIFEST, **decisions.DEDUP_FACTS, **decisions.DECISIONS}
