"""The component contract, checked for every registered component: a new intervention,
pull actor or targeting rule is tested here by adding its file.

Each component: its parameters validate and round-trip through a scenario file; every
parameter names its source or says "assumption"; its household state is attached with
the declared dtype and fill (whether or not it runs); its reporters are columns of the
timeseries; its lifecycle runs in a tiny model with the household accounts balanced; it
draws from its own stream; and adding it leaves every other process's draws unchanged.
"""

from __future__ import annotations

import numpy as np
import pytest

from pushpull_sim import GraduationModel
from pushpull_sim.components import FAMILIES, components, household_states, registry
from pushpull_sim.scenario import dump_scenario, load_scenario, scenario_from_dict

ALL = list(components())
IDS = [f"{cls.family}:{cls.kind}" for cls in ALL]
BY_FAMILY = {family: list(registry(family).values()) for family in FAMILIES}

#: Processes whose draws per month do not depend on what the components do.
FIXED_DRAWS = ("population", "network", "shocks.illness", "shocks.drought", "shocks.livestock")


def tiny(**groups) -> dict:
    """A tiny scenario's data: 200 households, 4 villages, a 12-month project, 16 months."""
    data = {
        "name": "tiny",
        "run": {"months": 16, "seed": 9, "replications": 1},
        "population": {
            "households": 200,
            "villages": 4,
            "villages_per_region": 2,
            "burn_in_months": 6,
        },
        "programme": {
            "end_month": 12,
            "interventions": [
                {"type": "asset_transfer", "value_usd_ppp": 800.0},
                {"type": "cash_transfer", "amount_usd_ppp": 100.0},
            ],
        },
        "output": {"household_months": [0, 12]},
        "rct": {"itt_months": [12]},
    }
    for key, value in groups.items():
        data[key] = {**data.get(key, {}), **value}
    return data


def with_component(cls, **params) -> dict:
    """Tiny scenario data with ``cls`` in it (a pull actor with its default count; a rule
    as the targeting)."""
    if cls.family == "intervention":
        base = tiny()
        base["programme"]["interventions"].append({"type": cls.kind, **params})
        return base
    if cls.family == "pull_actor":
        return tiny(pull={"actors": [{"type": cls.kind, **params}]})
    return tiny(programme={"targeting": cls.kind, "targeting_options": params})


def run_months(data: dict, months: int = 16) -> GraduationModel:
    model = GraduationModel(scenario_from_dict(data))
    residual = 0.0
    while model.month < months:
        model.step()
        residual = max(residual, float(np.abs(model.hh.accounting_residual()).max()))
    assert residual < 1e-6, f"money appeared or vanished: {residual}"
    return model


@pytest.mark.parametrize("cls", ALL, ids=IDS)
def test_params_validate_round_trip_and_name_their_sources(cls, tmp_path):
    params = cls.default_params()
    assert cls.Params.model_validate(params.model_dump()) == params
    sc = scenario_from_dict(with_component(cls))
    path = tmp_path / "s.toml"
    dump_scenario(sc, path)
    assert load_scenario(path) == sc
    for name, field in cls.Params.model_fields.items():
        if name == "type":
            continue
        text = field.description or ""
        assert any(w in text for w in ("Source", "Assumption", "assumption")), name
    assert cls.describe(), "the class docstring says what it does"


@pytest.mark.parametrize("cls", ALL, ids=IDS)
def test_lifecycle_runs_in_a_tiny_model_with_state_and_reporters_declared(cls):
    model = run_months(with_component(cls), months=14)
    n = model.hh.n
    for name, state in cls.states.items():
        array = getattr(model.hh, name)
        assert array.shape == (n,) and array.dtype == np.dtype(state.dtype), name
        assert state.unit and state.description, name
    columns = set(model.timeseries().columns)
    assert set(cls.reporters) <= columns
    for name, reporter in cls.reporters.items():
        assert reporter.unit and reporter.description, name
    if cls.family == "targeting":
        assert model.targeting.eligible.sum() > 0
        return
    instances = [c for c in model.components() + model.pull_waiting if type(c) is cls]
    assert instances, "the component is in the model"
    for component in instances:  # its own stream, the one its name says
        assert component.rng is model.streams.get(cls.stream_name())


def test_every_component_states_exist_whether_or_not_it_runs():
    model = GraduationModel(scenario_from_dict(tiny()))  # no pull actor, no savings group
    for name, state in household_states().items():
        array = getattr(model.hh, name)
        assert array.dtype == np.dtype(state.dtype), name
        assert (array == state.fill).all(), name


def test_stream_names_are_the_components_own():
    names = [cls.stream_name() for cls in ALL if cls.family != "targeting"]
    assert len(names) == len(set(names))
    for cls in BY_FAMILY["intervention"]:
        assert cls.stream_name() == f"push.{cls.kind}"
    for cls in BY_FAMILY["pull_actor"]:
        assert cls.stream_name() == f"pull.{cls.kind}"
    for cls in BY_FAMILY["targeting"]:  # one rule surveys a scenario
        assert cls.stream_name() == "targeting"


@pytest.fixture(scope="module")
def base():
    """The tiny scenario run to its horizon, without the component under test."""
    return GraduationModel(scenario_from_dict(tiny())).run()


@pytest.fixture(scope="module")
def reference_draws():
    """Each fixed-draw process's generator state after 10 months of the tiny scenario."""
    model = run_months(tiny(), months=10)
    return {name: model.streams.get(name).bit_generator.state for name in FIXED_DRAWS}


@pytest.mark.parametrize("cls", BY_FAMILY["intervention"], ids=lambda c: c.kind)
def test_an_intervention_that_never_delivers_leaves_every_number_identical(cls, base):
    """Common random numbers: its presence shifts no other draw and changes nothing."""
    later = with_component(cls, start_month=10_000)  # after the window: no delivery
    other = GraduationModel(scenario_from_dict(later)).run()
    a, b = base.timeseries(), other.timeseries()
    assert list(a.columns) == list(b.columns)
    np.testing.assert_array_equal(
        a.drop(columns="arm").to_numpy(), b.drop(columns="arm").to_numpy()
    )
    assert base.household_panel().equals(other.household_panel())
    assert set(base.costs) == set(other.costs)


@pytest.mark.parametrize("cls", ALL, ids=IDS)
def test_adding_a_component_leaves_other_processes_draws_unchanged(cls, reference_draws):
    model = run_months(with_component(cls), months=10)
    for name, state in reference_draws.items():
        assert model.streams.get(name).bit_generator.state == state, (
            f"{cls.kind} changed the draws of {name}"
        )


def test_a_hook_set_on_a_component_during_a_run_is_called_from_the_next_hook_on():
    from conftest import small

    from pushpull_sim.model import GraduationModel

    sc = small(programme={"interventions": [{"type": "asset_transfer"}]})
    model = GraduationModel(sc, seed=1)
    for _ in range(2):
        model.step()
    calls = []
    model.interventions[0].after_consumption = lambda m: calls.append(m.month)
    for _ in range(3):
        model.step()
    assert calls == [3, 4, 5]
