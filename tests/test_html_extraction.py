"""transforms/html.py: a page's encoding, its article text and its metadata; and the
extractor's quality on the 181 real pages of the article-extraction benchmark."""

from __future__ import annotations

import codecs

import pytest

from tests.conftest import corpus_path
from tests.html_cases import ARTICLE, COMMENT, COOKIE, LOGIN_WALL, NAV, RELATED, SCRIPT_ONLY, news_page
from transforms.html import MIN_ARTICLE_WORDS, decode_page, extract_page, extract_text, meta_charset

RUSSIAN = [
    "Городской совет во вторник проголосовал за то, чтобы центральная библиотека работала по "
    "воскресеньям, после того как жители собрали более четырёх тысяч подписей.",
    "Изменения вступят в силу в марте и обойдутся примерно в восемьдесят тысяч рублей в год из "
    "резервного фонда, который совет отложил прошлой весной на общественные нужды.",
]
JAPANESE = [
    "市議会は火曜日、四千人以上の住民の署名を受けて、中央図書館を日曜日にも開館することを決めた。"
    "新しい開館時間は三月から始まり、年間の費用は約八百万円になる見込みだと市の担当者は説明した。",
    "図書館の職員はこの決定を歓迎したが、閲覧室や子ども向けの部屋を日曜日に運営するためには、"
    "さらに二人の職員が必要になると話している。市は来月までに人員の計画をまとめる方針だという。",
]


def test_a_cp1251_page_that_declares_its_charset_only_in_a_meta_tag():
    page = news_page("Библиотека откроется по воскресеньям", RUSSIAN, lang="ru",
                     charset_meta='<meta http-equiv="Content-Type" content="text/html; charset=windows-1251">')
    decoded, how = decode_page(page.encode("cp1251"))
    assert (decoded.encoding, how) == ("cp1251", "meta")
    found = extract_page(decoded.text)
    assert found.paragraphs[0] == RUSSIAN[0]
    assert found.title == "Библиотека откроется по воскресеньям"  # the <h1> that <title> starts with


def test_a_shift_jis_page_that_declares_its_charset_only_in_a_meta_tag():
    page = news_page("図書館、日曜日も開館へ", JAPANESE, lang="ja", charset_meta='<meta charset="Shift_JIS">')
    decoded, how = decode_page(page.encode("shift_jis"))
    assert (decoded.encoding, how) == ("shift_jis", "meta")
    assert extract_page(decoded.text).paragraphs[:2] == tuple(JAPANESE)


def test_the_http_charset_comes_before_the_meta_tag_and_a_bom_before_both():
    raw = news_page(charset_meta='<meta charset="utf-8">').replace("council", "cöuncil").encode("latin-1")
    decoded, how = decode_page(raw, http_charset="iso-8859-1")
    assert how == "http-header" and "cöuncil" in decoded.text
    decoded, how = decode_page(codecs.BOM_UTF8 + news_page().encode("utf-8"), http_charset="cp1251")
    assert how == "bom" and decoded.encoding == "utf-8"


def test_a_declaration_the_bytes_contradict_is_overridden_and_said():
    raw = news_page(charset_meta='<meta charset="utf-8">').replace("council", "cöuncil").encode("cp1252")
    decoded, how = decode_page(raw)
    assert how != "meta" and any(s.startswith("declared-mismatch") for s in decoded.steps)
    assert "cöuncil" in decoded.text


def test_meta_charset_reads_both_forms_and_nothing_else():
    assert meta_charset(b'<meta charset="koi8-r">') == "koi8-r"
    assert meta_charset(b'<meta content="text/html; charset=gb2312" http-equiv="Content-Type">') == "gb2312"
    assert meta_charset(b"<p>the charset of a page</p>") is None


def test_the_article_is_its_paragraphs_and_nothing_around_them():
    paragraphs, how = extract_text(news_page())
    assert paragraphs == tuple(ARTICLE)
    text = "\n".join(paragraphs)
    for junk in (COMMENT, RELATED, COOKIE, NAV, "Advertisement", "Copyright"):
        assert junk not in text
    assert how == "precise"


