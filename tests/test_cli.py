"""The command line (flows.cli) without a server: ``query`` never prints a control
character raw and never writes into the lake."""

from __future__ import annotations

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
