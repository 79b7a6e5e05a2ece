"""Shared fixtures: the real corpora (skipped when absent), one Prefect API for the
whole session, and a helper that runs the real ETL flow into a temporary lake.

Two lanes. ``make test-fast`` runs every test that starts no server and no subprocess
(``-m "not server"``); ``make test`` runs them all plus the doctests. A test is in the slow
lane when it uses the Prefect API (``prefect_api`` or any fixture built on it: marked
here, automatically) or carries ``@pytest.mark.server`` because it starts a process of its
own. In the fast lane a test that starts a subprocess anyway fails and says to mark it.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPORA = (ROOT / ".." / "shared" / "corpora").resolve()
SAMPLES = ROOT / "data" / "samples"
SEED = SAMPLES / "000_4eeab82144f608e1.txt"

# Tests never touch the user's ~/.prefect.
os.environ.setdefault("PREFECT_HOME", str(ROOT / ".prefect" / "test-home"))
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")


FAST_LANE = os.environ.get("COPYDESK_TEST_FAST") == "1"


def pytest_collection_modifyitems(config, items):
    """Every test that needs the Prefect API is a ``server`` test."""
    for item in items:
        if "prefect_api" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.server)


class _NoSubprocess(subprocess.Popen):
    def __init__(self, *args, **kwargs):
        raise AssertionError(
            "this test starts a subprocess but runs in the fast lane: mark it @pytest.mark.server"
        )


@pytest.fixture(autouse=FAST_LANE)
def _fast_lane_has_no_subprocesses(monkeypatch):
    """In ``make test-fast``, starting a process is an error that names the missing mark."""
    monkeypatch.setattr(subprocess, "Popen", _NoSubprocess)


def corpus_path(*parts: str) -> Path:
    """Path inside ../shared/corpora; skips the test with a clear message when absent."""
    path = CORPORA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared corpus not found at {path} (needs ../shared/corpora next to the repo)")
    return path


@pytest.fixture(scope="session")
def prefect_api():
    """One temporary Prefect API for the session (it takes ~11 s to start). Worker
    processes get its URL through the environment, so none starts a server of its own."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=60):
        from prefect.settings import PREFECT_API_URL

        url = PREFECT_API_URL.value()
        previous = os.environ.get("PREFECT_API_URL")
        os.environ["PREFECT_API_URL"] = url
        try:
            yield url
        finally:
            if previous is None:
                os.environ.pop("PREFECT_API_URL", None)
            else:
                os.environ["PREFECT_API_URL"] = previous


@pytest.fixture
def run_etl(prefect_api, tmp_path):
    """Run the real flow: ``run_etl(input, lake=None, runner="process", **params)`` →
    ``(summary, Lake)``."""
    from flows.etl import etl
    from flows.lake import Lake
    from flows.runners import make_task_runner

    def run(input, lake=None, runner: str = "process", workers: int = 2, **params):
        lake = str(lake or tmp_path / "lake")
        flow = etl.with_options(task_runner=make_task_runner(runner, workers))
        summary = flow(input=str(input), lake=lake, workers=workers, **params)
        return summary, Lake(lake)

    return run


@pytest.fixture(scope="session")
def bbc_lake(prefect_api, tmp_path_factory):
    """The whole BBC corpus through the real flow (process pool, 2 workers), once per
    session: ``(bbc folder, Lake, RunSummary)``."""
    from flows.etl import etl
    from flows.lake import Lake
    from flows.runners import make_task_runner

    bbc = corpus_path("bbc")
    lake = tmp_path_factory.mktemp("bbc") / "lake"
    summary = etl.with_options(task_runner=make_task_runner("process", 2))(
        input=str(bbc), lake=str(lake), workers=2
    )
    return bbc, Lake(lake), summary


@pytest.fixture(scope="session")
def fakenews_flow_lake(prefect_api, tmp_path_factory):
    """The FakeNewsCorpus sample through the real flow with the documented sources file,
    once per session: ``(sample folder, Lake, RunSummary)``."""
    from flows.etl import etl
    from flows.lake import Lake
    from flows.runners import make_task_runner

    folder = corpus_path("fakenewscorpus-sample")
    lake = tmp_path_factory.mktemp("fakenews") / "lake"
    summary = etl.with_options(task_runner=make_task_runner("thread", 1))(
        input=str(folder), lake=str(lake), sources=str(ROOT / "sources.example.toml")
    )
    return folder, Lake(lake), summary


def lake_rows(lake, sql: str, params=None, con=None) -> list[dict]:
    """The rows of ``sql`` over a lake's views as dicts. ``lake`` is a ``Lake`` or its root;
    ``con`` reuses a connection."""
    if con is None:
        from flows.lake import Lake

        con = (lake if isinstance(lake, Lake) else Lake(lake)).connect()
    cur = con.execute(sql, params or [])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def fakenews_csv_rows() -> list[dict]:
    """The FakeNewsCorpus sample's rows as the csv module reads them (skips without it)."""
    import csv
    import sys

    path = corpus_path("fakenewscorpus-sample", "news_sample.csv")
    csv.field_size_limit(sys.maxsize)
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def ftfy_cases() -> list[dict[str, str]]:
    """ftfy's own real-world test cases (``{label, original, fixed, expect}``), all files."""
    import json  # only the repair tests read these; kept with the helper like the others here

    root = corpus_path("ftfy-test-cases")
    return [case for path in sorted(root.glob("*.json")) for case in json.loads(path.read_text())]
