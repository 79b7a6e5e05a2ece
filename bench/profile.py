"""Where a shard's time goes, and one core's throughput: ``python -m bench.profile``.

Runs ``flows.shard.process_shard`` in this process, on one core, over two inputs:

- ``jsonl``: one JSON Lines file of the bench corpus (BBC articles, 10% of them mojibake,
  the records ``bench.etl`` times end to end), ``--mb`` MB of it (4 by default: one shard
  of the end-to-end run);
- ``bbc``: the first ``--files`` BBC ``.txt`` articles (600 by default).

For each, it first runs the shard under cProfile and prints the cumulative time of each
step (``STEPS``, the functions ``transforms.article.clean_record`` chains and the shard's
writes) as a share of the whole; cProfile slows Python code down more than C code, so
read the shares, not the seconds. Then it runs the same shard ``--repeat`` times without
the profiler and prints the per-core throughput: MB over the median wall time (and the
fastest run: the machine is shared, the fastest is the least disturbed), and MB per CPU
second of this process (``time.process_time``), which other processes disturb less.

``--minhash compiled`` (the default) loads the compiled MinHash kernel first
(``transforms.minhash_kernel``, what a worker uses once it has signed
``fingerprints.COMPILED_AFTER`` articles, as in any run of more than a few shards per
worker) and prints what loading it cost, apart from the figures, as the language detector
is warmed up apart; ``numpy`` keeps the numpy signature (what a small run uses
throughout); ``auto`` is a run's rule, which switches during the repeats. The signatures
are the same.

The figures are printed and written to ``--out`` (``bench/results/profile.txt``).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# (label, file, function): a step's time is the cumulative time of that function.
STEPS = [
    ("read input (readers)", "flows/readers/files.py", "iter_records"),
    ("  JSON parse", "transforms/jsonvalues.py", "parse_json"),
    ("clean_record (all of it)", "transforms/article.py", "clean_record"),
    ("  map fields", "transforms/fields.py", "map_fields"),
    ("  decode bytes (.txt)", "transforms/decoding.py", "decode"),
    ("  repair text (ftfy fast path)", "transforms/repair.py", "repair_and_explain"),
    ("  strip tags", "transforms/tags.py", "strip_tags"),
    ("  re-flow", "transforms/paragraphs.py", "reflow_and_explain"),
    ("  cut: comparison text, key, words", "transforms/paragraphs.py", "cut"),
    ("  clean title", "transforms/titles.py", "clean_title"),
    ("  paragraph steps (all four)", "transforms/cleaning.py", "apply_paragraph_steps"),
    ("    sign-offs", "transforms/wire.py", "find_signoffs"),
    ("    bylines", "transforms/bylines.py", "find_bylines"),
    ("    title repeats", "transforms/titles.py", "find_title_repeats"),
    ("    repeated paragraphs", "transforms/paragraphs.py", "find_repeats"),
    ("  dates", "transforms/dates.py", "parse_date"),
    ("  article values", "transforms/article.py", "article_values"),
    ("    language id (CLD2)", "transforms/language.py", "identify"),
    ("  MinHash signature and bands", "transforms/fingerprints.py", "fingerprint"),
    ("shard: rows into columns (and the writes they fill)", "flows/shard.py", "_add_article"),
    ("Parquet: Arrow tables and writes", "flows/shard.py", "flush"),
]


def jsonl_shard(mb: float, workdir: Path) -> Path:
    """One JSON Lines file of the bench corpus (``bench.etl``'s records), ``mb`` MB, built once."""
    from bench.corpus import build_corpus
    from bench.etl import write_corpus

    folder = workdir / f"profile-{mb:g}mb"
    if not (folder / "part-000.jsonl").exists():
        write_corpus(build_corpus(int(mb * 1e6), 0.10, seed=20261126), folder, 1)
    return folder


def profile_shard(name: str, files: list, repeat: int, out: io.StringIO) -> dict[str, float]:
    """Print ``STEPS``' shares under cProfile, then the per-core throughput; return the figures."""
    from flows.shard import process_shard

    mb = sum(f.size for f in files) / 1e6
    profile = cProfile.Profile()
    with tempfile.TemporaryDirectory() as lake:
        t = time.perf_counter()
        profile.enable()
        process_shard(0, files, "profile", datetime.now(UTC), lake)
        profile.disable()
        total = time.perf_counter() - t
    walls, cpus = [], []
    for _ in range(max(repeat, 1)):
        with tempfile.TemporaryDirectory() as lake:
            t, c = time.perf_counter(), time.process_time()
            process_shard(0, files, "plain", datetime.now(UTC), lake)
            walls.append(time.perf_counter() - t)
            cpus.append(time.process_time() - c)
    wall, cpu = statistics.median(walls), statistics.median(cpus)
    stats = pstats.Stats(profile).stats  # {(file, line, name): (cc, nc, tt, ct, callers)}
    print(f"{name}: process_shard over {len(files)} file(s), {mb:.2f} MB: {total:.2f} s under cProfile", file=out)
    for label, path, func_name in STEPS:
        cumulative = sum(v[3] for (file, _, func), v in stats.items() if file.endswith(path) and func == func_name)
        print(f"  {label:<50} {cumulative:6.2f} s  {cumulative / total:6.1%}", file=out)
    print(f"  per core: {mb / wall:.2f} MB/s (median wall {wall:.2f} s of {len(walls)}; fastest {min(walls):.2f} s, "
          f"{mb / min(walls):.2f} MB/s); {mb / cpu:.2f} MB per CPU second (median CPU {cpu:.2f} s)", file=out)
    return {"mb": mb, "wall": wall, "fastest": min(walls), "cpu": cpu}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", choices=["jsonl", "bbc", "both"], default="both")
    parser.add_argument("--mb", type=float, default=4.0, help="MB of the bench corpus in the JSON Lines shard")
    parser.add_argument("--files", type=int, default=600, help="BBC .txt files in the bbc shard")
    parser.add_argument("--repeat", type=int, default=3, help="runs without the profiler (median and fastest)")
    parser.add_argument("--minhash", choices=["auto", "compiled", "numpy"], default="compiled",
                        help="how signatures are computed (the same values): see the module's docstring")
    parser.add_argument("--workdir", default=str(ROOT / "data" / "bench"))
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "profile.txt"))
    args = parser.parse_args(argv)

    from bench.corpus import BBC
    from flows.readers import discover_inputs
    from transforms import fingerprints, language

    language.detect_language("warm the detector up once per process, as in a worker")
    out = io.StringIO()
    cpu, wall = time.process_time(), time.perf_counter()
    if fingerprints.use_compiled_minhash(args.minhash):
        fingerprints.tokens_minhash([b"load", b"the", b"kernel"])
        print(f"MinHash: compiled kernel, loaded in {time.process_time() - cpu:.2f} CPU s "
              f"({time.perf_counter() - wall:.2f} s wall) before the figures below", file=out)
    else:
        print(f"MinHash: numpy ({args.minhash}; the compiled kernel after "
              f"{fingerprints.COMPILED_AFTER:,} articles in a process)", file=out)
    if args.corpus in ("jsonl", "both"):
        folder = jsonl_shard(args.mb, Path(args.workdir))
        profile_shard("bench corpus, one JSON Lines shard (10% mojibake)", discover_inputs(str(folder)),
                      args.repeat, out)
    if args.corpus in ("bbc", "both"):
        profile_shard(f"BBC .txt, first {args.files} files", discover_inputs(str(BBC))[: args.files], args.repeat, out)
    print(out.getvalue(), end="")
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(out.getvalue(), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
