"""Web pages as inputs: ``.html``/``.htm`` files (compressed, in archives) and JSON Lines
or CSV records whose ``html``/``raw_html``/``content_html`` field holds a page; each
through the reader and the article builder, as a shard runs them."""

from __future__ import annotations

import gzip
import io
import json
import tarfile
import zipfile
from pathlib import Path

import pytest

from flows.readers import InputFile, ReadLimits, iter_records, record_format
from tests.html_cases import ARTICLE, COMMENT, LOGIN_WALL, SCRIPT_ONLY, news_page
from transforms.article import RecordContext, clean_record
from transforms.fields import SourceConfig
from transforms.records import Article, Reject

HEAD = ('<link rel="canonical" href="https://www.riversidepost.co.uk/news/library?utm_source=x">'
        '<meta name="author" content="By Owen Pryce">'
        '<meta property="article:published_time" content="2024-03-05T09:30:00+01:00">')


def outcomes(path: Path, config: SourceConfig | None = None, limits: ReadLimits | None = None):
    config = config or SourceConfig()
    file = InputFile(str(path), path.stat().st_size, path.name)
    records = list(iter_records(file, config, limits) if limits else iter_records(file, config))
    out = []
    for r in records:
        context = RecordContext(None, record_format(file, r, config), config, path.name)
        out.append(clean_record(r, context))
    return out


def test_an_html_file_is_one_article_with_its_metadata(tmp_path):
    path = tmp_path / "library.html"
    path.write_text(news_page(head=HEAD, lang="en-GB"), encoding="utf-8")
    [a] = outcomes(path)
    assert isinstance(a, Article)
    v = a.values
    assert v["body"] == "\n\n".join(ARTICLE)
    assert COMMENT not in v["body"]
    assert v["title"] == "Library to open on Sundays"  # the site suffix of <title> is cut, as for every input
    assert v["authors"] == ["Owen Pryce"]
    assert v["published_at"].isoformat() == "2024-03-05T08:30:00+00:00"
    assert v["url"] == "https://www.riversidepost.co.uk/news/library"
    assert v["source"] == "riversidepost.co.uk"  # the URL's registered domain
    assert (v["language"], v["language_hint"]) == ("en", "en-gb")
    assert (v["input_format"], v["input_locator"], v["crawled_at"], v["warc_record_id"]) == ("html", None, None, None)
    assert (v["encoding"], v["encoding_method"]) == ("utf-8", "meta")


def test_compressed_and_archived_pages(tmp_path):
    page = news_page().encode("utf-8")
    (tmp_path / "a.htm.gz").write_bytes(gzip.compress(page))
    with zipfile.ZipFile(tmp_path / "pages.zip", "w") as z:
        z.writestr("2024/one.html", page)
        z.writestr("2024/two.htm", news_page(title="Second story").encode("utf-8"))
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as t:
        info = tarfile.TarInfo("x/three.html.gz")
        data = gzip.compress(page)
        info.size = len(data)
        t.addfile(info, io.BytesIO(data))
    (tmp_path / "pages.tgz").write_bytes(buf.getvalue())
    [gz] = outcomes(tmp_path / "a.htm.gz")
    zipped = outcomes(tmp_path / "pages.zip")
    [tarred] = outcomes(tmp_path / "pages.tgz")
    assert gz.values["body"] == tarred.values["body"] == zipped[0].values["body"] == "\n\n".join(ARTICLE)
    assert [a.values["input_locator"] for a in zipped] == ["member:2024/one.html", "member:2024/two.htm"]
    assert tarred.values["input_format"] == "html"


def test_a_legacy_encoding_declared_only_in_a_meta_tag(tmp_path):
    body = ["Городской совет во вторник проголосовал за воскресную работу центральной библиотеки "
            "после того, как жители собрали более четырёх тысяч подписей под обращением.",
            "Изменения вступят в силу в марте и обойдутся примерно в восемьдесят тысяч рублей в год."]
    page = news_page("Библиотека откроется по воскресеньям", body, lang="ru",
                     charset_meta='<meta http-equiv="Content-Type" content="text/html; charset=windows-1251">')
    path = tmp_path / "ru.html"
    path.write_bytes(page.encode("cp1251"))
    [a] = outcomes(path)
    assert (a.values["encoding"], a.values["encoding_method"]) == ("cp1251", "meta")
    assert a.values["body"] == "\n\n".join(body)
    assert a.values["language"] == "ru"


@pytest.mark.parametrize("page", [SCRIPT_ONLY, LOGIN_WALL])
def test_a_page_without_article_text_is_a_reject_with_its_bytes(tmp_path, page):
    path = tmp_path / "wall.html"
    path.write_text(page, encoding="utf-8")
    [r] = outcomes(path)
    assert isinstance(r, Reject) and r.reason == "no-article-text"
    assert r.raw == page.encode("utf-8")


def test_a_page_over_the_record_limit_and_an_empty_one(tmp_path):
    big = tmp_path / "big.html"
    big.write_text(news_page(), encoding="utf-8")
    [r] = outcomes(big, limits=ReadLimits(max_record_bytes=1000))
    assert (r.reason, r.raw[:15]) == ("record-too-large", b"<!DOCTYPE html>")
    (tmp_path / "empty.html").write_bytes(b"")
    assert [r.reason for r in outcomes(tmp_path / "empty.html")] == ["empty"]


def test_html_inside_json_lines(tmp_path):
    rows = [
        {"id": "p1", "url": "https://crawl.example/p1", "html": news_page(head=HEAD)},
        {"id": "p2", "title": "The record's own title", "raw_html": news_page(lang="de")},
        {"id": "p3", "text": "A body of its own, which wins.", "content_html": news_page()},
        {"id": "p4", "html": SCRIPT_ONLY},
    ]
    path = tmp_path / "crawl.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    a1, a2, a3, r4 = outcomes(path)
    assert a1.values["body"] == "\n\n".join(ARTICLE)
    assert a1.values["title"] == "Library to open on Sundays"
    assert a1.values["url"] == "https://www.riversidepost.co.uk/news/library"  # the page's canonical link
    assert a1.values["authors"] == ["Owen Pryce"] and a1.values["published_at"] is not None
    assert a1.values["input_format"] == "jsonl" and a1.values["source_id"] == "p1"
    assert a2.values["title"] == "The record's own title" and a2.values["language_hint"] == "de"
    assert a3.values["body"] == "A body of its own, which wins."
    assert json.loads(a3.values["extra"])["html"].startswith("<!DOCTYPE html>")  # kept, not lost
    assert (r4.reason, r4.input_locator) == ("no-article-text", "line:4")
    assert r4.raw == (json.dumps(rows[3]) + "").encode("utf-8")


def test_html_inside_csv(tmp_path):
    path = tmp_path / "crawl.csv"
    page = news_page().replace('"', "'")
    path.write_text(f'id,url,raw_html\n7,https://riverside.example/7,"{page}"\n', encoding="utf-8")
    [a] = outcomes(path)
    assert a.values["body"] == "\n\n".join(ARTICLE) and a.values["source_id"] == "7"
