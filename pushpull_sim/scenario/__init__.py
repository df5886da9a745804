"""Scenarios: every parameter of a run, declared once, grouped by concern, validated.

A scenario is data. It is written as a TOML file, validated on load, and
round-trips (load -> :func:`dump_scenario` -> load gives the same scenario). Each
parameter declares its unit and its source, or the word "assumption".

Money is in USD at 2021 purchasing-power parity (USD PPP), per household unless the
name says otherwise; time is in months.

The package is split by concern: :mod:`~pushpull_sim.scenario.groups` (the parameter
groups), :mod:`~pushpull_sim.scenario.programme` (the groups that hold components,
validated against the component registry), :mod:`~pushpull_sim.scenario.strategy` (the
``[strategy]`` table, generated from the lever declarations),
:mod:`~pushpull_sim.scenario.core` (the scenario and its checks across groups),
:mod:`~pushpull_sim.scenario.errors` (one-line errors) and
:mod:`~pushpull_sim.scenario.io` (TOML and plain data). Everything is importable from
here. The names are imported on first use, so that
:mod:`~pushpull_sim.scenario.errors` loads without the components: the command line
reports a missing scenario file without loading them.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from pushpull_sim.scenario.core import Scenario
    from pushpull_sim.scenario.errors import ScenarioError, format_error
    from pushpull_sim.scenario.groups import (
        RCT,
        Behaviour,
        Enterprise,
        Evaluation,
        Graduation,
        Livelihood,
        Network,
        Output,
        Population,
        Poverty,
        RunSettings,
        Shocks,
        ShortCycle,
        Status,
        Survey,
    )
    from pushpull_sim.scenario.io import dump_scenario, load_scenario, read_toml, scenario_from_dict
    from pushpull_sim.scenario.programme import Programme, Pull, build_components
    from pushpull_sim.scenario.strategy import Strategy

__all__ = [
    "RCT",
    "Behaviour",
    "Enterprise",
    "Evaluation",
    "Graduation",
    "Livelihood",
    "Network",
    "Output",
    "Population",
    "Poverty",
    "Programme",
    "Pull",
    "RunSettings",
    "Scenario",
    "ScenarioError",
    "Shocks",
    "ShortCycle",
    "Status",
    "Strategy",
    "Survey",
    "build_components",
    "dump_scenario",
    "format_error",
    "load_scenario",
    "read_toml",
    "scenario_from_dict",
]


#: The module of each name above (in this package).
_WHERE = {
    "Scenario": "core",
    "ScenarioError": "errors",
    "format_error": "errors",
    **dict.fromkeys(
        (
            "RCT",
            "Behaviour",
            "Enterprise",
            "Evaluation",
            "Graduation",
            "Livelihood",
            "Network",
            "Output",
            "Population",
            "Poverty",
            "RunSettings",
            "Shocks",
            "ShortCycle",
            "Status",
            "Survey",
        ),
        "groups",
    ),
    **dict.fromkeys(("dump_scenario", "load_scenario", "read_toml", "scenario_from_dict"), "io"),
    **dict.fromkeys(("Programme", "Pull", "build_components"), "programme"),
    "Strategy": "strategy",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        value = getattr(import_module(f"{__name__}.{_WHERE[name]}"), name)
        globals()[name] = value  # once: later look-ups find it directly
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
