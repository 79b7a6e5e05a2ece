"""Print every table's schema as Markdown: ``python -m schemas.doc > docs/tables.md``."""

from __future__ import annotations

from schemas import all_tables
from schemas.tables import SCHEMA_VERSION


def markdown() -> str:
    lines = [
        "# Tables",
        "",
        f"Generated from `schemas/` (schema version {SCHEMA_VERSION}) by `make schema`; do not edit.",
        "",
    ]
    for name, schema in all_tables().items():
        meta = schema.metadata or {}
        lines += [f"## `{name}`", "", meta.get(b"description", b"").decode(), ""]
        lines += ["| column | type | nullable | description |", "|---|---|---|---|"]
        for f in schema:
            description = (f.metadata or {}).get(b"description", b"").decode()
            lines.append(f"| `{f.name}` | `{f.type}` | {'yes' if f.nullable else 'no'} | {description} |")
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown())
