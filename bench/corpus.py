"""Deterministic benchmark corpora built from the BBC articles in ``../shared/corpora/bbc``.

``build_corpus(target_bytes, mojibake_share, seed)`` samples BBC articles (with
replacement, seeded) until the corpus holds ``target_bytes`` of UTF-8, and turns a share
of them into mojibake the way it happens in the wild: the article, typeset with curly
quotes and dashes as edited copy has them (``tests.corruptions.typeset``), is encoded as
UTF-8 and read back as cp1252 (most), as Latin-1 (C1 controls), or as cp1252 twice.
"""

from __future__ import annotations

import random
from functools import cache
from pathlib import Path

from tests.corruptions import typeset
from transforms.decoding import decode

BBC = Path(__file__).resolve().parents[1] / ".." / "shared" / "corpora" / "bbc"

# How a mojibake article was mis-decoded, with weights: (codec, times).
_MOJIBAKE = [(("sloppy-windows-1252", 1), 7), (("latin-1", 1), 2), (("sloppy-windows-1252", 2), 1)]


@cache
def bbc_texts(root: Path = BBC) -> tuple[str, ...]:
    """Every BBC article, decoded, in sorted path order."""
    paths = sorted(root.resolve().glob("*/*.txt"))
    if not paths:
        raise FileNotFoundError(f"no BBC articles under {root.resolve()} (needs ../shared/corpora)")
    return tuple(decode(p.read_bytes()).text for p in paths)


def mojibake(text: str, rng: random.Random) -> str:
    """The article typeset, then mis-decoded once or twice (see the module docstring)."""
    ((codec, times),) = rng.choices([m for m, _ in _MOJIBAKE], weights=[w for _, w in _MOJIBAKE])
    text = typeset(text)
    for _ in range(times):
        text = text.encode("utf-8").decode(codec)
    return text


def build_corpus(target_bytes: int, mojibake_share: float, seed: int, *, root: Path = BBC) -> list[str]:
    """BBC articles totalling at least ``target_bytes`` of UTF-8, ``mojibake_share`` of
    them (by count, rounded) turned into mojibake. Same arguments, same corpus.

    >>> len(build_corpus(50_000, 0.1, seed=0)) > 0
    True
    """
    rng = random.Random(seed)
    texts = bbc_texts(root)
    corpus: list[str] = []
    total = 0
    while total < target_bytes:
        text = rng.choice(texts)
        corpus.append(text)
        total += len(text.encode("utf-8"))
    for i in rng.sample(range(len(corpus)), round(mojibake_share * len(corpus))):
        corpus[i] = mojibake(corpus[i], rng)
    return corpus
