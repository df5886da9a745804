"""The workshop dashboard without a browser: its link to the model, its page object, its
command line (the browser tests are in test_dashboard_browser.py)."""

from __future__ import annotations

import math
import socket
import subprocess
import sys
from dataclasses import replace

import numpy as np
import pytest
from conftest import SCENARIOS

from pushpull_sim.dashboard import session as S
from pushpull_sim.scenario import load_scenario

DEMO = SCENARIOS / "disconnect_demo.toml"


@pytest.fixture(scope="module")
def demo():
    presets = S.presets()
    return load_scenario(DEMO), S.settings_for(presets["disconnect_demo"])


def test_presets_are_the_three_workshop_scenarios_and_a_given_file_comes_first(tmp_path):
    presets = S.presets()
    assert list(presets) == ["disconnect_demo", "bangladesh_tup", "pull_only"]
    assert presets["disconnect_demo"].strategy_a == "siloed"
    assert presets["disconnect_demo"].strategy_b == "layered"
    other = tmp_path / "mine.toml"
    other.write_text(DEMO.read_text())
    assert list(S.presets(other))[0] == "scenario"


def test_switches_show_each_strategys_own_levers(demo):
    base, _ = demo
    assert not any(S.strategy_switches(base, "siloed").values())
    assert all(S.strategy_switches(base, "layered").values())
    sequenced = S.strategy_switches(base, "sequenced")
    assert sequenced["shared_lists_and_linkage"] and not sequenced["readiness_transition"]
    assert not sequenced["coordination"]  # coordinated, but without an integration lead


def test_one_switch_on_siloed_sets_that_lever_group_to_layered_and_nothing_else(demo):
    base, settings = demo
    switches = dict(settings.switches_a, readiness_transition=True)
    sc = S.side_scenario(base, replace(settings, switches_a=switches), "a")
    siloed = S.side_scenario(base, settings, "a").levers
    layered = S.side_scenario(base, settings, "b").levers
    assert sc.levers["transition"] == "readiness" == layered["transition"]
    changed = {k for k in siloed if sc.levers[k] != siloed[k]}
    assert changed == {"transition"}
    label = S.side_label(base, replace(settings, switches_a=switches), "a")
    assert label == "siloed + hand-over when ready"


def test_settings_reach_the_model(demo):
    base, settings = demo
    st = replace(settings, budget_usd_ppp=120_000.0, households=600, asset_value_usd_ppp=700.0)
    pair = S.Pair(base, st)
    for side in pair.sides:
        params = side.model.params
        assert params.programme.budget_usd_ppp == 120_000.0
        assert side.model.hh.n == 600
        values = [
            p.value_usd_ppp for p in params.programme.interventions if p.type == "asset_transfer"
        ]
        assert values == [700.0]
    full = S.Pair(base, settings)
    assert pair.a.households_served < full.a.households_served  # the budget binds


def test_bad_settings_raise_one_line_errors(demo):
    base, settings = demo
    with pytest.raises(S.ScenarioError, match="households = 6000: must be from 1 to 5,000"):
        S.side_scenario(base, replace(settings, households=6000), "a")
    with pytest.raises(S.ScenarioError, match="budget_usd_ppp"):
        S.side_scenario(base, replace(settings, budget_usd_ppp=-1.0), "a")


def test_both_sides_share_households_and_network_and_step_together_to_the_horizon(demo):
    base, settings = demo
    short = base.with_overrides(run={"months": 5})
    pair = S.Pair(short, settings)
    a, b = pair.a.model, pair.b.model
    assert np.array_equal(a.hh.arm, b.hh.arm)
    assert np.array_equal(a.hh.village, b.hh.village)
    assert (a.network != b.network).nnz == 0
    steps = 0
    while pair.step():
        steps += 1
        assert pair.a.month == pair.b.month == steps
    assert steps == 5 and pair.at_horizon
    assert not pair.step() and pair.month == 5  # never past the horizon
    # the history holds every month, and the series match the model's own records
    ts = a.timeseries().set_index(["month", "arm"])
    for m in range(6):
        want = ts.loc[(m, "treatment"), "extreme_poverty_headcount"]
        assert pair.a.series["extreme_poor_treatment"][m] == pytest.approx(want)
        want = ts.loc[(m, "treatment"), "market_participation"]
        assert pair.a.series["selling_to_buyer"][m] == pytest.approx(want)
    path = pair.a.household_path(3)
    assert path["month"].tolist() == list(range(6))
    assert path["assets"][-1] == pytest.approx(a.hh.assets[3], rel=1e-6)


