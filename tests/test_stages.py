"""The run's stages as plain functions (flows.stages), chained by hand without Prefect:
their counts add up to the runs row."""

from __future__ import annotations

import shutil

from flows import stages
from flows.consolidate import DEFAULT_DEDUP, consolidate
from flows.lake import Lake
from schemas.tables import RunCounts
from tests.conftest import SAMPLES
from tests.conftest import lake_rows as rows


def test_plan_shards_spreads_files_in_input_order():
    class F:
        def __init__(self, size):
            self.size = size

    files = [F(s) for s in (5, 5, 5, 5, 1)]
    shards = stages.plan_shards(files, shard_bytes=10, min_shards=1)
    assert [[f.size for f in s] for s in shards] == [[5, 5], [5, 5], [1]]
    # Enough files for the workers: the target shrinks to make at least min_shards shards.
    assert len(stages.plan_shards(files, shard_bytes=1000, min_shards=4)) == 4


def test_stages_without_prefect_commit_a_balanced_run(tmp_path):
    inbox = tmp_path / "inbox"
    shutil.copytree(SAMPLES, inbox)
    (inbox / "empty.txt").write_bytes(b"")
    root = str(Lake(tmp_path / "lake").root)
    Lake(root).ensure_writable()

    plan = stages.discover(str(inbox), root, shard_mb=16.0, workers=1)
    assert (plan.counts.files_discovered, plan.counts.files_unchanged, plan.files) == (6, 0, 6)
    outcomes = [stages.process(i, s, plan.run_id, plan.started_at, root, None) for i, s in enumerate(plan.shards)]
    counts = plan.counts + sum((o.counts for o in outcomes), RunCounts())
    counts.check_balance()
    decisions = consolidate(root, plan.run_id, DEFAULT_DEDUP)
    counts += decisions.counts()
    stages.commit(root, plan, str(inbox), counts, {"test": True})

    [run] = rows(root, "select * from runs")
    assert (run["files_read"], run["records_read"], run["articles"], run["rejects"]) == (6, 6, 5, 1)
    assert dict(run["rejects_by_reason"]) == {"empty": 1} and dict(run["paragraphs_removed"]) == {
        "byline": 4, "repeat": 2}
    assert dict(run["decisions"]) == decisions._asdict()
    assert sum(o.bytes_read for o in outcomes) == sum(p.stat().st_size for p in inbox.iterdir())

    # Nothing new: discover plans no shard and says why.
    again = stages.discover(str(inbox), root, shard_mb=16.0, workers=1)
    assert again.shards == [] and again.counts == RunCounts(files_discovered=6, files_unchanged=6)


def commit_without_prefect(inbox, lake_root) -> RunCounts:
    """One run of ``inbox`` into ``lake_root`` by the plain stages; its counts."""
    root = str(Lake(lake_root).root)
    Lake(root).ensure_writable()
    plan = stages.discover(str(inbox), root, shard_mb=16.0, workers=1)
    outcomes = [stages.process(i, s, plan.run_id, plan.started_at, root, None) for i, s in enumerate(plan.shards)]
    counts = plan.counts + sum((o.counts for o in outcomes), RunCounts())
    counts += consolidate(root, plan.run_id, DEFAULT_DEDUP).counts()
    config = stages.run_config(str(inbox), None, 16.0, 1, plan, counts, DEFAULT_DEDUP)
    stages.commit(root, plan, str(inbox), counts, config)
    return counts
