"""The savings groups' kernels (``pushpull_sim.kernels.savings_groups``) against the numpy
code they replaced, copied here as reference functions, on random inputs: several seeds
and edge cases (no members, nobody ill, zero cash and shares, empty funds, cycle ends).

Floats agree to a relative 1e-12 (per-group sums add in household order in both, as
``np.bincount`` does); ints and bools exactly.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from pushpull_sim.kernels import savings_groups as ksg

SEEDS = range(8)
RTOL = 1e-12
DUST = 1e-9
MARGIN = 1e-12
G = 9

P = SimpleNamespace(
    interest_rate_monthly=0.1,
    default_after_months=3,
    social_fund_usd_ppp_per_month=0.5,
    share_value_usd_ppp=2.0,
    cash_buffer_usd_ppp=10.0,
    contribution_share=0.3,
    max_shares_per_month=10,
    loan_multiple=3.0,
    loan_demand_base_prob=0.2,
    cycle_months=12,
    loan_term_months=3,
    social_grant_usd_ppp=20.0,
)

HH = ("savings", "interest_paid", "debt", "debt_written_off", "financial_income", "vsla_share",
      "savings_deposits")  # fmt: skip
MEMBER = ("loan_balance", "loan_month", "loan_months_left", "arrears", "barred", "member_months",
          "instalments_due", "repaid_on_time", "loans_defaulted", "cycle_contrib_months",
          "loans_taken", "loan_size")  # fmt: skip
GROUP = ("fund", "interest_total", "loans_out", "defaults_total", "social_fund",
         "social_in_total", "contributions_total", "balance_sum", "disbursed_total",
         "social_out_total")  # fmt: skip


def state(seed: int, n: int = 400) -> SimpleNamespace:
    rng = np.random.default_rng(seed)
    member = rng.random(n) < 0.6
    has_loan = rng.random(n) < 0.4
    bal = np.where(has_loan, rng.exponential(20, n), 0.0)
    s = SimpleNamespace(
        month=20,
        group_of=np.where(member, rng.integers(0, G, n), -1).astype(np.int32),
        ill=rng.random(n) < 0.15,
        savings=rng.exponential(15, n) * (rng.random(n) < 0.85),
        interest_paid=rng.random(n),
        debt=bal + rng.exponential(3, n),
        debt_written_off=rng.random(n),
        financial_income=rng.normal(0, 5, n),
        vsla_share=rng.exponential(8, n) * (rng.random(n) < 0.8),
        savings_deposits=np.zeros(n),
        loan_balance=bal,
        loan_month=rng.integers(15, 21, n).astype(np.int64),
        loan_months_left=rng.integers(0, 4, n).astype(np.int32),
        arrears=rng.integers(0, 3, n).astype(np.int32),
        barred=rng.random(n) < 0.05,
        member_months=rng.integers(0, 20, n).astype(np.int32),
        instalments_due=rng.integers(0, 10, n).astype(np.int32),
        repaid_on_time=rng.integers(0, 10, n).astype(np.int32),
        loans_defaulted=rng.integers(0, 2, n).astype(np.int32),
        cycle_contrib_months=rng.integers(0, 12, n).astype(np.int32),
        loans_taken=rng.integers(0, 3, n).astype(np.int32),
        loan_size=rng.exponential(20, n),
        cycle_start=rng.integers(8, 20, G).astype(np.int64),
        u=None,
        net_return=None,
    )
    for name in GROUP:
        setattr(s, name, rng.exponential(50, G))
    s.fund[0] = 0.0  # a group with no cash
    s.social_fund[1] = 0.0
    s.savings[:5] = 0.0
    s.loan_balance[5] = DUST / 2  # dust
    return s


def copy(s: SimpleNamespace) -> SimpleNamespace:
    return SimpleNamespace(
        **{k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in vars(s).items()}
    )


def assert_same(k: SimpleNamespace, r: SimpleNamespace) -> None:
    for name, v in vars(r).items():
        if not isinstance(v, np.ndarray):
            continue
        got = getattr(k, name)
        if v.dtype.kind == "f":
            np.testing.assert_allclose(got, v, rtol=RTOL, atol=0, err_msg=name)
        else:
            np.testing.assert_array_equal(got, v, err_msg=name)


# ------------------------------------------------------------------ references (numpy)
def ref_payments_due(s, month):
    owing = (s.loan_balance > 0) & (s.loan_month < month)
    if not owing.any():
        return None
    bal = s.loan_balance
    left = np.maximum(s.loan_months_left, 1)
    return np.where(owing, P.interest_rate_monthly * bal + bal / left, 0.0)


def ref_disburse(s, ids, g, ask, month):
    demand = np.bincount(g, ask, minlength=G)
    if not demand.any():
        return
    ratio = np.divide(np.maximum(s.fund, 0.0) * (1.0 - 1e-12), demand, out=np.zeros(G),
                      where=demand > 0)  # fmt: skip
    loan = ask * np.minimum(ratio, 1.0)[g]
    loan[loan < P.share_value_usd_ppp] = 0.0
    took = loan > 0
    s.savings[ids] += loan
    s.debt[ids] += loan
    s.loan_balance[ids] += loan
    s.loan_months_left[ids[took]] = P.loan_term_months
    s.loan_size[ids[took]] = loan[took]
    s.loan_month[ids[took]] = month
    s.arrears[ids[took]] = 0
    s.loans_taken[ids] += took
    lent = np.bincount(g, loan, minlength=G)
    s.fund -= lent
    s.loans_out += lent
    s.disbursed_total += lent


def ref_step(s, grant, emergency_loans):
    """_social_fund_grants then _emergency_loans."""
    ill = np.flatnonzero((s.group_of >= 0) & s.ill)
    if ill.size and grant != 0:
        g = s.group_of[ill].astype(np.int64)
        ask = np.full(ill.size, grant)
        demand = np.bincount(g, ask, minlength=G)
        ratio = np.divide(np.maximum(s.social_fund, 0.0) * (1.0 - 1e-12), demand,
                          out=np.zeros(G), where=demand > 0)  # fmt: skip
        amount = ask * np.minimum(ratio, 1.0)[g]
        s.savings[ill] += amount
        s.financial_income[ill] += amount
        paid = np.bincount(g, amount, minlength=G)
        s.social_fund -= paid
        s.social_out_total += paid
    if not emergency_loans or P.loan_multiple == 0 or ill.size == 0:
        return
    g = s.group_of[ill].astype(np.int64)
    can = (s.loan_balance[ill] == 0) & ~s.barred[ill] & (s.vsla_share[ill] > 0)
    ask = np.where(can, P.loan_multiple * s.vsla_share[ill], 0.0)
    ref_disburse(s, ill, g, ask, s.month)


def ref_after_consumption(s, ids, share, loan_multiple):
    """after_consumption steps 1-5 (the share-out aside); returns ``ending``."""
    p = P
    month = s.month
    g = s.group_of[ids].astype(np.int64)
    s.member_months[ids] += 1
    cycle_month = month - s.cycle_start[g]

    def per_group(values):
        return np.bincount(g, values, minlength=G)

    bal = s.loan_balance[ids]
    owing = (bal > 0) & (s.loan_month[ids] < month)
    left = np.maximum(s.loan_months_left[ids], 1)
    interest_due = np.where(owing, p.interest_rate_monthly * bal, 0.0)
    principal_due = np.where(owing, bal / left, 0.0)
    due = interest_due + principal_due
    cash = s.savings[ids]
    pay = np.minimum(due, cash)
    int_paid = np.minimum(pay, interest_due)
    prin_paid = pay - int_paid
    on_time = owing & (pay >= due * (1.0 - 1e-12))
    new_bal = bal - prin_paid
    new_bal[new_bal <= DUST] = 0.0
    repaid = bal - new_bal
    s.savings[ids] = cash - pay
    s.interest_paid[ids] += int_paid
    s.debt[ids] = np.maximum(s.debt[ids] - repaid, 0.0)
    s.fund += per_group(pay)
    s.interest_total += per_group(int_paid)
    s.loans_out -= per_group(repaid)
    s.instalments_due[ids] += owing
    s.repaid_on_time[ids] += on_time
    s.loan_months_left[ids] -= on_time
    arrears = np.where(owing & ~on_time, s.arrears[ids] + 1, 0)
    default = (new_bal > 0) & (arrears >= p.default_after_months)
    written = np.where(default, new_bal, 0.0)
    new_bal -= written
    s.debt[ids] = np.maximum(s.debt[ids] - written, 0.0)
    s.debt_written_off[ids] += written
    s.loans_out -= per_group(written)
    s.defaults_total += per_group(written)
    s.loans_defaulted[ids] += default
    s.barred[ids] |= default
    arrears[default] = 0
    s.arrears[ids] = arrears
    s.loan_balance[ids] = new_bal
    s.loan_months_left[ids[new_bal == 0]] = 0
    sf_amount = p.social_fund_usd_ppp_per_month
    sf = np.where(s.savings[ids] >= sf_amount, sf_amount, 0.0)
    s.savings[ids] -= sf
    s.financial_income[ids] -= sf
    sf_g = per_group(sf)
    s.social_fund += sf_g
    s.social_in_total += sf_g
    value = p.share_value_usd_ppp
    above = np.maximum(s.savings[ids] - p.cash_buffer_usd_ppp, 0.0)
    shares = np.floor(share * above / value)
    shares = np.where((shares < 1) & (above >= value), 1.0, shares)
    shares = np.minimum(shares, p.max_shares_per_month)
    contrib = np.minimum(shares * value, s.savings[ids])
    s.savings[ids] -= contrib
    s.vsla_share[ids] += contrib
    s.savings_deposits[ids] = contrib
    c_g = per_group(contrib)
    s.fund += c_g
    s.contributions_total += c_g
    s.cycle_contrib_months[ids] += contrib > 0
    # 5. loans (_lend)
    if loan_multiple != 0:
        pays = s.net_return > p.interest_rate_monthly
        wants = s.ill[ids] | pays | (s.u < p.loan_demand_base_prob)
        can = (s.loan_balance[ids] == 0) & ~s.barred[ids] & (s.vsla_share[ids] > 0)
        can &= cycle_month <= p.cycle_months - p.loan_term_months
        ask = np.where(wants & can, loan_multiple * s.vsla_share[ids], 0.0)
        ref_disburse(s, ids, g, ask, month)
    s.balance_sum += per_group(s.vsla_share[ids])
    return cycle_month >= p.cycle_months


# ------------------------------------------------------------------ kernels
def kernel_disburse(s, ids, ask):
    ksg.disburse(
        ids, s.group_of, ask, s.month, P.loan_term_months, P.share_value_usd_ppp, MARGIN,
        s.savings, s.debt, s.loan_balance, s.loan_months_left, s.loan_size, s.loan_month,
        s.arrears, s.loans_taken, s.fund, s.loans_out, s.disbursed_total,
    )  # fmt: skip


def kernel_step(s, grant, emergency_loans):
    ids, ask = ksg.savings_groups_step(
        s.group_of, s.ill, s.social_fund, s.social_out_total, s.savings, s.financial_income,
        s.loan_balance, s.barred, s.vsla_share, grant, MARGIN, P.loan_multiple,
    )  # fmt: skip
    if ids.size and emergency_loans and P.loan_multiple != 0:
        kernel_disburse(s, ids, ask)


def kernel_after_consumption(s, ids, share, loan_multiple):
    ask, asking, ending = ksg.savings_groups_after_consumption(
        ids, s.group_of, s.month, s.cycle_start, s.loan_balance, s.loan_month,
        s.loan_months_left, s.arrears, s.barred, s.member_months, s.instalments_due,
        s.repaid_on_time, s.loans_defaulted, s.cycle_contrib_months, s.savings,
        s.interest_paid, s.debt, s.debt_written_off, s.financial_income, s.vsla_share,
        s.savings_deposits, s.ill, s.fund, s.interest_total, s.loans_out, s.defaults_total,
        s.social_fund, s.social_in_total, s.contributions_total, s.balance_sum, s.u,
        s.net_return, P.interest_rate_monthly, MARGIN, DUST, P.default_after_months,
        P.social_fund_usd_ppp_per_month, P.share_value_usd_ppp, P.cash_buffer_usd_ppp, share,
        float(P.max_shares_per_month), loan_multiple, P.loan_demand_base_prob,
        P.cycle_months - P.loan_term_months, P.cycle_months,
    )  # fmt: skip
    assert asking == bool((ask != 0).any())
    if loan_multiple != 0:
        kernel_disburse(s, ids, ask)
    assert (np.diff(ending) > 0).all() and np.isin(ending, ids).all()
    return np.isin(ids, ending)


# ------------------------------------------------------------------ tests
@pytest.mark.parametrize("seed", SEEDS)
def test_payments_due_matches_numpy(seed):
    s = state(seed)
    for case in ("random", "nobody owes", "only this month's loans"):
        if case == "nobody owes":
            s.loan_balance[:] = 0.0
        if case == "only this month's loans":
            s.loan_balance[:3] = 10.0
            s.loan_month[:] = s.month
        out = np.empty(s.loan_balance.size)
        owing = ksg.savings_groups_payments_due(
            s.loan_balance, s.loan_month, s.loan_months_left, s.month, 0.1, out
        )
        want = ref_payments_due(s, s.month)
        assert owing == (want is not None)
        if want is not None:
            np.testing.assert_allclose(out, want, rtol=RTOL, atol=0)


@pytest.mark.parametrize("emergency_loans", [True, False])
@pytest.mark.parametrize("grant", [20.0, 0.0, 1e6])
@pytest.mark.parametrize("seed", SEEDS)
def test_step_grants_and_emergency_loans_match_numpy(seed, grant, emergency_loans):
    s = state(seed)
    k, r = copy(s), copy(s)
    kernel_step(k, grant, emergency_loans)
    ref_step(r, grant, emergency_loans)
    assert_same(k, r)
    assert (k.social_fund >= 0).all() or (s.social_fund < 0).any()


def test_step_with_nobody_ill_changes_nothing():
    s = state(3)
    s.ill[:] = False
    k = copy(s)
    kernel_step(k, 20.0, True)
    assert_same(k, s)


@pytest.mark.parametrize("seed", SEEDS)
def test_disburse_matches_numpy(seed):
    s = state(seed)
    rng = np.random.default_rng(100 + seed)
    ids = np.flatnonzero(s.group_of >= 0)
    for ask in (
        rng.exponential(30, ids.size) * (rng.random(ids.size) < 0.5),
        np.zeros(ids.size),  # nobody asks: nothing changes
        np.full(ids.size, 1.5),  # every loan below one share
    ):
        k, r = copy(s), copy(s)
        kernel_disburse(k, ids, ask)
        ref_disburse(r, ids, s.group_of[ids].astype(np.int64), ask, s.month)
        assert_same(k, r)


@pytest.mark.parametrize("loan_multiple", [3.0, 0.0])
@pytest.mark.parametrize("share", [0.3, 1.0, 0.0])
@pytest.mark.parametrize("seed", SEEDS)
def test_after_consumption_matches_numpy(seed, share, loan_multiple):
    s = state(seed)
    rng = np.random.default_rng(200 + seed)
    ids = np.flatnonzero(s.group_of >= 0)
    s.u = rng.random(ids.size)
    s.net_return = rng.normal(0.08, 0.05, ids.size) if loan_multiple else s.u[:0]
    s.cycle_start[2] = s.month - P.cycle_months  # a group whose cycle ends
    s.cycle_start[3] = s.month - (P.cycle_months - P.loan_term_months)  # last lending month
    k, r = copy(s), copy(s)
    k_end = kernel_after_consumption(k, ids, share, loan_multiple)
    if loan_multiple:
        r.net_return = s.net_return
    r_end = ref_after_consumption(r, ids, share, loan_multiple)
    np.testing.assert_array_equal(k_end, r_end)
    assert k_end.any()
    assert_same(k, r)


def test_after_consumption_with_no_members():
    s = state(1)
    ids = np.zeros(0, np.int64)
    s.u, s.net_return = np.zeros(0), np.zeros(0)
    k, r = copy(s), copy(s)
    kernel_after_consumption(k, ids, 0.3, 3.0)
    ref_after_consumption(r, ids, 0.3, 3.0)
    assert_same(k, r)


# ---------------------------------------------------------------- share-out
def ref_share_out(s, ids, g):
    """The share-out as numpy did it before its kernel; returns profit per group."""
    groups_n = s.fund.size
    sh = s.vsla_share[ids]
    loan = s.loan_balance[ids]
    total = np.bincount(g, sh, minlength=groups_n)
    w = np.divide(sh, total[g], out=np.zeros(ids.size), where=total[g] > 0)
    cash = np.maximum(s.fund, 0.0)
    deficient = np.zeros(ids.size, bool)
    while True:
        num = cash + np.bincount(g, np.where(deficient, 0.0, loan), minlength=groups_n)
        den = 1.0 - np.bincount(g, np.where(deficient, w, 0.0), minlength=groups_n)
        value = np.divide(num, den, out=np.zeros(groups_n), where=den > 1e-12)
        part = w * value[g]
        now = deficient | (part < loan - DUST)
        if np.array_equal(now, deficient):
            break
        deficient = now
    offset = np.where(deficient, part, loan)
    written = loan - offset
    payout = np.where(deficient, 0.0, np.maximum(part - loan, 0.0))
    s.savings[ids] += payout
    s.debt[ids] = np.maximum(s.debt[ids] - loan, 0.0)
    s.debt_written_off[ids] += written
    profit = payout + offset - sh
    s.shareout_shares[ids] = sh
    s.shareout_value[ids] = payout + offset
    s.shareout_cash[ids] = payout
    s.financial_income[ids] += profit
    s.vsla_share[ids] = 0.0
    s.loan_balance[ids] = 0.0
    s.loan_months_left[ids] = 0
    s.arrears[ids] = 0
    s.loans_defaulted[ids] += written > DUST
    s.fund -= np.bincount(g, payout, minlength=groups_n)
    s.loans_out -= np.bincount(g, loan, minlength=groups_n)
    s.defaults_total += np.bincount(g, written, minlength=groups_n)
    s.shareout_total += np.bincount(g, payout + offset, minlength=groups_n)
    return np.bincount(g, profit, minlength=groups_n)


def kernel_share_out(s, ids, g):
    return ksg.share_out(
        ids, g, DUST, s.vsla_share, s.loan_balance, s.savings, s.debt, s.debt_written_off,
        s.financial_income, s.shareout_shares, s.shareout_value, s.shareout_cash,
        s.loan_months_left, s.arrears, s.loans_defaulted, s.fund, s.loans_out,
        s.defaults_total, s.shareout_total,
    )  # fmt: skip


@pytest.mark.parametrize("seed", SEEDS)
def test_share_out_matches_numpy_exactly(seed):
    """Bit for bit (the same sums in the same order), with borrowers whose part does not
    cover their loan (several passes of the fixed point), groups without cash or shares."""
    s = state(seed)
    n = s.savings.size
    rng = np.random.default_rng(300 + seed)
    for name in ("shareout_shares", "shareout_value", "shareout_cash"):
        setattr(s, name, rng.random(n))
    s.shareout_total = rng.exponential(50, G)
    s.fund[2] = -1e-13  # rounding below zero
    s.vsla_share[s.group_of == 3] = 0.0  # a group without shares
    big = (s.group_of == 4) & (s.loan_balance > 0)
    s.loan_balance[big] *= 40  # loans far above the parts: defaults
    ending = np.isin(s.group_of, [0, 2, 3, 4, 6])
    ids = np.flatnonzero(ending)
    g = s.group_of[ids].astype(np.int64)
    k, r = copy(s), copy(s)
    got = kernel_share_out(k, ids, g)
    want = ref_share_out(r, ids, g)
    np.testing.assert_array_equal(got, want)
    for name, v in vars(r).items():
        if isinstance(v, np.ndarray):
            np.testing.assert_array_equal(getattr(k, name), v, err_msg=name)
    assert (k.debt_written_off > s.debt_written_off).any()  # someone defaulted


def test_share_out_of_nobody_changes_nothing():
    s = state(2)
    for name in ("shareout_shares", "shareout_value", "shareout_cash"):
        setattr(s, name, np.zeros(s.savings.size))
    s.shareout_total = np.ones(G)
    k = copy(s)
    profit = kernel_share_out(k, np.zeros(0, np.int64), np.zeros(0, np.int64))
    np.testing.assert_array_equal(profit, np.zeros(G))
    assert_same(k, s)


# ---------------------------------------------------------------- group formation order
def ref_within(network, pool, local):
    """The pool's sub-matrix, as the formation order built it before its kernel."""
    from scipy import sparse

    rows = network[pool]
    local[pool] = np.arange(pool.size)
    cols = local[rows.indices]
    local[pool] = -1
    keep = cols >= 0
    kept_before = np.concatenate(([0], np.cumsum(keep)))
    indptr = kept_before[rows.indptr]
    return sparse.csr_array(
        (rows.data[keep], cols[keep].astype(rows.indices.dtype), indptr.astype(rows.indptr.dtype)),
        shape=(pool.size, pool.size),
    )


