"""The strategy levers, declared once: name, type, bounds, meaning, mechanism and the value
in each strategy bundle.

A strategy says whether the push stream (the programme's interventions) and the pull
stream (the pull actors) run, and sets every lever of the push/pull disconnect
(MODEL_BRIEF §4; the LEO call, 2014). The model's mechanisms read lever *values* only,
never a strategy's name, so a strategy can win only through what its levers do.

Everything else reads :data:`LEVERS`: the scenario's ``[strategy]`` table is generated
from it (:mod:`pushpull_sim.scenario`), ``pushpull strategies`` prints it, ``pushpull
compare --levers`` switches its :data:`LEVER_GROUPS` one at a time, and the
documentation's lever table is generated from it. Two kinds of entry:

* a **lever** (:attr:`Lever.values` set) takes a value in every bundle; a scenario's
  ``[strategy]`` table may override it (unset = the bundle's value);
* a **setting** (:attr:`Lever.values` None) is a parameter of the strategy the bundles do
  not set (the costs of linkage and of an integration lead, the readiness rule); it has a
  default and is kept when a scenario is run under another strategy.

``custom`` is the strategy of a scenario without a ``[strategy]`` table: every lever at
the setting that leaves the scenario's components exactly as written. Every bundle value
is an assumption: the intent is a recognisable picture of separate contracts with no
joint planning (``siloed``, every lever at its disconnected setting) against one joint
design (``layered``).

This module imports nothing from the rest of the package: the scenario imports it, never
the reverse.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

from pydantic import Field
from pydantic.fields import FieldInfo

from pushpull_sim.units import MAX_VALUE

#: The strategy bundles, in the order ``pushpull strategies`` prints them.
BUNDLES: tuple[str, ...] = (
    "custom",
    "none",
    "push_only",
    "pull_only",
    "siloed",
    "sequenced",
    "layered",
)

#: The disconnect mechanisms (the LEO call, 2014), in the order ``compare --levers``
#: switches them from siloed toward layered: group -> the mechanism it addresses.
MECHANISMS: Mapping[str, str] = MappingProxyType(
    {
        "shared_lists_and_linkage": 'push and pull meet only "on paper"',
        "price_anchoring_and_taper": "subsidies distort the input price the poor expect",
        "readiness_transition": "a linear push-then-pull switch",
        "network_outreach": "targeting the wrong network node",
        "coordination": "separate contracts and implementers",
        "inclusion_kpi_and_risk_sharing": "sales targets steer pull actors to the less poor",
    }
)


def _in_bundles(*values: Any) -> Mapping[str, Any]:
    """A lever's value in each bundle, in the order of :data:`BUNDLES`."""
    if len(values) != len(BUNDLES):
        raise ValueError(f"{len(values)} values for {len(BUNDLES)} bundles")
    return MappingProxyType(dict(zip(BUNDLES, values, strict=True)))


@dataclass(frozen=True)
class Lever:
    """One key of the scenario's ``[strategy]`` table.

    Attributes:
        name: The key.
        type: Type of its value (``bool``, ``int``, ``float`` or a ``Literal``).
        description: What it does, with "Assumption" or its source.
        group: The disconnect mechanism it belongs to (a key of :data:`MECHANISMS`), or
            None for the stream switches and the budget split.
        values: Its value in each bundle (``{bundle: value}``, every bundle of
            :data:`BUNDLES`); None for a setting.
        default: A setting's default (a lever's default is None: the bundle's value).
        bounds: pydantic bounds of the value (``ge``, ``gt``, ``le``, ``lt``).
    """

    name: str
    type: Any
    description: str
    group: str | None = None
    values: Mapping[str, Any] | None = None
    default: Any = None
    bounds: Mapping[str, float] = field(default_factory=dict)

    @property
    def bundled(self) -> bool:
        """Whether the bundles set it (a lever), rather than a setting."""
        return self.values is not None

    def field(self) -> tuple[Any, FieldInfo]:
        """The pydantic field of the ``[strategy]`` table: ``(annotation, FieldInfo)``."""
        if self.bundled:
            return self.type | None, Field(None, description=self.description, **self.bounds)
        return self.type, Field(self.default, description=self.description, **self.bounds)


