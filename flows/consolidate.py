"""Consolidate: the decisions that need the whole lake (duplicates, boilerplate).

Runs after every shard of a run is staged and before the run is committed. It reads the
staged run plus the committed lake with DuckDB and stages small decision tables next to
the run's facts, so that the commit publishes facts and decisions together.

The decisions, in the order they depend on each other:

1. **Similar pairs** (near-duplicate edges). Every article's MinHash bands (the
   ``signatures`` facts the shards wrote) are joined in DuckDB; pairs sharing a band are
   verified by their estimated Jaccard similarity. Only pairs with a new article are
   computed: the pairs among older articles are the previous run's, carried over.
2. **Boilerplate**. A paragraph key that recurs in at least ``boilerplate_min_stories``
   distinct stories of one source is boilerplate. Near-duplicate copies of one story (step
   1) count once, so a quote that syndicated copies share is not boilerplate.
3. **Exact duplicates**. Articles with equal normalized bodies once boilerplate is out;
   the canonical one is the earliest published, then the smallest ``article_id``.
4. **Clusters**: connected components of the similar pairs plus the exact groups, each
   with its canonical article chosen by the same rule.

Every run stages a complete snapshot of each decision table (possibly empty); readers use
the latest committed run's. Nothing here holds articles in Python: DuckDB does the joins
(and spills to disk), Python only walks the similar-pair edges to find components.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import NamedTuple

import duckdb
import numpy as np
import pyarrow as pa

from flows.lake import Lake
from flows.manifest import view_statements as manifest_views
from flows.parquet import write_parquet
from schemas.decisions import BOILERPLATE, DECISIONS, DUPLICATES, SIGNATURES, SIMILAR_PAIRS
from schemas.manifest import MANIFEST
from schemas.tables import ARTICLES, PARAGRAPHS, RunCounts
from schemas.views import empty_select, sql_string
from transforms.fingerprints import DEFAULT_MINHASH


class DedupConfig(NamedTuple):
    """Thresholds of the lake-wide decisions (see ``docs/dedup.md`` for how they were chosen).

    - ``jaccard_threshold``: estimated word-shingle Jaccard similarity from which two
      articles are near-duplicates. 0.8 catches wire copy and lightly edited updates; on
      the BBC corpus every pair above it that we checked by hand was the same story.
    - ``boilerplate_min_stories``: distinct stories of one source a paragraph must recur
      in to be boilerplate. 3, because a quote that two stories about the same event share
      must stay, while a site's prompts recur in 3 or more (willyloman.wordpress.com's
      "Advertisements" in 3 of its 4 sample articles).
    - ``max_bucket``: an LSH bucket with more members than this (a text copied thousands
      of times) pairs each member with the bucket's smallest member only, so the band
      join stays linear; the cluster is the same, a few edges fewer.
    - ``full``: recompute every similar pair instead of only the new articles' (needed
      after changing ``jaccard_threshold`` or the MinHash config).
    - ``memory_limit``: DuckDB's memory limit ("2GB"); beyond it DuckDB spills to disk
      under the lake's ``_staging``. None keeps DuckDB's default (80% of RAM).
    """

    jaccard_threshold: float = 0.8
    boilerplate_min_stories: int = 3
    max_bucket: int = 200
    full: bool = False
    memory_limit: str | None = None


DEFAULT_DEDUP = DedupConfig()


class Decisions(NamedTuple):
    """What consolidate decided, as counts. Lake-wide (current versions of the articles):
    ``articles``, ``canonical``, ``duplicates`` (exact), ``near_duplicates``, ``clusters``,
    ``similar_pairs``, ``boilerplate_keys``, ``boilerplate_paragraphs``. This run's:
    ``run_boilerplate_paragraphs`` (its paragraphs now boilerplate: they leave its
    ``paragraphs_kept``), ``run_canonical`` and ``run_duplicates`` (its articles, exact and
    near). The ``runs`` row's ``decisions`` map holds them in this order.
    """

    boilerplate_keys: int
    boilerplate_paragraphs: int
    run_boilerplate_paragraphs: int
    articles: int
    canonical: int
    duplicates: int
    near_duplicates: int
    clusters: int
    similar_pairs: int
    run_canonical: int
    run_duplicates: int

    def counts(self) -> RunCounts:
        """What the decisions change in this run's counts: its duplicates, and its paragraphs
        found to be boilerplate move from kept to removed, so read = kept + removed still holds.

        >>> d = Decisions(1, 3, 2, 10, 8, 1, 1, 1, 1, 4, 1)
        >>> c = d.counts()
        >>> c.duplicates, c.paragraphs_kept, c.paragraphs_removed, c.decisions["canonical"]
        (1, -2, {'boilerplate': 2}, 8)
        """
        boilerplate = self.run_boilerplate_paragraphs
        return RunCounts(
            duplicates=self.run_duplicates,
            paragraphs_kept=-boilerplate,
            paragraphs_removed={"boilerplate": boilerplate} if boilerplate else {},
            decisions=self._asdict(),
        )


def consolidate(lake_root: str, run_id: str, config: DedupConfig | None = None) -> Decisions:
    """Stage this run's decision tables; return what was decided (``Decisions``)."""
    config = config or DEFAULT_DEDUP
    lake = Lake(lake_root)
    staging = lake.staging_dir(run_id)
    tmp = lake.root / "_staging" / f"{run_id}.duckdb-tmp"
    con = duckdb.connect()
    try:
        con.execute(f"SET temp_directory = {sql_string(str(tmp))}")
        con.execute("SET preserve_insertion_order = false")
        con.execute("SET enable_progress_bar = false")
        if config.memory_limit:
            con.execute(f"SET memory_limit = {sql_string(config.memory_limit)}")
        committed = lake.committed_runs()
        _register_sources(con, lake, run_id, committed)
        latest = max(committed) if committed else None
        full = config.full or latest is None or not any(lake.run_dir("similar_pairs", latest).glob("*.parquet"))
        pairs = _similar_pairs(con, lake, latest, config, full)
        _components(con, "story", pairs)
        boilerplate = _boilerplate(con, config)
        _exact_duplicates(con)
        edges = con.sql(
            "SELECT a, b FROM pairs WHERE a IN (SELECT aid FROM eff WHERE nonempty) "
            "AND b IN (SELECT aid FROM eff WHERE nonempty) "
            "UNION ALL SELECT aid, canon FROM exact WHERE aid <> canon"
        ).to_arrow_table()
        _components(con, "cluster", edges)
        return Decisions(*boilerplate, *_stage_decisions(con, staging, run_id))
    finally:
        con.close()
        shutil.rmtree(tmp, ignore_errors=True)


