"""The lifecycle every pull actor shares (a :class:`~pushpull_sim.components.Component`
of the ``"pull_actor"`` family).

Pull actors are commercial: each is a :class:`mesa.Agent` with its own books (revenue,
cost, profit) that decides every month from its own incentives, and leaves the market
when it stops paying. Scenario files list them by type::

    [[pull.actors]]
    type = "lender"
    count = 2
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import mesa
import numpy as np
from pydantic import Field

from pushpull_sim.components import Component, ComponentParams
from pushpull_sim.kernels import pull as kernels
from pushpull_sim.units import MAX_VALUE

if TYPE_CHECKING:  # pragma: no cover
    from pushpull_sim.livelihood import Technology
    from pushpull_sim.model import GraduationModel


class PullActorParams(ComponentParams):
    """Parameters every pull actor type declares. Unknown keys are errors.

    Attributes:
        type: The pull actor's registered kind.
        count: How many actors of this type enter at baseline; villages are shared out
            among them in turn.
        operating_cost_usd_ppp_per_month: Fixed cost per actor per month (staff, premises).
        exit_after_loss_months: An actor that has made a loss in each of this many
            consecutive months leaves the market (0 = never).
    """

    type: str
    count: int = Field(1, ge=0, le=10_000, description="Actors of this type. Assumption.")
    operating_cost_usd_ppp_per_month: float = Field(
        300.0, ge=0, le=MAX_VALUE, description="Fixed cost per actor per month. Assumption."
    )
    exit_after_loss_months: int = Field(
        12,
        ge=0,
        le=1200,
        description="Leave after this many months of cumulative losses (0 = never). Assumption.",
    )


@dataclass(frozen=True)
class SupportOffer:
    """What a facilitating project offers the pull actors it supports this month.

    Each actor type takes what applies to it (:meth:`PullActor.support_terms`).

    Attributes:
        grant_usd_ppp_per_month: Start-up grant per actor per month, USD PPP.
        risk_share_usd_ppp: Payment per very poor supplier per month, USD PPP.
        kpi_volume_weight: Weight of sales volume (vs inclusion of the very poor) in the
            KPI the project sets, 0-1.
        guarantee_share: Share of the loss on loans to the very poor it guarantees, 0-1.
        guarantor: The project, whose ``pay_claim(model, amount)`` pays a guarantee claim.
    """

    grant_usd_ppp_per_month: float
    risk_share_usd_ppp: float
    kpi_volume_weight: float
    guarantee_share: float
    guarantor: Any


class PullActor(Component, mesa.Agent):
    """Base class of pull actors (one :class:`mesa.Agent` each).

    Lifecycle, driven by the model each month while the actor is in the market:
    :meth:`decide` (the pull actor's monthly action, after the push interventions: whom
    to serve, on what terms) -> households produce -> :meth:`after_production` (e.g.
    buyers buy) -> households earn, consume, save -> :meth:`settle` (after the savings
    groups meet: collect what is due, close the month's books, check viability). An actor
    that has left keeps collecting what it is owed but makes no new deals and pays no
    running cost. Every actor of a type draws randomness only from the type's stream
    ``"pull.<kind>"`` (``self.rng``, which here replaces ``mesa.Agent.rng``, the model's
    generator).

    Args:
        model: The model.
        params: Validated parameters.
        villages: Villages this actor serves, int array of shape ``(v,)``.

    Attributes:
        active: Whether the actor is in the market.
        entered_month, exited_month: Months of entry and exit (-1 = still active).
        revenue_usd_ppp, cost_usd_ppp: Cumulative books, USD PPP.
        records: One dict per month in the market (see :meth:`book`).
    """

    family = "pull_actor"
    Params: ClassVar[type[PullActorParams]] = PullActorParams
    #: Actors act in ascending priority, then in scenario order (a facilitator that
    #: supports the others goes first).
    priority: ClassVar[int] = 0
    #: A commercial actor lives on its own revenue (a facilitating project does not).
    commercial: ClassVar[bool] = True
    #: Whether the actor takes the strategy's pull share of the budget
    #: (``pull_budget_share``) as its own budget.
    takes_pull_budget: ClassVar[bool] = False

    def __init__(self, model: GraduationModel, params: PullActorParams, villages: np.ndarray):
        super().__init__(model)
        self.params = params
        # read once: a scenario's parameters are frozen, and book() runs every month
        self._operating_cost = params.operating_cost_usd_ppp_per_month
        self._exit_window = params.exit_after_loss_months
        self.villages = np.asarray(villages, np.int32)
        self._footprint = np.isin(model.hh.village, self.villages)
        self.use_stream(model.streams)
        self.active = True
        self.entered_month = model.month
        self.exited_month = -1
        self.revenue_usd_ppp = 0.0
        self.cost_usd_ppp = 0.0
        self._monthly_profit: list[float] = []
        self.records: list[dict[str, float | int | str]] = []
        #: Support from a facilitating project this month (:meth:`accept_support`); empty
        #: without support.
        self.support: dict[str, Any] = {}

    @classmethod
    def stream_name(cls) -> str:
        """``"pull.<kind>"``: every actor of a type shares the type's stream."""
        return f"pull.{cls.kind}"

    @property
    def profit_usd_ppp(self) -> float:
        """Cumulative profit, USD PPP."""
        return self.revenue_usd_ppp - self.cost_usd_ppp

    def in_footprint(self, model: GraduationModel) -> np.ndarray:
        """Mask of households this actor can serve, bool, shape ``(n,)`` (read-only)."""
        return self._footprint

    def footprint_ids(self) -> np.ndarray:
        """Ids of the households this actor can serve, ascending, shape ``(k,)``
        (read-only): monthly work over them is proportional to the footprint, not to n."""
        ids = getattr(self, "_footprint_ids", None)
        if ids is None or self._footprint_ids_of is not self._footprint:
            ids = np.flatnonzero(self._footprint)
            self._footprint_ids, self._footprint_ids_of = ids, self._footprint
        return ids

    def footprint_tech(self, model: GraduationModel) -> Technology:
        """``model.tech`` over :meth:`footprint_ids` (kept until either changes)."""
        ids = self.footprint_ids()
        cached = getattr(self, "_footprint_tech", None)
        if cached is None or cached[0] is not model.tech or cached[1] is not ids:
            cached = (model.tech, ids, model.tech.take(ids))
            self._footprint_tech = cached
        return cached[2]

    def decide(self, model: GraduationModel) -> None:
        """The pull actor's monthly action: choose whom to serve (default: nothing)."""

    # -- named methods other components call -------------------------------------------
    def support_terms(
        self, model: GraduationModel, offer: SupportOffer
    ) -> tuple[dict[str, Any], float] | None:
        """The support this actor takes from a facilitating project's offer this month.

        Args:
            model: The model.
            offer: What the project offers.

        Returns:
            tuple | None: ``(terms, payment due in USD PPP)``, or None (the default) if
            the actor takes no support.
        """
        return None

    def accept_support(self, terms: dict[str, Any], scale: float, paid_usd_ppp: float) -> None:
        """Take the support granted this month: ``terms`` from :meth:`support_terms`, paid
        at ``scale`` (0-1, below 1 when the project's budget runs short), ``paid_usd_ppp``
        in all. Sets :attr:`support`."""
        self.support = {**terms, "paid_usd_ppp": paid_usd_ppp}

    def clear_support(self) -> None:
        """The project's support ends (for this month, or for good)."""
        self.support = {}

    def ever_lent_to(self) -> np.ndarray | None:
        """Households this actor has ever lent to, bool, shape ``(n,)``; None (the
        default) for an actor that does not lend."""
        return None

    def settle(self, model: GraduationModel) -> None:
        """Collect, book and check viability (subclasses call :meth:`book`)."""

    def book(
        self,
        model: GraduationModel,
        revenue: float,
        cost: float,
        clients: np.ndarray,
        **extra: float,
    ) -> None:
        """Close the month's books and leave the market after sustained losses.

        The month's record has ``active`` False in the month the actor leaves (it paid
        that month's running cost, and is out of the market from its end).

        Args:
            model: The model.
            revenue: This month's revenue, USD PPP.
            cost: This month's cost (the operating cost is added here), USD PPP.
            clients: Ids of households served this month, shape ``(k,)``.
            **extra: Further figures to record (e.g. loans made).
        """
        if self.active:  # an actor that has left pays no running cost
            cost += self._operating_cost
        self.revenue_usd_ppp += revenue
        self.cost_usd_ppp += cost
        profit = revenue - cost
        self._monthly_profit.append(profit)
        window = self._exit_window
        if (  # leaves at the end of this month: its record says so
            self.active
            and window
            and len(self._monthly_profit) >= window
            and max(self._monthly_profit[-window:]) < 0
        ):
            self.active = False
            self.exited_month = model.month
        if clients.size:
            hh = model.hh
            extreme_poor, eligible = kernels.count_clients(clients, hh.extreme_poor, hh.eligible)
        else:  # a facilitator, or an actor without clients this month: nothing to count
            extreme_poor = eligible = 0
        self.records.append(
            {
                "month": model.month,
                "actor": self.unique_id,
                "kind": self.kind,
                "active": self.active,
                "revenue_usd_ppp": revenue,
                "cost_usd_ppp": cost,
                "profit_usd_ppp": profit,
                "clients": int(clients.size),
                "clients_extreme_poor": extreme_poor,
                "clients_eligible": eligible,
                **extra,
            }
        )