#: Every key of the ``[strategy]`` table after ``name``, in order.
#: Bundle values, in the order of :data:`BUNDLES`:
#: custom, none, push_only, pull_only, siloed, sequenced, layered.
LEVERS: tuple[Lever, ...] = (
    Lever(
        "push",
        bool,
        "Run the push stream (programme.interventions). Assumption: bundle.",
        values=_in_bundles(True, False, True, False, True, True, True),
    ),
    Lever(
        "pull",
        bool,
        "Run the pull stream (pull.actors). Assumption: bundle.",
        values=_in_bundles(True, False, False, True, True, True, True),
    ),
    Lever(
        "pull_budget_share",
        float,
        "Share of programme.budget_usd_ppp given to the pull implementer (its "
        "budget_usd_ppp is replaced); the push stream gets the rest, less the integration "
        "lead's cost. Needs a budget. Assumption: bundle.",
        values=_in_bundles(None, 0.0, 0.0, 1.0, 0.2, 0.2, 0.2),
        bounds={"ge": 0, "le": 1},
    ),
    Lever(
        "targeting_lists",
        Literal["shared", "separate"],
        "List of 'very poor' households the pull side's inclusion incentives use (risk "
        "sharing, guarantees, network placement): the programme's own PMT list (shared) or "
        "one the pull implementer draws itself with the same rule and share but its own "
        "survey error (separate). Assumption: bundle.",
        group="shared_lists_and_linkage",
        values=_in_bundles(
            "shared", "separate", "separate", "separate", "separate", "shared", "shared"
        ),
    ),
    Lever(
        "linkage",
        bool,
        "Linkage activities: participants handed over to the pull side are introduced to "
        "it (referred to lenders, registered with agents, organised into village producer "
        "groups that market together). Assumption: bundle.",
        group="shared_lists_and_linkage",
        values=_in_bundles(False, False, False, False, False, True, True),
    ),
    Lever(
        "linkage_cost_usd_ppp",
        float,
        "Cost of linking one household, USD PPP, planned per participant and booked as cost "
        "line 'linkage'. Assumption.",
        group="shared_lists_and_linkage",
        default=15.0,
        bounds={"ge": 0, "le": MAX_VALUE},
    ),
    Lever(
        "reference_anchoring",
        Literal["price_paid", "commercial_price"],
        "What households' reference input price drifts toward: the price they pay, voucher "
        "discount included (price_paid), or the commercial price, the voucher shown as a "
        "separate payment (commercial_price). Assumption: bundle.",
        group="price_anchoring_and_taper",
        values=_in_bundles(
            "price_paid",
            "price_paid",
            "price_paid",
            "price_paid",
            "price_paid",
            "price_paid",
            "commercial_price",
        ),
    ),
    Lever(
        "subsidy_taper_months",
        int,
        "Replaces every input_subsidy's taper_months (capped at its duration). Assumption: bundle.",
        group="price_anchoring_and_taper",
        values=_in_bundles(None, 0, 0, 0, 0, 0, 6),
        bounds={"ge": 0, "le": 1200},
    ),
    Lever(
        "transition",
        Literal["none", "fixed", "readiness"],
        "Hand-over from push to pull: none (both run side by side, participants handed over "
        "at the start), fixed (one switch for everyone at switch_month: pull actors arrive "
        "then and push support stops) or readiness (each participant once ready, see "
        "readiness_*). Assumption: bundle.",
        group="readiness_transition",
        values=_in_bundles("none", "none", "none", "none", "none", "fixed", "readiness"),
    ),
    Lever(
        "switch_month",
        int,
        "Fixed switch: months after the programme starts. Assumption: bundle (none of the "
        "bundles sets it: half the programme window, 18 months of a 3-year project).",
        group="readiness_transition",
        values=_in_bundles(None, None, None, None, None, None, None),
        bounds={"ge": 1, "le": 1200},
    ),
    Lever(
        "readiness_min_months",
        int,
        "Readiness rule: programme months before anyone can be judged ready. Assumption: "
        "the core package (asset transfer, consumption support, training) is delivered "
        "first, as in BRAC-style programmes [B15].",
        group="readiness_transition",
        default=12,
        bounds={"ge": 0, "le": 1200},
    ),
    Lever(
        "readiness_min_assets_usd_ppp",
        float,
        "Readiness rule: productive assets at least this, USD PPP. Assumption (near the "
        "S-shaped technology's threshold, livelihood.asset_threshold_usd_ppp).",
        group="readiness_transition",
        default=250.0,
        bounds={"ge": 0, "le": MAX_VALUE},
    ),
    Lever(
        "readiness_min_savings_months",
        float,
        "Readiness rule: savings (cash + savings-group share) of at least this many months "
        "of subsistence need. Assumption (a buffer against one bad month).",
        group="readiness_transition",
        default=1.0,
        bounds={"ge": 0, "le": 120},
    ),
    Lever(
        "readiness_min_income_share",
        float,
        "Readiness rule: earned income over the last 12 months (wage, own production, "
        "sales; transfers excluded) of at least this share of subsistence need. Assumption "
        "(a household that already lives on its own earnings).",
        group="readiness_transition",
        default=1.0,
        bounds={"ge": 0, "le": 100},
    ),
    Lever(
        "outreach",
        Literal["random", "network"],
        "Where agents set up: at commercial hubs, wherever they happen to be most "
        "profitable (random with respect to the very poor), or at network hubs reaching the "
        "most very poor (network); replaces every agent's placement. Assumption: bundle.",
        group="network_outreach",
        values=_in_bundles(None, "random", "random", "random", "random", "random", "network"),
    ),
    Lever(
        "coordination",
        float,
        "Monthly probability that the implementers act on a participant's hand-over "
        "(linkage); 0 = never. Assumption: bundle.",
        group="coordination",
        values=_in_bundles(1.0, 0.1, 0.1, 0.1, 0.1, 1.0, 1.0),
        bounds={"ge": 0, "le": 1},
    ),
    Lever(
        "information_lag_months",
        int,
        "Months before the pull side learns of a participant's hand-over (readiness is "
        "judged on information this old). Assumption: bundle.",
        group="coordination",
        values=_in_bundles(0, 6, 6, 6, 6, 0, 0),
        bounds={"ge": 0, "le": 120},
    ),
    Lever(
        "integration_lead",
        bool,
        "A designated integration lead: coordination 1 and no information lag (unless this "
        "table sets them), at integration_lead_usd_ppp_per_month in the programme window "
        "(cost line 'integration_lead'). Assumption: bundle.",
        group="coordination",
        values=_in_bundles(False, False, False, False, False, False, True),
    ),
    Lever(
        "integration_lead_usd_ppp_per_month",
        float,
        "Cost of the integration lead per programme month, USD PPP. Assumption (one "
        "coordinator's salary and travel).",
        group="coordination",
        default=400.0,
        bounds={"ge": 0, "le": MAX_VALUE},
    ),
    Lever(
        "kpi_volume_weight",
        float,
        "Replaces the pull implementer's KPI weight on volume (vs inclusion). Assumption: bundle.",
        group="inclusion_kpi_and_risk_sharing",
        values=_in_bundles(None, 1.0, 1.0, 1.0, 1.0, 1.0, 0.3),
        bounds={"ge": 0, "le": 1},
    ),
    Lever(
        "buyer_risk_share_usd_ppp",
        float,
        "Replaces the pull implementer's risk-sharing payment per very poor supplier per "
        "month, USD PPP. Assumption: bundle.",
        group="inclusion_kpi_and_risk_sharing",
        values=_in_bundles(None, 0.0, 0.0, 0.0, 0.0, 0.0, 5.0),
        bounds={"ge": 0, "le": MAX_VALUE},
    ),
    Lever(
        "lender_guarantee_share",
        float,
        "Replaces the pull implementer's guarantee share on loans to the very poor. "
        "Assumption: bundle.",
        group="inclusion_kpi_and_risk_sharing",
        values=_in_bundles(None, 0.0, 0.0, 0.0, 0.0, 0.0, 0.5),
        bounds={"ge": 0, "le": 1},
    ),
)

