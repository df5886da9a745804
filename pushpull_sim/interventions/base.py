"""The lifecycle every push intervention shares (a :class:`~pushpull_sim.components.Component`
of the ``"intervention"`` family)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import numpy as np
from pydantic import Field

from pushpull_sim.components import Component, ComponentParams

if TYPE_CHECKING:  # pragma: no cover
    from pushpull_sim.model import GraduationModel


@dataclass(frozen=True)
class CreditRecord:
    """A group's record of each household's borrowing, for lenders who screen on it.

    Attributes (int arrays of shape ``(n,)``; counts persist after a household leaves):
        member_months: Months attended as a member.
        instalments_due: Monthly loan instalments that fell due.
        repaid_on_time: Of which paid in full when due.
    """

    member_months: np.ndarray
    instalments_due: np.ndarray
    repaid_on_time: np.ndarray


class InterventionParams(ComponentParams):
    """Parameters every intervention declares. Unknown keys are errors.

    Attributes:
        type: The intervention's registered kind.
        start_month: First delivery, months after the programme starts (1 = the programme's
            first month).
        duration_months: Months over which deliveries happen.
        every_months: Delivery frequency, months.
    """

    type: str
    start_month: int = Field(1, ge=1, description="Months after programme start. Assumption.")
    duration_months: int = Field(
        1, ge=1, le=1200, description="Delivery window, months. Assumption (one delivery)."
    )
    every_months: int = Field(
        1, ge=1, le=120, description="Delivery frequency, months. Assumption (monthly)."
    )


class Intervention(Component):
    """Base class of push interventions.

    Lifecycle, driven by the model: ``__init__`` (per-household arrays of its own) ->
    :meth:`setup` (once, after targeting) -> each month :meth:`step` (after shocks and
    risk sharing; delivers only in the programme window unless overridden), then the
    hooks every component has (:meth:`after_production`, :meth:`after_consumption`,
    :meth:`settle`) -> :meth:`finalize` (once, at the end of the run).

    Subclasses set ``kind`` and ``Params`` and implement :meth:`deliver` and
    :meth:`unit_cost_per_household`; they draw randomness only from ``self.rng``, their own
    named stream ``"push.<kind>"``, and book their costs to the cost line ``<kind>``.

    Args:
        params: Validated parameters.
        model: The model the intervention acts in.
    """

    family = "intervention"
    Params: ClassVar[type[InterventionParams]] = InterventionParams
    #: Whether a programme may hold at most one of this type (its state is per household).
    unique: ClassVar[bool] = False

    def __init__(self, params: InterventionParams, model: GraduationModel) -> None:
        self.params = params
        self.model = model
        self.use_stream(model.streams)
        self.cost_usd_ppp = 0.0
        self.households_reached = 0
        #: The last delivery: ``(month, household ids)`` (month -1 = none yet).
        self.delivered: tuple[int, np.ndarray] = (-1, np.zeros(0, np.int64))

    @classmethod
    def stream_name(cls) -> str:
        """``"push.<kind>"``."""
        return f"push.{cls.kind}"

    # -- lifecycle -----------------------------------------------------------------------
    def step(self, model: GraduationModel) -> None:
        """Deliver this month if the programme is active and the schedule says so."""
        if model.programme_active and self.is_delivery_month(model.programme_month):
            ids = self.eligible(model)
            if ids.size:
                self.delivered = (model.month, ids)
                self.deliver(model, ids)

    # -- hooks ------------------------------------------------------------------------------
    def eligible(self, model: GraduationModel) -> np.ndarray:
        """Household ids this intervention serves: by default the programme's participants
        still in the push phase (``hh.in_push``; see the strategy's ``transition`` lever).

        Returns:
            numpy.ndarray: int64 ids, shape ``(k,)``.
        """
        ids = model.participant_ids
        return ids[model.hh.in_push[ids]]

    def delivered_this_month(self, model: GraduationModel) -> np.ndarray:
        """Households :meth:`step` delivered to this month, int ids, shape ``(k,)``."""
        month, ids = self.delivered
        return ids if month == model.month else ids[:0]

    def is_delivery_month(self, programme_month: int) -> bool:
        """Whether ``programme_month`` (1 = first programme month) is a delivery month."""
        p = self.params
        offset = programme_month - p.start_month
        return 0 <= offset < p.duration_months and offset % p.every_months == 0

    def deliveries(self) -> int:
        """Number of deliveries the schedule makes inside the programme window."""
        p = self.params
        prog = self.model.params.programme
        window = prog.end_month - prog.start_month  # programme months 1..window
        last = min(p.start_month + p.duration_months - 1, window)
        if last < p.start_month:
            return 0
        return (last - p.start_month) // p.every_months + 1

    def deliver(self, model: GraduationModel, ids: np.ndarray) -> None:
        """Deliver to households ``ids`` this month. Must call :meth:`charge`."""
        raise NotImplementedError

    def unit_cost_per_household(self) -> float:
        """Planned total cost of serving one household over the schedule, USD PPP."""
        raise NotImplementedError

    def credit_record(self) -> CreditRecord | None:
        """The borrowing record this intervention keeps (a savings group's), or None (the
        default). Lenders that accept a group record read it through
        :meth:`pushpull_sim.model.GraduationModel.credit_records`."""
        return None

    def charge(self, model: GraduationModel, amount_usd_ppp: float) -> None:
        """Record a delivery cost this month against the push budget."""
        self.cost_usd_ppp += amount_usd_ppp
        model.charge_cost(self.kind, amount_usd_ppp)
