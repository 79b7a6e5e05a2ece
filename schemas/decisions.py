"""The deduplication tables: signatures (facts) and the decisions consolidate takes.

``signatures`` is a fact table like ``articles``: each shard writes one row per article
with a body, append-only, one file set per run. The decision tables are recomputed by
``flows.consolidate`` for the whole lake at every run and published with it; each run
holds a complete snapshot, and the views read the snapshot of the latest committed run
only (see ``schemas.views``). Facts are never rewritten when a decision changes.
"""

from __future__ import annotations

import pyarrow as pa

from schemas.tables import _field, _schema

SIGNATURES = _schema(
    "signatures",
    "MinHash signature and LSH band hashes of each article's body (facts, written by the shards).",
    _field("article_id", pa.string(), False, "The article the signature belongs to."),
    _field("minhash", pa.list_(pa.field("item", pa.uint32(), nullable=False)), False,
           "MinHash of the body's word shingles (transforms.fingerprints.MinHashConfig)."),
    _field("bands", pa.list_(pa.field("item", pa.int64(), nullable=False)), False,
           "One hash per LSH band of the signature; equal band hashes make a candidate pair."),
    _field("run_id", pa.string(), False, "The run that wrote this row."),
)

DUPLICATES = _schema(
    "duplicates",
    "Decision: every article that belongs to a duplicate or near-duplicate cluster, "
    "with its canonical article. Articles not listed are canonical and alone.",
    _field("article_id", pa.string(), False, "The article."),
    _field("cluster_id", pa.string(), False,
           "article_id of the cluster's canonical member (earliest published_at, then smallest id)."),
    _field("duplicate_of", pa.string(), True,
           "For an exact duplicate (same normalized body): the canonical article of its "
           "exact group; null otherwise."),
    _field("kind", pa.string(), False,
           "canonical (the cluster's canonical article), exact (exact duplicate), "
           "near (near-duplicate of the cluster)."),
    _field("content_key", pa.string(), False,
           "The normalized-body hash used for exact duplicates, after boilerplate removal."),
    _field("run_id", pa.string(), False, "The run whose consolidate took the decision."),
)

SIMILAR_PAIRS = _schema(
    "similar_pairs",
    "Decision: pairs of articles whose estimated word-shingle Jaccard similarity reaches "
    "the threshold (the edges of the near-duplicate clusters). Carried from run to run.",
    _field("article_id", pa.string(), False, "The smaller article_id of the pair."),
    _field("other_id", pa.string(), False, "The larger article_id of the pair."),
    _field("similarity", pa.float32(), False, "Estimated Jaccard similarity (share of equal MinHash values)."),
    _field("run_id", pa.string(), False, "The run whose consolidate took the decision."),
)

BOILERPLATE = _schema(
    "boilerplate",
    "Decision: paragraph keys that recur across enough distinct stories of one source to "
    "be boilerplate (ads, prompts, sign-offs); their paragraphs leave the bodies.",
    _field("source", pa.string(), False, "The source (outlet) the paragraph recurs in."),
    _field("key", pa.string(), False, "The paragraph's comparison key (transforms.paragraphs.paragraph_key)."),
    _field("text", pa.string(), False, "One occurrence of the paragraph (the smallest text), for reading."),
    _field("stories", pa.int64(), False,
           "Distinct stories of the source holding it (near-duplicate copies count once)."),
    _field("articles", pa.int64(), False, "Articles of the source holding it."),
    _field("paragraphs", pa.int64(), False, "Paragraphs taken out of bodies by this decision."),
    _field("run_id", pa.string(), False, "The run whose consolidate took the decision."),
)

# Facts written by the shards next to articles and paragraphs.
DEDUP_FACTS: dict[str, pa.Schema] = {"signatures": SIGNATURES}
# Decisions: one complete snapshot per run; readers use the latest committed run's.
DECISIONS: dict[str, pa.Schema] = {
    "duplicates": DUPLICATES,
    "similar_pairs": SIMILAR_PAIRS,
    "boilerplate": BOILERPLATE,
}
