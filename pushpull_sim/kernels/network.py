"""Compiled kernel of the social network's construction (:mod:`pushpull_sim.network`).

:func:`watts_strogatz_ties` rewires a village's Watts-Strogatz ring exactly as
``networkx.watts_strogatz_graph`` does, consuming the 32-bit words of the village's
Mersenne Twister (Python's ``random.Random(seed)``, drawn outside the kernel by
``getrandbits``) as CPython's ``random()`` and ``choice()`` consume them, so the ties
are the very ties networkx returns for the same seed.
"""

from __future__ import annotations

import numpy as np

from pushpull_sim.kernels import jit
from pushpull_sim.kernels.sorting import stable_argsort

#: Longest row of the adjacency sorted by insertion (longer rows: merge sort).
_INSERTION_SORT_MAX = 32
#: ``random()``'s scale: CPython builds a double from 27 + 26 random bits, ``/ 2**53``.
_TWO_POW_53_INV = 1.0 / 9007199254740992.0


@jit
def _choice(words: np.ndarray, pos: int, shift: int, n: int) -> tuple[int, int]:
    """CPython's ``choice`` of ``n`` nodes from ``words`` at ``pos``: one word per try,
    ``word >> shift``, until the value is below ``n``. Returns ``(node, next pos)``;
    the node is -1 when the words ran out."""
    w = n
    while w >= n:
        if pos >= words.size:
            return -1, pos
        w = np.int64(words[pos]) >> shift
        pos += 1
    return w, pos


@jit
def watts_strogatz_ties(n: int, k: int, p: float, words: np.ndarray) -> tuple[np.ndarray, int]:
    """Ties of ``networkx.watts_strogatz_graph(n, k, p, seed)`` from the seed's words.

    A ring where each node is tied to its ``k // 2`` nearest neighbours on each side;
    then, neighbour distance ``j`` by distance and node ``u`` by node, the tie
    ``(u, u + j)`` is rewired with probability ``p`` to a node ``w`` drawn uniformly,
    redrawn while ``w == u`` or the tie ``(u, w)`` exists (given up once ``u`` is tied
    to every other node). The draws read ``words`` in order as CPython's
    ``random.Random`` does: ``random()`` takes two words, ``(a >> 5) * 2**26 +
    (b >> 6)`` over ``2**53``; ``choice(nodes)`` takes one word per try,
    ``word >> (32 - n.bit_length())``, until the value is below ``n``.

    Args:
        n: Nodes, ``2 <= k < n < 2**32``.
        k: Ring neighbours of each node (even; an odd k acts as k - 1).
        p: Rewiring probability, 0-1.
        words: The generator's next 32-bit outputs, uint32, shape ``(m,)`` (from
            ``random.Random(seed).getrandbits(32 * m)``, least significant word first).

    Returns:
        tuple: ``(ties, used)``: the ties ``(u, w)`` with ``u < w``, sorted, int64,
        shape ``(m, 2)``, and the words read; ``used = -1`` (and no ties) when
        ``words`` ran out before the rewiring was done (call again with more).
    """
    half = k // 2
    shift = 32
    m = n
    while m > 0:  # 32 - n.bit_length()
        shift -= 1
        m >>= 1
    ties = set()
    degree = np.zeros(n, np.int64)
    for j in range(1, half + 1):
        for u in range(n):
            v = (u + j) % n
            key = min(u, v) * n + max(u, v)
            if key not in ties:
                ties.add(key)
                degree[u] += 1
                degree[v] += 1
    pos = 0
    size = words.size
    for j in range(1, half + 1):
        for u in range(n):
            if pos + 2 > size:
                return np.zeros((0, 2), np.int64), -1
            a = np.int64(words[pos]) >> 5
            b = np.int64(words[pos + 1]) >> 6
            pos += 2
            if (a * 67108864.0 + b) * _TWO_POW_53_INV >= p:
                continue
            # w = choice(nodes), then redrawn while it is u or already a neighbour
            w, pos = _choice(words, pos, shift, n)
            if w < 0:
                return np.zeros((0, 2), np.int64), -1
            rewired = True
            while w == u or min(u, w) * n + max(u, w) in ties:
                w, pos = _choice(words, pos, shift, n)
                if w < 0:
                    return np.zeros((0, 2), np.int64), -1
                if degree[u] >= n - 1:
                    rewired = False  # no free node: this tie is not rewired
                    break
            if rewired:
                v = (u + j) % n
                ties.discard(min(u, v) * n + max(u, v))
                ties.add(min(u, w) * n + max(u, w))
                degree[v] -= 1
                degree[w] += 1
    keys = np.empty(len(ties), np.int64)
    i = 0
    for key in ties:
        keys[i] = key
        i += 1
    keys.sort()
    out = np.empty((keys.size, 2), np.int64)
    for i in range(keys.size):
        out[i, 0] = keys[i] // n
        out[i, 1] = keys[i] % n
    return out, pos


