"""A facilitating pull implementer: a project that crowds in commercial actors for a while.

Unlike the other pull actors it is not commercial: it spends a budget (USD PPP) during a
window on start-up grants to agents, risk-sharing to buyers for their very poor
suppliers, and guarantees to lenders, then withdraws. Its spending is its cost; it never
leaves for losses. Whether the actors it supported stay after it withdraws is the point.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import numpy as np
from pydantic import Field, model_validator

from pushpull_sim.pull.base import PullActor, PullActorParams, SupportOffer
from pushpull_sim.units import MAX_VALUE

if TYPE_CHECKING:  # pragma: no cover
    from pushpull_sim.model import GraduationModel
    from pushpull_sim.scenario import Scenario

#: The project serves no household itself: its books count no clients (empty, so
#: nothing can be written to it; left writeable, as the kernels are compiled for).
_NO_CLIENTS = np.zeros(0, np.int64)


class PullImplementerParams(PullActorParams):
    """Parameters of a facilitating pull implementer."""

    type: Literal["implementer"] = "implementer"
    count: int = Field(
        1,
        ge=0,
        le=1,
        description="Implementers (at most one: it supports every pull actor). Assumption.",
    )
    operating_cost_usd_ppp_per_month: float = Field(
        0.0,
        ge=0,
        le=MAX_VALUE,
        description="The project's own running cost per month, USD PPP, outside the support "
        "budget and booked every month. Assumption: 0 (only support is modelled).",
    )
    exit_after_loss_months: int = Field(
        0,
        ge=0,
        le=0,
        description="A project spends by design and never leaves for losses (always 0). "
        "Assumption.",
    )
    budget_usd_ppp: float = Field(
        50_000.0,
        ge=0,
        le=MAX_VALUE,
        description="Total support budget, USD PPP; support stops when it is spent. Assumption.",
    )
    start_month: int | None = Field(
        None,
        ge=0,
        le=MAX_VALUE,
        description="Support runs in months start+1..end; None = programme.start_month. "
        "Assumption: the programme window.",
    )
    end_month: int | None = Field(
        None,
        ge=0,
        le=MAX_VALUE,
        description="Last month of support; None = programme.end_month. Assumption: the "
        "programme window.",
    )
    kpi_volume_weight: float = Field(
        0.5,
        ge=0,
        le=1,
        description="Weight of sales volume (vs inclusion of the very poor) in the KPI the "
        "project sets buyers, 0-1; passed to buyers as support['kpi_volume_weight']. "
        "Assumption.",
    )
    agent_grant_usd_ppp_per_month: float = Field(
        100.0,
        ge=0,
        le=MAX_VALUE,
        description="Start-up grant paid to each active agent each month, USD PPP. Assumption.",
    )
    buyer_risk_share_usd_ppp: float = Field(
        5.0,
        ge=0,
        le=MAX_VALUE,
        description="Risk-sharing payment to a buyer per very poor (eligible) supplier it "
        "actually has, per month, USD PPP. Assumption.",
    )
    lender_guarantee_share: float = Field(
        0.5,
        ge=0,
        le=1,
        description="Share of the expected loss on loans to the very poor the project "
        "guarantees, 0-1; lowers lenders' screening hurdle, and the project pays that share "
        "of the principal lost when such a loan defaults (from its budget). "
        "Assumption (partial credit guarantees commonly cover 50-80 %).",
    )

    @model_validator(mode="after")
    def _window(self) -> PullImplementerParams:
        if self.start_month is not None and self.end_month is not None:
            if self.end_month < self.start_month:
                raise ValueError(
                    f"end_month = {self.end_month}: must be >= start_month ({self.start_month})"
                )
        return self


class PullImplementer(PullActor):
    """A facilitating project that supports the other pull actors for a window.

    **Decide** (before the other actors: ``priority = -1``, and the model orders actors by
    priority): while ``start < month <= end`` and budget remains, it makes its
    :meth:`offer` (a :class:`~pushpull_sim.pull.base.SupportOffer`) to each active pull
    actor of ``model.pull_actors`` in its villages; each actor states the terms it takes
    and the payment due (:meth:`~pushpull_sim.pull.base.PullActor.support_terms`):

    * agents take the start-up grant, ``{"grant_usd_ppp_per_month": x}``, paid in full
      monthly to each active agent;
    * buyers take risk sharing and the KPI weight, ``{"risk_share_usd_ppp": y,
      "kpi_volume_weight": w}``, paid ``y`` per very poor supplier the buyer actually has
      (``hh.buyer == buyer id & model.pull_list``, links as they stand at decision time),
      so only real inclusion is paid; ``support["paid_usd_ppp"]`` is the month's
      payment, which the buyer counts as revenue;
    * lenders take the guarantee, ``{"guarantee_share": g, "guarantor": self}``; it
      lowers their screening hurdle for very poor applicants, and :meth:`pay_claim` pays
      share g of the principal lost when one of those loans defaults.

    When the month's payments exceed what is left of the budget, every payment is scaled
    down in proportion (the dicts carry the amounts actually paid), so spending never
    exceeds the budget. Outside the window or once the budget is spent, it clears the
    support (empty dicts). Every dict also holds ``"paid_usd_ppp"``. Spending is booked
    as its cost (revenue 0) and charged to the model's cost line ``"pull_implementer"``.

    Attributes:
        spent_usd_ppp: Support paid so far, USD PPP.
        spending: Support paid by month, ``{month: USD PPP}`` (months with support only).
    """

    kind = "implementer"
    Params = PullImplementerParams
    priority: ClassVar[int] = -1
    commercial: ClassVar[bool] = False
    takes_pull_budget: ClassVar[bool] = True

    @classmethod
    def apply_levers(
        cls,
        params: PullImplementerParams,
        levers: Mapping[str, Any],
        *,
        budget_usd_ppp: float | None,
        peers: int,
    ) -> dict[str, Any]:
        """``kpi_volume_weight``, ``buyer_risk_share_usd_ppp`` and
        ``lender_guarantee_share`` replace the project's own; with a programme budget,
        ``pull_budget_share`` x budget becomes its budget (split equally among peers)."""
        update: dict[str, Any] = {}
        for key in ("kpi_volume_weight", "buyer_risk_share_usd_ppp", "lender_guarantee_share"):
            if levers[key] is not None:
                update[key] = levers[key]
        if levers["pull_budget_share"] is not None and budget_usd_ppp is not None:
            update["budget_usd_ppp"] = levers["pull_budget_share"] * budget_usd_ppp / peers
        return update

    @classmethod
    def check_scenario(cls, params: PullImplementerParams, scenario: Scenario) -> str | None:
        """The support window, its unset ends taken from the programme's, must not end
        before it starts."""
        if params.start_month is None and params.end_month is None:
            return None
        prog = scenario.programme
        start = prog.start_month if params.start_month is None else params.start_month
        end = prog.end_month if params.end_month is None else params.end_month
        if end < start:
            return (
                f"support window ends (month {end}) before it starts (month {start}); unset "
                "ends default to the programme window"
            )
        return None

    def __init__(self, model: GraduationModel, params: PullImplementerParams, villages: np.ndarray):
        super().__init__(model, params, villages)
        prog = model.params.programme
        self.start_month = prog.start_month if params.start_month is None else params.start_month
        self.end_month = prog.end_month if params.end_month is None else params.end_month
        self.spent_usd_ppp = 0.0
        self.spending: dict[int, float] = {}
        self._supported: list[PullActor] = []
        self._month_spent = 0.0
        self._month_claims = 0.0  # guarantee claims paid since the last book, USD PPP
        self._claims_pending = 0.0
        #: Whether each actor (by ``unique_id``) serves a village of this implementer's:
        #: fixed for an actor's life, so found once.
        self._overlaps: dict[int, bool] = {}

    def _overlaps_with(self, actor: PullActor) -> bool:
        """Whether ``actor`` serves any of this implementer's villages."""
        known = self._overlaps.get(actor.unique_id)
        if known is None:
            known = self._overlaps[actor.unique_id] = bool(
                np.isin(actor.villages, self.villages).any()
            )
        return known

    @property
    def remaining_usd_ppp(self) -> float:
        """Budget left, USD PPP."""
        return max(self.params.budget_usd_ppp - self.spent_usd_ppp, 0.0)

    def window_open(self, model: GraduationModel) -> bool:
        """Whether the current month lies in the support window."""
        return self.start_month < model.month <= self.end_month

    def _clear(self) -> None:
        for actor in self._supported:
            actor.clear_support()
        self._supported = []

    def offer(self) -> SupportOffer:
        """What the project offers each supported actor this month (its parameters; the
        same frozen offer every month while they are)."""
        p = self.params
        cached = getattr(self, "_offer", None)
        if cached is None or cached[0] is not p:
            offer = SupportOffer(
                grant_usd_ppp_per_month=p.agent_grant_usd_ppp_per_month,
                risk_share_usd_ppp=p.buyer_risk_share_usd_ppp,
                kpi_volume_weight=p.kpi_volume_weight,
                guarantee_share=p.lender_guarantee_share,
                guarantor=self,
            )
            cached = self._offer = (p, offer)
        return cached[1]

    def decide(self, model: GraduationModel) -> None:
        self._month_spent = 0.0
        self._month_claims, self._claims_pending = self._claims_pending, 0.0  # to book
        self._clear()
        if not (self.active and self.window_open(model) and self.remaining_usd_ppp > 0):
            return
        offer = self.offer()
        plans: list[tuple[PullActor, dict[str, Any], float]] = []
        for actor in model.pull_actors:  # a handful of actors, not households
            if actor is self or not actor.active:
                continue
            if not self._overlaps_with(actor):
                continue
            request = actor.support_terms(model, offer)  # each actor states its terms
            if request is not None:
                plans.append((actor, *request))
        total = sum(pay for _, _, pay in plans)
        scale = min(1.0, self.remaining_usd_ppp / total) if total > 0 else 1.0
        for actor, terms, pay in plans:
            actor.accept_support(terms, scale, pay * scale)
            self._supported.append(actor)
        self._month_spent = total * scale
        self.spent_usd_ppp += self._month_spent
        self.spending[model.month] = self._month_spent
        model.charge_cost("pull_implementer", self._month_spent)

    def pay_claim(self, model: GraduationModel, amount_usd_ppp: float) -> float:
        """Pay a lender's claim on a guaranteed loan, as far as the budget allows.

        Claims are honoured whenever the loan defaults, in or after the window (the
        guarantee was given when the loan was made). They are charged to the cost line
        ``"pull_implementer"`` at once and appear in this actor's book of the next month.

        Args:
            model: The model.
            amount_usd_ppp: The guaranteed share of the principal lost, USD PPP.

        Returns:
            float: The amount paid, USD PPP.
        """
        paid = min(max(amount_usd_ppp, 0.0), self.remaining_usd_ppp)
        if paid > 0:
            self.spent_usd_ppp += paid
            self.spending[model.month] = self.spending.get(model.month, 0.0) + paid
            self._claims_pending += paid
            model.charge_cost("pull_implementer", paid)
        return paid

    def settle(self, model: GraduationModel) -> None:
        self.book(
            model,
            0.0,
            self._month_spent + self._month_claims,
            _NO_CLIENTS,
            support_usd_ppp=self._month_spent,
            guarantee_claims_usd_ppp=self._month_claims,
            supported_actors=len(self._supported),
        )
