"""No silent NaN: stocks are clamped where rounding would take them below zero, and a
value that is not finite is an error naming the month, the variable and the household,
never a status counted as a result."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from pushpull_sim import GraduationModel
from pushpull_sim import livelihood as L
from pushpull_sim.cli import EXIT_FAILED, main
from pushpull_sim.households import ARM_NAMES, Households, NumericalError
from pushpull_sim.scenario import Scenario, dump_scenario, scenario_from_dict


def whole_herd_deaths(**shocks) -> Scenario:
    """The reported case: concave production and every animal dying in the first month,
    400 households in 4 villages, no burn-in, an asset transfer of 1,000 in a 12-month
    programme, 24 months."""
    data = Scenario().to_dict()
    data["population"].update(households=400, villages=4, burn_in_months=0)
    data["livelihood"]["production"] = "concave"
    data["shocks"].update({"livestock_mortality_monthly": 1.0, **shocks})
    data["programme"].update(start_month=0, end_month=12)
    data["programme"]["interventions"] = [{"type": "asset_transfer", "value_usd_ppp": 1000.0}]
    data["run"]["months"] = 24
    data["rct"]["itt_months"] = [12]
    data["output"]["household_months"] = [0, 24]
    return scenario_from_dict(data, source="test")


def test_a_whole_herd_dying_leaves_assets_at_exactly_zero_and_counts_the_poor():
    model = GraduationModel(whole_herd_deaths(), seed=1)
    hh = model.hh
    while model.month < model.horizon:
        model.step()
        assert hh.assets.min() >= 0.0
        # every herd died at the start of the month: livestock households lost all they
        # held and hold at most what they received or bought since
        lv = hh.asset_kind == 0
        assert np.all(hh.asset_losses[lv] >= hh.assets_start[lv] * (1 - 1e-12))
        held = hh.asset_purchases[lv] + hh.transfer_in_kind[lv]
        assert np.all(hh.assets[lv] <= held + 1e-9)
        for name in ("assets", "savings", "consumption", "consumption_ppd"):
            assert np.isfinite(getattr(hh, name)).all(), (model.month, name)
    ts = model.timeseries().query("month == 24").set_index("arm")
    for code, arm in ARM_NAMES.items():
        share = hh.extreme_poor[hh.arm == code].mean()
        assert ts.loc[arm, "extreme_poverty_headcount"] == pytest.approx(share, abs=1e-12)
    # the herds are gone, so most households are extreme poor: nothing like the 0.000
    # the NaN used to report
    assert ts.loc["all", "extreme_poverty_headcount"] > 0.3


@pytest.mark.parametrize("seed", range(5))
def test_concave_production_with_a_severe_outbreak_stays_finite(seed):
    sc = whole_herd_deaths(
        livestock_mortality_monthly=0.01,
        outbreak_prob_monthly=0.2,
        outbreak_mortality_multiplier=100.0,
    )
    model = GraduationModel(sc, seed=seed).run()  # raises NumericalError if not finite
    assert np.isfinite(model.hh.assets).all() and model.hh.assets.min() >= 0.0
    assert 0.0 < model.hh.extreme_poor.mean() < 1.0


def test_concave_production_of_float_dust_below_zero_is_zero_not_nan():
    tech = L.technology(np.zeros(3, np.int8), whole_herd_deaths())
    out = L.own_production(np.array([-2e-13, 0.0, 100.0]), tech)
    assert out[0] == 0.0 and out[1] == 0.0 and out[2] > 0.0


def test_a_lender_collecting_all_the_cash_leaves_savings_at_zero_not_below():
    """Interest plus principal equal to the cash in hand may exceed it by the last bit."""
    from pushpull_sim.pull.credit import Lender

    data = Scenario().to_dict()
    data["population"].update(households=20, villages=1, burn_in_months=0)
    data["pull"]["actors"] = [{"type": "lender"}]
    model = GraduationModel(scenario_from_dict(data, source="test"), seed=1)
    lender = next(a for a in model.pull_actors if isinstance(a, Lender))
    hh = model.hh
    ids = np.arange(hh.n)
    # balances and cash for which interest + (cash - interest) rounds above the cash:
    # all of the balance is due now, more than the cash, so all the cash is paid
    rng = np.random.default_rng(0)
    balance = rng.uniform(100.0, 2000.0, 100_000)
    interest = balance * lender.monthly_rate
    cash = interest * rng.uniform(1.0, 40.0, balance.size)
    pick = (interest + (cash - interest) > cash) & (balance > cash)
    assert pick.sum() >= hh.n
    hh.savings[:] = cash[pick][: hh.n]
    hh.debt[:] = lender.balance[ids] = balance[pick][: hh.n]
    lender.months_left[ids] = 1
    lender.settle(model)
    assert hh.savings.min() == 0.0  # every borrower paid all they had: none below zero


def test_check_finite_names_the_month_variable_and_household():
    hh = Households(50)
    hh.check_finite(3)  # all finite: no error
    hh.confidence[17] = np.nan
    hh.confidence[30] = np.inf
    with pytest.raises(NumericalError) as info:
        hh.check_finite(7)
    err = info.value
    assert (err.month, err.variable, err.household) == (7, "confidence", 17)
    assert str(err).startswith("month 7: confidence of household 17 is nan")
    assert "2 of 50 households affected" in str(err)
    # a flow is named before a stock (where the failure shows first), by its own name
    hh.income_own[40] = -np.inf
    with pytest.raises(NumericalError, match=r"^month 8: income_own of household 40 is -inf"):
        hh.check_finite(8)
    # the error crosses process boundaries whole (pool workers, Dask)
    copy = pickle.loads(pickle.dumps(err))
    assert (copy.month, copy.variable, copy.household, str(copy)) == (
        7,
        "confidence",
        17,
        str(err),
    )


def test_check_finite_sees_a_state_array_replaced_after_the_first_check_and_after_pickling():
    from pushpull_sim.components import household_states

    hh = Households(20)
    hh.attach(household_states())
    hh.check_finite(1)  # the names are fixed at the first check
    hh.labour = np.ones(20)  # no longer a row of the state block: summed on its own
    hh.labour[5] = np.nan
    with pytest.raises(NumericalError, match=r"^month 2: labour of household 5 is nan"):
        hh.check_finite(2)
    hh.labour = np.ones(20)
    hh.consumption = np.full(20, 5.0)  # a flow replaced: still reset and still checked
    hh.begin_month()
    assert not hh.consumption.any()
    hh.consumption[2] = np.inf
    with pytest.raises(NumericalError, match=r"^month 4: consumption of household 2 is inf"):
        hh.check_finite(4)
    copy = pickle.loads(pickle.dumps(Households(20)))  # blocks and their views rebuilt
    assert copy.assets.base is copy._state and copy.income_own.base is copy._flows
    copy.ability[7] = np.inf
    with pytest.raises(NumericalError, match=r"^month 3: ability of household 7 is inf"):
        copy.check_finite(3)


def test_huge_finite_values_whose_sum_overflows_are_not_an_error():
    hh = Households(4)
    hh.assets[:] = 1e308  # finite, but their sum is inf
    hh.check_finite(1)


def _break_production(monkeypatch, household) -> None:
    """From month 1, production goes wrong for one household (its ability turns NaN just
    before the production stage, so its own-production income is NaN)."""
    import pushpull_sim.model as M

    real = M.GraduationModel._produce_and_earn

    def broken(self):
        if self.month >= 1:
            self.hh.ability[household(self.hh.n)] = np.nan
        real(self)

    monkeypatch.setattr(M.GraduationModel, "_produce_and_earn", broken)


def test_a_nan_arising_in_a_month_stops_the_model_naming_where(monkeypatch):
    model = GraduationModel(whole_herd_deaths(), seed=1)
    _break_production(monkeypatch, lambda n: 123)
    with pytest.raises(NumericalError) as info:
        model.step()
    assert info.value.month == 1 and info.value.household == 123
    assert info.value.variable == "income_own"


def test_run_command_reports_a_nan_in_one_line_and_writes_nothing(tmp_path, monkeypatch, capsys):
    _break_production(monkeypatch, lambda n: n // 2)
    scenario = tmp_path / "s.toml"
    scenario.write_text(dump_scenario(whole_herd_deaths()), encoding="utf-8")
    out = tmp_path / "run"
    code = main(["run", str(scenario), "--workers", "1", "--replications", "1", "--out", str(out)])
    err = capsys.readouterr().err
    assert code == EXIT_FAILED
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("pushpull run: error: month 1: income_own of household 200 is nan")
    assert not out.exists()
    assert not list(tmp_path.glob(".run*"))  # no temporary directory left behind