def test_household_story_names_its_arm_and_its_state_now(demo):
    base, settings = demo
    pair = S.Pair(base.with_overrides(run={"months": 14}), settings)
    while pair.step():
        pass
    side = pair.b
    served = int(np.flatnonzero(side.model.hh.participant)[0])
    story = side.household_story(served)
    assert story[0].startswith("Month 0: baseline survey: consumption USD ")
    assert story[1].startswith("Month 0: selected for the programme: eligible, offered it")
    # the event log's words, a monthly payment told once for its stretch
    support = [line for line in story if "consumption support every month" in line]
    assert support == [
        "Month 1: consumption support every month, months 1-12 (12 payments, USD 480 in all)."
    ]
    months = [int(line.split(":")[0].split()[1]) for line in story[:-1]]
    assert months == sorted(months) and months[-1] <= 14
    assert story[-1].startswith("Now (month 14): ")
    log = side.model.event_log.household(served)
    assert len(story) - 1 == len(log) - 11  # 12 payments in one line
    control = int(np.flatnonzero(side.control)[0])
    assert "eligible, but randomised to the control arm" in side.household_story(control)[1]


def test_village_graph_holds_the_village_and_its_ties(demo):
    base, settings = demo
    pair = S.Pair(base, settings)
    g = S.village_graph(pair.a, 2, seed=1)
    hh = pair.a.model.hh
    assert g["ids"].tolist() == np.flatnonzero(hh.village == 2).tolist()
    net = pair.a.model.network
    assert all(net[g["ids"][i], g["ids"][j]] for i, j in g["edges"])
    within = net[g["ids"]][:, g["ids"]]
    assert len(g["edges"]) == within.nnz // 2
    again = S.village_graph(pair.b, 2, seed=1)
    assert np.allclose(g["x"], again["x"])  # the same drawing on both sides


def test_settle_it_is_the_mean_paired_difference_of_sustained_graduation(demo):
    from pushpull_sim.compare import mean_ci, run_strategy

    base, settings = demo
    small = base.with_overrides(run={"months": 60}, population={"households": 300})
    pair = S.Pair(small, replace(settings, households=300))
    job = S.SettleJob(pair, replications=2, workers=2)
    deadline = 120
    import time

    start = time.monotonic()
    while not job.done and time.monotonic() - start < deadline:
        time.sleep(0.1)
    result = job.result()
    assert job.progress() == (4, 4)
    expect = {
        s: [
            run_strategy(getattr(pair, s).scenario, settings.seed, r)[0][S.SETTLE_OUTCOME]
            for r in range(2)
        ]
        for s in ("a", "b")
    }
    assert result.a.tolist() == expect["a"] and result.b.tolist() == expect["b"]
    mean, lo, hi, n = mean_ci(np.array(expect["b"]) - np.array(expect["a"]))
    assert (result.mean, result.low, result.high, result.n) == (mean, lo, hi, n)


def test_settle_words_say_which_side_does_better_or_that_it_is_unclear():
    def res(mean, lo, hi):
        a, b = np.array([0.10, 0.12]), np.array([0.10, 0.12]) + mean
        return S.SettleResult("siloed", "layered", a, b, mean, lo, hi, 20)

    better = res(0.05, 0.03, 0.07).words()
    assert "B does better by 5.0 percentage points (95 % range +3.0 to +7.0)" in better
    assert "A (siloed) 11.0 %, B (layered) 16.0 %" in better
    assert "A does better" in res(-0.05, -0.07, -0.03).words()
    assert "No clear winner" in res(0.01, -0.01, 0.03).words()
    nan = S.SettleResult("x", "y", np.array([]), np.array([]), math.nan, math.nan, math.nan, 0)
    assert nan.words().startswith("Not measurable")


