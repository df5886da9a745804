"""The core stages' kernels against the numpy code they replaced.

Each reference below is the stage's numpy implementation as it was before the stage was
fused into its kernel (:mod:`pushpull_sim.kernels.core`), kept verbatim but for the
names of the methods it calls. Each test runs the reference and the model's stage on
the same state (a model a few months in, its households' state then redrawn at random,
including zeros, drought, price shocks and both technologies) from the same random
streams, and compares every household array and the model's arrays: to a relative
1e-12, integers and booleans exactly.
"""

from __future__ import annotations

import numpy as np
import pytest

from pushpull_sim.bench import bench_scenario
from pushpull_sim.households import DAYS_PER_MONTH, NEVER, STAGES
from pushpull_sim.kernels import core as kernels
from pushpull_sim.livelihood import (
    Technology,
    binomial_deaths,
    time_allocation,
)
from pushpull_sim.model import MAX_HERD, GraduationModel

RTOL = 1e-12
#: Absolute tolerance, USD PPP (or shares): float dust around zero.
ATOL = 1e-12


# ---------------------------------------------------------------- the numpy references
# the production functions as the stages used them (the logistic then by tanh)
def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def own_production(assets: np.ndarray, p: Technology) -> np.ndarray:
    """Monthly net output of own production before shocks and skill effects.

    Args:
        assets: Productive assets, USD PPP, shape ``(n,)``, non-negative.
        p: Livelihood parameters, or per-household :class:`Technology`.

    Returns:
        numpy.ndarray: Net output, USD PPP per month, shape ``(n,)``.
    """
    if p.production == "concave":
        a = p.concave_alpha
        held = np.maximum(assets, 0.0)  # a power of -1e-13 is NaN
        return p.return_high_monthly * p.asset_threshold_usd_ppp ** (1.0 - a) * held**a
    rho = p.return_low_monthly + (p.return_high_monthly - p.return_low_monthly) * _sigmoid(
        (assets - p.asset_threshold_usd_ppp) / p.threshold_width_usd_ppp
    )
    sat = p.asset_saturation_usd_ppp
    return rho * sat * -np.expm1(-assets / sat)


def marginal_product(assets: np.ndarray, p: Technology) -> np.ndarray:
    """Marginal monthly net output of one more USD of assets, ``f'(A)``.

    Args:
        assets: Productive assets, USD PPP, shape ``(n,)``.
        p: Livelihood parameters, or per-household :class:`Technology`.

    Returns:
        numpy.ndarray: USD per USD per month, shape ``(n,)``.
    """
    if p.production == "concave":
        a = p.concave_alpha
        safe = np.maximum(assets, 1.0)  # finite at zero: the first dollar earns like the 1st
        return a * p.return_high_monthly * (p.asset_threshold_usd_ppp / safe) ** (1.0 - a)
    w = p.threshold_width_usd_ppp
    s = _sigmoid((assets - p.asset_threshold_usd_ppp) / w)
    span = p.return_high_monthly - p.return_low_monthly
    rho = p.return_low_monthly + span * s
    drho = span * s * (1.0 - s) / w
    sat = p.asset_saturation_usd_ppp
    e = np.exp(-assets / sat)
    return drho * sat * (1.0 - e) + rho * e


