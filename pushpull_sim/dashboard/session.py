"""The dashboard's one link to the model: scenarios, two models stepped together, and
what the page shows of them.

Everything the workshop dashboard knows about the model goes through this module, and
only through the model's public interface: :func:`~pushpull_sim.scenario.load_scenario`,
:func:`~pushpull_sim.scenario.scenario_from_dict`, :meth:`Scenario.with_overrides`,
:func:`~pushpull_sim.strategies.apply_strategy` with
:data:`~pushpull_sim.strategies.STRATEGIES` and
:data:`~pushpull_sim.strategies.LEVER_GROUPS`, and a
:class:`~pushpull_sim.model.GraduationModel`'s ``step()``, ``month``, ``horizon``,
``hh`` (household arrays, with the arm codes of :mod:`pushpull_sim.households`),
``network``, ``costs`` and ``pull_actors`` (their ``kind`` and ``active``), a scenario's
``levers``, and for "Settle it" :func:`~pushpull_sim.compare.run_strategy` and
:func:`~pushpull_sim.compare.mean_ci`. The page's
modules (:mod:`pushpull_sim.dashboard.app`) never import the model; this module never
imports Panel or Bokeh, so it also runs in the worker processes of "Settle it".

Terms: *side* = one of the two strategies on screen (A on the left, B on the right);
both are built from the same scenario and seed (common random numbers), so they have the
same households, network, trial assignment and shocks. *Offered the programme* = the
treatment arm of the virtual trial (the intent-to-treat population).
"""

from __future__ import annotations

import math
import multiprocessing
import os
import signal
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from pushpull_sim.households import CONTROL, TREATMENT
from pushpull_sim.model import GraduationModel
from pushpull_sim.scenario import Scenario, ScenarioError, load_scenario
from pushpull_sim.story import condensed
from pushpull_sim.strategies import LEVER_GROUPS, STRATEGIES, apply_strategy

#: Largest population the dashboard builds (two models per browser tab; 5,000 households
#: x 120 months of history is about 30 MB per tab).
MAX_HOUSEHOLDS = 5_000

#: Replications of "Settle it" (the same number ``pushpull compare`` runs by default).
SETTLE_REPLICATIONS = 20

#: Strategies a side can run: every bundle, plus the scenario as written.
STRATEGY_CHOICES: tuple[str, ...] = (*STRATEGIES, "custom")

#: The presets and words of the page (data: ``workshop.toml`` beside this module).
WORKSHOP: dict[str, Any] = tomllib.loads(
    (Path(__file__).parent / "workshop.toml").read_text(encoding="utf-8")
)

#: Plain names of the strategies, for the page.
STRATEGY_LABELS: dict[str, str] = WORKSHOP["strategy_labels"]

#: The strategies whose lever settings a switch takes when on and when off.
SWITCH_ON: str = WORKSHOP["switches"]["on"]
SWITCH_OFF: str = WORKSHOP["switches"]["off"]

#: The six disconnect levers as the page's switches: group -> (short label, what "on"
#: does). "On" = the group's levers at their layered (connected) setting, "off" = at
#: their siloed (disconnected) setting; see :mod:`pushpull_sim.strategies`.
LEVER_LABELS: dict[str, tuple[str, str]] = {
    "shared_lists_and_linkage": (
        "Shared lists and linkage",
        "push and pull work from one list of the very poor, and participants are "
        "introduced to buyers, lenders and agents",
    ),
    "price_anchoring_and_taper": (
        "Commercial price and subsidy taper",
        "input subsidies are priced against the commercial price and taper off instead of "
        "stopping abruptly",
    ),
    "readiness_transition": (
        "Hand-over when ready",
        "each household moves from push support to the market when it is ready, not on a "
        "fixed date",
    ),
    "network_outreach": (
        "Network-aware outreach",
        "agents are placed where the very poor can reach them, through their networks",
    ),
    "coordination": (
        "Coordination and integration lead",
        "the two streams plan together, share information without delay, with one lead",
    ),
    "inclusion_kpi_and_risk_sharing": (
        "Inclusion targets and risk sharing",
        "the pull project rewards inclusion of the very poor, not volume alone, and shares "
        "buyers' and lenders' risk",
    ),
}

