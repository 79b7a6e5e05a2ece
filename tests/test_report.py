"""Run reports: the artifacts a run publishes agree with its ``runs`` row, and the static
HTML report shows the lake's numbers with charts that exist."""

from __future__ import annotations

import json
import re
import shutil
from types import SimpleNamespace

import pytest

from flows.report import (
    MARKDOWN_KEY,
    TABLE_KEY,
    artifact_key,
    render_report,
    report_data,
    run_markdown,
    run_table,
)
from tests.conftest import SAMPLES

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def reported_run(tmp_path_factory, prefect_api):
    """One real run over the samples plus two bad files, so every section has numbers."""
    from flows.etl import etl
    from flows.lake import Lake
    from flows.runners import make_task_runner

    root = tmp_path_factory.mktemp("report")
    inbox = root / "inbox"
    shutil.copytree(SAMPLES, inbox)
    (inbox / "image.txt").write_bytes(bytes(range(256)) * 8)
    (inbox / "empty.txt").write_bytes(b"")
    lake = root / "lake"
    summary = etl.with_options(task_runner=make_task_runner("thread", 2))(input=str(inbox), lake=str(lake))
    return summary, Lake(lake)


def _artifacts(key: str) -> list:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    async def read():
        async with get_client() as client:
            return await client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key])))

    import asyncio

    return asyncio.run(read())


def _runs_row(lake, run_id: str) -> dict:
    con = lake.connect()
    cursor = con.execute("select * from runs where run_id = ?", [run_id])
    names = [d[0] for d in cursor.description]
    [row] = cursor.fetchall()
    return dict(zip(names, row, strict=True))


def test_table_artifact_holds_the_runs_row_counts(reported_run):
    summary, lake = reported_run
    tables = [json.loads(a.data) for a in _artifacts(artifact_key(TABLE_KEY, str(lake.root)))]
    [table] = [t for t in tables if {"section": "run", "name": "run_id", "value": summary.run_id} in t]
    by_section: dict[str, dict] = {}
    for row in table:
        by_section.setdefault(row["section"], {})[row["name"]] = row["value"]

    run = _runs_row(lake, summary.run_id)
    assert by_section["counts"] == {c: run[c] for c in
                                    ("files_read", "records_read", "articles", "rejects",
                                     "paragraphs_read", "paragraphs_kept")}
    assert by_section["counts"]["rejects"] == 2
    assert by_section["counts"]["articles"] == len(list(SAMPLES.glob("*.txt")))
    assert by_section["rejects_by_reason"] == dict(run["rejects_by_reason"]) == {"empty": 1, "undecodable": 1}
    assert by_section["paragraphs_removed"] == dict(run["paragraphs_removed"])
    assert by_section["paragraphs_removed"] == {"byline": 4, "repeat": 2}
    assert by_section["encodings"] == dict(run["encodings"])
    assert by_section["fixes_applied"] == dict(run["fixes_applied"])
    assert set(by_section["stage_seconds"]) >= {"discover", "process", "consolidate"}


def test_markdown_artifact_shows_stages_reasons_and_timings(reported_run):
    summary, lake = reported_run
    [markdown] = [a.data for a in _artifacts(artifact_key(MARKDOWN_KEY, str(lake.root))) if summary.run_id in a.data]
    assert f"| process shards | {summary.files_read} files: {summary.records_read} records " \
           f"| {summary.articles} articles + {summary.rejects} rejects |" in markdown
    assert "| undecodable | 1 |" in markdown and "| empty | 1 |" in markdown
    for reason, n in summary.paragraphs_removed.items():
        assert f"| {reason} | {n} |" in markdown
    for encoding, n in summary.encodings.items():
        assert f"| {encoding} | {n} |" in markdown
    assert "## Top boilerplate" in markdown and "## Timings" in markdown


