"""The lake's tables, declared once.

Every Parquet file copydesk writes passes ``schema=`` one of these; the DuckDB views
(``schemas.views``) and the tests import the same objects. Nothing infers a schema.
A new column is a schema change: add it here and bump ``SCHEMA_VERSION``.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from typing import Any

import pyarrow as pa

# 2: the articles files lost the always-null duplicate_of and cluster_id (the views keep
# them); paragraphs gained word_count. Lakes of version 1 read the same through the views.
# 3: articles gained dateline (wire copy), crawled_at, warc_record_id and language_hint (web
# pages), language_raw and language_reason (the detector's label, and why language is null;
# language_score is the detector's score whether or not it is kept); paragraphs may have
# status signoff; runs gained records_skipped (WARC records that are not articles by rule).
# Older files read the new columns as null.
SCHEMA_VERSION = "3"


def column(name: str, type_: pa.DataType, nullable: bool, description: str) -> pa.Field:
    """A column of a table: its type, whether it may be null, and what it holds (for docs)."""
    return pa.field(name, type_, nullable=nullable, metadata={"description": description})


def table_schema(name: str, description: str, *columns: pa.Field) -> pa.Schema:
    """A table's schema, tagged with its name, ``SCHEMA_VERSION`` and what it holds."""
    return pa.schema(
        columns,
        metadata={
            "copydesk.table": name,
            "copydesk.schema_version": SCHEMA_VERSION,
            "description": description,
        },
    )


TIMESTAMP = pa.timestamp("us", tz="UTC")
STRINGS = pa.list_(pa.field("item", pa.string(), nullable=False))

ARTICLES = table_schema(
    "articles",
    "One row per article read, canonical or duplicate. Facts only: append-only, one file set per run. "
    "The views articles and articles_all add duplicate_of and cluster_id (after input_format) from the "
    "latest duplicates decisions.",
    column("article_id", pa.string(), False,
           "Stable identity: hash of source and the source's own id, else of the input location."),
    column("content_hash", pa.string(), False,
           "Hash of the normalized body: equal for articles with the same text."),
    column("source", pa.string(), True, "Outlet or collection: given, else registered domain, else folder."),
    column("source_id", pa.string(), True, "The article's own id in its source (id/guid), as given."),
    column("url", pa.string(), True, "Canonical URL (lower-case host, no fragment or tracking parameters)."),
    column("title", pa.string(), True, "Title with white space normalized."),
    column("authors", STRINGS, False, "Person names from the byline or author field."),
    column("agency", pa.string(), True, "News agency credited in the byline (Reuters, AP, ...)."),
    column("dateline", pa.string(), True,
           "The dateline opening the body, as written (SALVADOR, Feb 26); it stays in the body too."),
    column("published_at", TIMESTAMP, True, "Publication time in UTC; null when absent or unparseable."),
    column("published_raw", pa.string(), True, "The publication date exactly as given."),
    column("published_tz", pa.string(), True, "The offset or zone given with the date; null when none was."),
    column("language", pa.string(), True,
           "ISO 639-1 code of the body's language; null when too short, unsure or not ISO 639-1 "
           "(language_reason says which)."),
    column("language_score", pa.float32(), True,
           "The detector's confidence in language_raw, 0..1 (share of the text in that language)."),
    column("language_raw", pa.string(), True, "The detector's own label (CLD2 code), kept or not."),
    column("language_reason", pa.string(), True,
           "Why language is null (too_short, low_score, unknown, not_iso639_1), or given when the "
           "input named it; null when detected and kept."),
    column("body", pa.string(), False, "The kept paragraphs joined by one blank line."),
    column("paragraph_count", pa.int32(), False, "Number of kept paragraphs in body."),
    column("word_count", pa.int32(), False, "Number of white-space separated words in body."),
    column("char_count", pa.int32(), False, "Number of characters in body."),
    column("input_path", pa.string(), False, "The raw file the article came from."),
    column("input_locator", pa.string(), True, "Line or row within a multi-record file; null for one-article files."),
    column("input_format", pa.string(), False, "How the input was read: txt, jsonl, csv, ..."),
    column("encoding", pa.string(), False, "What the bytes were decoded as (utf-8, cp1252, ...)."),
    column("encoding_method", pa.string(), False,
           "How the encoding was chosen: bom, utf-8, declared, detected, mixed; for a web page http-header "
           "or meta."),
    column("fixes", STRINGS, False, "Every repair applied to the article, by name."),
    column("extra", pa.string(), True, "Input fields with no column of their own, as a JSON object."),
    column("crawled_at", TIMESTAMP, True, "When the page was crawled (a WARC record's WARC-Date), UTC; "
           "null for other inputs."),
    column("warc_record_id", pa.string(), True, "The WARC-Record-ID of the response the article came from."),
    column("language_hint", pa.string(), True, "The language a web page declares (<html lang>, Content-Language), "
           "as given, lower case; language is still detected from the body."),
    column("run_id", pa.string(), False, "The run that wrote this row."),
    column("ingested_at", TIMESTAMP, False, "When the run that wrote this row started."),
)

