"""The poverty trap: who accumulates, with and without the S-shaped return."""

import numpy as np
import pytest
from conftest import small

from pushpull_sim import GraduationModel
from pushpull_sim.livelihood import marginal_product, own_production
from pushpull_sim.scenario import Livelihood

HORIZON = 120


def trap_scenario(production: str, transfer: float = 1000.0, **extra):
    return small(
        run={"months": HORIZON, "seed": 11, "replications": 1},
        population={
            "households": 1200,
            "villages": 6,
            "villages_per_region": 3,
            "burn_in_months": 12,
        },
        livelihood={"production": production, **extra},
        programme={
            "end_month": 1,
            "eligible_share": 0.4,
            "interventions": [
                {"type": "asset_transfer", "value_usd_ppp": transfer, "delivery_cost_usd_ppp": 0.0}
            ],
        },
        rct={"itt_months": [1]},
        output={"household_months": [0, HORIZON]},
    )


def arm_assets(model, month):
    """Mean assets by arm at ``month`` among households far below the threshold at baseline."""
    p = model.household_panel()
    threshold = model.params.livelihood.asset_threshold_usd_ppp
    far_below = p.loc[(p["month"] == 0) & (p["assets"] < threshold / 4), "household_id"]
    p = p[(p["month"] == month) & p["household_id"].isin(far_below)]
    return (p[p["arm"] == "treatment"]["assets"].mean(), p[p["arm"] == "control"]["assets"].mean())


def test_s_curve_shape():
    p = Livelihood()
    a = np.array([50.0, 300.0, p.asset_threshold_usd_ppp, 1500.0])
    r = own_production(a, p) / a
    assert r[0] < 0.01 and r[-1] > 0.05  # low return below, high above the threshold
    # marginal product peaks near the threshold (the S)
    grid = np.linspace(1, 3000, 3000)
    assert abs(grid[np.argmax(marginal_product(grid, p))] - p.asset_threshold_usd_ppp) < 150
    # analytic derivative matches a finite difference
    h = 1e-3
    fd = (own_production(a + h, p) - own_production(a - h, p)) / (2 * h)
    np.testing.assert_allclose(marginal_product(a, p), fd, rtol=1e-5)
    pc = Livelihood(production="concave")
    fdc = (own_production(a + h, pc) - own_production(a - h, pc)) / (2 * h)
    np.testing.assert_allclose(marginal_product(a, pc), fdc, rtol=1e-5)


def test_far_below_threshold_households_do_not_accumulate_without_a_programme():
    sc = trap_scenario("s_shaped").with_overrides(programme={"interventions": []})
    model = GraduationModel(sc)
    threshold = sc.livelihood.asset_threshold_usd_ppp
    poor = model.hh.assets < threshold / 4
    start = model.hh.assets[poor].mean()
    model.run()
    end = model.hh.assets[poor].mean()
    assert poor.sum() > 100
    assert end <= start + 5.0, (start, end)
    assert end < threshold / 4


def test_a_transfer_over_the_threshold_changes_the_path():
    sc = trap_scenario("s_shaped")
    model = GraduationModel(sc).run()
    treat_end, control_end = arm_assets(model, HORIZON)
    treat_0, control_0 = arm_assets(model, 0)
    threshold = sc.livelihood.asset_threshold_usd_ppp
    # treated households keep what they were given and build on it, up to the herd their
    # idle days can tend (beyond it each animal would cost casual wages) ...
    assert treat_end > treat_0 + 1000.0 + 100.0
    # ... while the control group stays stuck far below the threshold
    assert control_end < threshold / 2


def test_a_transfer_below_the_threshold_is_eaten_away():
    sc = trap_scenario("s_shaped", transfer=150.0)
    model = GraduationModel(sc).run()
    treat_end, _ = arm_assets(model, HORIZON)
    treat_0, _ = arm_assets(model, 0)
    assert treat_end < treat_0 + 150.0  # a small push does not last


@pytest.mark.parametrize("seed", [11])
def test_concave_variant_closes_the_gap(seed):
    gaps = {}
    control_growth = {}
    for production in ("s_shaped", "concave"):
        model = GraduationModel(trap_scenario(production)).run()
        t_end, c_end = arm_assets(model, HORIZON)
        _, c_0 = arm_assets(model, 0)
        gaps[production] = (t_end - c_end) / (t_end + c_end)
        control_growth[production] = c_end - c_0
    assert gaps["concave"] < gaps["s_shaped"] - 0.2
    assert control_growth["concave"] > 100.0  # without a trap the poor accumulate too
    assert control_growth["s_shaped"] < 5.0
