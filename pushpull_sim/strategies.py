"""Integration strategies: named bundles of the six disconnect levers, kept as data.

A strategy says whether the push stream (the programme's interventions) and the pull
stream (the pull actors) run, and sets every lever of the push/pull disconnect
(MODEL_BRIEF §4; the LEO call, 2014). The model's mechanisms read lever *values* only,
never a strategy's name, so a strategy can win only through what its levers do.

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

``custom`` is the strategy of a scenario without a ``[strategy]`` table: every lever at
the setting that leaves the scenario's components exactly as written.
"""

from __future__ import annotations

from collections import Counter
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from pushpull_sim.components import registry

if TYPE_CHECKING:  # pragma: no cover
    from pushpull_sim.scenario import Scenario

#: Lever values of ``custom``: the components act exactly as the scenario writes them.
CUSTOM: dict[str, Any] = {
    "push": True,
    "pull": True,
    "pull_budget_share": None,
    "targeting_lists": "shared",
    "linkage": False,
    "reference_anchoring": "price_paid",
    "subsidy_taper_months": None,
    "transition": "none",
    "switch_month": None,  # half the programme window (Scenario.levers)
    "outreach": None,
    "coordination": 1.0,
    "information_lag_months": 0,
    "integration_lead": False,
    "kpi_volume_weight": None,
    "buyer_risk_share_usd_ppp": None,
    "lender_guarantee_share": None,
}

#: The disconnected setting of each lever (MODEL_BRIEF §4: "siloed" = both streams run
#: with every lever at its disconnected setting). Assumption: values chosen to represent
#: separate contracts with no joint planning.
_SILOED: dict[str, Any] = {
    "push": True,
    "pull": True,
    "pull_budget_share": 0.2,
    "targeting_lists": "separate",
    "linkage": False,
    "reference_anchoring": "price_paid",
    "subsidy_taper_months": 0,
    "transition": "none",
    "outreach": "random",
    "coordination": 0.1,
    "information_lag_months": 6,
    "integration_lead": False,
    "kpi_volume_weight": 1.0,
    "buyer_risk_share_usd_ppp": 0.0,
    "lender_guarantee_share": 0.0,
}

#: The connected setting of each lever ("layered" = both overlap, coordinated, with
#: transitions per household). Assumption: values chosen to represent one joint design.
_LAYERED: dict[str, Any] = {
    **_SILOED,
    "targeting_lists": "shared",
    "linkage": True,
    "reference_anchoring": "commercial_price",
    "subsidy_taper_months": 6,
    "transition": "readiness",
    "outreach": "network",
    "coordination": 1.0,
    "information_lag_months": 0,
    "integration_lead": True,
    "kpi_volume_weight": 0.3,
    "buyer_risk_share_usd_ppp": 5.0,
    "lender_guarantee_share": 0.5,
}

_BUNDLES: dict[str, dict[str, Any]] = {
    "none": {**_SILOED, "push": False, "pull": False, "pull_budget_share": 0.0},
    "push_only": {**_SILOED, "pull": False, "pull_budget_share": 0.0},
    "pull_only": {**_SILOED, "push": False, "pull_budget_share": 1.0},
    "siloed": _SILOED,
    # push first, then one switch for everyone at a fixed month: pull actors arrive at the
    # switch, push support stops there, participants are linked then; lists are shared
    # and the pull side's incentives are left as in siloed
    "sequenced": {
        **_SILOED,
        "targeting_lists": "shared",
        "linkage": True,
        "transition": "fixed",
        "coordination": 1.0,
        "information_lag_months": 0,
    },
    "layered": _LAYERED,
}

#: Strategy bundles, by name (read-only). Keys missing from a bundle take ``CUSTOM``.
STRATEGIES: MappingProxyType = MappingProxyType(
    {k: MappingProxyType({**CUSTOM, **v}) for k, v in _BUNDLES.items()}
)

#: Strategy names a scenario may use (``custom`` = the components as written).
STRATEGY_NAMES: tuple[str, ...] = ("custom", *STRATEGIES)

#: The levers, grouped by disconnect mechanism, in the order ``compare --levers``
#: switches them from siloed toward layered.
LEVER_GROUPS: MappingProxyType = MappingProxyType(
    {
        "shared_lists_and_linkage": ("targeting_lists", "linkage"),
        "price_anchoring_and_taper": ("reference_anchoring", "subsidy_taper_months"),
        "readiness_transition": ("transition", "switch_month"),
        "network_outreach": ("outreach",),
        "coordination": ("coordination", "information_lag_months", "integration_lead"),
        "inclusion_kpi_and_risk_sharing": (
            "kpi_volume_weight",
            "buyer_risk_share_usd_ppp",
            "lender_guarantee_share",
        ),
    }
)


def lever_values(name: str) -> dict[str, Any]:
    """The lever settings of a strategy.

    Args:
        name: A name of :data:`STRATEGY_NAMES`.

    Returns:
        dict: Every lever of :data:`CUSTOM` with the strategy's value.

    Raises:
        KeyError: If the name is unknown (the message lists the allowed names).
    """
    if name == "custom":
        return dict(CUSTOM)
    if name not in STRATEGIES:
        raise KeyError(f"strategy = {name!r}: allowed: {', '.join(STRATEGY_NAMES)}")
    return dict(STRATEGIES[name])


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
        k: v
        for k, v in scenario.strategy.model_dump(exclude_none=True).items()
        if k not in CUSTOM and k != "name"
    }
    data = scenario.to_dict()
    data["strategy"] = {**kept, "name": name, **levers}
    from pushpull_sim.scenario import scenario_from_dict

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
    for lever in CUSTOM:
        cells = [lever_values(n)[lever] for n in names]
        if lever == "switch_month":  # unset: half the programme window
            rows.append([lever, *("half the window" if c is None else str(c) for c in cells)])
            continue
        rows.append([lever, *(format_lever(c) for c in cells)])
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
    programme's fixed cost.

    Args:
        scenario: A validated scenario.
    """
    prog, lv = scenario.programme, scenario.levers
    if prog.budget_usd_ppp is None:
        return None
    share = lv["pull_budget_share"] or 0.0
    return (
        prog.budget_usd_ppp * (1.0 - share)
        - coordination_cost(scenario)
        - (prog.fixed_cost_usd_ppp)
    )


def coordination_cost(scenario: Scenario) -> float:
    """Planned cost of the integration lead over the programme window, USD PPP."""
    lv, prog = scenario.levers, scenario.programme
    if not lv["integration_lead"]:
        return 0.0
    return lv["integration_lead_usd_ppp_per_month"] * (prog.end_month - prog.start_month)
