"""The network's construction against what it replaces: networkx's Watts-Strogatz graph
(the same ties for the same seed) and scipy's COO-to-CSR route (the same arrays)."""

from __future__ import annotations

import random

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp

from pushpull_sim.kernels.network import watts_strogatz_ties, wealth_order
from pushpull_sim.network import _words, symmetric_adjacency, watts_strogatz_edges


def _networkx_ties(n: int, k: int, p: float, seed: int) -> set[tuple[int, int]]:
    return {tuple(sorted(e)) for e in nx.watts_strogatz_graph(n, k, p, seed=seed).edges()}


def test_words_are_the_generators_outputs_in_order():
    a, b = random.Random(7), random.Random(7)
    np.testing.assert_array_equal(_words(a, 50), [b.getrandbits(32) for _ in range(50)])
    np.testing.assert_array_equal(_words(a, 3), [b.getrandbits(32) for _ in range(3)])


@pytest.mark.parametrize("case", range(120))
def test_ties_are_networkx_ties(case):
    rng = np.random.default_rng(case)
    n = int(rng.integers(3, 160))
    k = int(rng.integers(2, n))
    p = float(rng.choice([0.0, 0.05, 0.15, 0.5, 1.0, rng.random()]))
    seed = int(rng.integers(0, 2**32))
    got = watts_strogatz_edges(n, k, p, seed)
    want = _networkx_ties(n, k, p, seed)
    assert got.dtype == np.int64 and got.shape == (len(want), 2)
    assert {tuple(e) for e in got.tolist()} == want
    assert (got[:, 0] < got[:, 1]).all()
    keys = got[:, 0] * n + got[:, 1]
    assert (np.diff(keys) > 0).all()  # sorted


@pytest.mark.parametrize(("n", "k"), [(3, 2), (4, 3), (5, 4), (6, 5), (9, 8), (30, 28)])
def test_ties_are_networkx_ties_when_nodes_fill_up(n, k):
    """Dense rings rewired at p = 1: many redraws, and rewirings given up (a node tied to
    every other)."""
    for seed in range(20):
        got = watts_strogatz_edges(n, k, 1.0, seed)
        assert {tuple(e) for e in got.tolist()} == _networkx_ties(n, k, 1.0, seed)


def test_the_kernel_asks_for_more_words_and_then_agrees():
    n, k, p, seed = 60, 6, 0.5, 11
    words = _words(random.Random(seed), 4 * n * k)
    full, used = watts_strogatz_ties(n, k, p, words)
    assert 0 < used <= words.size
    short, none = watts_strogatz_ties(n, k, p, words[: used - 1])
    assert none == -1 and short.shape == (0, 2)
    again, used_again = watts_strogatz_ties(n, k, p, words[:used])
    assert used_again == used
    np.testing.assert_array_equal(again, full)
    assert {tuple(e) for e in full.tolist()} == _networkx_ties(n, k, p, seed)


@pytest.mark.parametrize("dtype", [np.int64, np.int32])
@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("n", [1, 2, 5, 300])
def test_adjacency_is_scipys_canonical_csr(seed, n, dtype):
    """The same arrays and dtypes (int64 indices from int64 ties, int32 when there are
    none) as the COO route."""
    rng = np.random.default_rng(seed)
    m = int(rng.integers(0, 3 * n))
    r = rng.integers(0, n, m).astype(dtype)
    c = rng.integers(0, n, m).astype(dtype)
    keep = r != c
    r, c = r[keep], c[keep]
    r = np.r_[r, r[: m // 4]]  # repeated ties
    c = np.r_[c, c[: m // 4]]
    got = symmetric_adjacency(r, c, n)
    want = sp.coo_array((np.ones(2 * r.size), (np.r_[r, c], np.r_[c, r])), shape=(n, n)).tocsr()
    want.sum_duplicates()
    want.data[:] = 1.0
    assert type(got) is type(want) and got.shape == want.shape
    for name in ("indptr", "indices", "data"):
        a, b = getattr(got, name), getattr(want, name)
        assert a.dtype == b.dtype, name
        np.testing.assert_array_equal(a, b)
    assert got.has_canonical_format and got.has_sorted_indices


@pytest.mark.parametrize("seed", range(8))
def test_wealth_order_is_numpys_lexsort(seed):
    rng = np.random.default_rng(seed)
    n = [0, 1, 2, 7, 100, 2000, 333, 4097][seed]
    village = np.sort(rng.integers(0, 9, n)).astype(np.int32)
    for wealth in (
        rng.lognormal(size=n),
        np.round(rng.normal(size=n), 1),  # many equal wealths
        np.zeros(n),
    ):
        for tie_break in (rng.random(n), np.zeros(n)):  # unwired villages: tie-break 0
            np.testing.assert_array_equal(
                wealth_order(village, wealth, tie_break), np.lexsort((tie_break, wealth, village))
            )
    shuffled = rng.integers(0, 9, n)  # villages in any order
    w = np.round(rng.normal(size=n), 1)
    np.testing.assert_array_equal(
        wealth_order(shuffled, w, np.zeros(n)), np.lexsort((np.zeros(n), w, shuffled))
    )


def test_adjacency_with_hubs_is_scipys():
    """Rows longer than the insertion sort's limit (a hub tied to most nodes)."""
    rng = np.random.default_rng(5)
    n = 200
    r = np.r_[np.zeros(150, np.int64), rng.integers(0, n, 300)]
    c = np.r_[rng.integers(1, n, 150), rng.integers(0, n, 300)]
    keep = r != c
    got = symmetric_adjacency(r[keep], c[keep], n)
    want = sp.coo_array(
        (np.ones(2 * keep.sum()), (np.r_[r[keep], c[keep]], np.r_[c[keep], r[keep]])), shape=(n, n)
    ).tocsr()
    want.sum_duplicates()
    assert np.diff(got.indptr).max() > 32
    np.testing.assert_array_equal(got.indptr, want.indptr)
    np.testing.assert_array_equal(got.indices, want.indices)
