"""Consolidate at scale: the band join stays linear in the copies of a story, the
components code agrees with a plain union-find, and the decision tables are written the
same way whatever their size.

The lakes here are synthetic (``bench.dedup.generate``: signatures are random numbers,
copies are copies of them), which is all consolidate looks at.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.dedup import commit, generate
from flows.consolidate import DedupConfig, connected_components, consolidate
from flows.lake import Lake
from transforms.fingerprints import DEFAULT_MINHASH

RUN = "20240101T000000Z-scale"


def reference_components(edges: list[tuple[int, int]]) -> dict[int, int]:
    """Each node on an edge -> the smallest node of its component (plain union-find)."""
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]  # path halving: a long chain stays cheap
            x = parent[x]
        return x

    for a, b in edges:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return {x: find(x) for x in parent}


def check_components(edges: list[tuple[int, int]]) -> int:
    a = np.array([e[0] for e in edges], dtype=np.int64)
    b = np.array([e[1] for e in edges], dtype=np.int64)
    nodes, roots, rounds = connected_components(a, b)
    expected = reference_components(edges)
    assert nodes.tolist() == sorted(expected)
    assert dict(zip(nodes.tolist(), roots.tolist(), strict=True)) == expected
    return rounds


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 60), st.integers(0, 60)), max_size=120))
def test_components_agree_with_union_find_on_random_graphs(edges):
    check_components(edges)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(-(2**31), 2**31 - 1), st.integers(-(2**31), 2**31 - 1)), max_size=40),
       st.randoms(use_true_random=False))
def test_components_of_sparse_ids_and_chains_in_any_order(edges, rnd):
    # Far-apart ids (not 0..n), plus a long chain whose edges come in a random order.
    chain = list(range(1000, 1400, 3))
    links = list(zip(chain, chain[1:], strict=False))
    rnd.shuffle(links)
    check_components(edges + [(b, a) if rnd.random() < 0.5 else (a, b) for a, b in links])


def test_components_of_long_paths_take_few_rounds():
    # A path given from its far end, and one whose nodes alternate ends: both one component.
    n = 100_000
    path = [(i, i + 1) for i in reversed(range(n))]
    zigzag = list(range(0, n, 2)) + list(reversed(range(1, n, 2)))
    rounds = check_components(path + [(zigzag[i] + n, zigzag[i + 1] + n) for i in range(n - 1)])
    assert rounds <= 40  # a Python loop over the nodes would be the other way to get there


def test_components_of_no_edges():
    nodes, roots, rounds = connected_components(np.array([], dtype=np.int32), np.array([], dtype=np.int32))
    assert nodes.tolist() == [] and roots.tolist() == [] and rounds == 0


# ---- the bucket rule ---------------------------------------------------------------------------
def _staged(lake: Lake, table: str) -> list[dict]:
    return pq.read_table(lake.staging_dir(RUN) / table / "part-00000.parquet").to_pylist()


def _articles(lake: Lake) -> list[dict]:
    return pq.read_table(lake.staging_dir(RUN) / "articles", columns=["article_id", "published_at",
                                                                      "content_hash"]).to_pylist()


@pytest.mark.parametrize("copies", [3000])
def test_a_story_in_thousands_of_outlets_makes_linear_pairs_and_one_cluster(tmp_path, copies):
    lake = Lake(tmp_path / "lake")
    generate(lake, RUN, 0, 300, seed=5, syndicated=copies)  # 300 other articles, then the copies
    stats: dict = {}
    decisions = consolidate(str(lake.root), RUN, DedupConfig(), stats=stats)

    # Each copy pairs with at most one hub per band: linear, where all pairs would be 4.5 M.
    bands = DEFAULT_MINHASH.bands
    assert stats["largest_bucket"] > DedupConfig().max_bucket
    assert stats["band_pairs"] <= bands * (copies + 300) * 2
    assert stats["candidate_pairs"] <= bands * copies < copies * (copies - 1) // 2 // 90

    articles = _articles(lake)
    story = articles[300:]  # generate writes the copies last
    canonical = min(story, key=lambda r: (r["published_at"], r["article_id"]))["article_id"]
    decided = {r["article_id"]: r for r in _staged(lake, "duplicates")}
    story_ids = {r["article_id"] for r in story}
    assert story_ids <= set(decided)
    assert {decided[i]["cluster_id"] for i in story_ids} == {canonical}
    assert decided[canonical]["kind"] == "canonical"
    # The verbatim copies form one exact group: each points at its earliest member.
    by_hash: dict[str, list[dict]] = {}
    for r in story:
        by_hash.setdefault(r["content_hash"], []).append(r)
    verbatim = max(by_hash.values(), key=len)
    assert len(verbatim) > copies // 3
    first = min(verbatim, key=lambda r: (r["published_at"], r["article_id"]))["article_id"]
    assert {decided[r["article_id"]]["duplicate_of"] for r in verbatim if r["article_id"] != first} == {first}
    assert decisions.clusters == len({r["cluster_id"] for r in decided.values()})


@pytest.mark.parametrize("copies, pairs", [(20, 20 * 19 // 2), (21, 20)])
def test_a_bucket_over_max_bucket_pairs_with_its_hub_only(tmp_path, copies, pairs):
    # Articles with one signature but each its own body (content hash) share all 16
    # buckets: up to max_bucket members every pair is a candidate; one more and each member
    # pairs with the smallest only. One cluster either way.
    lake = Lake(tmp_path / "lake")
    generate(lake, RUN, 0, 0, seed=6, syndicated=copies)
    signatures = lake.staging_dir(RUN) / "signatures" / "part-00000.parquet"
    table = pq.read_table(signatures)
    for name in ("minhash", "bands"):  # every copy the first one's signature
        column = table.column(name)
        same = pa.array([column[0].as_py()] * table.num_rows, table.schema.field(name).type)
        table = table.set_column(table.schema.get_field_index(name), name, same)
    pq.write_table(table, signatures)
    _distinct_bodies(lake)
    stats: dict = {}
    consolidate(str(lake.root), RUN, DedupConfig(max_bucket=20), stats=stats)
    assert stats["candidate_pairs"] == pairs
    assert stats["large_buckets"] == (DEFAULT_MINHASH.bands if copies > 20 else 0)
    story = {r["article_id"] for r in _articles(lake)}
    decided = {r["article_id"]: r for r in _staged(lake, "duplicates")}
    assert set(decided) == story and len({r["cluster_id"] for r in decided.values()}) == 1
    similar = _staged(lake, "similar_pairs")
    assert len(similar) == pairs
    if copies > 20:  # the hub is the smallest article_id: on every edge
        hub = min(story)
        assert all(hub in (r["article_id"], r["other_id"]) for r in similar)


def _distinct_bodies(lake: Lake) -> None:
    """Give every staged article a content hash of its own (no exact copies)."""
    path = lake.staging_dir(RUN) / "articles" / "part-00000.parquet"
    table = pq.read_table(path)
    index = table.schema.get_field_index("content_hash")
    unique = pa.array([f"{i:032x}" for i in range(table.num_rows)], pa.string())
    pq.write_table(table.set_column(index, "content_hash", unique), path)


# ---- exact copies ----------------------------------------------------------------------------------
def _pairs(lake: Lake, run_id: str = RUN, staged: bool = True) -> list[tuple]:
    where = lake.staging_dir(run_id) / "similar_pairs" if staged else lake.run_dir("similar_pairs", run_id)
    return sorted((r["article_id"], r["other_id"], r["similarity"]) for r in pq.read_table(where).to_pylist())


def test_exact_copies_enter_the_band_join_once_and_point_at_their_smallest(tmp_path):
    # 2,000 copies of one story, 40% of them verbatim (one content hash): the verbatim ones
    # are one article in the band join; each other verbatim copy has one edge, to the group's
    # smallest article_id, with similarity 1.
    lake = Lake(tmp_path / "lake")
    generate(lake, RUN, 0, 300, seed=8, syndicated=2000)
    stats: dict = {}
    decisions = consolidate(str(lake.root), RUN, DedupConfig(), stats=stats)
    articles = _articles(lake)
    groups: dict[str, list[str]] = {}
    for r in articles:
        groups.setdefault(r["content_hash"], []).append(r["article_id"])
    verbatim = max(groups.values(), key=len)
    assert len(verbatim) > 500
    expected_copies = sum(len(g) - 1 for g in groups.values())
    assert stats["copies"] == expected_copies >= len(verbatim) - 1
    assert stats["representatives"] == len(articles) - expected_copies
    rep = min(verbatim)
    pairs = _pairs(lake)
    for member in set(verbatim) - {rep}:
        on = [p for p in pairs if member in p[:2]]
        assert on == [(rep, member, 1.0)]
    # The near copies reach the verbatim group through its representative: one cluster.
    decided = {r["article_id"]: r for r in _staged(lake, "duplicates")}
    story = {r["article_id"] for r in articles[300:]}
    assert story <= set(decided) and len({decided[i]["cluster_id"] for i in story}) == 1
    assert decisions.similar_pairs == len(pairs)


def _run(lake: Lake, run_id: str, first: int, count: int, seed: int, syndicated: int) -> dict:
    generate(lake, run_id, first, count, seed=seed, syndicated=syndicated)
    stats: dict = {}
    consolidate(str(lake.root), run_id, DedupConfig(), stats=stats)
    commit(lake, run_id, count + syndicated)
    return stats


def _decisions(lake: Lake, run_id: str, staged: bool) -> dict[str, list[tuple]]:
    out = {}
    for table in ("duplicates", "similar_pairs", "boilerplate"):
        where = lake.staging_dir(run_id) / table if staged else lake.run_dir(table, run_id)
        rows = pq.read_table(where).drop(["run_id"]).to_pylist()
        out[table] = sorted(tuple(r.values()) for r in rows)
    return out


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_copies_arriving_in_later_runs_decide_as_a_full_recompute(tmp_path, seed):
    # Three runs, each with more copies of the same story (its verbatim copies share one
    # content hash across runs); the group's smallest article may come in any run. Every
    # incremental snapshot equals the one a full recompute of the same lake stages.
    lake = Lake(tmp_path / "lake")
    first = 0
    for i, (count, copies) in enumerate([(200, 30), (50, 40), (20, 25)]):
        run_id = f"2024010{i + 1}T000000Z-scale"
        stats = _run(lake, run_id, first, count, seed + 100 * i, copies)
        first += count + copies
        check = f"2024010{i + 1}T000001Z-check"
        consolidate(str(lake.root), check, DedupConfig(full=True))
        assert _decisions(lake, run_id, staged=False) == _decisions(lake, check, staged=True)
        assert stats["copies"] > 0


# ---- in a process of its own ---------------------------------------------------------------------
@pytest.mark.server  # it starts a process
def test_consolidate_apart_decides_the_same_and_brings_errors_back(tmp_path):
    lake = Lake(tmp_path / "lake")
    generate(lake, RUN, 0, 2000, seed=7, syndicated=300)
    here = consolidate(str(lake.root), RUN)
    tables = {t: pq.read_table(lake.staging_dir(RUN) / t / "part-00000.parquet") for t in ("duplicates",
                                                                                          "similar_pairs")}
    from flows.consolidate import consolidate_apart

    apart = consolidate_apart(str(lake.root), RUN)
    assert apart == here and here.clusters > 0
    for name, table in tables.items():
        assert pq.read_table(lake.staging_dir(RUN) / name / "part-00000.parquet").equals(table)
    with pytest.raises(Exception, match="(?i)memory"):
        consolidate_apart(str(lake.root), RUN, DedupConfig(memory_limit="lots of memory"))
