"""Declared outcomes: one definition read by compare, sweeps and the run summary."""

import math

import numpy as np
import pytest
from conftest import small

from pushpull_sim.compare import COMPARE_OUTCOMES, run_strategy
from pushpull_sim.households import CONTROL, TREATMENT
from pushpull_sim.outcomes import OUTCOMES, evaluate, outcome
from pushpull_sim.results import simulate, snapshot_months
from pushpull_sim.runner import run_experiment, run_replication
from pushpull_sim.summary import build_summary
from pushpull_sim.sweep.engine import default_run_fn
from pushpull_sim.sweep.outcomes import OUTCOMES as SWEEP_OUTCOMES

UNITS = {"share", "households", "actors", "USD PPP", "USD PPP per AE per day"}
UNITS |= {"difference of shares", "households per USD PPP 100,000"}
UNITS |= {"control SD", "% of control mean", "ratio"}


def scenario(months=84):
    """Small, with graduates at the end and horizons 2 and 5 years after it."""
    return small(
        run={"months": months},
        programme={
            "end_month": 24,
            "interventions": [
                {"type": "asset_transfer", "value_usd_ppp": 1200.0},
                {"type": "consumption_support", "duration_months": 6},
                {"type": "coaching", "duration_months": 12},
            ],
        },
        pull={"actors": [{"type": "lender", "count": 2}]},
        graduation={"consumption_line": "subsistence"},
    )


@pytest.fixture(scope="module")
def run():
    return simulate(scenario(), seed=3, replication=0)


def test_every_outcome_is_declared_with_a_unit_a_definition_and_a_source():
    for name, o in OUTCOMES.items():
        assert o.name == name
        assert o.unit in UNITS, name
        assert o.definition and o.source and o.label, name
        assert o.better in (None, "higher", "lower"), name
    assert set(COMPARE_OUTCOMES) <= set(OUTCOMES)
    assert set(SWEEP_OUTCOMES) <= set(OUTCOMES)
    with pytest.raises(ValueError, match="already declared"):
        outcome("graduated_end", "x", "share", "x", "x")(lambda result: 0.0)


def test_outcomes_that_do_not_declare_the_survey_are_the_same_without_it(run):
    bare = simulate(scenario(), seed=3, replication=0, survey=False)
    with pytest.raises(RuntimeError, match="kept no survey"):
        bare.survey  # noqa: B018
    full = evaluate(run)
    readers = [name for name, o in OUTCOMES.items() if o.survey]
    assert "asset_index_itt_sd_24m" in readers and "benefit_cost_ratio" in readers
    assert not math.isnan(full["asset_index_itt_sd_24m"])
    for name, o in OUTCOMES.items():
        if o.survey:  # declared: it needs the survey, and says so when it is missing
            with pytest.raises(RuntimeError, match="kept no survey"):
                evaluate(bare, [name])
            continue
        value = evaluate(bare, [name])[name]  # an undeclared read of the survey raises
        assert value == full[name] or (math.isnan(value) and math.isnan(full[name])), name
    # an outcome of one's own that does not declare it keeps the survey in a sweep
    from pushpull_sim.outcomes import _OUTCOMES

    def own(result):
        est = result.itt_at("asset_index", 24)
        return float("nan") if est is None else est["effect_sd"]

    outcome("own_asset_index_24m", "own", "control SD", "x", "x")(own)
    try:
        mine, _ = default_run_fn(
            data := scenario().to_dict(), 3, [], ["treatment"], ("own_asset_index_24m",)
        )
        assert mine["own_asset_index_24m"] == full["asset_index_itt_sd_24m"]
    finally:
        del _OUTCOMES["own_asset_index_24m"]
    # a sweep runs the survey only when one of its outcomes reads it
    plain, _ = default_run_fn(data, 3, [], ["treatment"], outcomes=("graduated_end",))
    trial, _ = default_run_fn(data, 3, [], ["treatment"], outcomes=("consumption_itt_pct_24m",))
    assert not math.isnan(plain["graduated_end"]) and not math.isnan(
        trial["consumption_itt_pct_24m"]
    )


def test_every_outcome_is_a_number_or_nan_of_one_run(run):
    values = evaluate(run)
    assert list(values) == list(OUTCOMES)
    assert all(isinstance(v, float) for v in values.values())
    for name in ("graduated_end", "sustained_2y", "sustained_5y", "extreme_poor_end_5y"):
        assert 0.0 <= values[name] <= 1.0, name
    assert values["graduated_end"] > 0.05  # the run has graduates to follow
    assert values["participants"] == run.participants > 0
    assert values["total_cost_usd_ppp"] == pytest.approx(sum(run.costs.values()))
    assert values["sustained_graduates_2y"] <= values["graduated_end"]
    assert values["sustained_graduates_5y"] <= values["sustained_graduates_2y"]


