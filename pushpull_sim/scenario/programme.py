"""The scenario's groups that hold components: the programme (its targeting rule and its
interventions) and the pull side (its actors), validated against the component registry."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from pushpull_sim.components import registry
from pushpull_sim.scenario.errors import component_error, validate_tables
from pushpull_sim.scenario.groups import _Group
from pushpull_sim.targeting import check_options
from pushpull_sim.units import MAX_VALUE
from pushpull_sim.validation import show


def build_components(v: Any, family: str, where: str, noun: str) -> list[BaseModel]:
    """Validate a list of component tables by their ``type``, against the family's
    registry (:func:`pushpull_sim.components.registry`).

    Args:
        v: The list as read (tables, or parameters already validated).
        family: The component family, e.g. ``"intervention"``.
        where: The list's key, e.g. ``"programme.interventions"``.
        noun: What one table is, for messages, e.g. ``"intervention"``.

    Returns:
        list: Each table's validated ``Params``.

    Raises:
        PydanticCustomError: ``component`` errors whose context names the full key path,
            the value and what is allowed (rendered by
            :func:`~pushpull_sim.scenario.errors.format_error`).
    """
    if isinstance(v, list) and not v:  # nothing to validate: the family need not load
        return []
    if not isinstance(v, list):
        raise component_error(where, show(v), f"must be a list of {noun} tables")
    types = {kind: cls.Params for kind, cls in registry(family).items()}
    return validate_tables(v, types, where, noun)


class Programme(_Group):
    """The push implementer: targeting, budget, window and the interventions it delivers."""

    start_month: int = Field(
        0,
        ge=0,
        le=MAX_VALUE,
        description="The programme acts in months start+1..end. Assumption (starts at baseline).",
    )
    end_month: int = Field(
        36,
        ge=0,
        le=MAX_VALUE,
        description="Last month of the project. Assumption: a 3-year project, as in "
        "Banerjee et al. 2015 (24- and 36-month follow-ups).",
    )
    budget_usd_ppp: float | None = Field(
        None,
        ge=0,
        le=MAX_VALUE,
        description="Total push budget, USD PPP (participants served poorest first). "
        "None (omit the key) = no limit. Assumption: no limit by default.",
    )
    fixed_cost_usd_ppp: float = Field(
        0.0,
        ge=0,
        le=MAX_VALUE,
        description="Fixed programme cost (set-up, staff), USD PPP. Assumption.",
    )
    eligible_share: float = Field(
        0.2,
        gt=0,
        le=1,
        description="Share of households the proxy means test declares eligible. Assumption.",
    )
    pmt_noise_sd: float = Field(
        0.35,
        ge=0,
        le=10,
        description="Noise in the proxy means test, SD of the log score. Assumption "
        "(PMTs misclassify many; Brown, Ravallion & van de Walle 2018).",
    )
    targeting: str = Field(
        "pmt",
        description="Targeting rule, the kind of a registered targeting component: pmt "
        "(proxy means test), community (wealth ranking), random or network (through "
        "central households); `pushpull interventions` lists them. Assumption: PMT.",
    )
    targeting_options: dict[str, float | int] = Field(
        default_factory=dict,
        description="Options of the targeting rule (its parameters), e.g. "
        "elite_capture_share (community) or entry_share (network); `pushpull "
        "interventions` lists them. Assumption: none (every option at its default).",
    )
    take_up: float = Field(
        0.95,
        ge=0,
        le=1,
        description="Share of households offered the programme who take it up. Assumption "
        "(Banerjee et al. 2015 report high take-up).",
    )
    interventions: list[Any] = Field(
        default_factory=list, description="Push interventions, each a table with a 'type'."
    )

    @field_validator("targeting")
    @classmethod
    def _known_rule(cls, v: str) -> str:
        rules = registry("targeting")
        if v not in rules:
            raise component_error(
                "programme.targeting",
                show(v),
                "unknown targeting rule; allowed: " + ", ".join(rules),
            )
        return v

    @field_validator("interventions", mode="before")
    @classmethod
    def _build_interventions(cls, v: Any) -> list[Any]:
        return build_components(v, "intervention", "programme.interventions", "intervention")

    @model_validator(mode="after")
    def _targeting_options(self) -> Programme:
        try:
            check_options(self.targeting, self.targeting_options)
        except ValueError as exc:
            raise PydanticCustomError(
                "targeting_options", "targeting_options.{msg}", {"msg": str(exc)}
            ) from None
        return self

    @model_validator(mode="after")
    def _budget_covers_fixed_cost(self) -> Programme:
        if self.budget_usd_ppp is not None and self.fixed_cost_usd_ppp > self.budget_usd_ppp:
            raise PydanticCustomError(
                "fixed_cost",
                "fixed_cost_usd_ppp = {fixed}: must be <= budget_usd_ppp ({budget})",
                {"fixed": self.fixed_cost_usd_ppp, "budget": self.budget_usd_ppp},
            )
        return self

    @model_validator(mode="after")
    def _one_of_each_unique_type(self) -> Programme:
        seen: set[str] = set()
        for i, p in enumerate(self.interventions):
            if p.type in seen and registry("intervention")[p.type].unique:
                raise PydanticCustomError(
                    "unique",
                    "interventions[{i}].type = '{t}': at most one {t} per programme (its "
                    "households' state is shared)",
                    {"i": i, "t": p.type},
                )
            seen.add(p.type)
        return self

    @model_validator(mode="after")
    def _window(self) -> Programme:
        if self.end_month < self.start_month:
            raise PydanticCustomError(
                "window",
                "end_month = {end}: must be >= start_month ({start})",
                {"end": self.end_month, "start": self.start_month},
            )
        return self


class Pull(_Group):
    """Pull actors: commercial buyers, agents and lenders (Mesa agents with their own books)."""

    actors: list[Any] = Field(
        default_factory=list,
        description="Pull actors, each a table with a 'type' (see pushpull_sim.pull). "
        "Assumption: none.",
    )

    @field_validator("actors", mode="before")
    @classmethod
    def _build_actors(cls, v: Any) -> list[Any]:
        return build_components(v, "pull_actor", "pull.actors", "pull actor")
