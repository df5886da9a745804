"""Pull actors: commercial Mesa agents with their own books.

Importing this package registers the built-in pull actor types.
"""

from pushpull_sim.pull.base import PULL_REGISTRY, PullActor, PullActorParams, register_pull
from pushpull_sim.pull.credit import Lender

__all__ = ["PULL_REGISTRY", "Lender", "PullActor", "PullActorParams", "register_pull"]