def ref_network_order(network, pool, wealth, village, local):
    rank = np.argsort(np.argsort(wealth, kind="stable"), kind="stable").astype(float)
    sub = ref_within(network, pool, local)
    deg = np.asarray(sub.sum(axis=1)).ravel()
    for _ in range(2):
        rank = (rank + sub @ rank) / (1.0 + deg)
    return pool[np.lexsort((rank, village))]


@pytest.mark.parametrize("seed", SEEDS)
def test_network_order(seed):
    from scipy import sparse

    from pushpull_sim.interventions.savings_groups import NETWORK_ORDER_PASSES

    rng = np.random.default_rng(seed)
    n = 400
    a = sparse.random_array((n, n), density=0.03, rng=rng, format="csr")
    a = ((a + a.T) > 0).astype(float).tocsr()
    a.setdiag(0)
    a.eliminate_zeros()
    villages = rng.integers(0, 4, n)
    local = np.full(n, -1, np.intp)
    for size in (0, 1, 2, 37, 150):
        pool = rng.choice(n, size, replace=False)
        wealth = np.round(rng.lognormal(3.0, 1.0, size), 0)  # rounded: ties in wealth
        want = ref_network_order(a, pool, wealth, villages[pool], local)
        got = ksg.network_order(
            a.indptr, a.indices, a.data, pool, wealth, villages[pool], NETWORK_ORDER_PASSES, local
        )
        np.testing.assert_array_equal(got, want)
        assert (local == -1).all()
