"""Kernels of the model's core stages: shocks, risk sharing, production and earnings,
consumption/saving/investment, and status (see :data:`pushpull_sim.model.MONTHLY_STEPS`).

Each kernel is one pass (or two, where a stage needs a total before it can go on) over
the households, doing what the stage's numpy code did in many whole-population passes.
Money is USD PPP (2021) per household per month; every array argument has one entry per
household, shape ``(n,)``, unless its description says per village or per region. The
random numbers come in as arguments, drawn by the model from the stage's named stream.

The production function and the investment rule, household by household, come from
:mod:`pushpull_sim.kernels.livelihood` (one copy for every kernel); ``concave`` selects
the concave technology (else the S-shaped one with a poverty trap).
"""

from __future__ import annotations

import math

import numpy as np

from pushpull_sim.kernels import jit
from pushpull_sim.kernels.livelihood import marginal_net_return_one, own_production_one

#: Relative margin of the binomial-quantile shortcut (the same as
#: :data:`pushpull_sim.livelihood._MARGIN`, which documents it).
MARGIN = 1e-9
#: Smallest probability of no death for which cumulative sums are used (as
#: :data:`pushpull_sim.livelihood._NONE_DIE_MIN`).
NONE_DIE_MIN = 1e-6
#: Absolute slack on the lower bound ``1 - k p`` of the probability of no death, far
#: above its rounding error (about 1e-16), so the shortcut it allows never settles a herd
#: the exact test would not.
BOUND_SLACK = 1e-12
#: ``died`` value of a herd whose deaths the kernel leaves to Boost's binomial quantile.
PENDING = -1.0


