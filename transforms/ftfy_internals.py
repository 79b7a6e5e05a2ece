"""What the repair fast path needs beyond ftfy's and ``re``'s public APIs, version-gated.

This module is the one place that depends on undocumented internals; everything else in
the repair code (``transforms.repair``, ``transforms.repair_fast``) uses ftfy's public API
(``ftfy.fix_and_explain``, ``ftfy.fix_encoding_and_explain``, ``ftfy.FIXERS``,
``ftfy.fixes``, ``ftfy.chardata``, ``ftfy.badness.BADNESS_RE``). Three things, each with
a gate and a fallback that keeps ``repair(x) == ftfy.fix_text(x, config=CONFIG)``:

- **ftfy's control flow** (``MIRRORS_FTFY``, ``FIXER_ORDER``). The fast path runs
  ``ftfy.fix_and_explain``'s rounds itself, skipping the fixers that cannot change a
  line; that copies the order and the rules of ftfy 6.3's ``fix_and_explain`` (the fixer
  list, ``unescape_html`` then the encoding fix then the fixers then normalization, and
  that without explanations it fixes the encoding under ftfy's *default* config). These
  are not private names but private behaviour, so they hold for the version they were
  read from only: ``MIRRORS_FTFY`` is true for ftfy 6.3.x, and for any other version the
  fast path calls ``ftfy.fix_and_explain`` on each line that can change instead (still
  fast on clean lines, which the prefilter skips; slower on lines with mojibake).
- **ftfy's one-step encoding fix** (``ftfy._fix_encoding_one_step_and_explain``, behind
  ``ONE_STEP_AVAILABLE``: ftfy 6.3.x and the name present). ``fix_encoding_and_explain``
  runs ftfy's loop over it so the loop can end on the fast path's windowed mojibake test
  instead of one more full search of ftfy's regex; without it, ftfy's public
  ``fix_encoding_and_explain`` runs (same output; ``python -m bench.encoding`` measured
  the repair of the 10%-mojibake corpus at about half the speed that way).
- **The parsed form of a regex** (``re._parser``, ``re._constants``, CPython 3.11+).
  ``required_sets`` reads off ftfy's mojibake regex (``BADNESS_RE``) a set of characters
  every match must contain, and the longest match, so the fast path searches that slow
  regex only near those characters. On another Python (3.10's ``sre_parse``), after a
  change in the parser's shape, or for a regex it cannot prove things about, it returns
  None and the fast path searches every line with the whole regex (same output, slower).
  ``tests/test_repair_fast.py`` checks that the analysis succeeds on the installed ftfy.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable

import ftfy

__all__ = ["FIXER_ORDER", "MIRRORS_FTFY", "ONE_STEP_AVAILABLE", "fix_encoding_and_explain", "required_sets"]

# The fast path mirrors ftfy.fix_and_explain's rounds for these versions only.
MIRRORS_FTFY = ftfy.__version__.startswith("6.3.")

# The fixers ftfy 6.3's fix_and_explain runs, in its order, after unescape_html and the
# encoding fix (its list is a literal inside the function: there is no public name for it).
FIXER_ORDER = (
    "fix_c1_controls",
    "fix_latin_ligatures",
    "fix_character_width",
    "uncurl_quotes",
    "fix_line_breaks",
    "fix_surrogates",
    "remove_terminal_escapes",
    "remove_control_chars",
)


# ftfy 6.3's private one-step encoding fix, used only when the rounds are mirrored too.
ONE_STEP_AVAILABLE = MIRRORS_FTFY and hasattr(ftfy, "_fix_encoding_one_step_and_explain")


def fix_encoding_and_explain(
    text: str, config: ftfy.TextFixerConfig, looks_bad: Callable[[str], bool]
) -> tuple[str, list[ftfy.ExplanationStep]]:
    """``ftfy.fix_encoding_and_explain(text, config)`` for text that ``looks_bad``.

    ftfy's function repeats its private one-step fix until a step changes nothing, and
    each step starts with a full search of its mojibake regex, so the step that only
    confirms the fix searches the whole line once more. With the one-step fix at hand
    (``ONE_STEP_AVAILABLE``) the loop runs here and ends as soon as ``looks_bad``, which
    must answer as ftfy's own test does, is false; otherwise ftfy's public function runs.

    >>> fix_encoding_and_explain("s\u00c3\u00b3", ftfy.TextFixerConfig(), ftfy.badness.is_bad)
    ('só', [('encode', 'latin-1'), ('decode', 'utf-8')])
    """
    if not ONE_STEP_AVAILABLE:
        fixed, plan = ftfy.fix_encoding_and_explain(text, config)
        return fixed, plan or []
    plan_so_far: list[ftfy.ExplanationStep] = []
    while True:
        fixed, plan = ftfy._fix_encoding_one_step_and_explain(text, config)
        if plan:
            plan_so_far.extend(plan)
        if fixed == text or not looks_bad(fixed):
            return fixed, plan_so_far
        text = fixed


# re._parser and re._constants are the names of sre_parse/sre_constants since CPython 3.11.
_PARSER_AVAILABLE = sys.version_info >= (3, 11)

CharSets = list[frozenset[int]]
Cost = Callable[[frozenset[int]], tuple[int, int]]


def required_sets(pattern: re.Pattern[str], cost: Cost) -> tuple[CharSets, int] | None:
    """The character sets of a regex's mandatory all-non-ASCII items, and its longest match.

    Every match of ``pattern`` contains a character of each returned set. An alternation
    contributes the union of one set per alternative, the one with the lowest ``cost``.
    None when that cannot be shown: an older Python, a parser whose shape changed,
    lookarounds, word boundaries, "$" or backreferences (constructs whose result depends
    on text outside a window; "^" is allowed, since ``search(text, pos)`` matches it at
    real line starts only).

    >>> sets, width = required_sets(re.compile("é|[àá]b"), lambda s: (0, len(s)))
    >>> sorted(map(chr, sets[0])), width
    (['à', 'á', 'é'], 2)
    """
    if not _PARSER_AVAILABLE:
        return None
    try:
        from re import _parser  # private: only imported where the gate above allows it

        parsed = _parser.parse(pattern.pattern, pattern.flags)
        if _looks_outside(list(parsed)):
            return None
        _low, width = parsed.getwidth()
        return _mandatory_sets(list(parsed), cost), width
    except Exception:  # the parser of a future Python changed shape: fall back, never guess
        return None


def _mandatory_sets(items: list, cost: Cost) -> CharSets:  # type: ignore[type-arg]
    from re import _constants as c  # private: the parsed-regex opcodes (see module docstring)

    sets: CharSets = []
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
    from re import _constants as c  # private: the parsed-regex opcodes (see module docstring)

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
