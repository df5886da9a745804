"""The social network: villages with wealth homophily plus a few cross-village ties.

Within each village, households are placed on a ring in order of baseline wealth and
joined by a Watts-Strogatz graph (networkx, seeded from the model's ``"network"``
stream): each household is tied to its neighbours in the wealth ranking, and a share
``rewiring_prob`` of ties is rewired at random. So the very poor mostly know other poor
households and have few ties to upwardly mobile ones (the LEO call's point about
networks). A few ties cross villages. The result is returned as a symmetric scipy CSR
matrix, used in the monthly step.
"""

from __future__ import annotations

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
    for v, (lo, hi) in enumerate(zip(starts, ends, strict=True)):
        size = hi - lo
        k = min(p.mean_degree, size - 1 - (size - 1) % 2)
        if size < 3 or k < 2:
            continue
        # order by wealth, random tie-break, so ring neighbours are of similar wealth
        order = lo + np.lexsort((rng.random(size), wealth[lo:hi]))
        g = nx.watts_strogatz_graph(
            size, k, p.rewiring_prob, seed=streams.integer_seed(f"network.village.{v}")
        )
        edges = np.array(g.edges(), dtype=np.int64).reshape(-1, 2)
        rows.append(order[edges[:, 0]])
        cols.append(order[edges[:, 1]])
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


def to_networkx(adj: sp.csr_array) -> nx.Graph:
    """Return the network as a networkx graph (for inspection and plotting)."""
    return nx.from_scipy_sparse_array(adj)