@jit
def shocks(
    u_ill,
    z_health,
    health_mu,
    health_sigma,
    illness_prob,
    health_cover,
    charge_health,
    u_death,
    assets,
    skill,
    region,
    outbreak,
    outbreak_exposed,
    outbreak_multiplier,
    mortality_monthly,
    skill_mortality_reduction,
    unit_value,
    max_herd,
    ill,
    health_demand,
    units,
    p_death,
    died,
    mortality,
):
    """Shocks: illness and its health-cost demand, and deaths in each herd.

    A household falls ill when its draw ``u_ill`` is below ``illness_prob``; its demand
    for care is its lognormal health cost, ``exp(health_mu + health_sigma x z_health)``
    (the value ``Generator.lognormal`` gives from the same standard normal draw), less the
    share covered (``health_cover``), or 0 when ``charge_health`` is false (health care
    costs nothing). Each unit of a herd
    (``ceil(assets / unit_value)`` units, at most ``max_herd``) dies with probability
    ``mortality_monthly x (1 - skill_mortality_reduction x skill)``, times
    ``outbreak_multiplier`` in a region with an outbreak for exposed kinds (at most 1).
    Deaths are the binomial quantile at ``u_death``, settled here where the cumulative
    probabilities up to three deaths decide it by a relative margin of
    :data:`MARGIN` (as :func:`pushpull_sim.livelihood.binomial_deaths`); other herds are
    marked :data:`PENDING` in ``died`` for Boost's quantile, and their ``mortality`` left
    at 0.

    Args:
        u_ill, z_health: Draws, uniform and standard normal, shape ``(n,)``.
        health_mu, health_sigma (float): The health cost's log mean and log standard
            deviation (USD PPP).
        illness_prob (float): Monthly illness probability.
        health_cover: Share of health costs covered, ``(n,)``.
        charge_health (bool): Whether illness brings a health-cost demand.
        u_death: Uniform draws for deaths, ``(n,)``.
        assets: Productive assets, USD PPP, ``(n,)``.
        skill: Technical skill 0-1, ``(n,)``.
        region: Region of each household (int), ``(n,)``.
        outbreak: Whether each region has an outbreak this month, ``(regions,)``.
        outbreak_exposed: Whether the household's kind is exposed, ``(n,)``.
        outbreak_multiplier (float): Mortality multiplier in an outbreak.
        mortality_monthly: Per-unit monthly death probability, ``(n,)``.
        skill_mortality_reduction (float): Share of mortality skill removes at skill 1.
        unit_value: Value of one unit, USD PPP, ``(n,)``.
        max_herd (float): Most units at risk.
        ill, health_demand, units, p_death, died, mortality: Outputs, ``(n,)``: ill
            (bool), demand for care (USD PPP), units at risk, each unit's death
            probability, deaths (``PENDING`` where left to Boost) and the value lost to
            deaths (USD PPP).

    Returns:
        int: Number of herds marked ``PENDING``.
    """
    n = assets.size
    pending = 0
    for i in range(n):
        sick = u_ill[i] < illness_prob
        ill[i] = sick
        health_demand[i] = 0.0
        if sick and charge_health:
            cost = math.exp(health_mu + health_sigma * z_health[i])
            health_demand[i] = cost * (1.0 - health_cover[i])
        p = mortality_monthly[i] * (1.0 - skill_mortality_reduction * skill[i])
        if outbreak[region[i]] and outbreak_exposed[i]:
            p = p * outbreak_multiplier
        p = min(p, 1.0)
        p_death[i] = p
        k = min(math.ceil(assets[i] / unit_value[i]), max_herd)
        units[i] = k
        mortality[i] = 0.0
        died[i] = 0.0
        if not k > 0:
            continue
        u = u_death[i]
        # no death when u <= P(no death) = (1 - p)^k; as (1 - p)^k >= 1 - k p (Bernoulli's
        # inequality), most herds are settled without the power
        if u <= (1.0 - k * p - BOUND_SLACK) * (1.0 - MARGIN):
            continue
        none_die = (1.0 - p) ** k
        if not u > none_die * (1.0 - MARGIN):
            continue
        d = PENDING
        if none_die > NONE_DIE_MIN:
            p1 = k * p * (1.0 - p) ** (k - 1.0)
            c1 = none_die + p1
            if u < c1 * (1.0 - MARGIN):
                d = 1.0
            else:
                ratio = p / (1.0 - p)
                p2 = p1 * ratio * ((k - 1.0) / 2.0)
                p3 = p2 * ratio * ((k - 2.0) / 3.0)
                c2 = c1 + p2
                c3 = c2 + p3
                if u > c1 * (1.0 + MARGIN) and u < c2 * (1.0 - MARGIN):
                    d = 2.0
                elif u > c2 * (1.0 + MARGIN) and u < c3 * (1.0 - MARGIN):
                    d = 3.0
        died[i] = d
        if d == PENDING:
            pending += 1
        else:
            mortality[i] = assets[i] * d / k
    return pending


@jit
def shocks_losses(
    mortality,
    depreciation_monthly,
    durables_depreciation,
    assets,
    asset_losses,
    durables,
    durables_losses,
):
    """Shocks: apply the month's deaths and wear (the last part of the shocks stage).

    Depreciation takes ``depreciation_monthly`` of the assets left after deaths; the loss
    is at most the assets (a herd that dies whole loses exactly its value). Durables wear
    at ``durables_depreciation`` a month.

    Args:
        mortality: Value lost to deaths, USD PPP, ``(n,)``.
        depreciation_monthly (float): Share of productive assets lost a month.
        durables_depreciation (float): Share of durables lost a month.
        assets, asset_losses, durables, durables_losses: Updated in place, USD PPP,
            ``(n,)``.
    """
    for i in range(assets.size):
        a = assets[i]
        loss = min(mortality[i] + (a - mortality[i]) * depreciation_monthly, a)
        assets[i] = a - loss
        asset_losses[i] += loss
        worn = durables[i] * durables_depreciation
        durables[i] -= worn
        durables_losses[i] += worn


