"""The read limits (flows/readers/limits.py)."""

from __future__ import annotations

import dataclasses

from flows.readers import DEFAULT_LIMITS, ReadLimits
from tests.conftest import ROOT


def _human(value: float) -> str:
    """A limit as docs/inputs.md writes it: 16 MiB, 2 GiB, 200."""
    for unit, size in (("GiB", 1024**3), ("MiB", 1024**2)):
        if value >= size and value % size == 0:
            return f"{int(value // size)} {unit}"
    return f"{value:g}"


def test_default_limits_are_the_documented_values():
    assert DEFAULT_LIMITS == ReadLimits(
        max_record_bytes=16 * 1024**2,
        max_expanded_bytes=2 * 1024**3,
        max_expansion_ratio=200.0,
        ratio_floor_bytes=64 * 1024**2,
        max_reject_raw_bytes=1024**2,
        max_json_bytes=512 * 1024**2,
    )
    doc = (ROOT / "docs" / "inputs.md").read_text(encoding="utf-8")
    for field in dataclasses.fields(ReadLimits):
        assert f"| `{field.name}` | {_human(getattr(DEFAULT_LIMITS, field.name))} |" in doc
