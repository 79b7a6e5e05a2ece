"""Text repair: repair decoded article text with ftfy (bytes to text is ``transforms.decoding``).

``repair(text) -> str``: ``ftfy.fix_text(text, config=CONFIG)``, with a fast path that
skips the lines ftfy provably leaves unchanged (see "The fast path" below).

Names recorded in an article's ``fixes`` by ``repair_and_explain`` (the decoding steps
are listed in ``transforms.decoding``):

- ftfy's own steps, named after its explanations: ``unescape_html``, ``fix_c1_controls``,
  ``fix_latin_ligatures``, ``fix_line_breaks``, ``fix_surrogates``,
  ``remove_terminal_escapes``, ``remove_control_chars``, ``decode_inconsistent_utf8``,
  ``restore_byte_a0``, ``replace_lossy_sequences``, ``normalize:NFC``, and the two halves
  of a mojibake repair, ``encode:<codec>`` then ``decode:<codec>`` (UTF-8 read as cp1252
  is repaired by ``encode:sloppy-windows-1252`` + ``decode:utf-8``; C1 controls for
  cp1252 punctuation by ``encode:latin-1`` + ``decode:windows-1252``).
- ``lost-entities`` (``LOST_ENTITIES_STEP``): ``fix_lost_entities`` changed the text.
"""

from __future__ import annotations

import html
import itertools
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

import ftfy
import ftfy.bad_codecs  # noqa: F401  (registers the "sloppy-windows-1252" codec)
from ftfy import chardata
from ftfy.badness import BADNESS_RE

__all__ = [
    "CONFIG",
    "LOST_ENTITIES_STEP",
    "config_description",
    "fix_lost_entities",
    "repair",
    "repair_and_explain",
    "repair_with",
]

# ---------------------------------------------------------------------------------------
# The repair configuration
# ---------------------------------------------------------------------------------------

CONFIG = ftfy.TextFixerConfig(
    # Decode entities such as "caf&#233;" (BBC has ~25 files with them); "auto" stops as
    # soon as a line contains "<", because then the text is real HTML and "&lt;" is
    # meant literally.
    unescape_html="auto",
    # ANSI colour codes are never article text.
    remove_terminal_escapes=True,
    # The point of the exercise: UTF-8 read as cp1252/Latin-1 ("Ã©" for "é"), once or twice.
    fix_encoding=True,
    # The four sub-options stay at ftfy's defaults on purpose: with explain=False ftfy's
    # fix_text ignores them and uses the defaults anyway, so any other value would make
    # repair() and repair_and_explain() disagree.
    restore_byte_a0=True,  # "Ã la" (NBSP turned into a space) is common in mojibake
    replace_lossy_sequences=True,  # "â€�" (a lost byte) becomes one "�", not three chars
    decode_inconsistent_utf8=True,  # mojibake embedded in otherwise good text
    fix_c1_controls=True,  # U+0092 etc. stand for cp1252 punctuation (U+0092 -> ’)
    # "ﬁ" from PDF copy-paste is a glitch, not style; ftfy leaves æ/œ alone.
    fix_latin_ligatures=True,
    # False: ftfy's width fix rewrites full-width CJK punctuation (，。！) to ASCII, which
    # is wrong for Chinese and Japanese (NeMo Curator issue #476).
    fix_character_width=False,
    # False: curly quotes are how the article was written; repairing is not restyling.
    uncurl_quotes=False,
    # CRLF, CR, U+2028/U+2029 and NEL become "\n" so paragraph splitting sees one kind.
    fix_line_breaks=True,
    # Lone or paired UTF-16 surrogates (from UCS-2 decoders) cannot even be written to Parquet.
    fix_surrogates=True,
    # NUL, BEL, U+FEFF and friends have no place in article text.
    remove_control_chars=True,
    # NFC: composed "é" and "e"+U+0301 must compare and hash equal downstream. Not NFKC,
    # which changes meaning ("10³" -> "103").
    normalization="NFC",
    # ftfy's default bound on one segment; lines longer than this are cut (see repair_with).
    max_decode_length=1_000_000,
    # Explanations cost time; repair_and_explain switches them on for itself.
    explain=False,
)


def config_description() -> dict[str, object]:
    """The repair configuration in force, as a plain dict (recorded in ``runs``).

    >>> config_description()["uncurl_quotes"]
    False
    """
    return dict(CONFIG._asdict())