def ref_shocks(self) -> np.ndarray:
    """Draw this month's shocks; apply asset losses. Returns health-cost demand (n,)."""
    sc, hh = self.params.shocks, self.hh
    n = hh.n
    # illness
    rng = self.streams.get("shocks.illness")
    hh.ill[:] = rng.random(n) < sc.illness_prob_monthly
    cost = rng.lognormal(self._health_mu, sc.health_cost_sigma, n)
    if sc.health_cost_mean_usd_ppp > 0:
        health_demand = np.where(hh.ill, cost * (1.0 - hh.health_cover), 0.0)
    else:
        health_demand = np.zeros(n)
    # drought by region (covariate)
    rng = self.streams.get("shocks.drought")
    start = rng.random(self.n_regions) < 1.0 - (1.0 - sc.drought_prob_yearly) ** (1 / 12)
    self.drought_months_left = np.maximum(self.drought_months_left - 1, 0)
    self.drought_months_left[(self.drought_months_left == 0) & start] = sc.drought_duration_months
    # livestock mortality, with regional outbreaks
    rng = self.streams.get("shocks.livestock")
    self.outbreak = rng.random(self.n_regions) < sc.outbreak_prob_monthly
    u = rng.random(n)
    tech = self.tech
    p = tech.mortality_monthly * (1.0 - sc.skill_mortality_reduction * hh.skill)
    if self.outbreak.any():  # otherwise every factor below is 1.0
        outbreak = self.outbreak[hh.region] & tech.outbreak_exposed
        p = p * np.where(outbreak, sc.outbreak_mortality_multiplier, 1.0)
    p = np.minimum(p, 1.0)
    # units at risk; herds above MAX_HERD are treated as MAX_HERD equal shares, which
    # keeps the binomial inverse fast and finite at any scale
    units = np.minimum(np.ceil(hh.assets / tech.unit_value_usd_ppp), MAX_HERD)
    # deaths per herd: the binomial quantile, evaluated only where it can be above 0
    # (herds without deaths lose nothing: assets x 0 / units = 0)
    live, died = binomial_deaths(u, units, p)
    mortality = np.zeros(n)
    mortality[live] = hh.assets[live] * died / units[live]
    if sc.scheduled:
        mortality += self._scheduled_shocks(units, mortality)
    self.asset_deaths = mortality  # this month's deaths, for the event log
    depreciation = (hh.assets - mortality) * self.params.livelihood.depreciation_monthly
    # a herd that dies whole loses exactly its value: the sum above may exceed it in
    # the last bit, which would leave assets at -1e-13
    loss = np.minimum(mortality + depreciation, hh.assets)
    hh.assets -= loss
    hh.asset_losses += loss
    worn = hh.durables * self.params.behaviour.durables_depreciation_monthly
    hh.durables -= worn
    hh.durables_losses += worn
    return health_demand


def ref_risk_sharing(self, health_demand: np.ndarray) -> None:
    """Informal transfers from neighbours with cash above their buffer to ill households."""
    hh = self.hh
    share = self.params.network.risk_sharing_share
    if share == 0 or self.network.nnz == 0:
        return
    expected_loss = self.params.shocks.illness_income_loss * hh.income_12m
    gap = np.where(hh.ill, np.maximum(health_demand + expected_loss - hh.savings, 0.0), 0.0)
    needy = (gap > 0).astype(float)
    if not needy.any():
        return
    buffer = self._buffer
    offer = np.where(hh.ill, 0.0, share * np.maximum(hh.savings - buffer, 0.0))
    adj = self.network  # symmetric, so adj.T @ x == adj @ x, summed in the same order
    k = adj @ needy  # needy neighbours of each giver
    per_link = np.divide(offer, k, out=np.zeros_like(offer), where=k > 0)
    raw = needy * (adj @ per_link)
    scale = np.divide(gap, raw, out=np.zeros_like(raw), where=raw > 1e-12)
    scale = np.minimum(scale, 1.0)
    received = raw * scale
    given = per_link * (adj @ (needy * scale))
    hh.savings += received - given
    np.maximum(hh.savings, 0.0, out=hh.savings)  # guard float dust only
    hh.risk_sharing_in += received
    hh.risk_sharing_out += given


def ref_drought(self) -> np.ndarray | None:
    """Households in a region in drought, bool, shape ``(n,)``; None if no region is
    (then every drought factor is 1.0 and is skipped)."""
    in_drought = self.drought_months_left > 0
    if not in_drought.any():
        return None
    return in_drought[self.hh.region]


