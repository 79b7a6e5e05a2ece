"""The article-extraction benchmark behind ``make bench`` (and the choice of extractor).

On the 181 real pages of ``../shared/corpora/article-extraction-benchmark`` (hand-checked
bodies; its own ``evaluate.py`` is the metric: body F1 over token 4-shingles), measures:

1. quality and speed of each candidate, on one core, on the same decoded pages
   (``transforms.html.decode_page``): trafilatura as it comes (``extract``, defaults),
   trafilatura without comments (balanced, and ``favor_precision``), resiliparse's
   main-content text, and copydesk's combination (``transforms.html.extract_text``);
2. extraction on every core (a process pool, one shard of pages per worker);
3. the whole ETL through the real CLI (``--workers``, all cores by default) on the pages
   as ``.html.gz`` files and on WARC files built from the same pages (gzip per record,
   with warcinfo, request, 404, image, revisit and metadata records around them; one WARC
   per worker, a file being a shard's unit): pages/s and MB/s of HTML, Prefect's fixed cost
   (the CLI on one tiny file) apart.

Figures go to stdout and ``bench/results/extraction.json``/``.txt``. ``--build-warc PATH``
only writes the WARC of the 181 pages (the README's worked example) and exits.
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import json
import os
import shutil
import statistics
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCHMARK = ROOT.parent / "shared" / "corpora" / "article-extraction-benchmark"
RESULTS = ROOT / "bench" / "results"


def load_pages() -> tuple[dict[str, dict], dict[str, bytes]]:
    """The ground truth and each page's bytes (as served), by page id."""
    truth = json.loads((BENCHMARK / "ground-truth.json").read_text(encoding="utf-8"))
    pages = {k: gzip.decompress((BENCHMARK / "html" / f"{k}.html.gz").read_bytes()) for k in truth}
    return truth, pages


