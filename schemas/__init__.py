"""Every table's Arrow schema, declared once (``tables`` for facts and runs,
``decisions`` for what consolidate recomputes)."""

from __future__ import annotations

import pyarrow as pa


def all_tables() -> dict[str, pa.Schema]:
    """Every table the lake may hold, by directory name."""
    from schemas import decisions, manifest, tables

    found = dict(tables.TABLES)
    found["manifest"] = manifest.MANIFEST
    for value in vars(decisions).values():
        if isinstance(value, pa.Schema) and value.metadata and b"copydesk.table" in value.metadata:
            found[value.metadata[b"copydesk.table"].decode()] = value
    return found