@jit
def wealth_order(village: np.ndarray, wealth: np.ndarray, tie_break: np.ndarray) -> np.ndarray:
    """Households by village, then wealth, then tie-break, equal keys in index order: the
    same as ``np.lexsort((tie_break, wealth, village))`` for keys without NaN (three
    stable sorts, least significant key first, as lexsort does:
    :func:`pushpull_sim.kernels.sorting.stable_argsort`).

    Args:
        village: Village of each household, int, shape ``(n,)``.
        wealth: Baseline wealth, USD PPP, shape ``(n,)``, no NaN.
        tie_break: Random tie-breaks, shape ``(n,)``, no NaN.

    Returns:
        numpy.ndarray: Household ids in order, int64, shape ``(n,)``.
    """
    order = stable_argsort(tie_break)
    order = order[stable_argsort(wealth[order])]
    return order[stable_argsort(village[order])]


@jit
def symmetric_csr(r: np.ndarray, c: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Canonical CSR structure of the symmetric adjacency of ties ``(r[t], c[t])``: each
    row's neighbours sorted and distinct (a row's ties are few: insertion sort; a row of
    more than 32, merge sort).

    Args:
        r: One end of each tie, int, shape ``(m,)``, in ``[0, n)``; never ``r == c``.
        c: The other end, int, shape ``(m,)``.
        n: Nodes.

    Returns:
        tuple: ``(indptr, indices)``, int64, shapes ``(n + 1,)`` and ``(nnz,)``.
    """
    m = r.size
    start = np.zeros(n + 1, np.int64)
    for t in range(m):
        start[r[t] + 1] += 1
        start[c[t] + 1] += 1
    for i in range(n):
        start[i + 1] += start[i]
    fill = start[:n].copy()
    cols = np.empty(2 * m, np.int64)
    for t in range(m):
        a, b = r[t], c[t]
        cols[fill[a]] = b
        fill[a] += 1
        cols[fill[b]] = a
        fill[b] += 1
    indptr = np.zeros(n + 1, np.int64)
    nnz = 0
    for i in range(n):
        lo, hi = start[i], start[i + 1]
        if hi - lo > _INSERTION_SORT_MAX:  # a hub: merge sort
            cols[lo:hi] = cols[lo:hi][stable_argsort(cols[lo:hi])]
        else:
            for s in range(lo + 1, hi):  # insertion sort of the row
                v = cols[s]
                t = s - 1
                while t >= lo and cols[t] > v:
                    cols[t + 1] = cols[t]
                    t -= 1
                cols[t + 1] = v
        for s in range(lo, hi):  # distinct, compacted in place (nnz <= s)
            if s == lo or cols[s] != cols[s - 1]:
                cols[nnz] = cols[s]
                nnz += 1
        indptr[i + 1] = nnz
    return indptr, cols[:nnz].copy()
