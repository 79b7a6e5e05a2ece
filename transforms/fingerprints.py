"""Fingerprints of an article's text: a content hash and a MinHash signature with LSH bands.

Exact duplicates share a content hash; near-duplicates (syndicated wire copy, lightly
edited updates) share most of their word shingles, which MinHash estimates cheaply. The
signature is cut into bands; two articles become candidates when any band hashes the same,
and ``flows.consolidate`` joins the bands in DuckDB, so no corpus is ever held in Python.
``fingerprint`` is the last step of cleaning an article: the shard only writes its row.

Everything here is deterministic (fixed seed, xxhash): the same text gives the same
signature on every machine and in every run, which is what lets signatures of earlier
runs be compared with new ones.
"""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from typing import NamedTuple

import numpy as np
import xxhash

from transforms.paragraphs import WORD, comparison_of, comparison_text, comparison_tokens, comparison_word_bytes
from transforms.records import Paragraph, Signature

# Words are runs of letters and digits; punctuation does not change a story's identity
# (``paragraphs.WORD``; ``paragraphs.comparison_tokens`` finds the same words faster).
_WORD = WORD
# 2**32 - 1: MinHash values are 32-bit; the empty signature is all max values.
_MAX_HASH = np.uint64(0xFFFFFFFF)
# Odd 64-bit multipliers, one per word slot of a shingle (fixed: signatures must agree
# across runs), so that "a b" and "b a" hash differently.
_SLOT_MULTIPLIERS = np.random.default_rng(5).integers(1, 2**62, size=64, dtype=np.uint64) * np.uint64(2) + np.uint64(1)


class MinHashConfig(NamedTuple):
    """How articles are fingerprinted for near-duplicate search. Stored signatures are
    only comparable under one config: changing it means recomputing every signature.

    - ``num_perm``: signature length. 128 gives a Jaccard estimate with a standard error
      of about 0.035 at 0.8, enough to verify candidate pairs against the threshold.
    - ``bands``: LSH bands (``num_perm / bands`` rows each). 16 bands of 8 rows make a
      pair at Jaccard 0.8 a candidate with probability 0.95 and one at 0.5 with only
      0.06, so the band join stays small and verification removes the rest.
    - ``shingle_words``: words per shingle. 5 is the usual choice for news text:
      short enough that a lightly edited update shares most shingles, long enough that
      two stories on one topic do not.
    - ``seed``: seeds the permutations; fixed so that runs and machines agree.
    """

    num_perm: int = 128
    bands: int = 16
    shingle_words: int = 5
    seed: int = 20041  # any fixed number; this one is the lake's since its first run

    @property
    def rows(self) -> int:
        return self.num_perm // self.bands


DEFAULT_MINHASH = MinHashConfig()


def content_key(paragraph_keys: list[str]) -> str:
    """Hash of a body given by its paragraphs' comparison keys, in order: the content hash.

    It is the MD5 hex digest of the keys joined by newlines, chosen because DuckDB's
    ``md5(string_agg(key, chr(10) ORDER BY position))`` computes the very same value,
    so consolidate can recompute it in SQL when boilerplate takes paragraphs out.

    >>> content_key(["a1", "b2"]) == content_key(["a1", "b2"]) != content_key(["b2", "a1"])
    True
    """
    return hashlib.md5("\n".join(paragraph_keys).encode("utf-8")).hexdigest()


def words(text: str) -> list[str]:
    """The comparison words of ``text``: case-folded, typography unified, no punctuation.

    >>> words("Talks \\u2018ended\\u2019, late!")
    ['talks', 'ended', 'late']
    """
    return _WORD.findall(comparison_text(text))


def paragraph_words(paragraph: Paragraph) -> list[str]:
    """``words(paragraph.text)``, from the comparison text ``paragraphs.cut`` computed.

    The words of a body are its paragraphs' words in order: ``words("\\n\\n".join(texts))``
    equals the concatenation of ``words(text)`` (NFKC never combines across a line break,
    and a word never spans one), which lets ``fingerprint`` take them per paragraph.

    >>> paragraph_words(Paragraph(0, "Talks \\u2018ended\\u2019, late!"))
    ['talks', 'ended', 'late']
    """
    return _WORD.findall(comparison_of(paragraph))


