"""The pull actors' kernels (``pushpull_sim.kernels.pull``) and the production kernels
they build on (``pushpull_sim.kernels.livelihood``) against the numpy code they replaced,
copied here as reference functions, on random inputs: several seeds and edge cases (no
candidates, nobody owing, zero cash, ties, boundaries).

Floats agree to a relative 1e-12; ints and bools exactly. Where a kernel evaluates
``tanh``/``exp``/``expm1`` (libm's) instead of numpy's own vectorised versions, the two
differ in the last bit, and a difference of terms of order 0.1-1 (a marginal net return
of about zero) keeps that last bit as an absolute error: ``atol = 1e-14`` there, a few
units in the last place of the terms.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from pushpull_sim.kernels import livelihood as klive
from pushpull_sim.kernels import pull as kpull
from pushpull_sim.livelihood import (
    Technology,
    marginal_product,
    own_production,
    production_args,
    time_allocation,
)

SEEDS = [0, 1, 2, 3, 4]
RTOL = 1e-12
#: A few last-place units of production terms of order 1 (see the module docstring).
ATOL_TRANSCENDENTAL = 1e-14


def random_tech(rng: np.random.Generator, n: int, production: str = "s_shaped") -> Technology:
    def f(lo: float, hi: float) -> np.ndarray:
        return rng.uniform(lo, hi, n)

    return Technology(
        production=production,
        concave_alpha=0.4,
        asset_threshold_usd_ppp=f(200, 800),
        threshold_width_usd_ppp=f(50, 200),
        return_low_monthly=f(0.0, 0.02),
        return_high_monthly=f(0.03, 0.08),
        asset_saturation_usd_ppp=f(1000, 5000),
        input_share=f(0.0, 0.5),
        mortality_monthly=f(0.0, 0.01),
        unit_value_usd_ppp=f(50, 300),
        outbreak_exposed=rng.random(n) < 0.5,
        drought_exposure=f(0, 1),
        labour_days_per_usd=f(0.0, 0.05),
    )


def random_households(rng: np.random.Generator, n: int) -> SimpleNamespace:
    assets = rng.choice([0.0, 1.0, 500.0], n) * (rng.random(n) < 0.1) + rng.exponential(400, n)
    return SimpleNamespace(
        n=n,
        assets=assets,
        ability=rng.lognormal(0, 0.3, n),
        skill=rng.random(n),
        quality=rng.random(n),
        labour=rng.uniform(0.5, 3.0, n),
        casual_access=rng.random(n),
        wage_rate=rng.uniform(1, 5, n),
        savings=rng.exponential(30, n) * (rng.random(n) < 0.9),
        vsla_share=rng.exponential(10, n) * (rng.random(n) < 0.5),
        confidence=rng.random(n),
        income_12m=rng.normal(60, 40, n),
        linked=rng.random(n) < 0.2,
        village=np.sort(rng.integers(0, 8, n)).astype(np.int32),
        savings_group=np.where(rng.random(n) < 0.5, rng.integers(0, 12, n), -1).astype(np.int32),
        buyer=np.where(rng.random(n) < 0.3, rng.integers(0, 3, n), -1).astype(np.int32),
        lender=np.where(rng.random(n) < 0.2, rng.integers(0, 3, n), -1).astype(np.int32),
        debt=rng.exponential(50, n),
        interest_paid=rng.random(n),
    )


LIV = SimpleNamespace(
    skill_productivity_gain=0.3, labour_days_per_month=26.0, depreciation_monthly=0.01
)


# ------------------------------------------------------------------ production
def ref_marginal_net_return(hh, tech: Technology, liv, ids: np.ndarray) -> np.ndarray:
    """GraduationModel.marginal_net_return (numpy), over ``ids``."""
    sel = ids
    tech = tech.take(ids)
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


def prod_args(tech: Technology) -> tuple:
    return (
        tech.production == "concave",
        float(tech.concave_alpha),
    )


@pytest.mark.parametrize("production", ["s_shaped", "concave"])
@pytest.mark.parametrize("seed", SEEDS)
def test_production_one_matches_the_livelihood_functions(seed, production):
    rng = np.random.default_rng(seed)
    n = 500
    tech = random_tech(rng, n, production)
    assets = np.r_[0.0, -1e-13, 1.0, 0.5, rng.exponential(500, n - 4)]
    args = (
        tech.asset_threshold_usd_ppp,
        tech.threshold_width_usd_ppp,
        tech.return_low_monthly,
        tech.return_high_monthly,
        tech.asset_saturation_usd_ppp,
    )
    own = np.array(
        [
            klive.own_production_one(assets[i], *prod_args(tech), *(a[i] for a in args))
            for i in range(n)
        ]
    )
    mp = np.array(
        [
            klive.marginal_product_one(assets[i], *prod_args(tech), *(a[i] for a in args))
            for i in range(n)
        ]
    )
    np.testing.assert_allclose(own, own_production(assets, tech), rtol=RTOL, atol=0)
    np.testing.assert_allclose(mp, marginal_product(assets, tech), rtol=RTOL, atol=0)


@pytest.mark.parametrize("production", ["s_shaped", "concave"])
@pytest.mark.parametrize("seed", SEEDS)
def test_marginal_net_return_matches_the_model_rule(seed, production):
    from pushpull_sim.livelihood import marginal_net_return_of

    rng = np.random.default_rng(seed)
    n = 2000
    hh = random_households(rng, n)
    hh.labour[:5] = 0.0  # no days: every day displaces
    tech = random_tech(rng, n, production)
    for ids in (np.arange(n), np.flatnonzero(rng.random(n) < 0.3), np.zeros(0, np.int64)):
        got = marginal_net_return_of(hh, tech, LIV, ids)
        want = ref_marginal_net_return(hh, tech, LIV, ids)
        assert got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=RTOL, atol=ATOL_TRANSCENDENTAL)


# ------------------------------------------------------------------ buyers
def ref_expected_volume(hh, tech: Technology, gain: float, sell_share: float, ids) -> np.ndarray:
    tech = tech.take(ids)
    assets, ability, skill, quality = (
        hh.assets[ids],
        hh.ability[ids],
        hh.skill[ids],
        hh.quality[ids],
    )
    gross = own_production(assets, tech) * ability * (1.0 + gain * skill) / (1.0 - tech.input_share)
    return gross * quality * sell_share


def kernel_expected_volume(hh, tech: Technology, gain: float, sell_share: float, ids) -> np.ndarray:
    return kpull.expected_volume(
        np.asarray(ids, np.int64),
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
        gain,
        sell_share,
    )


@pytest.mark.parametrize("production", ["s_shaped", "concave"])
@pytest.mark.parametrize("seed", SEEDS)
def test_expected_volume_matches_numpy(seed, production):
    rng = np.random.default_rng(seed)
    n = 1000
    hh = random_households(rng, n)
    tech = random_tech(rng, n, production)
    for ids in (np.arange(n), np.flatnonzero(hh.village == 3), np.zeros(0, np.int64)):
        got = kernel_expected_volume(hh, tech, 0.3, 0.8, ids)
        want = ref_expected_volume(hh, tech, 0.3, 0.8, ids)
        np.testing.assert_allclose(got, want, rtol=RTOL, atol=ATOL_TRANSCENDENTAL)


def ref_marketing_group(hh, ids):
    group = hh.savings_group[ids]
    if hh.linked.any():
        alone = (group < 0) & hh.linked[ids]
        offset = max(int(hh.savings_group.max()) + 1, 0)
        group = np.where(alone, offset + hh.village[ids], group)
    return group


def ref_best_first(score, k):
    neg = -score
    if k <= 0:
        return np.zeros(0, np.intp)
    if k < neg.size:
        kth = np.partition(neg, k - 1)[k - 1]
        top = np.flatnonzero(neg <= kth)
        return top[np.argsort(neg[top], kind="stable")][:k]
    return np.argsort(neg, kind="stable")


def ref_buyer_decide(hh, pull_list, fp, vol_fp, uid, p, weight, risk_share):
    """Buyer.decide (numpy), active buyer: returns (keep, new hh.buyer)."""
    buyer = hh.buyer.copy()
    linked_to = buyer[fp]
    is_mine = linked_to == uid
    mine = fp[is_mine]
    free = (linked_to < 0) | is_mine
    cand = fp[free]
    vol = vol_fp[free]
    group = ref_marketing_group(hh, cand)
    in_group = group >= 0
    pooled = vol.copy()
    size = np.ones(cand.size)
    if in_group.any():
        sums = np.bincount(group[in_group], weights=vol[in_group])
        pooled[in_group] = sums[group[in_group]]
        counts = np.bincount(group[in_group])
        size[in_group] = counts[group[in_group]]
    margin = vol * (p.resale_margin - p.price_premium) - p.relationship_cost_usd_ppp / size
    very_poor = pull_list[cand]
    score = (
        weight * margin
        + (1.0 - weight) * p.inclusion_bonus_usd_ppp * very_poor
        + risk_share * very_poor
    )
    ok = (score > 0) & (pooled >= p.min_volume_usd_ppp) & (vol > 0)
    cand, vol, score = cand[ok], vol[ok], score[ok]
    order = ref_best_first(score, p.max_suppliers)
    cand, vol = cand[order], vol[order]
    before = np.cumsum(vol) - vol
    keep = cand[: p.max_suppliers][before[: p.max_suppliers] < p.target_volume_usd_ppp]
    buyer[mine] = -1
    buyer[keep] = uid
    return keep, buyer


def buyer_params(rng, **over):
    p = SimpleNamespace(
        resale_margin=0.3,
        price_premium=0.15,
        relationship_cost_usd_ppp=float(rng.choice([0.0, 2.0, 20.0])),
        inclusion_bonus_usd_ppp=float(rng.choice([0.0, 5.0])),
        min_volume_usd_ppp=float(rng.choice([0.0, 10.0, 40.0])),
        max_suppliers=int(rng.choice([0, 1, 7, 100, 10_000])),
        target_volume_usd_ppp=float(rng.choice([0.0, 50.0, 1e300])),
    )
    for k, v in over.items():
        setattr(p, k, v)
    return p


def kernel_buyer_decide(hh, pull_list, fp, vol_fp, uid, p, weight, risk_share):
    buyer = hh.buyer.copy()
    keep = kpull.buyer_decide(
        fp,
        vol_fp,
        buyer,
        hh.savings_group,
        hh.linked,
        hh.village,
        pull_list,
        bool(hh.linked.any()),
        max(int(hh.savings_group.max()) + 1, 0),
        uid,
        p.resale_margin - p.price_premium,
        p.relationship_cost_usd_ppp,
        weight,
        p.inclusion_bonus_usd_ppp,
        risk_share,
        p.min_volume_usd_ppp,
        p.max_suppliers,
        p.target_volume_usd_ppp,
    )
    return keep, buyer


@pytest.mark.parametrize("seed", range(12))
def test_buyer_decide_matches_numpy(seed):
    rng = np.random.default_rng(seed)
    n = 600
    hh = random_households(rng, n)
    if seed % 3 == 0:
        hh.linked[:] = False  # no producer groups
    if seed % 4 == 1:
        hh.savings_group[:] = -1  # no savings groups
    pull_list = rng.random(n) < 0.4
    fp = np.flatnonzero(hh.village % 2 == seed % 2)
    # volumes with ties (rounded) and zeros
    vol_fp = np.round(rng.exponential(20, fp.size)) * (rng.random(fp.size) < 0.9)
    p = buyer_params(rng)
    uid = int(rng.integers(0, 3))
    weight = float(rng.choice([0.0, 0.5, 1.0]))
    risk_share = float(rng.choice([0.0, 5.0]))
    k_keep, k_buyer = kernel_buyer_decide(hh, pull_list, fp, vol_fp, uid, p, weight, risk_share)
    r_keep, r_buyer = ref_buyer_decide(hh, pull_list, fp, vol_fp, uid, p, weight, risk_share)
    np.testing.assert_array_equal(k_keep, r_keep)
    np.testing.assert_array_equal(k_buyer, r_buyer)


def test_buyer_decide_edge_cases():
    rng = np.random.default_rng(7)
    n = 200
    hh = random_households(rng, n)
    pull_list = rng.random(n) < 0.5
    p = buyer_params(rng, max_suppliers=10, target_volume_usd_ppp=1e300, min_volume_usd_ppp=0.0)
    fp = np.arange(n)
    vol = rng.exponential(20, n)
    # no footprint
    for case_fp, case_vol in ((fp[:0], vol[:0]), (fp, np.zeros(n))):
        k = kernel_buyer_decide(hh, pull_list, case_fp, case_vol, 1, p, 1.0, 0.0)
        r = ref_buyer_decide(hh, pull_list, case_fp, case_vol, 1, p, 1.0, 0.0)
        np.testing.assert_array_equal(k[0], r[0])
        np.testing.assert_array_equal(k[1], r[1])
    # every household linked to another buyer: no candidates, its own links cut
    hh.buyer[:] = 2
    hh.buyer[:5] = 1
    k = kernel_buyer_decide(hh, pull_list, fp, vol, 1, p, 1.0, 0.0)
    r = ref_buyer_decide(hh, pull_list, fp, vol, 1, p, 1.0, 0.0)
    np.testing.assert_array_equal(k[0], r[0])
    np.testing.assert_array_equal(k[1], r[1])
    assert (k[1][:5] >= -1).all() and k[0].size == r[0].size
    # all scores tied: ties go in id order
    hh.buyer[:] = -1
    k = kernel_buyer_decide(hh, pull_list, fp, np.full(n, 30.0), 1, p, 1.0, 0.0)
    r = ref_buyer_decide(hh, pull_list, fp, np.full(n, 30.0), 1, p, 1.0, 0.0)
    np.testing.assert_array_equal(k[0], r[0])
    assert k[0].size == 10


@pytest.mark.parametrize("seed", SEEDS)
def test_buyer_support_terms_counts_very_poor_suppliers(seed):
    rng = np.random.default_rng(seed)
    n = 500
    hh = random_households(rng, n)
    pull_list = rng.random(n) < 0.4
    fp = np.flatnonzero(hh.village < 5)
    for uid in (0, 1, 7):
        want = int(((hh.buyer[fp] == uid) & pull_list[fp]).sum())
        assert kpull.buyer_support_terms(fp, hh.buyer, pull_list, uid) == want
    assert kpull.buyer_support_terms(fp[:0], hh.buyer, pull_list, 0) == 0


# ------------------------------------------------------------------ lenders
def lender_params(rng, **over):
    p = SimpleNamespace(
        interest_rate_yearly=0.25,
        application_prob_monthly=float(rng.choice([0.02, 0.5, 1.0])),
        application_multiplier_profitable=2.0,
        min_assets_usd_ppp=float(rng.choice([0.0, 200.0])),
        min_savings_usd_ppp=float(rng.choice([0.0, 20.0])),
        max_loan_usd_ppp=float(rng.choice([100.0, 3000.0])),
        collateral_multiple=float(rng.choice([0.0, 1.0, 2.5])),
        max_instalment_share_of_income=rng.choice([None, 0.4]),
        term_months=int(rng.choice([1, 12])),
        accepts_group_record=bool(rng.random() < 0.5),
    )
    for k, v in over.items():
        setattr(p, k, v)
    return p


def ref_lender_decide(
    hh,
    ids,
    ask,
    net_return,
    excluded,
    footprint,
    pull_list,
    record,
    p,
    base,
    hurdle,
    hurdle_g,
    guarantee,
):
    """Lender.decide's screening (numpy): (granted, amount)."""
    rate = p.interest_rate_yearly / 12.0
    assets = hh.assets[ids]
    worth_it = net_return > rate
    prob = p.application_prob_monthly * np.where(worth_it, p.application_multiplier_profitable, 1.0)
    prob = prob * (hh.confidence[ids] / base if base > 0 else 1.0)
    ok = (hh.assets[ids] >= p.min_assets_usd_ppp) & (
        hh.savings[ids] + hh.vsla_share[ids] >= p.min_savings_usd_ppp
    )
    if p.accepts_group_record:
        ok |= record
    ok |= hh.linked[ids]
    eligible = ok & footprint[ids] & ~excluded[ids] & (hh.lender[ids] < 0)
    applicants = eligible & (ask[ids] < prob)
    wealth = assets + hh.savings[ids] + hh.vsla_share[ids]
    size = np.minimum(p.max_loan_usd_ppp, p.collateral_multiple * wealth)
    if p.max_instalment_share_of_income is not None:
        per_usd = 1.0 / p.term_months + rate
        capacity = p.max_instalment_share_of_income * np.maximum(hh.income_12m[ids], 0.0)
        size = np.minimum(size, capacity / per_usd)
    if guarantee > 0:
        hurdle = np.where(pull_list[ids], hurdle_g, hurdle)
    chosen = np.flatnonzero(applicants & (size > 0) & (size >= hurdle))
    return ids[chosen], size[chosen]


