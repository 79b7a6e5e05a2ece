"""Consolidate: the decisions that need the whole lake (duplicates, boilerplate).

Runs after every shard of a run is staged and before the run is committed. It reads the
staged run plus the committed lake with DuckDB and stages small decision tables next to
the run's facts, so that the commit publishes facts and decisions together.

The decisions, in the order they depend on each other:

1. **Similar pairs** (near-duplicate edges). Every article's MinHash bands (the
   ``signatures`` facts the shards wrote) are joined in DuckDB; pairs sharing a band are
   verified by their estimated Jaccard similarity. Exact copies (one content hash, so
   one signature) enter the join once, through their smallest article, and each other
   copy gets one edge to it. Only pairs with a new article are computed: the pairs among
   older articles are the previous run's, carried over.
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

import os
import shutil
from pathlib import Path
from typing import NamedTuple

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from flows.apart import call_apart
from flows.components import connected_components
from flows.lake import Lake
from flows.manifest import view_statements as manifest_views
from flows.parquet import PARQUET_COMPRESSION, lake_io
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
      of times) pairs each member with the bucket's smallest member (its hub) only: N
      copies give N - 1 candidate pairs, not N(N - 1)/2, and the join never forms the
      others; the cluster is the same, a few edges fewer. A bucket up to ``max_bucket``
      pairs all its members, at most ``max_bucket - 1`` candidates per member and band.
    - ``full``: recompute every similar pair instead of only the new articles' (needed
      after changing ``jaccard_threshold`` or the MinHash config).
    - ``memory_limit``: DuckDB's memory budget ("1GB", "512MB"); beyond it DuckDB spills
      to disk under the lake's ``_staging``, so consolidate's memory stays the same as the
      lake grows. None (or "none") leaves DuckDB's own default (80% of RAM), which grows
      with the lake.
    - ``threads``: DuckDB threads; None is the cores, at most ``MAX_THREADS`` (each thread
      needs its share of the budget).
    """

    jaccard_threshold: float = 0.8
    boilerplate_min_stories: int = 3
    max_bucket: int = 200
    full: bool = False
    memory_limit: str | None = "1GB"
    threads: int | None = None


MAX_THREADS = 4
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


def consolidate(
    lake_root: str, run_id: str, config: DedupConfig | None = None, *, stats: dict | None = None
) -> Decisions:
    """Stage this run's decision tables; return what was decided (``Decisions``).

    ``stats``, when given, receives figures about the work itself (not decisions):
    ``candidate_pairs`` (pairs verified by their signatures), ``band_pairs`` (the band
    join's rows before the pairs found in several bands count once), ``largest_bucket``,
    ``large_buckets`` (buckets over ``max_bucket``), and for the two component passes
    ``story_edges``, ``story_rounds``, ``cluster_edges``, ``cluster_rounds``.
    """
    config = config or DEFAULT_DEDUP
    stats = {} if stats is None else stats
    lake = Lake(lake_root)
    staging = lake.staging_dir(run_id)
    tmp = lake.root / "_staging" / f"{run_id}.duckdb-tmp"
    con = duckdb.connect()
    try:
        for name, value in _duckdb_settings(config, tmp).items():
            con.execute(f"SET {name} = {sql_string(value)}")
        committed = lake.committed_runs()
        _register_sources(con, lake, run_id, committed)
        latest = max(committed) if committed else None
        full = config.full or latest is None or not any(lake.run_dir("similar_pairs", latest).glob("*.parquet"))
        _similar_pairs(con, lake, latest, config, full, stats)
        _components(con, "story", "SELECT a, b FROM pairs", stats)
        boilerplate = _boilerplate(con, config)
        _exact_duplicates(con)
        _components(
            con, "cluster",
            "SELECT a, b FROM pairs WHERE a IN (SELECT aid FROM eff WHERE nonempty) "
            "AND b IN (SELECT aid FROM eff WHERE nonempty) "
            "UNION ALL SELECT aid, canon FROM exact WHERE aid <> canon",
            stats,
        )
        return Decisions(*boilerplate, *_stage_decisions(con, staging, run_id))
    finally:
        con.close()
        shutil.rmtree(tmp, ignore_errors=True)


