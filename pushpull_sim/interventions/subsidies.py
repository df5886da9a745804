"""Input vouchers: subsidised inputs, and the reference-price distortion they can leave.

The LEO call (2014) warns that a badly designed subsidy gives the poor "a distorted view
of the cost of agricultural inputs". In the model each household's reference price
drifts toward the price it pays (``livelihood.reference_price_adjustment``), and it buys
fewer inputs when the price paid exceeds its reference price
(``livelihood.input_price_elasticity``). A voucher that stops abruptly leaves reference
prices below the commercial price; one that tapers lets them climb back first.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from pydantic import Field, model_validator

from pushpull_sim.interventions.base import Intervention, InterventionParams
from pushpull_sim.units import MAX_VALUE

if TYPE_CHECKING:  # pragma: no cover
    from pushpull_sim.model import GraduationModel


class InputSubsidyParams(InterventionParams):
    """Input voucher parameters."""

    type: Literal["input_subsidy"] = "input_subsidy"
    duration_months: int = Field(
        12, ge=1, le=1200, description="Months the voucher is offered. Assumption."
    )
    discount: float = Field(
        0.5,
        ge=0,
        lt=1,
        description="Share of the commercial input price the voucher pays. Assumption "
        "(input subsidy programmes commonly pay 50-90 %).",
    )
    taper_months: int = Field(
        0,
        ge=0,
        le=1200,
        description="Final months over which the discount falls linearly to zero "
        "(0 = stops abruptly). Assumption.",
    )
    delivery_cost_usd_ppp: float = Field(
        2.0, ge=0, le=MAX_VALUE, description="Cost per voucher per month. Assumption."
    )
    expected_input_bill_usd_ppp: float = Field(
        15.0,
        ge=0,
        le=MAX_VALUE,
        description="Expected monthly input bill of a participant, used only to plan the "
        "budget (actual cost is the value of vouchers used). Assumption.",
    )

    @model_validator(mode="after")
    def _taper_within(self) -> InputSubsidyParams:
        if self.taper_months > self.duration_months:
            raise ValueError(
                f"taper_months = {self.taper_months}: must be <= duration_months "
                f"({self.duration_months})"
            )
        return self


class InputSubsidy(Intervention):
    """Input voucher: a discount on inputs for participants, optionally tapered.

    Each delivery month sets ``hh.input_discount`` for the served households; the
    production stage turns it into a lower price paid, an in-kind transfer, and a
    reference price pulled toward the subsidised price. The programme is charged the value
    of the vouchers actually used plus a delivery cost.
    """

    unique = True
    kind = "input_subsidy"
    Params = InputSubsidyParams

    @classmethod
    def apply_levers(
        cls,
        params: InputSubsidyParams,
        levers: Mapping[str, Any],
        *,
        budget_usd_ppp: float | None,
        peers: int,
    ) -> dict[str, Any]:
        """``subsidy_taper_months`` replaces the taper (capped at the duration)."""
        taper = levers["subsidy_taper_months"]
        if taper is None:
            return {}
        return {"taper_months": min(taper, params.duration_months)}

    def discount_at(self, offset: int) -> float:
        """Discount in the delivery month ``offset`` (0 = first), after any taper."""
        p = self.params
        remaining = p.duration_months - offset  # months left including this one
        if p.taper_months and remaining <= p.taper_months:
            return p.discount * (remaining - 1) / p.taper_months
        return p.discount

    def deliver(self, model: GraduationModel, ids: np.ndarray) -> None:
        offset = model.programme_month - self.params.start_month
        rate = self.discount_at(offset)
        if rate <= 0.0:  # the taper's last month: no voucher, no delivery cost
            return
        model.hh.input_discount[ids] = rate
        self._served = ids
        self.households_reached = max(self.households_reached, int(ids.size))
        self.charge(model, ids.size * self.params.delivery_cost_usd_ppp)

    def after_consumption(self, model: GraduationModel) -> None:
        ids = getattr(self, "_served", None)
        if ids is not None:
            self.charge(model, float(model.hh.input_subsidy[ids].sum()))
            self._served = None

    def unit_cost_per_household(self) -> float:
        p = self.params
        months = self.deliveries()
        mean_rate = float(np.mean([self.discount_at(k) for k in range(p.duration_months)]))
        return months * (p.delivery_cost_usd_ppp + mean_rate * p.expected_input_bill_usd_ppp)
