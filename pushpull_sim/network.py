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
same ties, without building a networkx graph per village (several times faster: a
million households take seconds, not tens of seconds).
"""

from __future__ import annotations

import random

import networkx as nx
import numpy as np
import scipy.sparse as sp

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
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    starts = np.flatnonzero(np.r_[True, village[1:] != village[:-1]])
    ends = np.r_[starts[1:], n]
    sizes = ends - starts
    degree = np.minimum(p.mean_degree, sizes - 1 - (sizes - 1) % 2)
    wired = (sizes >= 3) & (degree >= 2)
    # order by wealth within each village, random tie-break, so ring neighbours are of
    # similar wealth: one sort for all villages, and the tie-breaks drawn in one call
    # (the same numbers as one call per village, village by village)
    members = np.repeat(wired, sizes)
    tie_break = np.zeros(n)
    tie_break[members] = rng.random(int(sizes[wired].sum()))
    order = np.lexsort((tie_break, wealth, village))
    for v in np.flatnonzero(wired):
        lo, hi = starts[v], ends[v]
        edges = watts_strogatz_edges(
            int(sizes[v]),
            int(degree[v]),
            p.rewiring_prob,
            seed=streams.integer_seed(f"network.village.{v}"),
        )
        rows.append(order[lo:hi][edges[:, 0]])
        cols.append(order[lo:hi][edges[:, 1]])
    n_cross = int(round(p.cross_village_ties_per_household * n / 2))
    if n_cross and starts.size > 1:
        a = rng.integers(0, n, n_cross)
        b = rng.integers(0, n, n_cross)
        keep = village[a] != village[b]
        rows.append(a[keep])
        cols.append(b[keep])
    if rows:
        r = np.concatenate(rows)
        c = np.concatenate(cols)
    else:
        r = c = np.zeros(0, dtype=np.int64)
    adj = sp.coo_array((np.ones(2 * r.size), (np.r_[r, c], np.r_[c, r])), shape=(n, n)).tocsr()
    adj.sum_duplicates()
    adj.data[:] = 1.0
    return adj


def watts_strogatz_edges(n: int, k: int, p: float, seed: int) -> np.ndarray:
    """Ties of a Watts-Strogatz graph: ``networkx.watts_strogatz_graph(n, k, p, seed)``.

    The same algorithm and the same draws from ``random.Random(seed)`` as networkx (3.x):
    a ring where each node is tied to its ``k // 2`` nearest neighbours on each side,
    then each tie ``(u, u + j)`` is, with probability ``p``, rewired to a node drawn
    uniformly (no self-loops or duplicates), in the same order. So the ties are exactly
    those of the networkx graph, at a fraction of the cost.

    Args:
        n: Nodes, ``2 <= k < n``.
        k: Ring neighbours of each node (even; an odd k acts as k - 1).
        p: Rewiring probability, 0-1.
        seed: Integer seed.

    Returns:
        numpy.ndarray: Ties ``(u, w)`` with ``u < w``, int64, shape ``(m, 2)``.
    """
    rnd = random.Random(seed)
    draw, choice = rnd.random, rnd.choice
    nodes = list(range(n))
    half = k // 2
    # ties as keys min * n + max in a set; the ring first
    a = np.tile(np.arange(n, dtype=np.int64), half)
    b = (a + np.repeat(np.arange(1, half + 1), n)) % n
    ties = set((np.minimum(a, b) * n + np.maximum(a, b)).tolist())
    keys = np.fromiter(ties, np.int64, len(ties))
    degree = np.bincount(np.r_[keys // n, keys % n], minlength=n).tolist()
    for j in range(1, half + 1):
        for u in nodes:
            if draw() < p:
                w = choice(nodes)
                while w == u or (min(u, w) * n + max(u, w)) in ties:
                    w = choice(nodes)
                    if degree[u] >= n - 1:
                        break  # no free node: skip this rewiring
                else:
                    v = (u + j) % n
                    ties.remove(min(u, v) * n + max(u, v))
                    ties.add(min(u, w) * n + max(u, w))
                    degree[v] -= 1
                    degree[w] += 1
    keys = np.fromiter(ties, np.int64, len(ties))
    return np.stack([keys // n, keys % n], axis=1)


def to_networkx(adj: sp.csr_array) -> nx.Graph:
    """Return the network as a networkx graph (for inspection and plotting)."""
    return nx.from_scipy_sparse_array(adj)