# The columns of the articles and articles_all views: the facts with each article's
# decisions after input_format, where older lakes' files still hold them (always null there:
# the views never read them), so that ``select *`` keeps one column order.
_AFTER = ARTICLES.get_field_index("input_format") + 1
ARTICLES_VIEW = pa.schema(
    [*ARTICLES][:_AFTER]
    + [
        column("duplicate_of", pa.string(), True,
               "article_id of the canonical article this one duplicates; null when canonical."),
        column("cluster_id", pa.string(), True, "Near-duplicate cluster (article_id of its canonical member)."),
    ]
    + [*ARTICLES][_AFTER:],
    metadata=ARTICLES.metadata,
)

PARAGRAPHS = table_schema(
    "paragraphs",
    "Every paragraph of every article, kept or removed, with the reason for a removal.",
    column("article_id", pa.string(), False, "The article the paragraph belongs to."),
    column("position", pa.int32(), False, "0-based position in the article's raw body."),
    column("text", pa.string(), False, "The paragraph after encoding repair and white-space normalization."),
    column("status", pa.string(), False, "kept, repeat, byline, signoff or boilerplate."),
    column("repeat_of", pa.int32(), True, "For status=repeat: the position of the paragraph it repeats."),
    column("reason", pa.string(), True, "Why the paragraph was removed, in words."),
    column("key", pa.string(), False, "Normalized comparison key (hash) used to find repeats."),
    column("word_count", pa.int32(), False,
           "Number of white-space separated words in text; an article's word_count sums its kept paragraphs'."),
    column("run_id", pa.string(), False, "The run that wrote this row."),
)

REJECTS = table_schema(
    "rejects",
    "Every input record that did not become an article, with its original bytes.",
    column("run_id", pa.string(), False, "The run that wrote this row."),
    column("input_path", pa.string(), False, "The raw file the record came from."),
    column("input_locator", pa.string(), True, "Line or row within a multi-record file."),
    column("reason", pa.string(), False, "Short reason code (undecodable, empty, invalid-json, ...)."),
    column("detail", pa.string(), False, "A readable message: what was wrong and what to do."),
    column("raw", pa.binary(), False, "The record's original bytes."),
)

INT = pa.int64()
BY_NAME = pa.map_(pa.string(), pa.int64())


def _count(description: str, type_: pa.DataType = INT, order: str = "name") -> Any:
    """A ``RunCounts`` field: its ``runs`` column type and description. Map fields keep
    their keys sorted by name (``order="name"``) or in the order they were first added
    (``order="added"``: stages, decisions)."""
    default: Any = dict if pa.types.is_map(type_) else int
    return field(default_factory=default, metadata={"type": type_, "description": description, "order": order})


