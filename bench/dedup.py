"""Benchmark the consolidate stage (boilerplate, exact and near duplicates) at scale.

    python -m bench.dedup --articles 100000 [--new-share 0.01] [--keep LAKE]

Builds a synthetic lake of ``--articles`` articles straight as Parquet facts (articles,
paragraphs, MinHash signatures), the way the shards would have staged them, then times:

1. ``full``: consolidate over all of them as one new run (the first run of a lake);
2. ``incremental``: after that run is committed, consolidate for a run that adds
   ``--new-share`` more articles, against the whole lake.

Each consolidate runs in a child process so its peak RSS is its own (DuckDB works inside
the process). The synthetic corpus has what consolidate looks for: 1,000 sources with
two boilerplate paragraphs each (in 30% of their articles), 2% exact copies and 3%
near-duplicates (signatures with ~10% of positions changed). Signatures are random
numbers rather than hashes of text: consolidate only joins and compares them.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import resource
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from flows.lake import Lake
from flows.parquet import PARQUET_COMPRESSION
from schemas.decisions import SIGNATURES
from schemas.tables import ARTICLES, PARAGRAPHS, RUNS
from transforms.fingerprints import DEFAULT_MINHASH

CHUNK = 50_000  # articles generated and written per row group
PARAGRAPHS_PER_ARTICLE = 6
SOURCES = 1_000
T0 = datetime(2024, 1, 1, tzinfo=UTC)


def _hex(values: np.ndarray, width: int) -> pa.Array:
    """Hex strings of uint64 values, left-padded with zeros to ``width`` (at least 16)."""
    pad = "0" * (width - 16)
    return pa.array([f"{pad}{v:016x}" for v in values.astype(np.uint64).tolist()], pa.string())


def _list(values: np.ndarray, type_: pa.DataType) -> pa.Array:
    rows, width = values.shape
    offsets = pa.array(np.arange(0, rows * width + 1, width, dtype=np.int32))
    return pa.ListArray.from_arrays(offsets, pa.array(values.reshape(-1), type=type_.value_type)).cast(type_)


def _bands(signatures: np.ndarray) -> np.ndarray:
    """One int64 per band: a multiply-xor mix of the band's rows (consistent, not xxhash)."""
    rows = DEFAULT_MINHASH.rows
    mixed = signatures.astype(np.uint64).reshape(len(signatures), DEFAULT_MINHASH.bands, rows)
    h = np.full(mixed.shape[:2], np.uint64(1469598103934665603))
    with np.errstate(over="ignore"):
        for r in range(rows):
            h = (h ^ mixed[:, :, r]) * np.uint64(1099511628211)
    return h.view(np.int64)


