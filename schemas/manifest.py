"""The manifest table: which input files the lake has ingested, and which run's rows are live.

Each run that commits writes one manifest row per input file it looked at closely (new,
changed, or touched), under ``LAKE/manifest/run=<run_id>/``. What the rows mean to a run
and to the views (the current manifest, the live rows) is ``flows.manifest``'s.
"""

from __future__ import annotations

import pyarrow as pa

from schemas.tables import TIMESTAMP, column, table_schema

MANIFEST = table_schema(
    "manifest",
    "One row per input file a run examined: its identity, size, times and content hash, and the "
    "run whose rows for it are live. The current manifest is the latest committed row per input_key.",
    column("input_key", pa.string(), False,
           "Input identity: the file's absolute path (symbolic links not resolved), so the same "
           "file given through another relative INPUT is the same input."),
    column("input_path", pa.string(), False,
           "The input_path its live facts carry (as the readers name the file); the views match on it."),
    column("size", pa.int64(), True, "File size in bytes when examined; null when it could not be read."),
    column("mtime_ns", pa.int64(), True, "Modification time (ns since the epoch); null when unknown."),
    column("ctime_ns", pa.int64(), True,
           "Status change time (ns): moves with a chmod, so a file made readable is read again."),
    column("content_hash", pa.string(), True,
           "xxh3-128 of the file's bytes; null when they could not be read (the file became a reject)."),
    column("ingested_run_id", pa.string(), False,
           "The run whose articles, paragraphs and rejects for this input are live (this run, "
           "unless the file was only touched and its bytes were unchanged)."),
    column("examined_at", TIMESTAMP, False, "When the run that wrote this row started."),
    column("run_id", pa.string(), False, "The run that wrote this row."),
)
