"""The ETL flow: lock → sweep → discover → process shards (parallel) → consolidate →
publish (atomic) → report.

``etl()`` is the recipe: each step is a Prefect task wrapping a plain stage function
(``flows.stages``, ``flows.consolidate``, ``flows.report``), which does the work. Each
stage returns counts (``schemas.tables.RunCounts``); their sum is the run's ``runs`` row.
Where the shards run is the task runner's business (``flows.runners``).

Runs are incremental: discover keeps only inputs the manifest does not already hold
unchanged (``flows.manifest``), and a run with nothing new commits nothing. A run stages
everything and commits with ``Lake.commit``; a crash or a failed shard leaves the lake as
it was, and the next run sweeps the leftovers and reads those inputs again.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from prefect import flow, get_run_logger, task
from prefect.futures import as_completed
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

from flows import stages
from flows.apart import Apart
from flows.consolidate import DEFAULT_DEDUP, Decisions, DedupConfig, consolidate, consolidate_apart
from flows.lake import Lake, pause_point, publish_to_store
from flows.manifest import Candidate
from flows.readers.layout import layout_of
from flows.report import publish_artifacts
from flows.stages import Plan, RunSummary, ShardOutcome
from schemas.tables import RunCounts

# Aim for shards of about this many input bytes: large enough that Prefect's per-task
# cost (~10 ms locally, ~90 ms on Dask) is noise, small enough to spread over the cores.
DEFAULT_SHARD_MB = 16.0
# A run whose shards hold at most this many megabytes in all runs them in the flow's own
# process on the process pool runner: starting a worker process (a fresh interpreter that
# imports Prefect and copydesk, then exits) costs seconds, more than a few MB of shards.
DEFAULT_INLINE_MB = 4.0
# A lake whose Parquet files (committed and this run's staged ones) hold at most this many
# megabytes is consolidated in the flow's own process: DuckDB takes little memory for it,
# less than forking a process and waiting for it costs. A larger lake is consolidated in a
# forked process (``consolidate_apart``), so the flow's memory stays flat as the lake grows.
CONSOLIDATE_INLINE_MB = 4.0


class RunFailed(Exception):
    """The run failed and committed nothing; the message says what and that a rerun resumes."""


def _io_error(task, task_run, state) -> bool:
    """Retry a listing that met an I/O error (a network filesystem's hiccup), never a
    missing input: that fails the same way twice."""
    return isinstance(state.data, OSError)


@task(name="discover", retries=2, retry_delay_seconds=1, retry_condition_fn=_io_error)
def discover_task(input: str, lake_root: str, shard_mb: float, workers: int, sources: str | None) -> Plan:
    """List the inputs and keep those the manifest does not hold unchanged."""
    plan = stages.discover(input, lake_root, shard_mb, workers, sources)
    c = plan.counts
    if plan.shards:
        get_run_logger().info(
            "run %s: %d of %d files to examine (%d unchanged), %.1f MB in %d shards",
            plan.run_id, plan.files, c.files_discovered, c.files_unchanged, plan.bytes / 1e6, len(plan.shards),
        )
    else:
        get_run_logger().info("nothing new in %s: %d files unchanged; the lake is as it was", input,
                              c.files_unchanged)
    return plan


@task(name="process-shard", retries=1, retry_delay_seconds=1)
def process_shard_task(
    shard: int, candidates: list[Candidate], run_id: str, started_at: datetime, lake_root: str,
    sources_path: str | None,
) -> ShardOutcome:
    """Hash the shard's inputs, read the changed ones, stage facts and manifest rows."""
    return stages.process(shard, candidates, run_id, started_at, lake_root, sources_path)


@task(name="consolidate")
def consolidate_task(lake_root: str, run_id: str, config: DedupConfig, apart: bool = True) -> Decisions:
    """The lake-wide decisions, in a forked process (``apart``) or in this one (a small lake)."""
    decisions = (consolidate_apart if apart else consolidate)(lake_root, run_id, config)
    pause_point("consolidate")
    return decisions


def lake_is_small(lake_root: str, limit_mb: float) -> bool:
    """Whether the Parquet files under ``lake_root`` (staging included) hold at most
    ``limit_mb`` MB; the walk stops at the first file past the limit."""
    limit, total = limit_mb * 1e6, 0
    for folder, _, names in os.walk(lake_root):
        for name in names:
            if name.endswith(".parquet"):
                total += os.stat(os.path.join(folder, name)).st_size
                if total > limit:
                    return False
    return True


@task(name="publish", retries=2, retry_delay_seconds=1)
def publish_task(lake_root: str, plan: Plan, input: str, counts: RunCounts, config: dict) -> None:
    """Move the staged run in and write its ``runs`` row; the flow writes the catalog next."""
    stages.commit(lake_root, plan, input, counts, config, catalog=False)


@task(name="publish-to-store", retries=2, retry_delay_seconds=2)
def publish_to_store_task(lake_root: str, url: str) -> list[str]:
    """Upload the committed runs the object store at ``url`` lacks (data first, runs row last)."""
    return publish_to_store(Lake(lake_root), url)


@task(name="report")
def report_task(summary: RunSummary) -> None:
    publish_artifacts(summary)


def _initial_run_name() -> str:
    """The flow run's name until discover gives the run its id (``_name_run``)."""
    from prefect.runtime import flow_run

    return f"{Lake(flow_run.parameters.get('lake', 'data/lake')).root.name}: discovering"


def run_tags(lake_root: str) -> list[str]:
    """The tags of a run on ``lake_root``: filter the UI's runs by lake with them.

    >>> run_tags("/srv/news/lake")
    ['copydesk', 'lake:/srv/news/lake']
    """
    return ["copydesk", f"lake:{lake_root}"]


def _name_run(plan: Plan, lake_root: str) -> None:
    """Name the flow run after the copydesk run id and the lake, as ``runs`` knows it, and
    tag it with the lake."""
    from prefect.client.orchestration import get_client
    from prefect.runtime import flow_run

    name = f"{plan.run_id} {Lake(lake_root).root.name}" if plan.shards else f"nothing new {Lake(lake_root).root.name}"
    try:
        with get_client(sync_client=True) as client:
            tags = sorted(set(flow_run.tags or ()) | set(run_tags(lake_root)))
            client.update_flow_run(flow_run.id, name=name, tags=tags)
    except Exception as exc:  # a name is a convenience: never fail a run for it
        get_run_logger().warning("could not name the flow run %s: %s", name, exc)


@flow(name="copydesk-etl", log_prints=True, flow_run_name=_initial_run_name)
def etl(
    input: str = "data/samples",
    lake: str = "data/lake",
    sources: str | None = None,
    shard_mb: float = DEFAULT_SHARD_MB,
    workers: int = 2,
    lock_wait: float = 0.0,
    progress: bool = False,
    publish_to: str | None = None,
    jaccard: float = DEFAULT_DEDUP.jaccard_threshold,
    boilerplate_min_stories: int = DEFAULT_DEDUP.boilerplate_min_stories,
    recompute_decisions: bool = False,
    inline_mb: float = DEFAULT_INLINE_MB,
    dedup_memory: str | None = DEFAULT_DEDUP.memory_limit,
) -> RunSummary:
    """Ingest ``input`` (a file, a directory or a glob) into the lake at ``lake``; with
    ``publish_to`` (an object-store URL), upload the committed runs the store lacks.

    Args:
        input: A file, a directory or a glob of raw articles (txt, JSON Lines, JSON, CSV/TSV, compressed or archived).
        lake: The lake directory to write; created when missing.
        sources: A sources.toml with per-source settings (columns, encoding, time zone), or none.
        shard_mb: Input megabytes per shard, the unit of parallel work.
        workers: Parallel workers the shards are planned for.
        lock_wait: Seconds to wait for another run holding the lake's lock before failing.
        progress: Show a progress bar on the console.
        publish_to: An object-store URL (s3://bucket/lake) to upload the committed runs to, or none.
        jaccard: Shingle Jaccard similarity from which two articles are near-duplicates.
        boilerplate_min_stories: Distinct stories of a source a paragraph must recur in to be boilerplate.
        recompute_decisions: Recompute every near-duplicate pair (after changing jaccard).
        inline_mb: On the process pool, shards of at most this many MB in all run in the
            flow's process, without starting workers (0: always on the workers).
        dedup_memory: DuckDB's memory budget for consolidate ("1GB"); beyond it DuckDB spills to disk.
    """
    root = str(Lake(lake).root)
    dedup = DedupConfig(jaccard_threshold=jaccard, boilerplate_min_stories=boilerplate_min_stories,
                        full=recompute_decisions, memory_limit=dedup_memory)
    timings: dict[str, float] = {}
    with Lake(root).lock(wait_seconds=lock_wait):
        _sweep(root)
        with _timed(timings, "discover"):
            plan = discover_task(input, root, shard_mb, workers, sources)
        _name_run(plan, root)
        if not plan.shards:
            # Nothing new: no run is written, so a rerun adds nothing and every query
            # (runs included) answers as before. The catalog is still checked: a run
            # killed between its commit and its catalog left none, or an old one.
            Lake(root).ensure_database()
            summary = stages.summary(plan.counts + RunCounts(stage_seconds=timings), plan, root, input,
                                     committed=False)
        else:
            try:
                with _timed(timings, "process"):
                    shards = _process_shards(plan, root, sources, progress, inline_mb)
                counts = plan.counts + sum((s.counts for s in shards), RunCounts())
                counts.check_balance()
                with _timed(timings, "consolidate"):
                    apart = plan.bytes > CONSOLIDATE_INLINE_MB * 1e6 or not lake_is_small(root, CONSOLIDATE_INLINE_MB)
                    decisions = consolidate_task(root, plan.run_id, dedup, apart)
                counts += decisions.counts() + RunCounts(stage_seconds=dict(timings))
                config = stages.run_config(input, sources, shard_mb, workers, plan, counts, dedup)
                with _timed(timings, "publish"):
                    publish_task(root, plan, input, counts, config)
            except Exception as exc:
                # A failed run's staging (which may have filled the disk) goes now, not at
                # the next run; the lock is still held, so it is this run's alone.
                Lake(root).sweep()
                if isinstance(exc, OSError):
                    raise RunFailed(_io_failure(exc, plan)) from exc
                raise
            # After the commit: the runs row keeps the stages before it; the artifact has this.
            counts += RunCounts(stage_seconds={"publish": timings["publish"]})
            summary = stages.summary(counts, plan, root, input, bytes_read=sum(s.bytes_read for s in shards))
            # The catalog is written while the report goes out (one waits on DuckDB, the
            # other on the API), both under the lock: a later run's catalog is never
            # replaced by this one's. Beside a lake consolidated apart, it is written apart
            # too: binding the views of a large lake costs DuckDB memory it keeps.
            with _catalog_alongside(root, apart):
                report_task(summary)
    if publish_to:
        # Committed runs never change, so the upload needs no lock. The store may lack a
        # run whose upload failed earlier: a run with nothing new sends it too.
        _upload(root, publish_to)
    return summary


def _sweep(lake_root: str) -> None:
    """Remove what interrupted runs left (with the lock held)."""
    swept = Lake(lake_root).sweep()
    if swept:
        get_run_logger().info("removed %d leftovers of interrupted runs", len(swept))


@contextmanager
def _catalog_alongside(lake_root: str, apart: bool = False) -> Iterator[None]:
    """Bring the lake's catalog up to date (``Lake.ensure_database``) while the block runs,
    in a thread, or in a forked process (``apart``, ``flows.apart``: the flow's memory does
    not grow with the lake's views); wait for it at the end and raise its error, if any
    (the block's own error comes first)."""
    if apart:
        # Forked here, before the block opens a DuckDB connection in this process.
        wait = Apart(ensure_catalog, lake_root, what="the catalog's rewrite").result
    else:
        errors: list[BaseException] = []

        def write() -> None:
            try:
                ensure_catalog(lake_root)
            except BaseException as exc:  # raised in the flow's thread, below
                errors.append(exc)

        thread = threading.Thread(target=write, name="copydesk-catalog", daemon=True)
        thread.start()

        def wait() -> None:
            thread.join()
            if errors:
                raise errors[0]

    try:
        yield
    except BaseException:
        with contextlib.suppress(Exception):
            wait()
        raise
    wait()


def ensure_catalog(lake_root: str) -> None:
    """``Lake(lake_root).ensure_database()``, as a function a forked process can call."""
    Lake(lake_root).ensure_database()


@contextmanager
def _timed(timings: dict[str, float], stage: str) -> Iterator[None]:
    """Record the wall time of the block as ``timings[stage]``."""
    start = time.perf_counter()
    yield
    timings[stage] = time.perf_counter() - start


def _upload(lake_root: str, url: str) -> None:
    """Upload the committed runs the store lacks; a failure fails the run with one message."""
    try:
        publish_to_store_task(lake_root, url)
    except Exception as exc:
        raise RunFailed(
            f"uploading the lake to {url} failed: {type(exc).__name__}: {exc}. The runs are committed "
            f"in {lake_root}; the next run (even one with nothing new) uploads what the store lacks"
        ) from exc


def _io_failure(exc: OSError, plan: Plan) -> str:
    """One line for a failure to write the lake (disk full, permissions): which path, why,
    and that nothing was published."""
    path = exc.filename2 or exc.filename or "the lake"
    reason = exc.strerror or str(exc)
    return (f"cannot write {path}: {reason}. Run {plan.run_id} published nothing and its staging is removed; "
            "free space or fix the permissions, then rerun")


def runs_inline(plan: Plan, inline_mb: float) -> bool:
    """Whether the shards of ``plan`` run in the flow's process: on the process pool runner,
    when they hold at most ``inline_mb`` MB of text in all (``_text_bytes``). The other runners keep their own
    placement (threads are in-process already; a Dask cluster is up before the run)."""
    from prefect.context import FlowRunContext
    from prefect.task_runners import ProcessPoolTaskRunner

    context = FlowRunContext.get()
    pool = context is not None and isinstance(context.task_runner, ProcessPoolTaskRunner)
    return pool and sum(_text_bytes(c) for shard in plan.shards for c in shard) <= inline_mb * 1e6


# Compressed or archived inputs hold several times their size in text: they count as this
# many times their bytes against ``inline_mb``.
_PACKED_WEIGHT = 8


def _text_bytes(candidate: Candidate) -> int:
    """About the bytes of text ``candidate`` holds, for ``runs_inline``.

    >>> from flows.readers.discovery import InputFile
    >>> _text_bytes(Candidate(InputFile("a.jsonl.zst", 1000, "a.jsonl.zst"), None))
    8000
    """
    layout = layout_of(candidate.file.relpath)
    packed = layout.compression is not None or layout.archive is not None
    return candidate.size * (_PACKED_WEIGHT if packed else 1)


def _process_shards(plan: Plan, lake_root: str, sources: str | None, progress: bool,
                    inline_mb: float = 0.0) -> list[ShardOutcome]:
    """Run every shard as a task and wait for them, showing a progress bar when asked. A
    failed shard fails the run before anything is published. Small inputs run their shards
    in this process, one after the other (``runs_inline``): still one ``process-shard``
    task run each, with its retry."""
    inline = runs_inline(plan, inline_mb)
    results: list[ShardOutcome] = []
    with Progress(
        "[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
        TimeElapsedColumn(), disable=not progress, transient=False,
    ) as bar:
        job = bar.add_task("shards", total=len(plan.shards))
        if inline:
            for i, candidates in enumerate(plan.shards):
                try:
                    results.append(process_shard_task(i, candidates, plan.run_id, plan.started_at, lake_root,
                                                      sources))
                except Exception as exc:
                    raise _shard_failed(exc, plan, i) from exc
                bar.advance(job)
            return results
        futures = [
            process_shard_task.submit(i, candidates, plan.run_id, plan.started_at, lake_root, sources)
            for i, candidates in enumerate(plan.shards)
        ]
        shard_of = {id(f): i for i, f in enumerate(futures)}
        for future in as_completed(futures):
            try:
                results.append(future.result())
            except Exception as exc:
                # Let the other shards end first: one still writing would stage files
                # after the failed run's staging is removed.
                for other in futures:
                    other.wait()
                raise _shard_failed(exc, plan, shard_of[id(future)]) from exc
            bar.advance(job)
    return results


def _shard_failed(exc: Exception, plan: Plan, shard: int) -> RunFailed:
    """The one-line failure of a shard that failed after its retry."""
    if isinstance(exc, OSError) and exc.filename:  # the lake's I/O: name the path
        return RunFailed(_io_failure(exc, plan))
    files = plan.shards[shard]
    return RunFailed(
        f"shard {shard} ({len(files)} files from {files[0].file.relpath}) failed after its "
        f"retry: {type(exc).__name__}: {exc}. Run {plan.run_id} published nothing; "
        "rerun to read these inputs again"
    )
