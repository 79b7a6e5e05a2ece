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


def _catalog_views(lake: Lake) -> set[str]:
    import duckdb

    con = duckdb.connect(str(lake.database), read_only=True)
    try:
        return {r[0] for r in con.execute("select view_name from duckdb_views() where not internal").fetchall()}
    finally:
        con.close()


def test_a_commit_rewrites_the_catalog_only_when_its_views_would_change(tmp_path):
    """The first commit writes LAKE/copydesk.duckdb; a second run that adds no table
    keeps the same file (it would hold the same views), and it answers for both runs. A
    catalog with a view missing, or built from other tables, is written again."""
    import duckdb

    lake = Lake(tmp_path / "lake")
    commit_without_prefect(SAMPLES, lake.root)
    first = lake.database.stat()
    views = _catalog_views(lake)
    assert {"articles", "runs", "paragraphs", "boilerplate"} <= views

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "more.txt").write_text("Library extends Sunday hours\n\nThe library opens on Sundays from May.\n")
    commit_without_prefect(inbox, lake.root)
    again = lake.database.stat()
    assert (again.st_ino, again.st_mtime_ns) == (first.st_ino, first.st_mtime_ns)  # not rewritten
    con = duckdb.connect(str(lake.database), read_only=True)
    assert con.execute("select count(*) from runs").fetchone()[0] == 2
    con.close()

    con = duckdb.connect(str(lake.database))
    con.execute("drop view boilerplate")
    con.close()
    assert lake.ensure_database() == lake.database
    assert _catalog_views(lake) == views

    # A catalog written when fewer tables had files holds other views: rewritten.
    stale = Lake(lake.root)
    stale.tables_with_files = lambda: {"runs"}
    stale.refresh_database()
    assert _catalog_views(lake) == views  # the same names, other statements
    before = lake.database.stat().st_ino
    lake.ensure_database()
    assert lake.database.stat().st_ino != before
    con = duckdb.connect(str(lake.database), read_only=True)
    assert con.execute("select count(*) from articles").fetchone()[0] == 6  # the stale one had none
    con.close()
