"""Kernels of the recorder (:meth:`pushpull_sim.recording.Recorder.record`).

Recording a month reduces household arrays to a few numbers per trial arm (arm codes
0 ineligible, 1 control, 2 treatment; the recorder adds ``all``):

* :func:`arm_sums` and :func:`arm_counts`: the sum of each reporter within each arm, a
  few reporters per pass over the households (the arm code is read once for them all);
* :func:`stage_counts`: households at each pathway stage within each arm;
* :func:`order_statistics`: order statistics of all households' values, from the values
  sorted within each arm (a sorted arm's percentiles are read off directly);
* :func:`rank_sums` and :func:`gini_sums`: the totals and rank-weighted totals the Gini
  coefficient needs, for every arm and for all households (the arms' sorted values
  merged).

So each recorded array is sorted once (within arms), and that one sort serves the
percentiles and Gini of every arm and of all households.

The event log (:meth:`pushpull_sim.events.EventLog.record`) compares a month's flags
with last month's in one pass: :func:`flag_changes`.

Floating-point sums are not numpy's pairwise sums, so they can differ from them in the
last bits (well within a relative 1e-12, tested): each sum is accumulated in
:data:`LANES` interleaved partial sums over blocks of :data:`BLOCK` households, and each
block's partial sums are then added to the running sum, which bounds the rounding error
by about ``(BLOCK / LANES + n / BLOCK)`` units in the last place of the sum of absolute
values. Counts are exact integers.
"""

from __future__ import annotations

import numpy as np

from pushpull_sim.kernels import jit
from pushpull_sim.kernels.sorting import stable_argsort

#: Number of trial arms (codes 0, 1, 2).
ARMS = 3
#: Interleaved partial sums per reporter and arm (household i adds to partial i mod LANES):
#: successive additions to one partial sum do not wait on each other. A power of 2.
#: Numerical constant of the kernels, not a model parameter.
LANES = 2
#: Households summed into the partial sums before they are added to the running sums
#: (bounds the rounding error, see the module docstring). A power of 2. Numerical
#: constant of the kernels, not a model parameter.
BLOCK = 1024


@jit
def _fold(part, total):
    """Add the partial sums ``part`` (shape ``(LANES, 3, r)``) to ``total`` (shape
    ``(3, r)``), lane by lane, and reset them to 0.0."""
    for a in range(part.shape[1]):
        for k in range(part.shape[2]):
            s = 0.0
            for lane in range(part.shape[0]):
                s += part[lane, a, k]
                part[lane, a, k] = 0.0
            total[a, k] += s


@jit
def arm_sums(values, arm, out):
    """Sum of each reporter within each arm, all reporters in one pass over households.

    Args:
        values: Tuple of r reporter arrays, each shape ``(n,)``, float64, C-contiguous
            (any unit; r of at most 8 keeps the pass fast).
        arm: Arm code of each household, shape ``(n,)``, integer, each 0, 1 or 2 (not
            checked here: the caller guarantees it).
        out: Written: ``out[k, a]`` is the sum of ``values[k]`` over the households of
            arm ``a`` (0.0 for an empty arm), shape ``(r, 3)``, float64.
    """
    n = arm.size
    rows = len(values)
    part = np.zeros((LANES, ARMS, rows))
    total = np.zeros((ARMS, rows))
    for i in range(n):
        a = arm[i]
        lane = i & (LANES - 1)
        for k in range(rows):
            part[lane, a, k] += values[k][i]
        if i & (BLOCK - 1) == BLOCK - 1:  # end of a block
            _fold(part, total)
    _fold(part, total)
    for k in range(rows):
        for a in range(ARMS):
            out[k, a] = total[a, k]


@jit
def arm_counts(flags, arm, out):
    """Number of households flagged by each reporter within each arm, in one pass.

    Args:
        flags: Tuple of r reporter arrays, each shape ``(n,)``, uint8 (a bool array
            viewed as bytes: 0 or 1), C-contiguous (r of at most 8 keeps the pass fast).
        arm: Arm code of each household, shape ``(n,)``, integer, each 0, 1 or 2 (not
            checked here).
        out: Written: ``out[k, a]`` is the number of households of arm ``a`` with
            ``flags[k]`` set, shape ``(r, 3)``, int64.
    """
    n = arm.size
    rows = len(flags)
    part = np.zeros((LANES, ARMS, rows), np.int64)
    for i in range(n):
        a = arm[i]
        lane = i & (LANES - 1)
        for k in range(rows):
            part[lane, a, k] += flags[k][i]
    for k in range(rows):
        for a in range(ARMS):
            c = 0
            for lane in range(LANES):
                c += part[lane, a, k]
            out[k, a] = c


