"""MinHash over word shingles, band hashes and the content key."""

from __future__ import annotations

import hashlib
import random

import duckdb
import numpy as np
import pytest
import xxhash
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.corpus_texts import corpus_texts, expected_count
from transforms import fingerprints
from transforms.fingerprints import (
    DEFAULT_MINHASH,
    MinHashConfig,
    band_hashes,
    content_key,
    fingerprint,
    jaccard_estimate,
    minhash,
    paragraph_words,
    shingle_hashes,
    shingle_jaccard,
    words,
)
from transforms.paragraphs import cut
from transforms.records import Paragraph

VOCAB = [f"w{i}" for i in range(20_000)]


def story(n_words: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return [rng.choice(VOCAB) for _ in range(n_words)]


def edited(tokens: list[str], every: int) -> list[str]:
    """One word in ``every`` replaced: a lightly edited update of the same copy."""
    return [("changed" if i % every == every // 2 else t) for i, t in enumerate(tokens)]


def test_words_ignore_case_typography_and_punctuation():
    assert words("\u201cTalks\u201d ENDED \u2013 late.") == words('"talks" ended - late') == ["talks", "ended", "late"]


def test_shingles_count_distinct_windows_and_short_texts_are_one_shingle():
    assert len(shingle_hashes("a b c d e f g", size=5)) == 3
    assert len(shingle_hashes("a b c d e f g a b c d e", size=5)) == 7  # "a b c d e" twice counts once
    assert len(shingle_hashes("only three words", size=5)) == 1
    assert len(shingle_hashes(" \n ", size=5)) == 0


def test_signature_is_deterministic_and_typography_blind():
    text = "Talks between the two sides \u2018ended\u2019 late on Monday without a deal."
    sig = minhash(text)
    assert sig.dtype == np.uint32 and sig.shape == (DEFAULT_MINHASH.num_perm,)
    assert (sig == minhash("talks between the two sides 'ended' late on monday without a deal")).all()
    # A fixed seed: the same text gives the same signature in another config object too.
    assert (sig == minhash(text, MinHashConfig())).all()
    assert not (sig == minhash(text, MinHashConfig(seed=7))).all()


@pytest.mark.parametrize("every", [5, 10, 40])
def test_estimate_tracks_exact_jaccard(every):
    base = story(600, seed=every)
    a, b = " ".join(base), " ".join(edited(base, every))
    exact = shingle_jaccard(a, b)
    # 128 permutations: standard error ~0.04; 0.15 is over three of them.
    assert abs(jaccard_estimate(minhash(a), minhash(b)) - exact) < 0.15


def test_unrelated_texts_estimate_near_zero():
    assert jaccard_estimate(minhash(" ".join(story(300, 1))), minhash(" ".join(story(300, 2)))) < 0.05


def test_bands_of_equal_signatures_are_equal_and_of_different_texts_differ():
    a = minhash(" ".join(story(300, 3)))
    b = minhash(" ".join(story(300, 4)))
    ha, hb = band_hashes(a), band_hashes(b)
    assert len(ha) == DEFAULT_MINHASH.bands
    assert ha == band_hashes(a.copy())
    assert all(-(2**63) <= h < 2**63 for h in ha)  # fits Parquet int64
    assert not set(ha) & set(hb)


def test_near_duplicates_share_a_band_and_unrelated_texts_do_not():
    """LSH banding: pairs at Jaccard ~0.8+ become candidates, pairs at ~0.3 almost never."""
    shared = unrelated = 0
    for seed in range(40):
        base = story(500, seed)
        near = " ".join(edited(base, 80))  # ~0.88 shingle Jaccard: a candidate 99.9% of the time
        far = " ".join(edited(base, 4))  # every shingle window of 5 touched: ~0 Jaccard
        b0 = band_hashes(minhash(" ".join(base)))
        shared += bool(set(b0) & set(band_hashes(minhash(near))))
        unrelated += bool(set(b0) & set(band_hashes(minhash(far))))
    # Deterministic (fixed seeds): every near pair is a candidate, no unrelated one.
    assert (shared, unrelated) == (40, 0)


def test_content_key_is_what_duckdb_recomputes():
    keys = ["9f1c", "a0b1", "\u00e9t\u00e9"]
    sql = "SELECT md5(string_agg(k, chr(10) ORDER BY i)) FROM (SELECT unnest($1) AS k, unnest(range(3)) AS i)"
    assert duckdb.execute(sql, [keys]).fetchall()[0][0] == content_key(keys)
    assert content_key([]) == hashlib.md5(b"").hexdigest() == duckdb.execute("SELECT md5('')").fetchall()[0][0]


def test_fingerprint_is_the_minhash_and_its_bands():
    text = "Talks between Russia, Ukraine and the US ended late on Tuesday without a breakthrough."
    sig = fingerprint(text)
    assert sig.minhash == tuple(minhash(text).tolist())
    assert sig.bands == tuple(band_hashes(minhash(text)))
    # Pinned: signatures of earlier runs are compared with new ones, so they never change.
    assert sig.minhash[:4] == (249340349, 611855816, 514734150, 312049537)
    assert sig.bands[:2] == (-1924131637875368720, 4049278952517660)
    assert fingerprint("") is None


_JOINS = st.sampled_from(
    ["\u0301", "\u0308", "\u00a8", "\ufb01", "\u2026", "\u1100", "\u1161", "\u11a8", " ", "\n", "\u00ad"]
)


@settings(max_examples=500, deadline=None)
@given(st.lists(st.text(alphabet=st.one_of(_JOINS, st.characters(exclude_categories=("Cs",)))), max_size=6))
def test_a_body_s_words_are_its_paragraphs_words_in_order(texts):
    # What lets clean_record fingerprint from the paragraphs' comparison texts: NFKC
    # never composes across the blank line (combining marks and Hangul jamo at a start).
    assert words("\n\n".join(texts)) == [w for t in texts for w in paragraph_words(Paragraph(0, t))]
    assert [paragraph_words(cut(0, t)) for t in texts] == [words(t) for t in texts]
    body = "\n\n".join(texts)
    sig = fingerprint(body, body_words=[w for t in texts for w in paragraph_words(cut(0, t))])
    assert sig == fingerprint(body)


def _minhash_before(text: str, config: MinHashConfig = DEFAULT_MINHASH) -> np.ndarray:
    """minhash as it was (distinct shingles, the shift on the whole matrix, one generator
    per word hash): the oracle of the faster one."""
    tokens = words(text)
    if not tokens:
        shingles = np.empty(0, dtype=np.uint64)
    else:
        word_hashes = np.fromiter(
            (xxhash.xxh64_intdigest(t.encode("utf-8")) for t in tokens), dtype=np.uint64, count=len(tokens)
        )
        width = min(config.shingle_words, len(tokens))
        count = len(tokens) - width + 1
        combined = np.zeros(count, dtype=np.uint64)
        with np.errstate(over="ignore"):
            for slot in range(width):
                combined += word_hashes[slot : slot + count] * fingerprints._SLOT_MULTIPLIERS[slot]
        shingles = np.unique((combined >> np.uint64(32)) ^ (combined & np.uint64(0xFFFFFFFF)))
    a, b = fingerprints._permutations(config.num_perm, config.seed)
    signature = np.full(config.num_perm, np.uint64(0xFFFFFFFF), dtype=np.uint64)
    for start in range(0, len(shingles), 4096):
        chunk = shingles[start : start + 4096, None]
        with np.errstate(over="ignore"):
            values = (chunk * a + b) >> np.uint64(32)
        np.minimum(signature, values.min(axis=0), out=signature)
    return signature.astype(np.uint32)


def test_minhash_equals_the_former_implementation_on_every_shared_corpus():
    texts = corpus_texts()
    assert len(texts) == expected_count()
    long_text = " ".join(texts[:300])  # many chunks of 4096 shingles
    for text in (*texts, long_text, "", "one", "one two three four"):
        assert minhash(text).tobytes() == _minhash_before(text).tobytes()
    small = MinHashConfig(num_perm=32, bands=4, shingle_words=2, seed=7)
    for text in texts[:500]:
        assert minhash(text, small).tobytes() == _minhash_before(text, small).tobytes()


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(["a", "b", "Talks", "été", "x1", "\u00e9t\u00e9"]) | st.text(max_size=8), max_size=40))
def test_minhash_equals_the_former_implementation_on_arbitrary_words(parts):
    text = " ".join(parts)
    assert minhash(text).tobytes() == _minhash_before(text).tobytes()
    assert shingle_hashes(text).tolist() == sorted(set(fingerprints.shingle_values(words(text)).tolist()))


@settings(max_examples=500, deadline=None)
@given(st.lists(st.text(alphabet=st.one_of(_JOINS, st.characters(max_codepoint=127),
                                           st.characters(exclude_categories=("Cs",)))), max_size=6))
def test_the_signature_from_the_paragraphs_tokens_is_the_signature_of_the_body(texts):
    # clean_record fingerprints from its kept paragraphs' cached tokens (bytes, found by a
    # byte table on ASCII text): the same signature and bands as from the body's words.
    body = "\n\n".join(texts)
    tokens = [t for text in texts for t in fingerprints.paragraph_tokens(cut(0, text))]
    assert tokens == [w.encode("utf-8") for w in words(body)]
    assert fingerprint(body, body_tokens=tokens) == fingerprint(body)
    # ... and from their word bytes joined, as clean_record signs a body.
    spaced = b" ".join(fingerprints.paragraph_word_bytes(cut(0, text)) for text in texts)
    assert spaced.split() == tokens
    assert fingerprint(body, body_bytes=spaced) == fingerprint(body)
    if body:
        assert fingerprint(body).minhash == tuple(_minhash_before(body).tolist())


def test_bands_are_the_hashes_of_each_band_s_rows():
    sig = minhash("Talks ended late on Monday without a deal, officials said.")
    rows = DEFAULT_MINHASH.rows
    expected = [xxhash.xxh3_64_intdigest(sig[i * rows:(i + 1) * rows].astype(np.uint32).tobytes(), seed=i) - 2**63
                for i in range(DEFAULT_MINHASH.bands)]
    assert band_hashes(sig) == expected


@pytest.fixture
def compiled():
    """The compiled MinHash kernel in use for one test, then the default again."""
    assert fingerprints.use_compiled_minhash("compiled"), "numba could not load the compiled MinHash kernel"
    yield
    fingerprints.use_compiled_minhash("auto")


def test_the_compiled_xxh64_is_the_xxhash_package_s():
    from transforms.minhash_kernel import xxh64

    rng = random.Random(11)
    # Every branch: below 4, 8 and 32 bytes, whole 32-byte stripes, and the tails after them.
    for length in [*range(0, 80), 96, 127, 128, 129, 1000]:
        for _ in range(3):
            data = bytes(rng.randrange(256) for _ in range(length))
            padded = np.frombuffer(b"\x01" + data + b"\xff", dtype=np.uint8)
            assert xxh64(padded, 1, 1 + length) == xxhash.xxh64_intdigest(data), length


_BYTE_WORDS = st.lists(
    st.sampled_from([b"a", b"b", b"talks", "\u00e9t\u00e9".encode(), b"x1", b"", b" ", b"a b", b"  "])
    | st.binary(max_size=40),
    max_size=60,
)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(_BYTE_WORDS, st.sampled_from([DEFAULT_MINHASH, MinHashConfig(num_perm=32, bands=4, shingle_words=2, seed=7),
                                      MinHashConfig(num_perm=16, bands=2, shingle_words=1, seed=3)]))
def test_the_compiled_signature_is_the_numpy_signature_on_any_words(compiled, tokens, config):
    # Any bytes: empty words, words holding spaces (the kernel's separator: numpy signs
    # them), words longer than one 32-byte stripe, texts shorter than a shingle.
    got = fingerprints.tokens_minhash(tokens, config)
    want = fingerprints.numpy_tokens_minhash(tokens, config)
    assert got.dtype == want.dtype == np.uint32
    assert got.tobytes() == want.tobytes()


def test_the_compiled_signature_is_the_former_signature_on_every_shared_corpus(compiled):
    texts = corpus_texts()
    assert len(texts) == expected_count()
    for text in (*texts, " ".join(texts[:300]), "", "one", "one two three four"):
        assert minhash(text).tobytes() == _minhash_before(text).tobytes()


def test_auto_mode_switches_to_the_kernel_after_enough_articles(monkeypatch):
    tokens = [w.encode() for w in story(50, 1)]
    want = fingerprints.numpy_tokens_minhash(tokens)
    monkeypatch.setattr(fingerprints, "COMPILED_AFTER", 3)
    monkeypatch.setattr(fingerprints._Compiled, "kernel", None)
    monkeypatch.setattr(fingerprints._Compiled, "signed", 0)
    fingerprints.use_compiled_minhash("auto")
    for _ in range(3):
        assert fingerprints.tokens_minhash(tokens).tobytes() == want.tobytes()
        assert fingerprints._Compiled.kernel is None  # not loaded yet: numpy signed these
    assert fingerprints.tokens_minhash(tokens).tobytes() == want.tobytes()
    assert fingerprints._Compiled.kernel  # the fourth article loaded it
    fingerprints.use_compiled_minhash("numpy")
    assert fingerprints._kernel(DEFAULT_MINHASH) is None
    fingerprints.use_compiled_minhash("auto")
    with pytest.raises(ValueError):
        fingerprints.use_compiled_minhash("fast")


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from([b" ", b"  ", b"\t", b"\n", b"\r\n", b"\x0b", b"\x0c", b"\x1c", b"\xa0", b"a", b"talks",
                                 "\u00e9t\u00e9".encode(), b"x" * 40]) | st.binary(max_size=12), max_size=80))
def test_the_compiled_signature_of_spaced_words_is_the_numpy_signature_of_the_split_words(compiled, parts):
    # Words apart by any run of ASCII white space (what bytes.split() cuts at), at either end too.
    spaced = b"".join(parts)
    want = fingerprints.numpy_tokens_minhash(spaced.split())
    assert fingerprints.spaced_minhash(spaced).tobytes() == want.tobytes()


def test_the_environment_chooses_the_mode_of_every_process_of_a_run(monkeypatch):
    for value, mode in [("compiled", "compiled"), (" NUMPY ", "numpy"), ("", "auto"), ("auto", "auto")]:
        monkeypatch.setenv(fingerprints.MINHASH_MODE_VARIABLE, value)
        assert fingerprints._mode_from_environment() == mode
    monkeypatch.delenv(fingerprints.MINHASH_MODE_VARIABLE)
    assert fingerprints._mode_from_environment() == "auto"
    monkeypatch.setenv(fingerprints.MINHASH_MODE_VARIABLE, "fast")
    with pytest.raises(ValueError, match="COPYDESK_MINHASH"):
        fingerprints._mode_from_environment()