#: Levers and settings by name.
BY_NAME: Mapping[str, Lever] = MappingProxyType({lever.name: lever for lever in LEVERS})

#: The settings: ``[strategy]`` keys the bundles do not set, kept across strategies.
SETTINGS: tuple[str, ...] = tuple(lever.name for lever in LEVERS if not lever.bundled)

#: Lever values of ``custom``: the components act exactly as the scenario writes them.
CUSTOM: Mapping[str, Any] = MappingProxyType(
    {lever.name: lever.values["custom"] for lever in LEVERS if lever.bundled}
)

#: Strategy bundles a scenario may name other than ``custom``, by name (read-only):
#: ``{bundle: {lever: value}}``.
STRATEGIES: Mapping[str, Mapping[str, Any]] = MappingProxyType(
    {
        bundle: MappingProxyType(
            {lever.name: lever.values[bundle] for lever in LEVERS if lever.bundled}
        )
        for bundle in BUNDLES
        if bundle != "custom"
    }
)

#: Strategy names a scenario may use (``custom`` = the components as written).
STRATEGY_NAMES: tuple[str, ...] = BUNDLES

#: The levers of each disconnect mechanism, in the order ``compare --levers`` switches
#: them from siloed toward layered.
LEVER_GROUPS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        group: tuple(lever.name for lever in LEVERS if lever.bundled and lever.group == group)
        for group in MECHANISMS
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
    if name not in BUNDLES:
        raise KeyError(f"strategy = {name!r}: allowed: {', '.join(STRATEGY_NAMES)}")
    return {lever.name: lever.values[name] for lever in LEVERS if lever.bundled}


