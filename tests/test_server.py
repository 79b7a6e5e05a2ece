"""The project's Prefect server (flows.server) on a port of its own: its UI talks to
itself, a second start from the same home says where the first runs, and a run's INFO logs,
name, tags and artifacts reach its API while the console stays quiet."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from flows.report import MARKDOWN_KEY, TABLE_KEY, artifact_key
from tests.conftest import ROOT, SAMPLES

pytestmark = pytest.mark.server
COPYDESK = Path(sys.executable).with_name("copydesk")  # the console script, as pip installs it


def port_range() -> list[int]:
    """The ports these tests may use: the ten of PREFECT_PORT's decade but PREFECT_PORT itself
    (4230-4239 for 4235), where that is set; 4241-4249 otherwise."""
    own = int(os.environ.get("PREFECT_PORT") or 4240)
    base = own - own % 10
    return [port for port in range(base, base + 10) if port != own]


def free_ports(n: int) -> list[int]:
    """Free ports of ``port_range()``, else any free ones."""
    ports = []
    for port in [*port_range(), 0, 0, 0]:
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            ports.append(s.getsockname()[1])
        if len(ports) == n:
            return ports
    pytest.skip("no free port for a Prefect server")


def api(port: int, path: str, body: dict | None = None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data,
                                     headers={"content-type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """``python -m flows.server start`` on a free port, from a PREFECT_HOME of its own: one
    server for the module (each start takes ~20 s); every test filters the API by its own
    lake, so none sees another's runs."""
    tmp_path = tmp_path_factory.mktemp("server")
    port, other = free_ports(2)
    # As a user runs it: no API URL, no make, Prefect's logging as copydesk sets it (the suite mutes it).
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PREFECT_API", "PREFECT_LOGGING")) and k != "MAKELEVEL"}
    env.update(PREFECT_HOME=str(tmp_path / "prefect-home"), PREFECT_PORT=str(port))
    started = subprocess.run([str(COPYDESK), "server", "start"], cwd=tmp_path, env=env, capture_output=True,
                             text=True, timeout=120)
    assert started.returncode == 0, started.stderr
    assert f"UI http://127.0.0.1:{port}" in started.stdout
    try:
        yield port, other, env
    finally:
        subprocess.run([str(COPYDESK), "stop"], cwd=tmp_path, env=env, capture_output=True, timeout=60)


def test_the_ui_talks_to_its_own_server_and_a_second_start_says_where_the_first_runs(server):
    port, other, env = server
    assert api(port, "/ui-settings")["api_url"] == f"http://127.0.0.1:{port}/api"
    second = subprocess.run([sys.executable, "-m", "flows.server", "start"], cwd=ROOT,
                            env={**env, "PREFECT_PORT": str(other)}, capture_output=True, text=True, timeout=30)
    assert second.returncode != 0
    [line] = second.stderr.strip().splitlines()
    assert f"already runs on port {port}" in line and f"PREFECT_PORT={port}" in line and "copydesk stop" in line
    status = subprocess.run([str(COPYDESK), "server", "status"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert status.stdout.strip() == "up"
    version = subprocess.run([str(COPYDESK), "--version"], capture_output=True, text=True, check=True).stdout
    assert version.startswith("copydesk 0.")


def test_a_runs_logs_name_tags_and_artifacts_reach_the_api_and_the_console_stays_quiet(server, tmp_path):
    port, _, env = server
    lake = tmp_path / "lake"
    # No PREFECT_API_URL: the command line finds the server on PREFECT_PORT and shares it
    # with its workers, starting none of its own.
    run = subprocess.run(
        [str(COPYDESK), "run", "--input", str(SAMPLES), "--lake", str(lake), "--quiet", "--workers", "2"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300,
    )
    assert run.returncode == 0, run.stderr
    assert "starting Prefect server" not in run.stderr
    assert "INFO" not in run.stdout + run.stderr
    run_id = run.stdout.split()[1]
    [flow_run] = api(port, "/api/flow_runs/filter",
                     {"flow_runs": {"tags": {"all_": [f"lake:{lake}"]}}, "limit": 5})
    assert run_id in flow_run["name"] and "lake" in flow_run["name"]
    assert flow_run["parameters"]["lake"] == str(lake)
    logs = api(port, "/api/logs/filter", {"logs": {"flow_run_id": {"any_": [flow_run["id"]]}}, "limit": 200})
    infos = [entry["message"] for entry in logs if entry["level"] == 20]
    assert any(f"run {run_id}: 5 of 5 files to examine" in m for m in infos)  # a task's log
    assert any(m.startswith("Beginning flow run") for m in infos)
    assert any(entry["task_run_id"] for entry in logs)
    keys = {a["key"] for a in api(port, "/api/artifacts/filter", {"limit": 20})}
    assert {artifact_key(MARKDOWN_KEY, str(lake)), artifact_key(TABLE_KEY, str(lake))} <= keys
    assert artifact_key(MARKDOWN_KEY, str(lake)) != artifact_key(MARKDOWN_KEY, str(tmp_path / "other"))


def test_python_m_flows_cli_ends_fast_yet_its_last_logs_and_final_state_reach_the_api(server, tmp_path):
    """``python -m flows.cli`` (what make runs) ends with ``os._exit`` after the exit
    handlers: the flow run's last log lines, sent at its very end, and its final state
    must still be in the API, and the exit code and the summary on stdout kept."""
    port, _, env = server
    lake = tmp_path / "lake"
    run = subprocess.run(
        [sys.executable, "-m", "flows.cli", "run", "--input", str(SAMPLES), "--lake", str(lake), "--quiet"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("run ") and "records" in run.stdout  # flushed before the exit
    [flow_run] = api(port, "/api/flow_runs/filter", {"flow_runs": {"tags": {"all_": [f"lake:{lake}"]}}, "limit": 5})
    assert flow_run["state_type"] == "COMPLETED"
    logs = api(port, "/api/logs/filter", {"logs": {"flow_run_id": {"any_": [flow_run["id"]]}}, "limit": 200})
    assert any(entry["message"].startswith("Finished in state Completed") and not entry["task_run_id"]
               for entry in logs), [entry["message"] for entry in logs]
    failing = subprocess.run(
        [sys.executable, "-m", "flows.cli", "run", "--input", str(tmp_path / "missing"), "--lake", str(lake)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert failing.returncode == 2 and failing.stderr.startswith("copydesk: ")
