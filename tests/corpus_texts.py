"""Texts of the shared corpora, for the equivalence tests of the speed-ups (old function
as the oracle, new one under test): every BBC article, every FakeNewsCorpus field, every
AG News row, every ftfy test case, and the multilingual article-extraction pages."""

from __future__ import annotations

import csv
import gzip
import io
from functools import lru_cache

from tests.conftest import corpus_path, ftfy_cases
from transforms.decoding import decode


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
    return tuple(texts)
