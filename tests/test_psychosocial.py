"""Psychosocial support (``psychosocial_group``): life-skills group sessions that raise
confidence at a cost per group. The contract tests (test_components.py) cover it too."""

from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT

from pushpull_sim import GraduationModel
from pushpull_sim.catalog import format_components
from pushpull_sim.households import TREATMENT
from pushpull_sim.scenario import load_scenario
from pushpull_sim.sweep import store
from pushpull_sim.sweep.engine import run_sweep
from pushpull_sim.sweep.spec import load_sweep

SCENARIO = """
name = "sessions"
[run]
months = 12
seed = 4
[population]
households = 300
villages = 3
villages_per_region = 3
burn_in_months = 6
[programme]
end_month = 6
eligible_share = 0.6
[[programme.interventions]]
type = "psychosocial_group"
group_size = {group_size}
confidence_gain_per_session = 0.2
cost_per_group_session_usd_ppp = 50.0
[rct]
itt_months = [6]
[output]
household_months = [0, 6]
"""


def scenario_file(folder: Path, group_size: int = 20) -> Path:
    path = folder / "sessions.toml"
    path.write_text(SCENARIO.format(group_size=group_size), encoding="utf-8")
    return path


def test_sessions_raise_participants_confidence_at_a_cost_per_group(tmp_path):
    model = GraduationModel(load_scenario(scenario_file(tmp_path)))
    hh = model.hh
    part = hh.participant
    control = hh.arm == 1
    assert part.sum() > 20
    groups = groups_of(model, 20)
    base = model.params.behaviour.confidence_baseline
    model.step()  # the first session (programme month 1)
    assert model.costs["psychosocial_group"][1] == pytest.approx(groups * 50.0)
    # 0.2 of the gap to 1, then the month's drift toward the peers' anchor
    assert hh.confidence[part].mean() > base + 0.05
    assert hh.confidence[control].mean() == pytest.approx(base, abs=0.02)
    for _ in range(5):
        model.step()
    sessions = np.flatnonzero(model.costs["psychosocial_group"])
    assert sessions.tolist() == [1, 2, 3]  # three monthly sessions by default
    assert hh.confidence[part].mean() > hh.confidence[hh.arm == TREATMENT & ~part].mean()


def groups_of(model, size):
    """Groups the participants form: per village, ceil(participants / size)."""
    per_village = np.bincount(model.hh.village[model.hh.participant])
    return int(np.ceil(per_village / size).sum())


def test_smaller_groups_cost_more_for_the_same_participants(tmp_path):
    def run(group_size):
        folder = tmp_path / str(group_size)
        folder.mkdir()
        return GraduationModel(load_scenario(scenario_file(folder, group_size))).run()

    large, small = run(25), run(5)
    np.testing.assert_array_equal(large.hh.participant, small.hh.participant)
    for model, size in ((large, 25), (small, 5)):
        spent = model.costs["psychosocial_group"].sum()
        assert spent == pytest.approx(3 * groups_of(model, size) * 50.0)
    assert groups_of(small, 5) >= 3 * groups_of(large, 25)
    planned = large.interventions[0].unit_cost_per_household()
    assert planned == pytest.approx(3 * 50.0 / 25)


def test_listed_and_usable_in_sweeps_with_no_other_edit(tmp_path):
    """One file: the kind appears nowhere else in the package, yet `pushpull interventions`
    lists it, scenario files take it (above) and sweeps vary its parameters by type."""
    mentions = [
        p.name
        for p in (ROOT / "pushpull_sim").rglob("*.py")
        if "psychosocial_group" in p.read_text(encoding="utf-8")
    ]
    assert mentions == ["psychosocial.py"]
    assert "\npsychosocial_group: Psychosocial support" in format_components()
    scenario_file(tmp_path)
    spec = tmp_path / "spec.toml"
    spec.write_text(
        '[sweep]\nbase = "sessions.toml"\ndesign = "grid"\nseed = 3\n'
        'outcomes = ["participants", "total_cost_usd_ppp"]\ntimeseries = []\n'
        "[parameters]\n"
        '"programme.interventions.psychosocial_group.group_size" = { levels = [5, 25] }\n',
        encoding="utf-8",
    )
    report = run_sweep(load_sweep(spec), tmp_path / "out", workers=1, progress=False)
    assert report.done == 2 and report.failed == 0
    summary = store.load_summary(tmp_path / "out").set_index(
        "programme.interventions.psychosocial_group.group_size"
    )
    cost = summary["total_cost_usd_ppp"]  # each point has its own seed (households)
    assert (summary["participants"] > 60).all()
    assert cost.loc[5] > 2 * cost.loc[25] > 0
