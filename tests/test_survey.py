"""The virtual trial's survey: recall windows, measurement, and the trial's indices."""

import numpy as np
import pandas as pd
import pytest
from conftest import small

from pushpull_sim import GraduationModel
from pushpull_sim.households import DAYS_PER_MONTH
from pushpull_sim.survey import INDICES, MEASURES, add_indices, standardise


def surveyed(months=26, itt=(24,), **survey):
    sc = small(
        run={"months": months},
        rct={"itt_months": list(itt)},
        survey={"measurement_error_sd": 0.0, **survey},
    )
    return GraduationModel(sc)


def test_consumption_and_income_are_means_over_their_recall_windows():
    model = surveyed(
        consumption_recall_months=3, durables_recall_months=12, income_recall_months=12
    )
    hh = model.hh
    elig = np.flatnonzero(hh.eligible)
    nondurable, durables, income = [], [], []
    while model.month < 24:
        model.step()
        per_ae_day = hh.size_ae * DAYS_PER_MONTH
        nondurable.append((hh.consumption / per_ae_day)[elig].copy())
        durables.append((hh.durables_purchases / per_ae_day)[elig].copy())
        income.append(hh.income[elig].copy())
    table = model.survey.table()
    at24 = table[table["month"] == 24].set_index("household_id").loc[elig]
    # non-durables over the last 3 months, durables bought over the last 12, as
    # consumption modules ask
    expect = np.mean(nondurable[-3:], axis=0) + np.mean(durables[-12:], axis=0)
    assert (np.mean(durables[-12:], axis=0) > 0).mean() > 0.5  # the durables part matters
    np.testing.assert_allclose(at24["consumption"], expect, rtol=1e-12)
    np.testing.assert_allclose(at24["durables_bought"], np.mean(durables[-12:], axis=0), rtol=1e-12)
    np.testing.assert_allclose(at24["income"], np.mean(income[-12:], axis=0), rtol=1e-12)
    # stocks at the survey date
    np.testing.assert_allclose(at24["productive_assets"], hh.assets[elig])
    np.testing.assert_allclose(at24["savings"], hh.savings[elig] + hh.vsla_share[elig])
    np.testing.assert_allclose(at24["borrowing"], hh.debt[elig])


def test_the_baseline_round_reaches_back_into_the_months_before_month_0():
    model = surveyed(income_recall_months=6)  # burn-in is 12 months in these scenarios
    base = model.survey.table().query("month == 0")
    assert len(base) == model.hh.eligible.sum()
    assert set(base["arm"]) == {"treatment", "control"}
    # an income recall of 6 months is not one month's income
    elig = np.flatnonzero(model.hh.eligible)
    reported = base.set_index("household_id").loc[elig, "income"].to_numpy()
    assert not np.allclose(reported, model.hh.income[elig])
    assert (reported > 0).mean() > 0.9


def test_food_security_is_a_share_of_the_recall_months():
    model = surveyed(food_security_recall_months=4).run()
    t = model.survey.table()
    for col in ("food_enough", "food_no_severe_shortfall"):
        np.testing.assert_allclose(t[col] * 4, np.round(t[col] * 4))  # quarters of 4 months
        assert t[col].between(0, 1).all()


def test_measurement_error_is_mean_one_and_leaves_shares_exact():
    exact = surveyed().run()
    noisy = GraduationModel(exact.params.with_overrides(survey={"measurement_error_sd": 0.5})).run()
    a = exact.survey.table().set_index(["month", "household_id"])
    b = noisy.survey.table().set_index(["month", "household_id"])
    ratios = []
    for col in ("productive_assets", "income", "consumption", "savings"):
        ok = a[col] > 0
        ratios.append((b.loc[ok, col] / a.loc[ok, col]).to_numpy())
    ratio = np.concatenate(ratios)
    sd = float(np.sqrt(np.exp(0.5**2) - 1))  # SD of a mean-one lognormal of log-SD 0.5
    assert ratio.std() == pytest.approx(sd, rel=0.25)
    # within 4 standard errors of 1 (the four measures' errors are independent draws)
    assert ratio.mean() == pytest.approx(1.0, abs=4 * sd / np.sqrt(ratio.size))
    pd.testing.assert_series_equal(a["food_enough"], b["food_enough"])
    pd.testing.assert_series_equal(a["financial_link"], b["financial_link"])


