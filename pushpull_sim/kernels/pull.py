"""Compiled kernels of the pull actors' hooks (:mod:`pushpull_sim.pull`).

Kernels are named after the hook they serve (``buyer_decide`` is :meth:`Buyer.decide
<pushpull_sim.pull.buyers.Buyer.decide>`; ``buyer_decide_month`` chains it with
``expected_volume`` for the method; ``agent_placement`` places an agent at entry;
``count_clients`` counts the clients of every actor's monthly record), each a loop over
the actor's households in ascending id order. The actor's method draws its random
numbers from its named stream as before and passes them in; it keeps the rare paths
(an actor leaving, the write-off of defaults, entrants) in numpy. Each kernel does the
float operations of the numpy it replaced in the same order, so the model's numbers
are unchanged to the bit. Sums per group add in household order, as ``np.bincount``
does; totals over households that the books report (revenue, cost) are still summed
by numpy from arrays the kernels return.
"""

from __future__ import annotations

import numpy as np

from pushpull_sim.kernels import jit
from pushpull_sim.kernels.livelihood import marginal_net_return_one, own_production_one
from pushpull_sim.kernels.sorting import stable_argsort


# --------------------------------------------------------------------------- buyers
@jit
def expected_volume(
    ids: np.ndarray,
    assets: np.ndarray,
    ability: np.ndarray,
    skill: np.ndarray,
    quality: np.ndarray,
    threshold: np.ndarray,
    width: np.ndarray,
    return_low: np.ndarray,
    return_high: np.ndarray,
    saturation: np.ndarray,
    input_share: np.ndarray,
    concave: bool,
    alpha: float,
    skill_gain: float,
    sell_share: float,
) -> np.ndarray:
    """Expected monthly purchase from households ``ids``, USD PPP at spot value.

    Expected gross output at full input use from current assets (own production x
    ability x skill gain / (1 - input share)) x quality x ``sell_share``
    (:meth:`pushpull_sim.pull.buyers.Buyer.expected_volume`).

    Args:
        ids: Household ids, int, shape ``(k,)``.
        assets, ability, skill, quality: The households' arrays, shape ``(n,)``.
        threshold, width, return_low, return_high, saturation, input_share: The
            technology's arrays (``model.tech``), shape ``(n,)``.
        concave: Whether the technology is ``"concave"``.
        alpha: Exponent of the concave technology.
        skill_gain: ``livelihood.skill_productivity_gain``.
        sell_share: Share of qualifying output sold to the buyer, 0-1.

    Returns:
        numpy.ndarray: USD PPP per month, shape ``(k,)``.
    """
    out = np.empty(ids.size)
    for j in range(ids.size):
        i = ids[j]
        own = own_production_one(
            assets[i],
            concave,
            alpha,
            threshold[i],
            width[i],
            return_low[i],
            return_high[i],
            saturation[i],
        )
        gross = own * ability[i] * (1.0 + skill_gain * skill[i]) / (1.0 - input_share[i])
        out[j] = gross * quality[i] * sell_share
    return out


def buyer_decide(
    fp: np.ndarray,
    vol_fp: np.ndarray,
    buyer_of: np.ndarray,
    savings_group: np.ndarray,
    linked: np.ndarray,
    village: np.ndarray,
    pull_list: np.ndarray,
    producer_groups: bool,
    group_offset: int,
    unique_id: int,
    unit_margin: float,
    relationship_cost: float,
    weight: float,
    inclusion_bonus: float,
    risk_share: float,
    min_volume: float,
    max_suppliers: int,
    target_volume: float,
) -> np.ndarray:
    """A buyer's monthly choice of suppliers (:meth:`pushpull_sim.pull.buyers.Buyer.decide`).

    A plain function over the compiled choice (the model calls it through
    :func:`buyer_decide_month`), so that a machine's one compile covers every kernel the
    model runs.

    Candidates are the households of its footprint not linked to another buyer. Each
    markets with its savings group, or (``producer_groups``: some household is linked)
    a linked household outside one with its village's producer group, numbered
    ``group_offset + village``; a group shares one relationship cost among its
    candidates, and the minimum volume applies to its pooled volume. Score = ``weight x
    (volume x unit_margin - relationship cost share) + (1 - weight) x inclusion_bonus x
    very poor + risk_share x very poor``. Candidates with a positive score, a volume
    above zero and a (pooled) volume of at least ``min_volume`` are taken best score
    first (ties in id order) up to ``max_suppliers``, while the volume already sourced
    is below ``target_volume``. The buyer's old links are cut (``buyer_of = -1``) and
    the chosen ones linked (``buyer_of = unique_id``).

    Args:
        fp: The buyer's footprint, household ids ascending, int, shape ``(k,)``.
        vol_fp: Expected volume of each footprint household (:func:`expected_volume`),
            USD PPP per month, shape ``(k,)``.
        buyer_of: ``hh.buyer``, int, shape ``(n,)``; updated in place.
        savings_group: ``hh.savings_group``, int, shape ``(n,)``, -1 = none.
        linked: ``hh.linked``, bool, shape ``(n,)``.
        village: ``hh.village``, int, shape ``(n,)``.
        pull_list: ``model.pull_list`` (the very poor), bool, shape ``(n,)``.
        producer_groups: Whether any household is linked (``hh.linked.any()``).
        group_offset: First producer-group number (``max(hh.savings_group) + 1``, >= 0).
        unique_id: The buyer's id.
        unit_margin: ``resale_margin - price_premium``, per USD bought.
        relationship_cost: USD PPP per relationship per month.
        weight: Weight of margin vs inclusion, 0-1.
        inclusion_bonus: USD PPP per very poor supplier per month.
        risk_share: Risk-sharing support per very poor supplier, USD PPP per month.
        min_volume: Minimum (pooled) expected volume, USD PPP per month.
        max_suppliers: Most suppliers.
        target_volume: Expected volume at which sourcing stops, USD PPP per month.

    Returns:
        numpy.ndarray: The suppliers chosen, household ids in order of choice, int64.
    """
    return _buyer_decide(
        fp, vol_fp, buyer_of, savings_group, linked, village, pull_list, producer_groups,
        group_offset, unique_id, unit_margin, relationship_cost, weight, inclusion_bonus,
        risk_share, min_volume, max_suppliers, target_volume, False,
    )  # fmt: skip


