"""The household event log: it never changes a number, it says what happened in the
month it happened, in the order of the monthly step, and it is written with the run."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from conftest import small

from pushpull_sim import GraduationModel
from pushpull_sim.cli import main
from pushpull_sim.events import COLUMNS, EventBatch, event_kinds
from pushpull_sim.scenario import dump_scenario

DATA = Path(__file__).resolve().parent / "data"
_spec = importlib.util.spec_from_file_location("make_baseline", DATA / "make_baseline.py")
baseline = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(baseline)

QUIET = {  # no random shocks: what happens is the schedule's doing
    "illness_prob_monthly": 0.0,
    "drought_prob_yearly": 0.0,
    "outbreak_prob_monthly": 0.0,
    "livestock_mortality_monthly": 0.0,
}


@pytest.mark.parametrize("name", sorted(baseline.baseline_scenarios()))
def test_the_log_off_gives_the_baseline_bit_for_bit_as_the_log_on_does(name):
    sc = baseline.baseline_scenarios()[name]
    assert sc.output.events  # the baseline test runs with the log on: this runs it off
    model = GraduationModel(sc, replication=0, events=True)
    assert model.event_log is not None
    tables = baseline.run_tables(sc, events=False)
    for table, got in tables.items():
        expected = pd.read_parquet(baseline.path(name, table))
        if expected.empty and got.empty:
            continue
        pd.testing.assert_frame_equal(
            got.reset_index(drop=True), expected, check_exact=True, obj=f"{name}.{table}"
        )


def test_a_transfer_then_an_outbreak_then_a_distress_sale_in_that_order_and_month():
    outbreak = {"type": "outbreak", "month": 3, "share": 0.5, "villages": [0]}
    sc = small(
        run={"months": 6},
        shocks={**QUIET, "scheduled": [outbreak]},
        programme={
            "end_month": 24,
            "interventions": [{"type": "asset_transfer", "value_usd_ppp": 800.0}],
        },
    )
    model = GraduationModel(sc)
    hh = model.hh
    served = model.participant_ids[hh.village[model.participant_ids] == 0]
    for _ in range(3):
        model.step()
    # constructed: the village's participants lose every cash reserve after the outbreak
    hh.savings[served] = 0.0
    hh.durables[served] = 0.0
    hh.vsla_share[served] = 0.0
    model.step()
    sold = served[hh.last_distress_month[served] == 4]
    assert sold.size >= 1
    log = model.event_log
    for i in sold:
        story = log.household(int(i))
        kinds = list(story["kind"].astype(str))
        months = list(story["month"])
        assert kinds[:2] == ["baseline", "selected"]
        transfer = kinds.index("asset_transfer")
        deaths = kinds.index("asset_deaths")
        sale = kinds.index("distress_sale")
        assert transfer < deaths < sale
        assert (months[transfer], months[deaths], months[sale]) == (1, 3, 4)
        assert story["value"][transfer] == pytest.approx(800.0)
        assert str(story["detail"][transfer]) == "livestock"
        assert str(story["detail"][deaths]) == "animals died in an outbreak"
        assert story["value"][sale] == pytest.approx(hh.asset_sale_proceeds[i], rel=1e-6)
        assert "sold productive assets in distress for USD" in story["text"][sale]
    table = log.table()
    # the outbreak struck village 0 only, and only in month 3 (no other mortality)
    died = table[table["kind"] == "asset_deaths"]
    assert set(died["month"]) == {3}
    assert set(hh.village[died["household"]]) == {0}
    # a distress-sale event each month for exactly the households that sold that month
    assert set(
        table.loc[(table["kind"] == "distress_sale") & (table["month"] == 4), "household"]
    ) == set(np.flatnonzero(hh.last_distress_month == 4))


def test_a_scheduled_drought_is_an_event_for_every_household_of_its_region():
    drought = {"type": "drought", "month": 2, "duration_months": 4, "regions": [1]}
    model = GraduationModel(small(run={"months": 3}, shocks={**QUIET, "scheduled": [drought]}))
    for _ in range(3):
        model.step()
    t = model.event_log.table()
    struck = t[t["kind"] == "drought"]
    assert set(struck["month"]) == {2}
    assert set(struck["household"]) == set(np.flatnonzero(model.hh.region == 1))
    assert (struck["value"] == 4).all()
    assert "a drought struck the region (lasting 4 months)" in set(
        model.event_log.household(int(struck["household"].iloc[0]))["text"]
    )


def test_events_match_the_models_state_month_by_month():
    model = GraduationModel(small(run={"months": 30}))
    hh = model.hh
    grad_before = hh.graduated.copy()
    poor_before = hh.extreme_poor.copy()
    log = model.event_log
    month0 = log.table()
    assert (month0["kind"] == "baseline").sum() == hh.n
    selected = month0.loc[month0["kind"] == "selected", "household"].to_numpy()
    np.testing.assert_array_equal(np.sort(selected), model.participant_ids)
    reasons = month0.loc[month0["kind"] == "not_selected", "detail"].astype(str)
    assert len(reasons) == hh.n - selected.size
    details = event_kinds()["not_selected"].details
    assert (reasons == details[0]).sum() == (~hh.eligible).sum()
    assert (reasons == details[1]).sum() == (hh.arm == 1).sum()  # the control arm
    for _ in range(30):
        model.step()
        t = log.table()
        now = t[t["month"] == model.month]

        def ids(kind, now=now):
            return set(now.loc[now["kind"] == kind, "household"])

        assert ids("graduated") == set(np.flatnonzero(hh.graduated & ~grad_before))
        assert ids("fell_back") == set(np.flatnonzero(~hh.graduated & grad_before))
        assert ids("fell_into_extreme_poverty") == set(
            np.flatnonzero(hh.extreme_poor & ~poor_before)
        )
        assert ids("left_extreme_poverty") == set(np.flatnonzero(~hh.extreme_poor & poor_before))
        assert ids("distress_sale") == set(np.flatnonzero(hh.last_distress_month == model.month))
        assert ids("illness") == set(np.flatnonzero(hh.ill))
        # within a month the events follow the monthly step's order
        stages = [event_kinds()[k].stage for k in now["kind"].astype(str)]
        assert stages == sorted(stages)
        np.copyto(grad_before, hh.graduated)
        np.copyto(poor_before, hh.extreme_poor)
    path = log.path(int(model.participant_ids[0]))
    assert len(path) == 31
    i = int(model.participant_ids[0])
    assert path["assets"].iloc[-1] == pytest.approx(hh.assets[i], rel=1e-6)
    assert path["consumption_ppd"].iloc[-1] == pytest.approx(hh.consumption_ppd[i], rel=1e-6)


def test_an_undeclared_kind_is_refused_and_the_buffer_keeps_columns():
    model = GraduationModel(small(run={"months": 2}))
    log = model.event_log
    with pytest.raises(KeyError, match="event kind 'dragon': not declared"):
        log.add(EventBatch("dragon", np.arange(3)))
    arrays = log.arrays()
    assert {c: a.dtype for c, a in arrays.items()} == {c: np.dtype(t) for c, t in COLUMNS.items()}
    before = len(log)
    assert before == 2 * model.hh.n  # month 0: a baseline and a (not) selected for each
    for _ in range(2):
        model.step()
        assert len(log) == len(log.arrays()["month"]) > before
        before = len(log)
    # paths are kept for the trial sample (eligible at month 0) only
    hh = model.hh
    assert log.paths_table()["household"].nunique() == hh.eligible.sum()
    assert len(log.path(int(np.flatnonzero(~hh.eligible)[0]))) == 0
    assert len(log.path(int(np.flatnonzero(hh.eligible)[0]))) == 3


def test_a_household_whose_buyer_left_the_market_is_told_so_and_one_dropped_is_told_that():
    model = GraduationModel(small(run={"months": 2}))
    log = model.event_log
    start = len(log)
    # buyers 5 (still trading) and 9 (gone); an agent (12) still trading; 3 never an actor
    actors = [SimpleNamespace(unique_id=i, active=i != 9) for i in (5, 9, 12)]
    before = np.array([5, 9, -1, 9, 3, 5], np.int32)
    now = np.array([-1, -1, 12, 5, -1, 5], np.int32)
    linked = np.array([False, False, False, True, False, False])
    stub = SimpleNamespace(pull_actors=actors, hh=SimpleNamespace(linked=linked))
    log._links(stub, "buyer", now, before)
    log._flush(7)
    got = {c: a[start:] for c, a in log.arrays().items()}
    codes = {name: code for code, name in enumerate(event_kinds())}
    assert got["household"].tolist() == [0, 1, 3, 4, 2, 3]
    assert got["kind"].tolist() == [codes["left_buyer"]] * 4 + [codes["linked_buyer"]] * 2
    assert got["detail"].tolist() == [0, 1, 1, 1, 1, 0]  # 3 never traded: "left the market"
    assert got["counterpart"].tolist() == [5, 9, 9, 3, 12, 5]
    assert got["month"].tolist() == [7] * 6
    assert np.isnan(got["value"]).all()


def test_the_log_is_off_when_the_scenario_says_so():
    sc = small(run={"months": 2}, output={"household_months": [0], "events": False})
    assert GraduationModel(sc).event_log is None
    assert GraduationModel(sc, events=True).event_log is not None


def test_run_writes_the_documented_event_and_path_tables(tmp_path):
    scenario = tmp_path / "s.toml"
    scenario.write_text(dump_scenario(small(run={"months": 12, "replications": 2})))
    out = tmp_path / "run"
    assert main(["run", str(scenario), "--out", str(out), "--workers", "1"]) == 0
    events = pd.read_parquet(out / "events.parquet")
    assert list(events.columns) == ["replication", *COLUMNS]
    assert set(events["replication"]) == {0, 1}
    assert set(events["kind"].astype(str)) <= set(event_kinds())
    assert (events.loc[events["kind"] == "baseline"].groupby("replication").size() == 400).all()
    paths = pd.read_parquet(out / "paths.parquet")
    assert list(paths.columns) == [
        "replication",
        "month",
        "household",
        "assets",
        "savings",
        "consumption_ppd",
    ]
    assert not paths.isna().any().any()
    # the paths are the trial sample's (eligible at month 0), and the panel's values at
    # the panel's months (here the baseline survey)
    panel = pd.read_parquet(out / "households.parquet")
    at = panel[(panel["month"] == 0) & (panel["replication"] == 1)].set_index("household_id")
    mine = paths[(paths["month"] == 0) & (paths["replication"] == 1)].set_index("household")
    assert set(mine.index) == set(at.index[at["eligible"]])
    assert len(paths[paths["replication"] == 1]) == 13 * len(mine)
    np.testing.assert_allclose(mine["assets"], at.loc[mine.index, "assets"], rtol=1e-6)
    savings = at.loc[mine.index, "savings_total"]
    np.testing.assert_allclose(mine["savings"], savings, rtol=1e-5, atol=1e-3)
