"""The kernels' stable sort against numpy's stable argsort."""

from __future__ import annotations

import numpy as np
import pytest

from pushpull_sim.kernels.sorting import stable_argsort


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("size", [0, 1, 2, 3, 7, 64, 1000, 4097])
def test_the_order_is_numpys_stable_order(seed, size):
    rng = np.random.default_rng(seed)
    floats = rng.normal(size=size)
    ties = np.round(rng.normal(size=size), 1)  # many equal keys
    ints = rng.integers(0, 5, size)
    for keys in (floats, ties, ints, np.zeros(size), -np.arange(size, dtype=float)):
        np.testing.assert_array_equal(stable_argsort(keys), np.argsort(keys, kind="stable"))
