"""Throughput of ``transforms.repair.repair`` against plain ``ftfy.fix_text``.

Run from the repository root (heavy: use nice on a shared machine):
    nice .venv/bin/python -m bench.encoding [--repeats 3] [--seed 0]

For the BBC corpus and for a BBC-derived corpus of the same size with 10% mojibake
articles (``bench.corpus.build_corpus``), prints MB/s (UTF-8 bytes in) of
``ftfy.fix_text(x, config=CONFIG)`` and of ``repair(x)``, each the median of the
repeats timed in the same run, and their ratio; it first checks that both give
identical output for every article, and exits non-zero if not.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable

import ftfy

from bench.corpus import bbc_texts, build_corpus
from transforms.repair import CONFIG, repair


def _fix_text(text: str) -> str:
    return ftfy.fix_text(text, config=CONFIG)


def _seconds(fn: Callable[[str], str], texts: list[str]) -> float:
    start = time.perf_counter()
    for text in texts:
        fn(text)
    return time.perf_counter() - start


def measure(texts: list[str], repeats: int) -> dict[str, float]:
    """MB/s of ftfy and repair (median of ``repeats``, interleaved) and the ratio."""
    megabytes = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    times: dict[str, list[float]] = {"ftfy": [], "repair": []}
    for _ in range(repeats):  # interleaved, so load changes hit both alike
        times["ftfy"].append(_seconds(_fix_text, texts))
        times["repair"].append(_seconds(repair, texts))
    ftfy_rate = megabytes / statistics.median(times["ftfy"])
    repair_rate = megabytes / statistics.median(times["repair"])
    return {"mb": megabytes, "ftfy": ftfy_rate, "repair": repair_rate, "ratio": repair_rate / ftfy_rate}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--mojibake-share", type=float, default=0.10)
    args = parser.parse_args(argv)

    bbc = list(bbc_texts())
    size = sum(len(t.encode("utf-8")) for t in bbc)
    corpora = {
        "bbc": bbc,
        f"bbc+{args.mojibake_share:.0%} mojibake": build_corpus(size, args.mojibake_share, args.seed),
    }
    print(f"ftfy {ftfy.__version__}, median of {args.repeats} repeats, MB = UTF-8 bytes in")
    print(f"{'corpus':<22} {'articles':>8} {'MB':>6} {'ftfy MB/s':>10} {'repair MB/s':>12} {'ratio':>6}")
    for name, texts in corpora.items():
        mismatched = sum(repair(t) != _fix_text(t) for t in texts)
        if mismatched:
            print(f"{name}: {mismatched} articles differ between repair and ftfy.fix_text")
            return 1
        r = measure(texts, args.repeats)
        print(f"{name:<22} {len(texts):>8} {r['mb']:>6.2f} {r['ftfy']:>10.1f} {r['repair']:>12.1f} {r['ratio']:>5.1f}x")
    print("outputs identical: yes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