#: Poverty-status categories of the network view, in legend order.
STATUS_NAMES: tuple[str, ...] = ("extreme poor", "poor", "above the poverty line")

#: Pull actor types drawn on the page (the facilitating implementer is not a market actor).
ACTOR_KINDS: tuple[str, ...] = ("buyer", "lender", "agent")

_SCENARIO_DIR = Path(__file__).resolve().parents[2] / "scenarios"


@dataclass(frozen=True)
class Preset:
    """A starting point: a scenario file and the two strategies shown.

    Attributes:
        key: Identifier.
        label: Name shown in the scenario picker.
        path: The scenario's TOML file.
        strategy_a, strategy_b: Strategies of the two sides.
        switches_b: Lever groups switched on (to their layered setting) on side B, on top
            of ``strategy_b``.
        note: One line for the facilitator: what this preset shows.
    """

    key: str
    label: str
    path: Path
    strategy_a: str
    strategy_b: str
    switches_b: tuple[str, ...] = ()
    note: str = ""


def default_scenario_path() -> Path | None:
    """The default scenario, ``scenarios/disconnect_demo.toml``: in the working
    directory if it has one, else in the source tree this package was installed from.

    Returns:
        Path | None: The file, or None if neither exists.
    """
    for folder in (Path.cwd() / "scenarios", _SCENARIO_DIR):
        path = folder / "disconnect_demo.toml"
        if path.is_file():
            return path
    return None


def presets(scenario_path: str | Path | None = None) -> dict[str, Preset]:
    """The scenario picker's presets.

    The workshop presets (``workshop.toml``: the disconnect demo, the Bangladesh
    programme, pull only) name scenario files of the folder of
    ``scenarios/disconnect_demo.toml`` (see :func:`default_scenario_path`); a scenario
    given on the command line comes first.

    Args:
        scenario_path: A scenario file to offer first (default: the disconnect demo).

    Returns:
        dict: ``{key: Preset}`` in picker order; the first is the one the page opens with.

    Raises:
        ScenarioError: If no scenario is given and the default cannot be found.
    """
    out: dict[str, Preset] = {}
    default = default_scenario_path()
    folder = default.parent if default is not None else None
    if scenario_path is not None:
        path = Path(scenario_path)
        if default is None or path.resolve() != default.resolve():
            given = WORKSHOP["given"]
            out["scenario"] = Preset(
                "scenario",
                f"{path.name} ({STRATEGY_LABELS[given['strategy_a']]} | "
                f"{STRATEGY_LABELS[given['strategy_b']]})",
                path,
                given["strategy_a"],
                given["strategy_b"],
                note="The scenario given on the command line.",
            )
    elif default is None:
        raise ScenarioError(
            "SCENARIO = (missing): scenarios/disconnect_demo.toml was not found in the "
            "working directory; give a scenario file"
        )
    if folder is None:
        return out
    for p in WORKSHOP["presets"]:
        preset = Preset(
            p["key"],
            p["label"],
            folder / p["scenario"],
            p["strategy_a"],
            p["strategy_b"],
            tuple(p.get("switches_b", ())),
            p.get("note", ""),
        )
        if preset.path.is_file():
            out.setdefault(preset.key, preset)
    return out


