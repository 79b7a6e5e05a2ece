"""The structured shared corpora end to end through the flow, with the documented
sources file: counts, and spot checks of mapped and normalized fields."""

from __future__ import annotations

import csv
import json

import pytest

from tests.conftest import ROOT, corpus_path
from tests.conftest import lake_rows as rows

SOURCES = str(ROOT / "sources.example.toml")


@pytest.fixture(scope="module")
def fakenews_lake(fakenews_flow_lake):
    folder, lake, summary = fakenews_flow_lake
    return summary, lake, folder


@pytest.mark.corpus
def test_fakenews_every_row_is_an_article_or_a_reject(fakenews_lake):
    summary, lake, folder = fakenews_lake
    [sample] = sorted(folder.glob("news_*.csv"))
    with open(sample, newline="", encoding="utf-8") as handle:
        expected = sum(1 for _ in csv.DictReader(handle))
    assert summary.records_read == expected
    assert summary.articles + summary.rejects == expected
    [run] = rows(lake, "select * from runs")
    assert run["records_read"] == run["articles"] + run["rejects"] == expected


@pytest.mark.corpus
def test_fakenews_fields_are_mapped_and_normalized(fakenews_lake):
    _, lake, folder = fakenews_lake
    [sample] = sorted(folder.glob("news_*.csv"))
    with open(sample, newline="", encoding="utf-8") as handle:
        first = next(csv.DictReader(handle))
    [a] = rows(lake, f"select * from articles_all where source_id = '{first['id']}'")
    assert a["source"] == first["domain"]
    assert a["url"].split("://", 1)[1].lower().startswith(first["domain"].split("/")[0].lower())
    assert a["language"] == "en" and a["word_count"] > 0
    assert a["input_locator"].startswith("row:")
    extra_keys = set(json.loads(a["extra"]))
    assert "scraped_at" in extra_keys and "type" in extra_keys
    # Names only: job titles and e-mail addresses never reach authors.
    for r in rows(lake, "select unnest(authors) name from articles_all"):
        assert "@" not in r["name"] and "http" not in r["name"].lower()


@pytest.mark.corpus
def test_ag_news_without_header_end_to_end(run_etl):
    folder = corpus_path("ag-news-test")
    summary, lake = run_etl(folder, sources=SOURCES, runner="thread", workers=1)
    [data] = sorted(folder.glob("*.csv"))
    with open(data, newline="", encoding="utf-8") as handle:
        raw_rows = list(csv.reader(handle))
    assert summary.records_read == len(raw_rows) == summary.articles + summary.rejects
    assert summary.rejects == 0
    # Lost-ampersand entities are repaired where the sources file opts in.
    assert rows(lake, "select count(*) n from articles_all where body like '%#39;%'")[0]["n"] == 0
    assert summary.fixes_applied.get("lost-entities", 0) > 0
    # The title and the class label are where the sources file says.
    title = raw_rows[0][1]
    found = rows(lake, "select title, extra from articles_all where input_locator like 'row:1:%'")
    assert found and found[0]["extra"] == json.dumps({"class": raw_rows[0][0]})
    assert found[0]["title"].split()[0] == title.split()[0]
    assert {r["source"] for r in rows(lake, "select distinct source from articles_all")} == {"ag-news"}
