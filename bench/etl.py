"""The ETL benchmark behind ``make bench``.

Builds a deterministic corpus of about ``--mb`` MB from the BBC articles (10% of them
mojibake, ``bench.corpus``), writes it as JSON Lines files, and measures in one run:

- copydesk's ETL through the real CLI (Prefect flow, process pool, ``--workers``):
  wall time, time per stage, MB/s and articles/s, peak RSS;
- Prefect's fixed cost (the same CLI on one tiny file, median wall and CPU of 5 runs after
  a warm-up; ``--fixed-only`` measures just that), reported apart from throughput;
- the text-repair step alone, ``transforms.repair.repair`` vs plain ``ftfy.fix_text``
  with the same config, on the same workers, checking the outputs are identical;
- the same records as one JSON Lines file, one ``.jsonl.zst`` and one CSV (``id,title,text``,
  written with Python's csv module), each against the 16 files, paired in each repeat;
- the 16 files on ``--runner dask``, on a local Dask cluster the bench starts and stops
  (``--dask-address``, as ``DASK_ADDRESS`` does), net of its own fixed cost;
- datatrove's ``JsonlReader → FTFYFormatter → ParquetWriter`` with the same number of
  workers on the same files: the peer users would otherwise pick. datatrove is not in
  copydesk's lock: the bench installs it in an environment of its own
  (``data/bench/venv-datatrove``, from the pinned ``bench/datatrove-requirements.txt``, with
  uv) and runs ``bench/datatrove_run.py`` there; when that cannot be installed, it says why
  and leaves those rows out;
- the I/O floor: reading the JSON Lines and writing zstd Parquet with no cleaning, on the
  same workers.

All of it is printed as one table and written to ``bench/results/etl.md``, with the peak
RSS of each process of the copydesk runs (the flow's main process and each worker),
sampled while they run. ``--mb 1000`` (``make bench BENCH_MB=1000``) runs 1 GB end to end
once (one repeat unless ``--repeats`` says otherwise) and writes ``etl-1000mb.md`` and
``.json`` instead, beside the default corpus's table.

Figures go to stdout and to ``bench/results/etl.json``; the machine is noisy, so each
timing is the median of ``--repeats`` runs and ratios compare figures from this run only.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
DATATROVE_REQUIREMENTS = ROOT / "bench" / "datatrove-requirements.txt"
DATATROVE_SCRIPT = ROOT / "bench" / "datatrove_run.py"
# From this corpus size on, one repeat unless --repeats says otherwise.
BIG_MB = 1000
# The corpus of make bench, whose table is bench/results/etl.md and the README's.
DEFAULT_MB = 100.0


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
            with open(p, "rb") as r:
                shutil.copyfileobj(r, w, 1 << 20)
    return out.stat().st_size


def write_zst(source: Path, out: Path) -> int:
    """``source`` compressed as one zstd stream (level 3), streamed: 1 GB needs no 1 GB buffer."""
    import zstandard

    out.parent.mkdir(parents=True, exist_ok=True)
    with open(source, "rb") as r, open(out, "wb") as w:
        zstandard.ZstdCompressor(level=3).copy_stream(r, w)
    return out.stat().st_size


def write_csv(texts: list[str], out: Path) -> int:
    """The corpus records (as ``write_corpus`` makes them) as one CSV file, ``id,title,text``,
    written with Python's csv module (fields with newlines or quotes are quoted)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "title", "text"])
        for n, text in enumerate(texts):
            title, _, body = text.partition("\n")
            writer.writerow([f"bench-{n}", title.strip(), body.strip()])
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


