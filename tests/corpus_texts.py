"""Texts of the shared corpora, for the equivalence tests of the speed-ups (old function
as the oracle, new one under test): every BBC article, every FakeNewsCorpus field, every
AG News row, every ftfy test case, and the multilingual article-extraction pages.

``make test`` checks every text; ``make test-fast`` (``COPYDESK_TEST_FAST=1``) every
``FAST_LANE_STRIDE``-th, the same ones each time, so the fast lane stays under a minute
and still compares the old and new functions on real text of every corpus."""

from __future__ import annotations

import csv
import gzip
import io
from functools import lru_cache

from tests.conftest import FAST_LANE, corpus_path, ftfy_cases
from transforms.decoding import decode

FAST_LANE_STRIDE = 10
ALL_TEXTS = 11_167  # BBC 2,225 + FakeNewsCorpus 4 x 250 + AG News 7,600 + ftfy cases + 181 pages


def expected_count() -> int:
    """How many texts ``corpus_texts`` gives in this lane."""
    return len(range(0, ALL_TEXTS, FAST_LANE_STRIDE)) if FAST_LANE else ALL_TEXTS


@lru_cache(maxsize=1)
def corpus_texts() -> tuple[str, ...]:
    """Every shared corpus text, decoded (skips the calling test when the corpora are absent)."""
    texts = [decode(path.read_bytes()).text for path in sorted(corpus_path("bbc").glob("*/*.txt"))]
    with open(corpus_path("fakenewscorpus-sample", "news_sample.csv"), encoding="utf-8") as f:
        for row in csv.DictReader(f):
            texts.extend(row.get(key) or "" for key in ("content", "title", "meta_description", "summary"))
    raw = corpus_path("ag-news-test", "test.csv").read_bytes().decode("utf-8")
    texts.extend("\n".join(row[1:]) for row in csv.reader(io.StringIO(raw)))
    texts.extend(case["original"] for case in ftfy_cases())
    html = corpus_path("article-extraction-benchmark", "html")
    texts.extend(decode(gzip.decompress(path.read_bytes())).text for path in sorted(html.glob("*.html.gz")))
    return tuple(texts[::FAST_LANE_STRIDE] if FAST_LANE else texts)
