"""Process one shard of input files: read records, clean them, write staging Parquet.

Plain functions (no Prefect): the flow wraps ``process_shard`` in a task, and it runs the
same in-process, in a process pool or on a Dask worker. Memory is bounded by
``BATCH_ROWS`` rows per table plus the largest single record, never by the shard size.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import datetime

import pyarrow as pa
import pyarrow.parquet as pq

from flows.lake import PARQUET_COMPRESSION, Lake
from flows.readers import InputFile, iter_records, record_format
from flows.sources import load_sources
from schemas.decisions import SIGNATURES
from schemas.tables import ARTICLES, PARAGRAPHS, REJECTS
from transforms.article import RecordContext, clean_record
from transforms.records import Article, Reject

# Rows buffered per table before a row group is written.
BATCH_ROWS = 2_000


@dataclass
class ShardResult:
    """Counts a shard returns to the flow: small, picklable, no data."""

    shard: int
    files_read: int = 0
    bytes_read: int = 0
    records_read: int = 0
    articles: int = 0
    rejects: int = 0
    paragraphs_read: int = 0
    paragraph_status: Counter = field(default_factory=Counter)
    rejects_by_reason: Counter = field(default_factory=Counter)
    fixes_applied: Counter = field(default_factory=Counter)
    encodings: Counter = field(default_factory=Counter)
    seconds: float = 0.0


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
) -> ShardResult:
    """Read, clean and stage every record of ``files``; return the counts."""
    import time

    t0 = time.perf_counter()
    lake = Lake(lake_root)
    registry = load_sources(sources_path)
    result = ShardResult(shard=shard)
    writers = {
        "articles": _TableWriter(lake.staged_file(run_id, "articles", shard), ARTICLES),
        "paragraphs": _TableWriter(lake.staged_file(run_id, "paragraphs", shard), PARAGRAPHS),
        "rejects": _TableWriter(lake.staged_file(run_id, "rejects", shard), REJECTS),
    }
    try:
        for file in files:
            result.files_read += 1
            result.bytes_read += file.size
            config = registry.for_input(file)
            context = RecordContext(
                folder_source=os.path.basename(os.path.dirname(file.path)) or None,
                input_format="",
                config=config,
                relpath=file.relpath,
            )
            for record in iter_records(file, config, registry.limits):
                result.records_read += 1
                fmt = record_format(file, record, config)
                if fmt != context.input_format:  # archive members may differ from each other
                    context = replace(context, input_format=fmt)
                outcome = clean_record(record, context)
                if isinstance(outcome, Reject):
                    _add_reject(writers["rejects"], outcome, run_id, result)
                else:
                    _add_article(writers, outcome, run_id, started_at, result)
    finally:
        for writer in writers.values():
            writer.close()
    result.seconds = time.perf_counter() - t0
    return result


def _add_reject(writer: _TableWriter, reject: Reject, run_id: str, result: ShardResult) -> None:
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
    result.rejects += 1
    result.rejects_by_reason[reject.reason] += 1


def _add_article(
    writers: dict[str, _TableWriter],
    article: Article,
    run_id: str,
    started_at: datetime,
    result: ShardResult,
) -> None:
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
        result.paragraph_status[p.status] += 1
    result.articles += 1
    result.paragraphs_read += len(article.paragraphs)
    result.encodings[values["encoding"]] += 1
    for fix in set(values["fixes"]):
        result.fixes_applied[fix] += 1