@dataclass(frozen=True)
class RunCounts:
    """What a run counted: exactly the count columns of ``runs``, which are built from these
    fields (``RUNS``). Every stage returns counts and the flow adds them up with ``+``:
    numbers add, maps add entry by entry.

    >>> a = RunCounts(records_read=2, articles=2, rejects_by_reason={})
    >>> b = RunCounts(records_read=1, rejects=1, rejects_by_reason={"empty": 1})
    >>> total = a + b
    >>> total.records_read, total.articles + total.rejects, total.rejects_by_reason
    (3, 3, {'empty': 1})
    """

    files_discovered: int = _count("Input files found in INPUT.")
    files_unchanged: int = _count("Input files not read: the manifest holds them unchanged.")
    files_read: int = _count("Input files read.")
    records_read: int = _count("Records read; always articles + rejects.")
    articles: int = _count("Articles written.")
    rejects: int = _count("Records rejected.")
    records_skipped: dict[str, int] = _count(
        "Input records that are not articles by rule, not counted in records_read, by kind: WARC warcinfo, "
        "request, metadata, revisit, resource, ... records, response-not-200, response-not-html.", BY_NAME)
    duplicates: int = _count("Articles of this run that duplicate (exactly or nearly) a canonical article; "
                             "articles - duplicates are canonical.")
    paragraphs_read: int = _count("Paragraphs read, before removals.")
    paragraphs_kept: int = _count("Paragraphs kept in bodies, once boilerplate is out.")
    paragraphs_removed: dict[str, int] = _count("Paragraphs removed, by reason (repeat, byline, boilerplate).",
                                                BY_NAME)
    rejects_by_reason: dict[str, int] = _count("Rejects by reason code.", BY_NAME)
    fixes_applied: dict[str, int] = _count("Articles touched by each fix.", BY_NAME)
    encodings: dict[str, int] = _count("Articles by decoded encoding.", BY_NAME)
    decisions: dict[str, int] = _count(
        "Lake-wide decisions after this run: canonical, duplicates, clusters, boilerplate keys, ...",
        BY_NAME, order="added")
    stage_seconds: dict[str, float] = _count(
        "Wall time per stage up to the commit (the run's artifact adds publish and report).",
        pa.map_(pa.string(), pa.float64()), order="added")

    def __add__(self, other: RunCounts) -> RunCounts:
        return RunCounts.total((self, other))

    @classmethod
    def total(cls, parts: Iterable[RunCounts]) -> RunCounts:
        """The sum of ``parts``, left to right, as ``+`` gives it, in one pass: each map
        is merged once and ordered once (a shard sums one ``RunCounts`` per record).

        >>> RunCounts.total([RunCounts(rejects_by_reason={"empty": 1}), RunCounts(rejects=2)] * 2).rejects
        4
        """
        spec = _count_fields(cls)
        sums: dict[str, Any] = {name: {} if is_map else 0 for name, is_map, _ in spec}
        for part in parts:
            for name, is_map, _ in spec:
                value = getattr(part, name)
                if is_map:
                    total = sums[name]
                    for key, n in value.items():
                        total[key] = total.get(key, 0) + n
                else:
                    sums[name] += value
        for name, is_map, by_name in spec:
            if is_map and by_name:
                sums[name] = dict(sorted(sums[name].items()))
        return cls(**sums)

    def check_balance(self) -> None:
        """Raise unless every record read became an article or a reject."""
        if self.records_read != self.articles + self.rejects:
            raise RuntimeError(
                f"records read ({self.records_read}) != articles ({self.articles}) + "
                f"rejects ({self.rejects}): a record was lost; nothing was published"
            )

    def columns(self) -> dict[str, Any]:
        """The counts as ``runs`` column values (maps as lists of pairs)."""
        return {
            f.name: list(value.items()) if isinstance(value := getattr(self, f.name), dict) else value
            for f in fields(RunCounts)
        }


@functools.cache
def _count_fields(cls: type) -> tuple[tuple[str, bool, bool], ...]:
    """Each count field of ``cls`` (``RunCounts``) as (name, is a map, ordered by name),
    read once: a shard totals its counts once per input file."""
    return tuple((f.name, pa.types.is_map(f.metadata["type"]), f.metadata["order"] == "name") for f in fields(cls))


RUNS = table_schema(
    "runs",
    "One row per committed run: its counts and the configuration it used. Written last: the commit record.",
    column("run_id", pa.string(), False, "Run identity (UTC start time plus a random suffix)."),
    column("started_at", TIMESTAMP, False, "When the run started."),
    column("finished_at", TIMESTAMP, False, "When the run committed."),
    column("status", pa.string(), False, "completed (a run that fails commits nothing)."),
    column("input", pa.string(), False, "The INPUT the run was given."),
    *(column(f.name, f.metadata["type"], False, f.metadata["description"]) for f in fields(RunCounts)),
    column("config", pa.string(), False, "The configuration used (JSON): ftfy config, shard size, runner, ..."),
    column("copydesk_version", pa.string(), False, "copydesk version that wrote the run."),
    column("schema_version", pa.string(), False, "SCHEMA_VERSION of the tables written."),
)

TABLES: dict[str, pa.Schema] = {
    "articles": ARTICLES,
    "paragraphs": PARAGRAPHS,
    "rejects": REJECTS,
    "runs": RUNS,
}


def describe(schema: pa.Schema) -> list[tuple[str, str, bool, str]]:
    """``(name, type, nullable, description)`` per field, for docs and ``make schema``."""
    return [
        (f.name, str(f.type), f.nullable, (f.metadata or {}).get(b"description", b"").decode())
        for f in schema
    ]
