"""Transfers: productive assets (livestock or a small enterprise), consumption support and
unconditional cash."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np
from pydantic import Field

from pushpull_sim.events import EventBatch, EventKind
from pushpull_sim.households import ASSET_KINDS, LIVESTOCK
from pushpull_sim.interventions.base import Intervention, InterventionParams
from pushpull_sim.units import MAX_VALUE

if TYPE_CHECKING:  # pragma: no cover
    from pushpull_sim.model import GraduationModel


class AssetTransferParams(InterventionParams):
    """Parameters of the productive asset transfer (in kind, once)."""

    type: Literal["asset_transfer"] = "asset_transfer"
    asset_type: Literal["livestock", "enterprise", "short_cycle"] = Field(
        "livestock",
        description="Kind of asset: livestock (the livelihood and shocks tables), a small "
        "enterprise (the enterprise table) or a less risky short-cycle product (the "
        "short_cycle table), each with its own return, losses and threshold. Source for "
        "the default: 91 % of BRAC TUP participants chose a bundle with a cow (Bandiera "
        "et al. 2017).",
    )
    value_usd_ppp: float = Field(
        800.0,
        ge=0,
        le=MAX_VALUE,
        description="Value of the asset bundle, USD PPP. Source: Bandiera et al. 2017, about "
        "USD 560 in 2007 PPP, scaled by US CPI 2007->2021 (x1.43, assumption).",
    )
    delivery_cost_usd_ppp: float = Field(
        150.0,
        ge=0,
        le=MAX_VALUE,
        description="Procurement and delivery cost per household, USD PPP. Assumption.",
    )


class AssetTransfer(Intervention):
    """Productive asset transfer: a one-off, in-kind addition to productive assets.

    The value enters the household's ``assets`` and is booked as an in-kind transfer, so
    household accounts balance. With ``asset_type = "enterprise"`` the household's main
    activity becomes a small enterprise (its productive assets are then valued, and
    produce, as one enterprise stock); likewise for the short-cycle product. Cost per
    household = value + delivery cost.
    """

    kind = "asset_transfer"
    Params = AssetTransferParams
    event_kinds = {
        "asset_transfer": EventKind(
            4,
            "programme",
            "asset transfer",
            "received an asset transfer worth USD {value:,.0f} ({detail})",
            "USD PPP",
            "The programme transferred productive assets to the household this month (in "
            "kind); the value is their worth.",
            ("livestock", "a small enterprise", "a short-cycle product"),
        )
    }

    def events(self, model: GraduationModel):
        ids = self.delivered_this_month(model)
        kind = ASSET_KINDS.index(self.params.asset_type)
        return [EventBatch("asset_transfer", ids, self.params.value_usd_ppp, kind)]

    def deliver(self, model: GraduationModel, ids: np.ndarray) -> None:
        value = self.params.value_usd_ppp
        asset_kind = ASSET_KINDS.index(self.params.asset_type)
        if asset_kind != LIVESTOCK:
            model.set_asset_kind(ids, asset_kind)
        model.hh.assets[ids] += value
        model.hh.transfer_in_kind[ids] += value
        self.households_reached = max(self.households_reached, int(ids.size))
        self.charge(model, ids.size * (value + self.params.delivery_cost_usd_ppp))

    def unit_cost_per_household(self) -> float:
        return self.deliveries() * (self.params.value_usd_ppp + self.params.delivery_cost_usd_ppp)


class ConsumptionSupportParams(InterventionParams):
    """Parameters of monthly consumption support (cash)."""

    type: Literal["consumption_support"] = "consumption_support"
    duration_months: int = Field(
        9,
        ge=1,
        le=1200,
        description="Months of support. Source: Bandiera et al. 2017, about 40 weeks.",
    )
    amount_usd_ppp_per_month: float = Field(
        40.0, ge=0, le=MAX_VALUE, description="Cash paid per month, USD PPP. Assumption."
    )
    delivery_cost_usd_ppp: float = Field(
        3.0, ge=0, le=MAX_VALUE, description="Delivery cost per payment, USD PPP. Assumption."
    )


class ConsumptionSupport(Intervention):
    """Monthly consumption support: cash paid to participants for a set number of months."""

    kind = "consumption_support"
    Params = ConsumptionSupportParams
    event_kinds = {
        "consumption_support": EventKind(
            4,
            "programme",
            "consumption support",
            "received consumption support of USD {value:,.0f}",
            "USD PPP",
            "The programme paid the household its monthly consumption support (cash).",
        )
    }

    def events(self, model: GraduationModel):
        ids = self.delivered_this_month(model)
        return [EventBatch("consumption_support", ids, self.params.amount_usd_ppp_per_month)]

    def deliver(self, model: GraduationModel, ids: np.ndarray) -> None:
        amount = self.params.amount_usd_ppp_per_month
        model.hh.transfer_cash[ids] += amount
        self.households_reached = max(self.households_reached, int(ids.size))
        self.charge(model, ids.size * (amount + self.params.delivery_cost_usd_ppp))

    def unit_cost_per_household(self) -> float:
        p = self.params
        return self.deliveries() * (p.amount_usd_ppp_per_month + p.delivery_cost_usd_ppp)


class CashTransferParams(InterventionParams):
    """Parameters of an unconditional cash transfer."""

    type: Literal["cash_transfer"] = "cash_transfer"
    amount_usd_ppp: float = Field(
        500.0,
        ge=0,
        le=MAX_VALUE,
        description="Cash paid per delivery, USD PPP. Assumption (lump-sum transfers of "
        "this order, e.g. GiveDirectly in Kenya, about USD 1,000 nominal).",
    )
    delivery_cost_usd_ppp: float = Field(
        10.0, ge=0, le=MAX_VALUE, description="Delivery cost per payment, USD PPP. Assumption."
    )


class CashTransfer(Intervention):
    """Unconditional cash: a lump sum (or a series, by the schedule), spent or invested by
    the household's own rules."""

    kind = "cash_transfer"
    Params = CashTransferParams
    event_kinds = {
        "cash_transfer": EventKind(
            4,
            "programme",
            "cash transfer",
            "received a cash transfer of USD {value:,.0f}",
            "USD PPP",
            "The programme paid the household an unconditional cash transfer.",
        )
    }

    def events(self, model: GraduationModel):
        ids = self.delivered_this_month(model)
        return [EventBatch("cash_transfer", ids, self.params.amount_usd_ppp)]

    def deliver(self, model: GraduationModel, ids: np.ndarray) -> None:
        amount = self.params.amount_usd_ppp
        model.hh.transfer_cash[ids] += amount
        self.households_reached = max(self.households_reached, int(ids.size))
        self.charge(model, ids.size * (amount + self.params.delivery_cost_usd_ppp))

    def unit_cost_per_household(self) -> float:
        return self.deliveries() * (self.params.amount_usd_ppp + self.params.delivery_cost_usd_ppp)
