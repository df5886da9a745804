"""Invariants of the monthly step over generated valid scenarios (property-based).

Every month of every generated scenario: every household array is finite; stocks are
never negative (they are clamped where rounding could take them below zero, not in the
report); money is conserved to a relative tolerance of the month's largest flow; and the
recorded headcounts are the counts of the households' own (finite) statuses. A NaN that
does arise is an error naming the household, the month and the variable.
"""

from __future__ import annotations

import os
import typing

import numpy as np
import pytest
from conftest import SCENARIOS
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from pushpull_sim import GraduationModel
from pushpull_sim.households import ARM_NAMES, FLOWS
from pushpull_sim.scenario import ScenarioError, load_scenario, scenario_from_dict
from pushpull_sim.scenario.groups import Behaviour, Livelihood, Network, Population, Shocks

#: Shipped scenarios the generated ones start from.
BASES = ("graduation_package", "pull_only", "disconnect_demo", "bangladesh_tup", "baseline")
#: Strategies a scenario with a budget may be run under.
STRATEGY_NAMES = ("none", "push_only", "pull_only", "siloed", "sequenced", "layered")
#: Parameters drawn, by group, each within its declared bounds (upper bounds of open-ended
#: amounts capped at :data:`CAP` times the default, so values stay plausible).
VARIED = {
    "livelihood": (
        Livelihood,
        (
            "concave_alpha",
            "depreciation_monthly",
            "return_high_monthly",
            "input_share",
            "wage_flexibility",
            "cash_loss_monthly",
            "local_price_discount",
            "input_price_elasticity",
        ),
    ),
    "shocks": (
        Shocks,
        (
            "livestock_mortality_monthly",
            "outbreak_prob_monthly",
            "outbreak_mortality_multiplier",
            "illness_prob_monthly",
            "drought_prob_yearly",
            "drought_asset_price_drop",
            "health_cost_mean_usd_ppp",
        ),
    ),
    "behaviour": (
        Behaviour,
        (
            "distress_sale_discount",
            "investment_share",
            "precautionary_buffer_months",
            "mpc_above_subsistence",
        ),
    ),
    "network": (Network, ("risk_sharing_share",)),
    "population": (Population, ("asset_free_share", "initial_savings_months", "remittance_share")),
}
CAP = 20.0
#: Generated scenarios per run: a fixed, derandomised set in CI; set the environment
#: variable PUSHPULL_PROPERTY_EXAMPLES (e.g. 400) for a longer, random search.
EXAMPLES = int(os.environ.get("PUSHPULL_PROPERTY_EXAMPLES") or 60)
#: Relative tolerance of the household accounts, against the month's largest flow or stock.
RTOL = 1e-9


def _bounds(model: type, name: str) -> tuple[float, float]:
    field = model.model_fields[name]
    lo, hi = -np.inf, np.inf
    for meta in field.metadata:
        for attr in ("ge", "gt"):
            if getattr(meta, attr, None) is not None:
                lo = float(getattr(meta, attr))
        for attr in ("le", "lt"):
            if getattr(meta, attr, None) is not None:
                hi = float(getattr(meta, attr))
    default = float(field.default)
    hi = min(hi, max(CAP * abs(default), lo + 1.0))
    return lo, hi


def _value(model: type, name: str):
    lo, hi = _bounds(model, name)
    whole = int in typing.get_args(model.model_fields[name].annotation) or (
        model.model_fields[name].annotation is int
    )
    if whole:
        return st.integers(int(np.ceil(lo)), int(hi))
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


@st.composite
def scenarios(draw):
    """A valid scenario: a shipped one, made small, with drawn parameters and strategy."""
    data = load_scenario(SCENARIOS / f"{draw(st.sampled_from(BASES))}.toml").to_dict()
    months = draw(st.integers(6, 30))
    households = draw(st.integers(30, 240))
    data["run"].update(months=months, replications=1)
    data["population"].update(
        households=households,
        villages=draw(st.integers(1, min(6, households))),
        villages_per_region=draw(st.integers(1, 3)),
        burn_in_months=draw(st.integers(0, 6)),
    )
    data["programme"]["start_month"] = 0
    data["programme"]["end_month"] = draw(st.integers(1, months))
    data["rct"]["itt_months"] = [draw(st.integers(1, months))]
    data["output"]["household_months"] = [0]
    data["livelihood"]["production"] = draw(st.sampled_from(["s_shaped", "concave"]))
    for group, (model, names) in VARIED.items():
        for name in draw(st.sets(st.sampled_from(names), max_size=4)):
            data[group][name] = draw(_value(model, name))
    if data["programme"].get("budget_usd_ppp") is not None and draw(st.booleans()):
        data["strategy"] = {"name": draw(st.sampled_from(STRATEGY_NAMES))}
    try:
        return scenario_from_dict(data, source="generated")
    except ScenarioError:
        assume(False)


def check_month(model: GraduationModel, stepped: bool = True) -> dict[str, float]:
    """The invariants of one month (asserts; the accounts only after a month was stepped).

    Returns:
        dict: The extreme-poverty headcount of each arm, from the household statuses.
    """
    hh = model.hh
    where = f"month {model.month}"
    for name, value in vars(hh).items():
        if isinstance(value, np.ndarray) and value.dtype.kind == "f":
            assert np.isfinite(value).all(), f"{where}: {name} is not finite"
    for name in ("assets", "savings", "debt", "vsla_share"):
        low = getattr(hh, name).min()
        assert low >= 0.0, f"{where}: {name} = {low!r} < 0"
    assert hh.consumption.min() >= 0.0, f"{where}: consumption < 0"
    flows = np.abs(np.stack([getattr(hh, f) for f in FLOWS])).max()
    stocks = max(hh.assets.max(), hh.savings.max(), hh.debt.max(), hh.vsla_share.max())
    scale = max(flows, stocks, 1.0)
    residual = np.abs(hh.accounting_residual()).max() if stepped else 0.0
    assert residual <= RTOL * scale, f"{where}: money not conserved: {residual} vs {scale}"
    # the headcounts the recorder must report: counts of the households' own statuses
    return {
        arm: hh.extreme_poor[hh.arm == code].mean()
        for code, arm in ARM_NAMES.items()
        if (hh.arm == code).any()
    }


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=not os.environ.get("PUSHPULL_PROPERTY_EXAMPLES"),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(scenario=scenarios(), seed=st.integers(0, 2**32))
def test_every_month_of_a_generated_scenario_keeps_the_invariants(scenario, seed):
    model = GraduationModel(scenario, seed=seed)
    headcounts = {0: check_month(model, stepped=False)}
    while model.month < model.horizon:
        model.step()
        headcounts[model.month] = check_month(model)
    recorded = model.timeseries().set_index(["month", "arm"])["extreme_poverty_headcount"]
    months = recorded.index.get_level_values("month").unique()
    assert 0 in months and model.horizon in months
    for month in months:
        for arm, share in headcounts[month].items():
            assert recorded[(month, arm)] == pytest.approx(share, abs=1e-12), (month, arm)