def _summary(**overrides):
    values = dict(
        run_id="20260101T000000Z-abcdef", lake="/lake", input="in", files_read=2, records_read=3,
        articles=2, rejects=1, paragraphs_read=10, paragraphs_kept=7,
        paragraphs_removed={"byline": 1, "repeat": 2}, rejects_by_reason={"empty": 1},
        fixes_applied={"uncurl_quotes": 0, "fix_encoding": 1}, encodings={"utf-8": 2},
        stage_seconds={"discover": 0.5, "process": 1.25}, bytes_read=2048,
        decisions={"run_canonical": 1, "run_duplicates": 1},
    )
    values.update(overrides)
    return SimpleNamespace(**values)


def test_run_table_has_one_row_per_number():
    boilerplate = [{"source": "a|b", "text": "Advertisements\nhere", "stories": 3, "paragraphs": 5}]
    rows = run_table(_summary(), boilerplate)
    assert {"section": "paragraphs_removed", "name": "repeat", "value": 2} in rows
    assert {"section": "stage_seconds", "name": "process", "value": 1.25} in rows
    assert {"section": "decisions", "name": "run_duplicates", "value": 1} in rows
    assert {"section": "boilerplate", "name": "a|b: Advertisements here", "value": 5} in rows
    # Every row is JSON for the API; a section per runs column, no number lost.
    assert json.loads(json.dumps(rows)) == rows
    assert sum(r["section"] == "counts" for r in rows) == 6


def test_markdown_escapes_table_cells_and_totals_time():
    boilerplate = [{"source": "a|b", "text": "Sign | up\nnow", "stories": 3, "paragraphs": 5}]
    md = run_markdown(_summary(), boilerplate)
    assert "| a\\|b | Sign \\| up now | 3 | 5 |" in md
    assert "| **total** | 1.75 |" in md
    assert "1 canonical, 1 duplicates" in md
    # Every table row has the same number of unescaped pipes as its header.
    for block in md.split("\n\n"):
        lines = [line for line in block.splitlines() if line.startswith("|")]
        widths = {len(re.findall(r"(?<!\\)\|", line)) for line in lines}
        assert len(widths) <= 1, block


def test_html_report_shows_runs_and_charts(reported_run, tmp_path):
    summary, lake = reported_run
    page = render_report(str(lake.root), str(tmp_path / "report"))
    text = page.read_text(encoding="utf-8")
    assert summary.run_id in text
    images = re.findall(r'<img src="([^"]+)"', text)
    # The samples carry no dates: a sentence says so instead of a chart of one grey bar.
    assert sorted(images) == ["articles_by_source.png", "removals_by_reason.png"]
    assert "No article has a publication date" in text
    for name in images:
        assert (page.parent / name).read_bytes().startswith(PNG_MAGIC)
    data = report_data(str(lake.root))
    assert sum(n for _, n in data["by_source"]) == sum(n for _, n in data["by_month"]) == data["totals"][0][0]
    assert dict(data["rejects"]) == {"empty": 1, "undecodable": 1}
    assert dict(data["paragraphs_removed"]) == {"byline": 4, "repeat": 2}
    assert f"{data['totals'][0][0]} canonical articles" in text


@pytest.mark.server  # starts a subprocess
def test_html_report_on_an_empty_lake(tmp_path):
    from flows.lake import Lake

    Lake(tmp_path / "lake").ensure_writable()
    page = render_report(str(tmp_path / "lake"), str(tmp_path / "report"))
    text = page.read_text(encoding="utf-8")
    assert "no runs" in text and "No articles yet" in text and "<img" not in text
    assert not list(page.parent.glob("*.png"))


@pytest.mark.server  # starts a subprocess (matplotlib's font cache)
def test_html_report_draws_labels_holding_dollar_signs_as_text(tmp_path):
    from tests.test_stages import commit_without_prefect

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    story = {"title": "Prices", "text": "Prices rose again this week.", "source": "$\\frac{1}{$ News $x^$"}
    (inbox / "a.jsonl").write_text(json.dumps(story) + "\n")
    commit_without_prefect(inbox, tmp_path / "lake")
    page = render_report(str(tmp_path / "lake"), str(tmp_path / "report"))
    assert (page.parent / "articles_by_source.png").read_bytes().startswith(PNG_MAGIC)