def test_metadata_from_meta_tags_json_ld_and_links():
    head = (
        '<link rel="canonical" href="https://www.riverside.example/news/library-sundays">'
        '<meta property="og:url" content="https://riverside.example/og">'
        '<script type="application/ld+json">{"@context": "https://schema.org", "@graph": ['
        '{"@type": "WebSite", "name": "Riverside Post"},'
        '{"@type": "NewsArticle", "headline": "Library to open on Sundays",'
        ' "datePublished": "2024-03-05T09:30:00+01:00",'
        ' "author": [{"@type": "Person", "name": "Owen Pryce"}, {"@type": "Person", "name": "Mia Hart"}]}]}</script>'
    )
    page = extract_page(news_page(head=head, lang="en-GB"), "https://crawl.example/x")
    assert page.url == "https://www.riverside.example/news/library-sundays"
    assert page.published == "2024-03-05T09:30:00+01:00"
    assert page.authors == ["Owen Pryce", "Mia Hart"]
    assert page.language_hint == "en-gb"
    assert page.title == "Library to open on Sundays"  # JSON-LD headline before <title>


def test_og_title_og_url_time_and_the_fallbacks():
    head = '<meta property="og:title" content="Sunday opening for the library"><meta name="author" content="Ann Lee">'
    html = news_page(head=head, lang="").replace("<h1>", '<time datetime="2024-02-01">1 Feb</time><h1>')
    page = extract_page(html, "https://riverside.example/a?b=1", language_hint="fr")
    assert page.title == "Sunday opening for the library"
    assert page.url == "https://riverside.example/a?b=1"  # no canonical link, no og:url: the WARC's URI
    assert page.published == "2024-02-01"
    assert page.authors == "Ann Lee"
    assert page.language_hint == "fr"  # no <html lang>: the Content-Language given
    og = extract_page(news_page(head='<meta property="og:url" content="/news/7">'), "https://riverside.example/x")
    assert og.url == "https://riverside.example/news/7"


@pytest.mark.parametrize("html", [SCRIPT_ONLY, LOGIN_WALL, "<html><body></body></html>", ""])
def test_pages_without_article_text(html):
    page = extract_page(html)
    assert page.word_count < MIN_ARTICLE_WORDS


def test_a_broken_page_still_gives_what_it_has():
    page = extract_page("<html><body><p>" + "Words of an article cut short. " * 10 + "<div><p>and")
    assert page.word_count >= MIN_ARTICLE_WORDS


@pytest.mark.corpus
def test_body_f1_on_the_extraction_benchmark_beats_trafilatura_alone(capsys):
    """The benchmark's own metric over its 181 pages: at least 0.96, and at least
    trafilatura's own extraction (defaults) on the same decoded pages in the same run."""
    corpus_path("article-extraction-benchmark", "ground-truth.json")
    import trafilatura

    from bench.extraction import body_f1, decoded_pages, load_pages

    truth, pages = load_pages()
    texts = decoded_pages(pages)
    ours = body_f1(truth, {k: "\n".join(extract_text(h)[0]) for k, h in texts.items()})
    theirs = body_f1(truth, {k: trafilatura.extract(h) or "" for k, h in texts.items()})
    with capsys.disabled():
        print(f"\nbody F1 on {len(truth)} pages: copydesk {ours}, trafilatura defaults {theirs}")
    assert ours["f1"] >= 0.96
    assert ours["f1"] >= theirs["f1"]


def test_a_short_japanese_article_has_enough_words():
    # Two sentences: 5 runs of word characters, ~90 words once each character counts.
    page = extract_page(news_page("図書館", JAPANESE[:1], lang="ja"))
    assert page.word_count >= MIN_ARTICLE_WORDS
    assert len(JAPANESE[0].split()) == 1
