"""The manifest (flows.manifest), without Prefect: input identity, which inputs a run
examines and reads, the rows it stages, and the rule that makes one run's rows live."""

from __future__ import annotations

import os
from datetime import UTC, datetime

import duckdb

from flows import manifest
from flows.lake import Lake
from flows.readers import discover_inputs
from schemas.manifest import MANIFEST
from schemas.tables import TABLES
from tests.test_schemas import sample_row

T0 = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def _inbox(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "a.txt").write_text("Title A\n\nBody of a.\n")
    (inbox / "b.txt").write_text("Title B\n\nBody of b.\n")
    return inbox


def _commit(lake: Lake, run_id: str, rows: list[dict]) -> None:
    manifest.stage_manifest(lake.staged_file(run_id, "manifest", 0), rows)
    lake.commit(run_id, sample_row(TABLES["runs"]) | {"run_id": run_id})


def test_input_key_is_the_discovered_absolute_path(tmp_path, monkeypatch):
    inbox = _inbox(tmp_path)
    monkeypatch.chdir(tmp_path)
    [a, _] = discover_inputs("inbox")
    assert manifest.input_key(a) == str(inbox / "a.txt")


def test_new_files_are_read_and_unchanged_ones_skipped_by_stat_or_hash(tmp_path):
    inbox, lake = _inbox(tmp_path), Lake(tmp_path / "lake")
    lake.ensure_writable()
    files = discover_inputs(str(inbox))
    candidates, skipped = manifest.select_inputs(files, manifest.current_manifest(lake.committed_files("manifest")))
    assert (len(candidates), skipped) == (2, 0)
    examined = manifest.examine_all(candidates, "r1", T0)
    assert examined.to_read == files
    assert [r["input_key"] for r in examined.rows] == [str(inbox / "a.txt"), str(inbox / "b.txt")]
    assert all(r["ingested_run_id"] == "r1" and r["input_path"] == r["input_key"] for r in examined.rows)
    _commit(lake, "r1", examined.rows)

    current = manifest.current_manifest(lake.committed_files("manifest"))
    assert set(current) == {str(inbox / "a.txt"), str(inbox / "b.txt")}
    # Untouched: skipped by the stat. Touched, same bytes: hashed, not read, still r1's rows.
    st = os.stat(inbox / "b.txt")
    os.utime(inbox / "b.txt", ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    candidates, skipped = manifest.select_inputs(files, current)
    assert skipped == 1 and [c.file.relpath for c in candidates] == ["b.txt"]
    examined = manifest.examine_all(candidates, "r2", T0)
    assert examined.to_read == [] and examined.rows[0]["ingested_run_id"] == "r1"
    # Changed bytes: read again, its rows now this run's.
    (inbox / "b.txt").write_text("Title B\n\nA new body.\n")
    candidates, _ = manifest.select_inputs(files, current)
    examined = manifest.examine_all(candidates, "r3", T0)
    assert [f.relpath for f in examined.to_read] == ["b.txt"] and examined.rows[0]["ingested_run_id"] == "r3"


def test_unreadable_file_has_no_hash_and_is_read(tmp_path):
    missing = manifest.Candidate(discover_inputs(str(_inbox(tmp_path)))[0], None)
    os.unlink(missing.file.path)
    read, row = manifest.examine(missing, "r1", T0)
    assert read and row["content_hash"] is None and row["size"] is None


def test_live_rows_are_the_latest_ingesting_run_of_each_input():
    con = duckdb.connect()
    rows = [  # input a read by r1, then again (changed) by r2; b read by r1, touched in r2
        ("a", "/a", "r1", "r1"), ("b", "/b", "r1", "r1"), ("a", "/a", "r2", "r2"), ("b", "/b", "r1", "r2"),
    ]
    source = " UNION ALL ".join(
        f"SELECT '{k}' AS input_key, '{p}' AS input_path, 1 AS size, 1 AS mtime_ns, 1 AS ctime_ns, "
        f"'h' AS content_hash, '{i}' AS ingested_run_id, TIMESTAMP '2026-01-01' AS examined_at, '{r}' AS run_id"
        for k, p, i, r in rows
    )
    statements, live = manifest.view_statements(source, "true")
    for statement in statements:
        con.execute(statement)
    assert con.execute("SELECT input_key, run_id FROM current_inputs ORDER BY 1").fetchall() == [
        ("a", "r2"), ("b", "r1")]
    facts = "SELECT * FROM (VALUES ('/a', 'r1'), ('/a', 'r2'), ('/b', 'r1'), ('/c', 'r0')) f(input_path, run_id)"
    kept = con.execute(f"SELECT * FROM ({facts}) WHERE {live} ORDER BY ALL").fetchall()
    # r0 wrote no manifest rows (a lake older than the manifest): its rows stay visible.
    assert kept == [("/a", "r2"), ("/b", "r1"), ("/c", "r0")]
    assert [f.name for f in MANIFEST] == [
        "input_key", "input_path", "size", "mtime_ns", "ctime_ns", "content_hash", "ingested_run_id",
        "examined_at", "run_id"]


def _examine_within(candidates, seconds: float, fifo=None):
    """``examine_all`` in a thread; fails (after unblocking a FIFO reader) if it takes longer."""
    import threading

    result = {}
    thread = threading.Thread(target=lambda: result.update(e=manifest.examine_all(candidates, "r1", T0)),
                              daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive() and fifo is not None:
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))  # let the blocked open() return
        thread.join(5)
    assert "e" in result and not thread.is_alive(), "examine hung on a file that is not regular"
    return result["e"]


def test_a_fifo_or_a_device_is_recorded_without_being_opened(tmp_path):
    inbox = _inbox(tmp_path)
    os.mkfifo(inbox / "f.jsonl")
    os.symlink("/dev/zero", inbox / "zero.txt")
    files = discover_inputs(str(inbox))
    candidates, _ = manifest.select_inputs(files, {})
    examined = _examine_within(candidates, 5, fifo=inbox / "f.jsonl")
    by_name = {os.path.basename(r["input_key"]): r for r in examined.rows}
    assert set(by_name) == {"a.txt", "b.txt", "f.jsonl", "zero.txt"}
    assert by_name["f.jsonl"]["content_hash"] is None and by_name["zero.txt"]["content_hash"] is None
    assert by_name["a.txt"]["content_hash"] is not None
    # Still handed to the readers, which reject what is not a regular file, without reading it.
    assert {os.path.basename(f.path) for f in examined.to_read} == set(by_name)


def test_hash_file_refuses_what_is_not_a_regular_file(tmp_path):
    assert manifest.hash_file("/dev/zero") is None
    assert manifest.hash_file(str(tmp_path)) is None
