"""An HTML page → its article: main text as paragraphs, title, authors, date, URL, language.

``decode_page(raw, http_charset)`` chooses a page's encoding (a BOM, the HTTP
``Content-Type`` charset, a ``<meta charset>``, then detection; ``transforms.decoding``
checks a declared charset against the bytes). ``extract_page(html, fallback_url)`` finds
the article in the decoded page (``Page``).

The main text comes from trafilatura, in the combination measured best on the
article-extraction benchmark (``bench/extraction.py``; docs/inputs.md has the figures):

1. trafilatura with ``favor_precision=True`` and ``include_comments=False`` (navigation,
   comments, related links, ads and cookie banners out);
2. when that keeps less than half the words of resiliparse's main-content text (the
   precise pass dropped part of the article), trafilatura's balanced pass, taken when the
   precise one has less than half of its words;
3. when trafilatura finds nothing at all, resiliparse's main-content text.

The metadata is read from the page itself with lxml: ``og:title`` / JSON-LD ``headline``
/ ``<title>`` (its ``<h1>`` when it starts with it: the rest is the site's name) / ``<h1>``;
authors from JSON-LD ``author``, ``meta name=author`` and ``article:author``; the
publication date from meta tags, JSON-LD ``datePublished``, then
``<time datetime>``; the canonical URL from ``link rel=canonical``, ``og:url``, else the
caller's (a WARC record's target URI); the language hint from ``<html lang>``, else a
``Content-Language`` meta tag. Dates, bylines and URLs stay as written: the article
builder parses them like every other input's.

Pure: strings and bytes in, values out; the libraries' calls do no I/O.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

import lxml.etree
import lxml.html

from transforms import decoding

__all__ = [
    "MIN_ARTICLE_WORDS",
    "Page",
    "decode_page",
    "extract_page",
    "extract_text",
    "meta_charset",
]

# Fewer extracted words than this (a CJK character counts as one) is not an article: what is left of an index page, a
# login wall or a script-only page ("Please sign in to continue reading"). The shortest
# article of the extraction benchmark has 66 words.
MIN_ARTICLE_WORDS = 20
# The precise pass is trusted unless it keeps less than this share of the words of
# resiliparse's main-content text; then the balanced pass is tried, and taken when the
# precise one has less than this share of its words (measured: bench/extraction.py).
_SHORT_SHARE = 0.5
# A <meta charset> is looked for in this many first bytes (browsers look in 1,024; pages
# with long heads put it later).
_CHARSET_SCAN = 16384
# JSON-LD blocks larger than this are not parsed (a page's whole state dumped as JSON).
_MAX_JSONLD = 1_000_000

_META_CHARSET = re.compile(
    rb"""<meta[^>]+?charset\s*=\s*["']?\s*([A-Za-z0-9._:\-]+)""", re.IGNORECASE
)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
# A word: a run of word characters, except that each Chinese, Japanese or Korean character
# counts as one (those scripts write no spaces: a sentence would otherwise be one "word").
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
_WORD = re.compile(rf"[{_CJK}]|[^\W{_CJK}]+")
_TOKEN = re.compile(r"\w+")
_BOMS = (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_ARTICLE_TYPES = ("article", "newsarticle", "blogposting", "reportagenewsarticle", "report", "webpage")


def meta_charset(raw: bytes) -> str | None:
    """The charset a page declares in a ``<meta>`` tag of its first 16 KiB, if any.

    >>> meta_charset(b'<head><meta http-equiv="Content-Type" content="text/html; charset=windows-1251">')
    'windows-1251'
    >>> meta_charset(b"<meta charset='Shift_JIS'>"), meta_charset(b"<p>charset</p>")
    ('Shift_JIS', None)
    """
    m = _META_CHARSET.search(raw[:_CHARSET_SCAN])
    return m.group(1).decode("ascii") if m else None


def decode_page(raw: bytes, http_charset: str | None = None) -> tuple[decoding.Decoded, str]:
    """Decode a page; return the decoding and how its encoding was chosen: ``bom``,
    ``http-header`` (the WARC record's HTTP ``Content-Type``), ``meta`` (a ``<meta>``
    charset), or what detection found (``utf-8``, ``detected``, ``mixed``).

    A declaration the bytes contradict is overridden (``declared-mismatch:...`` in the
    steps); the method is then what was used instead. Raises ``UndecodableError``.

    >>> d, how = decode_page('<meta charset="windows-1251"><p>Привет</p>'.encode("cp1251"))
    >>> d.encoding, how, "Привет" in d.text
    ('cp1251', 'meta', True)
    """
    declared, origin = (http_charset, "http-header") if http_charset else (meta_charset(raw), "meta")
    if declared and declared.strip().lower() in ("utf-8", "utf8") and not raw.startswith(_BOMS) and b"\x00" not in raw:
        # Bytes that are valid UTF-8 where UTF-8 is declared need no mojibake test, which
        # over a whole page (markup and scripts) costs more than extracting its article.
        try:
            return decoding.Decoded(raw.decode("utf-8"), "utf-8", "declared", ()), origin
        except UnicodeDecodeError:
            pass
    decoded = decoding.decode(raw, declared=declared)
    method = origin if decoded.method == "declared" else decoded.method
    return decoded, method


@dataclass(frozen=True)
class Page:
    """What a page holds as an article; fields are None when the page does not say."""

    title: str | None
    paragraphs: tuple[str, ...]
    authors: list[str] | str | None
    published: str | None
    url: str | None
    language_hint: str | None
    extractor: str  # which pass gave the text: precise, balanced, resiliparse, none

    @property
    def word_count(self) -> int:
        """Words of the text; each CJK character counts as one.

        >>> Page(None, ("Rates rose.", "市議会は決めた"), None, None, None, None, "precise").word_count
        9
        """
        return sum(len(_WORD.findall(p)) for p in self.paragraphs)


def extract_text(html: str) -> tuple[tuple[str, ...], str]:
    """The article's main text as paragraphs, and the pass that found it (see the module
    docstring); ``((), "none")`` when the page holds no article text.

    >>> paras, how = extract_text("<html><body><nav>Home | News</nav><article><p>" + "The council voted. " * 30
    ...                           + "</p></article></body></html>")
    >>> how, paras[0][:18]
    ('precise', 'The council voted.')
    """
    precise = _trafilatura(html, favor_precision=True)
    text, how = precise, "precise"
    if _words(precise) < _SHORT_SHARE * _words(resiliparse := _resiliparse(html)):
        balanced = _trafilatura(html, favor_precision=False)
        if _words(precise) < _SHORT_SHARE * _words(balanced):
            text, how = balanced, "balanced"
        if not text.strip():
            text, how = resiliparse, "resiliparse"
    paragraphs = tuple(p for p in (" ".join(line.split()) for line in text.split("\n")) if p)
    return (paragraphs, how) if paragraphs else ((), "none")


def extract_page(html: str, fallback_url: str | None = None, language_hint: str | None = None) -> Page:
    """The article of a decoded page: its text (``extract_text``) and metadata.

    ``fallback_url``: the URL when the page names no canonical one (a WARC-Target-URI), also
    the base for a relative canonical link; ``language_hint``: when the page has no
    ``<html lang>`` (an HTTP ``Content-Language``).

    >>> page = extract_page('<html lang="en-GB"><head><title>Rates rise - Daily Post</title>'
    ...     '<link rel="canonical" href="/news/1"><meta name="author" content="Ann Lee">'
    ...     '<meta property="article:published_time" content="2024-03-01T10:00:00Z"></head>'
    ...     '<body><p>' + "Rates rose again today. " * 10 + '</p></body></html>', "https://post.example/x?a=1")
    >>> page.title, page.url, page.authors, page.published, page.language_hint
    ('Rates rise - Daily Post', 'https://post.example/news/1', 'Ann Lee', '2024-03-01T10:00:00Z', 'en-gb')
    """
    html = _XML_DECLARATION.sub("", html, count=1)
    paragraphs, how = extract_text(html)
    tree = _parse(html)
    if tree is None:
        return Page(None, paragraphs, None, None, fallback_url, _lang(language_hint), how)
    metas = _metas(tree)
    ld = list(_jsonld_articles(tree))
    title = metas.get("og:title") or _first(ld, "headline") or _page_title(tree)
    canonical = _canonical(tree) or metas.get("og:url")
    url = urljoin(fallback_url, canonical) if canonical and fallback_url else canonical or fallback_url
    return Page(
        title=title or None,
        paragraphs=paragraphs,
        authors=_authors(metas, ld),
        published=_published(tree, metas, ld),
        url=url,
        language_hint=_lang(tree.get("lang") or tree.get("xml:lang") or metas.get("content-language")
                            or language_hint),
        extractor=how,
    )


def _trafilatura(html: str, favor_precision: bool) -> str:
    import trafilatura  # here: ~0.1 s to import, paid only by a process that meets a web page

    return trafilatura.extract(
        html, favor_precision=favor_precision, include_comments=False, with_metadata=False
    ) or ""


def _resiliparse(html: str) -> str:
    from resiliparse.extract.html2text import extract_plain_text
    from resiliparse.parse.html import HTMLTree

    return extract_plain_text(HTMLTree.parse(html), main_content=True, list_bullets=False, alt_texts=False)


def _words(text: str) -> int:
    # Runs of word characters, the benchmark's own tokens: the rule was measured with them.
    return len(_TOKEN.findall(text))


def _parse(html: str) -> Any:
    try:
        return lxml.html.document_fromstring(html)
    except (lxml.etree.ParserError, ValueError):
        return None


def _page_title(tree: Any) -> str | None:
    """``<title>``, or the ``<h1>`` it starts with (``<title>`` adds the site's name)."""
    title, h1 = _text(tree.find(".//title")), _text(tree.find(".//h1"))
    return h1 if h1 and title and title.startswith(h1) else title or h1


def _text(element: Any) -> str | None:
    if element is None:
        return None
    text = " ".join(element.text_content().split())
    return text or None


def _metas(tree: Any) -> dict[str, str]:
    """``<meta>`` values by lower-case ``property``/``name``/``itemprop``/``http-equiv``;
    the first of each name wins."""
    out: dict[str, str] = {}
    for meta in tree.iter("meta"):
        content = meta.get("content")
        if content is None or not content.strip():
            continue
        for attr in ("property", "name", "itemprop", "http-equiv"):
            key = meta.get(attr)
            if key:
                out.setdefault(key.strip().lower(), content.strip())
    return out


def _jsonld_articles(tree: Any) -> Iterator[dict[str, Any]]:
    """The JSON-LD objects of article types (``@graph`` entries included)."""
    for script in tree.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json":
            continue
        text = script.text or ""
        if len(text) > _MAX_JSONLD:
            continue
        try:
            value = json.loads(text)
        except ValueError:
            continue
        yield from _ld_objects(value, depth=0)


def _ld_objects(value: Any, depth: int) -> Iterator[dict[str, Any]]:
    if depth > 4:
        return
    if isinstance(value, list):
        for item in value:
            yield from _ld_objects(item, depth + 1)
    elif isinstance(value, dict):
        types = value.get("@type")
        names = [types] if isinstance(types, str) else types if isinstance(types, list) else []
        if any(str(t).lower().endswith(_ARTICLE_TYPES) for t in names):
            yield value
        if "@graph" in value:
            yield from _ld_objects(value["@graph"], depth + 1)


def _first(objects: list[dict[str, Any]], key: str) -> str | None:
    for obj in objects:
        value = obj.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def _canonical(tree: Any) -> str | None:
    for link in tree.iter("link"):
        if "canonical" in (link.get("rel") or "").lower().split() and (link.get("href") or "").strip():
            return link.get("href").strip()
    return None


def _authors(metas: dict[str, str], ld: list[dict[str, Any]]) -> list[str] | str | None:
    for obj in ld:
        names = _ld_names(obj.get("author"))
        if names:
            return names
    for key in ("author", "article:author", "byl", "parsely-author", "dc.creator", "sailthru.author"):
        value = metas.get(key)
        if value and not value.startswith(("http://", "https://")):
            return value
    return None


def _ld_names(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value]
    names = []
    for item in items:
        name = item.get("name") if isinstance(item, dict) else item
        if isinstance(name, str) and name.strip() and not name.startswith(("http://", "https://")):
            names.append(name.strip())
    return names


_DATE_METAS = (
    "article:published_time", "og:published_time", "datepublished", "pubdate", "publishdate",
    "publish-date", "publish_date", "parsely-pub-date", "sailthru.date", "dc.date.issued", "dc.date",
    "dcterms.created", "date", "article.published",
)


def _published(tree: Any, metas: dict[str, str], ld: list[dict[str, Any]]) -> str | None:
    for key in _DATE_METAS:
        if metas.get(key):
            return metas[key]
    found = _first(ld, "datePublished")
    if found:
        return found
    times = [t for t in tree.iter("time") if (t.get("datetime") or "").strip()]
    # A <time> marked as the publication date first, else the first one on the page.
    marked = [t for t in times if t.get("pubdate") is not None or (t.get("itemprop") or "") == "datePublished"]
    for t in marked + times:
        return t.get("datetime").strip()
    return None


def _lang(value: str | None) -> str | None:
    """A language tag as given, lower case, first of a list.

    >>> _lang(" en-US, fr"), _lang(""), _lang(None)
    ('en-us', None, None)
    """
    if not value:
        return None
    first = value.split(",")[0].strip().lower()
    return first or None