@jit
def stage_counts(arm, stage, out):
    """Households at each pathway stage within each arm.

    Args:
        arm: Arm code of each household, shape ``(n,)``, integer 0, 1 or 2.
        stage: Pathway stage of each household (index into
            :data:`pushpull_sim.households.STAGES`), shape ``(n,)``, integer in
            ``[0, s)``.
        out: Written: ``out[a, j]`` is the number of households of arm ``a`` at stage
            ``j``, shape ``(3, s)``, int64.
    """
    for a in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[a, j] = 0
    for i in range(arm.size):
        out[arm[i], stage[i]] += 1


@jit
def order_statistics(values, ends, ranks, out):
    """Order statistics of all values, from values sorted within each of a few groups.

    The ``k``-th smallest of the union (k from 0) is the smallest value ``x`` of any
    group with more than ``k`` values ``<= x`` in all groups; each group's candidate is
    found by bisection, counting with bisections in every group: no merge is needed.

    Args:
        values: The groups' values one after the other, each group sorted ascending,
            shape ``(n,)``, float64, no NaN.
        ends: End (exclusive) of each group in ``values``, shape ``(g,)``, int64,
            non-decreasing, the last ``n`` (a group starts where the previous ends).
        ranks: The order statistics wanted, 0-based, each in ``[0, n)``, shape ``(q,)``,
            int64.
        out: Written: ``out[j]`` is the ``ranks[j]``-th smallest value, shape ``(q,)``,
            float64.
    """
    groups = ends.size
    for j in range(ranks.size):
        k = ranks[j]
        found = False
        best = 0.0
        start = 0
        for g in range(groups):
            lo = start
            hi = ends[g]
            while lo < hi:  # first position whose value has more than k values <= it
                mid = (lo + hi) // 2
                x = values[mid]
                below = 0  # values <= x, in all groups
                first = 0
                for h in range(groups):
                    a = first
                    b = ends[h]
                    while a < b:
                        m = (a + b) // 2
                        if values[m] <= x:
                            a = m + 1
                        else:
                            b = m
                    below += a - first
                    first = ends[h]
                if below > k:
                    hi = mid
                else:
                    lo = mid + 1
            if lo < ends[g] and (not found or values[lo] < best):
                best = values[lo]
                found = True
            start = ends[g]
        out[j] = best


@jit
def rank_sums(s):
    """Total and rank-weighted total of sorted values (the sums a Gini coefficient needs).

    Args:
        s: Values sorted ascending, shape ``(m,)``, float64.

    Returns:
        tuple: ``(T, W)``: ``T = sum(s_i)`` and ``W = sum(i * s_i)`` with ranks i from 1
        (``(0.0, 0.0)`` for no values), floats.
    """
    total = 0.0
    weighted = 0.0
    t0 = t1 = w0 = w1 = 0.0
    m = s.size
    for i in range(0, m - 1, 2):
        t0 += s[i]
        w0 += (i + 1) * s[i]
        t1 += s[i + 1]
        w1 += (i + 2) * s[i + 1]
        if i & (BLOCK - 1) == BLOCK - 2:  # end of a block
            total += t0 + t1
            weighted += w0 + w1
            t0 = t1 = w0 = w1 = 0.0
    if m % 2 == 1:
        t0 += s[m - 1]
        w0 += m * s[m - 1]
    return total + (t0 + t1), weighted + (w0 + w1)


@jit
def _padded(src, dst):
    """Copy ``src`` (shape ``(m,)``) into ``dst[1 : m + 1]`` between the sentinels -inf
    (``dst[0]``) and +inf (``dst[m + 1]``); returns that slice of ``dst``."""
    m = src.size
    dst[0] = -np.inf
    for k in range(m):  # a loop: a slice assignment costs seconds of compile time
        dst[k + 1] = src[k]
    dst[m + 1] = np.inf
    return dst[: m + 2]


@jit
def _merge(a, b, out):
    """Merge two sorted arrays held between sentinels (as :func:`_padded` leaves them:
    shapes ``(p + 2,)`` and ``(q + 2,)``, finite values) into ``out``, shape
    ``(p + q + 2,)``, between sentinels too; equal values are taken from ``a`` first.

    The merge runs from both ends at once (the smallest values from the front, the
    largest from the back): two independent chains of steps. Each step selects the next
    value without a branch; the sentinels stand in for an exhausted array.
    """
    p = a.size - 2
    q = b.size - 2
    n = p + q
    out[0] = -np.inf
    out[n + 1] = np.inf
    i = j = 1  # front
    ib = p  # back
    jb = q
    half = n // 2
    for k in range(1, half + 1):
        x = a[i]
        y = b[j]
        from_b = y < x
        out[k] = min(x, y)
        j += from_b
        i += 1 - from_b
        x = a[ib]
        y = b[jb]
        from_b = y >= x
        out[n + 1 - k] = max(x, y)
        jb -= from_b
        ib -= 1 - from_b
    if n % 2 == 1:
        out[half + 1] = min(a[i], b[j])


