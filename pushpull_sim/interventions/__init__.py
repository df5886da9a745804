"""Push interventions: components of the ``"intervention"`` family, one per file.

Scenario files list interventions by their registered ``type`` (the component's
``kind``)::

    [[programme.interventions]]
    type = "asset_transfer"
    value_usd_ppp = 800.0

Every module of this package is imported when the registry is first read
(:func:`pushpull_sim.components.registry`), so a new intervention needs only its own
file here. The names below are kept for code that imports them from the package.
"""

from pushpull_sim.components import RegistryView
from pushpull_sim.interventions.base import Intervention, InterventionParams
from pushpull_sim.interventions.protection import HealthLinkage
from pushpull_sim.interventions.savings_groups import SavingsGroups
from pushpull_sim.interventions.skills import Coaching, MarketTraining, TechnicalTraining
from pushpull_sim.interventions.subsidies import InputSubsidy
from pushpull_sim.interventions.transfers import AssetTransfer, CashTransfer, ConsumptionSupport

#: Intervention types by kind (a live view of the component registry).
REGISTRY = RegistryView("intervention")

__all__ = [
    "REGISTRY",
    "AssetTransfer",
    "CashTransfer",
    "Coaching",
    "ConsumptionSupport",
    "HealthLinkage",
    "InputSubsidy",
    "MarketTraining",
    "SavingsGroups",
    "TechnicalTraining",
    "Intervention",
    "InterventionParams",
]