@pytest.mark.parametrize("seed", range(12))
def test_lender_decide_matches_numpy(seed):
    rng = np.random.default_rng(seed)
    n = 800
    hh = random_households(rng, n)
    p = lender_params(rng)
    ids = np.flatnonzero(hh.village >= seed % 4)
    footprint = np.zeros(n, bool)
    footprint[ids] = True
    footprint[ids[:3]] = False  # the kernel checks the mask as the numpy rule did
    ask = rng.random(n)
    tech = random_tech(rng, n, "concave" if seed % 5 == 4 else "s_shaped")
    net_return = ref_marginal_net_return(hh, tech, LIV, ids)
    excluded = rng.random(n) < 0.1
    pull_list = rng.random(n) < 0.4
    record = rng.random(ids.size) < 0.3
    base = float(rng.choice([0.0, 0.5]))
    hurdle = float(rng.choice([0.0, 150.0, np.inf]))
    guarantee = float(rng.choice([0.0, 0.5]))
    hurdle_g = hurdle / 2 if guarantee > 0 else hurdle
    cap = p.max_instalment_share_of_income
    rate = p.interest_rate_yearly / 12.0
    granted, amount = kpull.lender_decide(
        ids, ask, hh.savings, hh.vsla_share, hh.confidence,
        hh.income_12m, hh.linked, hh.lender, excluded, footprint, pull_list,
        record if p.accepts_group_record else np.zeros(0, bool),
        rate, p.application_prob_monthly, p.application_multiplier_profitable, base,
        p.min_assets_usd_ppp, p.min_savings_usd_ppp, p.max_loan_usd_ppp,
        p.collateral_multiple, cap is not None, 0.0 if cap is None else float(cap),
        1.0 / p.term_months + rate, hurdle, hurdle_g, *production_args(hh, tech, LIV),
    )  # fmt: skip
    r_granted, r_amount = ref_lender_decide(
        hh, ids, ask, net_return, excluded, footprint, pull_list, record, p, base, hurdle,
        hurdle_g, guarantee,
    )  # fmt: skip
    np.testing.assert_array_equal(granted, r_granted)
    np.testing.assert_allclose(amount, r_amount, rtol=RTOL, atol=0)


