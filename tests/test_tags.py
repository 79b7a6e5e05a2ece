"""transforms.tags: HTML tags out of text fields, their text kept, through clean_record."""

from __future__ import annotations

import pytest

from tests.conftest import corpus_path
from transforms.article import RecordContext, clean_record
from transforms.fields import SourceConfig
from transforms.records import RawRecord
from transforms.tags import strip_tags


@pytest.mark.parametrize(("text", "expected"), [
    ("<b>Oil</b> hits $50", "Oil hits $50"),
    ("A<br>B<br/>C<BR />D", "A\nB\nC\nD"),
    ("<p>One.</p><p>Two.</p>", "\n\nOne.\n\n\n\nTwo.\n\n"),
    ('See <a href="http://x.example/?a=1&b=2">the <i>report</i></a>.', "See the report."),
    ("Before<!-- a comment -->after", "Beforeafter"),
    ("x <y and z> w, a <Reuters> tag, 3 < 4 > 2", "x <y and z> w, a <Reuters> tag, 3 < 4 > 2"),
    ("no tags at all", "no tags at all"),
])
def test_strip_tags(text, expected):
    assert strip_tags(text) == expected


def _fields(**fields):
    record = RawRecord("a.jsonl", "line:1", b"x", kind="fields", fields=fields)
    return clean_record(record, RecordContext(None, "jsonl", SourceConfig()))


def test_tags_leave_titles_and_bodies_with_the_fix_named():
    article = _fields(title="&lt;b&gt;Oil&lt;/b&gt; hits $50", body="<p>First <em>para</em>.</p><p>Second.</p>")
    assert article.values["title"] == "Oil hits $50"
    assert article.values["body"] == "First para.\n\nSecond."
    assert "strip-tags" in article.values["fixes"]
    assert "strip-tags" not in _fields(title="Oil hits $50", body="Plain.").values["fixes"]


def test_a_txt_article_keeps_what_looks_like_tags():
    raw = b"Markup\n\nWrite <b> to make text bold."
    values = clean_record(RawRecord("a.txt", None, raw), RecordContext(None, "txt", SourceConfig())).values
    assert values["body"] == "Write <b> to make text bold." and "strip-tags" not in values["fixes"]


def test_ag_news_titles_keep_no_tags():
    path = corpus_path("ag-news-test", "test.csv")
    import csv

    with path.open(newline="", encoding="utf-8") as f:
        rows = [r for r in csv.reader(f) if "&lt;b&gt;" in r[1]]
    assert len(rows) > 100  # the corpus's 151 titles with escaped <b>
    config = SourceConfig(fix_lost_entities=True, backslash_line_breaks=True)
    for _, title, body in rows:
        record = RawRecord("test.csv", "row:1", b"x", kind="fields", fields={"title": title, "body": body})
        values = clean_record(record, RecordContext(None, "csv", config)).values
        assert "<b>" not in values["title"] and "</b>" not in values["title"], title
        assert "strip-tags" in values["fixes"]
