"""Split article text into paragraphs, normalize their white space, and find repeats.

A paragraph that repeats an earlier one in the same article is not deleted: it is
marked ``repeat`` with the position of the paragraph it repeats, so the ``paragraphs``
table can always explain why the body is shorter than the raw text.
"""

from __future__ import annotations

import re
import unicodedata

import xxhash

from transforms.records import Paragraph

# Blank lines (possibly holding spaces) separate paragraphs.
_BLANK_LINE = re.compile(r"\n[ \t\u00a0\u3000]*\n")
# Every kind of horizontal or vertical space inside a paragraph collapses to one space.
# \s covers NBSP, the ideographic space, tabs and line/paragraph separators.
_SPACE_RUN = re.compile(r"\s+")

# Quote and dash variants that typography, not content, distinguishes.
_QUOTES = str.maketrans(
    {
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "`": "'",
        "\u00b4": "'", "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"',
        "\u2033": '"', "\u00ab": '"', "\u00bb": '"',
        "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-",
        "\u2015": "-", "\u2212": "-", "\ufe58": "-", "\ufe63": "-", "\uff0d": "-",
    }
)


def normalize_space(text: str) -> str:
    """Collapse every run of white space (NBSP, tabs, newlines) to one space and trim.

    >>> normalize_space("  Talks\\u00a0ended \\t late.\\n")
    'Talks ended late.'
    """
    return _SPACE_RUN.sub(" ", text).strip()


def split_paragraphs(text: str) -> list[str]:
    """Split text on blank lines into white-space-normalized, non-empty paragraphs.

    Line breaks inside a paragraph (hard-wrapped copy) become single spaces.

    >>> split_paragraphs("One\\nline.\\n\\n\\nTwo.  \\n")
    ['One line.', 'Two.']
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    parts = (normalize_space(p) for p in _BLANK_LINE.split(text))
    return [p for p in parts if p]


def comparison_text(paragraph: str) -> str:
    """The form two paragraphs are compared in: NFKC, case-folded, quotes and dashes
    unified, white space collapsed.

    >>> comparison_text("He said \\u201cfast\\u201d \\u2013 NOW") == comparison_text('he said "fast" - now')
    True
    """
    text = unicodedata.normalize("NFKC", paragraph).translate(_QUOTES).casefold()
    return normalize_space(text)


def paragraph_key(paragraph: str) -> str:
    """A short stable hash of ``comparison_text``: equal keys mean the same paragraph.

    >>> paragraph_key("Fast \\u2013 now") == paragraph_key("fast - NOW")
    True
    """
    return xxhash.xxh3_64_hexdigest(comparison_text(paragraph).encode("utf-8"))


def mark_repeats(paragraphs: list[Paragraph]) -> list[Paragraph]:
    """Mark each ``kept`` paragraph whose key appeared earlier as a ``repeat`` of it.

    The first occurrence stays, whatever else happens to the list: the result depends
    only on the order of the paragraphs in the article.
    """
    first_seen: dict[str, int] = {}
    for paragraph in paragraphs:
        if not paragraph.key:
            paragraph.key = paragraph_key(paragraph.text)
        if paragraph.status != "kept":
            continue
        earlier = first_seen.get(paragraph.key)
        if earlier is None:
            first_seen[paragraph.key] = paragraph.position
        else:
            paragraph.status = "repeat"
            paragraph.repeat_of = earlier
            paragraph.reason = f"repeats paragraph {earlier}"
    return paragraphs
