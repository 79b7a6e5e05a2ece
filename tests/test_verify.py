"""Checking a lake (flows.verify, ``make verify``): every committed file readable, row
counts as the runs rows say; a damaged file is one line naming it and what to do, in
``verify``, in queries and in runs."""

from __future__ import annotations

import duckdb
import pyarrow.parquet as pq
import pytest

from flows import cli
from flows.lake import Lake
from flows.verify import verify
from tests.test_stages import commit_without_prefect


@pytest.fixture
def lake(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "a.txt").write_text("Harbour reopens\n\nThe harbour reopened today after repairs.\n")
    (inbox / "b.jsonl").write_text('{"title": "Library", "text": "The library opens on Sundays."}\n{bad\n')
    commit_without_prefect(inbox, tmp_path / "lake")
    return Lake(tmp_path / "lake")


def _one_file(lake: Lake, table: str):
    return sorted(lake.root.glob(f"{table}/run=*/part-*.parquet"))[0]


def test_a_sound_lake_has_no_problems(lake, capsys):
    assert verify(lake) == []
    assert cli.main(["verify", "--lake", str(lake.root)]) == 0
    assert "no problems" in capsys.readouterr().out


def test_a_truncated_manifest_part_is_one_line_naming_it(lake, capsys):
    part = _one_file(lake, "manifest")
    part.write_bytes(b"")
    [problem] = verify(lake)
    assert str(part) in problem and "not a readable Parquet file" in problem and "the next run" in problem
    assert cli.main(["verify", "--lake", str(lake.root)]) == 1
    assert capsys.readouterr().out.splitlines() == [problem]


def test_a_query_meeting_a_damaged_file_fails_with_that_line(lake, capsys):
    part = _one_file(lake, "manifest")
    part.write_bytes(b"")
    with pytest.raises(SystemExit) as exit:
        cli.main(["query", "--lake", str(lake.root), "select count(*) from articles"])
    assert exit.value.code == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and str(part) in err and len(err.strip().splitlines()) == 1


def test_row_counts_are_checked_against_the_runs_row(lake):
    part = _one_file(lake, "rejects")
    pq.write_table(pq.read_table(part).slice(0, 0), part)
    [problem] = verify(lake)
    assert problem.startswith(f"{part.parent}: 0 rows in rejects files, but the runs row of run ")
    assert "says 1 rows (rejects)" in problem


def test_a_run_meeting_a_damaged_file_fails_with_that_line(lake, prefect_api, capsys, tmp_path):
    part = _one_file(lake, "manifest")
    part.write_bytes(b"")
    with pytest.raises(SystemExit) as exit:
        cli.main(["run", "--input", str(tmp_path / "inbox"), "--lake", str(lake.root), "--runner", "thread",
                  "--workers", "1", "--quiet"])
    assert exit.value.code == 1
    lines = [line for line in capsys.readouterr().err.splitlines() if line.startswith("copydesk:")]
    assert len(lines) == 1 and str(part) in lines[0]


def test_removing_a_damaged_shard_as_advised_leaves_a_sound_lake(lake):
    part = _one_file(lake, "manifest")
    part.write_bytes(b"")
    run = part.parent.name
    for table in ("articles", "paragraphs", "rejects", "signatures", "manifest"):
        (lake.root / table / run / part.name).unlink(missing_ok=True)
    assert verify(lake) == []


def test_views_that_do_not_read_a_damaged_file_keep_working(lake):
    before = lake.connect().execute("select count(*) from runs").fetchone()[0]
    _one_file(lake, "manifest").write_bytes(b"")
    con = lake.connect()
    assert con.execute("select count(*) from runs").fetchone()[0] == before == 1
    assert con.execute("select count(*) from signatures").fetchone()[0] == 2  # a.txt and the good line
    # Everything filtered by the manifest's rule of live inputs reads the damaged file.
    for view in ("manifest", "current_inputs", "articles", "articles_all", "paragraphs", "rejects"):
        with pytest.raises(duckdb.Error, match="(make verify LAKE=|copydesk verify --lake )"):
            con.execute(f"select count(*) from {view}").fetchall()  # count(*) too: never a silent 1
