"""Benchmark the consolidate stage (boilerplate, exact and near duplicates) at scale.

    python -m bench.dedup --articles 100000 [--syndicated 5000] [--new-share 0.01] [--keep LAKE]
                          [--memory-limit 1GB|none] [--threads T] [--full-only]
    python -m bench.dedup --flat [44000 440000]

Builds a synthetic lake of ``--articles`` articles straight as Parquet facts (articles,
paragraphs, MinHash signatures), the way the shards would have staged them, then times:

1. ``full``: consolidate over all of them as one new run (the first run of a lake);
2. ``incremental``: after that run is committed, consolidate for a run that adds
   ``--new-share`` more articles, against the whole lake.

Each consolidate runs in a fresh (spawned) process, so its peak RSS is its own (DuckDB
works inside the process); it prints wall and CPU time (all threads), the RSS at the
start and the peak, the candidate pairs and the band join's rows. The synthetic corpus
has what consolidate looks for: 1,000 sources with two boilerplate paragraphs each (in
30% of their articles), 2% exact copies and 3% near-duplicates (signatures with ~10% of
positions changed); ``--syndicated N`` adds one story copied to N outlets (40% verbatim,
the others with 5% of positions changed), the case that must stay linear. Signatures are
random numbers rather than hashes of text: consolidate only joins and compares them.
``--flat`` prints the peak RSS of a full consolidate at lake sizes (by default the bench
corpus's 100 MB and 1 GB of input, about 44,000 and 440,000 articles) and their ratio.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from queue import Empty

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


_DIGITS = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)


def _hex(values: np.ndarray, width: int) -> pa.Array:
    """Hex strings of uint64 values, left-padded with zeros to ``width`` (at least 16).

    Vectorized (the nibbles of the big-endian bytes looked up in a digit table), the same
    strings as ``f"{v:0{width}x}"``.
    """
    data = values.astype(">u8").view(np.uint8).reshape(-1, 8)
    chars = np.full((len(data), width), ord("0"), dtype=np.uint8)
    chars[:, width - 16 :: 2] = _DIGITS[data >> 4]
    chars[:, width - 15 :: 2] = _DIGITS[data & 15]
    offsets = np.arange(0, (len(data) + 1) * width, width, dtype=np.int32)
    return pa.Array.from_buffers(pa.string(), len(data), [None, pa.py_buffer(offsets), pa.py_buffer(chars)])


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


def generate(lake: Lake, run_id: str, first: int, count: int, seed: int, syndicated: int = 0) -> None:
    """Stage ``count`` articles numbered from ``first`` as ``run_id``'s facts; with
    ``syndicated``, that many more: one story copied to as many outlets (see ``_syndicated``)."""
    rng = np.random.default_rng(seed)
    staging = lake.staging_dir(run_id)
    writers = {}
    for name, schema in (("articles", ARTICLES), ("paragraphs", PARAGRAPHS), ("signatures", SIGNATURES)):
        (staging / name).mkdir(parents=True, exist_ok=True)
        writers[name] = pq.ParquetWriter(staging / name / "part-00000.parquet", schema, compression=PARQUET_COMPRESSION)
    started = T0 + timedelta(days=first % 365)
    chunks = [(start, min(CHUNK, first + count - start), False) for start in range(first, first + count, CHUNK)]
    chunks += [(start, min(CHUNK, first + count + syndicated - start), True)
               for start in range(first + count, first + count + syndicated, CHUNK)]
    story = np.random.default_rng(STORY_SEED)  # the same story in every run
    story_keys = story.integers(0, 2**63, PARAGRAPHS_PER_ARTICLE, dtype=np.uint64)
    story_signature = story.integers(0, 2**32, DEFAULT_MINHASH.num_perm, dtype=np.uint64).astype(np.uint32)
    for start, n, copy in chunks:
        if copy:
            arrays = _syndicated(rng, start, n, story_keys, story_signature)
        else:
            arrays = _background(rng, start, n)
        tables = _tables(rng, run_id, started, *arrays)
        for name, table in zip(("articles", "paragraphs", "signatures"), tables, strict=True):
            writers[name].write_table(table)
    for writer in writers.values():
        writer.close()


def _background(rng: np.random.Generator, start: int, n: int) -> tuple:
    """The arrays of ``n`` articles of the background corpus numbered from ``start``."""
    number = np.arange(start, start + n, dtype=np.uint64)
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
    source_names = pa.array(np.char.add("source-", source.astype(str)).astype(str))
    return number, source_names, keys, signatures, near


STORY_SEED = 1_000_003
SYNDICATED_EXACT = 0.4  # the share of a syndicated story's copies that are verbatim
SYNDICATED_EDITS = 0.05  # the share of signature positions an edited copy changes


def _syndicated(rng: np.random.Generator, start: int, n: int, keys: np.ndarray, signature: np.ndarray) -> tuple:
    """``n`` copies of one story, numbered from ``start``, each in its own outlet: 40%
    verbatim, the others edited (5% of the signature's positions and the last paragraph
    changed, so the copies are near-duplicates of each other: about 0.9)."""
    number = np.arange(start, start + n, dtype=np.uint64)
    source_names = pa.array(np.char.add("outlet-", number.astype(str)).astype(str))
    keys = np.tile(keys, (n, 1))
    signatures = np.tile(signature, (n, 1))
    near = rng.random(n) >= SYNDICATED_EXACT
    rows = np.flatnonzero(near)
    changed = rng.random((len(rows), DEFAULT_MINHASH.num_perm)) < SYNDICATED_EDITS
    signatures[rows] = np.where(
        changed, rng.integers(0, 2**32, changed.shape, dtype=np.uint64).astype(np.uint32), signatures[rows]
    )
    keys[rows, -1] = rng.integers(0, 2**63, len(rows), dtype=np.uint64)
    return number, source_names, keys, signatures, near


def _tables(rng: np.random.Generator, run_id: str, started: datetime, number: np.ndarray, source_names: pa.Array,
            keys: np.ndarray, signatures: np.ndarray, near: np.ndarray) -> tuple[pa.Table, pa.Table, pa.Table]:
    """The articles, paragraphs and signatures tables of a chunk's arrays."""
    n = len(number)
    ids = _hex(number * np.uint64(0x9E3779B97F4A7C15), 20)
    key_hex = _hex(keys.reshape(-1), 16)
    content = _hex(keys[:, 2] ^ keys[:, 3] ^ keys[:, 5], 32)  # the content hash: equal for exact copies
    content = pc.if_else(pa.array(near), _hex(number, 32), content)
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
    return articles, paragraphs, sigs