class RssSampler:
    """Peak RSS of each process of a run, sampled every ``interval`` seconds while it runs:
    the CLI's process (``main``), the processes it starts (``worker``: the task runner's
    pool; Python's resource tracker left out), and ``extra`` processes that do the run's
    work without being its children (a Dask cluster's workers)."""

    def __init__(self, pid: int, extra: list[int] = (), interval: float = 0.1):
        self.pid, self.extra, self.interval = pid, list(extra), interval
        self.peak: dict[int, tuple[str, int]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        import psutil

        try:
            main = psutil.Process(self.pid)
        except psutil.Error:
            return
        extra = []
        for pid in self.extra:
            try:
                extra.append(psutil.Process(pid))
            except psutil.Error:
                pass
        while not self._stop.is_set():
            try:
                procs = [(main, "main")] + [(c, "worker") for c in main.children(recursive=True)]
            except psutil.Error:
                procs = []
            procs += [(p, "worker") for p in extra]
            for proc, role in procs:
                try:
                    if role == "worker" and "resource_tracker" in " ".join(proc.cmdline()):
                        continue
                    rss = proc.memory_info().rss
                except psutil.Error:
                    continue
                if rss > self.peak.get(proc.pid, ("", 0))[1]:
                    self.peak[proc.pid] = (role, rss)
            self._stop.wait(self.interval)

    def summary(self) -> dict:
        """``{"main_mb": ..., "workers_mb": [largest first]}``."""
        main = [rss for role, rss in self.peak.values() if role == "main"]
        workers = sorted((rss for role, rss in self.peak.values() if role == "worker"), reverse=True)
        return {"main_mb": round(max(main, default=0) / 2**20, 1),
                "workers_mb": [round(w / 2**20, 1) for w in workers]}


def run_cli(input: Path, lake: Path, workers: int, runner: str = "process", dask_address: str | None = None,
            rss_of: list[int] = ()) -> tuple[float, dict, dict]:
    """Run ``copydesk run`` in a subprocess; return wall seconds, the runs row and the peak
    RSS of its processes (``RssSampler.summary``)."""
    shutil.rmtree(lake, ignore_errors=True)
    command = [sys.executable, "-m", "flows.cli", "run", "--input", str(input), "--lake", str(lake),
               "--workers", str(workers), "--runner", runner, "--quiet"]
    if dask_address:
        command += ["--dask-address", dask_address]
    t = time.perf_counter()
    proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL)
    with RssSampler(proc.pid, rss_of) as sampler:
        code = proc.wait()
    wall = time.perf_counter() - t
    if code:
        raise subprocess.CalledProcessError(code, command)
    from flows.lake import Lake

    con = Lake(lake).connect()
    cur = con.execute("select * from runs order by finished_at desc limit 1")
    names = [d[0] for d in cur.description]
    row = dict(zip(names, cur.fetchone(), strict=True))
    return wall, row, sampler.summary()


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


def datatrove_python(work: Path) -> tuple[str | None, str]:
    """The interpreter of the bench's datatrove environment (``work/venv-datatrove``), made
    with uv from ``bench/datatrove-requirements.txt`` when missing or out of date; or None
    and why it could not be made."""
    uv = ROOT / ".tools" / "bin" / "uv"
    uv = str(uv) if uv.exists() else shutil.which("uv")
    if not uv:
        return None, "uv not found (.tools/bin/uv, made by `make setup`, or uv on PATH)"
    venv = work / "venv-datatrove"
    python = venv / "bin" / "python"
    wanted = hashlib.sha256(DATATROVE_REQUIREMENTS.read_bytes()).hexdigest()
    stamp = venv / ".requirements-sha256"
    if python.exists() and stamp.exists() and stamp.read_text().strip() == wanted:
        return str(python), ""
    print(f"installing datatrove in {venv} from {DATATROVE_REQUIREMENTS.relative_to(ROOT)} ...", flush=True)
    shutil.rmtree(venv, ignore_errors=True)
    for step in ([uv, "venv", "--quiet", "--python", sys.executable, str(venv)],
                 [uv, "pip", "install", "--quiet", "--python", str(python), "--require-hashes",
                  "-r", str(DATATROVE_REQUIREMENTS)]):
        done = subprocess.run(step, capture_output=True, text=True)
        if done.returncode:
            reason = (done.stderr.strip() or done.stdout.strip()).splitlines()
            return None, f"`{' '.join(step[:3])} ...` failed: {reason[-1] if reason else done.returncode}"
    check = subprocess.run([str(python), "-c", "import datatrove.executor, datatrove.pipeline.formatters, "
                            "datatrove.pipeline.readers, datatrove.pipeline.writers, ftfy, orjson, pyarrow"],
                           capture_output=True, text=True)
    if check.returncode:
        lines = check.stderr.strip().splitlines()
        return None, f"datatrove installed but does not import: {lines[-1] if lines else check.returncode}"
    stamp.write_text(wanted + "\n")
    return str(python), ""


def run_datatrove(python: str, input: Path, out: Path, workers: int, files: int, more: bool = False) -> float:
    """datatrove's ftfy-only pipeline, in its own environment (``bench/datatrove_run.py``);
    ``more``: with the formatters that need no model or tokenizer download added (symbol-only
    lines removed, PII masked), the nearest to copydesk's cleaning it runs here (its
    language, quality and MinHash steps need a fastText model or spaCy). The executor's
    wall seconds."""
    command = [python, str(DATATROVE_SCRIPT), "--input", str(input), "--out", str(out),
               "--workers", str(workers), "--tasks", str(files)] + (["--more"] if more else [])
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"datatrove failed ({done.returncode}): {done.stderr.strip()[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])["wall_seconds"]


