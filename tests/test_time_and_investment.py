"""Time allocation and the investment rule: own production's labour has a price only once
it displaces casual work, and a household does not buy assets whose marginal return is
below the wage the extra labour gives up."""

import numpy as np
import pytest
from conftest import small

from pushpull_sim import GraduationModel
from pushpull_sim.livelihood import marginal_product, time_allocation


def test_own_production_takes_idle_days_first():
    days = np.full(4, 20.0)
    assets = np.array([0.0, 500.0, 1500.0, 10_000.0])
    own, casual, displaces = time_allocation(assets, days, np.full(4, 0.01), 0.6)
    np.testing.assert_allclose(own, [0.0, 5.0, 15.0, 20.0])
    # casual work finds at most 60 % of the days: 12; 8 days are idle without own production
    np.testing.assert_allclose(casual, [12.0, 12.0, 5.0, 0.0])
    # the first 8 days of own production come out of idle time, the rest out of casual work
    np.testing.assert_array_equal(displaces, [False, False, True, True])


def investing(employment_rate: float, wage: float) -> GraduationModel:
    sc = small(
        run={"months": 12},
        programme={"interventions": []},
        livelihood={
            "employment_rate": employment_rate,
            "wage_usd_ppp_per_day": wage,
            "wage_flexibility": 0.0,
        },
        shocks={"illness_prob_monthly": 0.0, "drought_prob_yearly": 0.0},
    )
    model = GraduationModel(sc)
    hh = model.hh
    hh.assets[:] = 2 * sc.livelihood.asset_threshold_usd_ppp  # on the high-return branch
    hh.savings[:] = 5_000.0  # far above the precautionary buffer
    hh.confidence[:] = 1.0
    model.hh.begin_month()
    model._produce_and_earn()
    model.net_return = net_return(model)  # at the assets the household decides on
    model._consume_save_invest(np.zeros(hh.n))
    return model


def net_return(model: GraduationModel) -> np.ndarray:
    """Marginal monthly return of one more USD of assets, less depreciation, expected
    losses and a day's wage for each day it takes (every day displaces casual work when
    the village's casual work takes every free day)."""
    hh, tech, liv = model.hh, model.tech, model.params.livelihood
    skill = 1 + liv.skill_productivity_gain * hh.skill
    mpk = marginal_product(hh.assets, tech) * hh.ability * skill
    wage_forgone = tech.labour_days_per_usd * hh.wage_rate
    return mpk - liv.depreciation_monthly - tech.mortality_monthly - wage_forgone


def test_no_investment_when_the_marginal_return_is_below_the_wage_given_up():
    model = investing(employment_rate=1.0, wage=12.0)  # every free day finds casual work
    hh = model.hh
    below = model.net_return <= model.params.behaviour.investment_hurdle_monthly
    assert below.mean() > 0.9  # a day tending livestock costs a 12-dollar day of wages
    assert (hh.asset_purchases[below] == 0).all()
    assert (hh.asset_purchases[~below] > 0).all()  # the most able still find it worth it
    # the same households, with idle days to give the animals: they invest
    idle = investing(employment_rate=0.3, wage=12.0)
    assert (idle.hh.asset_purchases[below] > 0).mean() > 0.9


def test_a_low_wage_makes_the_same_investment_worth_it():
    cheap = investing(employment_rate=1.0, wage=0.5)
    assert (cheap.hh.asset_purchases > 0).mean() > 0.9


@pytest.mark.parametrize("rate", [0.3, 1.0])
def test_days_worked_are_recorded(rate):
    model = investing(employment_rate=rate, wage=12.0)
    hh = model.hh
    days = hh.labour * model.params.livelihood.labour_days_per_month
    assert (hh.days_own + hh.days_casual <= days + 1e-9).all()
    assert (hh.days_own > 0).all()
