"""Skills: technical training, market-readiness training and coaching/mentoring."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np
from pydantic import Field

from pushpull_sim.interventions.base import Intervention, InterventionParams
from pushpull_sim.units import MAX_VALUE

if TYPE_CHECKING:  # pragma: no cover
    from pushpull_sim.model import GraduationModel


class _Sessions(Intervention):
    """Sessions or visits that each raise a household state (0-1) toward 1, with
    diminishing returns (``state += gain * (1 - state)``), at a cost per participant.

    Subclasses name the household array (``state``) and their gain and cost parameters.
    """

    state: str = ""
    gain_param: str = ""
    cost_param: str = ""

    def deliver(self, model: GraduationModel, ids: np.ndarray) -> None:
        values = getattr(model.hh, self.state)
        values[ids] += getattr(self.params, self.gain_param) * (1.0 - values[ids])
        self.households_reached = max(self.households_reached, int(ids.size))
        self.charge(model, ids.size * self.unit_cost_per_delivery())

    def unit_cost_per_delivery(self) -> float:
        """Cost per participant per session or visit, USD PPP."""
        return float(getattr(self.params, self.cost_param))

    def unit_cost_per_household(self) -> float:
        return self.deliveries() * self.unit_cost_per_delivery()


class TechnicalTrainingParams(InterventionParams):
    """Technical training in the household's activity (animal husbandry, bookkeeping)."""

    type: Literal["technical_training"] = "technical_training"
    duration_months: int = Field(
        6, ge=1, le=1200, description="Months over which sessions are held. Assumption."
    )
    every_months: int = Field(1, ge=1, le=120, description="Months between sessions. Assumption.")
    skill_gain_per_session: float = Field(
        0.15,
        ge=0,
        le=1,
        description="Share of the gap to full skill closed by one session. Assumption.",
    )
    cost_per_session_usd_ppp: float = Field(
        20.0, ge=0, le=MAX_VALUE, description="Cost per participant per session. Assumption."
    )


class TechnicalTraining(_Sessions):
    """Technical training: each session raises technical skill (0-1) toward 1.

    Skill raises own production (``livelihood.skill_productivity_gain``) and lowers
    livestock mortality (``shocks.skill_mortality_reduction``); it does not decay.
    """

    kind = "technical_training"
    Params = TechnicalTrainingParams
    state = "skill"
    gain_param = "skill_gain_per_session"
    cost_param = "cost_per_session_usd_ppp"


class MarketTrainingParams(InterventionParams):
    """Market-readiness training (grading, standards, what buyers ask for)."""

    type: Literal["market_training"] = "market_training"
    duration_months: int = Field(
        3, ge=1, le=1200, description="Months over which sessions are held. Assumption."
    )
    every_months: int = Field(1, ge=1, le=120, description="Months between sessions. Assumption.")
    quality_gain_per_session: float = Field(
        0.2,
        ge=0,
        le=1,
        description="Share of the gap to full quality closed by one session. Assumption.",
    )
    cost_per_session_usd_ppp: float = Field(
        15.0, ge=0, le=MAX_VALUE, description="Cost per participant per session. Assumption."
    )


class MarketTraining(_Sessions):
    """Market-readiness training: raises the share of output meeting buyers' standards
    (``hh.quality``, 0-1). Only buyers (pull actors) read it: without them in the scenario
    it costs money and changes nothing else."""

    kind = "market_training"
    Params = MarketTrainingParams
    state = "quality"
    gain_param = "quality_gain_per_session"
    cost_param = "cost_per_session_usd_ppp"


class CoachingParams(InterventionParams):
    """Coaching / mentoring: regular home visits."""

    type: Literal["coaching"] = "coaching"
    duration_months: int = Field(
        24,
        ge=1,
        le=1200,
        description="Months of coaching. Source: graduation programmes coach for 18-36 "
        "months (Banerjee et al. 2015).",
    )
    every_months: int = Field(
        1, ge=1, le=120, description="Months between visits (weekly to monthly). Assumption."
    )
    confidence_gain_per_visit: float = Field(
        0.08,
        ge=0,
        le=1,
        description="Share of the gap to full confidence closed by one visit. Assumption.",
    )
    cost_per_visit_usd_ppp: float = Field(
        12.0, ge=0, le=MAX_VALUE, description="Cost per participant per visit. Assumption."
    )


class Coaching(_Sessions):
    """Coaching: visits raise confidence (soft skills, 0-1).

    Confidence raises the willingness to invest (``behaviour.confidence_investment_effect``)
    and, where those components are present, to join a savings group and to approach
    buyers and lenders. After coaching ends it drifts back toward an anchor that mixes the
    baseline with the neighbours' confidence, so it fades unless peers hold it up (the
    model's status stage).
    """

    kind = "coaching"
    Params = CoachingParams
    state = "confidence"
    gain_param = "confidence_gain_per_visit"
    cost_param = "cost_per_visit_usd_ppp"
