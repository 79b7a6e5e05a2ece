"""``.json``: an array of objects, one object, or objects one after another.

Parsed whole (up to ``max_json_bytes``; big dumps belong in JSON Lines). A record is one
array item, locator ``item:N``; its raw bytes are the item written back as compact JSON
in the file's encoding, since a parsed file has no byte offsets per item. Objects one
after another are JSON Lines under a .json name and are read as such.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import IO, Any

from flows.readers.formats.jsonl import json_kind, read_jsonl
from flows.readers.rejects import Reading
from flows.readers.streams import read_at_most
from transforms.decoding import codec_for, decode_or_reason, text_problem
from transforms.jsonvalues import JsonRefused, parse_json
from transforms.records import RawRecord

__all__ = ["read_json"]


def read_json(reading: Reading, stream: IO[bytes], prefix: str) -> Iterator[RawRecord]:
    """One record per item of the parsed file."""
    where = prefix[:-1] or None
    limit = reading.limits.max_json_bytes
    raw = read_at_most(stream, limit + 1)
    if len(raw) > limit:
        yield reading.reject(
            where, "record-too-large",
            f".json file over {limit} bytes (ReadLimits.max_json_bytes) is not parsed whole; "
            "write it as JSON Lines (.jsonl) instead",
            raw,
        )
        return
    problem = text_problem(raw)
    if problem is not None:
        yield reading.reject(where, *problem, raw)
        return
    decoded = decode_or_reason(raw, reading.config.encoding)
    if isinstance(decoded, tuple):
        yield reading.reject(where, *decoded, raw)
        return
    text = decoded.text
    try:
        value, fixes = parse_json(text)
    except JsonRefused as exc:
        yield reading.reject(where, "invalid-json", str(exc), raw)
        return
    except json.JSONDecodeError as exc:
        if exc.msg == "Extra data" and text.lstrip().startswith("{"):
            # Several objects one after another: JSON Lines under a .json name.
            yield from read_jsonl(reading, io.BytesIO(raw), prefix)
            return
        yield reading.reject(
            f"{prefix}line:{exc.lineno}", "invalid-json",
            f"{exc.msg} at line {exc.lineno} column {exc.colno}", raw,
        )
        return
    items: list[Any] = value if isinstance(value, list) else [value]
    if not items:
        yield reading.reject(where, "empty", "the JSON array holds no records", raw)
        return
    codec = codec_for(decoded.encoding)
    for number, item in enumerate(items, 1):
        locator = f"{prefix}item:{number}"
        item_raw = json.dumps(item, ensure_ascii=False).encode(codec or "utf-8", "replace")
        if not isinstance(item, dict):
            yield reading.reject(
                locator, "invalid-json", f"expected a JSON object, got {json_kind(item)}", item_raw,
            )
            continue
        yield reading.record(
            locator, item_raw, kind="fields", fields=item,
            encoding=decoded.encoding, encoding_steps=decoded.steps + fixes,
        )