def ref_lender_payments_due(balance, months_left, rate):
    if not (balance > 0).any():
        return None
    left = np.maximum(months_left, 1)
    return np.where(balance > 0, balance * rate + balance / left, 0.0)


@pytest.mark.parametrize("seed", SEEDS)
def test_lender_payments_due_matches_numpy(seed):
    rng = np.random.default_rng(seed)
    n = 700
    balance = rng.exponential(100, n) * (rng.random(n) < 0.3)
    months_left = rng.integers(0, 13, n).astype(np.int32)
    for bal in (balance, np.zeros(n), np.zeros(0)):
        out = np.empty(bal.size)
        owing = kpull.lender_payments_due(bal, months_left[: bal.size], 0.02, out)
        want = ref_lender_payments_due(bal, months_left[: bal.size], 0.02)
        assert owing == (want is not None)
        if want is not None:
            np.testing.assert_allclose(out, want, rtol=RTOL, atol=0)


def ref_lender_settle(s, rate):
    """Lender.settle's collection (numpy), on a namespace of copies."""
    owing = np.flatnonzero(s.balance > 0)
    bal = s.balance[owing]
    interest = bal * rate
    principal_due = bal / np.maximum(s.months_left[owing], 1)
    cash = s.savings[owing]
    paid_interest = np.minimum(interest, cash)
    paid_principal = np.minimum(principal_due, cash - paid_interest)
    s.savings[owing] = np.maximum(cash - (paid_interest + paid_principal), 0.0)
    s.interest_paid[owing] += paid_interest
    s.interest_paid_total[owing] += paid_interest
    s.debt[owing] = np.maximum(s.debt[owing] - paid_principal, 0.0)
    s.balance[owing] -= paid_principal
    s.months_left[owing] = np.maximum(s.months_left[owing] - 1, 0)
    late = (paid_interest + paid_principal) < interest + principal_due - 1e-9
    s.arrears[owing] = np.where(late, s.arrears[owing] + 1, 0)
    return owing, paid_interest


