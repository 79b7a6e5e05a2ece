"""Process one shard of input files: read records, clean them, write staging Parquet.

Plain functions (no Prefect): the flow wraps ``process_shard`` in a task, and it runs the
same in-process, in a process pool or on a Dask worker. Memory is bounded by
``BATCH_ROWS`` rows per table plus the largest single record, never by the shard size.

One bad record never fails a shard: this module is the one place that turns any
exception raised while reading or cleaning a record into a reject of that record
(``internal-error``, the exception's one-line summary as ``detail``, its raw bytes), and
the shard goes on. An exception from a reader ends that file (a generator that raised
cannot go on) with one such reject after its last record. A shard fails only for I/O on
the lake. The writer is the last line of defence for Parquet: a string holding a lone
surrogate is stored with U+FFFD and counted (``SURROGATES_REPLACED``).
"""

from __future__ import annotations

import contextlib
import os
import re
from collections import Counter
from dataclasses import replace
from datetime import datetime

import pyarrow as pa
import pyarrow.parquet as pq

from flows.lake import Lake
from flows.parquet import PARQUET_COMPRESSION, lake_io
from flows.readers import InputFile, iter_records, record_format, safe_text
from flows.sources import load_sources
from schemas.decisions import SIGNATURES
from schemas.tables import ARTICLES, PARAGRAPHS, REJECTS, RunCounts
from transforms.article import RecordContext, clean_record
from transforms.records import Article, Reject

# Rows buffered per table before a row group is written.
BATCH_ROWS = 2_000
# Random 32- and 64-bit hashes (and one id per row): a dictionary of them costs over ten
# times the time of writing them plain, and makes the file bigger, not smaller.
SIGNATURE_PLAIN_COLUMNS = ("article_id", "minhash", "bands")
# The fixes_applied entry counting rows whose strings the writer had to make valid UTF-8.
SURROGATES_REPLACED = "writer:surrogates-replaced"
_DETAIL_CHARS = 500
_SURROGATE = re.compile("[\ud800-\udfff]")
# The order of the values of a paragraph's and a signature's row (``_add_article``): the schemas'.
_PARAGRAPH_ROW = ("article_id", "position", "text", "status", "repeat_of", "reason", "key", "word_count", "run_id")
_SIGNATURE_ROW = ("article_id", "minhash", "bands", "run_id")
if tuple(PARAGRAPHS.names) != _PARAGRAPH_ROW or tuple(SIGNATURES.names) != _SIGNATURE_ROW:
    raise ImportError("flows.shard: the rows of _add_article are not in their schemas' order")


class TableWriter:
    """Buffers rows (as tuples) and writes them as row groups of one staging Parquet file:
    the Arrow table of a batch is built once, from its columns.

    ``replaced`` counts the rows stored with U+FFFD for lone surrogates, which Parquet
    (UTF-8) cannot hold.
    """

    def __init__(self, path, schema: pa.Schema, plain: tuple[str, ...] = ()):
        self.path, self.schema = path, schema
        # Columns written without dictionary encoding (``plain``): values that rarely
        # repeat, where building the dictionary costs more than it saves.
        self.use_dictionary = [name for name in schema.names if name not in plain] if plain else True
        self.names = schema.names
        self.rows: list[tuple] = []
        self.count = 0
        self.writer: pq.ParquetWriter | None = None
        self.replaced = 0

    def add(self, row: dict) -> None:
        """One row; a column it lacks is null."""
        self.rows.append(tuple(map(row.get, self.names)))
        self.count += 1
        if self.count >= BATCH_ROWS:
            self.flush()

    def add_rows(self, rows: list[tuple]) -> None:
        """Rows given as tuples of every column's value, in the schema's order."""
        self.rows.extend(rows)
        self.count += len(rows)
        if self.count >= BATCH_ROWS:
            self.flush()

    def flush(self) -> None:
        if not self.count:
            return
        # The rows become columns at once, in C (not one append per value).
        columns = dict(zip(self.names, zip(*self.rows, strict=True), strict=True))
        try:
            table = pa.Table.from_pydict(columns, schema=self.schema)
        except UnicodeEncodeError:
            # Rare: pay for the scan only when a batch does not encode.
            rows = [dict(zip(self.names, values, strict=True)) for values in self.rows]
            cleaned = [_valid_utf8(row) for row in rows]
            self.replaced += sum(new is not old for new, old in zip(cleaned, rows, strict=True))
            table = pa.Table.from_pylist(cleaned, schema=self.schema)
        with lake_io(self.path):
            if self.writer is None:
                os.makedirs(os.path.dirname(self.path), exist_ok=True)
                self.writer = pq.ParquetWriter(self.path, self.schema, compression=PARQUET_COMPRESSION,
                                               use_dictionary=self.use_dictionary)
            self.writer.write_table(table)
        self.rows = []
        self.count = 0

    def close(self) -> None:
        self.flush()
        if self.writer is not None:
            with lake_io(self.path):
                self.writer.close()

    def abandon(self) -> None:
        """Close after a failure without writing more (the shard's staging is discarded)."""
        if self.writer is not None:
            with contextlib.suppress(Exception):
                self.writer.close()


