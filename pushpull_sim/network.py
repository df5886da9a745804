"""The social network: villages with wealth homophily plus a few cross-village ties.

Within each village, households are placed on a ring in order of baseline wealth and
joined by a Watts-Strogatz graph (seeded from the model's ``"network"`` stream): each
household is tied to its neighbours in the wealth ranking, and a share ``rewiring_prob``
of ties is rewired at random. So the very poor mostly know other poor
households and have few ties to upwardly mobile ones (the LEO call's point about
networks). A few ties cross villages. The result is returned as a symmetric scipy CSR
matrix, used in the monthly step.

The Watts-Strogatz graphs are drawn by :func:`watts_strogatz_edges`, which makes the
same random draws as ``networkx.watts_strogatz_graph`` with the same seed and returns the
same ties, without building a networkx graph per village: the village's generator
output is drawn in one call and read by a compiled kernel, about ten times faster than
networkx for a village of 100. The CSR arrays are built directly from the sorted ties
(:func:`symmetric_adjacency`), as scipy's COO conversion would build them.
"""

from __future__ import annotations

import random

import networkx as nx
import numpy as np
import scipy.sparse as sp

from pushpull_sim.kernels import network as kernels
from pushpull_sim.rng import RandomStreams
from pushpull_sim.scenario import Network


def build_network(
    village: np.ndarray,
    wealth: np.ndarray,
    p: Network,
    streams: RandomStreams,
) -> sp.csr_array:
    """Build the household social network.

    Args:
        village: Village index of each household, shape ``(n,)``, int; households of a
            village are contiguous.
        wealth: Baseline wealth (assets + savings), USD PPP, shape ``(n,)``.
        p: Network parameters.
        streams: The model's random streams (uses ``"network"``).

    Returns:
        scipy.sparse.csr_array: Symmetric 0/1 adjacency, shape ``(n, n)``, float64, no
        self-loops.
    """
    rng = streams.get("network")
    n = village.size
    starts = np.flatnonzero(np.r_[True, village[1:] != village[:-1]])
    ends = np.r_[starts[1:], n]
    sizes = ends - starts
    degree = np.minimum(p.mean_degree, sizes - 1 - (sizes - 1) % 2)
    wired = (sizes >= 3) & (degree >= 2)
    # order by wealth within each village, random tie-break, so ring neighbours are of
    # similar wealth: one sort for all villages (compiled, the order of numpy's lexsort),
    # and the tie-breaks drawn in one call (the same numbers as one call per village)
    members = np.repeat(wired, sizes)
    tie_break = np.zeros(n)
    tie_break[members] = rng.random(int(sizes[wired].sum()))
    if np.isnan(wealth).any():  # NaN sorts last: numpy's order
        order = np.lexsort((tie_break, wealth, village))
    else:
        order = kernels.wealth_order(village, wealth, tie_break)
    # each village's ring, by position in the village's wealth order, then households
    local = [
        watts_strogatz_edges(
            size, k, p.rewiring_prob, seed=streams.integer_seed(f"network.village.{v}")
        )
        + lo
        for v, lo, size, k in zip(
            np.flatnonzero(wired).tolist(),
            starts[wired].tolist(),
            sizes[wired].tolist(),
            degree[wired].tolist(),
            strict=True,
        )
    ]
    ties = order[np.concatenate(local)] if local else np.zeros((0, 2), np.int64)
    r, c = ties[:, 0], ties[:, 1]
    n_cross = int(round(p.cross_village_ties_per_household * n / 2))
    if n_cross and starts.size > 1:
        a = rng.integers(0, n, n_cross)
        b = rng.integers(0, n, n_cross)
        keep = village[a] != village[b]
        r = np.concatenate([r, a[keep]])
        c = np.concatenate([c, b[keep]])
    return symmetric_adjacency(r, c, n)


def symmetric_adjacency(r: np.ndarray, c: np.ndarray, n: int) -> sp.csr_array:
    """The symmetric 0/1 adjacency of ties ``(r[i], c[i])``, in canonical CSR form.

    Built directly, each row's neighbours sorted and distinct (compiled:
    :func:`pushpull_sim.kernels.network.symmetric_csr`): the same arrays (``indptr``,
    ``indices``, ``data`` and their dtypes) as ``scipy.sparse.coo_array`` of both
    directions, ``tocsr()``, ``sum_duplicates()`` and every entry set to 1, without
    scipy's conversions.

    Args:
        r: One end of each tie, int, shape ``(m,)``; ties may repeat, never ``r == c``.
        c: The other end, int, shape ``(m,)``.
        n: Nodes.

    Returns:
        scipy.sparse.csr_array: Shape ``(n, n)``, float64, sorted indices, no duplicates.
    """
    if r.size == 0:  # scipy's empty CSR: int32 indices (while n fits)
        return sp.csr_array((n, n))
    # the index dtype scipy keeps for these ties (a sparse array keeps int64 indices)
    index = sp.get_index_dtype((r, c), maxval=max(2 * r.size, n))
    indptr, indices = kernels.symmetric_csr(r, c, n)
    adj = sp.csr_array(
        (np.ones(indices.size), indices.astype(index), indptr.astype(index)), shape=(n, n)
    )
    adj.has_canonical_format = True  # sorted and distinct, as built
    return adj


def watts_strogatz_edges(n: int, k: int, p: float, seed: int) -> np.ndarray:
    """Ties of a Watts-Strogatz graph: ``networkx.watts_strogatz_graph(n, k, p, seed)``.

    The same algorithm and the same draws from ``random.Random(seed)`` as networkx (3.x):
    a ring where each node is tied to its ``k // 2`` nearest neighbours on each side,
    then each tie ``(u, u + j)`` is, with probability ``p``, rewired to a node drawn
    uniformly (no self-loops or duplicates), in the same order. So the ties are exactly
    those of the networkx graph, at a fraction of the cost: the generator's 32-bit words
    are drawn here in one call (``getrandbits``) and read, as ``random()`` and
    ``choice()`` read them, by the compiled
    :func:`pushpull_sim.kernels.network.watts_strogatz_ties`.

    Args:
        n: Nodes, ``2 <= k < n < 2**32``.
        k: Ring neighbours of each node (even; an odd k acts as k - 1).
        p: Rewiring probability, 0-1.
        seed: Integer seed.

    Returns:
        numpy.ndarray: Ties ``(u, w)`` with ``u < w``, sorted, int64, shape ``(m, 2)``.
    """
    rnd = random.Random(seed)
    steps = (k // 2) * n
    # two words a step, and about two a rewiring (more are drawn if these run out)
    words = _words(rnd, 2 * steps + int(4 * p * steps) + 64)
    while True:
        ties, used = kernels.watts_strogatz_ties(n, k, float(p), words)
        if used >= 0:
            return ties
        words = np.concatenate([words, _words(rnd, words.size)])


def _words(rnd: random.Random, count: int) -> np.ndarray:
    """The generator's next ``count`` 32-bit outputs, in order, uint32, shape ``(count,)``
    (``getrandbits(32 * count)`` puts the first output in the least significant word)."""
    raw = rnd.getrandbits(32 * count).to_bytes(4 * count, "little")
    return np.frombuffer(raw, dtype="<u4").astype(np.uint32)


def to_networkx(adj: sp.csr_array) -> nx.Graph:
    """Return the network as a networkx graph (for inspection and plotting)."""
    return nx.from_scipy_sparse_array(adj)
