"""Process one shard of input files: read records, clean them, write staging Parquet.

Plain functions (no Prefect): the flow wraps ``process_shard`` in a task, and it runs the
same in-process, in a process pool or on a Dask worker. Memory is bounded by
``BATCH_ROWS`` rows per table plus the largest single record, never by the shard size.
"""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import datetime

import pyarrow as pa
import pyarrow.parquet as pq

from flows.lake import Lake
from flows.parquet import PARQUET_COMPRESSION
from flows.readers import InputFile, iter_records, record_format
from flows.sources import load_sources
from schemas.decisions import SIGNATURES
from schemas.tables import ARTICLES, PARAGRAPHS, REJECTS, RunCounts
from transforms.article import RecordContext, clean_record
from transforms.records import Article, Reject

# Rows buffered per table before a row group is written.
BATCH_ROWS = 2_000


class _TableWriter:
    """Buffers rows and writes them as row groups of one staging Parquet file."""

    def __init__(self, path, schema: pa.Schema):
        self.path, self.schema = path, schema
        self.rows: list[dict] = []
        self.writer: pq.ParquetWriter | None = None

    def add(self, row: dict) -> None:
        self.rows.append(row)
        if len(self.rows) >= BATCH_ROWS:
            self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        if self.writer is None:
            os.makedirs(os.path.dirname(self.path), exist_ok=True)
            self.writer = pq.ParquetWriter(self.path, self.schema, compression=PARQUET_COMPRESSION)
        self.writer.write_table(pa.Table.from_pylist(self.rows, schema=self.schema))
        self.rows = []

    def close(self) -> None:
        self.flush()
        if self.writer is not None:
            self.writer.close()


def process_shard(
    shard: int,
    files: list[InputFile],
    run_id: str,
    started_at: datetime,
    lake_root: str,
    sources_path: str | None = None,
) -> RunCounts:
    """Read, clean and stage every record of ``files``; return the counts (the sum of
    each file's and each record's)."""
    lake = Lake(lake_root)
    registry = load_sources(sources_path)
    counts = RunCounts()
    writers = {
        "articles": _TableWriter(lake.staged_file(run_id, "articles", shard), ARTICLES),
        "paragraphs": _TableWriter(lake.staged_file(run_id, "paragraphs", shard), PARAGRAPHS),
        "rejects": _TableWriter(lake.staged_file(run_id, "rejects", shard), REJECTS),
    }
    try:
        for file in files:
            counts += RunCounts(files_read=1)
            config = registry.for_input(file)
            context = RecordContext(
                folder_source=os.path.basename(os.path.dirname(file.path)) or None,
                input_format="",
                config=config,
                relpath=file.relpath,
            )
            for record in iter_records(file, config, registry.limits):
                counts += RunCounts(records_read=1)
                fmt = record_format(file, record, config)
                if fmt != context.input_format:  # archive members may differ from each other
                    context = replace(context, input_format=fmt)
                outcome = clean_record(record, context)
                if isinstance(outcome, Reject):
                    counts += _add_reject(writers["rejects"], outcome, run_id)
                else:
                    counts += _add_article(writers, outcome, run_id, started_at)
    finally:
        for writer in writers.values():
            writer.close()
    return counts


def _add_reject(writer: _TableWriter, reject: Reject, run_id: str) -> RunCounts:
    writer.add(
        {
            "run_id": run_id,
            "input_path": reject.input_path,
            "input_locator": reject.input_locator,
            "reason": reject.reason,
            "detail": reject.detail,
            "raw": reject.raw,
        }
    )
    return RunCounts(rejects=1, rejects_by_reason={reject.reason: 1})


def _add_article(
    writers: dict[str, _TableWriter],
    article: Article,
    run_id: str,
    started_at: datetime,
) -> RunCounts:
    values = article.values
    values["run_id"] = run_id
    values["ingested_at"] = started_at
    writers["articles"].add(values)
    if article.signature is not None:
        # The signatures writer sits next to the articles one; process_shard closes it
        # with the others.
        if "signatures" not in writers:
            articles_path = writers["articles"].path
            path = os.path.join(
                os.path.dirname(os.path.dirname(articles_path)), "signatures", os.path.basename(articles_path)
            )
            writers["signatures"] = _TableWriter(path, SIGNATURES)
        writers["signatures"].add(
            {
                "article_id": values["article_id"],
                "minhash": list(article.signature.minhash),
                "bands": list(article.signature.bands),
                "run_id": run_id,
            }
        )
    for p in article.paragraphs:
        writers["paragraphs"].add(
            {
                "article_id": values["article_id"],
                "position": p.position,
                "text": p.text,
                "status": p.status,
                "repeat_of": p.repeat_of,
                "reason": p.reason,
                "key": p.key,
                "word_count": p.word_count,
                "run_id": run_id,
            }
        )
    removed: dict[str, int] = {}
    for p in article.paragraphs:
        if p.status != "kept":
            removed[p.status] = removed.get(p.status, 0) + 1
    return RunCounts(
        articles=1,
        paragraphs_read=len(article.paragraphs),
        paragraphs_kept=len(article.paragraphs) - sum(removed.values()),
        paragraphs_removed=removed,
        encodings={values["encoding"]: 1},
        fixes_applied=dict.fromkeys(set(values["fixes"]), 1),
    )
