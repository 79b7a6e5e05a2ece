"""Build a corpus of corrupted articles from real BBC articles, for the encoding tests.

Each ``Corrupted`` case holds the raw bytes a reader would hand to
``transforms.encoding.decode`` (and the encoding a source config would declare, if any),
plus the article's original text. The corruptions are the ones news pipelines meet:
UTF-8 read as cp1252 (once and twice) or as Latin-1, C1 controls standing in for cp1252
punctuation, single-byte files (cp1252; for plain articles, whose only non-ASCII
character is "£", the same bytes as Latin-1), UTF-16 and UTF-32, byte order marks, CRLF
and CR line ends, NBSPs, zero-width no-break spaces (U+FEFF, which repair removes;
U+200B-U+200D are kept on purpose, see ``test_repair_keeps_zero_width_joiners_and_spaces``),
HTML entities, terminal escapes and control characters, UTF-8 files with a few stray
cp1252 bytes, and a right and a wrong declared encoding.

"Original" is defined precisely by ``comparable``: the article's paragraphs as
``transforms.paragraphs.split_paragraphs`` gives them (white space collapsed, NBSP
included), the same normalization the pipeline applies after repair. Repair alone must
not be credited with white-space work the pipeline does elsewhere, and must not be
blamed for it either.

Originals come in two kinds, both from real articles:

- ``plain``: the BBC text as published in the corpus (ASCII, plus "£" in many articles);
- ``typeset``: the same text with typographic punctuation (’ “ ” – …), because BBC's
  corpus is almost pure ASCII and mojibake lives in exactly those characters.

Only articles that need no repair themselves are used (valid UTF-8, no entities, and
``repair(text) == text``), so any difference after decode+repair is the corruption's.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from transforms.paragraphs import split_paragraphs
from transforms.repair import repair


@dataclass(frozen=True)
class Corrupted:
    """One corrupted article: ``decode(raw, declared)`` then ``repair`` should give ``original``."""

    name: str  # "<corruption>/<kind>/<article>"
    corruption: str
    raw: bytes
    declared: str | None
    original: str
    expect_encoding: str | None = None  # what decode() should report, when it is certain


def comparable(text: str) -> list[str]:
    """The form in which a repaired article must equal its original (see module docstring)."""
    return split_paragraphs(text)


_APOSTROPHE = re.compile(r"(?<=[A-Za-z])'(?=[A-Za-z])")
_DOUBLE_QUOTED = re.compile(r'"([^"\n]*)"')
_SPACED_DASH = re.compile(r" - ")


def typeset(text: str) -> str:
    """Give plain ASCII punctuation its typographic form (’ “ ” – …), as edited copy has it.

    >>> typeset('He said "it\\'s over" - twice...')
    'He said “it’s over” – twice…'
    """
    text = _APOSTROPHE.sub("\u2019", text)
    text = _DOUBLE_QUOTED.sub("\u201c\\1\u201d", text)
    text = _SPACED_DASH.sub(" \u2013 ", text)
    return text.replace("...", "\u2026")


def clean_bbc_articles(bbc_root: Path, count: int, seed: int) -> list[tuple[str, str]]:
    """``count`` BBC articles (id, text) that need no repair, half of them with a "£".

    Deterministic for a seed: files are sorted before sampling.
    """
    with_pound: list[tuple[str, str]] = []
    without: list[tuple[str, str]] = []
    for path in sorted(bbc_root.glob("*/*.txt")):
        try:
            text = path.read_bytes().decode("utf-8")
        except UnicodeDecodeError:
            continue  # sport/199.txt, the one Latin-1 file
        if "&" in text or "<" in text or repair(text) != text:
            continue
        article = (f"{path.parent.name}/{path.stem}", text)
        (with_pound if "£" in text else without).append(article)
    rng = random.Random(seed)
    half = count // 2
    return rng.sample(with_pound, half) + rng.sample(without, count - half)


def _mojibake(text: str, codec: str, times: int = 1) -> str:
    for _ in range(times):
        text = text.encode("utf-8").decode(codec)
    return text


def _sprinkle(text: str, insert: str, every: int, rng: random.Random) -> str:
    """Insert ``insert`` after about one word in ``every`` (never at a line end)."""
    words = text.split(" ")
    return " ".join(w + insert if rng.randrange(every) == 0 and w else w for w in words)


def _stray_cp1252(text: str) -> bytes:
    """UTF-8, except that one non-ASCII character in four is written in cp1252."""
    out = bytearray()
    seen = 0
    for ch in text:
        if ord(ch) < 0x80:
            out += ch.encode()
            continue
        out += ch.encode("cp1252") if seen % 4 == 3 else ch.encode("utf-8")
        seen += 1
    return bytes(out)


_ENTITIES = {
    "£": "&pound;",
    "\u2019": "&#8217;",
    "\u201c": "&ldquo;",
    "\u201d": "&#x201D;",
    "\u2013": "&ndash;",
    "\u2026": "&hellip;",
}
_C1 = {ch: ch.encode("cp1252").decode("latin-1") for ch in "\u2019\u201c\u201d\u2013\u2026"}

# name -> (corrupt(text, rng) -> (raw bytes, declared encoding), expected encoding or None)
Corruption = Callable[[str, random.Random], tuple[bytes, str | None]]
CORRUPTIONS: dict[str, tuple[Corruption, str | None]] = {
    "utf-8": (lambda t, r: (t.encode(), None), "utf-8"),
    "mojibake-cp1252": (lambda t, r: (_mojibake(t, "sloppy-windows-1252").encode(), None), None),
    "mojibake-cp1252-twice": (
        lambda t, r: (_mojibake(t, "sloppy-windows-1252", 2).encode(), None),
        None,
    ),
    "mojibake-latin-1": (lambda t, r: (_mojibake(t, "latin-1").encode(), None), None),
    "c1-controls": (lambda t, r: ("".join(_C1.get(c, c) for c in t).encode(), None), None),
    "cp1252-file": (lambda t, r: (t.encode("cp1252"), None), None),
    "utf-16-le-bom": (lambda t, r: (b"\xff\xfe" + t.encode("utf-16-le"), None), "utf-16-le"),
    "utf-16-be-bom": (lambda t, r: (b"\xfe\xff" + t.encode("utf-16-be"), None), "utf-16-be"),
    "utf-16-le-no-bom": (lambda t, r: (t.encode("utf-16-le"), None), "utf-16-le"),
    "utf-32-le-bom": (lambda t, r: (b"\xff\xfe\x00\x00" + t.encode("utf-32-le"), None), "utf-32-le"),
    "utf-8-bom": (lambda t, r: (b"\xef\xbb\xbf" + t.encode(), None), "utf-8"),
    "crlf": (lambda t, r: (t.replace("\n", "\r\n").encode(), None), "utf-8"),
    "cr": (lambda t, r: (t.replace("\n", "\r").encode(), None), "utf-8"),
    "nbsp": (lambda t, r: (_sprinkle(t, "\u00a0", 5, r).encode(), None), "utf-8"),
    "zero-width-no-break": (lambda t, r: (_sprinkle(t, "\ufeff", 7, r).encode(), None), "utf-8"),
    "entities": (lambda t, r: ("".join(_ENTITIES.get(c, c) for c in t).encode(), None), "utf-8"),
    "terminal-escapes": (lambda t, r: (_sprinkle(t, "\x1b[1m", 40, r).encode(), None), "utf-8"),
    "control-chars": (lambda t, r: (_sprinkle(t, "\x07", 200, r).encode(), None), "utf-8"),
    "stray-cp1252-bytes": (lambda t, r: (_stray_cp1252(t), None), None),
    "declared-wrong": (lambda t, r: (t.encode(), "cp1252"), "utf-8"),
    "declared-right": (lambda t, r: (t.encode("cp1252"), "cp1252"), "cp1252"),
}


def build(articles: list[tuple[str, str]], seed: int = 0) -> list[Corrupted]:
    """Every corruption applied to the plain and typeset form of every article.

    Corruptions that cannot apply are skipped: mojibake and the non-UTF-8 files need
    non-ASCII text to mean anything, and "£" is the only one plain BBC text has, so a
    plain ASCII article gets only the corruptions that act on ASCII.
    """
    needs_non_ascii = {
        "mojibake-cp1252",
        "mojibake-cp1252-twice",
        "mojibake-latin-1",
        "c1-controls",
        "entities",
        "stray-cp1252-bytes",
        "declared-wrong",
    }
    cases = []
    for article_id, text in articles:
        for kind, original in (("plain", text), ("typeset", typeset(text))):
            for name, (corrupt, expect) in CORRUPTIONS.items():
                if name in needs_non_ascii and original.isascii():
                    continue
                rng = random.Random(f"{seed}/{name}/{kind}/{article_id}")
                raw, declared = corrupt(original, rng)
                if name != "utf-8" and declared is None and raw == original.encode():
                    continue  # nothing to corrupt (no ’ for "c1-controls" in plain text)
                cases.append(Corrupted(f"{name}/{kind}/{article_id}", name, raw, declared, original, expect))
    return cases
