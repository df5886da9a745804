"""Mesa's batch_run with PushPullModel: seeds reach the model whichever way they are
given (or a warning names rng=), both trial arms are recorded so an intent-to-treat
difference can be computed, and the final month is reported whatever the period."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from mesa.batchrunner import batch_run

from pushpull_sim.households import CONTROL, TREATMENT
from pushpull_sim.sweep.interop import PushPullModel

TINY = """
name = "tiny"
[run]
months = 30
seed = 99
[population]
households = 200
villages = 4
villages_per_region = 2
burn_in_months = 6
[programme]
end_month = 12
[[programme.interventions]]
type = "asset_transfer"
value_usd_ppp = 1500.0
[[programme.interventions]]
type = "consumption_support"
duration_months = 12
amount_usd_ppp_per_month = 60.0
[rct]
itt_months = [12]
"""


@pytest.fixture
def base(tmp_path):
    path = tmp_path / "tiny.toml"
    path.write_text(TINY)
    return str(path)


def rows_of(base, **kwargs) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # Mesa's, for iterations=
        rows = batch_run(PushPullModel, display_progress=False, max_steps=100, **kwargs)
    return pd.DataFrame(rows)


def test_a_seed_in_parameters_seeds_the_runs_instead_of_being_replaced(base):
    df = rows_of(base, parameters={"base": base, "seed": [3, 4]}, data_collection_period=-1)
    assert sorted(df["seed"]) == [3, 4]  # the seeds the runs used (reporter)
    by_seed = df.set_index("seed")
    assert by_seed.loc[3, "consumption_ppd_all"] != by_seed.loc[4, "consumption_ppd_all"]
    alone = PushPullModel(rng=3, base=base)
    alone.run()
    assert by_seed.loc[3, "consumption_ppd_all"] == alone.hh.consumption_ppd.mean()


def test_rng_values_seed_the_runs(base):
    df = rows_of(base, parameters={"base": base}, rng=[5, 6], data_collection_period=-1)
    assert sorted(df["rng"]) == [5, 6] and sorted(df["seed"]) == [5, 6]


def test_iterations_without_seeds_warn_naming_rng(base):
    with pytest.warns(UserWarning, match=r"rng=\[1, 2, 3\]") as record:
        df = rows_of(base, parameters={"base": base}, iterations=2, data_collection_period=-1)
    assert "uses the base scenario's run.seed (99)" in str(record[0].message)
    assert "iterations=k) would repeat it k times" in str(record[0].message)
    # the warning is true: the two replications are the same run
    assert df["seed"].tolist() == [99, 99]
    assert df["consumption_ppd_all"].nunique() == 1


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"rng": 1.5}, r"rng = 1\.5: must be a whole number >= 0"),
        ({"rng": -1}, r"rng = -1: must be a whole number >= 0"),
        ({"rng": 1, "seed": 2}, r"rng = 1 and seed = 2 disagree: .* rng= argument"),
    ],
)
def test_bad_seeds_are_refused_naming_rng(base, kwargs, message):
    with pytest.raises(ValueError, match=message):
        PushPullModel(base=base, **kwargs)


def test_both_arms_are_recorded_so_the_itt_difference_can_be_computed(base):
    df = rows_of(base, parameters={"base": base}, rng=[1, 2], data_collection_period=1)
    for column in ("extreme_poor", "graduated", "consumption_ppd", "assets"):
        assert {f"{column}_treatment", f"{column}_control", f"{column}_all"} <= set(df)
    # the difference in means between the randomised arms, by seed, at the programme's end
    end = df[df["month"] == 12].set_index("seed")
    itt = end["consumption_ppd_treatment"] - end["consumption_ppd_control"]
    assert (itt > 0).all()  # a year of consumption support and a transfer raise it
    # each arm's figure is that arm's households' mean
    model = PushPullModel(rng=1, base=base)
    model.run(12)
    hh = model.hh
    for code, arm in ((TREATMENT, "treatment"), (CONTROL, "control")):
        want = hh.consumption_ppd[hh.arm == code].mean()
        assert end.loc[1, f"consumption_ppd_{arm}"] == pytest.approx(want, rel=1e-12)


@pytest.mark.parametrize("period, months", [(12, [0, 12, 24, 30]), (7, [0, 7, 14, 21, 28, 30])])
def test_the_final_month_is_reported_whatever_the_period(base, period, months):
    df = rows_of(base, parameters={"base": base}, rng=[1], data_collection_period=period)
    assert df["month"].tolist() == months
    assert df["Step"].tolist() == months
    full = rows_of(base, parameters={"base": base}, rng=[1], data_collection_period=1)
    final = full[full["month"] == 30].iloc[0]
    assert df.iloc[-1]["graduated_treatment"] == final["graduated_treatment"]
    assert np.isfinite(df["programme_cost_usd_ppp"]).all()
