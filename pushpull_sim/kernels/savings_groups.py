"""Compiled kernels of the savings groups' monthly hooks
(:class:`pushpull_sim.interventions.savings_groups.SavingsGroups`).

One kernel per hook, named as the hook, each a loop over the member households in
ascending id order. Sums per group are kept in scratch arrays that start at zero and add
in household order, then are added to the group's books, exactly as
``group_array += np.bincount(g, values)`` did. The loan-demand draws stay in numpy
(the component's named stream, the same call and size) and are passed in. Group
formation stays in numpy: it touches few households in few months.
"""

from __future__ import annotations

import numpy as np

from pushpull_sim.kernels import jit
from pushpull_sim.kernels.sorting import stable_argsort


@jit
def savings_groups_payments_due(
    loan_balance: np.ndarray,
    loan_month: np.ndarray,
    loan_months_left: np.ndarray,
    month: int,
    interest_rate: float,
    out: np.ndarray,
) -> bool:
    """This month's instalment and interest on each member's group loan (loans made last
    month or earlier, as the meeting collects them): ``rate x balance + balance /
    max(months_left, 1)``, else 0
    (:meth:`~pushpull_sim.interventions.savings_groups.SavingsGroups.payments_due`).

    Args:
        loan_balance: Principal owed to the group, USD PPP, shape ``(n,)``.
        loan_month: Month each loan was made, int, shape ``(n,)``.
        loan_months_left: Instalments left, int, shape ``(n,)``.
        month: The current month.
        interest_rate: Interest per month.
        out: Written: USD PPP due, shape ``(n,)``.

    Returns:
        bool: Whether any member owes.
    """
    owing = False
    for i in range(loan_balance.size):
        bal = loan_balance[i]
        if bal > 0 and loan_month[i] < month:
            out[i] = interest_rate * bal + bal / max(loan_months_left[i], 1)
            owing = True
        else:
            out[i] = 0.0
    return owing