@jit
def _merged_rank_sums(a, b):
    """:func:`rank_sums` of the merge of two sorted arrays held between sentinels (as
    for :func:`_merge`), without writing the merge."""
    p = a.size - 2
    q = b.size - 2
    n = p + q
    i = j = 1
    ib = p
    jb = q
    half = n // 2
    total = weighted = 0.0
    t0 = t1 = w0 = w1 = 0.0
    for k in range(1, half + 1):
        x = a[i]
        y = b[j]
        from_b = y < x
        v = min(x, y)
        j += from_b
        i += 1 - from_b
        t0 += v
        w0 += k * v
        x = a[ib]
        y = b[jb]
        from_b = y >= x
        v = max(x, y)
        jb -= from_b
        ib -= 1 - from_b
        t1 += v
        w1 += (n + 1 - k) * v
        if k & (BLOCK - 1) == 0:  # end of a block
            total += t0 + t1
            weighted += w0 + w1
            t0 = t1 = w0 = w1 = 0.0
    if n % 2 == 1:
        v = min(a[i], b[j])
        t0 += v
        w0 += (half + 1) * v
    return total + (t0 + t1), weighted + (w0 + w1)


@jit
def gini_sums(values, ends, scratch, out):
    """Totals and rank-weighted totals of values sorted within each arm, per arm and for
    all households.

    The Gini coefficient of m values sorted ascending, ``s_1 <= ... <= s_m``, is
    ``2 W / (m T) - (m + 1) / m`` with ``T = sum(s_i)`` and ``W = sum(i * s_i)``. Each
    arm's sums are taken over its sorted values; all households' over the arms merged:
    the two smaller arms are merged first, then that with the largest, whose merge is
    summed without being written. The order of equal values does not change ``W`` (up
    to rounding).

    Args:
        values: The three arms' values one after the other, each arm's sorted ascending,
            shape ``(n,)``, float64, all finite (an infinite or NaN value breaks the
            merge: the caller checks each arm's largest value).
        ends: End (exclusive) of each arm in ``values``, shape ``(3,)``, int64,
            non-decreasing, the last ``n``.
        scratch: Work space, shape ``(2 n + 8,)`` or longer, float64 (overwritten).
        out: Written: ``out[0]`` is ``(T, W)`` of all households, ``out[1 + a]`` that of
            arm ``a`` (``(0, 0)`` for an empty arm), shape ``(4, 2)``, float64.

    Raises:
        ValueError: If ``scratch`` is too short.
    """
    n = values.size
    if scratch.size < 2 * n + 8:
        raise ValueError("gini_sums: scratch must hold at least 2 n + 8 values")
    starts = np.empty(ARMS, np.int64)
    starts[0] = 0
    for a in range(1, ARMS):
        starts[a] = ends[a - 1]
    for a in range(ARMS):
        out[1 + a, 0], out[1 + a, 1] = rank_sums(values[starts[a] : ends[a]])
    by_size = stable_argsort(ends - starts)  # merge the smaller arms first
    small = values[starts[by_size[0]] : ends[by_size[0]]]
    middle = values[starts[by_size[1]] : ends[by_size[1]]]
    large = values[starts[by_size[2]] : ends[by_size[2]]]
    # scratch: [large | small | middle | merge of small and middle], each between sentinels
    padded_large = _padded(large, scratch)
    at = large.size + 2
    padded_small = _padded(small, scratch[at:])
    at += small.size + 2
    padded_middle = _padded(middle, scratch[at:])
    at += middle.size + 2
    rest = scratch[at : at + small.size + middle.size + 2]
    _merge(padded_small, padded_middle, rest)
    out[0, 0], out[0, 1] = _merged_rank_sums(padded_large, rest)


@jit
def flag_changes(before, now, cleared, entered):
    """Households whose flag changed: set before and clear now, or clear before and set
    now (``np.flatnonzero(before & ~now)`` and ``np.flatnonzero(~before & now)`` in one
    pass).

    Args:
        before: Last month's flags, shape ``(n,)``, bool.
        now: This month's flags, shape ``(n,)``, bool.
        cleared: Written: ``cleared[:k0]`` holds the households set before and clear
            now, ascending, shape ``(n,)`` or longer, int64.
        entered: Written: ``entered[:k1]`` holds the households clear before and set
            now, ascending, shape ``(n,)`` or longer, int64.

    Returns:
        tuple: ``(k0, k1)``, ints.
    """
    k0 = 0
    k1 = 0
    for i in range(before.size):
        if before[i] != now[i]:
            if before[i]:
                cleared[k0] = i
                k0 += 1
            else:
                entered[k1] = i
                k1 += 1
    return k0, k1
