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


def _poorest_by_full_sort(values, share, rng):
    """The selection as one lexsort of (value, random tie-break) states it."""
    order = np.lexsort((rng.random(values.size), values))
    mask = np.zeros(values.size, bool)
    mask[order[: int(round(share * values.size))]] = True
    return mask


@pytest.mark.parametrize("seed", range(40))
def test_poorest_is_the_first_share_of_the_full_sort(seed):
    """Ties (equal values, -0.0 and 0.0, NaN) and shares at the edges included; the same
    draws are used."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(0, 40)) if seed % 2 else int(rng.integers(0, 2000))
    values = [
        rng.normal(size=n),
        np.round(rng.normal(size=n), 1),
        rng.integers(0, 3, n).astype(float),
        np.zeros(n),
        np.where(rng.random(n) < 0.5, -0.0, 0.0),
        np.where(rng.random(n) < 0.3, np.nan, rng.normal(size=n)),
    ][seed % 6]
    for share in (1e-9, 0.1, 0.5, float(rng.random()), 0.999, 1.0):
        a, b = np.random.default_rng(seed), np.random.default_rng(seed)
        np.testing.assert_array_equal(
            poorest(values, share, a), _poorest_by_full_sort(values, share, b)
        )
        assert a.random() == b.random()


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