STORIES = [
    {"title": "Harbour ferry to run on Sundays", "text": "The harbour ferry will run on Sundays from May.",
     "source": "coast-news", "author": "Maria Keane", "url": "https://coast.example/ferry",
     "published": "2024-03-01T09:00:00Z"},
    {"title": "Sunday ferries return", "text": "The harbour ferry will run on Sundays from May.",
     "source": "bay-times", "author": "Maria Keane"},
    {"title": "Library opens on Sundays", "text": "The central library will open on Sundays this summer.",
     "source": "coast-news", "author": "Owen Pryce", "published": "2024-05-20T12:00:00Z"},
]


@pytest.mark.server  # starts a subprocess (matplotlib's font cache)
def test_html_report_shows_completeness_dates_bylines_clusters_and_trends(tmp_path):
    from tests.test_stages import commit_without_prefect

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "a.jsonl").write_text("\n".join(json.dumps(s) for s in STORIES[:2]) + "\n")
    commit_without_prefect(inbox, tmp_path / "lake")
    (inbox / "b.jsonl").write_text(json.dumps(STORIES[2]) + "\n")
    commit_without_prefect(inbox, tmp_path / "lake")
    page = render_report(str(tmp_path / "lake"), str(tmp_path / "report"))
    text = page.read_text(encoding="utf-8")
    data = report_data(str(tmp_path / "lake"))
    completeness = {row[0]: row[1:] for row in data["completeness"]}
    # coast-news: 2 articles, both dated, both with authors, one URL; bay-times: its duplicate set aside
    assert completeness["coast-news"] == (2, 100.0, 100.0, 50.0, 100.0)
    assert "<td class=l>coast-news</td><td>2</td><td>100%</td><td>100%</td><td>50%</td>" in text
    assert "Published from 2024-03-01 to 2024-05-20: 2 dated articles, 0 without a date." in text
    assert data["bylines"][:2] == [("Maria Keane", 1), ("Owen Pryce", 1)]
    [(_, members, sources, titles)] = data["clusters"]
    assert (members, sources) == (2, 2) and sorted(titles) == sorted([STORIES[0]["title"], STORIES[1]["title"]])
    assert "Sunday ferries return" in text and "Duplicate clusters" in text
    assert [row[2] for row in data["trends"]] == [2, 1]
    assert (page.parent / "run_trends.png").read_bytes().startswith(PNG_MAGIC)
    assert (page.parent / "articles_by_month.png").read_bytes().startswith(PNG_MAGIC)


def test_top_boilerplate_binds_two_views_and_answers_as_the_whole_catalog(run_etl, tmp_path):
    """The report's boilerplate comes from a connection with only the views it reads (a
    large lake's other views would cost the flow's process memory to bind), and equals the
    same query over every view."""
    from flows.report import TOP_BOILERPLATE, top_boilerplate

    outlet = tmp_path / "inbox" / "gazette"
    outlet.mkdir(parents=True)
    for n in range(4):
        words = " ".join(f"w{n}x{i}" for i in range(60))
        (outlet / f"story-{n}.txt").write_text(
            f"Story number {n}\n\nThe council met on day {n} to discuss {words}.\n\n"
            "Follow the Gazette on every platform for the latest local news.\n", encoding="utf-8")
    _, lake = run_etl(tmp_path / "inbox", runner="thread", workers=1)
    con = lake.connect(views=("runs", "boilerplate"))
    names = {row[0] for row in con.execute("select view_name from duckdb_views() where not internal").fetchall()}
    assert names == {"runs", "boilerplate"}
    everything = lake.connect()
    whole = everything.execute(
        "select source, text, stories, paragraphs from boilerplate "
        "order by paragraphs desc, stories desc, source, text limit ?", [TOP_BOILERPLATE]).fetchall()
    assert [(text, stories) for _, text, stories, _ in whole] == [
        ("Follow the Gazette on every platform for the latest local news.", 4)]
    assert [tuple(row.values()) for row in top_boilerplate(str(lake.root))] == whole
    assert len(everything.execute("select * from duckdb_views() where not internal").fetchall()) > 10
