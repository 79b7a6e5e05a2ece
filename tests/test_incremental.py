"""Incremental, idempotent runs through the real flow: the manifest decides what is read,
a rerun adds nothing, a changed input replaces its articles under the same ids."""

from __future__ import annotations

import json
import os
import shutil

from tests.conftest import SEED
from tests.conftest import lake_rows as rows

# What a reader sees, minus the columns that name the run that wrote a row.
QUERIES = {
    "articles": "select * exclude (run_id, ingested_at) from articles order by article_id",
    "articles_all": "select article_id, title, body, duplicate_of from articles_all order by article_id",
    "paragraphs": "select * exclude (run_id) from paragraphs order by article_id, position",
    "rejects": "select * exclude (run_id) from rejects order by input_path, input_locator",
}


def snapshot(lake) -> dict[str, list]:
    con = lake.connect()
    return {name: rows(lake, sql, con=con) for name, sql in QUERIES.items()}


def story(n: int, words: str) -> dict:
    body = "\n\n".join(f"Paragraph {i} of story {n}: {words} and more words to read." for i in range(3))
    return {"id": f"s{n}", "title": f"Story {n}", "text": body, "url": f"https://example.org/{n}"}


def write_jsonl(path, records, extra_lines=()):
    lines = [json.dumps(r) for r in records] + list(extra_lines)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def make_inbox(tmp_path):
    inbox = tmp_path / "corpus" / "inbox"
    inbox.mkdir(parents=True)
    shutil.copy(SEED, inbox / "seed.txt")
    write_jsonl(inbox / "feed.jsonl", [story(1, "alpha"), story(2, "beta"), story(3, "gamma")], ["{broken"])
    (inbox / "empty.txt").write_bytes(b"")
    return inbox


def test_rerun_on_the_same_input_adds_nothing(run_etl, tmp_path):
    inbox = make_inbox(tmp_path)
    first, lake = run_etl(inbox, runner="thread")
    assert first.committed and first.records_read == 6 == first.articles + first.rejects
    before = snapshot(lake)
    runs_before = rows(lake, "select * from runs")
    manifest_before = rows(lake, "select * from manifest order by input_key")
    assert len(manifest_before) == 3 and all(m["content_hash"] for m in manifest_before)

    again, lake = run_etl(inbox, lake=lake.root, runner="thread")
    assert not again.committed and again.files_unchanged == 3 and again.records_read == 0
    assert snapshot(lake) == before
    assert rows(lake, "select * from runs") == runs_before
    assert rows(lake, "select * from manifest order by input_key") == manifest_before
    assert sorted(p.name for p in (lake.root / "runs").iterdir()) == [f"run={first.run_id}"]