@dataclass(frozen=True)
class Settings:
    """What the controls set; the models are rebuilt from it on Reset.

    Attributes:
        preset: Key of the :class:`Preset` whose scenario is the base.
        strategy_a, strategy_b: Strategy of each side (a name of :data:`STRATEGY_CHOICES`).
        switches_a, switches_b: Each lever group of :data:`LEVER_LABELS` -> on (its
            layered setting) or off (its siloed setting).
        budget_usd_ppp: ``programme.budget_usd_ppp`` (None = no limit), USD PPP.
        households: ``population.households``.
        asset_value_usd_ppp: ``value_usd_ppp`` of every asset transfer (None = the
            scenario has none), USD PPP.
        seed: Base seed of both sides.
    """

    preset: str
    strategy_a: str
    strategy_b: str
    switches_a: dict[str, bool]
    switches_b: dict[str, bool]
    budget_usd_ppp: float | None
    households: int
    asset_value_usd_ppp: float | None
    seed: int


def settings_for(preset: Preset) -> Settings:
    """The settings a preset starts from: the scenario's own values and the preset's
    strategies, with each switch showing what its strategy does.

    Raises:
        ScenarioError: If the scenario file is missing or invalid.
    """
    base = load_scenario(preset.path)
    values = [p.value_usd_ppp for p in base.programme.interventions if p.type == "asset_transfer"]
    switches_b = strategy_switches(base, preset.strategy_b)
    switches_b.update({g: True for g in preset.switches_b})
    return Settings(
        preset=preset.key,
        strategy_a=preset.strategy_a,
        strategy_b=preset.strategy_b,
        switches_a=strategy_switches(base, preset.strategy_a),
        switches_b=switches_b,
        budget_usd_ppp=base.programme.budget_usd_ppp,
        households=base.population.households,
        asset_value_usd_ppp=values[0] if values else None,
        seed=base.run.seed,
    )


def _group_values(scenario: Scenario, group: str) -> dict[str, Any]:
    levers = scenario.levers
    return {k: levers[k] for k in LEVER_GROUPS[group]}


def strategy_switches(base: Scenario, strategy: str) -> dict[str, bool]:
    """Which lever groups a strategy runs at their layered (connected) setting.

    Args:
        base: The scenario (an unset ``switch_month`` depends on its programme window).
        strategy: A name of :data:`STRATEGY_CHOICES`.

    Returns:
        dict: ``{group: on}`` for every group of :data:`LEVER_LABELS`.
    """
    own, on = apply_strategy(base, strategy), apply_strategy(base, SWITCH_ON)
    return {g: _group_values(own, g) == _group_values(on, g) for g in LEVER_LABELS}


def side_scenario(base: Scenario, settings: Settings, side: str) -> Scenario:
    """The scenario one side runs: the base with the settings' values and the side's
    strategy; a switch that differs from what the strategy does sets its lever group to
    the layered (on) or siloed (off) values.

    Args:
        base: The preset's scenario.
        settings: The settings.
        side: ``"a"`` or ``"b"``.

    Returns:
        Scenario: A validated scenario.

    Raises:
        ScenarioError: If a value is not allowed (one line naming the key and value).
    """
    if not 1 <= settings.households <= MAX_HOUSEHOLDS:
        raise ScenarioError(
            f"households = {settings.households}: must be from 1 to {MAX_HOUSEHOLDS:,}"
        )
    data = base.to_dict()
    data["population"]["households"] = int(settings.households)
    if settings.budget_usd_ppp is None:
        data["programme"].pop("budget_usd_ppp", None)
    else:
        data["programme"]["budget_usd_ppp"] = float(settings.budget_usd_ppp)
    if settings.asset_value_usd_ppp is not None:
        for p in data["programme"].get("interventions", []):
            if p["type"] == "asset_transfer":
                p["value_usd_ppp"] = float(settings.asset_value_usd_ppp)
    scenario = base.with_overrides(**data)
    strategy = settings.strategy_a if side == "a" else settings.strategy_b
    switches = settings.switches_a if side == "a" else settings.switches_b
    own = strategy_switches(scenario, strategy)
    overrides: dict[str, Any] = {}
    for group, on in switches.items():
        if on != own[group]:
            source = apply_strategy(scenario, SWITCH_ON if on else SWITCH_OFF)
            overrides.update(_group_values(source, group))
    return apply_strategy(scenario, strategy, **overrides)