def paragraph_tokens(paragraph: Paragraph) -> list[bytes]:
    """``paragraph_words(paragraph)``, each word as its UTF-8 bytes (``comparison_tokens``).

    >>> paragraph_tokens(Paragraph(0, "Talks \u2018ended\u2019, late!"))
    [b'talks', b'ended', b'late']
    """
    if paragraph.tokens is not None:
        return paragraph.tokens
    if paragraph.word_bytes is not None:
        return paragraph.word_bytes.split()
    return comparison_tokens(comparison_of(paragraph))


def paragraph_word_bytes(paragraph: Paragraph) -> bytes:
    """``paragraph_tokens(paragraph)`` as one string of bytes, apart by white space
    (``paragraphs.comparison_word_bytes``): ``paragraph_word_bytes(p).split() == paragraph_tokens(p)``.

    >>> paragraph_word_bytes(Paragraph(0, "Talks \u2018ended\u2019, late!")).split()
    [b'talks', b'ended', b'late']
    """
    if paragraph.word_bytes is not None:
        return paragraph.word_bytes
    if paragraph.tokens is not None:
        return b" ".join(paragraph.tokens)
    return comparison_word_bytes(comparison_of(paragraph))


def shingle_hashes(text: str, size: int = DEFAULT_MINHASH.shingle_words) -> np.ndarray:
    """32-bit hashes of the distinct ``size``-word shingles of ``text`` (uint64 array).

    A text shorter than ``size`` words is one shingle; an empty text has none.

    >>> len(shingle_hashes("one two three four five six", size=5))
    2
    """
    return word_shingle_hashes(words(text), size)


def word_shingle_hashes(tokens: list[str], size: int = DEFAULT_MINHASH.shingle_words) -> np.ndarray:
    """``shingle_hashes`` of a text given by its ``words``."""
    return np.unique(shingle_values(tokens, size))


def shingle_values(tokens: list[str], size: int = DEFAULT_MINHASH.shingle_words) -> np.ndarray:
    """The 32-bit hash of every ``size``-word shingle of ``tokens``, in order, repeats
    included (``word_shingle_hashes`` is the distinct ones; MinHash needs no dedup).

    >>> shingle_values(["a", "b", "a", "b"], size=2).tolist() == shingle_values(["a", "b"] * 2, size=2).tolist()
    True
    """
    # (str.encode is UTF-8, strict: the same bytes as t.encode("utf-8").)
    return token_shingle_values(list(map(str.encode, tokens)), size)


def token_shingle_values(tokens: list[bytes], size: int = DEFAULT_MINHASH.shingle_words) -> np.ndarray:
    """``shingle_values`` of words given as their UTF-8 bytes (``comparison_tokens``)."""
    if not tokens:
        return np.empty(0, dtype=np.uint64)
    # Each word is hashed once; a shingle's hash combines its words' hashes with one
    # fixed odd multiplier per slot, in numpy, instead of hashing every joined window.
    word_hashes = np.fromiter(map(xxhash.xxh64_intdigest, tokens), dtype=np.uint64, count=len(tokens))
    width = min(size, len(tokens))
    count = len(tokens) - width + 1
    # Array arithmetic on unsigned integers wraps around (mod 2**64) without a warning.
    combined = word_hashes[:count] * _SLOT_MULTIPLIERS[0]
    for slot in range(1, width):
        combined += word_hashes[slot : slot + count] * _SLOT_MULTIPLIERS[slot]
    return (combined >> np.uint64(32)) ^ (combined & _MAX_HASH)


# Shingles per block of the (shingles x num_perm) matrix: bounds its size for long texts.
_CHUNK = 4096


