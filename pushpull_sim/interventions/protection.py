"""Linkage to health services and social protection."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np
from pydantic import Field

from pushpull_sim.components import State
from pushpull_sim.interventions.base import Intervention, InterventionParams
from pushpull_sim.units import MAX_VALUE

if TYPE_CHECKING:  # pragma: no cover
    from pushpull_sim.model import GraduationModel


class HealthLinkageParams(InterventionParams):
    """Enrolment in a health scheme and/or a social-protection scheme."""

    type: Literal["health_linkage"] = "health_linkage"
    duration_months: int = Field(
        1200,
        ge=1,
        le=1200,
        description="Months the programme pays premiums, from enrolment (capped at the "
        "programme window). Assumption: the whole window.",
    )
    every_months: int = Field(
        1, ge=1, le=120, description="Months between premium payments. Assumption."
    )
    health_cover: float = Field(
        0.6,
        ge=0,
        le=1,
        description="Share of illness costs the linked health scheme pays. Assumption.",
    )
    bad_month_payment_usd_ppp: float = Field(
        0.0,
        ge=0,
        le=MAX_VALUE,
        description="Social-protection payment in a bad month (illness, or drought in the "
        "region); 0 = health linkage only. Assumption.",
    )
    lasts_after_project: bool = Field(
        True,
        description="Whether enrolment outlives the project (a public scheme). Assumption.",
    )
    enrolment_cost_usd_ppp: float = Field(
        25.0, ge=0, le=MAX_VALUE, description="One-off linkage cost per household. Assumption."
    )
    premium_usd_ppp_per_month: float = Field(
        2.0,
        ge=0,
        le=MAX_VALUE,
        description="Premium the programme pays per enrolled household per month during the "
        "project. Assumption.",
    )


class HealthLinkage(Intervention):
    """Health and social-protection linkage.

    At its start month it enrols the served households (premiums are then paid every
    ``every_months`` for ``duration_months`` months, within the window):
    ``hh.health_cover`` lowers the cost of illness shocks (the shocks stage), and, if
    ``bad_month_payment_usd_ppp`` is set, ``hh.social_protection`` makes them receive
    that payment in months when they are ill or their region is in drought. The
    programme pays the enrolment and the premiums during the project; the scheme's
    payments are public transfers, not programme cost. When the project ends,
    enrolment lapses unless ``lasts_after_project``.
    """

    unique = True
    kind = "health_linkage"
    Params = HealthLinkageParams
    states = {
        "health_cover": State(
            np.float64, 0.0, "share 0-1", "share of illness costs a linked health scheme pays"
        ),
        "social_protection": State(
            bool, False, "bool", "enrolled in a scheme that pays in bad months (illness, drought)"
        ),
    }

    def __init__(self, params: HealthLinkageParams, model: GraduationModel) -> None:
        super().__init__(params, model)
        self.enrolled = np.zeros(0, np.int64)
        self.payments_usd_ppp = 0.0

    def deliver(self, model: GraduationModel, ids: np.ndarray) -> None:
        p = self.params
        hh = model.hh
        if self.enrolled.size == 0:  # first delivery: enrol
            self.enrolled = ids.copy()
            hh.health_cover[ids] = np.maximum(hh.health_cover[ids], p.health_cover)
            hh.social_protection[ids] = p.bad_month_payment_usd_ppp > 0
            self.households_reached = int(ids.size)
            self.charge(model, ids.size * p.enrolment_cost_usd_ppp)

    def step(self, model: GraduationModel) -> None:
        super().step(model)
        p, hh = self.params, model.hh
        ids = self.enrolled
        if ids.size == 0:
            return
        if not model.programme_active and not p.lasts_after_project:
            hh.health_cover[ids] = 0.0
            hh.social_protection[ids] = False
            self.enrolled = np.zeros(0, np.int64)
            return
        if model.programme_active and p.premium_usd_ppp_per_month:
            offset = model.programme_month - p.start_month
            if 0 <= offset < p.duration_months and offset % p.every_months == 0:
                self.charge(model, ids.size * p.premium_usd_ppp_per_month * p.every_months)
        if p.bad_month_payment_usd_ppp:
            drought = model.drought_months_left[hh.region[ids]] > 0
            bad = ids[hh.social_protection[ids] & (hh.ill[ids] | drought)]
            hh.transfer_cash[bad] += p.bad_month_payment_usd_ppp
            self.payments_usd_ppp += bad.size * p.bad_month_payment_usd_ppp

    def is_delivery_month(self, programme_month: int) -> bool:
        return programme_month == self.params.start_month

    def unit_cost_per_household(self) -> float:
        """Enrolment plus the premiums the schedule pays inside the window, USD PPP."""
        p = self.params
        payments = self.deliveries()  # premium payments inside the window
        if payments == 0:  # enrolment falls outside the window
            return 0.0
        return p.enrolment_cost_usd_ppp + payments * p.premium_usd_ppp_per_month * p.every_months
