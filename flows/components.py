"""Connected components of an edge list, vectorized (consolidate's clusters)."""

from __future__ import annotations

import numpy as np


def connected_components(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """The connected components of the graph whose edges are ``a[i] - b[i]`` (integers).

    Returns ``(nodes, roots, rounds)``: the distinct nodes in ascending order, for each the
    smallest node of its component, and the rounds it took. Vectorized (numpy, no loop
    over edges or nodes in Python): every round hooks the larger of the two roots of an
    edge whose ends are still apart under the smaller one, then follows the parents up
    until every node points at its root; the edges whose ends share a root leave (they
    always will). Parents only ever point at smaller nodes, so a root is the smallest
    node of its tree, and when no edge is left apart each tree is a component. Memory:
    a few integers per edge and per node.

    >>> nodes, roots, _ = connected_components(np.array([5, 7, 2]), np.array([7, 9, 3]))
    >>> nodes.tolist(), roots.tolist()
    ([2, 3, 5, 7, 9], [2, 2, 5, 5, 5])
    """
    nodes, inverse = np.unique(np.concatenate([np.asarray(a), np.asarray(b)]), return_inverse=True)
    index = np.int32 if len(nodes) < 2**31 else np.int64
    inverse = inverse.astype(index, copy=False)
    left, right = inverse[: len(a)], inverse[len(a) :]
    parent = np.arange(len(nodes), dtype=index)
    rounds = 0
    while True:
        ra, rb = parent[left], parent[right]
        apart = ra != rb
        if not apart.any():
            break
        rounds += 1
        left, right, ra, rb = left[apart], right[apart], ra[apart], rb[apart]
        # nodes are sorted: the smaller index is the smaller node, so roots stay minimal.
        np.minimum.at(parent, np.maximum(ra, rb), np.minimum(ra, rb))
        while True:
            grand = parent[parent]
            if np.array_equal(grand, parent):
                break
            parent = grand
    return nodes, nodes[parent], rounds