def load_evaluate():
    """The benchmark's own ``evaluate.py`` as a module."""
    spec = importlib.util.spec_from_file_location("aeb_evaluate", BENCHMARK / "evaluate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def body_f1(truth: dict[str, dict], bodies: dict[str, str]) -> dict[str, float]:
    """F1, precision and recall of ``bodies`` by the benchmark's metric (no bootstrap)."""
    metrics = load_evaluate().evaluate(truth, {k: {"articleBody": v} for k, v in bodies.items()}, 1)
    return {k: round(metrics[k], 4) for k in ("f1", "precision", "recall")}


def _candidates():
    import trafilatura
    from resiliparse.extract.html2text import extract_plain_text
    from resiliparse.parse.html import HTMLTree

    from transforms.html import extract_text

    def traf(**kw):
        return lambda html: trafilatura.extract(html, **kw) or ""

    return {
        "trafilatura (defaults)": traf(),
        "trafilatura, no comments": traf(include_comments=False),
        "trafilatura, no comments, favor_precision": traf(include_comments=False, favor_precision=True),
        "resiliparse main content": lambda html: extract_plain_text(
            HTMLTree.parse(html), main_content=True, list_bullets=False, alt_texts=False),
        "copydesk (transforms.html.extract_text)": lambda html: "\n".join(extract_text(html)[0]),
    }


def decoded_pages(pages: dict[str, bytes]) -> dict[str, str]:
    from transforms.html import decode_page

    return {k: decode_page(raw)[0].text for k, raw in pages.items()}


def _extract_chunk(htmls: list[str]) -> int:
    from transforms.html import extract_page

    return sum(len(extract_page(h).paragraphs) > 0 for h in htmls)


def write_html_files(pages: dict[str, bytes], folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for k, raw in pages.items():
        (folder / f"{k}.html.gz").write_bytes(gzip.compress(raw))


def write_warcs(truth: dict[str, dict], pages: dict[str, bytes], folder: Path, files: int) -> None:
    from tests.warc_cases import build_warc

    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    keys = list(pages)
    for i in range(files):
        part = [(truth[k]["url"], pages[k]) for k in keys[i::files]]
        build_warc(folder / f"pages-{i:02d}.warc.gz", part, gzip="record")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--workdir", default=str(ROOT / "data" / "bench" / "extraction"))
    parser.add_argument("--skip-etl", action="store_true", help="only the extraction figures")
    parser.add_argument("--build-warc", metavar="PATH", help="write the 181 pages as one WARC and exit")
    args = parser.parse_args(argv)
    if not BENCHMARK.is_dir():
        print(f"skipped: {BENCHMARK} is missing (the shared corpora sit beside the repository)")
        return 0
    truth, pages = load_pages()
    if args.build_warc:
        from tests.warc_cases import build_warc

        out = Path(args.build_warc)
        out.parent.mkdir(parents=True, exist_ok=True)
        build_warc(out, [(truth[k]["url"], pages[k]) for k in pages], gzip="record")
        print(f"{out}: {len(pages)} pages, {out.stat().st_size:,} bytes")
        return 0

    html_mb = sum(len(raw) for raw in pages.values()) / 1e6
    texts = decoded_pages(pages)
    lines = [f"article-extraction-benchmark: {len(pages)} pages, {html_mb:.2f} MB of HTML; "
             f"median of {args.repeats} timings; workers {args.workers}", ""]
    results: dict = {"pages": len(pages), "html_mb": round(html_mb, 2), "workers": args.workers, "candidates": {}}

    lines += ["| extractor (one core) | F1 | precision | recall | pages/s | MB/s |", "|---|---|---|---|---|---|"]
    for name, extract in _candidates().items():
        timings = []
        for _ in range(args.repeats):
            t = time.perf_counter()
            bodies = {k: extract(h) for k, h in texts.items()}
            timings.append(time.perf_counter() - t)
        seconds = statistics.median(timings)
        scores = body_f1(truth, bodies)
        row = {**scores, "pages_per_s": round(len(pages) / seconds, 1), "mb_per_s": round(html_mb / seconds, 3)}
        results["candidates"][name] = row
        lines.append(f"| {name} | {row['f1']:.4f} | {row['precision']:.4f} | {row['recall']:.4f} "
                     f"| {row['pages_per_s']} | {row['mb_per_s']} |")
        print(lines[-1], flush=True)

    # Extraction on every core: one shard of pages per worker.
    htmls = list(texts.values())
    shards = [htmls[i :: args.workers] for i in range(args.workers)]
    with ProcessPoolExecutor(args.workers) as pool:
        list(pool.map(_extract_chunk, [s[:2] for s in shards]))  # warm the workers (imports)
        timings = []
        for _ in range(args.repeats):
            t = time.perf_counter()
            list(pool.map(_extract_chunk, shards))
            timings.append(time.perf_counter() - t)
    seconds = statistics.median(timings)
    results["extract_page_all_cores"] = {"pages_per_s": round(len(pages) / seconds, 1),
                                         "mb_per_s": round(html_mb / seconds, 3)}
    lines += ["", f"extract_page on {args.workers} processes: {len(pages) / seconds:.1f} pages/s, "
              f"{html_mb / seconds:.3f} MB/s of HTML"]
    print(lines[-1], flush=True)

    if not args.skip_etl:
        from bench.etl import run_cli

        work = Path(args.workdir)
        tiny = work / "tiny"
        tiny.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / "data" / "samples" / "000_4eeab82144f608e1.txt", tiny / "seed.txt")
        fixed = statistics.median(run_cli(tiny, work / "lake-tiny", 1)[0] for _ in range(args.repeats))
        results["prefect_fixed_seconds"] = round(fixed, 2)
        write_html_files(pages, work / "html")
        write_warcs(truth, pages, work / "warc", args.workers)
        lines += ["", f"whole ETL through the CLI, {args.workers} workers (fixed cost {fixed:.1f} s apart):", "",
                  "| input | wall s | net s | pages/s | MB/s of HTML | articles | rejects | skipped |",
                  "|---|---|---|---|---|---|---|---|"]
        for label, folder in (("181 .html.gz files", work / "html"),
                              (f"{args.workers} WARC files, gzip per record", work / "warc")):
            runs = [run_cli(folder, work / "lake-etl", args.workers) for _ in range(args.repeats)]
            wall = statistics.median(w for w, *_ in runs)
            row = runs[-1][1]
            net = max(wall - fixed, 1e-9)
            skipped = dict(row.get("records_skipped") or {})
            results[label] = {"wall_seconds": round(wall, 2), "net_seconds": round(net, 2),
                              "pages_per_s": round(len(pages) / net, 1), "mb_per_s": round(html_mb / net, 3),
                              "articles": row["articles"], "rejects": row["rejects"],
                              "records_read": row["records_read"], "records_skipped": skipped}
            lines.append(f"| {label} | {wall:.1f} | {net:.1f} | {len(pages) / net:.1f} | {html_mb / net:.3f} "
                         f"| {row['articles']} | {row['rejects']} | {sum(skipped.values())} |")
            print(lines[-1], flush=True)

    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "extraction.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    (RESULTS / "extraction.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
