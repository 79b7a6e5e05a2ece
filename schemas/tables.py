"""The lake's tables, declared once.

Every Parquet file copydesk writes passes ``schema=`` one of these; the DuckDB views
(``schemas.views``) and the tests import the same objects. Nothing infers a schema.
A new column is a schema change: add it here and bump ``SCHEMA_VERSION``.
"""

from __future__ import annotations

import pyarrow as pa

SCHEMA_VERSION = "1"


def _field(name: str, type_: pa.DataType, nullable: bool, description: str) -> pa.Field:
    return pa.field(name, type_, nullable=nullable, metadata={"description": description})


def _schema(name: str, description: str, *fields: pa.Field) -> pa.Schema:
    return pa.schema(
        fields,
        metadata={
            "copydesk.table": name,
            "copydesk.schema_version": SCHEMA_VERSION,
            "description": description,
        },
    )


TIMESTAMP = pa.timestamp("us", tz="UTC")
STRINGS = pa.list_(pa.field("item", pa.string(), nullable=False))

ARTICLES = _schema(
    "articles",
    "One row per article read, canonical or duplicate. Facts only: append-only, one file set per run.",
    _field("article_id", pa.string(), False,
           "Stable identity: hash of source and the source's own id, else of the input location."),
    _field("content_hash", pa.string(), False,
           "Hash of the normalized body: equal for articles with the same text."),
    _field("source", pa.string(), True, "Outlet or collection: given, else registered domain, else folder."),
    _field("source_id", pa.string(), True, "The article's own id in its source (id/guid), as given."),
    _field("url", pa.string(), True, "Canonical URL (lower-case host, no fragment or tracking parameters)."),
    _field("title", pa.string(), True, "Title with white space normalized."),
    _field("authors", STRINGS, False, "Person names from the byline or author field."),
    _field("agency", pa.string(), True, "News agency credited in the byline (Reuters, AP, ...)."),
    _field("published_at", TIMESTAMP, True, "Publication time in UTC; null when absent or unparseable."),
    _field("published_raw", pa.string(), True, "The publication date exactly as given."),
    _field("published_tz", pa.string(), True, "The offset or zone given with the date; null when none was."),
    _field("language", pa.string(), True, "ISO 639-1 code of the body's language."),
    _field("language_score", pa.float32(), True, "Confidence of the language detection, 0..1."),
    _field("body", pa.string(), False, "The kept paragraphs joined by one blank line."),
    _field("paragraph_count", pa.int32(), False, "Number of kept paragraphs in body."),
    _field("word_count", pa.int32(), False, "Number of white-space separated words in body."),
    _field("char_count", pa.int32(), False, "Number of characters in body."),
    _field("input_path", pa.string(), False, "The raw file the article came from."),
    _field("input_locator", pa.string(), True, "Line or row within a multi-record file; null for one-article files."),
    _field("input_format", pa.string(), False, "How the input was read: txt, jsonl, csv, ..."),
    _field("duplicate_of", pa.string(), True,
           "article_id of the canonical article this one duplicates; null when canonical."),
    _field("cluster_id", pa.string(), True, "Near-duplicate cluster (article_id of its canonical member)."),
    _field("encoding", pa.string(), False, "What the bytes were decoded as (utf-8, cp1252, ...)."),
    _field("encoding_method", pa.string(), False,
           "How the encoding was chosen: bom, utf-8, declared, detected, mixed."),
    _field("fixes", STRINGS, False, "Every repair applied to the article, by name."),
    _field("extra", pa.string(), True, "Input fields with no column of their own, as a JSON object."),
    _field("run_id", pa.string(), False, "The run that wrote this row."),
    _field("ingested_at", TIMESTAMP, False, "When the run that wrote this row started."),
)

