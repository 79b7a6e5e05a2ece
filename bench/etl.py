"""The ETL benchmark behind ``make bench``.

Builds a deterministic corpus of about ``--mb`` MB from the BBC articles (10% of them
mojibake, ``bench.corpus``), writes it as JSON Lines files, and measures in one run:

- copydesk's ETL through the real CLI (Prefect flow, process pool, ``--workers``):
  wall time, time per stage, MB/s and articles/s, peak RSS;
- Prefect's fixed cost (the same CLI on one tiny file), reported apart from throughput;
- the text-repair step alone, ``transforms.repair.repair`` vs plain ``ftfy.fix_text``
  with the same config, on the same workers, checking the outputs are identical;
- the same records as one JSON Lines file (discover cuts it into pieces, so every
  worker is busy), against the 16 files, in the same run;
- datatrove's ``JsonlReader → FTFYFormatter → ParquetWriter`` with the same number of
  workers on the same files: the peer users would otherwise pick;
- the I/O floor: reading the JSON Lines and writing zstd Parquet with no cleaning, on the
  same workers.

All of it is printed as one table and written to ``bench/results/etl.md``.

Figures go to stdout and to ``bench/results/etl.json``; the machine is noisy, so each
timing is the median of ``--repeats`` runs and ratios compare figures from this run only.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"


def write_corpus(texts: list[str], folder: Path, files: int) -> int:
    """Write ``texts`` as ``files`` JSON Lines files ({id, title, text}); return bytes."""
    folder.mkdir(parents=True, exist_ok=True)
    handles = [open(folder / f"part-{i:03d}.jsonl", "w", encoding="utf-8") for i in range(files)]
    try:
        for n, text in enumerate(texts):
            title, _, body = text.partition("\n")
            record = {"id": f"bench-{n}", "title": title.strip(), "text": body.strip()}
            handles[n % files].write(json.dumps(record, ensure_ascii=False) + "\n")
    finally:
        for h in handles:
            h.close()
    return sum(p.stat().st_size for p in folder.glob("*.jsonl"))


def write_one_file(folder: Path, out: Path) -> int:
    """The files of ``folder`` concatenated, in name order, as one JSON Lines file."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "wb") as w:
        for p in sorted(folder.glob("*.jsonl")):
            w.write(p.read_bytes())
    return out.stat().st_size


