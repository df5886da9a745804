"""Savings groups (VSLA): formation, money conservation, returns, smoothing, persistence."""

import numpy as np
import pytest
from conftest import small

from pushpull_sim import GraduationModel
from pushpull_sim.interventions import REGISTRY, SavingsGroups
from pushpull_sim.scenario import ScenarioError, scenario_from_dict

TRANSFERS = [
    {"type": "asset_transfer"},
    {"type": "consumption_support", "duration_months": 6},
]


def scenario(months=48, transfers=True, programme=None, **sg):
    """Small scenario with a savings group (and, by default, the transfers); every group
    forms at once (formation_window_months = 1) unless ``sg`` says otherwise, so cycle
    months are calendar months here."""
    sg.setdefault("formation_window_months", 1)
    items = (TRANSFERS if transfers else []) + [{"type": "savings_group", **sg}]
    return small(programme={"interventions": items, **(programme or {})}, run={"months": months})


def groups_of(model):
    return next(iv for iv in model.interventions if isinstance(iv, SavingsGroups))


def retained(model, sg):
    """Groups' holdings not yet owed to members as shares (interest earned, defaults, social
    fund): sum(fund + loans_out + social_fund) - sum(vsla_share)."""
    return (sg.fund + sg.loans_out + sg.social_fund).sum() - model.hh.vsla_share.sum()


def test_registered_and_exported():
    assert REGISTRY["savings_group"] is SavingsGroups


def test_money_is_conserved_per_group_and_in_total_every_month():
    model = GraduationModel(scenario(months=40, membership="self_selected"))
    sg = groups_of(model)
    hh = model.hh
    before = retained(model, sg)
    moved = {"interest": 0.0, "defaults": 0.0, "grants": 0}
    while model.month < model.horizon:
        model.step()
        members = sg.group_of >= 0
        assert members.sum() > 0
        scale = 1.0 + sg.contributions_total.max()
        # per group: what the group holds = what came in - what went out
        held = sg.fund + sg.loans_out
        flows = sg.contributions_total + sg.interest_total - sg.defaults_total - sg.shareout_total
        np.testing.assert_allclose(held, flows, rtol=0, atol=1e-9 * scale)
        np.testing.assert_allclose(
            sg.social_fund, sg.social_in_total - sg.social_out_total, rtol=0, atol=1e-9 * scale
        )
        assert np.abs(sg.conservation_residual()).max() <= 1e-9 * scale
        # the group's books agree with its members' loans
        loans = np.bincount(sg.group_of[members], sg.loan_balance[members], minlength=sg.n_groups)
        np.testing.assert_allclose(sg.loans_out, loans, rtol=0, atol=1e-9 * scale)
        assert sg.fund.min() >= -1e-9 * scale and sg.social_fund.min() >= -1e-9 * scale
        # in total: households' and groups' books mirror each other
        after = retained(model, sg)
        expected = hh.interest_paid.sum() - hh.debt_written_off.sum() - hh.financial_income.sum()
        assert after - before == pytest.approx(expected, abs=1e-8 * scale)
        before = after
        # household accounts stay exact, cash never negative
        residual = hh.accounting_residual()
        wealth = 1.0 + np.abs(hh.income) + hh.assets + hh.savings + hh.vsla_share + hh.debt
        assert np.all(np.abs(residual) <= 1e-9 * wealth), (model.month, np.abs(residual).max())
        assert hh.savings.min() >= 0.0 and hh.vsla_share.min() >= 0.0 and hh.debt.min() >= 0.0
        moved["interest"] += hh.interest_paid.sum()
        moved["defaults"] += hh.debt_written_off.sum()
        moved["grants"] += (hh.financial_income > 0).sum()
    # the books were tested with money actually moving through every channel
    assert moved["interest"] > 1000 and moved["defaults"] > 0 and moved["grants"] > 0
    assert sg.shareout_total.sum() > sg.contributions_total.sum() * 0.5
    assert sg.social_out_total.sum() > 0 and sg.disbursed_total.sum() > 0


def test_annual_return_on_savings_of_completed_cycles_within_published_range():
    model = GraduationModel(scenario(months=48)).run()
    sg = groups_of(model)
    cycles = sg.cycle_returns()
    assert cycles["group"].size == 4 * sg.n_groups  # share-outs at months 12, 24, 36, 48
    np.testing.assert_array_equal(cycles["months"], 12)
    r = sg.annual_return_on_savings()
    assert 0.20 <= r <= 0.60, r  # VSLAs: 20-60 % a year is common
    # the return is interest earned net of defaults, relative to the savings balance
    profit = sg.interest_total.sum() - sg.defaults_total.sum()
    assert cycles["profit"].sum() == pytest.approx(profit, rel=1e-9)
    # without lending there is nothing to earn
    idle = GraduationModel(scenario(months=24, loan_multiple=0.0)).run()
    assert groups_of(idle).annual_return_on_savings() == pytest.approx(0.0, abs=1e-12)