def test_each_module_has_its_own_measurement_error():
    exact = surveyed().run()
    a = exact.survey.table().set_index(["month", "household_id"])
    sc = exact.params.with_overrides(
        survey={"measurement_error_sd": 0.5, "consumption_error_sd": 0.0, "stock_error_sd": 1.0}
    )
    b = GraduationModel(sc).run().survey.table().set_index(["month", "household_id"])
    assert len(a) > 150  # two rounds of the eligible households

    def log_sd(col):
        ok = a[col] > 0
        return float(np.log(b.loc[ok, col] / a.loc[ok, col]).std())

    assert log_sd("consumption") == 0.0  # exact: its own setting, 0
    # within 4 standard errors of a sample SD (about sd / sqrt(2 n))
    for col, sd in [("income", 0.5), ("productive_assets", 1.0), ("savings", 1.0)]:
        n = int((a[col] > 0).sum())
        assert log_sd(col) == pytest.approx(sd, abs=4 * sd / np.sqrt(2 * n)), col


def test_days_worked_are_asked_over_the_last_days_without_bias():
    model = surveyed(time_recall_days=7).run()
    hh = model.hh
    elig = np.flatnonzero(hh.eligible)
    truth = (hh.days_own + hh.days_casual)[elig] / (
        hh.size_ae[elig] * model.params.population.adults_per_ae
    )
    reported = model.survey.table().query("month == 26").set_index("household_id")
    assert reported.empty  # month 26 is not a survey round
    at24 = model.survey.table().query("month == 24")["days_worked"].to_numpy()
    # days in the last 7, scaled to a month: multiples of a month / 7
    np.testing.assert_allclose(at24 / (DAYS_PER_MONTH / 7), np.round(at24 / (DAYS_PER_MONTH / 7)))
    assert at24.mean() == pytest.approx(truth.mean(), rel=0.15)


def test_indices_are_standardised_against_the_round_control_group():
    rng = np.random.default_rng(0)
    n = 400
    rows = []
    for month in (0, 24):
        arm = np.where(np.arange(n) < n // 2, "control", "treatment")
        data = {"month": month, "household_id": np.arange(n), "arm": arm}
        for name in MEASURES:
            data[name] = rng.lognormal(2, 0.5, n) + (arm == "treatment") * (month > 0)
        data["income_business"] = np.zeros(n)  # nobody runs a business: cannot be scored
        rows.append(pd.DataFrame(data))
    table = add_indices(pd.concat(rows, ignore_index=True))
    for _, g in table.groupby("month"):
        control = g[g["arm"] == "control"]
        for name in INDICES:
            assert control[name].mean() == pytest.approx(0.0, abs=1e-12)
            assert control[name].std(ddof=1) == pytest.approx(1.0, rel=1e-12)
    # the income index averages the components that can be scored, then re-standardises
    g = table[table["month"] == 24]
    c = (g["arm"] == "control").to_numpy()
    z = [standardise(g[k].to_numpy(), c) for k in ("revenue_livestock_crops", "income_paid_labour")]
    expected = standardise(np.mean(z, axis=0), c)
    np.testing.assert_allclose(g["income_index"].to_numpy(), expected, rtol=1e-12)
    # a treatment effect of 1 on components with a control SD of about 2-3 shows up
    assert g.loc[~c, "consumption_index"].mean() > 0.2


def test_every_index_names_its_components_and_published_figures():
    for index in INDICES.values():
        assert set(index.components) <= set(MEASURES)
        assert set(index.published) == {24, 36}
        for effect, se in index.published.values():
            assert 0 < effect < 1 and 0 < se < 0.05