@pytest.mark.parametrize("seed", SEEDS)
def test_lender_settle_matches_numpy(seed):
    rng = np.random.default_rng(seed)
    n = 900
    balance = rng.exponential(100, n) * (rng.random(n) < 0.4)
    state = SimpleNamespace(
        balance=balance,
        months_left=rng.integers(0, 13, n).astype(np.int32),
        arrears=rng.integers(0, 4, n).astype(np.int32),
        savings=rng.exponential(20, n) * (rng.random(n) < 0.8),  # some with no cash
        interest_paid=rng.random(n),
        interest_paid_total=rng.random(n) * 10,
        debt=balance + rng.exponential(5, n) * (rng.random(n) < 0.5),
    )
    state.savings[:3] = balance[:3] * (1.0 + 0.02)  # exactly enough
    for case in ("random", "nobody owes"):
        if case == "nobody owes":
            state.balance[:] = 0.0
        k = SimpleNamespace(**{a: v.copy() for a, v in vars(state).items()})
        r = SimpleNamespace(**{a: v.copy() for a, v in vars(state).items()})
        owing, paid = kpull.lender_settle(
            k.balance, k.months_left, k.arrears, k.savings, k.interest_paid,
            k.interest_paid_total, k.debt, 0.02, 1e-9,
        )  # fmt: skip
        r_owing, r_paid = ref_lender_settle(r, 0.02)
        np.testing.assert_array_equal(owing, r_owing)
        np.testing.assert_allclose(paid, r_paid, rtol=RTOL, atol=0)
        for name in ("balance", "savings", "interest_paid", "interest_paid_total", "debt"):
            np.testing.assert_allclose(
                getattr(k, name), getattr(r, name), rtol=RTOL, atol=0, err_msg=name
            )
        for name in ("months_left", "arrears"):
            np.testing.assert_array_equal(getattr(k, name), getattr(r, name), err_msg=name)
        assert (k.savings >= 0).all()