@lru_cache(maxsize=4)
def _permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    # Multiply-shift hashing (Dietzfelbinger): h(x) = ((a*x + b) mod 2**64) >> 32 with a
    # odd is a universal family for 32-bit keys, and numpy's uint64 wrap-around is the mod.
    a = rng.integers(1, 2**63, size=num_perm, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
    b = rng.integers(0, 2**63, size=num_perm, dtype=np.uint64)
    return a, b


def minhash(text: str, config: MinHashConfig = DEFAULT_MINHASH) -> np.ndarray:
    """The MinHash signature of ``text``'s word shingles: ``num_perm`` uint32 values.

    The share of equal positions between two signatures estimates the Jaccard
    similarity of the two texts' shingle sets.

    >>> bool((minhash("Talks ended late on Monday.") == minhash("talks ENDED late on monday")).all())
    True
    """
    return words_minhash(words(text), config)


def words_minhash(tokens: list[str], config: MinHashConfig = DEFAULT_MINHASH) -> np.ndarray:
    """``minhash`` of a text given by its ``words``."""
    return tokens_minhash(list(map(str.encode, tokens)), config)


# The compiled signature (``transforms.minhash_kernel``, numba) gives the numpy path's very
# values, about 100-130 us sooner per news article, but loading numba and the kernel's
# cached machine code costs about 0.4 CPU seconds per process (the first process after an
# install compiles it, about 3 CPU seconds, and caches it beside the module):
# ``tokens_minhash`` loads it once this process has signed ``COMPILED_AFTER`` articles
# (about 12 MB of news text), so a small run never pays, and a process that has signed
# that many is likely to sign as many more, which repays the load.
COMPILED_AFTER = 5_000


# The environment can choose for every process of a run (``use_compiled_minhash``'s modes).
MINHASH_MODE_VARIABLE = "COPYDESK_MINHASH"
_MODES = ("auto", "compiled", "numpy")


def _mode_from_environment() -> str:
    mode = os.environ.get(MINHASH_MODE_VARIABLE, "auto").strip().lower() or "auto"
    if mode not in _MODES:
        raise ValueError(f"{MINHASH_MODE_VARIABLE}={mode!r}: auto, compiled or numpy")
    return mode


class _Compiled:
    """Which signature ``tokens_minhash`` computes in this process: ``mode`` "auto" (numpy
    until ``COMPILED_AFTER`` articles, then the kernel), "compiled" or "numpy" (from
    ``COPYDESK_MINHASH``, "auto" when unset); ``kernel``: the loaded kernel, None before,
    False when numba cannot be loaded."""

    mode = _mode_from_environment()
    signed = 0
    kernel = None


def use_compiled_minhash(mode: str = "compiled") -> bool:
    """Choose how this process computes signatures (the values are the same): "compiled"
    (load the kernel now), "numpy", or "auto" (the default: the kernel after
    ``COMPILED_AFTER`` articles). True when the kernel is loaded and in use.

    >>> use_compiled_minhash("numpy")
    False
    >>> _ = use_compiled_minhash("auto")
    """
    if mode not in _MODES:
        raise ValueError(f"unknown MinHash mode {mode!r}: auto, compiled or numpy")
    _Compiled.mode = mode
    if mode == "compiled":
        _load_kernel()
    return mode != "numpy" and bool(_Compiled.kernel)


def _load_kernel():
    """The compiled kernel, loaded once per process; False when numba is not there."""
    if _Compiled.kernel is None:
        try:
            from transforms.minhash_kernel import spaced_minhash
        except ImportError:  # pragma: no cover - numba is a dependency; numpy still works
            _Compiled.kernel = False
        else:
            _Compiled.kernel = spaced_minhash
    return _Compiled.kernel


def _kernel(config: MinHashConfig):
    """The kernel that signs this article under ``config``, or None for numpy."""
    if _Compiled.mode == "numpy" or config.shingle_words > len(_SLOT_MULTIPLIERS):
        return None
    if _Compiled.kernel is None:
        if _Compiled.mode == "auto":
            _Compiled.signed += 1
            if _Compiled.signed <= COMPILED_AFTER:
                return None
        _load_kernel()
    return _Compiled.kernel or None


def _kernel_minhash(kernel, spaced: bytes, config: MinHashConfig) -> np.ndarray:
    """The loaded ``kernel``'s signature of ``spaced`` (words apart by ASCII white space)."""
    a, b = _permutations(config.num_perm, config.seed)
    return kernel(np.frombuffer(spaced, dtype=np.uint8), config.shingle_words, _SLOT_MULTIPLIERS, a, b)[0]


def spaced_minhash(spaced: bytes, config: MinHashConfig = DEFAULT_MINHASH) -> np.ndarray:
    """``minhash`` of a text given by its words' UTF-8 bytes apart by ASCII white space:
    ``tokens_minhash(spaced.split())`` (``clean_record`` joins its kept paragraphs'
    ``paragraph_word_bytes``).

    >>> bool((spaced_minhash(b"talks  ended late ") == tokens_minhash([b"talks", b"ended", b"late"])).all())
    True
    """
    kernel = _kernel(config)
    if kernel is None:
        return numpy_tokens_minhash(spaced.split(), config)
    return _kernel_minhash(kernel, spaced, config)


def tokens_minhash(tokens: list[bytes], config: MinHashConfig = DEFAULT_MINHASH) -> np.ndarray:
    """``minhash`` of a text given by its words' UTF-8 bytes (``comparison_tokens``)."""
    kernel = _kernel(config)
    if kernel is not None:
        # The kernel cuts the words at white space: exact when the words hold none and
        # none is empty, that is when the joined words cut there give them back.
        spaced = b" ".join(tokens) if all(type(t) is bytes for t in tokens) else None
        if spaced is not None and spaced.split() == tokens:
            return _kernel_minhash(kernel, spaced, config)
    return numpy_tokens_minhash(tokens, config)


def numpy_tokens_minhash(tokens: list[bytes], config: MinHashConfig = DEFAULT_MINHASH) -> np.ndarray:
    """``tokens_minhash`` computed with numpy (the compiled kernel's reference)."""
    # Repeated shingles need no dedup: the minimum over a multiset is the minimum over its set.
    shingles = token_shingle_values(tokens, config.shingle_words)
    a, b = _permutations(config.num_perm, config.seed)
    if 0 < len(shingles) <= _CHUNK:  # almost every article: one matrix, no running minimum
        values = shingles[:, None] * a
        values += b
        return (values.min(axis=0) >> np.uint64(32)).astype(np.uint32)
    signature = np.full(config.num_perm, _MAX_HASH, dtype=np.uint64)
    # Chunks bound the temporary (chunk x num_perm) matrix for very long texts.
    for start in range(0, len(shingles), _CHUNK):
        chunk = shingles[start : start + _CHUNK, None]
        values = chunk * a  # wraps around mod 2**64, as multiply-shift hashing needs
        values += b
        # ">> 32" never changes which value is smallest, so it is taken after the minimum,
        # on num_perm values instead of the whole matrix.
        np.minimum(signature, values.min(axis=0) >> np.uint64(32), out=signature)
    return signature.astype(np.uint32)


def band_hashes(signature: np.ndarray, config: MinHashConfig = DEFAULT_MINHASH) -> list[int]:
    """One signed 64-bit hash per LSH band of ``signature`` (Parquet and DuckDB store int64).

    Two signatures that agree on every row of a band get the same hash for that band.

    >>> sig = minhash("a b c d e f g")
    >>> band_hashes(sig) == band_hashes(sig.copy())
    True
    """
    width = config.rows * 4  # bytes of one band's uint32 rows
    data = np.ascontiguousarray(signature, dtype=np.uint32).tobytes()
    return [
        # The band number is part of the key so equal rows in different bands do not collide.
        xxhash.xxh3_64_intdigest(data[i * width : (i + 1) * width], seed=i) - 2**63
        for i in range(config.bands)
    ]


def fingerprint(
    body: str, config: MinHashConfig = DEFAULT_MINHASH, *, body_words: list[str] | None = None,
    body_tokens: list[bytes] | None = None, body_bytes: bytes | None = None,
) -> Signature | None:
    """The fingerprint of an article's body: its MinHash and band hashes; None when empty.

    ``body_words``: ``words(body)`` when the caller has them; ``body_tokens``: the same
    words as UTF-8 bytes; ``body_bytes``: the same words as UTF-8 apart by ASCII white
    space (``clean_record`` joins its kept paragraphs' ``paragraph_word_bytes``). The
    signature is the same either way.

    >>> sig = fingerprint("Talks ended late on Monday without a deal.")
    >>> (len(sig.minhash), len(sig.bands)), fingerprint("")
    ((128, 16), None)
    """
    if not body:
        return None
    if body_bytes is not None:
        signature = spaced_minhash(body_bytes, config)
    else:
        if body_tokens is None:
            body_tokens = list(map(str.encode, words(body) if body_words is None else body_words))
        signature = tokens_minhash(body_tokens, config)
    return Signature(minhash=tuple(signature.tolist()), bands=tuple(band_hashes(signature, config)))


def jaccard_estimate(left: np.ndarray, right: np.ndarray) -> float:
    """The share of equal MinHash positions: an estimate of the texts' Jaccard similarity.

    >>> jaccard_estimate(minhash("a b c d e f"), minhash("a b c d e f"))
    1.0
    """
    return float(np.mean(np.asarray(left) == np.asarray(right)))


def shingle_jaccard(left: str, right: str, size: int = DEFAULT_MINHASH.shingle_words) -> float:
    """The exact Jaccard similarity of two texts' shingle sets (for checks and tests).

    >>> shingle_jaccard("a b c d e f", "a b c d e f")
    1.0
    """
    a, b = set(shingle_hashes(left, size).tolist()), set(shingle_hashes(right, size).tolist())
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)
