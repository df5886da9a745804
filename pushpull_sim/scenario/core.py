"""The complete scenario: every group, and the checks across groups."""

from __future__ import annotations

from typing import Any

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from pushpull_sim.components import registry
from pushpull_sim.levers import push_budget_of
from pushpull_sim.scenario.groups import (
    RCT,
    Behaviour,
    Enterprise,
    Evaluation,
    Graduation,
    Livelihood,
    Network,
    Output,
    Population,
    Poverty,
    RunSettings,
    Shocks,
    ShortCycle,
    Status,
    Survey,
    _Group,
)
from pushpull_sim.scenario.programme import Programme, Pull
from pushpull_sim.scenario.strategy import Strategy


class Scenario(_Group):
    """A complete scenario.

    Attributes:
        name: Short name, used in run directory names.
        description: Free text.
        run, population, livelihood, enterprise, short_cycle, behaviour, shocks, network,
        poverty, graduation, status, programme, pull, strategy, rct, survey, evaluation,
        output: Parameter groups (see each class).

    Raises:
        pydantic.ValidationError: On construction from Python with bad values; use
            :func:`load_scenario` / :func:`scenario_from_dict` for one-line errors.
    """

    name: str = Field("scenario", min_length=1, max_length=80, pattern=r"^[A-Za-z0-9_.-]+$")
    description: str = ""
    run: RunSettings = RunSettings()
    population: Population = Population()
    livelihood: Livelihood = Livelihood()
    enterprise: Enterprise = Enterprise()
    short_cycle: ShortCycle = ShortCycle()
    behaviour: Behaviour = Behaviour()
    shocks: Shocks = Shocks()
    network: Network = Network()
    poverty: Poverty = Poverty()
    graduation: Graduation = Graduation()
    status: Status = Status()
    programme: Programme = Programme()
    pull: Pull = Pull()
    strategy: Strategy = Strategy()
    rct: RCT = RCT()
    survey: Survey = Survey()
    evaluation: Evaluation = Evaluation()
    output: Output = Output()

    @model_validator(mode="after")
    def _consistent(self) -> Scenario:
        p = self.population
        if p.villages > p.households:
            raise PydanticCustomError(
                "across_groups",
                "population.villages = {v}: must be <= population.households ({h})",
                {"v": p.villages, "h": p.households},
            )
        prog = self.programme
        for where, family, items in (
            ("programme.interventions", "intervention", prog.interventions),
            ("pull.actors", "pull_actor", self.pull.actors),
        ):
            for i, params in enumerate(items):
                problem = registry(family)[params.type].check_scenario(params, self)
                if problem:
                    raise PydanticCustomError(
                        "across_groups",
                        "{where}[{i}]: {msg}",
                        {"where": where, "i": i, "msg": problem},
                    )
        for i, actor in enumerate(self.pull.actors):
            if actor.count > p.villages:
                raise PydanticCustomError(
                    "across_groups",
                    "pull.actors[{i}].count = {c}: must be <= population.villages ({v}); "
                    "each actor serves at least one village",
                    {"i": i, "c": actor.count, "v": p.villages},
                )
        levers = self.levers
        window = prog.end_month - prog.start_month
        if levers["transition"] == "fixed" and levers["switch_month"] > window:
            raise PydanticCustomError(
                "across_groups",
                "strategy.switch_month = {s}: must be <= the programme window ({w} months)",
                {"s": levers["switch_month"], "w": window},
            )
        if prog.budget_usd_ppp is not None:
            left = push_budget_of(prog.budget_usd_ppp, prog.fixed_cost_usd_ppp, window, levers)
            if left < 0:
                raise PydanticCustomError(
                    "across_groups",
                    "programme.budget_usd_ppp = {b}: must cover the pull share, the "
                    "integration lead and the fixed cost (short by {s})",
                    {"b": prog.budget_usd_ppp, "s": f"{-left:,.0f}"},
                )
        regions = -(-p.villages // p.villages_per_region)
        for i, event in enumerate(self.shocks.scheduled):
            at = f"shocks.scheduled[{i}]"
            if event.month > self.run.months:
                raise PydanticCustomError(
                    "across_groups",
                    "{at}.month = {m}: must be <= run.months ({h}); it would never strike",
                    {"at": at, "m": event.month, "h": self.run.months},
                )
            for key, count, unit in (
                ("regions", regions, "regions"),
                ("villages", p.villages, "villages"),
            ):
                ids = getattr(event, key, None)
                bad = [x for x in (ids or []) if not 0 <= x < count]
                if bad:
                    raise PydanticCustomError(
                        "across_groups",
                        "{at}.{key} = {ids}: ids must be 0 to {last} (the scenario has {n} {u})",
                        {
                            "at": at,
                            "key": key,
                            "ids": ids,
                            "last": count - 1,
                            "n": count,
                            "u": unit,
                        },
                    )
        if self.network.mean_degree >= p.households // p.villages:
            raise PydanticCustomError(
                "across_groups",
                "network.mean_degree = {d}: must be < households per village ({n})",
                {"d": self.network.mean_degree, "n": p.households // p.villages},
            )
        return self

    @property
    def levers(self) -> dict[str, Any]:
        """The strategy's resolved lever values (see :meth:`Strategy.resolved`); an unset
        ``switch_month`` is half the programme window (at least 1)."""
        values = self.strategy.resolved()
        if values["switch_month"] is None:
            window = self.programme.end_month - self.programme.start_month
            values["switch_month"] = max(window // 2, 1)
        return values

    def with_overrides(self, **groups: dict[str, Any]) -> Scenario:
        """Return a copy with some parameters replaced (a variant = base + small update).

        Args:
            **groups: ``group_name={"param": value, ...}``, or ``name=...``.

        Returns:
            Scenario: A new, validated scenario.

        Raises:
            ScenarioError: If the result is invalid.
        """
        data = self.to_dict()
        for group, values in groups.items():
            if isinstance(values, dict) and isinstance(data.get(group), dict):
                data[group].update(values)
            else:
                data[group] = values
        from pushpull_sim.scenario.io import scenario_from_dict

        return scenario_from_dict(data, source="<overrides>")

    def to_dict(self) -> dict[str, Any]:
        """Return the scenario as plain data (TOML-ready; unset optional values omitted)."""
        return self.model_dump(mode="json", exclude_none=True)
