"""pushpull_sim: how very poor households graduate out of extreme poverty when push
support and pull market actors are combined.

The names below are imported on first use, so the command line starts without loading
the model (and Mesa) until a command needs it.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from pushpull_sim.model import GraduationModel
    from pushpull_sim.scenario import Scenario, ScenarioError, dump_scenario, load_scenario

__all__ = ["GraduationModel", "Scenario", "ScenarioError", "dump_scenario", "load_scenario"]
__version__ = "0.1.0"

_WHERE = {
    "GraduationModel": "pushpull_sim.model",
    "Scenario": "pushpull_sim.scenario",
    "ScenarioError": "pushpull_sim.scenario",
    "dump_scenario": "pushpull_sim.scenario",
    "load_scenario": "pushpull_sim.scenario",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'pushpull_sim' has no attribute {name!r}")