def side_label(base: Scenario, settings: Settings, side: str) -> str:
    """A side's strategy in words, e.g. ``"siloed + hand-over when ready"``.

    Args:
        base: The preset's scenario.
        settings: The settings.
        side: ``"a"`` or ``"b"``.
    """
    strategy = settings.strategy_a if side == "a" else settings.strategy_b
    switches = settings.switches_a if side == "a" else settings.switches_b
    own = strategy_switches(base, strategy)
    parts = [
        ("+ " if on else "- ") + LEVER_LABELS[group][0].lower()
        for group, on in switches.items()
        if on != own[group]
    ]
    return " ".join([STRATEGY_LABELS[strategy], *parts])


# --------------------------------------------------------------------------- one side

#: Bits of :attr:`Side.flags`.
_EXTREME, _POOR, _GRAD, _BUYER, _LENDER, _AGENT, _SELLS, _DISTRESS, _IN_PUSH = (
    1 << i for i in range(9)
)


class Side:
    """One strategy's model, stepped month by month, and the history the page draws.

    Args:
        scenario: The scenario with the side's strategy applied.
        seed: Base seed (the same for both sides: common random numbers).
        label: The strategy in words.

    Attributes:
        model: The :class:`~pushpull_sim.model.GraduationModel` (replication 0), with
            its household event log on (the household stories read it).
        series: Monthly series, each a float array of shape ``(horizon + 1,)`` (NaN for
            months not yet simulated): ``extreme_poor_treatment``/``_control``,
            ``graduated_treatment``/``_control`` (shares of the arm, 0-1),
            ``selling_to_buyer``, ``with_lender``, ``with_agent`` (shares of the
            households offered the programme, 0-1), and ``buyer``, ``lender``, ``agent``
            (pull actors of that type in the market).
        assets, savings, consumption_ppd: Household history, float32 arrays of shape
            ``(horizon + 1, n)``: productive assets, savings (cash + savings-group share),
            USD PPP; consumption per adult equivalent per day, USD PPP.
        flags: Status bits each month, uint16, ``(horizon + 1, n)``.
    """

    def __init__(self, scenario: Scenario, seed: int, label: str) -> None:
        self.scenario = scenario
        self.label = label
        self.seed = seed
        self.model = GraduationModel(scenario, seed=seed, replication=0, events=True)
        hh = self.model.hh
        self.n = hh.n
        self.horizon = self.model.horizon
        self.treatment = hh.arm == TREATMENT
        self.control = hh.arm == CONTROL
        shape = (self.horizon + 1, self.n)
        self.assets = np.zeros(shape, np.float32)
        self.savings = np.zeros(shape, np.float32)
        self.consumption_ppd = np.zeros(shape, np.float32)
        self.flags = np.zeros(shape, np.uint16)
        names = (
            "extreme_poor_treatment",
            "extreme_poor_control",
            "graduated_treatment",
            "graduated_control",
            "selling_to_buyer",
            "with_lender",
            "with_agent",
            *ACTOR_KINDS,
        )
        self.series = {k: np.full(self.horizon + 1, np.nan) for k in names}
        self._observe()

    # the model's state, read once a month -------------------------------------------
    @property
    def month(self) -> int:
        """The model's month (0 = baseline survey)."""
        return self.model.month

    def step(self) -> bool:
        """Simulate one month, unless the horizon is reached.

        Returns:
            bool: Whether a month was simulated.
        """
        if self.model.month >= self.horizon:
            return False
        self.model.step()
        self._observe()
        return True

    def _observe(self) -> None:
        m, hh = self.model.month, self.model.hh
        self.assets[m] = hh.assets
        self.savings[m] = hh.savings + hh.vsla_share
        self.consumption_ppd[m] = hh.consumption_ppd
        sells = hh.income_sales > 0
        bits = (
            (hh.extreme_poor * _EXTREME)
            | (hh.poor * _POOR)
            | (hh.graduated * _GRAD)
            | ((hh.buyer >= 0) * _BUYER)
            | ((hh.lender >= 0) * _LENDER)
            | ((hh.agent >= 0) * _AGENT)
            | (sells * _SELLS)
            | ((hh.asset_sale_proceeds > 0) * _DISTRESS)
            | (hh.in_push * _IN_PUSH)
        )
        self.flags[m] = bits
        s, t, c = self.series, self.treatment, self.control
        s["extreme_poor_treatment"][m] = _share(hh.extreme_poor, t)
        s["extreme_poor_control"][m] = _share(hh.extreme_poor, c)
        s["graduated_treatment"][m] = _share(hh.graduated, t)
        s["graduated_control"][m] = _share(hh.graduated, c)
        s["selling_to_buyer"][m] = _share(sells, t)
        s["with_lender"][m] = _share(hh.lender >= 0, t)
        s["with_agent"][m] = _share(hh.agent >= 0, t)
        active = self.actors_in_market()
        for kind in ACTOR_KINDS:
            s[kind][m] = active[kind]

    def actors_in_market(self) -> dict[str, int]:
        """Pull actors of each type of :data:`ACTOR_KINDS` in the market now."""
        counts = dict.fromkeys(ACTOR_KINDS, 0)
        for actor in self.model.pull_actors:
            if actor.active and actor.kind in counts:
                counts[actor.kind] += 1
        return counts

    def actors_at_start(self) -> dict[str, int]:
        """Pull actors of each type the scenario starts (or holds back for a switch)."""
        counts = dict.fromkeys(ACTOR_KINDS, 0)
        actors = self.scenario.pull.actors if self.scenario.levers["pull"] else []
        for p in actors:
            if p.type in counts:
                counts[p.type] += p.count
        return counts

    # what the page reads --------------------------------------------------------------
    @property
    def budget_usd_ppp(self) -> float | None:
        """``programme.budget_usd_ppp`` of the scenario the model was built from (None = no
        limit), USD PPP."""
        return self.scenario.programme.budget_usd_ppp

    @property
    def has_push(self) -> bool:
        """Whether this side runs push interventions."""
        return bool(self.scenario.levers["push"] and self.scenario.programme.interventions)

    @property
    def households_served(self) -> int:
        """Households the push stream serves (participants)."""
        return int(self.model.hh.participant.sum())

    @property
    def households_offered(self) -> int:
        """Households offered the programme (the treatment arm)."""
        return int(self.treatment.sum())

    def spending(self) -> dict[str, float]:
        """Spending so far by cost line (interventions, pull implementer, linkage,
        integration lead, fixed cost), USD PPP, lines with any spending."""
        m = max(self.model.month, 0)
        out = {}
        for line, values in self.model.costs.items():
            total = float(values[: m + 1].sum())
            if total > 0:
                out[line] = total
        return out

    @property
    def programme_window(self) -> tuple[int, int]:
        """``(start_month, end_month)`` of the programme (it acts in months start+1..end)."""
        p = self.scenario.programme
        return p.start_month, p.end_month

    @property
    def extreme_line(self) -> float | None:
        """The extreme-poverty line, USD PPP a person a day (None under the seed's
        relative definition, which has no single line)."""
        pov = self.scenario.poverty
        return pov.extreme_line_usd_ppp_per_day if pov.definition == "international" else None

    @property
    def villages(self) -> int:
        """Number of villages."""
        return self.scenario.population.villages

    def node_state(self, ids: np.ndarray) -> dict[str, np.ndarray]:
        """The network view's node state for some households now.

        Args:
            ids: Household ids, int array of shape ``(k,)``.

        Returns:
            dict: ``status`` (index into :data:`STATUS_NAMES`, int, ``(k,)``), ``assets``
            (USD PPP), ``links`` (number of market links: buyer, lender, agent, 0-3),
            ``link_names`` (those links in words, list of str),
            ``graduated`` (bool), ``consumption_ppd``.
        """
        m = self.model.month
        f = self.flags[m, ids]
        status = np.where(f & _EXTREME, 0, np.where(f & _POOR, 1, 2))
        links = (f & _BUYER > 0).astype(int) + (f & _LENDER > 0) + (f & _AGENT > 0)
        return {
            "status": status,
            "assets": self.assets[m, ids].astype(float),
            "links": links,
            "link_names": [
                ", ".join(n for n, bit in _LINKS if x & bit) or "no link" for x in f.tolist()
            ],
            "graduated": (f & _GRAD) > 0,
            "consumption_ppd": self.consumption_ppd[m, ids].astype(float),
        }

    def household_path(self, i: int) -> dict[str, np.ndarray]:
        """One household's monthly path so far.

        Args:
            i: Household id.

        Returns:
            dict: ``month`` (int, ``(m + 1,)``), ``assets``, ``savings`` (USD PPP),
            ``consumption_ppd`` (USD PPP per adult equivalent per day).
        """
        end = self.model.month + 1
        return {
            "month": np.arange(end),
            "assets": self.assets[:end, i].astype(float),
            "savings": self.savings[:end, i].astype(float),
            "consumption_ppd": self.consumption_ppd[:end, i].astype(float),
        }

    def household_story(self, i: int) -> list[str]:
        """What happened to one household so far, in plain words, from the model's
        household event log (:mod:`pushpull_sim.events`; a monthly payment once per
        stretch, :func:`pushpull_sim.story.condensed`), then its state now.

        Args:
            i: Household id.

        Returns:
            list[str]: One sentence per event, in month order, then its state now.
        """
        end = self.model.month
        events = self.model.event_log.household(i)
        text = [f"Month {m}: {t}." for m, t in condensed(events)]
        ep = self.flags[: end + 1, i] & _EXTREME > 0
        state = self.node_state(np.array([i]))
        now = STATUS_NAMES[int(state["status"][0])]
        if state["graduated"][0]:
            now += ", graduated"
        months_ep = int(ep[1:].sum())
        text.append(
            f"Now (month {end}): {now}; productive assets USD {self.assets[end, i]:,.0f}, "
            f"savings USD {self.savings[end, i]:,.0f}, consumption USD "
            f"{self.consumption_ppd[end, i]:.2f} a person a day; extreme poor in "
            f"{months_ep} of {end} months."
        )
        return text

    def village_of(self, i: int) -> int:
        """The village of household ``i``."""
        return int(self.model.hh.village[i])

    def arm_of(self, ids: np.ndarray) -> np.ndarray:
        """``"offered"`` (treatment), ``"control"`` or ``"not eligible"`` per household."""
        arm = self.model.hh.arm[ids]
        return np.where(
            arm == TREATMENT, "offered", np.where(arm == CONTROL, "control", "not eligible")
        )