# ------------------------------------------------------------------ the books' hooks
# These kernels do the same float operations, in the same order, as the numpy they
# replaced, so they agree with it to the bit (signed zeros and NaN included).
def bits(a) -> np.ndarray:
    return np.asarray(a, np.float64).view(np.int64)


def ref_buyer_after_production(hh, s, local, sell_share, premium):
    """Buyer.after_production (numpy): returns (sold, paid) and updates ``hh``."""
    output = np.maximum(hh.income_own[s] + hh.input_cost[s], 0.0) / local
    sold = output * hh.quality[s] * sell_share
    paid = sold * (1.0 + premium)
    haircut = paid * hh.transaction_cost[s]
    hh.income_own[s] -= sold * local
    hh.income_sales[s] += paid - haircut
    hh.paid_total[s] += paid
    hh.haircut_total[s] += haircut
    return sold, paid


@pytest.mark.parametrize("seed", SEEDS)
def test_buyer_after_production_matches_numpy_to_the_bit(seed):
    rng = np.random.default_rng(seed)
    n = 500
    base = SimpleNamespace(
        income_own=rng.normal(20, 30, n),
        input_cost=rng.exponential(5, n) * (rng.random(n) < 0.7),
        quality=rng.random(n),
        transaction_cost=rng.uniform(0, 0.2, n),
        income_sales=rng.exponential(3, n),
        paid_total=rng.exponential(30, n),
        haircut_total=rng.exponential(2, n),
    )
    # edges: zero and negative-zero output, NaN (numpy's maximum keeps it)
    base.income_own[:4] = [0.0, -0.0, -5.0, np.nan]
    base.input_cost[:4] = [-0.0, -0.0, 0.0, 1.0]
    for s in (rng.choice(n, 120, replace=False), np.arange(4), np.zeros(0, np.int64)):
        k = SimpleNamespace(**{a: v.copy() for a, v in vars(base).items()})
        r = SimpleNamespace(**{a: v.copy() for a, v in vars(base).items()})
        sold, paid = kpull.buyer_after_production(
            s, k.income_own, k.input_cost, k.quality, k.transaction_cost, k.income_sales,
            k.paid_total, k.haircut_total, 0.85, 0.8, 0.15,
        )  # fmt: skip
        r_sold, r_paid = ref_buyer_after_production(r, s, 0.85, 0.8, 0.15)
        np.testing.assert_array_equal(bits(sold), bits(r_sold))
        np.testing.assert_array_equal(bits(paid), bits(r_paid))
        for name in vars(base):
            np.testing.assert_array_equal(bits(getattr(k, name)), bits(getattr(r, name)), name)


