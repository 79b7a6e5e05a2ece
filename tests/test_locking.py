"""Two runs on one lake: the second exits with a clear message, or waits (LOCK_WAIT) and
then finds the first one's work done. Never do both write."""

from __future__ import annotations

import os
import signal

import pytest

from flows.lake import Lake, LakeError
from tests.conftest import SAMPLES
from tests.conftest import lake_rows as rows
from tests.test_atomic import kill_run, start_paused_run
from tests.test_etl import cli


def test_second_run_exits_with_a_clear_message_and_writes_nothing(run_etl, tmp_path):
    lake = Lake(tmp_path / "lake")
    first = start_paused_run(SAMPLES, lake.root, "process", tmp_path / "paused")
    try:
        second = cli("run", "--input", str(SAMPLES), "--lake", str(lake.root), "--runner", "thread", "--quiet")
        assert second.returncode == 2
        [line] = second.stderr.strip().splitlines()
        assert "another copydesk run is writing to" in line and str(lake.root) in line
        assert f"pid {first.pid}" in line and "LOCK_WAIT=" in line
        with pytest.raises(LakeError, match="another copydesk run"):
            run_etl(SAMPLES, lake=lake.root, runner="thread")
        # Readers need no lock; the paused run's staged files stay its own.
        assert rows(lake, "select count(*) n from runs")[0]["n"] == 0
        assert [d.name for d in (lake.root / "_staging").iterdir()] != []
    finally:
        kill_run(first)
    assert not any(lake.root.glob("runs/run=*"))


def test_second_run_waits_for_the_lock_then_finds_nothing_new(run_etl, tmp_path):
    lake = Lake(tmp_path / "lake")
    first = start_paused_run(
        SAMPLES, lake.root, "publish", tmp_path / "paused", extra_env={"COPYDESK_TEST_PAUSE_SECONDS": "8"}
    )
    try:
        assert first.poll() is None  # holds the lock, paused before its commit
        second, lake = run_etl(SAMPLES, lake=lake.root, runner="thread", lock_wait=180)
        assert first.wait(timeout=60) == 0, first.stderr.read().decode()
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
        first.stdout.close()
        first.stderr.close()
    # The second ran after the first committed: the inputs were ingested once.
    assert not second.committed and second.files_unchanged == len(list(SAMPLES.iterdir()))
    [run] = rows(lake, "select * from runs")
    assert run["articles"] == rows(lake, "select count(*) n from articles_all")[0]["n"]