def resolve(table: Mapping[str, Any]) -> dict[str, Any]:
    """Every lever's value under a ``[strategy]`` table: the bundle's, overridden by the
    keys the table sets (not None), then the settings.

    An integration lead sets coordination to 1 and the information lag to 0 unless the
    table sets them itself.

    Args:
        table: The table's values: ``name`` and a value (or None) for every lever and
            setting of :data:`LEVERS`.

    Returns:
        dict: ``{lever: value}``: the keys of :data:`CUSTOM`, then :data:`SETTINGS`.
    """
    values = lever_values(table["name"])
    for key in values:
        if table.get(key) is not None:
            values[key] = table[key]
    for key in SETTINGS:
        values[key] = table[key]
    if values["integration_lead"]:  # unless this table sets them itself
        if table.get("coordination") is None:
            values["coordination"] = 1.0
        if table.get("information_lag_months") is None:
            values["information_lag_months"] = 0
    return values


def coordination_cost_of(levers: Mapping[str, Any], window_months: int) -> float:
    """Planned cost of the integration lead over the programme window, USD PPP.

    Args:
        levers: Resolved lever values.
        window_months: Programme months (``end_month - start_month``).
    """
    if not levers["integration_lead"]:
        return 0.0
    return levers["integration_lead_usd_ppp_per_month"] * window_months


def push_budget_of(
    budget_usd_ppp: float | None,
    fixed_cost_usd_ppp: float,
    window_months: int,
    levers: Mapping[str, Any],
) -> float | None:
    """The push stream's budget for participants, USD PPP (None = no limit): the
    programme's budget less the pull share (``pull_budget_share``), the integration lead
    over the window and the programme's fixed cost.

    Args:
        budget_usd_ppp: ``programme.budget_usd_ppp`` (None = no limit).
        fixed_cost_usd_ppp: ``programme.fixed_cost_usd_ppp``.
        window_months: Programme months (``end_month - start_month``).
        levers: Resolved lever values.
    """
    if budget_usd_ppp is None:
        return None
    share = levers["pull_budget_share"] or 0.0
    return (
        budget_usd_ppp * (1.0 - share)
        - coordination_cost_of(levers, window_months)
        - (fixed_cost_usd_ppp)
    )