@jit
def risk_sharing(
    indptr,
    indices,
    data,
    ill,
    health_demand,
    income_12m,
    illness_income_loss,
    savings,
    buffer,
    share,
    risk_sharing_in,
    risk_sharing_out,
):
    """Risk sharing: informal transfers from neighbours with cash above their buffer to
    households hit by illness.

    An ill household's gap is its health-cost demand and expected income loss
    (``illness_income_loss x income_12m``) beyond its savings. Each healthy household
    offers ``share`` of its savings above its buffer, split equally among its needy
    neighbours; a needy household takes what its neighbours offer up to its gap, and
    each giver gives in proportion to what its neighbours took.

    Args:
        indptr, indices, data: The network's adjacency (symmetric, CSR), ``n`` rows.
        ill: Ill this month (bool), ``(n,)``.
        health_demand: Demand for care, USD PPP, ``(n,)``.
        income_12m: Average monthly earned income, USD PPP, ``(n,)``.
        illness_income_loss (float): Share of income an illness loses.
        savings: Cash savings, USD PPP, ``(n,)``; updated in place.
        buffer: Precautionary buffer, USD PPP, ``(n,)``.
        share (float): Share of savings above the buffer offered.
        risk_sharing_in, risk_sharing_out: Received and given, USD PPP, ``(n,)``; added to.
    """
    n = savings.size
    gap = np.zeros(n)
    needy = np.zeros(n)
    any_needy = False
    for i in range(n):
        if ill[i]:
            g = max(health_demand[i] + illness_income_loss * income_12m[i] - savings[i], 0.0)
            gap[i] = g
            if g > 0:
                needy[i] = 1.0
                any_needy = True
    if not any_needy:
        return
    per_link = np.zeros(n)
    for i in range(n):
        k = 0.0
        for jj in range(indptr[i], indptr[i + 1]):
            k += data[jj] * needy[indices[jj]]
        if k > 0 and not ill[i]:
            per_link[i] = share * max(savings[i] - buffer[i], 0.0) / k
    raw = np.zeros(n)
    scale = np.zeros(n)
    for i in range(n):
        if needy[i] > 0:
            r = 0.0
            for jj in range(indptr[i], indptr[i + 1]):
                r += data[jj] * per_link[indices[jj]]
            raw[i] = r
            if r > 1e-12:
                scale[i] = min(gap[i] / r, 1.0)
    for i in range(n):
        taken = 0.0
        for jj in range(indptr[i], indptr[i + 1]):
            j = indices[jj]
            taken += data[jj] * (needy[j] * scale[j])
        received = raw[i] * scale[i]
        given = per_link[i] * taken
        savings[i] = max(savings[i] + (received - given), 0.0)
        risk_sharing_in[i] += received
        risk_sharing_out[i] += given


