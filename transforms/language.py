"""Language of an article body, from CLD2 (``pycld2``), whose tables are compiled into the wheel.

Nothing is downloaded and nothing is loaded at run time: the model is part of the
extension module, so the first call costs what every other call costs (about 90 us on a
BBC article, against about 380 us for py3langid, which also took about a second per
process to load). On the shared corpora it gives the labels py3langid gave on 99.5% or
more of the articles of each (``tests/test_language.py`` checks it, ``bench.language``
lists the differences).

``identify`` returns what the detector said (``raw``, ``score``) and what is kept
(``code``), with the ``reason`` when nothing is kept:

- ``too_short``: empty, fewer than ``MIN_LETTERS`` letters, or fewer than ``MIN_WORDS``
  words of two letters or more (unless one run of letters is ``MIN_LETTERS`` long:
  Chinese, Japanese and Thai write no spaces), once addresses are removed. Short texts
  give guesses, not answers: a short table of figures came out as Nigerian Pidgin.
- ``low_score``: the top language covers less than ``MIN_SCORE`` of the text.
- ``unknown``: CLD2 found no language (``un``) or the text holds nothing it can read.
- ``not_iso639_1``: a language without an ISO 639-1 code (Cebuano, Hawaiian, ...).

The score is the share of the text's letters CLD2 gives to the top language, in [0, 1].
"""

from __future__ import annotations

import re
from itertools import islice
from typing import NamedTuple

import pycld2

# Shorter texts give guesses, not answers ("Hello" comes out as Breton, a table of
# scores as Nigerian Pidgin).
MIN_LETTERS = 20
MIN_WORDS = 5
# Below this share of the text, the top label is one of several languages or a guess.
MIN_SCORE = 0.5
# Language is settled long before this; the model's cost grows with the text. On the
# BBC and FakeNewsCorpus samples, 1,000 characters give the same answer as the whole text.
MAX_CHARS = 1_000

# CLD2 labels that are not (current) ISO 639-1 codes, mapped to the 639-1 code.
_TO_ISO639_1: dict[str, str] = {
    "iw": "he",  # Hebrew (the withdrawn code CLD2 still uses)
    "jw": "jv",  # Javanese
    "in": "id",  # Indonesian
    "zh-Hant": "zh",  # Chinese, traditional script
    "sr-ME": "sr",  # Montenegrin, written as Serbian
}

_URL_OR_EMAIL = re.compile(r"\S+@\S+|\bhttps?://\S+|\bwww\.\S+")
# What CLD2 refuses as "invalid UTF-8": control characters, surrogates, noncharacters.
_REFUSED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff"
                      "\U0001fffe\U0001ffff\U0002fffe\U0002ffff\U000efffe-\U0010ffff]")


class Language(NamedTuple):
    """What the detector said about a text, and what is kept of it."""

    code: str | None  # ISO 639-1 code kept for the article; None when ``reason`` says why
    score: float | None  # the detector's confidence in ``raw``, 0..1
    raw: str | None  # the detector's own label (CLD2 code), kept or not
    reason: str | None  # why ``code`` is None: too_short, low_score, unknown, not_iso639_1


_TOO_SHORT = Language(None, None, None, "too_short")


def _classify(sample: str) -> tuple[bool, str, float]:
    """CLD2's reliability flag, top label and its share of the text."""
    try:
        reliable, _, details = pycld2.detect(sample.encode("utf-8"), returnVectors=False)
    except pycld2.error:
        try:
            reliable, _, details = pycld2.detect(_REFUSED.sub(" ", sample).encode("utf-8"), returnVectors=False)
        except (pycld2.error, UnicodeEncodeError):
            return False, "un", 0.0
    except UnicodeEncodeError:  # lone surrogates
        return _classify(_REFUSED.sub(" ", sample))
    _, label, percent, _ = details[0]
    return bool(reliable), label, percent / 100


def _is_word(token: str) -> bool:
    """Two letters or more."""
    if token.isalpha():  # most words: all letters
        return len(token) > 1
    return next(islice(filter(str.isalpha, token), 1, None), None) is not None


# Words split off the sample's start before the whole sample is split: enough, almost always.
_HEAD_WORDS = 24


def _first_words(sample: str) -> list[str]:
    """The first ``MIN_WORDS`` words of two letters or more of ``sample`` (fewer when it
    has fewer): ``list(islice(filter(_is_word, sample.split()), MIN_WORDS))``, splitting
    only the start of the sample when that holds them.

    >>> _first_words("a bb c dd ee ff gg hh"), _first_words("x y")
    (['bb', 'dd', 'ee', 'ff', 'gg'], [])
    """
    parts = sample.split(None, _HEAD_WORDS)  # the first _HEAD_WORDS words, then the rest unsplit
    if len(parts) <= _HEAD_WORDS:
        return list(islice(filter(_is_word, parts), MIN_WORDS))
    words = list(islice(filter(_is_word, parts[:_HEAD_WORDS]), MIN_WORDS))
    return words if len(words) == MIN_WORDS else list(islice(filter(_is_word, sample.split()), MIN_WORDS))


def identify(text: str) -> Language:
    """The language of ``text``: the detector's label and score, and the code kept.

    >>> identify("Le gouvernement a annoncé mardi une nouvelle réforme des retraites.")
    Language(code='fr', score=0.98, raw='fr', reason=None)
    >>> identify("Arsenal 12 8 2 2 26 Chelsea 12 7 3 2 24 Liverpool 12 6 4 2 22")
    Language(code=None, score=None, raw=None, reason='too_short')
    """
    if not text:
        return _TOO_SHORT
    # Addresses are not language, and their letters would count toward the minimum.
    # Each alternative needs "@", "http" or "www.", so without them the text has none.
    sample = text[:MAX_CHARS]
    if "@" in sample or "http" in sample or "www." in sample:
        sample = _URL_OR_EMAIL.sub(" ", sample)
    # Enough letters (the count stops at the minimum) and enough words.
    if next(islice(filter(str.isalpha, sample), MIN_LETTERS - 1, None), None) is None:
        return _TOO_SHORT
    words = _first_words(sample)
    if len(words) < MIN_WORDS and max(map(len, words), default=0) < MIN_LETTERS:
        return _TOO_SHORT
    # CLD2's own reliability flag is left aside: it is False on 10 of the 10,006 texts
    # where py3langid was sure (English news with Japanese or Malay names, shares of
    # 0.51 to 0.79), and the share of the text is the confidence that is kept.
    _, raw, score = _classify(sample)
    if raw in ("un", "xxx") or raw.startswith("xx-"):
        return Language(None, None, None, "unknown")
    if score < MIN_SCORE:
        return Language(None, score, raw, "low_score")
    code = _TO_ISO639_1.get(raw, raw)
    if len(code) != 2:
        return Language(None, score, raw, "not_iso639_1")
    return Language(code, score, raw, None)


def detect_language(text: str) -> tuple[str | None, float | None]:
    """Return the ISO 639-1 code of ``text`` and the detector's confidence in [0, 1].

    ``(None, None)`` when no code is kept (``identify`` says why).

    >>> detect_language("Le gouvernement a annoncé mardi une nouvelle réforme des retraites.")[0]
    'fr'
    """
    found = identify(text)
    return (found.code, found.score) if found.code else (None, None)
