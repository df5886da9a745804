"""The model from other tools: a picklable run_scenario, EMA-style keywords, batch_run."""

from __future__ import annotations

import math
import pickle

import pytest

from pushpull_sim.sweep.interop import PushPullModel, run_scenario, run_scenario_kw
from pushpull_sim.sweep.outcomes import OUTCOMES
from pushpull_sim.sweep.params import ParameterError

TINY = """
name = "tiny"
[run]
months = 30
[population]
households = 200
villages = 4
villages_per_region = 2
burn_in_months = 6
[programme]
end_month = 12
[[programme.interventions]]
type = "asset_transfer"
value_usd_ppp = 800.0
[rct]
itt_months = [12]
"""


@pytest.fixture
def base(tmp_path):
    path = tmp_path / "tiny.toml"
    path.write_text(TINY)
    return str(path)


def test_run_scenario_is_picklable_and_keyword_form_matches(base):
    assert pickle.loads(pickle.dumps(run_scenario)) is run_scenario
    params = {"programme.interventions.asset_transfer.value_usd_ppp": 1200.0}
    out = run_scenario(params, 5, base=base)
    assert list(out) == list(OUTCOMES)
    assert all(isinstance(v, float) for v in out.values())
    assert out["participants"] > 0 and out["total_cost_usd_ppp"] > 0
    assert math.isnan(out["graduated_end_5y"])  # beyond the 30-month horizon
    # EMA Workbench calls function(**experiment): keyword names with __ for .
    kw = run_scenario_kw(
        seed=5, base=base, programme__interventions__asset_transfer__value_usd_ppp=1200.0
    )
    assert kw["total_cost_usd_ppp"] == out["total_cost_usd_ppp"]
    assert kw["graduated_end"] == out["graduated_end"]
    other = run_scenario(params, 6, base=base)
    assert other["extreme_poor_horizon"] != out["extreme_poor_horizon"]
    with pytest.raises(ParameterError, match="unknown key 'value' in programme.interventions"):
        run_scenario({"programme.interventions.asset_transfer.value": 1.0}, 5, base=base)


def test_mesa_batch_run_with_keyword_parameters(base):
    from mesa.batchrunner import batch_run

    rows = batch_run(
        PushPullModel,
        parameters={"base": base, "behaviour__investment_hurdle_monthly": [0.005, 0.03]},
        rng=[1, 2],
        max_steps=100,
        data_collection_period=1,
        display_progress=False,
    )
    # 2 levels x 2 seeds, months 0..30 each: the final month is recorded
    assert len(rows) == 4 * 31
    assert sorted({r["month"] for r in rows}) == list(range(31))
    finals = [r for r in rows if r["month"] == 30]
    assert len(finals) == 4 and {r["seed"] for r in finals} == {1, 2}
    same_seed = [r for r in finals if r["seed"] == 1]
    model = PushPullModel(seed=1, base=base, behaviour__investment_hurdle_monthly=0.005)
    model.run()
    expected = [r for r in same_seed if r["behaviour__investment_hurdle_monthly"] == 0.005]
    assert expected[0]["extreme_poor_treatment"] == pytest.approx(
        model.datacollector.get_model_vars_dataframe()["extreme_poor_treatment"].iloc[-1]
    )