# ---- sources ------------------------------------------------------------------------------
def _files(lake: Lake, table: str, run_id: str, committed: set[str]) -> list[str]:
    """The table's Parquet files of committed runs, plus this run's staged ones."""
    staged = sorted((lake.staging_dir(run_id) / table).glob("*.parquet"))
    return lake.committed_files(table, committed) + [str(p) for p in staged]


def _read(files: list[str], schema: pa.Schema, columns: list[str]) -> str:
    if not files:
        return empty_select(pa.schema([schema.field(c) for c in columns]))
    listed = ", ".join(sql_string(f) for f in files)
    cols = ", ".join(f'"{c}"' for c in columns)
    return f"SELECT {cols} FROM read_parquet([{listed}], hive_partitioning = false)"


def _register_sources(con: duckdb.DuckDBPyConnection, lake: Lake, run_id: str, committed: set[str]) -> None:
    """Temp tables of the current version of each article (a re-ingested article's newest
    run wins), with a dense integer ``aid`` so the joins carry 4 bytes, not an id string."""
    articles = _read(
        _files(lake, "articles", run_id, committed), ARTICLES,
        ["article_id", "source", "published_at", "content_hash", "paragraph_count", "run_id",
         "input_path", "input_locator"],
    )
    # The same rule as the views: only the articles of the run that last ingested each input
    # are live (a changed file replaces its articles), this run's manifest included.
    manifest = _read(_files(lake, "manifest", run_id, committed), MANIFEST, [f.name for f in MANIFEST])
    statements, live = manifest_views(manifest, "true", temporary=True)
    for statement in statements:
        con.execute(statement)
    con.execute(
        f"""
        CREATE TEMP TABLE arts AS
        SELECT (row_number() OVER (ORDER BY article_id))::INTEGER AS aid, article_id, source,
               published_at, content_hash, paragraph_count, run_id, run_id = {sql_string(run_id)} AS is_new
        FROM ({articles})
        WHERE {live}
        QUALIFY row_number() OVER (
            PARTITION BY article_id ORDER BY run_id DESC, input_path, input_locator) = 1
        """
    )
    paragraphs = _read(
        _files(lake, "paragraphs", run_id, committed), PARAGRAPHS,
        ["article_id", "position", "text", "status", "key", "run_id"],
    )
    # Kept paragraphs without their text: what boilerplate and the body hashes need.
    con.execute(
        f"""
        CREATE TEMP TABLE kept AS
        SELECT a.aid, a.source, p.position, p.key, a.is_new
        FROM ({paragraphs}) p JOIN arts a ON a.article_id = p.article_id AND a.run_id = p.run_id
        WHERE p.status = 'kept'
        """
    )
    # The texts are read again only for the few boilerplate keys.
    con.execute(
        f"""
        CREATE TEMP VIEW texts AS
        SELECT a.source, p.key, p.text
        FROM ({paragraphs}) p JOIN arts a ON a.article_id = p.article_id AND a.run_id = p.run_id
        """
    )
    signatures = _read(
        _files(lake, "signatures", run_id, committed), SIGNATURES, ["article_id", "minhash", "bands", "run_id"]
    )
    con.execute(
        f"""
        CREATE TEMP TABLE sig AS
        SELECT a.aid, a.is_new, s.bands
        FROM ({signatures}) s JOIN arts a ON a.article_id = s.article_id AND a.run_id = s.run_id
        """
    )
    # The full signatures are read again only for the candidate pairs' articles.
    con.execute(
        f"""
        CREATE TEMP VIEW minhashes AS
        SELECT a.aid, s.minhash
        FROM ({signatures}) s JOIN arts a ON a.article_id = s.article_id AND a.run_id = s.run_id
        """
    )


