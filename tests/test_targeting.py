import numpy as np
import pytest

from pushpull_sim.targeting import poorest, proxy_means_test


def make(n=1000, seed=0):
    rng = np.random.default_rng(seed)
    assets = rng.lognormal(6, 1, n)
    income = rng.lognormal(5, 0.3, n)
    size = np.full(n, 4.0)
    consumption = (income + 0.01 * assets) / size / 30.4
    return assets, np.zeros(n), income, size, consumption


def test_poorest_selects_the_lowest_share():
    v = np.array([5.0, 1.0, 4.0, 2.0, 3.0])
    mask = poorest(v, 0.4, np.random.default_rng(0))
    np.testing.assert_array_equal(mask, [False, True, False, True, False])


def test_noise_raises_targeting_errors():
    a, s, y, size, c = make()
    clean = proxy_means_test(a, s, y, size, c, 0.2, 0.0, np.random.default_rng(1))
    noisy = proxy_means_test(a, s, y, size, c, 0.2, 1.0, np.random.default_rng(1))
    assert clean.eligible.sum() == noisy.eligible.sum() == 200
    assert noisy.inclusion_error > clean.inclusion_error + 0.1
    assert noisy.exclusion_error > clean.exclusion_error + 0.1
    # with equal-sized groups, inclusion and exclusion errors coincide
    assert noisy.inclusion_error == pytest.approx(noisy.exclusion_error)


def test_everyone_eligible_means_no_errors():
    a, s, y, size, c = make(200)
    res = proxy_means_test(a, s, y, size, c, 1.0, 0.5, np.random.default_rng(2))
    assert res.eligible.all()
    assert res.inclusion_error == 0.0 and res.exclusion_error == 0.0