# ---------------------------------------------------------------------------------------
# Text repair, with a fast path
# ---------------------------------------------------------------------------------------
#
# The fast path. ftfy.fix_text cuts the text into segments (each line with its "\n", or
# max_decode_length characters of a longer line) and runs fix_and_explain on each. That
# runs every enabled fixer in turn, then normalization, and stops when a round changes
# nothing. So a segment comes back unchanged when every fixer and the normalization leave
# it unchanged on the first round. Under a config, each has a cheap sufficient condition:
#
#   unescape_html             no match of ftfy's HTML_ENTITY_RE (needs "&")
#   fix_encoding              the segment is ASCII, or ftfy's BADNESS_RE does not match
#                             (ftfy returns such text unchanged before trying anything)
#   fix_c1_controls           no U+0080..U+009F
#   fix_latin_ligatures       no character of ftfy's LIGATURES table
#   fix_character_width       no character of ftfy's WIDTH_MAP table
#   uncurl_quotes             no character matched by ftfy's quote regexes
#   fix_line_breaks           no "\r", U+2028, U+2029, U+0085
#   fix_surrogates            no U+D800..U+DFFF
#   remove_terminal_escapes   no ESC
#   remove_control_chars      no character of ftfy's CONTROL_CHARS table
#   normalization             unicodedata.is_normalized(form, segment)
#
# `_Prefilter` collects, from ftfy's own tables, the characters the enabled fixers change.
# The ASCII ones (controls, "&") are found with bytes.translate, which runs at memory
# speed, the others with one character-class regex. BADNESS_RE, ftfy's mojibake
# heuristic, is its slowest part (~2 MB/s); every one of its matches contains one of a
# set of trigger characters (accented letters, "£", box drawing, ...; not ’ “ ” – …) and
# is at most 7 characters long, both read off the parsed regex at import (see
# `_badness_triggers`), so it is only searched in small windows around triggers.
# Lines that pass are copied; the others go through `_fix_segment`, ftfy.fix_and_explain's
# rounds run with ftfy's own fixers but skipping each fixer that cannot change the line
# (same conditions) and the final round that only confirms the fix. fix_text's one piece
# of state across segments is kept: unescape_html="auto" is off for the rest of the text
# from the first segment with "<".
#
# The whole text is tried first, at once. That is sound because (a) the character checks
# and HTML_ENTITY_RE (which cannot span "\n") are local, so none in the text means none
# in any line; (b) BADNESS_RE has no lookaround and one anchor, "^", compiled here with
# re.MULTILINE so it also matches at every line start: a match in a line is a match in
# the text; (c) normalization acts independently on either side of "\n" (a starter that
# composes with nothing), so a normalized text has normalized lines. (a)-(c) assume whole
# lines, so texts longer than max_decode_length skip the whole-text test.
# tests/test_encoding.py checks repair(x) == ftfy.fix_text(x, config=CONFIG) with
# hypothesis on adversarial alphabets, on every shared corpus and on generated mojibake.

_BADNESS_ANY_LINE_RE = re.compile(BADNESS_RE.pattern, BADNESS_RE.flags | re.MULTILINE)


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


# Punctuation that clean edited news is full of; the trigger set avoids it where it can.
# (Accented letters, "£" and "€" cannot be avoided: some alternatives need them.)
_COMMON_IN_NEWS = frozenset(map(ord, "’‘“”„‚–—…«»‹›\u00a0°·"))


def _mandatory_sets(items: list, cost: Callable[[frozenset[int]], tuple[int, int]]) -> list[frozenset[int]]:  # type: ignore[type-arg]
    """For a parsed regex sequence, the character sets of its mandatory items made only of
    non-ASCII characters: every match contains a character of each set. (An alternation
    contributes the union of one set per alternative, chosen by ``cost``.)"""
    from re import _constants as c  # the parsed-regex opcodes (CPython 3.11+)

    sets: list[frozenset[int]] = []
    for op, av in items:
        if op is c.LITERAL and av >= 0x80:
            sets.append(frozenset({av}))
        elif op is c.IN:
            chars: set[int] = set()
            for kind, val in av:
                if kind is c.LITERAL and val >= 0x80:
                    chars.add(val)
                elif kind is c.RANGE and val[0] >= 0x80:
                    chars.update(range(val[0], val[1] + 1))
                else:
                    break  # an ASCII character, a category or a negation: not all non-ASCII
            else:
                sets.append(frozenset(chars))
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT) and av[0] >= 1:
            sets.extend(_mandatory_sets(list(av[2]), cost))
        elif op is c.SUBPATTERN:
            sets.extend(_mandatory_sets(list(av[-1]), cost))
        elif op is c.BRANCH:
            chosen = [min(_mandatory_sets(list(alt), cost), key=cost, default=None) for alt in av[1]]
            if all(s is not None for s in chosen):
                sets.append(frozenset().union(*chosen))  # type: ignore[arg-type]
    return sets


