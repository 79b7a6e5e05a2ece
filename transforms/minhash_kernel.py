"""The MinHash signature of ``transforms.fingerprints``, compiled (numba): the same values.

``fingerprints.tokens_minhash`` computes the signature with numpy: one xxh64 call per
word from Python, then a (shingles x num_perm) matrix. This module computes the very
same uint32 values in one compiled loop over the words' bytes, xxh64 included (XXH64 as
the ``xxhash`` package computes it, seed 0), without the matrix: about 20 us instead of
120-150 us on a 400-word article. ``fingerprints`` loads it only once a process has
signed ``COMPILED_AFTER`` articles, which pays for numba's import and the cached machine
code (about 0.4 CPU seconds per process; compiling it, once per install, about 3), and
falls back to numpy when numba cannot be loaded; tests/test_fingerprints.py checks that
both give equal signatures on any words.

Importing this module imports numba: only ``fingerprints._load_kernel`` does.
"""

from __future__ import annotations

import numba
import numpy as np

# XXH64's primes.
_P1 = np.uint64(0x9E3779B185EBCA87)
_P2 = np.uint64(0xC2B2AE3D27D4EB4F)
_P3 = np.uint64(0x165667B19E3779F9)
_P4 = np.uint64(0x85EBCA77C2B2AE63)
_P5 = np.uint64(0x27D4EB2F165667C5)
_LOW32 = np.uint64(0xFFFFFFFF)
_32 = np.uint64(32)
_SPACE = 0x20


@numba.njit(cache=True, inline="always")
def _rotl(x, r):
    return (x << np.uint64(r)) | (x >> np.uint64(64 - r))


@numba.njit(cache=True, inline="always")
def _read(buf, i, width):
    """``width`` bytes of ``buf`` from ``i``, little-endian."""
    value = np.uint64(0)
    for k in range(width):
        value |= np.uint64(buf[i + k]) << np.uint64(8 * k)
    return value


@numba.njit(cache=True, inline="always")
def _round(acc, lane):
    return _rotl(acc + lane * _P2, 31) * _P1


@numba.njit(cache=True, inline="always")
def _merge(acc, lane):
    return (acc ^ _round(np.uint64(0), lane)) * _P1 + _P4


@numba.njit(cache=True)
def xxh64(buf, start, end):
    """XXH64 (seed 0) of ``buf[start:end]``: ``xxhash.xxh64_intdigest(bytes(buf[start:end]))``."""
    i = start
    if end - start >= 32:
        v1 = _P1 + _P2
        v2 = _P2
        v3 = np.uint64(0)
        v4 = np.uint64(0) - _P1
        while i + 32 <= end:
            v1 = _round(v1, _read(buf, i, 8))
            v2 = _round(v2, _read(buf, i + 8, 8))
            v3 = _round(v3, _read(buf, i + 16, 8))
            v4 = _round(v4, _read(buf, i + 24, 8))
            i += 32
        h = _rotl(v1, 1) + _rotl(v2, 7) + _rotl(v3, 12) + _rotl(v4, 18)
        h = _merge(_merge(_merge(_merge(h, v1), v2), v3), v4)
    else:
        h = _P5
    h += np.uint64(end - start)
    while i + 8 <= end:
        h = _rotl(h ^ _round(np.uint64(0), _read(buf, i, 8)), 27) * _P1 + _P4
        i += 8
    if i + 4 <= end:
        h = _rotl(h ^ (_read(buf, i, 4) * _P1), 23) * _P2 + _P3
        i += 4
    while i < end:
        h = _rotl(h ^ (np.uint64(buf[i]) * _P5), 11) * _P1
        i += 1
    h ^= h >> np.uint64(33)
    h *= _P2
    h ^= h >> np.uint64(29)
    h *= _P3
    h ^= h >> np.uint64(32)
    return h


@numba.njit(cache=True)
def spaced_minhash(buf, size, slots, a, b):
    """The signature of the words of ``buf`` (uint8), its runs of bytes other than ASCII
    white space, and how many there are: ``fingerprints.numpy_tokens_minhash(bytes(buf).split())``,
    step for step.

    Each word's xxh64; each ``size``-word shingle (one, of all words, when there are
    fewer) combines them with the ``slots`` multipliers and folds to 32 bits; each of the
    ``len(a)`` values is the least ``((shingle * a + b) mod 2**64) >> 32``, all ones for
    no words.
    """
    num_perm = a.shape[0]
    signature = np.full(num_perm, _LOW32, dtype=np.uint64)
    word_hashes = np.empty(buf.shape[0] // 2 + 1, dtype=np.uint64)
    count, start = 0, -1
    for j in range(buf.shape[0]):
        byte = buf[j]
        if byte == _SPACE or 9 <= byte <= 13:  # what bytes.split() cuts at: " \t\n\x0b\x0c\r"
            if start >= 0:
                word_hashes[count] = xxh64(buf, start, j)
                count += 1
                start = -1
        elif start < 0:
            start = j
    if start >= 0:
        word_hashes[count] = xxh64(buf, start, buf.shape[0])
        count += 1
    if count == 0:
        return signature.astype(np.uint32), count
    width = min(size, count)
    for i in range(count - width + 1):
        combined = word_hashes[i] * slots[0]
        for slot in range(1, width):
            combined += word_hashes[i + slot] * slots[slot]
        shingle = (combined >> _32) ^ (combined & _LOW32)
        for p in range(num_perm):
            value = (shingle * a[p] + b[p]) >> _32
            if value < signature[p]:
                signature[p] = value
    return signature.astype(np.uint32), count
