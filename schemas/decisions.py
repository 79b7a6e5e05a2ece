"""The deduplication tables: signatures (facts) and the decisions consolidate takes.

``signatures`` is a fact table like ``articles``: each shard writes one row per article
with a body, append-only, one file set per run. The decision tables are recomputed by
``flows.consolidate`` for the whole lake at every run and published with it; each run
holds a complete snapshot, and the views read the snapshot of the latest committed run
only (see ``schemas.views``). Facts are never rewritten when a decision changes.
"""

from __future__ import annotations

import pyarrow as pa

from schemas.tables import column, table_schema

SIGNATURES = table_schema(
    "signatures",
    "MinHash signature and LSH band hashes of each article's body (facts, written by the shards).",
    column("article_id", pa.string(), False, "The article the signature belongs to."),
    column("minhash", pa.list_(pa.field("item", pa.uint32(), nullable=False)), False,
           "MinHash of the body's word shingles (transforms.fingerprints.MinHashConfig)."),
    column("bands", pa.list_(pa.field("item", pa.int64(), nullable=False)), False,
           "One hash per LSH band of the signature; equal band hashes make a candidate pair."),
    column("run_id", pa.string(), False, "The run that wrote this row."),
)

DUPLICATES = table_schema(
    "duplicates",
    "Decision: every article that belongs to a duplicate or near-duplicate cluster, "
    "with its canonical article. Articles not listed are canonical and alone.",
    column("article_id", pa.string(), False, "The article."),
    column("cluster_id", pa.string(), False,
           "article_id of the cluster's canonical member (earliest published_at, then smallest id)."),
    column("duplicate_of", pa.string(), True,
           "For an exact duplicate (same normalized body): the canonical article of its "
           "exact group; null otherwise."),
    column("kind", pa.string(), False,
           "canonical (the cluster's canonical article), exact (exact duplicate), "
           "near (near-duplicate of the cluster)."),
    column("content_key", pa.string(), False,
           "The normalized-body hash used for exact duplicates, after boilerplate removal."),
    column("run_id", pa.string(), False, "The run whose consolidate took the decision."),
)

SIMILAR_PAIRS = table_schema(
    "similar_pairs",
    "Decision: pairs of articles whose estimated word-shingle Jaccard similarity reaches "
    "the threshold (the edges of the near-duplicate clusters). Exact copies (one content "
    "hash) are paired through their smallest article_id only: each other copy has one "
    "pair with it, similarity 1. Carried from run to run.",
    column("article_id", pa.string(), False, "The smaller article_id of the pair."),
    column("other_id", pa.string(), False, "The larger article_id of the pair."),
    column("similarity", pa.float32(), False, "Estimated Jaccard similarity (share of equal MinHash values)."),
    column("run_id", pa.string(), False, "The run whose consolidate took the decision."),
)

BOILERPLATE = table_schema(
    "boilerplate",
    "Decision: paragraph keys that recur across enough distinct stories of one source to "
    "be boilerplate (ads, prompts, sign-offs); their paragraphs leave the bodies.",
    column("source", pa.string(), False, "The source (outlet) the paragraph recurs in."),
    column("key", pa.string(), False, "The paragraph's comparison key (transforms.paragraphs.paragraph_key)."),
    column("text", pa.string(), False, "One occurrence of the paragraph (the smallest text), for reading."),
    column("stories", pa.int64(), False,
           "Distinct stories of the source holding it (near-duplicate copies count once)."),
    column("articles", pa.int64(), False, "Articles of the source holding it."),
    column("paragraphs", pa.int64(), False, "Paragraphs taken out of bodies by this decision."),
    column("run_id", pa.string(), False, "The run whose consolidate took the decision."),
)

# Facts written by the shards next to articles and paragraphs.
DEDUP_FACTS: dict[str, pa.Schema] = {"signatures": SIGNATURES}
# Decisions: one complete snapshot per run; readers use the latest committed run's.
DECISIONS: dict[str, pa.Schema] = {
    "duplicates": DUPLICATES,
    "similar_pairs": SIMILAR_PAIRS,
    "boilerplate": BOILERPLATE,
}