def generate(lake: Lake, run_id: str, first: int, count: int, seed: int) -> None:
    """Stage ``count`` articles numbered from ``first`` as ``run_id``'s facts."""
    rng = np.random.default_rng(seed)
    staging = lake.staging_dir(run_id)
    writers = {}
    for name, schema in (("articles", ARTICLES), ("paragraphs", PARAGRAPHS), ("signatures", SIGNATURES)):
        (staging / name).mkdir(parents=True, exist_ok=True)
        writers[name] = pq.ParquetWriter(staging / name / "part-00000.parquet", schema, compression=PARQUET_COMPRESSION)
    started = T0 + timedelta(days=first % 365)
    for start in range(first, first + count, CHUNK):
        n = min(CHUNK, first + count - start)
        number = np.arange(start, start + n, dtype=np.uint64)
        ids = _hex(number * np.uint64(0x9E3779B97F4A7C15), 20)
        source = rng.integers(0, SOURCES, n)
        # Paragraph keys: random, except the copies and the sources' boilerplate.
        keys = rng.integers(0, 2**63, (n, PARAGRAPHS_PER_ARTICLE), dtype=np.uint64)
        signatures = rng.integers(0, 2**32, (n, DEFAULT_MINHASH.num_perm), dtype=np.uint64).astype(np.uint32)
        kind = rng.random(n)
        exact, near = kind < 0.02, (kind >= 0.02) & (kind < 0.05)
        # A copy repeats the article before it in the chunk (its "original").
        copies = np.flatnonzero(exact | near)
        copies = copies[copies > 0]
        keys[copies] = keys[copies - 1]
        signatures[copies] = signatures[copies - 1]
        near_rows = np.flatnonzero(near)
        near_rows = near_rows[near_rows > 0]
        changed = rng.random((len(near_rows), DEFAULT_MINHASH.num_perm)) < 0.10
        signatures[near_rows] = np.where(
            changed, rng.integers(0, 2**32, changed.shape, dtype=np.uint64).astype(np.uint32), signatures[near_rows]
        )
        keys[near_rows, -1] = rng.integers(0, 2**63, len(near_rows), dtype=np.uint64)  # the edited paragraph
        boiler = rng.random(n) < 0.30
        keys[boiler, 0] = source[boiler].astype(np.uint64) * np.uint64(2) + np.uint64(1)
        keys[boiler, 1] = source[boiler].astype(np.uint64) * np.uint64(2) + np.uint64(2)

        key_hex = _hex(keys.reshape(-1), 16)
        content = pa.array(
            [f"{v:032x}" for v in (keys[:, 2] ^ keys[:, 3] ^ keys[:, 5]).tolist()]
        )  # the content hash: equal for exact copies
        content = pc.if_else(pa.array(near), _hex(number, 32), content)
        source_names = pa.array(np.char.add("source-", source.astype(str)).astype(str))
        published = pa.array(
            (np.datetime64(T0.replace(tzinfo=None), "us")
             + rng.integers(0, 365 * 86400, n).astype("timedelta64[s]")).astype("datetime64[us]"),
            pa.timestamp("us", tz="UTC"),
        )
        body = pa.array(np.full(n, "synthetic body", dtype=object))
        zeros = pa.array(np.full(n, PARAGRAPHS_PER_ARTICLE, dtype=np.int32))
        strings = pa.array([[]] * n, ARTICLES.field("authors").type)
        run = pa.array(np.full(n, run_id, dtype=object), pa.string())
        columns = {
                "article_id": ids, "content_hash": content, "source": source_names,
                "source_id": pa.nulls(n, pa.string()),
                "url": pa.nulls(n, pa.string()), "title": pa.nulls(n, pa.string()), "authors": strings,
                "agency": pa.nulls(n, pa.string()), "published_at": published,
                "published_raw": pa.nulls(n, pa.string()), "published_tz": pa.nulls(n, pa.string()),
                "language": pa.nulls(n, pa.string()), "language_score": pa.nulls(n, pa.float32()),
                "language_raw": pa.nulls(n, pa.string()), "language_reason": pa.nulls(n, pa.string()), "body": body,
                "paragraph_count": zeros, "word_count": zeros, "char_count": zeros,
                "input_path": ids, "input_locator": pa.nulls(n, pa.string()),
                "input_format": pa.array(np.full(n, "jsonl", dtype=object), pa.string()),
                "duplicate_of": pa.nulls(n, pa.string()), "cluster_id": pa.nulls(n, pa.string()),
                "encoding": pa.array(np.full(n, "utf-8", dtype=object), pa.string()),
                "encoding_method": pa.array(np.full(n, "utf-8", dtype=object), pa.string()),
                "fixes": strings, "extra": pa.nulls(n, pa.string()), "run_id": run,
                "ingested_at": pa.array(np.full(n, np.datetime64(started.replace(tzinfo=None), "us")),
                                        pa.timestamp("us", tz="UTC")),
        }
        # Columns the synthetic lake has no value for (web-page provenance, dateline): null.
        for field in ARTICLES:
            columns.setdefault(field.name, pa.nulls(n, field.type))
        articles = pa.table(columns, schema=ARTICLES)
        m = n * PARAGRAPHS_PER_ARTICLE
        paragraphs = pa.table(
            {
                "article_id": pc.take(ids, pa.array(np.repeat(np.arange(n), PARAGRAPHS_PER_ARTICLE))),
                "position": pa.array(np.tile(np.arange(PARAGRAPHS_PER_ARTICLE, dtype=np.int32), n)),
                "text": pc.binary_join_element_wise("paragraph ", key_hex, ""),
                "status": pa.array(np.full(m, "kept", dtype=object), pa.string()),
                "repeat_of": pa.nulls(m, pa.int32()), "reason": pa.nulls(m, pa.string()), "key": key_hex,
                "word_count": pa.array(np.full(m, 2, dtype=np.int32)),
                "run_id": pa.array(np.full(m, run_id, dtype=object), pa.string()),
            },
            schema=PARAGRAPHS,
        )
        sigs = pa.table(
            {
                "article_id": ids,
                "minhash": _list(signatures, SIGNATURES.field("minhash").type),
                "bands": _list(_bands(signatures), SIGNATURES.field("bands").type),
                "run_id": run,
            },
            schema=SIGNATURES,
        )
        writers["articles"].write_table(articles)
        writers["paragraphs"].write_table(paragraphs)
        writers["signatures"].write_table(sigs)
    for writer in writers.values():
        writer.close()


