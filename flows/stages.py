"""The stages of a run as plain functions: discover, process a shard, commit, nothing new.

``flows.etl`` wraps each in a Prefect task (retries, the task runner) and chains them;
here they are plain Python, so a test can call them without Prefect. Every stage returns
``RunCounts`` (or a value holding them) and the flow adds them up with ``+``: the sum is
the run's ``runs`` row. Consolidate is ``flows.consolidate.consolidate``, its
``Decisions`` turn into counts with ``Decisions.counts()``.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import version
from typing import NamedTuple

from flows import manifest
from flows.consolidate import DedupConfig
from flows.lake import Lake, pause_point
from flows.manifest import Candidate
from flows.readers import discover_inputs
from flows.readers.files import split_file
from flows.shard import process_shard
from flows.sources import load_sources
from schemas.tables import SCHEMA_VERSION, RunCounts
from transforms import repair

# A file is cut into pieces no smaller than this: each piece reads the file's first
# bytes to choose its decoder and hashes the whole file, which small pieces would repeat.
MIN_PIECE_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class Plan:
    """What discover found: the shards to process and the counts of the files looked at."""

    run_id: str
    started_at: datetime
    shards: list[list[Candidate]]
    counts: RunCounts  # files_discovered, and files_unchanged by their stat

    @property
    def files(self) -> int:
        """Files to examine (new, or changed by their stat); a split file counts once."""
        return sum(c.stands_for_file for shard in self.shards for c in shard)

    @property
    def bytes(self) -> int:
        return sum(c.size for shard in self.shards for c in shard)


class ShardOutcome(NamedTuple):
    """What a shard task returns: its counts, and the bytes of the files it read."""

    counts: RunCounts
    bytes_read: int


@dataclass(frozen=True)
class RunSummary(RunCounts):
    """What a run returns: its counts (as its ``runs`` row holds them, plus the publish time
    in ``stage_seconds``), where it ran, and whether it committed."""

    run_id: str = ""
    lake: str = ""
    input: str = ""
    bytes_read: int = 0
    # False when there was nothing new: no run was written and the lake is as it was.
    committed: bool = True


def new_run_id(now: datetime) -> str:
    """Sortable and unique: UTC start time to the microsecond plus a random suffix. The
    views take the decisions of the greatest run id, so two runs in one second must sort
    in the order they ran (the lake's lock never lets them overlap).

    >>> new_run_id(datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=UTC))[:23]
    '20260102T030405000006Z-'
    """
    return now.strftime("%Y%m%dT%H%M%S") + f"{now.microsecond:06d}Z-" + secrets.token_hex(3)


def shard_target(total: int, shard_bytes: int, min_shards: int) -> int:
    """The bytes of one shard: ``shard_bytes``, less when that would leave fewer than
    ``min_shards`` shards to spread over the workers.

    >>> shard_target(100 * 2**20, 16 * 2**20, 4), shard_target(10, 16 * 2**20, 4)
    (16777216, 3)
    """
    return max(1, min(shard_bytes, total // max(1, min_shards) + 1))


def split_candidates(candidates: list[Candidate], target: int, registry) -> list[Candidate]:
    """Cut each large line-based file into pieces of about ``target`` bytes (at least
    ``MIN_PIECE_BYTES``), each a candidate of its own, so one big file keeps every worker
    busy (``flows.readers.split_file``)."""
    piece = max(target, MIN_PIECE_BYTES)
    out: list[Candidate] = []
    for c in candidates:
        pieces = split_file(c.file, registry.for_input(c.file), piece, registry.limits)
        out.extend(Candidate(f, c.previous) for f in pieces)
    return out


def plan_shards(files: list, shard_bytes: int, min_shards: int) -> list[list]:
    """Group files (anything with a ``size``) into shards of roughly equal bytes, in input order.

    The target shrinks so that there are at least ``min_shards`` shards when there are
    enough files to spread over the workers.
    """
    total = sum(f.size for f in files)
    target = shard_target(total, shard_bytes, min_shards)
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


def discover(input: str, lake_root: str, shard_mb: float, workers: int, sources: str | None = None) -> Plan:
    """List the inputs and keep those the manifest does not hold unchanged, in shards."""
    registry = load_sources(sources)
    files = discover_inputs(input, exclude=registry.exclude)
    current = manifest.current_manifest(Lake(lake_root).committed_files("manifest"))
    candidates, unchanged = manifest.select_inputs(files, current)
    started_at = datetime.now(UTC)
    shard_bytes, min_shards = int(shard_mb * 1024 * 1024), workers * 2
    target = shard_target(sum(c.size for c in candidates), shard_bytes, min_shards)
    candidates = split_candidates(candidates, target, registry)
    shards = plan_shards(candidates, shard_bytes, min_shards)
    counts = RunCounts(files_discovered=len(files), files_unchanged=unchanged)
    return Plan(new_run_id(started_at), started_at, shards, counts)


def process(
    shard: int, candidates: list[Candidate], run_id: str, started_at: datetime, lake_root: str,
    sources_path: str | None,
) -> ShardOutcome:
    """Hash the shard's inputs, read the changed ones, stage their facts and manifest rows."""
    lake = Lake(lake_root)
    # A retry starts clean: an earlier attempt's part files of this shard are removed, so
    # no row is staged twice.
    lake.clear_staged_shard(run_id, shard)
    examined = manifest.examine_all(candidates, run_id, started_at)
    counts = process_shard(shard, examined.to_read, run_id, started_at, lake_root, sources_path)
    manifest.stage_manifest(lake.staged_file(run_id, "manifest", shard), examined.rows)
    pause_point("process")
    read = {id(f) for f in examined.to_read}
    unchanged = RunCounts(files_unchanged=sum(c.stands_for_file and id(c.file) not in read for c in candidates))
    return ShardOutcome(counts + unchanged, sum(c.size for c in candidates if id(c.file) in read))


def run_config(input: str, sources: str | None, shard_mb: float, workers: int, plan: Plan,
               counts: RunCounts, dedup: DedupConfig) -> dict:
    """The configuration a run records in its ``runs`` row."""
    return {
        "input": input,
        "sources": sources,
        "shard_mb": shard_mb,
        "workers": workers,
        "shards": len(plan.shards),
        "files_discovered": counts.files_discovered,
        "files_unchanged": counts.files_unchanged,
        "ftfy": repair.config_description(),
        "dedup": dedup._asdict(),
    }


def commit(lake_root: str, plan: Plan, input: str, counts: RunCounts, config: dict, catalog: bool = True) -> None:
    """Publish the staged run: move its tables in and write its ``runs`` row (the commit),
    then the catalog unless ``catalog`` is false (``Lake.commit``)."""
    pause_point("publish")
    row = {
        "run_id": plan.run_id,
        "started_at": plan.started_at,
        "finished_at": datetime.now(UTC),
        "status": "completed",
        "input": input,
        **counts.columns(),
        "config": json.dumps(config, sort_keys=True, default=str),
        "copydesk_version": version("copydesk"),
        "schema_version": SCHEMA_VERSION,
    }
    Lake(lake_root).commit(plan.run_id, row, catalog=catalog)


def summary(counts: RunCounts, plan: Plan, lake_root: str, input: str, bytes_read: int = 0,
            committed: bool = True) -> RunSummary:
    """The run's result: its counts with where it ran."""
    return RunSummary(**vars(counts), run_id=plan.run_id, lake=lake_root, input=input,
                      bytes_read=bytes_read, committed=committed)
