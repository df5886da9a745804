"""Savings groups: facilitation of village savings and loan associations (VSLAs).

A VSLA is a group of 15-25 neighbours who meet regularly, buy shares into a common fund,
lend the fund to each other at a monthly interest rate, keep a small social fund for
emergencies and, at the end of a cycle of about 12 months, share the whole fund out in
proportion to the shares each member bought. The programme forms and facilitates the
groups during its window; the groups then go on meeting for as long as their members keep
contributing.

Money flows, per month, USD PPP (``hh`` is :class:`~pushpull_sim.households.Households`):

===============================  =================================  ======================
flow                             household arrays                   group arrays
===============================  =================================  ======================
share purchase                   ``savings`` -> ``vsla_share``      ``fund`` +
social-fund contribution         ``savings`` -, ``financial_income`` -  ``social_fund`` +
social-fund grant (ill member)   ``savings`` +, ``financial_income`` +  ``social_fund`` -
loan disbursed                   ``savings`` +, ``debt`` +          ``fund`` -, ``loans_out`` +
repayment of principal           ``savings`` -, ``debt`` -          ``fund`` +, ``loans_out`` -
interest                         ``savings`` -, ``interest_paid`` + ``fund`` +
default (write-off)              ``debt`` -, ``debt_written_off`` + ``loans_out`` -
share-out                        ``vsla_share`` -> ``savings``;     ``fund`` -> 0
                                 profit -> ``financial_income``
===============================  =================================  ======================

So household accounts balance exactly
(:meth:`~pushpull_sim.households.Households.accounting_residual`), and each group's money is
conserved: ``fund + loans_out == contributions_total + interest_total - defaults_total -
shareout_total`` and ``social_fund == social_in_total - social_out_total`` at every month.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np
from pydantic import Field, model_validator

from pushpull_sim.components import Reporter, State
from pushpull_sim.events import EventBatch, EventKind
from pushpull_sim.households import CONTROL
from pushpull_sim.interventions.base import CreditRecord, Intervention, InterventionParams
from pushpull_sim.kernels import savings_groups as kernels
from pushpull_sim.livelihood import marginal_net_return_of
from pushpull_sim.units import MAX_VALUE

#: Passes of neighbour averaging of the wealth rank when a pool is ordered for group
#: formation (consecutive members end up network neighbours). Assumption: two passes
#: reach the neighbours of neighbours, enough for groups of 15-30 in villages of a few
#: hundred.
NETWORK_ORDER_PASSES = 2

if TYPE_CHECKING:  # pragma: no cover
    from pushpull_sim.model import GraduationModel

#: Tolerance (USD PPP) below which a balance counts as repaid.
_DUST = 1e-9
#: Relative shortfall of a payment still counted as in full (rounding, not money).
_ON_TIME_MARGIN = 1e-12
#: Share of a group's fund held back when rationing grants and loans pro rata, so that
#: rounding never takes a fund below zero.
_RATION_MARGIN = 1e-12


class SavingsGroupParams(InterventionParams):
    """Parameters of savings-group (VSLA) facilitation.

    ``start_month`` (inherited) is the programme month in which groups are formed;
    ``duration_months``/``every_months`` allow further formation rounds (default: one),
    each among households not yet in a group, always inside the programme window.
    """

    type: Literal["savings_group"] = "savings_group"
    duration_months: int = Field(
        1,
        ge=1,
        le=1200,
        description="Months from start_month in which groups are formed (one formation "
        "round each every_months); facilitation then runs to the end of the window and "
        "groups may meet long after. Assumption: one round.",
    )
    membership: Literal["participants", "self_selected"] = Field(
        "participants",
        description="Who joins: 'participants' (the programme's participants only, as in "
        "graduation programmes) or 'self_selected' (any household of the villages that have "
        "participants may join; the better-off and better-connected join more). Assumption: "
        "participants by default.",
    )
    target_size: int = Field(
        20,
        ge=2,
        le=1000,
        description="Members per group aimed for. Source: VSLA practice, 15-25 members.",
    )
    min_size: int = Field(
        15, ge=2, le=1000, description="Fewest members of a group. Source: VSLA practice."
    )
    max_size: int = Field(
        25, ge=2, le=1000, description="Most members of a group. Source: VSLA practice."
    )
    join_intercept: float = Field(
        -0.85,
        ge=-20,
        le=20,
        description="Self-selection: log-odds of joining for a household of average wealth, "
        "degree and baseline confidence (-0.85: about 30 % join). Assumption.",
    )
    join_wealth_coef: float = Field(
        0.6,
        ge=-20,
        le=20,
        description="Self-selection: log-odds per standard deviation of log(1 + assets + "
        "cash). Assumption; sign from the evidence that joiners are better-off.",
    )
    join_degree_coef: float = Field(
        0.5,
        ge=-20,
        le=20,
        description="Self-selection: log-odds per standard deviation of network degree. "
        "Assumption; sign from the evidence that joiners are better-connected.",
    )
    join_confidence_coef: float = Field(
        2.0,
        ge=-20,
        le=20,
        description="Self-selection: log-odds per unit of confidence above its baseline "
        "(coached households join more). Assumption.",
    )
    share_value_usd_ppp: float = Field(
        2.0,
        gt=0,
        le=MAX_VALUE,
        description="Value of one share, USD PPP. Assumption (VSLA shares are priced so the "
        "poorest member can buy one a meeting).",
    )
    max_shares_per_month: int = Field(
        10,
        ge=1,
        le=1000,
        description="Most shares a member buys in a month. Source: VSLA practice, 1-5 shares "
        "a meeting; assumption of about two meetings a month.",
    )
    contribution_share: float = Field(
        0.3,
        ge=0,
        le=1,
        description="Share of cash above the buffer a member puts into shares each month "
        "(at least one share when the cash above the buffer covers one). Assumption.",
    )
    facilitated_contribution_share: float | None = Field(
        None,
        ge=0,
        le=1,
        description="Share of cash above the buffer a member puts into shares while the "
        "programme facilitates the group (its window): facilitators and coaches push for "
        "regular saving, and some programmes require it; after the window members save "
        "at contribution_share. None (omit the key) = contribution_share throughout. "
        "Assumption; the six-country trial's financial inclusion effect fell by almost half "
        "in the year after the programme ended (Banerjee et al. 2015).",
    )
    cash_buffer_usd_ppp: float = Field(
        10.0,
        ge=0,
        le=MAX_VALUE,
        description="Cash a member keeps back before buying shares, USD PPP. Assumption.",
    )
    social_fund_usd_ppp_per_month: float = Field(
        0.5,
        ge=0,
        le=MAX_VALUE,
        description="Social-fund contribution per member per month (a cost to the member), "
        "USD PPP. Source: VSLA practice (a small fixed sum each meeting); amount assumption.",
    )
    social_grant_usd_ppp: float = Field(
        20.0,
        ge=0,
        le=MAX_VALUE,
        description="Grant from the social fund to a member who falls ill, up to what the "
        "fund holds, USD PPP. Assumption.",
    )
    interest_rate_monthly: float = Field(
        0.10,
        ge=0,
        le=1,
        description="Interest on internal loans per month, on the outstanding principal. "
        "Source: model brief / VSLA practice, 5-10 % a month.",
    )
    loan_multiple: float = Field(
        3.0,
        ge=0,
        le=100,
        description="Largest loan as a multiple of the member's shares. Source: VSLA "
        "practice (up to three times savings).",
    )
    loan_term_months: int = Field(
        3,
        ge=1,
        le=120,
        description="Months over which a loan is repaid in equal principal instalments. "
        "Source: VSLA practice (loans of 1-3 months); assumption of 3.",
    )
    emergency_loans: bool = Field(
        True,
        description="Whether a member who falls ill can borrow at once, before the month's "
        "spending (an emergency meeting), rather than at the next regular meeting. Source: "
        "VSLA practice (emergency loans and the social fund insure members); assumption.",
    )
    loan_demand_base_prob: float = Field(
        0.2,
        ge=0,
        le=1,
        description="Monthly probability that a member without a loan wants one for other "
        "reasons (school fees, trade stock, a festival); the ill and members whose assets' "
        "marginal return beats the interest rate always want one. Assumption.",
    )
    default_after_months: int = Field(
        3,
        ge=1,
        le=120,
        description="Consecutive months in arrears after which a loan is written off. Assumption.",
    )
    formation_window_months: int = Field(
        12,
        ge=1,
        le=120,
        description="Months over which facilitators form a round's groups, village by "
        "village: each village's groups start meeting, and start their first cycle, in a "
        "month drawn uniformly from the window (inside the programme window), so share-outs "
        "fall in different months, as real groups' do; 1 = every group at once. "
        "Assumption: facilitators reach villages one after another over the programme's "
        "first year.",
    )
    cycle_months: int = Field(
        12,
        ge=2,
        le=120,
        description="Months from one share-out to the next. Source: VSLA practice, "
        "share-out after about 12 months.",
    )
    min_active_members: int = Field(
        10,
        ge=1,
        le=1000,
        description="After the project, a group dissolves at a share-out if fewer members "
        "than this are regular contributors (regular_contributor_share). Assumption.",
    )
    regular_contributor_share: float = Field(
        0.5,
        ge=0,
        lt=1,
        description="After the project, a member is a regular contributor if it bought "
        "shares in more than this share of the cycle's months; the others leave at the "
        "share-out. Assumption: most months.",
    )
    formation_cost_usd_ppp: float = Field(
        200.0,
        ge=0,
        le=MAX_VALUE,
        description="One-off cost of forming and training a group (kit, training), USD PPP "
        "per group. Assumption.",
    )
    facilitation_cost_usd_ppp_per_month: float = Field(
        40.0,
        ge=0,
        le=MAX_VALUE,
        description="Facilitation per group per month while the programme is active, "
        "USD PPP. Assumption (a field officer's time; facilitated VSLAs commonly cost "
        "USD 20-40 nominal per member for a cycle).",
    )

    @model_validator(mode="after")
    def _consistent(self) -> SavingsGroupParams:
        if not self.min_size <= self.target_size <= self.max_size:
            raise ValueError(
                f"target_size = {self.target_size}: must lie between min_size "
                f"({self.min_size}) and max_size ({self.max_size})"
            )
        if self.cycle_months <= self.loan_term_months:
            raise ValueError(
                f"cycle_months = {self.cycle_months}: must be > loan_term_months "
                f"({self.loan_term_months})"
            )
        return self


class SavingsGroups(Intervention):
    """Savings groups (VSLA facilitation): save in shares, borrow, share out yearly.

    **Formation** (programme month ``start_month``, inside the window): members are the
    participants, or (``membership = "self_selected"``) households of the participants'
    villages who join with a logistic probability rising with wealth, network degree and
    confidence. Villages with too few members for a group are pooled with the next
    village of their region. Within a pool, members are ordered by village and by
    wealth rank smoothed over the social network (so a group's members sit next to each
    other in the village's wealth ring, i.e. are network neighbours), and cut into
    ``g`` consecutive groups with ``g`` as close to ``size / target_size`` as ``min_size``
    and ``max_size`` allow; a surplus that fits no group is left out at random.
    Facilitators then reach the villages over ``formation_window_months``: each
    village's groups hold their first meeting (and start their first cycle) in a month
    drawn uniformly from the window, so share-outs fall in different months of the year,
    as real groups' do, not all in one.

    **Emergencies** (:meth:`step`: after the month's shocks, before spending, so the
    money can pay for care and food in the month of the illness): members who are ill get
    a grant of ``social_grant_usd_ppp`` from the social fund (pro rata if it is short)
    and, if ``emergency_loans`` and they have no loan, a loan of ``loan_multiple`` times
    their shares from the group's cash (at any point of the cycle: one still outstanding
    at the share-out is set off against the member's part). Repayment starts at the next
    month's meeting.

    **Meeting** (:meth:`after_consumption`, after the month's spending, out of cash left):

    1. loan instalments: interest on the balance plus ``balance / months_left``; a member
       who cannot pay in full pays what cash allows (interest first, the unpaid interest is
       waived) and falls into arrears; after ``default_after_months`` consecutive months
       in arrears the balance is written off and the member may not borrow again;
    2. social-fund contribution (if the member has the cash);
    3. shares: ``min(max_shares, floor(contribution_share x (cash - buffer) / value))``
       (``facilitated_contribution_share`` instead while the programme facilitates)
       whole shares, at least one if the cash above the buffer covers it;
    4. loans, except in the last ``loan_term_months`` months of a cycle: members without a
       loan want one if ill, if their assets' marginal net return (as in the model's
       investment rule) beats the interest rate,
       or with probability ``loan_demand_base_prob``; size ``loan_multiple x shares``,
       rationed pro rata by the group's cash; the cash is in ``hh.savings`` next month;
    5. share-out at the end of a cycle: the group's value (cash + outstanding loans)
       is divided in proportion to shares; a borrower's outstanding loan is set off
       against its part, and what the part does not cover is written off (at the other
       members' cost). Payout minus the member's shares is profit (``financial_income``).

    **After the project** the groups keep meeting with no facilitation cost. At each
    share-out, members who contributed in no more than ``regular_contributor_share`` of the
    cycle's months leave;
    a group with fewer than ``min_active_members`` such contributors dissolves and its
    social fund is split equally among its members. Persistence thus follows the members'
    cash flows. No group is formed after the window.

    **Credit history** (per household, int arrays of shape ``(n,)``, kept for lenders who
    later screen on a group record): ``member_months`` (meetings attended as a member,
    months), ``instalments_due`` (monthly instalments that fell due), ``repaid_on_time``
    (of which paid in full at that meeting), ``loans_taken`` and ``loans_defaulted``
    (written off, wholly or in part). A lender may read ``repaid_on_time /
    instalments_due`` as a repayment rate; the counts persist after a household leaves.

    Args:
        params: Validated :class:`SavingsGroupParams`.
        model: The model (its household count sizes the per-household arrays).

    Attributes:
        group_of: Group id per household, int32, shape ``(n,)``, -1 = none (mirrored in
            ``hh.savings_group``).
        loan_balance: Outstanding principal owed to the group, USD PPP, shape ``(n,)``
            (included in ``hh.debt``).
        village: Village of each group's median member, shape ``(G,)``.
        active: Whether each group still meets, bool, shape ``(G,)``.
        fund: Group's cash, USD PPP, shape ``(G,)``.
        loans_out: Principal lent out and not yet repaid or written off, USD PPP, ``(G,)``.
        social_fund: Social fund, USD PPP, shape ``(G,)``.
        contributions_total, interest_total, defaults_total, shareout_total,
        disbursed_total, social_in_total, social_out_total: Cumulative flows per group,
            USD PPP, shape ``(G,)``.
        cycles_completed: Share-outs held per group, shape ``(G,)``.
        size_formed, formed_month, dissolved_month (-1 = still meeting), cycle_start:
            Per group, int, shape ``(G,)``.
        shareout_shares, shareout_value, shareout_cash: Per household at its last
            share-out: shares held, value received (cash + loan set off) and cash paid,
            USD PPP, shape ``(n,)``.
    """

    unique = True
    kind = "savings_group"
    Params = SavingsGroupParams
    states = {
        "vsla_share": State(
            np.float64,
            0.0,
            "USD PPP",
            "contributions held in a savings group (shares bought this cycle), counted in "
            "savings and net worth",
        ),
        "savings_group": State(np.int32, -1, "group id (-1 = none)", "the household's group"),
        "savings_deposits": State(
            np.float64,
            0.0,
            "USD PPP per month",
            "shares bought in a savings group this month (the month's deposits)",
        ),
    }
    reporters = {
        "vsla_share_mean": Reporter(
            lambda h: h.vsla_share,
            "USD PPP",
            "savings-group share (VSLA), mean",
            after="savings_mean",
        ),
        "savings_group_share": Reporter(
            lambda h: h.savings_group >= 0,
            "share",
            "share of households in a savings group",
            after="interest_paid_mean",
        ),
    }

    event_kinds = {
        "joined_group": EventKind(
            4,
            "savings group",
            "joined a savings group",
            "joined savings group {counterpart} (its first meeting)",
            "",
            "The household's savings group held its first meeting with it as a member.",
            counterpart="savings group",
        ),
        "group_loan_repaid": EventKind(
            7,
            "savings group",
            "repaid a group loan",
            "repaid its savings-group loan of USD {value:,.0f} ({detail})",
            "USD PPP",
            "The household's loan from its savings group was paid off this month; the "
            "value is the loan's size.",
            ("in instalments", "set off against its share at the share-out"),
            "savings group",
        ),
        "group_loan_defaulted": EventKind(
            7,
            "savings group",
            "defaulted on a group loan",
            "defaulted on its savings-group loan: USD {value:,.0f} written off, and it may "
            "not borrow from the group again",
            "USD PPP",
            "A savings-group loan was written off this month (long in arrears, or not "
            "covered by the member's part at the share-out); the value is the balance "
            "outstanding before the write-off.",
            counterpart="savings group",
        ),
        "group_loan": EventKind(
            7,
            "savings group",
            "took a group loan",
            "took a loan of USD {value:,.0f} from its savings group ({detail})",
            "USD PPP",
            "The household borrowed from its savings group this month.",
            ("at the group's meeting", "an emergency loan, when a member fell ill"),
            "savings group",
        ),
        "share_out": EventKind(
            7,
            "savings group",
            "share-out",
            "received USD {value:,.0f} in cash at its savings group's share-out",
            "USD PPP",
            "The household's savings group shared out its fund (the end of a cycle); the "
            "value is the cash paid to the household (its shares and their profit, less any "
            "loan set off).",
            counterpart="savings group",
        ),
        "left_group": EventKind(
            7,
            "savings group",
            "left a savings group",
            "left savings group {counterpart}: {detail}",
            "",
            "The household stopped being a member of its savings group at a share-out after "
            "the project.",
            ("the group dissolved", "it had contributed in too few of the cycle's months"),
            "savings group",
        ),
    }

    _GROUP_FLOATS = (
        "fund",
        "loans_out",
        "social_fund",
        "contributions_total",
        "interest_total",
        "defaults_total",
        "shareout_total",
        "disbursed_total",
        "social_in_total",
        "social_out_total",
        "balance_sum",
    )
    _GROUP_INTS = (
        "village",
        "formed_month",
        "cycle_start",
        "size_formed",
        "cycles_completed",
        "opens_month",
    )

    def __init__(self, params: SavingsGroupParams, model: GraduationModel) -> None:
        super().__init__(params, model)
        n = model.hh.n
        self.group_of = np.full(n, -1, np.int32)
        self.pending_of = np.full(n, -1, np.int32)  # a group formed, not yet meeting
        self.loan_balance = np.zeros(n)
        self.loan_months_left = np.zeros(n, np.int32)
        self.loan_month = np.full(n, -(10**9), np.int64)
        self.arrears = np.zeros(n, np.int32)
        self.barred = np.zeros(n, bool)
        self.cycle_contrib_months = np.zeros(n, np.int32)
        self.ever_member = np.zeros(n, bool)
        # the members (ascending ids), kept between the months that change membership
        # (:meth:`_open_groups`, :meth:`_renew_or_dissolve`); None = to be recomputed
        self._members: np.ndarray | None = None
        # months in which groups formed and not yet meeting hold their first meeting
        self._opening_months: set[int] = set()
        # credit history
        self.member_months = np.zeros(n, np.int32)
        self.instalments_due = np.zeros(n, np.int32)
        self.repaid_on_time = np.zeros(n, np.int32)
        self.loans_taken = np.zeros(n, np.int32)
        self.loans_defaulted = np.zeros(n, np.int32)
        self.loan_size = np.zeros(n)  # the last loan's principal
        # last month's state, for the event log (:meth:`events`)
        self._seen_group_of = self.group_of.copy()
        self._seen_balance = self.loan_balance.copy()
        self._seen_loan = self.loan_size.copy()
        self._seen_defaulted = self.loans_defaulted.copy()
        # the household's last share-out
        self.shareout_shares = np.zeros(n)
        self.shareout_value = np.zeros(n)
        self.shareout_cash = np.zeros(n)
        # per group
        for name in self._GROUP_FLOATS:
            setattr(self, name, np.zeros(0))
        for name in self._GROUP_INTS:
            setattr(self, name, np.zeros(0, np.int64))
        self.active = np.zeros(0, bool)
        self.dissolved_month = np.zeros(0, np.int64)
        # completed cycles: one entry per share-out
        self._cycle_group: list[np.ndarray] = []
        self._cycle_month: list[np.ndarray] = []
        self._cycle_profit: list[np.ndarray] = []
        self._cycle_avg_balance: list[np.ndarray] = []
        self._cycle_months: list[np.ndarray] = []

    # ------------------------------------------------------------------ properties
    @property
    def n_groups(self) -> int:
        """Number of groups ever formed."""
        return int(self.fund.size)

    def _member_ids(self) -> np.ndarray:
        """Households in a group now, ascending ids, int64, shape ``(k,)`` (read only:
        ``flatnonzero(group_of >= 0)``, kept until membership changes)."""
        if self._members is None:
            self._members = np.flatnonzero(self.group_of >= 0)
        return self._members

    def group_sizes(self) -> np.ndarray:
        """Current members per group, int, shape ``(G,)``."""
        mem = self.group_of >= 0
        return np.bincount(self.group_of[mem], minlength=self.n_groups)

    # ------------------------------------------------------------------ lifecycle
    def unit_cost_per_household(self) -> float:
        """Planned cost per member: (formation + facilitation over the months from formation
        to the end of the window) per group, divided by ``target_size``, USD PPP."""
        p = self.params
        prog = self.model.params.programme
        window = prog.end_month - prog.start_month
        rounds = self.deliveries()
        if rounds == 0:
            return 0.0
        facilitated = max(window - p.start_month + 1, 0)
        per_group = p.formation_cost_usd_ppp + facilitated * p.facilitation_cost_usd_ppp_per_month
        return per_group / p.target_size

    def step(self, model: GraduationModel) -> None:
        """Form groups on delivery months, open those whose first meeting falls this month,
        pay social-fund grants and emergency loans, charge facilitation."""
        if model.programme_active and self.is_delivery_month(model.programme_month):
            self._form_groups(model)
        if self.n_groups == 0:
            return
        self._open_groups(model)
        self._emergencies(model)
        if model.programme_active:
            n_active = int(np.count_nonzero(self.active))
            if n_active:
                self.charge(model, n_active * self.params.facilitation_cost_usd_ppp_per_month)

    def deliver(self, model: GraduationModel, ids: np.ndarray) -> None:
        """Form groups among ``ids`` (see :meth:`_form_groups`)."""
        self._form_groups(model, ids)

    def payments_due(self, model: GraduationModel) -> np.ndarray | None:
        """This month's instalment and interest on each member's group loan (loans made
        last month or earlier, as the meeting collects them; compiled:
        :func:`pushpull_sim.kernels.savings_groups.savings_groups_payments_due`)."""
        if self.n_groups == 0:
            return None
        due = np.empty(self.loan_balance.size)
        owing = kernels.savings_groups_payments_due(
            self.loan_balance,
            self.loan_month,
            self.loan_months_left,
            model.month,
            self.params.interest_rate_monthly,
            due,
        )
        return due if owing else None

    def after_consumption(self, model: GraduationModel) -> None:
        """The monthly meeting: repayments, defaults, social fund, shares, loans, share-out.

        Steps 1-4 and each member's loan request in one pass over the members (compiled:
        :func:`pushpull_sim.kernels.savings_groups.savings_groups_after_consumption`), the
        loans by :meth:`_disburse` (when anyone asks), the share-out in numpy.
        """
        if self.n_groups == 0:
            return
        model.hh.savings_deposits.fill(0.0)
        ids = self._member_ids()
        if ids.size == 0:
            return
        p = self.params
        hh = model.hh
        u = self.rng.random(ids.size)  # drawn every meeting: a stable stream
        lending = p.loan_multiple != 0
        # what investing one more USD returns: members whose return beats the interest
        # rate borrow to invest
        net_return = (
            marginal_net_return_of(hh, model.tech, model.params.livelihood, ids)
            if lending
            else u[:0]
        )
        share = p.contribution_share
        if p.facilitated_contribution_share is not None and model.programme_active:
            share = p.facilitated_contribution_share
        ask, asking, ending = kernels.savings_groups_after_consumption(
            ids,
            self.group_of,
            model.month,
            self.cycle_start,
            self.loan_balance,
            self.loan_month,
            self.loan_months_left,
            self.arrears,
            self.barred,
            self.member_months,
            self.instalments_due,
            self.repaid_on_time,
            self.loans_defaulted,
            self.cycle_contrib_months,
            hh.savings,
            hh.interest_paid,
            hh.debt,
            hh.debt_written_off,
            hh.financial_income,
            hh.vsla_share,
            hh.savings_deposits,
            hh.ill,
            self.fund,
            self.interest_total,
            self.loans_out,
            self.defaults_total,
            self.social_fund,
            self.social_in_total,
            self.contributions_total,
            self.balance_sum,
            u,
            net_return,
            p.interest_rate_monthly,
            _ON_TIME_MARGIN,
            _DUST,
            p.default_after_months,
            p.social_fund_usd_ppp_per_month,
            p.share_value_usd_ppp,
            p.cash_buffer_usd_ppp,
            share,
            float(p.max_shares_per_month),
            p.loan_multiple,
            p.loan_demand_base_prob,
            p.cycle_months - p.loan_term_months,
            p.cycle_months,
        )
        # 5. loans (nothing to lend when nobody asks)
        if lending and asking:
            self._disburse(model, ids, ask)
        # 6. share-out
        if ending.size:
            self._share_out(model, ending, self.group_of[ending].astype(np.int64))

    def events(self, model: GraduationModel) -> list[EventBatch]:
        """This month's savings-group events: joined, loans taken, repaid and written off,
        share-outs and members leaving, from the group's arrays against last month's."""
        month, hh = model.month, model.hh
        before, now = self._seen_group_of, self.group_of
        out = []
        joined = np.flatnonzero((now >= 0) & (now != before))
        out.append(EventBatch("joined_group", joined, np.nan, 0, now[joined]))
        defaulted = self.loans_defaulted > self._seen_defaulted
        new_loan = self.loan_month == month
        shared = np.zeros(0, np.int64)
        if self.n_groups:
            sharing = self.cycle_start == month
            shared = np.flatnonzero((before >= 0) & sharing[np.maximum(before, 0)])
        # a loan paid off (a new one is only lent once the last is paid off)
        cleared = (self.loan_balance == 0) | new_loan
        paid = np.flatnonzero((self._seen_balance > 0) & cleared & ~defaulted)
        at_share_out = np.isin(paid, shared)
        out.append(
            EventBatch("group_loan_repaid", paid, self._seen_loan[paid], at_share_out, before[paid])
        )
        gone = np.flatnonzero(defaulted)
        out.append(
            EventBatch("group_loan_defaulted", gone, self._seen_balance[gone], 0, before[gone])
        )
        took = np.flatnonzero(new_loan)
        emergency = hh.ill[took] & self.params.emergency_loans
        out.append(EventBatch("group_loan", took, self.loan_size[took], emergency, now[took]))
        out.append(EventBatch("share_out", shared, self.shareout_cash[shared], 0, before[shared]))
        left = np.flatnonzero((before >= 0) & (now < 0))
        if left.size:
            dissolved = self.dissolved_month[before[left]] == month
            out.append(EventBatch("left_group", left, np.nan, ~dissolved, before[left]))
        np.copyto(self._seen_group_of, now)
        np.copyto(self._seen_balance, self.loan_balance)
        np.copyto(self._seen_loan, self.loan_size)
        np.copyto(self._seen_defaulted, self.loans_defaulted)
        return out

    def finalize(self, model: GraduationModel) -> None:
        """Record households reached (the books stay open: groups outlive the run)."""
        self.households_reached = int(self.ever_member.sum())

    # ------------------------------------------------------------------ results
    def credit_record(self) -> CreditRecord:
        """Members' borrowing record: months as a member, instalments due and repaid on
        time (views of the group's own arrays)."""
        return CreditRecord(self.member_months, self.instalments_due, self.repaid_on_time)

    def cycle_returns(self) -> dict[str, np.ndarray]:
        """Completed cycles, one entry per share-out.

        Returns:
            dict[str, numpy.ndarray]: ``group`` (id), ``month`` (of the share-out),
            ``profit`` (payouts and set-offs minus members' shares, USD PPP),
            ``avg_balance`` (mean end-of-meeting share balance over the cycle, USD PPP),
            ``months`` (cycle length) and ``annual_return`` (profit / average balance x
            12 / months; NaN where the balance was 0). Each of shape ``(cycles,)``.
        """
        if not self._cycle_group:
            empty = np.zeros(0)
            return {
                k: empty
                for k in ("group", "month", "profit", "avg_balance", "months", "annual_return")
            }
        out = {
            "group": np.concatenate(self._cycle_group),
            "month": np.concatenate(self._cycle_month),
            "profit": np.concatenate(self._cycle_profit),
            "avg_balance": np.concatenate(self._cycle_avg_balance),
            "months": np.concatenate(self._cycle_months),
        }
        bal = out["avg_balance"]
        out["annual_return"] = np.divide(
            out["profit"] * 12.0 / out["months"],
            bal,
            out=np.full(bal.size, np.nan),
            where=bal > 0,
        )
        return out

    def annual_return_on_savings(self) -> float:
        """Annual return on savings over all completed cycles, pooled.

        Returns:
            float: Total profit / total (average balance x cycle months / 12), e.g. 0.4 =
            40 % a year; NaN if no cycle has been completed.
        """
        c = self.cycle_returns()
        denom = float((c["avg_balance"] * c["months"] / 12.0).sum())
        return float(c["profit"].sum()) / denom if denom > 0 else float("nan")

    def conservation_residual(self) -> np.ndarray:
        """Per-group gap in the books, USD PPP, shape ``(G,)``: ``fund + loans_out +
        social_fund - (contributions + interest - defaults - share-outs + social_in -
        social_out)``; zero up to floating-point error."""
        held = self.fund + self.loans_out + self.social_fund
        flows = (
            self.contributions_total
            + self.interest_total
            - self.defaults_total
            - self.shareout_total
            + self.social_in_total
            - self.social_out_total
        )
        return held - flows

    # ------------------------------------------------------------------ formation
    def _candidates(self, model: GraduationModel, ids: np.ndarray | None) -> np.ndarray:
        """Households who may join this round (not yet in a group), int64 ``(k,)``."""
        hh = model.hh
        part = model.participant_ids if ids is None else np.asarray(ids, np.int64)
        if self.params.membership == "participants":
            cand = part
        else:
            # the participants' villages, except the trial's control arm, which the
            # programme must not reach
            villages = np.unique(hh.village[part])
            cand = np.flatnonzero(np.isin(hh.village, villages) & (hh.arm != CONTROL))
        return cand[(self.group_of[cand] < 0) & (self.pending_of[cand] < 0)]

    def _join_probability(self, model: GraduationModel, cand: np.ndarray) -> np.ndarray:
        """Self-selection: logistic in standardised log wealth, standardised degree and
        confidence above baseline, shape ``(k,)``."""
        p = self.params
        hh = model.hh

        def z(x: np.ndarray) -> np.ndarray:
            sd = x.std()
            return (x - x.mean()) / sd if sd > 0 else np.zeros_like(x)

        wealth = np.log1p(hh.assets[cand] + hh.savings[cand] + hh.vsla_share[cand])
        degree = np.asarray(model.degree, float)[cand]
        conf = hh.confidence[cand] - model.params.behaviour.confidence_baseline
        logit = (
            p.join_intercept
            + p.join_wealth_coef * z(wealth)
            + p.join_degree_coef * z(degree)
            + p.join_confidence_coef * conf
        )
        return 1.0 / (1.0 + np.exp(-logit))

    def _pools(self, model: GraduationModel, members: np.ndarray) -> list[np.ndarray]:
        """Split members into formation pools: one per village; a village with fewer than
        ``min_size`` members is pooled with the next village(s) of its region, and a
        region's trailing remainder joins the region's last pool (or, if the whole region
        has too few, nobody there is grouped)."""
        hh = model.hh
        pools: list[np.ndarray] = []
        if members.size == 0:
            return pools
        members = members[np.argsort(hh.village[members], kind="stable")]
        vill = hh.village[members]
        starts = np.flatnonzero(np.r_[True, vill[1:] != vill[:-1]])
        ends = np.r_[starts[1:], members.size]
        current = members[:0]
        for lo, hi in zip(starts, ends, strict=True):
            if current.size and hh.region[current[0]] != hh.region[members[lo]]:
                self._close_pool(pools, current)
                current = members[:0]
            current = np.r_[current, members[lo:hi]]
            if current.size >= self.params.min_size:
                pools.append(current)
                current = members[:0]
        self._close_pool(pools, current)
        return pools

    def _close_pool(self, pools: list[np.ndarray], rest: np.ndarray) -> None:
        """A region's trailing villages, too few for a group, join its last pool."""
        region = self.model.hh.region
        if rest.size and pools and region[pools[-1][0]] == region[rest[0]]:
            pools[-1] = np.r_[pools[-1], rest]

    def _network_order(
        self, model: GraduationModel, pool: np.ndarray, local: np.ndarray
    ) -> np.ndarray:
        """Order a pool by village, then by wealth rank smoothed over network ties within
        the pool (two averaging passes), so consecutive members are network neighbours.

        Args:
            model: The model.
            pool: Household ids of the pool, shape ``(m,)``, distinct.
            local: Scratch array, int, shape ``(n,)``, -1 everywhere; left so on return.
        """
        hh, net = model.hh, model.network
        wealth = hh.assets[pool] + hh.savings[pool] + hh.vsla_share[pool]
        return kernels.network_order(
            net.indptr, net.indices, net.data, pool, wealth, hh.village[pool],
            NETWORK_ORDER_PASSES, local,
        )  # fmt: skip

    def _split(self, m: int) -> tuple[int, int]:
        """Number of groups and members placed for a pool of ``m``."""
        p = self.params
        lo = -(-m // p.max_size)
        hi = m // p.min_size
        if hi == 0:
            return 0, 0
        if lo <= hi:
            return int(np.clip(round(m / p.target_size), lo, hi)), m
        return hi, hi * p.max_size

    def _form_groups(self, model: GraduationModel, ids: np.ndarray | None = None) -> None:
        """Form groups among this round's candidates (a loop over pools: setup-time only).

        Args:
            model: The model.
            ids: Households the programme offers groups to (default: its participants);
                with self-selection, their villages.

        Raises:
            RuntimeError: If called outside the programme window.
        """
        if not model.programme_active:
            raise RuntimeError("savings groups are formed only inside the programme window")
        hh = model.hh
        cand = self._candidates(model, ids)
        if cand.size == 0:
            return
        if self.params.membership == "self_selected":
            joins = self.rng.random(cand.size) < self._join_probability(model, cand)
            members = cand[joins]
        else:
            members = cand
        new_groups: list[np.ndarray] = []
        local = np.full(hh.n, -1, np.intp)  # a pool member's position in its pool
        for pool in self._pools(model, members):
            n_groups, placed = self._split(pool.size)
            if n_groups == 0:
                continue
            if placed < pool.size:
                keep = np.sort(self.rng.choice(pool.size, placed, replace=False))
                pool = pool[keep]
            ordered = self._network_order(model, pool, local)
            new_groups.extend(np.array_split(ordered, n_groups))
        if not new_groups:
            return
        first = self.n_groups
        k = len(new_groups)
        for name in self._GROUP_FLOATS:
            setattr(self, name, np.r_[getattr(self, name), np.zeros(k)])
        for name in self._GROUP_INTS:
            setattr(self, name, np.r_[getattr(self, name), np.zeros(k, np.int64)])
        self.active = np.r_[self.active, np.zeros(k, bool)]
        self.dissolved_month = np.r_[self.dissolved_month, np.full(k, -1, np.int64)]
        for j, grp in enumerate(new_groups):
            gid = first + j
            self.pending_of[grp] = gid
            self.village[gid] = int(np.median(hh.village[grp]))
            self.size_formed[gid] = grp.size
        # facilitators reach the villages one after another over the formation window
        villages = np.unique(self.village[first:])
        offset = np.zeros(int(villages.max()) + 1, np.int64)
        offset[villages] = self.rng.integers(0, self.params.formation_window_months, villages.size)
        last = model.params.programme.end_month  # every group meets inside the window
        self.opens_month[first:] = np.minimum(model.month + offset[self.village[first:]], last)
        self._opening_months.update(self.opens_month[first:].tolist())
        self._open_groups(model)

    def _open_groups(self, model: GraduationModel) -> None:
        """Groups whose first meeting falls this month start meeting: their members join
        (``hh.savings_group``), their first cycle starts, and formation is paid for."""
        if model.month not in self._opening_months:  # no group's first meeting is due
            return
        self._opening_months.discard(model.month)
        opening = np.flatnonzero(
            ~self.active & (self.dissolved_month < 0) & (self.opens_month == model.month)
        )
        if opening.size == 0:
            return
        joined = np.flatnonzero(np.isin(self.pending_of, opening))
        self.group_of[joined] = self.pending_of[joined]
        self._members = None
        self.pending_of[joined] = -1
        self.active[opening] = True
        self.formed_month[opening] = model.month
        self.cycle_start[opening] = model.month - 1  # this month's meeting is cycle month 1
        self.ever_member[joined] = True
        self.cycle_contrib_months[joined] = 0
        model.hh.savings_group[joined] = self.group_of[joined]
        self.households_reached = int(self.ever_member.sum())
        self.charge(model, opening.size * self.params.formation_cost_usd_ppp)

    # ------------------------------------------------------------------ monthly parts
    def _emergencies(self, model: GraduationModel) -> None:
        """Grants to ill members, pro rata to what each group's social fund holds, then
        (``emergency_loans``) loans to those without one, paid out at once, before the
        month's spending (compiled:
        :func:`pushpull_sim.kernels.savings_groups.savings_groups_step`)."""
        p = self.params
        hh = model.hh
        ids, ask = kernels.savings_groups_step(
            self.group_of,
            hh.ill,
            self.social_fund,
            self.social_out_total,
            hh.savings,
            hh.financial_income,
            self.loan_balance,
            self.barred,
            hh.vsla_share,
            p.social_grant_usd_ppp,
            _RATION_MARGIN,
            p.loan_multiple,
        )
        if ids.size and p.emergency_loans and p.loan_multiple != 0:
            self._disburse(model, ids, ask)  # a late one is set off at the share-out

    def _disburse(self, model: GraduationModel, ids: np.ndarray, ask: np.ndarray) -> None:
        """Lend ``ask`` (shape ``(k,)``) to members ``ids``, rationed pro rata by each
        group's cash; loans below one share's value are not made (compiled:
        :func:`pushpull_sim.kernels.savings_groups.disburse`)."""
        p = self.params
        hh = model.hh
        kernels.disburse(
            ids,
            self.group_of,
            ask,
            model.month,
            p.loan_term_months,
            p.share_value_usd_ppp,
            _RATION_MARGIN,
            hh.savings,
            hh.debt,
            self.loan_balance,
            self.loan_months_left,
            self.loan_size,
            self.loan_month,
            self.arrears,
            self.loans_taken,
            self.fund,
            self.loans_out,
            self.disbursed_total,
        )

    def _share_out(self, model: GraduationModel, ids: np.ndarray, g: np.ndarray) -> None:
        """Share out the funds of the groups whose cycle ends (members ``ids``, groups ``g``).

        The group's value ``E`` = cash + outstanding loans set off against the borrowers'
        parts. Member ``i`` is entitled to ``w_i E`` (``w_i`` its share of the shares). A
        borrower whose part does not cover its loan loses the part and the rest is written
        off, which lowers ``E`` for everybody; with ``D`` such members,
        ``E = (cash + sum_{not D} loans) / (1 - sum_D w)``, found by a fixed point in which
        ``D`` only grows (at most a few passes; compiled:
        :func:`pushpull_sim.kernels.savings_groups.share_out`).
        """
        hh = model.hh
        groups = np.unique(g)
        profit = kernels.share_out(
            ids, g, _DUST, hh.vsla_share, self.loan_balance, hh.savings, hh.debt,
            hh.debt_written_off, hh.financial_income, self.shareout_shares,
            self.shareout_value, self.shareout_cash, self.loan_months_left, self.arrears,
            self.loans_defaulted, self.fund, self.loans_out, self.defaults_total,
            self.shareout_total,
        )  # fmt: skip
        # the cycle's record
        months = (model.month - self.cycle_start[groups]).astype(float)
        self._cycle_group.append(groups)
        self._cycle_month.append(np.full(groups.size, model.month))
        self._cycle_profit.append(profit[groups])
        self._cycle_avg_balance.append(self.balance_sum[groups] / months)
        self._cycle_months.append(months)
        self.cycles_completed[groups] += 1
        self.cycle_start[groups] = model.month
        self.balance_sum[groups] = 0.0
        # after the project: non-contributors leave, groups without enough contributors end
        if model.month > model.params.programme.end_month:
            self._renew_or_dissolve(model, ids, g, groups)
        self.cycle_contrib_months[ids] = 0

    def _renew_or_dissolve(
        self, model: GraduationModel, ids: np.ndarray, g: np.ndarray, groups: np.ndarray
    ) -> None:
        """After a post-project share-out: dissolve groups with too few regular
        contributors (splitting the social fund equally), and let irregular members go."""
        p = self.params
        hh = model.hh
        G = self.n_groups
        regular = self.cycle_contrib_months[ids] > p.regular_contributor_share * p.cycle_months
        n_regular = np.bincount(g, regular, minlength=G)
        ends = np.zeros(G, bool)
        ends[groups] = n_regular[groups] < p.min_active_members
        dissolving = ends[g]
        if dissolving.any():
            n_members = np.bincount(g, minlength=G)
            each = np.divide(
                np.maximum(self.social_fund, 0.0),
                n_members,
                out=np.zeros(G),
                where=n_members > 0,
            )
            back = np.where(dissolving, each[g], 0.0)
            hh.savings[ids] += back
            hh.financial_income[ids] += back
            paid = np.bincount(g, back, minlength=G)
            self.social_fund -= paid
            self.social_out_total += paid
            self.active[ends] = False
            self.dissolved_month[ends] = model.month
        leaving = ids[dissolving | ~regular]
        self.group_of[leaving] = -1
        self._members = None
        hh.savings_group[leaving] = -1