@jit
def produce_and_earn(
    ill,
    illness_income_loss,
    labour,
    labour_days_per_month,
    assets,
    days_per_usd,
    casual_access,
    region,
    region_drought,
    any_drought,
    drought_wage_loss,
    drought_yield_loss,
    drought_exposure,
    village,
    wage,
    set_wages,
    labour_supply_baseline,
    wage_base,
    wage_flexibility,
    ratio_min,
    ratio_max,
    remittance_gross,
    transaction_cost,
    ability,
    skill,
    skill_productivity_gain,
    concave,
    alpha,
    threshold,
    width,
    r_lo,
    r_hi,
    sat,
    input_share,
    input_discount,
    price_shocked,
    input_factor,
    output_factor,
    reference_price,
    input_price_elasticity,
    savings,
    transfer_cash,
    input_output_loss,
    local_price_discount,
    anchor_commercial,
    reference_price_adjustment,
    days_own,
    days_casual,
    remittance_fees,
    remittances,
    wage_rate,
    income_wage,
    input_use,
    input_cost,
    input_subsidy,
    transfer_in_kind,
    income_own,
):
    """Produce and earn: time allocation, casual wages, remittances, own production with
    inputs.

    Own production takes ``assets x days_per_usd`` of the household's labour days, idle
    days first; casual work finds at most ``casual_access`` of its days (less in a
    drought). Village wages (``set_wages``) respond to the days offered to the casual
    market against the baseline survey's (``wage_base x ratio ** -wage_flexibility``, the
    ratio clipped to ``[ratio_min, ratio_max]``). Remittances arrive less the channel's
    fee. Own production's gross output needs inputs worth ``input_share`` of it; the
    household buys fewer when the price it pays is above its reference price (elasticity
    ``input_price_elasticity``) or its cash does not cover them, losing
    ``input_output_loss`` of output per share not bought. Drought, illness, price shocks
    and thin village markets (``local_price_discount``) scale output. The reference price
    drifts toward the price paid (or the commercial price, ``anchor_commercial``) where
    inputs are bought.

    Args:
        ill: Ill this month (bool), ``(n,)``; ``illness_income_loss`` (float) the share of
            work an illness loses.
        labour: Working adults, ``(n,)``; ``labour_days_per_month`` (float) days each.
        assets, days_per_usd, casual_access: Productive assets (USD PPP), days a month one
            USD of assets takes, most casual work found (share of days), ``(n,)``.
        region, village: Region and village of each household (int), ``(n,)``.
        region_drought: Whether each region is in drought, ``(regions,)``;
            ``any_drought`` (bool) whether any is.
        drought_wage_loss, drought_yield_loss (float): Shares lost in a drought;
            ``drought_exposure`` ``(n,)`` the share of the yield loss each kind suffers.
        wage: Casual wage per village, USD PPP a day, ``(villages,)``; updated in place
            when ``set_wages``; ``labour_supply_baseline`` ``(villages,)`` days offered at
            the baseline survey; ``wage_base``, ``wage_flexibility``, ``ratio_min``,
            ``ratio_max`` (float) the wage rule's parameters.
        remittance_gross, transaction_cost: ``(n,)``.
        ability, skill: ``(n,)``; ``skill_productivity_gain`` (float).
        concave, alpha, threshold, width, r_lo, r_hi, sat: Technology (see
            :func:`own_production`; arrays ``(n,)`` but ``concave`` and ``alpha``).
        input_share, input_discount: ``(n,)``.
        price_shocked (bool), input_factor, output_factor: Scheduled price factors per
            region, ``(regions,)`` (read only when ``price_shocked``).
        reference_price: ``(n,)``, updated in place; ``input_price_elasticity`` (float).
        savings, transfer_cash: Cash at hand before the month's spending, ``(n,)``.
        input_output_loss, local_price_discount, reference_price_adjustment (float);
            ``anchor_commercial`` (bool).
        days_own, days_casual, remittance_fees, remittances, wage_rate, income_wage,
            input_use, input_cost, input_subsidy, income_own: Outputs, ``(n,)``;
            ``transfer_in_kind`` is added to (the input subsidy).
    """
    n = assets.size
    casual = np.empty(n)
    if set_wages:
        supply = np.zeros(wage.size)
    else:
        supply = np.zeros(0)
    for i in range(n):
        ill_factor = 1.0 - illness_income_loss * ill[i]
        days = labour[i] * labour_days_per_month
        own = min(max(assets[i], 0.0) * days_per_usd[i], days)
        c = min(days - own, casual_access[i] * days)
        if set_wages:
            supply[village[i]] += days - own
        if any_drought:
            c = c * (1.0 - drought_wage_loss * region_drought[region[i]])
        casual[i] = c
        days_own[i] = own * ill_factor
        days_casual[i] = c * ill_factor
    if set_wages:
        for v in range(wage.size):
            ref = labour_supply_baseline[v]
            ratio = supply[v] / ref if ref > 0 else 1.0
            ratio = min(max(ratio, ratio_min), ratio_max)
            wage[v] = wage_base * ratio ** (-wage_flexibility)
    for i in range(n):
        ill_factor = 1.0 - illness_income_loss * ill[i]
        tc = transaction_cost[i]
        fee = remittance_gross[i] * tc
        remittance_fees[i] = fee
        remittances[i] = remittance_gross[i] - fee
        w = wage[village[i]]
        wage_rate[i] = w
        income_wage[i] = casual[i] * w * ill_factor
        scale = ability[i] * (1.0 + skill_productivity_gain * skill[i])
        net_full = (
            own_production_one(
                assets[i], concave, alpha, threshold[i], width[i], r_lo[i], r_hi[i], sat[i]
            )
            * scale
        )
        gross_full = net_full / (1.0 - input_share[i])
        bill_full = gross_full - net_full
        price = (1.0 - input_discount[i]) * (1.0 + tc)
        if price_shocked:
            price = price * input_factor[region[i]]
            bill_full = bill_full * input_factor[region[i]]
        ratio = reference_price[i] / price
        use = 1.0
        if not ratio >= 1.0:
            use = min(ratio**input_price_elasticity, 1.0)
        cash_at_hand = savings[i] + income_wage[i] + transfer_cash[i] + remittances[i]
        paid_at_full_use = bill_full * price
        if paid_at_full_use > 0:
            use = min(use, cash_at_hand / paid_at_full_use)
        output = gross_full * (1.0 - input_output_loss * (1.0 - use))
        if any_drought:
            output = output * (
                1.0 - drought_yield_loss * drought_exposure[i] * region_drought[region[i]]
            )
        output = output * ill_factor
        if price_shocked:
            output = output * output_factor[region[i]]
        cost = use * bill_full * (1.0 + tc)
        subsidy = cost * input_discount[i]
        input_use[i] = use
        input_cost[i] = cost
        input_subsidy[i] = subsidy
        transfer_in_kind[i] += subsidy
        if local_price_discount:
            output = output * (1.0 - local_price_discount)
        income_own[i] = output - cost
        if cost > 0:
            anchor = (1.0 + tc) if anchor_commercial else price
            reference_price[i] += reference_price_adjustment * (anchor - reference_price[i])