@jit
def _sum_at(values: np.ndarray, at: np.ndarray) -> float:
    """``values[at]`` added in order."""
    total = 0.0
    for r in range(at.size):
        total += values[at[r]]
    return total


@jit
def _best_first(neg: np.ndarray, k: int) -> np.ndarray:
    """The positions of the ``k`` smallest of ``neg``, ties to the lower position (the
    first ``k`` of the stable ascending order, as a set), in no particular order.

    A selection (quickselect, median-of-three pivot) under the strict order ``(neg[p],
    p)``, in which no two keys are equal: linear on average, where a sort costs a
    factor ``log m`` more.

    Args:
        neg: Keys without NaN, shape ``(m,)``.
        k: How many, ``k >= 0``.

    Returns:
        numpy.ndarray: ``min(k, m)`` positions, int64.
    """
    m = neg.size
    idx = np.arange(m)
    if k >= m:
        return idx
    lo, hi = 0, m - 1
    want = k - 1  # idx[:k] ends up holding the k smallest
    while lo < hi:
        a, b, c = idx[lo], idx[(lo + hi) // 2], idx[hi]
        ab = neg[a] < neg[b] or (neg[a] == neg[b] and a < b)
        bc = neg[b] < neg[c] or (neg[b] == neg[c] and b < c)
        ac = neg[a] < neg[c] or (neg[a] == neg[c] and a < c)
        if ab:
            pivot = b if bc else (c if ac else a)
        else:
            pivot = a if ac else (c if bc else b)
        key = neg[pivot]
        i, j = lo, hi
        while i <= j:  # Hoare partition around the pivot
            while neg[idx[i]] < key or (neg[idx[i]] == key and idx[i] < pivot):
                i += 1
            while key < neg[idx[j]] or (neg[idx[j]] == key and pivot < idx[j]):
                j -= 1
            if i <= j:
                t = idx[i]
                idx[i] = idx[j]
                idx[j] = t
                i += 1
                j -= 1
        if want <= j:
            hi = j
        elif want >= i:
            lo = i
        else:
            break
    return idx[:k]


@jit
def _buyer_decide(
    fp: np.ndarray,
    vol_fp: np.ndarray,
    buyer_of: np.ndarray,
    savings_group: np.ndarray,
    linked: np.ndarray,
    village: np.ndarray,
    pull_list: np.ndarray,
    producer_groups: bool,
    group_offset: int,
    unique_id: int,
    unit_margin: float,
    relationship_cost: float,
    weight: float,
    inclusion_bonus: float,
    risk_share: float,
    min_volume: float,
    max_suppliers: int,
    target_volume: float,
    any_order: bool,
) -> np.ndarray:
    """:func:`buyer_decide`, which see. With ``any_order`` the suppliers come in no
    particular order, and when the target cannot bind (the qualifying candidates'
    volumes together stay below it, in whatever order they are added) the best are
    found by a selection rather than a sort: the same suppliers, in less time."""
    k = fp.size
    # candidates and the group each markets with (-1 = alone)
    cand = np.empty(k, np.int64)
    vol = np.empty(k)
    group = np.empty(k, np.int64)
    m = 0
    n_groups = 0
    for j in range(k):
        i = fp[j]
        if buyer_of[i] >= 0 and buyer_of[i] != unique_id:
            continue
        gi = np.int64(savings_group[i])
        if producer_groups and gi < 0 and linked[i]:
            gi = group_offset + np.int64(village[i])
        cand[m] = i
        vol[m] = vol_fp[j]
        group[m] = gi
        if gi + 1 > n_groups:
            n_groups = gi + 1
        m += 1
    # each group's candidates and pooled volume, summed in id order (np.bincount's)
    members = np.zeros(n_groups, np.int64)
    pooled_g = np.zeros(n_groups)
    for j in range(m):
        if group[j] >= 0:
            members[group[j]] += 1
            pooled_g[group[j]] += vol[j]
    # qualifying candidates and their scores
    ok_pos = np.empty(m, np.int64)
    neg = np.empty(m)
    n_ok = 0
    for j in range(m):
        g = group[j]
        size = 1.0 if g < 0 else float(members[g])
        pooled = vol[j] if g < 0 else pooled_g[g]
        margin = vol[j] * unit_margin - relationship_cost / size
        very_poor = 1.0 if pull_list[cand[j]] else 0.0
        score = (
            weight * margin + (1.0 - weight) * inclusion_bonus * very_poor + risk_share * very_poor
        )
        if score > 0 and pooled >= min_volume and vol[j] > 0:
            ok_pos[n_ok] = j
            neg[n_ok] = -score
            n_ok += 1
    ok_pos = ok_pos[:n_ok]
    neg = neg[:n_ok]
    # best first, ties in id order: the first max_suppliers of the stable order
    if max_suppliers <= 0:
        order = np.zeros(0, np.int64)
    elif any_order and n_ok < 1_000_000 and _sum_at(vol, ok_pos) * (1.0 + 1e-6) < target_volume:
        # every partial sum of these positive volumes, in any order, is within a relative
        # n x 1.1e-16 of their total: with a margin of 1e-6 the target cannot bind, so
        # only which are best matters, not their order
        order = _best_first(neg, max_suppliers)
    else:
        order = stable_argsort(neg)[:max_suppliers]
    # while the expected volume already sourced is below the target
    keep = np.empty(order.size, np.int64)
    n_keep = 0
    sourced = 0.0
    for r in range(order.size):
        j = ok_pos[order[r]]
        sourced += vol[j]
        if sourced - vol[j] < target_volume:
            keep[n_keep] = cand[j]
            n_keep += 1
    for j in range(k):
        if buyer_of[fp[j]] == unique_id:
            buyer_of[fp[j]] = -1
    for r in range(n_keep):
        buyer_of[keep[r]] = unique_id
    return keep[:n_keep]


@jit
def buyer_decide_month(
    fp: np.ndarray,
    assets: np.ndarray,
    ability: np.ndarray,
    skill: np.ndarray,
    quality: np.ndarray,
    threshold: np.ndarray,
    width: np.ndarray,
    return_low: np.ndarray,
    return_high: np.ndarray,
    saturation: np.ndarray,
    input_share: np.ndarray,
    concave: bool,
    alpha: float,
    skill_gain: float,
    sell_share: float,
    buyer_of: np.ndarray,
    savings_group: np.ndarray,
    linked: np.ndarray,
    village: np.ndarray,
    pull_list: np.ndarray,
    ever_supplied: np.ndarray,
    unique_id: int,
    unit_margin: float,
    relationship_cost: float,
    weight: float,
    inclusion_bonus: float,
    risk_share: float,
    min_volume: float,
    max_suppliers: int,
    target_volume: float,
) -> np.ndarray:
    """An active buyer's whole monthly decision
    (:meth:`pushpull_sim.pull.buyers.Buyer.decide`): :func:`expected_volume` over its
    footprint, then :func:`buyer_decide` with producer groups when any household is
    linked, numbered from ``max(savings_group) + 1`` (at least 0), taking the best by a
    selection where the target cannot bind (their order is not needed then); the
    suppliers chosen are marked in ``ever_supplied``.

    Args:
        fp: The buyer's footprint, household ids ascending, int64, shape ``(k,)``.
        assets, ..., sell_share: As :func:`expected_volume` reads them.
        buyer_of, ..., pull_list: As :func:`buyer_decide` reads them (``buyer_of``
            updated in place).
        ever_supplied: Households that ever supplied this buyer, bool, shape ``(n,)``;
            updated.
        unique_id, ..., target_volume: As :func:`buyer_decide` reads them.

    Returns:
        numpy.ndarray: The suppliers chosen, ascending ids, int64.
    """
    vol_fp = expected_volume(
        fp, assets, ability, skill, quality, threshold, width, return_low, return_high,
        saturation, input_share, concave, alpha, skill_gain, sell_share,
    )  # fmt: skip
    producer_groups = False  # linked households outside a group form producer groups
    for i in range(linked.size):
        if linked[i]:
            producer_groups = True
            break
    group_offset = np.int64(0)
    for i in range(savings_group.size):
        if savings_group[i] + 1 > group_offset:
            group_offset = np.int64(savings_group[i]) + 1
    keep = _buyer_decide(
        fp, vol_fp, buyer_of, savings_group, linked, village, pull_list, producer_groups,
        group_offset, unique_id, unit_margin, relationship_cost, weight, inclusion_bonus,
        risk_share, min_volume, max_suppliers, target_volume, True,
    )  # fmt: skip
    # ascending: the footprint's order, read off the links just made
    chosen = np.empty(fp.size, np.int64)
    m = 0
    for j in range(fp.size):
        if buyer_of[fp[j]] == unique_id:
            chosen[m] = fp[j]
            m += 1
    for r in range(keep.size):
        ever_supplied[keep[r]] = True
    return chosen[:m]


@jit
def buyer_support_terms(
    fp: np.ndarray, buyer_of: np.ndarray, pull_list: np.ndarray, unique_id: int
) -> int:
    """Very poor suppliers a buyer has now, the count a project's risk sharing pays for
    (:meth:`pushpull_sim.pull.buyers.Buyer.support_terms`).

    Args:
        fp: The buyer's footprint, household ids, int, shape ``(k,)``.
        buyer_of: ``hh.buyer``, int, shape ``(n,)``.
        pull_list: ``model.pull_list`` (the very poor), bool, shape ``(n,)``.
        unique_id: The buyer's id.

    Returns:
        int: Households of the footprint linked to this buyer and on the pull list.
    """
    count = 0
    for j in range(fp.size):
        i = fp[j]
        if buyer_of[i] == unique_id and pull_list[i]:
            count += 1
    return count


@jit
def buyer_after_production(
    suppliers: np.ndarray,
    income_own: np.ndarray,
    input_cost: np.ndarray,
    quality: np.ndarray,
    transaction_cost: np.ndarray,
    income_sales: np.ndarray,
    paid_total: np.ndarray,
    haircut_total: np.ndarray,
    local: float,
    sell_share: float,
    price_premium: float,
) -> tuple[np.ndarray, np.ndarray]:
    """A buyer's purchases from its suppliers this month
    (:meth:`pushpull_sim.pull.buyers.Buyer.after_production`).

    For each supplier: output = ``max(income_own + input_cost, 0) / local`` (gross
    output at the spot price; ``max`` as numpy's, NaN kept), sold = output x quality x
    ``sell_share``, paid = sold x (1 + premium), haircut = paid x transaction cost;
    ``income_own -= sold x local``, ``income_sales += paid - haircut``, and the buyer's
    books of what it paid and of the haircuts grow by paid and haircut.

    Args:
        suppliers: Household ids, distinct, int, shape ``(k,)``.
        income_own: ``hh.income_own``, USD PPP, shape ``(n,)``; updated.
        input_cost: ``hh.input_cost``, USD PPP, shape ``(n,)``.
        quality: ``hh.quality``, share meeting the standard, shape ``(n,)``.
        transaction_cost: ``hh.transaction_cost``, share of value, shape ``(n,)``.
        income_sales: ``hh.income_sales``, USD PPP, shape ``(n,)``; updated.
        paid_total: What the buyer paid each household, USD PPP, ``(n,)``; updated.
        haircut_total: The transaction cost of those sales, USD PPP, ``(n,)``; updated.
        local: ``1 - livelihood.local_price_discount``, village over spot price.
        sell_share: Share of qualifying output sold to the buyer, 0-1.
        price_premium: Premium over the spot price, share.

    Returns:
        tuple: ``(sold, paid)``: each supplier's sale at spot value and what the buyer
        paid for it, USD PPP, each shape ``(k,)``, in the order of ``suppliers`` (the
        buyer sums them with numpy).
    """
    k = suppliers.size
    sold = np.empty(k)
    paid = np.empty(k)
    markup = 1.0 + price_premium
    for j in range(k):
        i = suppliers[j]
        gross = income_own[i] + input_cost[i]
        if not (gross > 0.0 or gross != gross):  # np.maximum(gross, 0.0)
            gross = 0.0
        s = gross / local * quality[i] * sell_share
        pay = s * markup
        haircut = pay * transaction_cost[i]
        income_own[i] = income_own[i] - s * local
        income_sales[i] = income_sales[i] + (pay - haircut)
        paid_total[i] = paid_total[i] + pay
        haircut_total[i] = haircut_total[i] + haircut
        sold[j] = s
        paid[j] = pay
    return sold, paid


@jit
def buyer_relationships(
    suppliers: np.ndarray,
    savings_group: np.ndarray,
    linked: np.ndarray,
    village: np.ndarray,
    pull_list: np.ndarray,
) -> tuple[int, int]:
    """A buyer's very poor suppliers and relationships this month
    (:meth:`pushpull_sim.pull.buyers.Buyer.settle`).

    A supplier markets with its savings group, or, when some household is linked
    (``linked.any()``), a linked supplier outside one with its village's producer group
    (:func:`pushpull_sim.pull.buyers.marketing_group`); each group is one relationship,
    and each supplier marketing alone is one.

    Args:
        suppliers: Household ids, int, shape ``(k,)``.
        savings_group: ``hh.savings_group``, int, shape ``(n,)``, -1 = none.
        linked: ``hh.linked``, bool, shape ``(n,)``.
        village: ``hh.village``, int, shape ``(n,)``.
        pull_list: ``model.pull_list`` (the very poor), bool, shape ``(n,)``.

    Returns:
        tuple: ``(very_poor, relationships)``: suppliers on the pull list, and suppliers
        alone plus distinct groups.
    """
    producer_groups = False
    for i in range(linked.size):
        if linked[i]:
            producer_groups = True
            break
    offset = np.int64(0)  # max(savings_group.max() + 1, 0), as marketing_group numbers
    for i in range(savings_group.size):
        if savings_group[i] + 1 > offset:
            offset = np.int64(savings_group[i]) + 1
    very_poor = 0
    alone = 0
    n_groups = np.int64(0)
    group = np.empty(suppliers.size, np.int64)
    for j in range(suppliers.size):
        i = suppliers[j]
        if pull_list[i]:
            very_poor += 1
        g = np.int64(savings_group[i])
        if producer_groups and g < 0 and linked[i]:
            g = offset + np.int64(village[i])
        group[j] = g
        if g < 0:
            alone += 1
        elif g + 1 > n_groups:
            n_groups = g + 1
    seen = np.zeros(n_groups, np.bool_)
    distinct = 0
    for j in range(suppliers.size):
        g = group[j]
        if g >= 0 and not seen[g]:
            seen[g] = True
            distinct += 1
    return very_poor, alone + distinct


@jit
def lender_sort_out(
    owing: np.ndarray,
    balance: np.ndarray,
    arrears: np.ndarray,
    lender_of: np.ndarray,
    default_after: int,
    late_tolerance: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The month's borrowers sorted out after collection
    (:meth:`pushpull_sim.pull.credit.Lender.settle`, after :func:`lender_settle`).

    A borrower at least ``default_after`` months in arrears defaults (left to the
    lender's write-off); otherwise one owing at most ``late_tolerance`` has repaid (its
    balance set to 0 and its link cut, ``lender_of = -1``); the others still owe.

    Args:
        owing: This month's borrowers, ascending ids, int, shape ``(m,)``.
        balance: Principal owed, USD PPP, shape ``(n,)``; updated for those repaid.
        arrears: Consecutive months in arrears, int, shape ``(n,)``.
        lender_of: ``hh.lender``, int, shape ``(n,)``; updated for those repaid.
        default_after: Months in arrears before a loan defaults.
        late_tolerance: Balance below which a loan counts as repaid, USD PPP.

    Returns:
        tuple: ``(defaulted, repaid, clients)``: ascending ids, int64, each a part of
        ``owing`` (a NaN balance is in none of them).
    """
    m = owing.size
    bad = np.empty(m, np.int64)
    repaid = np.empty(m, np.int64)
    clients = np.empty(m, np.int64)
    n_bad = n_repaid = n_clients = 0
    for j in range(m):
        i = owing[j]
        if arrears[i] >= default_after:
            bad[n_bad] = i
            n_bad += 1
        elif balance[i] <= late_tolerance:
            balance[i] = 0.0
            lender_of[i] = -1
            repaid[n_repaid] = i
            n_repaid += 1
        elif balance[i] > late_tolerance:
            clients[n_clients] = i
            n_clients += 1
    return bad[:n_bad], repaid[:n_repaid], clients[:n_clients]


# --------------------------------------------------------------------------- agents
@jit
def _reach_of(
    r: int,
    reach: int,
    indptr: np.ndarray,
    indices: np.ndarray,
    data: np.ndarray,
    village: np.ndarray,
    mark: np.ndarray,
    members: np.ndarray,
) -> int:
    """The households within ``reach`` steps of household ``r`` along ties of positive
    weight within its village, found breadth first: written to ``members[:count]`` in
    order of discovery and marked in ``mark``; returns ``count``."""
    mark[r] = True
    members[0] = r
    count = 1
    first = 0
    for _ in range(reach):
        last = count
        for f in range(first, last):
            i = members[f]
            for jj in range(indptr[i], indptr[i + 1]):
                j = indices[jj]
                if data[jj] > 0 and village[j] == village[i] and not mark[j]:
                    mark[j] = True
                    members[count] = j
                    count += 1
        first = last
    return count


@jit
def agent_placement(
    indptr: np.ndarray,
    indices: np.ndarray,
    data: np.ndarray,
    village: np.ndarray,
    starts: np.ndarray,
    ends: np.ndarray,
    reach: int,
    value: np.ndarray,
    degree: np.ndarray,
    by_count: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """An agent's hub in each village it serves and the households their reach holds
    (:class:`pushpull_sim.pull.agents.ServiceAgent` at entry).

    Within a village's own ties (positive weights), the households within ``reach``
    steps of each household are its reach (itself included). A household's score is the
    sum of ``value`` over its reach, added from 0 in ascending id order (as the sparse
    product of the reach matrix with ``value`` adds it). The hub is the household of
    highest score, the first in id order among equals (``np.argmax``), or, with
    ``by_count``, ties broken by higher ``degree`` first.

    Args:
        indptr, indices, data: The network in canonical CSR form (sorted indices, no
            duplicates), shape ``(n, n)``.
        village: Village of each household, int, shape ``(n,)`` (households sorted by
            village).
        starts, ends: First and one-past-last household of each village served, int,
            shape ``(v,)``.
        reach: Network steps, >= 0.
        value: What a score adds up, shape ``(n,)`` (productive assets, USD PPP, or 1.0
            for each very poor household).
        degree: Each household's degree, shape ``(n,)``.
        by_count: Whether ties in score go to the higher degree (``"network"``
            placement).

    Returns:
        tuple: ``(hubs, reached)``: the hub of each village (-1 for a village without
        households), int64, shape ``(v,)``; and the households within reach of a hub,
        bool, shape ``(n,)``.
    """
    n = village.size
    hubs = np.full(starts.size, -1, np.int64)
    reached = np.zeros(n, np.bool_)
    mark = np.zeros(n, np.bool_)
    members = np.empty(n, np.int64)  # the reach of one household, in order of discovery
    for v in range(starts.size):
        lo, hi = starts[v], ends[v]
        if hi <= lo:
            continue
        best = -1
        best_score = 0.0
        for r in range(lo, hi):
            count = _reach_of(r, reach, indptr, indices, data, village, mark, members)
            # the score, added in ascending id order; the marks cleared on the way
            score = 0.0
            if count * count > hi - lo:  # a large reach: walk the village
                for j in range(lo, hi):
                    if mark[j]:
                        score += value[j]
                        mark[j] = False
            else:  # a small reach: sort it (insertion) and walk it
                for a in range(1, count):
                    x = members[a]
                    b = a - 1
                    while b >= 0 and members[b] > x:
                        members[b + 1] = members[b]
                        b -= 1
                    members[b + 1] = x
                for a in range(count):
                    score += value[members[a]]
                    mark[members[a]] = False
            if best < 0:
                better = True
            elif by_count:
                better = score > best_score or (score == best_score and degree[r] > degree[best])
            else:  # np.argmax: the first maximum, a NaN above all
                better = score > best_score or (score != score and best_score == best_score)
            if better:
                best, best_score = r, score
        hubs[v] = best
        # read back from hubs (int64): passing ``best`` itself, which starts as the
        # literal -1, made numba compile _reach_of a second time for that literal
        count = _reach_of(hubs[v], reach, indptr, indices, data, village, mark, members)
        for a in range(count):
            reached[members[a]] = True
            mark[members[a]] = False
    return hubs, reached


@jit
def agent_decide(
    village_ids: np.ndarray,
    footprint: np.ndarray,
    linked: np.ndarray,
    transaction_cost: np.ndarray,
    agent_of: np.ndarray,
    agent_share: float,
    unique_id: int,
) -> np.ndarray:
    """The households an agent serves this month, and their lower transaction cost
    (:meth:`pushpull_sim.pull.agents.ServiceAgent.decide`).

    Served: the households of its villages in its footprint or linked (registered by
    the programme). There ``transaction_cost = min(transaction_cost, agent_share)``
    (``min`` as numpy's, NaN kept) and ``agent_of = unique_id``.

    Args:
        village_ids: Households of the agent's villages, ascending ids, int, shape
            ``(v,)`` (they hold its footprint).
        footprint: The agent's footprint, bool, shape ``(n,)``.
        linked: ``hh.linked``, bool, shape ``(n,)``.
        transaction_cost: ``hh.transaction_cost``, share, shape ``(n,)``; updated.
        agent_of: ``hh.agent``, int, shape ``(n,)``; updated.
        agent_share: The agent's transaction cost, share of the value traded.
        unique_id: The agent's id.

    Returns:
        numpy.ndarray: Households served, ascending ids, int64, shape ``(k,)``.
    """
    served = np.empty(village_ids.size, np.int64)
    m = 0
    for j in range(village_ids.size):
        i = village_ids[j]
        if footprint[i] or linked[i]:
            served[m] = i
            m += 1
            t = transaction_cost[i]
            if not (t < agent_share or t != t):  # np.minimum(t, agent_share)
                transaction_cost[i] = agent_share
            agent_of[i] = unique_id
    return served[:m]


@jit
def agent_settle(
    served: np.ndarray, input_cost: np.ndarray, remittance_fees: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """An agent's clients and the trade it earns on this month
    (:meth:`pushpull_sim.pull.agents.ServiceAgent.settle`).

    Args:
        served: Households served, ids, int, shape ``(k,)``.
        input_cost: ``hh.input_cost``, USD PPP, shape ``(n,)``.
        remittance_fees: ``hh.remittance_fees``, USD PPP, shape ``(n,)``.

    Returns:
        tuple: ``(clients, inputs, fees)``: the served households that bought inputs
        (``input_cost > 0``, in the order of ``served``, int64) and what they bought,
        USD PPP, each shape ``(m,)``; the remittance fees of every household served,
        USD PPP, shape ``(k,)`` (the agent sums them with numpy).
    """
    k = served.size
    clients = np.empty(k, np.int64)
    inputs = np.empty(k)
    fees = np.empty(k)
    m = 0
    for j in range(k):
        i = served[j]
        fees[j] = remittance_fees[i]
        if input_cost[i] > 0:
            clients[m] = i
            inputs[m] = input_cost[i]
            m += 1
    return clients[:m], inputs[:m], fees


# --------------------------------------------------------------------------- books
@jit
def count_clients(
    clients: np.ndarray, extreme_poor: np.ndarray, eligible: np.ndarray
) -> tuple[int, int]:
    """Clients below the extreme-poverty line and clients eligible for the programme
    (:meth:`pushpull_sim.pull.base.PullActor.book`).

    Args:
        clients: Household ids, int, shape ``(k,)``.
        extreme_poor: ``hh.extreme_poor``, bool, shape ``(n,)``.
        eligible: ``hh.eligible``, bool, shape ``(n,)``.

    Returns:
        tuple: ``(extreme_poor, eligible)`` counts over ``clients`` (a household listed
        twice counts twice).
    """
    poor = 0
    elig = 0
    for j in range(clients.size):
        i = clients[j]
        if extreme_poor[i]:
            poor += 1
        if eligible[i]:
            elig += 1
    return poor, elig


# --------------------------------------------------------------------------- lenders
@jit
def lender_decide(
    ids: np.ndarray,
    ask: np.ndarray,
    savings: np.ndarray,
    vsla_share: np.ndarray,
    confidence: np.ndarray,
    income_12m: np.ndarray,
    linked: np.ndarray,
    lender_of: np.ndarray,
    excluded: np.ndarray,
    footprint: np.ndarray,
    pull_list: np.ndarray,
    good_record: np.ndarray,
    monthly_rate: float,
    application_prob: float,
    profitable_multiplier: float,
    confidence_baseline: float,
    min_assets: float,
    min_savings: float,
    max_loan: float,
    collateral_multiple: float,
    instalment_cap: bool,
    max_instalment_share: float,
    instalment_per_usd: float,
    hurdle: float,
    hurdle_guaranteed: float,
    assets: np.ndarray,
    ability: np.ndarray,
    skill: np.ndarray,
    labour: np.ndarray,
    casual_access: np.ndarray,
    wage_rate: np.ndarray,
    threshold: np.ndarray,
    width: np.ndarray,
    return_low: np.ndarray,
    return_high: np.ndarray,
    saturation: np.ndarray,
    mortality: np.ndarray,
    days_per_usd: np.ndarray,
    concave: bool,
    alpha: float,
    skill_gain: float,
    labour_days_per_month: float,
    depreciation: float,
) -> tuple[np.ndarray, np.ndarray]:
    """A lender's monthly lending (:meth:`pushpull_sim.pull.credit.Lender.decide`).

    A household of the footprint applies when ``ask < prob``: ``application_prob`` (x
    ``profitable_multiplier`` when its assets' marginal net return beats the monthly
    rate) x confidence / baseline (when the baseline is positive). An applicant must be
    eligible: assets and savings (with group shares) at the minimums, or a good group
    record, or linked; in the footprint, not excluded, without a lender. The loan is
    ``min(max_loan, collateral_multiple x (assets + savings + shares))``, and (with the
    instalment cap) at most ``max_instalment_share x max(income_12m, 0) /
    instalment_per_usd``; it is made when positive and at least the hurdle
    (``hurdle_guaranteed`` for the very poor, ``pull_list``).

    Args:
        ids: The footprint, household ids ascending, int, shape ``(k,)``.
        ask: The month's uniform draws, one per household, shape ``(n,)``.
        savings, vsla_share, confidence, income_12m: The households' arrays, shape
            ``(n,)`` (USD PPP; confidence 0-1).
        linked: ``hh.linked`` (referred by the programme), bool, shape ``(n,)``.
        lender_of: ``hh.lender``, int, shape ``(n,)``, -1 = none.
        excluded: Households this lender excludes, bool, shape ``(n,)``.
        footprint: Households this lender can serve, bool, shape ``(n,)``.
        pull_list: ``model.pull_list`` (the very poor), bool, shape ``(n,)``.
        good_record: Good savings-group record of each footprint household, bool, shape
            ``(k,)``, or shape ``(0,)`` when the lender does not accept group records.
        monthly_rate: Interest per month.
        application_prob: Monthly application probability at baseline confidence.
        profitable_multiplier: Its multiplier when borrowing to invest pays.
        confidence_baseline: Baseline confidence (no scaling when not positive).
        min_assets, min_savings: Eligibility minimums, USD PPP.
        max_loan: Largest loan, USD PPP.
        collateral_multiple: Loan limit as a multiple of assets plus savings.
        instalment_cap: Whether loans are sized to what the income can repay.
        max_instalment_share: Largest first instalment, share of monthly income.
        instalment_per_usd: First instalment per USD lent (``1 / term + rate``).
        hurdle: Smallest profitable loan, USD PPP (inf if none).
        hurdle_guaranteed: The same for very poor applicants under a guarantee.
        assets, ..., depreciation: What the marginal net return reads
            (:func:`pushpull_sim.kernels.livelihood.marginal_net_return_one`;
            :func:`pushpull_sim.livelihood.production_args`), evaluated only for
            eligible households whose draw falls below the higher of their two possible
            probabilities (it decides between them only there).

    Returns:
        tuple: ``(granted, amount)``: household ids lent to (ascending, int64) and the
        loans, USD PPP, each shape ``(m,)``.
    """
    granted = np.empty(ids.size, np.int64)
    amount = np.empty(ids.size)
    records = good_record.size > 0
    m = 0
    for j in range(ids.size):
        i = ids[j]
        ok = (assets[i] >= min_assets) and (savings[i] + vsla_share[i] >= min_savings)
        if records:
            ok = ok or good_record[j]
        ok = ok or linked[i]
        eligible = ok and footprint[i] and not excluded[i] and lender_of[i] < 0
        if not eligible:
            continue
        # the probability with and without the multiplier for borrowing to invest
        prob_invest = application_prob * profitable_multiplier
        prob_other = application_prob * 1.0
        if confidence_baseline > 0:
            prob_invest = prob_invest * (confidence[i] / confidence_baseline)
            prob_other = prob_other * (confidence[i] / confidence_baseline)
        if not ask[i] < max(prob_invest, prob_other):
            continue  # does not apply whichever the return
        net_return = marginal_net_return_one(
            i,
            assets,
            ability,
            skill,
            labour,
            casual_access,
            wage_rate,
            threshold,
            width,
            return_low,
            return_high,
            saturation,
            mortality,
            days_per_usd,
            concave,
            alpha,
            skill_gain,
            labour_days_per_month,
            depreciation,
        )
        prob = prob_invest if net_return > monthly_rate else prob_other
        if not ask[i] < prob:
            continue
        wealth = assets[i] + savings[i] + vsla_share[i]
        size = min(max_loan, collateral_multiple * wealth)
        if instalment_cap:
            capacity = max_instalment_share * max(income_12m[i], 0.0)
            size = min(size, capacity / instalment_per_usd)
        bar = hurdle_guaranteed if pull_list[i] else hurdle
        if size > 0 and size >= bar:
            granted[m] = i
            amount[m] = size
            m += 1
    return granted[:m], amount[:m]


@jit
def lender_payments_due(
    balance: np.ndarray, months_left: np.ndarray, monthly_rate: float, out: np.ndarray
) -> bool:
    """This month's interest and principal instalment on each household's loan
    (:meth:`pushpull_sim.pull.credit.Lender.payments_due`): ``balance x rate + balance /
    max(months_left, 1)`` where a balance is owed, else 0.

    Args:
        balance: Principal owed, USD PPP, shape ``(n,)``.
        months_left: Months left on each loan, int, shape ``(n,)``.
        monthly_rate: Interest per month.
        out: Written: USD PPP due, shape ``(n,)``.

    Returns:
        bool: Whether any household owes.
    """
    owing = False
    for i in range(balance.size):
        b = balance[i]
        if b > 0:
            out[i] = b * monthly_rate + b / max(months_left[i], 1)
            owing = True
        else:
            out[i] = 0.0
    return owing


@jit
def lender_settle(
    balance: np.ndarray,
    months_left: np.ndarray,
    arrears: np.ndarray,
    savings: np.ndarray,
    interest_paid: np.ndarray,
    interest_paid_total: np.ndarray,
    debt: np.ndarray,
    monthly_rate: float,
    late_tolerance: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Collect the month's instalments (:meth:`pushpull_sim.pull.credit.Lender.settle`,
    before defaults).

    Each borrower (``balance > 0``) owes interest ``balance x rate`` and principal
    ``balance / max(months_left, 1)``, paid from cash, interest first. Cash, debt and the
    balance fall by what is paid (cash and debt clamped at 0 against last-bit rounding),
    months left fall by one, and a borrower who paid more than ``late_tolerance`` short
    is one month further in arrears (else none).

    Args:
        balance: Principal owed, USD PPP, shape ``(n,)``; updated.
        months_left: Months left on each loan, int, shape ``(n,)``; updated.
        arrears: Consecutive months in arrears, int, shape ``(n,)``; updated.
        savings: ``hh.savings`` (cash), USD PPP, shape ``(n,)``; updated.
        interest_paid: ``hh.interest_paid`` this month, USD PPP, shape ``(n,)``; updated.
        interest_paid_total: What each household paid this lender, USD PPP, ``(n,)``;
            updated.
        debt: ``hh.debt``, USD PPP, shape ``(n,)``; updated.
        monthly_rate: Interest per month.
        late_tolerance: Shortfall below which a payment counts as in full, USD PPP.

    Returns:
        tuple: ``(owing, paid_interest)``: the borrowers (ascending ids, int64) and the
        interest each paid, USD PPP, each shape ``(m,)``.
    """
    n = balance.size
    owing = np.empty(n, np.int64)
    paid = np.empty(n)
    m = 0
    for i in range(n):
        bal = balance[i]
        if not bal > 0:
            continue
        interest = bal * monthly_rate
        principal_due = bal / max(months_left[i], 1)
        cash = savings[i]
        paid_interest = min(interest, cash)
        paid_principal = min(principal_due, cash - paid_interest)
        # paid_interest + paid_principal may exceed the cash by its last bit: clamp
        savings[i] = max(cash - (paid_interest + paid_principal), 0.0)
        interest_paid[i] += paid_interest
        interest_paid_total[i] += paid_interest
        # debt sums every lender's and group's balance: rounding can leave -1e-13
        debt[i] = max(debt[i] - paid_principal, 0.0)
        balance[i] = bal - paid_principal
        months_left[i] = max(months_left[i] - 1, 0)
        late = (paid_interest + paid_principal) < interest + principal_due - late_tolerance
        arrears[i] = arrears[i] + 1 if late else 0
        owing[m] = i
        paid[m] = paid_interest
        m += 1
    return owing[:m], paid[:m]
