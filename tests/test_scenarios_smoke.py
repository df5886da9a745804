"""Every shipped scenario file loads and runs."""

import pytest
from conftest import SCENARIOS

from pushpull_sim import GraduationModel, load_scenario

FILES = sorted(SCENARIOS.glob("**/*.toml"))


def test_there_are_scenarios():
    names = {p.name for p in FILES}
    assert {"baseline.toml", "bangladesh_tup.toml"} <= names


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_scenario_runs(path):
    sc = load_scenario(path)
    model = GraduationModel(sc, replication=0)
    model.run(months=min(sc.run.months, 40))
    ts = model.timeseries()
    assert ts["month"].max() == min(sc.run.months, 40)
    assert ts.notna().any().all()
    assert 0.0 <= ts["extreme_poverty_headcount"].min() <= 1.0
