"""Credit providers: a microfinance institution or bank lending on commercial terms."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from pydantic import Field

from pushpull_sim.components import Reporter, State
from pushpull_sim.events import EventBatch, EventKind
from pushpull_sim.kernels import pull as kernels
from pushpull_sim.livelihood import production_args
from pushpull_sim.pull.base import PullActor, PullActorParams, SupportOffer
from pushpull_sim.units import MAX_VALUE

if TYPE_CHECKING:  # pragma: no cover
    from pushpull_sim.model import GraduationModel

#: Shortfall below which an instalment counts as paid in full, and balance below which
#: a loan counts as repaid, USD PPP (rounding, not money).
_LATE_TOLERANCE = 1e-9
#: No savings-group records to read (a lender that does not accept them).
_NO_RECORD = np.zeros(0, bool)


class LenderParams(PullActorParams):
    """Parameters of a credit provider."""

    type: Literal["lender"] = "lender"
    interest_rate_yearly: float = Field(
        0.25,
        ge=0,
        le=5,
        description="Interest rate, per year (charged monthly on the balance). Source: MFI "
        "rates commonly 20-30 %/yr (Banerjee, Karlan & Zinman 2015).",
    )
    cost_of_funds_yearly: float = Field(
        0.10, ge=0, le=5, description="The lender's own cost of funds, per year. Assumption."
    )
    term_months: int = Field(12, ge=1, le=120, description="Loan term, months. Assumption.")
    fixed_cost_per_loan_usd_ppp: float = Field(
        30.0,
        ge=0,
        le=MAX_VALUE,
        description="Screening and servicing cost per loan, USD PPP: what makes tiny loans "
        "unprofitable (Banerjee, Karlan & Zinman 2015). Assumption for the value.",
    )
    expected_default_rate: float = Field(
        0.05,
        ge=0,
        le=1,
        description="Share of principal the lender expects to lose, used to screen loans. "
        "Assumption.",
    )
    max_loan_usd_ppp: float = Field(
        3000.0, ge=0, le=MAX_VALUE, description="Largest loan, USD PPP. Assumption."
    )
    max_instalment_share_of_income: float | None = Field(
        0.4,
        ge=0,
        le=10,
        description="Largest first instalment (principal and interest) as a share of the "
        "borrower's average monthly earned income: loans are sized to what the income can "
        "repay. Assumption: a common microfinance underwriting rule caps debt service at "
        "30-50 % of income; None = no cap (collateral alone).",
    )
    collateral_multiple: float = Field(
        1.0,
        ge=0,
        le=100,
        description="Loan size limit as a multiple of assets plus savings. Assumption.",
    )
    min_assets_usd_ppp: float = Field(
        200.0, ge=0, le=MAX_VALUE, description="Eligibility: productive assets. Assumption."
    )
    min_savings_usd_ppp: float = Field(
        20.0, ge=0, le=MAX_VALUE, description="Eligibility: savings. Assumption."
    )
    accepts_group_record: bool = Field(
        False,
        description="Lever: a savings-group repayment record can stand in for the assets "
        "and savings requirements. Assumption: off (lenders rarely see VSLA records).",
    )
    group_record_min_months: int = Field(
        12, ge=0, le=1200, description="Group record: months of membership. Assumption."
    )
    group_record_min_repayment: float = Field(
        0.9, ge=0, le=1, description="Group record: on-time repayment rate. Assumption."
    )
    application_prob_monthly: float = Field(
        0.018,
        ge=0,
        le=1,
        description="Monthly probability that an eligible household without a loan asks "
        "for one at baseline confidence; multiplied by application_multiplier_profitable "
        "when its assets' marginal return beats the interest rate, and scaled by "
        "confidence / baseline. Assumption, set so take-up over two years lands in the "
        "13-31 % of Banerjee, Karlan & Zinman (2015) (about 17 % in a default scenario "
        "with two lenders).",
    )
    application_multiplier_profitable: float = Field(
        2.0,
        ge=0,
        le=1000,
        description="How many times more likely a household asks for a loan when its "
        "assets' marginal return beats the interest rate. Assumption: twice.",
    )
    default_after_months: int = Field(
        3, ge=1, le=120, description="Months in arrears before a loan defaults. Assumption."
    )
    seizure_discount: float = Field(
        0.3,
        ge=0,
        lt=1,
        description="Discount at which seized assets are valued against the debt. Assumption.",
    )


class Lender(PullActor):
    """A credit provider (MFI or bank) with commercial screening.

    **Decide** (after push): households in its villages without a loan and not excluded
    ask for a loan with a monthly probability (higher when their assets' marginal return
    beats the interest rate, scaled by confidence). The lender offers
    ``min(max_loan, collateral_multiple x (assets + savings))`` to those who meet its
    eligibility rule (assets and savings, or, with ``accepts_group_record``, a good
    savings-group record) and only if the loan is expected to pay:
    ``size x ((rate - cost of funds) x (term + 1) / 2 - expected default) > fixed cost``.
    So tiny loans, and with them the very poor, are excluded unless a lever lowers the
    cost. A guarantee from a facilitating implementer (``support["guarantee_share"]``)
    cuts the expected default rate used to screen very poor (``model.pull_list``) applicants
    by that share, lowering their hurdle; when such a loan defaults, the guarantor
    (``support["guarantor"]``) pays that share of the principal lost, as far as its budget
    allows (counted as revenue). Households
    the programme links to the pull side (``hh.linked``) are referred: they are eligible
    whatever their assets and savings, and still face the profitability test. The cash
    reaches ``hh.savings`` at once (``hh.debt`` rises equally).

    **Settle** (after the month's spending and the savings groups): each borrower owes
    interest on the balance plus ``balance / months left``, paid from cash; what is not
    paid is arrears. After ``default_after_months`` in arrears the loan defaults: assets
    are seized (valued at a discount) up to the balance, the rest is written off, and the
    household is excluded for good. Books: revenue = interest received; cost = fixed
    cost per loan, cost of funds on the balance, principal lost, operating cost.

    Attributes (per household, shape ``(n,)``): ``balance`` (principal owed, USD PPP),
    ``principal`` (size of the last loan, USD PPP),
    ``months_left``, ``arrears`` (consecutive months), ``excluded`` (bool),
    ``ever_borrowed`` (bool), ``interest_paid_total`` (USD PPP, this lender's book of what
    each household paid it).
    """

    kind = "lender"
    Params = LenderParams
    states = {"lender": State(np.int32, -1, "actor id (-1 = none)", "the lender it owes")}
    reporters = {
        "borrowing_share": Reporter(
            lambda h: h.lender >= 0,
            "share",
            "share of households with a loan from a lender",
            after="market_participation",
        ),
    }

    event_kinds = {
        "loan": EventKind(
            4,
            "credit",
            "took a loan",
            "took a loan of USD {value:,.0f} from lender {counterpart} ({detail})",
            "USD PPP",
            "A lender lent to the household this month; the detail says whether the "
            "programme's linkage had referred it (``hh.linked``) or it passed the lender's "
            "own screening.",
            ("referred through the programme's linkage", "on the lender's own screening"),
            "lender",
        ),
        "loan_repaid": EventKind(
            7,
            "credit",
            "repaid a loan",
            "repaid its loan of USD {value:,.0f} to lender {counterpart}",
            "USD PPP",
            "The household paid off its lender's loan this month; the value is the loan's size.",
            counterpart="lender",
        ),
        "loan_defaulted": EventKind(
            7,
            "credit",
            "defaulted on a loan",
            "defaulted on its loan from lender {counterpart}: USD {value:,.0f} written off "
            "({detail}); the lender will not lend to it again",
            "USD PPP",
            "A lender's loan defaulted this month after months in arrears; the value is the "
            "principal written off after any assets seized.",
            ("nothing to seize", "productive assets seized against the debt"),
            "lender",
        ),
    }

    def __init__(self, model: GraduationModel, params: LenderParams, villages: np.ndarray):
        super().__init__(model, params, villages)
        n = model.hh.n
        self.balance = np.zeros(n)
        self.principal = np.zeros(n)
        self.months_left = np.zeros(n, np.int32)
        self.arrears = np.zeros(n, np.int32)
        self.excluded = np.zeros(n, bool)
        self.ever_borrowed = np.zeros(n, bool)
        self.interest_paid_total = np.zeros(n)
        self.guaranteed = np.zeros(n)  # share of each loan's loss a guarantee covers
        self.guarantor: Any = None  # the implementer whose guarantee covers loans
        self.claims_paid_usd_ppp = 0.0
        self._month_cost = 0.0
        self._loans_made = 0
        none = np.zeros(0, np.int64)
        # this month's loans, repayments and defaults, for the event log (:meth:`events`)
        self._granted, self._repaid, self._defaulted = none, none, none
        self._written_off, self._seized = np.zeros(0), np.zeros(0, bool)
        self._ask = np.empty(n)  # this month's application draws (decide)

    @property
    def monthly_rate(self) -> float:
        """Interest rate per month."""
        return self.params.interest_rate_yearly / 12.0

    def minimum_profitable_loan(self, guarantee_share: float = 0.0) -> float:
        """Smallest loan whose expected margin covers the fixed cost, USD PPP (inf if none).

        Args:
            guarantee_share: Share of the expected loss a third party guarantees (0-1); the
                default rate used for screening is reduced by it.
        """
        p = self.params
        spread = (p.interest_rate_yearly - p.cost_of_funds_yearly) / 12.0
        expected_loss = p.expected_default_rate * (1.0 - guarantee_share)
        margin = spread * (p.term_months + 1) / 2.0 - expected_loss
        return p.fixed_cost_per_loan_usd_ppp / margin if margin > 0 else float("inf")

    def eligible_borrowers(
        self, model: GraduationModel, ids: np.ndarray | None = None
    ) -> np.ndarray:
        """Which households meet the lender's eligibility rule.

        Args:
            model: The model.
            ids: Households to check, shape ``(k,)`` (default: everyone).

        Returns:
            numpy.ndarray: bool, shape ``(k,)``, or ``(n,)`` by default.
        """
        p, hh = self.params, model.hh
        sel = slice(None) if ids is None else ids
        ok = (hh.assets[sel] >= p.min_assets_usd_ppp) & (
            hh.savings[sel] + hh.vsla_share[sel] >= p.min_savings_usd_ppp
        )
        if p.accepts_group_record:
            ok |= self._good_group_record(model, sel)
        ok |= hh.linked[sel]  # referred by the programme's linkage activities
        reach = self.in_footprint(model)[sel]
        return ok & reach & ~self.excluded[sel] & (hh.lender[sel] < 0)

    def _good_group_record(self, model: GraduationModel, sel: slice | np.ndarray) -> np.ndarray:
        p = self.params
        record = np.zeros(model.hh.n, bool)[sel]
        for history in model.credit_records():
            due_n = history.instalments_due[sel]
            due = np.maximum(due_n, 1)
            rate = np.where(due_n > 0, history.repaid_on_time[sel] / due, 1.0)
            record |= (history.member_months[sel] >= p.group_record_min_months) & (
                rate >= p.group_record_min_repayment
            )
        return record

    def support_terms(
        self, model: GraduationModel, offer: SupportOffer
    ) -> tuple[dict[str, Any], float]:
        """A guarantee on loans to the very poor, paid only on claims:
        ``{"guarantee_share": g, "guarantor": project}``."""
        return {"guarantee_share": offer.guarantee_share, "guarantor": offer.guarantor}, 0.0

    def ever_lent_to(self) -> np.ndarray:
        """Households this lender has ever lent to, bool, shape ``(n,)``."""
        return self.ever_borrowed

    def decide(self, model: GraduationModel) -> None:
        """Screen this month's applicants and lend (compiled:
        :func:`pushpull_sim.kernels.pull.lender_decide`; see the class docstring)."""
        self._month_cost = 0.0
        self._loans_made = 0
        self._granted = self._granted[:0]
        hh, p = model.hh, self.params
        # one draw per household every month (common random numbers), into the same buffer
        # each month: the same numbers as a new array, without allocating one
        ask = self.rng.random(out=self._ask)
        if not self.active:
            return
        # only households in its footprint can borrow: work over them alone
        ids = self.footprint_ids()
        # a facilitating implementer's guarantee covers part of the loss on loans to the
        # very poor: it lowers their screening hurdle, and pays that share of the loss
        hurdle = self.minimum_profitable_loan()
        guarantee = float(self.support.get("guarantee_share", 0.0))
        hurdle_guaranteed = hurdle
        if guarantee > 0:
            hurdle_guaranteed = self.minimum_profitable_loan(guarantee)
            self.guarantor = self.support.get("guarantor", self.guarantor)
        cap = p.max_instalment_share_of_income  # loans sized to what the income can repay
        granted, amount = kernels.lender_decide(
            ids,
            ask,
            hh.savings,
            hh.vsla_share,
            hh.confidence,
            hh.income_12m,
            hh.linked,
            hh.lender,
            self.excluded,
            self.in_footprint(model),
            model.pull_list,
            self._good_group_record(model, ids) if p.accepts_group_record else _NO_RECORD,
            self.monthly_rate,
            p.application_prob_monthly,
            p.application_multiplier_profitable,
            model.params.behaviour.confidence_baseline,
            p.min_assets_usd_ppp,
            p.min_savings_usd_ppp,
            p.max_loan_usd_ppp,
            p.collateral_multiple,
            cap is not None,
            0.0 if cap is None else cap,
            1.0 / p.term_months + self.monthly_rate,  # first instalment per USD lent
            hurdle,
            hurdle_guaranteed,
            *production_args(hh, model.tech, model.params.livelihood),
        )
        if granted.size == 0:
            return
        self.balance[granted] = amount
        self.principal[granted] = amount
        # the share of each new loan's loss a guarantee covers (0 for loans it does not)
        self.guaranteed[granted] = np.where(model.pull_list[granted], guarantee, 0.0)
        self.months_left[granted] = p.term_months
        self.arrears[granted] = 0
        self.ever_borrowed[granted] = True
        hh.lender[granted] = self.unique_id
        hh.savings[granted] += amount
        hh.debt[granted] += amount
        self._month_cost += granted.size * p.fixed_cost_per_loan_usd_ppp
        self._loans_made = int(granted.size)
        self._granted = granted

    def payments_due(self, model: GraduationModel) -> np.ndarray | None:
        """This month's interest and principal instalment on each household's loan
        (compiled: :func:`pushpull_sim.kernels.pull.lender_payments_due`)."""
        due = np.empty(self.balance.size)
        if not kernels.lender_payments_due(self.balance, self.months_left, self.monthly_rate, due):
            return None
        return due

    def settle(self, model: GraduationModel) -> None:
        """Collect what is due, write off loans long in arrears, book the month (the
        collection compiled: :func:`pushpull_sim.kernels.pull.lender_settle`, the
        borrowers sorted out by :func:`~pushpull_sim.kernels.pull.lender_sort_out`; see
        the class docstring)."""
        hh, p = model.hh, self.params
        revenue = 0.0
        cost = self._month_cost + self.balance.sum() * p.cost_of_funds_yearly / 12.0
        owing, paid_interest = kernels.lender_settle(
            self.balance,
            self.months_left,
            self.arrears,
            hh.savings,
            hh.interest_paid,
            self.interest_paid_total,
            hh.debt,
            self.monthly_rate,
            _LATE_TOLERANCE,
        )
        self._written_off, self._seized = np.zeros(0), np.zeros(0, bool)  # set on default
        if owing.size == 0:  # no borrower: none defaulted, repaid or still owing
            self._defaulted = self._repaid = owing
            self.book(model, revenue, cost, owing, loans_made=self._loans_made)
            return
        # defaulted (written off below), repaid (closed here) and still owing
        bad, self._repaid, clients = kernels.lender_sort_out(
            owing, self.balance, self.arrears, hh.lender, p.default_after_months, _LATE_TOLERANCE
        )
        self._defaulted = bad
        revenue = float(paid_interest.sum())
        lost, claim = self._default(model, bad)
        cost += lost
        if claim > 0 and self.guarantor is not None:  # the guarantee pays its share
            paid = self.guarantor.pay_claim(model, claim)
            self.claims_paid_usd_ppp += paid
            revenue += paid
        self.book(model, revenue, cost, clients, loans_made=self._loans_made)

    def events(self, model: GraduationModel) -> list[EventBatch]:
        """This month's loans made, repaid and defaulted on (lender ``unique_id``)."""
        hh, me = model.hh, self.unique_id
        granted, repaid, bad = self._granted, self._repaid, self._defaulted
        return [
            EventBatch("loan", granted, self.principal[granted], ~hh.linked[granted], me),
            EventBatch("loan_repaid", repaid, self.principal[repaid], 0, me),
            EventBatch("loan_defaulted", bad, self._written_off, self._seized, me),
        ]

    def _default(self, model: GraduationModel, bad: np.ndarray) -> tuple[float, float]:
        """Seize and write off the loans of ``bad`` (ascending ids, shape ``(k,)``),
        long in arrears.

        Returns:
            tuple: The principal lost, and the part of it guarantees cover (USD PPP).
        """
        p, hh = self.params, model.hh
        if bad.size == 0:
            return 0.0, 0.0
        bal = self.balance[bad]
        value = 1.0 - p.seizure_discount
        seized_book = np.minimum(hh.assets[bad], bal / value)  # assets taken, at book value
        credited = seized_book * value
        hh.assets[bad] -= seized_book
        hh.asset_losses[bad] += seized_book - credited
        lost = bal - credited
        hh.debt[bad] = np.maximum(hh.debt[bad] - bal, 0.0)  # as in settle
        hh.debt_written_off[bad] += lost
        self.balance[bad] = 0.0
        self.months_left[bad] = 0
        self.excluded[bad] = True
        hh.lender[bad] = -1
        self._defaulted, self._written_off, self._seized = bad, lost, seized_book > 0
        claim = float((lost * self.guaranteed[bad]).sum())
        self.guaranteed[bad] = 0.0
        return float(lost.sum()), claim
