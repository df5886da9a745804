"""Pull actors: commercial Mesa agents with their own books.

Importing this package registers the built-in pull actor types.
"""

from pushpull_sim.pull.agents import Agent
from pushpull_sim.pull.base import PULL_REGISTRY, PullActor, PullActorParams, register_pull
from pushpull_sim.pull.buyers import Buyer
from pushpull_sim.pull.credit import Lender
from pushpull_sim.pull.implementer import PullImplementer

__all__ = [
    "PULL_REGISTRY",
    "Agent",
    "Buyer",
    "Lender",
    "PullActor",
    "PullActorParams",
    "PullImplementer",
    "register_pull",
]
