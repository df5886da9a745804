"""Pull actors: commercial Mesa agents with their own books, components of the
``"pull_actor"`` family, one per file.

Every module of this package is imported when the registry is first read
(:func:`pushpull_sim.components.registry`), so a new pull actor needs only its own file
here. The names below are kept for code that imports them from the package.
"""

from pushpull_sim.components import RegistryView
from pushpull_sim.pull.agents import ServiceAgent
from pushpull_sim.pull.base import PullActor, PullActorParams
from pushpull_sim.pull.buyers import Buyer
from pushpull_sim.pull.credit import Lender
from pushpull_sim.pull.implementer import PullImplementer

#: Pull actor types by kind (a live view of the component registry).
PULL_REGISTRY = RegistryView("pull_actor")

__all__ = [
    "PULL_REGISTRY",
    "Buyer",
    "Lender",
    "PullActor",
    "PullActorParams",
    "PullImplementer",
    "ServiceAgent",
]