def test_changed_input_replaces_its_articles_under_the_same_ids(run_etl, tmp_path):
    inbox = make_inbox(tmp_path)
    first, lake = run_etl(inbox, runner="thread")
    ids = {r["source_id"]: r["article_id"] for r in rows(lake, "select source_id, article_id from articles_all")}
    seed_before = rows(lake, "select * from articles where input_path like '%/seed.txt'")

    # Story 2 is edited, story 3 is withdrawn, story 4 is new, the broken line is fixed.
    write_jsonl(inbox / "feed.jsonl", [story(1, "alpha"), story(2, "beta revised"), story(4, "delta")])
    second, lake = run_etl(inbox, lake=lake.root, runner="thread")

    assert second.committed and second.files_read == 1  # only the changed file was read
    assert second.records_read == 3 == second.articles + second.rejects
    now = {r["source_id"]: r for r in rows(lake, "select * from articles_all where input_path like '%/feed.jsonl'")}
    assert sorted(now) == ["s1", "s2", "s4"]
    assert now["s2"]["article_id"] == ids["s2"] and "beta revised" in now["s2"]["body"]
    assert now["s1"]["article_id"] == ids["s1"]
    assert all(r["run_id"] == second.run_id for r in now.values())
    # No duplicates: one row per id, the withdrawn story's paragraphs gone with it.
    [n] = rows(lake, "select count(*) - count(distinct article_id) as n from articles_all")
    assert n["n"] == 0
    assert rows(lake, f"select * from paragraphs where article_id = '{ids['s3']}'") == []
    assert rows(lake, "select count(*) n from paragraphs p join articles_all a using (article_id) "
                      "where p.run_id <> a.run_id")[0]["n"] == 0
    # The old version's reject went with it; the other inputs' rows are untouched.
    assert [r["input_path"] for r in rows(lake, "select input_path from rejects")] == [str(inbox / "empty.txt")]
    assert rows(lake, "select * from articles where input_path like '%/seed.txt'") == seed_before
    runs = rows(lake, "select * from runs order by run_id")
    assert [r["run_id"] for r in runs] == [first.run_id, second.run_id]
    assert all(r["records_read"] == r["articles"] + r["rejects"] for r in runs)
    live = {r["input_path"]: r["run_id"] for r in rows(lake, "select * from current_inputs")}
    assert live == {str(inbox / "seed.txt"): first.run_id, str(inbox / "empty.txt"): first.run_id,
                    str(inbox / "feed.jsonl"): second.run_id}


def test_touched_file_is_hashed_not_read(run_etl, tmp_path):
    inbox = make_inbox(tmp_path)
    first, lake = run_etl(inbox, runner="thread")
    before = snapshot(lake)
    st = os.stat(inbox / "feed.jsonl")
    os.utime(inbox / "feed.jsonl", ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))

    touched, lake = run_etl(inbox, lake=lake.root, runner="thread")
    # Its bytes are unchanged: nothing is read, the manifest learns the new time.
    assert touched.committed and touched.files_read == 0 and touched.records_read == 0
    assert touched.files_unchanged == 3
    assert snapshot(lake) == before
    [feed] = rows(lake, "select * from current_inputs where input_path like '%/feed.jsonl'")
    assert feed["run_id"] == first.run_id and feed["mtime_ns"] == st.st_mtime_ns + 5_000_000_000

    third, _ = run_etl(inbox, lake=lake.root, runner="thread")
    assert not third.committed


def test_same_files_through_another_input_path_are_not_read_again(run_etl, tmp_path, monkeypatch):
    inbox = make_inbox(tmp_path)
    first, lake = run_etl(inbox, runner="thread")
    before = snapshot(lake)
    # The input identity is the absolute path: a relative INPUT, or the parent folder,
    # names the same files.
    monkeypatch.chdir(tmp_path)
    relative, _ = run_etl("corpus/inbox", lake=lake.root, runner="thread")
    parent, _ = run_etl(str(tmp_path / "corpus"), lake=lake.root, runner="thread")
    assert not relative.committed and not parent.committed
    assert snapshot(lake) == before


def test_same_file_names_in_two_folders_are_two_inputs(run_etl, tmp_path):
    a, b = tmp_path / "a" / "desk", tmp_path / "b" / "desk"
    for n, (folder, words) in enumerate(((a, "alpha"), (b, "beta"))):
        folder.mkdir(parents=True)
        write_jsonl(folder / "feed.jsonl", [story(n, words)])
    first, lake = run_etl(a, runner="thread")
    second, lake = run_etl(b, lake=lake.root, runner="thread")
    assert first.committed and second.committed
    # Both folders' feed.jsonl are live: one name, two inputs.
    live = rows(lake, "select input_key, input_path, run_id from current_inputs order by run_id")
    assert [(r["input_key"], r["run_id"]) for r in live] == [
        (str(a / "feed.jsonl"), first.run_id), (str(b / "feed.jsonl"), second.run_id)]
    bodies = [r["body"] for r in rows(lake, "select body from articles_all order by run_id")]
    assert len(bodies) == 2 and "alpha" in bodies[0] and "beta" in bodies[1]