@jit
def consume_save_invest(
    income_wage,
    income_own,
    income_sales,
    transfer_cash,
    input_subsidy,
    remittances,
    health_demand,
    due,
    need,
    buffer,
    region,
    region_drought,
    any_drought,
    drought_asset_price_drop,
    price_shocked,
    asset_factor,
    distress_sale_discount,
    distress_floor_share,
    assets,
    ability,
    skill,
    labour,
    casual_access,
    wage_rate,
    threshold,
    width,
    r_lo,
    r_hi,
    sat,
    mortality_monthly,
    days_per_usd,
    concave,
    alpha,
    skill_productivity_gain,
    labour_days_per_month,
    depreciation_monthly,
    investment_hurdle,
    mpc_when_investing,
    mpc_above_subsistence,
    durables_share,
    investment_share,
    confidence_investment_effect,
    confidence,
    agent,
    cash_loss_monthly,
    savings,
    durables,
    durables_losses,
    asset_sale_proceeds,
    asset_losses,
    health_cost,
    asset_purchases,
    durables_purchases,
    consumption,
    cash_losses,
    sold,
):
    """Consume, save and invest, setting aside ``due`` (the month's debt service) after
    subsistence and before any spending above it or investment.

    Cash is savings plus the month's disposable income (earnings, cash transfers, the
    cash a voucher saves, remittances). A household short of its consumption floor
    (``distress_floor_share`` of ``need``) plus health costs sells durables, then
    productive assets, at a discount (deeper in a drought or an asset price shock). It
    pays health costs from cash above the floor, consumes its need plus ``mpc`` of its
    disposable income above need and debt service (``mpc_when_investing`` where assets
    beat ``investment_hurdle`` at the margin, else ``mpc_above_subsistence``), and moves
    a confidence-scaled share of its cash above debt service and buffer into assets where
    they beat the hurdle, else spends it. A share (``durables_share``) of spending above
    need buys durables. Cash kept at home without an agent (``agent < 0``) loses
    ``cash_loss_monthly``.

    Args:
        income_wage, income_own, income_sales, transfer_cash, input_subsidy, remittances:
            The month's income and transfers, USD PPP, ``(n,)``.
        health_demand, due, need, buffer: USD PPP, ``(n,)``.
        region, region_drought, any_drought, price_shocked, asset_factor: As in
            :func:`produce_and_earn` (``asset_factor`` per region).
        drought_asset_price_drop, distress_sale_discount, distress_floor_share (float).
        assets ... depreciation_monthly: The arguments of
            :func:`pushpull_sim.kernels.livelihood.marginal_net_return_one` after ``i``
            (:func:`pushpull_sim.livelihood.production_args`); ``assets`` is updated in
            place.
        investment_hurdle, mpc_when_investing, mpc_above_subsistence, durables_share,
            investment_share, confidence_investment_effect, cash_loss_monthly (float).
        confidence: ``(n,)``; agent: the household's agent, or < 0 for none (int), ``(n,)``.
        savings, durables: Updated in place, USD PPP, ``(n,)``.
        durables_losses, asset_sale_proceeds, asset_losses, health_cost, asset_purchases,
            durables_purchases, consumption, cash_losses: Added to, USD PPP, ``(n,)``.
        sold: Output: sold productive assets in distress this month (bool), ``(n,)``.
    """
    for i in range(savings.size):
        disposable = (
            (income_wage[i] + income_own[i] + income_sales[i])
            + transfer_cash[i]
            + input_subsidy[i]
            + remittances[i]
        )
        cash = savings[i] + disposable
        price = 1.0 - distress_sale_discount
        if any_drought:
            price = price * (1.0 - drought_asset_price_drop * region_drought[region[i]])
        if price_shocked:
            price = price * asset_factor[region[i]]
        floor = distress_floor_share * need[i]
        short = max(floor + health_demand[i] - cash, 0.0)
        d_sold = min(durables[i], short / price)
        d_proceeds = d_sold * price
        durables[i] -= d_sold
        durables_losses[i] += d_sold - d_proceeds
        short = max(short - d_proceeds, 0.0)
        sell = min(assets[i], short / price)
        proceeds = sell * price
        assets[i] -= sell
        asset_sale_proceeds[i] += proceeds
        asset_losses[i] += sell - proceeds
        cash += proceeds + d_proceeds
        paid = min(health_demand[i], max(cash - floor, 0.0))
        health_cost[i] += paid
        cash -= paid
        disposable -= paid
        worth_it = (
            marginal_net_return_one(
                i,
                assets,
                ability,
                skill,
                labour,
                casual_access,
                wage_rate,
                threshold,
                width,
                r_lo,
                r_hi,
                sat,
                mortality_monthly,
                days_per_usd,
                concave,
                alpha,
                skill_productivity_gain,
                labour_days_per_month,
                depreciation_monthly,
            )  # fmt: skip
            > investment_hurdle
        )
        mpc = mpc_when_investing if worth_it else mpc_above_subsistence
        n_i = need[i]
        d_i = due[i]
        target = n_i + mpc * max(disposable - d_i - n_i, 0.0)
        c = min(max(cash - d_i, min(cash, n_i)), target)
        cash -= c
        bought = durables_share * max(c - n_i, 0.0)
        willing = investment_share * min(
            max(1.0 + confidence_investment_effect * (confidence[i] - 0.5), 0.0), 2.0
        )
        excess = min(max(cash - d_i - buffer[i], 0.0) * willing, max(cash, 0.0))
        if worth_it:
            assets[i] += excess
            asset_purchases[i] += excess
        else:
            bought += durables_share * excess
            c += excess
        cash -= excess
        durables[i] += bought
        durables_purchases[i] += bought
        consumption[i] += c - bought
        lost = cash * cash_loss_monthly if agent[i] < 0 else 0.0
        cash_losses[i] += lost
        savings[i] = cash - lost
        sold[i] = sell > 1e-9