def test_sustained_graduation_is_the_panels_retention(run):
    """An independent computation from the household panel of the same run."""
    # the panel holds only the months asked for: ask for the programme's end and the
    # horizons 2 and 5 years after it
    sc = scenario().with_overrides(output={"household_months": [0, 24, 48, 84]})
    rep = run_replication(sc, seed=3, replication=0)
    panel = rep.panel
    end = 24
    at_end = panel[(panel["month"] == end) & (panel["arm"] == "treatment")]
    grads = at_end.loc[at_end["graduated"], "household_id"]
    for years in (2, 5):
        later = panel[panel["month"] == end + 12 * years].set_index("household_id")
        expected = later.loc[grads, "graduated"].mean()
        assert evaluate(run, [f"sustained_{years}y"])[f"sustained_{years}y"] == expected
    treat = panel[(panel["month"] == end + 24) & (panel["arm"] == "treatment")]
    still = treat.set_index("household_id").loc[grads, "graduated"].sum()
    assert evaluate(run, ["sustained_graduates_2y"])["sustained_graduates_2y"] == (
        still / len(treat)
    )


def test_a_compare_row_and_a_sweep_row_of_the_same_run_agree():
    data = scenario().to_dict()
    compare_row, _, _ = run_strategy(data, 11, 0)  # replication 0 of seed 11 ...
    sweep_row, _ = default_run_fn(data, 11, [], ["treatment"])  # ... as a sweep runs it
    shared = set(COMPARE_OUTCOMES) & set(sweep_row)
    assert {"sustained_2y", "graduated_end", "extreme_poor_end", "total_cost_usd_ppp"} <= shared
    for name in shared:
        a, b = compare_row[name], sweep_row[name]
        assert a == b or (math.isnan(a) and math.isnan(b)), name


def test_the_run_summary_reports_the_declared_outcomes():
    sc = scenario()
    result = run_experiment(sc, replications=2, workers=1)
    summary = build_summary(result)
    per_run = [evaluate(r) for r in result.replications]
    block = summary["graduation"]["sustained_2y"]
    assert block["retained_treatment"] == pytest.approx(
        np.mean([v["sustained_2y"] for v in per_run]), abs=1e-10
    )
    assert block["retained_control"] == pytest.approx(
        np.mean([v["sustained_2y_control"] for v in per_run]), abs=1e-10
    )
    assert block["graduates_treatment"] == np.mean([v["graduates_end"] for v in per_run])
    grads = np.mean([v["participants_graduated_end"] for v in per_run])
    assert summary["cost"]["participants_graduated_at_end"] == grads


def test_outcomes_beyond_the_horizon_are_nan_not_zero():
    short = simulate(scenario(months=40), seed=3)  # the end (24) only, not 2 or 5 years on
    assert snapshot_months(short.scenario) == [24, 40]
    values = evaluate(short)
    for name in ("graduated_end_2y", "sustained_2y", "sustained_graduates_2y"):
        assert math.isnan(values[name]), name
    assert not math.isnan(values["graduated_end"])


def test_run_compare_and_sweeps_report_one_cost_per_additional_sustained_graduate():
    """One definition, one name: the run summary, a comparison and a sweep row of the
    same runs give the same cost per additional sustained graduate."""
    from pushpull_sim.compare import compare
    from pushpull_sim.outcomes import PER_USD, cost_per_additional

    sc = scenario()
    result = run_experiment(sc, replications=3, workers=1)
    summary = build_summary(result)
    per_run = [evaluate(r) for r in result.replications]
    per_100k = [v["additional_sustained_graduates_per_100k_usd_ppp"] for v in per_run]
    figure = summary["cost"]["cost_per_additional_sustained_graduate_usd_ppp"]
    assert figure == pytest.approx(PER_USD / np.mean(per_100k)) == cost_per_additional(per_100k)
    assert figure > 0
    # by hand from the panel's definition: spent / (T sustained - control rate x T)
    r = result.replications[0]
    end, later = r.snapshots[24], r.snapshots[48]  # the end (month 24) and 2 years on
    sustained = end["graduated"] & later["graduated"]
    treated = sustained[end["arm"] == TREATMENT].sum()
    control_rate = sustained[end["arm"] == CONTROL].sum() / r.control_arm
    extra = treated - control_rate * r.treatment_arm
    assert per_run[0]["additional_sustained_graduates"] == pytest.approx(extra)
    assert per_run[0]["cost_per_additional_sustained_graduate_usd_ppp"] == pytest.approx(
        sum(r.costs.values()) / extra
    )
    # compare reports the same figure for the same runs
    cmp = compare(sc, variants={"as written": {"name": "custom"}}, replications=3, workers=1)
    table = cmp.table().set_index("outcome")
    assert table.at["cost_per_additional_sustained_graduate_usd_ppp", "mean"] == pytest.approx(
        figure, rel=1e-12
    )
    # and so does a sweep, which keeps it by default
    assert "cost_per_additional_sustained_graduate_usd_ppp" in SWEEP_OUTCOMES
