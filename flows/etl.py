"""The ETL flow: lock → sweep → discover → process shards (parallel) → consolidate →
publish (atomic) → report.

Each task reads paths and returns paths and counts; the work is in ``flows.shard`` and
``transforms``. Where the shards run is the task runner's business (``flows.runners``).

Runs are incremental: discover keeps only inputs the manifest does not already hold
unchanged (``flows.manifest``), and a run with nothing new commits nothing. A run stages
everything and commits with ``Lake.commit``; a crash or a failed shard leaves the lake as
it was, and the next run sweeps the leftovers and reads those inputs again.
"""

from __future__ import annotations

import json
import secrets
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import version

from prefect import flow, get_run_logger, task
from prefect.futures import as_completed

from flows.consolidate import DEFAULT_DEDUP, DedupConfig, consolidate
from flows.lake import Lake, pause_point, publish_to_store
from flows.manifest import Candidate, current_manifest, examine, select_inputs, stage_manifest
from flows.readers import discover_inputs
from flows.report import publish_artifacts
from flows.shard import ShardResult, process_shard
from flows.sources import load_sources
from schemas.tables import SCHEMA_VERSION
from transforms import repair

# Aim for shards of about this many input bytes: large enough that Prefect's per-task
# cost (~10 ms locally, ~90 ms on Dask) is noise, small enough to spread over the cores.
DEFAULT_SHARD_MB = 16.0


class RunFailed(Exception):
    """The run failed and committed nothing; the message says what and that a rerun resumes."""


@dataclass
class Plan:
    run_id: str
    started_at: datetime
    shards: list[list[Candidate]]
    files: int  # files examined (new, or changed by their stat)
    bytes: int  # bytes of the files examined
    discovered: int = 0  # files found in INPUT
    unchanged: int = 0  # files skipped: size and times as in the manifest


@dataclass
class RunSummary:
    run_id: str
    lake: str
    input: str
    files_read: int = 0
    records_read: int = 0
    articles: int = 0
    rejects: int = 0
    paragraphs_read: int = 0
    paragraphs_kept: int = 0
    paragraphs_removed: dict[str, int] = field(default_factory=dict)
    rejects_by_reason: dict[str, int] = field(default_factory=dict)
    fixes_applied: dict[str, int] = field(default_factory=dict)
    encodings: dict[str, int] = field(default_factory=dict)
    stage_seconds: dict[str, float] = field(default_factory=dict)
    bytes_read: int = 0
    decisions: dict[str, int] = field(default_factory=dict)
    files_discovered: int = 0
    # Files not read: unchanged by their stat (discover) or by their content hash (shards).
    files_unchanged: int = 0
    # False when there was nothing new: no run was written and the lake is as it was.
    committed: bool = True


@dataclass
class ShardOutcome:
    """What a shard task returns: the shard's counts and how many inputs it found unchanged."""

    result: ShardResult
    unchanged: int = 0


def new_run_id(now: datetime) -> str:
    """Sortable and unique: UTC start time to the microsecond plus a random suffix. The
    views take the decisions of the greatest run id, so two runs in one second must sort
    in the order they ran (the lake's lock never lets them overlap)."""
    return now.strftime("%Y%m%dT%H%M%S") + f"{now.microsecond:06d}Z-" + secrets.token_hex(3)


