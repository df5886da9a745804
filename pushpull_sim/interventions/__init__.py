"""Push interventions: pluggable objects with one lifecycle, registered by name.

Scenario files list interventions by their registered ``type``::

    [[programme.interventions]]
    type = "asset_transfer"
    value_usd_ppp = 800.0

Importing this package registers the built-in interventions.
"""

from pushpull_sim.interventions.base import (
    REGISTRY,
    Intervention,
    InterventionParams,
    register,
)
from pushpull_sim.interventions.protection import HealthLinkage
from pushpull_sim.interventions.savings_groups import SavingsGroups
from pushpull_sim.interventions.skills import Coaching, MarketTraining, TechnicalTraining
from pushpull_sim.interventions.subsidies import InputSubsidy
from pushpull_sim.interventions.transfers import AssetTransfer, CashTransfer, ConsumptionSupport

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
    "register",
]