def test_reset_rebuilds_the_models_with_the_changed_settings_and_keeps_the_controls():
    pytest.importorskip("panel")
    from pushpull_sim.dashboard.app import create_app

    dash = create_app().dashboard
    assert dash.step() and dash.pair.month == 1
    dash.w_budget.value = 100_000.0
    dash.w_seed.value = 5
    dash.w_switch["a"]["readiness_transition"].value = True
    assert "press Reset" in dash.pending.object
    assert dash.reset()
    assert dash.w_budget.value == 100_000.0 and dash.w_seed.value == 5  # no snap back
    assert dash.w_switch["a"]["readiness_transition"].value
    for side in dash.pair.sides:
        assert side.model.params.programme.budget_usd_ppp == 100_000.0
        assert side.seed == 5 and side.month == 0
    assert dash.pair.a.model.levers["transition"] == "readiness"
    assert dash.pending.object == ""
    # invalid settings: the error is shown, the models on screen stay
    pair = dash.pair
    dash.w_households.value = 5  # fewer households than villages
    assert not dash.reset()
    assert "households" in dash.error.object and dash.pair is pair
    # a new strategy shows its own levers on the switches
    dash.w_strategy["a"].value = "layered"
    assert all(w.value for w in dash.w_switch["a"].values())
    dash.close()


def test_stepping_stops_at_the_horizon_and_a_click_follows_a_household():
    pytest.importorskip("panel")
    from pushpull_sim.dashboard.app import create_app

    dash = create_app().dashboard
    dash.pair = S.Pair(dash.base.with_overrides(run={"months": 3}), dash.settings)
    while dash.step():
        pass
    assert dash.pair.month == 3 and dash.w_step.disabled
    household = int(dash.graph["ids"][4])
    dash.select(household)
    assert f">{household}</span>" in dash.path_title.object
    assert len(dash.path_src.data["month"]) == 4
    assert "Now (month 3)" in dash.story["a"].object
    dash.close()


def _run_cli(capsys, *args: str) -> tuple[int, str]:
    from pushpull_sim.cli import main

    code = main(list(args))
    return code, capsys.readouterr().err


@pytest.mark.filterwarnings("ignore:There is no current event loop:DeprecationWarning")
def test_cli_bad_scenario_and_busy_port_are_one_line_errors(tmp_path, capsys):
    code, err = _run_cli(capsys, "dashboard", str(tmp_path / "missing.toml"))
    assert code == 2 and err.count("\n") == 1
    assert "missing.toml: no such scenario file" in err
    small_budget = tmp_path / "small_budget.toml"
    small_budget.write_text(DEMO.read_text().replace("250000.0", "2000.0"))
    code, err = _run_cli(capsys, "dashboard", str(small_budget))  # valid, not under layered
    assert code == 2 and err.count("\n") == 1
    assert f"{small_budget}: under strategy layered: programme.budget_usd_ppp" in err
    with pytest.raises(SystemExit) as exc:
        _run_cli(capsys, "dashboard", "--port", "70000")
    assert exc.value.code == 2 and "--port = 70000" in capsys.readouterr().err
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        code, err = _run_cli(capsys, "dashboard", "--port", str(port))
    assert code == 2 and err.count("\n") == 1
    assert f"--port {port} --host 127.0.0.1: cannot serve there" in err


def test_the_command_line_and_the_model_load_without_panel():
    code = (
        "import sys, pushpull_sim.cli, pushpull_sim.model, pushpull_sim.compare;"
        "import pushpull_sim.dashboard.session;"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('panel', 'bokeh')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.strip() == "[]"


def test_only_the_command_line_imports_the_dashboard():
    from conftest import ROOT

    users = [
        p.relative_to(ROOT).as_posix()
        for p in (ROOT / "pushpull_sim").rglob("*.py")
        if "dashboard" not in p.relative_to(ROOT).parts
        and "pushpull_sim.dashboard" in p.read_text()
    ]
    assert users == ["pushpull_sim/cli.py"]
