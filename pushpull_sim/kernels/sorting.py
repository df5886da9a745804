"""A stable sort for the kernels, in plain loops.

numba compiles numpy's sorting (``np.argsort``, ``np.partition``) from large generic
implementations, which cost seconds of compile time each on a machine without the
cache; the kernels only need a stable order of a few hundred or thousand keys, which a
bottom-up merge sort gives in a fraction of that.
"""

from __future__ import annotations

import numpy as np

from pushpull_sim.kernels import jit


@jit
def stable_argsort(keys: np.ndarray) -> np.ndarray:
    """Indices that sort ``keys`` ascending, equal keys in index order: the same as
    ``np.argsort(keys, kind="stable")`` for keys without NaN.

    Args:
        keys: Keys, shape ``(m,)`` (any real dtype, no NaN).

    Returns:
        numpy.ndarray: int64, shape ``(m,)``.
    """
    m = keys.size
    order = np.arange(m)
    scratch = np.empty(m, np.int64)
    width = 1
    while width < m:
        lo = 0
        while lo < m:
            mid = min(lo + width, m)
            hi = min(lo + 2 * width, m)
            i, j, k = lo, mid, lo
            while i < mid and j < hi:
                if keys[order[j]] < keys[order[i]]:  # strictly less: the left run first
                    scratch[k] = order[j]
                    j += 1
                else:
                    scratch[k] = order[i]
                    i += 1
                k += 1
            while i < mid:
                scratch[k] = order[i]
                i += 1
                k += 1
            while j < hi:
                scratch[k] = order[j]
                j += 1
                k += 1
            lo = hi
        order, scratch = scratch, order
        width *= 2
    return order