PARAGRAPHS = _schema(
    "paragraphs",
    "Every paragraph of every article, kept or removed, with the reason for a removal.",
    _field("article_id", pa.string(), False, "The article the paragraph belongs to."),
    _field("position", pa.int32(), False, "0-based position in the article's raw body."),
    _field("text", pa.string(), False, "The paragraph after encoding repair and white-space normalization."),
    _field("status", pa.string(), False, "kept, repeat, byline or boilerplate."),
    _field("repeat_of", pa.int32(), True, "For status=repeat: the position of the paragraph it repeats."),
    _field("reason", pa.string(), True, "Why the paragraph was removed, in words."),
    _field("key", pa.string(), False, "Normalized comparison key (hash) used to find repeats."),
    _field("word_count", pa.int32(), False,
           "Number of white-space separated words in text; an article's word_count sums its kept paragraphs'."),
    _field("run_id", pa.string(), False, "The run that wrote this row."),
)

REJECTS = _schema(
    "rejects",
    "Every input record that did not become an article, with its original bytes.",
    _field("run_id", pa.string(), False, "The run that wrote this row."),
    _field("input_path", pa.string(), False, "The raw file the record came from."),
    _field("input_locator", pa.string(), True, "Line or row within a multi-record file."),
    _field("reason", pa.string(), False, "Short reason code (undecodable, empty, invalid-json, ...)."),
    _field("detail", pa.string(), False, "A readable message: what was wrong and what to do."),
    _field("raw", pa.binary(), False, "The record's original bytes."),
)

RUNS = _schema(
    "runs",
    "One row per committed run: its counts and the configuration it used. Written last: the commit record.",
    _field("run_id", pa.string(), False, "Run identity (UTC start time plus a random suffix)."),
    _field("started_at", TIMESTAMP, False, "When the run started."),
    _field("finished_at", TIMESTAMP, False, "When the run committed."),
    _field("status", pa.string(), False, "completed (a run that fails commits nothing)."),
    _field("input", pa.string(), False, "The INPUT the run was given."),
    _field("files_discovered", pa.int64(), False, "Input files found in INPUT."),
    _field("files_unchanged", pa.int64(), False, "Input files not read: the manifest holds them unchanged."),
    _field("files_read", pa.int64(), False, "Input files read."),
    _field("records_read", pa.int64(), False, "Records read; always articles + rejects."),
    _field("articles", pa.int64(), False, "Articles written."),
    _field("rejects", pa.int64(), False, "Records rejected."),
    _field("duplicates", pa.int64(), False,
           "Articles of this run that duplicate (exactly or nearly) a canonical article; "
           "articles - duplicates are canonical."),
    _field("paragraphs_read", pa.int64(), False, "Paragraphs read, before removals."),
    _field("paragraphs_kept", pa.int64(), False, "Paragraphs kept in bodies, once boilerplate is out."),
    _field("paragraphs_removed", pa.map_(pa.string(), pa.int64()), False,
           "Paragraphs removed, by reason (repeat, byline, boilerplate)."),
    _field("rejects_by_reason", pa.map_(pa.string(), pa.int64()), False, "Rejects by reason code."),
    _field("fixes_applied", pa.map_(pa.string(), pa.int64()), False, "Articles touched by each fix."),
    _field("encodings", pa.map_(pa.string(), pa.int64()), False, "Articles by decoded encoding."),
    _field("decisions", pa.map_(pa.string(), pa.int64()), False,
           "Lake-wide decisions after this run: canonical, duplicates, clusters, boilerplate keys, ..."),
    _field("stage_seconds", pa.map_(pa.string(), pa.float64()), False,
           "Wall time per stage up to the commit (the run's artifact adds publish and report)."),
    _field("config", pa.string(), False, "The configuration used (JSON): ftfy config, shard size, runner, ..."),
    _field("copydesk_version", pa.string(), False, "copydesk version that wrote the run."),
    _field("schema_version", pa.string(), False, "SCHEMA_VERSION of the tables written."),
)

TABLES: dict[str, pa.Schema] = {
    "articles": ARTICLES,
    "paragraphs": PARAGRAPHS,
    "rejects": REJECTS,
    "runs": RUNS,
}


def empty_table(schema: pa.Schema) -> pa.Table:
    """An empty table with ``schema``: lets views and readers work on a lake with no rows yet."""
    return schema.empty_table()


def describe(schema: pa.Schema) -> list[tuple[str, str, bool, str]]:
    """``(name, type, nullable, description)`` per field, for docs and ``make schema``."""
    return [
        (f.name, str(f.type), f.nullable, (f.metadata or {}).get(b"description", b"").decode())
        for f in schema
    ]