def _valid_utf8(value):
    r"""``value`` with every lone surrogate in its strings replaced by U+FFFD; the same
    object when nothing changes.

    >>> _valid_utf8({"a": "x\ud800", "b": ["ok", "\udfff"], "c": 1})
    {'a': 'x�', 'b': ['ok', '�'], 'c': 1}
    """
    if isinstance(value, str):
        try:
            value.encode("utf-8")
            return value
        except UnicodeEncodeError:
            return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, dict):
        new = {k: _valid_utf8(v) for k, v in value.items()}
        return value if all(new[k] is value[k] for k in value) else new
    if isinstance(value, list | tuple):
        new = [_valid_utf8(v) for v in value]
        return value if all(a is b for a, b in zip(new, value, strict=True)) else type(value)(new)
    return value


def summary_of(exc: BaseException) -> str:
    r"""The one-line summary of an exception, as a reject's detail.

    >>> summary_of(RecursionError("maximum recursion depth exceeded\nwhile calling"))
    'RecursionError: maximum recursion depth exceeded'
    """
    lines = str(exc).strip().splitlines()
    text = f"{type(exc).__name__}: {lines[0]}" if lines else type(exc).__name__
    return text[:_DETAIL_CHARS]


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
    writers = {
        "articles": TableWriter(lake.staged_file(run_id, "articles", shard), ARTICLES),
        "paragraphs": TableWriter(lake.staged_file(run_id, "paragraphs", shard), PARAGRAPHS),
        "rejects": TableWriter(lake.staged_file(run_id, "rejects", shard), REJECTS),
        "signatures": TableWriter(lake.staged_file(run_id, "signatures", shard), SIGNATURES,
                                  plain=SIGNATURE_PLAIN_COLUMNS),
    }
    try:
        counts = RunCounts.total(_process_file(file, registry, writers, run_id, started_at) for file in files)
    except BaseException:
        for writer in writers.values():
            writer.abandon()
        raise
    for writer in writers.values():
        writer.close()
    replaced = sum(writer.replaced for writer in writers.values())
    if replaced:
        counts += RunCounts(fixes_applied={SURROGATES_REPLACED: replaced})
    return counts


