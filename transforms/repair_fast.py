"""The repair fast path: ``ftfy.fix_text``'s output, running ftfy only where it can change text.

``fix_text(text, config, steps)`` equals ``ftfy.fix_text(text, config=config)`` for every
input and config (and, given a list, appends ftfy's explanation to it). Most news text
needs no repair, and ftfy spends most of its time proving that, so:

ftfy.fix_text cuts the text into segments (each line with its "\\n", or
max_decode_length characters of a longer line, see ``segments``) and runs
fix_and_explain on each. That runs every enabled fixer in turn, then normalization, and
stops when a round changes nothing. So a segment comes back unchanged when every fixer
and the normalization leave it unchanged on the first round. Under a config, each has a
cheap sufficient condition:

  unescape_html             no match of ftfy's HTML_ENTITY_RE (needs "&")
  fix_encoding              the segment is ASCII, or ftfy's BADNESS_RE does not match
                            (ftfy returns such text unchanged before trying anything)
  fix_c1_controls           no U+0080..U+009F
  fix_latin_ligatures       no character of ftfy's LIGATURES table
  fix_character_width       no character of ftfy's WIDTH_MAP table
  uncurl_quotes             no character matched by ftfy's quote regexes
  fix_line_breaks           no "\\r", U+2028, U+2029, U+0085
  fix_surrogates            no U+D800..U+DFFF
  remove_terminal_escapes   no ESC
  remove_control_chars      no character of ftfy's CONTROL_CHARS table
  normalization             unicodedata.is_normalized(form, segment)

``Prefilter`` collects, from ftfy's own tables, the characters the enabled fixers change.
The ASCII ones (controls, "&") are found with bytes.translate, which runs at memory
speed, the others with one character-class regex. BADNESS_RE, ftfy's mojibake
heuristic, is its slowest part (~2 MB/s); every one of its matches contains one of a
set of trigger characters (accented letters, "£", box drawing, ...; not ’ “ ” – …) and
is at most 7 characters long, both read off the parsed regex at import (see
``badness_triggers``), so it is only searched in small windows around triggers
(``badness_search``). Lines that pass are copied; the others go through
``fix_segment``: fix_and_explain's rounds run with ftfy's own fixers, skipping each
fixer that cannot change the line (same conditions) and the final round that only
confirms the fix. fix_text's one piece of state across segments is kept:
unescape_html="auto" is off for the rest of the text from the first segment with "<".

The whole text is tried first, at once. That is sound because (a) the character checks
and HTML_ENTITY_RE (which cannot span "\\n") are local, so none in the text means none
in any line; (b) BADNESS_RE has no lookaround and one anchor, "^", compiled here with
re.MULTILINE (``BADNESS_ANY_LINE_RE``) so it also matches at every line start: a match
in a line is a match in the text; (c) normalization acts independently on either side of
"\\n" (a starter that composes with nothing), so a normalized text has normalized lines.
(a)-(c) assume whole lines, so texts longer than max_decode_length skip the whole-text
test.

The rounds copy ftfy 6.3's control flow and call its one-step encoding fix, and the
trigger analysis reads the parsed regex: all three depend on internals, gated in
``transforms.ftfy_internals``, which falls back to ftfy's public API elsewhere.
tests/test_repair_fast.py checks ``repair(x) == ftfy.fix_text(x, config=CONFIG)`` with
hypothesis on adversarial alphabets, on every shared corpus and on generated mojibake.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import ftfy
from ftfy import chardata
from ftfy.badness import BADNESS_RE

from transforms import ftfy_internals

__all__ = [
    "BADNESS_ANY_LINE_RE",
    "TRIGGERS",
    "Prefilter",
    "badness_search",
    "badness_triggers",
    "fix_segment",
    "fix_text",
    "prefilter",
    "segments",
]

Steps = list[ftfy.ExplanationStep] | None

# BADNESS_RE with "^" matching at every line start, to test a whole text at once.
BADNESS_ANY_LINE_RE = re.compile(BADNESS_RE.pattern, BADNESS_RE.flags | re.MULTILINE)

# Printable ASCII plus TAB, LF and FF: no enabled fixer changes them ("&" is handled apart).
_SAFE_ASCII = bytes([0x09, 0x0A, 0x0C, *range(0x20, 0x7F)])


def _char_class(codepoints: set[int]) -> str:
    """A regex character class for the code points, as compact ranges."""
    parts = []
    for _, group in itertools.groupby(enumerate(sorted(codepoints)), lambda p: p[1] - p[0]):
        run = [cp for _, cp in group]
        lo, hi = re.escape(chr(run[0])), re.escape(chr(run[-1]))
        parts.append(lo if lo == hi else f"{lo}-{hi}")
    return "[" + "".join(parts) + "]"


# ---------------------------------------------------------------------------------------
# Searching ftfy's mojibake regex near trigger characters only
# ---------------------------------------------------------------------------------------

# Punctuation that clean edited news is full of; the trigger set avoids it where it can.
# (Accented letters, "£" and "€" cannot be avoided: some alternatives need them.)
_COMMON_IN_NEWS = frozenset(map(ord, "’‘“”„‚–—…«»‹›\u00a0°·"))


def _trigger_cost(chars: frozenset[int]) -> tuple[int, int]:
    return len(chars & _COMMON_IN_NEWS), len(chars)


def badness_triggers(pattern: re.Pattern[str] = BADNESS_RE) -> tuple[frozenset[int], int] | None:
    """Characters at least one of which is in every match of ftfy's mojibake regex, and
    the longest match: ``(triggers, width)``.

    Each alternative of the regex has some item that must match and holds only non-ASCII
    characters; one such item is picked per alternative, preferring items without the
    typographic characters of clean news (’ “ ” – …), so that a line of clean edited copy
    usually has no trigger at all. None (search every line in full) if that cannot be
    shown, e.g. after a change in ftfy or under IGNORECASE, where non-ASCII pattern
    characters match ASCII ones.

    >>> sorted(map(chr, badness_triggers(re.compile("é|xà[à“]"))[0]))  # not the class with “
    ['à', 'é']
    """
    if pattern.flags & re.IGNORECASE:
        return None
    found = ftfy_internals.required_sets(pattern, _trigger_cost)
    if not found or not found[0]:
        return None
    top, width = found
    return (min(top, key=_trigger_cost), width) if width < 100 else None


TRIGGERS = badness_triggers()


def _cluster_pattern(triggers: frozenset[int], width: int) -> re.Pattern[str]:
    # Runs of trigger characters less than `width` apart, found in one C-level scan.
    cls = _char_class(set(triggers))
    return re.compile(f"{cls}(?:[^{cls[1:-1]}]{{0,{width - 1}}}{cls})*")


_TRIGGER_CLUSTER_RE = _cluster_pattern(*TRIGGERS) if TRIGGERS else None


def badness_search(text: str, badness_re: re.Pattern[str]) -> bool:
    """``badness_re.search(text)`` is truthy, searching only around trigger characters.

    A match holds a trigger at some i and spans at most `width` characters, so it lies in
    [i - width + 1, i + width); a cluster's window covers that for each of its triggers.
    search(text, pos, endpos) keeps "^" from matching at pos (only at real line starts).

    >>> badness_search("The BBC\\u00e2\\u20ac\\u2122s report", BADNESS_RE), badness_search("caf\\u00e9", BADNESS_RE)
    (True, False)
    """
    if _TRIGGER_CLUSTER_RE is None or TRIGGERS is None:
        return bool(badness_re.search(text))
    width = TRIGGERS[1]
    for cluster in _TRIGGER_CLUSTER_RE.finditer(text):
        start = max(0, cluster.start() - width + 1)
        if badness_re.search(text, start, cluster.end() + width - 1):
            return True
    return False


# ---------------------------------------------------------------------------------------
# Which text ftfy provably leaves unchanged
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Prefilter:
    """What can make ftfy change a segment under one config (see the module docstring)."""

    keep_bytes: bytes  # ASCII bytes no enabled fixer changes, and all bytes >= 0x80
    entities: bool  # unescape_html is on: "&" needs a look with HTML_ENTITY_RE
    non_ascii: re.Pattern[str] | None  # non-ASCII characters an enabled fixer changes
    badness: bool  # fix_encoding is on
    normalization: str | None

    @classmethod
    def for_config(cls, config: ftfy.TextFixerConfig) -> Prefilter:
        cps: set[int] = set()
        if config.fix_c1_controls or config.fix_encoding:
            cps.update(range(0x80, 0xA0))
        if config.fix_latin_ligatures:
            cps.update(chardata.LIGATURES)
        if config.fix_character_width:
            cps.update(chardata.WIDTH_MAP)
        if config.uncurl_quotes:
            quotes = (chardata.SINGLE_QUOTE_RE, chardata.DOUBLE_QUOTE_RE)
            cps.update(cp for cp in range(0x10000) for q in quotes if q.match(chr(cp)))
        if config.fix_line_breaks:
            cps.update((0x0D, 0x85, 0x2028, 0x2029))
        if config.fix_surrogates:
            cps.update(range(0xD800, 0xE000))
        if config.remove_terminal_escapes:
            cps.add(0x1B)
        if config.remove_control_chars:
            cps.update(chardata.CONTROL_CHARS)
        keep = set(_SAFE_ASCII) - {ord("&")} - cps
        keep.update(range(0x80, 0x100))  # non-ASCII is checked on the str, not on bytes
        high = {cp for cp in cps if cp >= 0x80}
        return cls(
            keep_bytes=bytes(sorted(keep)),
            entities=bool(config.unescape_html),  # True or "auto" (the caller tracks "<")
            non_ascii=re.compile(_char_class(high)) if high else None,
            badness=bool(config.fix_encoding),
            normalization=config.normalization,
        )

    def unchanged(self, text: str, badness_re: re.Pattern[str]) -> bool:
        """True only if ftfy leaves ``text`` (a segment, or whole lines) unchanged."""
        encoded = text.encode("utf-8", "surrogatepass")
        rest = encoded.translate(None, self.keep_bytes)
        if rest:
            if rest.count(b"&") != len(rest):
                return False  # a control character, CR or ESC
            if self.entities and chardata.HTML_ENTITY_RE.search(text):
                return False
        if len(encoded) == len(text):
            return True  # ASCII: the encoding fix skips it, every normal form keeps it
        if self.non_ascii is not None and self.non_ascii.search(text):
            return False
        if self.badness and badness_search(text, badness_re):
            return False
        return self.normalization is None or unicodedata.is_normalized(self.normalization, text)


_PREFILTERS: dict[ftfy.TextFixerConfig, Prefilter] = {}


def prefilter(config: ftfy.TextFixerConfig) -> Prefilter:
    """The ``Prefilter`` for a config, built once per config.

    >>> prefilter(ftfy.TextFixerConfig()).unchanged("plain text", BADNESS_RE)
    True
    """
    found = _PREFILTERS.get(config)
    if found is None:
        found = _PREFILTERS[config] = Prefilter.for_config(config)
    return found


def segments(text: str, max_length: int) -> Iterator[str]:
    """Yield fix_text's segments: each line with its "\\n", cut at max_length characters.

    >>> list(segments("one\\ntwo three", 5))
    ['one\\n', 'two t', 'hree']
    """
    pos = 0
    n = len(text)
    while pos < n:
        end = text.find("\n", pos) + 1 or n
        if end - pos > max_length:
            end = pos + max_length
        yield text[pos:end]
        pos = end


# ---------------------------------------------------------------------------------------
# ftfy's rounds, running only the fixers that can change the segment
# ---------------------------------------------------------------------------------------

# For each fixer, a search that finds something whenever the fixer could change the text.
_COULD_CHANGE: dict[str, re.Pattern[str]] = {
    "fix_c1_controls": chardata.C1_CONTROL_RE,
    "fix_latin_ligatures": re.compile(_char_class(set(chardata.LIGATURES))),
    "fix_character_width": re.compile(_char_class(set(chardata.WIDTH_MAP))),
    "uncurl_quotes": re.compile(f"{chardata.SINGLE_QUOTE_RE.pattern}|{chardata.DOUBLE_QUOTE_RE.pattern}"),
    "fix_line_breaks": re.compile("[\r\x85\u2028\u2029]"),
    "fix_surrogates": re.compile("[\ud800-\udfff]"),
    "remove_terminal_escapes": re.compile("\x1b"),
    "remove_control_chars": re.compile(_char_class(set(chardata.CONTROL_CHARS))),
}


def _looks_bad(text: str) -> bool:
    # ftfy's own test for "may hold mojibake" (its is_bad, plus the ASCII shortcut).
    return bool(text) and not text.isascii() and badness_search(text, BADNESS_RE)


def _fix_encoding(text: str, config: ftfy.TextFixerConfig, steps: Steps) -> str:
    # ftfy.fix_and_explain calls fix_encoding(text) (ftfy's default config) when it does
    # not explain, and fix_encoding_and_explain(text, config) when it does.
    enc_config = config if steps is not None else ftfy.TextFixerConfig(explain=False)
    # The encoding fix returns text without mojibake unchanged, after a full search of
    # BADNESS_RE; decide that here, quickly, before calling it.
    if not enc_config.fix_encoding or not _looks_bad(text):
        return text
    fixed, plan = ftfy_internals.fix_encoding_and_explain(text, enc_config, _looks_bad)
    if steps is not None and plan:
        steps.extend(plan)
    return fixed


def _apply(name: str, fixer: Callable[[str], str], text: str, steps: Steps) -> str:
    fixed = fixer(text)
    if steps is not None and fixed != text:
        steps.append(ftfy.ExplanationStep("apply", name))
    return fixed


def fix_segment(text: str, config: ftfy.TextFixerConfig, steps: Steps) -> str:
    """``ftfy.fix_and_explain(text, config)`` for one segment, appending its explanation.

    >>> fix_segment("caf&#233;\\r\\n", ftfy.TextFixerConfig(), None)
    'café\\n'
    """
    if config.unescape_html == "auto" and "<" in text:
        config = config._replace(unescape_html=False)
    check = prefilter(config)
    if check.unchanged(text, BADNESS_RE):
        return text
    if not ftfy_internals.MIRRORS_FTFY:
        fixed, explanation = ftfy.fix_and_explain(text, config._replace(explain=steps is not None))
        if steps is not None and explanation:
            steps.extend(explanation)
        return fixed
    while True:  # ftfy's rounds: every fixer in order, until a round changes nothing
        original = text
        if config.unescape_html and "&" in text:
            text = _apply("unescape_html", ftfy.fixes.unescape_html, text, steps)
        if config.fix_encoding:
            text = _fix_encoding(text, config, steps)
        for name in ftfy_internals.FIXER_ORDER:
            if getattr(config, name) and _COULD_CHANGE[name].search(text):
                text = _apply(name, ftfy.FIXERS[name], text, steps)
        if config.normalization is not None and not unicodedata.is_normalized(config.normalization, text):
            text = unicodedata.normalize(config.normalization, text)
            if steps is not None:
                steps.append(ftfy.ExplanationStep("normalize", config.normalization))
        # The second test spares ftfy's last round, the one that only confirms the fix.
        if text == original or check.unchanged(text, BADNESS_RE):
            return text


def fix_text(text: str, config: ftfy.TextFixerConfig, steps: Steps) -> str:
    """``ftfy.fix_text(text, config=config)``, appending ftfy's explanation to ``steps``
    (a list, or None for no explanation; ``config.explain`` should say the same).

    >>> fix_text("caf&#233;\\n<p>caf&#233;</p>", ftfy.TextFixerConfig(), None)
    'café\\n<p>caf&#233;</p>'
    """
    if len(text) <= config.max_decode_length and prefilter(config).unchanged(text, BADNESS_ANY_LINE_RE):
        return text
    out = []
    for segment in segments(text, config.max_decode_length):
        if config.unescape_html == "auto" and "<" in segment:
            # Same switch as ftfy.fix_text: from the first line with "<" on, the text is
            # treated as HTML and entities are kept.
            config = config._replace(unescape_html=False)
        out.append(fix_segment(segment, config, steps))
    return "".join(out)