@pytest.mark.parametrize("seed", range(8))
def test_buyer_relationships_counts_groups_as_marketing_group_does(seed):
    rng = np.random.default_rng(seed)
    n = 600
    hh = random_households(rng, n)
    if seed % 3 == 0:
        hh.linked[:] = False  # no producer groups
    if seed % 4 == 1:
        hh.savings_group[:] = -1  # no savings groups
    pull_list = rng.random(n) < 0.4
    for s in (np.sort(rng.choice(n, 150, replace=False)), np.zeros(0, np.int64)):
        groups = ref_marketing_group(hh, s)
        want = (
            int(pull_list[s].sum()),
            int((groups < 0).sum()) + np.unique(groups[groups >= 0]).size,
        )
        got = kpull.buyer_relationships(s, hh.savings_group, hh.linked, hh.village, pull_list)
        assert got == want
        assert all(type(v) is int for v in got)
    # a group of three suppliers and two alone: three relationships
    hh.savings_group[:5] = [4, 4, -1, 4, -1]
    hh.linked[:5] = False
    hh.linked[5:] = False
    assert (
        kpull.buyer_relationships(np.arange(5), hh.savings_group, hh.linked, hh.village, pull_list)[
            1
        ]
        == 3
    )


def ref_agent_decide(hh, footprint, villages_mask, share, uid):
    """ServiceAgent.decide (numpy), active agent: returns the households served."""
    fp = np.flatnonzero(footprint)
    if hh.linked.any():
        fp = np.flatnonzero(footprint | (hh.linked & villages_mask))
    hh.transaction_cost[fp] = np.minimum(hh.transaction_cost[fp], share)
    hh.agent[fp] = uid
    return fp


@pytest.mark.parametrize("seed", SEEDS)
def test_agent_decide_matches_numpy_to_the_bit(seed):
    rng = np.random.default_rng(seed)
    n = 400
    villages_mask = (np.arange(n) >= 100) & (np.arange(n) < 260)
    footprint = villages_mask & (rng.random(n) < 0.3)
    base = SimpleNamespace(
        linked=rng.random(n) < 0.2,
        transaction_cost=rng.choice([0.0, 0.005, 0.01, 0.05], n),
        agent=np.where(rng.random(n) < 0.3, 1, -1).astype(np.int32),
    )
    base.transaction_cost[100:103] = [-0.0, np.nan, 0.0]
    footprint[100:103] = True
    for linked in ("some", "none"):
        if linked == "none":
            base.linked[:] = False
        for share in (0.01, 0.0):
            k = SimpleNamespace(**{a: v.copy() for a, v in vars(base).items()})
            r = SimpleNamespace(**{a: v.copy() for a, v in vars(base).items()})
            got = kpull.agent_decide(
                np.flatnonzero(villages_mask), footprint, k.linked, k.transaction_cost,
                k.agent, share, 7,
            )  # fmt: skip
            want = ref_agent_decide(r, footprint, villages_mask, share, 7)
            np.testing.assert_array_equal(got, want)
            np.testing.assert_array_equal(bits(k.transaction_cost), bits(r.transaction_cost))
            np.testing.assert_array_equal(k.agent, r.agent)


