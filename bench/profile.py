"""Where a shard's time goes: ``python -m bench.profile [--files 600]``.

Runs ``flows.shard.process_shard`` in this process over the first ``--files`` BBC
articles under cProfile and prints the cumulative time of each per-article step as a
share of the whole. cProfile slows Python code down, so read the shares, not the seconds.
Then it runs the same shard ``--repeat`` times without the profiler and prints the median
and the fastest (the machine is shared: the fastest run is the least disturbed one), and
the median CPU time of this process, which other processes disturb less than wall time.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import tempfile
import time
from datetime import UTC, datetime

STEPS = [
    ("read input (readers)", "flows/readers/files.py", "iter_records"),
    ("clean_record (all of it)", "transforms/article.py", "clean_record"),
    ("  decode bytes", "transforms/decoding.py", "decode"),
    ("  repair text (ftfy fast path)", "transforms/repair.py", "repair_and_explain"),
    ("  re-flow paragraphs", "transforms/paragraphs.py", "reflow"),
    ("  paragraphs: comparison text, key", "transforms/paragraphs.py", "cut"),
    ("  bylines", "transforms/bylines.py", "is_byline"),
    ("  dates", "transforms/dates.py", "parse_date"),
    ("  language id (CLD2)", "transforms/language.py", "identify"),
    ("  title repeat check", "transforms/titles.py", "find_title_repeats"),
    ("  MinHash signature and bands", "transforms/fingerprints.py", "fingerprint"),
    ("Parquet writes", "flows/shard.py", "flush"),
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=600)
    parser.add_argument("--repeat", type=int, default=3, help="runs without the profiler (median and fastest)")
    args = parser.parse_args(argv)

    from bench.corpus import BBC
    from flows.readers import discover_inputs
    from flows.shard import process_shard
    from transforms import language

    language.detect_language("load the model before timing, once per process as in a worker")
    files = discover_inputs(str(BBC))[: args.files]
    profile = cProfile.Profile()
    with tempfile.TemporaryDirectory() as lake:
        t = time.perf_counter()
        profile.enable()
        process_shard(0, files, "profile", datetime.now(UTC), lake)
        profile.disable()
        total = time.perf_counter() - t
    # The same work without the profiler, and the two heaviest steps alone on the same texts.
    runs, cpu = [], []
    for _ in range(max(args.repeat, 1)):
        with tempfile.TemporaryDirectory() as lake:
            t, c = time.perf_counter(), time.process_time()
            process_shard(0, files, "plain", datetime.now(UTC), lake)
            runs.append(time.perf_counter() - t)
            cpu.append(time.process_time() - c)
    plain, fastest = statistics.median(runs), min(runs)
    from transforms.fingerprints import minhash

    texts = [open(f.path, encoding="utf-8", errors="replace").read() for f in files]
    t = time.perf_counter()
    for text in texts:
        language.detect_language(text)
    language_seconds = time.perf_counter() - t
    t = time.perf_counter()
    for text in texts:
        minhash(text)
    minhash_seconds = time.perf_counter() - t
    stats = pstats.Stats(profile).stats  # {(file, line, name): (cc, nc, tt, ct, callers)}
    mb = sum(f.size for f in files) / 1e6
    print(f"process_shard over {len(files)} BBC files ({mb:.2f} MB): {total:.2f} s under cProfile")
    for label, path, name in STEPS:
        cumulative = sum(v[3] for (file, _, func), v in stats.items() if file.endswith(path) and func == name)
        print(f"  {label:<32} {cumulative:6.2f} s  {cumulative / total:6.1%}")
    print(f"without the profiler: process_shard {plain:.2f} s ({mb / plain:.2f} MB/s on one core); "
          f"fastest of {len(runs)}: {fastest:.2f} s ({mb / fastest:.2f} MB/s); "
          f"CPU time (other processes on the machine count less here) {statistics.median(cpu):.2f} s "
          f"({mb / statistics.median(cpu):.2f} MB per CPU second); "
          f"language id alone {language_seconds:.2f} s ({language_seconds / plain:.0%}), "
          f"MinHash alone {minhash_seconds:.2f} s ({minhash_seconds / plain:.0%})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
