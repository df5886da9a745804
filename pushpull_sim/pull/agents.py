"""Agents: input, mobile-money or extension agents who lower the cost of trading nearby.

An agent settles at one hub household per village it serves and reaches the households
within ``reach`` network steps of it (the whole village with mobile technology). There,
households pay ``agent_transaction_cost_share`` instead of the base transaction cost on
what they trade. The agent lives on commissions and leaves when they stop covering its
fixed cost (the base exit rule); a facilitating implementer's start-up grant
(``support["grant_usd_ppp_per_month"]``) counts as revenue while it lasts.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from pydantic import Field

from pushpull_sim.components import State
from pushpull_sim.kernels import pull as kernels
from pushpull_sim.pull.base import PullActor, PullActorParams, SupportOffer
from pushpull_sim.units import MAX_VALUE

if TYPE_CHECKING:  # pragma: no cover
    from pushpull_sim.model import GraduationModel


class AgentParams(PullActorParams):
    """Parameters of an input / mobile-money / extension agent."""

    type: Literal["agent"] = "agent"
    placement: Literal["commercial", "network"] = Field(
        "commercial",
        description="Where the agent settles in each village: 'commercial' = at the hub "
        "whose reach holds the most productive assets (where the volume is); 'network' = "
        "at the hub whose reach holds the most very poor (eligible) households, ties broken "
        "by degree. Assumption: commercial (the market's own choice).",
    )
    reach: int = Field(
        1,
        ge=0,
        le=10,
        description="Footprint: households within this many network steps of the hub "
        "(0 = the hub only). Assumption.",
    )
    mobile: bool = Field(
        False,
        description="Mobile technology (e.g. mobile money) widens the footprint to the "
        "whole village. Assumption: off.",
    )
    agent_transaction_cost_share: float = Field(
        0.01,
        ge=0,
        le=1,
        description="Transaction cost, share of the value traded, for households the agent "
        "reaches (it is never raised above the base cost). Assumption.",
    )
    commission_rate: float = Field(
        0.03,
        ge=0,
        le=1,
        description="Commission earned on the value of inputs bought by households in the "
        "footprint (paid by the supplier, not the household), share. Assumption "
        "(agro-dealer and mobile-money margins of a few per cent).",
    )
    commission_per_client_usd_ppp: float = Field(
        0.5,
        ge=0,
        le=MAX_VALUE,
        description="Fixed commission per household served per month (deposits, "
        "remittances), USD PPP, paid by the provider. Assumption.",
    )
    operating_cost_usd_ppp_per_month: float = Field(
        20.0,
        ge=0,
        le=MAX_VALUE,
        description="Fixed cost of the agent per month (time, float, premises), USD PPP. "
        "Assumption.",
    )


class ServiceAgent(PullActor):
    """An input / mobile-money / extension agent (one :class:`mesa.Agent`).

    **Placement** (at entry, once per village served): within the village's own ties,
    ``within = (I + A)^reach``; the hub is the household maximising, over the households
    it reaches, total productive assets (``commercial``) or the count of very poor
    (``model.pull_list``) households, ties broken by degree (``network``). The footprint is
    the hub's reach in every village served, or the villages themselves when ``mobile``
    (compiled: :func:`pushpull_sim.kernels.pull.agent_placement`).

    **Decide** (active only): the households served are the footprint plus the linked
    households of its villages (``hh.linked``: registered by the programme's linkage
    activities); ``hh.transaction_cost[served] = min(current,
    agent_transaction_cost_share)``, and ``hh.agent[served] = unique_id``.

    **Settle**: revenue = ``commission_rate`` x inputs bought in the footprint this month
    (``hh.input_cost``, which includes the transaction cost) + ``commission_per_client``
    x households that bought + the implementer's grant (``support``); cost = operating
    cost (base class). Clients = footprint households that bought inputs. Commissions are
    paid by suppliers, so the households' accounts do not change. On exit its households
    lose the link (``hh.agent = -1``) and pay the base transaction cost again.

    Attributes:
        hubs: Hub household of each village served, int array, shape ``(v,)``.
        reach_mask: Households within ``reach`` of a hub, bool, shape ``(n,)`` (the
            footprint unless ``mobile``).
        support: Support from a facilitating implementer (set by it each month), e.g.
            ``{"grant_usd_ppp_per_month": 200.0}``; empty without support.
    """

    kind = "agent"
    Params = AgentParams
    states = {"agent": State(np.int32, -1, "actor id (-1 = none)", "the agent that serves it")}

    def __init__(self, model: GraduationModel, params: AgentParams, villages: np.ndarray):
        super().__init__(model, params, villages)
        hh = model.hh
        # households are sorted by village: each village served is a block of ids
        starts = np.searchsorted(hh.village, self.villages, side="left")
        ends = np.searchsorted(hh.village, self.villages, side="right")
        adj = model.network
        if not adj.has_canonical_format:  # the kernel reads sorted ties, each once
            adj = adj.copy()
            adj.sum_duplicates()
        if params.placement == "commercial":
            value = hh.assets
        else:
            value = model.pull_list.astype(np.float64)
        self.hubs, footprint = kernels.agent_placement(
            adj.indptr,
            adj.indices,
            adj.data,
            hh.village,
            starts,
            ends,
            params.reach,
            value,
            model.degree,
            params.placement == "network",
        )
        self.reach_mask = footprint
        self._villages_mask = self._footprint
        self._village_ids = np.flatnonzero(self._villages_mask)  # they hold the footprint
        if not params.mobile:
            self._footprint = footprint  # the base class's whole-village footprint otherwise
        self._served = self.footprint_ids()  # households served this month, ascending
        self._grant = 0.0
        self._agent_share = params.agent_transaction_cost_share  # read once: frozen

    @classmethod
    def apply_levers(
        cls,
        params: AgentParams,
        levers: Mapping[str, Any],
        *,
        budget_usd_ppp: float | None,
        peers: int,
    ) -> dict[str, Any]:
        """``outreach`` sets the placement: random -> commercial, network -> network."""
        if levers["outreach"] is None:
            return {}
        return {"placement": "network" if levers["outreach"] == "network" else "commercial"}

    def support_terms(
        self, model: GraduationModel, offer: SupportOffer
    ) -> tuple[dict[str, Any], float]:
        """A start-up grant, paid in full each month: ``{"grant_usd_ppp_per_month": x}``."""
        x = offer.grant_usd_ppp_per_month
        return {"grant_usd_ppp_per_month": x}, x

    def accept_support(self, terms: dict[str, Any], scale: float, paid_usd_ppp: float) -> None:
        """The grant is what was actually paid."""
        super().accept_support(
            {**terms, "grant_usd_ppp_per_month": paid_usd_ppp}, scale, paid_usd_ppp
        )

    def decide(self, model: GraduationModel) -> None:
        """Serve the footprint and the linked households of its villages (compiled:
        :func:`pushpull_sim.kernels.pull.agent_decide`; see the class docstring)."""
        if not self.active:
            return
        hh = model.hh
        self._served = kernels.agent_decide(
            self._village_ids,  # work over its villages alone
            self._footprint,
            hh.linked,  # households the programme registered with the agent
            hh.transaction_cost,
            hh.agent,
            self._agent_share,
            self.unique_id,
        )

    def settle(self, model: GraduationModel) -> None:
        """Book the month's commissions (the clients compiled:
        :func:`pushpull_sim.kernels.pull.agent_settle`; see the class docstring)."""
        hh, p = model.hh, self.params
        grant = float(self.support.get("grant_usd_ppp_per_month", 0.0)) if self.active else 0.0
        if self.active:
            clients, inputs, fees_each = kernels.agent_settle(
                self._served, hh.input_cost, hh.remittance_fees
            )
            volume = float(inputs.sum())
            # remittance fees paid through the agent are its revenue too
            fees = float(fees_each.sum())
        else:
            clients = np.zeros(0, np.int64)
            volume = 0.0
            fees = 0.0
        commissions = (
            p.commission_rate * volume + p.commission_per_client_usd_ppp * clients.size + fees
        )
        self.book(
            model,
            commissions + grant,
            0.0,
            clients,
            commissions_usd_ppp=commissions,
            grant_usd_ppp=grant,
            input_volume_usd_ppp=volume,
            remittance_fees_usd_ppp=fees,
        )
        if not self.active and self.exited_month == model.month:  # once, on exit
            hh.agent[hh.agent == self.unique_id] = -1

    def coverage_of_very_poor(self, model: GraduationModel) -> float:
        """Share of the very poor (``hh.eligible``) in its villages that it reaches."""
        hh = model.hh
        poor = hh.eligible & np.isin(hh.village, self.villages)
        return float((self._footprint & poor).sum() / max(int(poor.sum()), 1))
