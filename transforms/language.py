"""Language of an article body, from the model shipped inside ``py3langid``.

The model file is part of the installed package, so nothing is downloaded. Loading it
takes about a second, so it is loaded once per process, on first use: the flow calls
``detect_language`` once per article in worker processes. Its feature table is held as
float32 rather than the file's float16: py3langid's scoring multiplies it by a float32
vector, which makes numpy convert the selected rows on every call; converted once at
load (exact, float16 to float32 loses nothing), the scores are bit-for-bit the same and
scoring is about twice as fast, for about 28 MB more per process.
"""

from __future__ import annotations

import re
import threading
from itertools import islice
from typing import Any

import numpy as np

# Shorter texts give guesses, not answers ("Hello" comes out as Breton).
MIN_LETTERS = 20
# Language is settled long before this; the model's cost grows with the text, and
# detection was three quarters of the per-article work on BBC articles with 10,000.
# On the BBC and FakeNewsCorpus samples, 1,000 characters give the same answer.
MAX_CHARS = 1_000

# py3langid labels that are not ISO 639-1 codes, mapped to the 639-1 code of the
# macrolanguage they belong to. Labels with no 639-1 code (Acehnese, Kabyle, ...) give
# no answer rather than a code that is not ISO 639-1.
_TO_ISO639_1: dict[str, str] = {
    "ary": "ar",  # Moroccan Arabic
    "arz": "ar",  # Egyptian Arabic
    "yue": "zh",  # Cantonese
    "wuu": "zh",  # Wu Chinese
    "uzs": "uz",  # Southern Uzbek
    "gug": "gn",  # Paraguayan Guarani
    "fuv": "ff",  # Nigerian Fulfulde
    "kik": "ki",  # Kikuyu
    "sdh": "ku",  # Southern Kurdish
    "hbo": "he",  # Ancient Hebrew: in news, Hebrew
}

_URL_OR_EMAIL = re.compile(r"\S+@\S+|\bhttps?://\S+|\bwww\.\S+")
_identifier: Any = None
_lock = threading.Lock()


def _get_identifier() -> Any:
    """Load the model once per process (lazily, so importing this module stays cheap)."""
    global _identifier
    if _identifier is None:
        with _lock:
            if _identifier is None:
                # Imported here: loading py3langid is part of the model's cost, paid on first use.
                from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier
                from py3langid.modelio import load_model

                # What LanguageIdentifier.from_model_file does, with the table as float32.
                ptc, pc, classes, nextmove, row, output = load_model(MODEL_DIR / MODEL_FILE)
                _identifier = LanguageIdentifier(
                    np.asarray(ptc, dtype=np.float32), np.asarray(pc), classes, nextmove, output,
                    # norm_probs turns the naive-Bayes scores into probabilities in [0, 1].
                    norm_probs=True, tk_row=row,
                )
    return _identifier


def detect_language(text: str) -> tuple[str | None, float | None]:
    """Return the ISO 639-1 code of ``text`` and a confidence in [0, 1].

    ``(None, None)`` for empty or too short text and for languages without a 639-1 code.

    >>> detect_language("Le gouvernement a annoncé mardi une nouvelle réforme des retraites.")[0]
    'fr'
    """
    if not text:
        return None, None
    # Addresses are not language, and their letters would count toward the minimum.
    # Each alternative needs "@", "http" or "www.", so without them the text has none.
    sample = text[:MAX_CHARS]
    if "@" in sample or "http" in sample or "www." in sample:
        sample = _URL_OR_EMAIL.sub(" ", sample)
    # Enough letters: stop counting at the MIN_LETTERS-th.
    if next(islice(filter(str.isalpha, sample), MIN_LETTERS - 1, None), None) is None:
        return None, None
    label, score = _get_identifier().classify(sample)
    code = _TO_ISO639_1.get(label, label)
    if len(code) != 2:
        return None, None
    return code, round(min(max(float(score), 0.0), 1.0), 4)
