"""clean_title: white space, and the site's name off the end only when it is the source."""

from __future__ import annotations

import pytest

from tests.conftest import fakenews_csv_rows
from transforms.titles import clean_title, names_source

CASES: list[tuple[str | None, str | None, str | None]] = [
    # white space, Unicode spaces and invisible characters
    ("  Spaces \t and\nnewlines  ", None, "Spaces and newlines"),
    ("Non\u00a0breaking\u2009spaces", None, "Non breaking spaces"),
    ("Zero\u200bwidth", None, "Zerowidth"),
    ("", None, None),
    ("   ", "bbc.co.uk", None),
    (None, "bbc.co.uk", None),
    # a suffix that names the source goes, compared loosely
    ("Review: Plunder and Deceit | Breitbart", "breitbart.com", "Review: Plunder and Deceit"),
    ("Review: Plunder and Deceit | Breitbart", "www.breitbart.com", "Review: Plunder and Deceit"),
    ("Storm hits coast - BBC News", "bbc.co.uk", "Storm hits coast"),
    ("Storm hits coast - BBC News", "BBC", "Storm hits coast"),
    ("Storm hits coast \u2013 The Guardian", "theguardian.com", "Storm hits coast"),
    ("Storm hits coast \u2014 The Guardian", "The Guardian", "Storm hits coast"),
    ("Flyover country | Washington Examiner", "washingtonexaminer.com", "Flyover country"),
    ("Contributors | City Journal", "city-journal.org", "Contributors"),
    ("Contributors | City-Journal", "city-journal.org", "Contributors"),
    ("Daily Beast: DOJ Is Taking a Fresh Look | Newsmax.com", "www.newsmax.com",
     "Daily Beast: DOJ Is Taking a Fresh Look"),
    ("Cats  and dogs  |  BREITBART", "breitbart.com", "Cats and dogs"),
    # only the last segment is the site: a section before it stays
    ("Storm hits coast | Weather | BBC News", "bbc.co.uk", "Storm hits coast | Weather"),
    # a suffix that does not name the source stays
    ("Clinton\u2013Obama Emails: Key to Understanding \u2013 Andrew McCarthy", "beforeitsnews.com",
     "Clinton\u2013Obama Emails: Key to Understanding \u2013 Andrew McCarthy"),
    ("Storm hits coast - BBC News", "cnn.com", "Storm hits coast - BBC News"),
    ("Apple launches phone - Apple", "ap.org", "Apple launches phone - Apple"),
    ("Storm hits coast - BBC News", None, "Storm hits coast - BBC News"),
    # hyphens inside words are not separators
    ("Coca-Cola sales rise", "coca-cola.com", "Coca-Cola sales rise"),
    # a title that is only the site name is kept
    ("Black Agenda Report", "blackagendareport.com", "Black Agenda Report"),
    ("| Breitbart", "breitbart.com", "| Breitbart"),
]


@pytest.mark.parametrize(("title", "source", "expected"), CASES,
                         ids=[repr(c[0])[:40] for c in CASES])
def test_clean_title(title, source, expected):
    assert clean_title(title, source) == expected


@pytest.mark.parametrize(
    ("site", "source", "expected"),
    [
        ("Breitbart", "breitbart.com", True),
        ("Breitbart News", "breitbart.com", True),
        ("BBC News", "bbc.co.uk", True),
        ("The Daily Sheeple", "thedailysheeple.com", True),
        ("Daily Sheeple", "thedailysheeple.com", True),
        ("Weather", "bbc.co.uk", False),
        ("Apple", "ap.org", False),
        ("News", "bbc.co.uk", False),
    ],
)
def test_names_source(site, source, expected):
    assert names_source(site, source) is expected


@pytest.mark.corpus
def test_fakenewscorpus_titles_keep_their_words():
    rows = fakenews_csv_rows()
    for r in rows:
        cleaned = clean_title(r["title"], r["domain"])
        if r["title"].strip():
            assert cleaned and "  " not in cleaned and cleaned == cleaned.strip()
            # Cleaning only ever removes a suffix; the headline itself is untouched.
            assert " ".join(r["title"].split()).startswith(cleaned)