def test_share_out_returns_principal_plus_profit_in_proportion_to_shares():
    model = GraduationModel(scenario(months=13))
    sg = groups_of(model)
    hh = model.hh
    for _ in range(11):
        model.step()
    members = np.flatnonzero(sg.group_of >= 0)
    assert hh.vsla_share[members].sum() > 0
    interest_before = sg.interest_total.copy()
    model.step()  # month 12: the first share-out
    assert model.month == 12
    np.testing.assert_array_equal(sg.cycles_completed, 1)
    assert hh.vsla_share[members].max() == 0.0
    assert np.abs(sg.fund).max() < 1e-9 and np.abs(sg.loans_out).max() < 1e-9
    g = sg.group_of[members]
    shares = np.bincount(g, sg.shareout_shares[members])
    value = np.bincount(g, sg.shareout_value[members])
    # each group returns its members' principal plus the cycle's interest net of defaults
    np.testing.assert_allclose(value, shares + sg.interest_total - sg.defaults_total, rtol=1e-9)
    assert np.all(value > shares)  # a profit
    assert np.all(sg.interest_total >= interest_before)
    # in proportion to shares (a borrower's loan is set off against its part)
    held = sg.shareout_shares[members] > 0
    ratio = sg.shareout_value[members][held] / sg.shareout_shares[members][held]
    for gid in np.unique(g):
        r = ratio[g[held] == gid]
        assert r.max() == pytest.approx(r.min(), rel=1e-9)
    # the cash comes back: members' savings jump at the share-out
    paid = sg.shareout_cash[members]
    assert paid.sum() > 0.8 * shares.sum()
    model.step()  # a new cycle starts from zero
    assert sg.shareout_total.sum() == pytest.approx(value.sum())
    assert 0 < hh.vsla_share[members].sum() < 0.2 * shares.sum()