def _rss_mb(field: str = "VmRSS") -> float:
    """This process's RSS (``VmRSS``) or its peak (``VmHWM``), in MB. The peak is the
    address space's, so it starts afresh at exec; ``ru_maxrss`` would carry the parent's
    peak over into the spawned child."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _consolidate_child(lake_root: str, run_id: str, config: dict, apart: bool, queue) -> None:
    from flows.consolidate import DedupConfig, consolidate, consolidate_apart

    base = _rss_mb()
    stats: dict = {}
    t, cpu = time.perf_counter(), time.process_time()
    if apart:  # as the flow does: this process only waits for consolidate's own
        counts = consolidate_apart(lake_root, run_id, DedupConfig(**config))._asdict()
    else:
        counts = consolidate(lake_root, run_id, DedupConfig(**config), stats=stats)._asdict()
    seconds, cpu = time.perf_counter() - t, time.process_time() - cpu
    queue.put((seconds, cpu, base, _rss_mb("VmHWM"), counts, stats))


def timed_consolidate(lake: Lake, run_id: str, config: dict | None = None, apart: bool = False) -> dict:
    """Run consolidate in a fresh process; return its time (wall and CPU, all threads),
    its RSS before consolidating and its peak RSS, the counts and consolidate's stats.
    With ``apart``, that process calls ``consolidate_apart`` as the flow does: the RSS is
    then the flow's process's (the CPU time and stats, of the waiting only, are not shown)."""
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    child = context.Process(target=_consolidate_child, args=(str(lake.root), run_id, config or {}, apart, queue))
    child.start()
    while True:  # a child that dies puts nothing: say so instead of waiting for ever
        try:
            seconds, cpu, base, rss, counts, stats = queue.get(timeout=1)
            break
        except Empty:
            if not child.is_alive():
                raise RuntimeError(f"consolidate's process died with exit code {child.exitcode}") from None
    child.join()
    if child.exitcode:
        raise RuntimeError(f"consolidate failed with exit code {child.exitcode}")
    return {"seconds": round(seconds, 2), "cpu_seconds": round(cpu, 2), "base_rss_mb": round(base, 1),
            "peak_rss_mb": round(rss, 1), "counts": counts, "stats": stats}


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


def _line(name: str, r: dict) -> str:
    c, st = r["counts"], r["stats"]
    return (
        f"  {name:<12} {r['seconds']:7.1f} s ({r['cpu_seconds']:7.1f} s CPU)   peak RSS {r['peak_rss_mb']:7.1f} MB"
        f" (at start {r['base_rss_mb']:5.1f})   candidate pairs {st.get('candidate_pairs', 0):,}"
        f" (band rows {st.get('band_pairs', 0):,}, largest bucket {st.get('largest_bucket', 0):,})"
        f"   duplicates {c['duplicates']:,}  near {c['near_duplicates']:,}  clusters {c['clusters']:,}"
        f"  boilerplate keys {c['boilerplate_keys']:,}"
    )


def _config(args: argparse.Namespace) -> dict:
    config = {}
    if args.memory_limit:
        config["memory_limit"] = None if args.memory_limit == "none" else args.memory_limit
    if args.threads:
        config["threads"] = args.threads
    return config


def bench(articles: int, args: argparse.Namespace, incremental: bool = True) -> dict:
    """Build a lake of ``articles`` (plus ``--syndicated`` copies of one story), time a full
    consolidate over it and, when ``incremental``, one for a run adding ``--new-share``."""
    root = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="copydesk-bench-dedup-"))
    lake = Lake(root)
    config = _config(args)
    try:
        t = time.perf_counter()
        generate(lake, "20240101T000000Z-bench1", 0, articles, seed=1, syndicated=args.syndicated)
        generate_seconds = time.perf_counter() - t
        lake_mb = sum(p.stat().st_size for p in root.rglob("*.parquet")) / 2**20
        full = timed_consolidate(lake, "20240101T000000Z-bench1", config, apart=args.apart)
        result = {
            "articles": articles, "syndicated": args.syndicated, "paragraphs": articles * PARAGRAPHS_PER_ARTICLE,
            "config": config, "generate_seconds": round(generate_seconds, 1), "lake_mb": round(lake_mb, 1),
            "full": full,
        }
        if incremental:
            commit(lake, "20240101T000000Z-bench1", articles + args.syndicated)
            new = max(1, int(articles * args.new_share))
            copies = int(args.syndicated * args.new_share) + (1 if args.syndicated else 0)  # more outlets
            generate(lake, "20240102T000000Z-bench2", articles + args.syndicated, new, seed=2, syndicated=copies)
            result["incremental"] = {"new_articles": new + copies,
                                     **timed_consolidate(lake, "20240102T000000Z-bench2", config, apart=args.apart)}
        return result
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--syndicated", type=int, default=0,
                        help="add one story copied to this many outlets (e.g. 5000)")
    parser.add_argument("--new-share", type=float, default=0.01, help="articles the incremental run adds")
    parser.add_argument("--keep", help="build the lake here and keep it (default: a temporary directory)")
    parser.add_argument("--memory-limit", help="DuckDB memory budget for consolidate, e.g. 1GB, or none "
                                               "(DuckDB's 80%% of RAM); default DedupConfig's")
    parser.add_argument("--threads", type=int, help="DuckDB threads for consolidate (default DedupConfig's)")
    parser.add_argument("--flat", type=int, nargs="*", metavar="ARTICLES",
                        help="instead: the peak RSS of a full consolidate at these lake sizes (default 44000 "
                             "440000: the bench corpus's 100 MB and 1 GB) and their ratio")
    parser.add_argument("--apart", action="store_true",
                        help="the measured process calls consolidate_apart, as the flow does: its RSS is the "
                             "flow's process's, consolidate's own is in the child it spawns")
    parser.add_argument("--full-only", action="store_true", help="no incremental run (for the largest lakes)")
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args(argv)

    if args.flat is not None:
        if args.keep:
            parser.error("--flat builds one lake per size: no --keep")
        sizes = args.flat or [44_000, 440_000]
        results = [bench(n, args, incremental=False) for n in sizes]
        where = "the caller of consolidate_apart (the flow's process)" if args.apart else "consolidate's process"
        print(f"peak RSS of {where} by lake size (full run, a fresh process each)")
        for r in results:
            print(f"  {r['articles']:>10,} articles ({r['lake_mb']:7,.0f} MB of Parquet)" + _line("", r["full"])[2:])
        low, high = results[0]["full"]["peak_rss_mb"], results[-1]["full"]["peak_rss_mb"]
        print(f"  peak RSS {high / low:.2f}x from {sizes[0]:,} to {sizes[-1]:,} articles")
        if args.json:
            Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
        return 0

    result = bench(args.articles, args, incremental=not args.full_only)
    extra = f" + one story in {args.syndicated:,} outlets" if args.syndicated else ""
    print(f"dedup bench: {args.articles:,} articles{extra} ({result['lake_mb']:,.0f} MB of Parquet)")
    for name in ("full", "incremental"):
        if name in result:
            print(_line(name, result[name]))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
