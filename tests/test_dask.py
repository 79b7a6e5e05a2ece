"""Scale-out: the same flow on a Dask cluster writes the same lake as the default runner."""

from __future__ import annotations

import shutil

import pytest

from flows.runners import make_task_runner
from tests.conftest import SAMPLES

# What must be equal: every column but the ones that name the run.
QUERIES = {
    "articles": "select * exclude (run_id, ingested_at) from articles_all order by article_id",
    "paragraphs": "select * exclude (run_id) from paragraphs order by article_id, position",
    "rejects": "select * exclude (run_id) from rejects order by input_path, input_locator",
}


@pytest.fixture
def tiny_input(tmp_path):
    """The samples plus two bad files: 6 files, 4 shards on 2 workers."""
    inbox = tmp_path / "input"
    shutil.copytree(SAMPLES, inbox)
    (inbox / "image.txt").write_bytes(bytes(range(256)) * 8)
    (inbox / "empty.txt").write_bytes(b"")
    return inbox


def _lake_rows(lake) -> dict[str, list[tuple]]:
    con = lake.connect()
    return {table: con.execute(sql).fetchall() for table, sql in QUERIES.items()}


def test_dask_cluster_writes_the_same_lake_as_the_process_pool(run_etl, tiny_input, tmp_path):
    from distributed import Client, LocalCluster

    from flows.etl import etl
    from flows.lake import Lake

    default_summary, default_lake = run_etl(tiny_input, lake=tmp_path / "default", runner="process")

    # An existing cluster, reached by its address as with DASK_ADDRESS=tcp://host:8786. Its
    # worker processes inherit PREFECT_API_URL from this process (set by prefect_api).
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                      host="127.0.0.1") as cluster:
        lake = tmp_path / "dask"
        runner = make_task_runner("dask", 2, cluster.scheduler_address)
        summary = etl.with_options(task_runner=runner)(input=str(tiny_input), lake=str(lake), workers=2)
        with Client(cluster) as client:
            # The shards ran on the cluster's workers, not in this process.
            ran = {task for tasks in client.run(_task_keys).values() for task in tasks}
    assert len(ran) >= 2, ran  # several shards, each a task on the cluster

    dask_rows, default_rows = _lake_rows(Lake(lake)), _lake_rows(default_lake)
    assert dask_rows == default_rows
    assert len(dask_rows["articles"]) == len(list(SAMPLES.glob("*.txt"))) and len(dask_rows["rejects"]) == 2
    assert (summary.articles, summary.rejects, summary.paragraphs_removed) == (
        default_summary.articles, default_summary.rejects, default_summary.paragraphs_removed)


def _task_keys(dask_worker) -> list[str]:
    # What each worker computed: the task keys it has logged as done.
    return [str(key) for key, *_ in dask_worker.state.log if str(key).startswith("process_shard_task-")]


def test_local_dask_runner_has_the_asked_workers():
    runner = make_task_runner("dask", 3)
    assert runner.cluster_kwargs["n_workers"] == 3
    assert runner.cluster_kwargs["threads_per_worker"] == 1  # ftfy holds the GIL: one task per process
    assert make_task_runner("dask", 2, "tcp://10.0.0.5:8786").address == "tcp://10.0.0.5:8786"