def _looks_outside(items: list) -> bool:  # type: ignore[type-arg]
    """True if the parsed regex has lookarounds, word boundaries, "$" or backreferences:
    constructs whose result depends on text outside a window (only "^" is allowed, and
    search(text, pos) matches it at real line starts only)."""
    from re import _constants as c

    for op, av in items:
        if op in (c.ASSERT, c.ASSERT_NOT, c.GROUPREF, c.GROUPREF_EXISTS):
            return True
        if op is c.AT and av not in (c.AT_BEGINNING, c.AT_BEGINNING_LINE, c.AT_BEGINNING_STRING):
            return True
        if op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT) and _looks_outside(list(av[2])):
            return True
        if op in (c.SUBPATTERN, c.ATOMIC_GROUP) and _looks_outside(list(av[-1] if op is c.SUBPATTERN else av)):
            return True
        if op is c.BRANCH and any(_looks_outside(list(alt)) for alt in av[1]):
            return True
    return False


def _trigger_cost(chars: frozenset[int]) -> tuple[int, int]:
    return len(chars & _COMMON_IN_NEWS), len(chars)


def _badness_triggers(pattern: re.Pattern[str] = BADNESS_RE) -> tuple[frozenset[int], int] | None:
    """Characters at least one of which is in every match of ftfy's mojibake regex, and
    the longest match: ``(triggers, width)``.

    Each alternative of the regex has some item that must match and holds only non-ASCII
    characters; one such item is picked per alternative, preferring items without the
    typographic characters of clean news (’ “ ” – …), so that a line of clean edited copy
    usually has no trigger at all. None (search every line in full) if that cannot be
    shown, e.g. after a change in ftfy or under IGNORECASE, where non-ASCII pattern
    characters match ASCII ones.
    """
    try:
        from re import _parser

        if pattern.flags & re.IGNORECASE:
            return None
        parsed = _parser.parse(pattern.pattern, pattern.flags)
        if _looks_outside(list(parsed)):
            return None
        _low, width = parsed.getwidth()
        top = _mandatory_sets(list(parsed), _trigger_cost)
        if not top:
            return None
        taken = min(top, key=_trigger_cost)
        return (taken, width) if width < 100 else None
    except Exception:  # a private module of a future Python: fall back, never guess
        return None


_TRIGGERS = _badness_triggers()


def _cluster_pattern(triggers: frozenset[int], width: int) -> re.Pattern[str]:
    # Runs of trigger characters less than `width` apart, found in one C-level scan.
    cls = _char_class(set(triggers))
    return re.compile(f"{cls}(?:[^{cls[1:-1]}]{{0,{width - 1}}}{cls})*")


_TRIGGER_CLUSTER_RE = _cluster_pattern(*_TRIGGERS) if _TRIGGERS else None


def _badness_search(text: str, badness_re: re.Pattern[str]) -> bool:
    """``badness_re.search(text)`` is truthy, searching only around trigger characters.

    A match holds a trigger at some i and spans at most `width` characters, so it lies in
    [i - width + 1, i + width); a cluster's window covers that for each of its triggers.
    search(text, pos, endpos) keeps "^" from matching at pos (only at real line starts).
    """
    if _TRIGGER_CLUSTER_RE is None or _TRIGGERS is None:
        return bool(badness_re.search(text))
    width = _TRIGGERS[1]
    for cluster in _TRIGGER_CLUSTER_RE.finditer(text):
        start = max(0, cluster.start() - width + 1)
        if badness_re.search(text, start, cluster.end() + width - 1):
            return True
    return False


@dataclass(frozen=True)
class _Prefilter:
    """What can make ftfy change a segment under one config (see the comment above)."""

    keep_bytes: bytes  # ASCII bytes no enabled fixer changes, and all bytes >= 0x80
    entities: bool  # unescape_html is on: "&" needs a look with HTML_ENTITY_RE
    non_ascii: re.Pattern[str] | None  # non-ASCII characters an enabled fixer changes
    badness: bool  # fix_encoding is on
    normalization: str | None

    @classmethod
    def for_config(cls, config: ftfy.TextFixerConfig) -> _Prefilter:
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
        if self.badness and _badness_search(text, badness_re):
            return False
        return self.normalization is None or unicodedata.is_normalized(self.normalization, text)