def consolidate_apart(lake_root: str, run_id: str, config: DedupConfig | None = None) -> Decisions:
    """``consolidate`` in a process of its own (forked, ``flows.apart``), for the flow: the
    caller's memory does not grow with the lake. DuckDB's budget
    (``DedupConfig.memory_limit``) and all that consolidate holds are the child's, and are
    given back when it exits; the caller only waits. An exception in the child is raised
    here (an ``OSError`` keeps its file); a child that dies (killed for memory) is a
    ``RuntimeError`` saying so."""
    return call_apart(consolidate, lake_root, run_id, config, what=f"consolidate for run {run_id}",
                      hint="out of memory? lower DedupConfig.memory_limit")


def _duckdb_settings(config: DedupConfig, tmp: Path) -> dict[str, str]:
    """The connection's settings: the memory budget, the threads, spilling under ``tmp``."""
    settings = {
        "temp_directory": str(tmp),
        "preserve_insertion_order": "false",
        "enable_progress_bar": "false",
        "threads": str(config.threads or max(1, min(os.cpu_count() or 1, MAX_THREADS))),
    }
    if config.memory_limit and config.memory_limit.lower() != "none":
        settings["memory_limit"] = config.memory_limit
    return settings


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
    # ``rep``: the smallest aid of the articles with the same content hash (the same kept
    # paragraphs, so the same signature); only representatives enter the band join.
    con.execute(
        f"""
        CREATE TEMP TABLE sig AS
        SELECT a.aid, a.is_new, s.bands, min(a.aid) OVER (PARTITION BY a.content_hash) AS rep
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
    con: duckdb.DuckDBPyConnection, lake: Lake, latest: str | None, config: DedupConfig, full: bool, stats: dict
) -> None:
    """Table ``pairs(a, b, sim)`` (a < b): the near-duplicate edges of the whole lake.

    Exact copies are joined once: the articles with one content hash (the same kept
    paragraphs, so the very same signature) form a group, only its representative (its
    smallest aid) enters the band join, and each other member gets one edge to it with
    similarity 1.0. A story with N verbatim copies costs the band join one article, not N.
    """
    previous = None
    if not full:  # the previous snapshot, read once: for the probing groups and the carry-over
        snapshot = _read(
            sorted(str(p) for p in lake.run_dir("similar_pairs", latest).glob("*.parquet")),
            SIMILAR_PAIRS, ["article_id", "other_id", "similarity"],
        )
        con.execute(f"CREATE TEMP TABLE previous_pairs AS {snapshot}")
        previous = "SELECT * FROM previous_pairs"
    _probing(con, previous)
    perms = DEFAULT_MINHASH.num_perm
    max_bucket = int(config.max_bucket)
    # One band at a time, straight from the representatives' signatures: a band's buckets
    # are counted over one row per article (not all bands' rows at once), so the
    # aggregation stays within the memory budget longer before it spills.
    con.execute(
        """
        CREATE TEMP TABLE reps AS
        SELECT s.aid, g.probe, s.bands FROM sig s JOIN probing g ON g.aid = s.aid WHERE s.aid = s.rep
        """
    )
    bands = con.execute("SELECT coalesce(max(len(bands)), 0) FROM reps").fetchall()[0][0]
    con.execute("CREATE TEMP TABLE band_pairs (a INTEGER, b INTEGER)")
    largest = large = 0
    for band in range(1, int(bands) + 1):
        rows = f"SELECT aid, probe, bands[{band}] AS h FROM reps"
        # Only buckets a probing (new) article falls in matter; a bucket's size decides
        # whether it pairs everyone or only with its hub (see DedupConfig.max_bucket).
        touched = "m" if full else "m SEMI JOIN (SELECT h FROM m WHERE probe) USING (h)"
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE bucket_members AS
            WITH m AS ({rows}), k AS (
                SELECT h, count(*) AS n, min(aid) AS hub, arg_min(probe, aid) AS hub_probe
                FROM {touched} WHERE h IS NOT NULL GROUP BY h HAVING count(*) > 1
            )
            SELECT m.aid, m.probe, m.h, k.n, k.hub, k.hub_probe FROM m JOIN k ON k.h = m.h
            """
        )
        # The pairs a probing article x makes with the other members y of its buckets. A
        # small bucket pairs all of them (a self-join of its members, at most max_bucket
        # each). A large bucket pairs each member with the hub, with no member-by-member
        # join: the pair {m, hub} exists when m or the hub probes.
        con.execute(
            f"""
            INSERT INTO band_pairs
            SELECT least(x.aid, y.aid), greatest(x.aid, y.aid)
            FROM bucket_members x JOIN bucket_members y ON y.h = x.h
            WHERE x.n <= {max_bucket} AND y.n <= {max_bucket} AND x.probe AND x.aid <> y.aid
            UNION ALL
            SELECT least(aid, hub), greatest(aid, hub) FROM bucket_members
            WHERE n > {max_bucket} AND aid <> hub AND (probe OR hub_probe)
            """
        )
        top, over = con.execute(
            f"SELECT coalesce(max(n), 0), count(DISTINCT h) FILTER (WHERE n > {max_bucket}) FROM bucket_members"
        ).fetchall()[0]
        largest, large = max(largest, int(top)), large + int(over)
    con.execute("DROP TABLE IF EXISTS bucket_members")
    con.execute("CREATE TEMP TABLE candidates AS SELECT DISTINCT a, b FROM band_pairs")
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
    # Each copy's edge to its representative (a < b: the representative is the smallest).
    con.execute("INSERT INTO pairs SELECT rep, aid, 1.0 FROM probing WHERE aid <> rep AND probe")
    candidates, band_pairs, representatives, copies = con.execute(
        """SELECT (SELECT count(*) FROM candidates), (SELECT count(*) FROM band_pairs),
                  (SELECT count(*) FROM reps), (SELECT count(*) FROM probing WHERE aid <> rep)"""
    ).fetchall()[0]
    stats.update(candidate_pairs=int(candidates), band_pairs=int(band_pairs), largest_bucket=largest,
                 large_buckets=large, representatives=int(representatives), copies=int(copies))
    for name in ("band_pairs", "candidates", "wanted", "reps"):
        con.execute(f"DROP TABLE {name}")
    if previous is not None:
        # The pairs of groups nothing happened to do not change: carry the previous run's
        # over. A group probes (and its pairs were just recomputed) when it holds an
        # article of this run or an article whose previous pair lost its other end.
        con.execute(
            f"""
            INSERT INTO pairs
            SELECT least(x.aid, y.aid), greatest(x.aid, y.aid), p.similarity
            FROM ({previous}) p JOIN arts x ON x.article_id = p.article_id JOIN arts y ON y.article_id = p.other_id
            JOIN probing gx ON gx.aid = x.aid JOIN probing gy ON gy.aid = y.aid
            WHERE NOT gx.probe AND NOT gy.probe AND p.similarity >= {float(config.jaccard_threshold)}
            """
        )
        con.execute("DROP TABLE previous_pairs")