def ref_produce_and_earn(self) -> None:
    sc, hh = self.params, self.hh
    liv, sh = sc.livelihood, sc.shocks
    drought = ref_drought(self)
    ill_factor = 1.0 - sh.illness_income_loss * hh.ill
    own_days, days, _ = ref_time_allocation(self)
    offered = hh.labour * liv.labour_days_per_month - own_days  # to the casual market
    if drought is not None:  # otherwise the factor is 1.0
        days = days * (1.0 - sh.drought_wage_loss * drought)
    hh.days_own[:] = own_days * ill_factor
    hh.days_casual[:] = days * ill_factor
    if self.month > 0:
        ref_set_wages(self, offered)
    # remittances arrive, less the fee of the channel (cheaper through an agent)
    hh.remittance_fees[:] = hh.remittance_gross * hh.transaction_cost
    hh.remittances[:] = hh.remittance_gross - hh.remittance_fees
    hh.wage_rate[:] = self.wage[hh.village]
    hh.income_wage[:] = days * hh.wage_rate * ill_factor
    # own production: gross output and the input bill at full input use
    tech = self.tech
    scale = hh.ability * (1.0 + liv.skill_productivity_gain * hh.skill)
    net_full = own_production(hh.assets, tech) * scale
    gross_full = net_full / (1.0 - tech.input_share)
    bill_full = gross_full - net_full
    # inputs bought: fewer when the price paid is above the reference price
    # price paid, relative to the commercial price: voucher discount, transaction cost
    price = (1.0 - hh.input_discount) * (1.0 + hh.transaction_cost)
    if self._price_shocked:  # scheduled price shocks (otherwise every factor is 1.0)
        price = price * self.price_factor["input"][hh.region]
        bill_full = bill_full * self.price_factor["input"][hh.region]
    # use = min(ratio ** elasticity, 1): 1 wherever ratio >= 1 (the elasticity is >= 0),
    # so the power is only taken below (where prices are usually equal, ratio is 1)
    ratio = hh.reference_price / price
    use = np.ones(hh.n)
    below = np.flatnonzero(~(ratio >= 1.0))
    use[below] = np.minimum(ratio[below] ** liv.input_price_elasticity, 1.0)
    # and no more than the cash at hand pays for (a voucher stretches it)
    cash_at_hand = hh.savings + hh.income_wage + hh.transfer_cash + hh.remittances
    paid_at_full_use = bill_full * price
    affordable = np.divide(
        cash_at_hand, paid_at_full_use, out=np.ones_like(use), where=paid_at_full_use > 0
    )
    use = np.minimum(use, affordable)
    output = gross_full * (1.0 - liv.input_output_loss * (1.0 - use))
    if drought is not None:  # otherwise the factor is 1.0
        output = output * (1.0 - sh.drought_yield_loss * tech.drought_exposure * drought)
    output = output * ill_factor
    if self._price_shocked:
        output = output * self.price_factor["output"][hh.region]
    cost = use * bill_full * (1.0 + hh.transaction_cost)  # before any voucher
    subsidy = cost * hh.input_discount
    hh.input_use[:] = use
    hh.input_cost[:] = cost
    hh.input_subsidy[:] = subsidy
    hh.transfer_in_kind += subsidy
    if liv.local_price_discount:  # thin village markets pay less than the spot price
        output = output * (1.0 - liv.local_price_discount)
    hh.income_own[:] = output - cost
    # the reference price drifts toward the price paid (or, when vouchers are shown as
    # a separate payment, the commercial price), where inputs are bought
    anchor = price
    if self.levers["reference_anchoring"] == "commercial_price":
        anchor = 1.0 + hh.transaction_cost
    buying = np.flatnonzero(cost > 0)
    hh.reference_price[buying] += liv.reference_price_adjustment * (
        anchor[buying] - hh.reference_price[buying]
    )


