"""Psychosocial support: life-skills group sessions that build participants' confidence.

Bossuroy et al. (2022, Nature 605: 291-297) evaluated, in Niger, a graduation package for
extremely poor women with and without psychosocial components (group life-skills
training and a community sensitisation); the arms with the psychosocial components were
the most cost-effective. Sessions are run for groups, so their cost falls per
participant as groups fill, unlike coaching visits paid per household.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np
from pydantic import Field

from pushpull_sim.interventions.base import Intervention, InterventionParams
from pushpull_sim.units import MAX_VALUE

if TYPE_CHECKING:  # pragma: no cover
    from pushpull_sim.model import GraduationModel


class PsychosocialGroupParams(InterventionParams):
    """Life-skills group sessions."""

    type: Literal["psychosocial_group"] = "psychosocial_group"
    duration_months: int = Field(
        3,
        ge=1,
        le=1200,
        description="Months over which sessions are held. Assumption: a short curriculum of "
        "weekly sessions, as in the psychosocial package of Bossuroy et al. 2022.",
    )
    every_months: int = Field(
        1, ge=1, le=120, description="Months between sessions (one a month). Assumption."
    )
    group_size: int = Field(
        20,
        ge=1,
        le=1000,
        description="Participants per group; each village's participants form as few groups "
        "as this allows. Assumption (about a savings group's size).",
    )
    confidence_gain_per_session: float = Field(
        0.1,
        ge=0,
        le=1,
        description="Share of the gap to full confidence closed by one month's session. "
        "Assumption.",
    )
    cost_per_group_session_usd_ppp: float = Field(
        60.0,
        ge=0,
        le=MAX_VALUE,
        description="Cost of one session for one group (facilitator, venue, materials), "
        "USD PPP. Assumption.",
    )


class PsychosocialGroup(Intervention):
    """Psychosocial support: life-skills group sessions that raise confidence (soft skills,
    0-1) at a cost per group, not per participant.

    Each delivery month the participants still in the push phase meet in groups of at most
    ``group_size`` within their village (``ceil(k / group_size)`` groups for ``k``
    participants); each session raises confidence toward 1 (``confidence +=
    confidence_gain_per_session x (1 - confidence)``) and costs
    ``cost_per_group_session_usd_ppp`` per group. Confidence raises the willingness to
    invest (``behaviour.confidence_investment_effect``) and, where those components run,
    to join a savings group and to approach buyers and lenders; after the sessions it
    drifts back toward an anchor that mixes the baseline with the neighbours' confidence
    (the model's status stage), as coaching's gains do. The budget plans full groups.
    """

    kind = "psychosocial_group"
    Params = PsychosocialGroupParams

    def deliver(self, model: GraduationModel, ids: np.ndarray) -> None:
        p = self.params
        confidence = model.hh.confidence
        confidence[ids] += p.confidence_gain_per_session * (1.0 - confidence[ids])
        per_village = np.bincount(model.hh.village[ids])
        groups = int(np.sum(-(-per_village // p.group_size)))
        self.households_reached = max(self.households_reached, int(ids.size))
        self.charge(model, groups * p.cost_per_group_session_usd_ppp)

    def unit_cost_per_household(self) -> float:
        p = self.params
        return self.deliveries() * p.cost_per_group_session_usd_ppp / p.group_size