# ---- 1. similar pairs ----------------------------------------------------------------------
def _similar_pairs(
    con: duckdb.DuckDBPyConnection, lake: Lake, latest: str | None, config: DedupConfig, full: bool
) -> pa.Table:
    """Table ``pairs(a, b, sim)`` (a < b): the near-duplicate edges of the whole lake."""
    perms = DEFAULT_MINHASH.num_perm
    con.execute(
        f"""
        CREATE TEMP TABLE members AS
        SELECT aid, {'true' if full else 'is_new'} AS probe,
               unnest(bands) AS h, unnest(range(len(bands)))::SMALLINT AS band
        FROM sig
        """
    )
    # Only buckets a probing (new) article falls in matter; a bucket's size decides
    # whether it pairs everyone or only with its hub (see DedupConfig.max_bucket).
    touched = "members" if full else (
        "members SEMI JOIN (SELECT DISTINCT band, h FROM members WHERE probe) USING (band, h)"
    )
    con.execute(
        f"""
        CREATE TEMP TABLE buckets AS
        SELECT band, h, count(*) AS n, min(aid) AS hub FROM {touched}
        GROUP BY band, h HAVING count(*) > 1
        """
    )
    con.execute(
        f"""
        CREATE TEMP TABLE candidates AS
        SELECT DISTINCT least(x.aid, y.aid) AS a, greatest(x.aid, y.aid) AS b
        FROM members x JOIN buckets k ON x.band = k.band AND x.h = k.h
        JOIN members y ON y.band = k.band AND y.h = k.h
        WHERE x.probe AND x.aid <> y.aid AND (k.n <= {int(config.max_bucket)} OR k.hub IN (x.aid, y.aid))
        """
    )
    con.execute(
        """
        CREATE TEMP TABLE wanted AS
        SELECT * FROM minhashes WHERE aid IN (SELECT a FROM candidates UNION SELECT b FROM candidates)
        """
    )
    con.execute(
        f"""
        CREATE TEMP TABLE pairs AS
        SELECT c.a, c.b,
               (list_sum(list_transform(range(1, {perms} + 1), lambda i: (sa.minhash[i] = sb.minhash[i])::INTEGER))
                / {perms})::FLOAT AS sim
        FROM candidates c JOIN wanted sa ON sa.aid = c.a JOIN wanted sb ON sb.aid = c.b
        """
    )
    con.execute(f"DELETE FROM pairs WHERE sim < {float(config.jaccard_threshold)}")
    if not full:
        # The pairs among older articles do not change: carry the previous run's over,
        # except those of articles this run wrote again (their pairs were just recomputed).
        previous = _read(
            sorted(str(p) for p in lake.run_dir("similar_pairs", latest).glob("*.parquet")),
            SIMILAR_PAIRS, ["article_id", "other_id", "similarity"],
        )
        con.execute(
            f"""
            INSERT INTO pairs
            SELECT least(x.aid, y.aid), greatest(x.aid, y.aid), p.similarity
            FROM ({previous}) p JOIN arts x ON x.article_id = p.article_id JOIN arts y ON y.article_id = p.other_id
            WHERE NOT x.is_new AND NOT y.is_new AND p.similarity >= {float(config.jaccard_threshold)}
            """
        )
    return con.sql("SELECT a, b FROM pairs").to_arrow_table()