def ref_time_allocation(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """This month's days in own production and in casual work, and whether more own
    production would displace casual work (:func:`~pushpull_sim.livelihood.time_allocation`),
    each shape ``(n,)``."""
    liv, hh = self.params.livelihood, self.hh
    return time_allocation(
        hh.assets,
        hh.labour * liv.labour_days_per_month,
        self.tech.labour_days_per_usd,
        hh.casual_access,
    )


def ref_marginal_net_return(
    self, ids: np.ndarray | None = None, tech: Technology | None = None
) -> np.ndarray:
    """What one more USD of productive assets earns a month, net: the marginal product
    (with the household's ability and skill) less depreciation, expected losses, and
    the wage given up for the days it takes once they come out of casual work rather
    than idle time. The one rule behind investing and borrowing to invest.

    Args:
        ids: Households, shape ``(k,)`` (default: everyone).
        tech: ``self.tech.take(ids)``, if the caller keeps it (default: taken here).

    Returns:
        numpy.ndarray: USD per USD per month, shape ``(k,)`` (or ``(n,)``).
    """
    hh, liv = self.hh, self.params.livelihood
    sel = slice(None) if ids is None else ids
    if tech is None:
        tech = self.tech if ids is None else self.tech.take(ids)
    assets = hh.assets[sel]
    skill = 1.0 + liv.skill_productivity_gain * hh.skill[sel]
    mpk = marginal_product(assets, tech) * hh.ability[sel] * skill
    _, _, displaces = time_allocation(
        assets,
        hh.labour[sel] * liv.labour_days_per_month,
        tech.labour_days_per_usd,
        hh.casual_access[sel],
    )
    wage_forgone = np.where(displaces, tech.labour_days_per_usd * hh.wage_rate[sel], 0.0)
    return mpk - liv.depreciation_monthly - tech.mortality_monthly - wage_forgone


def ref_labour_supply(self, offered: np.ndarray | None = None) -> np.ndarray:
    """Casual labour days offered per village this month, shape ``(villages,)``.

    Args:
        offered: :meth:`_labour_offered`, if already computed this month.
    """
    if offered is None:
        offered = self._labour_offered()
    return np.bincount(self.hh.village, weights=offered, minlength=self.wage.size)


def ref_set_wages(self, offered: np.ndarray | None = None) -> None:
    """Village casual wages respond to labour supply relative to the baseline survey.

    Args:
        offered: :meth:`_labour_offered`, if already computed this month.
    """
    liv = self.params.livelihood
    if liv.wage_flexibility == 0:
        return
    ref = self.labour_supply_baseline
    supply = ref_labour_supply(self, offered)
    ratio = np.divide(supply, ref, out=np.ones_like(ref), where=ref > 0)
    # a village emptied of casual labour keeps a finite wage
    ratio = np.clip(ratio, liv.wage_supply_ratio_min, liv.wage_supply_ratio_max)
    self.wage[:] = liv.wage_usd_ppp_per_day * ratio ** (-liv.wage_flexibility)


def ref_consume_save_invest(
    self, health_demand: np.ndarray, due: np.ndarray | None = None
) -> np.ndarray:
    """Consume, save and invest, setting aside ``due`` (USD PPP per household, the
    month's debt service: :meth:`Component.payments_due`) after subsistence and before
    any spending above it or investment.

    Returns the mask of households that sold assets in distress this month."""
    sc, hh = self.params, self.hh
    if due is None:
        due = np.zeros(hh.n)
    bh = sc.behaviour
    need = self.need
    # vouchers save cash; remittances arrive net of fees
    disposable = hh.income + hh.transfer_cash + hh.input_subsidy + hh.remittances
    cash = hh.savings + disposable
    # distress sale: only to keep consumption at the floor and pay for health
    price = 1.0 - bh.distress_sale_discount
    drought = ref_drought(self)
    if drought is not None:  # otherwise the factor is 1.0
        price = price * (1.0 - sc.shocks.drought_asset_price_drop * drought)
    if self._price_shocked:
        price = price * self.price_factor["asset"][hh.region]
    floor = bh.distress_floor_share * need
    short = np.maximum(floor + health_demand - cash, 0.0)
    # household durables go first (bedding, utensils, a radio), then productive assets
    durables_sold = np.minimum(hh.durables, short / price)
    durables_proceeds = durables_sold * price
    hh.durables -= durables_sold
    hh.durables_losses += durables_sold - durables_proceeds
    short = np.maximum(short - durables_proceeds, 0.0)
    sell = np.minimum(hh.assets, short / price)
    proceeds = sell * price
    hh.assets -= sell
    hh.asset_sale_proceeds += proceeds  # productive assets sold in distress
    hh.asset_losses += sell - proceeds
    cash += proceeds + durables_proceeds
    # health costs from cash above the consumption floor (the rest of the care is
    # forgone), then consumption
    paid = np.minimum(health_demand, np.maximum(cash - floor, 0.0))
    hh.health_cost += paid
    cash -= paid
    disposable -= paid
    # do productive assets beat the hurdle at the margin?
    worth_it = ref_marginal_net_return(self) > bh.investment_hurdle_monthly
    mpc = np.where(worth_it, bh.mpc_when_investing, bh.mpc_above_subsistence)
    # the month's debt service is set aside after subsistence, before the surplus
    target = need + mpc * np.maximum(disposable - due - need, 0.0)
    consumption = np.minimum(np.maximum(cash - due, np.minimum(cash, need)), target)
    cash -= consumption
    # part of the spending above subsistence buys durables: a store of value, sold
    # first in distress, which surveys count in consumption expenditure
    ds = bh.durables_share_of_surplus
    durables = ds * np.maximum(consumption - need, 0.0)
    # savings above the buffer: invest when assets beat the hurdle, else spend some
    buffer = self._buffer
    willing = bh.investment_share * np.minimum(  # np.clip, without its overhead
        np.maximum(1.0 + bh.confidence_investment_effect * (hh.confidence - 0.5), 0.0), 2.0
    )
    excess = np.minimum(np.maximum(cash - due - buffer, 0.0) * willing, np.maximum(cash, 0.0))
    invest = np.where(worth_it, excess, 0.0)
    spent = np.where(worth_it, 0.0, excess)
    durables += ds * spent
    consumption += spent
    cash -= excess
    hh.assets += invest
    hh.asset_purchases += invest
    hh.durables += durables
    hh.durables_purchases += durables
    hh.consumption += consumption - durables
    # cash kept at home is partly lost; with an agent it is kept in mobile money
    lost = np.where(hh.agent < 0, cash * sc.livelihood.cash_loss_monthly, 0.0)
    hh.cash_losses += lost
    hh.savings[:] = cash - lost
    return sell > 1e-9


def ref_confidence_dynamics(self) -> None:
    """Confidence drifts toward an anchor mixing its baseline and the neighbours' mean
    confidence: coaching's gains fade unless peers hold them up (network peer effects)."""
    bh, hh = self.params.behaviour, self.hh
    if bh.confidence_decay_monthly == 0:
        return
    neighbours = np.divide(
        self.network @ hh.confidence,
        self.degree,
        out=np.full(hh.n, bh.confidence_baseline),
        where=self.degree > 0,
    )
    w = bh.confidence_peer_weight
    anchor = (1.0 - w) * bh.confidence_baseline + w * neighbours
    hh.confidence += bh.confidence_decay_monthly * (anchor - hh.confidence)


def ref_update_status(self, sold: np.ndarray) -> None:
    sc, hh = self.params, self.hh
    st = sc.status
    month = self.month
    np.divide(hh.consumption, hh.size_ae * DAYS_PER_MONTH, out=hh.consumption_ppd)
    hh.last_distress_month[sold] = month
    if not self._initialised_averages:
        hh.income_12m[:] = hh.income
        hh.income_wage_12m[:] = hh.income_wage
        hh.income_own_12m[:] = hh.income_own
        hh.income_sales_12m[:] = hh.income_sales
        hh.food_security[:] = hh.consumption >= self._need_floor
        self._initialised_averages = True
    else:
        w = 1.0 / st.income_average_months
        hh.income_12m += w * (hh.income - hh.income_12m)
        hh.income_wage_12m += w * (hh.income_wage - hh.income_wage_12m)
        hh.income_own_12m += w * (hh.income_own - hh.income_own_12m)
        hh.income_sales_12m += w * (hh.income_sales - hh.income_sales_12m)
        hh.food_security += (1.0 / st.food_security_months) * (
            (hh.consumption >= self._need_floor) - hh.food_security
        )
    pv = sc.poverty
    cpd = hh.consumption_ppd
    if pv.definition == "international":
        hh.extreme_poor[:] = cpd < pv.extreme_line_usd_ppp_per_day
    else:  # the seed's definition: bottom half of the nationally poor, or under $1/day
        below = cpd < pv.national_line_usd_ppp_per_day
        half = np.median(cpd[below]) if below.any() else -np.inf
        hh.extreme_poor[:] = (cpd < pv.dollar_a_day_usd_ppp) | (below & (cpd <= half))
    hh.poor[:] = cpd < pv.poverty_line_usd_ppp_per_day

    g = sc.graduation
    line = {
        "extreme": pv.extreme_line_usd_ppp_per_day,
        "poverty": pv.poverty_line_usd_ppp_per_day,
        "subsistence": sc.behaviour.subsistence_usd_ppp_per_ae_day * (1 - 1e-12),
    }[g.consumption_line]
    source_min = g.income_source_min_share * np.maximum(hh.income_12m, 1e-12)
    sources = (
        (hh.income_wage_12m >= source_min).astype(np.int8)
        + (hh.income_own_12m >= source_min)
        + (hh.income_sales_12m >= source_min)
    ) * (hh.income_12m > 0)
    since_distress = month - hh.last_distress_month
    recent_distress = since_distress < g.no_distress_sale_months
    savings = hh.savings + hh.vsla_share  # confidence below changes neither
    graduated = (
        (cpd >= line)
        & (hh.assets >= g.min_assets_usd_ppp)
        & (savings >= g.min_savings_usd_ppp)
        & (sources >= g.min_income_sources)
        & ~recent_distress
    )
    changed = graduated != hh.graduated
    hh.status_changed_month[changed] = month
    first = graduated & (hh.first_graduation_month == NEVER) & (month > 0)
    hh.first_graduation_month[first] = month
    hh.graduated[:] = graduated

    ref_confidence_dynamics(self)

    # the stage: the first of these that holds (stage 4, the last, if none does);
    # assigned from the last condition to the first, so the first one wins
    stage = hh.stage
    stage.fill(len(STAGES) - 1)
    recent = since_distress < st.stage_recent_distress_months
    acute = since_distress < st.stage_acute_distress_months
    stage[(cpd < pv.poverty_line_usd_ppp_per_day) | recent] = 3
    stage[hh.assets < self.tech.asset_threshold_usd_ppp] = 2
    stage[savings < self._buffer] = 1
    stage[(hh.consumption < self._need_floor) | acute] = 0
    hh.check_finite(month)  # a NaN is an error here, never a status counted as a result


# ---------------------------------------------------------------- the harness
def _arrays(m: GraduationModel) -> dict[str, np.ndarray]:
    """Copies of every household array and the model's own arrays."""
    out = {f"hh.{k}": v.copy() for k, v in vars(m.hh).items() if isinstance(v, np.ndarray)}
    out["wage"] = m.wage.copy()
    out["drought_months_left"] = m.drought_months_left.copy()
    out["outbreak"] = m.outbreak.copy()
    for k, v in m.price_factor.items():
        out[f"price_factor.{k}"] = v.copy()
    return out


def _snapshot(m: GraduationModel) -> dict:
    streams = {k: g.bit_generator.state for k, g in m.streams._generators.items()}
    return {"arrays": _arrays(m), "streams": streams, "init": m._initialised_averages}


def _restore(m: GraduationModel, snap: dict) -> None:
    for key, v in snap["arrays"].items():
        if key.startswith("hh."):
            np.copyto(getattr(m.hh, key[3:]), v)
        elif key.startswith("price_factor."):
            np.copyto(m.price_factor[key[13:]], v)
        else:
            setattr(m, key, v.copy())
    for k, state in snap["streams"].items():
        m.streams._generators[k].bit_generator.state = state
    m._initialised_averages = snap["init"]


def _assert_same(ref: dict[str, np.ndarray], new: dict[str, np.ndarray]) -> None:
    assert ref.keys() == new.keys()
    for key, a in ref.items():
        b = new[key]
        if a.dtype.kind == "f":
            np.testing.assert_allclose(b, a, rtol=RTOL, atol=ATOL, err_msg=key)
        else:
            np.testing.assert_array_equal(b, a, err_msg=key)


def _randomise(m: GraduationModel, seed: int) -> None:
    """Redraw the households' state: productive assets from none to large herds (some
    far above the threshold, some at zero), savings, durables, skills, prices, illness,
    agents; some regions in drought; optionally price shocks."""
    rng = np.random.default_rng(seed)
    hh, n = m.hh, m.hh.n
    hh.assets[:] = rng.lognormal(5.0, 1.5, n) * (rng.random(n) > 0.1)
    hh.assets[: n // 50] = rng.uniform(5e3, 5e5, n // 50)  # big herds: many deaths
    hh.savings[:] = rng.lognormal(3.0, 1.5, n) * (rng.random(n) > 0.2)
    hh.durables[:] = rng.lognormal(3.0, 1.0, n) * (rng.random(n) > 0.3)
    hh.skill[:] = rng.random(n)
    hh.confidence[:] = rng.random(n)
    hh.vsla_share[:] = rng.lognormal(2.0, 1.0, n) * (rng.random(n) > 0.5)
    hh.income_12m[:] = rng.lognormal(4.0, 1.0, n)
    hh.income_wage_12m[:] = hh.income_12m * rng.random(n)
    hh.income_own_12m[:] = hh.income_12m * rng.random(n)
    hh.income_sales_12m[:] = hh.income_12m * rng.random(n) * (rng.random(n) > 0.5)
    hh.reference_price[:] = rng.uniform(0.5, 1.5, n)
    hh.input_discount[:] = np.where(rng.random(n) < 0.3, 0.5, 0.0)
    hh.transaction_cost[:] = rng.uniform(0.0, 0.2, n)
    hh.ill[:] = rng.random(n) < 0.3
    hh.agent[:] = np.where(rng.random(n) < 0.5, -1, 0)
    hh.last_distress_month[:] = m.month - rng.integers(0, 30, n)
    hh.income_wage[:] = rng.lognormal(3.0, 1.0, n)
    hh.income_own[:] = rng.lognormal(3.0, 1.0, n) - 10.0
    hh.income_sales[:] = rng.lognormal(2.0, 1.0, n) * (rng.random(n) > 0.6)
    hh.consumption[:] = rng.lognormal(5.0, 0.5, n)
    m.drought_months_left[:] = np.where(rng.random(m.n_regions) < 0.5, 2, 0)


SCENARIOS = {
    "s_shaped": {},
    "concave_seed_poverty": {
        "livelihood": {"production": "concave"},
        "poverty": {"definition": "seed"},
    },
}


@pytest.fixture(scope="module", params=list(SCENARIOS))
def model(request):
    overrides = SCENARIOS[request.param]
    sc = bench_scenario(600)
    sc = sc.with_overrides(**overrides) if overrides else sc
    m = GraduationModel(sc, seed=7)
    for _ in range(3):
        m.step()
    return m


def _run_both(m, seed, reference, stage, *args, price_shock=False):
    _randomise(m, seed)
    if price_shock:
        rng = np.random.default_rng(seed + 1)
        for factor in m.price_factor.values():
            factor[:] = rng.uniform(0.7, 1.3, factor.size)
    m._price_shocked = price_shock
    start = _snapshot(m)
    out_ref = reference(m, *args)
    ref = _arrays(m)
    _restore(m, start)
    out_new = stage(*args)
    _assert_same(ref, _arrays(m))
    for k in m.price_factor:
        m.price_factor[k].fill(1.0)
    m._price_shocked = False
    return out_ref, out_new


SEEDS = [1, 2, 3]


@pytest.mark.parametrize("seed", SEEDS)
def test_shocks(model, seed):
    ref, new = _run_both(model, seed, ref_shocks, model._shocks)
    np.testing.assert_allclose(new, ref, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("seed", SEEDS)
def test_risk_sharing(model, seed):
    demand = np.random.default_rng(seed).lognormal(3.0, 1.0, model.hh.n)
    _run_both(model, seed, ref_risk_sharing, model._risk_sharing, demand)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("price_shock", [False, True])
def test_produce_and_earn(model, seed, price_shock):
    month = model.month
    _run_both(model, seed, ref_produce_and_earn, model._produce_and_earn, price_shock=price_shock)
    model.month = 0  # before the baseline survey the wage is not reset
    _run_both(model, seed, ref_produce_and_earn, model._produce_and_earn)
    model.month = month


@pytest.mark.parametrize("seed", SEEDS)
def test_marginal_net_return(model, seed):
    ref, new = _run_both(model, seed, ref_marginal_net_return, model.marginal_net_return)
    np.testing.assert_allclose(new, ref, rtol=RTOL, atol=ATOL)
    ids = np.arange(0, model.hh.n, 7)
    ref, new = _run_both(model, seed, ref_marginal_net_return, model.marginal_net_return, ids)
    np.testing.assert_allclose(new, ref, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("price_shock", [False, True])
def test_consume_save_invest(model, seed, price_shock):
    rng = np.random.default_rng(seed)
    demand = rng.lognormal(3.0, 1.0, model.hh.n) * (rng.random(model.hh.n) < 0.3)
    due = rng.lognormal(2.0, 1.0, model.hh.n) * (rng.random(model.hh.n) < 0.2)
    ref, new = _run_both(
        model, seed, ref_consume_save_invest, model._consume_save_invest, demand, due,
        price_shock=price_shock,
    )  # fmt: skip
    np.testing.assert_array_equal(new, ref)
    assert ref.any() and not ref.all()  # some sold in distress, some did not


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("first", [False, True])
def test_update_status(model, seed, first):
    sold = np.random.default_rng(seed).random(model.hh.n) < 0.1
    model._initialised_averages = not first
    _run_both(model, seed, ref_update_status, model._update_status, sold)
    model._initialised_averages = True


def test_deaths_are_the_binomial_quantile():
    """The shocks kernel's deaths are :func:`binomial_deaths`' (Boost's quantile where
    the kernel leaves a herd PENDING), herd by herd, on random herds."""
    rng = np.random.default_rng(11)
    n = 20_000
    units = np.minimum(np.ceil(rng.lognormal(1.0, 2.0, n)), MAX_HERD)
    units[:100] = 0.0
    p = np.where(rng.random(n) < 0.2, rng.random(n), rng.random(n) * 0.05)
    p[100:200] = 1.0
    u = rng.random(n)
    live, died_ref = binomial_deaths(u, units, p)
    expected = np.zeros(n)
    expected[live] = died_ref
    out = [np.empty(n) for _ in range(5)]  # demand, units, p, died, mortality
    ill = np.zeros(n, bool)
    pending = kernels.shocks(
        np.ones(n), np.zeros(n), 0.0, 1.0, 0.0, np.zeros(n), False, u, units, np.zeros(n),
        np.zeros(n, np.int32), np.zeros(1, bool), np.zeros(n, bool), 1.0, p, 0.0,
        np.ones(n), float(MAX_HERD), ill, *out,
    )  # fmt: skip
    died = out[3]
    settled = died != kernels.PENDING
    assert pending == (~settled).sum() > 0
    np.testing.assert_array_equal(died[settled], expected[settled])
    assert (expected[~settled] > 3).mean() > 0.5  # what is left over: mostly many deaths


# ---------------------------------------------------------------- the hand-over
@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("past_minimum", [True, False])
def test_readiness_candidates_match_numpy(seed, past_minimum):
    """The readiness rule's candidates are numpy's, bit for bit (NaNs failing)."""
    rng = np.random.default_rng(seed)
    n = 500
    part = rng.random(n) < 0.6
    assets, savings, vsla, income = (rng.gamma(1.0, 100.0, n) for _ in range(4))
    need = rng.gamma(2.0, 30.0, n)
    for a in (assets, savings, vsla, income):
        a[rng.random(n) < 0.05] = 0.0
    savings[rng.random(n) < 0.02] = np.nan
    min_assets, min_months, min_share = 80.0, 1.5, 0.7
    want = (
        part
        & past_minimum
        & (assets >= min_assets)
        & (savings + vsla >= min_months * need)
        & (income >= min_share * need)
    )
    got = np.empty(n, bool)
    kernels.readiness_candidates(
        part, past_minimum, assets, min_assets, savings, vsla, min_months, need, income,
        min_share, got,
    )  # fmt: skip
    np.testing.assert_array_equal(got, want)
    assert want.any() == past_minimum  # the test sees candidates when there can be any


@pytest.mark.parametrize("coordination", [1.0, 0.4, 0.0])
def test_handed_over_matches_numpy(coordination):
    """The households handed over are numpy's ``flatnonzero`` of the same conditions."""
    rng = np.random.default_rng(7)
    n = 400
    candidates = rng.random(n) < 0.5
    month = np.where(rng.random(n) < 0.3, 12, NEVER).astype(np.int32)
    u = rng.random(n)
    want = np.flatnonzero(candidates & (month == NEVER) & (u < coordination))
    got = kernels.handed_over(candidates, month, NEVER, u, coordination)
    np.testing.assert_array_equal(got, want)
    assert got.dtype == want.dtype
    assert (got.size > 0) == (coordination > 0)