@pytest.mark.parametrize("seed", SEEDS)
def test_agent_settle_finds_the_clients_numpy_does(seed):
    rng = np.random.default_rng(seed)
    n = 300
    input_cost = rng.exponential(4, n) * (rng.random(n) < 0.6)
    input_cost[:2] = [np.nan, -0.0]
    fees = rng.exponential(1, n) * (rng.random(n) < 0.3)
    for served in (np.sort(rng.choice(n, 90, replace=False)), np.arange(3), np.zeros(0, np.int64)):
        clients, inputs, fees_each = kpull.agent_settle(served, input_cost, fees)
        want = served[input_cost[served] > 0]
        np.testing.assert_array_equal(clients, want)
        assert clients.dtype == np.int64
        np.testing.assert_array_equal(bits(inputs), bits(input_cost[want]))
        np.testing.assert_array_equal(bits(fees_each), bits(fees[served]))
        assert float(inputs.sum()) == float(input_cost[want].sum())


@pytest.mark.parametrize("seed", SEEDS)
def test_count_clients_matches_numpy(seed):
    rng = np.random.default_rng(seed)
    n = 300
    poor, eligible = rng.random(n) < 0.3, rng.random(n) < 0.5
    for clients in (rng.choice(n, 80, replace=False), np.array([5, 5, 5]), np.zeros(0, np.int64)):
        got = kpull.count_clients(clients, poor, eligible)
        assert got == (int(poor[clients].sum()), int(eligible[clients].sum()))
        assert all(type(v) is int for v in got)


def ref_agent_placement(adj, village, villages, reach, value, degree, by_count):
    """ServiceAgent's placement with scipy.sparse: returns (hubs, reached)."""
    import scipy.sparse as sp

    starts = np.searchsorted(village, villages, side="left")
    ends = np.searchsorted(village, villages, side="right")
    ids = np.concatenate([np.arange(lo, hi) for lo, hi in zip(starts, ends, strict=True)])
    offset = np.cumsum(np.r_[0, ends - starts])[:-1]
    rows = adj[ids].tocoo()
    keep = village[ids[rows.row]] == village[rows.col]
    local = np.searchsorted(ids, rows.col[keep])
    m = ids.size
    blocks = sp.csr_array((rows.data[keep], (rows.row[keep], local)), shape=(m, m))
    blocks.sum_duplicates()
    step = (sp.eye_array(m, format="csr") + (blocks > 0).astype(np.int8)).astype(bool).tocsr()
    within = sp.eye_array(m, format="csr", dtype=bool)
    for _ in range(reach):
        within = (within.astype(np.int32) @ step.astype(np.int32)).astype(bool).tocsr()
    score = within @ value[ids]
    hubs = np.full(villages.size, -1, np.int64)
    for k, (lo, hi) in enumerate(zip(starts, ends, strict=True)):
        if hi <= lo:
            continue
        s = score[offset[k] : offset[k] + hi - lo]
        if by_count:
            hubs[k] = lo + int(np.lexsort((-degree[lo:hi], -s))[0])
        else:
            hubs[k] = lo + int(np.argmax(s))
    served = hubs >= 0
    reached = np.zeros(village.size, bool)
    reached[ids[within[offset[served] + hubs[served] - starts[served]].indices]] = True
    return hubs, reached


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("reach", [0, 1, 2, 4])
def test_agent_placement_matches_the_sparse_products(seed, reach):
    import scipy.sparse as sp

    from pushpull_sim.network import build_network
    from pushpull_sim.rng import RandomStreams
    from pushpull_sim.scenario import Scenario

    rng = np.random.default_rng(seed)
    n = 500
    village = np.sort(rng.integers(0, 6, n)).astype(np.int32)
    village[village == 4] = 3  # village 4 has no households
    wealth = rng.exponential(300, n)
    adj = build_network(village, wealth, Scenario().network, RandomStreams(seed, 0))
    # a few ties across villages too, which the placement ignores
    extra = rng.integers(0, n, (2, 40))
    ends = (np.r_[extra[0], extra[1]], np.r_[extra[1], extra[0]])
    adj = (adj + sp.coo_array((np.ones(80), ends), shape=(n, n)).tocsr()).tocsr()
    adj.data[:] = np.minimum(adj.data, 1.0)
    degree = np.asarray(adj.sum(axis=1)).ravel()
    assets = rng.exponential(400, n) * (rng.random(n) < 0.8)
    very_poor = (rng.random(n) < 0.3).astype(np.float64)
    for villages in (np.array([0, 2, 4]), np.array([1, 3, 5]), np.arange(6)):
        for value, by_count in ((assets, False), (very_poor, True), (very_poor, False)):
            hubs, reached = kpull.agent_placement(
                adj.indptr, adj.indices, adj.data, village,
                np.searchsorted(village, villages, side="left"),
                np.searchsorted(village, villages, side="right"),
                reach, value, degree, by_count,
            )  # fmt: skip
            want_hubs, want_reached = ref_agent_placement(
                adj, village, villages, reach, value, degree, by_count
            )
            np.testing.assert_array_equal(hubs, want_hubs)
            np.testing.assert_array_equal(reached, want_reached)
            assert (hubs[villages == 4] == -1).all()  # no households there
            assert (hubs[villages != 4] >= 0).all() and reached.any()