_LINKS = (("buyer", _BUYER), ("lender", _LENDER), ("agent", _AGENT))


def _share(mask: np.ndarray, within: np.ndarray) -> float:
    k = int(within.sum())
    return float((mask & within).sum() / k) if k else math.nan


def village_graph(side: Side, village: int, seed: int) -> dict[str, Any]:
    """A village's households, their ties and a fixed drawing layout.

    The layout is networkx's spring layout of the village's ties (seeded, so the same
    village is drawn the same way on both sides and after each Reset).

    Args:
        side: Either side (both have the same network: common random numbers).
        village: Village index.
        seed: Seed of the layout.

    Returns:
        dict: ``ids`` (household ids, int, ``(k,)``), ``x``, ``y`` (positions, ``(k,)``),
        ``edges`` (pairs of positions into ``ids``, int, ``(e, 2)``).
    """
    import networkx as nx

    hh = side.model.hh
    ids = np.flatnonzero(hh.village == village)
    sub = side.model.network[ids][:, ids].tocoo()
    keep = sub.row < sub.col
    edges = np.column_stack([sub.row[keep], sub.col[keep]]).astype(int)
    graph = nx.Graph()
    graph.add_nodes_from(range(ids.size))
    graph.add_edges_from(edges.tolist())
    pos = nx.spring_layout(graph, seed=seed % 2**32, k=1.6 / math.sqrt(max(ids.size, 1)))
    xy = np.array([pos[k] for k in range(ids.size)]).reshape(-1, 2)
    return {"ids": ids, "x": xy[:, 0], "y": xy[:, 1], "edges": edges}