@jit
def update_status(
    month,
    first,
    consumption,
    consumption_ppd,
    need_floor,
    income_wage,
    income_own,
    income_sales,
    income_average_months,
    food_security_months,
    income_12m,
    income_wage_12m,
    income_own_12m,
    income_sales_12m,
    food_security,
    sold,
    last_distress_month,
    international,
    extreme_line,
    dollar_a_day,
    national_line,
    half,
    poverty_line,
    extreme_poor,
    poor,
    graduation_line,
    income_source_min_share,
    min_assets,
    min_savings,
    min_income_sources,
    no_distress_sale_months,
    assets,
    savings,
    vsla_share,
    graduated,
    status_changed_month,
    first_graduation_month,
    never,
    confidence_decay,
    indptr,
    indices,
    data,
    degree,
    confidence_baseline,
    confidence_peer_weight,
    confidence,
    asset_threshold,
    buffer,
    stage_recent_months,
    stage_acute_months,
    stage,
):
    """Status: poverty, graduation, confidence and the pathway stage.

    Earned income and food security are averaged (exponentially, over
    ``income_average_months`` and ``food_security_months``; the first call sets them).
    A household is extremely poor below ``extreme_line`` a day per adult equivalent (the
    international definition) or, by the seed's definition, below ``dollar_a_day`` or at
    most ``half`` (the median among those below ``national_line``); poor below
    ``poverty_line``. It graduates when consumption reaches ``graduation_line``, assets
    ``min_assets``, savings and savings-group share ``min_savings``, it has at least
    ``min_income_sources`` sources each at least ``income_source_min_share`` of income,
    and has not sold assets in distress for ``no_distress_sale_months``. Confidence
    drifts (``confidence_decay`` a month) toward a mix of its baseline and its
    neighbours' mean. The stage is the first of: consumption below need or acute distress
    (0), savings below the buffer (1), assets below the technology's threshold (2), poor
    or recent distress (3), else stable accumulation (4).

    Args:
        month (int): This month; ``first`` (bool) whether the averages start now.
        consumption, consumption_ppd: This month's consumption (USD PPP) and per adult
            equivalent a day, ``(n,)``; ``need_floor`` the need less float dust ``(n,)``.
        income_wage, income_own, income_sales: ``(n,)``.
        income_average_months, food_security_months (float).
        income_12m, income_wage_12m, income_own_12m, income_sales_12m, food_security:
            Averages, updated in place, ``(n,)``.
        sold: Sold assets in distress this month (bool); ``last_distress_month`` (int)
            updated in place, ``(n,)``.
        international (bool), extreme_line, dollar_a_day, national_line, half,
            poverty_line (float): The poverty lines, USD PPP per AE a day.
        extreme_poor, poor: Outputs (bool), ``(n,)``.
        graduation_line, income_source_min_share, min_assets, min_savings (float),
            min_income_sources, no_distress_sale_months (int): Graduation criteria.
        assets, savings, vsla_share: ``(n,)``.
        graduated, status_changed_month, first_graduation_month: Updated in place;
            ``never`` (int) marks no month.
        confidence_decay, confidence_baseline, confidence_peer_weight (float); indptr,
            indices, data: the network (CSR); degree ``(n,)``; confidence updated in place.
        asset_threshold, buffer: ``(n,)``; stage_recent_months, stage_acute_months (int).
        stage: Output (int), ``(n,)``.
    """
    n = consumption.size
    w = 1.0 / income_average_months
    wf = 1.0 / food_security_months
    for i in range(n):
        if sold[i]:
            last_distress_month[i] = month
        fed = consumption[i] >= need_floor[i]
        inc = income_wage[i] + income_own[i] + income_sales[i]
        if first:
            income_12m[i] = inc
            income_wage_12m[i] = income_wage[i]
            income_own_12m[i] = income_own[i]
            income_sales_12m[i] = income_sales[i]
            food_security[i] = 1.0 if fed else 0.0
        else:
            income_12m[i] += w * (inc - income_12m[i])
            income_wage_12m[i] += w * (income_wage[i] - income_wage_12m[i])
            income_own_12m[i] += w * (income_own[i] - income_own_12m[i])
            income_sales_12m[i] += w * (income_sales[i] - income_sales_12m[i])
            food_security[i] += wf * ((1.0 if fed else 0.0) - food_security[i])
        cpd = consumption_ppd[i]
        if international:
            extreme_poor[i] = cpd < extreme_line
        else:
            extreme_poor[i] = (cpd < dollar_a_day) or (cpd < national_line and cpd <= half)
        poor[i] = cpd < poverty_line
        source_min = income_source_min_share * max(income_12m[i], 1e-12)
        sources = 0
        if income_12m[i] > 0:
            sources = (
                (income_wage_12m[i] >= source_min)
                + (income_own_12m[i] >= source_min)
                + (income_sales_12m[i] >= source_min)
            )
        since = month - last_distress_month[i]
        total_savings = savings[i] + vsla_share[i]
        g = (
            cpd >= graduation_line
            and assets[i] >= min_assets
            and total_savings >= min_savings
            and sources >= min_income_sources
            and not since < no_distress_sale_months
        )
        if g != graduated[i]:
            status_changed_month[i] = month
        if g and first_graduation_month[i] == never and month > 0:
            first_graduation_month[i] = month
        graduated[i] = g
        if consumption[i] < need_floor[i] or since < stage_acute_months:
            stage[i] = 0
        elif total_savings < buffer[i]:
            stage[i] = 1
        elif assets[i] < asset_threshold[i]:
            stage[i] = 2
        elif cpd < poverty_line or since < stage_recent_months:
            stage[i] = 3
        else:
            stage[i] = 4
    if confidence_decay == 0:
        return
    anchor = np.empty(n)
    for i in range(n):
        if degree[i] > 0:
            s = 0.0
            for jj in range(indptr[i], indptr[i + 1]):
                s += data[jj] * confidence[indices[jj]]
            neighbours = s / degree[i]
        else:
            neighbours = confidence_baseline
        anchor[i] = (
            1.0 - confidence_peer_weight
        ) * confidence_baseline + confidence_peer_weight * neighbours
    for i in range(n):
        confidence[i] += confidence_decay * (anchor[i] - confidence[i])


