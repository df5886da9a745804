"""The casual labour market: wages respond to village labour supply."""

import numpy as np
import pytest
from conftest import small

from pushpull_sim import GraduationModel
from pushpull_sim.households import INELIGIBLE


def big_push(**livelihood):
    return small(
        livelihood=livelihood,
        programme={
            "eligible_share": 0.6,
            "interventions": [{"type": "asset_transfer", "value_usd_ppp": 6000.0}],
        },
    )


def test_wage_is_fixed_at_baseline_and_without_flexibility():
    m = GraduationModel(small())
    np.testing.assert_allclose(m.wage, m.params.livelihood.wage_usd_ppp_per_day)
    fixed = GraduationModel(big_push(wage_flexibility=0.0)).run()
    np.testing.assert_allclose(fixed.wage, fixed.params.livelihood.wage_usd_ppp_per_day)


def test_self_employment_raises_the_wage_for_those_left_in_casual_work():
    """A large asset transfer pulls labour into own production; the village wage rises and
    non-participants earn more from the casual work they still do (a spillover)."""
    treated = GraduationModel(big_push())
    untreated = GraduationModel(big_push().with_overrides(programme={"interventions": []}))
    for _ in range(6):
        treated.step()
        untreated.step()
    assert treated.wage.min() > untreated.wage.max()
    lv = treated.params.livelihood
    assert treated.wage.min() > lv.wage_usd_ppp_per_day
    others = treated.hh.arm == INELIGIBLE
    assert treated.hh.income_wage[others].sum() > untreated.hh.income_wage[others].sum()
    ts = treated.timeseries()
    last = ts[(ts["month"] == treated.month) & (ts["arm"] == "all")]
    assert last["wage_mean"].item() == pytest.approx(treated.hh.wage_rate.mean())
    # the wage follows (supply / baseline supply) ** -flexibility: the production stage
    # sets it from the days offered at the assets held now
    treated._produce_and_earn()
    supply = treated._labour_supply() / treated.labour_supply_baseline
    np.testing.assert_allclose(treated.wage, lv.wage_usd_ppp_per_day * supply**-0.3)
