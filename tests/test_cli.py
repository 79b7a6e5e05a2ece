"""The command line (flows.cli) without a server: ``query`` never prints a control
character raw and never writes into the lake."""

from __future__ import annotations

import signal

import pytest

from flows import cli


def test_escape_controls_keeps_tab_and_newline_and_escapes_the_rest():
    text = "a\tb\nc\x1b]0;owned\x07d\x9be\x00\rf \u00e9\u2014"
    assert cli.escape_controls(text) == "a\tb\nc\\x1b]0;owned\\x07d\\x9be\\x00\\x0df \u00e9\u2014"
    assert cli.escape_controls("plain text") == "plain text"


def test_query_prints_an_osc_sequence_escaped(tmp_path, capsys):
    (tmp_path / "lake").mkdir()
    sql = "select chr(27) || ']0;owned' || chr(7) || 'title' as title, 'ok' as \"x\u009by\""
    assert cli.main(["query", "--lake", str(tmp_path / "lake"), sql]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out and "\x9b" not in out
    assert out.splitlines() == ["title,x\\x9by", "\\x1b]0;owned\\x07title,ok"]


@pytest.mark.parametrize("sql", [
    "COPY (select 1) TO '{lake}/articles/run=x/part-00000.parquet'",
    "copy (select 1 as a) to '{lake}/runs/evil.csv' (header)",
    "EXPORT DATABASE '{lake}/export'",
    "ATTACH '{lake}/other.duckdb' AS other",
    "select 1; COPY (select 2) TO '{lake}/../lake/x.csv'",
])
def test_query_refuses_to_write_into_the_lake(tmp_path, capsys, sql):
    lake = tmp_path / "lake"
    lake.mkdir()
    with pytest.raises(SystemExit) as exit:
        cli.main(["query", "--lake", str(lake), sql.format(lake=lake)])
    assert exit.value.code == 2
    [line] = capsys.readouterr().err.splitlines()
    assert "read-only" in line and "docs/operations.md" in line
    assert sorted(p.name for p in lake.iterdir()) == []


def test_query_may_copy_results_outside_the_lake(tmp_path):
    lake = tmp_path / "lake"
    lake.mkdir()
    out = tmp_path / "results" / "one.csv"
    out.parent.mkdir()
    assert cli.main(["query", "--lake", str(lake), f"COPY (select 1 as a) TO '{out}' (header)"]) == 0
    assert out.read_text().splitlines() == ["a", "1"]


# ---- what users meet: formats, errors, the Makefile -------------------------------------------

LISTS_SQL = "select 'Harbour' as title, ['Maria Keane', 'Tom Ellery'] as authors, {'byline': 4} as removed, 3 as n"


def test_query_prints_lists_as_json_in_csv(tmp_path, capsys):
    (tmp_path / "lake").mkdir()
    assert cli.main(["query", "--lake", str(tmp_path / "lake"), LISTS_SQL]) == 0
    import csv

    rows = list(csv.reader(capsys.readouterr().out.splitlines()))
    assert rows[0] == ["title", "authors", "removed", "n"]
    import json

    assert json.loads(rows[1][1]) == ["Maria Keane", "Tom Ellery"]
    assert json.loads(rows[1][2]) == {"byline": 4}


def test_query_prints_json_and_an_aligned_table(tmp_path, capsys):
    import json

    (tmp_path / "lake").mkdir()
    lake = str(tmp_path / "lake")
    sql = LISTS_SQL + " union all select 'x', [], {'byline': 0}, 10"
    assert cli.main(["query", "--lake", lake, "--format", "json", sql]) == 0
    assert json.loads(capsys.readouterr().out) == [
        {"title": "Harbour", "authors": ["Maria Keane", "Tom Ellery"], "removed": {"byline": 4}, "n": 3},
        {"title": "x", "authors": [], "removed": {"byline": 0}, "n": 10},
    ]
    assert cli.main(["query", "--lake", lake, "--format", "table",
                     "select repeat('x', 200) as body, 7 as n, chr(27) || 'e' as esc"]) == 0
    header, rule, row, count = capsys.readouterr().out.splitlines()
    assert header.split() == ["body", "n", "esc"] and set(rule) == {"-", " "}
    assert row.startswith("x" * 47 + "…") and len(row) < 80 and "\x1b" not in row and row.endswith("\\x1be")
    assert count == "(1 row)"


def test_a_query_error_keeps_duckdbs_hint(tmp_path, capsys):
    (tmp_path / "lake").mkdir()
    with pytest.raises(SystemExit) as exit:
        cli.main(["query", "--lake", str(tmp_path / "lake"), "select * from rangee(3)"])
    assert exit.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("copydesk: query failed:") and "Did you mean" in err and "range" in err


def test_a_misspelt_sources_key_is_one_line_with_the_close_name(tmp_path, capsys):
    bad = tmp_path / "sources.toml"
    bad.write_text('[[sources]]\npattern = "*.csv"\ntimezon = "UTC"\n')
    with pytest.raises(SystemExit) as exit:
        cli.main(["run", "--input", "data/samples", "--lake", str(tmp_path / "lake"), "--sources", str(bad)])
    assert exit.value.code == 2
    [line] = capsys.readouterr().err.splitlines()
    assert str(bad) in line and "'timezon'" in line and "did you mean 'timezone'?" in line


def test_remedies_name_the_command_line_outside_make(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("MAKELEVEL", raising=False)
    with pytest.raises(SystemExit):
        cli.main(["query", "--lake", str(tmp_path / "nowhere"), "select 1"])
    assert f"copydesk run --lake {tmp_path / 'nowhere'}" in capsys.readouterr().err
    monkeypatch.setenv("MAKELEVEL", "1")
    with pytest.raises(SystemExit):
        cli.main(["query", "--lake", str(tmp_path / "nowhere"), "select 1"])
    assert f"make run LAKE={tmp_path / 'nowhere'}" in capsys.readouterr().err


@pytest.mark.server
@pytest.mark.parametrize("sql, expected", [
    ("select 'a$b' as v", "a$b"),
    ("select $$price: $5$$ as v", "price: $5"),
    ("select 'x$$y' as v", "x$$y"),
    ("select '$(HOME)' as v", "$(HOME)"),
])
def test_make_query_passes_the_sql_exactly_as_typed(tmp_path, sql, expected):
    import subprocess

    from tests.conftest import ROOT

    (tmp_path / "lake").mkdir()
    out = subprocess.run(["make", "-s", "--no-print-directory", "query", f"LAKE={tmp_path / 'lake'}", f"SQL={sql}"],
                         cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert out.splitlines() == ["v", expected]


@pytest.mark.server
def test_make_run_prints_a_screenful_example_that_names_the_lake(bbc_lake, capsys):
    """The example ``make run`` prints after its summary: ten rows and the LAKE= it ran on,
    here over the 2,225 BBC articles."""
    import shlex
    import subprocess

    from tests.conftest import ROOT

    _, lake, _ = bbc_lake
    recipe = subprocess.run(["make", "-n", "run", f"LAKE={lake.root}"], cwd=ROOT, capture_output=True,
                            text=True, check=True).stdout.splitlines()
    [echo] = [line for line in recipe if "example: make query" in line]
    assert f"LAKE={lake.root}" in echo
    [query] = [line for line in recipe if "flows.cli query" in line]
    argv = shlex.split(query)[shlex.split(query).index("flows.cli") + 1:]
    assert cli.main(argv) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 10 + 3  # header, rule, ten rows, the row count


def test_prefect_state_stays_out_of_site_packages_when_installed(monkeypatch, tmp_path):
    assert cli.default_prefect_home() == cli.Path(cli.__file__).resolve().parents[1] / ".prefect"  # a checkout
    installed = tmp_path / "venv" / "lib" / "python3.11" / "site-packages" / "flows" / "cli.py"
    installed.parent.mkdir(parents=True)
    (installed.parents[1] / "pyproject.toml").write_text("")  # even beside a stray pyproject.toml
    monkeypatch.setattr(cli, "__file__", str(installed))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("COPYDESK_HOME", raising=False)
    assert cli.default_prefect_home() == tmp_path / "home" / ".copydesk" / "prefect"
    monkeypatch.setenv("COPYDESK_HOME", str(tmp_path / "state"))
    assert cli.default_prefect_home() == tmp_path / "state" / "prefect"


# ---- copydesk run's Prefect settings ---------------------------------------------------------


def _run_with_a_fake_flow(monkeypatch, tmp_path) -> list:
    """``copydesk run`` on one sample with the flow replaced by one that records the
    heartbeat setting it runs under; returns what it saw."""
    import flows.etl
    from flows.stages import RunSummary

    seen = []

    class FakeFlow:
        def with_options(self, **options):
            return self

        def __call__(self, **params):
            from prefect.settings import get_current_settings

            seen.append(get_current_settings().flows.heartbeat_frequency)
            return RunSummary(input=params["input"], lake=params["lake"], committed=False)

    monkeypatch.setattr(flows.etl, "etl", FakeFlow())
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")  # never asked: the flow is fake
    sample = tmp_path / "in" / "seed.txt"
    sample.parent.mkdir()
    sample.write_text("Title\n\nA paragraph of text.\n")
    handler = signal.getsignal(signal.SIGINT)  # cmd_run installs its own
    try:
        assert cli.main(["run", "--input", str(sample.parent), "--lake", str(tmp_path / "lake"), "--quiet"]) == 0
    finally:
        signal.signal(signal.SIGINT, handler)
    return seen


def test_run_sends_no_heartbeats_unless_configured(monkeypatch, tmp_path):
    monkeypatch.delenv("PREFECT_FLOWS_HEARTBEAT_FREQUENCY", raising=False)
    monkeypatch.delenv("PREFECT_RUNNER_HEARTBEAT_FREQUENCY", raising=False)
    assert _run_with_a_fake_flow(monkeypatch, tmp_path) == [None]
    from prefect.settings import get_current_settings

    assert get_current_settings().flows.heartbeat_frequency == 180  # only the run's settings changed


def test_run_keeps_heartbeats_when_configured(monkeypatch, tmp_path):
    from prefect.settings import temporary_settings

    with temporary_settings(updates={"flows.heartbeat_frequency": 45}):
        assert _run_with_a_fake_flow(monkeypatch, tmp_path) == [45]
