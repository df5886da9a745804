"""pushpull_sim: how very poor households graduate out of extreme poverty when push
support and pull market actors are combined."""

from pushpull_sim.model import GraduationModel
from pushpull_sim.scenario import Scenario, ScenarioError, dump_scenario, load_scenario

__all__ = ["GraduationModel", "Scenario", "ScenarioError", "dump_scenario", "load_scenario"]
__version__ = "0.1.0"