@pytest.mark.parametrize("seed", range(24))
def test_buyer_decide_month_is_expected_volume_then_buyer_decide(seed):
    rng = np.random.default_rng(seed)
    n = 600
    hh = random_households(rng, n)
    tech = random_tech(rng, n, "concave" if seed % 2 else "s_shaped")
    if seed % 3 == 0:
        hh.linked[:] = False  # no producer groups
    if seed % 4 == 1:
        hh.savings_group[:] = -1  # no savings groups
    pull_list = rng.random(n) < 0.4
    fp = np.flatnonzero(np.isin(hh.village, [0, 2, 5]))
    p = buyer_params(rng)
    uid, weight, risk_share = 1, float(rng.choice([1.0, 0.5])), float(rng.choice([0.0, 5.0]))
    vol = kernel_expected_volume(hh, tech, 0.3, 0.8, fp)
    want, want_buyer = kernel_buyer_decide(hh, pull_list, fp, vol, uid, p, weight, risk_share)
    buyer = hh.buyer.copy()
    ever = rng.random(n) < 0.1
    want_ever = ever.copy()
    want_ever[want] = True
    got = kpull.buyer_decide_month(
        fp, hh.assets, hh.ability, hh.skill, hh.quality, tech.asset_threshold_usd_ppp,
        tech.threshold_width_usd_ppp, tech.return_low_monthly, tech.return_high_monthly,
        tech.asset_saturation_usd_ppp, tech.input_share, tech.production == "concave",
        float(tech.concave_alpha), 0.3, 0.8, buyer, hh.savings_group, hh.linked, hh.village,
        pull_list, ever, uid, p.resale_margin - p.price_premium, p.relationship_cost_usd_ppp,
        weight, p.inclusion_bonus_usd_ppp, risk_share, p.min_volume_usd_ppp, p.max_suppliers,
        p.target_volume_usd_ppp,
    )  # fmt: skip
    np.testing.assert_array_equal(got, np.sort(want))
    assert got.dtype == np.int64
    np.testing.assert_array_equal(buyer, want_buyer)
    np.testing.assert_array_equal(ever, want_ever)


def ref_lender_sort_out(owing, balance, arrears, lender_of, default_after, tol):
    """Lender.settle's numpy after collection: (defaulted, repaid, clients); the
    defaulted balances are zeroed as the write-off does."""
    bad = owing[arrears[owing] >= default_after]
    balance[bad] = 0.0  # the write-off
    lender_of[bad] = -1
    done = owing[balance[owing] <= tol]
    balance[done] = 0.0
    lender_of[done] = -1
    repaid = done[~np.isin(done, bad)]
    clients = owing[balance[owing] > 0]
    return bad, repaid, clients


@pytest.mark.parametrize("seed", SEEDS)
def test_lender_sort_out_matches_numpy(seed):
    rng = np.random.default_rng(seed)
    n = 400
    balance = rng.exponential(100, n) * (rng.random(n) < 0.5)
    balance[:6] = [1e-10, 1e-9, 2e-9, 0.0, np.nan, 5.0]
    arrears = rng.integers(0, 5, n).astype(np.int32)
    arrears[:6] = 0
    lender_of = np.where(balance > 0, 2, -1).astype(np.int32)
    for owing in (np.flatnonzero(balance != 0), np.arange(6), np.zeros(0, np.int64)):
        k_bal, k_lender = balance.copy(), lender_of.copy()
        r_bal, r_lender = balance.copy(), lender_of.copy()
        bad, repaid, clients = kpull.lender_sort_out(owing, k_bal, arrears, k_lender, 3, 1e-9)
        want = ref_lender_sort_out(owing, r_bal, arrears, r_lender, 3, 1e-9)
        for got_ids, want_ids in zip((bad, repaid, clients), want, strict=True):
            np.testing.assert_array_equal(got_ids, want_ids)
            assert got_ids.dtype == np.int64
        k_bal[bad], k_lender[bad] = 0.0, -1  # the write-off, left to the lender
        np.testing.assert_array_equal(k_bal, r_bal)
        np.testing.assert_array_equal(k_lender, r_lender)


@pytest.mark.parametrize("seed", range(12))
def test_best_first_selects_the_first_of_the_stable_order(seed):
    rng = np.random.default_rng(seed)
    for m in (0, 1, 2, 3, 10, 57, 300):
        # few distinct keys (many ties), all distinct, sorted and reversed
        for neg in (
            -rng.integers(1, 4, m).astype(np.float64),
            -rng.exponential(1, m),
            np.sort(-rng.exponential(1, m)),
            np.sort(-rng.exponential(1, m))[::-1].copy(),
            np.full(m, -2.0),
        ):
            for k in {0, 1, m // 3, m - 1, m, m + 5}:
                if k < 0:
                    continue
                got = kpull._best_first(neg, k)
                want = np.argsort(neg, kind="stable")[:k]
                np.testing.assert_array_equal(np.sort(got), np.sort(want))
