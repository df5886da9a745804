"""Integration strategies: running a scenario under a strategy bundle.

The bundles and their levers are declared once, in :mod:`pushpull_sim.levers` (name,
type, bounds, meaning, mechanism, the value in each bundle); this module applies them:
:func:`apply_strategy` (a scenario under a named bundle), :func:`resolve_components` (the
levers that set component parameters), :func:`push_budget` (the push stream's share of
the budget) and :func:`format_strategies` (``pushpull strategies``).

====================================  =================================================
disconnect mechanism (LEO call)       lever (key of the scenario's ``[strategy]`` table)
====================================  =================================================
push and pull meet only "on paper"    ``targeting_lists`` (shared / separate),
                                      ``linkage`` (+ ``linkage_cost_usd_ppp``)
subsidies distort the input price     ``reference_anchoring`` (price_paid /
the poor expect                       commercial_price), ``subsidy_taper_months``
a linear push-then-pull switch        ``transition`` (none / fixed / readiness),
                                      ``switch_month``, ``readiness_*``
targeting the wrong network node      ``outreach`` (random / network)
separate contracts and implementers   ``coordination``, ``information_lag_months``,
                                      ``integration_lead`` (+ its monthly cost)
sales targets steer pull actors       ``kpi_volume_weight``, ``buyer_risk_share_usd_ppp``,
to the less poor                      ``lender_guarantee_share``
====================================  =================================================

plus the stream switches ``push`` and ``pull`` and the budget split
``pull_budget_share``. ``pushpull strategies`` prints the bundles.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from pushpull_sim.components import registry
from pushpull_sim.levers import (
    CUSTOM,
    LEVER_GROUPS,
    LEVERS,
    SETTINGS,
    STRATEGIES,
    STRATEGY_NAMES,
    coordination_cost_of,
    lever_values,
    push_budget_of,
)
from pushpull_sim.scenario import Scenario, scenario_from_dict

__all__ = [
    "CUSTOM",
    "LEVER_GROUPS",
    "STRATEGIES",
    "STRATEGY_NAMES",
    "apply_strategy",
    "coordination_cost",
    "format_lever",
    "format_strategies",
    "lever_group_variant",
    "lever_values",
    "push_budget",
    "resolve_components",
]


def apply_strategy(scenario: Scenario, name: str, **levers: Any) -> Scenario:
    """Return the scenario run under a named strategy.

    The scenario's own lever settings are dropped; its strategy parameters that are not
    levers (the costs of linkage and of an integration lead, the readiness rule) are kept.

    Args:
        scenario: The scenario.
        name: A name of :data:`STRATEGY_NAMES`.
        **levers: Lever overrides on top of the bundle (keys of the ``[strategy]`` table).

    Returns:
        Scenario: A validated copy whose ``[strategy]`` table is ``name`` plus ``levers``.

    Raises:
        ScenarioError: If the name or a lever value is not allowed.
    """
    kept = {
        k: v for k, v in scenario.strategy.model_dump(exclude_none=True).items() if k in SETTINGS
    }
    data = scenario.to_dict()
    data["strategy"] = {**kept, "name": name, **levers}
    return scenario_from_dict(data, source=f"under strategy {name}")


def lever_group_variant(group: str, base: str = "siloed", target: str = "layered") -> dict:
    """Lever overrides that switch one lever group of ``base`` to its ``target`` setting.

    Args:
        group: A key of :data:`LEVER_GROUPS`.
        base: The strategy to start from.
        target: The strategy whose setting the group takes.

    Returns:
        dict: ``{lever: value}`` for the group's levers.
    """
    values = lever_values(target)
    return {k: values[k] for k in LEVER_GROUPS[group]}


def format_strategies() -> str:
    """A table of every strategy's lever settings (for ``pushpull strategies``)."""
    names = list(STRATEGY_NAMES)
    rows = [["lever", *names]]
    for lever in (lever for lever in LEVERS if lever.bundled):
        cells = [lever.values[n] for n in names]
        if lever.name == "switch_month":  # unset: half the programme window
            rows.append([lever.name, *("half the window" if c is None else str(c) for c in cells)])
            continue
        rows.append([lever.name, *(format_lever(c) for c in cells)])
    from pushpull_sim.text import text_table

    return "\n".join(text_table(rows))


def format_lever(value: Any) -> str:
    """A lever value as printed: None -> "(as written)", booleans -> on / off."""
    if value is None:
        return "(as written)"
    if isinstance(value, bool):
        return "on" if value else "off"
    return str(value)


def resolve_components(scenario: Scenario) -> Scenario:
    """Apply the levers that set component parameters; idempotent.

    The stream switches drop ``programme.interventions`` (``push`` off) or ``pull.actors``
    (``pull`` off); every other lever acts through the components' own
    :meth:`~pushpull_sim.components.Component.apply_levers` (e.g. ``subsidy_taper_months``
    on input vouchers, ``outreach`` on agents' placement, the KPI, risk-sharing,
    guarantee and budget levers on the pull implementer). Levers left at None change
    nothing.

    Args:
        scenario: A validated scenario.

    Returns:
        Scenario: The scenario whose components the model runs (``scenario`` itself when
        no lever changes a component).
    """
    levers = scenario.levers
    budget = scenario.programme.budget_usd_ppp
    interventions = list(scenario.programme.interventions) if levers["push"] else []
    actors = list(scenario.pull.actors) if levers["pull"] else []
    for family, items in (("intervention", interventions), ("pull_actor", actors)):
        types = registry(family)
        peers = Counter(p.type for p in items)
        for i, p in enumerate(items):
            update = types[p.type].apply_levers(
                p, levers, budget_usd_ppp=budget, peers=peers[p.type]
            )
            if update:
                items[i] = p.model_copy(update=update)
    if interventions == list(scenario.programme.interventions) and actors == list(
        scenario.pull.actors
    ):
        return scenario
    return scenario.model_copy(
        update={
            "programme": scenario.programme.model_copy(update={"interventions": interventions}),
            "pull": scenario.pull.model_copy(update={"actors": actors}),
        }
    )


def push_budget(scenario: Scenario) -> float | None:
    """The push stream's budget for participants, USD PPP (None = no limit).

    ``programme.budget_usd_ppp`` less the pull implementers' share
    (``pull_budget_share``), the integration lead's cost over the programme window and the
    programme's fixed cost (:func:`pushpull_sim.levers.push_budget_of`).

    Args:
        scenario: A validated scenario.
    """
    prog = scenario.programme
    window = prog.end_month - prog.start_month
    return push_budget_of(prog.budget_usd_ppp, prog.fixed_cost_usd_ppp, window, scenario.levers)


def coordination_cost(scenario: Scenario) -> float:
    """Planned cost of the integration lead over the programme window, USD PPP."""
    prog = scenario.programme
    return coordination_cost_of(scenario.levers, prog.end_month - prog.start_month)
