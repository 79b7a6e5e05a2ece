"""canonicalize_url and registered_domain, the latter checked to work with no network."""

from __future__ import annotations

import socket

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from transforms import urls
from transforms.urls import canonicalize_url, registered_domain

CANONICAL: list[tuple[str | None, str | None]] = [
    # scheme and host lower-cased; path case kept
    ("HTTPS://WWW.Example.COM/News/Story", "https://www.example.com/News/Story"),
    # default ports dropped, others kept
    ("http://example.com:80/a", "http://example.com/a"),
    ("https://example.com:443/a", "https://example.com/a"),
    ("http://example.com:8080/a", "http://example.com:8080/a"),
    ("https://example.com:80/a", "https://example.com:80/a"),
    # fragment dropped, but a hash-bang fragment is the page
    ("https://example.com/a#comments", "https://example.com/a"),
    ("https://twitter.com/#!/someone", "https://twitter.com/#!/someone"),
    # tracking parameters dropped
    ("https://example.com/a?utm_source=tw&utm_medium=social&utm_campaign=x",
     "https://example.com/a"),
    ("https://example.com/a?id=7&fbclid=IwAR0abc", "https://example.com/a?id=7"),
    ("https://example.com/a?gclid=1&msclkid=2&mc_cid=3&mc_eid=4&_ga=5&yclid=6",
     "https://example.com/a"),
    ("https://www.bbc.co.uk/news/uk-1?at_medium=RSS&at_campaign=KARANGA",
     "https://www.bbc.co.uk/news/uk-1"),
    ("https://example.com/a?UTM_Source=x&page=2", "https://example.com/a?page=2"),
    # query sorted; blank values and repeated names kept
    ("https://example.com/a?b=2&a=1", "https://example.com/a?a=1&b=2"),
    ("https://example.com/a?tag=z&tag=a&x=", "https://example.com/a?tag=a&tag=z&x="),
    ("https://example.com/search?q=a+b&page=2", "https://example.com/search?page=2&q=a+b"),
    # percent escapes: upper-case hex, unreserved characters decoded
    ("http://example.com/%7euser/caf%c3%a9", "http://example.com/~user/caf%C3%A9"),
    # dot segments resolved, empty path becomes "/"
    ("http://example.com/a/./b/../c", "http://example.com/a/c"),
    ("http://example.com", "http://example.com/"),
    # trailing dot on the host, user info kept
    ("http://example.com./a", "http://example.com/a"),
    # white space around and a missing scheme
    ("  https://example.com/a  ", "https://example.com/a"),
    ("www.bbc.co.uk/news/x?utm_medium=a", "http://www.bbc.co.uk/news/x"),
    ("//example.com/a", "http://example.com/a"),
    # FakeNewsCorpus URLs are already canonical
    ("http://beforeitsnews.com/strange/2016/06/paean-to-my-wife-2464167.html",
     "http://beforeitsnews.com/strange/2016/06/paean-to-my-wife-2464167.html"),
    # nothing there, or not a URL we can take apart
    (None, None),
    ("", None),
    ("   ", None),
    ("http://[::1:80/", "http://[::1:80/"),
]


@pytest.mark.parametrize(("url", "canonical"), CANONICAL, ids=[repr(c[0])[:50] for c in CANONICAL])
def test_canonicalize_url(url, canonical):
    assert canonicalize_url(url) == canonical


def test_canonical_form_is_a_fixed_point():
    for url, canonical in CANONICAL:
        if canonical is not None:
            assert canonicalize_url(canonical) == canonical, url


def test_variants_of_one_article_agree():
    variants = [
        "https://www.example.com/story?id=1&page=2",
        "HTTPS://WWW.EXAMPLE.COM:443/story?page=2&id=1#top",
        "https://www.example.com/story?utm_source=fb&page=2&fbclid=x&id=1",
    ]
    assert len({canonicalize_url(v) for v in variants}) == 1


DOMAINS = [
    ("https://www.bbc.co.uk/news/x", "bbc.co.uk"),
    ("http://www.washingtonexaminer.com/a/b", "washingtonexaminer.com"),
    ("www.newsmax.com", "newsmax.com"),
    ("beforeitsnews.com", "beforeitsnews.com"),
    ("https://news.google.co.jp/x", "google.co.jp"),
    ("http://a.b.city-journal.org/x", "city-journal.org"),
    ("HTTPS://WWW.NYTimes.COM/", "nytimes.com"),
    # private suffixes: a blog on a shared host is its own site
    ("https://someone.blogspot.com/2018/01/x.html", "someone.blogspot.com"),
    ("http://127.0.0.1:8000/x", "127.0.0.1"),
    ("localhost", None),
    ("not a host", None),
    ("", None),
    (None, None),
]


@pytest.mark.parametrize(("value", "domain"), DOMAINS)
def test_registered_domain(value, domain):
    assert registered_domain(value) == domain


def test_registered_domain_needs_no_network(monkeypatch, tmp_path):
    """With every socket refused and a fresh extractor, the bundled snapshot answers."""

    def refuse(*args, **kwargs):
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setenv("TLDEXTRACT_CACHE", str(tmp_path / "tld-cache"))
    urls._extractor.cache_clear()
    try:
        assert registered_domain("https://www.bbc.co.uk/news/x") == "bbc.co.uk"
        assert registered_domain("https://www.abc.net.au/news") == "abc.net.au"
    finally:
        urls._extractor.cache_clear()
    assert not (tmp_path / "tld-cache").exists()  # nothing was written either


_URLISH = st.text(alphabet=st.sampled_from(list("aZ09:/?#&=%.-_~ @[]+;")), max_size=40)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=50), _URLISH, _URLISH.map(lambda s: "HTTP://Ex.com" + s)))
@example("0.0 #")  # a bare host once its fragment is cut
def test_canonicalize_never_raises_and_is_idempotent(url):
    canonical = canonicalize_url(url)
    if canonical is not None:
        assert canonicalize_url(canonical) == canonical
