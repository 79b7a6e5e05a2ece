"""clean_title: white space, and the site's name off the end only when it is the source."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import fakenews_csv_rows
from transforms.records import Paragraph
from transforms.titles import clean_title, find_title_repeats, names_source

CASES: list[tuple[str | None, str | None, str | None]] = [
    # white space, Unicode spaces and invisible characters
    ("  Spaces \t and\nnewlines  ", None, "Spaces and newlines"),
    ("Non\u00a0breaking\u2009spaces", None, "Non breaking spaces"),
    # invisible characters are text and stay (a ZWJ emoji, a ZWNJ word)
    ("Zero\u200bwidth", None, "Zero\u200bwidth"),
    ("Pride \U0001f3f3\ufe0f\u200d\U0001f308 \u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645", None,
     "Pride \U0001f3f3\ufe0f\u200d\U0001f308 \u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"),
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


def _paragraphs(*texts: str) -> list[Paragraph]:
    return [Paragraph(position=i, text=t) for i, t in enumerate(texts)]


def test_title_repeated_as_first_paragraph_is_found():
    def first(title, *texts):
        return 0 in find_title_repeats(_paragraphs(*texts), title)

    # Typography, case and punctuation of the title do not matter.
    assert find_title_repeats(_paragraphs("TALKS END: no deal", "Body."), "Talks end \u2013 no deal") == {0: None}
    # The title with the site name the title cleaner removed.
    assert first("Waking Up In The Morgue", "Waking Up In The Morgue - Awareness Act", "Body.")
    # A byline first: the first kept paragraph is the one compared.
    ps = [Paragraph(0, "By Jo Bloggs", status="byline"), Paragraph(1, "Talks end"), Paragraph(2, "Body.")]
    assert find_title_repeats(ps, "Talks end") == {1: None}
    # A first paragraph that starts with the title and goes on is body text: it stays.
    assert not first("Talks end", "Talks end as both sides walk out of the room in Geneva.", "Body.")
    assert not first("Talks end", "Talks end - the ministers left early on Friday", "B.")
    assert not first(None, "Talks end", "Body.")


def test_title_after_a_prompt_or_twice_is_found_but_not_deep_in_the_body():
    def found(title, *texts):
        return sorted(find_title_repeats(_paragraphs(*texts), title))

    assert found("Hand sanitizers", "Subscribe to Example for FREE", "Hand Sanitizers", "Body.") == [1]
    assert found("Hand sanitizers", "Hand sanitizers", "HAND SANITIZERS", "Body.") == [0, 1]
    assert found("Hand sanitizers", "A.", "B.", "C.", "Hand sanitizers") == []


def test_find_title_repeats_leaves_its_input_unchanged():
    ps = tuple(_paragraphs("Talks end", "Body."))
    before = list(ps)
    find_title_repeats(ps, "Talks end")
    assert list(ps) == before


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["talks", "end", "no", "deal", "-", "|", "BBC", "News", "\u2019s", "  "]),
                max_size=14),
       st.integers(min_value=0, max_value=8))
def test_head_tokens_are_the_tokens_of_a_short_enough_paragraph(words, most):
    from transforms import fingerprints, paragraphs, titles

    text = " ".join(words)
    for paragraph in (paragraphs.cut(0, text), paragraphs.cut(0, paragraphs.normalize_space(text), True),
                      Paragraph(0, text)):
        tokens = fingerprints.paragraph_tokens(paragraph)
        assert titles._head_tokens(paragraph, most) == (tokens if len(tokens) <= most else None)