# ------------------------------------------------------------------------- two sides


class Pair:
    """The two sides, built from one scenario and seed and stepped together.

    Args:
        base: The preset's scenario.
        settings: The settings (see :class:`Settings`).

    Raises:
        ScenarioError: If the settings give an invalid scenario (nothing is built then).
    """

    def __init__(self, base: Scenario, settings: Settings) -> None:
        scenarios = {s: side_scenario(base, settings, s) for s in ("a", "b")}
        self.settings = settings
        self.base = base
        self.a = Side(scenarios["a"], settings.seed, side_label(base, settings, "a"))
        self.b = Side(scenarios["b"], settings.seed, side_label(base, settings, "b"))

    @property
    def sides(self) -> tuple[Side, Side]:
        """``(a, b)``."""
        return self.a, self.b

    @property
    def month(self) -> int:
        """The current month (both sides are always at the same month)."""
        return self.a.month

    @property
    def horizon(self) -> int:
        """The last month (``run.months``)."""
        return self.a.horizon

    @property
    def at_horizon(self) -> bool:
        """Whether the horizon is reached (no further step)."""
        return self.month >= self.horizon

    def step(self) -> bool:
        """Simulate one month on both sides, unless the horizon is reached.

        Returns:
            bool: Whether a month was simulated.
        """
        if self.at_horizon:
            return False
        self.a.step()
        self.b.step()
        return True