def _components(con: duckdb.DuckDBPyConnection, name: str, edges: pa.Table) -> None:
    """Register ``name(aid, root)``: the connected components of ``edges`` (``a``, ``b``
    columns of aids), ``root`` the smallest aid of the component. Only the articles on an
    edge are listed; each other article is its own component."""
    a = edges.column(0).to_numpy().astype(np.int64)
    b = edges.column(1).to_numpy().astype(np.int64)
    nodes, inverse = np.unique(np.concatenate([a, b]), return_inverse=True)
    parent = np.arange(len(nodes))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    left, right = inverse[: len(a)], inverse[len(a) :]
    for i, j in zip(left.tolist(), right.tolist(), strict=True):
        ri, rj = find(i), find(j)
        if ri != rj:
            # nodes are sorted, so the smaller index is the smaller aid: roots stay minimal.
            parent[max(ri, rj)] = min(ri, rj)
    roots = np.array([find(i) for i in range(len(nodes))], dtype=np.int64)
    table = pa.table({"aid": pa.array(nodes, pa.int32()), "root": pa.array(nodes[roots] if len(nodes) else nodes,
                                                                          pa.int32())})
    con.register(f"{name}_arrow", table)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM {name}_arrow")
    con.unregister(f"{name}_arrow")


# ---- 2. boilerplate ------------------------------------------------------------------------
def _boilerplate(con: duckdb.DuckDBPyConnection, config: DedupConfig) -> tuple[int, int, int]:
    """Table ``bp``: the boilerplate keys per source. Returns the keys, their paragraphs
    lake-wide and this run's paragraphs among them."""
    min_stories = int(config.boilerplate_min_stories)
    # First a cheap count per (source, key); only keys seen often enough get the costlier
    # distinct-story count.
    con.execute(
        f"""
        CREATE TEMP TABLE bp AS
        WITH frequent AS (
            SELECT source, key FROM kept WHERE source IS NOT NULL
            GROUP BY source, key HAVING count(*) >= {min_stories}  -- an upper bound of the stories
        ), decided AS (
            SELECT p.source, p.key,
                   count(DISTINCT coalesce(s.root, p.aid)) AS stories,
                   count(DISTINCT p.aid) AS articles, count(*) AS paragraphs,
                   count(*) FILTER (WHERE p.is_new) AS new_paragraphs
            FROM kept p JOIN frequent f ON f.source = p.source AND f.key = p.key
            LEFT JOIN story s ON s.aid = p.aid
            GROUP BY p.source, p.key HAVING count(DISTINCT coalesce(s.root, p.aid)) >= {min_stories}
        ), sample AS (
            SELECT t.source, t.key, min(t.text) AS text
            FROM texts t SEMI JOIN decided d ON d.source = t.source AND d.key = t.key
            GROUP BY t.source, t.key
        )
        SELECT d.source, d.key, m.text, d.stories, d.articles, d.paragraphs, d.new_paragraphs
        FROM decided d JOIN sample m ON m.source = d.source AND m.key = d.key
        """
    )
    keys, paragraphs, new_paragraphs = con.execute(
        "SELECT count(*), coalesce(sum(paragraphs), 0), coalesce(sum(new_paragraphs), 0) FROM bp"
    ).fetchall()[0]
    return int(keys), int(paragraphs), int(new_paragraphs)