def _consolidate_child(lake_root: str, run_id: str, memory_limit: str | None, queue) -> None:
    from flows.consolidate import DedupConfig, consolidate

    t = time.perf_counter()
    counts = consolidate(lake_root, run_id, DedupConfig(memory_limit=memory_limit))._asdict()
    seconds = time.perf_counter() - t
    queue.put((seconds, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024, counts))


def timed_consolidate(lake: Lake, run_id: str, memory_limit: str | None = None) -> dict:
    """Run consolidate in a fresh process; return its time, peak RSS and counts."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    child = context.Process(target=_consolidate_child, args=(str(lake.root), run_id, memory_limit, queue))
    child.start()
    seconds, rss, counts = queue.get()
    child.join()
    if child.exitcode:
        raise RuntimeError(f"consolidate failed with exit code {child.exitcode}")
    return {"seconds": round(seconds, 2), "peak_rss_mb": round(rss / 2**20, 1), "counts": counts}


def commit(lake: Lake, run_id: str, articles: int) -> None:
    now = datetime.now(UTC)
    row = {f.name: None for f in RUNS}
    row |= {
        "run_id": run_id, "started_at": now, "finished_at": now, "status": "completed", "input": "bench.dedup",
        "files_read": 0, "records_read": articles, "articles": articles, "rejects": 0, "paragraphs_read": 0,
        "paragraphs_kept": 0, "paragraphs_removed": [], "rejects_by_reason": [], "fixes_applied": [],
        "encodings": [], "stage_seconds": [], "config": "{}", "copydesk_version": "bench", "schema_version": "1",
        "files_discovered": 0, "files_unchanged": 0, "duplicates": 0, "decisions": [],
    }
    lake.commit(run_id, row)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--new-share", type=float, default=0.01, help="articles the incremental run adds")
    parser.add_argument("--keep", help="build the lake here and keep it (default: a temporary directory)")
    parser.add_argument("--memory-limit", help="DuckDB memory limit for consolidate, e.g. 1GB (default: DuckDB's)")
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args(argv)

    root = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="copydesk-bench-dedup-"))
    lake = Lake(root)
    try:
        t = time.perf_counter()
        generate(lake, "20240101T000000Z-bench1", 0, args.articles, seed=1)
        generate_seconds = time.perf_counter() - t
        full = timed_consolidate(lake, "20240101T000000Z-bench1", args.memory_limit)
        commit(lake, "20240101T000000Z-bench1", args.articles)
        new = max(1, int(args.articles * args.new_share))
        generate(lake, "20240102T000000Z-bench2", args.articles, new, seed=2)
        incremental = timed_consolidate(lake, "20240102T000000Z-bench2", args.memory_limit)
        lake_mb = sum(p.stat().st_size for p in root.rglob("*.parquet")) / 2**20
        result = {
            "articles": args.articles, "paragraphs": args.articles * PARAGRAPHS_PER_ARTICLE,
            "memory_limit": args.memory_limit,
            "generate_seconds": round(generate_seconds, 1), "lake_mb": round(lake_mb, 1),
            "full": full, "incremental": {"new_articles": new, **incremental},
        }
        print(f"dedup bench: {args.articles:,} articles ({lake_mb:,.0f} MB of Parquet)")
        for name, r in (("full", full), ("incremental", incremental)):
            c = r["counts"]
            print(
                f"  {name:<12} {r['seconds']:8.1f} s   peak RSS {r['peak_rss_mb']:8.1f} MB   "
                f"duplicates {c['duplicates']:,}  near {c['near_duplicates']:,}  clusters {c['clusters']:,}  "
                f"boilerplate keys {c['boilerplate_keys']:,}"
            )
        if args.json:
            Path(args.json).write_text(json.dumps(result, indent=2) + "\n")
        return 0
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
