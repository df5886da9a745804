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

#: ``random()``'s scale: CPython builds a double from 27 + 26 random bits, ``/ 2**53``.
_TWO_POW_53_INV = 1.0 / 9007199254740992.0


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
            w = n
            while w >= n:
                if pos >= size:
                    return np.zeros((0, 2), np.int64), -1
                w = np.int64(words[pos]) >> shift
                pos += 1
            rewired = True
            while w == u or min(u, w) * n + max(u, w) in ties:
                w = n
                while w >= n:
                    if pos >= size:
                        return np.zeros((0, 2), np.int64), -1
                    w = np.int64(words[pos]) >> shift
                    pos += 1
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
