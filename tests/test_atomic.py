"""Atomic runs: a run killed (SIGKILL) at any stage, then rerun, gives the same lake as
one clean run; readers never see a half-written run; a failing shard publishes nothing
and the rerun picks it up; a retried shard stages its rows once."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

from flows.lake import PAUSE_POINTS, Lake
from tests.conftest import ROOT, SAMPLES
from tests.conftest import lake_rows as rows
from tests.test_incremental import story, write_jsonl

# Compared between lakes: everything a reader sees, except the run ids and times.
LAKE_QUERIES = {
    "articles": "select * exclude (run_id, ingested_at) from articles_all order by article_id",
    "paragraphs": "select * exclude (run_id) from paragraphs order by article_id, position",
    "rejects": "select * exclude (run_id) from rejects order by input_path, input_locator",
    "duplicates": "select * exclude (run_id) from duplicates order by article_id",
    "boilerplate": "select * exclude (run_id) from boilerplate order by source, key",
    "manifest": "select * exclude (run_id, ingested_run_id, examined_at) from manifest order by all",
    "runs": "select files_read, records_read, articles, rejects, paragraphs_read, paragraphs_kept from runs "
            "order by all",
}


def lake_state(lake: Lake) -> dict[str, list]:
    con = lake.connect()
    return {name: rows(lake, sql, con=con) for name, sql in LAKE_QUERIES.items()}


def make_inbox(root):
    inbox = root / "inbox"
    shutil.copytree(SAMPLES, inbox / "samples")
    (inbox / "wire").mkdir()
    write_jsonl(inbox / "wire" / "feed.jsonl", [story(n, f"word{n}") for n in range(6)], ["{not json"])
    write_jsonl(inbox / "wire" / "copies.jsonl", [story(1, "word1") | {"id": "copy-1"}])
    (inbox / "wire" / "blank.txt").write_text("   \n\t\n")
    return inbox


@pytest.fixture(scope="module")
def clean(tmp_path_factory, prefect_api):
    """One clean run over the inbox: the lake every interrupted run must end up as."""
    from flows.etl import etl
    from flows.runners import make_task_runner

    root = tmp_path_factory.mktemp("atomic")
    inbox = make_inbox(root)
    summary = etl.with_options(task_runner=make_task_runner("thread", 2))(
        input=str(inbox), lake=str(root / "clean"), workers=2
    )
    lake = Lake(root / "clean")
    state = lake_state(lake)
    assert state["runs"] and state["rejects"] and state["articles"]
    return inbox, summary, state


def start_paused_run(inbox, lake, point: str, marker, runner: str = "thread", extra_env=None):
    """The CLI in its own process group, paused at ``point`` once ``marker`` exists."""
    env = {
        **os.environ,
        "COPYDESK_TEST_PAUSE_AT": point,
        "COPYDESK_TEST_PAUSE_FILE": str(marker),
        **(extra_env or {}),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "flows.cli", "run", "--input", str(inbox), "--lake", str(lake),
         "--runner", runner, "--workers", "2", "--quiet"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
    )
    deadline = time.monotonic() + 240
    while not marker.exists():
        if proc.poll() is not None:
            out, err = proc.communicate()
            pytest.fail(f"run ended before pausing at {point}: {proc.returncode}\n{out.decode()}\n{err.decode()}")
        if time.monotonic() > deadline:
            os.killpg(proc.pid, signal.SIGKILL)
            pytest.fail(f"run never reached {point}")
        time.sleep(0.2)
    return proc


def kill_run(proc) -> None:
    """kill -9 the run and every process it started."""
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    proc.stdout.close()
    proc.stderr.close()


# "committed" (killed after the runs row) is left out to keep the suite short: the run is
# complete there, and the sweep of its staging is what "commit" already exercises.
@pytest.mark.parametrize("point", [p for p in PAUSE_POINTS if p != "committed"])
def test_kill_at_any_point_then_rerun_equals_one_clean_run(point, clean, run_etl, tmp_path):
    inbox, clean_summary, clean_state = clean
    lake = Lake(tmp_path / "lake")
    proc = start_paused_run(inbox, lake.root, point, tmp_path / "paused")
    kill_run(proc)

    if point == "committed":
        # Killed after the commit point: the run is complete; the rerun finds nothing new.
        assert lake_state(lake) == clean_state
    else:
        # A reader sees the lake before the run: nothing, though files may be in place.
        assert rows(lake, "select count(*) n from runs")[0]["n"] == 0
        assert rows(lake, "select count(*) n from articles_all")[0]["n"] == 0
        assert rows(lake, "select count(*) n from rejects")[0]["n"] == 0
        assert any((lake.root / "_staging").iterdir()) or any(lake.root.glob("articles/run=*"))
        if point == "commit":
            assert any(lake.root.glob("articles/run=*/*.parquet"))  # moved in, not committed

    rerun, lake = run_etl(inbox, lake=lake.root, runner="thread")
    assert rerun.committed == (point != "committed")
    assert lake_state(lake) == clean_state
    assert list((lake.root / "_staging").iterdir()) == []
    committed = lake.committed_runs()
    leftovers = [d for d in lake.root.glob("*/run=*") if d.name.removeprefix("run=") not in committed]
    assert leftovers == []


def test_failed_shard_publishes_nothing_and_the_rerun_picks_it_up(clean, run_etl, tmp_path, monkeypatch):
    import flows.stages
    from flows.etl import RunFailed

    inbox, _, clean_state = clean
    real = flows.stages.process_shard
    calls = []

    def failing(shard, files, *args, **kwargs):
        calls.append(shard)
        result = real(shard, files, *args, **kwargs)  # its staged rows are written, then it fails
        if any(f.relpath.endswith("feed.jsonl") for f in files):
            raise OSError(5, "Input/output error")
        return result

    monkeypatch.setattr(flows.stages, "process_shard", failing)
    lake = tmp_path / "lake"
    with pytest.raises(RunFailed) as failure:
        run_etl(inbox, lake=lake, runner="thread")
    message = str(failure.value)
    assert "shard" in message and "feed.jsonl" in message and "published nothing" in message
    assert "rerun" in message and "Input/output error" in message
    assert len(calls) > len(set(calls))  # the failing shard was retried once
    state = lake_state(Lake(lake))
    assert all(v == [] for v in state.values()), state

    monkeypatch.setattr(flows.stages, "process_shard", real)
    rerun, lake = run_etl(inbox, lake=lake, runner="thread")
    assert rerun.committed
    assert lake_state(lake) == clean_state


def test_retried_shard_stages_its_rows_once(clean, run_etl, tmp_path, monkeypatch):
    import flows.stages

    inbox, _, clean_state = clean
    real = flows.stages.process_shard
    failed = set()

    def flaky(shard, files, *args, **kwargs):
        result = real(shard, files, *args, **kwargs)
        if shard not in failed:  # every shard's first attempt fails after staging its rows
            failed.add(shard)
            raise ConnectionError("lost the worker")
        return result

    monkeypatch.setattr(flows.stages, "process_shard", flaky)
    summary, lake = run_etl(inbox, lake=tmp_path / "lake", runner="thread")
    assert summary.committed and failed
    assert lake_state(lake) == clean_state
    [n] = rows(lake, "select count(*) - count(distinct article_id) n from articles_all")
    assert n["n"] == 0


@pytest.mark.server
def test_ctrl_c_ends_the_run_within_seconds_and_leaves_the_lake_clean(clean, tmp_path):
    inbox, _, _ = clean
    lake = tmp_path / "lake"
    proc = start_paused_run(inbox, lake, "process", tmp_path / "paused", runner="process")
    os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in the terminal sends
    try:
        out, err = proc.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        kill_run(proc)
        pytest.fail("the run was still going 15 s after Ctrl-C")
    assert proc.returncode == 130, err.decode()
    lines = [line for line in err.decode().splitlines() if line.startswith("copydesk:")]
    assert len(lines) == 1 and "rerun" in lines[0], err.decode()
    deadline = time.monotonic() + 5
    while True:  # no worker left behind
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            break
        if time.monotonic() > deadline:
            left = subprocess.run(["ps", "-o", "pid,args", "-g", str(proc.pid)], capture_output=True, text=True)
            os.killpg(proc.pid, signal.SIGKILL)
            pytest.fail(f"processes left after Ctrl-C:\n{left.stdout}")
        time.sleep(0.2)
    assert not any((lake / "_staging").iterdir())
    Lake(lake).check_unlocked()
    assert Lake(lake).committed_runs() == set()


def _one_line_failure(run_etl, inbox, lake):
    from flows.etl import RunFailed

    with pytest.raises(RunFailed) as failed:
        run_etl(inbox, lake=lake, runner="thread")
    message = str(failed.value)
    assert len(message.splitlines()) == 1, message
    assert not (lake / "_staging").exists() or not any((lake / "_staging").iterdir())
    assert Lake(lake).committed_runs() == set()
    return message


def test_disk_full_while_staging_is_one_line_naming_the_file_and_staging_is_removed(
    clean, run_etl, tmp_path, monkeypatch
):
    import errno

    import pyarrow.parquet as pq

    inbox, _, _ = clean

    def full(self, table, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pq.ParquetWriter, "write_table", full)
    message = _one_line_failure(run_etl, inbox, tmp_path / "lake")
    assert "No space left on device" in message and f"{tmp_path / 'lake'}/_staging/" in message, message
    assert "rerun" in message and "Operation on closed file" not in message


def test_permission_denied_at_publish_is_one_line_naming_the_path(clean, run_etl, tmp_path, monkeypatch):
    inbox, _, _ = clean
    real_replace = os.replace
    lake = tmp_path / "lake"

    def denied(src, dst, *args, **kwargs):
        if "_staging" in str(src) and "_staging" not in str(dst):
            raise PermissionError(13, "Permission denied", str(src), None, str(dst))
        return real_replace(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", denied)
    message = _one_line_failure(run_etl, inbox, lake)
    assert "Permission denied" in message and f"{lake}/articles/run=" in message, message
