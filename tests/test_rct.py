"""The virtual trial: assignment and ITT estimation."""

import numpy as np
import pytest
from conftest import small

from pushpull_sim import GraduationModel
from pushpull_sim.rct import ITT_OUTCOMES, ancova, assign, itt_effect, itt_table
from pushpull_sim.runner import run_experiment
from pushpull_sim.summary import build_summary


def test_itt_effect_recovers_a_known_effect():
    rng = np.random.default_rng(0)
    n = 4000
    t = rng.random(n) < 0.5
    y0 = rng.normal(100, 20, n)
    y = 0.8 * y0 + 20 + 5.0 * t + rng.normal(0, 10, n)
    est = itt_effect(y, t, baseline=y0)
    assert est["effect"] == pytest.approx(5.0, abs=3 * est["se"])
    assert 0.2 < est["se"] < 0.5  # about 10 * sqrt(4 / n)
    assert est["effect_sd"] == pytest.approx(est["effect"] / est["control_sd"])
    assert est["effect_pct"] == pytest.approx(100 * est["effect"] / est["control_mean"])
    assert est["n_treatment"] + est["n_control"] == n


def test_itt_effect_matches_difference_in_means_without_controls():
    y = np.array([1.0, 2.0, 3.0, 5.0, 6.0, 7.0])
    t = np.array([0, 0, 0, 1, 1, 1])
    est = itt_effect(y, t)
    assert est["effect"] == pytest.approx(4.0)
    assert est["control_mean"] == pytest.approx(2.0)
    assert est["control_sd"] == pytest.approx(1.0)
    assert est["effect_sd"] == pytest.approx(4.0)


def test_itt_needs_both_arms():
    with pytest.raises(ValueError, match="both arms"):
        itt_effect(np.ones(3), np.ones(3))


def test_household_and_village_assignment():
    rng = np.random.default_rng(1)
    village = np.repeat(np.arange(10), 50)
    eligible = rng.random(500) < 0.3
    t = assign(eligible, village, "household", 0.5, rng)
    assert not (t & ~eligible).any()
    assert t.sum() == round(0.5 * eligible.sum())
    tv = assign(eligible, village, "village", 0.5, rng)
    assert not (tv & ~eligible).any()
    # whole villages: in each village, all eligible households share one assignment
    for v in range(10):
        sel = eligible & (village == v)
        assert tv[sel].all() or not tv[sel].any()
    assert len({v for v in range(10) if tv[village == v].any()}) == 5
    with pytest.raises(ValueError, match="rct.unit"):
        assign(eligible, village, "district", 0.5, rng)


def test_placebo_programme_has_no_effect():
    """With nothing delivered, treatment and control differ only by chance."""
    sc = small(programme={"interventions": [], "eligible_share": 0.5})
    model = GraduationModel(sc).run()
    table = itt_table(model.survey.table(), [24], 0, cluster_by_village=False)
    # every measure, and every index with a component that varies among the controls
    assert set(table["outcome"]) >= set(ITT_OUTCOMES) - {"financial_inclusion_index"}
    assert (table["effect"].abs() < 3.5 * table["se"]).all(), table


def test_programme_raises_assets_consumption_and_income_at_24_months():
    result = run_experiment(small(), replications=2, workers=1)
    s = build_summary(result)
    itt = s["itt"]
    assert itt["assets"]["24"]["effect"] > 400  # USD PPP
    assert itt["assets"]["24"]["effect_sd"] > 3 * itt["assets"]["24"]["se_sd"]
    assert itt["consumption"]["24"]["effect_pct"] > 0
    assert itt["income"]["24"]["effect"] > 0
    assert itt["asset_index"]["24"]["published_sd"] == 0.258
    assert itt["asset_index"]["24"]["published_se_sd"] == 0.023
    assert itt["asset_index"]["24"]["effect_sd"] > 3 * itt["asset_index"]["24"]["se_sd"]
    assert itt["assets"]["24"]["published_sd"] is None  # a USD measure, not the index
    assert itt["consumption"]["24"]["published_pct"] == 5.8
    sustained = s["graduation"]["sustained_2y"]
    assert sustained["month"] == 48
    assert 0.0 < sustained["retained_treatment"] <= 1.0
    assert sustained["treatment"] > sustained["control"]
    assert s["graduation"]["sustained_5y"]["treatment"] is None  # beyond the horizon
    assert s["cost_per_treated_household_usd_ppp"] == pytest.approx(800 + 150 + 6 * 43)


@pytest.mark.parametrize("clustered", [False, True])
def test_ancova_standard_errors_are_statsmodels(clustered):
    import statsmodels.api as sm

    rng = np.random.default_rng(5)
    n = 600
    village = rng.integers(0, 30, n)
    t = (rng.random(n) < 0.5).astype(float)
    y0 = rng.lognormal(3, 0.6, n)
    y = 0.7 * y0 + 4.0 * t + rng.normal(0, 1 + 0.1 * y0)  # heteroskedastic
    x = np.column_stack([np.ones(n), t, y0])
    fit = sm.OLS(y, x)
    ref = (
        fit.fit(cov_type="cluster", cov_kwds={"groups": village})
        if clustered
        else fit.fit(cov_type="HC1")
    )
    b, se = ancova(y, t, y0, village if clustered else None)
    assert b == pytest.approx(ref.params[1], rel=1e-10)
    assert se == pytest.approx(ref.bse[1], rel=1e-10)


def test_itt_refuses_a_non_finite_outcome():
    y = np.array([1.0, np.nan, 3.0, 4.0])
    with pytest.raises(ValueError, match="not finite for 1 of 4"):
        itt_effect(y, np.array([0, 0, 1, 1]))