class LocalDask:
    """A local Dask cluster on loopback, as ``tests/test_dask.py`` starts one: ``workers``
    single-threaded worker processes, no dashboard; its address goes to ``--dask-address``
    (what ``DASK_ADDRESS`` sets). Its workers inherit ``PREFECT_API_URL`` from this process."""

    def __init__(self, workers: int):
        self.workers = workers

    def __enter__(self) -> LocalDask:
        os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "warning")
        import psutil
        from distributed import LocalCluster

        before = {p.pid for p in psutil.Process().children(recursive=True)}
        self.cluster = LocalCluster(n_workers=self.workers, threads_per_worker=1, processes=True,
                                    dashboard_address=None, host="127.0.0.1")
        self.address = self.cluster.scheduler_address
        # The worker processes, for RssSampler: they are this process's children, not the CLI's.
        self.pids = [p.pid for p in psutil.Process().children(recursive=True) if p.pid not in before
                     and "resource_tracker" not in " ".join(p.cmdline())]
        return self

    def __exit__(self, *exc) -> None:
        self.cluster.close()


def _rss_note(rss: dict) -> str:
    if not rss["workers_mb"]:
        return f"main {rss['main_mb']:,.0f} MB, no worker process (the shards ran in the main process)"
    return f"main {rss['main_mb']:,.0f} MB, workers {', '.join(f'{w:,.0f}' for w in rss['workers_mb'])} MB"


def results_table(r: dict) -> str:
    """The figures of one run as one Markdown table (the README's performance section)."""
    w = r["workers"]
    c, rep, fl = r["copydesk"], r["repair"], r["io_floor"]
    rows = [
        ("copydesk end to end, 16 files, net of fixed cost", c["mb_per_s"], c["net_seconds"],
         f"wall {c['wall_seconds']} s; {c['articles_per_s']:,.0f} articles/s"),
    ]
    for key, name in (("copydesk_one_file", "the same records as one file"),
                      ("copydesk_one_zst", "the same records as one .jsonl.zst"),
                      ("copydesk_one_csv", "the same records as one CSV")):
        x = r[key]
        rows.append((f"copydesk end to end, {name}", x["mb_per_s"], x["net_seconds"],
                     f"{x['vs_16_files']}x the throughput of the 16 files (paired walls; MB of JSON Lines)"))
    if "copydesk_dask" in r:
        d = r["copydesk_dask"]
        rows.append(("copydesk end to end, 16 files, RUNNER=dask, net of its fixed cost", d["mb_per_s"],
                     d["net_seconds"], f"local cluster of {w} workers; fixed cost {d['fixed_seconds']} s; "
                     f"{d['vs_process']}x the process pool's net throughput"))
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
    lines += ["", "Peak RSS per process, sampled every 0.1 s during the run (median run):"]
    for key, name in (("copydesk", "16 files"), ("copydesk_one_file", "one file"),
                      ("copydesk_one_zst", "one .jsonl.zst"), ("copydesk_one_csv", "one CSV"),
                      ("copydesk_dask", "16 files on Dask")):
        if key in r:
            lines.append(f"- {name}: {_rss_note(r[key]['peak_rss'])}")
    if "datatrove_skipped" in r:
        lines += ["", f"datatrove rows left out: {r['datatrove_skipped']}"]
    return "\n".join(lines) + "\n"


