"""Article titles: white space normalised, the site's own name taken off the end.

Many pages title themselves "Headline - Site Name" or "Headline | Site". The suffix is
not part of the headline and defeats title comparisons across sites, but a suffix that
does not name the source may be part of the headline ("Review - Plunder and Deceit"),
so it is removed only when it names the source.

Scraped bodies often repeat the title as their first paragraph: ``find_title_repeats``,
a paragraph step, finds it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from transforms.fingerprints import paragraph_tokens
from transforms.paragraphs import comparison_text, comparison_tokens, normalize_space
from transforms.records import Paragraph
from transforms.urls import registered_domain

# The fix recorded when ``clean_title`` took a site name off a title.
SITE_SUFFIX_FIX = "title:site-suffix"

# Separators sites put between a headline and their name. A plain hyphen only counts
# with spaces around it ("Coca-Cola" is a word, "Title - Site" is a suffix).
_SEPARATOR = re.compile(r"\s+(?:[-\u2013\u2014|\u00b7\u2022\u00bb:]{1,2})\s+")
# Words a site name often carries that its domain or its short name leaves out.
_GENERIC = frozenset(
    {"the", "news", "online", "com", "net", "org", "co", "uk", "www", "website", "site",
     "official", "home", "page", "breaking", "latest", "headlines", "network"}
)


def _words(text: str) -> list[str]:
    folded = unicodedata.normalize("NFKD", text.casefold())
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    folded = folded.replace("&", " and ").replace("'", "").replace("\u2019", "")
    return [w for w in re.split(r"[^0-9a-z]+", folded) if w]


def _source_keys(source: str) -> set[str]:
    """Loose spellings of a source: "www.Breitbart.com" -> {"breitbartcom", "breitbart"}."""
    keys = set()
    words = _words(source)
    if words:
        keys.add("".join(words))
        keys.add("".join(w for w in words if w not in _GENERIC))
    domain = registered_domain(source) if "." in source and " " not in source.strip() else None
    if domain:
        # The label left of the public suffix: "bbc.co.uk" -> "bbc".
        label = domain.split(".")[0]
        keys.add(label)
        if label.startswith("the") and len(label) > 6:
            keys.add(label[3:])
    return {k for k in keys if len(k) >= 2}


def names_source(site: str, source: str) -> bool:
    """True when ``site`` (a title suffix) names ``source`` (a name or a domain).

    >>> names_source("Breitbart", "breitbart.com")
    True
    """
    words = _words(site)
    if not words:
        return False
    keys = _source_keys(source)
    squashed = "".join(words)
    core = "".join(w for w in words if w not in _GENERIC)
    return squashed in keys or (len(core) >= 2 and core in keys)


def clean_title(title: str | None, source: str | None = None) -> str | None:
    """Normalise white space and drop a trailing " - Site" / " | Site" that names ``source``.

    >>> clean_title("Review:  Plunder and Deceit | Breitbart", "breitbart.com")
    'Review: Plunder and Deceit'
    """
    if title is None:
        return None
    # Invisible characters (a ZWJ in an emoji, a ZWNJ in Persian) are text: they stay.
    text = normalize_space(title)
    if not text:
        return None
    if not source:
        return text
    # "Headline | Section | Site": peel the site, then stop (a section is not the source).
    separators = list(_SEPARATOR.finditer(text))
    last = separators[-1] if separators else None
    if last is not None and last.start() > 0:
        if names_source(text[last.end():], source):
            return text[: last.start()]
    return text


def took_site_suffix(title: str | None, cleaned: str | None) -> bool:
    """True when ``clean_title`` took more than white space off ``title``: a site name
    (the ``SITE_SUFFIX_FIX`` an article records).

    >>> took_site_suffix("Talks end | Breitbart", "Talks end"), took_site_suffix(" Talks  end ", "Talks end")
    (True, False)
    """
    return bool(title and cleaned and cleaned != title and cleaned != normalize_space(title))


# Separators between a title and a site name, in a body paragraph that repeats both.
_SUFFIX_SEPARATORS = (" | ", " - ", " \u2013 ", " \u2014 ", " :: ", " \u00bb ")


def _head_tokens(paragraph: Paragraph, most: int) -> list[bytes] | None:
    """``paragraph_tokens(paragraph)`` when the paragraph holds at most ``most`` words, else
    None, without splitting the words of a longer paragraph beyond the first ``most``.

    >>> _head_tokens(Paragraph(0, "Talks end: no deal"), 4), _head_tokens(Paragraph(0, "Talks end: no deal"), 3)
    ([b'talks', b'end', b'no', b'deal'], None)
    """
    if paragraph.tokens is None and paragraph.word_bytes is not None:
        # With ``maxsplit``, a longer paragraph gives ``most`` words and the rest unsplit.
        words = paragraph.word_bytes.split(None, most)
    else:
        words = paragraph_tokens(paragraph)
    return words if len(words) <= most else None


def find_title_repeats(paragraphs: Sequence[Paragraph], title: str | None) -> dict[int, None]:
    """The paragraphs that repeat the title, by position (a paragraph step: ``transforms.cleaning``).

    Paragraphs are compared by their words only, so that "Talks end: no deal" matches the
    title "Talks end - no deal". The title may stand after a site prompt that is only
    found to be boilerplate later ("Subscribe to ...", then the title), or twice, so the
    first three kept paragraphs are looked at. The first also matches when it is the title
    plus the site name the title cleaner took off ("Talks end - no deal | Example News"),
    but never when it holds more than that.

    >>> find_title_repeats([Paragraph(0, "TALKS END: no deal"), Paragraph(1, "Body.")], "Talks end - no deal")
    {0: None}
    """
    # Words as UTF-8 bytes (``comparison_tokens``): equal lists of bytes are equal lists of words.
    title_words = comparison_tokens(comparison_text(title)) if title else []
    if not title_words:
        return {}
    found: dict[int, None] = {}
    head = [p for p in paragraphs if p.status == "kept"][:3]
    for i, paragraph in enumerate(head):
        # Only the first paragraph may hold more words than the title, and at most 4 more.
        found_words = _head_tokens(paragraph, len(title_words) + 4 if i == 0 else len(title_words))
        if found_words is None:
            continue
        # A site suffix is short and set off by a separator; anything longer after the
        # title is body text, and that paragraph stays.
        suffix = len(found_words) - len(title_words)
        if found_words == title_words or (
            i == 0 and 0 < suffix <= 4 and found_words[: len(title_words)] == title_words
            and any(sep in paragraph.text for sep in _SUFFIX_SEPARATORS)
        ):
            found[paragraph.position] = None
    return found