def plan_shards(files: list, shard_bytes: int, min_shards: int) -> list[list]:
    """Group files (anything with a ``size``) into shards of roughly equal bytes, in input order.

    The target shrinks so that there are at least ``min_shards`` shards when there are
    enough files to spread over the workers.
    """
    total = sum(f.size for f in files)
    target = max(1, min(shard_bytes, total // max(1, min_shards) + 1))
    shards: list[list] = []
    current: list = []
    size = 0
    for f in files:
        if current and size + f.size > target:
            shards.append(current)
            current, size = [], 0
        current.append(f)
        size += f.size
    if current:
        shards.append(current)
    return shards


def _io_error(task, task_run, state) -> bool:
    """Retry a listing that met an I/O error (a network filesystem's hiccup), never a
    missing input: that fails the same way twice."""
    return isinstance(state.data, OSError)


@task(name="discover", retries=2, retry_delay_seconds=1, retry_condition_fn=_io_error)
def discover(input: str, lake_root: str, shard_mb: float, workers: int, sources: str | None = None) -> Plan:
    """List the inputs and keep those the manifest does not hold unchanged."""
    files = discover_inputs(input, exclude=load_sources(sources).exclude)
    candidates, unchanged = select_inputs(files, current_manifest(Lake(lake_root)))
    started_at = datetime.now(UTC)
    shards = plan_shards(candidates, int(shard_mb * 1024 * 1024), min_shards=workers * 2)
    return Plan(
        new_run_id(started_at), started_at, shards, len(candidates), sum(c.size for c in candidates),
        discovered=len(files), unchanged=unchanged,
    )


@task(name="process-shard", retries=1, retry_delay_seconds=1)
def process_shard_task(
    shard: int, candidates: list[Candidate], run_id: str, started_at: datetime, lake_root: str,
    sources_path: str | None,
) -> ShardOutcome:
    """Hash the shard's inputs, read the changed ones, stage facts and manifest rows."""
    lake = Lake(lake_root)
    # A retry starts clean: an earlier attempt's part files of this shard are removed, so
    # no row is staged twice.
    lake.clear_staged_shard(run_id, shard)
    to_read, manifest_rows = [], []
    for candidate in candidates:
        read, row = examine(candidate, run_id, started_at)
        manifest_rows.append(row)
        if read:
            to_read.append(candidate.file)
    result = process_shard(shard, to_read, run_id, started_at, lake_root, sources_path)
    stage_manifest(lake, run_id, shard, manifest_rows)
    pause_point("process")
    return ShardOutcome(result, unchanged=len(candidates) - len(to_read))


@task(name="consolidate")
def consolidate_task(lake_root: str, run_id: str, config: DedupConfig | None = None) -> dict[str, int]:
    decisions = consolidate(lake_root, run_id, config)
    pause_point("consolidate")
    return decisions


@task(name="publish", retries=2, retry_delay_seconds=1)
def publish(summary: RunSummary, plan: Plan, config: dict) -> RunSummary:
    pause_point("publish")
    lake = Lake(summary.lake)
    finished = datetime.now(UTC)
    row = {
        "run_id": summary.run_id,
        "started_at": plan.started_at,
        "finished_at": finished,
        "status": "completed",
        "input": summary.input,
        "files_discovered": summary.files_discovered,
        "files_unchanged": summary.files_unchanged,
        "files_read": summary.files_read,
        "records_read": summary.records_read,
        "articles": summary.articles,
        "rejects": summary.rejects,
        "duplicates": summary.decisions.get("run_duplicates", 0),
        "paragraphs_read": summary.paragraphs_read,
        "paragraphs_kept": summary.paragraphs_kept,
        "paragraphs_removed": list(summary.paragraphs_removed.items()),
        "rejects_by_reason": list(summary.rejects_by_reason.items()),
        "fixes_applied": list(summary.fixes_applied.items()),
        "encodings": list(summary.encodings.items()),
        "decisions": list(summary.decisions.items()),
        "stage_seconds": list(summary.stage_seconds.items()),
        "config": json.dumps(config, sort_keys=True, default=str),
        "copydesk_version": version("copydesk"),
        "schema_version": SCHEMA_VERSION,
    }
    lake.commit(summary.run_id, row)
    return summary


@task(name="publish-to-store", retries=2, retry_delay_seconds=2)
def publish_to_store_task(lake_root: str, url: str) -> list[str]:
    """Upload the committed runs the object store at ``url`` lacks (data first, runs row last)."""
    return publish_to_store(Lake(lake_root), url)


@task(name="report")
def report(summary: RunSummary) -> None:
    publish_artifacts(summary)


def account_boilerplate(summary: RunSummary) -> None:
    """Paragraphs of this run that consolidate found to be boilerplate leave the kept count
    for the ``boilerplate`` removal reason, so read = kept + removed still balances."""
    boilerplate = summary.decisions.get("run_boilerplate_paragraphs", 0)
    if boilerplate:
        summary.paragraphs_kept -= boilerplate
        removed = dict(summary.paragraphs_removed)
        removed["boilerplate"] = removed.get("boilerplate", 0) + boilerplate
        summary.paragraphs_removed = dict(sorted(removed.items()))


def combine(run_id: str, lake: str, input: str, results: list[ShardResult]) -> RunSummary:
    """Add up the shards' counts."""
    total = RunSummary(run_id=run_id, lake=lake, input=input)
    status: Counter = Counter()
    reasons: Counter = Counter()
    fixes: Counter = Counter()
    encodings: Counter = Counter()
    for r in results:
        total.files_read += r.files_read
        total.bytes_read += r.bytes_read
        total.records_read += r.records_read
        total.articles += r.articles
        total.rejects += r.rejects
        total.paragraphs_read += r.paragraphs_read
        status.update(r.paragraph_status)
        reasons.update(r.rejects_by_reason)
        fixes.update(r.fixes_applied)
        encodings.update(r.encodings)
    total.paragraphs_kept = status.pop("kept", 0)
    total.paragraphs_removed = dict(sorted(status.items()))
    total.rejects_by_reason = dict(sorted(reasons.items()))
    total.fixes_applied = dict(sorted(fixes.items()))
    total.encodings = dict(sorted(encodings.items()))
    if total.records_read != total.articles + total.rejects:
        raise RuntimeError(
            f"records read ({total.records_read}) != articles ({total.articles}) + "
            f"rejects ({total.rejects}): a record was lost; nothing was published"
        )
    return total


@flow(name="copydesk-etl", log_prints=True)
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
) -> RunSummary:
    """Ingest ``input`` (a file, a directory or a glob) into the lake at ``lake``; with
    ``publish_to`` (an object-store URL), upload the committed runs the store lacks."""
    logger = get_run_logger()
    store = Lake(lake)
    timings: dict[str, float] = {}
    with store.lock(wait_seconds=lock_wait):
        swept = store.sweep()
        if swept:
            logger.info("removed %d leftovers of interrupted runs", len(swept))

        t = time.perf_counter()
        plan = discover(input, str(store.root), shard_mb, workers, sources)
        timings["discover"] = time.perf_counter() - t
        if not plan.shards:
            # Nothing new: no run is written, so a rerun adds nothing and every query
            # (runs included) answers as before.
            logger.info("nothing new in %s: %d files unchanged; the lake is as it was", input, plan.unchanged)
            if swept:
                store.refresh_database()
            if publish_to:
                # The store may lack a run whose upload failed earlier: send it now.
                _upload(store, publish_to)
            return RunSummary(
                run_id=plan.run_id, lake=str(store.root), input=input, files_discovered=plan.discovered,
                files_unchanged=plan.unchanged, stage_seconds=timings, committed=False,
            )
        logger.info(
            "run %s: %d of %d files to examine (%d unchanged), %.1f MB in %d shards",
            plan.run_id, plan.files, plan.discovered, plan.unchanged, plan.bytes / 1e6, len(plan.shards),
        )

        t = time.perf_counter()
        futures = [
            process_shard_task.submit(
                i, candidates, plan.run_id, plan.started_at, str(store.root), sources
            )
            for i, candidates in enumerate(plan.shards)
        ]
        outcomes = _collect(futures, plan, progress)
        timings["process"] = time.perf_counter() - t

        summary = combine(plan.run_id, str(store.root), input, [o.result for o in outcomes])
        summary.files_discovered = plan.discovered
        summary.files_unchanged = plan.unchanged + sum(o.unchanged for o in outcomes)

        t = time.perf_counter()
        dedup = DedupConfig(
            jaccard_threshold=jaccard, boilerplate_min_stories=boilerplate_min_stories, full=recompute_decisions
        )
        summary.decisions = consolidate_task(str(store.root), plan.run_id, dedup)
        timings["consolidate"] = time.perf_counter() - t
        account_boilerplate(summary)
        summary.stage_seconds = timings
        config = {
            "input": input,
            "sources": sources,
            "shard_mb": shard_mb,
            "workers": workers,
            "shards": len(plan.shards),
            "files_discovered": plan.discovered,
            "files_unchanged": summary.files_unchanged,
            "ftfy": repair.config_description(),
            "dedup": dedup._asdict(),
        }
        t = time.perf_counter()
        publish(summary, plan, config)
        # After the commit: the runs row keeps the stages before it; the artifact has this.
        timings["publish"] = time.perf_counter() - t
    report(summary)
    if publish_to:
        # Committed runs never change, so the upload needs no lock.
        _upload(store, publish_to)
    return summary


def _upload(store: Lake, url: str) -> None:
    """Upload the committed runs the store lacks; a failure fails the run with one message."""
    try:
        publish_to_store_task(str(store.root), url)
    except Exception as exc:
        raise RunFailed(
            f"uploading the lake to {url} failed: {type(exc).__name__}: {exc}. The runs are committed "
            f"in {store.root}; the next run (even one with nothing new) uploads what the store lacks"
        ) from exc


def _collect(futures, plan: Plan, progress: bool) -> list[ShardOutcome]:
    """Wait for every shard, showing a progress bar when asked. A failed shard fails
    the run before anything is published."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    shard_of = {id(f): i for i, f in enumerate(futures)}
    results: list[ShardOutcome] = []
    with Progress(
        "[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
        TimeElapsedColumn(), disable=not progress, transient=False,
    ) as bar:
        job = bar.add_task("shards", total=len(futures))
        for future in as_completed(futures):
            try:
                results.append(future.result())
            except Exception as exc:
                shard = shard_of[id(future)]
                files = plan.shards[shard]
                raise RunFailed(
                    f"shard {shard} ({len(files)} files from {files[0].file.relpath}) failed after its "
                    f"retry: {type(exc).__name__}: {exc}. Run {plan.run_id} published nothing; "
                    "rerun to read these inputs again"
                ) from exc
            bar.advance(job)
    return sorted(results, key=lambda r: r.result.shard)
