"""Paragraphs: re-flow a body and cut it into paragraphs, their comparison keys, repeats.

A paragraph that repeats an earlier one in the same article is not deleted: it is
marked ``repeat`` with the position of the paragraph it repeats (by the paragraph step
``transforms.cleaning`` runs with ``find_repeats``), so the ``paragraphs`` table can
always explain why the body is shorter than the raw text.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

import xxhash

from transforms import wire
from transforms.records import Paragraph

# The words of a comparison text are runs of letters and digits (``comparison_tokens``,
# the words MinHash shingles and the title check compares).
WORD = re.compile(r"\w+")
# The same words of an ASCII text, found on its bytes: every byte that is not an ASCII
# word character (what ``\w`` matches below U+0080: letters, digits, "_") becomes a space,
# and bytes.split() cuts at the spaces, several times faster than the regex
# (tests/test_fingerprints.py checks that both give the same words, on any text).
_ASCII_WORD = frozenset(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz")
_NON_WORD_TO_SPACE = bytes(b if b in _ASCII_WORD else 0x20 for b in range(256))

# Blank lines (possibly holding spaces) separate paragraphs, and so does U+2029, the
# Unicode paragraph separator some exports use instead.
_BLANK_LINE = re.compile(r"\n[ \t\u00a0\u3000\u200b\ufeff]*\n|\u2029")
# Line ends other than \n that exports and word processors leave: CR, NEL, form feed,
# vertical tab, the Unicode line separator.
_LINE_ENDS = re.compile(r"\r\n?|[\u0085\u000b\u000c\u2028]")
# Without a "\n" followed by one of the blank line's spaces, and without U+2029, the
# blank lines are "\n\n" and str.split("\n\n") cuts where _BLANK_LINE.split does: a
# literal-prefix search and a str.split cost a fraction of the regex split (same pieces).
_SPACE_AFTER_LINE_END = re.compile("\n[ \t\u00a0\u3000\u200b\ufeff]")
# Invisible characters: zero-width space and joiners, soft hyphen, word joiner, BOM.
# They are text (a ZWJ holds an emoji sequence together, Persian and Indic spelling
# needs the ZWNJ) and stay in it; only the comparison keys (``_QUOTES``) drop them, so
# they never make two paragraphs differ.
_INVISIBLE = str.maketrans(dict.fromkeys("\u200b\u200c\u200d\u00ad\u2060\ufeff"))
# A paragraph with nothing but white space and invisible characters is empty.
_HAS_VISIBLE = re.compile("[^" + "".join(map(chr, _INVISIBLE)) + r"\s]")

# Quote and dash variants that typography, not content, distinguishes.
_QUOTES = str.maketrans(
    {
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "`": "'",
        "\u00b4": "'", "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"',
        "\u2033": '"', "\u00ab": '"', "\u00bb": '"',
        "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-",
        "\u2015": "-", "\u2212": "-", "\ufe58": "-", "\ufe63": "-", "\uff0d": "-",
        "\u2039": "'", "\u203a": "'", "\u300c": '"', "\u300d": '"', "\u2026": "...",
        "\u200b": None, "\u200c": None, "\u200d": None, "\u00ad": None, "\u2060": None, "\ufeff": None,
    }
)


# The characters each table changes: str.translate looks every character up in the table,
# which costs more than finding out that none of them is there (the common case), so the
# tables are applied only to texts that hold one of their characters (same result).
_HAS_INVISIBLE = re.compile("[" + "".join(map(chr, _INVISIBLE)) + "]")
_HAS_QUOTE = re.compile("[" + re.escape("".join(map(chr, _QUOTES))) + "]")


def translate_where_needed(text: str, table: dict[int, str | int | None], pattern: re.Pattern[str]) -> str:
    """``text.translate(table)``, skipped when ``pattern`` (the table's characters) finds none.

    >>> translate_where_needed("a\u2019b", _QUOTES, _HAS_QUOTE), translate_where_needed("ab", _QUOTES, _HAS_QUOTE)
    ("a'b", 'ab')
    """
    return text.translate(table) if pattern.search(text) else text


# _QUOTES as (character, replacement) pairs: str.translate looks every character of a
# non-ASCII text up in the table's dict, and one str.replace per character the text holds
# costs a small fraction of that. The same result, since no replacement holds a
# character of the table (checked here), so the order of the replacements does not matter.
_QUOTE_PAIRS = tuple((chr(c), "" if r is None else r) for c, r in _QUOTES.items())
if any(c in r for _, r in _QUOTE_PAIRS for c, _ in _QUOTE_PAIRS):
    raise ImportError("transforms.paragraphs: a replacement of _QUOTES holds a character of _QUOTES")


def unify_quotes(text: str) -> str:
    """``text.translate(_QUOTES)``: quotes and dashes unified, invisible characters dropped.

    >>> unify_quotes("\u201cFast\u201d \u2013 now\u2026\u200b")
    '"Fast" - now...'
    """
    if not _HAS_QUOTE.search(text):
        return text
    for char, replacement in _QUOTE_PAIRS:
        if char in text:
            text = text.replace(char, replacement)
    return text


# What str.split() cuts ASCII text at, but a single space: normalize_space's shortcut
# (one scan, as fast as a chain of ``in`` tests).
_ASCII_BREAK = re.compile(r"  |[\t\n\r\x0b\x0c\x1c-\x1f]")


def normalize_space(text: str) -> str:
    """Collapse every run of white space (NBSP, tabs, newlines) to one space and trim.

    >>> normalize_space("  Talks\\u00a0ended \\t late.\\n")
    'Talks ended late.'
    """
    # str.split() cuts at the characters str.isspace() accepts, which are exactly the
    # ones re's \s matches in a str pattern (NBSP, the ideographic space, tabs, U+2028,
    # U+001C..U+001F, ...), so this is re.sub(r"\s+", " ", text).strip(), three to four
    # times faster (tests/test_paragraphs.py checks both claims on every code point).
    if text.isascii() and text[:1] != " " and text[-1:] != " " and not _ASCII_BREAK.search(text):
        # Already normalized (most paragraphs and titles): no ASCII white space but single
        # spaces inside (str.split() also cuts at \t \n \v \f \r and \x1c-\x1f, and
        # nothing else below U+0080), found at a fraction of the cost of splitting a long
        # text into words and joining them again.
        return text
    return " ".join(text.split())


# The fixes re-flowing records: lines inside a paragraph joined (hard-wrapped copy), and
# paragraphs found by their indented first lines (wire copy without blank lines).
REFLOW_FIX = "reflow"
INDENTED_FIX = "indented-paragraphs"
REFLOW_FIXES: tuple[str, ...] = (REFLOW_FIX, INDENTED_FIX)


def reflow_and_explain(text: str) -> tuple[str, list[str]]:
    """Re-flow hard-wrapped copy: one line per paragraph, paragraphs apart by one blank
    line; and the fixes that says what it did (``REFLOW_FIXES``).

    Every kind of line end becomes ``\\n``; blank lines (or U+2029) separate paragraphs,
    and so do the indented first lines of wire copy (``transforms.wire``), whose sign-off
    line becomes a paragraph of its own; inside a paragraph line breaks and white-space
    runs become one space (``reflow``). Invisible characters (zero-width joiners, soft
    hyphens, word joiners) are text and stay; a paragraph holding nothing else goes, as
    an empty one does.

    >>> reflow_and_explain("One\\nline.\\r\\n\\r\\n\\nTwo.  \\n")
    ('One line.\\n\\nTwo.', ['reflow'])
    >>> reflow_and_explain("    SALVADOR - Rain fell\\nall week.\\n    Arrivals rose.\\n Reuter\\n")
    ('SALVADOR - Rain fell all week.\\n\\nArrivals rose.\\n\\nReuter', ['indented-paragraphs', 'reflow'])
    """
    # The regex sub scans slowly; "in" finds out at memory speed that there is nothing to do.
    if "\r" in text or "\x85" in text or "\x0b" in text or "\x0c" in text or "\u2028" in text:
        text = _LINE_ENDS.sub("\n", text)
    names: list[str] = []
    out: list[str] = []
    if "\u2029" in text or _SPACE_AFTER_LINE_END.search(text):
        blocks = _BLANK_LINE.split(text)
    else:
        blocks = text.split("\n\n")
    for block in wire.split_signoff(blocks):
        if "\n" not in block:
            # One line (most blocks of most bodies): what the general steps below make of
            # it (one group, one line, no fix), without them.
            paragraph = normalize_space(block)
            if paragraph and (paragraph.isascii() or _HAS_VISIBLE.search(paragraph)):
                out.append(paragraph)
            continue
        groups = wire.indented_paragraphs(block.split("\n"))
        if len(groups) > 1:
            names.append(INDENTED_FIX)
        for lines in groups:
            paragraph = normalize_space(" ".join(lines))
            if not _HAS_VISIBLE.search(paragraph):
                continue
            if sum(1 for line in lines if line.strip()) > 1:
                names.append(REFLOW_FIX)
            out.append(paragraph)
    return "\n\n".join(out), list(dict.fromkeys(names))


def reflow(text: str) -> str:
    """``reflow_and_explain``'s text alone.

    >>> reflow("One\\nline.\\r\\n\\r\\n\\nTwo.  \\n")
    'One line.\\n\\nTwo.'
    """
    return reflow_and_explain(text)[0]


def cut_paragraphs(text: str) -> list[str]:
    """Cut re-flowed text (``reflow``) into its paragraphs.

    >>> cut_paragraphs("One line.\\n\\nTwo.")
    ['One line.', 'Two.']
    >>> cut_paragraphs("")
    []
    """
    return text.split("\n\n") if text else []


def split_paragraphs(text: str) -> list[str]:
    """Any text's white-space-normalized, non-empty paragraphs: ``cut_paragraphs(reflow(text))``.

    >>> split_paragraphs("One\\nline.\\n\\n\\nTwo.  \\n")
    ['One line.', 'Two.']
    """
    return cut_paragraphs(reflow(text))


def comparison_text(paragraph: str) -> str:
    """The form two paragraphs are compared in: NFKC, case-folded, quotes and dashes
    unified, invisible characters (zero-width, soft hyphen) dropped, white space collapsed.

    >>> comparison_text("He said \\u201cfast\\u201d \\u2013 NOW") == comparison_text('he said "fast" - now')
    True
    """
    if paragraph.isascii():
        # The same steps on ASCII: NFKC leaves it as it is, casefold() is lower(), and the
        # backtick is the one ASCII character of _QUOTES (tests/test_paragraphs.py checks
        # that both paths agree on any ASCII text).
        return normalize_space(_ascii_comparison(paragraph))
    return general_comparison_text(paragraph)


def _ascii_comparison(text: str) -> str:
    """``comparison_text``'s steps on ASCII text but white space: lower case, the backtick
    as an apostrophe."""
    text = text.lower()
    return text.replace("`", "'") if "`" in text else text


def general_comparison_text(paragraph: str) -> str:
    """``comparison_text`` by its general steps, on any text (the ASCII shortcut's reference).

    >>> general_comparison_text("Fast \\u2013 NOW") == comparison_text("Fast \\u2013 NOW") == "fast - now"
    True
    """
    # Invisible characters go before NFKC, quotes after it: NFKC maps some typographic
    # forms (fullwidth, the ellipsis) to ones the table then unifies.
    text = unicodedata.normalize("NFKC", unify_quotes(paragraph))
    return normalize_space(unify_quotes(text).casefold())


def comparison_tokens(comparison: str) -> list[bytes]:
    """The words of a comparison text (``WORD.findall(comparison)``), each as its UTF-8
    bytes, which is what MinHash hashes (``fingerprints.words(text)`` encoded is
    ``comparison_tokens(comparison_text(text))``).

    >>> comparison_tokens("talks 'ended', late!"), comparison_tokens("caf\u00e9 au_lait")
    ([b'talks', b'ended', b'late'], [b'caf\xc3\xa9', b'au_lait'])
    """
    if comparison.isascii():
        return comparison.encode("ascii").translate(_NON_WORD_TO_SPACE).split()
    # (str.encode is UTF-8, strict: the same bytes as t.encode("utf-8").)
    return list(map(str.encode, WORD.findall(comparison)))


def comparison_word_bytes(comparison: str) -> bytes:
    """The words of a comparison text as one UTF-8 string of bytes, apart by one space or
    more: ``comparison_word_bytes(c).split() == comparison_tokens(c)`` (no word holds an
    ASCII white-space byte, which no UTF-8 sequence of another character holds either).
    MinHash reads a body's words from these, joined, without a list of words per paragraph.

    >>> comparison_word_bytes("talks 'ended', late!"), comparison_word_bytes("café au_lait")
    (b'talks  ended   late ', b'caf\xc3\xa9 au_lait')
    """
    if comparison.isascii():
        return comparison.encode("ascii").translate(_NON_WORD_TO_SPACE)
    return b" ".join(map(str.encode, WORD.findall(comparison)))


def paragraph_key(paragraph: str) -> str:
    """A short stable hash of ``comparison_text``: equal keys mean the same paragraph.

    >>> paragraph_key("Fast \\u2013 now") == paragraph_key("fast - NOW")
    True
    """
    return key_of_comparison(comparison_text(paragraph))


def key_of_comparison(comparison: str) -> str:
    """``paragraph_key`` of a paragraph whose ``comparison_text`` is ``comparison``."""
    return xxhash.xxh3_64_hexdigest(comparison.encode("utf-8"))


def cut(position: int, text: str, normalized: bool = False) -> Paragraph:
    """A new ``kept`` paragraph with its key, its comparison text, its comparison words as
    one string of bytes (``comparison_word_bytes``, which MinHash reads; the title check
    splits the few it reads) and its word count, each computed once.

    ``normalized``: the caller knows that ``text == normalize_space(text)`` (the
    paragraphs of re-flowed text are), so that its words are the runs between its single
    spaces and need not be split off.

    >>> p = cut(0, "Fast \u2013 NOW")
    >>> p.key == paragraph_key("fast - now"), p.comparison, p.word_bytes, p.word_count
    (True, 'fast - now', b'fast   now', 3)
    >>> cut(0, "Fast \u2013 NOW", normalized=True) == p
    True
    """
    if normalized:
        count = text.count(" ") + 1 if text else 0
        joined = text  # its words, one space apart
    else:
        words = text.split()  # count_words(text) is len(words)
        count, joined = len(words), None
    if text.isascii():
        # comparison_text's ASCII shortcut, on the words joined by single spaces: lower()
        # and the backtick change no white space, so they commute with normalize_space.
        # The key and the words come from one encoding (``key_of_comparison``,
        # ``comparison_word_bytes``' ASCII path).
        comparison = _ascii_comparison(" ".join(words) if joined is None else joined)
        data = comparison.encode("ascii")
        return Paragraph(position=position, text=text, key=xxhash.xxh3_64_hexdigest(data),
                         comparison=comparison, words=count, word_bytes=data.translate(_NON_WORD_TO_SPACE))
    comparison = comparison_text(text)
    return Paragraph(position=position, text=text, key=key_of_comparison(comparison), comparison=comparison,
                     words=count, word_bytes=comparison_word_bytes(comparison))


def comparison_of(paragraph: Paragraph) -> str:
    """A paragraph's ``comparison_text``: the one ``cut`` computed, else computed now.

    >>> comparison_of(Paragraph(0, "Fast \\u2013 NOW")) == comparison_of(cut(0, "Fast \\u2013 NOW"))
    True
    """
    return paragraph.comparison if paragraph.comparison is not None else comparison_text(paragraph.text)


# The repeat rule, chosen on BBC, FakeNewsCorpus and the extraction benchmark's bodies
# (``python -m bench.repeats`` prints the figures; docs/architecture.md states the rule).
# A repeated paragraph is a copy error, and goes, only when it is prose long enough to be
# a paragraph: at least ``REPEAT_MIN_WORDS`` words (or, in a script written without
# spaces, ``REPEAT_MIN_CHARS`` characters), ending a sentence (. ! or an ellipsis, maybe
# inside quotes or brackets), and not opening with a short label ("Q:", "Portion Fix
# Containers:"). What repeats by structure stays: headings and labels ("Meal 1"), list
# items ("Eat every 2-3 hours"), Q&A prompts (a question, "Questioner: Yes."), source
# labels and attributions ("May 12, 2008 \u2014 Jim Bray"), links ("Buy Now").
REPEAT_MIN_WORDS = 10
REPEAT_MIN_CHARS = 30
_SENTENCE_END = re.compile(r"[.!\u2026\u3002\uff01][\"'\u2019\u201d\u00bb)\]]*$")
_LABEL = re.compile(r"^(?:\S+\s){0,3}\S+?:(?:\s|$)")


def is_copy_error(text: str) -> bool:
    """True when ``text``, repeating an earlier paragraph, is removed as a copy error.

    >>> is_copy_error("On Monday, he said Ukraine had \u201cbetter come to the table, fast\u201d, he added.")
    True
    >>> is_copy_error("Eat every 2-3 hours"), is_copy_error("What did you do next, and why did you decide it then?")
    (False, False)
    """
    long_enough = len(text.split()) >= REPEAT_MIN_WORDS or (len(text) >= REPEAT_MIN_CHARS and " " not in text)
    return long_enough and bool(_SENTENCE_END.search(text)) and not _LABEL.match(text)


def find_repeats(paragraphs: Sequence[Paragraph], title: str | None = None) -> dict[int, int]:
    """Each ``kept`` paragraph whose key appeared earlier and that is a copy error
    (``is_copy_error``), by position, with the position of the paragraph it repeats (a
    paragraph step: ``transforms.cleaning``). A structural repeat stays ``kept``.

    The first occurrence (smallest ``position``) stays, whatever the order of the list:
    the result depends only on the paragraphs' positions in the article. Paragraphs
    already removed (a byline, the title repeat) are never the original of a repeat.
    ``title`` is not used: every paragraph step takes it.

    >>> find_repeats([Paragraph(1, "The SAME  text, said to be long enough to count as one."),
    ...               Paragraph(0, "The same text, said to be long enough to count as one.")])
    {1: 0}
    """
    first_seen: dict[str, int] = {}
    repeats: dict[int, int] = {}
    for paragraph in sorted(paragraphs, key=lambda p: p.position):
        if paragraph.status != "kept":
            continue
        key = paragraph.key or paragraph_key(paragraph.text)
        earlier = first_seen.setdefault(key, paragraph.position)
        if earlier != paragraph.position and is_copy_error(paragraph.text):
            repeats[paragraph.position] = earlier
    return repeats