def _process_file(file: InputFile, registry, writers: dict[str, TableWriter], run_id: str,
                  started_at: datetime) -> RunCounts:
    """Read and clean one file's records. Any exception from the reader or the cleaning
    of a record is that record's ``internal-error`` reject (see the module docstring);
    only the writers' I/O errors escape."""
    # Records read are counted apart from their outcomes, so that check_balance means
    # something; the outcomes are tallied in place and summed once, at the end of the file.
    read = 0
    tally = _Tally()
    config = registry.for_input(file)
    context = RecordContext(
        folder_source=os.path.basename(os.path.dirname(file.path)) or None,
        input_format="",
        config=config,
        relpath=file.relpath,
    )
    records = iter_records(file, config, registry.limits)
    last_locator = None
    file_format = None
    while True:
        try:
            record = next(records)
        except StopIteration:
            break
        except Exception as exc:
            # The reader broke: its generator cannot go on, the rest of the file is one reject.
            locator = f"after:{last_locator}" if last_locator else None
            broken = Reject(safe_text(file.path), locator, "internal-error", summary_of(exc), b"")
            read += 1
            _add_reject(writers["rejects"], broken, run_id, tally)
            break
        last_locator = record.input_locator
        if record.kind == "skipped":  # not an article by rule (a WARC request...): counted, not read
            tally.skipped[(record.fields or {}).get("kind", "unknown")] += 1
            continue
        read += 1
        try:
            locator = record.input_locator
            if locator and locator.startswith("member:"):
                fmt = record_format(file, record, config)
            else:  # the file's format, the same for each of its records: found once
                fmt = file_format or (file_format := record_format(file, record, config))
            if fmt != context.input_format:  # archive members may differ from each other
                context = replace(context, input_format=fmt)
            outcome = clean_record(record, context)
        except Exception as exc:
            outcome = Reject(record.input_path, record.input_locator, "internal-error", summary_of(exc),
                             record.raw)
        if isinstance(outcome, Reject):
            _add_reject(writers["rejects"], outcome, run_id, tally)
        else:
            _add_article(writers, outcome, run_id, started_at, tally)
    # A file read in pieces counts once, in its first piece.
    files_read = 1 if file.part is None or file.part.index == 0 else 0
    return tally.counts(files_read, read)


class _Tally:
    """A file's outcomes, counted in place: ``counts`` is the ``RunCounts`` the sum of one
    per record would be (the maps in name order, as ``RunCounts.total`` orders them)."""

    def __init__(self) -> None:
        self.articles = self.rejects = self.paragraphs_read = self.paragraphs_kept = 0
        self.skipped: Counter[str] = Counter()
        self.removed: Counter[str] = Counter()
        self.reasons: Counter[str] = Counter()
        self.fixes: Counter[str] = Counter()
        self.encodings: Counter[str] = Counter()

    def counts(self, files_read: int, records_read: int) -> RunCounts:
        return RunCounts(
            files_read=files_read, records_read=records_read, articles=self.articles, rejects=self.rejects,
            records_skipped=_by_name(self.skipped), paragraphs_read=self.paragraphs_read,
            paragraphs_kept=self.paragraphs_kept, paragraphs_removed=_by_name(self.removed),
            rejects_by_reason=_by_name(self.reasons), fixes_applied=_by_name(self.fixes),
            encodings=_by_name(self.encodings),
        )


def _by_name(counter: Counter[str]) -> dict[str, int]:
    """A count map as ``RunCounts.total`` gives it: a plain dict, in name order."""
    return dict(sorted(counter.items()))


def _add_reject(writer: TableWriter, reject: Reject, run_id: str, tally: _Tally) -> None:
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
    tally.rejects += 1
    tally.reasons[reject.reason] += 1


def _add_article(
    writers: dict[str, TableWriter],
    article: Article,
    run_id: str,
    started_at: datetime,
    tally: _Tally,
) -> None:
    values = article.values
    values["run_id"] = run_id
    values["ingested_at"] = started_at
    writers["articles"].add(values)
    if article.signature is not None:
        writers["signatures"].add_rows(
            [(values["article_id"], article.signature.minhash, article.signature.bands, run_id)])
    paragraphs = article.paragraphs
    n = len(paragraphs)
    article_id = values["article_id"]
    writers["paragraphs"].add_rows([
        (article_id, p.position, p.text, p.status, p.repeat_of, p.reason, p.key, p.word_count, run_id)
        for p in paragraphs
    ])
    kept = n
    for p in paragraphs:
        if p.status != "kept":
            tally.removed[p.status] += 1
            kept -= 1
    tally.articles += 1
    tally.paragraphs_read += n
    tally.paragraphs_kept += kept
    tally.encodings[values["encoding"]] += 1
    tally.fixes.update(set(values["fixes"]))