@jit
def savings_groups_step(
    group_of: np.ndarray,
    ill: np.ndarray,
    social_fund: np.ndarray,
    social_out_total: np.ndarray,
    savings: np.ndarray,
    financial_income: np.ndarray,
    loan_balance: np.ndarray,
    barred: np.ndarray,
    vsla_share: np.ndarray,
    grant: float,
    ration_margin: float,
    loan_multiple: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Emergencies: social-fund grants to ill members, and their emergency loan requests
    (:meth:`~pushpull_sim.interventions.savings_groups.SavingsGroups.step`, after the
    groups open).

    Each ill member asks ``grant``; a group pays in full, or pro rata when its social
    fund (less a ``ration_margin`` share, so it never goes below zero by rounding) is
    short. Each ill member without a loan, never barred and with shares asks
    ``loan_multiple x shares`` as an emergency loan (lent by :func:`disburse`).

    Args:
        group_of: Group of each household, int, shape ``(n,)``, -1 = none.
        ill: ``hh.ill``, bool, shape ``(n,)``.
        social_fund: Social fund per group, USD PPP, shape ``(G,)``; updated.
        social_out_total: Grants paid per group so far, USD PPP, shape ``(G,)``; updated.
        savings: ``hh.savings``, USD PPP, shape ``(n,)``; updated.
        financial_income: ``hh.financial_income``, USD PPP, shape ``(n,)``; updated.
        loan_balance: Principal owed to the group, USD PPP, shape ``(n,)``.
        barred: Members barred from borrowing, bool, shape ``(n,)``.
        vsla_share: ``hh.vsla_share``, USD PPP, shape ``(n,)``.
        grant: Grant per ill member, USD PPP (0 = no grants).
        ration_margin: Share of a fund held back when rationing (rounding), e.g. 1e-12.
        loan_multiple: Emergency loan as a multiple of shares.

    Returns:
        tuple: ``(ids, ask)``: the ill members (ascending ids, int64) and the emergency
        loan each asks for, USD PPP, each shape ``(k,)``.
    """
    n = group_of.size
    ids = np.empty(n, np.int64)
    k = 0
    for i in range(n):
        if group_of[i] >= 0 and ill[i]:
            ids[k] = i
            k += 1
    ids = ids[:k]
    ask = np.zeros(k)
    if k == 0:
        return ids, ask
    if grant != 0:
        G = social_fund.size
        demand = np.zeros(G)
        for j in range(k):
            demand[group_of[ids[j]]] += grant
        ratio = np.zeros(G)
        for g in range(G):
            if demand[g] > 0:
                ratio[g] = min(max(social_fund[g], 0.0) * (1.0 - ration_margin) / demand[g], 1.0)
        paid = np.zeros(G)
        for j in range(k):
            i = ids[j]
            g = group_of[i]
            amount = grant * ratio[g]
            savings[i] += amount
            financial_income[i] += amount
            paid[g] += amount
        for g in range(G):
            social_fund[g] -= paid[g]
            social_out_total[g] += paid[g]
    for j in range(k):
        i = ids[j]
        if loan_balance[i] == 0 and not barred[i] and vsla_share[i] > 0:
            ask[j] = loan_multiple * vsla_share[i]
    return ids, ask


@jit
def disburse(
    ids: np.ndarray,
    group_of: np.ndarray,
    ask: np.ndarray,
    month: int,
    loan_term: int,
    min_loan: float,
    ration_margin: float,
    savings: np.ndarray,
    debt: np.ndarray,
    loan_balance: np.ndarray,
    loan_months_left: np.ndarray,
    loan_size: np.ndarray,
    loan_month: np.ndarray,
    arrears: np.ndarray,
    loans_taken: np.ndarray,
    fund: np.ndarray,
    loans_out: np.ndarray,
    disbursed_total: np.ndarray,
) -> None:
    """Lend ``ask`` to members ``ids``, rationed pro rata by each group's cash; loans
    below ``min_loan`` (one share's value) are not made. The cash reaches ``hh.savings``
    at once, with the debt. Nothing changes when nobody asks.

    Args:
        ids: Members, ascending ids, int, shape ``(k,)``.
        group_of: Group of each household, int, shape ``(n,)``.
        ask: Loan each asks for, USD PPP, shape ``(k,)``.
        month: The current month (each new loan's ``loan_month``).
        loan_term: Instalments of a new loan, months.
        min_loan: Smallest loan made, USD PPP.
        ration_margin: Share of a fund held back when rationing (rounding), e.g. 1e-12.
        savings, debt: ``hh.savings``, ``hh.debt``, USD PPP, shape ``(n,)``; updated.
        loan_balance, loan_months_left, loan_size, loan_month, arrears, loans_taken: The
            members' loan arrays, shape ``(n,)``; updated.
        fund, loans_out, disbursed_total: The groups' books, USD PPP, shape ``(G,)``;
            updated.
    """
    G = fund.size
    demand = np.zeros(G)
    for j in range(ids.size):
        demand[group_of[ids[j]]] += ask[j]
    if not np.any(demand != 0):
        return
    ratio = np.zeros(G)
    for g in range(G):
        if demand[g] > 0:
            ratio[g] = max(fund[g], 0.0) * (1.0 - ration_margin) / demand[g]
    lent = np.zeros(G)
    for j in range(ids.size):
        i = ids[j]
        g = group_of[i]
        loan = ask[j] * min(ratio[g], 1.0)
        if loan < min_loan:
            loan = 0.0
        savings[i] += loan
        debt[i] += loan
        loan_balance[i] += loan
        if loan > 0:
            loan_months_left[i] = loan_term
            loan_size[i] = loan
            loan_month[i] = month
            arrears[i] = 0
            loans_taken[i] += 1
        lent[g] += loan
    for g in range(G):
        fund[g] -= lent[g]
        loans_out[g] += lent[g]
        disbursed_total[g] += lent[g]


@jit
def savings_groups_after_consumption(
    ids: np.ndarray,
    group_of: np.ndarray,
    month: int,
    cycle_start: np.ndarray,
    loan_balance: np.ndarray,
    loan_month: np.ndarray,
    loan_months_left: np.ndarray,
    arrears: np.ndarray,
    barred: np.ndarray,
    member_months: np.ndarray,
    instalments_due: np.ndarray,
    repaid_on_time: np.ndarray,
    loans_defaulted: np.ndarray,
    cycle_contrib_months: np.ndarray,
    savings: np.ndarray,
    interest_paid: np.ndarray,
    debt: np.ndarray,
    debt_written_off: np.ndarray,
    financial_income: np.ndarray,
    vsla_share: np.ndarray,
    savings_deposits: np.ndarray,
    ill: np.ndarray,
    fund: np.ndarray,
    interest_total: np.ndarray,
    loans_out: np.ndarray,
    defaults_total: np.ndarray,
    social_fund: np.ndarray,
    social_in_total: np.ndarray,
    contributions_total: np.ndarray,
    balance_sum: np.ndarray,
    u: np.ndarray,
    net_return: np.ndarray,
    interest_rate: float,
    on_time_margin: float,
    dust: float,
    default_after: int,
    social_fund_amount: float,
    share_value: float,
    cash_buffer: float,
    contribution_share: float,
    max_shares: float,
    loan_multiple: float,
    demand_prob: float,
    last_loan_cycle_month: int,
    cycle_months: int,
) -> tuple[np.ndarray, np.ndarray]:
    """The monthly meeting up to the loans: repayments, defaults, social fund, shares, and
    each member's loan request
    (:meth:`~pushpull_sim.interventions.savings_groups.SavingsGroups.after_consumption`;
    the loans are then made by :func:`disburse` when anyone asks, the share-out in numpy).

    Per member, out of the cash left after the month's spending:

    1. instalment: interest ``rate x balance`` plus ``balance / max(months_left, 1)`` on a
       loan made before this month; a member short of cash pays what it has (interest
       first); paid in full (to ``on_time_margin``) it is on time and one instalment
       fewer is left, else one more month in arrears; a balance at most ``dust`` is
       repaid;
    2. default: a balance still owed after ``default_after`` months in arrears is written
       off and the member barred from borrowing;
    3. social fund: ``social_fund_amount`` if the member has it;
    4. shares: ``min(max_shares, floor(contribution_share x (cash - buffer) / value))``
       shares, at least one if the cash above the buffer covers one;
    5. loan request (``loan_multiple`` > 0): a member who is ill, whose marginal net
       return beats the interest rate, or whose draw ``u`` is below ``demand_prob``
       asks ``loan_multiple x shares`` if it has no loan, is not barred, holds shares
       and its cycle month is at most ``last_loan_cycle_month``.

    Args:
        ids: Members, ascending ids, int, shape ``(k,)``.
        group_of: Group of each household, int, shape ``(n,)``.
        month: The current month.
        cycle_start: Month each group's cycle started, int, shape ``(G,)``.
        loan_balance, loan_month, loan_months_left, arrears, barred, member_months,
            instalments_due, repaid_on_time, loans_defaulted, cycle_contrib_months: The
            members' group arrays, shape ``(n,)``; updated.
        savings, interest_paid, debt, debt_written_off, financial_income, vsla_share,
            savings_deposits: The households' accounts, USD PPP, shape ``(n,)``; updated
            (``savings_deposits`` set to the shares bought).
        ill: ``hh.ill``, bool, shape ``(n,)``.
        fund, interest_total, loans_out, defaults_total, social_fund, social_in_total,
            contributions_total, balance_sum: The groups' books, USD PPP, shape ``(G,)``;
            updated.
        u: Loan-demand draws, uniform, shape ``(k,)``.
        net_return: Members' marginal net return, USD per USD per month, shape ``(k,)``
            (read only when ``loan_multiple`` > 0).
        interest_rate: Interest per month.
        on_time_margin: Relative shortfall still counted as paid in full (rounding).
        dust: Balance counted as repaid, USD PPP.
        default_after: Months in arrears before a write-off.
        social_fund_amount: Social-fund contribution, USD PPP per month.
        share_value: Value of one share, USD PPP.
        cash_buffer: Cash kept back before buying shares, USD PPP.
        contribution_share: Share of cash above the buffer put into shares.
        max_shares: Most shares a month.
        loan_multiple: Loan as a multiple of shares (0 = no loans).
        demand_prob: Monthly probability of wanting a loan for other reasons.
        last_loan_cycle_month: Last cycle month in which a loan can be made.
        cycle_months: Months from one share-out to the next.

    Returns:
        tuple: ``(ask, asking, ending)``: each member's loan request, USD PPP, shape
        ``(k,)``; whether any request is not zero (else :func:`disburse` would change
        nothing); and the members whose group's cycle ends this month (share-out),
        ascending ids, int64, shape ``(e,)``.
    """
    G = fund.size
    k = ids.size
    paid_g = np.zeros(G)
    interest_g = np.zeros(G)
    repaid_g = np.zeros(G)
    written_g = np.zeros(G)
    social_g = np.zeros(G)
    contrib_g = np.zeros(G)
    shares_g = np.zeros(G)
    ask = np.zeros(k)
    asking = False
    ending = np.empty(k, np.int64)
    n_ending = 0
    for j in range(k):
        i = ids[j]
        g = group_of[i]
        member_months[i] += 1
        cycle_month = month - cycle_start[g]
        # 1. instalment
        bal = loan_balance[i]
        owing = bal > 0 and loan_month[i] < month  # not this month's loans
        interest_due = interest_rate * bal if owing else 0.0
        principal_due = bal / max(loan_months_left[i], 1) if owing else 0.0
        due = interest_due + principal_due
        cash = savings[i]
        pay = min(due, cash)
        int_paid = min(pay, interest_due)
        prin_paid = pay - int_paid
        on_time = owing and pay >= due * (1.0 - on_time_margin)
        new_bal = bal - prin_paid
        if new_bal <= dust:
            new_bal = 0.0
        repaid = bal - new_bal
        savings[i] = cash - pay
        interest_paid[i] += int_paid
        debt[i] = max(debt[i] - repaid, 0.0)  # debt sums lenders' too
        paid_g[g] += pay
        interest_g[g] += int_paid
        repaid_g[g] += repaid
        instalments_due[i] += owing
        repaid_on_time[i] += on_time
        loan_months_left[i] -= on_time
        late = arrears[i] + 1 if owing and not on_time else 0
        # 2. default
        default = new_bal > 0 and late >= default_after
        written = new_bal if default else 0.0
        new_bal -= written
        debt[i] = max(debt[i] - written, 0.0)
        debt_written_off[i] += written
        written_g[g] += written
        loans_defaulted[i] += default
        barred[i] = barred[i] or default
        arrears[i] = 0 if default else late
        loan_balance[i] = new_bal
        if new_bal == 0:
            loan_months_left[i] = 0
        # 3. social fund
        social = social_fund_amount if savings[i] >= social_fund_amount else 0.0
        savings[i] -= social
        financial_income[i] -= social
        social_g[g] += social
        # 4. shares
        above = max(savings[i] - cash_buffer, 0.0)
        shares = np.floor(contribution_share * above / share_value)
        if shares < 1 and above >= share_value:
            shares = 1.0
        shares = min(shares, max_shares)
        contrib = min(shares * share_value, savings[i])
        savings[i] -= contrib
        vsla_share[i] += contrib
        savings_deposits[i] = contrib
        contrib_g[g] += contrib
        cycle_contrib_months[i] += contrib > 0
        shares_g[g] += vsla_share[i]
        # 5. loan request
        if loan_multiple != 0:
            wants = ill[i] or net_return[j] > interest_rate or u[j] < demand_prob
            can = (
                loan_balance[i] == 0
                and not barred[i]
                and vsla_share[i] > 0
                and cycle_month <= last_loan_cycle_month
            )
            if wants and can:
                ask[j] = loan_multiple * vsla_share[i]
                asking = asking or ask[j] != 0
        if cycle_month >= cycle_months:
            ending[n_ending] = i
            n_ending += 1
    for g in range(G):
        fund[g] += paid_g[g]
        interest_total[g] += interest_g[g]
        loans_out[g] -= repaid_g[g]
        loans_out[g] -= written_g[g]
        defaults_total[g] += written_g[g]
        social_fund[g] += social_g[g]
        social_in_total[g] += social_g[g]
        fund[g] += contrib_g[g]
        contributions_total[g] += contrib_g[g]
        balance_sum[g] += shares_g[g]
    return ask, asking, ending[:n_ending]


@jit
def share_out(
    ids: np.ndarray,
    g: np.ndarray,
    dust: float,
    vsla_share: np.ndarray,
    loan_balance: np.ndarray,
    savings: np.ndarray,
    debt: np.ndarray,
    debt_written_off: np.ndarray,
    financial_income: np.ndarray,
    shareout_shares: np.ndarray,
    shareout_value: np.ndarray,
    shareout_cash: np.ndarray,
    loan_months_left: np.ndarray,
    arrears: np.ndarray,
    loans_defaulted: np.ndarray,
    fund: np.ndarray,
    loans_out: np.ndarray,
    defaults_total: np.ndarray,
    shareout_total: np.ndarray,
) -> np.ndarray:
    """The share-out of the groups whose cycle ends
    (:meth:`~pushpull_sim.interventions.savings_groups.SavingsGroups._share_out`).

    Member ``j``'s weight ``w_j`` is its share of its group's shares. The group's value
    ``E = (max(fund, 0) + sum of loans of members not in D) / (1 - sum of w over D)``
    (0 where that denominator is at most 1e-12), with ``D`` the members whose part
    ``w_j E`` falls short of their loan by more than ``dust``: found by passes in which
    ``D`` only grows. A member in ``D`` loses its part to its loan (the rest is written
    off); the others have their loan set off and are paid the rest in cash. Shares, loans
    and arrears are then cleared.

    Args:
        ids: Members sharing out, ascending ids, int, shape ``(k,)``.
        g: Their groups, int64, shape ``(k,)``.
        dust: Shortfall counted as none, USD PPP.
        vsla_share, loan_balance: Members' shares and group loans, USD PPP, shape
            ``(n,)``; zeroed.
        savings, debt, debt_written_off, financial_income: ``hh`` accounts, USD PPP,
            shape ``(n,)``; updated (profit = value received - shares).
        shareout_shares, shareout_value, shareout_cash: The members' last share-out,
            USD PPP, shape ``(n,)``; written.
        loan_months_left, arrears, loans_defaulted: Members' loan counts, shape ``(n,)``;
            updated.
        fund, loans_out, defaults_total, shareout_total: The groups' books, USD PPP,
            shape ``(G,)``; updated.

    Returns:
        numpy.ndarray: Profit per group (payouts and set-offs minus shares), USD PPP,
        shape ``(G,)``.
    """
    G = fund.size
    k = ids.size
    s = np.empty(k)
    loan = np.empty(k)
    total = np.zeros(G)
    for j in range(k):
        s[j] = vsla_share[ids[j]]
        loan[j] = loan_balance[ids[j]]
        total[g[j]] += s[j]
    w = np.zeros(k)
    for j in range(k):
        if total[g[j]] > 0:
            w[j] = s[j] / total[g[j]]
    cash = np.empty(G)
    for gg in range(G):
        cash[gg] = fund[gg] if fund[gg] >= 0.0 else 0.0
    deficient = np.zeros(k, np.bool_)
    part = np.empty(k)
    value = np.zeros(G)
    while True:
        loans_g = np.zeros(G)
        lost_g = np.zeros(G)
        for j in range(k):
            loans_g[g[j]] += 0.0 if deficient[j] else loan[j]
            lost_g[g[j]] += w[j] if deficient[j] else 0.0
        for gg in range(G):
            den = 1.0 - lost_g[gg]
            value[gg] = (cash[gg] + loans_g[gg]) / den if den > 1e-12 else 0.0
        changed = False
        for j in range(k):
            part[j] = w[j] * value[g[j]]
            if not deficient[j] and part[j] < loan[j] - dust:
                deficient[j] = True
                changed = True
        if not changed:
            break
    payout_g = np.zeros(G)
    loan_g = np.zeros(G)
    written_g = np.zeros(G)
    value_g = np.zeros(G)
    profit_g = np.zeros(G)
    for j in range(k):
        i = ids[j]
        gg = g[j]
        if deficient[j]:
            offset = part[j]
            payout = 0.0
        else:
            offset = loan[j]
            gain = part[j] - loan[j]
            payout = gain if gain >= 0.0 else 0.0
        written = loan[j] - offset
        received = payout + offset
        profit = received - s[j]
        savings[i] += payout
        owed = debt[i] - loan[j]  # debt sums lenders' too
        debt[i] = owed if owed >= 0.0 else 0.0
        debt_written_off[i] += written
        shareout_shares[i] = s[j]
        shareout_value[i] = received
        shareout_cash[i] = payout
        financial_income[i] += profit
        vsla_share[i] = 0.0
        loan_balance[i] = 0.0
        loan_months_left[i] = 0
        arrears[i] = 0
        loans_defaulted[i] += written > dust
        payout_g[gg] += payout
        loan_g[gg] += loan[j]
        written_g[gg] += written
        value_g[gg] += received
        profit_g[gg] += profit
    for gg in range(G):
        fund[gg] -= payout_g[gg]
        loans_out[gg] -= loan_g[gg]
        defaults_total[gg] += written_g[gg]
        shareout_total[gg] += value_g[gg]
    return profit_g


@jit
def network_order(
    indptr: np.ndarray,
    indices: np.ndarray,
    data: np.ndarray,
    pool: np.ndarray,
    wealth: np.ndarray,
    village: np.ndarray,
    passes: int,
    local: np.ndarray,
) -> np.ndarray:
    """Order a formation pool by village, then by wealth rank smoothed over the network
    ties within the pool, so consecutive members are network neighbours
    (:meth:`~pushpull_sim.interventions.savings_groups.SavingsGroups._network_order`).

    Each member's rank (0 = poorest, ties by position) is averaged ``passes`` times with
    its neighbours' in the pool, ``(rank + sum of neighbours' ranks) / (1 + degree)``,
    the ties added in the network's stored order (as the product with the pool's
    sub-matrix adds them).

    Args:
        indptr, indices, data: The social network, CSR, ``n`` rows.
        pool: Household ids of the pool, int, shape ``(m,)``, distinct.
        wealth: Each pool member's wealth (assets, savings and group share), USD PPP,
            shape ``(m,)``.
        village: Each pool member's village, int, shape ``(m,)``.
        passes: Averaging passes.
        local: Scratch, int, shape ``(n,)``, -1 everywhere; left so on return.

    Returns:
        numpy.ndarray: The pool's ids in formation order, shape ``(m,)``.
    """
    m = pool.size
    for j in range(m):
        local[pool[j]] = j
    by_wealth = stable_argsort(wealth)
    rank = np.empty(m)
    for r in range(m):
        rank[by_wealth[r]] = r
    degree = np.zeros(m)
    for j in range(m):
        i = pool[j]
        for jj in range(indptr[i], indptr[i + 1]):
            if local[indices[jj]] >= 0:
                degree[j] += data[jj]
    smoothed = np.empty(m)
    for _ in range(passes):
        for j in range(m):
            i = pool[j]
            s = 0.0
            for jj in range(indptr[i], indptr[i + 1]):
                k = local[indices[jj]]
                if k >= 0:
                    s += data[jj] * rank[k]
            smoothed[j] = (rank[j] + s) / (1.0 + degree[j])
        for j in range(m):
            rank[j] = smoothed[j]
    for j in range(m):
        local[pool[j]] = -1
    by_rank = stable_argsort(rank)
    village_by_rank = np.empty(m, village.dtype)
    for r in range(m):
        village_by_rank[r] = village[by_rank[r]]
    by_village = stable_argsort(village_by_rank)
    ordered = np.empty(m, pool.dtype)
    for r in range(m):
        ordered[r] = pool[by_rank[by_village[r]]]
    return ordered
