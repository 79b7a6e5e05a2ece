"""Compaction (flows.compact, ``make compact``): after several incremental runs, fewer
files and every view answering the same; killed half-way, the lake still answers the same."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

from flows import compact as compaction
from flows.lake import COMPACT_PAUSE_POINTS, Lake
from flows.verify import verify
from tests.conftest import ROOT, SAMPLES, lake_rows


def snapshot(lake: Lake) -> dict[str, list[str]]:
    """Every view's rows, order-free."""
    con = lake.connect()
    views = [r["view_name"] for r in lake_rows(lake, "select view_name from duckdb_views() where not internal",
                                               con=con)]
    return {v: sorted(repr(sorted(r.items())) for r in lake_rows(lake, f"select * from {v}", con=con))
            for v in sorted(views)}


def files(lake: Lake) -> int:
    return sum(1 for t in lake.table_dirs() for _ in t.glob("*/*.parquet"))


@pytest.fixture(scope="module")
def incremental_runs(tmp_path_factory, prefect_api):
    """Five runs, one sample file more each time, then a sixth that changes a file already
    read: built once for the module, ``(inbox, lake root)``. Tests change copies of it."""
    from flows.etl import etl
    from flows.runners import make_task_runner

    root = tmp_path_factory.mktemp("incremental")
    inbox = root / "inbox"
    inbox.mkdir()
    lake = root / "lake"

    def run():
        etl.with_options(task_runner=make_task_runner("thread", 1))(input=str(inbox), lake=str(lake), workers=1)

    samples = sorted(SAMPLES.glob("*.txt"))
    for sample in samples:
        shutil.copy(sample, inbox / sample.name)
        run()
    changed = inbox / samples[0].name
    changed.write_text(changed.read_text() + "\n\nA paragraph added later to this article.\n")
    run()
    return inbox, lake


@pytest.fixture
def incremental_lake(incremental_runs, tmp_path):
    """A copy of the module's incremental lake, this test's own to compact, kill and extend."""
    _, lake = incremental_runs
    shutil.copytree(lake, tmp_path / "lake", symlinks=True)
    return Lake(tmp_path / "lake")


def test_compaction_after_incremental_runs_keeps_every_view_and_leaves_fewer_files(incremental_lake):
    lake = incremental_lake
    assert len(lake.committed_runs()) == 6
    before, files_before = snapshot(lake), files(lake)
    done = compaction.compact(lake)
    assert done.changed and done.runs == 5
    assert snapshot(lake) == before
    assert files(lake) < files_before / 2
    assert verify(lake) == []
    assert len(lake.committed_runs()) == 6
    # a second compaction has nothing to do; a run after it, then compaction, still agree
    assert not compaction.compact(lake).changed
    assert snapshot(lake) == before


def test_a_run_after_compaction_continues_the_lake(incremental_runs, incremental_lake, run_etl):
    lake = incremental_lake
    compaction.compact(lake)
    inbox, _ = incremental_runs  # the manifest knows its files by their paths: the same inbox
    late = inbox / "late.txt"
    late.write_text("A late arrival\n\nThe harbour ferry will run on Sundays from May.\n")
    try:
        summary, _ = run_etl(inbox, lake=lake.root, workers=1, runner="thread")
    finally:
        late.unlink()  # the inbox is the module's again
    assert summary.committed and summary.files_unchanged == 5  # the compacted manifest still counts
    after_run = snapshot(lake)
    compaction.compact(lake)
    assert snapshot(lake) == after_run
    assert verify(lake) == []


@pytest.mark.server
@pytest.mark.parametrize("point", COMPACT_PAUSE_POINTS)
def test_a_compaction_killed_half_way_leaves_a_lake_that_answers_the_same(incremental_lake, tmp_path, point):
    lake = incremental_lake
    before = snapshot(lake)
    marker = tmp_path / "paused"
    env = {**os.environ, "COPYDESK_TEST_PAUSE_AT": point, "COPYDESK_TEST_PAUSE_FILE": str(marker)}
    process = subprocess.Popen([sys.executable, "-m", "flows.cli", "compact", "--lake", str(lake.root)],
                               cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while not marker.exists():
        assert process.poll() is None, process.stderr.read()
        assert time.monotonic() < deadline, "compaction never reached the pause point"
        time.sleep(0.1)
    # A reader in the middle of it, then the kill.
    assert snapshot(lake) == before
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert snapshot(lake) == before
    assert verify(lake) == []
    done = compaction.compact(lake)
    assert done.changed
    assert snapshot(lake) == before
    assert not (lake.root / "_staging").exists() or not any((lake.root / "_staging").iterdir())


def test_the_scheduled_flow_compacts_every_n_runs(prefect_api, tmp_path):
    from flows.schedule import ingest_inbox

    inbox, lake = tmp_path / "inbox", Lake(tmp_path / "lake")
    inbox.mkdir()
    for sample in sorted(SAMPLES.glob("*.txt"))[:4]:
        shutil.copy(sample, inbox / sample.name)
        ingest_inbox(inbox=str(inbox), lake=str(lake.root), runner="thread", workers=1, compact_every=2)
    # Runs 1-3 had files of their own after the third run: compacted then, the fourth stays apart.
    assert len(lake.committed_runs()) == 4
    assert len(compaction.uncompacted_runs(lake)) == 2
    assert lake.compacted_files("articles")
    assert lake_rows(lake, "select count(*) n from articles")[0]["n"] == 4
