"""Commercial buyers: traders or processors that source from small producers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from pydantic import Field

from pushpull_sim.components import Reporter, State
from pushpull_sim.kernels import pull as kernels
from pushpull_sim.pull.base import PullActor, PullActorParams, SupportOffer
from pushpull_sim.units import MAX_VALUE

if TYPE_CHECKING:  # pragma: no cover
    from pushpull_sim.model import GraduationModel


class BuyerParams(PullActorParams):
    """Parameters of a commercial buyer."""

    type: Literal["buyer"] = "buyer"
    price_premium: float = Field(
        0.15,
        ge=0,
        le=5,
        description="Price paid over the local spot price for output meeting the standard, "
        "share of spot value. Source: contract-farming and fair-trade premiums commonly "
        "5-20 % (Bellemare & Bloem 2018 review); value an Assumption.",
    )
    resale_margin: float = Field(
        0.30,
        ge=0,
        le=10,
        description="Resale price over the local spot price, share of spot value; gross margin "
        "per USD bought is resale_margin - price_premium. Assumption.",
    )
    sell_share: float = Field(
        0.8,
        ge=0,
        le=1,
        description="Share of its qualifying output a supplier sells to the buyer (the rest is "
        "eaten or sold locally), 0-1. Assumption.",
    )
    min_volume_usd_ppp: float = Field(
        10.0,
        ge=0,
        le=MAX_VALUE,
        description="Minimum expected monthly purchase per relationship, USD PPP at spot "
        "value; a savings group's members pool their volumes and the minimum applies to the "
        "group (collective marketing). Assumption.",
    )
    relationship_cost_usd_ppp: float = Field(
        2.0,
        ge=0,
        le=MAX_VALUE,
        description="Cost per supplier relationship per month (visits, collection, records), "
        "USD PPP; a savings group that markets together is one relationship. Assumption.",
    )
    max_suppliers: int = Field(
        100,
        ge=0,
        le=10_000_000,
        description="Sourcing target: most supplier households per buyer per month. Assumption.",
    )
    entry_margin: float = Field(
        0.0,
        ge=0,
        le=10,
        description="Entry: when a buyer's profit over the last entry_window_months exceeds "
        "this share of its revenue, a new buyer enters the same villages (0 = no entry). "
        "Assumption.",
    )
    entry_window_months: int = Field(
        12,
        ge=1,
        le=1200,
        description="Months of books a potential entrant looks at (entry_margin). "
        "Assumption: a year.",
    )
    max_buyers_per_area: int = Field(
        3,
        ge=1,
        le=1000,
        description="Most buyers active in the same villages (entry stops there). Assumption.",
    )
    target_volume_usd_ppp: float = Field(
        MAX_VALUE,
        ge=0,
        le=MAX_VALUE,
        description="Sourcing target: expected monthly purchase the buyer stops adding "
        "suppliers at, USD PPP at spot value (default: no limit). Assumption.",
    )
    kpi_volume_weight: float = Field(
        1.0,
        ge=0,
        le=1,
        description="Weight of expected margin (vs inclusion of the very poor) in supplier "
        "choice, 0-1; 1 = purely commercial. Assumption.",
    )
    inclusion_bonus_usd_ppp: float = Field(
        0.0,
        ge=0,
        le=MAX_VALUE,
        description="Value the buyer puts on sourcing from a very poor (programme-eligible) "
        "household, USD PPP per supplier per month, weighted by 1 - kpi_volume_weight "
        "(e.g. a sourcing KPI). Assumption: none.",
    )


def marketing_group(model: GraduationModel, ids: np.ndarray) -> np.ndarray:
    """The group each household markets with (-1 = alone), int array, shape ``(k,)``.

    A savings group markets together; linked households outside one (``hh.linked``, the
    programme's linkage activities) form one producer group per village, numbered after
    the savings groups.

    Args:
        model: The model.
        ids: Household ids, shape ``(k,)``.
    """
    hh = model.hh
    group = hh.savings_group[ids]
    if hh.linked.any():
        alone = (group < 0) & hh.linked[ids]
        offset = max(int(hh.savings_group.max()) + 1, 0)
        group = np.where(alone, offset + hh.village[ids], group)
    return group


class Buyer(PullActor):
    """A buyer (trader, processor) that buys the output meeting its quality standard.

    **Decide** (after push): every household of its villages not linked to another buyer
    is a candidate. Expected volume = expected gross output at full input use from the
    household's current assets (``own_production(assets, model.tech)`` x ability x skill
    gain / (1 - input share), i.e. before drought, illness and input rationing) x
    ``hh.quality`` x ``sell_share``. A candidate qualifies when its volume reaches
    ``min_volume_usd_ppp``, or, for a member of a savings group, when the group's pooled
    volume (members in the footprint) does; a group is one relationship, so its members
    share the relationship cost. Score = ``w x (volume x (resale_margin - premium) -
    relationship cost share) + (1 - w) x inclusion_bonus x eligible + risk_share x
    eligible`` (eligible = ``model.pull_list``, the very poor). The best-scoring qualifying
    candidates with score > 0 are kept up to ``max_suppliers`` and
    ``target_volume_usd_ppp``; they get ``hh.buyer = unique_id``, households dropped get
    -1 (only this buyer's links are touched). So a purely commercial buyer favours larger,
    less poor producers unless the levers change it.

    ``support`` (dict, default empty) is set by a facilitating pull implementer; keys
    read: ``"risk_share_usd_ppp"`` (USD PPP paid to the buyer per very poor supplier per
    month, default 0) and ``"kpi_volume_weight"`` (overrides the buyer's own weight).

    **After production**: for each supplier, sold = (income_own + input_cost) / (1 -
    ``livelihood.local_price_discount``) x quality x sell_share (gross output at spot
    value); ``hh.income_own -= sold x (1 - discount)`` (its village value) and
    ``hh.income_sales += sold x (1 + premium) x (1 - hh.transaction_cost)``: the spot price
    over the village price and the premium are gains, the transaction cost of reaching the
    buyer a loss, all earned income. The buyer pays
    ``sold x (1 + premium)`` on delivery.

    **Settle**: revenue = resale value ``sold x (1 + resale_margin)`` + risk-share support
    received; cost = payments + relationship costs (+ operating cost, added by the base).

    Attributes (per household, shape ``(n,)``): ``paid_total`` (USD PPP this buyer paid
    each household), ``haircut_total`` (the transaction cost of those sales, USD PPP),
    ``ever_supplied`` (bool).
    """

    kind = "buyer"
    Params = BuyerParams
    states = {"buyer": State(np.int32, -1, "actor id (-1 = none)", "the buyer it supplies")}
    reporters = {
        "market_participation": Reporter(
            lambda h: h.income_sales > 0,
            "share",
            "share of households selling to a buyer this month",
            after="savings_group_share",
        ),
        "market_participation_extreme_poor": Reporter(
            lambda h: (h.income_sales > 0) & h.extreme_poor,
            "share",
            "share of extreme-poor households selling to a buyer",
            denominator=lambda h: h.extreme_poor,
        ),
        "market_participation_others": Reporter(
            lambda h: (h.income_sales > 0) & ~h.extreme_poor,
            "share",
            "share of the other households selling to a buyer",
            denominator=lambda h: ~h.extreme_poor,
        ),
    }

    def __init__(self, model: GraduationModel, params: BuyerParams, villages: np.ndarray):
        super().__init__(model, params, villages)
        n = model.hh.n
        self._revenues: list[float] = []
        self.paid_total = np.zeros(n)
        self.haircut_total = np.zeros(n)
        self.ever_supplied = np.zeros(n, bool)
        self._suppliers = np.zeros(0, np.int64)
        self._bought = 0.0
        self._paid = 0.0

    def support_terms(
        self, model: GraduationModel, offer: SupportOffer
    ) -> tuple[dict[str, Any], float]:
        """Risk sharing, paid per very poor supplier the buyer actually has (links as they
        stand at decision time: only real inclusion is paid), and the project's KPI
        weight: ``{"risk_share_usd_ppp": y, "kpi_volume_weight": w}``."""
        hh = model.hh
        fp = self.footprint_ids()  # a buyer's suppliers are in its footprint
        poor_suppliers = kernels.buyer_support_terms(fp, hh.buyer, model.pull_list, self.unique_id)
        pay = offer.risk_share_usd_ppp * poor_suppliers
        terms = {
            "risk_share_usd_ppp": offer.risk_share_usd_ppp,
            "kpi_volume_weight": offer.kpi_volume_weight,
        }
        return terms, pay

    def accept_support(self, terms: dict[str, Any], scale: float, paid_usd_ppp: float) -> None:
        """The risk-sharing rate is scaled down with the payment."""
        scaled = {**terms, "risk_share_usd_ppp": terms["risk_share_usd_ppp"] * scale}
        super().accept_support(scaled, scale, paid_usd_ppp)

    def expected_volume(self, model: GraduationModel, ids: np.ndarray | None = None) -> np.ndarray:
        """Expected monthly purchase, USD PPP at spot value.

        Args:
            model: The model.
            ids: Households to evaluate, shape ``(k,)`` (default: everyone).

        Returns:
            numpy.ndarray: Shape ``(k,)``, or ``(n,)`` by default; the same value for a
            household either way (compiled: :func:`pushpull_sim.kernels.pull.expected_volume`).
        """
        sel = np.arange(model.hh.n) if ids is None else np.asarray(ids, np.int64)
        return kernels.expected_volume(sel, *self._volume_args(model))

    def _volume_args(self, model: GraduationModel) -> tuple:
        """The arguments of :func:`pushpull_sim.kernels.pull.expected_volume` after the
        households: their arrays, the technology, the skill gain and the sell share."""
        hh, tech = model.hh, model.tech
        return (
            hh.assets,
            hh.ability,
            hh.skill,
            hh.quality,
            tech.asset_threshold_usd_ppp,
            tech.threshold_width_usd_ppp,
            tech.return_low_monthly,
            tech.return_high_monthly,
            tech.asset_saturation_usd_ppp,
            tech.input_share,
            tech.production == "concave",
            float(tech.concave_alpha),
            float(model.params.livelihood.skill_productivity_gain),
            float(self.params.sell_share),
        )

    def decide(self, model: GraduationModel) -> None:
        """Choose this month's suppliers (compiled:
        :func:`pushpull_sim.kernels.pull.buyer_decide_month`, the expected volumes and
        :func:`~pushpull_sim.kernels.pull.buyer_decide`; see the class docstring)."""
        hh, p = model.hh, self.params
        self._bought = self._paid = 0.0
        fp = self.footprint_ids()  # its suppliers are always in its footprint
        if not self.active:
            hh.buyer[fp[hh.buyer[fp] == self.unique_id]] = -1
            self._suppliers = np.zeros(0, np.int64)
            return
        weight = float(self.support.get("kpi_volume_weight", p.kpi_volume_weight))
        self._suppliers = kernels.buyer_decide_month(
            fp,
            *self._volume_args(model),
            hh.buyer,
            hh.savings_group,
            hh.linked,
            hh.village,
            model.pull_list,
            self.ever_supplied,
            int(self.unique_id),
            p.resale_margin - p.price_premium,
            p.relationship_cost_usd_ppp,
            weight,
            p.inclusion_bonus_usd_ppp,
            float(self.support.get("risk_share_usd_ppp", 0.0)),
            p.min_volume_usd_ppp,
            p.max_suppliers,
            p.target_volume_usd_ppp,
        )

    def after_production(self, model: GraduationModel) -> None:
        """Buy from this month's suppliers (compiled:
        :func:`pushpull_sim.kernels.pull.buyer_after_production`; see the class
        docstring)."""
        s = self._suppliers
        if s.size == 0:
            return
        hh, p = model.hh, self.params
        # gross output at its village value, then at the spot (market) price
        sold, paid = kernels.buyer_after_production(
            s,
            hh.income_own,
            hh.input_cost,
            hh.quality,
            hh.transaction_cost,
            hh.income_sales,
            self.paid_total,
            self.haircut_total,
            1.0 - model.params.livelihood.local_price_discount,
            p.sell_share,
            p.price_premium,
        )
        self._bought = float(sold.sum())
        self._paid = float(paid.sum())

    def settle(self, model: GraduationModel) -> None:
        """Book the month's resale, payments and relationships (the counts compiled:
        :func:`pushpull_sim.kernels.pull.buyer_relationships`; see the class docstring)."""
        p, hh = self.params, model.hh
        s = self._suppliers
        risk_share = float(self.support.get("risk_share_usd_ppp", 0.0)) if self.active else 0.0
        # suppliers on the pull list; relationships: one per marketing_group, or alone
        very_poor, relationships = kernels.buyer_relationships(
            s, hh.savings_group, hh.linked, hh.village, model.pull_list
        )
        # support received: what a facilitator actually paid this month, if it says so
        received = float(self.support.get("paid_usd_ppp", risk_share * very_poor))
        if not self.active:
            received = 0.0
        revenue = self._bought * (1.0 + p.resale_margin) + received
        cost = self._paid + relationships * p.relationship_cost_usd_ppp
        self._revenues.append(revenue)
        self.book(
            model,
            revenue,
            cost,
            s,
            volume_usd_ppp=self._bought,
            payments_usd_ppp=self._paid,
            relationships=relationships,
            suppliers_very_poor=very_poor,
            risk_share_usd_ppp=received,
        )
        self._maybe_attract_entrant(model)
        if not self.active and self.exited_month == model.month:  # once, on exit
            model.hh.buyer[model.hh.buyer == self.unique_id] = -1
            self._suppliers = np.zeros(0, np.int64)

    def _maybe_attract_entrant(self, model: GraduationModel) -> None:
        """High margins draw a competitor of its own kind (class) into the same villages (it
        joins next month)."""
        p = self.params
        window = p.entry_window_months
        if not (self.active and p.entry_margin > 0 and len(self._revenues) >= window):
            return
        revenue = sum(self._revenues[-window:])
        profit = sum(self._monthly_profit[-window:])
        if revenue <= 0 or profit / revenue <= p.entry_margin:
            return
        same_area = [
            a
            for a in model.pull_actors + model.pull_entrants
            if isinstance(a, Buyer) and a.active and np.array_equal(a.villages, self.villages)
        ]
        if len(same_area) < p.max_buyers_per_area:
            model.pull_entrants.append(type(self)(model, p, self.villages))  # its own kind