_PREFILTERS: dict[ftfy.TextFixerConfig, _Prefilter] = {}


def _prefilter(config: ftfy.TextFixerConfig) -> _Prefilter:
    found = _PREFILTERS.get(config)
    if found is None:
        found = _PREFILTERS[config] = _Prefilter.for_config(config)
    return found


def _segments(text: str, max_length: int):
    """Yield fix_text's segments: each line with its "\\n", cut at max_length characters."""
    pos = 0
    n = len(text)
    while pos < n:
        end = text.find("\n", pos) + 1 or n
        if end - pos > max_length:
            end = pos + max_length
        yield text[pos:end]
        pos = end


# fix_and_explain for one segment, mirrored from ftfy 6.3 so that each fixer runs only
# when it can change the text and the mojibake heuristic is searched near non-ASCII
# characters only (ftfy searches every line in full three or four times per repair).
# It calls ftfy's own fixers and its one-step encoding fix, so only the control flow is
# copied; for any other ftfy version `_fix_segment` defers to ftfy.fix_and_explain.
_MIRRORS_FTFY = ftfy.__version__.startswith("6.3.")
_FIXER_ORDER = (
    "fix_c1_controls",
    "fix_latin_ligatures",
    "fix_character_width",
    "uncurl_quotes",
    "fix_line_breaks",
    "fix_surrogates",
    "remove_terminal_escapes",
    "remove_control_chars",
)
_LINE_BREAK_RE = re.compile("[\r\x85\u2028\u2029]")
# For each fixer, a search that finds something whenever the fixer could change the text.
_COULD_CHANGE: dict[str, re.Pattern[str]] = {
    "fix_c1_controls": chardata.C1_CONTROL_RE,
    "fix_latin_ligatures": re.compile(_char_class(set(chardata.LIGATURES))),
    "fix_character_width": re.compile(_char_class(set(chardata.WIDTH_MAP))),
    "uncurl_quotes": re.compile(f"{chardata.SINGLE_QUOTE_RE.pattern}|{chardata.DOUBLE_QUOTE_RE.pattern}"),
    "fix_line_breaks": _LINE_BREAK_RE,
    "fix_surrogates": re.compile("[\ud800-\udfff]"),
    "remove_terminal_escapes": re.compile("\x1b"),
    "remove_control_chars": re.compile(_char_class(set(chardata.CONTROL_CHARS))),
}


def _fix_encoding(text: str, config: ftfy.TextFixerConfig, steps: list[ftfy.ExplanationStep] | None) -> str:
    # ftfy.fix_and_explain calls fix_encoding(text) (ftfy's default config) when it does
    # not explain, and fix_encoding_and_explain(text, config) when it does.
    enc_config = config if steps is not None else ftfy.TextFixerConfig(explain=False)
    if not enc_config.fix_encoding:
        return text
    while True:
        # The one-step fix returns ASCII and text without mojibake unchanged, which ends
        # ftfy's loop; decide that here, quickly, before calling it.
        if not text or text.isascii() or not _badness_search(text, BADNESS_RE):
            return text
        fixed, plan = ftfy._fix_encoding_one_step_and_explain(text, enc_config)
        if steps is not None and plan:
            steps.extend(plan)
        if fixed == text:
            return text
        text = fixed


def _fix_segment(text: str, config: ftfy.TextFixerConfig, steps: list[ftfy.ExplanationStep] | None) -> str:
    """``ftfy.fix_and_explain(text, config)`` for one segment, appending its explanation."""
    if config.unescape_html == "auto" and "<" in text:
        config = config._replace(unescape_html=False)
    prefilter = _prefilter(config)
    if prefilter.unchanged(text, BADNESS_RE):
        return text
    if not _MIRRORS_FTFY:
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
        for name in _FIXER_ORDER:
            if getattr(config, name) and _COULD_CHANGE[name].search(text):
                text = _apply(name, ftfy.FIXERS[name], text, steps)
        if config.normalization is not None and not unicodedata.is_normalized(config.normalization, text):
            text = unicodedata.normalize(config.normalization, text)
            if steps is not None:
                steps.append(ftfy.ExplanationStep("normalize", config.normalization))
        # The second test spares ftfy's last round, the one that only confirms the fix.
        if text == original or prefilter.unchanged(text, BADNESS_RE):
            return text