@jit
def readiness_candidates(
    participant,
    past_minimum,
    assets,
    min_assets,
    savings,
    vsla_share,
    min_savings_months,
    need,
    income_12m,
    min_income_share,
    candidates,
):
    """Hand-over: the participants meeting the readiness rule this month.

    A candidate is a participant, after the rule's minimum of programme months, whose
    productive assets reach ``min_assets``, whose savings and savings-group share reach
    ``min_savings_months`` of need and whose 12-month earned income reaches
    ``min_income_share`` of need (the same comparisons as numpy's, a NaN failing each).

    Args:
        participant: Programme participants, bool, ``(n,)``.
        past_minimum (bool): Whether the programme month is past the rule's minimum.
        assets: Productive assets, USD PPP, ``(n,)``; ``min_assets`` (float) their level.
        savings, vsla_share: Cash savings and savings-group share, USD PPP, ``(n,)``.
        min_savings_months (float): Savings asked for, in months of need.
        need: Monthly subsistence need, USD PPP, ``(n,)``.
        income_12m: 12-month average earned income, USD PPP a month, ``(n,)``.
        min_income_share (float): Income asked for, as a share of need.
        candidates: Output, bool, ``(n,)``.
    """
    for i in range(participant.size):
        candidates[i] = (
            participant[i]
            and past_minimum
            and assets[i] >= min_assets
            and savings[i] + vsla_share[i] >= min_savings_months * need[i]
            and income_12m[i] >= min_income_share * need[i]
        )


@jit
def handed_over(candidates, handover_month, never, u, coordination):
    """Hand-over: the candidates handed over this month.

    Args:
        candidates: Candidates as the implementers know them, bool, ``(n,)``.
        handover_month: Month each household was handed over, int, ``(n,)``; ``never``
            (int) where it has not been.
        u: This month's uniform draws, ``(n,)``; a candidate not yet handed over is
            handed over where ``u < coordination`` (float).

    Returns:
        numpy.ndarray: The households handed over, int64, ascending (as
        ``numpy.flatnonzero``).
    """
    n = candidates.size
    ids = np.empty(n, np.int64)
    k = 0
    for i in range(n):
        if candidates[i] and handover_month[i] == never and u[i] < coordination:
            ids[k] = i
            k += 1
    return ids[:k]
