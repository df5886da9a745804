"""Household state, held as numpy arrays with one entry per household.

Every attribute of :class:`Households` listed under *State* or *Flows* is a numpy array
of shape ``(n,)``. Stocks persist between months; flows are reset at the start of each
month and describe that month only. Money is USD PPP (2021), per household.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING

import numpy as np

from pushpull_sim.units import DAYS_PER_MONTH as DAYS_PER_MONTH  # re-exported

if TYPE_CHECKING:  # pragma: no cover
    from pushpull_sim.components import State

# arm codes, used in the arrays and the outputs
INELIGIBLE, CONTROL, TREATMENT = 0, 1, 2
ARM_NAMES = {INELIGIBLE: "ineligible", CONTROL: "control", TREATMENT: "treatment"}

# pathway stages (Fowler & Brand 2011, "Pathways out of Poverty")
STAGES = (
    "stabilise_consumption",
    "protect_assets",
    "acquire_assets",
    "leverage_assets",
    "stable_accumulation",
)

NEVER = -1

STOCKS = (
    "assets",
    "durables",
    "savings",
    "debt",
    "skill",
    "confidence",
    "quality",
    "reference_price",
)

#: Kinds of productive asset (the household's main own-account activity).
LIVESTOCK, ENTERPRISE, SHORT_CYCLE = 0, 1, 2
ASSET_KINDS = ("livestock", "enterprise", "short_cycle")

#: The core float state other than flows, in one block (:meth:`Households.check_finite`
#: sums it in one call); each is an attribute, a view of its row.
STATE_BLOCK = (
    "size_ae",
    "labour",
    "ability",
    "wage_rate",
    "remittance_gross",
    "transaction_cost",
    "casual_access",
    *STOCKS,
    "consumption_ppd",
    "income_12m",
    "income_wage_12m",
    "income_own_12m",
    "income_sales_12m",
    "food_security",
    "targeting_score",
)
_IN_BLOCK = frozenset(STATE_BLOCK)

FLOWS = (
    "income_wage",
    "income_own",
    "income_sales",
    "transfer_cash",
    "transfer_in_kind",
    "risk_sharing_in",
    "risk_sharing_out",
    "health_cost",
    "consumption",
    "asset_purchases",
    "asset_sale_proceeds",
    "asset_losses",
    "input_discount",
    "input_cost",
    "input_use",
    "input_subsidy",
    "interest_paid",
    "financial_income",
    "debt_written_off",
    "remittances",
    "remittance_fees",
    "cash_losses",
    "days_own",
    "days_casual",
    "durables_purchases",
    "durables_losses",
)
_FLOW_NAMES = frozenset(FLOWS)


_USD = "USD PPP"
#: Every household array of the core model, declared once: ``{name: (group, unit,
#: meaning)}``, groups in the order of the :class:`Households` docstring (components
#: declare their own arrays, :attr:`~pushpull_sim.components.Component.states`).
#: ``docs/ODD.md``'s table of state variables is generated from it, and a test checks it
#: names every array :class:`Households` holds.
HOUSEHOLD_VARIABLES: Mapping[str, tuple[str, str, str]] = MappingProxyType(
    {
        "village": ("identity", "village id", "The household's village."),
        "region": ("identity", "region id", "Its region (where droughts strike)."),
        "size_ae": ("identity", "adult equivalents", "Household size in adult equivalents."),
        "labour": ("identity", "adult equivalents", "Working adult equivalents offered to work."),
        "ability": ("identity", "multiplier, mean 1", "Multiplier on own production."),
        "wage_rate": ("identity", f"{_USD} per day", "The village casual wage this month."),
        "remittance_gross": ("identity", _USD, "Remittances sent to it each month."),
        "transaction_cost": (
            "identity",
            "share of value traded",
            "This month's cost of reaching markets (lowered by agents).",
        ),
        "casual_access": (
            "identity",
            "share of labour days",
            "Most casual work the household finds.",
        ),
        "assets": ("stock", _USD, "Productive assets at normal prices."),
        "durables": ("stock", _USD, "Household durable goods at replacement value."),
        "savings": ("stock", _USD, "Cash savings (>= 0)."),
        "debt": ("stock", _USD, "Debt to lenders and savings groups."),
        "skill": ("stock", "0-1", "Technical skill."),
        "confidence": ("stock", "0-1", "Soft skills and confidence."),
        "quality": ("stock", "share 0-1", "Share of output meeting buyers' standards."),
        "reference_price": (
            "stock",
            "multiple of the commercial price",
            "Input price the household regards as normal (drifts toward the price paid).",
        ),
        "asset_kind": (
            "stock",
            "code",
            "Kind of productive asset: 0 livestock, 1 small enterprise, 2 short-cycle product.",
        ),
        "ill": ("stock", "bool", "A member is ill this month."),
        "linked": ("stock", "bool", "Introduced to the pull side by linkage activities."),
        "in_push": ("stock", "bool", "Still in the push phase (not yet handed over to pull)."),
        "income_wage": ("flow", _USD, "Casual wage income this month."),
        "income_own": ("flow", _USD, "Income from own production this month."),
        "income_sales": ("flow", _USD, "Sales of own production this month."),
        "transfer_cash": ("flow", _USD, "Cash transfers received this month."),
        "transfer_in_kind": ("flow", _USD, "In-kind transfers (assets, subsidised inputs)."),
        "risk_sharing_in": ("flow", _USD, "Informal transfers received from neighbours."),
        "risk_sharing_out": ("flow", _USD, "Informal transfers given to neighbours."),
        "health_cost": ("flow", _USD, "Health costs paid."),
        "consumption": ("flow", _USD, "Consumption expenditure."),
        "asset_purchases": ("flow", _USD, "Productive assets bought."),
        "asset_sale_proceeds": ("flow", _USD, "Proceeds of productive assets sold in distress."),
        "asset_losses": (
            "flow",
            _USD,
            "Mortality, depreciation and the discount lost in distress sales.",
        ),
        "input_discount": ("flow", "share 0-1", "Voucher discount on inputs this month."),
        "input_cost": ("flow", _USD, "Inputs at the commercial price."),
        "input_use": ("flow", "share 0-1", "Share of the full input requirement bought."),
        "input_subsidy": ("flow", _USD, "Part of the inputs' cost paid by a voucher."),
        "interest_paid": ("flow", _USD, "Interest paid on loans."),
        "financial_income": ("flow", _USD, "Savings-group profit and social-fund grants, net."),
        "debt_written_off": ("flow", _USD, "Debt written off."),
        "remittances": ("flow", _USD, "Remittances received, net of fees."),
        "remittance_fees": ("flow", _USD, "Fees of the remittance channel."),
        "cash_losses": ("flow", _USD, "Cash lost at home."),
        "days_own": ("flow", "days", "Days worked in own production."),
        "days_casual": ("flow", "days", "Days worked in casual work."),
        "durables_purchases": ("flow", _USD, "Household durable goods bought."),
        "durables_losses": (
            "flow",
            _USD,
            "Durables' depreciation and the discount lost selling them in distress.",
        ),
        "consumption_ppd": (
            "status",
            f"{_USD} per adult equivalent per day",
            "Consumption per adult equivalent per day.",
        ),
        "income_12m": ("status", _USD, "Earned income, weighted monthly mean over ~12 months."),
        "income_wage_12m": ("status", _USD, "Wage income, weighted mean over ~12 months."),
        "income_own_12m": ("status", _USD, "Own production, weighted mean over ~12 months."),
        "income_sales_12m": ("status", _USD, "Sales, weighted mean over ~12 months."),
        "food_security": (
            "status",
            "0-1",
            "Weighted share of recent months with consumption at or above subsistence.",
        ),
        "last_distress_month": ("status", "month", "Last month it sold assets in distress."),
        "extreme_poor": ("status", "bool", "Below the extreme-poverty line this month."),
        "poor": ("status", "bool", "Below the poverty line this month."),
        "graduated": ("status", "bool", "Meets every graduation criterion this month."),
        "first_graduation_month": ("status", "month (-1 = never)", "First month graduated."),
        "status_changed_month": (
            "status",
            "month (-1 = never)",
            "Last month its graduation status changed.",
        ),
        "stage": ("status", "code", "Pathway stage (index into STAGES)."),
        "targeting_score": ("programme", "score", "The targeting rule's score (lower = poorer)."),
        "eligible": ("programme", "bool", "Eligible under the targeting rule."),
        "arm": ("programme", "code", "Trial arm: 0 ineligible, 1 control, 2 treatment."),
        "participant": ("programme", "bool", "Served by the push stream."),
    }
)


class NumericalError(ArithmeticError):
    """A household value is not a finite number (NaN or infinite): the model's arithmetic
    failed, and no result may be computed from it. The message is one line naming the
    month, the variable and the first household affected.

    Attributes:
        month: The month the value was found in (the month it arose: every month is
            checked).
        variable: The household array holding it.
        household: The first household id (array index) holding it.
    """

    def __init__(
        self,
        message: str,
        month: int | None = None,
        variable: str | None = None,
        household: int | None = None,
    ) -> None:
        super().__init__(message)
        self.month, self.variable, self.household = month, variable, household

    def __reduce__(self):  # keep the attributes across processes (pool workers, Dask)
        return (type(self), (str(self), self.month, self.variable, self.household))


class Households:
    """The household population.

    Attributes (all numpy arrays of shape ``(n,)``):
        Identity: ``village`` (int32), ``region`` (int32), ``size_ae`` (adult equivalents),
            ``labour`` (working adult equivalents offered to work, incl. capacity),
            ``ability`` (multiplier on own production, mean 1), ``remittance_gross`` (sent to
            the household each month, USD PPP), ``wage_rate`` (the village
            casual wage this month, USD PPP per day), ``casual_access`` (most casual work
            the household finds, share of its labour days), ``transaction_cost`` (this
            month's cost of reaching markets, a share of the value traded; lowered by
            agents).
        State: ``assets`` (productive assets at normal prices, USD PPP), ``durables``
            (household durable goods at replacement value, USD PPP), ``asset_kind``
            (int8: 0 livestock, 1 small enterprise, 2 short-cycle product), ``savings``
            (cash savings, USD PPP, >= 0), ``debt`` (USD PPP), ``skill`` (technical skill,
            0-1), ``confidence`` (soft skills, 0-1), ``quality`` (share of output meeting
            buyers' standards, 0-1), ``ill`` (bool, this month), ``reference_price`` (input
            price the household regards as normal, as a multiple of the commercial price;
            it includes the transaction cost, so it starts at 1 + the base transaction
            cost), ``linked`` (bool: introduced to the pull side by linkage activities),
            ``in_push`` (bool: still in the push phase, i.e. not yet handed over to pull).
        Component state: the arrays components declare (their ``states``), attached by
            :meth:`attach`; the model attaches every registered component's, so they
            exist whether or not the component runs: ``vsla_share`` (contributions held in
            a savings group, USD PPP) and ``savings_group`` (int32 group id, -1 = none)
            from savings groups, ``health_cover`` (share of illness costs a linked health
            scheme pays, 0-1) and ``social_protection`` (bool) from health linkage,
            ``buyer``/``agent``/``lender`` (int32 actor ids, -1 = none) from the pull
            actors. ``pushpull interventions`` lists every declaration.
        Flows this month: ``income_wage``, ``income_own``, ``income_sales`` (earned income by
            source), ``transfer_cash``, ``transfer_in_kind``, ``risk_sharing_in``,
            ``risk_sharing_out``, ``health_cost`` (paid), ``consumption``,
            ``asset_purchases``, ``asset_sale_proceeds``, ``asset_losses`` (mortality,
            depreciation and the discount lost in distress sales), ``input_discount``
            (voucher discount on inputs this month, 0-1, set by a subsidy), ``input_use`` (share of
            the full input requirement bought, 0-1), ``input_cost`` (inputs at the
            commercial price), ``input_subsidy`` (part of that paid by a voucher; also
            counted in ``transfer_in_kind``), ``interest_paid``, ``financial_income``
            (savings-group profit and social-fund grants, net), ``debt_written_off``,
            ``remittances`` (received, net of ``remittance_fees``), ``cash_losses`` (cash
            lost at home), ``days_own`` and ``days_casual`` (days the household worked
            in own production and in casual work; illness and drought lower both),
            ``durables_purchases`` (household durable goods bought, USD PPP; surveys count
            them in consumption expenditure), ``durables_losses`` (their depreciation and
            the discount lost when they are sold in distress).
        Status: ``consumption_ppd`` (USD PPP per adult equivalent per day),
            ``income_12m``/``income_wage_12m``/``income_own_12m``/``income_sales_12m``
            (exponentially weighted monthly means over about 12 months), ``food_security``
            (weighted share of recent months with consumption at or above subsistence, 0-1),
            ``last_distress_month``, ``extreme_poor``, ``poor`` (bool), ``graduated`` (bool),
            ``first_graduation_month``, ``status_changed_month`` (int32, -1 = never),
            ``stage`` (int8 index into :data:`STAGES`).
        Programme: ``targeting_score`` (the targeting rule's score, lower = poorer),
            ``eligible`` (bool), ``arm`` (int8: 0 ineligible, 1 control, 2 treatment),
            ``participant`` (bool).
    """

    def __init__(self, n: int) -> None:
        self.n = int(n)
        z = np.zeros
        # the core float state: rows of one block, so the finite-number check sums it at once
        self._state = z((len(STATE_BLOCK), n))

        def row(name: str, value: float = 0.0) -> np.ndarray:
            values = self._state[STATE_BLOCK.index(name)]
            values.fill(value)
            return values

        self.village = z(n, np.int32)
        self.region = z(n, np.int32)
        self.size_ae = row("size_ae", 1.0)
        self.labour = row("labour")
        self.ability = row("ability", 1.0)
        self.wage_rate = row("wage_rate")
        self.remittance_gross = row("remittance_gross")
        self.transaction_cost = row("transaction_cost")
        self.casual_access = row("casual_access")
        for name in STOCKS:
            setattr(self, name, row(name))
        self.reference_price[:] = 1.0
        self.asset_kind = z(n, np.int8)
        self.ill = z(n, bool)
        self.linked = z(n, bool)
        self.in_push = np.ones(n, bool)
        self._flows = z((len(FLOWS), n))  # every flow is a row of one block (one reset)
        self._link_flows()
        self.consumption_ppd = row("consumption_ppd")
        self.income_12m = row("income_12m")
        self.income_wage_12m = row("income_wage_12m")
        self.income_own_12m = row("income_own_12m")
        self.income_sales_12m = row("income_sales_12m")
        self.food_security = row("food_security", 1.0)
        self.last_distress_month = np.full(n, -10_000, np.int32)
        self.extreme_poor = z(n, bool)
        self.poor = z(n, bool)
        self.graduated = z(n, bool)
        self.first_graduation_month = np.full(n, NEVER, np.int32)
        self.status_changed_month = np.full(n, NEVER, np.int32)
        self.stage = z(n, np.int8)
        self.targeting_score = row("targeting_score")
        self.eligible = z(n, bool)
        self.arm = z(n, np.int8)
        self.participant = z(n, bool)
        # stocks at the start of the month, for the accounting check
        self.assets_start = z(n)
        self.durables_start = z(n)
        self.savings_start = z(n)
        self.vsla_share_start = z(n)
        self.debt_start = z(n)
        self._checked: list[str] | None = None  # arrays check_finite sums, after the flows

    def attach(self, states: Mapping[str, State]) -> None:
        """Add the household arrays components declare, each of shape ``(n,)``.

        Args:
            states: ``{name: State}``, e.g.
                :func:`pushpull_sim.components.household_states`.

        Raises:
            ValueError: If a name is already a household attribute (core state, or
                attached before).
        """
        for name, state in states.items():
            if name in self.__dict__:
                raise ValueError(f"household state {name!r} is already defined")
            setattr(self, name, state.allocate(self.n))

    def _link_flows(self) -> None:
        """Make each flow attribute a view of its row of ``self._flows``."""
        for i, name in enumerate(FLOWS):
            setattr(self, name, self._flows[i])

    def __setstate__(self, state: dict) -> None:
        """Unpickle: the flows and the state block's rows come back as separate arrays;
        put them in their blocks again."""
        self.__dict__.update(state)
        self._flows = np.stack([state[name] for name in FLOWS])
        self._link_flows()
        self._state = np.stack([state[name] for name in STATE_BLOCK])
        for i, name in enumerate(STATE_BLOCK):
            setattr(self, name, self._state[i])

    def begin_month(self) -> None:
        """Reset this month's flows and remember the opening stocks."""
        self._flows.fill(0.0)  # every flow at once (each is a view of a row)
        attrs, flows = self.__dict__, self._flows
        for name in FLOWS:
            if attrs[name].base is not flows:  # replaced by another array: reset it too
                attrs[name].fill(0.0)
        np.copyto(self.assets_start, self.assets)
        np.copyto(self.durables_start, self.durables)
        np.copyto(self.savings_start, self.savings)
        np.copyto(self.vsla_share_start, self.vsla_share)
        np.copyto(self.debt_start, self.debt)

    def check_finite(self, month: int) -> None:
        """Check that every float household array holds finite numbers only.

        Cheap enough to run every month: the sum of every array's sum, one number (the
        flows and the core state each summed in one call, as blocks; a
        NaN or an infinity anywhere makes it non-finite; only then are the values
        themselves examined, so finite values whose sum overflows raise nothing). Plain
        sums rather than BLAS dot products, whose threads keep spinning after the call
        and slow the step on a busy machine. The flows are examined first, in
        :data:`FLOWS` order, then the stocks, then the rest, so the variable named is
        where the failure shows first.

        Args:
            month: The current month (for the message).

        Raises:
            NumericalError: Naming the month, the variable, the first household holding
                a NaN or infinite value and how many households are affected.
        """
        if self._checked is None:  # the names, once: every state is attached by now
            names = [name for name, _ in self._checked_arrays()][1:]
            self._checked = [name for name in names if name not in _IN_BLOCK | _FLOW_NAMES]
        add = np.add.reduce
        attrs, block = self.__dict__, self._state
        with np.errstate(over="ignore"):  # an overflow is examined below, not warned
            total = add(self._flows, axis=None) + add(block, axis=None)
            for name in STATE_BLOCK:
                if attrs[name].base is not block:  # replaced by another array: sum it too
                    total += add(attrs[name])
            for name in FLOWS:
                if attrs[name].base is not self._flows:
                    total += add(attrs[name])
            for name in self._checked:
                total += add(attrs[name])
        if math.isfinite(total):  # a float64: the scalar test, without a ufunc call
            return
        for name, values in self._checked_arrays():
            bad = ~np.isfinite(values)
            if not bad.any():
                continue
            if values.ndim == 2:  # the flows block: name the first flow holding one
                row = int(np.flatnonzero(bad.any(axis=1))[0])
                name, bad, values = FLOWS[row], bad[row], values[row]
            first = int(np.flatnonzero(bad)[0])
            affected = np.zeros(self.n, bool)
            for _, other in self._checked_arrays():
                other_bad = ~np.isfinite(other)
                affected |= other_bad.any(axis=0) if other.ndim == 2 else other_bad
            raise NumericalError(
                f"month {month}: {name} of household {first} is {values[first]} (not a "
                f"finite number; {int(affected.sum())} of {self.n} households affected): "
                "the model's arithmetic failed there, so no result is reported",
                month=month,
                variable=name,
                household=first,
            )

    def _checked_arrays(self):
        """``(name, array)`` of every float household array: the flows block, the
        stocks, then the others (component states included)."""
        yield "flows", self._flows
        for name in FLOWS:  # a flow replaced by another array, no longer in the block
            if getattr(self, name).base is not self._flows:
                yield name, getattr(self, name)
        for name in STOCKS:
            yield name, getattr(self, name)
        skip = {*FLOWS, *STOCKS, "_flows", "_state", "_checked"}
        for name, values in vars(self).items():
            if (
                name not in skip
                and not name.endswith("_start")
                and isinstance(values, np.ndarray)
                and values.dtype.kind == "f"
            ):
                yield name, values

    @property
    def income(self) -> np.ndarray:
        """Earned income this month (wage + own production + sales), USD PPP, shape (n,)."""
        return self.income_wage + self.income_own + self.income_sales

    @property
    def net_worth(self) -> np.ndarray:
        """Cash savings + savings-group share + productive assets + household durables -
        debt, USD PPP, shape (n,)."""
        return self.savings + self.vsla_share + self.assets + self.durables - self.debt

    def accounting_residual(self) -> np.ndarray:
        """Per-household gap in this month's accounts, USD PPP, shape ``(n,)``.

        ``income + transfers (cash and in kind) + net risk sharing + financial income + debt
        written off + remittances (net of fees)`` minus ``consumption + Δ(net worth) +
        costs`` (health costs, asset and durables losses, interest paid, cash lost at home),
        where net worth = savings + savings-group share + assets + durables - debt. Zero up
        to floating-point error when no money appears or vanishes. Loans and their
        repayment move cash and debt together, so they do not enter.
        """
        inflow = (
            self.income
            + self.transfer_cash
            + self.transfer_in_kind
            + self.risk_sharing_in
            - self.risk_sharing_out
            + self.financial_income
            + self.debt_written_off
            + self.remittances
        )
        start = (
            self.savings_start
            + self.vsla_share_start
            + self.assets_start
            + self.durables_start
            - self.debt_start
        )
        outflow = (
            self.consumption
            + (self.net_worth - start)
            + self.health_cost
            + self.asset_losses
            + self.durables_losses
            + self.interest_paid
            + self.cash_losses
        )
        return inflow - outflow