def _apply(name: str, fixer: Callable[[str], str], text: str, steps: list[ftfy.ExplanationStep] | None) -> str:
    fixed = fixer(text)
    if steps is not None and fixed != text:
        steps.append(ftfy.ExplanationStep("apply", name))
    return fixed


def _repair(text: str, config: ftfy.TextFixerConfig, steps: list[ftfy.ExplanationStep] | None) -> str:
    if len(text) <= config.max_decode_length and _prefilter(config).unchanged(text, _BADNESS_ANY_LINE_RE):
        return text
    out = []
    for segment in _segments(text, config.max_decode_length):
        if config.unescape_html == "auto" and "<" in segment:
            # Same switch as ftfy.fix_text: from the first line with "<" on, the text is
            # treated as HTML and entities are kept.
            config = config._replace(unescape_html=False)
        out.append(_fix_segment(segment, config, steps))
    return "".join(out)


def repair_with(text: str, config: ftfy.TextFixerConfig) -> str:
    """``ftfy.fix_text(text, config=config)``, skipping lines it provably leaves unchanged.

    >>> repair_with("caf&#233; \\u00e2\\u20ac\\u201d ok", CONFIG)
    'café — ok'
    """
    return _repair(text, config, None)


def repair(text: str) -> str:
    """Repair text under ``CONFIG``; always equal to ``ftfy.fix_text(text, config=CONFIG)``.

    >>> repair("The BBC\\u00e2\\u20ac\\u2122s report costs \\u00c2\\u00a35")
    'The BBC’s report costs £5'
    """
    return _repair(text, CONFIG, None)


def _step_name(step: ftfy.ExplanationStep) -> str:
    action, parameter = step
    if action in ("encode", "decode", "normalize"):
        return f"{action}:{parameter}"
    return parameter  # "apply"/"transcode": the fixer's name


def repair_and_explain(text: str) -> tuple[str, list[str]]:
    """``repair(text)`` plus the names of the steps it applied, in first-use order.

    >>> repair_and_explain("caf&#233;\\r\\n")
    ('café\\n', ['unescape_html', 'fix_line_breaks'])
    """
    explanation: list[ftfy.ExplanationStep] = []
    fixed = _repair(text, CONFIG._replace(explain=True), explanation)
    return fixed, list(dict.fromkeys(_step_name(step) for step in explanation))


# ---------------------------------------------------------------------------------------
# Lost-ampersand entities (opt-in, per source)
# ---------------------------------------------------------------------------------------

LOST_ENTITIES_STEP = "lost-entities"

# Only the entities seen without their "&" in AG News, all punctuation or currency: a
# literal "#39;" or "quot;" is implausible in news prose, whereas "#1;" could be anything.
_LOST_NUMERIC = (
    "39",
    "36",
    "38",
    "038",
    "34",
    "133",
    "145",
    "146",
    "147",
    "148",
    "150",
    "151",
    "160",
    "8211",
    "8212",
    "8216",
    "8217",
    "8220",
    "8221",
)
_LOST_NAMED = ("quot", "amp", "lt", "gt")
# AG News replaced the "&" with a space ("Oracle #39;s", "the  #36;10 million"): consume
# that one space after a word character, otherwise accept the entity after anything but
# "&" (a real entity, left to repair) or a word character ("camp;" is not "c&amp;").
_LOST_ENTITY_RE = re.compile(
    r"(?:(?<=\w) |(?<![&\w#]) ?)"
    r"(?:#(" + "|".join(sorted(_LOST_NUMERIC, key=len, reverse=True)) + r")|(" + "|".join(_LOST_NAMED) + r"));"
)


def _lost_entity(match: re.Match[str]) -> str:
    number, name = match.groups()
    # html.unescape maps &#151; to "—" the way HTML5 does (cp1252 meaning of 0x80-0x9F).
    return html.unescape(f"&#{number};" if number else f"&{name};")


def fix_lost_entities(text: str) -> str:
    """Restore entities that lost their "&" ("Oracle #39;s" -> "Oracle's"). Opt-in.

    Apply only to sources known to have lost ampersands (AG News): in other text a
    "#39;" could be literal. Only the punctuation and currency entities listed in
    ``_LOST_NUMERIC``/``_LOST_NAMED`` are restored, and the space that stood in for the
    "&" is dropped.

    >>> fix_lost_entities("Oracle #39;s chief, the  #36;10 million prize #151; and more")
    "Oracle's chief, the $10 million prize— and more"
    """
    return _LOST_ENTITY_RE.sub(_lost_entity, text)
