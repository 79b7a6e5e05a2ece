"""Scheduling for real: a Prefect server, a process serving the inbox deployment every few
seconds, a file dropped in the inbox, and its article in the lake after a scheduled run.

The server and the serve process run in their own process groups, with their own
PREFECT_HOME and port, and are ended in ``finally`` whatever happens.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from flows.schedule import ingest_inbox, pid_file, running_pid, stop_background
from flows.server import api_url
from tests.conftest import ROOT, SEED

SEED_TITLE = "\u2018Difficult\u2019 Russia-Ukraine peace talks end without breakthrough"
POLL_SECONDS = 120


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _end_group(process: subprocess.Popen, wait_seconds: float = 10.0) -> None:
    """SIGTERM the process's group, then SIGKILL what is left."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + wait_seconds
        while time.monotonic() < deadline:
            try:
                os.killpg(process.pid, 0)
            except ProcessLookupError:
                process.poll()
                return
            process.poll()  # reap the leader so the group can empty
            time.sleep(0.2)


def _post(url: str, body: dict) -> list[dict]:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def _seed_article(lake: str) -> list[tuple]:
    from flows.lake import Lake

    store = Lake(lake)
    if not store.committed_runs():
        return []
    return store.connect().execute(
        "select title, run_id from articles where input_path like '%seed.txt'"
    ).fetchall()


def _tail(path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


@pytest.mark.server
def test_scheduled_run_ingests_what_lands_in_the_inbox(tmp_path):
    port = _free_port()
    url = api_url(port)
    inbox, lake, home = tmp_path / "inbox", tmp_path / "lake", tmp_path / "prefect-home"
    env = {
        **os.environ,
        "PREFECT_HOME": str(home),
        "PREFECT_PORT": str(port),
        "PREFECT_API_URL": url,
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "PREFECT_LOGGING_LEVEL": "INFO",
        # Look for due runs every 2 s instead of 10 s: the test waits less.
        "PREFECT_RUNNER_POLL_FREQUENCY": "2",
    }
    serve_log = tmp_path / "serve.log"
    server = serve = None
    try:
        server = subprocess.Popen(
            [sys.executable, "-m", "flows.server", "start"], cwd=ROOT, env=env,
            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True,
        )
        assert server.wait(timeout=90) == 0, _tail(home / "server.log")
        with open(serve_log, "wb") as out:
            serve = subprocess.Popen(
                [sys.executable, "-m", "flows.schedule", "serve", "--inbox", str(inbox), "--lake", str(lake),
                 "--interval", "5", "--runner", "process", "--workers", "2"],
                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            )
        inbox.mkdir(exist_ok=True)
        shutil.copy(SEED, inbox / "seed.txt")

        deadline = time.monotonic() + POLL_SECONDS
        found: list[tuple] = []
        while time.monotonic() < deadline and not found:
            assert serve.poll() is None, "serve process exited:\n" + _tail(serve_log)
            time.sleep(2)
            found = _seed_article(str(lake))
        assert found, f"no article after {POLL_SECONDS}s:\n" + _tail(serve_log)
        assert found[0][0] == SEED_TITLE
        print(f"article after {POLL_SECONDS - (deadline - time.monotonic()):.1f}s of polling")

        # It came from a run of the served deployment, which completes.
        [deployment] = _post(url + "/deployments/filter", {})
        assert deployment["name"] == "inbox" and deployment["parameters"]["inbox"] == str(inbox)
        completed: list[dict] = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not completed:
            completed = _post(url + "/flow_runs/filter", {"flow_runs": {
                "deployment_id": {"any_": [deployment["id"]]}, "state": {"type": {"any_": ["COMPLETED"]}}}})
            time.sleep(1)
        assert completed, "no completed run of the deployment:\n" + _tail(serve_log)
        assert completed[0]["auto_scheduled"]
    finally:
        for process in (serve, server):
            if process is not None:
                _end_group(process)
    assert serve.poll() is not None


def test_empty_inbox_is_skipped_not_failed(prefect_api, tmp_path):
    (tmp_path / "inbox").mkdir()
    result = ingest_inbox(inbox=str(tmp_path / "inbox"), lake=str(tmp_path / "lake"), runner="thread")
    assert result is None
    assert not (tmp_path / "lake" / "runs").exists()


def test_inbox_flow_runs_the_etl(prefect_api, tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(SEED, inbox / "seed.txt")
    summary = ingest_inbox(inbox=str(inbox), lake=str(tmp_path / "lake"), runner="thread", workers=1)
    assert summary.articles == 1 and summary.rejects == 0
    assert _seed_article(str(tmp_path / "lake"))[0][0] == SEED_TITLE


@pytest.mark.server  # starts a subprocess
def test_stop_ignores_a_pid_that_is_not_the_schedule(tmp_path, monkeypatch):
    monkeypatch.setenv("PREFECT_HOME", str(tmp_path))
    sleeper = subprocess.Popen(["sleep", "30"], start_new_session=True)
    try:
        pid_file().write_text(f"{sleeper.pid}\n")
        assert running_pid() is None  # a live process, but not flows.schedule
        assert stop_background() is False
        assert sleeper.poll() is None and not pid_file().exists()
    finally:
        sleeper.kill()
        sleeper.wait()
