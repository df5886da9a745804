"""The recorder's kernels (:mod:`pushpull_sim.kernels.recording`) against the numpy
expressions they replaced, and the recorder's timeseries against the numpy recorder it
replaced (copied below as the reference).

Floating-point sums are compared to a relative 1e-12. Where values of both signs cancel,
a sum's rounding error is bounded by the sum of absolute values, not by the sum: both
numpy's pairwise sums and the kernels' blocked sums are within ``n * eps`` of
``sum(|x|)`` for the sizes here (n <= 2e5, eps = 2.2e-16: under 5e-11, and in practice
orders of magnitude less), so the absolute tolerance is ``1e-13 * sum(|x|)``, which only
matters where the sum is far smaller than its terms. Counts and order statistics (which
are elements of the input) are compared exactly.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pushpull_sim.bench import bench_scenario
from pushpull_sim.households import STAGES, TREATMENT
from pushpull_sim.kernels.recording import (
    BLOCK,
    arm_counts,
    arm_sums,
    flag_changes,
    gini_sums,
    order_statistics,
    rank_sums,
    stage_counts,
)
from pushpull_sim.model import GraduationModel
from pushpull_sim.recording import ARMS, gini, reporters

SEEDS = [0, 1, 2]
#: Sizes: empty, tiny, odd, around a block of the kernels' partial sums, large.
SIZES = [0, 1, 2, 3, 7, 101, BLOCK - 1, BLOCK, BLOCK + 1, 3 * BLOCK + 5, 200_001]
RTOL = 1e-12


def _arms(rng: np.random.Generator, n: int, kind: str) -> np.ndarray:
    """Arm codes: mostly ineligible (as in a trial), balanced, or with an empty arm."""
    if kind == "trial":
        arm = np.where(rng.random(n) < 0.8, 0, rng.integers(1, 3, n))
    elif kind == "balanced":
        arm = rng.integers(0, 3, n)
    else:  # no control households
        arm = np.where(rng.random(n) < 0.5, 0, 2)
    return arm.astype(np.int8)


def _values(rng: np.random.Generator, n: int, kind: str) -> np.ndarray:
    """Values of several shapes: skewed, tied, all equal, zeros, signed with cancellation."""
    if kind == "lognormal":
        return rng.lognormal(3.0, 2.0, n)
    if kind == "ties":
        return np.round(rng.lognormal(1.0, 1.0, n))
    if kind == "equal":
        return np.full(n, 2.5)
    if kind == "zeros":
        return np.where(rng.random(n) < 0.5, 0.0, rng.random(n))
    return rng.standard_normal(n) * np.exp(3.0 * rng.standard_normal(n))  # signed


VALUE_KINDS = ["lognormal", "ties", "equal", "zeros", "signed"]
ARM_KINDS = ["trial", "balanced", "empty_arm"]


# --- reference: the numpy expressions the kernels replaced ---------------------------


def reference_arm_sums(values: list[np.ndarray], arm: np.ndarray) -> np.ndarray:
    """Sum of each array within each arm, shape ``(r, 3)`` (numpy's pairwise sums)."""
    return np.array([[v[arm == a].sum() for a in range(3)] for v in values]).reshape(-1, 3)


def reference_gini_sums(values: np.ndarray, arm: np.ndarray) -> np.ndarray:
    """``(T, W)`` of all values and of each arm's, from full sorts, shape ``(4, 2)``."""
    out = []
    for x in (values, *(values[arm == a] for a in range(3))):
        s = np.sort(x)
        out.append((s.sum(), (np.arange(1, s.size + 1) * s).sum()))
    return np.array(out)


def reference_gini(x: np.ndarray) -> float:
    """The Gini coefficient as the numpy recorder computed it."""
    if x.size == 0:
        return float("nan")
    s = np.sort(x)
    total = s.sum()
    if total <= 0:
        return 0.0
    ranks = np.arange(1, s.size + 1)
    with np.errstate(invalid="ignore"):  # inf / inf: NaN, as the recorder gave it
        return float((2.0 * (ranks * s).sum() / (s.size * total)) - (s.size + 1) / s.size)


def _grouped(values: np.ndarray, arm: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Values grouped by arm and sorted within each, and each arm's end."""
    order = np.argsort(arm, kind="stable")
    ends = np.cumsum(np.bincount(arm, minlength=3)).astype(np.int64)
    grouped = values[order]
    start = 0
    for end in ends:
        grouped[start:end].sort()
        start = end
    return grouped, ends


def _atol(values: list[np.ndarray] | np.ndarray) -> float:
    """Absolute tolerance for sums of signed values (see the module docstring)."""
    return 1e-13 * max((float(np.abs(v).sum()) for v in np.atleast_2d(values)), default=0.0)


# --- kernels -----------------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("arm_kind", ARM_KINDS)
def test_arm_sums_are_numpy_sums(seed: int, n: int, arm_kind: str) -> None:
    rng = np.random.default_rng([seed, n])
    arm = _arms(rng, n, arm_kind)
    for rows in (1, 3, 8):
        values = [_values(rng, n, VALUE_KINDS[k % len(VALUE_KINDS)]) for k in range(rows)]
        got = np.full((rows, 3), np.nan)
        arm_sums(tuple(values), arm, got)
        want = reference_arm_sums(values, arm)
        np.testing.assert_allclose(got, want, rtol=RTOL, atol=_atol(values))
        # the total over all households, as the recorder forms it, against np.sum
        total = (got[:, 0] + got[:, 1]) + got[:, 2]
        np.testing.assert_allclose(total, [v.sum() for v in values], rtol=RTOL, atol=_atol(values))
        if arm_kind == "empty_arm":
            assert (got[:, 1] == 0.0).all()


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("arm_kind", ARM_KINDS)
def test_arm_counts_are_exact(seed: int, n: int, arm_kind: str) -> None:
    rng = np.random.default_rng([seed, n, 1])
    arm = _arms(rng, n, arm_kind)
    flags = [rng.random(n) < p for p in (0.0, 0.3, 0.5, 1.0, 0.01)]
    got = np.full((len(flags), 3), -1, np.int64)
    arm_counts(tuple(f.view(np.uint8) for f in flags), arm, got)
    want = [[np.count_nonzero(f & (arm == a)) for a in range(3)] for f in flags]
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("n", [0, 1, 2, 101, 200_001])
@pytest.mark.parametrize("p", [0.0, 0.05, 0.5, 1.0])
def test_flag_changes_are_flatnonzero(seed: int, n: int, p: float) -> None:
    rng = np.random.default_rng([seed, n, 3])
    before = rng.random(n) < 0.5
    now = np.where(rng.random(n) < p, ~before, before)  # a share p of the flags flip
    cleared = np.full(n + 1, -1, np.int64)
    entered = np.full(n + 1, -1, np.int64)
    k0, k1 = flag_changes(before, now, cleared, entered)
    np.testing.assert_array_equal(cleared[:k0], np.flatnonzero(before & ~now))
    np.testing.assert_array_equal(entered[:k1], np.flatnonzero(~before & now))
    assert (cleared[k0:] == -1).all() and (entered[k1:] == -1).all()  # nothing else written


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("n", [0, 1, 2, 101, 200_001])
def test_stage_counts_are_bincount(seed: int, n: int) -> None:
    rng = np.random.default_rng([seed, n, 2])
    arm = _arms(rng, n, "trial")
    stage = rng.integers(0, len(STAGES), n).astype(np.int8)
    got = np.full((3, len(STAGES)), -1, np.int64)
    stage_counts(arm, stage, got)
    s = len(STAGES)
    want = np.bincount(arm.astype(np.intp) * s + stage, minlength=3 * s).reshape(3, s)
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("n", [n for n in SIZES if n > 0])
@pytest.mark.parametrize("arm_kind", ARM_KINDS)
@pytest.mark.parametrize("kind", VALUE_KINDS)
def test_order_statistics_are_the_sorted_values(
    seed: int, n: int, arm_kind: str, kind: str
) -> None:
    rng = np.random.default_rng([seed, n, 3])
    arm = _arms(rng, n, arm_kind)
    values = _values(rng, n, kind)
    grouped, ends = _grouped(values, arm)
    ranks = np.unique(np.concatenate(([0, n - 1], rng.integers(0, n, 20)))).astype(np.int64)
    got = np.full(ranks.size, np.nan)
    order_statistics(grouped, ends, ranks, got)
    np.testing.assert_array_equal(got, np.sort(values)[ranks])


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("kind", VALUE_KINDS)
def test_rank_sums_are_numpy_sums(seed: int, n: int, kind: str) -> None:
    rng = np.random.default_rng([seed, n, 4])
    s = np.sort(_values(rng, n, kind))
    total, weighted = rank_sums(s)
    ranks = np.arange(1, n + 1)
    np.testing.assert_allclose(total, s.sum(), rtol=RTOL, atol=_atol(s))
    np.testing.assert_allclose(weighted, (ranks * s).sum(), rtol=RTOL, atol=n * _atol(s))


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("arm_kind", ARM_KINDS)
@pytest.mark.parametrize("kind", VALUE_KINDS)
def test_gini_sums_are_sums_over_full_sorts(seed: int, n: int, arm_kind: str, kind: str) -> None:
    rng = np.random.default_rng([seed, n, 5])
    arm = _arms(rng, n, arm_kind)
    values = _values(rng, n, kind)
    grouped, ends = _grouped(values, arm)
    before = grouped.copy()
    got = np.full((4, 2), np.nan)
    gini_sums(grouped, ends, np.full(2 * n + 8, np.nan), got)
    want = reference_gini_sums(values, arm)
    atol = _atol(values)
    np.testing.assert_allclose(got[:, 0], want[:, 0], rtol=RTOL, atol=atol)
    np.testing.assert_allclose(got[:, 1], want[:, 1], rtol=RTOL, atol=n * atol)
    np.testing.assert_array_equal(grouped, before)  # the input is only read
    with pytest.raises(ValueError, match="scratch"):
        gini_sums(grouped, ends, np.empty(2 * n + 7), got)


@pytest.mark.parametrize("n", [1, 2, 3, 101, 2001])
@pytest.mark.parametrize("kind", VALUE_KINDS)
def test_gini_is_the_numpy_gini(n: int, kind: str) -> None:
    rng = np.random.default_rng([n, 6])
    x = np.abs(_values(rng, n, kind))
    np.testing.assert_allclose(gini(x), reference_gini(x), rtol=RTOL, atol=1e-15)
    for bad in (np.nan, np.inf):
        y = x.copy()
        y[n // 2] = bad
        assert np.isnan(gini(y)) and np.isnan(reference_gini(y))


# --- the recorder against the numpy recorder ----------------------------------------


class ReferenceRecorder:
    """The numpy recorder's :meth:`Recorder.record` (before the kernels), as the
    reference: a row block per call, shape ``(4, columns)``."""

    def __init__(self) -> None:
        means, ratios = reporters()
        self.reporters = [r.fn for r in means.values()] + [
            fn for r in ratios.values() for fn in (r.fn, r.denominator)
        ]
        self.n_means = len(means)
        self.columns = 1 + len(means) + len(ratios) + 3 + len(STAGES) + 2

    def block(self, model: GraduationModel) -> np.ndarray:
        hh = model.hh
        n = hh.n
        arm = hh.arm
        counts = np.bincount(arm, minlength=3).astype(float)
        block = np.full((len(ARMS), self.columns), np.nan)
        block[0, 0] = n
        block[1:, 0] = counts
        safe = np.where(counts > 0, counts, np.nan)
        vals = np.empty((len(self.reporters), n))
        for r, fn in enumerate(self.reporters):
            vals[r] = fn(hh)
        totals = np.add.reduce(vals, axis=1)
        bins = (arm.astype(np.intp)[None, :] + 3 * np.arange(len(vals))[:, None]).ravel()
        arm_totals = (
            np.bincount(bins, weights=vals.ravel(), minlength=3 * len(vals)).reshape(len(vals), 3).T
        )
        k = self.n_means
        block[0, 1 : 1 + k] = totals[:k] / n
        block[1:, 1 : 1 + k] = arm_totals[:, :k] / safe[:, None]
        j = 1 + k
        for r in range(k, len(self.reporters), 2):
            num, den = totals[r], totals[r + 1]
            block[0, j] = num / den if den > 0 else np.nan
            den_arm = arm_totals[:, r + 1]
            block[1:, j] = arm_totals[:, r] / np.where(den_arm > 0, den_arm, np.nan)
            j += 1
        s = len(STAGES)
        stage_counts_ = np.bincount(arm.astype(np.intp) * s + hh.stage, minlength=3 * s)
        stage_counts_ = stage_counts_.reshape(3, s)
        groups = [(hh.assets, hh.consumption_ppd, stage_counts_.sum(axis=0))]
        for a in range(3):
            groups.append((hh.assets[arm == a], hh.consumption_ppd[arm == a], stage_counts_[a]))
        for g, (assets, consumption, stages) in enumerate(groups):
            if assets.size:
                block[g, j : j + 3] = np.percentile(assets, [10, 50, 90])
                block[g, j + 3 : j + 3 + s] = stages / assets.size
                block[g, j + 3 + s] = reference_gini(consumption)
        cost = 0.0
        if 0 <= model.month <= model.horizon:
            cost = float(sum(v[model.month] for v in model.costs.values()))
        block[:, -1] = 0.0
        block[0, -1] = cost
        block[1 + TREATMENT, -1] = cost
        return block


def _assert_blocks_match(got: np.ndarray, want: np.ndarray, where: str) -> None:
    """NaN in the same places, numbers to a relative 1e-12 (absolute 1e-14 for a column
    whose true value is 0 but whose sum cancels, e.g. a net income)."""
    assert got.shape == want.shape, where
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want), err_msg=where)
    np.testing.assert_allclose(got, want, rtol=RTOL, atol=1e-14, equal_nan=True, err_msg=where)


@pytest.fixture(scope="module")
def bench_run() -> tuple[GraduationModel, list[np.ndarray]]:
    """Eight months of the bench scenario at 2,000 households, with the reference
    recorder's block of every month."""
    model = GraduationModel(bench_scenario(2000))
    reference = ReferenceRecorder()
    blocks = [reference.block(model)]  # month 0, recorded when the model was built
    for _ in range(8):
        model.step()
        blocks.append(reference.block(model))
    return model, blocks


def test_timeseries_matches_the_numpy_recorder(
    bench_run: tuple[GraduationModel, list[np.ndarray]],
) -> None:
    model, blocks = bench_run
    ts = model.timeseries()
    assert list(ts["month"].unique()) == list(range(9))
    got = ts.drop(columns=["month", "arm"]).to_numpy(dtype=float)
    want = np.concatenate(blocks)
    assert got.shape == want.shape
    for month in range(9):
        rows = slice(4 * month, 4 * month + 4)
        _assert_blocks_match(got[rows], want[rows], f"month {month}")
    # not a vacuous comparison: the arms differ and every summary column has numbers
    assert np.isfinite(got[-4:]).sum() > 0.9 * got[-4:].size
    assert pd.Series(got[-4:, 1]).nunique() > 1


def test_an_empty_arm_is_nan_as_before(
    bench_run: tuple[GraduationModel, list[np.ndarray]],
) -> None:
    """With no control households, the control row is NaN where the reference's is
    (means, ratios, percentiles, stage shares, Gini) and the other rows still match."""
    model, _ = bench_run
    arm = model.hh.arm
    saved = arm.copy()
    try:
        arm[arm == 1] = 0
        model.recorder.record(model)
        got = model.recorder._rows.pop()
        model.recorder._months.pop()
        want = ReferenceRecorder().block(model)
    finally:
        arm[:] = saved
    _assert_blocks_match(got, want, "empty control arm")
    assert np.isnan(got[2, 1:-1]).all() and got[2, 0] == 0