def test_groups_within_size_bounds_from_village_neighbours():
    model = GraduationModel(scenario(membership="self_selected", months=2))
    sg = groups_of(model)
    model.step()
    p = sg.params
    sizes = sg.group_sizes()
    assert sg.n_groups >= 4
    assert sizes.min() >= p.min_size and sizes.max() <= p.max_size
    np.testing.assert_array_equal(sizes, sg.size_formed)
    np.testing.assert_array_equal(model.hh.savings_group, sg.group_of)
    members = np.flatnonzero(sg.group_of >= 0)
    # one village per group here (enough joiners in every village)
    v = model.hh.village[members]
    for gid in range(sg.n_groups):
        assert np.unique(v[sg.group_of[members] == gid]).size == 1
    # most of a member's ties to other members are within its own group
    adj = model.network[members][:, members].tocoo()
    g = sg.group_of[members]
    assert (g[adj.row] == g[adj.col]).mean() > 0.7
    # and the split rule respects the bounds for any pool size
    for m in range(0, 200):
        n_groups, placed = sg._split(m)
        if n_groups:
            assert p.min_size <= placed / n_groups and -(-placed // n_groups) <= p.max_size
            assert placed <= m
        else:
            assert m < p.min_size


def test_self_selected_joiners_are_better_off_and_better_connected():
    model = GraduationModel(scenario(membership="self_selected", months=1))
    hh = model.hh
    wealth = hh.assets + hh.savings
    villages = np.unique(hh.village[model.participant_ids])
    model.step()
    sg = groups_of(model)
    pool = np.isin(hh.village, villages)
    joined = sg.ever_member
    assert joined.sum() > 50 and (pool & ~joined).sum() > 50
    assert not joined[~pool].any()
    assert np.median(wealth[joined]) > 1.2 * np.median(wealth[pool & ~joined])
    assert model.degree[joined].mean() > model.degree[pool & ~joined].mean() + 0.2
    # non-participants join too
    assert (joined & ~hh.participant).sum() > 0


def test_participants_membership_groups_only_participants():
    model = GraduationModel(scenario(programme={"eligible_share": 0.5}, months=3))
    model.run(3)
    sg = groups_of(model)
    hh = model.hh
    assert sg.n_groups >= 2
    assert sg.ever_member.sum() > 0.8 * model.participant_ids.size
    assert np.all(hh.participant[sg.ever_member])
    assert np.all(hh.savings_group[~hh.participant] == -1)


def test_costs_match_the_planned_unit_cost():
    model = GraduationModel(scenario(months=30))
    sg = groups_of(model)
    p = sg.params
    window = model.params.programme.end_month
    per_group = p.formation_cost_usd_ppp + window * p.facilitation_cost_usd_ppp_per_month
    assert sg.unit_cost_per_household() == pytest.approx(per_group / p.target_size)
    model.run()
    assert sg.cost_usd_ppp == pytest.approx(sg.n_groups * per_group)
    assert model.costs["savings_group"][window + 1 :].sum() == 0  # no cost after the project


def test_members_smooth_consumption_after_illness_better_than_non_members():
    """Common random numbers: the same households and illnesses with and without groups."""

    def run(with_groups):
        items = [{"type": "savings_group"}] if with_groups else []
        sc = small(programme={"interventions": items, "eligible_share": 0.5}, run={"months": 36})
        model = GraduationModel(sc)
        consumption, ill = [], []
        while model.month < model.horizon:
            model.step()
            consumption.append(model.hh.consumption.copy())
            ill.append(model.hh.ill.copy())
        return model, np.array(consumption), np.array(ill)

    a, c_with, ill = run(True)
    _, c_without, ill_b = run(False)
    np.testing.assert_array_equal(ill, ill_b)
    members = groups_of(a).ever_member
    drops = {"with": [], "without": []}
    for t in range(2, ill.shape[0]):  # months 3.. (groups hold shares by then)
        onset = ill[t] & ~ill[t - 1] & members
        for key, c in (("with", c_with), ("without", c_without)):
            drops[key].append((c[t - 1, onset] - c[t, onset]) / c[t - 1, onset])
    with_g, without = np.concatenate(drops["with"]), np.concatenate(drops["without"])
    assert with_g.size > 50
    assert with_g.mean() < without.mean() - 0.03, (with_g.mean(), without.mean())


def test_groups_outlive_the_project_only_where_members_keep_contributing():
    sc = scenario(months=48, membership="self_selected", programme={"end_month": 24})
    model = GraduationModel(sc)
    sg = groups_of(model)
    hh = model.hh
    model.run(24)
    assert sg.active.all()
    # after the project, village 0 loses its livelihoods: no wage work, no assets
    poor = hh.village == 0
    hh.labour[poor] = 0.0  # nobody there can do casual work any more
    hh.assets[poor] = 0.0
    hh.savings[poor] = 0.0
    model.run(48)
    in_poor = sg.village == 0
    assert in_poor.any() and (~in_poor).any()
    assert not sg.active[in_poor].any()
    np.testing.assert_array_equal(sg.dissolved_month[in_poor], 36)  # first share-out after
    assert sg.active[~in_poor].all()
    assert np.all(hh.savings_group[poor] == -1)
    # the dissolved groups handed back their social fund; the others go on earning
    assert np.abs(sg.social_fund[in_poor]).max() < 1e-9
    c = sg.cycle_returns()
    assert np.isin(np.flatnonzero(~in_poor), c["group"][c["month"] == 48]).all()
    assert sg.cost_usd_ppp == pytest.approx(model.costs["savings_group"][:25].sum())
    # same scenario untouched: every group survives the same share-outs
    control = GraduationModel(sc).run()
    assert groups_of(control).active.all()


def test_no_groups_formed_outside_the_window():
    model = GraduationModel(scenario(months=30, programme={"end_month": 12}, start_month=13))
    sg = groups_of(model)
    assert sg.unit_cost_per_household() == 0.0
    model.run()
    assert sg.n_groups == 0 and sg.cost_usd_ppp == 0.0
    with pytest.raises(RuntimeError, match="window"):
        sg._form_groups(model)


def test_credit_history_counts_membership_and_repayments():
    model = GraduationModel(scenario(months=24)).run()
    sg = groups_of(model)
    members = sg.ever_member
    assert sg.member_months[members].min() >= 12
    assert sg.member_months[~members].max() == 0
    assert np.all(sg.repaid_on_time <= sg.instalments_due)
    assert sg.loans_taken[members].sum() > 0
    rate = sg.repaid_on_time.sum() / sg.instalments_due.sum()
    assert 0.5 < rate < 1.0


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        (
            {"bogus": 1},
            "programme.interventions[0].bogus = 1: unknown key; allowed: type, start_month",
        ),
        (
            {"membership": "everyone"},
            "programme.interventions[0].membership = 'everyone': input should be 'participants'",
        ),
        (
            {"max_size": 10},
            "programme.interventions[0].target_size = 20: must lie between min_size (15) and "
            "max_size (10)",
        ),
        (
            {"min_size": 30},
            "programme.interventions[0].target_size = 20: must lie between min_size (30)",
        ),
        (
            {"target_size": 30},
            "programme.interventions[0].target_size = 30: must lie between min_size (15) and "
            "max_size (25)",
        ),
        ({"interest_rate_monthly": 2.0}, "interest_rate_monthly = 2.0: must be <= 1"),
        ({"cycle_months": 3}, "programme.interventions[0].cycle_months = 3: must be > loan_term"),
        ({"min_size": 1.5}, "programme.interventions[0].min_size = 1.5: input should be"),
    ],
)
def test_scenario_validation_rejects_bad_parameters_in_one_line(item, expected):
    data = {"programme": {"interventions": [{"type": "savings_group", **item}]}}
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(data)
    msg = str(info.value)
    assert "\n" not in msg
    assert msg.startswith("<dict>: ")
    assert expected in msg, msg


def test_valid_parameters_load():
    sc = scenario_from_dict(
        {"programme": {"interventions": [{"type": "savings_group", "membership": "self_selected"}]}}
    )
    params = sc.programme.interventions[0]
    assert isinstance(params, SavingsGroups.Params)
    assert params.target_size == 20 and params.interest_rate_monthly == 0.10