def _median_run(walls: list[float], others: list) -> tuple[float, object]:
    """The median wall and what the run of that wall gave (the upper median's run for an
    even count)."""
    order = sorted(range(len(walls)), key=walls.__getitem__)
    i = order[len(order) // 2]
    return walls[i], others[i]


def _vs(walls: list[float], other: list[float]) -> float:
    """Paired: the median of each repeat's 16-file wall over the other wall (fixed cost included)."""
    return round(statistics.median(a / b for a, b in zip(walls, other, strict=True)), 2)


# The fixed cost is the median of at least this many runs, after one that is not counted
# (the first run after the server starts registers the flow, and may compile bytecode).
FIXED_RUNS = 5


def fixed_cost(work: Path, runs: int = FIXED_RUNS) -> tuple[float, float]:
    """The fixed cost of a run on a warm server: the whole CLI (``copydesk run``, one
    worker) on one small file into a new lake, as median wall and median CPU seconds (user
    and system of the CLI and the processes it waited for) of ``runs`` runs after a warm-up."""
    tiny = work / "tiny"
    tiny.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "data" / "samples" / "000_4eeab82144f608e1.txt", tiny / "seed.txt")
    walls: list[float] = []
    cpus: list[float] = []
    for i in range(runs + 1):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        wall = run_cli(tiny, work / "lake-tiny", 1)[0]
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if i:
            walls.append(wall)
            cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(walls), statistics.median(cpus)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mb", type=float, default=DEFAULT_MB,
                        help="corpus size in MB (results in bench/results/etl.md, or etl-<MB>mb.md for another size)")
    parser.add_argument("--mojibake", type=float, default=0.10, help="share of mojibake articles")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--files", type=int, default=16, help="JSON Lines files in the corpus")
    parser.add_argument("--repeats", type=int, default=None,
                        help=f"paired repeats (default 3; 1 from --mb {BIG_MB} on)")
    parser.add_argument("--workdir", default=str(ROOT / "data" / "bench"))
    parser.add_argument("--skip-datatrove", action="store_true")
    parser.add_argument("--skip-dask", action="store_true")
    parser.add_argument("--fixed-only", action="store_true",
                        help="measure the fixed cost only (one small file, a warm server) and print it")
    args = parser.parse_args(argv)
    repeats = args.repeats or (1 if args.mb >= BIG_MB else 3)
    work = Path(args.workdir)
    # Prefect's fixed cost: the whole CLI on one tiny file (``--fixed-only``: just that).
    fixed, fixed_cpu = fixed_cost(work, max(FIXED_RUNS, repeats))
    print(f"copydesk fixed cost (CLI + Prefect flow on one small file): {fixed:.2f} s wall, "
          f"{fixed_cpu:.2f} s CPU", flush=True)
    if args.fixed_only:
        return 0

    from bench.corpus import build_corpus

    corpus_dir = work / f"corpus-{args.mb:g}mb"
    print(f"building a {args.mb:g} MB corpus ({args.mojibake:.0%} mojibake) in {corpus_dir} ...", flush=True)
    texts = build_corpus(int(args.mb * 1e6), args.mojibake, seed=20261126)
    shutil.rmtree(corpus_dir, ignore_errors=True)
    size = write_corpus(texts, corpus_dir, args.files)
    mb = size / 1e6
    print(f"  {len(texts):,} articles, {mb:.1f} MB in {args.files} files; workers {args.workers}")

    results: dict = {"corpus_mb": round(mb, 2), "articles": len(texts), "workers": args.workers,
                     "mojibake_share": args.mojibake, "repeats": repeats}

    tiny = work / "tiny"  # fixed_cost's file, which the Dask runner's fixed cost runs too
    results["prefect_fixed_seconds"] = round(fixed, 2)
    results["prefect_fixed_cpu_seconds"] = round(fixed_cpu, 2)

    one_dir, zst_dir, csv_dir = (work / f"{kind}-{args.mb:g}mb" for kind in ("one", "zst", "csv"))
    for folder in (one_dir, zst_dir, csv_dir):
        shutil.rmtree(folder, ignore_errors=True)
    write_one_file(corpus_dir, one_dir / "corpus.jsonl")
    write_zst(one_dir / "corpus.jsonl", zst_dir / "corpus.jsonl.zst")
    write_csv(texts, csv_dir / "corpus.csv")
    variants = {"copydesk": corpus_dir, "copydesk_one_file": one_dir, "copydesk_one_zst": zst_dir,
                "copydesk_one_csv": csv_dir}
    walls: dict[str, list[float]] = {k: [] for k in variants}
    runs: dict[str, list] = {k: [] for k in variants}
    for i in range(repeats):
        # Paired: the 16 files and each single-file form one after the other in each repeat.
        for key, folder in variants.items():
            wall, row, rss = run_cli(folder, work / f"lake-{key}", args.workers)
            walls[key].append(wall)
            runs[key].append((row, rss))
        rows = {k: runs[k][-1][0] for k in variants}
        label = {k: k.removeprefix("copydesk_") if k != "copydesk" else "16 files" for k in variants}
        print(f"  copydesk run {i + 1}: " + ", ".join(f"{label[k]} {walls[k][-1]:.1f} s" for k in variants)
              + f"; articles {' / '.join(str(r['articles']) for r in rows.values())},"
              f" rejects {' / '.join(str(r['rejects']) for r in rows.values())}", flush=True)
        for key, r in rows.items():  # records read = articles + rejects, whatever the form
            if r["records_read"] != r["articles"] + r["rejects"]:
                raise SystemExit(f"{key}: records read {r['records_read']} != articles {r['articles']} "
                                 f"+ rejects {r['rejects']}")
    wall, (row, rss) = _median_run(walls["copydesk"], runs["copydesk"])
    net = max(wall - fixed, 1e-9)
    results["copydesk"] = {
        "wall_seconds": round(wall, 2),
        "net_seconds": round(net, 2),
        "mb_per_s": round(mb / net, 2),
        "articles_per_s": round(len(texts) / net, 1),
        "stage_seconds": {k: round(v, 2) for k, v in dict(row["stage_seconds"]).items()},
        "peak_rss_mb_largest_process": round(_children_maxrss_mb(), 1),
        "peak_rss": rss,
        "articles": row["articles"],
        "rejects": row["rejects"],
    }
    for key in ("copydesk_one_file", "copydesk_one_zst", "copydesk_one_csv"):
        other, (other_row, other_rss) = _median_run(walls[key], runs[key])
        other_net = max(other - fixed, 1e-9)
        results[key] = {"wall_seconds": round(other, 2), "net_seconds": round(other_net, 2),
                        "mb_per_s": round(mb / other_net, 2), "vs_16_files": _vs(walls["copydesk"], walls[key]),
                        "articles": other_row["articles"], "rejects": other_row["rejects"], "peak_rss": other_rss}

    if not args.skip_dask:
        try:
            with LocalDask(args.workers) as dask:
                # Not counted: the cluster's fresh workers import Prefect and copydesk on their
                # first task; the figures are those of a warm cluster, as DASK_ADDRESS reaches.
                run_cli(tiny, work / "lake-tiny-dask", 1, "dask", dask.address)
                dask_fixed = statistics.median(run_cli(tiny, work / "lake-tiny-dask", 1, "dask", dask.address)[0]
                                               for _ in range(repeats))
                dask_runs = [run_cli(corpus_dir, work / "lake-dask", args.workers, "dask", dask.address, dask.pids)
                             for _ in range(repeats)]
        except ImportError as exc:
            results["dask_skipped"] = f"distributed is not importable: {exc}"
        else:
            d_wall, (d_row, d_rss) = _median_run([w for w, _, _ in dask_runs], [(r, s) for _, r, s in dask_runs])
            d_net = max(d_wall - dask_fixed, 1e-9)
            results["copydesk_dask"] = {
                "wall_seconds": round(d_wall, 2), "fixed_seconds": round(dask_fixed, 2),
                "net_seconds": round(d_net, 2), "mb_per_s": round(mb / d_net, 2),
                "vs_process": round((mb / d_net) / results["copydesk"]["mb_per_s"], 2),
                "articles": d_row["articles"], "rejects": d_row["rejects"], "peak_rss": d_rss,
            }
            print(f"  copydesk on Dask: fixed {dask_fixed:.2f} s, 16 files {d_wall:.1f} s", flush=True)

    floor = statistics.median(io_floor_seconds(corpus_dir, args.workers) for _ in range(repeats))
    results["io_floor"] = {"wall_seconds": round(floor, 2), "mb_per_s": round(mb / floor, 2),
                           "mb_per_s_per_core": round(mb / floor / args.workers, 2)}

    t_ftfy, h_ftfy = [], None
    t_rep, h_rep = [], None
    for _ in range(repeats):
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

    python, why = (None, "--skip-datatrove") if args.skip_datatrove else datatrove_python(work)
    if python is None:
        results["datatrove_skipped"] = why
        print(f"datatrove rows left out: {why}", flush=True)
    else:
        out = work / "datatrove"
        try:
            dt = [run_datatrove(python, corpus_dir, out, args.workers, args.files) for _ in range(repeats)]
            dt_more = [run_datatrove(python, corpus_dir, out, args.workers, args.files, more=True)
                       for _ in range(repeats)]
        except RuntimeError as exc:
            python = None
            results["datatrove_skipped"] = str(exc).splitlines()[-1]
            print(f"datatrove rows left out: {exc}", flush=True)
        shutil.rmtree(out, ignore_errors=True)
    if python is not None:
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
    print(f"  peak RSS per process: {_rss_note(c['peak_rss'])}")
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
    # The default corpus's table is etl.md; another size's (BENCH_MB=1000) sits beside it.
    name = "etl" if args.mb == DEFAULT_MB else f"etl-{args.mb:g}mb"
    (RESULTS / f"{name}.md").write_text(table)
    out = RESULTS / f"{name}.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nwritten to {out.relative_to(ROOT)} and {name}.md")
    return 0 if identical else 1


if __name__ == "__main__":
    with tempfile.TemporaryDirectory():
        sys.exit(main())