# ---- 3. exact duplicates ---------------------------------------------------------------------
def _exact_duplicates(con: duckdb.DuckDBPyConnection) -> None:
    """``eff(aid, ck, nonempty)``: each article's normalized-body hash once boilerplate is
    out; ``exact(aid, canon)``: the members of exact-duplicate groups and their canonical."""
    # Only articles holding boilerplate get a new hash; the others keep the shard's,
    # which is the same function (transforms.fingerprints.content_key).
    con.execute(
        """
        CREATE TEMP TABLE rehashed AS
        SELECT p.aid,
               md5(coalesce(string_agg(p.key, chr(10) ORDER BY p.position) FILTER (WHERE b.key IS NULL), ''))
                   AS ck,
               count(*) FILTER (WHERE b.key IS NULL) AS remaining
        FROM kept p LEFT JOIN bp b ON b.source = p.source AND b.key = p.key
        WHERE p.aid IN (SELECT q.aid FROM kept q JOIN bp c ON c.source = q.source AND c.key = q.key)
        GROUP BY p.aid
        """
    )
    con.execute(
        """
        CREATE TEMP TABLE eff AS
        SELECT a.aid, coalesce(r.ck, a.content_hash) AS ck, coalesce(r.remaining, a.paragraph_count) > 0 AS nonempty
        FROM arts a LEFT JOIN rehashed r ON r.aid = a.aid
        """
    )
    # An empty body is no evidence of anything: title-only articles are never duplicates.
    con.execute(
        """
        CREATE TEMP TABLE exact AS
        WITH groups AS (SELECT ck FROM eff WHERE nonempty GROUP BY ck HAVING count(*) > 1)
        SELECT e.aid, e.ck, first(e.aid ORDER BY a.published_at NULLS LAST, a.article_id)
                   OVER (PARTITION BY e.ck) AS canon
        FROM eff e JOIN groups g ON g.ck = e.ck JOIN arts a ON a.aid = e.aid
        """
    )


# ---- 4. clusters and staging ----------------------------------------------------------------
def _stage_decisions(con: duckdb.DuckDBPyConnection, staging: Path, run_id: str) -> tuple[int, ...]:
    """Stage the decision tables; return the ``Decisions`` counts after the boilerplate ones."""
    run = sql_string(run_id)
    duplicates = con.sql(
        f"""
        WITH members AS (
            SELECT c.aid, c.root, a.article_id, a.published_at FROM cluster c JOIN arts a ON a.aid = c.aid
        ), canon AS (
            SELECT root, first(article_id ORDER BY published_at NULLS LAST, article_id) AS cluster_id
            FROM members GROUP BY root
        )
        SELECT m.article_id, k.cluster_id, ca.article_id AS duplicate_of,
               CASE WHEN m.article_id = k.cluster_id THEN 'canonical'
                    WHEN x.canon <> x.aid THEN 'exact' ELSE 'near' END AS kind,
               e.ck AS content_key, {run} AS run_id
        FROM members m JOIN canon k ON k.root = m.root JOIN eff e ON e.aid = m.aid
        LEFT JOIN exact x ON x.aid = m.aid
        LEFT JOIN arts ca ON ca.aid = x.canon AND x.canon <> x.aid
        ORDER BY m.article_id
        """
    ).to_arrow_table()
    pairs = con.sql(
        f"""
        SELECT x.article_id, y.article_id AS other_id, p.sim AS similarity, {run} AS run_id
        FROM pairs p JOIN arts x ON x.aid = p.a JOIN arts y ON y.aid = p.b ORDER BY 1, 2
        """
    ).to_arrow_table()
    boilerplate = con.sql(
        f"""SELECT source, key, text, stories, articles, paragraphs, {run} AS run_id
        FROM bp ORDER BY source, paragraphs DESC, key"""
    ).to_arrow_table()
    tables = {"duplicates": (duplicates, DUPLICATES), "similar_pairs": (pairs, SIMILAR_PAIRS),
              "boilerplate": (boilerplate, BOILERPLATE)}
    assert set(tables) == set(DECISIONS)
    for name, (table, schema) in tables.items():
        write_parquet(table, schema, staging / name / "part-00000.parquet")

    con.register("decided", duplicates)
    row = con.execute(
        """
        SELECT count(*), count(*) FILTER (WHERE a.is_new),
               count(d.article_id) FILTER (WHERE d.kind = 'canonical'),
               count(d.article_id) FILTER (WHERE d.kind = 'exact'),
               count(d.article_id) FILTER (WHERE d.kind = 'near'),
               count(d.article_id) FILTER (WHERE d.kind <> 'canonical' AND a.is_new)
        FROM arts a LEFT JOIN decided d ON d.article_id = a.article_id
        """
    ).fetchall()[0]
    con.unregister("decided")
    articles, new, clusters, exact, near, run_duplicates = row
    return (articles, articles - exact - near, exact, near, clusters, pairs.num_rows,
            new - run_duplicates, run_duplicates)
