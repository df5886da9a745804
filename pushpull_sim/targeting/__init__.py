"""Targeting rules: components of the ``"targeting"`` family, one rule per module.

A scenario chooses one by ``programme.targeting = "<kind>"`` and sets its options in
``programme.targeting_options``. Every module of this package is imported when the
registry is first read (:func:`pushpull_sim.components.registry`), so a new rule needs
only its own file here. See :mod:`pushpull_sim.targeting.base` for the contract, the
shared helpers and the built-in rules.
"""

from pushpull_sim.components import RegistryView
from pushpull_sim.targeting.base import (
    TargetingInputs,
    TargetingParams,
    TargetingResult,
    TargetingRule,
    check_options,
    network_distance,
    poorest,
    proxy_means_test,
    rule_options,
    rule_params,
    rule_type,
    target,
    targeting_errors,
    village_quotas,
)

#: Targeting rules by kind (a live view of the component registry).
TARGETING_RULES = RegistryView("targeting")

__all__ = [
    "TARGETING_RULES",
    "TargetingInputs",
    "TargetingParams",
    "TargetingResult",
    "TargetingRule",
    "check_options",
    "network_distance",
    "poorest",
    "proxy_means_test",
    "rule_options",
    "rule_params",
    "rule_type",
    "target",
    "targeting_errors",
    "village_quotas",
]