def _probing(con: duckdb.DuckDBPyConnection, previous: str | None) -> None:
    """Table ``probing(aid, rep, probe)``: each signed article, its group's representative,
    and whether its group's pairs are computed in this run (all of them without a
    ``previous`` snapshot). A group probes when one of its articles is new (this run wrote
    it), or is the live end of a previous pair whose other end is new or no longer live:
    that group may have lost its representative (a removed or rewritten article), and the
    pairs its next representative makes were never computed."""
    if previous is None:
        con.execute("CREATE TEMP TABLE probing AS SELECT aid, rep, true AS probe FROM sig")
        return
    con.execute(
        f"""
        CREATE TEMP TABLE probing AS
        WITH prev AS ({previous}), ends AS (
            SELECT article_id AS here, other_id AS there FROM prev
            UNION ALL SELECT other_id, article_id FROM prev
        ), marked AS (
            SELECT DISTINCT h.aid FROM ends e JOIN arts h ON h.article_id = e.here
            LEFT JOIN arts t ON t.article_id = e.there
            WHERE t.aid IS NULL OR t.is_new
        )
        SELECT s.aid, s.rep, bool_or(s.is_new OR m.aid IS NOT NULL) OVER (PARTITION BY s.rep) AS probe
        FROM sig s LEFT JOIN marked m ON m.aid = s.aid
        """
    )


