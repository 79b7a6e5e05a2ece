"""LAKE/copydesk.duckdb (flows.lake.Lake.refresh_database) opens in current DuckDB clients:
the CLI from PyPI (``duckdb-cli``, a dev dependency) included, whose storage reader is older
than the Python package's."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import lake_rows

DUCKDB_CLI = Path(sys.executable).with_name("duckdb")


def duckdb_cli(database: Path, sql: str) -> list[dict]:
    """Rows of ``sql`` as the standalone DuckDB CLI prints them in JSON mode."""
    cli = DUCKDB_CLI if DUCKDB_CLI.exists() else shutil.which("duckdb")
    if cli is None:
        pytest.skip("the duckdb CLI (PyPI duckdb-cli) is not installed; run make setup")
    out = subprocess.run([str(cli), "-readonly", "-json", str(database), "-c", sql],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout or "[]")


@pytest.mark.server
def test_the_pypi_duckdb_cli_opens_the_catalog_and_every_view_answers(bbc_lake):
    _, lake, summary = bbc_lake
    database = lake.refresh_database()
    version = subprocess.run([str(DUCKDB_CLI), "--version"], capture_output=True, text=True).stdout
    assert version.startswith("v1.")  # an older reader than the duckdb Python package
    views = {r["view_name"] for r in duckdb_cli(database, "select view_name from duckdb_views() where not internal")}
    assert {"articles", "articles_all", "paragraphs", "rejects", "runs", "boilerplate"} <= views
    counts_sql = " union all ".join(f"select '{v}' as view, count(*) as n from {v}" for v in sorted(views))
    from_cli = {r["view"]: r["n"] for r in duckdb_cli(database, counts_sql)}
    from_python = {r["view"]: r["n"] for r in lake_rows(lake, counts_sql)}
    assert from_cli == from_python
    assert from_cli["articles_all"] == summary.articles
    [row] = duckdb_cli(database, "select title, authors from articles where title = 'Tory backing for ID cards'")
    assert row["authors"] == lake_rows(lake, "select authors from articles where title = 'Tory backing for ID cards'"
                                       )[0]["authors"]