# ----------------------------------------------------------------------- "Settle it"

#: The outcome "Settle it" compares: graduated at the project's end and still graduated
#: 24 months later, share of the households offered the programme (see
#: :data:`pushpull_sim.compare.OUTCOMES`).
SETTLE_OUTCOME = "sustained_graduates_2y"


def _sustained_graduates(scenario: dict[str, Any], seed: int, replication: int) -> float:
    """One replication's sustained graduation (a picklable top-level function)."""
    from pushpull_sim.compare import run_strategy

    outcomes, _, _ = run_strategy(scenario, seed, replication)
    return outcomes[SETTLE_OUTCOME]


def _worker_init() -> None:
    """Settle-it workers: leave Ctrl-C to the server, die with it, yield the CPU to it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PDEATHSIG
        except OSError:  # pragma: no cover - no libc by that name
            pass
    if os.getppid() == 1:  # the server died before the line above
        os._exit(0)
    try:
        os.nice(10)
    except OSError:  # pragma: no cover
        pass


@dataclass
class SettleResult:
    """The paired difference in sustained graduation, B - A.

    Attributes:
        label_a, label_b: The sides' strategies in words.
        a, b: Sustained graduation per replication, shape ``(r,)``, share 0-1.
        mean, low, high: Mean of ``b - a`` and its 95 % Student-t interval (NaN with
            fewer than two replications).
        n: Replications where the outcome is defined.
    """

    label_a: str
    label_b: str
    a: np.ndarray
    b: np.ndarray
    mean: float
    low: float
    high: float
    n: int

    def words(self) -> str:
        """The result in plain words, for a room of non-programmers."""
        if self.n == 0 or not math.isfinite(self.mean):
            return (
                "Not measurable: the run ends less than 2 years after the project, so "
                "sustained graduation is not defined."
            )
        a, b = float(np.nanmean(self.a)), float(np.nanmean(self.b))
        pts, lo, hi = 100 * self.mean, 100 * self.low, 100 * self.high
        head = (
            "Of the households offered the programme, the share graduated at the project's "
            f"end and still graduated 2 years later: A ({self.label_a}) {100 * a:.1f} %, "
            f"B ({self.label_b}) {100 * b:.1f} % (mean of {self.n} runs, each on the same "
            "households and shocks for A and B)."
        )
        if not math.isfinite(lo):
            return head + f" B - A: {pts:+.1f} percentage points (too few runs for a range)."
        rng = f"{abs(pts):.1f} percentage points (95 % range {lo:+.1f} to {hi:+.1f})"
        if lo > 0:
            verdict = f"B does better by {rng}: a gap this clear rarely arises by chance."
        elif hi < 0:
            verdict = f"A does better by {rng}: a gap this clear rarely arises by chance."
        else:
            verdict = (
                f"No clear winner: B - A = {pts:+.1f} percentage points, and the 95 % range "
                f"({lo:+.1f} to {hi:+.1f}) includes zero, so the gap could be chance."
            )
        return head + " " + verdict


class SettleJob:
    """``SETTLE_REPLICATIONS`` replications of both sides, in background processes.

    Each replication ``r`` runs both sides with the same seed and replication index
    (common random numbers); the result is the mean over ``r`` of ``B_r - A_r`` with a
    Student-t 95 % interval. The work runs in a pool of processes (started with
    ``spawn``, at a lower priority), so the server stays responsive; poll
    :meth:`progress` and :meth:`result`.

    Args:
        pair: The two sides on screen (their scenarios and seed are used).
        replications: Replications per side.
        workers: Worker processes (default: the machine's cores).
    """

    def __init__(
        self, pair: Pair, replications: int = SETTLE_REPLICATIONS, workers: int | None = None
    ) -> None:
        self.label_a, self.label_b = pair.a.label, pair.b.label
        self.replications = int(replications)
        workers = workers or os.cpu_count() or 1
        ctx = multiprocessing.get_context("spawn")
        self._pool = ctx.Pool(min(workers, 2 * self.replications), initializer=_worker_init)
        seed = pair.settings.seed
        data = {"a": pair.a.scenario.to_dict(), "b": pair.b.scenario.to_dict()}
        self._tasks = {
            (s, r): self._pool.apply_async(_sustained_graduates, (data[s], seed, r))
            for r in range(self.replications)
            for s in ("a", "b")
        }
        self._pool.close()
        self._result: SettleResult | None = None
        self.error: str | None = None

    def progress(self) -> tuple[int, int]:
        """``(runs finished, runs in all)``."""
        return sum(t.ready() for t in self._tasks.values()), len(self._tasks)

    @property
    def done(self) -> bool:
        """Whether every run has finished (or one failed)."""
        return self.error is not None or all(t.ready() for t in self._tasks.values())

    def result(self) -> SettleResult | None:
        """The result once :attr:`done` (None before, or if a run failed: see
        :attr:`error`)."""
        if self._result is not None or not self.done or self.error is not None:
            return self._result
        values: dict[str, list[float]] = {"a": [], "b": []}
        try:
            for (s, _), task in self._tasks.items():
                values[s].append(task.get())
        except Exception as exc:  # a run that raised: say so on the page
            self.error = f"a run failed: {exc}"
            self.cancel()
            return None
        from pushpull_sim.compare import mean_ci

        a, b = np.array(values["a"]), np.array(values["b"])
        mean, lo, hi, n = mean_ci(b - a)
        self._result = SettleResult(self.label_a, self.label_b, a, b, mean, lo, hi, n)
        self._pool.join()
        return self._result

    def cancel(self) -> None:
        """Stop the workers now (idempotent)."""
        self._pool.terminate()


__all__ = [
    "ACTOR_KINDS",
    "LEVER_LABELS",
    "MAX_HOUSEHOLDS",
    "Pair",
    "Preset",
    "STATUS_NAMES",
    "STRATEGY_CHOICES",
    "STRATEGY_LABELS",
    "ScenarioError",
    "SettleJob",
    "SettleResult",
    "Settings",
    "Side",
    "load_scenario",
    "presets",
    "settings_for",
    "side_scenario",
    "strategy_switches",
    "village_graph",
]