def _components(con: duckdb.DuckDBPyConnection, name: str, edges: str, stats: dict) -> None:
    """Register ``name(aid, root)``: the connected components of the ``edges`` query's
    (``a``, ``b``) aids, ``root`` the smallest aid of the component. Only the articles on
    an edge are listed; each other article is its own component."""
    table = con.sql(edges).to_arrow_table()
    a = table.column(0).to_numpy()
    b = table.column(1).to_numpy()
    del table
    nodes, roots, rounds = connected_components(a, b)
    stats[f"{name}_edges"] = len(a)
    stats[f"{name}_rounds"] = rounds
    result = pa.table({"aid": pa.array(nodes, pa.int32()), "root": pa.array(roots, pa.int32())})
    con.register(f"{name}_arrow", result)
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
    """Stage the decision tables; return the ``Decisions`` counts after the boilerplate ones.

    The tables go from DuckDB to Parquet batch by batch, never whole in Python memory."""
    run = sql_string(run_id)
    con.execute(
        f"""
        CREATE TEMP TABLE decided AS
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
        """
    )
    queries = {
        "duplicates": ("SELECT * FROM decided ORDER BY article_id", DUPLICATES),
        "similar_pairs": (
            f"""SELECT x.article_id, y.article_id AS other_id, p.sim AS similarity, {run} AS run_id
            FROM pairs p JOIN arts x ON x.aid = p.a JOIN arts y ON y.aid = p.b ORDER BY 1, 2""",
            SIMILAR_PAIRS,
        ),
        "boilerplate": (
            f"""SELECT source, key, text, stories, articles, paragraphs, {run} AS run_id
            FROM bp ORDER BY source, paragraphs DESC, key""",
            BOILERPLATE,
        ),
    }
    assert set(queries) == set(DECISIONS)
    written = {name: _write_query(con, sql, schema, staging / name / "part-00000.parquet")
               for name, (sql, schema) in queries.items()}

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
    articles, new, clusters, exact, near, run_duplicates = row
    return (articles, articles - exact - near, exact, near, clusters, written["similar_pairs"],
            new - run_duplicates, run_duplicates)


BATCH_ROWS = 100_000  # rows per batch from DuckDB to Parquet


def _write_query(con: duckdb.DuckDBPyConnection, sql: str, schema: pa.Schema, path: Path) -> int:
    """Write a query's rows as ``path`` with exactly ``schema`` (zstd), a batch at a time,
    atomically (a temporary file, then rename), as ``flows.parquet.write_parquet`` does for
    a table in memory. Returns the number of rows."""
    reader = con.sql(sql).to_arrow_reader(BATCH_ROWS)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    rows = 0
    with lake_io(path):
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with pq.ParquetWriter(tmp, schema, compression=PARQUET_COMPRESSION) as writer:
                for batch in reader:
                    table = pa.Table.from_batches([batch]).select(schema.names).cast(schema)
                    writer.write_table(table)
                    rows += table.num_rows
                if not rows:  # one empty row group, as write_parquet writes an empty table
                    writer.write_table(schema.empty_table())
            os.replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
    return rows