def _floor_chunk(paths: list[str]) -> float:
    """Read JSON Lines files and write them as zstd Parquet (id, title, text): no cleaning."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    t = time.perf_counter()
    for path in paths:
        rows = [json.loads(line) for line in open(path, encoding="utf-8")]
        table = pa.Table.from_pylist(rows)
        pq.write_table(table, path + ".floor.parquet", compression="zstd")
        os.remove(path + ".floor.parquet")
    return time.perf_counter() - t


def io_floor_seconds(folder: Path, workers: int) -> float:
    paths = sorted(str(p) for p in folder.glob("*.jsonl"))
    with ProcessPoolExecutor(workers) as pool:
        list(pool.map(_warm, range(workers)))
        t = time.perf_counter()
        list(pool.map(_floor_chunk, [paths[i::workers] for i in range(workers)]))
    return time.perf_counter() - t


def _children_maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def run_cli(input: Path, lake: Path, workers: int) -> tuple[float, dict]:
    """Run ``copydesk run`` in a subprocess; return wall seconds and the runs row."""
    shutil.rmtree(lake, ignore_errors=True)
    t = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "flows.cli", "run", "--input", str(input), "--lake", str(lake),
         "--workers", str(workers), "--quiet"],
        cwd=ROOT, check=True, stdout=subprocess.DEVNULL,
    )
    wall = time.perf_counter() - t
    from flows.lake import Lake

    con = Lake(lake).connect()
    cur = con.execute("select * from runs order by finished_at desc limit 1")
    names = [d[0] for d in cur.description]
    row = dict(zip(names, cur.fetchone(), strict=True))
    return wall, row


def _repair_chunk(texts: list[str]) -> tuple[float, int]:
    from transforms.repair import repair

    t = time.perf_counter()
    out = [repair(x) for x in texts]
    return time.perf_counter() - t, hash(tuple(out))


def _ftfy_chunk(texts: list[str]) -> tuple[float, int]:
    import ftfy

    from transforms.repair import CONFIG

    t = time.perf_counter()
    out = [ftfy.fix_text(x, config=CONFIG) for x in texts]
    return time.perf_counter() - t, hash(tuple(out))


def parallel_seconds(fn, texts: list[str], workers: int) -> tuple[float, list[int]]:
    """Wall time of ``fn`` over ``texts`` split across ``workers`` processes."""
    chunks = [texts[i::workers] for i in range(workers)]
    with ProcessPoolExecutor(workers) as pool:
        list(pool.map(_warm, range(workers)))
        t = time.perf_counter()
        results = list(pool.map(fn, chunks))
    return time.perf_counter() - t, [h for _, h in results]


def _warm(_: int) -> None:
    import ftfy  # noqa: F401

    import transforms.repair  # noqa: F401


def run_datatrove(input: Path, out: Path, workers: int, files: int, more: bool = False) -> float:
    """datatrove's ftfy-only pipeline; ``more``: with the formatters that need no model or
    tokenizer download added (symbol-only lines removed, PII masked), the nearest to
    copydesk's cleaning it runs here (its language, quality and MinHash steps need a
    fastText model or spaCy)."""
    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.formatters import FTFYFormatter, PIIFormatter, SymbolLinesFormatter
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers import ParquetWriter

    shutil.rmtree(out, ignore_errors=True)
    steps = [FTFYFormatter(), SymbolLinesFormatter(), PIIFormatter()] if more else [FTFYFormatter()]
    executor = LocalPipelineExecutor(
        pipeline=[JsonlReader(str(input)), *steps, ParquetWriter(str(out / "data"))],
        tasks=files, workers=workers, logging_dir=str(out / "logs"), skip_completed=False,
    )
    t = time.perf_counter()
    executor.run()
    return time.perf_counter() - t


def results_table(r: dict) -> str:
    """The figures of one run as one Markdown table (the README's performance section)."""
    w = r["workers"]
    c, one, rep, fl = r["copydesk"], r["copydesk_one_file"], r["repair"], r["io_floor"]
    rows = [
        ("copydesk end to end, 16 files, net of fixed cost", c["mb_per_s"], c["net_seconds"],
         f"wall {c['wall_seconds']} s; {c['articles_per_s']:,.0f} articles/s"),
        ("copydesk end to end, the same records as one file", one["mb_per_s"], one["net_seconds"],
         f"{one['vs_16_files']}x the throughput of the 16 files (paired walls)"),
        ("copydesk end to end, the same records as one .jsonl.zst", r["copydesk_one_zst"]["mb_per_s"],
         r["copydesk_one_zst"]["net_seconds"],
         f"{r['copydesk_one_zst']['vs_16_files']}x the 16 files (paired walls; MB of JSON)"),
    ]
    if "datatrove" in r:
        d = r["datatrove"]
        rows.append(("datatrove JsonlReader → FTFYFormatter → ParquetWriter", d["mb_per_s"], d["wall_seconds"],
                     f"copydesk net / datatrove: {d['copydesk_net_vs_datatrove']}x"))
        m = r["datatrove_more"]
        rows.append(("datatrove + SymbolLinesFormatter + PIIFormatter", m["mb_per_s"], m["wall_seconds"],
                     "nearest datatrove cleaning without a model download"))
    rows += [
        ("plain ftfy.fix_text (no I/O)", rep["ftfy_fix_text_mb_per_s"], None, ""),
        ("copydesk repair alone (no I/O)", rep["copydesk_repair_mb_per_s"], None,
         f"{rep['speedup']}x ftfy, outputs identical: {rep['outputs_identical']}"),
        ("I/O floor: read JSONL, write zstd Parquet, no cleaning", fl["mb_per_s"], fl["wall_seconds"],
         f"{fl['mb_per_s_per_core']} MB/s per core"),
    ]
    lines = [f"{r['corpus_mb']} MB, {r['articles']:,} articles, {w} workers, median of {r['repeats']} paired"
             f" repeats; fixed cost (CLI + Prefect on one small file) {r['prefect_fixed_seconds']} s;"
             f" peak RSS of the largest process {c['peak_rss_mb_largest_process']} MB",
             "", "| pipeline | MB/s | seconds | note |", "|---|---|---|---|"]
    for name, rate, secs, note in rows:
        lines.append(f"| {name} | {rate:.2f} | {'' if secs is None else secs} | {note} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mb", type=float, default=100.0, help="corpus size in MB")
    parser.add_argument("--mojibake", type=float, default=0.10, help="share of mojibake articles")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--files", type=int, default=16, help="JSON Lines files in the corpus")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--workdir", default=str(ROOT / "data" / "bench"))
    parser.add_argument("--skip-datatrove", action="store_true")
    args = parser.parse_args(argv)

    from bench.corpus import build_corpus

    work = Path(args.workdir)
    corpus_dir = work / f"corpus-{args.mb:g}mb"
    print(f"building a {args.mb:g} MB corpus ({args.mojibake:.0%} mojibake) in {corpus_dir} ...", flush=True)
    texts = build_corpus(int(args.mb * 1e6), args.mojibake, seed=20261126)
    shutil.rmtree(corpus_dir, ignore_errors=True)
    size = write_corpus(texts, corpus_dir, args.files)
    mb = size / 1e6
    print(f"  {len(texts):,} articles, {mb:.1f} MB in {args.files} files; workers {args.workers}")

    results: dict = {"corpus_mb": round(mb, 2), "articles": len(texts), "workers": args.workers,
                     "mojibake_share": args.mojibake, "repeats": args.repeats}

    # Prefect's fixed cost: the whole CLI on one tiny file.
    tiny = work / "tiny"
    tiny.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "data" / "samples" / "000_4eeab82144f608e1.txt", tiny / "seed.txt")
    fixed = statistics.median(run_cli(tiny, work / "lake-tiny", 1)[0] for _ in range(args.repeats))
    results["prefect_fixed_seconds"] = round(fixed, 2)
    print(f"copydesk fixed cost (CLI + Prefect flow on one small file): {fixed:.2f} s")

    one_dir = work / f"one-{args.mb:g}mb"
    shutil.rmtree(one_dir, ignore_errors=True)
    write_one_file(corpus_dir, one_dir / "corpus.jsonl")
    zst_dir = work / f"zst-{args.mb:g}mb"
    shutil.rmtree(zst_dir, ignore_errors=True)
    zst_dir.mkdir(parents=True)
    import zstandard

    (zst_dir / "corpus.jsonl.zst").write_bytes(
        zstandard.ZstdCompressor(level=3).compress((one_dir / "corpus.jsonl").read_bytes()))
    walls, rows, one_walls, zst_walls = [], [], [], []
    for i in range(args.repeats):
        # Paired: the 16 files and the one file one after the other in each repeat.
        wall, row = run_cli(corpus_dir, work / "lake", args.workers)
        walls.append(wall)
        rows.append(row)
        one_wall, one_row = run_cli(one_dir, work / "lake-one", args.workers)
        one_walls.append(one_wall)
        zst_walls.append(run_cli(zst_dir, work / "lake-zst", args.workers)[0])
        print(f"  copydesk run {i + 1}: 16 files {wall:.1f} s, one file {one_wall:.1f} s,"
              f" one .jsonl.zst {zst_walls[-1]:.1f} s;"
              f" {row['articles']:,} / {one_row['articles']:,} articles, {row['rejects']} rejects",
              flush=True)
    wall = statistics.median(walls)
    row = rows[walls.index(wall)] if wall in walls else rows[-1]
    stages = dict(row["stage_seconds"])
    net = max(wall - fixed, 1e-9)
    results["copydesk"] = {
        "wall_seconds": round(wall, 2),
        "net_seconds": round(net, 2),
        "mb_per_s": round(mb / net, 2),
        "articles_per_s": round(len(texts) / net, 1),
        "stage_seconds": {k: round(v, 2) for k, v in stages.items()},
        "peak_rss_mb_largest_process": round(_children_maxrss_mb(), 1),
        "articles": row["articles"],
        "rejects": row["rejects"],
    }

    one_net = max(statistics.median(one_walls) - fixed, 1e-9)
    results["copydesk_one_file"] = {
        "wall_seconds": round(statistics.median(one_walls), 2), "net_seconds": round(one_net, 2),
        "mb_per_s": round(mb / one_net, 2),
        # Paired: each repeat's 16-file wall over its one-file wall, fixed cost included.
        "vs_16_files": round(statistics.median(a / b for a, b in zip(walls, one_walls, strict=True)), 2),
    }
    zst_net = max(statistics.median(zst_walls) - fixed, 1e-9)
    results["copydesk_one_zst"] = {
        "wall_seconds": round(statistics.median(zst_walls), 2), "net_seconds": round(zst_net, 2),
        "mb_per_s": round(mb / zst_net, 2),
        "vs_16_files": round(statistics.median(a / b for a, b in zip(walls, zst_walls, strict=True)), 2),
    }
    floor = statistics.median(io_floor_seconds(corpus_dir, args.workers) for _ in range(args.repeats))
    results["io_floor"] = {"wall_seconds": round(floor, 2), "mb_per_s": round(mb / floor, 2),
                           "mb_per_s_per_core": round(mb / floor / args.workers, 2)}

    t_ftfy, h_ftfy = [], None
    t_rep, h_rep = [], None
    for _ in range(args.repeats):
        s, h_ftfy = parallel_seconds(_ftfy_chunk, texts, args.workers)
        t_ftfy.append(s)
        s, h_rep = parallel_seconds(_repair_chunk, texts, args.workers)
        t_rep.append(s)
    identical = h_ftfy == h_rep
    results["repair"] = {
        "ftfy_fix_text_mb_per_s": round(mb / statistics.median(t_ftfy), 2),
        "copydesk_repair_mb_per_s": round(mb / statistics.median(t_rep), 2),
        "speedup": round(statistics.median(t_ftfy) / statistics.median(t_rep), 2),
        "outputs_identical": identical,
    }

    if not args.skip_datatrove:
        dt = [run_datatrove(corpus_dir, work / "datatrove", args.workers, args.files) for _ in range(args.repeats)]
        dt_more = [run_datatrove(corpus_dir, work / "datatrove", args.workers, args.files, more=True)
                   for _ in range(args.repeats)]
        results["datatrove_more"] = {"wall_seconds": round(statistics.median(dt_more), 2),
                                     "mb_per_s": round(mb / statistics.median(dt_more), 2)}
        dt_wall = statistics.median(dt)
        results["datatrove"] = {
            "wall_seconds": round(dt_wall, 2),
            "mb_per_s": round(mb / dt_wall, 2),
            "copydesk_net_vs_datatrove": round(dt_wall / net, 2),
            "copydesk_wall_vs_datatrove": round(dt_wall / wall, 2),
        }

    print()
    c = results["copydesk"]
    print(f"copydesk ETL          {c['mb_per_s']:7.2f} MB/s  {c['articles_per_s']:8.1f} articles/s"
          f"  (wall {c['wall_seconds']} s = fixed {fixed:.2f} s + {c['net_seconds']} s)")
    print("  stages: " + ", ".join(f"{k} {v} s" for k, v in c["stage_seconds"].items()))
    print(f"  peak RSS (largest process): {c['peak_rss_mb_largest_process']} MB")
    r = results["repair"]
    print(f"repair vs ftfy        {r['copydesk_repair_mb_per_s']:7.2f} vs {r['ftfy_fix_text_mb_per_s']:.2f} MB/s"
          f"  = {r['speedup']}x, outputs identical: {r['outputs_identical']}")
    if "datatrove" in results:
        d = results["datatrove"]
        print(f"datatrove JsonlReader→FTFYFormatter→ParquetWriter  {d['mb_per_s']:7.2f} MB/s"
              f" (wall {d['wall_seconds']} s)")
        print(f"  copydesk / datatrove throughput: {d['copydesk_net_vs_datatrove']}x net of fixed cost, "
              f"{d['copydesk_wall_vs_datatrove']}x wall")

    table = results_table(results)
    print("\n" + table)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "etl.md").write_text(table)
    out = RESULTS / "etl.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nwritten to {out.relative_to(ROOT)}")
    return 0 if identical else 1


if __name__ == "__main__":
    with tempfile.TemporaryDirectory():
        sys.exit(main())
